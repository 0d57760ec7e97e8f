"""Inventories of a running lab for the tools people drive routers with: ``xrsim inventory LAB
--format ansible|nornir|pyats|netmiko [-o FILE]``.

- ``render(status, spec, fmt)``: the inventory text of a lab, from its ``LabStatus`` (where
  each node listens: ``lab.json``) and its ``LabSpec`` (the lab file: the only place passwords
  come from; ``spec`` None: an inventory without passwords). ``FORMATS`` lists the formats:

  - ``ansible``: a YAML inventory, every node a host of ``all`` with ``ansible_host``,
    ``ansible_port``, ``ansible_user``, ``ansible_password`` and, for all,
    ``ansible_connection: ansible.netcommon.network_cli``, ``ansible_network_os:
    cisco.iosxr.iosxr``.
  - ``nornir``: a SimpleInventory hosts file: ``hostname``, ``port``, ``username``,
    ``password``, ``platform: cisco_xr`` (nornir-netmiko's device type) and
    ``connection_options`` for ``netmiko``, ``scrapli`` (``cisco_iosxr``) and, for a node with
    a NETCONF port, ``napalm`` (``iosxr_netconf`` on that port).
  - ``pyats``: a pyATS testbed: each node a device named by its hostname (Unicon's prompt
    patterns expect it) with ``os: iosxr``, the Unicon ``platform`` of its chassis family,
    ``credentials`` and ``connections: cli: {protocol: ssh, ip, port}``.
  - ``netmiko``: a JSON list of ``ConnectHandler`` keyword arguments (``device_type:
    cisco_xr``), in node order.

  Host keys: every format checks them against the lab's own ``ROOT/known_hosts`` where the
  tool lets an inventory name a file: pyATS through ``ssh_options: -o UserKnownHostsFile=``,
  netmiko (also under Nornir) with ``ssh_strict`` and ``alt_key_file`` (netmiko checks no host
  key by default; the inventory turns checking on, since the lab knows the keys), scrapli with
  ``ssh_known_hosts_file``. napalm's ``iosxr_netconf`` cannot check: ncclient's IOS XR device
  handler accepts every host key (its ``unknown_host_cb``), and its ``hostkey_b64`` pin fails
  to negotiate an RSA key with paramiko 5; the hosts file says so. Ansible's ``network_cli``
  (libssh and paramiko alike) reads only ``~/.ssh/known_hosts``: the inventory says so in a
  comment, with the command that adds the lab's keys there.
- ``write(path, text)``: the inventory written to ``path`` atomically, mode 0600 (it may carry
  passwords).
- ``register(sub)``: the ``xrsim inventory`` subcommand on ``xrsim``'s parser (LAB: a lab's
  name or its lab file, found through ``xrsim.lab.registry``; the lab file read with
  ``xrsim.lab.labfile``).

A node whose login user has only a hashed ``secret`` gets no password in any format (the YAML
formats say so in a comment; netmiko's JSON cannot).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from xrsim import platforms
from xrsim.errors import LabError
from xrsim.lab.spec import LabSpec, NodeSpec
from xrsim.lab.status import LabStatus, NodeEndpoint

__all__ = ["FORMATS", "Format", "register", "render", "write"]

Format = Literal["ansible", "nornir", "pyats", "netmiko"]
FORMATS: tuple[Format, ...] = ("ansible", "nornir", "pyats", "netmiko")

#: Unicon's IOS XR plugin for each chassis family of the catalog (none: the plain ``iosxr``).
_UNICON_PLATFORMS = {"ncs5500": "ncs5k", "asr9k": "asr9k", "8000": "spitfire"}


@dataclass(frozen=True)
class _Host:
    """One node as every format sees it."""

    endpoint: NodeEndpoint
    username: str | None
    password: str | None
    #: Why there is no password (None: there is one).
    missing: str | None


def _login(endpoint: NodeEndpoint, spec: LabSpec | None) -> _Host:
    node: NodeSpec | None = None
    if spec is not None:
        try:
            node = spec.node(endpoint.name)
        except KeyError:
            node = None
    if node is None:
        why = "not in the lab file" if spec is not None else "no lab file"
        return _Host(endpoint, endpoint.username, None, f"{why}: no password known")
    login = node.login
    if login is not None:
        return _Host(endpoint, login.name, login.password, None)
    name = endpoint.username or (node.users[0].name if node.users else None)
    return _Host(
        endpoint,
        name,
        None,
        f"user {name} has only a hashed secret in the lab file: no password here",
    )


def _known_hosts(status: LabStatus) -> Path:
    return Path(status.root) / "known_hosts"


def _header(status: LabStatus, fmt: Format, hosts: list[_Host], extra: list[str]) -> str:
    lines = [f"# xrsim inventory of lab {status.name} ({fmt})"]
    if status.source:
        lines.append(f"# lab file: {status.source}")
    lines.extend(f"# {line}" for line in extra)
    lines.extend(f"# {h.endpoint.name}: {h.missing}" for h in hosts if h.missing)
    return "\n".join(lines) + "\n"


def _yaml(data: Any) -> str:
    return str(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))


def _ansible(status: LabStatus, hosts: list[_Host]) -> str:
    entries: dict[str, dict[str, Any]] = {}
    for h in hosts:
        e = h.endpoint
        entry: dict[str, Any] = {"ansible_host": e.host, "ansible_port": e.ssh_port}
        if h.username is not None:
            entry["ansible_user"] = h.username
        if h.password is not None:
            entry["ansible_password"] = h.password
        entries[e.name] = entry
    doc = {
        "all": {
            "vars": {
                "ansible_connection": "ansible.netcommon.network_cli",
                "ansible_network_os": "cisco.iosxr.iosxr",
            },
            "hosts": entries,
        }
    }
    known = _known_hosts(status)
    notes = [
        "host keys: Ansible's network_cli (libssh or paramiko) checks ~/.ssh/known_hosts only;",
        f"add the lab's keys there first: cat {known} >> ~/.ssh/known_hosts",
    ]
    return _header(status, "ansible", hosts, notes) + _yaml(doc)


def _netmiko_host_keys(status: LabStatus) -> dict[str, Any]:
    """netmiko's arguments that check the host key against the lab's known_hosts."""
    return {
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(_known_hosts(status)),
    }


def _nornir(status: LabStatus, hosts: list[_Host]) -> str:
    entries: dict[str, dict[str, Any]] = {}
    for h in hosts:
        e = h.endpoint
        options: dict[str, Any] = {
            "netmiko": {"platform": "cisco_xr", "extras": _netmiko_host_keys(status)},
            "scrapli": {
                "platform": "cisco_iosxr",
                "extras": {"ssh_known_hosts_file": str(_known_hosts(status))},
            },
        }
        if e.netconf_port is not None:
            options["napalm"] = {
                "platform": "iosxr_netconf",
                "extras": {"optional_args": {"port": e.netconf_port}},
            }
        entry: dict[str, Any] = {"hostname": e.host, "port": e.ssh_port}
        if h.username is not None:
            entry["username"] = h.username
        if h.password is not None:
            entry["password"] = h.password
        entry["platform"] = "cisco_xr"
        entry["data"] = {
            "hostname": e.hostname,
            "platform_pid": e.platform,
            "release": e.release,
            "serial": e.serial,
            "lab": status.name,
        }
        entry["connection_options"] = options
        entries[e.name] = entry
    notes = [
        "a Nornir SimpleInventory host_file; netmiko and scrapli check host keys against",
        f"{_known_hosts(status)}; napalm's iosxr_netconf (ncclient's IOS XR handler)",
        "accepts any host key, and no inventory setting changes that",
    ]
    return _header(status, "nornir", hosts, notes) + _yaml(entries)


def _pyats(status: LabStatus, hosts: list[_Host]) -> str:
    devices: dict[str, dict[str, Any]] = {}
    catalog = platforms.catalog()
    for h in hosts:
        e = h.endpoint
        device: dict[str, Any] = {"alias": e.name, "os": "iosxr", "type": "router"}
        profile = catalog.get(e.platform)
        unicon = _UNICON_PLATFORMS.get(profile.family) if profile is not None else None
        if unicon is not None:
            device["platform"] = unicon
        credentials: dict[str, Any] = {}
        if h.username is not None:
            credentials["username"] = h.username
        if h.password is not None:
            credentials["password"] = h.password
        if credentials:
            device["credentials"] = {"default": credentials}
        device["connections"] = {
            "cli": {
                "protocol": "ssh",
                "ip": e.host,
                "port": e.ssh_port,
                "ssh_options": f"-o UserKnownHostsFile={_known_hosts(status)}",
            }
        }
        device["custom"] = {"serial": e.serial, "release": e.release, "pid": e.platform}
        devices[e.hostname] = device
    doc = {"testbed": {"name": status.name}, "devices": devices}
    notes = ["a pyATS testbed (devices named by hostname, as Unicon's prompts expect)"]
    return _header(status, "pyats", hosts, notes) + _yaml(doc)


def _netmiko(status: LabStatus, hosts: list[_Host]) -> str:
    devices: list[dict[str, Any]] = []
    for h in hosts:
        e = h.endpoint
        device: dict[str, Any] = {"device_type": "cisco_xr", "host": e.host, "port": e.ssh_port}
        if h.username is not None:
            device["username"] = h.username
        if h.password is not None:
            device["password"] = h.password
        device.update(_netmiko_host_keys(status))
        devices.append(device)
    return json.dumps(devices, indent=2) + "\n"


def render(status: LabStatus, spec: LabSpec | None, fmt: str) -> str:
    """The ``fmt`` inventory of the lab ``status`` describes, passwords from ``spec`` (see the
    module documentation). An unknown ``fmt`` raises ``LabError``."""
    if fmt not in FORMATS:
        raise LabError(f"unknown inventory format {fmt!r} (one of {', '.join(FORMATS)})")
    hosts = [_login(e, spec) for e in status.nodes]
    if fmt == "ansible":
        return _ansible(status, hosts)
    if fmt == "nornir":
        return _nornir(status, hosts)
    if fmt == "pyats":
        return _pyats(status, hosts)
    return _netmiko(status, hosts)


def write(path: Path, text: str) -> None:
    """``text`` into ``path`` atomically (a temporary file in its directory renamed over it),
    mode 0600 whatever the umask or an earlier file's mode."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- xrsim inventory ---------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``xrsim inventory`` to ``xrsim``'s subcommands."""
    p = sub.add_parser(
        "inventory",
        help="write an Ansible, Nornir, pyATS or netmiko inventory of a running lab",
        description=(
            "Write the inventory of a running lab for an automation tool: an Ansible YAML "
            "inventory (network_cli, cisco.iosxr.iosxr), a Nornir SimpleInventory hosts file, "
            "a pyATS testbed (os: iosxr) or a netmiko device list (JSON ConnectHandler "
            "arguments). Passwords come from the lab file; a file given with -o is written "
            "mode 0600."
        ),
    )
    p.add_argument("lab", metavar="LAB", help="a running lab's name, or its lab file")
    p.add_argument("--format", "-f", required=True, choices=FORMATS, help="the inventory format")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE",
        help="write the inventory to FILE (mode 0600) instead of standard output",
    )
    p.set_defaults(func=_inventory)


def _inventory(args: argparse.Namespace) -> int:
    from xrsim.lab import registry

    try:
        status = registry.find(args.lab)
        if status.state != "up":
            raise LabError(f"lab {status.name} is not up (state {status.state})")
        spec: LabSpec | None = None
        if status.source:
            from xrsim.lab import labfile

            spec = labfile.load(Path(status.source))
        text = render(status, spec, args.format)
        if args.output is None:
            sys.stdout.write(text)
        else:
            write(Path(args.output), text)
    except (LabError, OSError) as e:
        print(f"xrsim inventory: {e}", file=sys.stderr)
        return 1
    return 0

"""A lab exported to containerlab (layer 6): ``xrsim export containerlab LAB [-o DIR]``.

- ``export(spec, outdir, image=None) -> list[Path]``: writes, in ``outdir``,
  ``<name>.clab.yml`` (``topology``), the OCI image recipe ``Containerfile`` with the
  ``constraints.txt`` it installs the wheel with (xrsim's runtime dependencies at the versions
  of the environment exporting; the wheel's own metadata says what it needs, ``pip check``
  in the build that it got it), a ``README.md`` on building the image and deploying, each node's
  startup configuration ``configs/<node>.cfg`` (mode 0600: the users' secret hashes) and its
  empty state directory ``nodes/<node>/`` (0700; an existing one is kept as it is: it is that
  router), and ``vendor/`` (the simulated vendor the lab's routers share, as the routers of one
  ``xrsim up`` do). Returns the paths written. Everything is computed before the first write:
  a lab it cannot export (networks, peers, VRFs: they are host wiring containerlab's own links
  and management network replace; ports out of range) raises ``LabError`` and writes nothing.
- ``topology(spec, image) -> dict``: the containerlab topology document: one ``kind: linux``
  node per router, its ``image``, ``cmd`` (``xrsim serve --address 0.0.0.0 --port 22
  --netconf-port 830 --state /var/lib/xrsim ...``: the router is the container's PID 1),
  ``ports`` (the lab file's SSH and NETCONF ports published on the host; a port 0 gets the next
  free one of 2201... for SSH, 8301... for NETCONF, in node order), ``binds`` (state directory,
  startup configuration, vendor) and ``env``.
- ``startup_lines(node, secrets) -> list[str]``: what a node commits at its first boot, as
  under ``xrsim up`` (``xrsim.lab.launcher``): ``username``/``group``/``secret 10 HASH`` for
  its users (none when they are only the default admin/admin: the SSH server's default login
  applies), its configuration lines, then the NETCONF agent (``launcher.NETCONF_LINES``) when
  it has a NETCONF port. A node without a serial gets ``launcher.default_serial``'s, the one
  ``xrsim up`` gives it. ``secrets`` maps (user, password) to its hash: one hash per distinct pair
  in a lab (``hash_secret`` costs milliseconds).
- ``register(sub)``: the ``export`` subcommand of ``xrsim`` (``frontends/main.py`` calls it).

The image recipe and the README are templates in ``xrsim/lab/oci/`` (package data). The
fields written are those containerlab documents for ``kind: linux`` nodes
(https://containerlab.dev/manual/kinds/linux/, ``schemas/clab.schema.json``).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import shlex
import string
import sys
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import yaml

import xrsim
from xrsim.errors import LabError, XrsimError
from xrsim.lab.launcher import NETCONF_LINES, default_serial
from xrsim.lab.spec import LabSpec, NodeSpec, UserSpec

__all__ = [
    "CONTAINER_NETCONF_PORT",
    "CONTAINER_SSH_PORT",
    "NETCONF_PORT_BASE",
    "SSH_PORT_BASE",
    "STATE_DIR",
    "export",
    "register",
    "runtime_requirements",
    "startup_lines",
    "topology",
]

#: Where the router's state lives in the container (the node's ``nodes/<node>`` bind).
STATE_DIR = "/var/lib/xrsim"
#: The node's startup configuration in the container (``configs/<node>.cfg``, read-only).
STARTUP_CONFIG = "/etc/xrsim/startup.cfg"
#: The simulated vendor in the container (``vendor/``, shared by the lab's nodes).
VENDOR_DIR = "/var/lib/xrsim-vendor"
CONTAINER_SSH_PORT = 22
CONTAINER_NETCONF_PORT = 830
#: Where the host ports of nodes with port 0 start (the next free one, in node order).
SSH_PORT_BASE = 2201
NETCONF_PORT_BASE = 8301

_DEFAULT_USERS = (UserSpec("admin", password="admin"),)  # noqa: S106 (the documented default)


@dataclass(frozen=True)
class _Ports:
    ssh: int
    netconf: int | None


def _assign_ports(spec: LabSpec) -> dict[str, _Ports]:
    """Each node's host ports: its own, or the next free one from the bases."""
    fixed = {n.ssh_port for n in spec.nodes if n.ssh_port}
    fixed |= {n.netconf_port for n in spec.nodes if n.netconf_port}
    used = set(fixed)
    cursor = {SSH_PORT_BASE: SSH_PORT_BASE, NETCONF_PORT_BASE: NETCONF_PORT_BASE}

    def take(base: int, what: str, node: str) -> int:
        port = cursor[base]  # below it every port is taken: one pass for the whole lab
        while port in used:
            port += 1
        if port > 65535:
            raise LabError(f"no free {what} port left for node {node} (from {base} up)")
        used.add(port)
        cursor[base] = port + 1
        return port

    out: dict[str, _Ports] = {}
    for n in spec.nodes:
        ssh = n.ssh_port or take(SSH_PORT_BASE, "SSH", n.name)
        netconf = None
        if n.netconf_port is not None:
            netconf = n.netconf_port or take(NETCONF_PORT_BASE, "NETCONF", n.name)
        out[n.name] = _Ports(ssh, netconf)
    return out


def _publish(address: str, host_port: int, container_port: int) -> str:
    """A ``ports`` entry: on the node's address when it is one IPv4 address (containerlab's
    pattern has no IPv6 form), else on every address of the host."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise LabError(f"not an IP address: {address!r}") from None
    if ip.version == 4 and not ip.is_unspecified:
        return f"{ip}:{host_port}:{container_port}/tcp"
    return f"{host_port}:{container_port}/tcp"


def _command(lab: str, node: NodeSpec, netconf: bool) -> str:
    argv = [
        "xrsim",
        "serve",
        "--address",
        "0.0.0.0",  # noqa: S104 (the container's every address; the host publishes the ports)
        "--port",
        str(CONTAINER_SSH_PORT),
    ]
    if netconf:
        argv += ["--netconf-port", str(CONTAINER_NETCONF_PORT)]
    argv += ["--state", STATE_DIR, "--hostname", node.host_name, "--platform", node.platform]
    if node.release is not None:
        argv += ["--release", node.release]
    argv += ["--serial", node.serial or default_serial(lab, node)]  # as under xrsim up
    argv += ["--startup-config", STARTUP_CONFIG]
    return shlex.join(argv)


def topology(spec: LabSpec, image: str | None = None) -> dict[str, Any]:
    """The containerlab topology of ``spec`` (see the module documentation)."""
    _check_exportable(spec)
    image = image or f"xrsim:{xrsim.__version__}"
    ports = _assign_ports(spec)
    nodes: dict[str, Any] = {}
    for n in spec.nodes:
        p = ports[n.name]
        published = [_publish(n.address, p.ssh, CONTAINER_SSH_PORT)]
        if p.netconf is not None:
            published.append(_publish(n.address, p.netconf, CONTAINER_NETCONF_PORT))
        nodes[n.name] = {
            "kind": "linux",
            "image": image,
            "cmd": _command(spec.name, n, p.netconf is not None),
            "ports": published,
            "binds": [
                f"nodes/{n.name}:{STATE_DIR}",
                f"configs/{n.name}.cfg:{STARTUP_CONFIG}:ro",
                f"vendor:{VENDOR_DIR}",
            ],
            "env": {"XRSIM_VENDOR_DIR": VENDOR_DIR},
            "labels": {"xrsim.lab": spec.name, "xrsim.node": n.name},
        }
    return {"name": spec.name, "topology": {"nodes": nodes}}


def _check_exportable(spec: LabSpec) -> None:
    parts = []
    if spec.networks:
        parts.append("networks " + ", ".join(x.name for x in spec.networks))
    if spec.peers:
        parts.append("peers " + ", ".join(x.name for x in spec.peers))
    with_vrfs = [n.name for n in spec.nodes if n.vrfs]
    if with_vrfs:
        parts.append("VRFs on " + ", ".join(with_vrfs))
    if parts:
        raise LabError(
            f"lab {spec.name} cannot be exported to containerlab: it has {'; '.join(parts)} "
            "(host namespaces and programs; in containerlab, links and other nodes replace them)"
        )
    if not spec.nodes:
        raise LabError(f"lab {spec.name} has no node to export")


def startup_lines(node: NodeSpec, secrets: dict[tuple[str, str], str]) -> list[str]:
    """The lines ``node`` commits at its first boot, those ``xrsim up`` commits (``Lab``):
    users, configuration, NETCONF agent (see the module documentation)."""
    lines: list[str] = []
    if node.users != _DEFAULT_USERS:
        for u in node.users:
            lines.append(f"username {u.name}")
            lines += [f"group {g}" for g in u.groups]
            hashed = secrets[(u.name, u.password)] if u.password is not None else u.secret
            if hashed is not None:
                lines.append(f"secret 10 {hashed}")
    lines += node.config
    if node.netconf_port is not None:
        lines += NETCONF_LINES
    return lines


def _secrets(spec: LabSpec) -> dict[tuple[str, str], str]:
    from xrsim.aaa.secret import hash_secret

    pairs = {
        (u.name, u.password)
        for n in spec.nodes
        if n.users != _DEFAULT_USERS
        for u in n.users
        if u.password is not None
    }
    try:
        return {pair: hash_secret(pair[1]) for pair in sorted(pairs)}
    except XrsimError as e:
        raise LabError(f"a password of the lab cannot be hashed: {e}") from None


def runtime_requirements() -> list[str]:
    """``NAME==VERSION`` of every distribution xrsim needs at run time (its ``Requires-Dist``
    and theirs, extras left out), as installed where this runs; sorted by name. ``LabError``
    when xrsim is not installed (no package metadata to read)."""
    try:
        roots = metadata.requires("xrsim")
    except metadata.PackageNotFoundError:
        raise LabError(
            "xrsim is not installed as a package (no metadata): cannot pin the image's "
            "dependencies; install its wheel or run 'maturin develop'"
        ) from None
    seen: dict[str, str] = {}
    todo = list(roots or ())
    while todo:
        requirement = todo.pop()
        name_part, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name_part)
        if m is None:
            continue
        key = re.sub(r"[-_.]+", "-", m.group(1)).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(key)
        except metadata.PackageNotFoundError:
            continue  # a dependency for another platform or Python (its marker says so)
        seen[key] = f"{key}=={dist.version}"
        todo.extend(dist.requires or ())
    return [seen[k] for k in sorted(seen)]


def _template(name: str) -> string.Template:
    text = resources.files("xrsim.lab").joinpath("oci", name).read_text(encoding="utf-8")
    return string.Template(text)


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def export(spec: LabSpec, outdir: Path, image: str | None = None) -> list[Path]:
    """Write the containerlab export of ``spec`` in ``outdir`` (see the module
    documentation); the paths written, directories included."""
    doc = topology(spec, image)
    image = doc["topology"]["nodes"][spec.nodes[0].name]["image"]
    secrets = _secrets(spec)
    configs = {n.name: startup_lines(n, secrets) for n in spec.nodes}
    requirements = runtime_requirements()
    name = f"{spec.name}.clab.yml"
    header = (
        f"# containerlab topology of the xrsim lab {spec.name}, written by 'xrsim export "
        f"containerlab' (xrsim {xrsim.__version__}); see README.md.\n"
    )
    rows = []
    for n in spec.nodes:
        ports = doc["topology"]["nodes"][n.name]["ports"]
        ssh = ports[0].rsplit(":", 1)[0]
        netconf = ports[1].rsplit(":", 1)[0] if len(ports) > 1 else "-"
        login = n.login.name if n.login is not None else "-"
        rows.append(f"| {n.name} | {n.host_name} | {login} | {ssh} | {netconf} |")
    readme = _template("README.md").substitute(
        name=spec.name,
        version=xrsim.__version__,
        source=str(spec.source) if spec.source is not None else "a lab spec",
        topology=name,
        image=image,
        rows="\n".join(rows),
    )
    containerfile = _template("Containerfile").substitute(image=image)

    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for sub, mode in (("nodes", 0o755), ("configs", 0o700), ("vendor", 0o700)):
            (outdir / sub).mkdir(mode=mode, exist_ok=True)
            os.chmod(outdir / sub, mode)
        written = [
            _write(
                outdir / name,
                header
                + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=1 << 16),
            ),
            _write(outdir / "Containerfile", containerfile),
            _write(outdir / "constraints.txt", "\n".join(requirements) + "\n"),
            _write(outdir / "README.md", readme),
            outdir / "vendor",
        ]
        for n in spec.nodes:
            state = outdir / "nodes" / n.name
            state.mkdir(mode=0o700, exist_ok=True)
            cfg = "".join(f"{line}\n" for line in configs[n.name])
            text = f"! startup configuration of {n.name}, committed at its first boot\n" + cfg
            written += [state, _write(outdir / "configs" / f"{n.name}.cfg", text, 0o600)]
    except OSError as e:
        raise LabError(f"cannot write {e.filename or outdir}: {e.strerror or e}") from None
    return written


# -- the xrsim command ---------------------------------------------------------------------


def register(sub: Any) -> None:
    """Add ``xrsim export containerlab LAB [-o DIR] [--image IMAGE]`` to the subcommands
    ``sub`` (``argparse``'s subparsers action)."""
    ex = sub.add_parser(
        "export",
        help="write a lab for another runner (containerlab)",
        description="Write a lab file's routers for another lab runner.",
    )
    targets = ex.add_subparsers(dest="target", metavar="TARGET", required=True)
    c = targets.add_parser(
        "containerlab",
        help="a containerlab topology and the OCI image recipe of its nodes",
        description=(
            "Write a containerlab topology of the lab (one kind: linux node per router, "
            "running 'xrsim serve' as PID 1, its SSH and NETCONF ports published, its state "
            "directory bound), the Containerfile of the xrsim image it names, the startup "
            "configuration of each node and a README on building and deploying."
        ),
    )
    c.add_argument("lab", metavar="LAB", help="the lab file (YAML)")
    c.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="DIR",
        help="where to write (default: ./NAME-containerlab, NAME the lab's name)",
    )
    c.add_argument(
        "--image",
        default=None,
        metavar="IMAGE",
        help=f"the nodes' image (default: xrsim:{xrsim.__version__})",
    )
    c.set_defaults(func=_export_containerlab)


def _export_containerlab(args: argparse.Namespace) -> int:
    from rich.console import Console

    from xrsim.lab import labfile

    try:
        spec = labfile.load(Path(args.lab))
        outdir = Path(args.output or f"{spec.name}-containerlab")
        written = export(spec, outdir, image=args.image)
    except LabError as e:
        print(f"xrsim export: {e}", file=sys.stderr)
        return 1
    topo = outdir / f"{spec.name}.clab.yml"
    Console(stderr=True).print(
        f"xrsim export: wrote {topo} ({len(spec.nodes)} node"
        f"{'s' if len(spec.nodes) != 1 else ''}) and {len(written) - 1} more in {outdir}; "
        f"see {outdir / 'README.md'}",
        highlight=False,
        soft_wrap=True,
    )
    return 0

"""The inventories of ``xrsim inventory``, each read by its own tool with the tool's defaults,
against a running three-node lab (NCS 5500, ASR 9006, Cisco 8201: three Unicon plugins).

- Ansible (``.venv-ansible``): an ad-hoc ``ansible -i INV all -m cisco.iosxr.iosxr_command -a
  "commands='show version'"`` reaches every node; its host keys come from the lab's
  ``ROOT/known_hosts``, added to ``~/.ssh/known_hosts`` by the very command the inventory's
  comment gives (Ansible's network_cli reads no other file). ``HOME`` is the test's, made the
  user's home for libssh too with nss_wrapper, as in test_ansible.py.
- pyATS (``.venv-pyats``): the testbed loaded with ``pyats.topology.loader.load``, each device
  ``connect()`` + ``execute('show version')``; host keys through the testbed's
  ``ssh_options: -o UserKnownHostsFile=ROOT/known_hosts``.
- Nornir (``.venv-napalm``): ``InitNornir`` with a SimpleInventory of the hosts file alone;
  nornir-netmiko's ``netmiko_send_command``, nornir-scrapli's ``send_command`` and
  nornir-napalm's ``napalm_get`` (NETCONF port), host keys pinned to the lab's known_hosts.
- netmiko (``.venv``, this process): each entry of the JSON list to ``ConnectHandler(**d)``;
  and with the entries' known_hosts file emptied netmiko refuses the router (the inventory's
  strict host key checking is in force, not paramiko's auto-add).

The lab is the launcher's ``Lab`` in this process (in what would be its registry directory, so
that ``xrsim inventory inv`` finds it: stdout, ``-o`` 0600, errors); one test goes through the
real ``xrsim up LAB --detach`` + ``xrsim inventory NAME`` (and ``LAB_FILE``) + ``xrsim down``.

The lab's login is a user of the lab file (``netops``, not the SSH server's default admin),
its password only in the lab file. Each tool's output is checked per node against the node's
own ``show version`` (release and chassis line differ between the three).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler

from support import xrsim_env
from tool_venv import ROOT, environment, tool_python
from xrsim.aaa.secret import hash_secret
from xrsim.lab import inventory
from xrsim.lab.launcher import Lab
from xrsim.lab.spec import LabSpec, NodeSpec, UserSpec
from xrsim.lab.status import LabStatus
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(400)]

DRIVER = Path(__file__).with_name("inventory_driver.py")
ANSIBLE = Path(os.environ.get("XRSIM_ANSIBLE_VENV", str(ROOT / ".venv-ansible")))
PYATS = os.environ.get("XRSIM_PYATS_PYTHON", str(ROOT / ".venv-pyats" / "bin" / "python"))
NAPALM = os.environ.get("XRSIM_NAPALM_PYTHON", str(ROOT / ".venv-napalm" / "bin" / "python"))
USER, PASSWORD = "netops", "Inv-lab-15!"
#: (node, hostname, platform, release): one of each Unicon IOS XR plugin.
NODES = [
    ("r1", "pe1", "NCS-55A1-24H", "7.3.2"),
    ("r2", "pe2", "ASR-9006", "7.5.2"),
    ("r3", "p3", "8201-SYS", "7.9.2"),
]
REQUIRE_PEERS_ENV = "XRSIM_REQUIRE_PEERS"


@dataclass
class RunningLab:
    spec: LabSpec
    status: LabStatus
    routers: dict[str, Router]
    #: ``XRSIM_HOME`` of the lab.
    home: Path

    @property
    def root(self) -> Path:
        return Path(self.status.root)

    def expected(self, node: str) -> tuple[str, str]:
        """What identifies ``node``'s ``show version``: its version line and chassis line."""
        shown = self.routers[node].cli("show version").splitlines()
        version = next(ln for ln in shown if ln.startswith("Cisco IOS XR Software, Version"))
        chassis = next(ln for ln in shown if ln.endswith("processor"))
        return version, chassis

    def check_show_version(self, node: str, output: str) -> None:
        version, chassis = self.expected(node)
        assert version in output, (node, output[:2000])
        assert chassis in output, (node, output[:2000])
        for other in self.routers:
            if other != node:
                assert self.expected(other)[0] not in output, (node, other)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    """The lab, started in this process by ``Lab`` in what would be its registry directory
    (``XRSIM_HOME=HOME``: ``HOME/labs/inv``), so that ``xrsim inventory inv`` finds it."""
    home = tmp_path_factory.mktemp("xrsim-home")
    users = (UserSpec(USER, password=PASSWORD),)
    spec = LabSpec(
        name="inv",
        nodes=tuple(
            NodeSpec(name, hostname=host, platform=pid, release=release, users=users)
            for name, host, pid, release in NODES
        ),
    )
    with Lab(spec, home / "labs" / spec.name) as running:
        yield RunningLab(spec, running.status, running.routers, home)


def _missing(message: str) -> None:
    """Skip, or fail under ``XRSIM_REQUIRE_PEERS=1`` (as ``require_tool`` does)."""
    if os.environ.get(REQUIRE_PEERS_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_PEERS_ENV}=1 requires every peer program")
    pytest.skip(message)


def _written(lab: RunningLab, fmt: str, path: Path) -> Path:
    inventory.write(path, inventory.render(lab.status, lab.spec, fmt))
    return path


def _steps(stdout: str) -> dict[str, dict[str, Any]]:
    return {
        record["step"]: record
        for record in (json.loads(ln) for ln in stdout.splitlines() if ln.startswith('{"step"'))
    }


def _drive(python: str, tool: str, path: Path, timeout: float) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [python, str(DRIVER), tool, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=environment(),
        cwd=path.parent,
    )
    steps = _steps(done.stdout)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "done" in steps, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return steps


# -- Ansible ----------------------------------------------------------------------------------

#: Where Debian's libnss-wrapper puts the library (libssh finds ``~`` in the password database).
_NSS_WRAPPER = ("/usr/lib/x86_64-linux-gnu/libnss_wrapper.so", "/usr/lib/libnss_wrapper.so")


def _ansible_environment(where: Path, nss_wrapper: str) -> dict[str, str]:
    import grp
    import pwd

    home = where / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    me = pwd.getpwuid(os.getuid())
    (where / "passwd").write_text(
        f"{me.pw_name}:x:{me.pw_uid}:{me.pw_gid}:{me.pw_gecos}:{home}:/bin/sh\n"
    )
    (where / "group").write_text(f"{grp.getgrgid(os.getgid()).gr_name}:x:{os.getgid()}:\n")
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LD_PRELOAD")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("ANSIBLE")}
    env.update(
        HOME=str(home),
        ANSIBLE_HOME=str(home / ".ansible"),
        ANSIBLE_LOCAL_TEMP=str(where / "tmp"),
        ANSIBLE_PERSISTENT_CONTROL_PATH_DIR=str(where / "pc"),
        ANSIBLE_NOCOLOR="1",
        LD_PRELOAD=nss_wrapper,
        NSS_WRAPPER_PASSWD=str(where / "passwd"),
        NSS_WRAPPER_GROUP=str(where / "group"),
    )
    return env


def _ad_hoc_results(stdout: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """``HOST | STATUS => {JSON}`` blocks of ad-hoc ``ansible`` output, by host."""
    results: dict[str, tuple[str, dict[str, Any]]] = {}
    for m in re.finditer(r"^(\S+) \| ([A-Z!]+) => (\{.*?^\})$", stdout, re.M | re.S):
        results[m.group(1)] = (m.group(2), json.loads(m.group(3)))
    return results


def test_ansible_ad_hoc_iosxr_command(
    lab: RunningLab, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    tool_python(
        str(ANSIBLE / "bin" / "python"),
        "import ansible_collections.cisco.iosxr, ansible_collections.ansible.netcommon, "
        "pylibsshext",
        "ansible-venv",
    )
    nss_wrapper = next((p for p in _NSS_WRAPPER if Path(p).is_file()), None)
    if nss_wrapper is None:
        _missing("nss_wrapper is not installed (Debian libnss-wrapper)")
    assert nss_wrapper is not None
    env = _ansible_environment(tmp_path, nss_wrapper)
    inv = _written(lab, "ansible", tmp_path / "inventory.yml")
    # What the inventory's comment tells the user to do first, run as it says.
    command = next(
        ln.removeprefix("# add the lab's keys there first: ")
        for ln in inv.read_text().splitlines()
        if ln.startswith("# add the lab's keys there first: ")
    )
    subprocess.run([require_tool("sh"), "-c", command], env=env, check=True, timeout=30)
    assert (tmp_path / "home" / ".ssh" / "known_hosts").read_text() == (
        lab.root / "known_hosts"
    ).read_text()

    done = subprocess.run(
        [
            str(ANSIBLE / "bin" / "ansible"),
            "-i",
            str(inv),
            "all",
            "-m",
            "cisco.iosxr.iosxr_command",
            "-a",
            "commands='show version'",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    results = _ad_hoc_results(done.stdout)
    context = f"{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, context
    assert sorted(results) == ["r1", "r2", "r3"], context
    for node, (state, result) in results.items():
        assert state == "SUCCESS", (node, result)
        lab.check_show_version(node, result["stdout"][0])


# -- pyATS ------------------------------------------------------------------------------------


def test_pyats_testbed_connect_execute(lab: RunningLab, tmp_path: Path) -> None:
    python = tool_python(PYATS, "import pyats.topology.loader, unicon", "pyats-venv")
    if shutil.which("ssh") is None:
        _missing("ssh is not installed (not found on PATH); Unicon spawns it")
    testbed = _written(lab, "pyats", tmp_path / "testbed.yaml")
    steps = _drive(python, "pyats", testbed, timeout=350)
    hostnames = {host: name for name, host, _, _ in NODES}
    assert steps["devices"]["devices"] == sorted(hostnames)
    for host, node in hostnames.items():
        record = steps[f"device:{host}"]
        assert "error" not in record, record
        lab.check_show_version(node, record["output"])


# -- Nornir -----------------------------------------------------------------------------------


def test_nornir_hosts_file(lab: RunningLab, tmp_path: Path) -> None:
    python = tool_python(
        NAPALM, "import nornir, nornir_netmiko, nornir_scrapli, nornir_napalm", "napalm-venv"
    )
    hosts = _written(lab, "nornir", tmp_path / "hosts.yaml")
    assert PASSWORD in hosts.read_text()
    steps = _drive(python, "nornir", hosts, timeout=300)
    assert steps["hosts"]["hosts"] == ["r1", "r2", "r3"]
    for node in ("r1", "r2", "r3"):
        for plugin in ("netmiko", "scrapli"):
            record = steps[f"{plugin}:{node}"]
            assert not record["failed"], record
            lab.check_show_version(node, record["result"])
        facts = steps[f"napalm:{node}"]
        assert not facts["failed"], facts
        router = lab.routers[node]
        assert facts["result"]["facts"]["hostname"] == lab.status.node(node).hostname
        assert facts["result"]["facts"]["serial_number"] == router.chassis.serial


# -- netmiko ----------------------------------------------------------------------------------


def test_netmiko_device_list(lab: RunningLab, tmp_path: Path) -> None:
    devices = json.loads(_written(lab, "netmiko", tmp_path / "devices.json").read_text())
    assert len(devices) == len(NODES)
    for (node, *_), device in zip(NODES, devices, strict=True):
        with ConnectHandler(**device) as conn:
            lab.check_show_version(node, conn.send_command("show version"))


def test_netmiko_refuses_an_unknown_host_key(lab: RunningLab, tmp_path: Path) -> None:
    """The device list's host key checking is in force: with the lab's known_hosts empty,
    netmiko refuses the router instead of adding its key."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "known_hosts").write_text("")
    elsewhere = LabStatus(**{**lab.status.__dict__, "root": str(root)})
    device = json.loads(inventory.render(elsewhere, lab.spec, "netmiko"))[0]
    with pytest.raises(Exception, match="not found in known_hosts"):
        ConnectHandler(**device)
    assert (root / "known_hosts").read_text() == ""  # nothing added


# -- xrsim inventory ----------------------------------------------------------------------------


def _xrsim(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = xrsim_env(XRSIM_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "xrsim.frontends.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.mark.parametrize("fmt", inventory.FORMATS)
def test_cli_inventory_of_a_running_lab(lab: RunningLab, tmp_path: Path, fmt: str) -> None:
    """``xrsim inventory NAME`` finds the lab through the registry and prints what ``render``
    makes of its lab.json; with ``-o`` the same text in a 0600 file. This lab has no lab file:
    no password anywhere."""
    shown = _xrsim(lab.home, "inventory", "inv", "--format", fmt)
    assert shown.returncode == 0, shown.stderr
    status = LabStatus.read(lab.root / "lab.json")
    assert shown.stdout == inventory.render(status, None, fmt)
    assert PASSWORD not in shown.stdout
    out = tmp_path / "inventory"
    written = _xrsim(lab.home, "inventory", "inv", "--format", fmt, "-o", str(out))
    assert (written.returncode, written.stdout, written.stderr) == (0, "", "")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text() == shown.stdout


def test_cli_inventory_errors(lab: RunningLab, tmp_path: Path) -> None:
    missing = _xrsim(lab.home, "inventory", "nosuch", "--format", "ansible")
    assert missing.returncode == 1
    assert missing.stderr.startswith("xrsim inventory: no lab nosuch"), missing.stderr
    assert "Traceback" not in missing.stderr
    unwritable = _xrsim(
        lab.home, "inventory", "inv", "--format", "pyats", "-o", str(tmp_path / "no" / "f")
    )
    assert unwritable.returncode == 1
    assert unwritable.stderr.startswith("xrsim inventory: "), unwritable.stderr
    assert "Traceback" not in unwritable.stderr
    assert not (tmp_path / "no").exists()


DETACHED_PASSWORD = "Det-lab-15?"


def test_up_detach_then_inventory_by_name_and_by_lab_file(tmp_path: Path) -> None:
    """The real thing: ``xrsim up LAB --detach`` in a process of its own, then ``xrsim
    inventory NAME -o FILE`` (passwords from the lab file the lab came from) read by netmiko,
    and ``xrsim inventory LAB_FILE`` for a node whose user has only a hashed secret."""
    home = tmp_path / "home"
    lab_file = tmp_path / "det.yml"
    lab_file.write_text(
        "name: det\n"
        "defaults:\n"
        f"  users: [{{name: netops, password: {DETACHED_PASSWORD!r}}}]\n"
        "nodes:\n"
        "  r1: {hostname: pe1}\n"
        "  r2: {hostname: pe2, platform: ASR-9006}\n"
        f"  r3: {{users: [{{name: ops, secret: {hash_secret('unknown to xrsim')!r}}}]}}\n"
    )
    up = _xrsim(home, "up", str(lab_file), "--detach", "--json")
    try:
        assert up.returncode == 0, up.stderr
        status = LabStatus.from_json(json.loads(up.stdout))
        assert DETACHED_PASSWORD not in (Path(status.root) / "lab.json").read_text()
        out = tmp_path / "devices.json"
        made = _xrsim(home, "inventory", "det", "--format", "netmiko", "-o", str(out))
        assert (made.returncode, made.stderr) == (0, ""), made.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        devices = json.loads(out.read_text())
        assert [d["port"] for d in devices] == [n.ssh_port for n in status.nodes]
        for endpoint, device in zip(status.nodes[:2], devices[:2], strict=True):
            assert device["password"] == DETACHED_PASSWORD
            with ConnectHandler(**device) as conn:
                shown = conn.send_command("show version")
                assert f"Version {endpoint.release}" in shown
                assert conn.find_prompt().endswith(f"/CPU0:{endpoint.hostname}#")
        assert (devices[2]["username"], "password" in devices[2]) == ("ops", False)
        by_file = _xrsim(home, "inventory", str(lab_file), "--format", "ansible")
        assert by_file.returncode == 0, by_file.stderr
        assert "# r3: user ops has only a hashed secret" in by_file.stdout
        assert DETACHED_PASSWORD in by_file.stdout
    finally:
        down = _xrsim(home, "down", "det")
        assert down.returncode == 0, down.stderr
    gone = _xrsim(home, "inventory", "det", "--format", "pyats")
    assert gone.returncode == 1
    assert gone.stderr.startswith("xrsim inventory: no lab det"), gone.stderr

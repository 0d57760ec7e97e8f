"""pyATS with Unicon and Genie against the SSH shell, with their default settings.

pyATS 26 (``pyats``, ``unicon``, ``genie``) lives in a venv of its own, ``.venv-pyats`` (``make
pyats-venv``, from requirements/pyats.lock; ``XRSIM_PYATS_PYTHON`` names another Python). For
each platform profile of the catalog, with ``os: iosxr`` and the ``platform`` name Unicon has a
plugin for (``ncs5k``, ``asr9k``, ``spitfire`` for the Cisco 8000; and the NCS 5500 with no
``platform``, Unicon's plain ``iosxr`` plugin), a module fixture boots a router, serves it with
``SshServer``, writes a testbed YAML and runs pyats_driver.py with that venv's Python: one pyATS
session (``connect()`` with its defaults, ``execute('show version')``, ``configure([...])``,
Genie ``parse`` of every show command xrsim implements that has a Genie ``iosxr`` parser,
``learn('platform')``, ``disconnect()``), one JSON line per operation. Each test checks one
operation, on the router itself where the operation changed it, and Genie's parsed values
against the router's state.

The commands parsed are found, not listed: the driver reads Genie's parser index
(``parsers.json``) and the test keeps each command without arguments whose every word is a
keyword of one of xrsim's exec commands, so a command xrsim gains that Genie parses is parsed
here too. The testbed's only non-default setting is ``ssh_options: -o UserKnownHostsFile=...``
in the test's directory: each test router has a new host key, on a port an earlier router may
have used. pyATS and Unicon need nothing else to work offline (they write their logs to /tmp).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from xrsim.cli.parser import ParseError, parse, tokenize
from xrsim.frontends.ssh import SshServer
from xrsim.net import interfaces as ifs
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("pyats_driver.py")
PYATS_PYTHON = os.environ.get("XRSIM_PYATS_PYTHON", str(ROOT / ".venv-pyats" / "bin" / "python"))
REQUIRE_PEERS_ENV = "XRSIM_REQUIRE_PEERS"
USER, PASSWORD = "admin", "admin"
#: The device's name in the testbed: Unicon's prompt patterns expect it as the hostname.
HOSTNAME = "router"
#: A file on harddisk: that ``dir`` must list.
DIR_FILE, DIR_CONTENT = "pyats-check.txt", b"written by test_pyats\n" * 7
#: What the management port is given before pyATS connects (the interface parsers' checks).
MGMT_DESCRIPTION, MGMT_ADDRESS = "pyats mgmt", ("192.0.2.10", "255.255.255.0", 24)
#: A VRF of the fixture's configuration, with a loopback in it (``show vrf all detail``).
LAB_VRF, LAB_VRF_DESCRIPTION, LAB_VRF_PORT = "lab", "pyats lab VRF", "Loopback7"

Step = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """A platform profile, the ``platform:`` of the testbed (None: none) and the Unicon
    plugin module that must serve it."""

    profile: str
    platform: str | None
    plugin: str


CASES = [
    Case("NCS-55A1-24H", "ncs5k", "unicon.plugins.iosxr.ncs5k"),
    Case("NCS-55A1-24H", None, "unicon.plugins.iosxr"),
    Case("ASR-9006", "asr9k", "unicon.plugins.iosxr.asr9k"),
    Case("8201-SYS", "spitfire", "unicon.plugins.iosxr.spitfire"),
]


def _environment() -> dict[str, str]:
    """The environment of the driver: nothing that would lead its Python to ``.venv``."""
    return {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }


def _missing(message: str) -> None:
    """Skip, or fail under ``XRSIM_REQUIRE_PEERS=1`` (as conftest's ``require_tool`` does)."""
    if os.environ.get(REQUIRE_PEERS_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_PEERS_ENV}=1 requires every peer program")
    pytest.skip(message)


@functools.cache
def _pyats_problem(python: str) -> str | None:
    """Why ``python`` cannot run the driver (None: it can)."""
    if not Path(python).is_file():
        return f"{python} does not exist"
    probe = subprocess.run(
        [
            python,
            "-c",
            "import importlib.metadata as m, pyats, unicon, genie.libs.parser;"
            " print(m.version('pyats'))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_environment(),
    )
    if probe.returncode != 0:
        return f"{python} cannot import pyats, unicon and genie: {probe.stderr.strip()[-300:]}"
    if int(probe.stdout.strip().split(".")[0]) != 26:
        return f"{python} has pyATS {probe.stdout.strip()}, not the 26.x line"
    return None


def require_pyats_python() -> str:
    problem = _pyats_problem(PYATS_PYTHON)
    if problem is not None:
        _missing(f"pyATS is not installed: {problem} (make pyats-venv)")
    if shutil.which("ssh") is None:
        _missing("ssh is not installed (not found on PATH); Unicon spawns it")
    return PYATS_PYTHON


def _records(stdout: str) -> dict[str, Step]:
    """The driver's JSON lines by step (pyATS prints lines of its own, such as the spitfire
    plugin's ``Checking for config lock``, which are skipped)."""
    steps: dict[str, Step] = {}
    for line in stdout.splitlines():
        if line.startswith('{"step"'):
            record = json.loads(line)
            steps[record["step"]] = record
    return steps


def _run_driver(python: str, testbed: Path, *args: str, timeout: float) -> dict[str, Step]:
    done = subprocess.run(
        [python, str(DRIVER), str(testbed), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=_environment(),
        cwd=testbed.parent,
    )
    steps = _records(done.stdout)
    assert done.returncode == 0, (
        f"driver status {done.returncode}\nstdout: {done.stdout[-3000:]}"
        f"\nstderr: {done.stderr[-3000:]}"
    )
    return steps


def implemented(router: Router, command: str) -> bool:
    """Whether ``command`` is one of the router's exec commands, every word a keyword of it
    (``show running-config ntp`` is a section argument, not a command of its own)."""
    try:
        match = parse(router.registry.trees["exec"], command)
    except ParseError:
        return False
    if not (len(match.words) == len(tokenize(command)) and set(match.words) <= match.keywords):
        return False
    # A command that answers an IOS XR error (``% LLDP is not enabled``) has nothing to parse:
    # Genie's parser rightly finds no output, as on a real router without the feature.
    shown = router.cli(command).splitlines()[1:]  # after the timestamp line
    return not (shown and shown[0].startswith("%"))


@dataclass
class Session:
    """One driver run against one router: its steps, the router and its server."""

    case: Case
    router: Router
    server: SshServer
    steps: dict[str, Step]
    parsed_commands: list[str]
    #: The router's commits before pyATS connected.
    commits_before: int
    #: netmiko ``use_genie=True`` of the same commands, after the pyATS session.
    netmiko_steps: dict[str, Step]

    def step(self, name: str) -> Step:
        assert name in self.steps, f"no step {name!r}: {sorted(self.steps)}"
        record = self.steps[name]
        assert "error" not in record, (
            f"pyATS raised at {name!r} on {self.case}: {record['error']}\n"
            f"{record.get('traceback', '')}"
        )
        return record


@pytest.fixture(scope="module")
def genie_commands(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Genie's ``iosxr`` show commands without arguments, from its parser index."""
    python = require_pyats_python()
    where = tmp_path_factory.mktemp("genie")
    steps = _run_driver(python, where / "unused.yaml", "parsers", timeout=120)
    commands: list[str] = steps["parsers"]["commands"]
    assert "show version" in commands, commands[:20]
    return commands


def _testbed(path: Path, case: Case, port: int) -> Path:
    device: dict[str, Any] = {
        "os": "iosxr",
        "credentials": {"default": {"username": USER, "password": PASSWORD}},
        "connections": {
            "cli": {
                "protocol": "ssh",
                "ip": "127.0.0.1",
                "port": port,
                "ssh_options": f"-o UserKnownHostsFile={path.parent / 'known_hosts'}",
            }
        },
    }
    if case.platform is not None:
        device["platform"] = case.platform
    # JSON is YAML: the testbed loader reads it as the YAML a user writes.
    path.write_text(json.dumps({"devices": {HOSTNAME: device}}, indent=2))
    return path


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c.profile}-{c.platform or 'iosxr'}")
def session(
    request: pytest.FixtureRequest,
    genie_commands: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Session]:
    case: Case = request.param
    python = require_pyats_python()
    where = tmp_path_factory.mktemp("pyats")
    router = Router.boot(platform=case.profile, hostname=HOSTNAME)
    server = SshServer(router, users={USER: PASSWORD}).start()
    try:
        router.chassis.fs().write_atomic(f"harddisk:{DIR_FILE}", DIR_CONTENT)
        router.configure(
            [
                f"vrf {LAB_VRF}",
                f"description {LAB_VRF_DESCRIPTION}",
                "address-family ipv4 unicast",
                f"interface {management_port(router)}",
                f"description {MGMT_DESCRIPTION}",
                f"ipv4 address {MGMT_ADDRESS[0]} {MGMT_ADDRESS[1]}",
                f"interface {LAB_VRF_PORT}",
                f"vrf {LAB_VRF}",
            ]
        )
        commands = [c for c in genie_commands if implemented(router, c)]
        testbed = _testbed(where / "testbed.yaml", case, server.port)
        before = len(router.datastore.commits)
        steps = _run_driver(python, testbed, "session", *commands, timeout=280)
        netmiko_steps = _run_driver(
            python, testbed, "netmiko", str(server.port), USER, PASSWORD, *commands, timeout=200
        )
        yield Session(case, router, server, steps, commands, before, netmiko_steps)
    finally:
        server.stop()
        router.shutdown()


def management_port(router: Router) -> str:
    """The active RP's management port (``MgmtEth0/RP0/CPU0/0``)."""
    active = router.chassis.active_rp.name
    return next(p.name for p in ifs.ports(router.chassis) if p.name == f"MgmtEth{active}/0")


def genie_name(key: str) -> str | None:
    """An interface name as a Genie parser keys it, in IOS XR's spelling: Genie expands the
    short names it knows, some to IOS's long names (``Te0/1/0/5`` to ``TenGigabitEthernet``),
    and leaves the others short (``FH0/0/0/0``)."""
    return ifs.canonical_name(key.replace("TenGigabitEthernet", "TenGigE"))


def interface_state(router: Router) -> dict[str, ifs.Interface]:
    return {i.name: i for i in ifs.interfaces(router.chassis, router.datastore.running_copy())}


def running(router: Router) -> str:
    return router.cli("show running-config")


# -- connect, execute, configure --------------------------------------------------------------


def test_connect_with_defaults(session: Session) -> None:
    connected = session.step("connect")
    assert connected["connected"] is True
    assert connected["state"] == "enable"
    assert connected["plugin"] == session.case.plugin
    # Unicon's init configuration went in as one commit of the SSH user.
    config = running(session.router)
    assert "logging console disable" in config
    assert "exec-timeout 0 0" in config
    assert "absolute-timeout 0" in config
    init = session.router.datastore.commits[session.commits_before]
    assert (init.user, init.client) == (USER, "CLI")
    assert init.line.startswith("vty")


def test_execute_show_version(session: Session) -> None:
    output = session.step("execute")["output"]
    assert f"Cisco IOS XR Software, Version {session.router.chassis.release}" in output
    assert f"cisco {session.router.chassis.platform.version_model} " in output
    assert "RP/0/" not in output  # no prompt left in the output
    assert "% Invalid" not in output


def test_configure_commits(session: Session) -> None:
    output = session.step("configure")["output"]
    assert "% " not in output, output
    assert "domain name x.example" in running(session.router)
    assert session.router.domain_name() == "x.example"
    # Two commits: Unicon's init configuration at connect, then this one.
    commits = session.router.datastore.commits
    assert len(commits) == session.commits_before + 2
    assert (commits[-1].user, commits[-1].client) == (USER, "CLI")


def test_disconnect(session: Session) -> None:
    assert session.step("disconnect")["connected"] is False
    assert session.step("done") == {"step": "done"}


# -- Genie parse ------------------------------------------------------------------------------


def _slot(node: str) -> str:
    return node.removesuffix("/CPU0")


def check_show_version(router: Router, parsed: dict[str, Any]) -> None:
    assert parsed["operating_system"] == "IOSXR"
    assert parsed["software_version"] == str(router.chassis.release)
    assert parsed["uptime"]


def check_show_platform(router: Router, parsed: dict[str, Any]) -> None:
    slots = parsed["slot"]
    rps = slots["rp"]
    assert set(rps) == {_slot(rp.name) for rp in router.chassis.rps}
    assert rps[_slot(router.chassis.active_rp.name)]["redundancy_state"] == "Active"
    if router.chassis.standby_rp is not None:
        assert rps[_slot(router.chassis.standby_rp.name)]["redundancy_state"] == "Standby"
    seen = {name: entry for kind in slots.values() for name, entry in kind.items()}
    # Genie's parser reads the rows with a configuration state; the NPU ``Slice`` rows have
    # none on IOS XR, so it leaves them out, as it does for a real router's.
    specs = [n for n in router.chassis.platform.nodes if n.kind != "npu"]
    assert set(seen) == {_slot(n.name) for n in specs}
    for spec in specs:
        assert seen[_slot(spec.name)]["name"] == spec.card_type


def check_show_inventory(router: Router, parsed: dict[str, Any]) -> None:
    rows = {row.name: row for row in router.chassis.inventory()}
    assert set(parsed["module_name"]) == set(rows)
    for name, entry in parsed["module_name"].items():
        row = rows[name]
        assert (entry["descr"], entry["pid"], entry["vid"], entry["sn"]) == (
            row.descr,
            row.pid,
            row.vid,
            row.sn,
        )


def check_show_redundancy(router: Router, parsed: dict[str, Any]) -> None:
    active = parsed["node"][router.chassis.active_rp.name]
    assert active["role"] == "ACTIVE"
    standby = router.chassis.standby_rp
    if standby is None:
        assert active["valid_partner"] == "no"
    else:
        assert active["standby_node"] == standby.name
    assert active["node_uptime_in_seconds"] >= 0


def check_show_redundancy_summary(router: Router, parsed: dict[str, Any]) -> None:
    active = parsed["node"][router.chassis.active_rp.name]
    assert active["type"] == "active"
    standby = router.chassis.standby_rp
    assert active["standby_node"] == ("N/A" if standby is None else standby.name)


def check_show_users(router: Router, parsed: dict[str, Any]) -> None:
    lines = parsed["line"]
    mine = [entry for entry in lines.values() if entry.get("active")]
    assert len(mine) == 1, lines
    assert mine[0]["user"] == USER
    assert mine[0]["service"] == "ssh"
    assert mine[0]["location"] == "127.0.0.1"


def check_show_processes_cpu(router: Router, parsed: dict[str, Any]) -> None:
    # The router runs in this process: its processes are this process's.
    processes = [p for where in parsed["location"].values() for p in where["index"].values()]
    assert os.getpid() in {p["pid"] for p in processes}


def check_show_install_active_summary(router: Router, parsed: dict[str, Any]) -> None:
    platform = router.chassis.platform
    packages = parsed["active_packages"]
    assert parsed["num_active_packages"] == len(packages) == 1 + len(platform.packages)
    assert packages[0].startswith(f"{platform.family}-xr-{router.chassis.release}")
    for package in platform.packages:
        assert any(p.startswith(package) for p in packages), (package, packages)


def check_show_install_inactive_summary(router: Router, parsed: dict[str, Any]) -> None:
    inactive = [p.label for p in router.packages.inactive()]
    assert parsed["inactive_packages"] == inactive
    assert parsed.get("num_inactive_packages", 0) == len(inactive)


def check_dir(router: Router, parsed: dict[str, Any]) -> None:
    listing = parsed["dir"]
    assert listing["dir_name"] == "harddisk:"
    assert listing["files"][DIR_FILE]["size"] == str(len(DIR_CONTENT))
    total, free = (int(listing[k].split()[0]) for k in ("total_bytes", "total_free_bytes"))
    assert 0 < free <= total


def check_show_interfaces(router: Router, parsed: dict[str, Any]) -> None:
    state = interface_state(router)
    assert set(parsed) == set(state)
    for name, interface in state.items():
        entry = parsed[name]
        assert entry.get("description", "") == interface.description, name
        assert entry["enabled"] is (not interface.shutdown), name
        assert entry["mtu"] == interface.mtu, name
        assert entry["bandwidth"] == interface.bandwidth, name
    mgmt = parsed[management_port(router)]
    assert list(mgmt["ipv4"]) == [f"{MGMT_ADDRESS[0]}/{MGMT_ADDRESS[2]}"]
    assert mgmt["oper_status"] == "up"


def check_show_interfaces_description(router: Router, parsed: dict[str, Any]) -> None:
    state = interface_state(router)
    by_name = {genie_name(key): entry for key, entry in parsed["interfaces"].items()}
    assert set(by_name) == set(state)
    for name, entry in by_name.items():
        assert entry["description"] == state[name].description, name
        assert entry["status"] == state[name].state, name
    assert by_name[management_port(router)]["description"] == MGMT_DESCRIPTION


def check_show_interfaces_brief(router: Router, parsed: dict[str, Any]) -> None:
    state = interface_state(router)
    # Genie files the rows under ``port``, or ``ethernet`` for a name it expanded to one with
    # ``Eth`` in it (``TenGigabitEthernet``), ``loopback``...: every group counts.
    by_name = {
        genie_name(key): entry
        for group in parsed["interface"].values()
        for key, entry in group.items()
    }
    assert set(by_name) == set(state)
    for name, entry in by_name.items():
        assert entry["status"] == state[name].state, name
        assert entry["mtu"] == str(state[name].mtu), name
    assert by_name[management_port(router)]["status"] == "up"


def check_show_ipv4_interface_brief(router: Router, parsed: dict[str, Any]) -> None:
    state = interface_state(router)
    rows = parsed["interface"]
    assert set(rows) <= set(state)
    assert {n for n, i in state.items() if i.type.name != "Null"} <= set(rows)
    for name, row in rows.items():
        interface = state[name]
        address = "unassigned" if interface.ipv4 is None else str(interface.ipv4.ip)
        assert row["ip_address"] == address, name
        assert row["interface_status"] == ("Shutdown" if interface.shutdown else "Up"), name
        assert row["vrf_name"] == interface.vrf, name
    assert rows[management_port(router)]["ip_address"] == MGMT_ADDRESS[0]


def check_show_vrf_all_detail(router: Router, parsed: dict[str, Any]) -> None:
    assert set(parsed) == {LAB_VRF}
    entry = parsed[LAB_VRF]
    assert entry["vrf_mode"] == "regular"
    assert "route_distinguisher" not in entry  # Genie leaves out IOS XR's "RD not set"
    assert entry["description"] == LAB_VRF_DESCRIPTION
    members = [i.name for i in interface_state(router).values() if i.vrf == LAB_VRF]
    assert entry["interfaces"] == members == [LAB_VRF_PORT]
    assert set(entry["address_family"]) == {"ipv4 unicast"}


CHECKS: dict[str, Callable[[Router, dict[str, Any]], None]] = {
    "show vrf all detail": check_show_vrf_all_detail,
    "show interfaces": check_show_interfaces,
    "show interfaces description": check_show_interfaces_description,
    "show interface brief": check_show_interfaces_brief,
    "show ipv4 interface brief": check_show_ipv4_interface_brief,
    "show ip interface brief": check_show_ipv4_interface_brief,
    "show version": check_show_version,
    "show platform": check_show_platform,
    "show inventory": check_show_inventory,
    "show redundancy": check_show_redundancy,
    "show redundancy summary": check_show_redundancy_summary,
    "show users": check_show_users,
    "show processes cpu": check_show_processes_cpu,
    "show install active summary": check_show_install_active_summary,
    "show install inactive summary": check_show_install_inactive_summary,
    "dir": check_dir,
}


def test_the_commands_found_include_the_known_ones(session: Session) -> None:
    """The search for commands finds at least the ones this module has checks for (a command
    xrsim gained is added to the list by itself; one lost or renamed shows here)."""
    assert set(CHECKS) <= set(session.parsed_commands), session.parsed_commands


#: Commands xrsim prints in IOS XR 7.x (eXR) layout that Genie's parser cannot read, with why;
#: the test checks that Genie still fails on them (an entry goes once Genie reads it).
GENIE_GAPS = {
    "show install commit summary": "Genie reads classic XR's 'SDRs:' blocks and XR7's 'Label:' "
    "line only, not eXR's 'Label : 7.3.1' / 'Committed Packages: N' layout",
}


@pytest.mark.parametrize("via", ["pyats", "netmiko"])
def test_genie_parses_every_implemented_command(session: Session, via: str) -> None:
    """Genie's parse of each command, through pyATS (``device.parse``) and through netmiko
    ``send_command(..., use_genie=True)``, checked against the router."""
    failures = {}
    for command in session.parsed_commands:
        if via == "pyats":
            record = session.steps.get(f"parse:{command}")
        else:
            record = session.netmiko_steps.get(f"genie:{command}")
        if command in GENIE_GAPS:
            parsed_gap = None if record is None else record.get("parsed")
            if isinstance(parsed_gap, dict) and parsed_gap:
                failures[command] = f"Genie parses it now: remove it from GENIE_GAPS ({record})"
            continue
        if record is None or "error" in record:
            failures[command] = record and record["error"]
            continue
        parsed = record["parsed"]
        if not parsed or not isinstance(parsed, dict):
            failures[command] = f"not parsed: {parsed!r:.300}"
            continue
        check = CHECKS.get(command)
        if check is not None:
            try:
                check(session.router, parsed)
            except (AssertionError, KeyError) as exc:
                failures[command] = f"{type(exc).__name__}: {exc}; parsed {parsed}"
    assert not failures, json.dumps(failures, indent=1, default=str)


# -- learn ------------------------------------------------------------------------------------


def test_learn_platform(session: Session) -> None:
    learned = session.step("learn")["attributes"]
    chassis = session.router.chassis
    assert learned["chassis"] == chassis.platform.pid
    assert learned["chassis_sn"] == chassis.serial
    assert learned["os"] == "IOSXR"
    assert learned["version"] == str(chassis.release)
    assert len(learned["installed_packages"]) == 1 + len(chassis.platform.packages)
    assert DIR_FILE in learned["dir"]["files"]
    rps = learned["slot"]["rp"]
    assert set(rps) == {_slot(rp.name) for rp in chassis.rps}
    assert rps[_slot(chassis.active_rp.name)]["redundancy_state"] == "Active"

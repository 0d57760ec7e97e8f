"""ntc-templates conformance: netmiko ``cisco_xr`` with ``use_textfsm=True`` on every show
command xrsim implements that has a ``cisco_xr`` template.

The commands are found, not listed: each ``cisco_xr`` row of ntc-templates' index is expanded
into the command it names (every ``[[completion]]`` spelled out, optional groups left out,
a ``(\\S+)`` argument given as ``all``), and kept when xrsim's exec mode parses it as a whole
command. A command added to xrsim that has a template is therefore covered without editing
this file. Each template's records are checked against the router's state (``CHECKS``); a
covered template without a check fails ``test_every_covered_template_has_a_value_check``.

One router per platform profile (redundant ASR-9006 with line cards, fixed NCS-55A1-24H and
8201-SYS), served over SSH on 127.0.0.1, one netmiko connection per platform.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ntc_templates
import pytest
from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection

from xrsim import platforms
from xrsim.cli.commands import default_registry
from xrsim.cli.parser import ParseError, parse
from xrsim.frontends.ssh import SshServer
from xrsim.net.interfaces import Interface, interfaces, ports
from xrsim.net.vrf import configured_vrfs
from xrsim.router import Router

USER, PASSWORD = "admin", "admin"
TEMPLATES = Path(ntc_templates.__file__).parent / "templates"
PIDS = sorted(platforms.catalog())

#: netmiko 4.8 finds the templates with ``importlib.resources.path``, deprecated in 3.11.
pytestmark = pytest.mark.filterwarnings("ignore:path is deprecated:DeprecationWarning")


def _expand(regex: str) -> str | None:
    """The command an index row names, or None when it cannot be spelled out."""
    text = re.sub(r"\[\[([^\]]*)\]\]", r"\1", regex)
    text = re.sub(r"\((\\S\+)\)(?!\?)", "all", text)
    text = re.sub(r"\((?:\?:)?[^()]*\)\?", "", text)
    text = " ".join(text.split())
    if re.search(r"[\\()\[\]?*+|^$]", text):
        return None
    return text


def index_rows() -> list[tuple[str, str]]:
    """(template file, command) of every ``cisco_xr`` row of the index, in index order (the
    order netmiko's lookup tries them)."""
    rows = []
    for line in (TEMPLATES / "index").read_text().splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("Template,"):
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 4 or parts[2] != "cisco_xr":
            continue
        command = _expand(",".join(parts[3:]))
        if command is not None:
            rows.append((parts[0].split(":")[0], command))
    return rows


def implemented(command: str) -> bool:
    """Whether xrsim's exec mode parses ``command`` as a whole command."""
    try:
        match = parse(default_registry().trees["exec"], command)
    except ParseError:
        return False
    return match is not None and match.command is not None


COVERED = [(t, c) for t, c in index_rows() if implemented(c)]


# -- the value checks, one per template -------------------------------------------------------


@dataclass
class Env:
    router: Router
    port: int


Check = Callable[[Env, list[dict[str, Any]]], None]


def _version(env: Env, recs: list[dict[str, Any]]) -> None:
    ch = env.router.chassis
    (rec,) = recs
    assert rec["VERSION"].strip() == str(ch.release)
    assert rec["LABEL"] == str(ch.release)
    assert rec["HARDWARE"] == ch.platform.version_model
    assert rec["LOCATION"] == "/opt/cisco/XR/packages/"
    assert re.fullmatch(r"\d+ minutes?", rec["UPTIME"]), rec["UPTIME"]


def _platform(env: Env, recs: list[dict[str, Any]]) -> None:
    want = [
        {"NODE": n.name, "TYPE": n.type_label, "STATE": n.state, "CONFIG_STATE": n.config_state}
        for n in env.router.chassis.nodes
    ]
    assert recs == want


def _inventory(env: Env, recs: list[dict[str, Any]]) -> None:
    want = [
        {"NAME": i.name, "DESCR": i.descr, "PID": i.pid, "VID": i.vid, "SN": i.sn}
        for i in env.router.chassis.inventory()
    ]
    assert recs == want


def _dir(env: Env, recs: list[dict[str, Any]]) -> None:
    fs = env.router.chassis.fs()
    entries = {e.name: e for e in fs.list("harddisk:")}
    total, free = fs.usage("harddisk:")
    assert entries
    assert {r["NAME"] for r in recs} == set(entries)
    for r in recs:
        entry = entries[r["NAME"]]
        assert int(r["SIZE"]) == entry.size
        assert r["FILE_SYSTEM"] == "harddisk:"
        assert r["PERMISSIONS"].split()[0] == str(entry.inode)
        assert int(r["TOTAL_SIZE"]) == total // 1024
        assert r["DATE_MONTH"] == f"{entry.mtime:%b}"
        assert int(r["DATE_DAY"]) == entry.mtime.day
    # free space moves with other writers of the machine: same order of size
    assert abs(int(recs[0]["TOTAL_FREE"]) - free // 1024) <= max(1, free // 1024 // 100)


def _processes_cpu(env: Env, recs: list[dict[str, Any]]) -> None:
    (rec,) = recs
    figures = {int(rec[k]) for k in ("CPU_1_MIN", "CPU_5_MIN", "CPU_15_MIN")}
    assert len(figures) == 1
    assert 0 <= figures.pop() <= 100


def _redundancy_summary(env: Env, recs: list[dict[str, Any]]) -> None:
    ch = env.router.chassis
    if ch.standby_rp is None:
        assert recs == []  # the one row is "ACTIVE  N/A", which the template does not take
        return
    assert recs == [
        {
            "PRIMARY": ch.active_rp.name,
            "BACKUP": ch.standby_rp.name,
            "STATUS": "Node Ready",
            "NSR": "Ready",
        }
    ]


def _install_active(env: Env, recs: list[dict[str, Any]]) -> None:
    ch = env.router.chassis
    rel = str(ch.release)
    packages = [
        f"{ch.platform.family}-xr-{rel}",
        *(f"{p}-r{rel.replace('.', '')}" for p in ch.platform.packages),
    ]
    want = [(n.name, "RP" if n.is_rp else "LC", "xr_lv0", packages) for n in ch.nodes if n.runs_xr]
    got = [(r["NODE"], r["NODE_TYPE"], r["BOOT_PARTITION"], r["PACKAGES"]) for r in recs]
    assert got == want


def _commit_list(env: Env, recs: list[dict[str, Any]]) -> None:
    commits = list(reversed(env.router.datastore.commits))
    assert [r["NUMBER"] for r in recs] == [str(i) for i in range(1, len(commits) + 1)]
    assert [r["COMMIT"] for r in recs] == [c.label or str(c.commit_id) for c in commits]
    assert [r["USER"] for r in recs] == [c.user for c in commits]
    assert [r["CLIENT"] for r in recs] == [c.client for c in commits]


def _running_hostname(env: Env, recs: list[dict[str, Any]]) -> None:
    assert recs == [{"HOSTNAME": env.router.hostname()}]


def _running_interfaces(env: Env, recs: list[dict[str, Any]]) -> None:
    running = env.router.datastore.running
    names = [  # in the order show running-config prints them
        n.key.split(None, 1)[1]
        for n in running.root.sorted_children()
        if n.key.startswith("interface ")
    ]
    assert [r["INTERFACE"] for r in recs] == names
    for r in recs:
        node = running.get([f"interface {r['INTERFACE']}"])
        assert node is not None
        lines = [c.line for c in node.children.values()]
        desc = [ln.split(None, 1)[1] for ln in lines if ln.startswith("description ")]
        assert r["DESCRIPTION"] == (desc[0] if desc else "")
        vrf = [ln.split()[1] for ln in lines if ln.startswith("vrf ")]
        assert r["VRF"] == (vrf[0] if vrf else "")


def _interfaces_now(env: Env) -> list[Interface]:
    return interfaces(env.router.chassis, env.router.datastore.running_copy())


def _interface_brief(env: Env, recs: list[dict[str, Any]]) -> None:
    want = [
        {
            "INTERFACE": i.short,
            "INTF_STATE": i.state,
            "LINEP_STATE": i.line_state,
            "ENCAP_TYPE": "Null" if i.name == "Null0" else "ARPA",
            "MTU": str(i.mtu),
            "INT_BW": str(i.bandwidth),
        }
        for i in _interfaces_now(env)
    ]
    assert recs == want


def _show_interfaces(env: Env, recs: list[dict[str, Any]]) -> None:
    ifs = {i.name: i for i in _interfaces_now(env)}
    assert [r["INTERFACE"] for r in recs] == list(ifs)
    for r in recs:
        i = ifs[r["INTERFACE"]]
        assert r["ADMIN_STATE"] == ("administratively down" if i.shutdown else "up")
        assert r["DESCRIPTION"] == i.description
        # IOS XR says "Internet address is Unknown" of a port without IPv4; Null0 has no line
        unnumbered = "" if i.name == "Null0" else "Unknown"
        assert r["IP_ADDRESS"] == (str(i.ipv4) if i.ipv4 else unnumbered)
        assert r["MTU"] == str(i.mtu)
        if i.mac is not None:
            assert r["MAC_ADDRESS"] == r["BIA"] == i.mac
    assert any(i.ipv4 is not None for i in ifs.values())  # the fixture's configured port


def _ip_brief_rows(env: Env, *, numbered_only: bool) -> list[dict[str, str]]:
    rows = []
    for i in _interfaces_now(env):
        if i.name == "Null0" or (numbered_only and i.ipv4 is None):
            continue
        rows.append(
            {
                "INTERFACE": i.name,
                "IP_ADDRESS": str(i.ipv4.ip) if i.ipv4 else "unassigned",
                "STATUS": "Shutdown" if i.shutdown else "Up",
                "PROTO": "Down" if i.shutdown else "Up",
                "VRF": i.vrf,
            }
        )
    return rows


def _ip_interface_brief(env: Env, recs: list[dict[str, Any]]) -> None:
    assert recs == _ip_brief_rows(env, numbered_only=False)


def _ipv4_vrf_all_brief(env: Env, recs: list[dict[str, Any]]) -> None:
    # the template takes only rows with an address
    assert recs == _ip_brief_rows(env, numbered_only=True)
    assert [r["VRF"] for r in recs] == ["blue"]


def _vrf_detail(env: Env, recs: list[dict[str, Any]]) -> None:
    running = env.router.datastore.running_copy()
    want = []
    for vrf in sorted(configured_vrfs(running)):
        block = running.get([f"vrf {vrf}"])
        assert block is not None
        desc = [c.line.split(None, 1)[1] for c in block.children.values() if c.key == "description"]
        want.append(
            {
                "VRF": vrf,
                "RD": "not set",
                "RT_IMPORT": [],
                "RT_EXPORT": [],
                "VPN_ID": "not set",
                "MODE": "Regular",
                "DESCRIPTION": desc[0] if desc else "not set",
                "INTERFACES": [i.name for i in _interfaces_now(env) if i.vrf == vrf],
            }
        )
    assert recs == want
    assert [r["INTERFACES"] for r in recs] != [[]]  # the fixture's uplink is in VRF blue


CHECKS: dict[str, Check] = {
    "cisco_xr_show_vrf_all_detail.textfsm": _vrf_detail,
    "cisco_xr_show_interface_brief.textfsm": _interface_brief,
    "cisco_xr_show_interfaces.textfsm": _show_interfaces,
    "cisco_xr_show_ip_interface_brief.textfsm": _ip_interface_brief,
    "cisco_xr_show_ipv4_vrf_all_interface_brief.textfsm": _ipv4_vrf_all_brief,
    "cisco_xr_show_running-config_interface.textfsm": _running_interfaces,
    "cisco_xr_show_version.textfsm": _version,
    "cisco_xr_admin_show_platform.textfsm": _platform,
    "cisco_xr_admin_show_inventory.textfsm": _inventory,
    "cisco_xr_dir.textfsm": _dir,
    "cisco_xr_show_processes_cpu.textfsm": _processes_cpu,
    "cisco_xr_show_redundancy_summary.textfsm": _redundancy_summary,
    "cisco_xr_show_install_active.textfsm": _install_active,
    "cisco_xr_show_configuration_commit_list.textfsm": _commit_list,
    "cisco_xr_show_running-config_hostname.textfsm": _running_hostname,
}


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=PIDS)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    pid = str(request.param)
    router = Router.boot(pid, tmp_path_factory.mktemp(pid), hostname="router")
    router.configure(["domain name lab.example"], label="first")
    router.configure(["vrf blue", "description lab VRF", "address-family ipv4 unicast"])
    uplink = next(p.name for p in ports(router.chassis) if not p.name.startswith("MgmtEth"))
    router.configure(
        [
            f"interface {uplink}",
            "description uplink to the core",
            "ipv4 address 192.0.2.1 255.255.255.0",
            "vrf blue",
            "no shutdown",
        ]
    )
    fs = router.chassis.fs()
    fs.write_atomic("harddisk:/notes.txt", b"textfsm conformance\n")
    server = SshServer(router, users={USER: PASSWORD}).start()
    yield Env(router, server.port)
    server.stop()
    router.shutdown()


@pytest.fixture(scope="module")
def netmiko_xr(env: Env) -> Iterator[BaseConnection]:
    conn = ConnectHandler(
        device_type="cisco_xr",
        host="127.0.0.1",
        port=env.port,
        username=USER,
        password=PASSWORD,
        timeout=20,
        conn_timeout=20,
    )
    yield conn
    conn.disconnect()


def test_the_index_names_the_commands_xrsim_shows() -> None:
    """The enumeration finds at least the commands this branch implements layouts for."""
    covered = {t for t, _ in COVERED}
    assert covered >= {
        "cisco_xr_show_version.textfsm",
        "cisco_xr_admin_show_platform.textfsm",
        "cisco_xr_admin_show_inventory.textfsm",
        "cisco_xr_dir.textfsm",
        "cisco_xr_show_processes_cpu.textfsm",
        "cisco_xr_show_redundancy_summary.textfsm",
        "cisco_xr_show_install_active.textfsm",
    }


def test_every_covered_template_has_a_value_check() -> None:
    missing = sorted({t for t, _ in COVERED} - set(CHECKS))
    assert missing == [], f"templates of implemented commands without a value check: {missing}"


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("template", "command"), COVERED, ids=[c for _, c in COVERED])
def test_textfsm_parses_into_the_router_state(
    env: Env, netmiko_xr: BaseConnection, template: str, command: str
) -> None:
    out = netmiko_xr.send_command(command, use_textfsm=True)
    # A template error raises (TextFSMError); netmiko gives the text back when the template
    # found no records, and the records with lower-case field names otherwise.
    records = [] if isinstance(out, str) else [{k.upper(): v for k, v in r.items()} for r in out]
    check = CHECKS.get(template)
    if check is None:
        pytest.fail(f"{template}: no value check")
    check(env, records)

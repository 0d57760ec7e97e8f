"""``xrsim.net.interfaces`` and the interface commands on a real booted router: the catalog's
ports per platform, names as IOS XR abbreviates them, MACs from the chassis serial, the
``config-if`` items and their ``no`` forms, the show layouts (read with ntc-templates'
TextFSM templates), refusals that change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ntc_templates.parse import parse_output

from xrsim import platforms
from xrsim.errors import CommandError, InvalidInput
from xrsim.net import interfaces as ifs
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1")
    yield r
    r.shutdown()


@pytest.mark.parametrize(
    ("pid", "first", "last", "count"),
    [
        ("NCS-55A1-24H", "HundredGigE0/0/0/0", "HundredGigE0/0/0/23", 25),
        ("8201-SYS", "FourHundredGigE0/0/0/0", "HundredGigE0/0/0/35", 37),
        ("ASR-9006", "HundredGigE0/0/0/0", "TenGigE0/1/0/23", 36),
    ],
)
def test_every_platform_has_its_ports(
    pid: str, first: str, last: str, count: int, tmp_path: Path
) -> None:
    r = Router.boot(platform=pid, state_dir=tmp_path)
    try:
        names = [p.name for p in ifs.ports(r.chassis)]
        assert len(names) == count
        assert len(set(names)) == count
        assert first in names
        assert names[-1] == last
        for rp in r.chassis.rps:
            assert f"MgmtEth{rp.name}/0" in names
        macs = [p.mac for p in ifs.ports(r.chassis)]
        assert len(set(macs)) == count
        brief = parse_output(
            "cisco_xr", "show ipv4 interface brief", r.cli("show ipv4 interface brief")
        )
        assert [row["interface"] for row in brief] == names
    finally:
        r.shutdown()


def test_macs_are_stable_per_chassis_and_differ_between_chassis(tmp_path: Path) -> None:
    one = Router.boot(state_dir=tmp_path / "a")
    macs = [p.mac for p in ifs.ports(one.chassis)]
    one.shutdown()
    again = Router.boot(state_dir=tmp_path / "a")
    assert [p.mac for p in ifs.ports(again.chassis)] == macs
    again.shutdown()
    other = Router.boot(state_dir=tmp_path / "b")
    assert not set(macs) & {p.mac for p in ifs.ports(other.chassis)}
    other.shutdown()
    assert int(macs[0].replace(".", ""), 16) >> 40 & 0x03 == 0x02  # local, unicast


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Hu0/0/0/0", "HundredGigE0/0/0/0"),
        ("hundredgige0/0/0/0", "HundredGigE0/0/0/0"),
        ("mgmteth0/rp0/cpu0/0", "MgmtEth0/RP0/CPU0/0"),
        ("Mg0/RP0/CPU0/0", "MgmtEth0/RP0/CPU0/0"),
        ("lo0", "Loopback0"),
        ("Loop7", "Loopback7"),
        ("FH0/0/0/1", "FourHundredGigE0/0/0/1"),
        ("Fo0/0/0/1", "FortyGigE0/0/0/1"),
        ("Te0/1/0/3", "TenGigE0/1/0/3"),
    ],
)
def test_names_are_spelled_out(typed: str, canonical: str) -> None:
    assert ifs.canonical_name(typed) == canonical


def test_ambiguous_or_unknown_types_name_nothing() -> None:
    assert ifs.canonical_name("F0/0/0/0") is None  # FortyGigE, FourHundredGigE
    assert ifs.canonical_name("Foo0/0/0/0") is None
    assert ifs.canonical_name("Hu") is None


def test_factory_configuration_shuts_line_card_ports_not_management(router: Router) -> None:
    rows = parse_output("cisco_xr", "show interface brief", router.cli("show interface brief"))
    states = {row["interface"]: (row["intf_state"], row["linep_state"]) for row in rows}
    assert states["Mg0/RP0/CPU0/0"] == ("up", "up")
    assert states["Nu0"] == ("up", "up")
    assert all(states[f"Hu0/0/0/{n}"] == ("admin-down", "admin-down") for n in range(24))
    mtu = {row["interface"]: (row["mtu"], row["int_bw"]) for row in rows}
    assert mtu["Hu0/0/0/0"] == ("1514", "100000000")
    assert mtu["Mg0/RP0/CPU0/0"] == ("1514", "1000000")


def test_configure_an_interface_abbreviated_and_read_it_back(router: Router) -> None:
    router.configure(
        [
            "interface hu0/0/0/1",
            "description uplink to core",
            "ipv4 address 10.0.0.1/24",
            "no shutdown",
            "mtu 9000",
            "interface mgmtEth 0/RP0/CPU0/0",
            "ipv4 address 192.0.2.10 255.255.255.0",
            "interface Loopback0",
            "ipv4 address 1.1.1.1 255.255.255.255",
        ]
    )
    run = router.cli("show running-config interface Hu0/0/0/1")
    assert (
        "interface HundredGigE0/0/0/1\n description uplink to core\n mtu 9000\n"
        " ipv4 address 10.0.0.1 255.255.255.0\n!" in run
    )
    rows = parse_output(
        "cisco_xr", "show ipv4 interface brief", router.cli("show ipv4 interface brief")
    )
    by = {row["interface"]: row for row in rows}
    assert by["Loopback0"]["ip_address"] == "1.1.1.1"
    assert by["HundredGigE0/0/0/1"]["ip_address"] == "10.0.0.1"
    assert (by["HundredGigE0/0/0/1"]["status"], by["HundredGigE0/0/0/1"]["proto"]) == ("Up", "Up")
    assert by["HundredGigE0/0/0/2"]["status"] == "Shutdown"
    assert by["MgmtEth0/RP0/CPU0/0"]["ip_address"] == "192.0.2.10"
    detail = parse_output(
        "cisco_xr", "show interfaces", router.cli("show interfaces HundredGigE0/0/0/1")
    )
    assert len(detail) == 1
    d = detail[0]
    assert d["interface"] == "HundredGigE0/0/0/1"
    assert (d["link_status"], d["admin_state"]) == ("up", "up")
    assert d["description"] == "uplink to core"
    assert d["ip_address"] == "10.0.0.1/24"
    assert d["mtu"] == "9000"
    assert d["bandwidth"] == "100000000 Kbit"
    port = next(p for p in ifs.ports(router.chassis) if p.name == "HundredGigE0/0/0/1")
    assert d["mac_address"] == port.mac
    desc = parse_output(
        "cisco_xr", "show interfaces description", router.cli("show interfaces description")
    )
    assert {r["interface"]: r["description"] for r in desc}["Hu0/0/0/1"] == "uplink to core"


def test_no_forms_find_the_item_however_the_name_is_typed(router: Router) -> None:
    router.configure(["interface Hu0/0/0/3", "no shutdown", "ipv4 address 10.3.0.1/30"])
    router.configure(["interface hundredgige 0/0/0/3", "no ipv4 address"])
    assert "ipv4" not in router.cli("show running-config interface HundredGigE0/0/0/3")
    router.configure(["no interface hu0/0/0/3"])
    assert "% No such configuration item(s)" in router.cli(
        "show running-config interface Hu0/0/0/3"
    )


def test_vrf_and_the_vrf_brief(router: Router) -> None:
    router.configure(
        ["vrf RED", "interface Loopback5", "vrf RED", "ipv4 address 5.5.5.5 255.255.255.255"]
    )
    out = router.cli("show ipv4 vrf RED interface brief")
    rows = parse_output("cisco_xr", "show ipv4 vrf all interface brief", out)
    assert [(r["interface"], r["ip_address"], r["vrf"]) for r in rows] == [
        ("Loopback5", "5.5.5.5", "RED")
    ]
    assert "vrf RED\n!" in router.cli("show running-config")


@pytest.mark.parametrize(
    "line",
    [
        "interface Hu0/0/0/24",  # the NCS-55A1-24H has 24 ports
        "interface Te0/0/0/0",  # no 10G ports on it
        "interface Foo0/0/0/0",
        "interface MgmtEth0/RP1/CPU0/0",  # one RP
        "interface Null1",
    ],
)
def test_interfaces_the_router_does_not_have_are_refused(router: Router, line: str) -> None:
    before = router.cli("show running-config")
    with pytest.raises(CommandError) as err:
        router.configure([line, "description x"])
    assert "% Invalid input detected at '^' marker." in str(err.value.output)
    assert router.cli("show running-config").splitlines()[1:] == before.splitlines()[1:]


@pytest.mark.parametrize("line", ["ipv4 address 10.0.0.1 255.0.255.0", "ipv4 address 10.0.0.1/33"])
def test_bad_masks_are_refused(router: Router, line: str) -> None:
    with pytest.raises(CommandError):
        router.configure(["interface Hu0/0/0/0", line])
    assert "ipv4" not in router.cli("show running-config interface Hu0/0/0/0")


def test_unknown_interface_in_show_is_refused(router: Router) -> None:
    out = router.cli("show interfaces Hu0/0/0/40")
    assert "% Invalid input detected at '^' marker." in out


def test_configuration_survives_a_restart(tmp_path: Path) -> None:
    r = Router.boot(state_dir=tmp_path)
    r.configure(["interface Hu0/0/0/5", "no shutdown", "ipv4 address 10.5.0.1/24"])
    r.shutdown()
    again = Router.boot(state_dir=tmp_path)
    try:
        state = {i.name: i for i in ifs.interfaces(again.chassis, again.datastore.running_copy())}
        assert not state["HundredGigE0/0/0/5"].shutdown
        assert str(state["HundredGigE0/0/0/5"].ipv4) == "10.5.0.1/24"
        assert state["HundredGigE0/0/0/6"].shutdown
    finally:
        again.shutdown()


def test_platform_port_tables_are_validated(tmp_path: Path) -> None:
    text = Path(platforms.load("NCS-55A1-24H").source.replace("xrsim/", "python/xrsim/"))
    base = text.read_text(encoding="utf-8")
    for extra, why in (
        ('[[port]]\nnode = "0/FT0"\ntype = "TenGigE"\nprefix = "0/0/1"\ncount = 1\n', "node"),
        ('[[port]]\nnode = "0/RP0/CPU0"\ntype = "Bogus"\nprefix = "0/0/1"\ncount = 1\n', "type"),
        ('[[port]]\nnode = "0/RP0/CPU0"\ntype = "TenGigE"\nprefix = "0/0/0"\ncount = 2\n', "two"),
    ):
        f = tmp_path / "p.toml"
        f.write_text(base + "\n" + extra, encoding="utf-8")
        with pytest.raises(InvalidInput, match=why):
            platforms.load_file(f)

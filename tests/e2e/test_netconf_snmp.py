"""``Cisco-IOS-XR-snmp-agent-cfg`` with ncclient (``.venv``, IOS XR device params, defaults):
get-config reads what the CLI's ``snmp-server`` lines say (system contact, location and
chassis ID, communities and their privilege, trap hosts in the default VRF and in a VRF), and
edit-config writes IOS XR's lines, which ``show running-config snmp-server`` shows and the
trap notifier reads; refused values, missing data and users without the ``snmp`` task change
nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from lxml import etree
from ncclient.manager import Manager
from ncclient.operations.rpc import RPCError

from support import netconf_sessions
from xrsim.notify import TrapHost
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

SNMP = "http://cisco.com/ns/yang/Cisco-IOS-XR-snmp-agent-cfg"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NS = {"s": SNMP}
USERS = {"admin": "admin", "alice": "alice"}
#: NAPALM's get_snmp_information filter.
NAPALM_FILTER = ("subtree", f'<snmp xmlns="{SNMP}"><administration/><system/></snmp>')
ALL = ("subtree", f'<snmp xmlns="{SNMP}"/>')

CLI_LINES = [
    "snmp-server community public",
    "snmp-server community private RW",
    "snmp-server contact NOC team, +1 555 0100",
    "snmp-server location Building 4, rack 12",
    "snmp-server chassis-id r1-chassis",
    "snmp-server host 10.0.0.9 traps version 2c public udp-port 1162",
    "snmp-server host 10.0.0.9 traps version 2c other",
    "snmp-server vrf mgmt",
    " host 10.0.0.10 traps version 2c public",
    "exit",
    "snmp-server traps pki",
]


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1")
    r.configure(["netconf-yang agent", " ssh", "username alice", " group operator"])
    yield r
    r.shutdown()


@pytest.fixture
def connect(router: Router) -> Iterator[Callable[..., Manager]]:
    with netconf_sessions(router, USERS) as make:
        yield make


def snmp_running(router: Router) -> str:
    """``show running-config snmp-server`` without its timestamp line."""
    return router.cli("show running-config snmp-server").split("\n", 1)[1]


def get_snmp(m: Manager, flt: tuple[str, str] = ALL, source: str = "running") -> etree._Element:
    reply = etree.fromstring(m.get_config(source=source, filter=flt).xml)
    found = reply.find(".//s:snmp", NS)
    assert found is not None, etree.tostring(reply)
    return found


def communities(snmp: etree._Element) -> dict[str, str | None]:
    return {
        str(c.findtext("s:community-name", namespaces=NS)): c.findtext(
            "s:priviledge", namespaces=NS
        )
        for c in snmp.findall("s:administration/s:default-communities/s:default-community", NS)
    }


def trap_hosts(parent: etree._Element) -> dict[tuple[str, str], dict[str, str]]:
    out: dict[tuple[str, str], dict[str, str]] = {}
    for host in parent.findall("s:trap-hosts/s:trap-host", NS):
        addr = str(host.findtext("s:ip-address", namespaces=NS))
        for c in host.findall("s:default-user-communities/s:default-user-community", NS):
            leaves = {etree.QName(e).localname: str(e.text) for e in c}
            out[(addr, leaves.pop("community-name"))] = leaves
    return out


def edit(m: Manager, body: str) -> None:
    m.edit_config(target="candidate", config=f'<config xmlns:nc="{NC}">{body}</config>')
    m.commit()


def test_get_config_reads_the_cli_lines(router: Router, connect: Callable[..., Manager]) -> None:
    router.configure(CLI_LINES)
    m = connect()
    snmp = get_snmp(m, NAPALM_FILTER)
    assert snmp.findtext("s:system/s:contact", namespaces=NS) == "NOC team, +1 555 0100"
    assert snmp.findtext("s:system/s:location", namespaces=NS) == "Building 4, rack 12"
    assert snmp.findtext("s:system/s:chassis-id", namespaces=NS) == "r1-chassis"
    # A community typed without RO/RW has no privilege leaf: the line does not say it.
    assert communities(snmp) == {"private": "read-write", "public": None}
    assert snmp.find("s:trap-hosts", NS) is None  # the filter selects only what it names

    snmp = get_snmp(m)
    implied = {
        "version": "2c",
        "basic-trap-types": "0",
        "advanced-trap-types1": "0",
        "advanced-trap-types2": "0",
    }
    assert trap_hosts(snmp) == {
        ("10.0.0.9", "other"): implied,
        ("10.0.0.9", "public"): {"port": "1162", **implied},
    }
    vrfs = snmp.findall("s:vrfs/s:vrf", NS)
    assert [v.findtext("s:name", namespaces=NS) for v in vrfs] == ["mgmt"]
    assert trap_hosts(vrfs[0]) == {("10.0.0.10", "public"): implied}


def test_edit_config_writes_ios_xr_lines(router: Router, connect: Callable[..., Manager]) -> None:
    m = connect()
    edit(
        m,
        f'<snmp xmlns="{SNMP}"><administration><default-communities>'
        "<default-community><community-name>public</community-name>"
        "<priviledge>read-only</priviledge></default-community>"
        "<default-community><community-name>rw1</community-name>"
        "<priviledge>read-write</priviledge></default-community>"
        "<default-community><community-name>plain</community-name></default-community>"
        "</default-communities></administration>"
        "<system><contact>Ops, +1 555 0100</contact><location>DC 1, row 3</location>"
        "<chassis-id>chassis-7</chassis-id></system>"
        "<vrfs><vrf><name>mgmt</name><trap-hosts><trap-host><ip-address>10.0.0.10</ip-address>"
        "<default-user-communities><default-user-community><community-name>public"
        "</community-name><version>2c</version><basic-trap-types>0</basic-trap-types>"
        "<advanced-trap-types1>0</advanced-trap-types1>"
        "<advanced-trap-types2>0</advanced-trap-types2></default-user-community>"
        "</default-user-communities></trap-host></trap-hosts></vrf></vrfs>"
        "<trap-hosts><trap-host><ip-address>10.0.0.9</ip-address><default-user-communities>"
        "<default-user-community><community-name>public</community-name><port>1162</port>"
        "<version>2c</version><basic-trap-types>0</basic-trap-types>"
        "<advanced-trap-types1>0</advanced-trap-types1>"
        "<advanced-trap-types2>0</advanced-trap-types2></default-user-community>"
        "</default-user-communities></trap-host></trap-hosts></snmp>",
    )
    assert snmp_running(router) == (
        "snmp-server community plain\n"
        "snmp-server community public RO\n"
        "snmp-server community rw1 RW\n"
        "snmp-server host 10.0.0.9 traps version 2c public udp-port 1162\n"
        "snmp-server contact Ops, +1 555 0100\n"
        "snmp-server location DC 1, row 3\n"
        "snmp-server chassis-id chassis-7\n"
        "snmp-server vrf mgmt\n"
        " host 10.0.0.10 traps version 2c public\n"
        "!\n"
    )
    config = router.notify.snmp_config
    assert config.communities == {"public": "RO", "rw1": "RW", "plain": "RO"}
    assert set(config.hosts) == {
        TrapHost(host="10.0.0.9", community="public", port=1162, vrf="default"),
        TrapHost(host="10.0.0.10", community="public", port=162, vrf="mgmt"),
    }
    # What was written reads back as written.
    snmp = get_snmp(m)
    assert communities(snmp) == {"plain": None, "public": "read-only", "rw1": "read-write"}
    assert snmp.findtext("s:system/s:contact", namespaces=NS) == "Ops, +1 555 0100"


def test_merge_changes_one_leaf_of_a_line(router: Router, connect: Callable[..., Manager]) -> None:
    router.configure(CLI_LINES)
    m = connect()
    edit(
        m,
        f'<snmp xmlns="{SNMP}"><administration><default-communities><default-community>'
        "<community-name>public</community-name><priviledge>read-write</priviledge>"
        "</default-community><default-community><community-name>private</community-name>"
        '<priviledge nc:operation="delete"/></default-community></default-communities>'
        "</administration><system><contact>New contact</contact></system>"
        "<trap-hosts><trap-host><ip-address>10.0.0.9</ip-address><default-user-communities>"
        "<default-user-community><community-name>public</community-name>"
        '<port nc:operation="delete"/></default-user-community><default-user-community>'
        "<community-name>other</community-name><port>2162</port></default-user-community>"
        "</default-user-communities></trap-host></trap-hosts></snmp>",
    )
    shown = snmp_running(router)
    assert "snmp-server community public RW\n" in shown
    assert "snmp-server community private\n" in shown
    assert "snmp-server contact New contact\n" in shown
    assert "snmp-server location Building 4, rack 12\n" in shown  # untouched
    assert "snmp-server host 10.0.0.9 traps version 2c public\n" in shown
    assert "snmp-server host 10.0.0.9 traps version 2c other udp-port 2162\n" in shown


def test_delete_and_replace(router: Router, connect: Callable[..., Manager]) -> None:
    router.configure(CLI_LINES)
    m = connect()
    edit(
        m,
        f'<snmp xmlns="{SNMP}"><system><location nc:operation="delete"/></system>'
        '<trap-hosts><trap-host nc:operation="delete"><ip-address>10.0.0.9</ip-address>'
        "</trap-host></trap-hosts>"
        '<vrfs><vrf nc:operation="delete"><name>mgmt</name></vrf></vrfs></snmp>',
    )
    shown = snmp_running(router)
    assert "location" not in shown
    assert "snmp-server host" not in shown
    assert "vrf" not in shown
    assert router.notify.snmp_config.hosts == ()
    # replace: the communities are exactly the one given; what the model has no leaf for
    # (snmp-server traps pki) stays.
    edit(
        m,
        f'<snmp xmlns="{SNMP}" nc:operation="replace"><administration><default-communities>'
        "<default-community><community-name>only</community-name></default-community>"
        "</default-communities></administration></snmp>",
    )
    assert snmp_running(router) == "snmp-server community only\nsnmp-server traps pki\n"


@pytest.mark.parametrize(
    ("body", "tag"),
    [
        # YANG types, then the CLI's parse of the line.
        (
            "<administration><default-communities><default-community>"
            "<community-name>x</community-name><priviledge>write</priviledge>"
            "</default-community></default-communities></administration>",
            "invalid-value",
        ),
        (
            "<administration><default-communities><default-community>"
            "<community-name>two words</community-name>"
            "</default-community></default-communities></administration>",
            "invalid-value",
        ),
        ("<system><contact>a | b</contact></system>", "invalid-value"),
        ("<system><contact>" + "x" * 256 + "</contact></system>", "invalid-value"),
        (
            "<trap-hosts><trap-host><ip-address>2001:db8::1</ip-address>"
            "<default-user-communities><default-user-community><community-name>c"
            "</community-name><version>2c</version><basic-trap-types>0</basic-trap-types>"
            "<advanced-trap-types1>0</advanced-trap-types1><advanced-trap-types2>0"
            "</advanced-trap-types2></default-user-community></default-user-communities>"
            "</trap-host></trap-hosts>",
            "invalid-value",
        ),
        (  # only v2c traps
            "<trap-hosts><trap-host><ip-address>10.0.0.1</ip-address>"
            "<default-user-communities><default-user-community><community-name>c"
            "</community-name><version>3</version><basic-trap-types>0</basic-trap-types>"
            "<advanced-trap-types1>0</advanced-trap-types1><advanced-trap-types2>0"
            "</advanced-trap-types2></default-user-community></default-user-communities>"
            "</trap-host></trap-hosts>",
            "invalid-value",
        ),
        (  # the module's mandatory leaves
            "<trap-hosts><trap-host><ip-address>10.0.0.1</ip-address>"
            "<default-user-communities><default-user-community><community-name>c"
            "</community-name></default-user-community></default-user-communities>"
            "</trap-host></trap-hosts>",
            "missing-element",
        ),
        (
            "<administration><default-communities><default-community nc:operation='delete'>"
            "<community-name>nobody</community-name>"
            "</default-community></default-communities></administration>",
            "data-missing",
        ),
        (
            "<administration><default-communities><default-community nc:operation='create'>"
            "<community-name>public</community-name>"
            "</default-community></default-communities></administration>",
            "data-exists",
        ),
        (
            "<administration><default-communities><default-community>"
            "<community-name>public</community-name><view-name>v</view-name>"
            "</default-community></default-communities></administration>",
            "unknown-element",
        ),
    ],
)
def test_refused_edits_change_nothing(
    router: Router, connect: Callable[..., Manager], body: str, tag: str
) -> None:
    router.configure(CLI_LINES)
    before = snmp_running(router)
    m = connect()
    with pytest.raises(RPCError) as e:
        m.edit_config(
            target="candidate",
            config=f'<config xmlns:nc="{NC}"><snmp xmlns="{SNMP}">{body}</snmp></config>',
        )
    assert e.value.tag == tag
    m.commit()
    assert snmp_running(router) == before


def test_the_snmp_task_is_needed(router: Router, connect: Callable[..., Manager]) -> None:
    router.configure(CLI_LINES)
    m = connect("alice")  # operator: no snmp task
    reply = etree.fromstring(m.get_config(source="running", filter=ALL).xml)
    assert reply.find(".//s:snmp", NS) is None
    with pytest.raises(RPCError) as e:
        m.edit_config(
            target="candidate",
            config=f'<config><snmp xmlns="{SNMP}"><system><contact>x</contact></system></snmp>'
            "</config>",
        )
    assert e.value.tag == "access-denied"
    assert "snmp-server contact NOC team" in snmp_running(router)

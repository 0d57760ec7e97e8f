"""NETCONF values are values (issue 12, item 5), over real NETCONF: ncclient with IOS XR's
device handler and default settings, to a router served by ``SshServer`` on 127.0.0.1.

- A leaf value or list key never becomes CLI text: ``<host-name>r2 | file harddisk:a
  </host-name>`` (and the same through a ``LINE`` argument, a list key, another model) is
  ``invalid-value`` naming the leaf, and neither the file nor the configuration changes.
- Other bad values are refused per their YANG type (length, range, ASCII digits, dotted quad,
  boolean, empty) with ``bad-element`` naming the leaf; values the type and the CLI both take
  (a sign on a ``uint32``, spaces in a ``subject-name``) are accepted.
- ``<lock>`` needs write tasks and ``<kill-session>`` execute tasks: a read-only user gets
  ``access-denied`` and blocks nobody; the administrator may do both.

The users are configured over the CLI first (``Router.configure`` types the lines into a CLI
session): ``admin`` in ``root-lr`` and ``viewer``, whose task group only reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree
from ncclient.manager import Manager
from ncclient.operations import RPCError

from support import netconf_sessions
from xrsim.router import Router

pytestmark = pytest.mark.timeout(90)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
HOST = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-cfg"
DOMAIN = "http://cisco.com/ns/yang/Cisco-IOS-XR-ip-domain-cfg"
CEPKI = "http://cisco.com/ns/yang/Cisco-IOS-XR-crypto-cepki-cfg"
AAA = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-lib-cfg"
LOCALD = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-locald-cfg"
SNMP = "http://cisco.com/ns/yang/Cisco-IOS-XR-snmp-agent-cfg"
NS = {"nc": NC, "h": HOST}
PASSWORDS = {"admin": "admin-pw-1", "viewer": "viewer-pw-1"}
#: What the file the injection aims at holds.
PRECIOUS = b"precious contents\n"


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(state_dir=tmp_path / "r1", hostname="r1")
    r.configure(
        [
            "netconf-yang agent",
            " ssh",
            "taskgroup read-only",
            " task read config-services",
            " task read root-lr",
            " task read crypto",
            " task read aaa",
            " task read ip-services",
            "usergroup read-only",
            " taskgroup read-only",
            "username viewer",
            " group read-only",
            f" secret 0 {PASSWORDS['viewer']}",
            "username admin",
            " group root-lr",
            f" secret 0 {PASSWORDS['admin']}",
        ]
    )
    r.chassis.fs().write_atomic("harddisk:a", PRECIOUS)
    yield r
    r.shutdown()


@pytest.fixture
def connect(router: Router) -> Iterator[Callable[[str], Manager]]:
    with netconf_sessions(router, PASSWORDS, server_users={}) as make:
        yield make


def harddisk(router: Router, name: str) -> Path:
    """The real file behind ``harddisk:NAME`` of the active RP."""
    return router.chassis.state_dir / "nodes" / "0_RP0_CPU0" / "misc" / "disk1" / name


def config(body: str) -> str:
    return f'<config xmlns="{NC}">{body}</config>'


def host_name(value: str) -> str:
    return config(f'<host-names xmlns="{HOST}"><host-name>{value}</host-name></host-names>')


def trustpoint(body: str, name: str = "tp1") -> str:
    return config(
        f'<crypto-ca xmlns="{CEPKI}"><certificate-authority><trustpoints><trustpoint>'
        f"<name>{name}</name>{body}</trustpoint></trustpoints></certificate-authority>"
        "</crypto-ca>"
    )


def domain_name(value: str) -> str:
    return config(
        f'<ip-domain xmlns="{DOMAIN}"><vrfs><vrf><vrf-name>default</vrf-name>'
        f"<name>{value}</name></vrf></vrfs></ip-domain>"
    )


def username(name: str) -> str:
    return config(
        f'<aaa xmlns="{AAA}"><usernames xmlns="{LOCALD}"><username><name>{name}</name>'
        "</username></usernames></aaa>"
    )


def snmp(body: str) -> str:
    return config(f'<snmp xmlns="{SNMP}">{body}</snmp>')


def community(name: str, privilege: str = "") -> str:
    leaf = f"<priviledge>{privilege}</priviledge>" if privilege else ""
    return snmp(
        "<administration><default-communities><default-community>"
        f"<community-name>{name}</community-name>{leaf}"
        "</default-community></default-communities></administration>"
    )


def trap_host(address: str, community: str) -> str:
    return snmp(
        f"<trap-hosts><trap-host><ip-address>{address}</ip-address><default-user-communities>"
        f"<default-user-community><community-name>{community}</community-name>"
        "<version>2c</version><basic-trap-types>0</basic-trap-types>"
        "<advanced-trap-types1>0</advanced-trap-types1>"
        "<advanced-trap-types2>0</advanced-trap-types2></default-user-community>"
        "</default-user-communities></trap-host></trap-hosts>"
    )


def bad_element(error: RPCError) -> str | None:
    info = etree.fromstring((error.info or "<none/>").encode())
    return info.findtext("nc:bad-element", namespaces=NS)


def outcome(m: Manager, xml: str) -> tuple[str, str | None]:
    """What an edit-config of ``xml`` answers: its error tag and bad element, or ``("ok",
    None)`` when it is accepted (then the candidate is discarded again)."""
    try:
        m.edit_config(target="candidate", config=xml)
    except RPCError as e:
        return e.tag, bad_element(e)
    m.discard_changes()
    return "ok", None


def running(router: Router) -> list[dict[str, object]]:
    """The running configuration as the datastore holds it (lines and submodes)."""
    return router.datastore.running_copy().to_data()


def test_a_value_cannot_inject_cli_text(router: Router, connect: Callable[[str], Manager]) -> None:
    m = connect("admin")
    before = running(router)
    attempts = [
        (host_name("r2 | file harddisk:a"), "host-name"),
        (host_name("r2 | file harddisk:b"), "host-name"),
        # A LINE argument takes the rest of the line: the pipe would still be cut off.
        (
            trustpoint(
                "<attribute><subject-name>CN=r2 | file harddisk:c</subject-name></attribute>"
            ),
            "subject-name",
        ),
        # A list key makes a block line.
        (trustpoint("", name="tp9 | file harddisk:d"), "name"),
        (username("eve | file harddisk:e"), "name"),
        (domain_name("lab.example | file harddisk:f"), "name"),
        # Leaves that are arguments of one line: a list key, a LINE argument, a group's key.
        (community("pub | file harddisk:g"), "community-name"),
        (community("pub RW"), "community-name"),  # the access would come from the name
        (snmp("<system><contact>ops | file harddisk:h</contact></system>"), "contact"),
        (trap_host("10.0.0.1", "c | file harddisk:i"), "community-name"),
        # A line end or a help request inside a value.
        (host_name("r2&#10;username evil"), "host-name"),
        (host_name("r2 ?"), "host-name"),
    ]
    got = [(xml, outcome(m, xml)) for xml, _ in attempts]
    assert got == [(xml, ("invalid-value", leaf)) for xml, leaf in attempts]
    # Nothing was typed: the file is intact, no file was written, the candidate is empty.
    assert harddisk(router, "a").read_bytes() == PRECIOUS
    for name in "bcdefghi":
        assert not harddisk(router, name).exists()
    candidate = etree.fromstring(
        str(
            m.get_config(source="candidate", filter=("subtree", f'<host-names xmlns="{HOST}"/>'))
        ).encode()
    )
    assert candidate.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r1"
    m.commit()
    assert router.hostname() == "r1"
    assert running(router) == before
    assert harddisk(router, "a").read_bytes() == PRECIOUS


def test_values_are_checked_against_their_yang_type(
    router: Router, connect: Callable[[str], Manager]
) -> None:
    m = connect("admin")
    before = running(router)
    bad = [
        # host-name is a YANG string, and only what `hostname` takes as its one argument
        (host_name("two words"), "host-name"),
        (host_name(""), "host-name"),
        # uint32 with a range: out of range, not ASCII digits, not a number
        (trustpoint("<enrollment><retry><period>61</period></retry></enrollment>"), "period"),
        (trustpoint("<enrollment><retry><period>0</period></retry></enrollment>"), "period"),
        (trustpoint("<enrollment><retry><period>\u0663</period></retry></enrollment>"), "period"),
        (trustpoint("<enrollment><retry><count>ten</count></retry></enrollment>"), "count"),
        # inet:ipv4-address-no-zone
        (
            trustpoint(
                "<attribute><ip-address><address>10.0.0.256</address></ip-address></attribute>"
            ),
            "address",
        ),
        (
            trustpoint(
                "<attribute><ip-address><address>010.0.0.1</address></ip-address></attribute>"
            ),
            "address",
        ),
        (
            trustpoint(
                "<attribute><ip-address><address>10.0.0.1%eth0</address></ip-address></attribute>"
            ),
            "address",
        ),
        # boolean, empty
        (trustpoint("<attribute><serial-number>yes</serial-number></attribute>"), "serial-number"),
        (trustpoint("<crl><optional>true</optional></crl>"), "optional"),
        # xr:Cisco-ios-xr-string of 1..32 characters
        (trustpoint(f"<vrf-table><vrf>{'v' * 33}</vrf></vrf-table>"), "vrf"),
        # xr:Cisco-ios-xr-string keys: a space is a special character
        (trustpoint("", name="tp 1"), "name"),
        # a URL is one CLI word
        (trustpoint("<enrollment><url>http://ca.example/a b</url></enrollment>"), "url"),
    ]
    got = [(xml, outcome(m, xml)) for xml, _ in bad]
    assert got == [(xml, ("invalid-value", leaf)) for xml, leaf in bad]
    m.commit()
    assert running(router) == before

    # What both the type and the CLI take is accepted: a sign on a uint32 (in canonical form
    # on the CLI), spaces inside a subject-name (the rest of its line).
    m.edit_config(
        target="candidate",
        config=trustpoint(
            "<attribute><subject-name>CN=r1,O=Lab Team</subject-name></attribute>"
            "<enrollment><retry><period>+07</period></retry></enrollment>"
        ),
    )
    m.edit_config(target="candidate", config=host_name("r-2"))
    m.commit()
    shown = router.cli("show running-config crypto ca trustpoint tp1")
    assert " subject-name CN=r1,O=Lab Team\n" in shown
    assert " enrollment retry period 7\n" in shown
    assert router.hostname() == "r-2"


def test_lock_needs_write_tasks(router: Router, connect: Callable[[str], Manager]) -> None:
    viewer, admin = connect("viewer"), connect("admin")
    for target in ("running", "candidate"):
        with pytest.raises(RPCError) as info:
            viewer.lock(target=target)
        assert (info.value.tag, bad_element(info.value)) == ("access-denied", "lock")
    assert "Yes" not in router.cli("show netconf-yang clients")  # nobody holds a lock
    # The read-only user blocks nobody: the administrator commits, and may lock.
    admin.edit_config(target="candidate", config=host_name("r3"))
    admin.commit()
    assert router.hostname() == "r3"
    router.configure(["domain name lab.example"])  # a CLI commit goes through too
    admin.lock(target="running")
    admin.lock(target="candidate")
    admin.unlock(target="candidate")
    admin.unlock(target="running")


def test_kill_session_needs_execute_tasks(
    router: Router, connect: Callable[[str], Manager]
) -> None:
    admin, viewer = connect("admin"), connect("viewer")
    with pytest.raises(RPCError) as info:
        viewer.kill_session(admin.session_id)
    assert (info.value.tag, bad_element(info.value)) == ("access-denied", "kill-session")
    # The administrator's session lives on and works.
    admin.edit_config(target="candidate", config=host_name("r4"))
    admin.commit()
    assert router.hostname() == "r4"
    # The administrator may end the read-only user's session.
    admin.kill_session(viewer.session_id)
    rows = router.cli("show netconf-yang clients")
    assert f"{int(viewer.session_id):>17}|" not in rows
    assert f"{int(admin.session_id):>17}|" in rows

"""The NETCONF behaviour NAPALM's iosxr_netconf needs, with ncclient (``.venv``) as any client:
the reply declaration, operations in base:1.1's namespace, the CLI-text model
``Cisco-IOS-XR-cli-cfg`` (edit-config merge, replace, copy-config), ``get-cli-config-diff``,
the rollback actions of ``Cisco-IOS-XR-cfgmgr-rollback-act``, ``system-time``, the ``Rack 0``
inventory entity and the local users of ``Cisco-IOS-XR-aaa-lib-cfg`` / ``aaa-locald-cfg``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from lxml import etree
from ncclient.manager import Manager
from ncclient.operations.rpc import RPCError
from ncclient.xml_ import to_ele

from support import netconf_sessions
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

NC11 = "urn:ietf:params:xml:ns:netconf:base:1.1"
CLI = "http://cisco.com/ns/yang/Cisco-IOS-XR-cli-cfg"
DIFF = "http://cisco.com/ns/yang/Cisco-IOS-XR-cli-diff-act"
RB = "http://cisco.com/ns/yang/Cisco-IOS-XR-cfgmgr-rollback-act"
SUO = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-oper"
INV = "http://cisco.com/ns/yang/Cisco-IOS-XR-invmgr-oper"
AAA = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-lib-cfg"
USR = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-locald-cfg"
NS = {"cli": CLI, "diff": DIFF, "suo": SUO, "inv": INV, "aaa": AAA, "usr": USR}
USERS = {"admin": "admin", "alice": "alice"}
CLI_FILTER = ("subtree", f'<cli xmlns="{CLI}"/>')


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


def running(router: Router) -> str:
    return router.cli("show running-config").split("\n", 1)[1]


def cli_text(m: Manager, source: str = "running") -> str:
    reply = etree.fromstring(m.get_config(source=source, filter=CLI_FILTER).xml)
    return str(reply.find(".//cli:cli", NS).text)


def test_replies_declare_no_encoding_so_lxml_reads_the_text(
    connect: Callable[..., Manager],
) -> None:
    xml = connect().get_config(source="running").xml
    assert xml.startswith('<?xml version="1.0"?>\n')
    assert etree.fromstring(xml) is not None  # a str that declared an encoding would raise


def test_operations_in_the_base_1_1_namespace(connect: Callable[..., Manager]) -> None:
    get = f'<get xmlns="{NC11}"><filter><system-time xmlns="{SUO}"/></filter></get>'
    reply = etree.fromstring(connect().dispatch(to_ele(get)).xml)
    assert reply.find(".//suo:system-time/suo:uptime/suo:host-name", NS).text == "r1"


def test_system_time_and_rack_0(router: Router, connect: Callable[..., Manager]) -> None:
    flt = (
        f'<system-time xmlns="{SUO}"/><inventory xmlns="{INV}"><entities><entity>'
        "<name>Rack 0</name><attributes><inv-basic-bag><software-revision/><model-name/>"
        "<serial-number/></inv-basic-bag></attributes></entity></entities></inventory>"
    )
    get = to_ele(f'<get xmlns="{NC11}"><filter>{flt}</filter></get>')  # as NAPALM's get_facts
    reply = etree.fromstring(connect().dispatch(get).xml)
    now = router.clock.now()
    clock = reply.find(".//suo:system-time/suo:clock", NS)
    assert int(clock.find("suo:year", NS).text) == now.year
    assert clock.find("suo:time-zone", NS).text == "UTC"
    uptime = int(reply.find(".//suo:uptime/suo:uptime", NS).text)
    assert 0 <= uptime <= router.chassis.uptime().total_seconds()
    entities = reply.findall(".//inv:entity", NS)
    assert [e.find("inv:name", NS).text for e in entities] == ["Rack 0"]
    bag = entities[0].find(".//inv:inv-basic-bag", NS)
    assert bag.find("inv:software-revision", NS).text == str(router.chassis.release)
    assert bag.find("inv:model-name", NS).text == router.chassis.platform.pid
    assert bag.find("inv:serial-number", NS).text == router.chassis.serial


def test_cli_text_reads_as_show_running_config(
    router: Router, connect: Callable[..., Manager]
) -> None:
    m = connect()
    assert cli_text(m).strip() == running(router).split("\n", 1)[1].strip()
    # Not served without a filter naming it.
    assert "<cli " not in m.get_config(source="running").xml


def test_cli_text_merge_diff_commit(router: Router, connect: Callable[..., Manager]) -> None:
    m = connect()
    text = "hostname merged\n!\nusername bob\n group operator\n!\nend\n"
    m.edit_config(target="candidate", config=f'<config><cli xmlns="{CLI}">{text}</cli></config>')
    assert "username bob\n group operator" in cli_text(m, "candidate")
    diff = etree.fromstring(m.dispatch(to_ele(f'<get-cli-config-diff xmlns="{DIFF}"/>')).xml)
    shown = diff.find("diff:cli", NS).text
    assert "hostname merged" in shown
    assert "username bob" in shown
    assert "hostname r1" in running(router)
    m.commit()
    assert "hostname merged" in running(router)
    assert "username bob\n group operator" in running(router)


def test_cli_text_refused_line_is_an_error_and_changes_nothing(
    connect: Callable[..., Manager],
) -> None:
    m = connect()
    bad = f'<config><cli xmlns="{CLI}">hostname half\nnot a command\n</cli></config>'
    with pytest.raises(RPCError) as e:
        m.edit_config(target="candidate", config=bad, error_option="rollback-on-error")
    assert e.value.tag == "invalid-value"
    assert "% Invalid input detected" in e.value.message
    assert "hostname half" not in cli_text(m, "candidate")


def test_copy_config_replaces_the_candidate(
    router: Router, connect: Callable[..., Manager]
) -> None:
    router.configure(["domain name old.example"])
    m = connect()
    new = running(router).split("\n", 1)[1].replace("domain name old.example\n", "")
    new = new.replace("hostname r1", "hostname replaced")
    m.copy_config(
        source=f'<source><config><cli xmlns="{CLI}">{new}</cli></config></source>',
        target="candidate",
    )
    candidate = cli_text(m, "candidate")
    assert "domain name" not in candidate
    assert "hostname replaced" in candidate
    assert "domain name old.example" in running(router)
    m.commit()
    after = running(router)
    assert "domain name" not in after
    assert "hostname replaced" in after
    assert "netconf-yang agent" in after


def test_rollback_actions(router: Router, connect: Callable[..., Manager]) -> None:
    m = connect()
    for name in ("one", "two", "three"):
        router.configure([f"hostname {name}"])
    first = router.datastore.commits[-3].commit_id
    m.dispatch(
        to_ele(
            f'<roll-back-configuration-last xmlns="{RB}"><count>1</count>'
            "</roll-back-configuration-last>"
        )
    )
    assert "hostname two" in running(router)
    assert router.datastore.commits[-1].client == "netconf"
    m.dispatch(
        to_ele(
            f'<roll-back-configuration-to xmlns="{RB}"><commit-id>{first}</commit-id>'
            "</roll-back-configuration-to>"
        )
    )
    assert "hostname one" in running(router)
    m.dispatch(
        to_ele(
            f'<roll-back-configuration-to-exclude xmlns="{RB}"><commit-id>{first}'
            "</commit-id></roll-back-configuration-to-exclude>"
        )
    )
    assert "hostname r1" in running(router)
    commits = len(router.datastore.commits)
    with pytest.raises(RPCError) as e:
        m.dispatch(
            to_ele(
                f'<roll-back-configuration-last xmlns="{RB}"><count>500</count>'
                "</roll-back-configuration-last>"
            )
        )
    assert e.value.tag == "invalid-value"
    with pytest.raises(RPCError) as e:
        m.dispatch(
            to_ele(
                f'<roll-back-configuration-to xmlns="{RB}"><commit-id>999</commit-id>'
                "</roll-back-configuration-to>"
            )
        )
    assert e.value.tag == "invalid-value"
    assert len(router.datastore.commits) == commits


def test_rollback_needs_config_services_write(
    router: Router, connect: Callable[..., Manager]
) -> None:
    router.configure(["hostname changed"])
    m = connect("alice")  # operator: no write on config-services
    with pytest.raises(RPCError) as e:
        m.dispatch(
            to_ele(
                f'<roll-back-configuration-last xmlns="{RB}"><count>1</count>'
                "</roll-back-configuration-last>"
            )
        )
    assert e.value.tag == "access-denied"
    assert "hostname changed" in running(router)


def test_local_users_read_and_written(router: Router, connect: Callable[..., Manager]) -> None:
    m = connect()
    flt = ("subtree", f'<aaa xmlns="{AAA}"><usernames xmlns="{USR}"><username/></usernames></aaa>')
    reply = etree.fromstring(m.get_config(source="running", filter=flt).xml)
    users = {
        u.find("usr:name", NS).text: [
            g.text for g in u.findall(".//usr:usergroup-under-username/usr:name", NS)
        ]
        for u in reply.findall(".//aaa:aaa/usr:usernames/usr:username", NS)
    }
    assert users == {"alice": ["operator"]}
    edit = (
        f'<config><aaa xmlns="{AAA}"><usernames xmlns="{USR}"><username><name>carol</name>'
        "<usergroup-under-usernames><usergroup-under-username><name>sysadmin</name>"
        "</usergroup-under-username></usergroup-under-usernames></username></usernames></aaa>"
        "</config>"
    )
    m.edit_config(target="candidate", config=edit)
    m.commit()
    assert "username carol\n group sysadmin" in running(router)

"""``NetconfSession`` on a real booted router: hello and framing switch, every RPC and its
errors in RFC 6241 shape, state shared with the CLI (NETCONF commits show in ``show
running-config``, CLI configuration in ``get-config``), locks against other NETCONF sessions
and ``configure exclusive``, task authorization, and XML attacks refused."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from xrsim.frontends.ssh.netconf import agent_enabled, open_netconf
from xrsim.netconf import BASE_1_0, BASE_1_1, NetconfSession
from xrsim.netconf.framing import Framer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
HOST = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-cfg"
DOMAIN = "http://cisco.com/ns/yang/Cisco-IOS-XR-ip-domain-cfg"
CEPKI = "http://cisco.com/ns/yang/Cisco-IOS-XR-crypto-cepki-cfg"
INV = "http://cisco.com/ns/yang/Cisco-IOS-XR-invmgr-oper"
XOPER = "urn:xrsim:yang:xrsim-crypto-oper"
NS = {"nc": NC, "h": HOST, "d": DOMAIN, "c": CEPKI, "i": INV, "x": XOPER}


class Client:
    """A NETCONF client speaking to a session through its ``feed``."""

    def __init__(self, session: NetconfSession, *, base11: bool = True) -> None:
        self.session = session
        self.framer = Framer()
        hello = etree.fromstring(self.framer.feed(session.hello())[0])
        self.server_caps = [c.text for c in hello.iterfind(".//nc:capability", NS)]
        self.session_id = int(hello.findtext("nc:session-id", namespaces=NS) or "0")
        caps = [BASE_1_0, BASE_1_1] if base11 else [BASE_1_0]
        body = "".join(f"<capability>{c}</capability>" for c in caps)
        out = session.feed(f'<hello xmlns="{NC}"><capabilities>{body}</capabilities></hello>]]>]]>')
        assert out == []
        if base11:
            self.framer.use_chunked()
        self.ids = iter(range(1, 10**6))

    def send(self, message: str) -> etree._Element:
        framed = self.framer.frame(message)
        replies = [m for piece in self.session.feed(framed) for m in self.framer.feed(piece)]
        assert len(replies) == 1, replies
        return etree.fromstring(replies[0])

    def rpc(self, body: str, **attrs: str) -> etree._Element:
        attrs.setdefault("message-id", str(next(self.ids)))
        text = " ".join(f'{k}="{v}"' for k, v in attrs.items())
        return self.send(f'<rpc xmlns="{NC}" {text}>{body}</rpc>')

    def ok(self, body: str) -> etree._Element:
        reply = self.rpc(body)
        assert reply.find("nc:rpc-error", NS) is None, etree.tostring(reply).decode()
        return reply


def error(reply: etree._Element) -> dict[str, str]:
    err = reply.find("nc:rpc-error", NS)
    assert err is not None, etree.tostring(reply).decode()
    out = {
        local: err.findtext(f"nc:{local}", namespaces=NS) or ""
        for local in ("error-type", "error-tag", "error-severity", "error-message")
    }
    for info in err.iterfind("nc:error-info/*", NS):
        out[etree.QName(info).localname] = info.text or ""
    return out


def hostname_xml(name: str, op: str = "") -> str:
    attr = f' xmlns:nc="{NC}" nc:operation="{op}"' if op else ""
    return f'<host-names xmlns="{HOST}"{attr}><host-name>{name}</host-name></host-names>'


def edit(body: str, **options: str) -> str:
    opts = "".join(f"<{k}>{v}</{k}>" for k, v in options.items())
    return f"<edit-config><target><candidate/></target>{opts}<config>{body}</config></edit-config>"


GET_RUNNING = "<get-config><source><running/></source></get-config>"
GET_CANDIDATE = "<get-config><source><candidate/></source></get-config>"


@pytest.fixture
def open_client(router: Router) -> Iterator[Callable[..., Client]]:
    sessions: dict[int, NetconfSession] = {}

    def kill(session_id: int) -> bool:
        s = sessions.get(session_id)
        if s is None or s.closed:
            return False
        s.close()
        return True

    def make(user: str = "admin", *, base11: bool = True) -> Client:
        sid = len(sessions) + 1
        s = open_netconf(router, user=user, session_id=sid, kill=kill)
        sessions[sid] = s
        return Client(s, base11=base11)

    yield make
    for s in sessions.values():
        s.close()


# -- hello --


def test_hello_capabilities_and_session_id(open_client: Callable[..., Client]) -> None:
    c = open_client()
    assert c.session_id == 1
    caps = c.server_caps
    for cap in (
        BASE_1_0,
        BASE_1_1,
        "urn:ietf:params:netconf:capability:candidate:1.0",
        "urn:ietf:params:netconf:capability:validate:1.1",
        "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
        "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
        f"{HOST}?module=Cisco-IOS-XR-shellutil-cfg&revision=2019-04-05",
        f"{CEPKI}?module=Cisco-IOS-XR-crypto-cepki-cfg&revision=2020-11-24",
        f"{INV}?module=Cisco-IOS-XR-invmgr-oper&revision=2020-11-09",
    ):
        assert cap in caps
    assert not any("writable-running" in x or ":xpath" in x for x in caps)
    assert c.session.version == "1.1"


def test_base_1_0_client_keeps_end_of_message_framing(open_client: Callable[..., Client]) -> None:
    c = open_client(base11=False)
    assert c.session.version == "1.0"
    out = c.session.feed(f'<rpc xmlns="{NC}" message-id="9">{GET_RUNNING}</rpc>]]>]]>')
    assert len(out) == 1
    assert out[0].endswith("]]>]]>")
    assert not out[0].startswith("\n#")


def test_bad_hellos_close_the_session(router: Router) -> None:
    for hello in (
        "<nothello/>",
        f'<hello xmlns="{NC}"><capabilities><capability>urn:x</capability></capabilities></hello>',
        f'<hello xmlns="{NC}"><capabilities><capability>{BASE_1_0}</capability></capabilities>'
        "<session-id>4</session-id></hello>",
        "<<<",
    ):
        s = open_netconf(router, user="admin", session_id=1, kill=lambda _: False)
        s.hello()
        assert s.feed(hello + "]]>]]>") == []
        assert s.closed
        s.close()  # idempotent


def test_framing_error_closes(open_client: Callable[..., Client]) -> None:
    c = open_client()
    assert c.session.feed("garbage") == []
    assert c.session.closed


# -- rpc envelope --


def test_reply_copies_rpc_attributes(open_client: Callable[..., Client]) -> None:
    c = open_client()
    reply = c.send(
        f'<nc:rpc xmlns:nc="{NC}" xmlns:ex="urn:ex" message-id="abc" ex:user="me">'
        "<nc:get-config><nc:source><nc:running/></nc:source></nc:get-config></nc:rpc>"
    )
    assert etree.QName(reply).localname == "rpc-reply"
    assert reply.get("message-id") == "abc"
    assert reply.get("{urn:ex}user") == "me"


def test_base_operations_in_no_namespace(
    router: Router, open_client: Callable[..., Client]
) -> None:
    """``<lock>``, ``<get>``, ``<discard-changes>``, ``<unlock>`` with no namespace of their own
    are the base operations (Ansible's netconf_rpc sends them so)."""
    c = open_client()
    c.ok('<lock xmlns=""><target><candidate/></target></lock>')
    got = c.ok(
        '<get xmlns=""><filter><host-names xmlns="http://cisco.com/ns/yang/'
        'Cisco-IOS-XR-shellutil-cfg"/></filter></get>'
    )
    assert got.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r1"
    c.ok('<discard-changes xmlns=""/>')
    c.ok('<unlock xmlns=""><target><candidate/></target></unlock>')
    e = error(c.rpc('<frobnicate xmlns=""/>'))
    assert e["error-tag"] == "operation-not-supported"


def test_rpc_errors(open_client: Callable[..., Client]) -> None:
    c = open_client()
    e = error(c.send(f'<rpc xmlns="{NC}"><get/></rpc>'))
    assert (e["error-type"], e["error-tag"]) == ("rpc", "missing-attribute")
    assert e["bad-attribute"] == "message-id"
    e = error(c.rpc("<frobnicate/>"))
    assert (e["error-type"], e["error-tag"], e["error-severity"]) == (
        "protocol",
        "operation-not-supported",
        "error",
    )
    e = error(c.send("<rpc message-id='1' xmlns='urn:ietf:params:xml:ns:netconf:base:1.0'>"))
    assert e["error-tag"] == "malformed-message"
    e = error(c.rpc("<get-config/>"))
    assert (e["error-tag"], e["bad-element"]) == ("missing-element", "source")
    e = error(c.rpc("<get-config><source><startup/></source></get-config>"))
    assert e["error-tag"] == "invalid-value"
    e = error(c.rpc("<get><filter type='xpath' select='/'/></get>"))
    assert e["error-tag"] == "operation-not-supported"
    assert not c.session.closed


def test_xml_entities_are_not_expanded(open_client: Callable[..., Client], tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("TOPSECRET")
    c = open_client()
    reply = c.send(
        f'<!DOCTYPE rpc [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<rpc xmlns="{NC}" message-id="1"><get-config><source><running/></source>'
        "<filter><host-names>&x;</host-names></filter></get-config></rpc>"
    )
    assert error(reply)["error-tag"] == "malformed-message"
    assert "TOPSECRET" not in etree.tostring(reply).decode()


# -- configuration shared with the CLI --


def test_edit_commit_shows_in_cli_and_cli_shows_in_get_config(
    router: Router, open_client: Callable[..., Client]
) -> None:
    c = open_client()
    c.ok(edit(hostname_xml("r2")))
    assert router.cli("show running-config hostname").strip().endswith("hostname r1")
    got = c.ok(GET_CANDIDATE)
    assert got.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r2"
    got = c.ok(GET_RUNNING)
    assert got.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r1"
    c.ok("<commit/>")
    assert "hostname r2" in router.cli("show running-config hostname")
    assert router.hostname() == "r2"
    record = router.datastore.commits[-1]
    assert (record.user, record.client) == ("admin", "netconf")
    router.configure(["domain name lab.example"])
    got = c.ok(GET_RUNNING)
    path = "nc:data/d:ip-domain/d:vrfs/d:vrf"
    assert got.findtext(f"{path}/d:vrf-name", namespaces=NS) == "default"
    assert got.findtext(f"{path}/d:name", namespaces=NS) == "lab.example"


def test_trustpoint_round_trip(router: Router, open_client: Callable[..., Client]) -> None:
    c = open_client()
    c.ok(
        edit(
            f'<crypto-ca xmlns="{CEPKI}"><certificate-authority><trustpoints><trustpoint>'
            "<name>tp1</name>"
            "<attribute><ip-address><no-address/></ip-address>"
            "<serial-number>false</serial-number><subject-name>CN=r1,O=Lab</subject-name>"
            "</attribute>"
            "<rsa-key-pair>k1</rsa-key-pair><crl><optional/></crl>"
            "<enrollment><retry><period>5</period><count>7</count></retry>"
            "<url>http://198.18.0.1/scep</url></enrollment>"
            "<vrf-table><vrf>mgmt</vrf></vrf-table><query><url>http://q/</url></query>"
            "</trustpoint></trustpoints></certificate-authority></crypto-ca>"
        )
    )
    c.ok("<commit/>")
    shown = router.cli("show running-config crypto ca trustpoint tp1")
    for line in (
        "crypto ca trustpoint tp1",
        " ip-address none",
        " serial-number none",
        " subject-name CN=r1,O=Lab",
        " rsakeypair k1",
        " crl optional",
        " enrollment retry period 5",
        " enrollment retry count 7",
        " enrollment url http://198.18.0.1/scep",
        " vrf mgmt",
        " query url http://q/",
    ):
        assert line in shown.splitlines()
    tp = c.ok(GET_RUNNING).find(
        "nc:data/c:crypto-ca/c:certificate-authority/c:trustpoints/c:trustpoint", NS
    )
    assert tp is not None
    assert tp.findtext("c:enrollment/c:url", namespaces=NS) == "http://198.18.0.1/scep"
    assert tp.findtext("c:attribute/c:serial-number", namespaces=NS) == "false"
    assert tp.find("c:attribute/c:ip-address/c:no-address", NS) is not None
    assert tp.find("c:attribute/c:ip-address/c:address", NS) is None
    # A CLI-only item of the trustpoint survives a NETCONF replace of the entry.
    router.configure(["crypto ca trustpoint tp1", "lifetime certificate 30"])
    c.ok(
        edit(
            f'<crypto-ca xmlns="{CEPKI}"><certificate-authority><trustpoints>'
            f'<trustpoint xmlns:nc="{NC}" nc:operation="replace"><name>tp1</name>'
            "<enrollment><url>self</url></enrollment></trustpoint>"
            "</trustpoints></certificate-authority></crypto-ca>"
        )
    )
    c.ok("<commit/>")
    shown = router.cli("show running-config crypto ca trustpoint tp1").splitlines()
    assert " enrollment url self" in shown
    assert " lifetime certificate 30" in shown
    assert " crl optional" not in shown
    assert " vrf mgmt" not in shown


def test_operations_create_delete_remove(
    router: Router, open_client: Callable[..., Client]
) -> None:
    c = open_client()
    e = error(c.rpc(edit(hostname_xml("r1", "create"))))
    assert (e["error-tag"], e["bad-element"]) == ("data-exists", "host-names")
    dom = f'<ip-domain xmlns="{DOMAIN}" xmlns:nc="{NC}"><vrfs><vrf><vrf-name>default</vrf-name>'
    e = error(c.rpc(edit(dom + '<name nc:operation="delete"/></vrf></vrfs></ip-domain>')))
    assert e["error-tag"] == "data-missing"
    c.ok(edit(dom + '<name nc:operation="remove"/></vrf></vrfs></ip-domain>'))
    c.ok(edit(dom + '<name nc:operation="create">a.example</name></vrf></vrfs></ip-domain>'))
    c.ok("<commit/>")
    assert router.domain_name() == "a.example"
    c.ok(edit(dom + '<name nc:operation="delete"/></vrf></vrfs></ip-domain>'))
    c.ok("<commit/>")
    assert router.domain_name() is None
    e = error(
        c.rpc(
            edit(
                f'<ip-domain xmlns="{DOMAIN}"><vrfs><vrf><vrf-name>red</vrf-name>'
                "<name>x</name></vrf></vrfs></ip-domain>"
            )
        )
    )
    assert e["error-tag"] == "invalid-value"
    e = error(c.rpc(edit(hostname_xml("r3", "frob"))))
    assert e["error-tag"] == "bad-attribute"


def test_edit_errors(open_client: Callable[..., Client]) -> None:
    c = open_client()
    e = error(
        c.rpc(
            f"<edit-config><target><running/></target><config>{hostname_xml('x')}"
            "</config></edit-config>"
        )
    )
    assert (e["error-tag"], e["error-type"]) == ("operation-not-supported", "protocol")
    e = error(c.rpc(edit('<nope xmlns="urn:nowhere"/>')))
    assert e["error-tag"] == "unknown-namespace"
    e = error(c.rpc(edit(f'<host-names xmlns="{HOST}"><colour>red</colour></host-names>')))
    assert (e["error-tag"], e["bad-element"]) == ("unknown-element", "colour")
    # A value the CLI does not take as the one argument of its line is refused, naming the
    # leaf (the command registry's parse of the line is checked before it is typed).
    e = error(c.rpc(edit(hostname_xml("has space"))))
    assert (e["error-tag"], e["bad-element"]) == ("invalid-value", "host-name")
    assert "has space" in e["error-message"]
    # No line injection through a value.
    e = error(c.rpc(edit(hostname_xml("a&#10;username evil"))))
    assert e["error-tag"] == "invalid-value"
    e = error(c.rpc("<edit-config><target><candidate/></target></edit-config>"))
    assert e["error-tag"] == "missing-element"
    e = error(c.rpc(edit(hostname_xml("x"), **{"default-operation": "bogus"})))
    assert e["error-tag"] == "invalid-value"
    assert not c.session.editor.candidate.has_changes()


def test_rollback_on_error_and_test_only(open_client: Callable[..., Client]) -> None:
    c = open_client()
    bad = hostname_xml("r5") + f'<host-names xmlns="{HOST}"><host-name>a b</host-name></host-names>'
    error(c.rpc(edit(bad)))  # stop-on-error: the first part stays
    got = c.ok(GET_CANDIDATE)
    assert got.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r5"
    c.ok("<discard-changes/>")
    error(c.rpc(edit(bad, **{"error-option": "rollback-on-error"})))
    got = c.ok(GET_CANDIDATE)
    assert got.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r1"
    c.ok(edit(hostname_xml("r6"), **{"test-option": "test-only"}))
    assert not c.session.editor.candidate.has_changes()


def test_default_operation_replace_and_none(
    router: Router, open_client: Callable[..., Client]
) -> None:
    router.configure(["crypto ca trustpoint a", "crl optional", "crypto ca trustpoint b"])
    c = open_client()
    tps = (
        f'<crypto-ca xmlns="{CEPKI}"><certificate-authority><trustpoints>'
        "<trustpoint><name>b</name><vrf-table><vrf>v</vrf></vrf-table></trustpoint>"
        "</trustpoints></certificate-authority></crypto-ca>"
    )
    c.ok(edit(tps, **{"default-operation": "none"}))  # no operation anywhere: nothing changes
    assert not c.session.editor.candidate.has_changes()
    c.ok(edit(tps, **{"default-operation": "replace"}))
    c.ok("<commit/>")
    shown = router.cli("show running-config")
    assert "crypto ca trustpoint a" not in shown
    assert "crypto ca trustpoint b\n vrf v\n!" in shown
    assert "hostname r1" in shown  # other models are not touched


def test_discard_and_validate(open_client: Callable[..., Client]) -> None:
    c = open_client()
    c.ok(edit(hostname_xml("r7")))
    c.ok("<validate><source><candidate/></source></validate>")
    c.ok(f"<validate><source><config>{hostname_xml('ok-name')}</config></source></validate>")
    e = error(
        c.rpc(f"<validate><source><config>{hostname_xml('a b')}</config></source></validate>")
    )
    assert e["error-tag"] == "invalid-value"
    got = c.ok(GET_CANDIDATE)  # validate with a config leaves the candidate alone
    assert got.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r7"
    c.ok("<discard-changes/>")
    got = c.ok(GET_CANDIDATE)
    assert got.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r1"


def test_confirmed_commit_rolls_back(router: Router, open_client: Callable[..., Client]) -> None:
    c = open_client()
    c.ok(edit(hostname_xml("tmp")))
    c.ok("<commit><confirmed/><confirm-timeout>60</confirm-timeout></commit>")
    assert router.hostname() == "tmp"
    router.advance(61)
    assert router.hostname() == "r1"
    c.ok(edit(hostname_xml("kept")))
    c.ok("<commit><confirmed/></commit>")
    c.ok("<commit/>")  # the confirming commit
    router.advance(700)
    assert router.hostname() == "kept"
    e = error(c.rpc("<commit><confirmed/><confirm-timeout>0</confirm-timeout></commit>"))
    assert e["error-tag"] == "invalid-value"


def test_commit_that_cannot_be_saved_is_an_rpc_error_and_changes_nothing(
    router: Router, open_client: Callable[..., Client]
) -> None:
    """A full store (SQLite refuses to grow the database, as on a full disk): the commit is
    an ``operation-failed`` rpc-error in words; nothing changed, and the same commit goes
    through once there is room."""
    db = router.chassis.store._db
    assert db is not None
    c = open_client()
    many = "".join(
        f"<trustpoint><name>tp{i}</name><attribute><subject-name>CN=r1-{i},O=Lab</subject-name></attribute>"
        f"<rsa-key-pair>k{i}</rsa-key-pair></trustpoint>"
        for i in range(300)
    )
    c.ok(
        edit(
            f'<crypto-ca xmlns="{CEPKI}"><certificate-authority><trustpoints>{many}'
            "</trustpoints></certificate-authority></crypto-ca>"
        )
    )
    shown = router.cli("show running-config").splitlines()[1:]  # after the timestamp line
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    try:
        e = error(c.rpc("<commit/>"))
    finally:
        db.execute("PRAGMA max_page_count = 1073741823")
    assert e["error-tag"] == "operation-failed"
    assert e["error-message"] == (
        "the configuration could not be saved: no space left on the device"
    )
    assert router.cli("show running-config").splitlines()[1:] == shown
    c.ok("<commit/>")
    assert "crypto ca trustpoint tp299" in router.cli("show running-config")


# -- locks, sessions --


def test_confirmed_commit_rolls_back_in_real_time(
    router: Router, open_client: Callable[..., Client]
) -> None:
    """The NETCONF confirmed commit takes the router's one path: its scheduler rolls it back
    when the timeout passes in real time, with nobody advancing the clock."""
    c = open_client()
    c.ok(edit(hostname_xml("tmp")))
    c.ok("<commit><confirmed/><confirm-timeout>1</confirm-timeout></commit>")
    assert router.hostname() == "tmp"
    after = threading.Event()
    router.scheduler.call_later(1, after.set, name="after the rollback")  # runs after it
    assert after.wait(30)
    assert router.hostname() == "r1"


def test_locks_between_sessions_and_cli(router: Router, open_client: Callable[..., Client]) -> None:
    a, b = open_client(), open_client()
    a.ok("<lock><target><running/></target></lock>")
    e = error(b.rpc("<lock><target><running/></target></lock>"))
    assert (e["error-tag"], e["session-id"]) == ("lock-denied", "1")
    e = error(a.rpc("<lock><target><running/></target></lock>"))
    assert e["error-tag"] == "lock-denied"
    # CLI: configure exclusive is refused, a CLI commit too.
    cli = router.session(user="admin")
    cli.handle_line("configure exclusive")
    assert cli.mode == "exec"
    b.ok(edit(hostname_xml("bb")))
    e = error(b.rpc("<commit/>"))
    assert (e["error-tag"], e["session-id"]) == ("in-use", "1")
    # The holder commits.
    a.ok(edit(hostname_xml("aa")))
    a.ok("<commit/>")
    assert router.hostname() == "aa"
    a.ok("<unlock><target><running/></target></unlock>")
    e = error(a.rpc("<unlock><target><running/></target></unlock>"))
    assert e["error-tag"] == "operation-failed"
    # A CLI configure exclusive session blocks NETCONF locks (session-id 0).
    cli.handle_line("configure exclusive")
    assert cli.mode == "config"
    e = error(a.rpc("<lock><target><candidate/></target></lock>"))
    assert (e["error-tag"], e["session-id"]) == ("lock-denied", "0")
    cli.handle_line("abort")
    a.ok("<lock><target><candidate/></target></lock>")
    e = error(b.rpc("<lock><target><candidate/></target></lock>"))
    assert (e["error-tag"], e["session-id"]) == ("lock-denied", "1")
    e = error(b.rpc(edit(hostname_xml("x"))))
    assert e["error-tag"] == "in-use"
    cli.close()


def test_lock_candidate_refused_with_changes(open_client: Callable[..., Client]) -> None:
    c = open_client()
    c.ok(edit(hostname_xml("x")))
    e = error(c.rpc("<lock><target><candidate/></target></lock>"))
    assert e["error-tag"] == "lock-denied"


def test_locks_released_when_session_ends(
    router: Router, open_client: Callable[..., Client]
) -> None:
    a, b = open_client(), open_client()
    a.ok("<lock><target><running/></target></lock>")
    a.ok("<close-session/>")
    assert a.session.closed
    b.ok("<lock><target><running/></target></lock>")
    b.session.close()
    cli = router.session(user="admin")
    cli.handle_line("configure exclusive")
    assert cli.mode == "config"
    cli.close()


def test_kill_session(open_client: Callable[..., Client]) -> None:
    a, b = open_client(), open_client()
    b.ok("<lock><target><running/></target></lock>")
    e = error(a.rpc("<kill-session><session-id>1</session-id></kill-session>"))
    assert e["error-tag"] == "invalid-value"
    e = error(a.rpc("<kill-session><session-id>99</session-id></kill-session>"))
    assert e["error-tag"] == "invalid-value"
    e = error(a.rpc("<kill-session/>"))
    assert e["error-tag"] == "missing-element"
    a.ok("<kill-session><session-id>2</session-id></kill-session>")
    assert b.session.closed
    a.ok("<lock><target><running/></target></lock>")
    assert b.session.feed("anything") == []


def test_show_netconf_yang_clients(router: Router, open_client: Callable[..., Client]) -> None:
    a = open_client()
    a.ok("<lock><target><candidate/></target></lock>")
    b = open_client(base11=False)
    b.ok(GET_RUNNING)
    rows = router.cli("show netconf-yang clients").splitlines()
    assert rows[1] == "Netconf clients"
    lines = [r.split("|") for r in rows[3:] if "|" in r]
    assert [(x[0].strip(), x[1].strip(), x[4].strip(), x[5].strip()) for x in lines] == [
        ("1", "1.1", "lock", "Yes"),
        ("2", "1.0", "get-config", "No"),
    ]
    a.session.close()
    rows = router.cli("show netconf-yang clients").splitlines()
    assert len([r for r in rows[3:] if "|" in r]) == 1


# -- operational data --


def test_get_operational_data(router: Router, open_client: Callable[..., Client]) -> None:
    router.configure(["crypto ca trustpoint self", "enrollment url self", "ca-keypair rsa cak"])
    router.cli("crypto key generate rsa cak", answers={"modulus": "2048"})
    router.cli("crypto ca authenticate self")
    c = open_client()
    got = c.ok("<get/>")
    names = [e.text for e in got.iterfind("nc:data/i:inventory/i:entities/i:entity/i:name", NS)]
    assert names == [row.name for row in router.chassis.inventory()]
    pid = got.findtext(
        "nc:data/i:inventory/i:entities/i:entity[i:name='Rack 0']/i:attributes/"
        "i:inv-basic-bag/i:model-name",
        namespaces=NS,
    )
    assert pid == router.chassis.platform.pid
    labels = {
        k.findtext("x:label", namespaces=NS)
        for k in got.iterfind("nc:data/x:crypto-keys/x:key", NS)
    }
    assert labels == {"the_default", "cak"}
    tp = got.find("nc:data/x:trustpoints/x:trustpoint[x:name='self']", NS)
    assert tp is not None
    assert tp.findtext("x:ca-certificate/x:sha1-fingerprint", namespaces=NS)
    # get carries the running configuration too
    assert got.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r1"
    # a filter builds only what it asks for
    got = c.ok(
        f'<get><filter><crypto-keys xmlns="{XOPER}"><key><label>cak</label></key>'
        "</crypto-keys></filter></get>"
    )
    keys = got.findall("nc:data/x:crypto-keys/x:key", NS)
    assert [k.findtext("x:label", namespaces=NS) for k in keys] == ["cak"]
    assert got.find("nc:data/i:inventory", NS) is None


# -- authorization --


def test_authorization(router: Router, open_client: Callable[..., Client]) -> None:
    router.configure(
        [
            "taskgroup ro-crypto",
            "task read crypto",
            "task read ip-services",
            "usergroup ro-group",
            "taskgroup ro-crypto",
            "username viewer",
            "group ro-group",
        ]
    )
    router.configure(["crypto ca trustpoint tp9", "crl optional"])
    c = open_client("viewer")
    got = c.ok(GET_RUNNING)
    assert got.find("nc:data/h:host-names", NS) is None  # root-lr not readable: left out
    assert got.find("nc:data/c:crypto-ca", NS) is not None
    got = c.ok("<get/>")
    assert got.find("nc:data/i:inventory", NS) is None
    assert got.find("nc:data/x:crypto-keys", NS) is not None
    e = error(c.rpc(edit(hostname_xml("evil"))))
    assert (e["error-tag"], e["error-type"]) == ("access-denied", "application")
    e = error(
        c.rpc(
            edit(
                f'<ip-domain xmlns="{DOMAIN}"><vrfs><vrf><vrf-name>default</vrf-name>'
                "<name>x.example</name></vrf></vrfs></ip-domain>"
            )
        )
    )
    assert e["error-tag"] == "access-denied"
    assert router.hostname() == "r1"


def test_agent_enabled(router: Router) -> None:
    assert not agent_enabled(router)
    router.configure(["netconf-yang agent", "ssh"])
    assert agent_enabled(router)
    router.configure(["netconf-yang agent", "no ssh"])
    assert not agent_enabled(router)

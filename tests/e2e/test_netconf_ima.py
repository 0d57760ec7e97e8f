"""``get-platform-ima-event-logs`` (Cisco-IOS-XR-remote-attestation-act) over NETCONF with
ncclient as IOS XR users call it (``device_params={"name": "iosxr"}``, default settings): the
whole lists of every XR node, one node's events after a start event number (the incremental
IMA of Trust Insights) and up to an end, the values checked against the router's own lists
and replayed to its PCR 10 with hashlib; bad input is ``invalid-value``, a user without the
task is refused."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator

import pytest
from lxml import etree
from ncclient.manager import Manager
from ncclient.operations import RPCError
from ncclient.xml_ import to_ele

from support import netconf_sessions
from xrsim.router import Router

pytestmark = pytest.mark.timeout(90)

RA = "http://cisco.com/ns/yang/Cisco-IOS-XR-remote-attestation-act"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NS = {"ra": RA, "nc": NC}
USERS = {"admin": "admin", "alice": "alice-pw", "carol": "carol-pw"}
LEAVES = (
    "event-number", "ima-template", "filename-hint", "filedata-hash",
    "template-hash-algorithm", "template-hash", "pcr-index", "signature",
)  # fmt: skip


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(platform="ASR-9006", hostname="r1")
    r.configure(
        [
            "netconf-yang agent",
            "ssh",
            "taskgroup only-system",
            "task read system",
            "usergroup plain",
            "taskgroup only-system",
            "username alice",
            "group plain",
            "taskgroup collect",
            "task execute dossier",
            "usergroup collectors",
            "taskgroup collect",
            "username carol",
            "group collectors",
        ]
    )
    yield r
    r.shutdown()


@pytest.fixture
def connect(router: Router) -> Iterator[Callable[..., Manager]]:
    with netconf_sessions(router, USERS) as make:
        yield make


def rpc(m: Manager, **inputs: object) -> etree._Element:
    leaves = {k.replace("_", "-"): v for k, v in inputs.items()}
    body = "".join(f"<{k}>{v}</{k}>" for k, v in leaves.items())
    op = "get-platform-ima-event-logs"
    reply = m.dispatch(to_ele(f'<{op} xmlns="{RA}">{body}</{op}>'))
    return etree.fromstring(reply.xml.encode())


def node_data(root: etree._Element) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for node in root.iterfind("ra:system-ima/ra:node-data", NS):
        location = node.findtext("ra:node-location", namespaces=NS)
        assert location is not None
        assert int(node.findtext("ra:up-time", namespaces=NS) or "-1") >= 0
        out[location] = [
            {leaf: ev.findtext(f"ra:{leaf}", namespaces=NS) or "" for leaf in LEAVES}
            for ev in node.iterfind("ra:ima-event-log", NS)
        ]
    return out


def test_every_node_list_matches_the_router_and_replays(
    router: Router, connect: Callable[..., Manager]
) -> None:
    data = node_data(rpc(connect()))
    assert list(data) == router.ima.nodes()
    for location, events in data.items():
        log = router.ima.log(location)
        mine = log.events()
        assert [int(e["event-number"]) for e in events] == [x.event_number for x in mine]
        pcr = b"\0" * 20
        for got, want in zip(events, mine, strict=True):
            assert got["ima-template"] == "ima-ng"
            assert got["pcr-index"] == "10"
            assert got["filename-hint"] == want.filename_hint
            assert base64.b64decode(got["filedata-hash"]) == want.filedata_hash
            assert got["template-hash-algorithm"] == "sha1"
            template_hash = base64.b64decode(got["template-hash"])
            # The template hash is SHA-1 over the ima-ng template data of what was sent.
            d = b"sha256:\0" if want.filename_hint != "boot_aggregate" else None
            if d is not None:
                digest = base64.b64decode(got["filedata-hash"])
                name = got["filename-hint"].encode() + b"\0"
                data_bytes = (
                    len(d + digest).to_bytes(4, "little") + d + digest
                    + len(name).to_bytes(4, "little") + name
                )  # fmt: skip
                assert hashlib.sha1(data_bytes).digest() == template_hash
            assert got["signature"] == ""
            pcr = hashlib.sha1(pcr + template_hash).digest()
        assert pcr == log.pcrs()["sha1"]


def test_start_and_end_event_numbers_of_one_node(
    router: Router, connect: Callable[..., Manager]
) -> None:
    node = "0/1/CPU0"
    # The boot's fingerprint generation done first: it would measure the file's real digest
    # again after the two measurements below (a race with the worker pool otherwise).
    router.fingerprints.regenerate()
    log = router.ima.log(node)
    path = log.events()[1].filename_hint
    booted = len(log)
    router.ima.measure(node, {path: "ab" * 32})
    router.ima.measure(node, {path: "cd" * 32})
    m = connect("carol")  # execute dossier: a Trust Insights collector
    data = node_data(rpc(m, location=node, start_event_number=booted))
    assert list(data) == [node]
    assert [(e["event-number"], e["filename-hint"]) for e in data[node]] == [
        (str(booted + 1), path),
        (str(booted + 2), path),
    ]
    assert base64.b64decode(data[node][1]["filedata-hash"]) == bytes.fromhex("cd" * 32)
    data = node_data(rpc(m, location=node, start_event_number=booted, end_event_number=booted + 1))
    assert [e["event-number"] for e in data[node]] == [str(booted + 1)]
    data = node_data(rpc(m, location=node, start_event_number=booted + 2))
    assert data == {node: []}
    # Every node from a start event: the others have nothing after their boot events.
    data = node_data(rpc(m, start_event_number=booted))
    assert {n: len(v) for n, v in data.items()} == {
        n: (2 if n == node else 0) for n in router.ima.nodes()
    }


@pytest.mark.parametrize(
    ("inputs", "element"),
    [
        ({"location": "0/9/CPU0"}, "location"),
        ({"location": "0/FT0"}, "location"),
        ({"start_event_number": "abc"}, "start-event-number"),
        ({"start_event_number": "-1"}, "start-event-number"),
        ({"start_event_number": str(2**64)}, "start-event-number"),
        ({"end_event_number": "5"}, "end-event-number"),
        ({"start_event_number": "6", "end_event_number": "5"}, "end-event-number"),
    ],
)
def test_bad_input_is_invalid_value(
    connect: Callable[..., Manager], inputs: dict[str, str], element: str
) -> None:
    with pytest.raises(RPCError) as info:
        rpc(connect(), **inputs)
    assert info.value.tag == "invalid-value"
    error_info = etree.fromstring((info.value.info or "<none/>").encode())
    assert error_info.findtext("nc:bad-element", namespaces=NS) == element


def test_a_user_without_the_task_is_refused(connect: Callable[..., Manager]) -> None:
    with pytest.raises(RPCError) as info:
        rpc(connect("alice"))
    assert info.value.tag == "access-denied"


def test_the_hello_advertises_the_module(connect: Callable[..., Manager]) -> None:
    caps = list(connect().server_capabilities)
    assert f"{RA}?module=Cisco-IOS-XR-remote-attestation-act&revision=2020-07-10" in caps

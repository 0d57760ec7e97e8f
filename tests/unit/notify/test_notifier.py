"""``Notifier``: the configuration it reads at a commit and its undo, what goes to the buffer
and to the hosts, traps only for enabled kinds, and a closed notifier (router shutdown)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pyasn1.codec.ber import decoder
from pysnmp.proto.api import v2c

from xrsim.clock import SimClock
from xrsim.notify import LoggingConfig, Message, Severity, SnmpConfig, SyslogHost, TrapHost
from xrsim.notify.snmp import Varbind
from xrsim.router import Router

pytestmark = pytest.mark.timeout(30)

START = datetime(2026, 12, 1, 17, 20, 1, tzinfo=UTC)


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(clock=SimClock(START, frozen=True))
    yield r
    r.shutdown()


@pytest.fixture
def udp() -> Iterator[socket.socket]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    yield s
    s.close()


def msg(severity: int, text: str = "t") -> Message:
    return Message("SYS", "TEST", severity, "M", text, "tester")


def test_configuration_read_at_commit(router: Router) -> None:
    router.configure(
        [
            "logging 10.0.0.1 vrf mgmt severity warning port 1514",
            "logging 10.0.0.2",
            "logging buffered 307200",
            "logging buffered warnings",
            "logging trap critical",
            "logging facility local3",
            "snmp-server community public RO",
            "snmp-server community private RW",
            "snmp-server host 10.0.0.3 traps version 2c public",
            "snmp-server vrf mgmt",
            " host 10.0.0.4 traps version 2c priv udp-port 1162",
            "exit",
            "snmp-server traps pki",
        ]
    )
    n = router.notify
    assert n.logging_config == LoggingConfig(
        hosts=(
            SyslogHost("10.0.0.1", "mgmt", Severity.WARNINGS, 1514),
            SyslogHost("10.0.0.2", "default", Severity.INFORMATIONAL, 514),
        ),
        buffer_size=307200,
        buffer_level=Severity.WARNINGS,
        trap_level=Severity.CRITICAL,
        facility="local3",
    )
    assert n.snmp_config == SnmpConfig(
        communities={"public": "RO", "private": "RW"},
        hosts=(TrapHost("10.0.0.3", "public", 162), TrapHost("10.0.0.4", "priv", 1162, "mgmt")),
        traps=frozenset({"pki"}),
    )
    assert n.buffer.size == 307200


def test_apply_undo_restores_everything(router: Router) -> None:
    router.configure(["logging 10.0.0.1", "logging buffered 307200"])
    before = (router.notify.logging_config, router.notify.snmp_config, router.notify.buffer.size)
    target = router.datastore.running_copy()
    target.root.children.clear()
    undo = router.notify.apply(target)
    assert router.notify.logging_config == LoggingConfig()
    undo()
    after = (router.notify.logging_config, router.notify.snmp_config, router.notify.buffer.size)
    assert after == before


def test_buffer_level_and_host_severity(router: Router, udp: socket.socket) -> None:
    port = udp.getsockname()[1]
    router.configure(["logging buffered errors", f"logging 127.0.0.1 severity warning port {port}"])
    for sev in (6, 4, 3, 1):
        router.notify.log(msg(sev, f"sev{sev}"))
    got = [udp.recv(4096).decode() for _ in range(3)]
    assert [g.split(" : ", 1)[1] for g in got] == ["sev4", "sev3", "sev1"]
    assert [e.message.text for e in router.notify.buffer.entries()] == ["sev3", "sev1"]
    assert [e.seq for e in router.notify.buffer.entries()] == [3, 4]
    c = router.notify.counters()
    assert c.at_or_above[Severity.ERRORS] == 2
    assert c.at_or_above[Severity.DEBUGGING] == 4


def test_facility_sets_pri(router: Router, udp: socket.socket) -> None:
    router.configure(["logging facility local0", f"logging 127.0.0.1 port {udp.getsockname()[1]}"])
    router.notify.log(msg(3))
    assert udp.recv(4096).startswith(b"<131>1: RP/0/RP0/CPU0:")


def test_traps_only_for_enabled_kinds(router: Router, udp: socket.socket) -> None:
    port = udp.getsockname()[1]
    router.configure([f"snmp-server host 127.0.0.1 traps version 2c c udp-port {port}"])
    vb = [Varbind("1.3.6.1.2.1.1.5.0", "r")]
    assert router.notify.trap("pki", "1.3.6.1.4.1.9.9.854.1.2", vb) == 0
    router.configure(["snmp-server traps pki"])
    assert router.notify.trap("pki", "1.3.6.1.4.1.9.9.854.1.2", vb) == 1
    assert router.notify.trap("bgp", "1.3.6.1.2.1.15.7.1", vb) == 0
    data = udp.recv(4096)
    msg_, _ = decoder.decode(data, asn1Spec=v2c.Message())
    assert str(v2c.apiMessage.get_community(msg_)) == "c"
    udp.settimeout(0.2)
    with pytest.raises(TimeoutError):  # the one trap of the enabled kind, nothing else
        udp.recv(4096)


def test_closed_notifier_drops_and_never_raises(udp: socket.socket) -> None:
    r = Router.boot(clock=SimClock(START, frozen=True))
    r.configure([f"logging 127.0.0.1 port {udp.getsockname()[1]}"])
    notify = r.notify
    r.shutdown()
    entry = notify.log(msg(1))
    assert entry.seq == 1
    assert notify.counters().dropped == 1

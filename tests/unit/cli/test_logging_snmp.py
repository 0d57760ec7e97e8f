"""The syslog and SNMP CLI: ``logging HOST``/``buffered``/``trap``/``facility``, ``show
logging``, ``clear logging``, ``snmp-server community``/``host``/``vrf``/``traps pki``,
``snmp-server contact``/``location``/``chassis-id``, and ``show running-config snmp-server
traps`` (the seed's verification)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from xrsim.clock import SimClock
from xrsim.errors import CommandError
from xrsim.notify import Message, Severity
from xrsim.router import Router

pytestmark = pytest.mark.timeout(30)

START = datetime(2026, 12, 1, 17, 20, 1, 123000, tzinfo=UTC)


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1", clock=SimClock(START, frozen=True))
    yield r
    r.shutdown()


def body(out: str) -> str:
    """Command output without its timestamp line."""
    return out.split("\n", 1)[1]


def test_logging_lines_as_ios_xr_stores_them(router: Router) -> None:
    router.configure(
        [
            "logging 10.1.22.2 severity info",
            "logging 10.1.22.3 vrf mgmt port 1514",
            "logging buffered 307200",
            "logging buffered warnings",
            "logging trap notifications",
            "logging facility local3",
        ]
    )
    assert body(router.cli("show running-config logging")) == (
        "logging 10.1.22.2 vrf default severity info\n"
        "logging 10.1.22.3 vrf mgmt port 1514\n"
        "logging buffered 307200\n"
        "logging buffered warnings\n"
        "logging trap notifications\n"
        "logging facility local3\n"
    )
    # Changing a host's severity replaces its line; the no forms find the line as stored.
    router.configure(["logging 10.1.22.2 vrf default severity error"])
    router.configure(["no logging 10.1.22.3 vrf mgmt", "no logging buffered 307200"])
    assert body(router.cli("show running-config logging")) == (
        "logging 10.1.22.2 vrf default severity error\n"
        "logging buffered warnings\n"
        "logging trap notifications\n"
        "logging facility local3\n"
    )
    router.configure(["no logging 10.1.22.2"])
    assert "10.1.22.2" not in router.cli("show running-config logging")


def test_logging_host_port_default(router: Router) -> None:
    """``port default`` (Ansible's ``iosxr_logging_global`` sends it for every host it is not
    given a port for, and parses it back): stored as given, UDP 514; its ``no`` form, and a
    port given later, find the line by host and VRF."""
    router.configure(
        [
            "logging 10.1.22.2 vrf default severity critical port default",
            "logging 10.1.22.3 port def",
        ]
    )
    assert body(router.cli("show running-config logging")) == (
        "logging 10.1.22.2 vrf default severity critical port default\n"
        "logging 10.1.22.3 vrf default port default\n"
    )
    assert [(h.host, h.port) for h in router.notify.logging_config.hosts] == [
        ("10.1.22.2", 514),
        ("10.1.22.3", 514),
    ]
    router.configure(
        [
            "no logging 10.1.22.2 vrf default severity critical port default",
            "logging 10.1.22.3 vrf default port 1514",
        ]
    )
    assert body(router.cli("show running-config logging")) == (
        "logging 10.1.22.3 vrf default port 1514\n"
    )
    assert [(h.host, h.port) for h in router.notify.logging_config.hosts] == [("10.1.22.3", 1514)]


@pytest.mark.parametrize(
    "line",
    [
        "logging 300.1.1.1",
        "logging buffered 1000",
        "logging buffered loud",
        "logging 10.0.0.1 severity informational",  # the host form takes ``info``
        "logging 10.0.0.1 port 0",
        "logging 10.0.0.1 port defaults",
        "snmp-server host 10.0.0.1 traps version 3 c",
        "snmp-server community c RX",
        "snmp-server traps nothing",
    ],
)
def test_bad_lines_are_refused_and_change_nothing(router: Router, line: str) -> None:
    before = router.cli("show running-config").split("\n", 1)[1]
    with pytest.raises(CommandError) as e:
        router.configure([line])
    assert "% Invalid input detected at '^' marker." in e.value.output
    assert router.cli("show running-config").split("\n", 1)[1] == before


def test_snmp_server_lines(router: Router) -> None:
    router.configure(
        [
            "snmp-server community public ro",
            "snmp-server community private RW",
            "snmp-server host 10.0.0.9 traps version 2c public udp-port 1162",
            "snmp-server vrf mgmt",
            " host 10.0.0.10 traps version 2c public",
            "exit",
            "snmp-server traps pki",
        ]
    )
    assert body(router.cli("show running-config snmp-server")) == (
        "snmp-server community private RW\n"
        "snmp-server community public RO\n"
        "snmp-server host 10.0.0.9 traps version 2c public udp-port 1162\n"
        "snmp-server traps pki\n"
        "snmp-server vrf mgmt\n"
        " host 10.0.0.10 traps version 2c public\n"
        "!\n"
    )
    # The seed's verification.
    assert body(router.cli("show runn snmp-server traps")) == "snmp-server traps pki\n"
    router.configure(["no snmp-server traps pki"])
    assert router.notify.snmp_config.traps == frozenset()


def test_show_logging_layout(router: Router) -> None:
    router.configure(["logging 127.0.0.1 vrf default", "logging buffered 307200"])
    router.log(Message("SECURITY", "CEPKI", 1, "CERT_EXPIRING_ALERT", "text one", "cepki"))
    router.log(Message("SYS", "TEST", 7, "DBG", "a debug line", "tester"))
    out = router.cli("show logging")
    lines = out.splitlines()
    assert lines[0] == "Tue Dec  1 17:20:01.123 UTC"
    e1, e2 = router.notify.buffer.entries()
    assert lines[1:] == [
        "Syslog logging: enabled (0 messages dropped, 0 flushes, 0 overruns)",
        "    Console logging: level informational, 1 messages logged",
        "    Monitor logging: level debugging, 0 messages logged",
        "    Trap logging: level informational, 1 messages logged",
        "    Logging to 127.0.0.1 vrf default , 1 message lines logged",
        "    Buffer logging: level debugging, 2 messages logged",
        "",
        "Log Buffer (307200 bytes):",
        "",
        e1.line(),
        e2.line(),
    ]
    assert e1.line().startswith("RP/0/RP0/CPU0:Dec  1 17:20:01.123 UTC: cepki[")
    router.configure(["logging console disable"])
    assert "    Console logging: Disabled\n" in router.cli("show logging")


def test_logging_trap_disable(router: Router) -> None:
    """``logging trap disable`` (Ansible's ``trap: {state: disabled}``): stored, nothing goes
    to the remote hosts, ``show logging`` says so; its ``no`` form brings the default back."""
    router.configure(["logging 127.0.0.1 vrf default", "logging trap disable"])
    assert body(router.cli("show running-config logging trap")) == "logging trap disable\n"
    assert router.notify.logging_config.trap_level is None
    router.log(Message("SECURITY", "CEPKI", 1, "CERT_EXPIRING_ALERT", "text one", "cepki"))
    out = router.cli("show logging")
    assert "    Trap logging: Disabled\n" in out
    assert "    Logging to 127.0.0.1 vrf default , 0 message lines logged\n" in out
    router.configure(["no logging trap disable"])
    assert router.notify.logging_config.trap_level is Severity.INFORMATIONAL
    router.log(Message("SECURITY", "CEPKI", 1, "CERT_EXPIRING_ALERT", "text two", "cepki"))
    out = router.cli("show logging")
    assert "    Trap logging: level informational, 1 messages logged\n" in out
    assert "    Logging to 127.0.0.1 vrf default , 1 message lines logged\n" in out


def test_clear_logging_asks_first(router: Router) -> None:
    router.log(Message("SYS", "TEST", 3, "M", "kept", "tester"))
    out = router.cli("clear logging", answers={"[confirm]": "n"})
    assert "Clear logging buffer [confirm] [y/n] :n" in out
    assert len(router.notify.buffer.entries()) == 1
    router.cli("clear logging", answers={"[confirm]": ""})  # Enter confirms
    assert router.notify.buffer.entries() == []
    assert router.cli("show logging").endswith("Log Buffer (2097152 bytes):\n\n")


@pytest.mark.parametrize("word", ["contact", "location", "chassis-id"])
def test_system_lines_need_their_text(router: Router, word: str) -> None:
    before = body(router.cli("show running-config"))
    with pytest.raises(CommandError) as e:
        router.configure([f"snmp-server {word}"])
    assert e.value.output == "% Incomplete command.\n"
    assert body(router.cli("show running-config")) == before


def test_contact_location_chassis_id(router: Router) -> None:
    router.configure(
        [
            "snmp-server community public",
            "snmp-server contact NOC team, +1 555 0100",
            "snmp-server location Building 4, rack 12",
            "snmp-server chassis-id r1-chassis",
        ]
    )
    # The rest of the line, as typed; a community without RO/RW as typed (read-only).
    assert body(router.cli("show running-config snmp-server")) == (
        "snmp-server community public\n"
        "snmp-server contact NOC team, +1 555 0100\n"
        "snmp-server location Building 4, rack 12\n"
        "snmp-server chassis-id r1-chassis\n"
    )
    assert router.notify.snmp_config.communities == {"public": "RO"}
    # One item each: a new line replaces the old one, and the no form takes no text.
    router.configure(["snmp-server contact Ops", "no snmp-server location", "no snmp-server ch"])
    assert body(router.cli("show running-config snmp-server")) == (
        "snmp-server community public\nsnmp-server contact Ops\n"
    )
    router.configure(["no snmp-server contact Ops"])
    assert "contact" not in router.cli("show running-config snmp-server")

"""Remote syslog and SNMP v2c traps as real receivers get them.

- Syslog: ``logging 127.0.0.1 vrf default port P``; a UDP socket of the test receives exactly
  the line ``show logging`` shows, with the ``<PRI>SEQ: `` prefix IOS XR sends; severities
  are filtered per host and by ``logging trap``; an unreachable host or an unbound VRF counts
  a drop and never fails the caller.
- SNMP: Debian's ``snmptrapd`` (``authCommunity log``) logs the CISCO-PKI-MIB
  ``ciscoPkiCertExpiryAlert`` of an expiry notice, its varbinds the seed's fields; nothing
  is sent without ``snmp-server traps pki``; a trap with a community snmptrapd does not
  accept is dropped by it.
- Genie (pyATS 26, ``.venv-pyats``, out of process) parses ``show logging`` with its iosxr
  ``ShowLogging`` parser, schema checked: the counters and the buffer's lines.
- VRF: the syslog listener and snmptrapd in a namespace joined only to the router's VRF
  ``mgmt`` (the test makes both namespaces): ``logging ... vrf mgmt`` and ``snmp-server vrf
  mgmt`` / ``host ...`` reach them; the same hosts in the default VRF (a namespace with no
  route) are drops.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from netlab_fixtures import Attachment
from notify_peers import SnmpTrapd, SyslogListener
from xrsim.clock import SimClock
from xrsim.lab.netlab import Lab
from xrsim.notify import Message, snmp
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

START = datetime(2026, 12, 1, 17, 20, 1, 123000, tzinfo=UTC)
MGMT_PORT = "MgmtEth0/RP0/CPU0/0"


@dataclass(frozen=True)
class Notice:
    """An expiry notice with the contract's fields (``xrsim.pki.expiry.ExpiryNotice``)."""

    trustpoint: str = "check"
    cert_type: str = "ID"
    serial: str = "02:EC"
    issuer: str = "CN=cacert,OU=SPBU,O=CSCO,L=BGL,ST=KA,C=IN"
    subject: str = "CN=cisco.com"
    not_after: datetime = START + timedelta(days=2)
    time_left: timedelta = timedelta(days=1, hours=23, minutes=59, seconds=41)
    severity: int = 1
    mnemonic: str = "CERT_EXPIRING_ALERT"

    def text(self) -> str:
        left = self.time_left
        return (
            "Certificate expiring WITHIN A WEEK. "
            f"Trustpoint Name= {self.trustpoint}, Certificate Type= {self.cert_type}, "
            f"Serial Number= {self.serial}, Issuer Name= {self.issuer}, "
            f"Subject name= {self.subject}, Time Left= {left.days} days, "
            f"{left.seconds // 3600} hours, {left.seconds // 60 % 60} minutes, "
            f"{left.seconds % 60} seconds"
        )


SEED_LINE = (
    "%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT : Certificate expiring WITHIN A WEEK. "
    "Trustpoint Name= check, Certificate Type= ID, Serial Number= 02:EC, "
    "Issuer Name= CN=cacert,OU=SPBU,O=CSCO,L=BGL,ST=KA,C=IN, Subject name= CN=cisco.com, "
    "Time Left= 1 days, 23 hours, 59 minutes, 41 seconds"
)


def _buffer(router: Router) -> list[str]:
    """The buffer lines of ``show logging`` (after ``Log Buffer (N bytes):``)."""
    out = router.cli("show logging")
    return [line for line in out.split("bytes):\n", 1)[1].splitlines() if line]


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot(state_dir=tmp_path / "r", clock=SimClock(START, frozen=True))
    yield r
    r.shutdown()


@pytest.fixture
def listener() -> Iterator[SyslogListener]:
    s = SyslogListener()
    yield s
    s.close()


def test_remote_syslog_is_what_show_logging_shows(router: Router, listener: SyslogListener) -> None:
    router.configure([f"logging 127.0.0.1 port {listener.port}"])
    router.notify.expiry(Notice())
    (datagram,) = listener.receive(1)
    (line,) = _buffer(router)
    pid = line.split("cepki[", 1)[1].split("]", 1)[0]
    assert line == f"RP/0/RP0/CPU0:Dec  1 17:20:01.123 UTC: cepki[{pid}]: {SEED_LINE}"
    # local7 (23) * 8 + alert (1); the router's first message.
    assert datagram == f"<185>1: {line}"
    shown = router.cli("show logging")
    assert "    Logging to 127.0.0.1 vrf default , 1 message lines logged\n" in shown
    assert "    Trap logging: level informational, 1 messages logged\n" in shown


def test_severity_filters_per_host_and_trap_level(router: Router, listener: SyslogListener) -> None:
    other = SyslogListener()
    try:
        router.configure(
            [
                f"logging 127.0.0.1 port {listener.port}",
                f"logging 127.0.0.1 vrf blue severity error port {other.port}",
                "vrf blue",
            ]
        )
        warning = Notice(severity=4, mnemonic="CERT_EXPIRING_WARNING")
        router.notify.expiry(warning)  # informational host only
        router.notify.expiry(Notice())  # both
        got = listener.receive(2)
        assert [d.split("%", 1)[1][:31] for d in got] == [
            "SECURITY-CEPKI-4-CERT_EXPIRING_",
            "SECURITY-CEPKI-1-CERT_EXPIRING_",
        ]
        # VRF blue is configured but bound to no namespace: a drop, counted, not raised.
        assert other.nothing_more()
        router.configure(["no logging 127.0.0.1 vrf blue severity error port " + str(other.port)])
        router.configure(["logging trap errors"])
        router.notify.expiry(warning)  # below logging trap: no host gets it
        router.notify.expiry(Notice())
        (last,) = listener.receive(1)
        assert "%SECURITY-CEPKI-1-" in last
        assert last.startswith("<185>4: ")
        assert listener.nothing_more()
        counters = router.notify.counters()
        assert counters.dropped == 1
        assert counters.logged == 4
        assert counters.buffer_logged == 4
    finally:
        other.close()


def test_unreachable_host_is_a_counted_drop(router: Router) -> None:
    # 192.0.2.0/24 (TEST-NET-1) has no route here: sendto fails with ENETUNREACH or goes
    # nowhere; either way the commit and the log call return normally.
    router.configure(["logging 192.0.2.1 port 514", "logging 127.0.0.1 vrf nowhere"])
    entry = router.notify.log(Message("SECURITY", "CEPKI", 3, "TEST", "a test message", "cepki"))
    assert entry.seq == 1
    c = router.notify.counters()
    hosts = {h.vrf: v for h, v in c.hosts.items()}
    assert hosts["nowhere"] == (0, 1)  # VRF not configured: dropped
    assert sum(hosts["default"]) == 1  # sent or dropped, never raised


def _pki_router_lines(port: int, community: str) -> list[str]:
    return [
        f"snmp-server community {community} RO",
        f"snmp-server host 127.0.0.1 traps version 2c {community} udp-port {port}",
    ]


@pytest.mark.peer
def test_pki_trap_as_snmptrapd_logs_it(
    router: Router, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    require_tool("snmptrapd")
    trapd = SnmpTrapd.start(tmp_path / "trapd", community="xrsim-ro")
    try:
        router.configure(_pki_router_lines(trapd.port, "xrsim-ro"))
        router.notify.expiry(Notice(serial="01:FF"))  # no ``snmp-server traps pki``: no trap
        router.configure(["snmp-server traps pki"])
        router.advance(seconds=42)
        router.notify.expiry(Notice())
        traps = trapd.traps(1)
        assert len(traps) == 1
        (trap,) = traps
        assert trap.community == "xrsim-ro"
        assert trap.security.startswith("TRAP2, SNMP v2c")
        assert trap.varbinds["1.3.6.1.6.3.1.1.4.1.0"] == ("OID", ".1.3.6.1.4.1.9.9.854.1.2")
        kind, ticks = trap.varbinds["1.3.6.1.2.1.1.3.0"]
        assert kind == "Timeticks"
        assert int(ticks.split(")")[0].lstrip("(")) >= 4200  # sysUpTime counts the advance
        index = "5." + ".".join(str(b) for b in b"check")  # certChainLabel "check"
        entry = "1.3.6.1.4.1.9.9.854.2.2.1.1"
        assert [oid for oid in trap.varbinds][2:] == [
            f"{entry}.{column}.{index}" for column in (2, 9, 3, 6, 8, 7)
        ]
        assert trap.string(f"{entry}.2.{index}") == "02:EC"  # certSerialNum
        assert trap.string(f"{entry}.9.{index}") == "CN=cisco.com"  # certSubName
        assert trap.string(f"{entry}.3.{index}") == "CN=cacert,OU=SPBU,O=CSCO,L=BGL,ST=KA,C=IN"
        assert trap.string(f"{entry}.6.{index}") == "ID"  # certType
        assert trap.string(f"{entry}.8.{index}") == "check"  # certTpLabel
        left = 86400 + 23 * 3600 + 59 * 60 + 41
        assert trap.string(f"{entry}.7.{index}") == str(left)  # certRemainingLife, seconds

        # A host with a community snmptrapd does not accept: sent, and dropped by it.
        router.configure(["no " + _pki_router_lines(trapd.port, "xrsim-ro")[1]])
        router.configure(_pki_router_lines(trapd.port, "wrong")[1:])
        router.notify.expiry(Notice())
        router.configure(["no " + _pki_router_lines(trapd.port, "wrong")[1]])
        router.configure(_pki_router_lines(trapd.port, "xrsim-ro")[1:])
        router.notify.expiry(Notice(serial="03:01"))
        traps = trapd.traps(2)
        assert len(traps) == 2
        assert traps[1].string(f"{entry}.2.{index}") == "03:01"
        assert router.notify.counters().traps_sent == 3
    finally:
        trapd.stop()


# -- inside a VRF ---------------------------------------------------------------------------


@dataclass
class Wired:
    router: Router
    nms: str
    to_nms: Attachment


@pytest.fixture
def wired(netlab: Lab, tmp_path: Path) -> Iterator[Wired]:
    mgmt, default, nms = (
        netlab.namespace("mgmt"),
        netlab.namespace("default"),
        netlab.namespace("nms"),
    )
    local, remote = (str(h) for h in list(netlab.subnet().hosts())[:2])
    link = netlab.link(mgmt, nms, None, f"{remote}/24")
    to_nms = Attachment(mgmt, link, local, remote, "")
    router = Router.boot(
        state_dir=tmp_path / "router",
        clock=SimClock(START, frozen=True),
        vrfs={"mgmt": mgmt, "default": default},
        links={MGMT_PORT: link.name_a},
    )
    try:
        router.configure(
            [
                "vrf mgmt",
                f"interface {MGMT_PORT}",
                " vrf mgmt",
                f" ipv4 address {to_nms.local} 255.255.255.0",
            ]
        )
        yield Wired(router, nms, to_nms)
    finally:
        router.shutdown()


@pytest.mark.peer
def test_syslog_and_traps_inside_vrf_mgmt(
    wired: Wired, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    require_tool("snmptrapd")
    router, nms = wired.router, wired.to_nms.remote
    listener = SyslogListener(wired.nms, nms)
    trapd = SnmpTrapd.start(tmp_path / "trapd", netns=wired.nms, address=nms, community="c")
    try:
        syslog_port = listener.port
        router.configure(
            [
                f"logging {nms} vrf mgmt port {syslog_port}",
                f"logging {nms} vrf default port {syslog_port}",  # no route there
                f"snmp-server host {nms} traps version 2c c udp-port {trapd.port}",  # default
                "snmp-server vrf mgmt",
                f" host {nms} traps version 2c c udp-port {trapd.port}",
                "exit",
                "snmp-server traps pki",
            ]
        )
        assert f"logging {nms} vrf mgmt port {syslog_port}" in router.cli(
            "show running-config logging"
        )
        router.notify.expiry(Notice())
        (datagram,) = listener.receive(1)
        assert datagram.endswith(SEED_LINE)
        assert datagram.startswith("<185>1: RP/0/RP0/CPU0:")
        assert listener.nothing_more()
        (trap,) = trapd.traps(1)
        assert trap.source.startswith(f"UDP: [{wired.to_nms.local}]:")
        assert trap.varbinds["1.3.6.1.6.3.1.1.4.1.0"][1] == "." + snmp.PKI_EXPIRY_TRAP
        c = router.notify.counters()
        by_vrf = {h.vrf: v for h, v in c.hosts.items()}
        assert by_vrf == {"mgmt": (1, 0), "default": (0, 1)}
        assert (c.traps_sent, c.trap_drops) == (1, 1)
        shown = router.cli("show logging")
        assert f"Logging to {nms} vrf mgmt , 1 message lines logged" in shown
        assert "(1 messages dropped, 0 flushes, 0 overruns)" in shown
    finally:
        trapd.stop()
        listener.close()


# -- Genie's iosxr ShowLogging as the judge of ``show logging`` -------------------------------

ROOT = Path(__file__).resolve().parents[2]
PYATS_PYTHON = os.environ.get("XRSIM_PYATS_PYTHON", str(ROOT / ".venv-pyats" / "bin" / "python"))
#: Parses stdin with Genie's iosxr ``show logging`` parser (schema checked) and prints JSON.
GENIE_SCRIPT = """
import json, sys
from genie.libs.parser.iosxr.show_logging import ShowLogging
print(json.dumps(ShowLogging(device=None).parse(output=sys.stdin.read())))
"""


def _genie_python() -> str:
    if not Path(PYATS_PYTHON).is_file():
        message = f"pyATS is not installed: {PYATS_PYTHON} does not exist (make pyats-venv)"
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires every peer program")
        pytest.skip(message)
    return PYATS_PYTHON


@pytest.mark.peer
def test_genie_parses_show_logging(router: Router, listener: SyslogListener) -> None:
    python = _genie_python()
    # Unicon sends ``logging console disable`` when it connects; Genie's iosxr parser knows
    # the console line in that form.
    router.configure(
        [
            "logging console disable",
            f"logging 127.0.0.1 port {listener.port}",
            "logging buffered 307200",
        ]
    )
    router.notify.expiry(Notice())
    router.notify.expiry(Notice(severity=4, mnemonic="CERT_EXPIRING_WARNING"))
    output = router.cli("show logging")
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    done = subprocess.run(
        [python, "-c", GENIE_SCRIPT],
        input=output,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    parsed = json.loads(done.stdout)
    assert parsed["syslog_logging"] == {
        "enabled": {"counters": {"messages_dropped": 0, "flushes": 0, "overruns": 0}}
    }
    assert parsed["log_buffer_bytes"] == 307200
    assert parsed["logging"]["console"] == {"status": "Disabled"}
    assert parsed["logging"]["trap"] == {"level": "informational", "messages_logged": 2}
    assert parsed["logging"]["buffer"] == {"level": "debugging", "messages_logged": 2}
    lines = [e.line() for e in router.notify.buffer.entries()]
    # Genie keeps the remote host's line among the logs (its iosxr parser has no pattern for
    # it); the buffer's lines are the last ones, exactly.
    assert parsed["logs"][-2:] == lines
    assert parsed["logs"][:-2] == ["Logging to 127.0.0.1 vrf default , 2 message lines logged"]

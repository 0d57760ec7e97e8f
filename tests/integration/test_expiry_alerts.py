"""The issue's alert sequence test: a router with a self-enrolled trustpoint (``enrollment url
self``, ``lifetime certificate 90``), remote syslog and SNMP traps configured through the CLI
(``logging 127.0.0.1 port P``, ``snmp-server host 127.0.0.1 traps version 2c COMMUNITY udp-port
P2``, ``snmp-server traps pki``), the clock moved across the certificate's last 60 days with
``clock set`` and ``router.advance``; the exact sequence of messages a real UDP syslog listener
(a socket here) receives and of traps Debian's ``snmptrapd`` logs is checked: times, warning
or alert, text, varbinds. Then the certificate is regenerated as the seed says (``clear crypto
ca certificates``, ``crypto key generate rsa``, ``crypto ca authenticate``, ``crypto ca
enroll``): the old certificate's alerts stop, the new one's start at its own 60 days.

The expected texts are built here from what ``show crypto ca certificates`` prints (serial,
subject, issuer, validity end) and the seed's message layout, and the trap's OIDs from
CISCO-PKI-MIB as published (``ciscoPkiCertExpiryAlert`` 1.3.6.1.4.1.9.9.854.1.2), not from
xrsim's own tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notify_peers import SnmpTrapd, SyslogListener, Trap
from xrsim.clock import SimClock
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(240)]

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
TP = "check"
COMMUNITY = "xrsim-pki"
#: Days left at each notice: weekly warnings from 60, then daily alerts from 7.
SCHEDULE = [60, 53, 46, 39, 32, 25, 18, 11, 7, 6, 5, 4, 3, 2, 1]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# CISCO-PKI-MIB (1.3.6.1.4.1.9.9.854): ciscoPkiCertExpiryAlert and the certChainEntry columns
# of its OBJECTS clause, in that order.
EXPIRY_TRAP = "1.3.6.1.4.1.9.9.854.1.2"
CHAIN = "1.3.6.1.4.1.9.9.854.2.2.1.1"
TRAP_COLUMNS = (
    ("certSerialNum", 2),
    ("certSubName", 9),
    ("certIssuerName", 3),
    ("certType", 6),
    ("certTpLabel", 8),
    ("certRemainingLife", 7),
)
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"


# -- the receivers (tests/notify_peers.py) -----------------------------------------------------


@pytest.fixture
def syslog() -> Iterator[SyslogListener]:
    listener = SyslogListener()
    yield listener
    listener.close()


@pytest.fixture
def snmptrapd(require_tool: Callable[[str], str], tmp_path: Path) -> Iterator[SnmpTrapd]:
    require_tool("snmptrapd")
    daemon = SnmpTrapd.start(tmp_path / "snmptrapd", community=COMMUNITY)
    yield daemon
    daemon.stop()


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(None, tmp_path / "r1", "r1", clock=SimClock(START, frozen=True))
    yield r
    r.shutdown()


# -- the router through its CLI -------------------------------------------------------------


def cli(router: Router, command: str, **answers: str) -> str:
    out = router.cli(command, answers=answers or None)
    assert "% Invalid" not in out, out
    return out


def generate_key(router: Router, label: str) -> None:
    out = router.cli(
        f"crypto key generate rsa {label}",
        answers={"replace them": "yes", "modulus": "2048"},
    )
    assert "Done w/ crypto generate keypair" in out or "[OK]" in out, out


def enroll(router: Router) -> None:
    cli(router, f"crypto ca authenticate {TP}")
    out = router.cli(
        f"crypto ca enroll {TP}",
        answers={"router serial number": "no", "Include an IP address": "no"},
    )
    assert "Leaf cert key usage string" in out or "Serial Number" in out, out


def clock_set(router: Router, when: datetime) -> None:
    out = cli(router, f"clock set {when:%H:%M:%S} {when.day} {MONTHS[when.month - 1]} {when.year}")
    assert f"{when:%H:%M:%S}" in out, out


@dataclass(frozen=True)
class Shown:
    """The router certificate as ``show crypto ca certificates`` prints it."""

    serial: str
    subject: str
    issuer: str
    end: datetime


def shown_router_certificate(router: Router) -> Shown:
    lines = router.cli(f"show crypto ca certificates {TP}").splitlines()
    start = lines.index("Router certificate")
    block = [ln.strip() for ln in lines[start:]]

    def value(label: str) -> str:
        i = next(i for i, ln in enumerate(block) if re.match(rf"{label}\s*:", ln))
        after = block[i].split(":", 1)[1].strip()
        return after or block[i + 1]

    end = datetime.strptime(value("Validity End"), "%H:%M:%S UTC %a %b %d %Y").replace(tzinfo=UTC)
    return Shown(value("Serial Number"), value("Subject"), value("Issued By"), end)


# -- what must arrive -------------------------------------------------------------------------


def log_time(t: datetime) -> str:
    return f"{MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S}.{t.microsecond // 1000:03d} UTC"


@dataclass(frozen=True)
class Expected:
    at: datetime
    days_left: int
    cert: Shown

    @property
    def alert(self) -> bool:
        return self.days_left <= 7

    @property
    def severity(self) -> int:
        return 1 if self.alert else 4

    def text(self) -> str:
        within = "WITHIN A WEEK" if self.alert else "WITHIN 60 DAYS"
        return (
            f"Certificate expiring {within}. Trustpoint Name= {TP}, Certificate Type= ID, "
            f"Serial Number= {self.cert.serial}, Issuer Name= {self.cert.issuer}, "
            f"Subject name= {self.cert.subject}, "
            f"Time Left= {self.days_left} days, 0 hours, 0 minutes, 0 seconds"
        )

    def tag(self) -> str:
        mnemonic = "CERT_EXPIRING_ALERT" if self.alert else "CERT_EXPIRING_WARNING"
        return f"%SECURITY-CEPKI-{self.severity}-{mnemonic}"


def expected(cert: Shown, days: list[int]) -> list[Expected]:
    return [Expected(cert.end - d * DAY, d, cert) for d in days]


_DATAGRAM = re.compile(
    r"^<(?P<pri>\d+)>(?P<seq>\d+): RP/0/RP0/CPU0:"
    r"(?P<time>\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC): "
    r"cepki\[(?P<pid>\d+)\]: (?P<tag>%\S+) : (?P<text>.*)$"
)


def check_syslog(got: list[str], want: list[Expected], last_seq: int) -> int:
    """Each datagram is the expected message, in order, numbered on from ``last_seq``;
    returns the last sequence number."""
    assert len(got) == len(want), "\n".join(got)
    for datagram, w in zip(got, want, strict=True):
        m = _DATAGRAM.match(datagram)
        assert m, datagram
        assert int(m["pri"]) == 23 * 8 + w.severity  # local7
        assert m["time"] == log_time(w.at)
        assert m["tag"] == w.tag()
        assert m["text"] == w.text()
        seq = int(m["seq"])
        assert seq > last_seq
        last_seq = seq
    return last_seq


def check_traps(got: list[Trap], want: list[Expected]) -> None:
    """Each trap is the expected ``ciscoPkiCertExpiryAlert``, in order, with exactly the
    notification's objects (instances of the trustpoint's ``certChainTable`` row)."""
    assert len(got) == len(want), got
    index = ".".join(str(b) for b in (len(TP), *TP.encode()))
    for trap, w in zip(got, want, strict=True):
        assert trap.source.startswith("UDP: [127.0.0.1]:"), trap.source
        assert trap.community == COMMUNITY
        assert trap.varbinds[SYS_UPTIME][0] == "Timeticks"
        assert trap.varbinds[SNMP_TRAP_OID] == ("OID", "." + EXPIRY_TRAP)
        values = {
            "certSerialNum": w.cert.serial,
            "certSubName": w.cert.subject,
            "certIssuerName": w.cert.issuer,
            "certType": "ID",
            "certTpLabel": TP,
            "certRemainingLife": str(w.days_left * 86400),
        }
        objects = {f"{CHAIN}.{column}.{index}": name for name, column in TRAP_COLUMNS}
        assert set(trap.varbinds) == {SYS_UPTIME, SNMP_TRAP_OID, *objects}
        for oid, name in objects.items():
            assert trap.string(oid) == values[name], name


# -- the test -------------------------------------------------------------------------------------


def test_alert_sequence_then_regeneration(
    router: Router, syslog: SyslogListener, snmptrapd: SnmpTrapd
) -> None:
    generate_key(router, "check-root")
    generate_key(router, "check-leaf")
    router.configure(["domain name example.com"])
    router.configure(
        [
            f"crypto ca trustpoint {TP}",
            "enrollment url self",
            "ca-keypair rsa check-root",
            "keypair rsa check-leaf",
            "subject-name CN=cisco.com",
            # typed in order, printed last first: the seed's issuer, after the attributes
            # IOS XR adds to its own CA's name (serialNumber, unstructuredName)
            "subject-name ca-certificate C=IN,ST=KA,L=BGL,O=CSCO,OU=SPBU,CN=cacert",
            "lifetime certificate 90",
            "serial-number none",
            "ip-address none",
        ]
    )
    router.configure(
        [
            f"logging 127.0.0.1 port {syslog.port}",
            f"snmp-server community {COMMUNITY} RO",
            f"snmp-server host 127.0.0.1 traps version 2c {COMMUNITY} udp-port {snmptrapd.port}",
            "snmp-server traps pki",
        ]
    )
    enroll(router)
    first = shown_router_certificate(router)
    assert first.end == START + 90 * DAY
    assert first.issuer.endswith(",CN=cacert,OU=SPBU,O=CSCO,L=BGL,ST=KA,C=IN"), first.issuer
    sent = 0

    # ``clock set`` to a day before the first notice: nothing yet
    clock_set(router, first.end - 61 * DAY)
    assert syslog.nothing_more()

    # ``router.advance`` across the first warnings (60, 53, 46, 39, 32 days left)
    router.advance(days=30)
    want = expected(first, [60, 53, 46, 39, 32])
    seq = check_syslog(syslog.receive(len(want)), want, 0)
    assert syslog.nothing_more()
    sent += len(want)
    check_traps(snmptrapd.traps(sent), want)

    # ``clock set`` into the last week: the warnings at 25, 18, 11, then the daily alerts at
    # 7, 6, 5 run on the way, each at its time
    clock_set(router, first.end - 4 * DAY - timedelta(hours=12))
    want2 = expected(first, [25, 18, 11, 7, 6, 5])
    seq = check_syslog(syslog.receive(len(want2)), want2, seq)
    assert syslog.nothing_more()
    sent += len(want2)
    check_traps(snmptrapd.traps(sent), [*want, *want2])

    # the seed's "Regenerate the Certificate"
    cli(router, f"clear crypto ca certificates {TP}")
    generate_key(router, "check-leaf")
    enroll(router)
    second = shown_router_certificate(router)
    assert second.serial != first.serial
    assert second.end == first.end - 4 * DAY - timedelta(hours=12) + 90 * DAY

    # the old certificate's alerts (4, 3, 2, 1 days left) stop
    router.advance(days=5)
    assert syslog.nothing_more()
    assert len(snmptrapd.traps(sent)) == sent

    # the new certificate's start at its own 60 days, and run their course
    router.advance(days=90)
    want3 = expected(second, SCHEDULE)
    got3 = syslog.receive(len(want3))
    check_syslog(got3, want3, seq)
    assert syslog.nothing_more()

    # the logging buffer holds the same lines (what the remote host got, after <PRI>SEQ: )
    shown = router.cli("show logging").splitlines()
    for datagram in got3:
        assert datagram.split(": ", 1)[1] in shown
    check_traps(snmptrapd.traps(sent + len(want3)), [*want, *want2, *want3])

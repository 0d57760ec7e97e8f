"""``xrsim.pki.expiry``: the notice schedule, the notice text (the seed's, exactly), and the
monitor on a frozen clock over a real state store: the list of notices it hands on, the
seed's exclusions, re-arming on certificate changes (``CertStore.subscribe``), ``clock set``,
restarts. The end-to-end path through syslog and SNMP is tests/integration/test_expiry_alerts.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from xrsim.chassis.store import StateStore
from xrsim.clock import SimClock
from xrsim.crypto import generate_key
from xrsim.pki.expiry import (
    ALERT_MNEMONIC,
    WARNING_MNEMONIC,
    ExpiryMonitor,
    ExpiryNotice,
    Upcoming,
    format_time_left,
    notice_times,
)
from xrsim.pki.trustpoint import CertStore, Trustpoint, Usage
from xrsim.router import Router
from xrsim.scheduler import Scheduler

START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
#: Days left at each notice: weekly warnings from 60 while more than a week is left, then
#: daily alerts from 7 to 1.
SCHEDULE_DAYS = [60, 53, 46, 39, 32, 25, 18, 11, 7, 6, 5, 4, 3, 2, 1]

_KEY = ec.generate_private_key(ec.SECP256R1())


def name(**attrs: str) -> x509.Name:
    oids = {
        "CN": NameOID.COMMON_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "L": NameOID.LOCALITY_NAME,
        "ST": NameOID.STATE_OR_PROVINCE_NAME,
        "C": NameOID.COUNTRY_NAME,
    }
    # x509.Name lists the first RDN first; RFC 4514 (and IOS XR) print the last first
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in reversed(attrs.items())])


CA_NAME = name(CN="cacert", OU="SPBU", O="CSCO", L="BGL", ST="KA", C="IN")


def cert(
    subject: x509.Name,
    *,
    not_after: datetime,
    serial: int = 0x02EC,
    issuer: x509.Name = CA_NAME,
    not_before: datetime = START - DAY,
    ca: bool = False,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(_KEY.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(_KEY, hashes.SHA256())
    )


def ca_cert(days: int = 3650, serial: int = 1) -> x509.Certificate:
    return cert(CA_NAME, not_after=START + days * DAY, serial=serial, issuer=CA_NAME, ca=True)


def leaf(days: int, serial: int = 0x02EC, cn: str = "cisco.com") -> x509.Certificate:
    return cert(name(CN=cn), not_after=START + days * DAY, serial=serial)


@dataclass
class Rig:
    """A monitor on a frozen clock over a real state store; ``notices`` is what it handed
    on, ``configured`` the trustpoints that exist in the configuration."""

    clock: SimClock
    scheduler: Scheduler
    certs: CertStore
    store: StateStore
    notices: list[tuple[datetime, ExpiryNotice]] = field(default_factory=list)
    configured: set[str] = field(default_factory=lambda: {"check", "other", "usage", "tp2"})
    monitor: ExpiryMonitor | None = None

    def trustpoint(self, tp: str) -> Trustpoint | None:
        return Trustpoint(tp) if tp in self.configured else None

    def on_notice(self, notice: ExpiryNotice) -> None:
        self.notices.append((self.clock.now(), notice))

    def new_monitor(self) -> ExpiryMonitor:
        m = ExpiryMonitor(self.certs, self.scheduler, self.clock, self.trustpoint, self.on_notice)
        self.monitor = m
        return m

    def seen(self) -> list[tuple[str, str, float, bool]]:
        """(trustpoint, type, days left at the notice, alert) of each notice so far."""
        return [(n.trustpoint, n.cert_type, n.time_left / DAY, n.alert) for _, n in self.notices]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    clock = SimClock(START, frozen=True)
    scheduler = Scheduler(clock, name="test")
    store = StateStore.open(tmp_path / "state")
    r = Rig(clock, scheduler, CertStore(store), store)
    yield r
    if r.monitor is not None:
        r.monitor.stop()
    scheduler.close()
    store.close()


def enroll(rig: Rig, tp: str = "check", days: int = 90, serial: int = 0x02EC) -> x509.Certificate:
    """A CA certificate (ten years) and a router certificate ending in ``days``, stored in
    one transaction as an enrollment does."""
    c = leaf(days, serial)
    with rig.certs.transaction():
        rig.certs.set_ca(tp, ca_cert())
        rig.certs.set_router(tp, "general", c)
    return c


def ids(m: ExpiryMonitor) -> list[Upcoming]:
    """The upcoming notices of router certificates (their CAs' are years away)."""
    return [u for u in m.upcoming() if u.cert_type == "ID"]


# -- the schedule and the text ------------------------------------------------------------------


def test_notice_times_are_the_seeds_schedule() -> None:
    end = START + 90 * DAY
    times = notice_times(end)
    assert [(end - t) / DAY for t in times] == SCHEDULE_DAYS
    assert times == sorted(times)


def test_time_left_in_the_seeds_form() -> None:
    left = timedelta(days=1, hours=23, minutes=59, seconds=41, microseconds=900_000)
    assert format_time_left(left) == "1 days, 23 hours, 59 minutes, 41 seconds"
    assert format_time_left(timedelta(days=60)) == "60 days, 0 hours, 0 minutes, 0 seconds"
    assert format_time_left(timedelta(seconds=-5)) == "0 days, 0 hours, 0 minutes, 0 seconds"


def test_alert_text_is_the_seeds() -> None:
    c = cert(name(CN="cisco.com"), not_after=START + 10 * DAY)
    now = c.not_valid_after_utc - timedelta(days=1, hours=23, minutes=59, seconds=41)
    n = ExpiryNotice.of("check", "ID", c, now)
    assert n.alert
    assert n.severity == 1
    assert n.mnemonic == ALERT_MNEMONIC == "CERT_EXPIRING_ALERT"
    assert n.text() == (
        "Certificate expiring WITHIN A WEEK. Trustpoint Name= check, Certificate Type= ID, "
        "Serial Number= 02:EC, Issuer Name= CN=cacert,OU=SPBU,O=CSCO,L=BGL,ST=KA,C=IN, "
        "Subject name= CN=cisco.com, Time Left= 1 days, 23 hours, 59 minutes, 41 seconds"
    )
    assert (n.serial, n.subject, n.not_after) == ("02:EC", "CN=cisco.com", c.not_valid_after_utc)


def test_warning_form_and_the_week_boundary() -> None:
    c = leaf(30)
    end = c.not_valid_after_utc
    warn = ExpiryNotice.of("check", "ID", c, end - 7 * DAY - timedelta(seconds=1))
    assert not warn.alert
    assert warn.severity == 4
    assert warn.mnemonic == WARNING_MNEMONIC
    assert warn.text().startswith("Certificate expiring WITHIN 60 DAYS. Trustpoint Name= check,")
    assert warn.text().endswith("Time Left= 7 days, 0 hours, 0 minutes, 1 seconds")
    # a week left is no longer "valid for more than a week": alert mode
    assert ExpiryNotice.of("check", "ID", c, end - 7 * DAY).alert


# -- the monitor ----------------------------------------------------------------------------------


def test_the_whole_sequence_on_a_frozen_clock(rig: Rig) -> None:
    c = enroll(rig, days=90)
    m = rig.new_monitor()
    m.start()
    end = c.not_valid_after_utc
    ca_end = START + 3650 * DAY  # its CA certificate is watched too, ten years away
    assert [(u.trustpoint, u.cert_type, u.serial, u.when) for u in m.upcoming()] == [
        ("check", "ID", "02:EC", end - 60 * DAY),
        ("check", "CA", "01", ca_end - 60 * DAY),
    ]
    rig.scheduler.advance(100 * DAY)
    assert [t for t, _ in rig.notices] == [end - d * DAY for d in SCHEDULE_DAYS]
    assert rig.seen() == [("check", "ID", float(d), d <= 7) for d in SCHEDULE_DAYS]
    first = rig.notices[0][1]
    assert first.text() == (
        "Certificate expiring WITHIN 60 DAYS. Trustpoint Name= check, Certificate Type= ID, "
        "Serial Number= 02:EC, Issuer Name= CN=cacert,OU=SPBU,O=CSCO,L=BGL,ST=KA,C=IN, "
        "Subject name= CN=cisco.com, Time Left= 60 days, 0 hours, 0 minutes, 0 seconds"
    )
    assert [u.cert_type for u in m.upcoming()] == ["CA"]  # the router's expired: no more


def test_ca_certificate_with_a_router_certificate_gets_its_own_notices(rig: Rig) -> None:
    with rig.certs.transaction():
        rig.certs.set_ca("check", ca_cert(days=50, serial=7))
        rig.certs.set_router("check", "general", leaf(40))
    rig.new_monitor().start()
    rig.scheduler.advance(60 * DAY)
    ca_days = [d for d in SCHEDULE_DAYS if d <= 50]
    id_days = [d for d in SCHEDULE_DAYS if d <= 40]
    got = sorted(rig.seen(), key=lambda s: (s[1], -s[2]))
    assert got == sorted(
        [("check", "CA", float(d), d <= 7) for d in ca_days]
        + [("check", "ID", float(d), d <= 7) for d in id_days],
        key=lambda s: (s[1], -s[2]),
    )
    ca_notice = next(n for _, n in rig.notices if n.cert_type == "CA")
    assert ca_notice.serial == "07"
    assert ca_notice.subject == "CN=cacert,OU=SPBU,O=CSCO,L=BGL,ST=KA,C=IN"


def test_exclusions(rig: Rig) -> None:
    # a CA certificate without a router certificate, about to expire
    rig.certs.set_ca("other", ca_cert(days=20, serial=5))
    # usage keys: a signing and an encryption certificate (and their CA)
    with rig.certs.transaction():
        rig.certs.set_ca("usage", ca_cert(days=20, serial=6))
        rig.certs.set_router("usage", "signing", leaf(20, serial=8))
        rig.certs.set_router("usage", "encryption", leaf(20, serial=9))
    # RA certificates of a SCEP trustpoint are not alerted for
    enroll(rig, "check", days=400)
    rig.certs.set_ra("check", "ra-signer", leaf(20, serial=10, cn="ra"))
    m = rig.new_monitor()
    m.start()
    assert [(u.trustpoint, u.cert_type) for u in m.upcoming()] == [("check", "ID"), ("check", "CA")]
    rig.scheduler.advance(30 * DAY)
    assert rig.notices == []


def test_a_clone_is_notified_once_under_the_first_trustpoint(rig: Rig) -> None:
    c = enroll(rig, "tp2", days=20)
    with rig.certs.transaction():
        rig.certs.set_ca("check", ca_cert())
        rig.certs.set_router("check", "general", c)  # the very certificate, cloned
    rig.new_monitor().start()
    rig.scheduler.advance(30 * DAY)
    expected = [("check", "ID", float(d), d <= 7) for d in SCHEDULE_DAYS if d <= 20]
    assert rig.seen() == expected


def test_restart_sends_the_next_due_only(rig: Rig) -> None:
    c = enroll(rig, days=90)
    end = c.not_valid_after_utc
    rig.new_monitor().start()
    rig.scheduler.advance(35 * DAY)  # 55 days left: the 60-day warning went
    assert rig.seen() == [("check", "ID", 60.0, False)]
    assert rig.monitor is not None
    rig.monitor.stop()
    rig.notices.clear()
    rig.scheduler.advance(25 * DAY)  # stopped: nothing while "down" (30 days left now)
    assert rig.notices == []
    m = rig.new_monitor()
    m.start()  # the restart: the past ones (53, 46, 39, 32) are not sent late
    assert [u.when for u in ids(m)] == [end - 25 * DAY]
    rig.scheduler.advance(31 * DAY)
    assert rig.seen() == [("check", "ID", float(d), d <= 7) for d in SCHEDULE_DAYS if d <= 25]


def test_a_certificate_arriving_on_a_due_time_gets_that_notice(rig: Rig) -> None:
    m = rig.new_monitor()
    m.start()
    enroll(rig, days=60)  # exactly 60 days left now: the first warning is due now
    rig.scheduler.advance(0)
    assert rig.seen() == [("check", "ID", 60.0, False)]


def test_clock_set_runs_each_passed_notice_in_order(rig: Rig) -> None:
    c = enroll(rig, days=90)
    end = c.not_valid_after_utc
    rig.new_monitor().start()
    rig.clock.set(end - 3 * DAY - timedelta(hours=5))  # the way ``clock set`` moves it
    assert [t for t, _ in rig.notices] == [end - d * DAY for d in SCHEDULE_DAYS if d >= 4]
    assert [n.time_left for _, n in rig.notices] == [d * DAY for d in SCHEDULE_DAYS if d >= 4]
    rig.notices.clear()
    rig.clock.set(START)  # back: nothing runs twice, the next is still the 3-day alert
    assert rig.notices == []
    assert rig.monitor is not None
    assert [u.when for u in ids(rig.monitor)] == [end - 3 * DAY]


def test_regeneration_stops_the_old_and_starts_the_new(rig: Rig) -> None:
    enroll(rig, days=90)
    m = rig.new_monitor()
    m.start()
    rig.scheduler.advance(84 * DAY)  # 6 days left
    assert rig.seen()[-1] == ("check", "ID", 6.0, True)
    count = len(rig.notices)
    assert rig.certs.clear("check")
    assert ids(m) == []
    rig.scheduler.advance(2 * DAY)
    assert len(rig.notices) == count  # the alerts stopped
    new = leaf(days=86 + 90, serial=0x1234)  # the re-enrollment: 90 days from now
    with rig.certs.transaction():
        rig.certs.set_ca("check", ca_cert())
        rig.certs.set_router("check", "general", new)
    assert [(u.serial, u.when) for u in ids(m)] == [("12:34", new.not_valid_after_utc - 60 * DAY)]
    rig.scheduler.advance(100 * DAY)
    fresh = [n for _, n in rig.notices[count:]]
    assert [(n.serial, n.time_left / DAY) for n in fresh] == [
        ("12:34", float(d)) for d in SCHEDULE_DAYS
    ]


def test_other_changes_keep_armed_notices(rig: Rig) -> None:
    c = enroll(rig, days=90)
    m = rig.new_monitor()
    m.start()
    before = m.upcoming()
    enroll(rig, "other", days=300, serial=0x99)
    assert [u for u in m.upcoming() if u.trustpoint == "check"] == before
    rig.scheduler.advance(31 * DAY)
    assert rig.seen() == [("check", "ID", 60.0, False)]
    assert rig.notices[0][0] == c.not_valid_after_utc - 60 * DAY


class CountingCertStore(CertStore):
    """The real ``CertStore``, counting the certificates read from the state store."""

    reads = 0

    def ca(self, name: str) -> x509.Certificate | None:
        self.reads += 1
        return super().ca(name)

    def router(self, name: str) -> dict[Usage, x509.Certificate]:
        self.reads += 1
        return super().router(name)


def test_a_notice_falling_due_reads_nothing_from_the_store(rig: Rig) -> None:
    """The store is read when the monitor re-arms (after each committed change), not again
    for each notice: every notice used to read every trustpoint's certificates, which made a
    sweep over N trustpoints cost N times the notices (benches/test_notify.py)."""
    certs = CountingCertStore(rig.store)
    names = [f"tp{i}" for i in range(12)]
    rig.configured.update(names)
    with certs.transaction():
        for i, tp in enumerate(names):
            certs.set_ca(tp, ca_cert(serial=i + 1))
            certs.set_router(tp, "general", leaf(61, serial=0x100 + i))
    m = ExpiryMonitor(certs, rig.scheduler, rig.clock, rig.trustpoint, rig.on_notice)
    rig.monitor = m
    m.start()
    assert certs.reads > 0  # the boot's arming read them
    certs.reads = 0
    rig.scheduler.advance(62 * DAY)
    assert len(rig.notices) == len(names) * len(SCHEDULE_DAYS)
    assert sorted({n.trustpoint for _, n in rig.notices}) == sorted(names)
    assert certs.reads == 0
    # a change still re-arms from the store, and what went gets no more notices
    certs.set_router("tp0", "general", leaf(200, serial=0x999))
    assert certs.reads > 0
    rig.notices.clear()
    rig.scheduler.advance(100 * DAY)
    assert [(n.trustpoint, n.serial) for _, n in rig.notices][:1] == [("tp0", "09:99")]


def test_unconfigured_trustpoint_is_skipped_then_resumes(rig: Rig) -> None:
    enroll(rig, days=90)
    rig.new_monitor().start()
    rig.configured.discard("check")
    rig.scheduler.advance(45 * DAY)  # 60- and 53-day warnings fall due unconfigured
    assert rig.notices == []
    rig.configured.add("check")
    rig.scheduler.advance(10 * DAY)
    assert rig.seen() == [("check", "ID", 39.0, False)]


def test_a_failing_receiver_does_not_stop_the_schedule(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    enroll(rig, days=90)
    calls: list[ExpiryNotice] = []

    def failing(n: ExpiryNotice) -> None:
        calls.append(n)
        raise OSError("receiver down")

    m = ExpiryMonitor(rig.certs, rig.scheduler, rig.clock, rig.trustpoint, failing)
    rig.monitor = m
    m.start()
    with caplog.at_level(logging.ERROR, logger="xrsim.pki"):
        rig.scheduler.advance(38 * DAY)
    assert [n.time_left / DAY for n in calls] == [60.0, 53.0]
    assert "not delivered" in caplog.text


def test_stop_cancels_everything(rig: Rig) -> None:
    enroll(rig, days=90)
    m = rig.new_monitor()
    m.start()
    m.stop()
    assert m.upcoming() == []
    assert not m.started
    enroll(rig, "other", days=61)  # no longer subscribed
    rig.scheduler.advance(100 * DAY)
    assert rig.notices == []
    assert [t for t in rig.scheduler.pending() if "expiry" in t.name] == []


# -- CertStore.subscribe ----------------------------------------------------------------------


def test_subscribe_once_per_committed_change(rig: Rig) -> None:
    calls: list[int] = []
    unsubscribe = rig.certs.subscribe(lambda: calls.append(len(rig.certs.names())))
    rig.certs.set_ca("check", ca_cert())
    assert calls == [1]  # after the write, which it can read
    with rig.certs.transaction():
        rig.certs.set_ca("other", ca_cert())
        with rig.certs.transaction():
            rig.certs.set_router("other", "general", leaf(30))
        assert calls == [1]  # not before the outermost transaction commits
    assert calls == [1, 2]

    def half_way() -> None:
        with rig.certs.transaction():
            rig.certs.set_ca("tp2", ca_cert())
            raise RuntimeError("enrollment failed half-way")

    with pytest.raises(RuntimeError):
        half_way()
    assert calls == [1, 2]  # a failed transaction: no change, no call
    assert rig.certs.ca("tp2") is None
    assert not rig.certs.clear("nothing-here")
    assert calls == [1, 2]
    assert rig.certs.clear("check")
    assert calls == [1, 2, 1]
    unsubscribe()
    rig.certs.set_ca("check", ca_cert())
    assert calls == [1, 2, 1]


def test_a_failing_subscriber_does_not_undo_the_change(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    def bad() -> None:
        raise ValueError("subscriber bug")

    rig.certs.subscribe(bad)
    with caplog.at_level(logging.ERROR, logger="xrsim.pki"):
        rig.certs.set_ca("check", ca_cert())
    assert rig.certs.ca("check") is not None
    assert "subscriber" in caplog.text


# -- the router's monitor ---------------------------------------------------------------------


def test_the_router_rearms_at_boot_and_sends_nothing_late(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A self-enrolled trustpoint: the notices go to the logging buffer; a router down while
    some fell due sends the next one after its restart, not those it missed."""
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    clock = SimClock(START, frozen=True)
    r = Router.boot(None, tmp_path / "r1", "r1", clock=clock)
    try:
        r.keys.put("ecdsa", "tp-root", generate_key("ecdsa"))
        r.keys.put("ecdsa", "tp-leaf", generate_key("ecdsa"))
        r.configure(
            [
                "crypto ca trustpoint check",
                "enrollment url self",
                "ca-keypair ecdsa tp-root",
                "keypair ecdsa tp-leaf",
                "subject-name CN=cisco.com",
                "lifetime certificate 90",
                "serial-number none",
                "ip-address none",
            ]
        )
        r.cli("crypto ca authenticate check")
        r.cli("crypto ca enroll check")
        end = START + 90 * DAY
        assert [u.when for u in ids(r.expiry)] == [end - 60 * DAY]
        r.advance(days=35)
        assert [e.message.mnemonic for e in r.notify.buffer.entries()] == [WARNING_MNEMONIC]
    finally:
        r.shutdown()
    clock.advance(timedelta(days=20))  # down while the 53- and 46-day warnings fell due
    r = Router.boot(None, tmp_path / "r1", clock=clock)
    try:
        assert [u.when for u in ids(r.expiry)] == [end - 32 * DAY]
        r.advance(days=4)
        (entry,) = r.notify.buffer.entries()
        assert entry.time == end - 32 * DAY
        assert entry.message.text.endswith("Time Left= 32 days, 0 hours, 0 minutes, 0 seconds")
    finally:
        r.shutdown()

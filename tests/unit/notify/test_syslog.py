"""``xrsim.notify.syslog``: severities, the message layout, the buffer line and the datagram
IOS XR sends, the buffer's size limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from xrsim.errors import InvalidInput
from xrsim.notify.syslog import (
    FACILITIES,
    LEVELS,
    LogBuffer,
    LogEntry,
    Message,
    Severity,
    level,
    pid_of,
    xr_log_time,
)

pytestmark = pytest.mark.timeout(30)

SEED = Message(
    "SECURITY", "CEPKI", 1, "CERT_EXPIRING_ALERT", "Certificate expiring WITHIN A WEEK.", "cepki"
)


def test_levels_are_ios_xr_names_in_rfc5424_order() -> None:
    assert LEVELS == (
        "emergencies",
        "alerts",
        "critical",
        "errors",
        "warnings",
        "notifications",
        "informational",
        "debugging",
    )
    assert level("warnings") is Severity.WARNINGS
    assert int(level("informational")) == 6
    with pytest.raises(InvalidInput):
        level("info")


def test_message_renders_the_seed_layout() -> None:
    assert SEED.tag == "%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT"
    assert str(SEED) == (
        "%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT : Certificate expiring WITHIN A WEEK."
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("severity", 8),
        ("severity", -1),
        ("facility", "SE CURITY"),
        ("mnemonic", ""),
        ("subsystem", "CE-PKI"),
        ("process", "ce pki"),
    ],
)
def test_bad_message_fields_are_refused(field: str, value: object) -> None:
    fields = {
        "facility": "SECURITY",
        "subsystem": "CEPKI",
        "severity": 1,
        "mnemonic": "X",
        "text": "t",
        "process": "cepki",
        field: value,
    }
    with pytest.raises(InvalidInput):
        Message(**fields)  # type: ignore[arg-type]


def test_time_day_is_padded_and_milliseconds_kept() -> None:
    assert xr_log_time(datetime(2026, 12, 1, 17, 20, 1, 123999, tzinfo=UTC)) == (
        "Dec  1 17:20:01.123 UTC"
    )
    assert xr_log_time(datetime(2027, 3, 14, 9, 5, 0, tzinfo=UTC)) == "Mar 14 09:05:00.000 UTC"


def test_line_and_datagram() -> None:
    when = datetime(2026, 12, 1, 17, 20, 1, 123000, tzinfo=UTC)
    entry = LogEntry(seq=12, time=when, node="RP/0/RP0/CPU0", pid=pid_of("cepki"), message=SEED)
    pid = pid_of("cepki")
    line = (
        f"RP/0/RP0/CPU0:Dec  1 17:20:01.123 UTC: cepki[{pid}]: "
        "%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT : Certificate expiring WITHIN A WEEK."
    )
    assert entry.line() == line
    assert entry.datagram() == f"<185>12: {line}".encode()  # local7 * 8 + 1
    assert entry.datagram(FACILITIES["local0"]).startswith(b"<129>12: ")


def test_pid_is_stable_per_process_and_in_range() -> None:
    assert pid_of("cepki") == pid_of("cepki")
    assert pid_of("cepki") != pid_of("syslogd")
    assert all(1000 <= pid_of(p) < 65000 for p in ("cepki", "syslogd", "config", "x"))


def _entry(seq: int, text: str) -> LogEntry:
    msg = Message("SYS", "T", 6, "M", text, "p")
    return LogEntry(seq, datetime(2026, 1, 1, tzinfo=UTC), "RP/0/RP0/CPU0", 1234, msg)


def test_buffer_keeps_the_newest_that_fit() -> None:
    first = _entry(1, "a" * 100)
    size = len(first.line()) + 1
    buf = LogBuffer(size * 3)
    entries = [_entry(i, "a" * 100) for i in range(1, 6)]
    for e in entries:
        buf.add(e)
    assert buf.entries() == entries[2:]
    assert (buf.logged, buf.overruns) == (5, 2)
    buf.resize(size * 2)
    assert buf.entries() == entries[3:]
    buf.clear()
    assert buf.entries() == []
    assert buf.logged == 5

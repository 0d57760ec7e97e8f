"""Syslog messages as IOS XR writes them, and the logging buffer (layer 4: imports only
``xrsim.errors``).

- ``Severity``: the eight syslog levels (RFC 5424 numbers) with IOS XR's names
  (``emergencies`` ... ``debugging``); ``LEVELS`` the names, most severe first; ``level(name)``.
- ``Message``: what a process reports (facility ``SECURITY``, subsystem ``CEPKI``, severity,
  mnemonic, text, process name); ``str(message)`` is the seed's layout
  ``%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT : Certificate expiring ...``.
- ``LogEntry``: one message as logged: its sequence number, time, node and process ID.
  ``line()`` is the line of ``show logging``::

      RP/0/RP0/CPU0:Dec  1 17:20:01.123 UTC: cepki[1147]: %SECURITY-CEPKI-1-... : text

  ``datagram(facility)`` is what IOS XR sends to a remote host over UDP: the RFC 3164
  ``<PRI>`` (facility ``local7`` unless ``logging facility`` says otherwise), IOS XR's
  sequence number and a colon, then that same line::

      <185>12: RP/0/RP0/CPU0:Dec  1 17:20:01.123 UTC: cepki[1147]: %SECURITY-CEPKI-1-... : text

  That is the layout of IOS XR's remote syslog as napalm-logs documents it from captures
  (``<PRI><messageid>: [<hostname> ]<node>:<datetime>: <process>[<pid>]: %<message>``, e.g.
  ``<149>2647599: vmx01 RP/0/RSP1/CPU0:Mar 28 15:08:30.941 UTC: bgp[1051]: %ROUTING-BGP-5-
  MAXPFX : ...``; the hostname only with ``logging hostnameprefix``, which xrsim does not
  offer). The sequence number is the router's count of messages since boot; the buffer's
  lines have the same layout without it (Genie's iosxr ``ShowLogging`` test outputs:
  ``RP/0/RP0/CPU0:Sep 25 23:24:29.114 UTC: syslogd[342]: %SECURITY-XR_SSL-6-INFO : ...``).
- ``LogBuffer``: ``logging buffered``: the newest messages up to the configured size in bytes
  (IOS XR's default 2097152), oldest dropped first, each counted.

The notifier (``xrsim.notify.notifier``) numbers and stamps messages and fans them out.
"""

from __future__ import annotations

import functools
import threading
import zlib
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from xrsim.errors import InvalidInput

__all__ = [
    "DEFAULT_BUFFER_SIZE",
    "FACILITIES",
    "LEVELS",
    "MAX_BUFFER_SIZE",
    "MIN_BUFFER_SIZE",
    "LogBuffer",
    "LogEntry",
    "Message",
    "Severity",
    "level",
    "pid_of",
    "xr_log_time",
]


class Severity(IntEnum):
    """Syslog severities (RFC 5424 numbers), named as IOS XR names them."""

    EMERGENCIES = 0
    ALERTS = 1
    CRITICAL = 2
    ERRORS = 3
    WARNINGS = 4
    NOTIFICATIONS = 5
    INFORMATIONAL = 6
    DEBUGGING = 7

    @property
    def xr_name(self) -> str:
        """``emergencies`` ... ``debugging``."""
        return self.name.lower()


#: Syslog severities, most severe first, as IOS XR names them.
LEVELS: tuple[str, ...] = tuple(s.xr_name for s in Severity)

#: Syslog facilities (RFC 3164 codes) by the names ``logging facility`` takes.
FACILITIES: dict[str, int] = {
    "kern": 0,
    "user": 1,
    "mail": 2,
    "daemon": 3,
    "auth": 4,
    "syslog": 5,
    "lpr": 6,
    "news": 7,
    "uucp": 8,
    "cron": 9,
    "sys10": 10,
    "sys11": 11,
    "sys12": 12,
    "sys13": 13,
    "sys14": 14,
    "local0": 16,
    "local1": 17,
    "local2": 18,
    "local3": 19,
    "local4": 20,
    "local5": 21,
    "local6": 22,
    "local7": 23,
}

#: ``logging buffered SIZE``: IOS XR's range and default, in bytes.
MIN_BUFFER_SIZE = 307200
MAX_BUFFER_SIZE = 125000000
DEFAULT_BUFFER_SIZE = 2097152

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def level(name: str) -> Severity:
    """The severity IOS XR calls ``name`` (``warnings``); ``InvalidInput`` for another word."""
    try:
        return Severity[name.upper()]
    except KeyError:
        raise InvalidInput(f"not a syslog severity: {name!r}") from None


def xr_log_time(dt: datetime) -> str:
    """A syslog time as IOS XR writes it: ``Dec  1 17:20:01.123 UTC`` (day padded to two)."""
    return (
        f"{_MONTHS[dt.month - 1]} {dt.day:2d} {dt:%H:%M:%S}.{dt.microsecond // 1000:03d} "
        f"{dt.tzname() or 'UTC'}"
    )


def pid_of(process: str) -> int:
    """The simulated process ID of an IOS XR process: stable for a name (IOS XR's are in the
    thousands, ``cepki[1147]``), so one process's messages carry one ID."""
    return 1000 + zlib.crc32(process.encode()) % 64000


@dataclass(frozen=True)
class Message:
    """A syslog message a process reports. ``severity`` is 0-7 (``Severity``)."""

    facility: str
    subsystem: str
    severity: int
    mnemonic: str
    text: str
    process: str

    def __post_init__(self) -> None:
        if not 0 <= int(self.severity) <= 7:
            raise InvalidInput(f"not a syslog severity: {self.severity!r}")
        for what in ("facility", "subsystem", "mnemonic", "process"):
            value = getattr(self, what)
            if not value or any(c.isspace() or c in "-%:[]" for c in value):
                raise InvalidInput(f"not a syslog message {what}: {value!r}")

    @property
    def tag(self) -> str:
        """``%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT``."""
        return f"%{self.facility}-{self.subsystem}-{int(self.severity)}-{self.mnemonic}"

    def __str__(self) -> str:
        return f"{self.tag} : {self.text}"


@dataclass(frozen=True)
class LogEntry:
    """One message as the router logged it: ``seq`` counts the router's messages from 1."""

    seq: int
    time: datetime
    node: str
    pid: int
    message: Message

    def line(self) -> str:
        """The line ``show logging`` prints."""
        return self._line

    @functools.cached_property
    def _line(self) -> str:
        # made once: the buffer counts its bytes and the remote hosts get it in the datagram
        stamp = xr_log_time(self.time)
        return f"{self.node}:{stamp}: {self.message.process}[{self.pid}]: {self.message}"

    def datagram(self, facility: int = FACILITIES["local7"]) -> bytes:
        """What IOS XR sends a remote syslog host: ``<PRI>SEQ: `` and the line, UTF-8."""
        pri = facility * 8 + int(self.message.severity)
        return f"<{pri}>{self.seq}: {self.line()}".encode()


class LogBuffer:
    """The logging buffer: the newest entries whose lines fit in ``size`` bytes (each line
    counted with its newline). Thread-safe."""

    def __init__(self, size: int = DEFAULT_BUFFER_SIZE) -> None:
        self._lock = threading.Lock()
        self._entries: deque[tuple[LogEntry, int]] = deque()
        self._used = 0
        self._size = size
        self.logged = 0  # messages put in since boot (``Buffer logging: ..., N messages logged``)
        self.overruns = 0  # messages dropped to make room

    @property
    def size(self) -> int:
        return self._size

    def resize(self, size: int) -> None:
        with self._lock:
            self._size = size
            self._trim()

    def _trim(self) -> None:
        while self._entries and self._used > self._size:
            _, n = self._entries.popleft()
            self._used -= n
            self.overruns += 1

    def add(self, entry: LogEntry) -> None:
        n = len(entry.line().encode()) + 1
        with self._lock:
            self._entries.append((entry, n))
            self._used += n
            self.logged += 1
            self._trim()

    def entries(self) -> list[LogEntry]:
        with self._lock:
            return [e for e, _ in self._entries]

    def clear(self) -> None:
        """``clear logging``: the buffer emptied (the counters stay)."""
        with self._lock:
            self._entries.clear()
            self._used = 0

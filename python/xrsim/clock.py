"""The simulated wall clock and IOS XR time formats (layer 1: imports only ``xrsim.errors``).

- ``SimClock``: the router's clock. By default it follows real time plus an offset that
  ``set`` and ``advance`` change (``frozen=True`` stops it following real time, for tests that
  want exact times). ``monotonic()`` never goes back, even when ``set`` moves the wall clock back.
  The chassis owns one; everything that stamps a time (uptime, key creation, reboot history,
  certificate validity checks) asks it.
- ``xr_timestamp``, ``xr_time``, ``xr_uptime``: how IOS XR prints times: the line before command
  output, certificate and key times, and ``System uptime is ...``.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta

from xrsim.errors import InvalidInput

__all__ = ["SimClock", "xr_time", "xr_timestamp", "xr_uptime"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _aware_utc(dt: datetime) -> datetime:
    if not isinstance(dt, datetime):
        raise InvalidInput(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise InvalidInput(f"naive datetime {dt.isoformat()}: give a timezone (UTC)")
    return dt.astimezone(UTC)


class SimClock:
    """A settable, advanceable wall clock (aware UTC datetimes); safe to share across threads."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        """``start``: the time ``now()`` returns at once (default: real time). ``frozen``: the
        clock moves only through ``set``/``advance``."""
        self._lock = threading.Lock()
        self._frozen = frozen
        self._extra_monotonic = 0.0
        real = datetime.now(UTC)
        self._base = real if start is None else _aware_utc(start)
        # now() = base + (real elapsed since anchor, unless frozen)
        self._anchor = time.monotonic()

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> datetime:
        """The simulated time, aware, in UTC."""
        with self._lock:
            if self._frozen:
                return self._base
            return self._base + timedelta(seconds=time.monotonic() - self._anchor)

    def set(self, dt: datetime) -> None:
        """Set the wall clock (``clock set`` on the router); ``monotonic()`` is unaffected."""
        target = _aware_utc(dt)
        with self._lock:
            self._base = target
            self._anchor = time.monotonic()

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (>= 0): wall clock and ``monotonic()`` both."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise InvalidInput(f"seconds must be a number, got {type(seconds).__name__}")
        if not math.isfinite(seconds) or seconds < 0:
            raise InvalidInput(f"the clock only advances: seconds must be >= 0, got {seconds}")
        with self._lock:
            self._base += timedelta(seconds=seconds)
            self._extra_monotonic += seconds

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back: real monotonic time (unless frozen) plus
        everything ``advance`` added."""
        with self._lock:
            real = 0.0 if self._frozen else time.monotonic()
            return real + self._extra_monotonic

    def __repr__(self) -> str:
        state = "frozen" if self._frozen else "running"
        return f"SimClock({self.now().isoformat()}, {state})"


def xr_timestamp(dt: datetime) -> str:
    """The line IOS XR prints before command output: ``Mon Nov 30 07:05:06.532 UTC``.

    Milliseconds are truncated; a single-digit day is space-padded as in ``ctime``
    (``Thu Jan  7 ...``)."""
    t = _aware_utc(dt)
    return (
        f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day:2d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond // 1000:03d} UTC"
    )


def xr_time(dt: datetime) -> str:
    """Certificate and key times: ``17:33:23 UTC Thu Sep 18 2003`` (``Created``,
    ``Validity Start``)."""
    t = _aware_utc(dt)
    return (
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC "
        f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day:02d} {t.year}"
    )


def _unit(count: int, name: str) -> str:
    return f"{count} {name}" if count == 1 else f"{count} {name}s"


def xr_uptime(td: timedelta) -> str:
    """An uptime as ``show version`` prints it after ``System uptime is``.

    ``8 hours 7 minutes``, ``1 day 2 hours 3 minutes``; from one week on the parts are separated
    by commas: ``2 weeks, 1 day, 3 hours, 5 minutes``; years from 365 days. Zero parts are left
    out except minutes, which are always there (``0 minutes`` in the first minute).
    """
    if not isinstance(td, timedelta):
        raise InvalidInput(f"expected a timedelta, got {type(td).__name__}")
    minutes_total = max(0, int(td.total_seconds()) // 60)
    hours_total, minutes = divmod(minutes_total, 60)
    days_total, hours = divmod(hours_total, 24)
    years, days_left = divmod(days_total, 365)
    weeks, days = divmod(days_left, 7)
    parts: list[str] = []
    if years:
        parts.append(_unit(years, "year"))
    if weeks:
        parts.append(_unit(weeks, "week"))
    if days:
        parts.append(_unit(days, "day"))
    if hours:
        parts.append(_unit(hours, "hour"))
    parts.append(_unit(minutes, "minute"))
    separator = ", " if years or weeks else " "
    return separator.join(parts)

"""The simulated wall clock and IOS XR time formats (layer 1: imports only ``xrsim.errors``).

- ``SimClock``: the router's clock. By default it follows real time plus an offset that
  ``set`` and ``advance`` change (``frozen=True`` stops it following real time, for tests that
  want exact times). It keeps two timelines that move together: the wall clock (``now()``,
  which ``set`` moves anywhere) and the monotonic time (``elapsed()``, ``monotonic()``), which
  never goes back: real time (unless frozen) plus everything ``advance`` added. The chassis
  owns one; everything that stamps a time (uptime, key creation, reboot history, certificate
  validity checks) asks it.
- ``ClockDriver``: what a clock hands ``set`` and ``advance`` to once one is attached. The
  scheduler (``xrsim.scheduler``) attaches one per clock, so that setting or advancing the
  clock, from any caller, runs the timed work that falls due, stepping the clock to each due
  time with ``move``/``move_to`` (which change the time and run nothing).
- ``xr_timestamp``, ``xr_time``, ``xr_uptime``: how IOS XR prints times: the line before command
  output, certificate and key times, and ``System uptime is ...``.

Times are kept in whole microseconds (``timedelta`` arithmetic, real time read as integer
nanoseconds), so a time a scheduler computes is the time the clock then shows, exactly.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from xrsim.errors import InvalidInput

__all__ = ["ClockDriver", "SimClock", "as_timedelta", "xr_time", "xr_timestamp", "xr_uptime"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _aware_utc(dt: datetime) -> datetime:
    if not isinstance(dt, datetime):
        raise InvalidInput(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise InvalidInput(f"naive datetime {dt.isoformat()}: give a timezone (UTC)")
    return dt.astimezone(UTC)


def as_timedelta(amount: float | timedelta, *, what: str = "seconds", unit: float = 1) -> timedelta:
    """``amount`` (of ``unit`` seconds, or a ``timedelta``) as a ``timedelta`` >= 0;
    ``InvalidInput`` for anything else (negative, NaN, infinite, too large, not a number)."""
    if isinstance(amount, timedelta):
        if amount < timedelta(0):
            raise InvalidInput(f"time only moves forward: {what} must be >= 0, got {amount}")
        return amount
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise InvalidInput(f"{what} must be a number, got {type(amount).__name__}")
    if not math.isfinite(amount) or amount < 0:
        raise InvalidInput(f"time only moves forward: {what} must be >= 0, got {amount}")
    try:
        return timedelta(seconds=amount * unit)
    except OverflowError:
        raise InvalidInput(f"{what} out of range: {amount}") from None


class ClockDriver(Protocol):
    """Takes over ``SimClock.set``/``advance`` once attached (the scheduler's per-clock
    driver): it moves the clock with ``move``/``move_to`` and runs what falls due."""

    def advance(self, delta: timedelta) -> None: ...

    def set(self, dt: datetime) -> None: ...


def _us(ns: int) -> timedelta:
    return timedelta(microseconds=ns // 1000)


class SimClock:
    """A settable, advanceable wall clock (aware UTC datetimes); safe to share across threads."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        """``start``: the time ``now()`` returns at once (default: real time). ``frozen``: the
        clock moves only through ``set``/``advance``."""
        self._lock = threading.Lock()
        self._frozen = frozen
        self._driver: ClockDriver | None = None
        self._start_ns = time.monotonic_ns()
        #: monotonic() = _mono0 + elapsed() (real monotonic time unless frozen)
        self._mono0 = 0.0 if frozen else self._start_ns / 1e9
        #: everything advance() added
        self._extra = timedelta(0)
        self._base = datetime.now(UTC) if start is None else _aware_utc(start)
        #: now() = _base + (real time since start - _anchor), unless frozen
        self._anchor = timedelta(0)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def _real(self) -> timedelta:
        """Real time since the clock was made (zero when frozen); called under the lock."""
        if self._frozen:
            return timedelta(0)
        return _us(time.monotonic_ns() - self._start_ns)

    def now(self) -> datetime:
        """The simulated time, aware, in UTC."""
        with self._lock:
            return self._base + (self._real() - self._anchor)

    def elapsed(self) -> timedelta:
        """Time on the monotonic timeline since the clock was made: real time (unless frozen)
        plus everything ``advance`` added. ``set`` does not change it."""
        with self._lock:
            return self._real() + self._extra

    def reading(self) -> tuple[datetime, timedelta]:
        """``(now(), elapsed())`` read at one instant."""
        with self._lock:
            real = self._real()
            return self._base + (real - self._anchor), real + self._extra

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back: real monotonic time (unless frozen) plus
        everything ``advance`` added."""
        return self._mono0 + self.elapsed().total_seconds()

    # -- moving it ----------------------------------------------------------------------------

    def set(self, dt: datetime) -> None:
        """Set the wall clock (``clock set`` on the router); the monotonic time is unaffected.
        With a driver attached (a scheduler), wall-clock work due up to ``dt`` runs first, the
        clock showing each item's due time."""
        target = _aware_utc(dt)
        driver = self._driver
        if driver is not None:
            driver.set(target)
        else:
            self.move_to(target)

    def advance(self, seconds: float | timedelta) -> None:
        """Move time forward by ``seconds`` (>= 0, or a ``timedelta``): wall clock and monotonic
        time both. With a driver attached (a scheduler), everything that falls due in the span
        runs, in time order, the clock showing each item's due time while it runs."""
        delta = as_timedelta(seconds)
        try:
            self.now() + delta
        except OverflowError:
            raise InvalidInput(f"advancing by {delta} goes past the year 9999") from None
        driver = self._driver
        if driver is not None:
            driver.advance(delta)
        else:
            self.move(delta)

    def move(self, delta: timedelta) -> None:
        """Advance by ``delta`` without running anything (what a driver steps the clock with)."""
        if delta < timedelta(0):
            raise InvalidInput(f"the clock only advances: got {delta}")
        with self._lock:
            self._base += delta
            self._extra += delta

    def move_to(self, dt: datetime) -> None:
        """Set the wall clock without running anything (what a driver steps the clock with)."""
        target = _aware_utc(dt)
        with self._lock:
            self._base = target
            self._anchor = self._real()

    # -- the driver ---------------------------------------------------------------------------

    @property
    def driver(self) -> ClockDriver | None:
        return self._driver

    def attach(self, driver: ClockDriver) -> None:
        """Hand ``set``/``advance`` to ``driver`` (one per clock)."""
        with self._lock:
            if self._driver is not None and self._driver is not driver:
                raise InvalidInput("this clock already has a driver")
            self._driver = driver

    def detach(self, driver: ClockDriver) -> None:
        with self._lock:
            if self._driver is driver:
                self._driver = None

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

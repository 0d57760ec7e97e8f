"""Timed work on the simulated clock (layer 1: imports ``xrsim.clock``, ``xrsim.errors``,
``xrsim.runtime``).

- ``Scheduler``: one per router (``router.scheduler``). Timed features register with it:
  ``call_at(when, fn, name=...)`` for a wall-clock time (a certificate's expiry alert),
  ``call_later(delay, fn, name=...)`` for a delay (``commit confirmed``, exec-timeout). Each
  returns a ``Timer`` handle (``cancel()``, ``when``, ``name``).
- ``Timer``: one registered piece of work; it runs once, or never if cancelled first.
- ``_Driver`` (internal): attached to a ``SimClock`` by its first scheduler, shared by every
  scheduler on that clock. It takes over ``clock.advance`` and ``clock.set``.

Advancing or setting the clock (``clock.advance``, ``clock.set``, ``Router.advance``, whoever
calls them) runs everything that falls due in the span at once, without sleeping, on the
calling thread, before the call returns: in time order (ties in registration order), each
exactly once, with the clock stepped to the item's due time while it runs, so that work a
callback schedules for a time still inside the span runs too, in its place. Setting the clock
back runs nothing twice: work that ran is gone.

Two kinds of time:

- ``call_at`` work is due at a wall-clock time: ``clock set`` moves it (set the clock past it
  and it runs; it is what certificate expiry alerts need).
- ``call_later`` work is due after a delay on the clock's monotonic time (``SimClock.elapsed``),
  which ``advance`` and real time move and ``clock set`` does not: as on IOS XR, where relative
  timers (``commit confirmed``, exec-timeout) are not moved by ``clock set``. Its ``when`` is
  the wall-clock time it would run at if the clock is not set meanwhile.

While the clock follows real time (not ``frozen``), due work also runs by itself: each
scheduler keeps one timer handle armed on the process's event loop
(``xrsim.runtime.shared().loop``) for its next deadline, re-armed when that changes, and runs
the callbacks in the runtime's worker pool (they may block on router locks), never on the
loop thread. On a frozen clock work runs only inside ``advance``/``set``/``run_due``.

Callbacks of one clock run one at a time (a per-clock lock, re-entrant: a callback may
register, cancel, advance the clock). A callback that raises is logged (logger
``xrsim.scheduler``) and the others still run. Registering and cancelling never wait for a
running callback; do not advance or set the clock while holding a lock a callback needs.
``close()`` cancels everything (router shutdown). No ``threading.Timer``, no sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from xrsim import runtime
from xrsim.clock import SimClock, as_timedelta
from xrsim.errors import InvalidInput, StateError

__all__ = ["Scheduler", "Timer"]

_log = logging.getLogger("xrsim.scheduler")

_ZERO = timedelta(0)
#: Registration order, process-wide (ties between schedulers of one clock too).
_seq = itertools.count()
_seq_lock = threading.Lock()
_attach_lock = threading.Lock()


#: A heap entry: (due, registration order, timer); the due is a datetime in the wall-clock
#: heap and a timedelta in the monotonic one (never compared with each other).
_Entry = tuple[Any, int, "Timer"]


def _next_seq() -> int:
    with _seq_lock:
        return next(_seq)


class Timer:
    """A piece of work registered with a ``Scheduler``: runs once unless cancelled first."""

    __slots__ = ("_fn", "_scheduler", "_state", "due", "name", "relative", "seq")

    def __init__(
        self,
        scheduler: Scheduler,
        fn: Callable[[], object],
        name: str,
        due: datetime | timedelta,
        seq: int,
    ) -> None:
        self._scheduler = scheduler
        self._fn = fn
        self.name = name
        #: a wall-clock datetime (``call_at``) or a point on the clock's monotonic timeline
        #: (``call_later``; a ``SimClock.elapsed()`` value)
        self.due = due
        self.relative = isinstance(due, timedelta)
        self.seq = seq
        self._state = "pending"  # pending, running, done, cancelled

    @property
    def when(self) -> datetime:
        """The wall-clock time it is due (for ``call_later`` work: as the clock stands now)."""
        if isinstance(self.due, datetime):
            return self.due
        now, elapsed = self._scheduler.clock.reading()
        return now + (self.due - elapsed)

    @property
    def pending(self) -> bool:
        return self._state == "pending"

    @property
    def cancelled(self) -> bool:
        return self._state == "cancelled"

    @property
    def done(self) -> bool:
        """True once it has run (or is running)."""
        return self._state in ("running", "done")

    def cancel(self) -> bool:
        """Cancel it; True when it was still pending (it will not run), False when it had
        already run, was running, or was cancelled."""
        return self._scheduler._cancel(self)

    def _offset(self, now: datetime, elapsed: timedelta) -> timedelta:
        """How long from the reading ``(now, elapsed)`` until it is due (<= 0: due)."""
        if isinstance(self.due, datetime):
            return self.due - now
        return self.due - elapsed

    def __repr__(self) -> str:
        kind = "later" if self.relative else "at"
        return f"Timer({self.name!r}, {kind} {self.due}, {self._state})"


class Scheduler:
    """Timed work of one router on its simulated clock. Thread safe."""

    def __init__(self, clock: SimClock, *, name: str = "scheduler") -> None:
        self.clock = clock
        self.name = name
        self._lock = threading.Lock()
        #: (due, seq, timer): wall-clock work and monotonic work; cancelled entries are left
        #: in place and skipped (compacted when they are most of the heap)
        self._wall: list[_Entry] = []
        self._mono: list[_Entry] = []
        self._cancelled = 0
        self._closed = False
        # real-time arming: _arm_requested and _run_queued under _lock; _armed on the loop only
        self._arm_requested = False
        self._run_queued = False
        self._armed: asyncio.TimerHandle | None = None
        self._armed_at = 0.0
        self._runtime: runtime.Runtime | None = None
        with _attach_lock:
            driver = clock.driver
            if not isinstance(driver, _Driver):
                driver = _Driver(clock)
                clock.attach(driver)
            driver.add(self)
        self._driver = driver

    # -- registering ------------------------------------------------------------------------

    def call_at(self, when: datetime, fn: Callable[[], object], *, name: str) -> Timer:
        """Run ``fn()`` when the wall clock reaches ``when`` (aware datetime; a time already
        past is due at once). ``clock set`` moves it."""
        if not isinstance(when, datetime) or when.tzinfo is None or when.utcoffset() is None:
            raise InvalidInput(f"call_at needs an aware datetime, got {when!r}")
        return self._add(when.astimezone(UTC), fn, name)

    def call_later(self, delay: float | timedelta, fn: Callable[[], object], *, name: str) -> Timer:
        """Run ``fn()`` after ``delay`` (seconds or ``timedelta``, >= 0) on the clock's
        monotonic time: ``advance`` and real time bring it closer, ``clock set`` does not."""
        span = as_timedelta(delay, what="delay")
        return self._add(self.clock.elapsed() + span, fn, name)

    def _add(self, due: datetime | timedelta, fn: Callable[[], object], name: str) -> Timer:
        if not callable(fn):
            raise InvalidInput(f"not callable: {fn!r}")
        with self._lock:
            if self._closed:
                raise StateError(f"{self.name} is closed: {name!r} cannot be scheduled")
            timer = Timer(self, fn, str(name), due, _next_seq())
            if isinstance(due, datetime):
                heapq.heappush(self._wall, (due, timer.seq, timer))
                first = self._wall[0][2] is timer
            else:
                heapq.heappush(self._mono, (due, timer.seq, timer))
                first = self._mono[0][2] is timer
        if first:
            self._request_arm()
        return timer

    def _cancel(self, timer: Timer) -> bool:
        with self._lock:
            if timer._state != "pending":
                return False
            timer._state = "cancelled"
            self._cancelled += 1
            heap = self._heap_of(timer)
            was_first = bool(heap) and heap[0][2] is timer
            if self._cancelled > 64 and self._cancelled * 2 > len(self._wall) + len(self._mono):
                self._compact()
        if was_first:
            self._request_arm()
        return True

    def _compact(self) -> None:
        """Drop cancelled entries (under the lock)."""
        self._wall = [e for e in self._wall if e[2]._state == "pending"]
        self._mono = [e for e in self._mono if e[2]._state == "pending"]
        heapq.heapify(self._wall)
        heapq.heapify(self._mono)
        self._cancelled = 0

    # -- looking ----------------------------------------------------------------------------

    def pending(self) -> list[Timer]:
        """The work still to run, soonest first (ties in registration order)."""
        now, elapsed = self.clock.reading()
        with self._lock:
            timers = [e[2] for e in (*self._wall, *self._mono) if e[2]._state == "pending"]
        return sorted(timers, key=lambda t: (t._offset(now, elapsed), t.seq))

    @property
    def closed(self) -> bool:
        return self._closed

    def _heads(self) -> tuple[Timer | None, Timer | None]:
        """The first pending wall-clock and monotonic work (cancelled heads are dropped)."""
        with self._lock:
            return self._head(self._wall), self._head(self._mono)

    def _head(self, heap: list[_Entry]) -> Timer | None:
        while heap:
            timer = heap[0][2]
            if timer._state == "pending":
                return timer
            heapq.heappop(heap)
            self._cancelled -= 1
        return None

    def _heap_of(self, timer: Timer) -> list[_Entry]:
        return self._mono if timer.relative else self._wall

    def _take(self, timer: Timer) -> bool:
        """Claim ``timer`` to run it now: True when it is still the pending head of its heap."""
        with self._lock:
            heap = self._heap_of(timer)
            if timer._state != "pending" or not heap or heap[0][2] is not timer:
                return False
            heapq.heappop(heap)
            timer._state = "running"
            return True

    # -- running ----------------------------------------------------------------------------

    def run_due(self) -> int:
        """Run what is due now (without moving the clock); returns how many ran."""
        return self._driver.run_due(self)

    def advance(self, delta: float | timedelta) -> None:
        """``clock.advance(delta)``: move the clock on and run what falls due."""
        self.clock.advance(delta)

    def set(self, dt: datetime) -> None:
        """``clock.set(dt)``: set the wall clock and run the wall-clock work it passes."""
        self.clock.set(dt)

    def _run(self, timer: Timer) -> None:
        """Run a claimed timer's callback (under the driver's lock)."""
        try:
            timer._fn()
        except Exception:
            _log.exception("%s: scheduled work %r failed", self.name, timer.name)
        finally:
            timer._state = "done"

    # -- real time --------------------------------------------------------------------------

    def _request_arm(self) -> None:
        """Have the loop (re)arm this scheduler's one timer handle for its next deadline."""
        if self.clock.frozen:
            return
        with self._lock:
            if self._arm_requested or self._closed:
                return
            self._arm_requested = True
        rt = runtime.shared()  # started on first use: not under the lock
        with self._lock:
            self._runtime = rt
        try:
            rt.call_soon(self._arm)
        except RuntimeError:  # the runtime is closing (process exit)
            with self._lock:
                self._arm_requested = False

    def _arm(self) -> None:
        """On the loop thread: arm the handle for the next deadline (or disarm)."""
        with self._lock:
            self._arm_requested = False
            closed = self._closed
        wall, mono = (None, None) if closed else self._heads()
        now, elapsed = self.clock.reading()
        offsets = [t._offset(now, elapsed) for t in (wall, mono) if t is not None]
        if not offsets:
            self._disarm()
            return
        loop = asyncio.get_running_loop()
        # a microsecond late rather than early: the clock counts whole microseconds
        deadline = loop.time() + max(min(offsets), _ZERO).total_seconds() + 1e-6
        if self._armed is not None:
            if abs(self._armed_at - deadline) < 0.001:
                return
            self._armed.cancel()
        self._armed_at = deadline
        self._armed = loop.call_at(deadline, self._fire)

    def _disarm(self) -> None:
        if self._armed is not None:
            self._armed.cancel()
            self._armed = None

    def _fire(self) -> None:
        """On the loop thread: the deadline came; run the due work in the worker pool."""
        self._armed = None
        with self._lock:
            if self._run_queued or self._closed:
                return
            self._run_queued = True
            rt = self._runtime
        assert rt is not None
        try:
            rt.submit(self._run_from_timer)
        except RuntimeError:  # the pool is shut down (process exit)
            with self._lock:
                self._run_queued = False

    def _run_from_timer(self) -> None:
        with self._lock:
            self._run_queued = False
        try:
            self.run_due()
        finally:
            self._request_arm()

    # -- closing ----------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel everything and stop arming (router shutdown); registering afterwards raises
        ``StateError``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for entry in (*self._wall, *self._mono):
                if entry[2]._state == "pending":
                    entry[2]._state = "cancelled"
            self._wall.clear()
            self._mono.clear()
            self._cancelled = 0
            rt = self._runtime
        self._driver.remove(self)
        if rt is not None and not rt.closed:
            with contextlib.suppress(RuntimeError):  # the runtime is closing
                rt.call_soon(self._disarm)

    def __repr__(self) -> str:
        return f"Scheduler({self.name!r}, {len(self.pending())} pending, {self.clock!r})"


class _Driver:
    """One per clock: steps the clock through the due work of every scheduler on it."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        #: serialises stepping and callbacks of this clock (re-entrant for callbacks)
        self.lock = threading.RLock()
        self._schedulers: weakref.WeakSet[Scheduler] = weakref.WeakSet()
        self._members_lock = threading.Lock()

    def add(self, scheduler: Scheduler) -> None:
        with self._members_lock:
            self._schedulers.add(scheduler)

    def remove(self, scheduler: Scheduler) -> None:
        with self._members_lock:
            self._schedulers.discard(scheduler)

    def _members(self) -> list[Scheduler]:
        with self._members_lock:
            return list(self._schedulers)

    def _next(
        self,
        schedulers: list[Scheduler],
        now: datetime,
        elapsed: timedelta,
        wall_until: datetime,
        mono_until: timedelta,
    ) -> tuple[timedelta, Scheduler, Timer] | None:
        """The soonest work due by ``wall_until`` (wall) or ``mono_until`` (monotonic): its
        offset from ``(now, elapsed)``, its scheduler and itself."""
        best: tuple[timedelta, int, Scheduler, Timer] | None = None
        for s in schedulers:
            wall, mono = s._heads()
            for t in (wall, mono):
                if t is None:
                    continue
                due = t.due <= wall_until if isinstance(t.due, datetime) else t.due <= mono_until
                if not due:
                    continue
                key = (t._offset(now, elapsed), t.seq)
                if best is None or key < (best[0], best[1]):
                    best = (key[0], key[1], s, t)
        return None if best is None else (best[0], best[2], best[3])

    def advance(self, delta: timedelta) -> None:
        """Move the clock on by ``delta``, stopping at each due time to run what is due."""
        with self.lock:
            remaining = delta
            try:
                while True:
                    now, elapsed = self.clock.reading()
                    found = self._next(
                        self._members(), now, elapsed, now + remaining, elapsed + remaining
                    )
                    if found is None:
                        if remaining > _ZERO:
                            self.clock.move(remaining)
                        return
                    offset, scheduler, timer = found
                    if offset > _ZERO:
                        self.clock.move(offset)
                        remaining -= offset
                    if scheduler._take(timer):
                        scheduler._run(timer)
            finally:
                self._rearm_all()

    def set(self, target: datetime) -> None:
        """Set the wall clock to ``target``: first step it through the wall-clock work due by
        then (and run any monotonic work already due), in time order."""
        with self.lock:
            try:
                while True:
                    now, elapsed = self.clock.reading()
                    found = self._next(self._members(), now, elapsed, max(now, target), elapsed)
                    if found is None:
                        self.clock.move_to(target)
                        return
                    offset, scheduler, timer = found
                    if offset > _ZERO and isinstance(timer.due, datetime):
                        self.clock.move_to(timer.due)
                    if scheduler._take(timer):
                        scheduler._run(timer)
            finally:
                self._rearm_all()

    def run_due(self, scheduler: Scheduler) -> int:
        """Run ``scheduler``'s work due now, in order, without moving the clock."""
        ran = 0
        with self.lock:
            while True:
                now, elapsed = self.clock.reading()
                found = self._next([scheduler], now, elapsed, now, elapsed)
                if found is None:
                    return ran
                _, _, timer = found
                if scheduler._take(timer):
                    scheduler._run(timer)
                    ran += 1

    def _rearm_all(self) -> None:
        for s in self._members():
            s._request_arm()

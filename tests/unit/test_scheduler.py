"""xrsim.scheduler: timed work on the simulated clock: order, ties, exactly once, never early,
``clock set`` (wall-clock work follows it, relative work does not), callbacks that schedule
and raise, closing, and due work running by itself in real time on the shared runtime."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xrsim.clock import SimClock
from xrsim.errors import InvalidInput, StateError
from xrsim.scheduler import Scheduler, Timer

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def frozen() -> tuple[SimClock, Scheduler]:
    clock = SimClock(T0, frozen=True)
    return clock, Scheduler(clock)


# -- order, ties, the clock while work runs ---------------------------------------------------


def test_advance_runs_due_work_in_time_order_with_the_clock_at_each_due_time() -> None:
    clock, s = frozen()
    seen: list[tuple[str, datetime]] = []

    def note(tag: str) -> Callable[[], None]:
        return lambda: seen.append((tag, clock.now()))

    s.call_later(30, note("later 30"), name="a")
    s.call_at(T0 + 10 * S, note("at 10"), name="b")
    s.call_later(timedelta(seconds=10), note("later 10"), name="c")  # ties: registration order
    s.call_at(T0 + 90 * S, note("at 90"), name="d")
    clock.advance(60)
    assert seen == [
        ("at 10", T0 + 10 * S),
        ("later 10", T0 + 10 * S),
        ("later 30", T0 + 30 * S),
    ]
    assert clock.now() == T0 + 60 * S
    assert [t.name for t in s.pending()] == ["d"]
    clock.advance(30)  # due exactly at the end of the span: runs
    assert seen[-1] == ("at 90", T0 + 90 * S)
    assert s.pending() == []


def test_work_scheduled_by_a_callback_inside_the_span_runs_in_its_place() -> None:
    clock, s = frozen()
    seen: list[tuple[str, datetime]] = []

    def first() -> None:
        seen.append(("first", clock.now()))
        s.call_later(5, lambda: seen.append(("child", clock.now())), name="child")
        s.call_later(500, lambda: seen.append(("late child", clock.now())), name="late")

    s.call_later(10, first, name="first")
    s.call_later(20, lambda: seen.append(("second", clock.now())), name="second")
    clock.advance(100)
    assert seen == [("first", T0 + 10 * S), ("child", T0 + 15 * S), ("second", T0 + 20 * S)]
    assert [t.name for t in s.pending()] == ["late"]
    assert s.pending()[0].when == T0 + 510 * S


def test_cancel() -> None:
    clock, s = frozen()
    ran: list[str] = []
    keep = s.call_later(10, lambda: ran.append("keep"), name="keep")
    drop = s.call_later(5, lambda: ran.append("drop"), name="drop")
    assert drop.cancel()
    assert not drop.cancel()
    assert drop.cancelled
    clock.advance(20)
    assert ran == ["keep"]
    assert keep.done
    assert not keep.cancel()  # already ran


def test_zero_delay_and_past_times_are_due_at_once_and_run_at_the_next_advance() -> None:
    clock, s = frozen()
    ran: list[str] = []
    s.call_at(T0 - 3600 * S, lambda: ran.append("past"), name="past")
    s.call_later(0, lambda: ran.append("now"), name="now")
    assert ran == []  # a frozen clock runs work only when told
    assert s.run_due() == 2
    assert ran == ["past", "now"]
    assert clock.now() == T0


def test_clock_set_moves_wall_clock_work_not_relative_work() -> None:
    """``call_at`` work follows ``clock set``; ``call_later`` work follows the monotonic time,
    as IOS XR's relative timers are not moved by ``clock set``."""
    clock, s = frozen()
    ran: list[tuple[str, datetime]] = []
    s.call_at(T0 + 3600 * S, lambda: ran.append(("expiry", clock.now())), name="expiry")
    s.call_later(60, lambda: ran.append(("confirm", clock.now())), name="confirm")
    clock.set(T0 + timedelta(days=1))  # forward past the wall-clock work
    assert ran == [("expiry", T0 + 3600 * S)]
    clock.set(T0 - timedelta(days=1))  # back: the relative work keeps its delay
    clock.advance(59)
    assert len(ran) == 1
    clock.advance(1)
    assert ran[-1] == ("confirm", T0 - timedelta(days=1) + 60 * S)
    # set forward over the expiry's time again: it ran once, it does not run again
    clock.set(T0 + timedelta(days=2))
    assert len(ran) == 2


def test_setting_the_clock_back_delays_wall_clock_work() -> None:
    clock, s = frozen()
    ran: list[datetime] = []
    s.call_at(T0 + 100 * S, lambda: ran.append(clock.now()), name="at")
    clock.set(T0 - 1000 * S)
    clock.advance(1000)
    assert ran == []
    clock.advance(100)
    assert ran == [T0 + 100 * S]


def test_a_callback_that_raises_is_logged_and_the_others_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, s = frozen()
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("boom")

    s.call_later(1, boom, name="boom")
    s.call_later(2, lambda: ran.append("after"), name="after")
    with caplog.at_level(logging.ERROR, logger="xrsim.scheduler"):
        clock.advance(5)
    assert ran == ["after"]
    (rec,) = [r for r in caplog.records if r.name == "xrsim.scheduler"]
    assert rec.exc_info is not None
    assert rec.exc_info[0] is RuntimeError
    assert "'boom'" in rec.getMessage()


def test_schedulers_sharing_a_clock_run_in_one_time_order() -> None:
    clock = SimClock(T0, frozen=True)
    a, b = Scheduler(clock, name="a"), Scheduler(clock, name="b")
    seen: list[str] = []
    a.call_later(3, lambda: seen.append("a3"), name="a3")
    b.call_later(1, lambda: seen.append("b1"), name="b1")
    a.call_later(2, lambda: seen.append("a2"), name="a2")
    b.call_later(2, lambda: seen.append("b2"), name="b2")
    clock.advance(10)
    assert seen == ["b1", "a2", "b2", "a3"]
    a.close()
    b.call_later(1, lambda: seen.append("b only"), name="b only")
    clock.advance(1)
    assert seen[-1] == "b only"
    b.close()
    assert clock.driver is not None  # the driver stays; with no schedulers it only moves time
    clock.advance(1)
    assert clock.now() == T0 + 12 * S


def test_close_cancels_everything_and_refuses_more() -> None:
    clock, s = frozen()
    ran: list[str] = []
    timers = [s.call_later(i, lambda: ran.append("x"), name=f"t{i}") for i in range(1, 4)]
    s.close()
    assert all(t.cancelled for t in timers)
    assert s.pending() == []
    clock.advance(10)
    assert ran == []
    with pytest.raises(StateError):
        s.call_later(1, lambda: None, name="late")
    s.close()  # twice is fine


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.call_at(datetime(2026, 1, 1), lambda: None, name="naive"),
        lambda s: s.call_at("tomorrow", lambda: None, name="text"),
        lambda s: s.call_later(-1, lambda: None, name="negative"),
        lambda s: s.call_later(float("nan"), lambda: None, name="nan"),
        lambda s: s.call_later(timedelta(seconds=-1), lambda: None, name="negative td"),
        lambda s: s.call_later(1, "not callable", name="str"),
    ],
)
def test_bad_registrations_are_refused(call: Callable[[Scheduler], Timer]) -> None:
    _, s = frozen()
    with pytest.raises(InvalidInput):
        call(s)
    assert s.pending() == []


def test_cancelled_work_does_not_pile_up() -> None:
    """An idle timeout re-registered at every keystroke: cancelled entries are compacted."""
    clock, s = frozen()
    timer = s.call_later(600, lambda: None, name="idle")
    for _ in range(1000):
        timer.cancel()
        timer = s.call_later(600, lambda: None, name="idle")
    assert len(s.pending()) == 1
    assert len(s._wall) + len(s._mono) < 200
    clock.advance(600)
    assert timer.done


def test_registering_from_many_threads_while_the_clock_advances() -> None:
    clock, s = frozen()
    counts: dict[int, int] = {}
    lock = threading.Lock()
    cancelled: set[int] = set()

    def work(base: int) -> None:
        for i in range(200):
            key = base * 1000 + i

            def bump(key: int = key) -> None:
                with lock:
                    counts[key] = counts.get(key, 0) + 1

            t = s.call_later(i % 7, bump, name=str(key))
            if i % 5 == 0 and t.cancel():
                cancelled.add(key)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for _ in range(50):
        clock.advance(1)
    for t in threads:
        t.join()
    clock.advance(10)
    assert all(n == 1 for n in counts.values())
    assert len(counts) + len(cancelled) == 800
    assert not cancelled & counts.keys()


# -- the hypothesis test: random timers, advances and sets ------------------------------------


@dataclass
class Spec:
    """Work to register: absolute (offset from the clock's now) or relative (a delay), the
    work its callback registers in turn, and whether the callback raises after it is done."""

    relative: bool
    offset: int
    children: tuple[Spec, ...] = ()
    raises: bool = False


@dataclass
class Item:
    spec: Spec
    timer: Timer
    future: bool  # not yet due when registered
    fired: int = 0
    cancelled: bool = False
    raised: bool = field(default=False)


def specs(min_offset: int) -> st.SearchStrategy[Spec]:
    leaf = st.builds(
        Spec,
        relative=st.booleans(),
        offset=st.integers(min_value=-30, max_value=120),
        raises=st.booleans(),
    )
    child = st.recursive(
        leaf,
        lambda inner: st.builds(
            Spec,
            relative=st.booleans(),
            offset=st.integers(min_value=-30, max_value=120),
            children=st.lists(inner, max_size=2).map(tuple),
            raises=st.booleans(),
        ),
        max_leaves=5,
    )
    return st.builds(
        Spec,
        relative=st.booleans(),
        offset=st.integers(min_value=min_offset, max_value=200),
        children=st.lists(child, max_size=3).map(tuple),
        raises=st.booleans(),
    )


def ops(min_offset: int) -> st.SearchStrategy[list[tuple[str, object]]]:
    return st.lists(
        st.one_of(
            st.tuples(st.just("register"), specs(min_offset)),
            st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=1000)),
            st.tuples(st.just("advance"), st.integers(min_value=0, max_value=150)),
            st.tuples(st.just("set"), st.integers(min_value=-200, max_value=200)),
            st.tuples(st.just("run_due"), st.none()),
        ),
        max_size=30,
    )


class World:
    """Registers specs, checks every callback as it runs and the state after every step."""

    def __init__(self, *, frozen: bool, unit: timedelta) -> None:
        self.clock = SimClock(T0, frozen=frozen)
        self.s = Scheduler(self.clock)
        self.frozen = frozen
        self.unit = unit
        self.items: list[Item] = []
        self.by_timer: dict[int, Item] = {}
        self.errors: list[str] = []  # what callbacks saw wrong (raising there is caught)

    def offset(self, t: Timer, now: datetime, elapsed: timedelta) -> timedelta:
        return t.due - now if isinstance(t.due, datetime) else t.due - elapsed

    def register(self, spec: Spec) -> None:
        holder: list[Item] = []

        def cb() -> None:
            self.fire(holder[0])

        now = self.clock.now()
        if spec.relative:
            timer = self.s.call_later(max(spec.offset, 0) * self.unit, cb, name="rel")
        else:
            when = now + spec.offset * self.unit
            timer = self.s.call_at(when, cb, name="abs")
            assert timer.due == when
        now, elapsed = self.clock.reading()
        item = Item(spec, timer, future=self.offset(timer, now, elapsed) > timedelta(0))
        holder.append(item)
        self.items.append(item)
        self.by_timer[id(timer)] = item

    def fire(self, item: Item) -> None:
        now, elapsed = self.clock.reading()
        mine = self.offset(item.timer, now, elapsed)
        if item.fired:
            self.errors.append(f"{item.spec} ran twice")
        if item.cancelled:
            self.errors.append(f"{item.spec} ran after it was cancelled")
        if mine > timedelta(0):
            self.errors.append(f"{item.spec} ran {mine} early")
        if self.frozen and item.future and mine != timedelta(0):
            self.errors.append(f"{item.spec} ran {-mine} after its time")
        for other in self.s.pending():
            key = (self.offset(other, now, elapsed), other.seq)
            if key <= (mine, item.timer.seq):
                self.errors.append(f"{item.spec} ran before {other!r}, which was due first")
        item.fired += 1
        for child in item.spec.children:
            self.register(child)
        if item.spec.raises:
            item.raised = True
            raise RuntimeError("a callback that fails")

    def cancel(self, index: int) -> None:
        if not self.items:
            return
        item = self.items[index % len(self.items)]
        was_pending = item.timer.pending
        assert item.timer.cancel() is was_pending
        if was_pending:
            item.cancelled = True

    def check(self, *, ran: bool) -> None:
        """``ran``: the clock was just advanced or set, or due work run (on a frozen clock,
        work registered already due waits for that)."""
        assert self.errors == []
        now, elapsed = self.clock.reading()
        waiting = {id(t) for t in self.s.pending()}
        for item in self.items:
            expected = not item.fired and not item.cancelled
            assert (id(item.timer) in waiting) is expected, item
            if expected and ran:  # everything due has run
                assert self.offset(item.timer, now, elapsed) > timedelta(0), item
            assert item.fired <= 1

    def step(self, op: str, arg: object) -> None:
        if op == "register":
            assert isinstance(arg, Spec)
            self.register(arg)
        elif op == "cancel":
            assert isinstance(arg, int)
            self.cancel(arg)
        elif op == "advance":
            assert isinstance(arg, int)
            self.clock.advance(arg * self.unit)
        elif op == "set":
            assert isinstance(arg, int)
            self.clock.set(self.clock.now() + arg * self.unit)
        else:
            self.s.run_due()
        self.check(ran=op not in ("register", "cancel"))

    def finish(self) -> None:
        self.clock.advance(timedelta(days=400) + 10_000 * self.unit)
        self.check(ran=True)
        for item in self.items:
            assert item.fired == (0 if item.cancelled else 1), item
        self.s.close()


quiet = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@quiet
@given(steps=ops(min_offset=-50))
def test_random_timers_on_a_frozen_clock_fire_in_order_exactly_once_never_early(
    steps: list[tuple[str, object]],
) -> None:
    logging.getLogger("xrsim.scheduler").disabled = True  # the raising callbacks
    try:
        world = World(frozen=True, unit=S)
        for op, arg in steps:
            world.step(op, arg)
        world.finish()
    finally:
        logging.getLogger("xrsim.scheduler").disabled = False


@settings(quiet, max_examples=60)
@given(steps=ops(min_offset=1))
def test_random_timers_on_a_running_clock_fire_in_order_exactly_once_never_early(
    steps: list[tuple[str, object]],
) -> None:
    """The same on a clock that follows real time, in units of a minute (what the test
    registers is at least a minute away, so nothing falls due in real time meanwhile)."""
    logging.getLogger("xrsim.scheduler").disabled = True
    try:
        world = World(frozen=False, unit=timedelta(minutes=1))
        for op, arg in steps:
            world.step(op, arg)
        world.finish()
    finally:
        logging.getLogger("xrsim.scheduler").disabled = False


# -- real time --------------------------------------------------------------------------------


def test_due_work_runs_by_itself_on_a_running_clock_in_the_worker_pool() -> None:
    clock = SimClock()
    s = Scheduler(clock)
    fired = threading.Event()
    threads: list[str] = []

    def note() -> None:
        threads.append(threading.current_thread().name)
        fired.set()

    try:
        s.call_later(0.2, note, name="soon")
        assert fired.wait(10)
        assert threads[0].startswith("xrsim-worker")
        fired.clear()
        s.call_at(clock.now() + timedelta(seconds=0.2), note, name="at")
        assert fired.wait(10)
    finally:
        s.close()


def test_a_nearer_deadline_rearms_the_scheduler() -> None:
    clock = SimClock()
    s = Scheduler(clock)
    fired = threading.Event()
    try:
        far = s.call_later(3600, fired.set, name="far")
        s.call_later(0.2, fired.set, name="near")
        assert fired.wait(10)
        assert far.pending
    finally:
        s.close()
    assert far.cancelled


def test_a_callback_blocking_does_not_hold_up_other_routers() -> None:
    """Callbacks run in the worker pool, never on the loop thread: one that blocks (on a
    router lock, say) leaves the loop free to fire another router's work."""
    a, b = Scheduler(SimClock(), name="a"), Scheduler(SimClock(), name="b")
    released = threading.Event()
    outcome: list[bool] = []
    done = threading.Event()

    def blocked() -> None:
        outcome.append(released.wait(10))
        done.set()

    try:
        a.call_later(0, blocked, name="blocked")
        b.call_later(0.2, released.set, name="release")
        assert done.wait(20)
        assert outcome == [True]
    finally:
        a.close()
        b.close()


def test_advancing_a_running_clock_runs_work_at_once() -> None:
    clock = SimClock()
    s = Scheduler(clock)
    ran: list[str] = []
    try:
        s.call_later(3600, lambda: ran.append("hour"), name="hour")
        clock.advance(timedelta(hours=1))
        assert ran == ["hour"]  # before advance returned
    finally:
        s.close()

"""xrsim.clock: the simulated clock (set, advance, frozen, monotonic) and the IOS XR time
formats, checked against the seed chapter's samples."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from xrsim.clock import SimClock, xr_time, xr_timestamp, xr_uptime
from xrsim.errors import InvalidInput

T0 = datetime(2020, 11, 30, 7, 5, 6, 532999, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------


def test_timestamp_as_the_seed_prints_it() -> None:
    assert xr_timestamp(T0) == "Mon Nov 30 07:05:06.532 UTC"
    assert xr_timestamp(datetime(2019, 10, 20, 13, 5, 26, 657000, tzinfo=UTC)) == (
        "Sun Oct 20 13:05:26.657 UTC"
    )


def test_timestamp_pads_a_single_digit_day_with_a_space() -> None:
    assert xr_timestamp(datetime(2021, 1, 7, 9, 8, 7, 1000, tzinfo=UTC)) == (
        "Thu Jan  7 09:08:07.001 UTC"
    )


def test_times_are_converted_to_utc() -> None:
    pst = timezone(timedelta(hours=-8))
    local = datetime(2021, 1, 7, 17, 16, 2, tzinfo=pst)
    assert xr_timestamp(local) == "Fri Jan  8 01:16:02.000 UTC"
    assert xr_time(local) == "01:16:02 UTC Fri Jan 08 2021"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2003, 9, 18, 17, 33, 23, tzinfo=UTC), "17:33:23 UTC Thu Sep 18 2003"),
        (datetime(2003, 9, 22, 21, 43, 14, tzinfo=UTC), "21:43:14 UTC Mon Sep 22 2003"),
        (datetime(2029, 5, 14, 20, 25, 42, tzinfo=UTC), "20:25:42 UTC Mon May 14 2029"),
        (datetime(2020, 11, 30, 7, 3, 17, 999999, tzinfo=UTC), "07:03:17 UTC Mon Nov 30 2020"),
    ],
)
def test_certificate_and_key_times(moment: datetime, text: str) -> None:
    assert xr_time(moment) == text


@pytest.mark.parametrize("formatter", [xr_time, xr_timestamp])
def test_naive_times_are_refused(formatter: object) -> None:
    assert callable(formatter)
    with pytest.raises(InvalidInput, match="naive"):
        formatter(datetime(2020, 1, 1))


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=8, minutes=7, seconds=59), "8 hours 7 minutes"),
        (timedelta(days=1, hours=2, minutes=3), "1 day 2 hours 3 minutes"),
        (timedelta(days=3, hours=1, minutes=1), "3 days 1 hour 1 minute"),
        (timedelta(seconds=59), "0 minutes"),
        (timedelta(0), "0 minutes"),
        (timedelta(seconds=-5), "0 minutes"),
        (timedelta(hours=1), "1 hour 0 minutes"),
        (timedelta(days=2, minutes=5), "2 days 5 minutes"),
        (timedelta(weeks=2, days=1, hours=3, minutes=5), "2 weeks, 1 day, 3 hours, 5 minutes"),
        (timedelta(weeks=1), "1 week, 0 minutes"),
        (timedelta(days=400, minutes=1), "1 year, 5 weeks, 1 minute"),
    ],
)
def test_uptime(delta: timedelta, text: str) -> None:
    assert xr_uptime(delta) == text


def test_uptime_refuses_non_timedelta() -> None:
    with pytest.raises(InvalidInput):
        xr_uptime(3600)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# SimClock
# --------------------------------------------------------------------------------------------


def test_default_clock_follows_real_time() -> None:
    clock = SimClock()
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is UTC
    assert abs((now - before).total_seconds()) < 1
    time.sleep(0.02)
    assert (clock.now() - now).total_seconds() >= 0.015


def test_start_time_then_real_time() -> None:
    clock = SimClock(T0)
    first = clock.now()
    assert timedelta(0) <= first - T0 < timedelta(seconds=1)
    time.sleep(0.02)
    assert clock.now() - T0 >= timedelta(seconds=0.015)


def test_frozen_clock_moves_only_when_told() -> None:
    clock = SimClock(T0, frozen=True)
    assert clock.frozen
    time.sleep(0.01)
    assert clock.now() == T0
    clock.advance(90)
    assert clock.now() == T0 + timedelta(seconds=90)
    clock.set(datetime(2003, 9, 18, 17, 33, 23, tzinfo=UTC))
    assert xr_time(clock.now()) == "17:33:23 UTC Thu Sep 18 2003"


def test_set_accepts_other_timezones_and_returns_utc() -> None:
    clock = SimClock(frozen=True)
    clock.set(datetime(2021, 1, 7, 17, 16, 2, tzinfo=timezone(timedelta(hours=-8))))
    assert clock.now() == datetime(2021, 1, 8, 1, 16, 2, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_set_on_a_running_clock_keeps_running() -> None:
    clock = SimClock()
    clock.set(T0)
    time.sleep(0.02)
    assert clock.now() - T0 >= timedelta(seconds=0.015)


def test_monotonic_never_goes_back() -> None:
    clock = SimClock(T0, frozen=True)
    start = clock.monotonic()
    clock.set(T0 - timedelta(days=365))
    assert clock.monotonic() == start
    clock.advance(2.5)
    assert clock.monotonic() == start + 2.5
    running = SimClock()
    a = running.monotonic()
    running.set(T0 - timedelta(days=365))
    assert running.monotonic() >= a


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf"), "10", True])
def test_advance_refuses_bad_amounts(seconds: object) -> None:
    clock = SimClock(T0, frozen=True)
    with pytest.raises(InvalidInput):
        clock.advance(seconds)  # type: ignore[arg-type]
    assert clock.now() == T0


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput):
        SimClock(datetime(2020, 1, 1))
    with pytest.raises(InvalidInput):
        SimClock().set(datetime(2020, 1, 1))


def test_advance_from_many_threads_adds_up() -> None:
    clock = SimClock(T0, frozen=True)

    def work() -> None:
        for _ in range(500):
            clock.advance(1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() == T0 + timedelta(seconds=2000)

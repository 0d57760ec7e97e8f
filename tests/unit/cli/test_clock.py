"""``clock set`` and ``show clock``: the router clock moved from the CLI, the scheduler's
wall-clock work run on the way, relative timers left alone, bad dates refused at the day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xrsim.cli.messages import INVALID
from xrsim.cli.session import NOT_AUTHORIZED
from xrsim.clock import SimClock
from xrsim.router import Router

START = datetime(2026, 12, 1, 17, 0, 0, tzinfo=UTC)


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    with Router.boot(state_dir=tmp_path / "state", clock=SimClock(START, frozen=True)) as r:
        yield r


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln]


def test_clock_set_moves_the_clock_and_prints_the_new_time(router: Router) -> None:
    assert lines(router.cli("clock set 10:20:30 15 jan 2027")) == [
        "10:20:30.000 UTC Fri Jan 15 2027"
    ]
    assert router.clock.now() == datetime(2027, 1, 15, 10, 20, 30, tzinfo=UTC)
    # show clock: the timestamp line, then the time
    assert lines(router.cli("show clock"))[-1] == "10:20:30.000 UTC Fri Jan 15 2027"


@pytest.mark.parametrize(
    "command",
    [
        "clock set 08:05:00 3 March 2027",
        "clock set 08:05:00 March 3 2027",
        "clock set 8:5:0 mar 3 2027",
        "clock set 08:05:00 3 MAR 2027",
    ],
)
def test_clock_set_takes_the_day_before_or_after_the_month(router: Router, command: str) -> None:
    router.cli(command)
    assert router.clock.now() == datetime(2027, 3, 3, 8, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("command", "column"),
    [
        ("clock set 10:00:00 31 feb 2027", len("clock set 10:00:00 ")),
        ("clock set 10:00:00 feb 29 2027", len("clock set 10:00:00 feb ")),
        ("clock set 25:00:00 1 jan 2027", len("clock set ")),
        ("clock set 10:00:00 1 foo 2027", len("clock set 10:00:00 1 ")),
        ("clock set 10:00:00 1 jan 2036", len("clock set 10:00:00 1 jan ")),
    ],
)
def test_a_bad_date_is_refused_at_its_word_and_changes_nothing(
    router: Router, command: str, column: int
) -> None:
    before = router.clock.now()
    out = router.cli(command)
    assert INVALID in out
    prompt = len(router.prompt_base() + "#")
    assert out.splitlines()[0] == " " * (prompt + column) + "^"
    assert router.clock.now() == before


def test_leap_day_of_a_leap_year_is_a_date(router: Router) -> None:
    router.cli("clock set 00:00:00 29 feb 2028")
    assert router.clock.now() == datetime(2028, 2, 29, tzinfo=UTC)


def test_clock_set_runs_wall_clock_work_falling_due_in_order_and_not_relative_timers(
    router: Router,
) -> None:
    ran: list[tuple[str, datetime]] = []
    for days in (3, 1, 2):
        when = START + timedelta(days=days)
        router.scheduler.call_at(
            when, lambda d=days: ran.append((f"day {d}", router.clock.now())), name=f"d{days}"
        )
    relative = router.scheduler.call_later(
        timedelta(hours=1), lambda: ran.append(("relative", router.clock.now())), name="rel"
    )
    router.cli("clock set 17:00:00 3 dec 2026")
    assert ran == [
        ("day 1", START + timedelta(days=1)),
        ("day 2", START + timedelta(days=2)),
    ]
    # relative timers are not moved by clock set (as on IOS XR), only by time passing
    assert relative.pending
    router.cli("clock set 17:00:00 1 dec 2026")  # back: nothing runs again
    assert len(ran) == 2
    router.advance(hours=1)
    assert [name for name, _ in ran] == ["day 1", "day 2", "relative"]
    router.cli("clock set 17:00:00 4 dec 2026")
    assert [name for name, _ in ran] == ["day 1", "day 2", "relative", "day 3"]


def test_clock_set_needs_root_lr_write(router: Router) -> None:
    router.configure(["username op", "group operator"])
    s = router.session(user="op")
    assert s.handle_line("clock set 10:00:00 1 jan 2027") == NOT_AUTHORIZED + "\n"
    assert router.clock.now() == START
    assert "UTC" in s.handle_line("show clock")

"""xrsim.config.datastore: commits, labels, replace, rollback, confirmed commits, the
exclusive lock and persistence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from xrsim.config.datastore import FIRST_COMMIT_ID, CommitError, Datastore
from xrsim.config.tree import Change, Parsed, PathItem


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.t


class MemoryState:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def read_state(self, relpath: str) -> bytes | None:
        return self.files.get(relpath)

    def write_state(self, relpath: str, data: bytes, *, private: bool = False) -> None:
        self.files[relpath] = data


def host(name: str) -> tuple[PathItem, ...]:
    return (PathItem("hostname", f"hostname {name}", Parsed(syntax="hostname", order=0)),)


def dom(name: str) -> tuple[PathItem, ...]:
    return (PathItem("domain name", f"domain name {name}", Parsed(syntax="domain", order=1)),)


def commit(ds: Datastore, *paths: tuple[PathItem, ...], **kw: object):  # type: ignore[no-untyped-def]
    c = ds.candidate(1)
    for p in paths:
        c.set(p)
    return ds.commit(c, user="admin", line="con0", **kw)  # type: ignore[arg-type]


def test_commit_ids_history_and_no_op() -> None:
    ds = Datastore(now=Clock().now)
    r1 = commit(ds, host("a"))
    r2 = commit(ds, dom("x.com"), label="L")
    assert (r1.commit_id, r2.commit_id) == (FIRST_COMMIT_ID, FIRST_COMMIT_ID + 1)
    assert ds.running.lines() == ["hostname a", "domain name x.com"]
    assert commit(ds, host("a")) is None  # nothing changes
    with pytest.raises(CommitError, match="label"):
        commit(ds, host("b"), label="L")
    assert ds.running.lines()[0] == "hostname a"


def test_sessions_touching_different_items_both_commit() -> None:
    ds = Datastore(now=Clock().now)
    c1, c2 = ds.candidate(1), ds.candidate(2)
    c1.set(host("a"))
    c2.set(dom("b.com"))
    ds.commit(c1, user="u", line="l")
    ds.commit(c2, user="u", line="l")
    assert ds.running.lines() == ["hostname a", "domain name b.com"]


def test_replace_and_rollback() -> None:
    ds = Datastore(now=Clock().now)
    commit(ds, host("a"), dom("x.com"))
    commit(ds, host("b"))
    commit(ds, host("c"), replace=True)
    assert ds.running.lines() == ["hostname c"]
    ds.rollback(1, user="u", line="l")
    assert ds.running.lines() == ["hostname b", "domain name x.com"]
    to_first = ds.commits_after(FIRST_COMMIT_ID)
    ds.rollback(to_first, user="u", line="l")
    assert ds.running.lines() == ["hostname a", "domain name x.com"]
    with pytest.raises(CommitError):
        ds.rollback(99, user="u", line="l")
    with pytest.raises(CommitError):
        ds.find("nope")


def test_unconfirmed_commit_rolls_back_when_its_time_comes() -> None:
    clock = Clock()
    ds = Datastore(now=clock.now)
    commit(ds, host("a"))
    commit(ds, host("b"), confirmed=30)
    clock.t += timedelta(seconds=29)
    assert ds.tick() is None
    assert ds.running.lines() == ["hostname b"]
    clock.t += timedelta(seconds=2)
    assert ds.tick() is not None
    assert ds.running.lines() == ["hostname a"]
    # confirmed in time: a plain commit confirms it
    commit(ds, host("c"), confirmed=30)
    assert commit(ds) is None
    clock.t += timedelta(seconds=60)
    assert ds.tick() is None
    assert ds.running.lines() == ["hostname c"]


def test_exclusive_lock() -> None:
    ds = Datastore(now=Clock().now)
    assert ds.lock_exclusive(7)
    assert not ds.lock_exclusive(8)
    with pytest.raises(CommitError, match="locked"):
        commit(ds, host("x"))  # session 1 is not the owner
    ds.unlock_exclusive(7)
    commit(ds, host("x"))


def test_persistence() -> None:
    state = MemoryState()
    ds = Datastore(now=Clock().now, storage=state)
    commit(ds, host("a"), label="first")
    again = Datastore(now=Clock().now, storage=state)
    assert again.running == ds.running
    assert [c.label for c in again.commits] == ["first"]
    assert again.next_id == FIRST_COMMIT_ID + 1
    assert again.last_change is not None


def test_show_configuration_lines() -> None:
    ds = Datastore(now=Clock().now)
    c = ds.candidate(1)
    tp = PathItem("crypto ca trustpoint t", "crypto ca trustpoint t")
    c.set((tp,))
    c.set((tp, PathItem("rsakeypair", "rsakeypair k")))
    c.delete(host("a"))
    assert c.change_lines() == ["crypto ca trustpoint t", " rsakeypair k", "no hostname a"]


def test_confirmed_commit_tells_its_owner_whatever_the_front_door() -> None:
    calls: list[int] = []
    ds = Datastore(now=Clock().now, on_confirm_pending=lambda: calls.append(1))
    commit(ds, host("a"))
    assert calls == []
    commit(ds, host("b"), confirmed=30)
    assert calls == [1]


def test_generation_counts_changes_of_the_running_configuration() -> None:
    ds = Datastore(now=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    assert ds.generation == 0
    ds.set_initial([Change("set", (PathItem("hostname", "hostname r1"),))])
    assert ds.generation == 1
    cand = ds.candidate(1)
    cand.set((PathItem("domain name", "domain name example.com"),))
    ds.commit(cand, user="u", line="l")
    assert ds.generation == 2
    ds.rollback(1, user="u", line="l")
    assert ds.generation == 3

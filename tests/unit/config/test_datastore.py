"""xrsim.config.datastore: commits, labels, replace, rollback, confirmed commits, the
exclusive lock and persistence."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xrsim.chassis.store import StateStore
from xrsim.config.datastore import (
    COMMIT_HISTORY,
    FIRST_COMMIT_ID,
    ApplyFailed,
    CommitError,
    Datastore,
    NotAuthorized,
)
from xrsim.config.tree import Change, ConfigTree, Parsed, PathItem
from xrsim.errors import StorageError, VrfError


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.t


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "state") as s:
        yield s


def reopen(store: StateStore) -> StateStore:
    store.close()
    return StateStore.open(store.directory)


def fill_up(store: StateStore) -> None:
    """Make the database full, for real: SQLite refuses to grow it past its present size
    (``SQLITE_FULL``, as on a full disk)."""
    db = store._db
    assert db is not None
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


def make_room(store: StateStore) -> None:
    db = store._db
    assert db is not None
    db.execute("PRAGMA max_page_count = 1073741823")


def big(n: int) -> tuple[PathItem, ...]:
    """An item too large to fit in the free pages of the database."""
    return (
        PathItem(f"banner {n}", f"banner {n} " + "x" * 40000, Parsed(syntax="banner", order=5)),
    )


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


def no_domain(changes: Sequence[Change]) -> list[Change]:
    """A ``ChangeCheck`` of a user who may not change ``domain name``."""
    return [c for c in changes if c.path[0].key == "domain name"]


def test_replace_and_rollback_are_refused_whole_for_an_item_not_authorized() -> None:
    ds = Datastore(now=Clock().now)
    commit(ds, host("a"), dom("x.com"))
    seen: list[list[Change]] = []

    def check(changes: Sequence[Change]) -> list[Change]:
        seen.append(list(changes))
        return no_domain(changes)

    c = ds.candidate(1)
    c.set(host("b"))
    with pytest.raises(NotAuthorized) as err:
        ds.commit(c, user="u", line="l", replace=True, authorize=check)
    # Asked about every change the replace makes; the one refused is carried.
    assert {(ch.op, ch.path[0].key) for ch in seen[0]} == {
        ("delete", "domain name"),
        ("set", "hostname"),
    }
    assert [(ch.op, ch.path[0].key) for ch in err.value.refused] == [("delete", "domain name")]
    assert err.value.action == "commit"
    assert ds.running.lines() == ["hostname a", "domain name x.com"]
    assert len(ds.commits) == 1
    assert c.has_changes()  # the candidate keeps its changes
    # A plain commit is not asked (its lines were authorized as they were typed).
    commit(ds, dom("y.com"), authorize=check)
    assert len(seen) == 1
    with pytest.raises(NotAuthorized) as err:
        ds.rollback(1, user="u", line="l", authorize=no_domain)
    assert err.value.action == "rollback"
    assert ds.running.lines() == ["hostname a", "domain name y.com"]
    assert len(ds.commits) == 2
    # What the check allows goes through.
    commit(ds, host("c"))
    ds.rollback(1, user="u", line="l", authorize=no_domain)
    assert ds.running.lines() == ["hostname a", "domain name y.com"]


class Owner:
    """What a router does with ``on_confirm``: remember the one rollback it would schedule."""

    def __init__(self) -> None:
        self.calls: list[tuple[int | None, timedelta | None]] = []

    def __call__(self, commit_id: int | None, timeout: timedelta | None) -> None:
        self.calls.append((commit_id, timeout))

    @property
    def scheduled(self) -> int | None:
        return self.calls[-1][0] if self.calls else None


def test_unconfirmed_commit_is_rolled_back_by_its_owner() -> None:
    owner = Owner()
    ds = Datastore(now=Clock().now, on_confirm=owner)
    commit(ds, host("a"))
    assert owner.calls == []
    record = commit(ds, host("b"), confirmed=30)
    assert record is not None
    assert owner.calls == [(record.commit_id, timedelta(seconds=30))]
    assert ds.rollback_unconfirmed(record.commit_id - 1) is None  # not the pending one
    assert ds.running.lines() == ["hostname b"]
    rolled = ds.rollback_unconfirmed(record.commit_id)
    assert rolled is not None
    assert rolled.client == "Rollback"
    assert ds.running.lines() == ["hostname a"]
    assert ds.pending_confirm is None
    assert owner.scheduled is None
    assert ds.rollback_unconfirmed(record.commit_id) is None  # once


def test_a_plain_commit_confirms() -> None:
    owner = Owner()
    ds = Datastore(now=Clock().now, on_confirm=owner)
    commit(ds, host("a"))
    first = commit(ds, host("c"), confirmed=30)
    assert first is not None
    assert commit(ds) is None  # nothing to change: confirms
    assert owner.calls[-1] == (None, None)
    assert ds.rollback_unconfirmed(first.commit_id) is None
    assert ds.running.lines() == ["hostname c"]
    second = commit(ds, host("d"), confirmed=30)
    assert second is not None
    commit(ds, dom("x.com"))  # a commit with changes confirms too
    assert owner.scheduled is None
    assert ds.rollback_unconfirmed(second.commit_id) is None
    assert ds.running.lines() == ["hostname d", "domain name x.com"]


def test_a_second_commit_confirmed_moves_the_rollback_to_before_the_first() -> None:
    owner = Owner()
    clock = Clock()
    ds = Datastore(now=clock.now, on_confirm=owner)
    commit(ds, host("a"))
    first = commit(ds, host("b"), confirmed=30)
    assert first is not None
    clock.t += timedelta(seconds=20)
    second = commit(ds, dom("x.com"), confirmed=60)
    assert second is not None
    # the same pending rollback, restarted with the new timeout
    assert owner.calls[-1] == (first.commit_id, timedelta(seconds=60))
    assert ds.pending_confirm == (first.commit_id, clock.t + timedelta(seconds=60))
    # a confirmed commit without changes restarts it too
    assert commit(ds, confirmed=90) is None
    assert owner.calls[-1] == (first.commit_id, timedelta(seconds=90))
    assert ds.rollback_unconfirmed(first.commit_id) is not None
    assert ds.running.lines() == ["hostname a"]


def test_rollback_configuration_ends_a_pending_confirmed_commit() -> None:
    owner = Owner()
    ds = Datastore(now=Clock().now, on_confirm=owner)
    commit(ds, host("a"))
    pending = commit(ds, host("b"), confirmed=30)
    assert pending is not None
    ds.rollback(1, user="u", line="l")
    assert owner.scheduled is None
    assert ds.rollback_unconfirmed(pending.commit_id) is None
    assert ds.running.lines() == ["hostname a"]


def test_exclusive_lock() -> None:
    ds = Datastore(now=Clock().now)
    assert ds.lock_exclusive(7)
    assert not ds.lock_exclusive(8)
    with pytest.raises(CommitError, match="locked"):
        commit(ds, host("x"))  # session 1 is not the owner
    ds.unlock_exclusive(7)
    commit(ds, host("x"))


def test_persistence(store: StateStore) -> None:
    ds = Datastore(now=Clock().now, storage=store)
    commit(ds, host("a"), label="first")
    again = Datastore(now=Clock().now, storage=reopen(store))
    assert again.running == ds.running
    assert [c.label for c in again.commits] == ["first"]
    assert again.commits == ds.commits
    assert again.next_id == FIRST_COMMIT_ID + 1
    assert again.last_change == ds.last_change


def test_the_store_keeps_the_last_rollback_points(store: StateStore) -> None:
    ds = Datastore(now=Clock().now, storage=store)
    for i in range(COMMIT_HISTORY + 5):
        commit(ds, host(f"h{i}"))
    assert len(ds.commits) == COMMIT_HISTORY
    again = Datastore(now=Clock().now, storage=reopen(store))
    assert [c.commit_id for c in again.commits] == [c.commit_id for c in ds.commits]
    assert again.commits[0].commit_id == FIRST_COMMIT_ID + 5
    assert again.next_id == FIRST_COMMIT_ID + COMMIT_HISTORY + 5


def test_a_commit_that_cannot_be_saved_changes_nothing_and_can_be_retried(
    store: StateStore,
) -> None:
    ds = Datastore(now=Clock().now, storage=store)
    commit(ds, host("a"), label="first")
    running, commits, next_id = ds.running.copy(), list(ds.commits), ds.next_id
    generation, last = ds.generation, ds.last_change
    c = ds.candidate(1)
    c.set(big(1))
    c.set(host("b"))
    fill_up(store)
    with pytest.raises(StorageError) as err:
        ds.commit(c, user="admin", line="con0", label="second")
    assert err.value.reason == "no space left on the device"
    assert "Errno" not in str(err.value)
    assert "/" not in str(err.value)
    # memory is exactly as before, and the session still holds its changes
    assert ds.running == running
    assert ds.commits == commits
    assert (ds.next_id, ds.generation, ds.last_change) == (next_id, generation, last)
    assert c.has_changes()
    assert ds.pending_confirm is None
    # so is the store
    again = Datastore(now=Clock().now, storage=store)
    assert again.running == running
    assert again.commits == commits
    # the same commit goes through once there is room
    make_room(store)
    record = ds.commit(c, user="admin", line="con0", label="second")
    assert record is not None
    assert record.commit_id == next_id
    assert not c.has_changes()
    assert ds.running.lines()[0] == "hostname b"
    reloaded = Datastore(now=Clock().now, storage=reopen(store))
    assert sorted(reloaded.running.lines()) == sorted(ds.running.lines())
    assert [r.label for r in reloaded.commits] == ["first", "second"]


def test_a_rollback_that_cannot_be_saved_changes_nothing(store: StateStore) -> None:
    ds = Datastore(now=Clock().now, storage=store)
    commit(ds, big(1))
    commit(ds, host("a"))
    before = (ds.running.copy(), list(ds.commits), ds.next_id)
    fill_up(store)
    with pytest.raises(StorageError):
        ds.rollback(2, user="admin", line="con0")  # the undo record holds the big item
    assert (ds.running, ds.commits, ds.next_id) == before
    make_room(store)
    assert ds.rollback(2, user="admin", line="con0") is not None
    assert ds.running.lines() == []


def test_factory_configuration_that_cannot_be_saved_changes_nothing(store: StateStore) -> None:
    ds = Datastore(now=Clock().now, storage=store)
    fill_up(store)
    with pytest.raises(StorageError):
        ds.set_initial([Change("set", big(1)), Change("set", host("r"))])
    assert ds.running.lines() == []
    assert ds.generation == 0


def test_show_configuration_lines() -> None:
    ds = Datastore(now=Clock().now)
    c = ds.candidate(1)
    tp = PathItem("crypto ca trustpoint t", "crypto ca trustpoint t")
    c.set((tp,))
    c.set((tp, PathItem("rsakeypair", "rsakeypair k")))
    c.delete(host("a"))
    assert c.change_lines() == ["crypto ca trustpoint t", " rsakeypair k", "!", "no hostname a"]


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


class Effect:
    """An ``on_apply`` hook that keeps the configuration in effect, as the VRF table keeps the
    addresses on its links; it refuses a ``hostname`` of ``refuse``."""

    def __init__(self) -> None:
        self.in_effect: list[str] = []

    def __call__(self, target: ConfigTree) -> Callable[[], None]:
        lines = target.lines()
        if "hostname refuse" in lines:
            raise VrfError("VRF blue is not bound to a network namespace")
        before, self.in_effect = self.in_effect, lines

        def undo() -> None:
            self.in_effect = before

        return undo


def test_a_change_the_hook_refuses_changes_nothing(store: StateStore) -> None:
    effect = Effect()
    ds = Datastore(now=Clock().now, storage=store, on_apply=effect)
    commit(ds, host("a"))
    assert effect.in_effect == ["hostname a"]
    running, commits, generation = ds.running.copy(), list(ds.commits), ds.generation
    c = ds.candidate(1)
    c.set(host("refuse"))
    with pytest.raises(ApplyFailed) as err:
        ds.commit(c, user="admin", line="con0")
    assert isinstance(err.value, CommitError)
    assert err.value.reason == "VRF blue is not bound to a network namespace"
    assert (ds.running, ds.commits, ds.generation) == (running, commits, generation)
    assert c.has_changes()
    assert effect.in_effect == ["hostname a"]
    assert Datastore(now=Clock().now, storage=store).running == running


def test_a_change_that_cannot_be_saved_is_taken_out_of_effect(store: StateStore) -> None:
    effect = Effect()
    ds = Datastore(now=Clock().now, storage=store, on_apply=effect)
    commit(ds, host("a"))
    fill_up(store)
    with pytest.raises(StorageError):
        commit(ds, big(1), host("b"))
    assert effect.in_effect == ["hostname a"]
    make_room(store)
    commit(ds, host("b"))
    assert effect.in_effect == ["hostname b"]
    ds.rollback(1, user="admin", line="con0")
    assert effect.in_effect == ["hostname a"]

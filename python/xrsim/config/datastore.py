"""Running configuration, per-session candidates, commits and rollback.

``Datastore`` owns the one running ``ConfigTree`` of a router, the commit history (IOS XR
commit IDs from 1000000001, label, comment, user, line, client, time, and the changes to undo
each commit), the exclusive lock of ``configure exclusive`` and the pending ``commit confirmed``.
``Candidate`` is one configuration session's target: the changes typed since the session
started or last committed. A commit applies those changes onto the running configuration as it
is at commit time (so sessions that touch different items never clash), or with ``replace``
makes the session's target the whole running configuration.

Persistence: a ``Storage`` (the router's ``StateStore``) saves each commit (running
configuration, commit record, next commit ID, trimming to ``COMMIT_HISTORY`` rollback points)
as one transaction. A commit computes the new state, saves it, and only then changes memory and
clears the session's candidate: when saving fails (``xrsim.errors.StorageError``) the running
configuration, the history and the candidate are as they were, and the same commit can be made
again once the disk has room.

``commit confirmed``: the datastore records the pending commit (``pending_confirm``) and tells
its owner through ``on_confirm`` (inside its lock, so the calls come in commit order):
``on_confirm(commit_id, timeout)`` when a rollback must be scheduled (or moved: a second
``commit confirmed`` before the timeout, with or without changes, restarts it and the
rollback still goes back to before the first unconfirmed commit, as RFC 6241 has it), and
``on_confirm(None, None)`` when nothing is pending any more (a confirming commit, a rollback).
The owner (the router) registers ``rollback_unconfirmed(commit_id)`` with its scheduler.

Concurrent sessions: a candidate remembers the commit ID the next commit would get when it
started or last committed (``base``); ``commit(..., concurrent_ok=False)`` refuses with
``ConcurrentCommits`` when others committed since, so the CLI can ask as IOS XR does.
``tree_after(n)`` rebuilds the configuration before the last n commits (``show configuration
commit changes``, ``rollback changes``).

Authorization of whole-configuration operations: ``commit(..., replace=True)`` and
``rollback`` make changes nobody typed, so they take an ``authorize`` check (``ChangeCheck``,
given by the front door that knows the user's task IDs: ``CliSession.refused_changes``). It is
called inside the lock with the changes the operation would make to the running configuration
as it is then (every item added, changed or removed); when it names any, the operation is
refused whole with ``NotAuthorized`` (which carries them) and nothing changed.

Putting a change into effect: an ``on_apply`` hook (the router's VRF table, which sets the
addresses of VRF interfaces on their links) is called before each change is saved; when it
refuses (``ApplyFailed``) nothing changed, and when the save fails its undo is called.

Thread safety: one lock serialises commits and rollbacks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from xrsim.config.tree import Change, ConfigTree, PathItem, Schema, change_lines
from xrsim.errors import NetworkError, StateError, StorageError, XrsimError

__all__ = [
    "COMMIT_HISTORY",
    "FIRST_COMMIT_ID",
    "ApplyFailed",
    "ApplyHook",
    "Candidate",
    "ChangeCheck",
    "CommitError",
    "CommitNotFound",
    "CommitRecord",
    "ConcurrentCommits",
    "ConfigurationLocked",
    "Datastore",
    "LabelInUse",
    "NotAuthorized",
    "RollbackUnavailable",
    "Storage",
]

FIRST_COMMIT_ID = 1000000001
#: Rollback points kept, as IOS XR keeps them.
COMMIT_HISTORY = 100
#: When the rollback of an unconfirmed commit cannot be saved, it is tried again this much later.
CONFIRM_RETRY_SECONDS = 60


class CommitError(XrsimError):
    """A commit or rollback that cannot be done; the subclass says why and carries the
    details (the CLI renders IOS XR's text, ``xrsim.cli.messages.commit_error``)."""


class ConfigurationLocked(CommitError):
    """Another session holds the exclusive lock (``configure exclusive``)."""

    def __init__(self, action: Literal["commit", "rollback"]) -> None:
        super().__init__(f"{action}: the configuration is locked by another session")
        self.action = action


class LabelInUse(CommitError):
    """A commit label that an earlier commit already has."""

    def __init__(self, label: str) -> None:
        super().__init__(f"label '{label}' is already in use")
        self.label = label


class RollbackUnavailable(CommitError):
    """More commits to roll back than there are rollback points."""

    def __init__(self, count: int, available: int) -> None:
        super().__init__(f"rollback of {count} commits: {available} rollback points exist")
        self.count = count
        self.available = available


class CommitNotFound(CommitError):
    """A commit ID or label the commit database does not hold."""

    def __init__(self, ident: str) -> None:
        super().__init__(f"commit ID '{ident}' was not found in the rollback database")
        self.ident = ident


class ConcurrentCommits(CommitError):
    """Other sessions committed since this session's configuration started or since its last
    commit (IOS XR asks whether to commit anyway; ``commit(..., concurrent_ok=True)`` does)."""

    def __init__(self, others: int) -> None:
        super().__init__(f"{others} commits were made by other sessions since this one started")
        self.others = others


class NotAuthorized(CommitError):
    """A ``commit replace`` or a rollback that would add, change or remove items the user's
    task IDs do not allow; ``refused``: those changes (nothing changed)."""

    def __init__(self, action: Literal["commit", "rollback"], refused: Sequence[Change]) -> None:
        super().__init__(f"{action}: {len(refused)} configuration items are not authorized")
        self.action = action
        self.refused = tuple(refused)


class ApplyFailed(CommitError):
    """The router could not put the new configuration into effect (``on_apply`` refused it:
    an interface address on a veth without the CAP_NET_ADMIN privilege, a VRF not bound to a
    network namespace); nothing changed. ``reason`` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: ``on_apply(target)``: put ``target`` into effect before it becomes the running
#: configuration; returns the undo (called when the change cannot be saved); raises
#: ``NetworkError`` to refuse it.
ApplyHook = Callable[[ConfigTree], Callable[[], None]]


#: ``authorize(changes)``: the changes of ``changes`` the user may not make (none: all are
#: allowed). ``commit(..., replace=True)`` and ``rollback`` call it under the lock.
ChangeCheck = Callable[[Sequence[Change]], Sequence[Change]]


class Storage(Protocol):
    """Where the datastore persists (``xrsim.chassis.store.StateStore``)."""

    def running(self) -> tuple[Any, int, tuple[str, str] | None] | None: ...

    def commits(self) -> list[dict[str, Any]]: ...

    def save_config(
        self,
        tree: Any,
        next_id: int,
        last_change: tuple[str, str] | None,
        record: dict[str, Any] | None = None,
        *,
        keep: int = 100,
    ) -> None: ...


@dataclass(frozen=True)
class CommitRecord:
    """One entry of ``show configuration commit list``."""

    commit_id: int
    user: str
    line: str
    client: str
    time: datetime
    changes: tuple[Change, ...]
    undo: tuple[Change, ...]
    label: str | None = None
    comment: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.commit_id,
            "user": self.user,
            "line": self.line,
            "client": self.client,
            "time": self.time.isoformat(),
            "label": self.label,
            "comment": self.comment,
            "changes": [c.to_data() for c in self.changes],
            "undo": [c.to_data() for c in self.undo],
        }

    @classmethod
    def from_data(cls, d: dict[str, Any], schema: Schema | None = None) -> CommitRecord:
        return cls(
            int(d["id"]),
            str(d["user"]),
            str(d["line"]),
            str(d["client"]),
            datetime.fromisoformat(d["time"]),
            tuple(Change.from_data(c, schema) for c in d["changes"]),
            tuple(Change.from_data(c, schema) for c in d["undo"]),
            d.get("label"),
            d.get("comment"),
        )


@dataclass
class Candidate:
    """A configuration session's target configuration (the changes not yet committed)."""

    datastore: Datastore
    session_id: int
    changes: list[Change] = field(default_factory=list)
    #: The commit ID the next commit gets, as it was when this session's configuration
    #: started or it last committed: a commit finds from it whether others committed since.
    base: int = 0

    def set(self, path: Sequence[PathItem]) -> None:
        self.changes.append(Change("set", tuple(path)))

    def delete(self, path: Sequence[PathItem]) -> None:
        self.changes.append(Change("delete", tuple(path)))

    def has_changes(self) -> bool:
        return bool(self.changes)

    def clear(self) -> None:
        self.changes.clear()

    def merged(self) -> ConfigTree:
        """The running configuration with this session's changes applied."""
        tree = self.datastore.running_copy()
        tree.apply_all(self.changes)
        return tree

    def session_tree(self) -> ConfigTree:
        """Only what this session set (the target of ``commit replace``)."""
        tree = ConfigTree()
        tree.apply_all([c for c in self.changes if c.op == "set"])
        return tree

    def change_lines(self, notes: dict[int, str] | None = None) -> list[str]:
        """``show configuration``: the session's changes as configuration lines (``notes``:
        a line after the change of that index, see ``xrsim.config.tree.change_lines``)."""
        return change_lines(self.changes, notes)


class Datastore:
    """The router's running configuration and commit database."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        storage: Storage | None = None,
        on_confirm: Callable[[int | None, timedelta | None], None] | None = None,
        schema: Schema | None = None,
        on_apply: ApplyHook | None = None,
    ) -> None:
        """``on_confirm(commit_id, timeout)`` is called, inside the datastore's lock, whenever
        the pending ``commit confirmed`` changes, whichever front door the commit came through:
        the owner schedules ``rollback_unconfirmed(commit_id)`` after ``timeout`` (replacing
        what it scheduled before), or cancels it on ``(None, None)``. It must not block.
        ``schema`` (the router's command registry) parses stored lines again at load: what is
        stored is only keys and lines. ``on_apply(target)`` (``ApplyHook``) is called, inside
        the lock, before every change of the running configuration is saved (commit, rollback,
        factory configuration): the owner puts it into effect (VRF interfaces on their
        links) and returns the undo, called if the save fails; a ``NetworkError`` it raises
        refuses the change as ``ApplyFailed``."""
        self._now = now
        self._on_apply = on_apply
        self._storage = storage
        self._schema = schema
        self._on_confirm = on_confirm
        self._lock = threading.RLock()
        self.running = ConfigTree()
        self.commits: list[CommitRecord] = []
        self.next_id = FIRST_COMMIT_ID
        self.exclusive_owner: int | None = None
        self.pending_confirm: tuple[int, datetime] | None = None
        self.last_change: tuple[datetime, str] | None = None
        #: Counts changes of the running configuration (readers cache what they derive from it).
        self.generation = 0
        self._load()

    # -- persistence ------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            self._load_files()
        except (ValueError, KeyError, TypeError) as e:
            raise StateError(f"the stored configuration cannot be read ({e})") from None

    def _load_files(self) -> None:
        if self._storage is None:
            return
        stored = self._storage.running()
        if stored is not None:
            tree, next_id, last = stored
            self.running = ConfigTree.from_data(tree, self._schema)
            self.next_id = next_id or FIRST_COMMIT_ID
            if last is not None:
                self.last_change = (datetime.fromisoformat(last[0]), str(last[1]))
        self.commits = [CommitRecord.from_data(d, self._schema) for d in self._storage.commits()]

    def _persist(
        self,
        running: ConfigTree,
        next_id: int,
        last_change: tuple[datetime, str] | None,
        record: CommitRecord | None,
    ) -> None:
        """Save one change in one transaction (``StorageError`` when it cannot be saved)."""
        if self._storage is None:
            return
        self._storage.save_config(
            running.to_data(),
            next_id,
            (last_change[0].isoformat(), last_change[1]) if last_change else None,
            record.to_data() if record is not None else None,
            keep=COMMIT_HISTORY,
        )

    # -- sessions ---------------------------------------------------------------------------

    def running_copy(self) -> ConfigTree:
        with self._lock:
            return self.running.copy()

    def candidate(self, session_id: int) -> Candidate:
        with self._lock:
            return Candidate(self, session_id, base=self.next_id)

    def lock_exclusive(self, session_id: int) -> bool:
        with self._lock:
            if self.exclusive_owner not in (None, session_id):
                return False
            self.exclusive_owner = session_id
            return True

    def unlock_exclusive(self, session_id: int) -> None:
        with self._lock:
            if self.exclusive_owner == session_id:
                self.exclusive_owner = None

    def set_initial(self, changes: Sequence[Change]) -> None:
        """Factory configuration of a new router (not a commit: no history entry)."""
        with self._lock:
            target = self.running.copy()
            target.apply_all(changes)
            undo = self._put_into_effect(target)
            try:
                self._persist(target, self.next_id, self.last_change, None)
            except BaseException:
                undo()
                raise
            self.running = target
            self.generation += 1

    # -- commit -----------------------------------------------------------------------------

    def commit(
        self,
        candidate: Candidate,
        *,
        user: str,
        line: str,
        client: str = "CLI",
        label: str | None = None,
        comment: str | None = None,
        confirmed: int | None = None,
        replace: bool = False,
        concurrent_ok: bool = True,
        authorize: ChangeCheck | None = None,
    ) -> CommitRecord | None:
        """Commit the candidate; ``None`` when there was nothing to change (a pending
        ``commit confirmed`` is then confirmed). Raises ``CommitError`` with the IOS XR
        message when the commit is refused, ``StorageError`` when it cannot be saved (then
        nothing changed: the candidate keeps its changes). ``concurrent_ok=False``: refuse
        with ``ConcurrentCommits`` (nothing changed) when other commits were made since the
        candidate's ``base`` and it has changes (the CLI then asks, as IOS XR does).
        ``authorize`` (with ``replace``): refuse with ``NotAuthorized`` when it names any of
        the changes the commit would make (nothing changed; the candidate keeps its changes)."""
        with self._lock:
            if self.exclusive_owner not in (None, candidate.session_id):
                raise ConfigurationLocked("commit")
            if label is not None and any(c.label == label for c in self.commits):
                raise LabelInUse(label)
            others = self.next_id - candidate.base
            if not concurrent_ok and others > 0 and (candidate.changes or replace):
                raise ConcurrentCommits(others)
            if replace:
                target = candidate.session_tree()
            else:
                target = self.running.copy()
                target.apply_all(candidate.changes)
            if target == self.running:
                candidate.clear()
                candidate.base = self.next_id
                if self.pending_confirm is not None:
                    # a plain commit confirms; another commit confirmed restarts the timeout
                    first = self.pending_confirm[0] if confirmed is not None else None
                    self._set_pending(first, confirmed)
                return None
            if replace and authorize is not None:
                self._authorize("commit", target, authorize)
            record = self._apply(
                target, user=user, line=line, client=client, label=label, comment=comment
            )
            candidate.clear()
            candidate.base = self.next_id
            if confirmed is not None:
                first = self.pending_confirm[0] if self.pending_confirm else record.commit_id
                self._set_pending(first, confirmed)
            elif self.pending_confirm is not None:
                self._set_pending(None, None)
        return record

    def _authorize(
        self, action: Literal["commit", "rollback"], target: ConfigTree, authorize: ChangeCheck
    ) -> None:
        """Refuse with ``NotAuthorized`` when ``authorize`` names any change that turns the
        running configuration into ``target`` (under the lock)."""
        refused = authorize(self.running.changes_to(target))
        if refused:
            raise NotAuthorized(action, refused)

    def _set_pending(self, commit_id: int | None, seconds: int | None) -> None:
        """Record the pending ``commit confirmed`` (under the lock) and tell the owner."""
        if commit_id is None or seconds is None:
            self.pending_confirm = None
            timeout = None
        else:
            timeout = timedelta(seconds=seconds)
            self.pending_confirm = (commit_id, self._now() + timeout)
        if self._on_confirm is not None:
            self._on_confirm(commit_id if timeout is not None else None, timeout)

    def _apply(
        self,
        target: ConfigTree,
        *,
        user: str,
        line: str,
        client: str,
        label: str | None = None,
        comment: str | None = None,
    ) -> CommitRecord:
        """Make ``target`` the running configuration as one new commit: saved first, then
        swapped in (a failed save raises and changes nothing)."""
        changes = tuple(self.running.changes_to(target))
        undo = tuple(target.changes_to(self.running))
        now = self._now()
        record = CommitRecord(self.next_id, user, line, client, now, changes, undo, label, comment)
        undo_effect = self._put_into_effect(target)
        try:
            self._persist(target, self.next_id + 1, (now, user), record)
        except BaseException:
            undo_effect()
            raise
        self.next_id += 1
        self.running = target
        self.generation += 1
        self.commits = [*self.commits, record][-COMMIT_HISTORY:]
        self.last_change = (now, user)
        return record

    def _put_into_effect(self, target: ConfigTree) -> Callable[[], None]:
        """``on_apply(target)``; its undo (a no-op without a hook)."""
        if self._on_apply is None:
            return _nothing
        try:
            return self._on_apply(target)
        except NetworkError as e:
            raise ApplyFailed(e.reason) from e

    # -- rollback ---------------------------------------------------------------------------

    def rollback(
        self,
        count: int,
        *,
        user: str,
        line: str,
        client: str = "CLI",
        authorize: ChangeCheck | None = None,
    ) -> CommitRecord | None:
        """Undo the last ``count`` commits, as one new commit. ``authorize``: refuse with
        ``NotAuthorized`` when it names any change the rollback would make (nothing
        changed)."""
        with self._lock:
            if count < 1 or count > len(self.commits):
                raise RollbackUnavailable(count, len(self.commits))
            if self.exclusive_owner is not None:
                raise ConfigurationLocked("rollback")
            target = self.running.copy()
            for record in reversed(self.commits[-count:]):
                target.apply_all(record.undo)
            if target == self.running:
                if self.pending_confirm is not None:
                    self._set_pending(None, None)
                return None
            if authorize is not None:
                self._authorize("rollback", target, authorize)
            record = self._apply(
                target, user=user, line=line, client=client, comment=f"Rollback {count}"
            )
            if self.pending_confirm is not None:
                self._set_pending(None, None)
            return record

    def tree_after(self, count: int) -> ConfigTree:
        """The running configuration as it was before the last ``count`` commits (0: as it
        is): what ``rollback configuration last count`` goes back to. ``RollbackUnavailable``
        for more commits than the database holds."""
        with self._lock:
            if count < 0 or count > len(self.commits):
                raise RollbackUnavailable(count, len(self.commits))
            tree = self.running.copy()
            for record in reversed(self.commits[len(self.commits) - count :]):
                tree.apply_all(record.undo)
            return tree

    def commits_after(self, commit_id: int) -> int:
        """How many commits came after ``commit_id`` (for ``rollback configuration to ID``);
        ``CommitError`` for an unknown ID or label."""
        for i, record in enumerate(self.commits):
            if record.commit_id == commit_id:
                return len(self.commits) - 1 - i
        raise CommitNotFound(str(commit_id))

    def find(self, label_or_id: str) -> CommitRecord:
        for record in self.commits:
            if str(record.commit_id) == label_or_id or record.label == label_or_id:
                return record
        raise CommitNotFound(label_or_id)

    # -- commit confirmed -------------------------------------------------------------------

    def rollback_unconfirmed(self, commit_id: int) -> CommitRecord | None:
        """Roll back the unconfirmed ``commit confirmed`` that began with ``commit_id`` (and
        every commit after it), as one new commit; ``None`` when it is no longer pending (it
        was confirmed, rolled back or superseded). The scheduler calls this when its timeout
        comes."""
        with self._lock:
            if self.pending_confirm is None or self.pending_confirm[0] != commit_id:
                return None
            index = next((i for i, r in enumerate(self.commits) if r.commit_id == commit_id), None)
            if index is None:
                self._set_pending(None, None)
                return None
            target = self.running.copy()
            for record in reversed(self.commits[index:]):
                target.apply_all(record.undo)
            try:
                record = self._apply(
                    target,
                    user="system",
                    line="",
                    client="Rollback",
                    comment=f"Rollback of unconfirmed commit {commit_id}",
                )
            except (StorageError, ApplyFailed):
                # Nothing changed: the rollback stays pending and is tried again shortly.
                self._set_pending(commit_id, CONFIRM_RETRY_SECONDS)
                raise
            self._set_pending(None, None)
            return record


def _nothing() -> None:
    """The undo of a change that had nothing to put into effect."""

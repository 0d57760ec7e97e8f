"""Running configuration, per-session candidates, commits and rollback.

``Datastore`` owns the one running ``ConfigTree`` of a router, the commit history (IOS XR
commit IDs from 1000000001, label, comment, user, line, client, time, and the changes to undo
each commit), the exclusive lock of ``configure exclusive`` and the pending ``commit confirmed``.
``Candidate`` is one configuration session's target: the changes typed since the session
started or last committed. A commit applies those changes onto the running configuration as it
is at commit time (so sessions that touch different items never clash), or with ``replace``
makes the session's target the whole running configuration. Everything is persisted through a
``Storage`` (the chassis' replicated state) after every commit, atomically.

Thread safety: one lock serialises commits, rollbacks and the confirmed-commit timer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from xrsim.config.tree import Change, ConfigTree, PathItem, Schema
from xrsim.errors import StateError, XrsimError

__all__ = [
    "COMMIT_HISTORY",
    "FIRST_COMMIT_ID",
    "Candidate",
    "CommitError",
    "CommitNotFound",
    "CommitRecord",
    "ConfigurationLocked",
    "Datastore",
    "LabelInUse",
    "RollbackUnavailable",
    "Storage",
]

FIRST_COMMIT_ID = 1000000001
#: Rollback points kept, as IOS XR keeps them.
COMMIT_HISTORY = 100

RUNNING_FILE = "config/running.json"
COMMITS_FILE = "config/commits.json"


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


class Storage(Protocol):
    """Where the datastore persists (the chassis' replicated RP state)."""

    def read_state(self, relpath: str) -> bytes | None: ...

    def write_state(self, relpath: str, data: bytes, *, private: bool = False) -> None: ...


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

    def change_lines(self) -> list[str]:
        """``show configuration``: the session's changes as configuration lines."""
        out: list[str] = []
        shown: list[tuple[str, ...]] = []
        for c in self.changes:
            for depth, item in enumerate(c.path):
                keys = tuple(p.key for p in c.path[: depth + 1])
                last = depth == len(c.path) - 1
                if not last and keys in shown:
                    continue
                text = item.line if (c.op == "set" or not last) else f"no {item.line}"
                out.append(" " * depth + text)
                if c.op == "set" or not last:
                    shown.append(keys)
        return out


class Datastore:
    """The router's running configuration and commit database."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        storage: Storage | None = None,
        on_confirm_pending: Callable[[], None] | None = None,
        schema: Schema | None = None,
    ) -> None:
        """``on_confirm_pending`` is called after a ``commit confirmed`` (outside the lock):
        the owner arms a timer that calls ``tick`` when the time comes, whichever front door
        the commit came through. ``schema`` (the router's command registry) parses stored
        lines again at load: what is stored is only keys and lines."""
        self._now = now
        self._storage = storage
        self._schema = schema
        self._on_confirm_pending = on_confirm_pending
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
        raw = self._storage.read_state(RUNNING_FILE)
        if raw is not None:
            doc = json.loads(raw)
            self.running = ConfigTree.from_data(doc["running"], self._schema)
            self.next_id = int(doc.get("next_id", FIRST_COMMIT_ID))
            if doc.get("last_change"):
                when, user = doc["last_change"]
                self.last_change = (datetime.fromisoformat(when), str(user))
        raw = self._storage.read_state(COMMITS_FILE)
        if raw is not None:
            self.commits = [CommitRecord.from_data(d, self._schema) for d in json.loads(raw)]

    def _save(self) -> None:
        if self._storage is None:
            return
        doc = {
            "running": self.running.to_data(),
            "next_id": self.next_id,
            "last_change": (
                [self.last_change[0].isoformat(), self.last_change[1]] if self.last_change else None
            ),
        }
        self._storage.write_state(RUNNING_FILE, json.dumps(doc, indent=1).encode())
        self._storage.write_state(
            COMMITS_FILE, json.dumps([c.to_data() for c in self.commits], indent=1).encode()
        )

    # -- sessions ---------------------------------------------------------------------------

    def running_copy(self) -> ConfigTree:
        with self._lock:
            return self.running.copy()

    def candidate(self, session_id: int) -> Candidate:
        return Candidate(self, session_id)

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
            self.running.apply_all(changes)
            self.generation += 1
            self._save()

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
    ) -> CommitRecord | None:
        """Commit the candidate; ``None`` when there was nothing to change (a pending
        ``commit confirmed`` is then confirmed). Raises ``CommitError`` with the IOS XR
        message when the commit is refused."""
        with self._lock:
            if self.exclusive_owner not in (None, candidate.session_id):
                raise ConfigurationLocked("commit")
            if label is not None and any(c.label == label for c in self.commits):
                raise LabelInUse(label)
            if replace:
                target = candidate.session_tree()
            else:
                target = self.running.copy()
                target.apply_all(candidate.changes)
            candidate.clear()
            if target == self.running:
                if self.pending_confirm is not None and confirmed is None:
                    self.pending_confirm = None
                return None
            record = self._apply(
                target, user=user, line=line, client=client, label=label, comment=comment
            )
            if confirmed is not None:
                self.pending_confirm = (
                    record.commit_id,
                    self._now() + timedelta(seconds=confirmed),
                )
            else:
                self.pending_confirm = None
            self._save()
        if confirmed is not None and self._on_confirm_pending is not None:
            self._on_confirm_pending()
        return record

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
        changes = tuple(self.running.changes_to(target))
        undo = tuple(target.changes_to(self.running))
        now = self._now()
        record = CommitRecord(self.next_id, user, line, client, now, changes, undo, label, comment)
        self.next_id += 1
        self.running = target
        self.generation += 1
        self.commits.append(record)
        del self.commits[:-COMMIT_HISTORY]
        self.last_change = (now, user)
        return record

    # -- rollback ---------------------------------------------------------------------------

    def rollback(
        self, count: int, *, user: str, line: str, client: str = "CLI"
    ) -> CommitRecord | None:
        """Undo the last ``count`` commits, as one new commit."""
        with self._lock:
            if count < 1 or count > len(self.commits):
                raise RollbackUnavailable(count, len(self.commits))
            if self.exclusive_owner is not None:
                raise ConfigurationLocked("rollback")
            target = self.running.copy()
            for record in reversed(self.commits[-count:]):
                target.apply_all(record.undo)
            self.pending_confirm = None
            if target == self.running:
                return None
            record = self._apply(
                target, user=user, line=line, client=client, comment=f"Rollback {count}"
            )
            self._save()
            return record

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

    def tick(self) -> CommitRecord | None:
        """Roll back an unconfirmed ``commit confirmed`` whose time has come."""
        with self._lock:
            if self.pending_confirm is None:
                return None
            commit_id, deadline = self.pending_confirm
            if self._now() < deadline:
                return None
            self.pending_confirm = None
            index = next((i for i, r in enumerate(self.commits) if r.commit_id == commit_id), None)
            if index is None:
                return None
            target = self.running.copy()
            for record in reversed(self.commits[index:]):
                target.apply_all(record.undo)
            record = self._apply(
                target,
                user="system",
                line="",
                client="Rollback",
                comment=f"Rollback of unconfirmed commit {commit_id}",
            )
            self._save()
            return record

"""The router's one transactional state store (layer 2: imports ``xrsim.errors`` only).

- ``StateStore``: one SQLite database in WAL mode (``STATE/state.db``, ``synchronous=FULL``)
  with a typed schema: the chassis record and its reboot and switchover history, the running
  configuration, the commit database, private keys, SSH authentication keys, trustpoint
  certificates (CA, RA and router), the enrollment requests a CA has not answered yet
  (``pending_requests``, rows of ``PendingRow``), the serials of the trustpoints' own CAs, the
  IMA measurement list of every node (``ima_lists``, ``ima_events``: rows of ``ImaRow``,
  written by ``xrsim.integrity.ima``), the downloaded CA trustpool (``trustpool``,
  ``trustpool_import``, written by ``xrsim.pki.trustpool``), and a ``meta`` table with the
  format version.
  ``Chassis`` opens it and the ``Datastore``, ``KeyStore`` and ``CertStore`` write through it.
  Every write method is one transaction; ``with store.transaction():`` groups several (an
  enrollment's serial, CA and router certificates), nested groups are savepoints.
  Callers compute their new state, persist it, and change their memory only when the method
  returned: a failed write leaves them as they were.
- ``StorageError`` (``xrsim.errors``) is what every failed write raises, with the reason in
  words (``reason``: "no space left on the device", "the storage is read-only", "permission
  denied"); no errno, no file path. The CLI's IOS XR answers are the ``*_FAILED`` constants
  below.
- One process owns a state directory: ``open`` takes an exclusive ``flock`` on
  ``STATE/state.lock`` (which records the holder's pid, host and command line) and a second
  open fails at once with ``StateError`` naming the holder; ``close`` releases it.
- Format versions and ``MIGRATIONS``: format 1 is the files of xrsim before the store
  (``chassis.json`` and JSON/PEM files under every RP's ``misc/config/xrsim/``). Opening such a
  directory imports them in one transaction, then removes the old files (private keys included)
  and the directories. Each later format adds one ``Migration``; pending ones run in the same
  opening transaction. Format 3 admits RA certificates and adds ``pending_requests``; format
  4 adds the software packages (``packages``, rows of ``PackageRow``), where each node has
  them extracted (``node_packages``) and the install log (``install_log``, ``InstallRow``);
  format 5 adds the IMA measurement lists (``ima_lists``, ``ima_events``, rows of ``ImaRow``);
  format 6 adds the downloaded CA trustpool (``trustpool``: the certificates as DER in bundle
  order; ``trustpool_import``: where and when the bundle came from). The built-in trustpool
  ships with xrsim and is never stored.
- Fault injection for crash tests: ``XRSIM_CRASH_AT=<point>[:<n>]`` in the environment (read
  once, at import) makes the process ``os._exit(86)`` the ``n``-th time (default 1) it reaches
  ``point``; ``FAULT_POINTS`` lists them. ``before-commit``: a transaction is written, not yet
  committed; ``after-commit``: committed, the caller's memory not yet changed; ``migrate-*``:
  between the steps of the format 1 migration.

Files and modes: STATE and the database with its ``-wal`` and ``-shm`` files are 0700/0600
whatever the umask (they hold keys and secret hashes).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import sqlite3
import sys
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from xrsim.errors import InvalidInput, StateError, StorageError

__all__ = [
    "DB_FILE",
    "FAULT_ENV",
    "FAULT_EXIT",
    "FAULT_POINTS",
    "FORMAT_VERSION",
    "LOCK_FILE",
    "MIGRATIONS",
    "AuthKeyRow",
    "ImaRow",
    "InstallRow",
    "KeyRow",
    "Migration",
    "PackageRow",
    "PendingRow",
    "StateStore",
    "crash_point",
]

# --------------------------------------------------------------------------------------------
# Files, format, fault points
# --------------------------------------------------------------------------------------------

DB_FILE = "state.db"
LOCK_FILE = "state.lock"
#: The format this code writes. 1: the files before the store; 2: the first store schema;
#: 3: RA certificates beside the CA's, and pending enrollment requests (SCEP, TFTP);
#: 4: software packages, where they are extracted, and the install log;
#: 5: the IMA measurement lists (``ima_lists``, ``ima_events``);
#: 6: the downloaded CA trustpool (``trustpool``, ``trustpool_import``).
FORMAT_VERSION = 6

FAULT_ENV = "XRSIM_CRASH_AT"
FAULT_EXIT = 86
FAULT_POINTS = (
    "before-commit",
    "after-commit",
    "migrate-before-commit",
    "migrate-after-commit",
    "migrate-cleanup",
)


def _fault_setting(value: str | None) -> tuple[str, int] | None:
    if not value:
        return None
    point, _, count = value.partition(":")
    if point not in FAULT_POINTS or (count and not (count.isdigit() and int(count) >= 1)):
        raise InvalidInput(
            f"{FAULT_ENV}={value!r}: expected <point> or <point>:<n> (n >= 1) with a point of "
            + ", ".join(FAULT_POINTS)
        )
    return point, int(count) if count else 1


_FAULT = _fault_setting(os.environ.get(FAULT_ENV))
_fault_hits = 0


def crash_point(point: str) -> None:
    """Exit the process at once (``os._exit(86)``, no cleanup: as a crash) when ``point`` is
    the one ``XRSIM_CRASH_AT`` names and this is the n-th time it is reached."""
    global _fault_hits  # noqa: PLW0603 - the one process-wide fault setting
    if _FAULT is None or _FAULT[0] != point:
        return
    _fault_hits += 1
    if _fault_hits == _FAULT[1]:
        os._exit(FAULT_EXIT)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

_NO_SPACE = "no space left on the device"
_READ_ONLY = "the storage is read-only"
_DENIED = "permission denied"
_IO = "the storage device reported an error"


_ERRNO_REASONS = {
    errno.ENOSPC: _NO_SPACE,
    errno.EDQUOT: _NO_SPACE,
    errno.EROFS: _READ_ONLY,
    errno.EACCES: _DENIED,
    errno.EPERM: _DENIED,
}
_SQLITE_REASONS = (
    ("SQLITE_FULL", _NO_SPACE),
    ("SQLITE_READONLY", _READ_ONLY),
    ("SQLITE_PERM", _DENIED),
    ("SQLITE_AUTH", _DENIED),
    ("SQLITE_CANTOPEN", _DENIED),
)


def _device_reason(directory: Path) -> str | None:
    """What the device holding ``directory`` says: read-only, full, not writable, or None."""
    try:
        st = os.statvfs(directory)
        if st.f_flag & os.ST_RDONLY:
            return _READ_ONLY
        if st.f_bavail == 0 or (st.f_files and st.f_favail == 0):
            return _NO_SPACE
        if not os.access(directory, os.W_OK):
            return _DENIED
    except OSError:
        pass
    return None


def _reason(directory: Path, exc: BaseException) -> str:
    """Why a write failed, in words: from the device itself where it can tell (full,
    read-only, not writable), else from the error."""
    found = _device_reason(directory)
    if found is not None:
        return found
    if isinstance(exc, OSError):
        return _ERRNO_REASONS.get(exc.errno or 0, _IO)
    name = str(getattr(exc, "sqlite_errorname", ""))
    return next((reason for prefix, reason in _SQLITE_REASONS if name.startswith(prefix)), _IO)


# --------------------------------------------------------------------------------------------
# Schema and migrations
# --------------------------------------------------------------------------------------------

_SCHEMA_2 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE chassis (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    platform TEXT NOT NULL, serial TEXT NOT NULL, release TEXT NOT NULL,
    created TEXT NOT NULL, active_rp TEXT NOT NULL);
CREATE TABLE reboots (
    seq INTEGER PRIMARY KEY, node TEXT NOT NULL, time TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE switchovers (
    seq INTEGER PRIMARY KEY, time TEXT NOT NULL, from_node TEXT NOT NULL,
    to_node TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE running (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tree TEXT NOT NULL, next_id INTEGER NOT NULL,
    last_change_time TEXT, last_change_user TEXT);
CREATE TABLE commits (
    id INTEGER PRIMARY KEY, user TEXT NOT NULL, line TEXT NOT NULL, client TEXT NOT NULL,
    time TEXT NOT NULL, label TEXT, comment TEXT,
    changes TEXT NOT NULL, undo TEXT NOT NULL);
CREATE TABLE keys (
    key_type TEXT NOT NULL, label TEXT NOT NULL,
    usage TEXT NOT NULL CHECK (usage IN ('general', 'signing', 'encryption')),
    created TEXT NOT NULL, bits INTEGER NOT NULL, pem BLOB NOT NULL,
    PRIMARY KEY (key_type, label, usage));
CREATE TABLE auth_keys (
    label TEXT PRIMARY KEY, seq INTEGER NOT NULL, key_type TEXT NOT NULL,
    usage TEXT NOT NULL, imported TEXT NOT NULL, bits INTEGER NOT NULL,
    owner TEXT, pem BLOB NOT NULL);
CREATE TABLE certificates (
    trustpoint TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('ca', 'general', 'signing', 'encryption')),
    pem BLOB NOT NULL, PRIMARY KEY (trustpoint, role));
CREATE TABLE ca_serials (trustpoint TEXT PRIMARY KEY, next INTEGER NOT NULL);
"""


def _create(db: sqlite3.Connection) -> None:
    """The format 2 schema, inside the caller's transaction."""
    for statement in _SCHEMA_2.split(";"):
        if statement.strip():
            db.execute(statement)


_SCHEMA_3 = """
CREATE TABLE certificates_3 (
    trustpoint TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('ca', 'ra-signer', 'ra-encrypter',
                                       'general', 'signing', 'encryption')),
    pem BLOB NOT NULL, PRIMARY KEY (trustpoint, role));
INSERT INTO certificates_3 SELECT trustpoint, role, pem FROM certificates;
DROP TABLE certificates;
ALTER TABLE certificates_3 RENAME TO certificates;
CREATE TABLE pending_requests (
    trustpoint TEXT NOT NULL,
    usage TEXT NOT NULL CHECK (usage IN ('general', 'signing', 'encryption')),
    method TEXT NOT NULL CHECK (method IN ('scep', 'tftp')),
    transaction_id TEXT NOT NULL, key_type TEXT NOT NULL, key_label TEXT NOT NULL,
    key_id TEXT NOT NULL, subject TEXT NOT NULL, fingerprint TEXT NOT NULL,
    state TEXT NOT NULL, created TEXT NOT NULL, next_poll TEXT NOT NULL,
    period INTEGER NOT NULL, polls INTEGER NOT NULL, polls_left INTEGER NOT NULL,
    PRIMARY KEY (trustpoint, usage))
"""


def _to_3(db: sqlite3.Connection, directory: Path) -> None:
    """Format 3: the certificates table admits RA certificates (``ra-signer``,
    ``ra-encrypter``); ``pending_requests`` holds enrollments the CA has not answered yet."""
    del directory
    for statement in _SCHEMA_3.split(";"):
        if statement.strip():
            db.execute(statement)


_SCHEMA_4 = """
CREATE TABLE packages (
    nvr TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, release TEXT NOT NULL,
    arch TEXT NOT NULL, boot INTEGER NOT NULL CHECK (boot IN (0, 1)),
    source TEXT NOT NULL, rpm_path TEXT NOT NULL, header TEXT NOT NULL, added TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    committed INTEGER NOT NULL CHECK (committed IN (0, 1)));
CREATE TABLE node_packages (
    node TEXT NOT NULL, nvr TEXT NOT NULL, extracted TEXT NOT NULL, PRIMARY KEY (node, nvr));
CREATE TABLE install_log (
    id INTEGER PRIMARY KEY, operation TEXT NOT NULL, command TEXT NOT NULL, user TEXT NOT NULL,
    started TEXT NOT NULL, finished TEXT NOT NULL, status TEXT NOT NULL,
    packages TEXT NOT NULL, active TEXT NOT NULL, committed TEXT NOT NULL)
"""


def _to_4(db: sqlite3.Connection, directory: Path) -> None:
    """Format 4: software packages (``packages``: one row per package the router holds, with
    its header as JSON and whether it is active and committed), where each node has them
    extracted (``node_packages``), and the install log (``install_log``). A router of an
    older format gets its platform's packages at its next boot."""
    del directory
    for statement in _SCHEMA_4.split(";"):
        if statement.strip():
            db.execute(statement)


_SCHEMA_5 = """
CREATE TABLE ima_lists (
    node TEXT PRIMARY KEY, boot_time TEXT NOT NULL, boot_mark TEXT NOT NULL);
CREATE TABLE ima_events (
    node TEXT NOT NULL REFERENCES ima_lists (node), seq INTEGER NOT NULL CHECK (seq >= 1),
    time TEXT NOT NULL, path TEXT NOT NULL, digest BLOB NOT NULL,
    violation INTEGER NOT NULL CHECK (violation IN (0, 1)),
    PRIMARY KEY (node, seq))
"""


def _to_5(db: sqlite3.Connection, directory: Path) -> None:
    """Format 5: one IMA measurement list per node (``ima_lists``: when the node's list began
    and which boot it belongs to; ``ima_events``: its events after ``boot_aggregate``)."""
    del directory
    for statement in _SCHEMA_5.split(";"):
        if statement.strip():
            db.execute(statement)


_SCHEMA_6 = """
CREATE TABLE trustpool (seq INTEGER PRIMARY KEY CHECK (seq >= 0), der BLOB NOT NULL);
CREATE TABLE trustpool_import (
    id INTEGER PRIMARY KEY CHECK (id = 1), source TEXT, time TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 0))
"""


def _to_6(db: sqlite3.Connection, directory: Path) -> None:
    """Format 6: the downloaded CA trustpool (``trustpool``: one row per certificate, DER, in
    the bundle's order; ``trustpool_import``: the bundle's source URL, None for one given as
    bytes, the time it was imported and how many certificates it held). A router of an older
    format has only the built-in trustpool."""
    del directory
    for statement in _SCHEMA_6.split(";"):
        if statement.strip():
            db.execute(statement)


#: Format 1: where each RP kept the router's state, and the chassis file.
V1_TREE = ("misc", "config", "xrsim")
V1_CHASSIS = "chassis.json"
V1_NODES = "nodes"


def _v1_trees(directory: Path) -> list[Path]:
    """The format 1 state trees (``nodes/<rp>/misc/config/xrsim``) that still hold files."""
    nodes = directory / V1_NODES
    if not nodes.is_dir():
        return []
    found = []
    for node in sorted(nodes.iterdir()):
        tree = node.joinpath(*V1_TREE)
        if tree.is_dir() and any(tree.iterdir()):
            found.append(tree)
    return found


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise StateError(f"the format 1 state file {path.name} cannot be read ({e})") from None


def _from_files(db: sqlite3.Connection, directory: Path) -> None:
    """Format 1 -> 2: create the schema and import ``chassis.json`` and the active RP's state
    files (the other RPs held copies)."""
    _create(db)
    chassis = _read_json(directory / V1_CHASSIS)
    if not isinstance(chassis, dict) or chassis.get("format") != 1:
        raise StateError(f"{V1_CHASSIS} is not an xrsim chassis file of format 1")
    _put_chassis(db, chassis)
    active = str(chassis.get("active_rp", "")).replace("/", "_")
    trees = _v1_trees(directory)
    preferred = directory / V1_NODES / active / Path(*V1_TREE)
    tree = preferred if preferred in trees else (trees[0] if trees else None)
    if tree is None:
        return

    _import_config(db, tree)
    _import_keys(db, tree)
    _import_pki(db, tree)


def _v1_raw(tree: Path, relpath: str) -> bytes | None:
    try:
        return (tree / relpath).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise StateError(f"the format 1 state file {relpath} cannot be read ({e})") from None


def _import_config(db: sqlite3.Connection, tree: Path) -> None:
    running = _read_json(tree / "config/running.json")
    if isinstance(running, dict):
        last = running.get("last_change") or [None, None]
        db.execute(
            "INSERT INTO running VALUES (1, ?, ?, ?, ?)",
            (json.dumps(running["running"]), int(running.get("next_id", 0)), last[0], last[1]),
        )
    for record in _read_json(tree / "config/commits.json") or []:
        _put_commit(db, record)


def _import_keys(db: sqlite3.Connection, tree: Path) -> None:
    index = _read_json(tree / "keys/index.json") or {}
    for meta in index.values():
        pem = _v1_raw(tree, str(meta["path"]))
        if pem is not None:  # an index entry without its file held no usable key
            db.execute(
                "INSERT OR REPLACE INTO keys VALUES (?, ?, ?, ?, ?, ?)",
                (meta["type"], meta["label"], meta["usage"], meta["created"], meta["bits"], pem),
            )
    auth = _read_json(tree / "keys/authentication/index.json") or {}
    for seq, meta in enumerate(auth.values()):
        pem = _v1_raw(tree, str(meta["path"]))
        if pem is not None:
            db.execute(
                "INSERT OR REPLACE INTO auth_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    meta["label"],
                    seq,
                    meta.get("type", "rsa"),
                    meta["usage"],
                    meta["imported"],
                    meta["bits"],
                    meta.get("owner"),
                    pem,
                ),
            )


def _import_pki(db: sqlite3.Connection, tree: Path) -> None:
    pki = tree / "pki"
    if not pki.is_dir():
        return
    for tp in sorted(p for p in pki.iterdir() if p.is_dir()):
        for role in ("ca", "general", "signing", "encryption"):
            leaf = "ca" if role == "ca" else "router-" + role
            pem = _v1_raw(tree, f"pki/{tp.name}/{leaf}.pem")
            if pem:
                db.execute("INSERT INTO certificates VALUES (?, ?, ?)", (tp.name, role, pem))
        serial = _read_json(tp / "serial.json")
        if isinstance(serial, dict):
            db.execute("INSERT INTO ca_serials VALUES (?, ?)", (tp.name, int(serial["next"])))


def _remove_v1_files(directory: Path) -> None:
    """Remove what format 1 left: every RP's state tree (private keys included), then
    ``chassis.json``; each removal is durable before the next (a crash in between leaves a
    directory the store already describes whole)."""
    for tree in _v1_trees(directory):
        for path in sorted(tree.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
                _fsync_dir(path.parent)
                crash_point("migrate-cleanup")
    chassis = directory / V1_CHASSIS
    if chassis.exists():
        chassis.unlink()
        _fsync_dir(directory)
        crash_point("migrate-cleanup")


@dataclass(frozen=True)
class Migration:
    """One step of the format: from ``version - 1`` to ``version``, inside the opening
    transaction; ``run(db, state_dir)`` may read the directory (format 1 files)."""

    version: int
    description: str
    run: Callable[[sqlite3.Connection, Path], None]


#: Every format step, oldest first. A new format appends one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "format 1 files (chassis.json, JSON/PEM per RP) into the store", _from_files),
    Migration(3, "RA certificates and pending enrollment requests", _to_3),
    Migration(4, "software packages, their extraction on nodes, the install log", _to_4),
    Migration(5, "IMA measurement lists, one per node", _to_5),
    Migration(6, "the downloaded CA trustpool", _to_6),
)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRow:
    """One private key of the store (``pem`` is PKCS#8)."""

    key_type: str
    label: str
    usage: str
    created: str
    bits: int
    pem: bytes


@dataclass(frozen=True)
class PendingRow:
    """One enrollment request the CA has not answered yet (table ``pending_requests``).
    ``state`` is the method's own record (JSON text: SCEP's transaction for CertPoll, TFTP's
    file name); ``key_id`` the SHA-1 of the key pair's public key (a regenerated key ends the
    request); ``next_poll`` an ISO time; ``period`` minutes between polls, ``polls`` of them
    at most, ``polls_left`` still to make. No request, no challenge password."""

    trustpoint: str
    usage: str
    method: str
    transaction_id: str
    key_type: str
    key_label: str
    key_id: str
    subject: str
    fingerprint: str
    state: str
    created: str
    next_poll: str
    period: int
    polls: int
    polls_left: int

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "trustpoint", "usage", "method", "transaction_id", "key_type", "key_label", "key_id",
        "subject", "fingerprint", "state", "created", "next_poll", "period", "polls",
        "polls_left",
    )  # fmt: skip


@dataclass(frozen=True)
class ImaRow:
    """One event of a node's IMA measurement list after ``boot_aggregate`` (table
    ``ima_events``): ``seq`` its index in the list (1 is the first after ``boot_aggregate``),
    ``time`` an ISO time, ``digest`` the file's SHA-256 (empty for a violation)."""

    seq: int
    time: str
    path: str
    digest: bytes
    violation: bool


@dataclass(frozen=True)
class AuthKeyRow:
    """One imported SSH authentication public key (``pem`` is SubjectPublicKeyInfo)."""

    label: str
    key_type: str
    usage: str
    imported: str
    bits: int
    owner: str | None
    pem: bytes


@dataclass(frozen=True)
class PackageRow:
    """One software package the router holds (``header`` is JSON text: the RPM header's
    summary, vendor, build time, key ID and file entries)."""

    nvr: str
    name: str
    version: str
    release: str
    arch: str
    boot: bool
    source: str
    rpm_path: str
    header: str
    added: str
    active: bool
    committed: bool

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "nvr", "name", "version", "release", "arch", "boot", "source", "rpm_path", "header",
        "added", "active", "committed",
    )  # fmt: skip


@dataclass(frozen=True)
class InstallRow:
    """One install operation of the log (``packages``, ``active``, ``committed``: JSON lists
    of package NVRs: those the operation named, the active and committed sets after it)."""

    id: int
    operation: str
    command: str
    user: str
    started: str
    finished: str
    status: str
    packages: str
    active: str
    committed: str

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id", "operation", "command", "user", "started", "finished", "status", "packages",
        "active", "committed",
    )  # fmt: skip


def _put_chassis(db: sqlite3.Connection, data: dict[str, Any]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO chassis VALUES (1, ?, ?, ?, ?, ?)",
        (data["platform"], data["serial"], data["release"], data["created"], data["active_rp"]),
    )
    db.execute("DELETE FROM reboots")
    db.executemany(
        "INSERT INTO reboots (node, time, reason) VALUES (?, ?, ?)",
        [
            (str(node), r["time"], r["reason"])
            for node, records in dict(data.get("reboots", {})).items()
            for r in records
        ],
    )
    db.execute("DELETE FROM switchovers")
    db.executemany(
        "INSERT INTO switchovers (time, from_node, to_node, reason) VALUES (?, ?, ?, ?)",
        [(s["time"], s["from"], s["to"], s.get("reason", "")) for s in data.get("switchovers", [])],
    )


def _put_commit(db: sqlite3.Connection, record: dict[str, Any]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO commits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            int(record["id"]),
            record["user"],
            record["line"],
            record["client"],
            record["time"],
            record.get("label"),
            record.get("comment"),
            json.dumps(record["changes"]),
            json.dumps(record["undo"]),
        ),
    )


# --------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------


def _holder_text() -> str:
    argv = [os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python", *sys.argv[1:]]
    if argv[0] in ("__main__.py", "main.py", "-c", "-m"):
        argv[0] = "xrsim" if "xrsim" in " ".join(sys.argv) else "python"
    command = " ".join(argv)
    return json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": command[:200]})


def _holder(raw: bytes) -> str:
    try:
        doc = json.loads(raw)
        text = f"process {int(doc['pid'])} ({doc.get('command') or '?'})"
        if doc.get("host") and doc["host"] != socket.gethostname():
            text += f" on host {doc['host']}"
        return text
    except (ValueError, KeyError, TypeError):
        return "another process"


def _release(db: sqlite3.Connection, lock_fd: int) -> None:
    with contextlib.suppress(sqlite3.Error):
        db.close()
    os.close(lock_fd)  # releases the flock


class StateStore:
    """One router's state: the SQLite database of one state directory, held exclusively.
    Thread-safe: one lock serialises the connection; a transaction holds it throughout."""

    def __init__(self, directory: Path, db: sqlite3.Connection, lock_fd: int) -> None:
        """Use ``StateStore.open``."""
        self.directory = directory
        self._db: sqlite3.Connection | None = db
        # A store dropped without ``close`` still releases the directory when collected.
        self._release = weakref.finalize(self, _release, db, lock_fd)
        self._mutex = threading.RLock()
        self._depth = 0
        self._wipe = False
        #: Whether this open created the store (a new directory, not a migrated one).
        self.created = False
        #: The format the directory had before this open (0: new, 1: the files).
        self.opened_format = FORMAT_VERSION

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(cls, state_dir: str | os.PathLike[str]) -> StateStore:
        """Open (creating or migrating) the store of ``state_dir`` and take its lock.
        ``StateError`` when another process or router holds it, the format is newer than this
        code or the store is damaged; ``StorageError`` when the directory cannot be written."""
        directory = Path(state_dir)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            os.chmod(directory, 0o700)
        except OSError as e:
            where = directory if directory.exists() else directory.parent
            raise StorageError(_reason(where, e)) from None
        lock_fd = cls._take_lock(directory)
        try:
            db_path = directory / DB_FILE
            os.close(os.open(db_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
            os.chmod(db_path, 0o600)
            db = sqlite3.connect(
                db_path, isolation_level=None, check_same_thread=False, cached_statements=16
            )
        except (OSError, sqlite3.Error) as e:
            os.close(lock_fd)
            raise StorageError(_reason(directory, e)) from None
        store = cls(directory, db, lock_fd)
        try:
            store._prepare()
        except BaseException:
            store.close()
            raise
        return store

    @staticmethod
    def _take_lock(directory: Path) -> int:
        path = directory / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as e:
            raise StorageError(_reason(directory, e)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                raw = os.pread(fd, 4096, 0)
            finally:
                os.close(fd)
            raise StateError(
                f"the state directory {directory} is in use by {_holder(raw)}; "
                "shut that router down first"
            ) from None
        try:
            os.fchmod(fd, 0o600)
            os.ftruncate(fd, 0)
            os.pwrite(fd, _holder_text().encode(), 0)
        except OSError:
            pass  # the lock is held; the holder's description is only informative
        return fd

    def _prepare(self) -> None:
        db = self._conn()
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit the user was told about survives a power loss, not just a crash
            # (NORMAL in WAL mode may lose the last transactions); measured at under 1 ms.
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA secure_delete=ON")  # zeroized keys are overwritten in the file
            db.execute("PRAGMA cache_size=-256")  # KiB: many routers share one process
            version = self._format_version()
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and _reason(self.directory, e) != _IO:
                raise StorageError(_reason(self.directory, e)) from None
            raise StateError(f"the state store of {self.directory} is damaged ({e})") from None
        if version > FORMAT_VERSION:
            raise StateError(
                f"{self.directory} holds state of format {version}, written by a newer xrsim; "
                f"this one reads formats up to {FORMAT_VERSION}"
            )
        v1 = (self.directory / V1_CHASSIS).exists()
        if version == 0:
            self.opened_format = 1 if v1 else 0
            self.created = not v1
            self._upgrade(1 if v1 else None)
        elif version < FORMAT_VERSION:
            self.opened_format = version
            self._upgrade(version)
        self._chmod_files()
        if v1 or _v1_trees(self.directory):
            try:
                _remove_v1_files(self.directory)
            except OSError as e:
                raise StorageError(_reason(self.directory, e)) from None

    def _format_version(self) -> int:
        db = self._conn()
        row = db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone()
        if row is None:
            return 0
        found = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        return int(found[0]) if found else 0

    def _upgrade(self, version: int | None) -> None:
        """Bring the schema to ``FORMAT_VERSION`` in one transaction: from ``version`` through
        the migrations, or (``None``) a new store."""
        db = self._conn()
        migrating = version is not None
        try:
            db.execute("BEGIN IMMEDIATE")
            if version is None:
                _create(db)
                version = 2
            for step in MIGRATIONS:
                if step.version > version:
                    step.run(db, self.directory)
                    version = step.version
            db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(FORMAT_VERSION),))
            if migrating:
                crash_point("migrate-before-commit")
            db.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            if isinstance(e, sqlite3.IntegrityError):  # a value the schema refuses: damage
                raise StateError(
                    f"the state of {self.directory} (format {version}) cannot be migrated: "
                    f"damaged data ({e})"
                ) from None
            raise StorageError(_reason(self.directory, e)) from None
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            self._rollback()
            raise StateError(
                f"the state of {self.directory} (format {version}) cannot be migrated: "
                f"damaged data ({e!r})"
            ) from None
        except BaseException:
            self._rollback()
            raise
        if migrating:
            crash_point("migrate-after-commit")

    def _chmod_files(self) -> None:
        for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.chmod(self.directory / name, 0o600)

    # -- transactions -----------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StateError("the state store is closed")
        return self._db

    def _rollback(self) -> None:
        db = self._db
        if db is not None and db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One all-or-nothing change: the writes inside happen together or not at all. Nested
        uses join the outer transaction (as a savepoint: an exception inside undoes only the
        inner writes). ``StorageError`` when it cannot be saved."""
        with self._mutex:
            db = self._conn()
            if self._depth:
                name = f"s{self._depth}"
                db.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield
                except BaseException:
                    db.execute(f"ROLLBACK TO {name}")
                    db.execute(f"RELEASE {name}")
                    raise
                else:
                    db.execute(f"RELEASE {name}")
                finally:
                    self._depth -= 1
                return
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise StorageError(_reason(self.directory, e)) from None
            self._depth = 1
            try:
                yield
                crash_point("before-commit")
                db.execute("COMMIT")
            except sqlite3.Error as e:
                self._rollback()
                self._wipe = False
                raise StorageError(_reason(self.directory, e)) from None
            except BaseException:
                self._rollback()
                self._wipe = False
                raise
            finally:
                self._depth = 0
            crash_point("after-commit")
            if self._wipe:
                self._wipe = False
                # Deleted keys were overwritten in the database; the WAL still holds the
                # pages as they were until it is checkpointed and truncated.
                with contextlib.suppress(sqlite3.Error):
                    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._mutex:
            try:
                return self._conn().execute(sql, params).fetchall()
            except sqlite3.Error as e:
                raise StorageError(_reason(self.directory, e)) from None

    def _write(self, sql: str, params: Sequence[object] = ()) -> int:
        """One statement inside the current transaction (or its own); rows changed."""
        with self.transaction():
            return self._conn().execute(sql, params).rowcount

    # -- closing ----------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._db is None

    def close(self) -> None:
        """Close the database and release the directory (idempotent)."""
        with self._mutex:
            self._db = None
            self._release()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the chassis ------------------------------------------------------------------------

    def chassis(self) -> dict[str, Any] | None:
        """The chassis record (platform, serial, release, created, active_rp, reboots by node,
        switchovers), None for a new store."""
        rows = self._read("SELECT platform, serial, release, created, active_rp FROM chassis")
        if not rows:
            return None
        platform, serial, rel, created, active = rows[0]
        reboots: dict[str, list[dict[str, str]]] = {}
        for node, time, reason in self._read("SELECT node, time, reason FROM reboots ORDER BY seq"):
            reboots.setdefault(node, []).append({"time": time, "reason": reason})
        switchovers = [
            {"time": t, "from": f, "to": to, "reason": r}
            for t, f, to, r in self._read(
                "SELECT time, from_node, to_node, reason FROM switchovers ORDER BY seq"
            )
        ]
        return {
            "platform": platform,
            "serial": serial,
            "release": rel,
            "created": created,
            "active_rp": active,
            "reboots": reboots,
            "switchovers": switchovers,
        }

    def save_chassis(self, data: dict[str, Any]) -> None:
        """Replace the chassis record (one transaction)."""
        with self.transaction():
            _put_chassis(self._conn(), data)

    # -- configuration ----------------------------------------------------------------------

    def running(self) -> tuple[Any, int, tuple[str, str] | None] | None:
        """(tree data, next commit ID, (time, user) of the last change), None before the
        first save."""
        rows = self._read("SELECT tree, next_id, last_change_time, last_change_user FROM running")
        if not rows:
            return None
        tree, next_id, when, user = rows[0]
        try:
            data = json.loads(tree)
        except ValueError as e:
            raise StateError(f"the stored running configuration cannot be read ({e})") from None
        return data, int(next_id), (when, user) if when is not None else None

    def commits(self) -> list[dict[str, Any]]:
        """The commit database, oldest first, as ``CommitRecord.to_data`` made it."""
        out = []
        for row in self._read(
            "SELECT id, user, line, client, time, label, comment, changes, undo "
            "FROM commits ORDER BY id"
        ):
            try:
                changes, undo = json.loads(row[7]), json.loads(row[8])
            except ValueError as e:
                raise StateError(f"the stored commit {row[0]} cannot be read ({e})") from None
            out.append(
                {
                    "id": row[0],
                    "user": row[1],
                    "line": row[2],
                    "client": row[3],
                    "time": row[4],
                    "label": row[5],
                    "comment": row[6],
                    "changes": changes,
                    "undo": undo,
                }
            )
        return out

    def save_config(
        self,
        tree: Any,
        next_id: int,
        last_change: tuple[str, str] | None,
        record: dict[str, Any] | None = None,
        *,
        keep: int = 100,
    ) -> None:
        """One commit, in one transaction: the running configuration (``ConfigTree.to_data``),
        the next commit ID, the commit record (``CommitRecord.to_data``; None for the factory
        configuration) and the trimming of the database to the ``keep`` newest."""
        with self.transaction():
            db = self._conn()
            when, user = last_change if last_change is not None else (None, None)
            db.execute(
                "INSERT OR REPLACE INTO running VALUES (1, ?, ?, ?, ?)",
                (json.dumps(tree), next_id, when, user),
            )
            if record is not None:
                _put_commit(db, record)
                db.execute(
                    "DELETE FROM commits WHERE id NOT IN "
                    "(SELECT id FROM commits ORDER BY id DESC LIMIT ?)",
                    (keep,),
                )

    # -- keys -------------------------------------------------------------------------------

    def private_keys(self, key_type: str | None = None) -> list[KeyRow]:
        """Private keys (of one type), in the order they were first stored."""
        sql = "SELECT key_type, label, usage, created, bits, pem FROM keys"
        params: tuple[str, ...] = ()
        if key_type is not None:
            sql, params = sql + " WHERE key_type = ?", (key_type,)
        return [KeyRow(*row) for row in self._read(sql + " ORDER BY rowid", params)]

    def private_key(self, key_type: str, label: str, usage: str) -> KeyRow | None:
        rows = self._read(
            "SELECT key_type, label, usage, created, bits, pem FROM keys "
            "WHERE key_type = ? AND label = ? AND usage = ?",
            (key_type, label, usage),
        )
        return KeyRow(*rows[0]) if rows else None

    def put_keys(self, rows: Sequence[KeyRow], *, replace_label: bool = False) -> None:
        """Store keys (one transaction); ``replace_label``: the label's other keys of that type
        go (``crypto key generate`` replacing a label)."""
        with self.transaction():
            db = self._conn()
            if replace_label:
                for pair in {(r.key_type, r.label) for r in rows}:
                    if db.execute(
                        "DELETE FROM keys WHERE key_type = ? AND label = ?", pair
                    ).rowcount:
                        self._wipe = True
            for r in rows:
                db.execute(
                    "INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (key_type, label, usage) DO UPDATE SET "
                    "created = excluded.created, bits = excluded.bits, pem = excluded.pem",
                    (r.key_type, r.label, r.usage, r.created, r.bits, r.pem),
                )

    def delete_keys(self, key_type: str, label: str) -> int:
        """Remove every key of that type and label (one transaction); how many went."""
        with self.transaction():
            n = (
                self._conn()
                .execute("DELETE FROM keys WHERE key_type = ? AND label = ?", (key_type, label))
                .rowcount
            )
            self._wipe = self._wipe or n > 0
            return n

    def auth_keys(self) -> list[AuthKeyRow]:
        """Imported authentication keys, in import order."""
        return [
            AuthKeyRow(*row)
            for row in self._read(
                "SELECT label, key_type, usage, imported, bits, owner, pem FROM auth_keys "
                "ORDER BY seq"
            )
        ]

    def put_auth_key(self, row: AuthKeyRow) -> None:
        """Store (or replace, as the newest) one authentication key."""
        with self.transaction():
            db = self._conn()
            seq = db.execute("SELECT coalesce(max(seq), -1) + 1 FROM auth_keys").fetchone()[0]
            db.execute(
                "INSERT OR REPLACE INTO auth_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.label,
                    seq,
                    row.key_type,
                    row.usage,
                    row.imported,
                    row.bits,
                    row.owner,
                    row.pem,
                ),
            )

    def delete_auth_keys(self, label: str | None = None) -> int:
        """Remove the authentication key of ``label`` (all for None); how many went."""
        if label is None:
            return self._write("DELETE FROM auth_keys")
        return self._write("DELETE FROM auth_keys WHERE label = ?", (label,))

    # -- certificates -----------------------------------------------------------------------

    def certificate(self, trustpoint: str, role: str) -> bytes | None:
        """The PEM of a trustpoint's ``ca`` or router (``general``/``signing``/``encryption``)
        certificate."""
        rows = self._read(
            "SELECT pem FROM certificates WHERE trustpoint = ? AND role = ?", (trustpoint, role)
        )
        return bytes(rows[0][0]) if rows else None

    def set_certificate(self, trustpoint: str, role: str, pem: bytes) -> None:
        self._write("INSERT OR REPLACE INTO certificates VALUES (?, ?, ?)", (trustpoint, role, pem))

    def clear_certificates(self, trustpoint: str) -> int:
        """Remove the trustpoint's certificates and pending requests (one transaction); how
        many went."""
        with self.transaction():
            gone = self._write("DELETE FROM certificates WHERE trustpoint = ?", (trustpoint,))
            return gone + self._write(
                "DELETE FROM pending_requests WHERE trustpoint = ?", (trustpoint,)
            )

    def certificate_trustpoints(self) -> list[str]:
        """Trustpoints that hold a certificate or a pending request, sorted."""
        return [
            r[0]
            for r in self._read(
                "SELECT trustpoint FROM certificates UNION "
                "SELECT trustpoint FROM pending_requests ORDER BY trustpoint"
            )
        ]

    # -- pending enrollment requests --------------------------------------------------------

    def pending_requests(self, trustpoint: str | None = None) -> list[PendingRow]:
        """Pending requests (of one trustpoint, or all), by trustpoint and usage."""
        where, params = ("WHERE trustpoint = ?", (trustpoint,)) if trustpoint else ("", ())
        rows = self._read(
            f"SELECT {', '.join(PendingRow.COLUMNS)} FROM pending_requests {where} "  # noqa: S608
            "ORDER BY trustpoint, usage",
            params,
        )
        return [PendingRow(*r) for r in rows]

    def put_pending(self, row: PendingRow) -> None:
        """Add or replace the request of ``(row.trustpoint, row.usage)``."""
        marks = ", ".join("?" * len(PendingRow.COLUMNS))
        self._write(
            f"INSERT OR REPLACE INTO pending_requests ({', '.join(PendingRow.COLUMNS)}) "  # noqa: S608
            f"VALUES ({marks})",
            [getattr(row, c) for c in PendingRow.COLUMNS],
        )

    def delete_pending(self, trustpoint: str, usage: str) -> int:
        return self._write(
            "DELETE FROM pending_requests WHERE trustpoint = ? AND usage = ?", (trustpoint, usage)
        )

    def take_serial(self, trustpoint: str, first: int) -> int:
        """The next serial number of the trustpoint's own CA (``first`` if it has given none),
        counted in the same transaction as the caller's."""
        with self.transaction():
            db = self._conn()
            row = db.execute(
                "SELECT next FROM ca_serials WHERE trustpoint = ?", (trustpoint,)
            ).fetchone()
            serial = int(row[0]) if row else first
            db.execute("INSERT OR REPLACE INTO ca_serials VALUES (?, ?)", (trustpoint, serial + 1))
            return serial

    # -- software packages (format 4) -------------------------------------------------------

    def packages(self) -> list[PackageRow]:
        """Every package the router holds, in the order they were added."""
        rows = self._read(f"SELECT {', '.join(PackageRow.COLUMNS)} FROM packages ORDER BY rowid")  # noqa: S608
        out = []
        for r in rows:
            values = dict(zip(PackageRow.COLUMNS, r, strict=True))
            for flag in ("boot", "active", "committed"):
                values[flag] = bool(values[flag])
            out.append(PackageRow(**values))
        return out

    def put_packages(self, rows: Sequence[PackageRow]) -> None:
        """Add or replace packages (one transaction; a replaced one keeps its place)."""
        cols = PackageRow.COLUMNS
        with self.transaction():
            db = self._conn()
            for row in rows:
                values = [getattr(row, c) for c in cols]
                values[5], values[10], values[11] = (
                    int(row.boot),
                    int(row.active),
                    int(row.committed),
                )
                names, marks = ", ".join(cols), ", ".join("?" * len(cols))
                db.execute(
                    f"INSERT INTO packages ({names}) VALUES ({marks}) "  # noqa: S608
                    "ON CONFLICT (nvr) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in cols[1:]),
                    values,
                )

    def delete_packages(self, nvrs: Sequence[str]) -> int:
        """Remove packages and their extraction records (one transaction); how many went."""
        with self.transaction():
            db = self._conn()
            gone = 0
            for nvr in nvrs:
                gone += db.execute("DELETE FROM packages WHERE nvr = ?", (nvr,)).rowcount
                db.execute("DELETE FROM node_packages WHERE nvr = ?", (nvr,))
            return gone

    def set_package_states(self, active: Sequence[str], committed: Sequence[str]) -> None:
        """Make exactly ``active`` the active packages and ``committed`` the committed ones."""
        with self.transaction():
            db = self._conn()
            db.execute("UPDATE packages SET active = 0, committed = 0")
            for nvr in active:
                db.execute("UPDATE packages SET active = 1 WHERE nvr = ?", (nvr,))
            for nvr in committed:
                db.execute("UPDATE packages SET committed = 1 WHERE nvr = ?", (nvr,))

    def node_packages(self) -> dict[str, set[str]]:
        """Node name -> the packages recorded as extracted on it."""
        out: dict[str, set[str]] = {}
        for node, nvr in self._read("SELECT node, nvr FROM node_packages ORDER BY node, nvr"):
            out.setdefault(node, set()).add(nvr)
        return out

    def put_node_packages(self, pairs: Sequence[tuple[str, str]], when: str) -> None:
        """Record ``(node, nvr)`` pairs as extracted at ``when``."""
        with self.transaction():
            db = self._conn()
            for node, nvr in pairs:
                db.execute(
                    "INSERT OR REPLACE INTO node_packages VALUES (?, ?, ?)", (node, nvr, when)
                )

    def delete_node_packages(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Forget ``(node, nvr)`` extraction records."""
        with self.transaction():
            db = self._conn()
            for node, nvr in pairs:
                db.execute("DELETE FROM node_packages WHERE node = ? AND nvr = ?", (node, nvr))

    def install_log(self) -> list[InstallRow]:
        """The install operations, oldest first."""
        rows = self._read(f"SELECT {', '.join(InstallRow.COLUMNS)} FROM install_log ORDER BY id")  # noqa: S608
        return [InstallRow(*r) for r in rows]

    def add_install_record(self, row: InstallRow, *, keep: int = 1000) -> None:
        """Append one operation, keeping the ``keep`` newest."""
        cols = InstallRow.COLUMNS
        with self.transaction():
            db = self._conn()
            names, marks = ", ".join(cols), ", ".join("?" * len(cols))
            db.execute(
                f"INSERT INTO install_log ({names}) VALUES ({marks})",  # noqa: S608
                [getattr(row, c) for c in cols],
            )
            db.execute(
                "DELETE FROM install_log WHERE id NOT IN "
                "(SELECT id FROM install_log ORDER BY id DESC LIMIT ?)",
                (keep,),
            )

    # -- IMA measurement lists --------------------------------------------------------------

    def ima_lists(self) -> dict[str, tuple[str, str]]:
        """Every stored list: node -> (boot time, boot mark), as ``start_ima`` stored them."""
        return {
            str(node): (str(when), str(mark))
            for node, when, mark in self._read(
                "SELECT node, boot_time, boot_mark FROM ima_lists ORDER BY node"
            )
        }

    def ima_events(self, node: str) -> list[ImaRow]:
        """The node's events after ``boot_aggregate``, in list order."""
        return [
            ImaRow(int(seq), str(when), str(path), bytes(digest), bool(violation))
            for seq, when, path, digest, violation in self._read(
                "SELECT seq, time, path, digest, violation FROM ima_events WHERE node = ? "
                "ORDER BY seq",
                (node,),
            )
        ]

    def start_ima(
        self, node: str, boot_time: str, boot_mark: str, rows: Sequence[ImaRow] = ()
    ) -> None:
        """Begin the node's list afresh (one transaction): its old events go, the list's boot
        time and mark are replaced and ``rows`` are its first events."""
        with self.transaction():
            db = self._conn()
            db.execute("DELETE FROM ima_events WHERE node = ?", (node,))
            db.execute(
                "INSERT OR REPLACE INTO ima_lists VALUES (?, ?, ?)", (node, boot_time, boot_mark)
            )
            self._put_ima(db, node, rows)

    def append_ima(self, node: str, rows: Sequence[ImaRow]) -> None:
        """Append events to the node's list (one transaction; the list must exist)."""
        with self.transaction():
            db = self._conn()
            if db.execute("SELECT 1 FROM ima_lists WHERE node = ?", (node,)).fetchone() is None:
                raise StateError(f"no IMA measurement list of {node} is stored")
            self._put_ima(db, node, rows)

    @staticmethod
    def _put_ima(db: sqlite3.Connection, node: str, rows: Sequence[ImaRow]) -> None:
        db.executemany(
            "INSERT INTO ima_events VALUES (?, ?, ?, ?, ?, ?)",
            [(node, r.seq, r.time, r.path, r.digest, int(r.violation)) for r in rows],
        )

    # -- the downloaded CA trustpool (format 6) ---------------------------------------------

    def trustpool(self) -> list[bytes]:
        """The downloaded trustpool certificates (DER), in bundle order."""
        return [bytes(r[0]) for r in self._read("SELECT der FROM trustpool ORDER BY seq")]

    def trustpool_import(self) -> tuple[str | None, str, int] | None:
        """(source URL or None, time, count) of the stored bundle; None when there is none."""
        rows = self._read("SELECT source, time, count FROM trustpool_import WHERE id = 1")
        if not rows:
            return None
        source, when, count = rows[0]
        return (None if source is None else str(source)), str(when), int(count)

    def replace_trustpool(self, ders: Sequence[bytes], *, source: str | None, when: str) -> None:
        """Make ``ders`` the whole downloaded trustpool (one transaction); an empty sequence
        removes it and its import record (``crypto ca trustpool import url clean``)."""
        with self.transaction():
            db = self._conn()
            db.execute("DELETE FROM trustpool")
            db.execute("DELETE FROM trustpool_import")
            db.executemany(
                "INSERT INTO trustpool VALUES (?, ?)", [(i, bytes(d)) for i, d in enumerate(ders)]
            )
            if ders:
                db.execute(
                    "INSERT INTO trustpool_import VALUES (1, ?, ?, ?)", (source, when, len(ders))
                )

    # -- inspection -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, by table (tests compare these: "nothing changed")."""
        with self._mutex:
            tables = [
                r[0]
                for r in self._read(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            return {t: self._read(f"SELECT * FROM {t} ORDER BY rowid") for t in tables}  # noqa: S608

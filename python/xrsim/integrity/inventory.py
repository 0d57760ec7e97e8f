"""The filesystem inventory (``filesystem-inventory``, IOS XR 7.3.1; layer 4: imports
``xrsim.chassis``, ``xrsim.config``, ``xrsim.scheduler`` and ``xrsim.errors``).

Configuration (``xrsim.cli.commands.integrity`` registers the lines, ``FSINV``)::

    filesystem-inventory               enable it (submode config-filesystem-inventory)
     snapshot-interval 1-96            the interval in 15-minute blocks (default 1: 15 minutes)

- ``FilesystemInventory`` (``router.fsinventory``): the router's inventory. ``apply(target)`` is
  part of the datastore's ``on_apply`` hook: a commit that enables it or changes the interval
  arms a snapshot due at once (then one every interval, on the router's scheduler; nothing
  sleeps), and its undo puts the old schedule back when the commit cannot be saved.
  ``resume(running)`` re-arms it at boot (the next snapshot one interval after the last one
  stored, or at once when that has passed). ``snapshot()`` takes one on every node now (what
  the timer does). ``collect(options)`` is the dossier's ``filesystem-inventory`` section.
- ``NodeInventory``: the snapshots of one node, kept on that node's own filesystem:
  ``/misc/scratch/filesysinv/block-NNNNNN.json`` (one per snapshot, numbered from 0) and
  ``baseline.json`` (the metadata as of the last block, what the next one is compared with),
  each written atomically; one line per snapshot in ``/var/log/iosxr/filesysinv/filesysinv.log``.
- ``FileRecord``: the metadata of one entry: its node path, type (``file``, ``directory``,
  ``symlink``, ``other``), size, mode (octal text), uid, gid, inode, link count, ctime, mtime,
  atime (seconds since the epoch, from the real file) and a symlink's target.

Snapshots: every node that has a filesystem (RPs and line cards) is scanned whole (its root
directory is the node's ``/``; symlinks are recorded, not followed), except the inventory's
own two directories. The first snapshot of a node is ``full`` (every entry); the next ones are
``incremental``: the entries ``added``, ``changed`` and ``removed`` (with their last metadata)
since the previous block. An entry changed when anything but its atime differs (reading a file
is not a change). A node whose baseline is missing or does not match its last block gets a
full snapshot again. ``MAX_BLOCKS`` blocks are kept per node; the oldest are deleted. Block
times are the router clock's.

``collect`` takes the dossier's ``filesystem-inventory-options``: ``{"0/RP0/CPU0":
{"block_start": 0, "count": 1}}`` (a node to its first block and how many; both optional:
from block 0, all of them); None collects every block of the active RP. Each node gets a
``result-code``: ``Success``, ``Unknown-node``, ``No-inventory`` (no filesystem, or no
snapshot yet) or ``Invalid-argument`` (an unknown option, a value that is not an integer in
range), with a ``message`` unless ``Success``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from xrsim.chassis import Chassis
from xrsim.chassis.filesystem import NodeFilesystem
from xrsim.chassis.node import Node
from xrsim.config.tree import ConfigNode, ConfigTree
from xrsim.errors import FileAccessError, InvalidInput, StateError, UnknownNode, XrsimError
from xrsim.scheduler import Scheduler, Timer

__all__ = [
    "BLOCK_MINUTES",
    "DEFAULT_INTERVAL",
    "FSINV",
    "LOG_DIR",
    "MAX_BLOCKS",
    "SNAPSHOT_DIR",
    "FileRecord",
    "FilesystemInventory",
    "NodeInventory",
    "configured_interval",
]

_log = logging.getLogger("xrsim.integrity.inventory")

#: Where the snapshots and the log live on each node (the seed's paths).
SNAPSHOT_DIR = "/misc/scratch/filesysinv"
LOG_DIR = "/var/log/iosxr/filesysinv"
LOG_FILE = f"{LOG_DIR}/filesysinv.log"
BASELINE_FILE = f"{SNAPSHOT_DIR}/baseline.json"
#: One interval block is 15 minutes; ``snapshot-interval`` counts blocks (1-96).
BLOCK_MINUTES = 15
#: The interval when ``filesystem-inventory`` has no ``snapshot-interval`` line.
DEFAULT_INTERVAL = 1
#: Blocks kept per node (a week at one snapshot every 15 minutes); older ones are deleted.
MAX_BLOCKS = 672
#: The log is started again (the old one kept as ``filesysinv.log.1``) past this size.
LOG_LIMIT = 1 << 20
#: ``collect``'s options and result codes.
OPTIONS = ("block_start", "count")
SUCCESS, UNKNOWN_NODE, NO_INVENTORY, INVALID_ARGUMENT = (
    "Success",
    "Unknown-node",
    "No-inventory",
    "Invalid-argument",
)

_BLOCK_NAME = re.compile(r"block-(\d{6,})\.json")
_TIMER_NAME = "filesystem-inventory: snapshot"


class FSINV:
    """The configuration lines (``configured_interval`` reads their typed ``args``)."""

    ROOT = "filesystem-inventory"
    SNAPSHOT_INTERVAL = "snapshot-interval <blocks:1-96>"


def configured_interval(tree: ConfigTree) -> int | None:
    """The configured interval in blocks; None when ``filesystem-inventory`` is not configured."""
    node: ConfigNode | None = tree.get([FSINV.ROOT])
    if node is None:
        return None
    for child in node.children.values():
        if child.syntax == FSINV.SNAPSHOT_INTERVAL:
            return int(child.args["blocks"])
    return DEFAULT_INTERVAL


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "other"


@dataclass(frozen=True)
class FileRecord:
    """The metadata of one filesystem entry (see the module docstring)."""

    name: str
    type: str
    size: int
    mode: str
    uid: int
    gid: int
    inode: int
    links: int
    ctime: float
    mtime: float
    atime: float
    target: str | None = None

    @classmethod
    def of(cls, name: str, st: os.stat_result, target: str | None) -> FileRecord:
        return cls(
            name=name,
            type=_kind(st.st_mode),
            size=st.st_size,
            mode=f"{stat.S_IMODE(st.st_mode):04o}",
            uid=st.st_uid,
            gid=st.st_gid,
            inode=st.st_ino,
            links=st.st_nlink,
            ctime=st.st_ctime_ns / 1e9,
            mtime=st.st_mtime_ns / 1e9,
            atime=st.st_atime_ns / 1e9,
            target=target,
        )

    def changed_from(self, other: FileRecord) -> bool:
        """Whether anything but the access time differs."""
        return (
            self.type,
            self.size,
            self.mode,
            self.uid,
            self.gid,
            self.inode,
            self.links,
            self.ctime,
            self.mtime,
            self.target,
        ) != (
            other.type,
            other.size,
            other.mode,
            other.uid,
            other.gid,
            other.inode,
            other.links,
            other.ctime,
            other.mtime,
            other.target,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "size": self.size,
            "mode": self.mode,
            "uid": self.uid,
            "gid": self.gid,
            "inode": self.inode,
            "links": self.links,
            "ctime": self.ctime,
            "mtime": self.mtime,
            "atime": self.atime,
        }
        if self.target is not None:
            out["target"] = self.target
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileRecord:
        """A stored record; ``ValueError`` / ``KeyError`` / ``TypeError`` when damaged."""
        target = data.get("target")
        return cls(
            name=str(data["name"]),
            type=str(data["type"]),
            size=int(data["size"]),
            mode=str(data["mode"]),
            uid=int(data["uid"]),
            gid=int(data["gid"]),
            inode=int(data["inode"]),
            links=int(data["links"]),
            ctime=float(data["ctime"]),
            mtime=float(data["mtime"]),
            atime=float(data["atime"]),
            target=None if target is None else str(target),
        )


def _walk(root: Path, excluded: frozenset[str]) -> Iterator[FileRecord]:
    """Every entry below ``root`` (node paths: ``root`` is ``/``), symlinks not followed,
    the directories ``excluded`` (node paths) and what is below them left out. Entries that
    vanish while the walk runs are skipped."""
    stack = [(root, "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:
            continue  # vanished, or unreadable: its own record (if any) stands
        for entry in entries:
            name = f"{prefix}/{entry.name}"
            if name in excluded:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
                target = os.readlink(entry.path) if stat.S_ISLNK(st.st_mode) else None
            except OSError:
                continue
            yield FileRecord.of(name, st, target)
            if stat.S_ISDIR(st.st_mode):
                stack.append((Path(entry.path), name))


# --------------------------------------------------------------------------------------------
# One node
# --------------------------------------------------------------------------------------------


def _block_path(number: int) -> str:
    return f"{SNAPSHOT_DIR}/block-{number:06d}.json"


def _dumps(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=False).encode()


class NodeInventory:
    """The inventory of one node, kept on its filesystem ``fs``."""

    #: The inventory's own directories, left out of every scan.
    EXCLUDED = frozenset({SNAPSHOT_DIR, LOG_DIR})

    def __init__(self, node: str, fs: NodeFilesystem) -> None:
        self.node = node
        self.fs = fs

    def blocks(self) -> list[int]:
        """The numbers of the blocks stored, in order."""
        directory = self.fs.resolve(SNAPSHOT_DIR)
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StateError(f"{self.node}: cannot list {SNAPSHOT_DIR}: {exc.strerror}") from None
        return sorted(int(m.group(1)) for n in names if (m := _BLOCK_NAME.fullmatch(n)))

    def read_block(self, number: int) -> dict[str, Any]:
        """One stored block as JSON data; ``StateError`` when it cannot be read or is damaged."""
        try:
            data = json.loads(self.fs.read(_block_path(number)))
        except (XrsimError, ValueError) as exc:
            raise StateError(f"{self.node}: block {number} cannot be read ({exc})") from None
        if not isinstance(data, dict) or data.get("block") != number:
            raise StateError(f"{self.node}: block {number} is damaged")
        return data

    def _baseline(self, last: int | None) -> dict[str, FileRecord] | None:
        """The metadata as of block ``last``; None when there is none to trust."""
        if last is None:
            return None
        try:
            data = json.loads(self.fs.read(BASELINE_FILE))
            if not isinstance(data, dict) or data.get("block") != last:
                return None
            return {r["name"]: FileRecord.from_json(r) for r in data["files"]}
        except (XrsimError, ValueError, KeyError, TypeError):
            return None

    def last_time(self) -> datetime | None:
        """The router-clock time of the last block, None without one."""
        numbers = self.blocks()
        if not numbers:
            return None
        try:
            return datetime.fromisoformat(str(self.read_block(numbers[-1])["time-iso"]))
        except (StateError, KeyError, ValueError):
            return None

    def snapshot(self, now: datetime, interval: int) -> dict[str, Any]:
        """Scan the node and store the next block (full or incremental); returns it."""
        numbers = self.blocks()
        last = numbers[-1] if numbers else None
        number = 0 if last is None else last + 1
        previous = self._baseline(last)
        self._make_dirs()  # before the scan: making them later would show as a change
        current = {r.name: r for r in _walk(self.fs.root, self.EXCLUDED)}
        head: dict[str, Any] = {
            "node": self.node,
            "block": number,
            "type": "full" if previous is None else "incremental",
            "time": now.timestamp(),
            "time-iso": now.isoformat(),
            "snapshot-interval": interval,
            "entries": len(current),
        }
        if previous is None:
            block = {**head, "files": [current[n].to_json() for n in sorted(current)]}
            summary = f"full: {len(current)} entries"
        else:
            added = sorted(n for n in current if n not in previous)
            removed = sorted(n for n in previous if n not in current)
            changed = sorted(
                n for n in current if n in previous and current[n].changed_from(previous[n])
            )
            block = {
                **head,
                "previous-block": last,
                "added": [current[n].to_json() for n in added],
                "changed": [current[n].to_json() for n in changed],
                "removed": [previous[n].to_json() for n in removed],
            }
            summary = (
                f"incremental: {len(added)} added, {len(changed)} changed, "
                f"{len(removed)} removed ({len(current)} entries)"
            )
        self.fs.write_atomic(_block_path(number), _dumps(block), parents=True)
        baseline = {
            "block": number,
            "files": [current[n].to_json() for n in sorted(current)],
        }
        self.fs.write_atomic(BASELINE_FILE, _dumps(baseline), parents=True)
        for old in numbers[: max(0, len(numbers) + 1 - MAX_BLOCKS)]:
            try:
                self.fs.delete(_block_path(old))
            except XrsimError:  # kept one more round; the new block is stored
                _log.warning("%s: cannot delete block %d", self.node, old, exc_info=True)
        self._log(f"{now.isoformat()} {self.node} block {number} {summary}")
        return block

    def _make_dirs(self) -> None:
        for directory in (SNAPSHOT_DIR, LOG_DIR):
            path = self.fs.resolve(directory)
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise FileAccessError(exc.errno or 0, exc.strerror or str(exc), directory) from None

    def _log(self, line: str) -> None:
        """One line in the node's inventory log (a failure to log is itself only logged)."""
        try:
            path = self.fs.resolve(LOG_FILE)
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > LOG_LIMIT:
                path.replace(path.with_name(path.name + ".1"))
            with path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except (OSError, XrsimError):
            _log.warning("%s: cannot write %s", self.node, LOG_FILE, exc_info=True)


# --------------------------------------------------------------------------------------------
# The router's inventory
# --------------------------------------------------------------------------------------------


def _nothing() -> None:
    return None


def _option(value: object, name: str, lowest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise InvalidInput(f"{name} must be an integer of at least {lowest}, got {value!r}")
    return value


class FilesystemInventory:
    """The filesystem inventory of one router's nodes (``router.fsinventory``)."""

    def __init__(self, chassis: Chassis, scheduler: Scheduler) -> None:
        self._chassis = chassis
        self._scheduler = scheduler
        self._lock = threading.RLock()
        self._interval: int | None = None
        self._timer: Timer | None = None

    @property
    def interval(self) -> int | None:
        """The snapshot interval in 15-minute blocks; None when not configured."""
        return self._interval

    @property
    def next_snapshot(self) -> datetime | None:
        """When the next snapshot is due (router clock), None when none is armed."""
        timer = self._timer
        return timer.when if timer is not None and timer.pending else None

    def node(self, name: str) -> NodeInventory:
        """The inventory of a node (``UnknownNode``; ``InvalidInput`` for one without a
        filesystem)."""
        node = self._chassis.node(name)
        return NodeInventory(node.name, self._chassis.fs(node.name))

    def _nodes(self) -> list[Node]:
        return [n for n in self._chassis.nodes if n.has_filesystem]

    # -- schedule ----------------------------------------------------------------------------

    def _arm(self, delay: timedelta) -> None:
        """(Re)arm the next snapshot ``delay`` from now (under the lock)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            self._timer = self._scheduler.call_later(delay, self._tick, name=_TIMER_NAME)
        except StateError:  # shut down meanwhile: nothing runs any more
            self._timer = None

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _period(self) -> timedelta:
        assert self._interval is not None
        return timedelta(minutes=BLOCK_MINUTES * self._interval)

    def apply(self, target: ConfigTree) -> Callable[[], None]:
        """Put the configuration ``target`` into effect (the datastore's ``on_apply``): when
        the interval changes (or the inventory is enabled or disabled), a snapshot is armed
        due at once, or the schedule cancelled. Returns the undo."""
        new = configured_interval(target)
        with self._lock:
            old = self._interval
            if new == old:
                return _nothing
            now = self._chassis.clock.now()
            old_timer = self._timer
            old_delay = (
                max(old_timer.when - now, timedelta(0))
                if old_timer is not None and old_timer.pending
                else None
            )
            self._interval = new
            if new is None:
                self._disarm()
            else:
                self._arm(timedelta(0))

        def undo() -> None:
            with self._lock:
                self._interval = old
                if old is None or old_delay is None:
                    self._disarm()
                else:
                    self._arm(old_delay)

        return undo

    def resume(self, running: ConfigTree) -> None:
        """At boot: arm the snapshots of the running configuration, the next one an interval
        after the last one the active RP stored (at once when that has passed, or when there
        is none)."""
        with self._lock:
            self._interval = configured_interval(running)
            if self._interval is None:
                self._disarm()
                return
            delay = timedelta(0)
            try:
                last = self.node(self._chassis.active_rp.name).last_time()
            except XrsimError:
                last = None
            if last is not None:
                delay = max(last + self._period() - self._chassis.clock.now(), timedelta(0))
            self._arm(delay)

    def _tick(self) -> None:
        """The scheduled snapshot: the next one armed first, then every node scanned."""
        with self._lock:
            if self._interval is None:
                return
            self._arm(self._period())
            self.snapshot()

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Take a snapshot of every node with a filesystem now; returns the blocks stored, by
        node. A node whose snapshot cannot be stored (disk full, read-only) is logged and left
        out; its files are as they were (every file is written atomically)."""
        with self._lock:
            now = self._chassis.clock.now()
            interval = self._interval or DEFAULT_INTERVAL
            out: dict[str, dict[str, Any]] = {}
            for node in self._nodes():
                inventory = NodeInventory(node.name, self._chassis.fs(node.name))
                try:
                    out[node.name] = inventory.snapshot(now, interval)
                except XrsimError:
                    _log.exception("%s: filesystem inventory snapshot failed", node.name)
            return out

    # -- collection --------------------------------------------------------------------------

    def collect(self, options: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, Any]:
        """The dossier's ``filesystem-inventory`` data: per node asked for (``options``, see
        the module docstring; None: the active RP from block 0), its ``result-code`` and the
        blocks. ``InvalidInput`` only when ``options`` is not a mapping."""
        if options is None:
            options = {self._chassis.active_rp.name: {}}
        if not isinstance(options, Mapping):
            raise InvalidInput(
                "filesystem-inventory options map a node to its options: "
                '{"0/RP0/CPU0": {"block_start": 0, "count": 1}}'
            )
        out: dict[str, Any] = {}
        with self._lock:
            for name, node_options in options.items():
                key, result = self._collect_node(name, node_options)
                out[key] = result
        return out

    def _collect_node(self, name: object, options: object) -> tuple[str, dict[str, Any]]:
        label = str(name)
        try:
            node = self._chassis.node(label) if isinstance(name, str) else None
        except UnknownNode as exc:
            node, reason = None, str(exc)
        else:
            reason = f"no node {label!r}"
        if node is None:
            return label, {"result-code": UNKNOWN_NODE, "message": reason}
        try:
            start, count = self._options(options)
        except InvalidInput as exc:
            return node.name, {"result-code": INVALID_ARGUMENT, "message": str(exc)}
        if not node.has_filesystem:
            return node.name, {
                "result-code": NO_INVENTORY,
                "message": f"{node.name} ({node.card_type}) has no filesystem",
            }
        inventory = NodeInventory(node.name, self._chassis.fs(node.name))
        try:
            numbers = inventory.blocks()
        except StateError as exc:
            return node.name, {"result-code": NO_INVENTORY, "message": str(exc)}
        if not numbers:
            return node.name, {
                "result-code": NO_INVENTORY,
                "message": f"{node.name} has no filesystem inventory snapshot",
            }
        chosen = [n for n in numbers if n >= start]
        if count is not None:
            chosen = chosen[:count]
        blocks: list[dict[str, Any]] = []
        for number in chosen:
            try:
                blocks.append(inventory.read_block(number))
            except StateError as exc:
                blocks.append({"block": number, "result-code": "Damaged", "message": str(exc)})
        return node.name, {
            "result-code": SUCCESS,
            "first-block": numbers[0],
            "last-block": numbers[-1],
            "blocks": blocks,
        }

    @staticmethod
    def _options(options: object) -> tuple[int, int | None]:
        if not isinstance(options, Mapping):
            raise InvalidInput(
                f"the options of a node are an object such as {{'block_start': 0}}, got {options!r}"
            )
        unknown = [k for k in options if k not in OPTIONS]
        if unknown:
            raise InvalidInput(f"unknown option(s) {unknown} (options: {', '.join(OPTIONS)})")
        start = _option(options.get("block_start", 0), "block_start", 0)
        count = options.get("count")
        return start, None if count is None else _option(count, "count", 1)

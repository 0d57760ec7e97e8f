"""IMA measurement lists, one per node that runs IOS XR (layer 4: ``router.ima``).

- ``ImaLogs``: every XR node's list (``log(node)``), built when the router opens and kept in
  the router's state store (format 5: ``ima_lists``, ``ima_events``; every append one
  transaction, the memory changed only when it is saved). What it measures:

  * at the node's boot: ``boot_aggregate`` (no TPM: a zero digest, as the kernel writes it),
    then every file of every active package (``PackageSource.active()``), digests from the RPM
    header (the files were just extracted from it: nothing is hashed again), sorted by path
    (bytewise), all stamped with the boot time;
  * files that changed or appeared later: ``measure(node, files)`` is the fingerprint
    generation's scan callback (``Fingerprints.subscribe_scan``: node path -> SHA-256 hex of
    every package file found on the node). A file is measured again only when its digest
    differs from its last measurement in this boot, as the kernel's ``iint`` cache does; a
    removed file is not an event (the kernel logs none);
  * the files of a package activated later (``PackageSource.subscribe``): those never measured
    in this boot, from their RPM header;
  * ``NodeIma.record_violation(path)``: a ToMToU / open-writers violation (the list holds a zero
    digest, the PCR is extended with 0xFF bytes), for labs that simulate a file measured while
    open for writing; ``evmctl ima_measurement`` then needs ``--ignore-violations``.

  Events are numbered from 1 (``boot_aggregate`` is event 1, the first file event 2: the
  event number is the list index plus one) and stamped on the router clock.
  A node reload (``reload location``, ``reload``, the old active RP of a switchover: whatever
  adds a record to the node's reboot history) starts that node's list afresh at the reload's
  time, as a kernel boot does: the next use of the node's list sees the new reboot record,
  stores the fresh list (``boot_aggregate`` and the package files from their RPM headers) and
  drops the old one. A restart of the simulator (``Router.shutdown``, ``Router.boot`` on the
  same state directory) is no reboot of the nodes: the stored lists are read back whole.
- ``NodeIma``: one node's list: ``events(start_event, start_time)`` (incremental IMA: events
  numbered greater than ``start_event``, measured at or after ``start_time``), ``snapshot``
  (those events and the PCR values read together), ``binary()``/``ascii()`` (the kernel's
  ``binary_runtime_measurements`` / ``ascii_runtime_measurements``), ``pcrs()`` (PCR 10 in the
  SHA-1 and SHA-256 banks), ``pcr_file(bank)`` (the PCR file ``evmctl ima_measurement --pcrs``
  reads).
- ``ImaEvent``: one event with the YANG ``IMA-EVENT`` fields of
  ``Cisco-IOS-XR-remote-attestation-act`` (event-number, ima-template, filename-hint,
  filedata-hash, template-hash-algorithm, template-hash, pcr-index, signature; the field
  names are those with underscores) and its time.
- ``ImaSnapshot``: a node's events and PCR values taken at one instant.

The lists are built and replayed by the Rust core (``xrsim.crypto.ima.ImaLog``). Bad input
(an unknown node, a node without IOS XR, a digest that is not SHA-256 hex, a negative start
event, a naive time) raises ``InvalidInput``/``UnknownNode`` and changes nothing; a failed
save raises ``StorageError`` and changes nothing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from xrsim.chassis import Chassis
from xrsim.chassis.store import ImaRow, StateStore
from xrsim.crypto.ima import ImaEntry, ImaLog, pcr_file
from xrsim.errors import InvalidInput, StateError

__all__ = [
    "BOOT_AGGREGATE",
    "IMA_PCR",
    "IMA_TEMPLATE",
    "TEMPLATE_HASH_ALGORITHM",
    "ImaEvent",
    "ImaLogs",
    "ImaSnapshot",
    "NodeIma",
    "PackageSource",
]

#: The PCR the measurement list extends, the template it writes and the algorithm of the
#: template hash in the binary list (the SHA-256 bank's hash is ``template_hash_sha256``).
IMA_PCR = 10
IMA_TEMPLATE = "ima-ng"
TEMPLATE_HASH_ALGORITHM = "sha1"
BOOT_AGGREGATE = "boot_aggregate"
#: The PCR banks, as ``pcrs()`` names them.
BANKS = ("sha1", "sha256")

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class _PackageFile(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def digest(self) -> str: ...


class _Package(Protocol):
    @property
    def files(self) -> Sequence[_PackageFile]: ...


class PackageSource(Protocol):
    """What the lists read of the package manager (``router.packages``): the active packages
    (each with its file entries: node path, SHA-256 hex from the RPM header, empty for a
    directory or link) and a callback after every change of the active set."""

    def active(self) -> Sequence[_Package]: ...

    def subscribe(self, fn: Callable[[], None]) -> None: ...


@dataclass(frozen=True)
class ImaEvent:
    """One event of a node's measurement list, with the YANG ``IMA-EVENT`` fields."""

    event_number: int
    ima_template: str
    #: The measured file's path (``boot_aggregate`` for the first event).
    filename_hint: str
    #: The file digest (SHA-256, 32 bytes; ``boot_aggregate`` and violations: zeros).
    filedata_hash: bytes
    filedata_hash_algorithm: str
    template_hash_algorithm: str
    #: The template hash as the binary list holds it (SHA-1; zeros for a violation).
    template_hash: bytes
    template_hash_sha256: bytes
    pcr_index: int
    #: The ``security.ima`` signature (``ima-ng`` carries none: empty).
    signature: bytes
    time: datetime
    violation: bool


@dataclass(frozen=True)
class ImaSnapshot:
    """A node's events (after a start) and its PCR values, read together."""

    node: str
    boot_time: datetime
    events: tuple[ImaEvent, ...]
    pcrs: Mapping[str, bytes]
    #: How many events the whole list has (the number of its last event).
    length: int


def _event(number: int, entry: ImaEntry, when: datetime) -> ImaEvent:
    return ImaEvent(
        event_number=number,
        ima_template=entry.template,
        filename_hint=entry.path,
        filedata_hash=entry.digest,
        filedata_hash_algorithm=entry.digest_algorithm,
        template_hash_algorithm=TEMPLATE_HASH_ALGORITHM,
        template_hash=entry.template_hash,
        template_hash_sha256=entry.template_hash_sha256,
        pcr_index=entry.pcr,
        signature=entry.signature,
        time=when,
        violation=entry.violation,
    )


def _aware(when: datetime, what: str) -> datetime:
    if not isinstance(when, datetime):
        raise InvalidInput(f"{what} must be a datetime, not {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput(f"{what} {when.isoformat()} has no timezone (give UTC)")
    return when.astimezone(UTC)


def _parse_time(text: str) -> datetime:
    try:
        return _aware(datetime.fromisoformat(text), "a stored IMA time")
    except (ValueError, InvalidInput) as e:
        raise StateError(f"a stored IMA event time cannot be read ({e})") from None


def _check_path(path: object) -> str:
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise InvalidInput(f"not an absolute node path: {path!r}")
    return path


def _digest(hex_digest: object, path: str) -> bytes:
    if not isinstance(hex_digest, str) or not _HEX64.fullmatch(hex_digest):
        raise InvalidInput(f"{path}: not a SHA-256 digest in hex: {hex_digest!r}")
    return bytes.fromhex(hex_digest)


class NodeIma:
    """One node's measurement list. Made by ``ImaLogs``; every read first brings the list to
    the node's current boot (a reload since starts it afresh)."""

    def __init__(self, owner: ImaLogs, node: str) -> None:
        self._owner = owner
        self.node = node
        self._log = ImaLog()
        #: Times of the events, by list index (0: boot_aggregate).
        self._times: list[datetime] = []
        #: Each measured path's last digest in this boot.
        self._last: dict[str, bytes] = {}
        self._boot_mark = ""
        self.boot_time = datetime.fromtimestamp(0, UTC)

    # -- building (ImaLogs holds its lock) -------------------------------------------------

    def _reset(self, boot_time: datetime, mark: str) -> None:
        self._log = ImaLog()
        self._times = [boot_time]
        self._last = {}
        self._boot_mark = mark
        self.boot_time = boot_time

    def _load(self, rows: Sequence[ImaRow], boot_time: datetime, mark: str) -> None:
        """Replay stored rows (one Rust call per run of file events)."""
        self._reset(boot_time, mark)
        run: list[tuple[str, bytes]] = []
        for expected, row in enumerate(rows, start=1):
            if row.seq != expected:
                raise StateError(
                    f"the stored IMA list of {self.node} is damaged: event index {row.seq} "
                    f"where {expected} was expected"
                )
            if row.violation:
                self._log.append_many(run)
                run = []
                self._log.append_violation(row.path)
            else:
                if len(row.digest) != 32:
                    raise StateError(
                        f"the stored IMA list of {self.node} is damaged: event {row.seq} has a "
                        f"digest of {len(row.digest)} bytes"
                    )
                run.append((row.path, row.digest))
                self._last[row.path] = row.digest
            self._times.append(_parse_time(row.time))
        self._log.append_many(run)

    def _rows_for(self, measured: Iterable[tuple[str, bytes]], when: datetime) -> list[ImaRow]:
        """The rows of measuring ``measured`` now: those whose digest differs from the last
        measurement of their path (order kept; a path twice: the last digest counts)."""
        pending: dict[str, bytes] = {}
        for path, digest in measured:
            if self._last.get(path) == digest:
                pending.pop(path, None)
            else:
                pending[path] = digest
        stamp = when.isoformat()
        first = len(self._log)
        return [
            ImaRow(first + i, stamp, path, digest, False)
            for i, (path, digest) in enumerate(pending.items())
        ]

    def _apply(self, rows: Sequence[ImaRow], when: datetime) -> None:
        """Put saved rows into memory."""
        files = [(r.path, r.digest) for r in rows if not r.violation]
        if len(files) == len(rows):
            self._log.append_many(files)
        else:
            for r in rows:
                if r.violation:
                    self._log.append_violation(r.path)
                else:
                    self._log.append(r.path, r.digest)
        for r in rows:
            if not r.violation:
                self._last[r.path] = r.digest
        self._times.extend(when for _ in rows)

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._owner._current(self):
            return len(self._log)

    def events(self, start_event: int = 0, start_time: datetime | None = None) -> list[ImaEvent]:
        """The events numbered greater than ``start_event`` (0: all, ``boot_aggregate``
        included) and, when ``start_time`` is given, measured at or after it."""
        return list(self.snapshot(start_event, start_time).events)

    def snapshot(self, start_event: int = 0, start_time: datetime | None = None) -> ImaSnapshot:
        """``events(start_event, start_time)`` and the PCR values of the whole list, read
        together (no event is added in between)."""
        if isinstance(start_event, bool) or not isinstance(start_event, int) or start_event < 0:
            raise InvalidInput(f"a start event is a number >= 0, not {start_event!r}")
        since = None if start_time is None else _aware(start_time, "a start time")
        with self._owner._current(self):
            total = len(self._log)
            entries = self._log.entries(min(start_event, total))
            events = tuple(
                _event(i + 1, entry, self._times[i])
                for i, entry in enumerate(entries, start=min(start_event, total))
                if since is None or self._times[i] >= since
            )
            return ImaSnapshot(self.node, self.boot_time, events, self._log.pcrs(), total)

    def binary(self) -> bytes:
        """The list in the kernel's ``binary_runtime_measurements`` format."""
        with self._owner._current(self):
            return self._log.binary()

    def ascii(self) -> str:
        """The list in the kernel's ``ascii_runtime_measurements`` format."""
        with self._owner._current(self):
            return self._log.ascii()

    def pcrs(self) -> dict[str, bytes]:
        """PCR 10 after the list: ``{"sha1": 20 bytes, "sha256": 32 bytes}``."""
        with self._owner._current(self):
            return dict(self._log.pcrs())

    def pcr_file(self, bank: str) -> str:
        """The PCR file of ``bank`` (``sha1`` or ``sha256``) that ``evmctl ima_measurement
        --pcrs BANK,FILE`` reads: ``PCR-00`` to ``PCR-23``, PCR 10 from this list."""
        if bank not in BANKS:
            raise InvalidInput(f"no PCR bank {bank!r} (banks: {', '.join(BANKS)})")
        return pcr_file(self.pcrs()[bank], IMA_PCR)

    # -- measuring -------------------------------------------------------------------------

    def record_violation(self, path: str) -> ImaEvent:
        """Record an IMA violation for ``path`` (a file measured while open for writing):
        one event, saved before it is added."""
        _check_path(path)
        return self._owner._violation(self, path)


class ImaLogs:
    """The measurement lists of every node that runs IOS XR (``router.ima``)."""

    def __init__(self, chassis: Chassis, packages: PackageSource) -> None:
        """Read the stored lists (a node without one, or rebooted since, starts afresh at
        its boot) and follow the package manager's changes."""
        self._chassis = chassis
        self._store: StateStore = chassis.store
        self._packages = packages
        self._lock = threading.RLock()
        self._nodes: dict[str, NodeIma] = {}
        stored = self._store.ima_lists()
        with self._lock:
            for node in chassis.nodes:
                if not node.runs_xr:
                    continue
                log = NodeIma(self, node.name)
                self._nodes[node.name] = log
                if node.name in stored:
                    when, mark = stored[node.name]
                    log._load(self._store.ima_events(node.name), _parse_time(when), mark)
                self._bring_current(log)
        packages.subscribe(self._packages_changed)

    # -- nodes -----------------------------------------------------------------------------

    def nodes(self) -> list[str]:
        """The nodes that have a list (those that run IOS XR), in chassis order."""
        return list(self._nodes)

    def log(self, node: str) -> NodeIma:
        """The list of ``node`` (a location, case-insensitive). ``UnknownNode`` for no such
        node, ``InvalidInput`` for one that does not run IOS XR (fans, power modules)."""
        found = self._chassis.node(node)
        log = self._nodes.get(found.name)
        if log is None:
            raise InvalidInput(f"{found.name} ({found.card_type}) does not run IOS XR: no IMA")
        with self._current(log):
            return log

    # -- the node's boot -------------------------------------------------------------------

    def _mark(self, node: str) -> str:
        """Which boot the node is in: its reboot count and last reboot record ("" before its
        first reboot)."""
        history = self._chassis.reboot_history(node)
        if not history:
            return ""
        last = history[-1]
        return f"{len(history)}|{last.time.isoformat()}|{last.reason}"

    def _boot_time(self, node: str) -> datetime:
        history = self._chassis.reboot_history(node)
        return history[-1].time if history else self._chassis.clock.now()

    def _package_files(self) -> list[tuple[str, bytes]]:
        """Every active package's files, by path (bytewise), with their RPM header digests."""
        found: dict[str, bytes] = {}
        for pkg in self._packages.active():
            for f in pkg.files:
                if not f.digest:
                    continue  # a directory or link: nothing the kernel measures
                path = _check_path(f.path)
                found[path] = _digest(f.digest, path)
        return sorted(found.items(), key=lambda item: item[0].encode("utf-8", "surrogateescape"))

    def _bring_current(self, log: NodeIma) -> None:
        """Start the node's list afresh when it has none stored or the node rebooted since
        (lock held)."""
        mark = self._mark(log.node)
        if log._times and log._boot_mark == mark:
            return
        boot = self._boot_time(log.node)
        fresh = NodeIma(self, log.node)
        fresh._reset(boot, mark)
        rows = fresh._rows_for(self._package_files(), boot)
        self._store.start_ima(log.node, boot.isoformat(), mark, rows)
        fresh._apply(rows, boot)
        log._log, log._times, log._last = fresh._log, fresh._times, fresh._last
        log._boot_mark, log.boot_time = fresh._boot_mark, fresh.boot_time

    @contextmanager
    def _current(self, log: NodeIma) -> Iterator[None]:
        """The lock held and the list brought to the node's current boot."""
        with self._lock:
            self._bring_current(log)
            yield

    # -- measuring -------------------------------------------------------------------------

    def _append(self, log: NodeIma, measured: Iterable[tuple[str, bytes]]) -> int:
        """Measure ``measured`` on the node (lock held, list current): one transaction."""
        when = self._chassis.clock.now()
        rows = log._rows_for(measured, when)
        if rows:
            self._store.append_ima(log.node, rows)
            log._apply(rows, when)
        return len(rows)

    def measure(self, node: str, files: Mapping[str, str]) -> int:
        """Measure the files a scan found on ``node`` (node path -> SHA-256 hex): those new
        or changed since their last measurement, in path order, as one saved append. The
        number of events added. The fingerprint generation's scan callback."""
        log = self.log(node)
        measured = [(_check_path(p), _digest(d, p)) for p, d in files.items()]
        measured.sort(key=lambda item: item[0].encode("utf-8", "surrogateescape"))
        with self._current(log):
            return self._append(log, measured)

    def _packages_changed(self) -> None:
        """A package was activated or deactivated: measure, on every node, the active
        packages' files never measured in this boot (from their RPM headers)."""
        files = self._package_files()
        with self._lock:
            for log in self._nodes.values():
                with self._current(log):
                    self._append(log, [(p, d) for p, d in files if p not in log._last])

    def _violation(self, log: NodeIma, path: str) -> ImaEvent:
        with self._current(log):
            when = self._chassis.clock.now()
            row = ImaRow(len(log._log), when.isoformat(), path, b"", True)
            self._store.append_ima(log.node, [row])
            log._apply([row], when)
            index = len(log._log) - 1
            return _event(index + 1, log._log.event(index), when)

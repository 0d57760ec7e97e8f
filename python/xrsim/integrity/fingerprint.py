"""Package fingerprints: install-time from the RPM headers, run-time from the node filesystems
(layer 4: imports ``xrsim.chassis``, ``xrsim.clock``, ``xrsim.crypto.tree``, ``xrsim.errors``,
``xrsim.runtime``, ``xrsim.scheduler`` and the package types of ``xrsim.integrity.packages``).

The rule (docs/formats.md, "Package fingerprints"): one record per regular file of a package,
``path + "\\0" + sha256_hex(content) + "\\n"`` (the absolute node path as the RPM names it,
lower-case hex), records sorted by path (bytewise), fingerprint = the SHA-1 hex of their
concatenation (40 digits); ``crypto.tree.fingerprint`` computes it in the Rust core.

- ``install_fingerprint(package)``: the install-time fingerprint, from the file digests of the
  package's RPM header (regular files: those with a digest).
- ``Fingerprints`` (``router.fingerprints``): the run-time fingerprints of the active packages,
  recomputed by ``crypto.tree.scan_many`` (Rust, every core, the GIL released) over each
  package's directory (``/opt/cisco/XR/packages/<nvr>``) on every node that runs IOS XR; the
  active route processor's give ``run_time``. A generation runs

  - when it is due: at boot and after every change of the active packages
    (``PackageManager.subscribe``), as work due at once on the router's scheduler;
  - every ``period`` (``GENERATION_PERIOD``, one hour, counted from the last generation) on the
    router's scheduler;
  - on ``regenerate()``, on the calling thread (never the event loop's), before it returns.

  Scheduled generations run where the scheduler runs its work: in the runtime's worker pool
  while the clock follows real time, inside ``advance``/``set`` on a frozen clock. Nothing
  sleeps. Generations run one at a time.

  ``status`` is ``generation-in-progress`` while a generation runs or one is due (none done
  yet, or the packages changed since the last), else ``generation-up-to-date``; ``timestamp``
  is the router clock's time when the last generation finished. These are the YANG
  ``Inst-fp-request-status`` values of ``Cisco-IOS-XR-spirit-install-instmgr-oper``; its third
  value, ``to-be-regenerated-at-apply``, is not used: xrsim's package changes are atomic, so a
  generation is never waiting for the end of one. ``run_time`` is ``"0"`` for a package with no
  run-time fingerprint yet (before the first generation, or activated since the last).

  A generation that fails (a package file the scan cannot read: ``FileAccessError``) keeps the
  previous results; ``regenerate()`` raises the error, a scheduled one logs it (logger
  ``xrsim.integrity``) and the next period tries again.

  ``subscribe_scan(fn)``: after each generation, ``fn(node, {node path: sha256 hex})`` per node
  that runs IOS XR, with every package file found on that node (the IMA log measures the
  changed and new files from it). A subscriber that raises is logged; the others still run.
- ``PackageFingerprint``, ``FingerprintReport``: what ``report()`` gives the views (NETCONF's
  ``install/packages``, the dossier): per package its install-time and run-time fingerprints,
  the status and the timestamp, for the active route processor and per node.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal, Protocol, TypeAlias

from xrsim import runtime
from xrsim.chassis import Chassis
from xrsim.clock import as_timedelta
from xrsim.crypto import tree
from xrsim.errors import FileAccessError, InvalidInput, StateError, XrsimError
from xrsim.integrity.packages import Package, PackageManager
from xrsim.scheduler import Scheduler, Timer

__all__ = [
    "GENERATION_PERIOD",
    "IN_PROGRESS",
    "NO_FINGERPRINT",
    "UP_TO_DATE",
    "FingerprintReport",
    "Fingerprintable",
    "Fingerprints",
    "PackageFingerprint",
    "ScanSubscriber",
    "Status",
    "install_fingerprint",
]

_log = logging.getLogger("xrsim.integrity")

#: How often the run-time fingerprints are regenerated, counted from the last generation.
GENERATION_PERIOD = timedelta(hours=1)

#: Scans of one generation when the packages keep changing under it (then the error is raised).
_SCAN_ATTEMPTS = 3

#: The run-time fingerprint of a package not generated yet (the YANG's ``'0'``).
NO_FINGERPRINT = "0"

Status: TypeAlias = Literal["generation-up-to-date", "generation-in-progress"]
UP_TO_DATE: Status = "generation-up-to-date"
IN_PROGRESS: Status = "generation-in-progress"

#: ``fn(node name, {node path: sha256 hex})``, called after each generation per XR node.
ScanSubscriber: TypeAlias = Callable[[str, Mapping[str, str]], None]


class _FileEntry(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def digest(self) -> str: ...


class Fingerprintable(Protocol):
    """What the install-time rule reads: a package's header file list (``Package``, and
    ``crypto.rpm.RpmHeader`` of an RPM file)."""

    @property
    def nvr(self) -> str: ...

    @property
    def files(self) -> Sequence[_FileEntry]: ...


def install_fingerprint(package: Fingerprintable) -> str:
    """The install-time fingerprint of ``package``: the rule over its RPM header's file
    digests (SHA-256 hex; regular files only: entries with a digest, directories and symlinks
    have none)."""
    return tree.fingerprint((f.path, f.digest) for f in package.files if f.digest)


@dataclass(frozen=True)
class PackageFingerprint:
    """One package with its install-time and run-time fingerprints (run-time ``"0"`` when
    none has been generated for it)."""

    package: Package
    install_time: str
    run_time: str

    @property
    def nvr(self) -> str:
        return self.package.nvr

    @property
    def generated(self) -> bool:
        """Whether a run-time fingerprint exists for it."""
        return self.run_time != NO_FINGERPRINT

    @property
    def matches(self) -> bool:
        """Run-time equals install-time (False while there is no run-time fingerprint)."""
        return self.generated and self.run_time == self.install_time


@dataclass(frozen=True)
class FingerprintReport:
    """The fingerprints of one package set (``active`` or ``committed``) at one instant:
    ``packages`` with the active route processor's run-time values, ``nodes`` the same per
    node that runs IOS XR (in chassis order)."""

    which: Literal["active", "committed"]
    status: Status
    timestamp: datetime | None
    packages: tuple[PackageFingerprint, ...]
    nodes: Mapping[str, tuple[PackageFingerprint, ...]]


@dataclass(frozen=True)
class _Generation:
    """The result of one generation: per node, per package NVR, its scan."""

    scans: Mapping[str, Mapping[str, tree.TreeScan]]
    finished: datetime


class Fingerprints:
    """The install-time and run-time fingerprints of one router's packages (thread safe)."""

    def __init__(
        self,
        packages: PackageManager,
        chassis: Chassis,
        scheduler: Scheduler,
        *,
        period: float | timedelta = GENERATION_PERIOD,
    ) -> None:
        """Subscribes to ``packages`` and schedules the first generation (due at once).
        ``period``: the time between periodic generations (> 0)."""
        span = as_timedelta(period, what="period")
        if span <= timedelta(0):
            raise InvalidInput(f"the fingerprint period must be positive, got {span}")
        self._packages = packages
        self._chassis = chassis
        self._scheduler = scheduler
        self._period = span
        self._lock = threading.Lock()  # the fields below
        self._run_lock = threading.RLock()  # one generation at a time (re-entrant: subscribers)
        self._changes = 0  # package changes seen (and the boot)
        self._generated = -1  # the value of _changes the last generation started from
        self._running = False
        self._last: _Generation | None = None
        self._due: Timer | None = None
        self._periodic: Timer | None = None
        self._subscribers: list[ScanSubscriber] = []
        self._install: dict[str, tuple[Package, str]] = {}
        self._request()
        packages.subscribe(self._changed)

    # -- reading ----------------------------------------------------------------------------

    @property
    def period(self) -> timedelta:
        """The time between periodic generations."""
        return self._period

    @property
    def status(self) -> Status:
        """``generation-in-progress`` while a generation runs or is due, else
        ``generation-up-to-date``."""
        with self._lock:
            return self._status()

    def _status(self) -> Status:
        if self._running or self._generated != self._changes:
            return IN_PROGRESS
        return UP_TO_DATE

    @property
    def timestamp(self) -> datetime | None:
        """When the last generation finished (router clock), None before the first."""
        with self._lock:
            return None if self._last is None else self._last.finished

    def install_time(self, package: Package) -> str:
        """The install-time fingerprint of ``package`` (computed once per package)."""
        with self._lock:
            cached = self._install.get(package.nvr)
        if cached is not None and (cached[0] is package or cached[0] == package):
            return cached[1]
        value = install_fingerprint(package)
        with self._lock:
            self._install[package.nvr] = (package, value)
        return value

    def run_time(self, package: Package, node: str | None = None) -> str:
        """The run-time fingerprint of ``package`` from the last generation on ``node``
        (default: the active route processor); ``"0"`` when there is none."""
        name = self._chassis.active_rp.name if node is None else self._chassis.node(node).name
        with self._lock:
            last = self._last
        if last is None:
            return NO_FINGERPRINT
        scan = last.scans.get(name, {}).get(package.nvr)
        return NO_FINGERPRINT if scan is None else scan.fingerprint

    def files(self, package: Package, node: str | None = None) -> Mapping[str, str]:
        """``{node path: sha256 hex}`` of the files the last generation found in the
        package's directory on ``node`` (default: the active RP); empty when none."""
        name = self._chassis.active_rp.name if node is None else self._chassis.node(node).name
        with self._lock:
            last = self._last
        scan = None if last is None else last.scans.get(name, {}).get(package.nvr)
        return MappingProxyType({}) if scan is None else scan.files

    def report(self, which: Literal["active", "committed"] = "active") -> FingerprintReport:
        """The fingerprints of the active (or committed) packages, their status and time."""
        if which == "active":
            packages = self._packages.active()
        elif which == "committed":
            packages = self._packages.committed()
        else:
            raise InvalidInput(f"report of 'active' or 'committed' packages, not {which!r}")
        with self._lock:
            status, last = self._status(), self._last
        active = self._chassis.active_rp.name
        nodes: dict[str, tuple[PackageFingerprint, ...]] = {}
        for node in self.nodes():
            scans = {} if last is None else last.scans.get(node, {})
            nodes[node] = tuple(
                PackageFingerprint(
                    p,
                    self.install_time(p),
                    scans[p.nvr].fingerprint if p.nvr in scans else NO_FINGERPRINT,
                )
                for p in packages
            )
        return FingerprintReport(
            which=which,
            status=status,
            timestamp=None if last is None else last.finished,
            packages=nodes.get(active, ()),
            nodes=MappingProxyType(nodes),
        )

    def nodes(self) -> list[str]:
        """The nodes whose package files are fingerprinted: those that run IOS XR."""
        return [n.name for n in self._chassis.nodes if n.runs_xr]

    # -- subscribing ------------------------------------------------------------------------

    def subscribe_scan(self, fn: ScanSubscriber) -> None:
        """Call ``fn(node, {node path: sha256 hex})`` after each generation, per XR node."""
        if not callable(fn):
            raise InvalidInput(f"not callable: {fn!r}")
        with self._lock:
            self._subscribers.append(fn)

    # -- generating -------------------------------------------------------------------------

    def regenerate(self) -> None:
        """Generate the run-time fingerprints now, on this thread, and return when done.
        Raises ``StateError`` on the event loop's thread (it blocks) and ``FileAccessError``
        when a package file cannot be read (the previous results stay)."""
        if runtime.shared().in_loop():
            raise StateError("fingerprint generation blocks: not on the event loop thread")
        self._generate()

    def _changed(self) -> None:
        """``PackageManager.subscribe``: the active packages changed."""
        self._request()

    def _request(self) -> None:
        """A generation is due: count the change and have the scheduler run one at once."""
        with self._lock:
            self._changes += 1
            if self._due is not None and self._due.pending:
                return
            try:
                self._due = self._scheduler.call_later(
                    0, self._scheduled, name="package fingerprints: generation due"
                )
            except StateError:  # the router is shutting down: nothing runs any more
                self._due = None

    def _scheduled(self) -> None:
        """A scheduled generation (due or periodic): failures are logged, not raised."""
        try:
            self._generate()
        except XrsimError as exc:
            if not self._scheduler.closed:  # a router shutting down: its files are going
                _log.warning("package fingerprint generation failed: %s", exc)

    def _generate(self) -> None:
        with self._run_lock:
            with self._lock:
                start = self._changes
                self._running = True
                if self._due is not None:
                    self._due.cancel()  # this generation covers it
                    self._due = None
            try:
                scans = self._scan_settled(start)
            except BaseException:
                with self._lock:
                    self._running = False
                self._arm_period()
                raise
            with self._lock:
                self._last = _Generation(scans=scans, finished=self._scheduler.clock.now())
                self._generated = start
                self._running = False
                subscribers = list(self._subscribers)
            self._arm_period()
            self._notify(subscribers, scans)

    def _scan_settled(self, start: int) -> dict[str, Mapping[str, tree.TreeScan]]:
        """``_scan``, again when it failed while the packages changed under it (a directory
        removed by ``install deactivate`` mid-scan); a failure on a settled set is raised."""
        for _ in range(_SCAN_ATTEMPTS - 1):
            try:
                return self._scan()
            except FileAccessError:
                with self._lock:
                    moved = self._changes != start
                if not moved:
                    raise
        return self._scan()

    def _scan(self) -> dict[str, Mapping[str, tree.TreeScan]]:
        packages = self._packages.active()
        prefixes = [p.prefix for p in packages]
        scans: dict[str, Mapping[str, tree.TreeScan]] = {}
        for node in self.nodes():
            root = self._packages.nodes_root(node)
            found = tree.scan_many(root, prefixes) if prefixes else []
            scans[node] = MappingProxyType({p.nvr: s for p, s in zip(packages, found, strict=True)})
        return scans

    def _arm_period(self) -> None:
        with self._lock:
            if self._periodic is not None:
                self._periodic.cancel()
            try:
                self._periodic = self._scheduler.call_later(
                    self._period, self._scheduled, name="package fingerprints: periodic"
                )
            except StateError:  # shut down
                self._periodic = None

    def _notify(
        self,
        subscribers: Iterable[ScanSubscriber],
        scans: Mapping[str, Mapping[str, tree.TreeScan]],
    ) -> None:
        for node, by_package in scans.items():
            files: dict[str, str] = {}
            for scan in by_package.values():
                files.update(scan.files)
            view = MappingProxyType(files)
            for fn in subscribers:
                try:
                    fn(node, view)
                except Exception:
                    _log.exception("package fingerprints: scan subscriber %r failed", fn)

"""The running chassis (layer 2: imports ``xrsim.errors``, ``xrsim.release``, ``xrsim.clock``,
``xrsim.platforms`` and the other ``xrsim.chassis`` modules).

- ``Chassis``: one router's hardware: the platform profile, the software release (profile
  default, overridable; ``supports(feature)`` gates release-dependent behaviour), the chassis
  serial, the simulated clock, the nodes in ``show platform`` order, the active and standby
  route processors, per-node filesystems, lazily made SUDI identities, uptime, reload and
  switchover with their history, UDI and inventory, and the router's one state store
  (``store``: a ``StateStore``), where the upper layers keep their configuration, keys and
  certificates and the chassis keeps its own record.
- ``RebootRecord``, ``SwitchoverRecord``, ``InventoryRow``, ``Udi``: what the history,
  ``show inventory`` and ``show license udi`` read.

State directory layout (``docs/formats.md``)::

    STATE/state.db (-wal, -shm)        the state store (``xrsim.chassis.store``), mode 0600
    STATE/state.lock                   held by the one process that has the directory open
    STATE/nodes/0_RP0_CPU0/...         each RP and line card's filesystem (NodeFilesystem)

Both route processors read the one store, so a switchover loses nothing; the node filesystems
the CLI sees hold no router state.

``Chassis.open`` of an existing chassis reads one row and generates no keys (well under
10 ms); opening is a power-on: uptime counts from it. A stored record that cannot be used (an
unknown platform, a bad serial, release or time, also as imported from a format 1
``chassis.json``) raises ``StateError``; arguments that do not fit (a platform that is not a
PID or ``Platform``, one other than the stored one) ``InvalidInput``. It holds the state
directory until ``close``. The ``Router`` (layer 6) owns a chassis; the CLI renders what it returns.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from xrsim import platforms
from xrsim.chassis.filesystem import PROTECTED_TREE, NodeFilesystem
from xrsim.chassis.node import ROLE_ACTIVE, ROLE_STANDBY, Node, make_node, node_serials
from xrsim.chassis.store import DB_FILE, StateStore
from xrsim.chassis.sudi import SudiIdentity, VendorCA
from xrsim.clock import SimClock
from xrsim.errors import InvalidInput, RedundancyError, StateError, UnknownNode
from xrsim.platforms import Platform
from xrsim.release import Release, supports

__all__ = [
    "STATE_FILE",
    "STATE_TREE",
    "Chassis",
    "InventoryRow",
    "RebootRecord",
    "SwitchoverRecord",
    "Udi",
]

#: The state store's database in the state directory.
STATE_FILE = DB_FILE
NODES_DIR = "nodes"
#: The tree of each RP's filesystem that held the router's state before the store (format 1);
#: CLI commands still cannot read or write below it.
STATE_TREE = PROTECTED_TREE
#: Records kept per node (reboot history) and for switchovers; older ones are dropped.
HISTORY_LIMIT = 100
DEFAULT_RELOAD_REASON = "User Initiated Reload"
SWITCHOVER_REASON = "Redundancy switchover"
CHASSIS_NAME = "Rack 0"

_SERIAL = re.compile(r"[A-Za-z0-9]{1,32}")


@dataclass(frozen=True)
class RebootRecord:
    """One reboot of a node: when and why."""

    time: datetime
    reason: str


@dataclass(frozen=True)
class SwitchoverRecord:
    """One RP switchover: when, from which RP to which."""

    time: datetime
    from_node: str
    to_node: str
    reason: str


@dataclass(frozen=True)
class InventoryRow:
    """One ``show inventory`` item: ``NAME: "...", DESCR: "..."`` / ``PID: ..., VID: ..., SN:``."""

    name: str
    descr: str
    pid: str
    vid: str
    sn: str


class Udi(NamedTuple):
    """The chassis Unique Device Identifier (``show license udi``): ``pid, vid, serial``."""

    pid: str
    vid: str
    serial: str

    def __str__(self) -> str:
        return f"UDI: PID:{self.pid},SN:{self.serial}"


def _time(text: object) -> datetime:
    if not isinstance(text, str):
        raise InvalidInput(f"expected an ISO time, got {text!r}")
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise InvalidInput(f"time without a timezone: {text!r}")
    return value


class Chassis:
    """One router's hardware and its persistent state directory. Make it with ``open``."""

    def __init__(
        self,
        *,
        state_dir: Path,
        platform: Platform,
        release: Release,
        serial: str,
        clock: SimClock,
        vendor_dir: Path | None,
        created: datetime,
        active_rp: str,
        reboots: dict[str, list[RebootRecord]],
        switchovers: list[SwitchoverRecord],
        store: StateStore,
    ) -> None:
        """Use ``Chassis.open``."""
        self.state_dir = state_dir
        #: The router's one state store (held until ``close``).
        self.store = store
        self.platform = platform
        self.release = release
        self.serial = serial
        self.clock = clock
        self.vendor_dir = vendor_dir
        self.created = created
        serials = node_serials(serial, platform.nodes)
        self.nodes: tuple[Node, ...] = tuple(make_node(s, serials[s.name]) for s in platform.nodes)
        self._by_name = {n.name: n for n in self.nodes}
        self._reboots = reboots
        self._switchovers = switchovers
        self._filesystems: dict[str, NodeFilesystem] = {}
        self._sudi: dict[str, SudiIdentity] = {}
        now = clock.now()
        self.booted_at = now
        self._node_booted: dict[str, datetime] = {n.name: now for n in self.nodes}
        self._set_active(active_rp)

    # ----------------------------------------------------------------------------------------
    # Opening and persistence
    # ----------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        state_dir: str | os.PathLike[str],
        platform: Platform | str | None = None,
        *,
        release: Release | str | None = None,
        serial: str | None = None,
        clock: SimClock | None = None,
        vendor_dir: str | os.PathLike[str] | None = None,
    ) -> Chassis:
        """Load the chassis kept in ``state_dir``, or create one there.

        New chassis: ``platform`` (PID or ``Platform``, default ``NCS-55A1-24H``), a random
        serial in the platform's format unless ``serial`` is given, the platform's release
        unless ``release`` is given. Existing chassis: a ``platform`` or ``serial`` different
        from the stored one raises ``InvalidInput``; a ``release`` replaces the stored one (an
        upgrade) and is saved.
        """
        directory = Path(state_dir)
        clock = clock if clock is not None else SimClock()
        vendor = Path(vendor_dir) if vendor_dir is not None else None
        if platform is not None and not isinstance(platform, str | Platform):
            raise InvalidInput(
                f"a platform is a PID such as {platforms.DEFAULT_PID!r} or a Platform, "
                f"got {type(platform).__name__}"
            )
        wanted = (
            platforms.load(platform) if isinstance(platform, str) else platform
        )  # None, or a Platform
        new_release = Release.of(release) if release is not None else None
        if serial is not None and (not isinstance(serial, str) or not _SERIAL.fullmatch(serial)):
            raise InvalidInput(f"invalid serial number {serial!r}: 1-32 letters and digits")
        store = StateStore.open(directory)
        try:
            return cls._open(
                store,
                directory,
                wanted=wanted,
                new_release=new_release,
                serial=serial,
                clock=clock,
                vendor=vendor,
            )
        except BaseException:
            store.close()
            raise

    @classmethod
    def _open(
        cls,
        store: StateStore,
        directory: Path,
        *,
        wanted: Platform | None,
        new_release: Release | None,
        serial: str | None,
        clock: SimClock,
        vendor: Path | None,
    ) -> Chassis:
        stored = store.chassis()
        if stored is None:
            chosen = wanted if wanted is not None else platforms.load(platforms.DEFAULT_PID)
            chassis = cls(
                state_dir=directory,
                platform=chosen,
                release=new_release if new_release is not None else chosen.release,
                serial=serial if serial is not None else chosen.serial_format.generate(),
                clock=clock,
                vendor_dir=vendor,
                created=clock.now(),
                active_rp=chosen.prompt_rp,
                reboots={},
                switchovers=[],
                store=store,
            )
            chassis._save()
            return chassis
        chassis = cls._from_state(
            directory, stored, wanted=wanted, clock=clock, vendor=vendor, store=store
        )
        if serial is not None and serial != chassis.serial:
            raise InvalidInput(f"{directory} holds chassis serial {chassis.serial}, not {serial}")
        if new_release is not None and new_release != chassis.release:
            with chassis._changing():
                chassis.release = new_release
                chassis._save()
        return chassis

    @classmethod
    def _from_state(
        cls,
        directory: Path,
        data: dict[str, Any],
        *,
        wanted: Platform | None,
        clock: SimClock,
        vendor: Path | None,
        store: StateStore,
    ) -> Chassis:
        pid = str(data.get("platform", ""))
        if wanted is not None and wanted.pid.upper() != pid.upper():
            raise InvalidInput(
                f"{directory} holds a {pid} chassis, not {wanted.pid}; use another state directory"
            )
        try:
            platform = wanted if wanted is not None else platforms.load(pid)
            active = str(data["active_rp"])
            if active not in {n.name for n in platform.rps}:
                raise InvalidInput(f"active RP {active!r} is not a route processor")
            serial = str(data["serial"])
            if not _SERIAL.fullmatch(serial):
                raise InvalidInput(f"invalid serial number {serial!r}")
            reboots = {
                str(node): [RebootRecord(_time(r["time"]), str(r["reason"])) for r in records]
                for node, records in dict(data.get("reboots", {})).items()
            }
            switchovers = [
                SwitchoverRecord(
                    _time(s["time"]), str(s["from"]), str(s["to"]), str(s.get("reason", ""))
                )
                for s in data.get("switchovers", [])
            ]
            return cls(
                state_dir=directory,
                platform=platform,
                release=Release.parse(str(data["release"])),
                serial=serial,
                clock=clock,
                vendor_dir=vendor,
                created=_time(data["created"]),
                active_rp=active,
                reboots=reboots,
                switchovers=switchovers,
                store=store,
            )
        except InvalidInput as exc:
            raise StateError(f"{directory}: the chassis record: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"{directory}: damaged chassis record ({exc!r})") from None

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """A change of the chassis record: if saving it fails, memory is as it was."""
        saved = (
            self.release,
            self._active.name,
            copy.deepcopy(self._reboots),
            list(self._switchovers),
            dict(self._node_booted),
            self.booted_at,
        )
        try:
            yield
        except BaseException:
            self.release, active, self._reboots, self._switchovers = saved[:4]
            self._node_booted, self.booted_at = saved[4], saved[5]
            self._set_active(active)
            raise

    def _save(self) -> None:
        data = {
            "platform": self.platform.pid,
            "serial": self.serial,
            "release": str(self.release),
            "created": self.created.isoformat(),
            "active_rp": self.active_rp.name,
            "reboots": {
                node: [{"time": r.time.isoformat(), "reason": r.reason} for r in records]
                for node, records in self._reboots.items()
            },
            "switchovers": [
                {
                    "time": s.time.isoformat(),
                    "from": s.from_node,
                    "to": s.to_node,
                    "reason": s.reason,
                }
                for s in self._switchovers
            ],
        }
        self.store.save_chassis(data)

    def __repr__(self) -> str:
        return f"<Chassis {self.platform.pid} SN {self.serial} release {self.release}>"

    def close(self) -> None:
        """Close the state store (releasing the state directory for another process or
        router) and drop the in-process caches. Everything that must survive is already
        saved; a closed chassis can no longer save (``StateError``). Idempotent."""
        self.store.close()
        self._filesystems.clear()
        self._sudi.clear()

    # ----------------------------------------------------------------------------------------
    # Nodes and roles
    # ----------------------------------------------------------------------------------------

    def node(self, name: str) -> Node:
        """The node at location ``name`` (case-insensitive); ``UnknownNode`` otherwise."""
        found = self._by_name.get(name.upper()) if isinstance(name, str) else None
        if found is None:
            known = ", ".join(self._by_name)
            raise UnknownNode(f"no node {name!r} in this {self.platform.pid} (nodes: {known})")
        return found

    @property
    def rps(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.is_rp)

    @property
    def active_rp(self) -> Node:
        return self._active

    @property
    def standby_rp(self) -> Node | None:
        """The standby route processor; None on single-RP platforms."""
        return self._standby

    def _set_active(self, name: str) -> None:
        active = self.node(name)
        if not active.is_rp:
            raise InvalidInput(f"{name} is not a route processor")
        self._active = active
        self._standby = None
        for rp in self.rps:
            if rp is active:
                rp.role = ROLE_ACTIVE
            else:
                rp.role = ROLE_STANDBY
                self._standby = rp

    def supports(self, feature: str) -> bool:
        """Whether this chassis's release has ``feature`` (``xrsim.release.supports``)."""
        return supports(self.release, feature)

    def _rp(self, node_name: str | None) -> Node:
        node = self.active_rp if node_name is None else self.node(node_name)
        if not node.is_rp:
            raise InvalidInput(f"{node.name} is not a route processor")
        return node

    # ----------------------------------------------------------------------------------------
    # Filesystems and SUDI
    # ----------------------------------------------------------------------------------------

    def fs(self, node_name: str | None = None) -> NodeFilesystem:
        """The filesystem of a node (default: the active RP); RPs and line cards have one."""
        node = self.active_rp if node_name is None else self.node(node_name)
        fs = self._filesystems.get(node.name)
        if fs is None:
            if not node.has_filesystem:
                raise InvalidInput(f"{node.name} ({node.card_type}) has no filesystem")
            fs = NodeFilesystem(self.state_dir / NODES_DIR / node.spec.slug)
            self._filesystems[node.name] = fs
        return fs

    def sudi(self, node_name: str | None = None) -> SudiIdentity:
        """The SUDI identity of a route processor (default: the active one), made on first use
        (the vendor CA too) and cached in the vendor directory."""
        node = self._rp(node_name)
        identity = self._sudi.get(node.name)
        if identity is None:
            ca = VendorCA.open(self.vendor_dir)
            identity = ca.identity(
                pid=node.pid, serial=node.serial, node=node.name, chassis_serial=self.serial
            )
            self._sudi[node.name] = identity
        return identity

    # ----------------------------------------------------------------------------------------
    # Time, reload, switchover
    # ----------------------------------------------------------------------------------------

    def uptime(self) -> timedelta:
        """Time since the chassis booted (``System uptime is ...``)."""
        return max(self.clock.now() - self.booted_at, timedelta(0))

    def node_booted_at(self, node_name: str) -> datetime:
        return self._node_booted[self.node(node_name).name]

    def node_uptime(self, node_name: str) -> timedelta:
        return max(self.clock.now() - self.node_booted_at(node_name), timedelta(0))

    def _record(self, node: Node, when: datetime, reason: str) -> None:
        records = self._reboots.setdefault(node.name, [])
        records.append(RebootRecord(when, reason))
        del records[:-HISTORY_LIMIT]

    def reload(self, node_name: str | None = None, reason: str = DEFAULT_RELOAD_REASON) -> None:
        """Reload the chassis (``node_name=None``) or one node, recorded in the reboot history.

        A full reload resets the uptime and records a reboot on every node that runs IOS XR.
        Reloading the active RP switches over to the standby first when there is one (and is a
        full reload when there is none); a standby RP or a line card reloads alone. Fans, power
        modules and NPUs cannot be reloaded (``InvalidInput``)."""
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("a reload needs a reason")
        with self._changing():
            self._reload(node_name, reason)

    def _reload(self, node_name: str | None, reason: str) -> None:
        now = self.clock.now()
        if node_name is not None:
            node = self.node(node_name)
            if not node.runs_xr:
                reloadable = ", ".join(n.name for n in self.nodes if n.runs_xr)
                raise InvalidInput(f"{node.name} cannot be reloaded (reloadable: {reloadable})")
            if node is not self.active_rp or self.standby_rp is not None:
                if node is self.active_rp:
                    self._switch(now, reason)
                self._record(node, now, reason)
                self._node_booted[node.name] = now
                self._save()
                return
        for node in self.nodes:
            self._node_booted[node.name] = now
            if node.runs_xr:
                self._record(node, now, reason)
        self.booted_at = now
        self._save()

    def reboot_history(self, node_name: str | None = None) -> list[RebootRecord]:
        """The reboots of a node (default: the active RP), oldest first."""
        node = self.active_rp if node_name is None else self.node(node_name)
        return list(self._reboots.get(node.name, ()))

    def _switch(self, when: datetime, reason: str) -> None:
        standby = self.standby_rp
        if standby is None:
            raise RedundancyError(
                f"{self.platform.pid} has a single route processor: no standby to switch over to"
            )
        old = self.active_rp
        self._set_active(standby.name)
        self._switchovers.append(SwitchoverRecord(when, old.name, standby.name, reason))
        del self._switchovers[:-HISTORY_LIMIT]
        self._node_booted[old.name] = when

    def switchover(self, reason: str = SWITCHOVER_REASON) -> Node:
        """``redundancy switchover``: the standby RP becomes active and the old active reboots as
        standby (recorded in its reboot history). Returns the new active RP. ``RedundancyError``
        on single-RP platforms."""
        now = self.clock.now()
        old = self.active_rp
        with self._changing():
            self._switch(now, reason)
            self._record(old, now, reason)
            self._save()
        return self.active_rp

    def switchover_history(self) -> list[SwitchoverRecord]:
        """Every switchover, oldest first."""
        return list(self._switchovers)

    # ----------------------------------------------------------------------------------------
    # Identity and inventory
    # ----------------------------------------------------------------------------------------

    def udi(self) -> Udi:
        """The chassis UDI: ``UDI: PID:NCS-55A1-24H,SN:FOC2104R15R``."""
        return Udi(self.platform.pid, self.platform.vid, self.serial)

    def inventory(self) -> list[InventoryRow]:
        """``show inventory``: every inventory item in profile order (NPUs are not items),
        then the chassis (``Rack 0``)."""
        rows = [
            InventoryRow(n.name, n.description, n.pid, n.vid, n.serial)
            for n in self.nodes
            if n.in_inventory
        ]
        rows.append(
            InventoryRow(
                CHASSIS_NAME,
                self.platform.description,
                self.platform.pid,
                self.platform.vid,
                self.serial,
            )
        )
        return rows

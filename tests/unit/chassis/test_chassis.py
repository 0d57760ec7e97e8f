"""xrsim.chassis.chassis and node: nodes and their states, persistence across Chassis.open,
release override and gating, reload and switchover with their history, the state store both
RPs share, inventory and UDI, the node-kind registry, and a cheap boot."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import xrsim.chassis.sudi as sudimod
from xrsim import platforms
from xrsim.chassis import (
    STATE_FILE,
    Chassis,
    FanTray,
    Node,
    NodeKind,
    node_class,
    node_classes,
    register_node_class,
)
from xrsim.chassis.node import node_serials
from xrsim.chassis.store import KeyRow
from xrsim.clock import SimClock
from xrsim.errors import (
    ChassisError,
    InvalidInput,
    RedundancyError,
    StateError,
    StorageError,
    UnknownNode,
)
from xrsim.release import Release

T0 = datetime(2021, 1, 9, 4, 33, 48, tzinfo=UTC)
SEED_SERIAL = "FOC2104R15R"


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0, frozen=True)


@pytest.fixture
def ncs(tmp_path: Path, clock: SimClock) -> Iterator[Chassis]:
    chassis = Chassis.open(tmp_path / "ncs", serial=SEED_SERIAL, clock=clock)
    yield chassis
    chassis.close()


@pytest.fixture
def asr(tmp_path: Path, clock: SimClock) -> Iterator[Chassis]:
    chassis = Chassis.open(tmp_path / "asr", "ASR-9006", clock=clock)
    yield chassis
    chassis.close()


def reopen(chassis: Chassis, *args: Any, **kwargs: Any) -> Chassis:
    """Power the chassis off (releasing its state directory) and open it again."""
    chassis.close()
    return Chassis.open(chassis.state_dir, *args, **kwargs)


# --------------------------------------------------------------------------------------------
# A new chassis
# --------------------------------------------------------------------------------------------


def test_new_chassis_defaults(tmp_path: Path) -> None:
    chassis = Chassis.open(tmp_path / "state")
    assert chassis.platform.pid == platforms.DEFAULT_PID
    assert chassis.release == Release(7, 3, 1)
    assert chassis.platform.serial_format.matches(chassis.serial)
    assert (tmp_path / "state" / STATE_FILE).is_file()
    assert isinstance(chassis.clock, SimClock)
    assert "NCS-55A1-24H" in repr(chassis)


def test_show_platform_columns(ncs: Chassis) -> None:
    rows = [(n.name, n.type_label, n.state, n.config_state) for n in ncs.nodes]
    assert rows == [
        ("0/RP0/CPU0", "NCS-55A1-24H(Active)", "IOS XR RUN", "NSHUT"),
        ("0/RP0/NPU0", "Slice", "UP", ""),
        ("0/RP0/NPU1", "Slice", "UP", ""),
        ("0/FT0", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"),
        ("0/FT1", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"),
        ("0/FT2", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"),
        ("0/PM0", "NC55-1100W-ACRV", "OPERATIONAL", "NSHUT"),
        ("0/PM1", "NC55-1100W-ACRV", "OPERATIONAL", "NSHUT"),
    ]
    assert [n.kind for n in ncs.nodes][:2] == [NodeKind.RP, NodeKind.NPU]


def test_roles_on_a_single_rp_platform(ncs: Chassis) -> None:
    assert ncs.active_rp.name == "0/RP0/CPU0"
    assert ncs.active_rp.role == "Active"
    assert ncs.active_rp.prompt_name == "RP/0/RP0/CPU0"
    assert ncs.standby_rp is None
    assert [n.role for n in ncs.nodes if not n.is_rp] == [None] * 7


def test_roles_on_a_redundant_platform(asr: Chassis) -> None:
    assert asr.active_rp.name == "0/RSP0/CPU0"
    assert asr.standby_rp is not None
    assert asr.standby_rp.name == "0/RSP1/CPU0"
    assert asr.standby_rp.type_label == "A9K-RSP880-SE(Standby)"
    assert asr.node("0/0/CPU0").state == "IOS XR RUN"


def test_node_lookup(ncs: Chassis) -> None:
    assert ncs.node("0/rp0/cpu0") is ncs.active_rp
    with pytest.raises(UnknownNode, match=r"0/RP1/CPU0.*0/RP0/CPU0") as info:
        ncs.node("0/RP1/CPU0")
    assert isinstance(info.value, ChassisError)
    assert isinstance(info.value, LookupError)


def test_node_serials_derive_from_the_chassis_serial(ncs: Chassis, tmp_path: Path) -> None:
    serials = {n.name: n.serial for n in ncs.nodes}
    assert serials["0/RP0/CPU0"] == SEED_SERIAL  # the fixed system's board is the chassis
    others = [s for name, s in serials.items() if name != "0/RP0/CPU0"]
    assert len(set(others)) == len(others)
    assert all(len(s) == 11 and s.startswith("FOC2104") and s != SEED_SERIAL for s in others)
    twin = Chassis.open(tmp_path / "twin", serial=SEED_SERIAL)
    assert {n.name: n.serial for n in twin.nodes} == serials
    other = Chassis.open(tmp_path / "other", serial="FOC2104R15S")
    assert {n.name: n.serial for n in other.nodes} != serials


def test_node_serials_stay_unique_for_odd_serials() -> None:
    specs = platforms.load("ASR-9006").nodes
    for chassis_serial in ("A", "ABC1234567890", "FOX1234ABCD"):
        serials = node_serials(chassis_serial, specs)
        assert len(set(serials.values())) == len(specs)
        assert chassis_serial not in serials.values()


# --------------------------------------------------------------------------------------------
# Persistence and arguments
# --------------------------------------------------------------------------------------------


def test_reopen_loads_the_same_chassis(tmp_path: Path) -> None:
    first = Chassis.open(tmp_path / "s", "8201-SYS", release="7.3.2")
    again = reopen(first)
    assert again.platform.pid == "8201-SYS"
    assert again.serial == first.serial
    assert again.release == Release(7, 3, 2)
    assert again.created == first.created
    assert reopen(again, "8201-sys").serial == first.serial


def test_reopen_with_another_platform_or_serial_is_refused(ncs: Chassis) -> None:
    ncs.close()
    with pytest.raises(InvalidInput, match="holds a NCS-55A1-24H chassis, not ASR-9006"):
        Chassis.open(ncs.state_dir, "ASR-9006")
    with pytest.raises(InvalidInput, match="FOC2104R15R, not FOC0000AAAA"):
        Chassis.open(ncs.state_dir, serial="FOC0000AAAA")
    again = Chassis.open(ncs.state_dir, serial=SEED_SERIAL)  # the refusals released it
    assert again.serial == SEED_SERIAL
    again.close()


def test_a_second_open_is_refused_while_the_first_holds_the_directory(ncs: Chassis) -> None:
    with pytest.raises(StateError, match=rf"in use by process {os.getpid()} \(") as err:
        Chassis.open(ncs.state_dir)
    assert not isinstance(err.value, StorageError)
    ncs.reload()  # the holder is unaffected
    again = reopen(ncs)
    assert len(again.reboot_history()) == 1
    again.close()
    again.close()  # closing twice is harmless


def test_a_closed_chassis_cannot_save(ncs: Chassis) -> None:
    ncs.close()
    with pytest.raises(StateError, match="closed"):
        ncs.reload()
    assert ncs.reboot_history() == []  # nothing changed in memory either


def test_release_override_is_saved(ncs: Chassis) -> None:
    assert ncs.supports("ed25519")
    old = reopen(ncs, release="6.6.3")
    assert old.release == Release(6, 6, 3)
    assert not old.supports("ed25519")
    assert not old.supports("boot-host-key")
    assert not old.supports("security-in-base-image")
    again = reopen(old)
    assert again.release == Release(6, 6, 3)
    assert reopen(again, release=Release(7, 0, 1)).supports("boot-host-key")


@pytest.mark.parametrize("serial", ["", "FOC 2104", "FOC/../x", "x" * 33, "FÖC2104R15R"])
def test_bad_serials_are_refused(tmp_path: Path, serial: str) -> None:
    with pytest.raises(InvalidInput, match="serial"):
        Chassis.open(tmp_path / "s", serial=serial)
    assert not (tmp_path / "s").exists()


def test_bad_platform_and_release(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown platform"):
        Chassis.open(tmp_path / "s", "NCS-5501")
    with pytest.raises(InvalidInput, match="release"):
        Chassis.open(tmp_path / "s", release="7.3")
    assert not (tmp_path / "s").exists()


def test_a_platform_object_is_accepted(tmp_path: Path) -> None:
    asr = platforms.load("ASR-9006")
    assert Chassis.open(tmp_path / "s", asr).platform is asr


def test_damaged_store_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "s"
    state.mkdir()
    (state / STATE_FILE).write_bytes(b"not an SQLite database, only text\n" * 200)
    with pytest.raises(StateError, match="damaged"):
        Chassis.open(state)
    with pytest.raises(StateError, match="damaged"):  # not "in use": the refusal let it go
        Chassis.open(state)


def test_store_of_a_newer_format_is_refused(ncs: Chassis) -> None:
    ncs.close()
    with sqlite3.connect(ncs.state_dir / STATE_FILE) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    with pytest.raises(StateError, match="format 99, written by a newer xrsim"):
        Chassis.open(ncs.state_dir)


def test_chassis_record_with_a_non_rp_active_node_is_refused(ncs: Chassis) -> None:
    ncs.close()
    with sqlite3.connect(ncs.state_dir / STATE_FILE) as db:
        db.execute("UPDATE chassis SET active_rp = '0/FT0'")
    with pytest.raises(StateError, match="0/FT0"):  # damaged state, not a bad argument
        Chassis.open(ncs.state_dir)


def test_chassis_record_is_saved_in_the_store(ncs: Chassis) -> None:
    ncs.reload()
    names = sorted(p.name for p in ncs.state_dir.iterdir())
    assert names == ["state.db", "state.db-shm", "state.db-wal", "state.lock"]  # no chassis.json
    record = ncs.store.chassis()
    assert record is not None
    assert record["serial"] == SEED_SERIAL
    assert record["reboots"] == {
        "0/RP0/CPU0": [{"time": T0.isoformat(), "reason": "User Initiated Reload"}]
    }


# --------------------------------------------------------------------------------------------
# Uptime, reload, switchover
# --------------------------------------------------------------------------------------------


def test_uptime_follows_the_clock(ncs: Chassis, clock: SimClock) -> None:
    assert ncs.uptime() == timedelta(0)
    clock.advance(8 * 3600 + 7 * 60)
    assert ncs.uptime() == timedelta(hours=8, minutes=7)
    assert ncs.node_uptime("0/FT0") == timedelta(hours=8, minutes=7)


def test_full_reload_resets_uptime_and_is_recorded(ncs: Chassis, clock: SimClock) -> None:
    clock.advance(3600)
    ncs.reload()
    assert ncs.uptime() == timedelta(0)
    [record] = ncs.reboot_history()
    assert record.time == T0 + timedelta(hours=1)
    assert record.reason == "User Initiated Reload"
    assert ncs.reboot_history("0/RP0/CPU0") == [record]
    assert ncs.reboot_history("0/FT0") == []
    clock.advance(60)
    ncs.reload(reason="Power cycle")
    assert [r.reason for r in ncs.reboot_history()] == ["User Initiated Reload", "Power cycle"]


def test_reboot_history_survives_reopen(ncs: Chassis, clock: SimClock) -> None:
    ncs.reload(reason="first")
    clock.advance(30)
    ncs.reload(reason="second")
    again = reopen(ncs, clock=clock)
    assert again.reboot_history() == ncs.reboot_history()
    assert [r.time for r in again.reboot_history()] == [T0, T0 + timedelta(seconds=30)]


def test_reloading_the_only_rp_is_a_full_reload(ncs: Chassis, clock: SimClock) -> None:
    clock.advance(100)
    ncs.reload("0/RP0/CPU0")
    assert ncs.uptime() == timedelta(0)
    assert len(ncs.reboot_history()) == 1


def test_reload_of_a_line_card_alone(asr: Chassis, clock: SimClock) -> None:
    clock.advance(600)
    asr.reload("0/1/CPU0")
    assert asr.uptime() == timedelta(seconds=600)
    assert asr.node_uptime("0/1/CPU0") == timedelta(0)
    assert asr.node_uptime("0/0/CPU0") == timedelta(seconds=600)
    assert len(asr.reboot_history("0/1/CPU0")) == 1
    assert asr.reboot_history("0/0/CPU0") == []
    assert asr.reboot_history() == []
    assert asr.active_rp.name == "0/RSP0/CPU0"


def test_full_reload_records_every_ios_xr_node(asr: Chassis) -> None:
    asr.reload()
    recorded = {n.name for n in asr.nodes if asr.reboot_history(n.name)}
    assert recorded == {"0/RSP0/CPU0", "0/RSP1/CPU0", "0/0/CPU0", "0/1/CPU0"}


def test_reloading_the_active_rp_fails_over(asr: Chassis) -> None:
    asr.reload("0/RSP0/CPU0")
    assert asr.active_rp.name == "0/RSP1/CPU0"
    assert len(asr.reboot_history("0/RSP0/CPU0")) == 1
    assert [s.to_node for s in asr.switchover_history()] == ["0/RSP1/CPU0"]


@pytest.mark.parametrize("node", ["0/FT0", "0/PM0", "0/RP0/NPU0"])
def test_boards_without_ios_xr_cannot_be_reloaded(ncs: Chassis, node: str) -> None:
    with pytest.raises(InvalidInput, match="cannot be reloaded"):
        ncs.reload(node)
    assert ncs.reboot_history(node) == []


def test_reload_of_an_unknown_node(ncs: Chassis) -> None:
    with pytest.raises(UnknownNode):
        ncs.reload("0/9/CPU0")
    with pytest.raises(InvalidInput):
        ncs.reload(reason=" ")


def test_switchover(asr: Chassis, clock: SimClock) -> None:
    clock.advance(120)
    new = asr.switchover()
    assert new is asr.active_rp
    assert new.name == "0/RSP1/CPU0"
    assert new.type_label == "A9K-RSP880-SE(Active)"
    assert asr.standby_rp is asr.node("0/RSP0/CPU0")
    assert asr.standby_rp.role == "Standby"
    [record] = asr.switchover_history()
    assert (record.time, record.from_node, record.to_node) == (
        T0 + timedelta(seconds=120),
        "0/RSP0/CPU0",
        "0/RSP1/CPU0",
    )
    assert [r.reason for r in asr.reboot_history("0/RSP0/CPU0")] == ["Redundancy switchover"]
    assert asr.uptime() == timedelta(seconds=120)  # the system stays up
    assert asr.fs() is asr.fs("0/RSP1/CPU0")
    asr.switchover()
    assert asr.active_rp.name == "0/RSP0/CPU0"


def test_switchover_survives_reopen(asr: Chassis) -> None:
    asr.switchover()
    again = reopen(asr)
    assert again.active_rp.name == "0/RSP1/CPU0"
    assert again.standby_rp is not None
    assert again.standby_rp.name == "0/RSP0/CPU0"
    assert again.switchover_history() == asr.switchover_history()


def test_switchover_needs_a_standby(ncs: Chassis) -> None:
    with pytest.raises(RedundancyError, match="single route processor"):
        ncs.switchover()
    assert ncs.active_rp.name == "0/RP0/CPU0"
    assert ncs.switchover_history() == []


# --------------------------------------------------------------------------------------------
# Identity and inventory
# --------------------------------------------------------------------------------------------


def test_udi(ncs: Chassis) -> None:
    pid, vid, serial = ncs.udi()
    assert (pid, vid, serial) == ("NCS-55A1-24H", "V01", SEED_SERIAL)
    assert str(ncs.udi()) == "UDI: PID:NCS-55A1-24H,SN:FOC2104R15R"


def test_inventory(ncs: Chassis) -> None:
    rows = ncs.inventory()
    names = [r.name for r in rows]
    assert names == ["0/RP0/CPU0", "0/FT0", "0/FT1", "0/FT2", "0/PM0", "0/PM1", "Rack 0"]
    rp, rack = rows[0], rows[-1]
    assert (rp.pid, rp.vid, rp.sn) == ("NCS-55A1-24H", "V01", SEED_SERIAL)
    assert (rack.pid, rack.sn, rack.descr) == (
        "NCS-55A1-24H",
        SEED_SERIAL,
        ncs.platform.description,
    )
    assert rows[1].pid == "NC55-A1-FAN-RV"
    assert all(r.descr for r in rows)


def test_inventory_of_a_modular_chassis(asr: Chassis) -> None:
    rows = {r.name: r for r in asr.inventory()}
    assert rows["0/RSP0/CPU0"].pid == "A9K-RSP880-SE"
    assert rows["0/RSP0/CPU0"].sn != rows["0/RSP1/CPU0"].sn
    assert rows["Rack 0"].pid == "ASR-9006"
    assert rows["Rack 0"].sn == asr.serial


# --------------------------------------------------------------------------------------------
# Filesystems and replicated state
# --------------------------------------------------------------------------------------------


def test_filesystems_are_per_node_directories(asr: Chassis) -> None:
    asr.fs().write_atomic("harddisk:a.txt", b"rsp0")
    asr.fs("0/0/CPU0").write_atomic("harddisk:a.txt", b"lc0")
    nodes = asr.state_dir / "nodes"
    assert (nodes / "0_RSP0_CPU0/misc/disk1/a.txt").read_bytes() == b"rsp0"
    assert (nodes / "0_0_CPU0/misc/disk1/a.txt").read_bytes() == b"lc0"
    assert asr.fs() is asr.fs("0/rsp0/cpu0")
    with pytest.raises(InvalidInput, match="no filesystem"):
        asr.fs("0/FT0")
    with pytest.raises(UnknownNode):
        asr.fs("0/9/CPU0")


def test_both_rps_share_the_one_store_outside_the_node_trees(asr: Chassis) -> None:
    asr.store.put_keys([KeyRow("rsa", "k", "general", T0.isoformat(), 512, b"KEY")])
    asr.switchover()
    assert asr.active_rp.name == "0/RSP1/CPU0"
    assert [r.pem for r in asr.store.private_keys()] == [b"KEY"]
    for rp in ("0/RSP0/CPU0", "0/RSP1/CPU0"):
        assert asr.fs(rp).walk("/misc/config") == []  # no router state on a node's disk
    assert (asr.state_dir / STATE_FILE).is_file()


def test_state_on_disk_is_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        chassis = Chassis.open(tmp_path / "s")
        chassis.store.put_keys([KeyRow("rsa", "k", "general", T0.isoformat(), 512, b"KEY")])
    finally:
        os.umask(old)
    state = tmp_path / "s"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for name in ("state.db", "state.db-wal", "state.db-shm", "state.lock"):
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600, name
    chassis.close()


# --------------------------------------------------------------------------------------------
# Node kinds registry
# --------------------------------------------------------------------------------------------


def test_registry_covers_every_platform_kind() -> None:
    assert set(node_classes()) == set(platforms.NODE_KINDS)
    assert {k.value for k in NodeKind} == set(platforms.NODE_KINDS)
    for kind, cls in node_classes().items():
        assert cls.kind.value == kind
    with pytest.raises(InvalidInput, match="unknown node kind 'fabric'"):
        node_class("fabric")


def test_a_registered_class_is_used_for_new_chassis(tmp_path: Path) -> None:
    class NoisyFan(FanTray):
        default_state = "FAN FAILED"
        __slots__ = ()

    original = node_class("fan")
    register_node_class(NoisyFan)
    try:
        chassis = Chassis.open(tmp_path / "s")
        fans = [n for n in chassis.nodes if n.kind is NodeKind.FAN]
        assert fans
        assert all(isinstance(f, NoisyFan) and f.state == "FAN FAILED" for f in fans)
    finally:
        register_node_class(original)
    assert node_class("fan") is FanTray


def test_register_refuses_non_node_classes() -> None:
    with pytest.raises(InvalidInput):
        register_node_class(int)  # type: ignore[arg-type]

    class NoKind(Node):
        __slots__ = ()

    with pytest.raises(InvalidInput, match="kind"):
        register_node_class(NoKind)


# --------------------------------------------------------------------------------------------
# Boot cost
# --------------------------------------------------------------------------------------------


def test_open_generates_no_keys_and_makes_no_sudi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> object:
        raise AssertionError("key generation at boot")

    monkeypatch.setattr(sudimod, "generate_key", forbidden)
    vendor = tmp_path / "vendor"
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))
    chassis = Chassis.open(tmp_path / "s", "ASR-9006")
    chassis.fs().write_atomic("harddisk:x", b"x")
    reopen(chassis).close()
    assert not vendor.exists()


def _tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` but the lock (its holder record changes with each open):
    size and modification time."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "state.lock"
    }


def test_opening_an_existing_chassis_writes_nothing(tmp_path: Path) -> None:
    """What keeps re-opening cheap: an existing chassis is read, never rewritten (no node
    tree, SUDI or store write), however many times it is opened."""
    first = Chassis.open(tmp_path / "s", "ASR-9006")
    first.switchover()
    reopen(first).close()
    before = _tree_state(tmp_path / "s")
    for _ in range(30):
        chassis = Chassis.open(tmp_path / "s")
        chassis.close()
    assert len(chassis.nodes) == 8
    assert chassis.active_rp.name == "0/RSP1/CPU0"
    assert _tree_state(tmp_path / "s") == before

"""xrsim.integrity.inventory through a booted router on a frozen clock: a full first snapshot,
then incremental ones naming the real files added, changed and removed on the node's disk,
stored as real files on each node (``/misc/scratch/filesysinv``, the log in
``/var/log/iosxr/filesysinv``); the interval on the scheduler, re-armed at boot; ``collect``
with ``block_start``/``count``, another node, and a result code for each bad request; a full
disk (a real tmpfs) that stores nothing half and catches up afterwards."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from support import fill, mounted_tmpfs
from xrsim.clock import SimClock
from xrsim.errors import InvalidInput
from xrsim.integrity.inventory import SNAPSHOT_DIR
from xrsim.router import Router

START = datetime(2021, 1, 9, 4, 53, 48, tzinfo=UTC)
RP0 = "0/RP0/CPU0"


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vendor")


@pytest.fixture(autouse=True)
def _vendor_env(vendor: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))


def boot(state: Path, platform: str | None = None, start: datetime = START) -> Router:
    return Router.boot(platform, state, clock=SimClock(start, frozen=True))


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = boot(tmp_path / "r1")
    yield r
    r.shutdown()


def disk(router: Router, node: str = RP0) -> Path:
    """The real directory of a node's harddisk:."""
    return router.chassis.fs(node).resolve("harddisk:")


def blocks(router: Router, node: str = RP0, **options: int) -> list[dict[str, Any]]:
    result = router.fsinventory.collect({node: options})[node]
    assert result["result-code"] == "Success", result
    return list(result["blocks"])


def names(records: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in records]


def enable(router: Router, interval: int = 2) -> None:
    router.configure(["filesystem-inventory", f"snapshot-interval {interval}"])
    router.advance()  # the first snapshot is due at the commit


# --------------------------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------------------------


def test_full_then_incremental_with_the_real_changes(router: Router) -> None:
    d = disk(router)
    (d / "keep.txt").write_text("one\n")
    (d / "old.txt").write_text("going\n")
    (d / "mode.txt").write_text("chmod me\n")
    enable(router)
    [full] = blocks(router)
    assert (full["block"], full["type"], full["node"]) == (0, "full", RP0)
    assert full["time"] == START.timestamp()
    assert full["snapshot-interval"] == 2
    files = {r["name"]: r for r in full["files"]}
    assert full["entries"] == len(files)
    keep = files["/misc/disk1/keep.txt"]
    st = (d / "keep.txt").stat()
    assert (keep["type"], keep["size"], keep["mode"]) == ("file", 4, "0644")
    assert (keep["uid"], keep["gid"], keep["inode"]) == (st.st_uid, st.st_gid, st.st_ino)
    assert keep["mtime"] == st.st_mtime_ns / 1e9
    assert files["/misc/disk1"]["type"] == "directory"
    # the inventory's own files are not in it
    assert not [n for n in files if n.startswith((SNAPSHOT_DIR, "/var/log/iosxr/filesysinv"))]
    assert names(full["files"]) == sorted(files)

    (d / "new.txt").write_text("hello\n")
    with (d / "keep.txt").open("a") as f:
        f.write("two\n")
    (d / "old.txt").unlink()
    (d / "mode.txt").chmod(0o600)
    (d / "link").symlink_to("keep.txt")
    (d / "sub").mkdir()
    router.advance(minutes=29)
    assert len(blocks(router)) == 1  # not yet: 2 blocks of 15 minutes
    router.advance(minutes=1)
    inc = blocks(router, block_start=1)[0]
    assert (inc["block"], inc["type"], inc["previous-block"]) == (1, "incremental", 0)
    assert inc["time"] == (START + timedelta(minutes=30)).timestamp()
    assert names(inc["added"]) == ["/misc/disk1/link", "/misc/disk1/new.txt", "/misc/disk1/sub"]
    link = inc["added"][0]
    assert (link["type"], link["target"]) == ("symlink", "keep.txt")
    # harddisk: itself changed too (entries added and removed in it)
    assert names(inc["changed"]) == ["/misc/disk1", "/misc/disk1/keep.txt", "/misc/disk1/mode.txt"]
    changed = {r["name"]: r for r in inc["changed"]}
    assert changed["/misc/disk1/keep.txt"]["size"] == 8
    assert changed["/misc/disk1/mode.txt"]["mode"] == "0600"
    assert inc["removed"] == [files["/misc/disk1/old.txt"]]  # with its last metadata

    router.advance(minutes=30)  # nothing changed
    quiet = blocks(router, block_start=2)[0]
    assert (quiet["added"], quiet["changed"], quiet["removed"]) == ([], [], [])


def test_blocks_and_log_are_real_files_on_the_node(router: Router) -> None:
    enable(router)
    router.advance(minutes=30)
    root = router.chassis.fs().resolve(SNAPSHOT_DIR)
    assert sorted(p.name for p in root.iterdir()) == [
        "baseline.json",
        "block-000000.json",
        "block-000001.json",
    ]
    stored = json.loads((root / "block-000001.json").read_text())
    assert stored == blocks(router, block_start=1)[0]
    log = router.chassis.fs().resolve("/var/log/iosxr/filesysinv/filesysinv.log").read_text()
    lines = log.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{START.isoformat()} {RP0} block 0 full: ")
    assert " block 1 incremental: 0 added, 0 changed, 0 removed " in lines[1]
    # the CLI reads them like any file
    assert '"type":"full"' in router.cli(f"more {SNAPSHOT_DIR}/block-000000.json")


def test_reading_a_file_is_not_a_change(router: Router) -> None:
    f = disk(router) / "read-me.txt"
    f.write_text("content\n")
    st = f.stat()
    os.utime(f, ns=(st.st_mtime_ns - 10**12, st.st_mtime_ns))  # atime well before mtime
    enable(router)
    before = {r["name"]: r for r in blocks(router)[0]["files"]}["/misc/disk1/read-me.txt"]
    f.read_bytes()
    if f.stat().st_atime_ns / 1e9 == before["atime"]:
        pytest.skip("this filesystem does not update access times (noatime)")
    router.advance(minutes=30)
    inc = blocks(router, block_start=1)[0]
    assert "/misc/disk1/read-me.txt" not in names(inc["changed"])


def test_a_new_interval_takes_a_snapshot_at_once(router: Router) -> None:
    enable(router, 4)
    router.advance(minutes=10)
    router.configure(["filesystem-inventory", "snapshot-interval 1"])
    router.advance()
    assert [b["block"] for b in blocks(router)] == [0, 1]
    assert blocks(router, block_start=1)[0]["type"] == "incremental"
    router.advance(minutes=15)
    assert blocks(router)[-1]["block"] == 2
    router.configure(["filesystem-inventory", "snapshot-interval 1"])  # no change: nothing new
    router.advance()
    assert blocks(router)[-1]["block"] == 2


def test_a_lost_baseline_gives_a_full_snapshot(router: Router) -> None:
    enable(router)
    router.chassis.fs().resolve(f"{SNAPSHOT_DIR}/baseline.json").unlink()
    router.advance(minutes=30)
    assert [b["type"] for b in blocks(router)] == ["full", "full"]
    (router.chassis.fs().resolve(f"{SNAPSHOT_DIR}/baseline.json")).write_text("{damaged")
    router.advance(minutes=30)
    assert blocks(router)[-1]["type"] == "full"


def test_snapshots_are_rearmed_at_boot(tmp_path: Path) -> None:
    first = boot(tmp_path / "r")
    try:
        enable(first)
        first.advance(minutes=10)
    finally:
        first.shutdown()
    later = START + timedelta(minutes=10)
    again = boot(tmp_path / "r", start=later)
    try:
        assert again.fsinventory.interval == 2
        assert again.fsinventory.next_snapshot == START + timedelta(minutes=30)
        again.advance(minutes=19)
        assert len(blocks(again)) == 1
        again.advance(minutes=1)
        assert [b["type"] for b in blocks(again)] == ["full", "incremental"]
    finally:
        again.shutdown()
    # booted long after: the overdue snapshot is taken at once
    third = boot(tmp_path / "r", start=START + timedelta(days=2))
    try:
        assert third.fsinventory.next_snapshot == START + timedelta(days=2)
        third.advance()
        assert blocks(third)[-1]["block"] == 2
    finally:
        third.shutdown()


# --------------------------------------------------------------------------------------------
# collect
# --------------------------------------------------------------------------------------------


def test_block_start_and_count(router: Router) -> None:
    enable(router, 1)
    router.advance(minutes=60)  # blocks 0-4
    assert [b["block"] for b in blocks(router)] == [0, 1, 2, 3, 4]
    assert [b["block"] for b in blocks(router, block_start=0, count=1)] == [0]
    assert [b["block"] for b in blocks(router, block_start=3)] == [3, 4]
    assert [b["block"] for b in blocks(router, block_start=1, count=2)] == [1, 2]
    assert blocks(router, block_start=9) == []
    whole = router.fsinventory.collect({"0/rp0/cpu0": {"block_start": 4}})
    assert list(whole) == [RP0]
    assert (whole[RP0]["first-block"], whole[RP0]["last-block"]) == (0, 4)
    assert router.fsinventory.collect() == router.fsinventory.collect({RP0: {}})


@pytest.mark.parametrize(
    "options",
    [
        {"block_start": -1},
        {"count": 0},
        {"block_start": "0"},
        {"block_start": True},
        {"count": 1.5},
        {"blocks": 1},
        [0, 1],
    ],
)
def test_bad_options_are_invalid_arguments(router: Router, options: object) -> None:
    enable(router)
    result = router.fsinventory.collect({RP0: options})  # type: ignore[dict-item]
    assert result[RP0]["result-code"] == "Invalid-argument"
    assert result[RP0]["message"]


def test_nodes_without_an_inventory(router: Router) -> None:
    result = router.fsinventory.collect({RP0: {}})
    assert result[RP0]["result-code"] == "No-inventory"  # not configured: no snapshot yet
    enable(router)
    result = router.fsinventory.collect({"0/RP1/CPU0": {"block_start": 0}, "0/FT0": {}, RP0: {}})
    assert result["0/RP1/CPU0"]["result-code"] == "Unknown-node"  # NCS-55A1-24H has one RP
    assert result["0/FT0"]["result-code"] == "No-inventory"  # a fan tray has no filesystem
    assert result[RP0]["result-code"] == "Success"
    with pytest.raises(InvalidInput):
        router.fsinventory.collect([RP0])  # type: ignore[arg-type]


def test_a_damaged_block_is_reported(router: Router) -> None:
    enable(router)
    router.advance(minutes=30)
    router.chassis.fs().resolve(f"{SNAPSHOT_DIR}/block-000000.json").write_text("[truncated")
    got = blocks(router)
    assert got[0]["block"] == 0
    assert got[0]["result-code"] == "Damaged"
    assert got[1]["type"] == "incremental"


def test_another_route_processor_and_a_line_card(tmp_path: Path) -> None:
    asr = boot(tmp_path / "asr", "ASR-9006")
    try:
        (disk(asr, "0/RSP1/CPU0") / "standby-only.txt").write_text("on RSP1\n")
        (disk(asr, "0/0/CPU0") / "lc.txt").write_text("on the line card\n")
        enable(asr)
        rsp1 = asr.fsinventory.collect({"0/RSP1/CPU0": {"block_start": 0}})["0/RSP1/CPU0"]
        assert rsp1["result-code"] == "Success"
        rsp1_files = names(rsp1["blocks"][0]["files"])
        assert "/misc/disk1/standby-only.txt" in rsp1_files
        rsp0_files = names(blocks(asr, "0/RSP0/CPU0")[0]["files"])
        assert "/misc/disk1/standby-only.txt" not in rsp0_files
        lc = blocks(asr, "0/0/CPU0")[0]
        assert "/misc/disk1/lc.txt" in names(lc["files"])
        assert asr.chassis.fs("0/RSP1/CPU0").exists(f"{SNAPSHOT_DIR}/block-000000.json")
        # a change on the standby shows in its next block only
        (disk(asr, "0/RSP1/CPU0") / "standby-only.txt").unlink()
        asr.advance(minutes=30)
        assert names(blocks(asr, "0/RSP1/CPU0", block_start=1)[0]["removed"]) == [
            "/misc/disk1/standby-only.txt"
        ]
        assert blocks(asr, "0/RSP0/CPU0", block_start=1)[0]["removed"] == []
    finally:
        asr.shutdown()


# --------------------------------------------------------------------------------------------
# A full disk
# --------------------------------------------------------------------------------------------


@pytest.fixture
def full_disk_router(tmp_path: Path) -> Iterator[tuple[Router, Path]]:
    """A router whose RP's ``/misc/scratch/filesysinv`` is a 256 KiB tmpfs (needs root)."""
    r = boot(tmp_path / "r")
    try:
        with mounted_tmpfs(r.chassis.fs().resolve(SNAPSHOT_DIR), "256k") as point:
            try:
                yield r, point
            finally:
                r.shutdown()  # before the unmount: nothing of the router stays open on it
    finally:
        r.shutdown()


def test_a_full_disk_stores_nothing_half_and_the_next_snapshot_catches_up(
    full_disk_router: tuple[Router, Path],
) -> None:
    router, point = full_disk_router
    enable(router)
    assert [b["block"] for b in blocks(router)] == [0]
    filler = fill(point)
    (disk(router) / "while-full.txt").write_text("x\n")
    router.advance(minutes=30)  # the snapshot fails: ENOSPC
    assert sorted(p.name for p in point.iterdir()) == [
        "baseline.json",
        "block-000000.json",
        "filler",
    ]  # no half-written block, no temporary file
    assert router.fsinventory.next_snapshot == START + timedelta(minutes=60)  # still armed
    filler.unlink()
    router.advance(minutes=30)
    [inc] = blocks(router, block_start=1)
    assert inc["previous-block"] == 0
    assert "/misc/disk1/while-full.txt" in names(inc["added"])

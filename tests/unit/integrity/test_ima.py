"""xrsim.integrity.ima: the IMA measurement list of every XR node of a booted router (boot
events from the RPM headers, changed and new files from the fingerprint generations, one
transaction per append, incremental reads by event number and time), kept across restarts and
started afresh by a node reload.

The lists are checked against an independent replay written here with hashlib (the ``ima-ng``
template data and the PCR 10 extends of the kernel), not against the Rust core's own
accounting; ``tests/integration/test_ima_evmctl.py`` has evmctl judge them."""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xrsim.clock import SimClock
from xrsim.errors import InvalidInput, StorageError, UnknownNode
from xrsim.integrity.ima import ImaEvent
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLATFORM = "ASR-9006"  # two RSPs and two line cards: four lists


@pytest.fixture(scope="module")
def vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vendor")


@pytest.fixture(autouse=True)
def _vendor(vendor_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor_dir))


def boot(state: Path, clock: SimClock | None = None) -> Router:
    return Router.boot(
        platform=PLATFORM, state_dir=state, clock=clock or SimClock(start=T0, frozen=True)
    )


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = boot(tmp_path / "r1")
    yield r
    r.shutdown()


# -- the kernel's rules, written out -----------------------------------------------------------


def template_data(event: ImaEvent) -> bytes:
    """The ``ima-ng`` template data: ``d-ng`` (``alg:\\0`` + digest) and ``n-ng`` (path + NUL),
    each as u32 length + bytes."""
    d = event.filedata_hash_algorithm.encode() + b":\0" + event.filedata_hash
    n = event.filename_hint.encode() + b"\0"
    return struct.pack("<I", len(d)) + d + struct.pack("<I", len(n)) + n


def replay(events: Sequence[ImaEvent]) -> dict[str, bytes]:
    pcrs = {"sha1": b"\0" * 20, "sha256": b"\0" * 32}
    for e in events:
        for bank, value in list(pcrs.items()):
            size = hashlib.new(bank).digest_size
            if e.violation:
                extend = b"\xff" * size
            else:
                extend = hashlib.new(bank, template_data(e)).digest()
                expected = e.template_hash if bank == "sha1" else e.template_hash_sha256
                assert extend == expected, (e.event_number, bank)
            pcrs[bank] = hashlib.new(bank, value + extend).digest()
    return pcrs


def package_files(router: Router) -> list[tuple[str, str]]:
    """Every active package's (path, sha256 hex) from its RPM header, by path (bytewise)."""
    files = {f.path: f.digest for p in router.packages.active() for f in p.files if f.digest}
    return sorted(files.items(), key=lambda item: item[0].encode())


def on_disk(router: Router, node: str, path: str) -> Path:
    return Path(router.packages.nodes_root(node)) / path.lstrip("/")


def a_file(router: Router) -> str:
    return package_files(router)[0][0]


# -- boot ------------------------------------------------------------------------------------


def test_every_xr_node_has_a_list_of_its_package_files(router: Router) -> None:
    xr_nodes = [n.name for n in router.chassis.nodes if n.runs_xr]
    assert router.ima.nodes() == xr_nodes
    assert len(xr_nodes) == 4
    files = package_files(router)
    assert files, "the platform's packages have files"
    for node in xr_nodes:
        log = router.ima.log(node)
        events = log.events()
        first, rest = events[0], events[1:]
        assert (first.event_number, first.filename_hint) == (1, "boot_aggregate")
        assert first.filedata_hash == b"\0" * len(first.filedata_hash)
        assert [(e.filename_hint, e.filedata_hash.hex()) for e in rest] == files
        assert [e.event_number for e in events] == list(range(1, len(files) + 2))
        assert {e.time for e in events} == {T0}  # the boot time on the router clock
        for e in events:
            assert (e.ima_template, e.pcr_index, e.template_hash_algorithm) == (
                "ima-ng",
                10,
                "sha1",
            )
            assert e.signature == b""
            assert not e.violation
        assert all(e.filedata_hash_algorithm == "sha256" for e in rest)
        assert log.pcrs() == replay(events)
        assert len(log) == len(events)
        assert log.boot_time == T0


def test_lists_of_the_nodes_are_alike_and_deterministic(tmp_path: Path) -> None:
    with boot(tmp_path / "a") as a, boot(tmp_path / "b") as b:
        for node in a.ima.nodes():
            assert a.ima.log(node).binary() == b.ima.log(node).binary()
        assert a.ima.log("0/RSP0/CPU0").pcrs() == a.ima.log("0/0/CPU0").pcrs()


def test_exports_are_the_kernel_formats(router: Router) -> None:
    log = router.ima.log("0/RSP0/CPU0")
    events = log.events()
    binary = log.binary()
    # binary_runtime_measurements: pcr, SHA-1 template hash, name, template data, per entry.
    offset = 0
    for e in events:
        (pcr,) = struct.unpack_from("<I", binary, offset)
        digest = binary[offset + 4 : offset + 24]
        (namelen,) = struct.unpack_from("<I", binary, offset + 24)
        name = binary[offset + 28 : offset + 28 + namelen]
        (datalen,) = struct.unpack_from("<I", binary, offset + 28 + namelen)
        data = binary[offset + 32 + namelen : offset + 32 + namelen + datalen]
        assert (pcr, digest, name, data) == (10, e.template_hash, b"ima-ng", template_data(e))
        offset += 32 + namelen + datalen
    assert offset == len(binary)
    lines = log.ascii().splitlines()
    assert len(lines) == len(events)
    for line, e in zip(lines, events, strict=True):
        assert line.split(" ") == [
            "10",
            e.template_hash.hex(),
            "ima-ng",
            f"{e.filedata_hash_algorithm}:{e.filedata_hash.hex()}",
            e.filename_hint,
        ]
    text = log.pcr_file("sha256").splitlines()
    assert len(text) == 24
    assert text[0].startswith("PCR-00: ")
    assert text[10].split(": ")[1].lower() == log.pcrs()["sha256"].hex()
    with pytest.raises(InvalidInput):
        log.pcr_file("md5")


def test_unknown_and_non_xr_nodes_are_refused(router: Router) -> None:
    with pytest.raises(UnknownNode):
        router.ima.log("0/9/CPU0")
    fan = next(n for n in router.chassis.nodes if not n.runs_xr)
    with pytest.raises(InvalidInput):
        router.ima.log(fan.name)
    assert router.ima.log("0/rsp0/cpu0").node == "0/RSP0/CPU0"  # case-insensitive


# -- measuring changes -----------------------------------------------------------------------


def test_changed_and_new_files_are_measured_once(router: Router) -> None:
    node = "0/0/CPU0"
    log = router.ima.log(node)
    before = len(log)
    path = a_file(router)
    changed = hashlib.sha256(b"tampered").hexdigest()
    router.advance(minutes=5)
    assert router.ima.measure(node, {path: changed}) == 1
    assert router.ima.measure(node, {path: changed}) == 0  # the same digest: not again
    new = path.rsplit("/", 1)[0] + "/added.bin"
    assert router.ima.measure(node, {new: "ab" * 32, path: changed}) == 1
    events = log.events(before)
    assert [(e.event_number, e.filename_hint, e.filedata_hash.hex()) for e in events] == [
        (before + 1, path, changed),
        (before + 2, new, "ab" * 32),
    ]
    assert {e.time for e in events} == {T0 + timedelta(minutes=5)}
    # Back to the first digest: a change again, measured.
    original = dict(package_files(router))[path]
    assert router.ima.measure(node, {path: original}) == 1
    assert log.pcrs() == replay(log.events())
    # The other nodes are untouched.
    assert len(router.ima.log("0/1/CPU0")) == before


def test_bad_measurements_change_nothing(router: Router) -> None:
    node = "0/RSP0/CPU0"
    log = router.ima.log(node)
    binary = log.binary()
    snapshot = router.chassis.store.snapshot()
    for files in (
        {a_file(router): "zz" * 32},
        {a_file(router): "ab" * 20},  # SHA-1 length
        {"relative/path": "ab" * 32},
        {"/opt/x\0y": "ab" * 32},
        {"/opt/ok": "ab" * 32, "/opt/bad": "not hex"},
    ):
        with pytest.raises(InvalidInput):
            router.ima.measure(node, files)
    assert log.binary() == binary
    assert router.chassis.store.snapshot() == snapshot


def test_a_fingerprint_generation_measures_a_changed_file(router: Router) -> None:
    node = router.chassis.active_rp.name
    router.fingerprints.regenerate()
    log = router.ima.log(node)
    before = len(log)
    router.fingerprints.regenerate()  # nothing changed: no event
    assert len(log) == before
    path = a_file(router)
    target = on_disk(router, node, path)
    target.write_bytes(target.read_bytes() + b"\n# changed\n")
    router.advance(minutes=1)
    router.fingerprints.regenerate()
    (event,) = log.events(before)
    assert event.filename_hint == path
    assert event.filedata_hash == hashlib.sha256(target.read_bytes()).digest()
    assert event.time == T0 + timedelta(minutes=1)
    assert log.pcrs() == replay(log.events())


def test_a_violation_is_an_event_of_its_own(router: Router) -> None:
    log = router.ima.log("0/RSP0/CPU0")
    before = log.pcrs()
    event = log.record_violation(a_file(router))
    assert event.violation
    assert event.event_number == len(log)
    assert event.template_hash == b"\0" * 20
    assert log.pcrs() != before
    assert log.pcrs() == replay(log.events())
    with pytest.raises(InvalidInput):
        log.record_violation("not/absolute")


# -- incremental IMA ------------------------------------------------------------------------


def test_events_after_a_start_event_and_a_start_time(router: Router) -> None:
    node = "0/RSP1/CPU0"
    log = router.ima.log(node)
    booted = len(log)
    path = a_file(router)
    router.advance(hours=1)
    router.ima.measure(node, {path: "01" * 32})
    router.advance(hours=1)
    router.ima.measure(node, {path: "02" * 32})
    everything = log.events()
    assert log.events(0) == everything
    assert [e.event_number for e in log.events(booted)] == [booted + 1, booted + 2]
    assert [e.event_number for e in log.events(booted + 1)] == [booted + 2]
    assert log.events(booted + 2) == []
    assert log.events(10**9) == []
    one_hour = T0 + timedelta(hours=1)
    assert [e.event_number for e in log.events(start_time=one_hour)] == [booted + 1, booted + 2]
    late = T0 + timedelta(hours=1, minutes=30)
    assert [e.event_number for e in log.events(start_time=late)] == [booted + 2]
    assert [e.event_number for e in log.events(booted + 1, one_hour)] == [booted + 2]
    assert log.events(start_time=T0 - timedelta(days=1)) == everything
    snap = log.snapshot(booted)
    assert snap.length == booted + 2
    assert snap.pcrs == log.pcrs()
    assert snap.node == node
    for bad in (-1, True, "3", 1.5):
        with pytest.raises(InvalidInput):
            log.events(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        log.events(start_time=datetime(2026, 3, 1, 12, 0))  # naive


# -- persistence -----------------------------------------------------------------------------


def test_a_restart_keeps_every_list(tmp_path: Path) -> None:
    state = tmp_path / "r"
    clock = SimClock(start=T0, frozen=True)
    r = boot(state, clock)
    path = a_file(r)
    r.advance(minutes=3)
    r.ima.measure("0/1/CPU0", {path: "cd" * 32})
    r.ima.log("0/RSP0/CPU0").record_violation(path)
    kept = {n: (r.ima.log(n).binary(), r.ima.log(n).events()) for n in r.ima.nodes()}
    r.shutdown()
    clock.advance(timedelta(hours=2))
    r = boot(state, clock)
    try:
        assert {n: (r.ima.log(n).binary(), r.ima.log(n).events()) for n in r.ima.nodes()} == kept
        # Still the same boot: an unchanged digest is not measured again after the restart.
        assert r.ima.measure("0/1/CPU0", {path: "cd" * 32}) == 0
    finally:
        r.shutdown()


def test_a_node_reload_starts_its_list_afresh(tmp_path: Path) -> None:
    state = tmp_path / "r"
    clock = SimClock(start=T0, frozen=True)
    r = boot(state, clock)
    try:
        path = a_file(r)
        for node in r.ima.nodes():
            r.ima.measure(node, {path: "ee" * 32})
        booted = {n: r.ima.log(n).binary() for n in r.ima.nodes()}
        r.advance(minutes=10)
        r.cli("reload location 0/0/CPU0", answers={"confirm": ""})
        fresh = r.ima.log("0/0/CPU0")
        assert fresh.boot_time == T0 + timedelta(minutes=10)
        events = fresh.events()
        assert events[0].filename_hint == "boot_aggregate"
        assert [(e.filename_hint, e.filedata_hash.hex()) for e in events[1:]] == package_files(r)
        assert {e.time for e in events} == {T0 + timedelta(minutes=10)}
        # The same digest is a new measurement in the new boot.
        assert r.ima.measure("0/0/CPU0", {path: "ee" * 32}) == 1
        for node in ("0/RSP0/CPU0", "0/RSP1/CPU0", "0/1/CPU0"):
            assert r.ima.log(node).binary() == booted[node]
        after = r.ima.log("0/0/CPU0").binary()
    finally:
        r.shutdown()
    r = boot(state, clock)  # the fresh list is what was stored, not the old one
    try:
        assert r.ima.log("0/0/CPU0").binary() == after
        assert r.ima.log("0/1/CPU0").binary() == booted["0/1/CPU0"]
        r.advance(minutes=1)
        r.chassis.reload()  # the whole chassis: every list afresh
        for node in r.ima.nodes():
            assert r.ima.log(node).boot_time == T0 + timedelta(minutes=11)
            assert len(r.ima.log(node)) == len(package_files(r)) + 1
    finally:
        r.shutdown()


def test_every_append_is_one_transaction(router: Router) -> None:
    db = router.chassis.store.directory / "state.db"
    node = "0/RSP0/CPU0"
    log = router.ima.log(node)
    before = len(log)
    files = {f"/opt/cisco/XR/packages/x/f{i}": f"{i:064x}" for i in range(50)}
    router.ima.measure(node, files)
    reader = sqlite3.connect(db)
    try:
        (count,) = reader.execute(
            "SELECT count(*) FROM ima_events WHERE node = ? AND seq >= ?", (node, before)
        ).fetchone()
    finally:
        reader.close()
    assert count == 50
    assert len(log) == before + 50


def test_a_failed_save_changes_nothing(router: Router) -> None:
    """A real write failure: another connection holds the database's write lock (SQLite
    answers SQLITE_BUSY after its timeout), so the append cannot be saved."""
    node = "0/RSP0/CPU0"
    log = router.ima.log(node)
    binary, pcrs = log.binary(), log.pcrs()
    blocker = sqlite3.connect(router.chassis.store.directory / "state.db", timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageError):
            router.ima.measure(node, {a_file(router): "aa" * 32})
    finally:
        blocker.rollback()
        blocker.close()
    assert log.binary() == binary
    assert log.pcrs() == pcrs
    assert router.ima.measure(node, {a_file(router): "aa" * 32}) == 1  # the same call, later

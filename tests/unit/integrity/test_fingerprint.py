"""Package fingerprints (``router.fingerprints``, ``xrsim.integrity.fingerprint``) on booted
routers: the values against an independent hashlib computation over the files on the node
filesystems, the status machine on a frozen clock (due at boot, up to date after a
generation, periodic regeneration on the scheduler), a changed, added or removed file as a
mismatch of that package only, per node and after a switchover, scan subscribers, the
generation in the worker pool on a real-time clock and refused on the event loop thread."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from xrsim import runtime
from xrsim.clock import SimClock
from xrsim.errors import InvalidInput, StateError
from xrsim.integrity.fingerprint import (
    GENERATION_PERIOD,
    IN_PROGRESS,
    NO_FINGERPRINT,
    UP_TO_DATE,
    Fingerprints,
    install_fingerprint,
)
from xrsim.integrity.packages import Package
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)


def node_files(root: Path, prefix: str) -> dict[str, bytes]:
    """Every regular file under ``prefix`` on the node rooted at ``root``: node path ->
    content (symlinks skipped), read with the standard library."""
    base = root / prefix.lstrip("/")
    out: dict[str, bytes] = {}
    if not base.exists():
        return out
    for path in base.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        out["/" + path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def hashlib_fingerprint(files: Mapping[str, bytes]) -> str:
    """The rule of docs/formats.md, independently of xrsim."""
    records = sorted(
        p.encode() + b"\0" + hashlib.sha256(c).hexdigest().encode() + b"\n"
        for p, c in files.items()
    )
    return hashlib.sha1(b"".join(records)).hexdigest()


def header_fingerprint(package: Package) -> str:
    records = sorted(
        f.path.encode() + b"\0" + f.digest.encode() + b"\n" for f in package.files if f.digest
    )
    return hashlib.sha1(b"".join(records)).hexdigest()


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(clock=SimClock(frozen=True))
    yield r
    r.shutdown()


def some_file(router: Router, package: Package) -> Path:
    """A regular file of ``package`` on the active RP's filesystem."""
    root = router.packages.nodes_root(router.chassis.active_rp.name)
    path = next(f.path for f in package.files if f.digest)
    return root / path.lstrip("/")


def test_install_time_is_the_rule_over_the_header_and_the_files(router: Router) -> None:
    packages = router.packages.active()
    assert packages, "a booted router has active packages"
    root = router.packages.nodes_root(router.chassis.active_rp.name)
    for p in packages:
        expected = header_fingerprint(p)
        assert router.fingerprints.install_time(p) == expected == install_fingerprint(p)
        # the files extracted on the node are the header's: the same fingerprint from disk
        assert hashlib_fingerprint(node_files(root, p.prefix)) == expected
        assert len(expected) == 40


def test_status_run_time_and_timestamp_through_a_generation(router: Router) -> None:
    f = router.fingerprints
    packages = router.packages.active()
    # due at boot, not run yet (the clock is frozen: scheduled work runs inside advance)
    assert f.status == IN_PROGRESS
    assert f.timestamp is None
    assert all(f.run_time(p) == NO_FINGERPRINT for p in packages)
    router.advance()  # runs what is due now
    assert f.status == UP_TO_DATE
    assert f.timestamp == router.clock.now()
    for p in packages:
        assert f.run_time(p) == f.install_time(p)
    report = f.report()
    assert report.status == UP_TO_DATE
    assert report.timestamp == f.timestamp
    assert [r.nvr for r in report.packages] == [p.nvr for p in packages]
    assert all(r.matches for r in report.packages)


def test_a_changed_file_is_a_mismatch_of_its_package_at_the_next_period(router: Router) -> None:
    f = router.fingerprints
    router.advance()
    first = f.timestamp
    packages = router.packages.active()
    victim = packages[0]
    target = some_file(router, victim)
    target.write_bytes(target.read_bytes() + b"tampered")  # a real write on the node's disk
    # not seen before the next generation
    router.advance(GENERATION_PERIOD.total_seconds() - 1)
    assert f.run_time(victim) == f.install_time(victim)
    assert f.timestamp == first
    router.advance(1)  # the periodic generation falls due
    assert f.timestamp == router.clock.now()
    assert f.timestamp != first
    assert f.status == UP_TO_DATE
    root = router.packages.nodes_root(router.chassis.active_rp.name)
    assert f.run_time(victim) == hashlib_fingerprint(node_files(root, victim.prefix))
    assert f.run_time(victim) != f.install_time(victim)
    for p in packages[1:]:
        assert f.run_time(p) == f.install_time(p)
    assert [r.nvr for r in f.report().packages if not r.matches] == [victim.nvr]


@pytest.mark.parametrize("change", ["changed", "added", "removed", "restored"])
def test_each_kind_of_change_shows_after_regenerate(router: Router, change: str) -> None:
    f = router.fingerprints
    victim = router.packages.active()[-1]
    target = some_file(router, victim)
    original = target.read_bytes()
    if change == "changed":
        target.write_bytes(b"x" + original)
    elif change == "added":
        (target.parent / "implant.so").write_bytes(b"\x7fELF not from the vendor")
    elif change == "removed":
        target.unlink()
    else:  # changed, then put back as it was: matches again
        target.write_bytes(b"x" + original)
        f.regenerate()
        assert f.run_time(victim) != f.install_time(victim)
        target.write_bytes(original)
    f.regenerate()
    root = router.packages.nodes_root(router.chassis.active_rp.name)
    assert f.run_time(victim) == hashlib_fingerprint(node_files(root, victim.prefix))
    if change == "restored":
        assert f.run_time(victim) == f.install_time(victim)
    else:
        assert f.run_time(victim) != f.install_time(victim)
    assert all(f.run_time(p) == f.install_time(p) for p in router.packages.active() if p != victim)


def test_a_symlink_in_a_package_directory_is_not_followed(router: Router, tmp_path: Path) -> None:
    f = router.fingerprints
    victim = router.packages.active()[0]
    outside = tmp_path / "outside"
    outside.write_bytes(b"not part of any package")
    some_file(router, victim).parent.joinpath("link").symlink_to(outside)
    f.regenerate()
    assert f.run_time(victim) == f.install_time(victim)


def test_scan_subscribers_get_every_xr_node_with_its_files(router: Router) -> None:
    seen: list[tuple[str, dict[str, str]]] = []
    router.fingerprints.subscribe_scan(lambda node, files: seen.append((node, dict(files))))

    def broken(node: str, files: Mapping[str, str]) -> None:
        raise RuntimeError("a subscriber that fails does not stop the others")

    router.fingerprints.subscribe_scan(broken)
    router.fingerprints.regenerate()
    xr_nodes = [n.name for n in router.chassis.nodes if n.runs_xr]
    assert [node for node, _ in seen] == xr_nodes
    for node, files in seen:
        root = router.packages.nodes_root(node)
        expected: dict[str, str] = {}
        for p in router.packages.active():
            expected.update(
                {k: hashlib.sha256(v).hexdigest() for k, v in node_files(root, p.prefix).items()}
            )
        assert files == expected
    with pytest.raises(InvalidInput):
        router.fingerprints.subscribe_scan("not callable")  # type: ignore[arg-type]


def test_each_node_has_its_run_time_and_the_active_rp_gives_the_router_s() -> None:
    with Router.boot("ASR-9006", clock=SimClock(frozen=True)) as router:
        f = router.fingerprints
        xr = [n.name for n in router.chassis.nodes if n.runs_xr]
        active = router.chassis.active_rp.name
        standby = router.chassis.standby_rp
        assert standby is not None
        line_card = next(n for n in xr if n not in (active, standby.name))
        victim = router.packages.active()[0]
        path = next(p.path for p in victim.files if p.digest).lstrip("/")
        card_file = router.packages.nodes_root(line_card) / path
        card_file.write_bytes(b"changed on the line card only")
        standby_file = router.packages.nodes_root(standby.name) / path
        standby_file.write_bytes(b"changed on the standby RP")
        f.regenerate()
        assert f.run_time(victim) == f.install_time(victim)  # the active RP is intact
        assert f.run_time(victim, node=line_card) != f.install_time(victim)
        assert f.run_time(victim, node=standby.name) != f.install_time(victim)
        report = f.report()
        assert list(report.nodes) == xr
        assert [r.run_time for r in report.nodes[line_card] if r.nvr == victim.nvr] == [
            f.run_time(victim, node=line_card)
        ]
        router.chassis.switchover()
        assert f.run_time(victim) == f.run_time(victim, node=standby.name) != f.install_time(victim)


def test_regenerate_is_refused_on_the_event_loop_thread(router: Router) -> None:
    async def on_the_loop() -> None:
        router.fingerprints.regenerate()

    with pytest.raises(StateError):
        runtime.shared().run(on_the_loop(), timeout=30)
    assert router.fingerprints.timestamp is None  # nothing ran


def test_on_a_real_time_clock_the_boot_generation_runs_in_the_worker_pool() -> None:
    threads: list[str] = []
    loop_thread: list[threading.Thread] = []

    async def which() -> None:
        loop_thread.append(threading.current_thread())

    runtime.shared().run(which(), timeout=30)
    with Router.boot() as router:  # the clock follows real time
        router.fingerprints.subscribe_scan(
            lambda node, files: threads.append(threading.current_thread().name)
        )
        deadline = time.monotonic() + 60  # a bound, not a timing assert
        while router.fingerprints.status != UP_TO_DATE and time.monotonic() < deadline:
            time.sleep(0.01)  # the test waits; xrsim itself never sleeps
        assert router.fingerprints.status == UP_TO_DATE
        for p in router.packages.active():
            assert router.fingerprints.run_time(p) == router.fingerprints.install_time(p)
    if threads:  # the subscriber saw the generation (it may have run before it subscribed)
        assert all(t.startswith("xrsim-worker") for t in threads)
        assert loop_thread[0].name not in threads


def test_concurrent_regenerations_agree(router: Router) -> None:
    victim = router.packages.active()[0]
    some_file(router, victim).write_bytes(b"changed")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            router.fingerprints.regenerate()
        except BaseException as e:
            errors.append(e)

    workers = [threading.Thread(target=run) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert not errors
    root = router.packages.nodes_root(router.chassis.active_rp.name)
    assert router.fingerprints.run_time(victim) == hashlib_fingerprint(
        node_files(root, victim.prefix)
    )
    assert router.fingerprints.status == UP_TO_DATE


def test_the_period_must_be_positive(router: Router) -> None:
    with pytest.raises(InvalidInput):
        Fingerprints(router.packages, router.chassis, router.scheduler, period=0)
    with pytest.raises(InvalidInput):
        Fingerprints(router.packages, router.chassis, router.scheduler, period=-5)

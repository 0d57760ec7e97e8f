"""The IMA measurement lists judged by Debian's ``evmctl ima_measurement`` (ima-evm-utils): a
booted router's lists replay to the PCR values it reports (SHA-1 and SHA-256 banks), a package
file changed on a node's filesystem is measured by the next fingerprint generation and the list
still verifies, a tampered copy of a list is refused, a violation needs
``--ignore-violations``, and a restart keeps the lists."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xrsim.clock import SimClock
from xrsim.integrity.ima import ImaEvent, NodeIma
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(180)]

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def evmctl(require_tool: Callable[[str], str]) -> str:
    return require_tool("evmctl")


@pytest.fixture(autouse=True)
def _vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "r1"


@pytest.fixture
def clock() -> SimClock:
    return SimClock(start=T0, frozen=True)


@pytest.fixture
def router(state: Path, clock: SimClock) -> Iterator[Router]:
    r = Router.boot(platform="ASR-9006", state_dir=state, clock=clock)
    yield r
    r.shutdown()


def judge(
    evmctl: str, where: Path, log: NodeIma, binary: bytes | None = None, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``evmctl ima_measurement`` of ``binary`` (default: the node's list) against the PCR
    values the node reports."""
    where.mkdir(parents=True, exist_ok=True)
    listing = where / "binary_runtime_measurements"
    listing.write_bytes(log.binary() if binary is None else binary)
    pcrs1, pcrs256 = where / "pcrs-sha1", where / "pcrs-sha256"
    pcrs1.write_text(log.pcr_file("sha1"))
    pcrs256.write_text(log.pcr_file("sha256"))
    return subprocess.run(
        [evmctl, "ima_measurement", "--pcrs", f"sha1,{pcrs1}", "--pcrs", f"sha256,{pcrs256}",
         *extra, str(listing)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def assert_verified(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr


def test_booted_lists_verify_against_the_reported_pcrs(
    evmctl: str, router: Router, tmp_path: Path
) -> None:
    for node in router.ima.nodes():
        assert_verified(judge(evmctl, tmp_path / node.replace("/", "_"), router.ima.log(node)))


def test_a_changed_package_file_is_measured_and_the_list_still_verifies(
    evmctl: str, router: Router, tmp_path: Path
) -> None:
    node = router.chassis.active_rp.name
    log = router.ima.log(node)
    router.fingerprints.regenerate()
    before = len(log)
    pkg = router.packages.active()[0]
    path = next(f.path for f in pkg.files if f.digest)
    target = Path(router.packages.nodes_root(node)) / path.lstrip("/")
    target.write_bytes(b"#!/bin/sh\necho replaced\n")
    router.advance(minutes=5)
    router.fingerprints.regenerate()
    new = log.events(before)
    assert [e.filename_hint for e in new] == [path]
    assert new[0].time == T0 + timedelta(minutes=5)
    done = judge(evmctl, tmp_path / "changed", log)
    assert_verified(done)


def test_a_tampered_copy_is_refused(evmctl: str, router: Router, tmp_path: Path) -> None:
    log = router.ima.log(router.chassis.active_rp.name)
    binary = bytearray(log.binary())
    path = log.events()[1].filename_hint.encode()
    at = binary.index(path)
    binary[at + len(path) - 1] ^= 0x01  # one byte of a file name in the template data
    done = judge(evmctl, tmp_path / "tampered", log, bytes(binary))
    assert done.returncode != 0, done.stdout + done.stderr
    # A list cut short (its last event dropped) does not replay to the reported PCRs either.
    cut = log.binary()[: -entry_size(log.events()[-1])]
    assert judge(evmctl, tmp_path / "cut", log, cut).returncode != 0


def entry_size(event: ImaEvent) -> int:
    """The bytes of one ``ima-ng`` entry of the binary list: pcr, SHA-1 digest, template name,
    template data (``d-ng`` and ``n-ng``, each with its length)."""
    d = event.filedata_hash_algorithm.encode() + b":\0" + event.filedata_hash
    n = event.filename_hint.encode() + b"\0"
    return 4 + 20 + 4 + len(b"ima-ng") + 4 + 4 + len(d) + 4 + len(n)


def test_a_violation_needs_ignore_violations(evmctl: str, router: Router, tmp_path: Path) -> None:
    log = router.ima.log("0/0/CPU0")
    log.record_violation(log.events()[1].filename_hint)
    assert judge(evmctl, tmp_path / "strict", log).returncode != 0
    assert_verified(judge(evmctl, tmp_path / "lenient", log, None, "--ignore-violations"))


def test_a_restart_keeps_the_lists(
    evmctl: str, state: Path, clock: SimClock, tmp_path: Path
) -> None:
    r = Router.boot(platform="ASR-9006", state_dir=state, clock=clock)
    try:
        node = r.chassis.active_rp.name
        pkg = r.packages.active()[0]
        path = next(f.path for f in pkg.files if f.digest)
        (Path(r.packages.nodes_root(node)) / path.lstrip("/")).write_bytes(b"changed\n")
        r.fingerprints.regenerate()
        kept = r.ima.log(node).binary()
        pcrs = r.ima.log(node).pcrs()
    finally:
        r.shutdown()
    r = Router.boot(platform="ASR-9006", state_dir=state, clock=clock)
    try:
        log = r.ima.log(node)
        assert log.binary() == kept
        assert log.pcrs() == pcrs
        assert_verified(judge(evmctl, tmp_path / "restarted", log))
    finally:
        r.shutdown()

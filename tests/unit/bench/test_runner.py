"""xrsim.bench.runner: measurement, ``openssl speed`` parsing, the ratio table and JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from xrsim.bench import OPENSSL, Measurement, Report, run, workloads
from xrsim.bench.runner import measure, measure_interleaved, openssl_speed
from xrsim.bench.workloads import Prepared

SMALL = workloads(sha_bytes=1 << 16, tree_bytes=1 << 20, tree_files=200, ima_events=1000)


def _by_id(wid: str) -> list:
    return [w for w in SMALL if w.id == wid]


def test_measure_runs_at_least_min_rounds_and_counts_items() -> None:
    calls = []
    m = measure(Prepared(lambda: calls.append(1)), 10, min_time=0.0, min_rounds=5)
    # one warm-up call plus at least five timed rounds
    assert len(calls) == m.rounds + 1
    assert m.rounds >= 5
    assert m.best_s is not None
    assert m.median_s is not None
    assert m.best_s <= m.median_s
    assert m.rate == pytest.approx(10 / m.best_s)


def test_interleaved_rounds_alternate() -> None:
    order: list[str] = []
    jobs = {n: Prepared(lambda n=n: order.append(n)) for n in ("a", "b", "c")}
    out = measure_interleaved(jobs, 1, min_time=0.0, min_rounds=4)
    assert order[:3] == ["a", "b", "c"]  # warm-up
    assert order[3:] == ["a", "b", "c"] * out["a"].rounds
    assert {m.rounds for m in out.values()} == {out["a"].rounds}


def test_report_ratios_and_targets() -> None:
    (w,) = _by_id("rsa2048-sign-batch")
    r = Report([w])
    r.add(w.id, "xrsim", Measurement(6000.0))
    r.add(w.id, "pyca loop", Measurement(3000.0))
    r.add(w.id, "pyca threads", Measurement(7500.0))
    r.add(w.id, OPENSSL, Measurement(3000.0))
    rows = {row["reference"]: row for row in r.rows()}
    assert rows["pyca loop"]["ratio"] == pytest.approx(2.0)
    assert rows["pyca loop"]["met"] is True
    assert rows["pyca threads"]["ratio"] == pytest.approx(0.8)
    assert rows["pyca threads"]["met"] is False
    assert rows[OPENSSL]["target"] is None
    assert [m["reference"] for m in r.missed()] == ["pyca threads"]
    doc = r.to_json()
    json.dumps(doc)  # serialisable
    assert doc["workloads"][0]["results"]["xrsim"]["rate"] == 6000.0
    console = Console(record=True, width=120)
    r.print(console)
    text = console.export_text()
    assert "2.00x" in text
    assert "missed" in text


def test_scaled_units_are_reported_scaled() -> None:
    (w,) = _by_id("sha256")
    r = Report([w])
    r.add(w.id, "xrsim", Measurement(2e9))
    r.add(w.id, "hashlib", Measurement(1e9))
    (row,) = r.rows()
    assert row["xrsim"] == pytest.approx(2000.0)
    assert row["unit"] == "MB/s"
    assert row["ratio"] == pytest.approx(2.0)


def test_xrsim_contenders_do_the_job() -> None:
    from xrsim.crypto import generate_key

    for w in SMALL:
        if w.id == "rsa2048-keygen-batch":
            continue  # generation is exercised by the crypto tests; it is slow here
        job = w.contender("xrsim").setup()
        try:
            out = job.run()
        finally:
            job.close()
        if w.items > 1 and w.unit == "sig/s":
            assert isinstance(out, list)
            assert len(out) == w.items
        if w.id == "sha256":
            assert out == bytes.fromhex(
                "de2f256064a0af797747c2b97505dc0b9f3df0de4f489eac731c23ae9ca9cc31"
            )  # SHA-256 of 64 KiB of zeros
    assert generate_key("ed25519").key_type == "ed25519"


def test_unknown_contender_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        SMALL[0].contender("nobody")


@pytest.mark.peer
@pytest.mark.timeout(60)
def test_openssl_speed_rates(require_tool) -> None:
    require_tool("openssl")
    for args in (("rsa2048",), ("ed25519",), ("ecdsap256",), ("-evp", "sha256")):
        rate = openssl_speed(args, seconds=1)
        assert rate is not None, args
        assert rate > 0


def test_openssl_speed_without_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert openssl_speed(("rsa2048",)) is None


@pytest.mark.timeout(60)
def test_run_calls_back_once_per_step() -> None:
    from xrsim import bench

    sel = _by_id("sha256") + _by_id("ed25519-sign")
    steps: list[str] = []
    report = run(sel, min_time=0.01, with_openssl=False, on_step=steps.append)
    assert len(steps) == bench.steps(sel, with_openssl=False)
    assert {r["workload"] for r in report.rows()} == {"sha256", "ed25519-sign"}


# -- scale ----------------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_measure_scale_boots_serves_and_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small scale run, end to end: 3 routers booted, all serving SSH, 2 answering netmiko's
    show version (the first and the last), then everything stopped."""
    from xrsim.bench import ScaleWorkload, measure_scale, scale_table

    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    w = ScaleWorkload("scale-3", "3 routers", 3, sample=2, target_seconds=600.0)
    steps: list[str] = []
    r = measure_scale(w, state_root=tmp_path / "state", on_step=steps.append)
    assert len(steps) == 3
    assert len(r.sample_s) == 2
    assert all(s > 0 for s in r.sample_s)
    assert r.new_routers == 3
    assert r.reference_keys_per_s > 0
    assert r.rss_after >= r.rss_before > 0
    assert r.boot_s > 0
    assert r.total_s == pytest.approx(r.boot_s + r.listen_s)
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["r1", "r2", "r3"]
    doc = r.to_json()
    json.dumps(doc)
    assert doc["routers"] == 3
    assert doc["met"] is (r.total_s <= 600.0)
    console = Console(record=True, width=140)
    console.print(scale_table([r]))
    assert "scale-3" in console.export_text()
    # The same state again: nothing is new any more.
    again = measure_scale(w, state_root=tmp_path / "state", batch=False)
    assert again.new_routers == 0
    assert len(again.sample_s) == 2


def test_resident_bytes_reads_vmrss() -> None:
    from xrsim.bench.runner import resident_bytes

    with open("/proc/self/status", encoding="ascii") as f:
        line = next(x for x in f if x.startswith("VmRSS:"))
    reported = int(line.split()[1]) * 1024
    assert resident_bytes() == pytest.approx(reported, rel=0.5)


def test_sample_spreads_over_the_routers() -> None:
    from xrsim.bench.runner import _sample

    assert _sample(1000, 10) == [0, 111, 222, 333, 444, 555, 666, 777, 888, 999]
    assert _sample(3, 10) == [0, 1, 2]
    assert _sample(5, 1) == [0]
    assert _sample(0, 10) == []

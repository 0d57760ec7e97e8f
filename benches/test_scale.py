"""Scale: N routers booted in one process, every one serving SSH on its own port, all on the
process's one event loop (``xrsim.runtime``); then a sample of 10 answers a netmiko ``cisco_xr``
connect and ``show version`` while all are up. N = 100 and 1,000, each booted in a batch
(``Router.boot_many``: host keys generated in parallel by the Rust core) and, side by side,
one ``Router.boot`` after the other.

Measured (``xrsim.bench.runner.ScaleRun``, the same code ``xrsim bench --only scale-1000``
runs): the time until every router listens (pytest-benchmark's figure), the boot's share of
it, resident memory (``VmRSS``), threads, and the sample's connect + ``show version`` latency.
The figures go to the terminal summary and to each benchmark's ``extra_info``. Issue 9's target
on the 2-core machine: 1,000 routers answering SSH within 30 s and 1 GiB resident; it is
reported (met or missed), not asserted: a shared machine's timings are not a test.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from xrsim.bench import ScaleResult, ScaleRun, ScaleWorkload, scale_workloads

CASES = [(w, batch) for w in scale_workloads() for batch in (True, False)]


def _note(r: ScaleResult) -> str:
    mark = {True: "met", False: "MISSED", None: "no target"}[r.met()]
    return (
        f"scale: {r.workload.routers} routers ({'batch' if r.batch else 'one by one'}): "
        f"all listening after {r.total_s:.1f} s (boot {r.boot_s:.1f} s), "
        f"{r.rss_after / 1e6:,.0f} MB resident (+{(r.rss_after - r.rss_before) / 1e6:,.0f}), "
        f"{r.threads} threads; netmiko + show version on {len(r.sample_s)}: "
        f"p50 {statistics.median(r.sample_s) * 1e3:.0f} ms, max {max(r.sample_s) * 1e3:.0f} ms; "
        f"RSA-2048 keygen then {r.reference_keys_per_s:.0f}/s; target {mark}"
    )


@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    ("scale", "batch"),
    CASES,
    ids=[f"{w.id}-{'batch' if b else 'one-by-one'}" for w, b in CASES],
)
def test_scale(benchmark: Any, bench_notes: list[str], scale: ScaleWorkload, batch: bool) -> None:
    benchmark.group = "scale"
    benchmark.name = f"{scale.id} [{'batch' if batch else 'one by one'}]"
    with ScaleRun(scale, batch=batch) as run:
        # Timed: the boot and every SSH server listening (the reference key rate, the sample
        # and the shutdown are not).
        benchmark.pedantic(run.start, rounds=1, iterations=1, warmup_rounds=0)
        run.sample()
        r = run.result()
    benchmark.extra_info.update(r.to_json())
    bench_notes.append(_note(r))
    # Every sampled router answered netmiko with its show version (sample() checks the
    # banner of each); every router was new, so each generated its host key.
    assert len(r.sample_s) == scale.sample
    assert r.new_routers == scale.routers

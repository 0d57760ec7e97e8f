"""xrsim against pyca/cryptography, hashlib and ``openssl speed``, row by row of the ratio table.

Each (workload, contender) pair is one pytest-benchmark benchmark in the workload's group, so
pytest-benchmark's own table compares them side by side; ``conftest.py`` turns the medians into
the ratio table. The workloads are the ones ``xrsim bench`` runs (``xrsim.bench.workloads``).
"""

from __future__ import annotations

import math
import os
import shutil
import time
from typing import Any

import pytest

from xrsim.bench import OPENSSL, Measurement, Report, Workload, openssl_speed
from xrsim.bench.workloads import Contender

#: Seconds of measurement per benchmark (after calibration).
TARGET_SECONDS = float(os.environ.get("XRSIM_BENCH_SECONDS", "2.0"))


def _plan(run: Any, min_rounds: int) -> tuple[int, int]:
    """(rounds, iterations) so that a benchmark lasts about TARGET_SECONDS and each timed
    iteration block lasts at least a millisecond (timer resolution stays negligible)."""
    t0 = time.perf_counter()
    run()
    once = max(time.perf_counter() - t0, 1e-7)
    iterations = max(1, math.ceil(1e-3 / once))
    rounds = max(min_rounds, min(100_000, round(TARGET_SECONDS / (once * iterations))))
    return rounds, iterations


def test_throughput(
    benchmark: Any, report: Report, workload: Workload, contender: Contender
) -> None:
    job = contender.setup()
    try:
        rounds, iterations = _plan(job.run, workload.min_rounds)
        benchmark.group = workload.id
        benchmark.name = f"{workload.id} [{contender.name}]"
        benchmark.extra_info["items_per_call"] = workload.items
        benchmark.pedantic(job.run, rounds=rounds, iterations=iterations, warmup_rounds=1)
    finally:
        job.close()
    median = benchmark.stats.stats.median
    report.add(workload.id, contender.name, Measurement(workload.items / median, median, rounds))


def test_openssl_speed(report: Report, openssl_args: tuple[str, ...]) -> None:
    args = openssl_args
    if shutil.which("openssl") is None:
        pytest.fail("the OpenSSL CLI is missing: 'make test' installs it (Debian 'openssl')")
    rate = openssl_speed(args, seconds=max(1, round(TARGET_SECONDS)))
    assert rate is not None, f"openssl speed {' '.join(args)} printed no rate"
    assert rate > 0
    for w in report.workloads:
        if w.openssl == args:
            report.add(w.id, OPENSSL, Measurement(rate))

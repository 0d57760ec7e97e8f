"""Package-tree fingerprints and IMA lists (issue 13): xrsim's Rust core beside a
straightforward Python hashlib implementation of the same job, row by row.

The rows are ``tree-small`` (20,000 files of 4 KiB), ``tree-large`` (16 files, 1 GiB, or
``XRSIM_BENCH_TREE_BYTES``) and ``ima-100k`` (build and replay 100,000 events), defined in
``xrsim.bench.workloads`` (``suite="integrity"``) and run by ``xrsim bench`` too. Each
(workload, contender) pair is one pytest-benchmark benchmark in the workload's group;
``conftest.py`` puts the medians into the ratio table printed at the end. The trees are written
once into a temporary directory and every contender reads the same warm tree.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from xrsim.bench import Measurement, Report, Workload
from xrsim.bench.workloads import Contender

#: The conftest parametrizes this module with the integrity rows only.
SUITE = "integrity"
#: Seconds of measurement per benchmark (after calibration).
TARGET_SECONDS = float(os.environ.get("XRSIM_BENCH_SECONDS", "2.0"))


def _plan(run: Any, min_rounds: int) -> tuple[int, int]:
    """(rounds, iterations): about TARGET_SECONDS per benchmark, at least a millisecond per
    timed block."""
    t0 = time.perf_counter()
    run()
    once = max(time.perf_counter() - t0, 1e-7)
    iterations = max(1, math.ceil(1e-3 / once))
    rounds = max(min_rounds, min(100_000, round(TARGET_SECONDS / (once * iterations))))
    return rounds, iterations


def test_contenders_agree(workload: Workload) -> None:
    """Both contenders of a row compute the same thing (fingerprint, or replayed PCRs)."""
    answers = {}
    for c in workload.contenders:
        job = c.setup()
        try:
            answers[c.name] = job.run()
        finally:
            job.close()
    assert len(set(map(repr, answers.values()))) == 1, answers


def test_integrity(
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

"""Throughput benchmarks of xrsim against pyca/cryptography, hashlib and ``openssl speed``,
and the scale benchmark (N routers serving SSH in one process).

:mod:`xrsim.bench.workloads` defines the rows once; :mod:`xrsim.bench.runner` measures them and
renders the ratio table and the scale table. :func:`run` and :func:`measure_scale` are what
``xrsim bench`` calls; ``benches/`` runs the same workloads under pytest-benchmark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xrsim.bench.runner import (
    OPENSSL,
    Measurement,
    Report,
    ScaleResult,
    ScaleRun,
    measure,
    measure_interleaved,
    measure_scale,
    openssl_speed,
    scale_table,
)
from xrsim.bench.workloads import ScaleWorkload, Workload, scale_workloads, workloads

__all__ = [
    "OPENSSL",
    "Measurement",
    "Report",
    "ScaleResult",
    "ScaleRun",
    "ScaleWorkload",
    "Workload",
    "measure",
    "measure_interleaved",
    "measure_scale",
    "openssl_speed",
    "run",
    "scale_table",
    "scale_workloads",
    "workloads",
]


def run(
    selected: Sequence[Workload],
    *,
    min_time: float = 1.0,
    with_openssl: bool = True,
    on_step: Callable[[str], None] | None = None,
) -> Report:
    """Measure the contenders of every workload in alternating rounds (and ``openssl speed``
    where it applies).

    ``on_step`` is called with a description after each step (the progress bar advances on it).
    """
    report = Report(list(selected))
    speed_cache: dict[tuple[str, ...], float | None] = {}
    for w in selected:
        jobs = {}
        try:
            for c in w.contenders:
                jobs[c.name] = c.setup()
            results = measure_interleaved(jobs, w.items, min_time=min_time, min_rounds=w.min_rounds)
        finally:
            for job in jobs.values():
                job.close()
        for name, m in results.items():
            report.add(w.id, name, m)
        if on_step:
            on_step(f"{w.id}: {', '.join(results)}")
        if with_openssl and w.openssl is not None:
            if w.openssl not in speed_cache:
                speed_cache[w.openssl] = openssl_speed(w.openssl, seconds=max(1, round(min_time)))
            rate = speed_cache[w.openssl]
            if rate is not None:
                report.add(w.id, OPENSSL, Measurement(rate))
            if on_step:
                on_step(f"{w.id}: {OPENSSL}")
    return report


def steps(selected: Sequence[Workload], *, with_openssl: bool = True) -> int:
    """How many times :func:`run` calls ``on_step`` (the progress bar's total)."""
    return sum(1 + (1 if with_openssl and w.openssl is not None else 0) for w in selected)

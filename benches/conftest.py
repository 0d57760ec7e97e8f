"""Shared state of the benchmark run: one ``Report`` filled by every benchmark, printed at the
end as the ratio table (the same table ``xrsim bench`` prints)."""

from __future__ import annotations

import os

import pytest
from rich.console import Console

from xrsim.bench import Report, workloads

#: Bytes of the SHA-256 workload; XRSIM_BENCH_SHA_BYTES makes a quick run possible.
SHA_BYTES = int(os.environ.get("XRSIM_BENCH_SHA_BYTES", str(1 << 30)))
#: Bytes of the large-file tree (tree-large); XRSIM_BENCH_TREE_BYTES likewise.
TREE_BYTES = int(os.environ.get("XRSIM_BENCH_TREE_BYTES", str(1 << 30)))
WORKLOADS = workloads(sha_bytes=SHA_BYTES, tree_bytes=TREE_BYTES)
REPORT = Report(WORKLOADS)
#: Lines that benchmarks other than the ratio rows want in the summary (memory per router).
NOTES: list[str] = []


@pytest.fixture(scope="session")
def report() -> Report:
    return REPORT


@pytest.fixture(scope="session")
def bench_notes() -> list[str]:
    return NOTES


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize over the shared workloads: ``workload``/``contender`` pairs of the module's
    suite (its ``SUITE``, "throughput" when absent), and the distinct ``openssl speed``
    arguments as ``openssl_args``."""
    suite = getattr(metafunc.module, "SUITE", "throughput")
    mine = [w for w in WORKLOADS if w.suite == suite]
    if "workload" in metafunc.fixturenames and "contender" not in metafunc.fixturenames:
        metafunc.parametrize("workload", mine, ids=[w.id for w in mine])
    if {"workload", "contender"} <= set(metafunc.fixturenames):
        cases = [(w, c) for w in mine for c in w.contenders]
        metafunc.parametrize(
            ("workload", "contender"),
            cases,
            ids=[f"{w.id}-{c.name.replace(' ', '_')}" for w, c in cases],
        )
    if "openssl_args" in metafunc.fixturenames:
        args = sorted({w.openssl for w in mine if w.openssl is not None})
        metafunc.parametrize("openssl_args", args, ids=[" ".join(a) for a in args])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for note in NOTES:
        terminalreporter.write_line(note)
    if not REPORT.results:
        return
    terminalreporter.section("xrsim ratios")
    console = Console(file=terminalreporter._tw, width=max(100, terminalreporter._tw.fullwidth))
    REPORT.print(console)
    missed = REPORT.missed()
    for r in missed:
        terminalreporter.write_line(
            f"target missed: {r['workload']} vs {r['reference']}: "
            f"{r['ratio']:.2f}x < {r['target']:.2f}x"
        )

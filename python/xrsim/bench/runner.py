"""Measuring the workloads and reporting them as ratios.

:func:`measure` times one prepared job (median of rounds), :func:`openssl_speed` asks the
OpenSSL CLI for the per-core limit of an algorithm, :class:`Report` collects the rates of every
contender per workload and renders the ratio table (rich) or JSON. ``xrsim bench`` drives all of
it; ``benches/conftest.py`` feeds pytest-benchmark's medians into the same :class:`Report`.
"""

from __future__ import annotations

import platform
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from xrsim.bench.workloads import Prepared, Workload

__all__ = [
    "OPENSSL",
    "Measurement",
    "Report",
    "measure",
    "measure_interleaved",
    "openssl_speed",
    "openssl_version",
]

#: Name of the contender that ``openssl speed`` results are filed under.
OPENSSL = "openssl speed"


@dataclass(frozen=True)
class Measurement:
    """Rate of one contender on one workload.

    With the ``best`` estimator ``rate`` is ``items`` over the shortest round: on a shared
    machine noise only ever slows a round down, so the best round is the stablest estimate of
    what steady code can do. With ``mean`` it is all items over all rounds' time, for work of
    random duration (key generation). The median round is kept for reference."""

    rate: float
    median_s: float | None = None
    rounds: int = 0
    best_s: float | None = None

    @classmethod
    def from_rounds(cls, items: int, times: list[float], estimator: str = "best") -> Measurement:
        best = min(times)
        per_round = best if estimator == "best" else statistics.fmean(times)
        return cls(items / per_round, statistics.median(times), len(times), best)


def measure(job: Prepared, items: int, *, min_time: float, min_rounds: int = 3) -> Measurement:
    """Run ``job`` once to warm up, then in rounds until ``min_time`` seconds and
    ``min_rounds`` rounds have passed."""
    return measure_interleaved({"job": job}, items, min_time=min_time, min_rounds=min_rounds)["job"]


def measure_interleaved(
    jobs: dict[str, Prepared],
    items: int,
    *,
    min_time: float,
    min_rounds: int = 3,
    estimator: str = "best",
) -> dict[str, Measurement]:
    """Time several contenders of one workload in alternating rounds (A, B, C, A, B, C, ...),
    so that a slow spell of a shared machine falls on all of them alike. Each job runs once to
    warm up, then rounds go on until every job has ``min_rounds`` rounds and the whole took
    ``min_time`` seconds per job."""
    for job in jobs.values():
        job.run()
    times: dict[str, list[float]] = {name: [] for name in jobs}
    start = time.perf_counter()
    budget = min_time * len(jobs)
    rounds = 0
    while rounds < min_rounds or time.perf_counter() - start < budget:
        for name, job in jobs.items():
            t0 = time.perf_counter()
            job.run()
            times[name].append(time.perf_counter() - t0)
        rounds += 1
    return {name: Measurement.from_rounds(items, ts, estimator) for name, ts in times.items()}


def openssl_version() -> str | None:
    """``openssl version`` of the CLI on PATH, or ``None`` without one."""
    exe = shutil.which("openssl")
    if exe is None:
        return None
    out = subprocess.run([exe, "version"], capture_output=True, text=True, timeout=10, check=False)
    return out.stdout.strip() or None


def openssl_speed(args: tuple[str, ...], *, seconds: int = 2) -> float | None:
    """Per-core operations (or bytes) per second from ``openssl speed -mr``; ``None`` when the
    CLI is missing or prints nothing usable.

    Machine-readable lines: ``+F2:i:bits:sign/s:verify/s`` (RSA), ``+F4:i:bits:sign/s:verify/s``
    (ECDSA), ``+F6:i:bits:name:sign/s:verify/s`` (EdDSA), ``+F:i:name:rate...`` (digests, one
    rate per block size; ``-bytes`` asks for one 1 MiB block).
    """
    exe = shutil.which("openssl")
    if exe is None:
        return None
    cmd = [exe, "speed", "-mr", "-seconds", str(seconds)]
    if args and args[0] == "-evp":
        cmd += ["-bytes", str(1 << 20)]
    proc = subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=60 + 10 * seconds, check=False
    )
    for line in proc.stdout.splitlines():
        fields = line.split(":")
        try:
            if fields[0] in ("+F2", "+F4"):
                return float(fields[3])
            if fields[0] == "+F6":
                return float(fields[4])
            if fields[0] == "+F":
                return float(fields[3])
        except (IndexError, ValueError):
            continue
    return None


@dataclass
class Report:
    """Rates per workload and contender, and the ratio table made from them."""

    workloads: list[Workload]
    results: dict[str, dict[str, Measurement]] = field(default_factory=dict)

    def add(self, workload_id: str, contender: str, m: Measurement) -> None:
        self.results.setdefault(workload_id, {})[contender] = m

    def rows(self) -> list[dict[str, Any]]:
        """One row per (workload, reference): xrsim's rate over the reference's."""
        out: list[dict[str, Any]] = []
        for w in self.workloads:
            res = self.results.get(w.id, {})
            mine = res.get("xrsim")
            if mine is None:
                continue
            targets = {t.versus: t.min_ratio for t in w.targets}
            refs = [c.name for c in w.contenders if c.name != "xrsim"] + [OPENSSL]
            for ref in refs:
                other = res.get(ref)
                if other is None or other.rate <= 0:
                    continue
                ratio = mine.rate / other.rate
                target = targets.get(ref)
                out.append(
                    {
                        "workload": w.id,
                        "title": w.title,
                        "unit": w.unit,
                        "xrsim": mine.rate * w.scale,
                        "reference": ref,
                        "reference_rate": other.rate * w.scale,
                        "ratio": ratio,
                        "target": target,
                        "met": None if target is None else ratio >= target,
                    }
                )
        return out

    def missed(self) -> list[dict[str, Any]]:
        """Rows whose target was not reached."""
        return [r for r in self.rows() if r["met"] is False]

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": machine_info(),
            "workloads": [
                {
                    "id": w.id,
                    "title": w.title,
                    "unit": w.unit,
                    "items_per_round": w.items,
                    "results": {
                        name: {
                            "rate": m.rate * w.scale,
                            "best_round_s": m.best_s,
                            "median_round_s": m.median_s,
                            "rounds": m.rounds,
                        }
                        for name, m in self.results.get(w.id, {}).items()
                    },
                }
                for w in self.workloads
            ],
            "ratios": self.rows(),
        }

    def table(self) -> Table:
        t = Table(title="xrsim throughput ratios (higher is better for xrsim)")
        for col, justify in (
            ("workload", "left"),
            ("xrsim", "right"),
            ("versus", "left"),
            ("their rate", "right"),
            ("ratio", "right"),
            ("target", "right"),
        ):
            t.add_column(col, justify=justify)  # type: ignore[arg-type]
        last = None
        for r in self.rows():
            first = r["workload"] != last
            last = r["workload"]
            target = "" if r["target"] is None else f">= {r['target']:.2f}x"
            mark = {True: "[green]met[/]", False: "[red]missed[/]", None: ""}[r["met"]]
            t.add_row(
                r["workload"] if first else "",
                f"{r['xrsim']:,.0f} {r['unit']}" if first else "",
                r["reference"],
                f"{r['reference_rate']:,.0f} {r['unit']}",
                f"{r['ratio']:.2f}x",
                f"{target} {mark}".strip(),
                end_section=False,
            )
        return t

    def print(self, console: Console) -> None:
        console.print(self.table())
        for w in self.workloads:
            if "xrsim" in self.results.get(w.id, {}):
                console.print(f"  {w.id:22} {w.title}")
        info = machine_info()
        console.print(
            f"{info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, "
            f"pyca/cryptography {info['cryptography']} on {info['pyca_openssl']}, "
            f"CLI {info['openssl_cli']}"
        )


def machine_info() -> dict[str, Any]:
    """What the figures depend on."""
    import os

    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "pyca_openssl": backend.openssl_version_text(),
        "openssl_cli": openssl_version(),
    }

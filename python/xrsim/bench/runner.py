"""Measuring the workloads and reporting them as ratios.

:func:`measure` times one prepared job (median of rounds), :func:`openssl_speed` asks the
OpenSSL CLI for the per-core limit of an algorithm, :class:`Report` collects the rates of every
contender per workload and renders the ratio table (rich) or JSON. ``xrsim bench`` drives all of
it; ``benches/conftest.py`` feeds pytest-benchmark's medians into the same :class:`Report`.

:func:`measure_scale` runs a :class:`ScaleWorkload` (:class:`ScaleRun`, step by step): it
boots N routers in this process, starts an ``SshServer`` for each, and gives a
:class:`ScaleResult` (time to boot, time until every router listens, resident memory from
``/proc/self/status`` ``VmRSS``, threads, and netmiko connect + ``show version`` on a sample
while all are up); :func:`scale_table` renders results.
"""

from __future__ import annotations

import platform
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from xrsim.bench.workloads import Prepared, ScaleWorkload, Workload

__all__ = [
    "OPENSSL",
    "Measurement",
    "Report",
    "ScaleResult",
    "ScaleRun",
    "measure",
    "measure_interleaved",
    "measure_scale",
    "openssl_speed",
    "openssl_version",
    "resident_bytes",
    "scale_table",
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


# -- scale -----------------------------------------------------------------------------------

#: Keys of the reference key generation before a scale run.
REFERENCE_KEYS = 16

#: The banner ``show version`` starts with: the sample's check that a router really answered.
VERSION_BANNER = "Cisco IOS XR Software"


def resident_bytes() -> int:
    """This process's resident set (``VmRSS`` of ``/proc/self/status``), in bytes."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmRSS in /proc/self/status")


@dataclass(frozen=True)
class ScaleResult:
    """One run of a :class:`ScaleWorkload`."""

    workload: ScaleWorkload
    #: ``Router.boot_many`` (or N ``Router.boot`` calls) until it returned.
    boot_s: float
    #: From the boot's end until every router's SSH server listened.
    listen_s: float
    #: Resident set before the boot (netmiko and xrsim imported) and with all listening.
    rss_before: int
    rss_after: int
    threads: int
    #: netmiko connect + ``show version`` + disconnect, per sampled router, in seconds.
    sample_s: tuple[float, ...]
    #: Routers whose state directory was new (each generated its RSA host key at boot).
    new_routers: int
    batch: bool = True
    #: RSA-2048 keys per second ``generate_keys`` made just before the boot (untimed): what
    #: the machine gave at the time (a shared machine's rate varies several-fold, and the
    #: first boot of N routers is N key generations).
    reference_keys_per_s: float = 0.0

    @property
    def total_s(self) -> float:
        """From the start of the boot until every router listened."""
        return self.boot_s + self.listen_s

    def met(self) -> bool | None:
        """Whether the workload's targets were met (None without targets)."""
        w = self.workload
        if w.target_seconds is None and w.target_rss_bytes is None:
            return None
        ok = w.target_seconds is None or self.total_s <= w.target_seconds
        return ok and (w.target_rss_bytes is None or self.rss_after <= w.target_rss_bytes)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.workload.id,
            "routers": self.workload.routers,
            "batch_boot": self.batch,
            "boot_s": self.boot_s,
            "listen_s": self.listen_s,
            "until_all_listen_s": self.total_s,
            "rss_before_bytes": self.rss_before,
            "rss_after_bytes": self.rss_after,
            "threads": self.threads,
            "new_routers": self.new_routers,
            "reference_rsa2048_keys_per_s": self.reference_keys_per_s,
            "sample_connect_show_version_s": list(self.sample_s),
            "target_seconds": self.workload.target_seconds,
            "target_rss_bytes": self.workload.target_rss_bytes,
            "met": self.met(),
        }


def _open_files_for(routers: int) -> None:
    """Raise the soft limit of open files to what ``routers`` listeners and their state
    need (a listener each, a few per connection), within the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4 * routers + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        top = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))


def _sample(count: int, size: int) -> list[int]:
    """``size`` indexes spread evenly over ``range(count)`` (first and last included)."""
    if size <= 0 or count == 0:
        return []
    if size >= count:
        return list(range(count))
    if size == 1:
        return [0]
    return sorted({round(i * (count - 1) / (size - 1)) for i in range(size)})


class ScaleRun:
    """One run of a :class:`ScaleWorkload`, step by step (``benches/test_scale.py`` times
    ``start`` alone; :func:`measure_scale` does all of it)::

        with ScaleRun(workload) as run:   # a state directory, the reference key rate
            run.start()                   # boot every router and start its SSH server
            run.sample()                  # netmiko + show version on the sample
            result = run.result()
        # every server stopped, every router shut down, the temporary state removed

    ``state_root``: where the routers' state goes (a temporary directory when None).
    ``batch``: ``Router.boot_many`` (else one ``Router.boot`` after the other)."""

    def __init__(
        self,
        workload: ScaleWorkload,
        *,
        state_root: str | Path | None = None,
        batch: bool = True,
        on_step: Callable[[str], None] | None = None,
    ) -> None:
        self.workload = workload
        self.batch = batch
        self._state_root = Path(state_root) if state_root is not None else None
        self._step = on_step or (lambda _text: None)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._routers: list[Any] = []
        self._servers: list[Any] = []
        self._names = [f"r{i}" for i in range(1, workload.routers + 1)]
        self._new = 0
        self._reference = 0.0
        self._rss_before = self._rss_after = 0
        self._threads = 0
        self._boot_s = self._listen_s = 0.0
        self._sample_s: tuple[float, ...] = ()

    def __enter__(self) -> ScaleRun:
        from xrsim.crypto import generate_keys

        _open_files_for(self.workload.routers)
        self._tmp = tempfile.TemporaryDirectory(prefix="xrsim-scale-")
        root = self._root
        self._new = sum(1 for n in self._names if not (root / n).exists())
        k0 = time.perf_counter()
        generate_keys(REFERENCE_KEYS, "rsa", bits=2048)
        self._reference = REFERENCE_KEYS / (time.perf_counter() - k0)
        return self

    @property
    def _root(self) -> Path:
        if self._state_root is not None:
            return self._state_root
        assert self._tmp is not None, "a ScaleRun is used in a with block"
        return Path(self._tmp.name)

    def start(self) -> float:
        """Boot every router and start its SSH server; the seconds until all listen."""
        from xrsim.frontends.ssh import SshServer
        from xrsim.router import Router

        root, n = self._root, self.workload.routers
        self._rss_before = resident_bytes()
        t0 = time.perf_counter()
        if self.batch:
            self._routers = Router.boot_many(n, state_root=root)
        else:
            for name in self._names:
                self._routers.append(Router.boot(state_dir=root / name, hostname=name))
        t1 = time.perf_counter()
        self._step(f"{self.workload.id}: {len(self._routers)} routers booted")
        self._servers = SshServer.start_many([SshServer(r) for r in self._routers])
        t2 = time.perf_counter()
        self._rss_after = resident_bytes()
        self._threads = threading.active_count()
        self._boot_s, self._listen_s = t1 - t0, t2 - t1
        self._step(f"{self.workload.id}: {len(self._servers)} SSH servers listening")
        return t2 - t0

    def sample(self) -> tuple[float, ...]:
        """netmiko connect + ``show version`` + disconnect on the sample, in seconds each;
        ``RuntimeError`` when a router does not answer with its version banner."""
        from netmiko import ConnectHandler

        from xrsim.frontends.ssh import DEFAULT_USERS

        user, password = next(iter(DEFAULT_USERS.items()))  # the lab login of a new router
        times: list[float] = []
        for i in _sample(len(self._servers), self.workload.sample):
            s0 = time.perf_counter()
            conn = ConnectHandler(
                device_type="cisco_xr",
                host="127.0.0.1",
                port=self._servers[i].port,
                username=user,
                password=password,
                timeout=30,
                conn_timeout=30,
            )
            try:
                out = str(conn.send_command("show version"))
            finally:
                conn.disconnect()
            if VERSION_BANNER not in out:
                raise RuntimeError(f"router r{i + 1} did not answer show version: {out!r}")
            times.append(time.perf_counter() - s0)
        self._sample_s = tuple(times)
        self._step(f"{self.workload.id}: {len(times)} netmiko sessions answered")
        return self._sample_s

    def result(self) -> ScaleResult:
        return ScaleResult(
            self.workload,
            boot_s=self._boot_s,
            listen_s=self._listen_s,
            rss_before=self._rss_before,
            rss_after=self._rss_after,
            threads=self._threads,
            sample_s=self._sample_s,
            new_routers=self._new,
            reference_keys_per_s=self._reference,
            batch=self.batch,
        )

    def close(self) -> None:
        """Stop every server, shut every router down, remove the temporary state."""
        servers, self._servers = self._servers, []
        routers, self._routers = self._routers, []
        for server in servers:
            server.stop()
        for r in routers:
            r.shutdown()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __exit__(self, *exc: object) -> None:
        self.close()


def measure_scale(
    workload: ScaleWorkload,
    *,
    state_root: str | Path | None = None,
    batch: bool = True,
    on_step: Callable[[str], None] | None = None,
) -> ScaleResult:
    """Boot ``workload.routers`` routers in this process (``Router.boot_many``; with
    ``batch=False`` one ``Router.boot`` after the other, as before it existed), start an
    ``SshServer`` for each, then connect netmiko to a sample of them and run ``show
    version`` (:class:`ScaleRun`). State goes to ``state_root`` (a temporary directory,
    removed after, when None). Everything is stopped and shut down before it returns."""
    with ScaleRun(workload, state_root=state_root, batch=batch, on_step=on_step) as run:
        run.start()
        run.sample()
        return run.result()


def scale_table(results: list[ScaleResult]) -> Table:
    """The scale rows as a table."""
    t = Table(title="xrsim scale: N routers serving SSH in one process")
    for col in (
        "workload",
        "boot",
        "until all listen",
        "resident",
        "threads",
        "netmiko + show version (p50 / max)",
        "RSA keys/s then",
        "target",
    ):
        t.add_column(col, justify="left" if col in ("workload", "target") else "right")
    for r in results:
        w = r.workload
        sample = (
            f"{statistics.median(r.sample_s) * 1e3:.0f} / {max(r.sample_s) * 1e3:.0f} ms"
            f" ({len(r.sample_s)})"
            if r.sample_s
            else ""
        )
        goals = []
        if w.target_seconds is not None:
            goals.append(f"<= {w.target_seconds:.0f} s")
        if w.target_rss_bytes is not None:
            goals.append(f"<= {w.target_rss_bytes / (1 << 30):.0f} GiB")
        mark = {True: "[green]met[/]", False: "[red]missed[/]", None: ""}[r.met()]
        t.add_row(
            w.id + ("" if r.batch else " (one by one)"),
            f"{r.boot_s:.1f} s",
            f"{r.total_s:.1f} s",
            f"{r.rss_after / 1e6:,.0f} MB (+{(r.rss_after - r.rss_before) / 1e6:,.0f})",
            str(r.threads),
            sample,
            f"{r.reference_keys_per_s:.0f}",
            f"{', '.join(goals)} {mark}".strip(),
        )
    return t

"""Booting routers: the time to boot a chassis (a new one, with the first-boot RSA host key
generation that IOS XR 7.0.1+ does; a new one on a release without it; an existing one, the
common case in a test suite) and the memory each booted router holds."""

from __future__ import annotations

import gc
import itertools
import os
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xrsim.router import Router

PLATFORMS = ["NCS-55A1-24H", "ASR-9006"]
_dirs = itertools.count()


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="xrsim-bench-") as d:
        os.environ["XRSIM_VENDOR_DIR"] = str(Path(d) / "vendor")
        yield Path(d)


def _fresh(workdir: Path) -> Path:
    return workdir / f"r{next(_dirs)}"


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("case", ["first-boot-keygen", "first-boot-6.6.3", "reboot"])
def test_boot(benchmark: Any, workdir: Path, platform: str, case: str) -> None:
    existing = _fresh(workdir)
    Router.boot(platform, existing).shutdown()

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        if case == "reboot":
            return (platform, existing), {}
        kwargs = {"release_version": "6.6.3"} if case == "first-boot-6.6.3" else {}
        return (platform, _fresh(workdir)), kwargs

    def boot(platform: str, state: Path, **kwargs: Any) -> None:
        Router.boot(platform, state, **kwargs).shutdown()

    benchmark.group = f"boot {platform}"
    benchmark.name = f"boot {platform} [{case}]"
    rounds = 20 if case == "first-boot-keygen" else 50
    benchmark.pedantic(boot, setup=setup, rounds=rounds, warmup_rounds=1)
    benchmark.extra_info["nodes"] = len(Router.boot(platform, existing).chassis.nodes)


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_per_router(workdir: Path, record_property: Any, bench_notes: list[str]) -> None:
    """Boot 100 routers (existing state) in one process, each with a CLI session that ran
    ``show version``; report the memory each holds: Python heap (tracemalloc) and the growth
    of the resident set."""
    dirs = [_fresh(workdir) for _ in range(100)]
    for d in dirs:
        Router.boot("NCS-55A1-24H", d).shutdown()
    gc.collect()
    rss_before = _rss()
    tracemalloc.start()
    heap_before = tracemalloc.get_traced_memory()[0]
    routers = [Router.boot("NCS-55A1-24H", d) for d in dirs]
    for r in routers:
        r.cli("show version")
    gc.collect()
    heap = (tracemalloc.get_traced_memory()[0] - heap_before) / len(routers)
    tracemalloc.stop()
    rss = (_rss() - rss_before) / len(routers)
    for r in routers:
        r.shutdown()
    record_property("heap_per_router_bytes", heap)
    record_property("rss_per_router_bytes", rss)
    bench_notes.append(
        f"memory per booted router (100 routers): Python heap {heap / 1e3:.0f} kB, "
        f"resident set +{rss / 1e3:.0f} kB"
    )
    assert heap > 0

"""The process's one event loop and one bounded worker pool (layer 1: imports nothing of xrsim).

``Runtime`` runs one asyncio loop in one daemon thread and owns one ``ThreadPoolExecutor``.
Every router of a process shares them: the SSH and NETCONF listeners of every router are
served by the loop, blocking CLI work (a command, a key generation) runs in the pool, and each
router's scheduler arms its next deadline on the loop. ``shared()`` returns the process's
runtime, starting it on first use (and again in a child after ``fork``, where the parent's
thread does not exist).

    rt = shared()
    rt.run(coro, timeout=10)          # run a coroutine on the loop from any other thread
    rt.call_soon(fn)                  # call fn on the loop thread
    fut = rt.submit(fn, *args)        # fn(*args) in the worker pool

Worker pool size: ``XRSIM_WORKERS`` if set, else eight per core (at least 8, at most 64):
CLI work mostly waits on locks or runs Rust code that releases the GIL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["Runtime", "shared"]

T = TypeVar("T")


def _workers() -> int:
    raw = os.environ.get("XRSIM_WORKERS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(8, min(64, (os.cpu_count() or 1) * 8))


class Runtime:
    """One asyncio loop in a daemon thread and one bounded worker pool."""

    def __init__(self, *, workers: int | None = None, name: str = "xrsim") -> None:
        self.loop = asyncio.new_event_loop()
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers or _workers(), thread_name_prefix=f"{name}-worker"
        )
        self.loop.set_default_executor(self.executor)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name=f"{name}-loop", daemon=True)
        self._thread.start()
        self._ready.wait()
        self._closed = False

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    @property
    def closed(self) -> bool:
        return self._closed

    def in_loop(self) -> bool:
        """True when called from the loop's own thread."""
        return threading.current_thread() is self._thread

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (not from the loop thread)."""
        if self.in_loop():
            coro.close()
            raise RuntimeError("Runtime.run called from the loop thread: await instead")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call_soon(self, fn: Callable[[], object]) -> None:
        """Call ``fn`` on the loop thread, soon (safe from any thread)."""
        self.loop.call_soon_threadsafe(fn)

    def submit(self, fn: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        """``fn(*args)`` in the worker pool."""
        return self.executor.submit(fn, *args)

    def close(self) -> None:
        """Stop the loop and the pool (tests; the shared runtime lives as long as the process)."""
        if self._closed:
            return
        self._closed = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.executor.shutdown(wait=False, cancel_futures=True)
        if not self.loop.is_running():
            self.loop.close()


_lock = threading.Lock()
_shared: tuple[int, Runtime] | None = None


def shared() -> Runtime:
    """The process's runtime, started on first use (a forked child gets its own)."""
    global _shared  # noqa: PLW0603 - the one process-wide runtime, by design
    pid = os.getpid()
    with _lock:
        if _shared is None or _shared[0] != pid or _shared[1].closed:
            _shared = (pid, Runtime())
        return _shared[1]

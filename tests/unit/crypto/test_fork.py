"""The native thread pools in a forked child (``os.fork``; what ``multiprocessing``'s ``fork``
start method does): the parent's pools ran work before the fork, their threads are not in the
child, and the child's batch key generation, batch signing, file digests and tree scans still
finish there, on pools of its own (``rust/core/src/pool.rs``).

The child does the work under ``alarm(60)`` (SIGALRM's default action, not pytest-timeout's
handler, which a thread blocked in native code never runs): a child whose work waits on the
parent's pool is killed by SIGALRM, and the test fails on its wait status."""

from __future__ import annotations

import hashlib
import os
import select
import signal
from pathlib import Path

import pytest

from xrsim.crypto import digest_files, generate_keys
from xrsim.crypto.tree import scan

pytestmark = pytest.mark.timeout(120)


def _parallel_work(tmp: Path) -> None:
    """Every parallel section once, each result checked."""
    keys = generate_keys(4, "rsa", bits=2048)
    assert len({k.public_key().to_der() for k in keys}) == 4
    messages = [b"m%d" % i for i in range(300)]
    signatures = keys[0].sign_many(messages, "sha256")
    public = keys[0].public_key()
    for signature, message in zip(signatures, messages, strict=True):
        public.verify(signature, message, "sha256")  # raises InvalidSignature
    files = [tmp / f"f{i}" for i in range(64)]
    for i, f in enumerate(files):
        f.write_bytes(b"x" * i)
    assert digest_files("sha256", files) == [hashlib.sha256(f.read_bytes()).digest() for f in files]
    assert len(scan(tmp, "/").files) == len(files)


def test_a_forked_child_runs_parallel_work_on_pools_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "parent").mkdir()
    (tmp_path / "child").mkdir()
    _parallel_work(tmp_path / "parent")  # the parent's pools have run
    pid = os.fork()
    if pid == 0:  # the child: only os._exit leaves it (never pytest's machinery)
        code = 1
        try:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)  # not pytest-timeout's handler
            signal.alarm(60)
            _parallel_work(tmp_path / "child")
            code = 0
        finally:
            os._exit(code)
    pidfd = os.pidfd_open(pid)
    try:
        if not select.select([pidfd], [], [], 90)[0]:  # readable once the child has exited
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    assert not os.WIFSIGNALED(status), f"the child was killed by signal {os.WTERMSIG(status)}"
    assert os.WEXITSTATUS(status) == 0
    _parallel_work(tmp_path / "parent")  # and the parent's pools still work

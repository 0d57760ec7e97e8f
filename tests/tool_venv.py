"""Driving a tool that lives in a venv of its own (``.venv-napalm``...): a driver script run by
that venv's Python against a router the test booted, one JSON line per step.

- ``tool_python(venv, probe, make_target)``: the venv's Python when it can import what the
  probe imports; else the test skips, or fails under ``XRSIM_REQUIRE_PEERS=1``.
- ``Driver``: one run of a driver script: ``until(step)`` reads its steps up to ``step``,
  ``go_on()`` passes a ``checkpoint`` (the driver waits there on standard input while the test
  looks at the router), ``finish()`` reads to ``done`` and checks the exit status.

The driver's environment has no ``PYTHONPATH``/``VIRTUAL_ENV`` leading it to ``.venv``.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest

__all__ = ["ROOT", "Driver", "Step", "environment", "tool_python"]

ROOT = Path(__file__).resolve().parents[1]
REQUIRE_PEERS_ENV = "XRSIM_REQUIRE_PEERS"

Step = dict[str, Any]


def environment() -> dict[str, str]:
    """The environment of a driver: nothing that would lead its Python to ``.venv``."""
    return {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }


@functools.cache
def _problem(python: str, probe: str) -> str | None:
    if not Path(python).is_file():
        return f"{python} does not exist"
    run = subprocess.run(
        [python, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment(),
    )
    if run.returncode != 0:
        return f"{python} cannot run {probe!r}: {run.stderr.strip()[-300:]}"
    return None


def tool_python(python: str, probe: str, make_target: str) -> str:
    """``python`` when it runs ``probe``; skips the test when not, or fails it under
    ``XRSIM_REQUIRE_PEERS=1`` (as conftest's ``require_tool`` does for programs)."""
    problem = _problem(python, probe)
    if problem is None:
        return python
    message = f"the tool venv is not installed: {problem} (make {make_target})"
    if os.environ.get(REQUIRE_PEERS_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_PEERS_ENV}=1 requires every peer program")
    pytest.skip(message)


class Driver:
    """One run of a driver script: its JSON lines, step by step."""

    def __init__(self, command: list[str], stderr: Path, cwd: Path | None = None) -> None:
        self.stderr_path = stderr
        self._stderr: IO[str] = stderr.open("w")
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=environment(),
            cwd=cwd,
        )
        self.steps: dict[str, Step] = {}
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, name="tool-driver", daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def context(self) -> str:
        """What went on so far: the steps and the driver's stderr."""
        return (
            f"\nsteps: {json.dumps(self.steps, indent=1)[-6000:]}"
            f"\nstderr: {self.stderr_path.read_text(errors='replace')[-3000:]}"
        )

    def until(self, step: str, timeout: float = 60.0) -> dict[str, Step]:
        """The steps up to and including ``step`` (all steps so far, by name); a step that
        raised unexpectedly (``error``) fails the test."""
        deadline = time.monotonic() + timeout
        while step not in self.steps:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no step {step!r} from the driver in {timeout} s{self.context()}")
            if line is None:
                self.proc.wait(10)
                pytest.fail(
                    f"the driver ended (status {self.proc.returncode}) before {step!r}"
                    f"{self.context()}"
                )
            record = json.loads(line)
            self.steps[record["step"]] = record
            if "error" in record:
                pytest.fail(
                    f"the tool raised at {record['step']!r}: {record['error']}{self.context()}"
                )
        return self.steps

    def go_on(self) -> None:
        """Past a checkpoint."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 60.0) -> dict[str, Step]:
        steps = self.until("done", timeout)
        assert self.proc.wait(30) == 0, self.context()
        return steps

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()

"""The SSH shell against the current scrapli (2026 on: libscrapli's ``scrapli.Cli``,
``cisco_iosxr``).

Classic scrapli is tested in test_ssh_clients.py, in ``.venv``; the current one is the same
package ``scrapli`` with another API, and scrapli-cfg needs the classic one, so it lives in a
venv of its own, ``.venv-scrapli`` (``make scrapli-venv``, from
requirements/scrapli-current.lock; ``XRSIM_SCRAPLI_PYTHON`` names another Python). Each test
boots a router, serves it with ``SshServer`` and runs scrapli_current_driver.py with that
Python: one scenario of scrapli operations (open, ``send_input``, ``send_inputs`` in the
``configuration`` mode, which is 2026's ``send_configs``, ``stop_on_indicated_failure``,
``abort``, close), one JSON line per operation, pausing at a checkpoint while the test looks at
the router. Over both transports: ``bin`` (the OpenSSH client) and ``ssh2`` (libssh2 inside
libscrapli). What the router did is checked on the router itself (running configuration,
commit records, SSH sessions), not only in what scrapli printed.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("scrapli_current_driver.py")
SCRAPLI_PYTHON = os.environ.get(
    "XRSIM_SCRAPLI_PYTHON", str(ROOT / ".venv-scrapli" / "bin" / "python")
)
REQUIRE_PEERS_ENV = "XRSIM_REQUIRE_PEERS"
USER, PASSWORD = "admin", "admin"
PROMPT = "RP/0/RP0/CPU0:router#"
CONFIG_PROMPT = "RP/0/RP0/CPU0:router(config)#"
INVALID = "% Invalid input detected"

Step = dict[str, Any]


def _environment() -> dict[str, str]:
    """The environment of the driver: nothing that would lead its Python to ``.venv``."""
    return {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }


@functools.cache
def _scrapli_problem(python: str) -> str | None:
    """Why ``python`` cannot run the driver (None: it can)."""
    if not Path(python).is_file():
        return f"{python} does not exist"
    probe = subprocess.run(
        [python, "-c", "import scrapli; print(scrapli.__version__, hasattr(scrapli, 'Cli'))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_environment(),
    )
    if probe.returncode != 0:
        return f"{python} cannot import scrapli: {probe.stderr.strip()[-300:]}"
    version, has_cli = probe.stdout.split()
    if int(version.split(".")[0]) < 2026 or has_cli != "True":
        return f"{python} has scrapli {version}, not the current (2026 on) scrapli.Cli"
    return None


def require_scrapli_python() -> str:
    """The Python of the current scrapli's venv; skips the test when it is missing, or fails
    under ``XRSIM_REQUIRE_PEERS=1`` (as conftest's ``require_tool`` does for programs)."""
    problem = _scrapli_problem(SCRAPLI_PYTHON)
    if problem is None:
        return SCRAPLI_PYTHON
    message = f"the current scrapli is not installed: {problem} (make scrapli-venv)"
    if os.environ.get(REQUIRE_PEERS_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_PEERS_ENV}=1 requires every peer program")
    pytest.skip(message)


class Driver:
    """One run of scrapli_current_driver.py: its JSON lines, step by step."""

    def __init__(self, command: list[str], record: Path, stderr: Path) -> None:
        self.record = record
        self.stderr_path = stderr
        self._stderr: IO[str] = stderr.open("w")
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=_environment(),
        )
        self.steps: dict[str, Step] = {}
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, name="scrapli-driver", daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def context(self) -> str:
        """What went on so far: the steps, the driver's stderr and the session's bytes."""
        transcript = self.record.read_text(errors="replace") if self.record.exists() else ""
        return (
            f"\nsteps: {json.dumps(self.steps, indent=1)}"
            f"\nstderr: {self.stderr_path.read_text(errors='replace')[-2000:]}"
            f"\nsession: {transcript[-3000:]!r}"
        )

    def until(self, step: str, timeout: float = 40.0) -> dict[str, Step]:
        """The steps up to and including ``step`` (all steps so far, by name)."""
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
                    f"scrapli raised at {record['step']!r}: {record['error']}{self.context()}"
                )
        return self.steps

    def go_on(self) -> None:
        """Past a checkpoint."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()

    def finish(self) -> dict[str, Step]:
        steps = self.until("done")
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


@pytest.fixture(params=["bin", "ssh2"])
def run(
    request: pytest.FixtureRequest,
    server: SshServer,
    tmp_path: Path,
    require_tool: Callable[[str], str],
) -> Iterator[Callable[[str], Driver]]:
    """``run(scenario)`` starts the driver on one scenario over this test's transport (the
    venv is looked for then, in the test: a missing one fails the test itself)."""
    transport = str(request.param)
    drivers: list[Driver] = []

    def start(scenario: str) -> Driver:
        python = require_scrapli_python()
        if transport == "bin":
            require_tool("ssh")
        command = [
            python,
            str(DRIVER),
            "127.0.0.1",
            str(server.port),
            USER,
            PASSWORD,
            scenario,
            "--transport",
            transport,
            "--record",
            str(tmp_path / "session.txt"),
        ]
        driver = Driver(command, tmp_path / "session.txt", tmp_path / "stderr.txt")
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.stop()


def running(router: Router) -> str:
    """The running configuration (without the timestamp line)."""
    return router.cli("show running-config").split("\n", 1)[1]


def _sessions_gone(server: SshServer) -> bool:
    for _ in range(100):
        if not server.sessions():
            return True
        time.sleep(0.05)
    return False


def test_open_send_input_close(server: SshServer, run: Callable[[str], Driver]) -> None:
    driver = run("show")
    steps = driver.finish()
    opened = steps["open"]
    assert not opened["failed"], driver.context()
    # cisco_iosxr's on-open inputs, abbreviated as the definition has them.
    assert opened["inputs"][-2:] == ["term width 512", "term len 0"]
    assert not any(INVALID in r for r in opened["results"]), driver.context()
    assert steps["prompt"]["result"] == PROMPT
    version = steps["show-version"]
    assert not version["failed"]
    assert "Cisco IOS XR Software, Version" in version["result"]
    assert "\x1b" not in version["result"]
    assert "\r" not in version["result"]
    bogus = steps["show-bogus"]
    assert bogus["failed"]
    assert bogus["failed_indicator"] == INVALID
    assert "% Invalid input detected at '^' marker." in bogus["result"]
    assert not steps["close"]["failed"]
    assert _sessions_gone(server), server.sessions()


def test_send_configs_then_commit(router: Router, run: Callable[[str], Driver]) -> None:
    before = running(router)
    commits = len(router.datastore.commits)
    driver = run("configs")
    steps = driver.until("checkpoint")
    configs = steps["configs"]
    assert not configs["failed"], driver.context()
    assert configs["inputs"] == [
        "domain name current.example",
        "ssh server rate-limit 100",
        "username alice",
        "group operator",
        "exit",
        "hostname xr-current",
    ]
    assert configs["results"] == [""] * 6
    # Not committed yet: the router's running configuration is as it was.
    assert running(router) == before
    assert len(router.datastore.commits) == commits

    driver.go_on()
    steps = driver.finish()
    assert not steps["commit"]["failed"], driver.context()
    assert "Failed to commit" not in steps["commit"]["result"]
    # The new hostname is in the prompt at once; scrapli's prompt patterns follow it.
    assert steps["prompt-after-commit"]["result"] == "RP/0/RP0/CPU0:xr-current(config)#"
    assert "domain name current.example" in steps["show-domain"]["result"]
    assert steps["prompt-exec"]["result"] == "RP/0/RP0/CPU0:xr-current#"

    after = running(router)
    for line in (
        "domain name current.example",
        "ssh server rate-limit 100",
        "username alice\n group operator\n",
        "hostname xr-current",
    ):
        assert line in after, after
    assert len(router.datastore.commits) == commits + 1
    last = router.datastore.commits[-1]
    assert (last.user, last.line, last.client) == (USER, "vty0", "CLI")


def test_send_configs_stop_on_failed_then_abort(
    router: Router, run: Callable[[str], Driver]
) -> None:
    before = running(router)
    commits = len(router.datastore.commits)
    driver = run("stop_on_failed")
    steps = driver.until("checkpoint")
    configs = steps["configs"]
    assert configs["failed"]
    assert configs["failed_indicator"] == INVALID
    # The bad line stopped it: the line after it was never sent.
    assert configs["inputs"] == ["domain name half.example", "this is not a command"]
    assert INVALID in configs["results"][-1]
    # Unlike classic scrapli, 2026's scrapli does not abort: the configuration session stays
    # open with the lines before the bad one in its candidate, and nothing is committed.
    assert steps["prompt-after-failure"]["result"] == CONFIG_PROMPT
    candidate = steps["show-candidate"]["result"]
    assert "domain name half.example" in candidate
    assert "hostname never" not in candidate
    assert running(router) == before
    assert len(router.datastore.commits) == commits

    driver.go_on()
    steps = driver.finish()
    assert not steps["abort"]["failed"], driver.context()
    assert steps["prompt-after-abort"]["result"] == PROMPT
    # The aborted candidate is gone: a commit from a new configuration session commits nothing.
    assert "% No configuration changes to commit." in steps["commit-nothing"]["result"]
    assert running(router) == before
    assert "half.example" not in running(router)
    assert len(router.datastore.commits) == commits


def test_abort_leaves_nothing_committed(
    router: Router, server: SshServer, run: Callable[[str], Driver]
) -> None:
    before = running(router)
    commits = len(router.datastore.commits)
    driver = run("abort")
    steps = driver.until("checkpoint")
    assert not steps["configs"]["failed"], driver.context()
    assert running(router) == before
    assert len(server.sessions()) == 1

    driver.go_on()
    steps = driver.finish()
    assert not steps["abort"]["failed"], driver.context()
    assert steps["prompt-after-abort"]["result"] == PROMPT
    assert "% No configuration changes to commit." in steps["commit-nothing"]["result"]
    assert "aborted.example" not in steps["show-domain"]["result"]
    assert running(router) == before
    assert "hostname router" in running(router)
    assert len(router.datastore.commits) == commits
    assert _sessions_gone(server), server.sessions()

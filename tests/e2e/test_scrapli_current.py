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

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tool_venv import ROOT, Driver, tool_python
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

DRIVER = Path(__file__).with_name("scrapli_current_driver.py")
SCRAPLI_PYTHON = os.environ.get(
    "XRSIM_SCRAPLI_PYTHON", str(ROOT / ".venv-scrapli" / "bin" / "python")
)
#: Imports scrapli and fails (its message on stderr) unless it is the current one.
PROBE = (
    "import sys, scrapli; sys.exit(0 if int(scrapli.__version__.split('.')[0]) >= 2026 and "
    "hasattr(scrapli, 'Cli') else f'scrapli {scrapli.__version__} is not the current "
    "(2026 on) scrapli.Cli')"
)
USER, PASSWORD = "admin", "admin"
PROMPT = "RP/0/RP0/CPU0:router#"
CONFIG_PROMPT = "RP/0/RP0/CPU0:router(config)#"
INVALID = "% Invalid input detected"


class ScrapliDriver(Driver):
    """One run of scrapli_current_driver.py; what went wrong also shows the session's bytes
    (the driver's ``--record`` file)."""

    def __init__(self, command: list[str], record: Path, stderr: Path) -> None:
        super().__init__(command, stderr)
        self.record = record

    def context(self) -> str:
        transcript = self.record.read_text(errors="replace") if self.record.exists() else ""
        return f"{super().context()}\nsession: {transcript[-3000:]!r}"


@pytest.fixture(params=["bin", "ssh2"])
def run(
    request: pytest.FixtureRequest,
    server: SshServer,
    tmp_path: Path,
    require_tool: Callable[[str], str],
) -> Iterator[Callable[[str], ScrapliDriver]]:
    """``run(scenario)`` starts the driver on one scenario over this test's transport (the
    venv is looked for then, in the test: a missing one fails the test itself)."""
    transport = str(request.param)
    drivers: list[ScrapliDriver] = []

    def start(scenario: str) -> ScrapliDriver:
        python = tool_python(SCRAPLI_PYTHON, PROBE, "scrapli-venv")
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
        driver = ScrapliDriver(command, tmp_path / "session.txt", tmp_path / "stderr.txt")
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

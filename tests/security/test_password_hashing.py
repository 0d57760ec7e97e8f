"""Password hashing cannot stall the router (issue 12, item 1), over real SSH and NETCONF.

- A 48 KB password for a configured user is refused as a plain authentication failure
  without being hashed: the peak of the process's Python memory during that login stays
  small (the hand-written SHA-512-crypt built ``p * len(p)``, 2.3 GB for 48 KB).
- A clear-text secret over IOS XR's 253 characters is refused at configuration time with
  IOS XR's invalid-input error; one of 253 characters is taken and logs in; a login with
  254 characters is refused.
- While one login is being verified (held inside the server's documented ``check_password``
  hook until the test lets it go), another session's ``show version`` is answered: the
  verification runs in the runtime's worker pool, never on the event loop thread. NETCONF
  over SSH goes through the same hook, off the loop as well.

The server is an ``SshServer`` subclass whose ``check_password`` (the policy hook the
connection calls) records where it ran and, for one user, waits for the test's signal.
"""

from __future__ import annotations

import asyncio
import threading
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from support import netconf_manager
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router
from xrsim.runtime import shared

pytestmark = pytest.mark.timeout(120)

PROMPT = "RP/0/RP0/CPU0:r1#"
ALICE = ("alice", "Alice-Pass-1")
#: A valid password as long as IOS XR takes (253 characters): the slowest verification.
LONG_PASSWORD = ("Long-Pw-9" * 40)[:253]
#: What a 48 KB login may cost in Python memory, at most (the clear text itself is 48 KB;
#: the hand-written hash asked for 2.3 GB).
PEAK_LIMIT = 16 * 1024 * 1024
#: How long the held verification waits for the test before giving up (only reached when
#: the loop is blocked, so that the other session cannot be answered).
HOLD_TIMEOUT = 20.0


@dataclass
class Check:
    username: str
    length: int
    on_loop: bool
    thread: str
    result: bool


class RecordingServer(SshServer):
    """An SSH server whose ``check_password`` hook records where it ran (the loop thread or
    not) and, for ``held_user``, waits for ``release`` before checking."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks: list[Check] = []
        self.held_user: str | None = None
        self.entered = threading.Event()
        self.release = threading.Event()
        self.hold_timed_out = False

    def check_password(self, username: str, password: str) -> bool:
        on_loop = shared().in_loop()
        if username == self.held_user:
            self.entered.set()
            if not self.release.wait(HOLD_TIMEOUT):
                self.hold_timed_out = True
        result = super().check_password(username, password)
        self.checks.append(
            Check(username, len(password), on_loop, threading.current_thread().name, result)
        )
        return result


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot(state_dir=tmp_path / "r1", hostname="r1")
    r.configure(["netconf-yang agent", "ssh"])
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[RecordingServer]:
    s = RecordingServer(router)
    s.start()
    yield s
    s.stop()


def connect(server: SshServer, username: str, password: str) -> Any:
    return asyncssh.connect(
        "127.0.0.1",
        server.port,
        username=username,
        password=password,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        config=None,
    )


async def show_version(server: SshServer, username: str, password: str) -> str:
    async with connect(server, username, password) as conn:
        result = await conn.run("show version", check=True, timeout=30)
        return str(result.stdout)


async def read_until(proc: asyncssh.SSHClientProcess[str], marker: str) -> str:
    seen = ""
    while marker not in seen:
        chunk = await asyncio.wait_for(proc.stdout.read(65536), 30)
        if not chunk:
            raise AssertionError(f"channel closed before {marker!r}; got {seen!r}")
        seen += chunk
    return seen


async def shell(server: SshServer, username: str, password: str, lines: list[str]) -> str:
    """Type ``lines`` into a pty shell; everything the router echoed and answered."""
    async with connect(server, username, password) as conn:
        proc = await conn.create_process(term_type="vt100")
        seen = await read_until(proc, PROMPT)
        for line in lines:
            proc.stdin.write(line + "\r")
            seen += await read_until(proc, "#")
        proc.stdin.write("exit\r")
        await asyncio.wait_for(proc.wait_closed(), 10)
        return seen


def test_a_48kb_password_is_refused_without_being_hashed(
    router: Router, server: RecordingServer
) -> None:
    router.configure(["username alice", "group root-lr", f"secret {ALICE[1]}"])
    huge = "x" * (48 * 1024)

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with pytest.raises(asyncssh.PermissionDenied):
            asyncio.run(show_version(server, "alice", huge))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    refused = [c for c in server.checks if c.length == len(huge)]
    assert refused
    assert not any(c.result for c in refused)
    assert peak < PEAK_LIMIT, f"{peak} bytes at the peak of a 48 KB login"
    # The server goes on: the right password logs in.
    assert "Cisco IOS XR Software" in asyncio.run(show_version(server, *ALICE))


def test_a_secret_over_253_characters_is_refused_at_configuration_time(
    router: Router, server: RecordingServer
) -> None:
    too_long = "y" * 254
    seen = asyncio.run(
        shell(
            server,
            "admin",
            "admin",
            [
                "configure",
                f"username bob secret {too_long}",
                f"username bob secret 0 {too_long}",
                f"username carol secret {LONG_PASSWORD}",
                "username carol group root-lr",
                "commit",
                "end",
            ],
        )
    )
    assert seen.count("% Invalid input detected at '^' marker.") == 2
    # The marker sits under the clear text (after ``secret `` and after ``secret 0 ``).
    lines = seen.replace("\r", "").split("\n")
    markers = [i for i, ln in enumerate(lines) if ln.strip() == "^"]
    assert len(markers) == 2
    prompt = "RP/0/RP0/CPU0:r1(config)#"
    assert lines[markers[0]].index("^") == len(prompt) + len("username bob secret ")
    assert lines[markers[1]].index("^") == len(prompt) + len("username bob secret 0 ")
    running = router.cli("show running-config")
    assert "username bob" not in running
    carol = running.split("username carol\n", 1)[1].split("!", 1)[0]
    assert " secret 10 $6$" in carol, seen
    assert too_long not in running
    assert LONG_PASSWORD not in running

    # 253 characters log in; 254 are refused as a plain authentication failure.
    assert "Cisco IOS XR Software" in asyncio.run(show_version(server, "carol", LONG_PASSWORD))
    with pytest.raises(asyncssh.PermissionDenied):
        asyncio.run(show_version(server, "carol", LONG_PASSWORD + "x"))


def test_another_session_is_answered_while_a_login_is_verified(
    router: Router, server: RecordingServer
) -> None:
    router.configure(
        [
            "username alice",
            "group root-lr",
            f"secret {ALICE[1]}",
            "exit",
            "username slow",
            "group root-lr",
            f"secret {LONG_PASSWORD}",
        ]
    )
    server.held_user = "slow"

    async def scenario() -> tuple[str, str]:
        async with connect(server, *ALICE) as other:
            login = asyncio.ensure_future(show_version(server, "slow", LONG_PASSWORD))
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, server.entered.wait, HOLD_TIMEOUT)
            # The slow login is inside its verification now: the other session is served.
            answer = await other.run("show version", check=True, timeout=60)
            server.release.set()
            return str(answer.stdout), await login

    try:
        answered, slow_out = asyncio.run(scenario())
    finally:
        server.release.set()
    assert "Cisco IOS XR Software" in answered
    assert "Cisco IOS XR Software" in slow_out
    assert not server.hold_timed_out, "the other session waited for the held verification"
    held = [c for c in server.checks if c.username == "slow"]
    assert held
    assert held[0].length == 253
    assert held[0].result
    assert not any(c.on_loop for c in server.checks)
    assert all(c.thread.startswith("xrsim-worker") for c in server.checks)


def test_netconf_logins_are_verified_off_the_loop(router: Router, server: RecordingServer) -> None:
    router.configure(["username alice", "group root-lr", f"secret {ALICE[1]}"])
    with netconf_manager(server.port, ALICE[0], ALICE[1]) as m:
        assert m.connected
        assert "<host-name>r1</host-name>" in m.get_config(source="running").xml
    mine = [c for c in server.checks if c.username == "alice"]
    assert mine
    assert mine[-1].result
    assert not any(c.on_loop for c in mine)

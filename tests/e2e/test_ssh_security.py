"""The SSH front door refuses what IOS XR refuses, over real SSH (asyncssh as the client).

Wrong passwords and unknown public keys, connections beyond ``ssh server rate-limit`` and
``ssh server session-limit``, connections when SSH is not enabled in the server's VRF, idle
shells closed by ``line default`` ``exec-timeout`` and ``session-timeout`` (timers on the
router's scheduler: in real time, and at once when ``router.advance`` passes them), commands
a user's tasks do not allow, and ``clear ssh``. Each check is made twice where it can: what the
client saw, and what the router holds (running configuration, ``show ssh``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncssh
import pytest

from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

USER, PASSWORD = "admin", "admin"
PROMPT = "RP/0/RP0/CPU0:router#"


def connect(
    server: SshServer, *, username: str = USER, password: str | None = PASSWORD, **kw: object
) -> Any:
    """``asyncssh.connect`` to the server (awaitable, or ``async with``)."""
    return asyncssh.connect(
        "127.0.0.1",
        server.port,
        username=username,
        password=password,
        known_hosts=None,
        client_keys=kw.pop("client_keys", None),
        agent_path=None,
        config=None,
        **kw,
    )


async def exec_show_version(server: SshServer, **kw: object) -> str:
    async with connect(server, **kw) as conn:
        result = await conn.run("show version", check=True, timeout=20)
        return str(result.stdout)


async def read_until(proc: asyncssh.SSHClientProcess[str], marker: str) -> str:
    seen = ""
    while marker not in seen:
        chunk = await asyncio.wait_for(proc.stdout.read(4096), 20)
        if not chunk:
            raise AssertionError(f"channel closed before {marker!r}; got {seen!r}")
        seen += chunk
    return seen


# -- authentication -----------------------------------------------------------------------------


def test_wrong_password_is_refused(server: SshServer) -> None:
    async def scenario() -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            await exec_show_version(server, password="not-the-password")
        with pytest.raises(asyncssh.PermissionDenied):
            await exec_show_version(server, username="nobody", password=PASSWORD)
        assert "Cisco IOS XR Software" in await exec_show_version(server)

    asyncio.run(scenario())


def test_configured_secret_replaces_the_lab_password(router: Router, server: SshServer) -> None:
    router.configure(["username alice", "group root-lr", "secret s3cret-Pw"])

    async def scenario() -> None:
        assert "Cisco IOS XR Software" in await exec_show_version(
            server, username="alice", password="s3cret-Pw"
        )
        with pytest.raises(asyncssh.PermissionDenied):
            await exec_show_version(server, username="alice", password="s3cret-pw")

    asyncio.run(scenario())


def test_unknown_public_key_is_refused_and_an_imported_one_accepted(
    router: Router, server: SshServer
) -> None:
    known = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    unknown = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    lines = iter([known.export_public_key().decode().strip(), ""])
    router.cli("crypto key import authentication rsa", answers=lambda prompt: next(lines))

    async def scenario() -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            await exec_show_version(server, password=None, client_keys=[unknown])
        out = await exec_show_version(server, password=None, client_keys=[known])
        assert "Cisco IOS XR Software" in out
        # The key is admin's (the user who imported it), not anybody's.
        with pytest.raises(asyncssh.PermissionDenied):
            await exec_show_version(server, username="alice", password=None, client_keys=[known])

    asyncio.run(scenario())


# -- admission: VRF, rate limit, session limit ---------------------------------------------------


def test_ssh_not_enabled_refuses_connections(router: Router, server: SshServer) -> None:
    router.configure(["no ssh server v2", "no ssh server vrf default"])
    assert "ssh server" not in router.cli("show running-config")

    async def scenario() -> None:
        with pytest.raises(asyncssh.DisconnectError) as err:
            await exec_show_version(server)
        assert err.value.code == asyncssh.DISC_TOO_MANY_CONNECTIONS
        assert "not enabled in VRF default" in err.value.reason

    asyncio.run(scenario())
    router.configure(["ssh server v2"])  # v2 alone serves the default VRF
    assert "Cisco IOS XR Software" in asyncio.run(exec_show_version(server))


def test_vrf_of_the_server_must_be_configured(router: Router) -> None:
    with SshServer(router, users={USER: PASSWORD}, vrf="mgmt") as mgmt:

        async def refused() -> None:
            with pytest.raises(asyncssh.DisconnectError, match="not enabled in VRF mgmt"):
                await exec_show_version(mgmt)

        asyncio.run(refused())
        router.configure(["ssh server vrf mgmt"])
        assert "Cisco IOS XR Software" in asyncio.run(exec_show_version(mgmt))


def test_rate_limit_refuses_connections_beyond_the_rate(router: Router, server: SshServer) -> None:
    router.configure(["ssh server rate-limit 3"])

    async def scenario() -> None:
        for _ in range(3):
            assert "Cisco IOS XR Software" in await exec_show_version(server)
        with pytest.raises(asyncssh.DisconnectError, match="rate limit of 3 connections"):
            await exec_show_version(server)

    asyncio.run(scenario())
    # Raising the limit admits connections again at once.
    router.configure(["ssh server rate-limit 600"])
    assert "Cisco IOS XR Software" in asyncio.run(exec_show_version(server))


def test_session_limit_counts_open_connections(router: Router, server: SshServer) -> None:
    router.configure(["ssh server session-limit 2"])

    async def scenario() -> None:
        first = await connect(server)
        second = await connect(server)
        try:
            with pytest.raises(asyncssh.DisconnectError, match="session limit of 2"):
                await exec_show_version(server)
        finally:
            first.close()
            await first.wait_closed()
        # The server sees the first connection go; one more is admitted.
        for _ in range(50):
            if len(server._connections) < 2:
                break
            await asyncio.sleep(0.05)
        assert "Cisco IOS XR Software" in await exec_show_version(server)
        second.close()
        await second.wait_closed()

    asyncio.run(scenario())


# -- idle sessions ------------------------------------------------------------------------------


def test_exec_timeout_closes_an_idle_shell(router: Router, server: SshServer) -> None:
    router.configure(["line default", "exec-timeout 0 1"])

    async def scenario() -> float:
        async with connect(server) as conn:
            proc = await conn.create_process(term_type="vt100")
            await read_until(proc, PROMPT)
            # Typing keeps the session alive past the timeout ...
            for _ in range(3):
                await asyncio.sleep(0.5)
                proc.stdin.write("show clock\r")
                await read_until(proc, PROMPT)
            assert server.sessions()
            # ... idleness at the prompt closes it.
            start = time.monotonic()
            await asyncio.wait_for(proc.wait_closed(), 10)
            return time.monotonic() - start

    waited = asyncio.run(scenario())
    assert 0.5 <= waited < 5
    assert server.sessions() == []


def test_exec_timeout_zero_zero_never_closes(router: Router, server: SshServer) -> None:
    router.configure(["line default", "exec-timeout 0 0"])
    assert server.policy().exec_timeout is None

    async def scenario() -> None:
        async with connect(server) as conn:
            proc = await conn.create_process(term_type="vt100")
            await read_until(proc, PROMPT)
            await asyncio.sleep(1.5)
            proc.stdin.write("show clock\r")
            await read_until(proc, PROMPT)

    asyncio.run(scenario())


def _idle_timers(router: Router) -> list[str]:
    return [t.name for t in router.scheduler.pending() if "idle timeout" in t.name]


def test_advancing_the_clock_closes_a_shell_idle_for_exec_timeout(
    router: Router, server: SshServer
) -> None:
    """The default exec-timeout (10 minutes) is a timer on the router's scheduler:
    ``router.advance`` closes an idle shell at once, without waiting in real time."""

    async def scenario() -> None:
        async with connect(server) as conn:
            proc = await conn.create_process(term_type="vt100")
            await read_until(proc, PROMPT)
            assert len(_idle_timers(router)) == 1  # one timer for the one waiting shell
            router.advance(minutes=9, seconds=59)
            proc.stdin.write("show clock\r")  # still open; the input restarts the count
            await read_until(proc, PROMPT)
            router.advance(minutes=9, seconds=59)
            assert server.sessions()
            assert len(_idle_timers(router)) == 1  # the first wait's timer was cancelled
            router.advance(seconds=1)
            await asyncio.wait_for(proc.wait_closed(), 10)

    asyncio.run(scenario())
    for _ in range(100):
        if not server.sessions():
            break
        time.sleep(0.05)
    assert server.sessions() == []
    assert _idle_timers(router) == []


def test_session_timeout_counts_from_the_last_input(router: Router, server: SshServer) -> None:
    router.configure(["line default", "exec-timeout 0 0", "session-timeout 5"])

    async def scenario() -> None:
        async with connect(server) as conn:
            proc = await conn.create_process(term_type="vt100")
            await read_until(proc, PROMPT)
            router.advance(minutes=4)
            proc.stdin.write("show clock\r")
            await read_until(proc, PROMPT)
            router.advance(minutes=4)  # 4 minutes since the last input: still open
            proc.stdin.write("show clock\r")
            await read_until(proc, PROMPT)
            router.advance(minutes=5)
            await asyncio.wait_for(proc.wait_closed(), 10)

    asyncio.run(scenario())


def test_no_timeout_registers_no_timer(router: Router, server: SshServer) -> None:
    router.configure(["line default", "exec-timeout 0 0"])

    async def scenario() -> None:
        async with connect(server) as conn:
            proc = await conn.create_process(term_type="vt100")
            await read_until(proc, PROMPT)
            assert _idle_timers(router) == []
            router.advance(days=2)
            proc.stdin.write("show clock\r")
            await read_until(proc, PROMPT)

    asyncio.run(scenario())


# -- authorization --------------------------------------------------------------------------------


def test_unauthorized_commands_are_refused_over_ssh(router: Router, server: SshServer) -> None:
    router.configure(["username op", "group operator", "secret op-pass"])

    async def scenario() -> str:
        async with connect(server, username="op", password="op-pass") as conn:
            proc = await conn.create_process(term_type="vt100")
            seen = await read_until(proc, PROMPT)
            for line in ("configure", "reload", "show running-config", "show version"):
                proc.stdin.write(line + "\r")
                seen += await read_until(proc, PROMPT)
            proc.stdin.write("exit\r")
            await asyncio.wait_for(proc.wait_closed(), 10)
            return seen

    seen = asyncio.run(scenario())
    assert seen.count("% This command is not authorized") == 3
    assert "Cisco IOS XR Software" in seen
    assert "RP/0/RP0/CPU0:router(config)#" not in seen
    # Exec requests are authorized the same way.
    out = asyncio.run(
        _exec(server, "op", "op-pass", "show running-config"),
    )
    assert "% This command is not authorized" in out


async def _exec(server: SshServer, user: str, password: str, command: str) -> str:
    async with connect(server, username=user, password=password) as conn:
        result = await conn.run(command, timeout=20)
        return str(result.stdout)


# -- show ssh / clear ssh ----------------------------------------------------------------------


def test_clear_ssh_closes_a_session(router: Router, server: SshServer) -> None:
    async def scenario() -> str:
        async with connect(server) as victim_conn:
            victim = await victim_conn.create_process(term_type="vt100")
            await read_until(victim, PROMPT)
            (info,) = server.sessions()
            listing = await _exec(server, USER, PASSWORD, "show ssh")
            out = await _exec(server, USER, PASSWORD, f"clear ssh {info.id}")
            await asyncio.wait_for(victim.wait_closed(), 10)
            missing = await _exec(server, USER, PASSWORD, "clear ssh 999")
            return listing + out + missing

    seen = asyncio.run(scenario())
    assert "Command-Line-Interface" in seen
    assert "Remote-Command" in seen
    assert "% Session 999 not found" in seen
    assert server.sessions() == []


def test_rate_limit_window_follows_the_router_clock(router: Router, server: SshServer) -> None:
    router.configure(["ssh server rate-limit 1"])
    assert "Cisco IOS XR Software" in asyncio.run(exec_show_version(server))
    with pytest.raises(asyncssh.DisconnectError, match="rate limit of 1"):
        asyncio.run(exec_show_version(server))
    router.advance(60)  # a minute later on the router's clock, the window is empty again
    assert "Cisco IOS XR Software" in asyncio.run(exec_show_version(server))

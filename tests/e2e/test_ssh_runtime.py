"""Many SSH servers, one event loop: every ``SshServer`` of a process (of every router) is
served by the process's one loop thread and worker pool (``xrsim.runtime``), no thread is
started per server, sessions are the router's (ids unique across the router's servers, ``show
ssh`` lists them all), and stopping one server closes its listeners and sessions only.
Real asyncssh clients over 127.0.0.1."""

from __future__ import annotations

import asyncio
import errno
import socket
import threading
from collections.abc import Iterator
from typing import Any

import asyncssh
import pytest

from xrsim.errors import XrsimError
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

USER, PASSWORD = "admin", "admin"


@pytest.fixture
def routers() -> Iterator[tuple[Router, Router]]:
    a = Router.boot(hostname="ra")
    b = Router.boot(hostname="rb")
    yield a, b
    a.shutdown()
    b.shutdown()


def connect(port: int) -> Any:
    return asyncssh.connect(
        "127.0.0.1",
        port,
        username=USER,
        password=PASSWORD,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        config=None,
    )


async def read_until(proc: asyncssh.SSHClientProcess[str], marker: str) -> str:
    seen = ""
    while marker not in seen:
        chunk = await asyncio.wait_for(proc.stdout.read(4096), 20)
        if not chunk:
            raise AssertionError(f"channel closed before {marker!r}; got {seen!r}")
        seen += chunk
    return seen


async def shell(port: int, prompt: str) -> tuple[asyncssh.SSHClientConnection, Any]:
    conn = await connect(port)
    proc = await conn.create_process(term_type="vt100")
    await read_until(proc, prompt)
    return conn, proc


async def command(proc: Any, line: str, prompt: str) -> str:
    proc.stdin.write(line + "\r")
    return await read_until(proc, prompt)


def test_servers_share_one_loop_thread(routers: tuple[Router, Router]) -> None:
    a, b = routers
    before = {t.ident for t in threading.enumerate()}
    servers = [SshServer(r).start() for r in (a, a, b, b, b)]
    try:

        async def scenario() -> list[str]:
            outs = []
            for s in servers:
                async with connect(s.port) as conn:
                    result = await conn.run("show version", check=True, timeout=20)
                    outs.append(str(result.stdout))
            return outs

        outs = asyncio.run(scenario())
        assert all("Cisco IOS XR Software" in o for o in outs)
        new = [t for t in threading.enumerate() if t.ident not in before]
        names = sorted(t.name for t in new)
        # At most the runtime's loop thread (if nothing started it before) and its workers.
        assert all(n == "xrsim-loop" or n.startswith("xrsim-worker") for n in names), names
        loops = [t for t in threading.enumerate() if t.name == "xrsim-loop"]
        assert len(loops) == 1
    finally:
        for s in servers:
            s.stop()


def test_stopping_one_server_closes_only_its_listeners_and_sessions(
    routers: tuple[Router, Router],
) -> None:
    a, b = routers
    pa, pb = "RP/0/RP0/CPU0:ra#", "RP/0/RP0/CPU0:rb#"
    a1, a2, b1 = SshServer(a).start(), SshServer(a).start(), SshServer(b).start()
    try:

        async def scenario() -> None:
            c1, p1 = await shell(a1.port, pa)
            c2, p2 = await shell(a2.port, pa)
            c3, p3 = await shell(b1.port, pb)
            # One table per router: the ids of a's two servers differ, show ssh lists both.
            (s1,), (s2,), (s3,) = a1.sessions(), a2.sessions(), b1.sessions()
            assert s1.id != s2.id
            assert {s.id for s in a.session_table.ssh()} == {s1.id, s2.id}
            assert [s.id for s in b.session_table.ssh()] == [s3.id]
            listing = await command(p2, "show ssh", pa)
            assert f"\r\n{s1.id:<5}" in listing
            assert f"\r\n{s2.id:<5}" in listing

            a1.stop()
            await asyncio.wait_for(p1.wait_closed(), 10)
            with pytest.raises(ConnectionRefusedError):
                await connect(a1.port)
            # The other server of the same router and the other router go on.
            listing = await command(p2, "show ssh", pa)
            assert f"\r\n{s2.id:<5}" in listing
            assert f"\r\n{s1.id:<5}" not in listing
            assert "Cisco IOS XR Software" in await command(p3, "show version", pb)
            assert [s.id for s in a.session_table.ssh()] == [s2.id]
            async with connect(a2.port) as conn:
                result = await conn.run("show version", check=True, timeout=20)
                assert "Cisco IOS XR Software" in str(result.stdout)
            for c in (c1, c2, c3):
                c.close()
                await c.wait_closed()

        asyncio.run(scenario())
    finally:
        for s in (a1, a2, b1):
            s.stop()
    assert a.session_table.ssh() == []
    assert b.session_table.ssh() == []


def test_start_many_starts_all_or_none(routers: tuple[Router, Router]) -> None:
    a, b = routers
    servers = SshServer.start_many([SshServer(a), SshServer(b), SshServer(a)])
    try:

        async def versions() -> list[str]:
            outs = []
            for s in servers:
                async with connect(s.port) as conn:
                    outs.append(str((await conn.run("show version", timeout=20)).stdout))
            return outs

        assert len({s.port for s in servers}) == 3
        assert all("Cisco IOS XR Software" in out for out in asyncio.run(versions()))
    finally:
        for s in servers:
            s.stop()
    # A router without a host key (6.6.3 boots without one) fails the whole start, before
    # anything listens.
    with Router.boot(hostname="old", release_version="6.6.3") as old:
        batch = [SshServer(a), SshServer(old)]
        with pytest.raises(XrsimError, match="no RSA key"):
            SshServer.start_many(batch)
        assert batch[0].port == 0  # never bound
    # A port already taken fails it after the first server listened: that one is stopped.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        batch = [SshServer(a), SshServer(b, port=taken.getsockname()[1])]
        with pytest.raises(OSError, match="bind") as info:
            SshServer.start_many(batch)
        assert info.value.errno == errno.EADDRINUSE
        assert batch[0].port != 0

        async def refused() -> None:
            with pytest.raises(ConnectionRefusedError):
                await connect(batch[0].port)

        asyncio.run(refused())

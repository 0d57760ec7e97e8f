"""The lab account ``admin``/``admin`` (issue 12, item 3), over real SSH and NETCONF.

It works on a router with no configured users (and while the configured users have no
secret); once a ``username`` with a secret is committed it is gone, for SSH and NETCONF
alike, and it stays gone after the router restarts from the same state directory. Removing
the last user with a secret brings it back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from ncclient.transport.errors import AuthenticationError

from support import netconf_manager
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

LAB = ("admin", "admin")
BOB = ("bob", "Bob-Pass-77")


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


def ssh_show_version(server: SshServer, username: str, password: str) -> str:
    async def run() -> str:
        async with connect(server, username, password) as conn:
            result = await conn.run("show version", check=True, timeout=30)
            return str(result.stdout)

    return asyncio.run(run())


def ssh_configure(server: SshServer, username: str, password: str, lines: list[str]) -> str:
    """``configure``, ``lines``, ``commit``, ``end`` typed into a pty shell over SSH."""

    async def run() -> str:
        async with connect(server, username, password) as conn:
            proc = await conn.create_process(term_type="vt100")
            seen = ""
            for line in ["", "configure", *lines, "commit", "end"]:
                if line:
                    proc.stdin.write(line + "\r")
                answer = ""  # this line's echo and answer, up to the next prompt
                while not answer.rstrip().endswith("#"):
                    chunk = await asyncio.wait_for(proc.stdout.read(65536), 30)
                    assert chunk, f"channel closed; got {seen + answer!r}"
                    answer += chunk
                seen += answer
            proc.stdin.write("exit\r")
            await asyncio.wait_for(proc.wait_closed(), 10)
            return seen

    return asyncio.run(run())


def netconf_hostname(server: SshServer, username: str, password: str) -> str:
    with netconf_manager(server.port, username, password) as m:
        return str(m.get_config(source="running").xml)


def assert_lab_account_works(server: SshServer) -> None:
    assert "Cisco IOS XR Software" in ssh_show_version(server, *LAB)
    assert "<host-name>r1</host-name>" in netconf_hostname(server, *LAB)


def assert_lab_account_refused(server: SshServer) -> None:
    with pytest.raises(asyncssh.PermissionDenied):
        ssh_show_version(server, *LAB)
    with pytest.raises(AuthenticationError):
        netconf_hostname(server, *LAB)


def test_the_lab_account_is_gone_once_a_user_has_a_secret(tmp_path: Path) -> None:
    state = tmp_path / "r1"
    with Router.boot(state_dir=state, hostname="r1") as router:
        router.configure(["netconf-yang agent", "ssh"])
        with SshServer(router) as server:
            # No users: the lab account works, over SSH and NETCONF.
            assert_lab_account_works(server)
            # A user without a secret cannot log in by password: the lab account stays.
            ssh_configure(server, *LAB, ["username alice group operator"])
            assert "username alice" in router.cli("show running-config username")
            assert_lab_account_works(server)
            # A user with a secret, committed over SSH: the lab account is gone at once.
            out = ssh_configure(
                server,
                *LAB,
                [f"username {BOB[0]} group root-lr", f"username {BOB[0]} secret {BOB[1]}"],
            )
            assert "% " not in out, out
            assert_lab_account_refused(server)
            assert "Cisco IOS XR Software" in ssh_show_version(server, *BOB)
            assert "<host-name>r1</host-name>" in netconf_hostname(server, *BOB)

    # Restarted from the same state directory: still gone; bob still logs in.
    with Router.boot(state_dir=state) as router, SshServer(router) as server:
        assert_lab_account_refused(server)
        assert "Cisco IOS XR Software" in ssh_show_version(server, *BOB)
        # The last user with a secret removed (by bob): no user has a secret, the lab
        # account is back.
        out = ssh_configure(server, *BOB, [f"no username {BOB[0]}"])
        assert "% " not in out, out
        assert_lab_account_works(server)

"""Login abuse over real SSH (issue 12, item 2): what a password guesser, a connection flood
and a careless client can do to a router's SSH front door.

- A connection gets ``MAX_AUTH_TRIES`` (3) passwords, then it is disconnected (asyncssh and
  OpenSSH; paramiko cannot retry on one connection to asyncssh: it asks for the service again).
- Failed passwords from one source address make every later password from it wait, longer
  with each failure, less as the router's clock passes (the state the server keeps, on a
  frozen clock: exact values, no stopwatch).
- ``ssh timeout`` (the login grace time, IOS XR's 5-120 s, default 30 s): a connection that has
  not authenticated by then is closed, so a flood of silent connections cannot hold the
  administrator out once it passes (``router.advance`` runs the grace timers), and in real time
  a silent connection is closed after ``ssh timeout 5``.
- A failed login hashes the password once whether the user exists or not (counted calls of
  ``verify_secret``: the code path, not a stopwatch).
- Failures are logged in IOS XR's form, with the source address and the (escaped) user name,
  never the password.
- A client identification string with a NUL (RFC 4253 section 4.2), a stray CR or a non-ASCII
  byte is refused at once: the server sends nothing after its own identification line.

Sources: the clients bind to other loopback addresses (127.0.0.2, ...) where a test needs
distinct source addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncssh
import paramiko
import pytest

from xrsim.aaa import verify_secret
from xrsim.clock import SimClock
from xrsim.errors import CommandError
from xrsim.frontends.ssh import SshServer, auth
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

USER, PASSWORD = "admin", "admin"
ALICE, ALICE_PASSWORD = "alice", "s3cret-Pw"


def connect(
    server: SshServer,
    *,
    username: str = USER,
    password: str | None = PASSWORD,
    source: str | None = None,
    **kw: object,
) -> Any:
    """``asyncssh.connect`` to the server, from ``source`` (a loopback address) if given."""
    return asyncssh.connect(
        "127.0.0.1",
        server.port,
        username=username,
        password=password,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        config=None,
        local_addr=(source, 0) if source else None,
        **kw,
    )


async def show_version(server: SshServer, **kw: object) -> str:
    async with connect(server, **kw) as conn:
        result = await conn.run("show version", check=True, timeout=20)
        return str(result.stdout)


async def fail_login(server: SshServer, **kw: object) -> None:
    with pytest.raises(asyncssh.PermissionDenied):
        await show_version(server, **kw)


def paramiko_show_version(server: SshServer, source: str = "127.0.0.1") -> str:
    """``show version`` as the administrator over paramiko (from ``source``)."""
    sock = socket.create_connection(
        ("127.0.0.1", server.port), timeout=20, source_address=(source, 0)
    )
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(
            "127.0.0.1",
            server.port,
            username=USER,
            password=PASSWORD,
            sock=sock,
            look_for_keys=False,
            allow_agent=False,
            timeout=20,
            banner_timeout=20,
            auth_timeout=20,
        )
        _, stdout, _ = client.exec_command("show version", timeout=20)
        return str(stdout.read().decode())
    finally:
        client.close()
        sock.close()


def raw_connection(server: SshServer, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(
        ("127.0.0.1", server.port), timeout=20, source_address=(source, 0)
    )
    return sock


def read_line(sock: socket.socket) -> bytes:
    """The server's identification line (read byte by byte: nothing after it is consumed)."""
    line = b""
    while not line.endswith(b"\n"):
        b = sock.recv(1)
        if not b:
            raise AssertionError(f"closed before the identification line; got {line!r}")
        line += b
    return line


def read_to_eof(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (``socket.timeout`` if it does not; a
    reset, when it closed with our data unread, is a close too)."""
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(4096):
            data += chunk
    return data


# -- (a) a bounded number of password tries per connection --------------------------------------


class _Guesser(asyncssh.SSHClient):
    """An asyncssh client that would try ten wrong passwords on one connection."""

    def __init__(self) -> None:
        self.tries = 0

    def password_auth_requested(self) -> str | None:
        if self.tries == 10:
            return None
        self.tries += 1
        return f"guess-{self.tries}"


def test_a_connection_gets_three_password_tries_asyncssh(server: SshServer) -> None:
    guesser = _Guesser()

    async def scenario() -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(server, password=None, client_factory=lambda: guesser, kbdint_auth=False)
        assert "Cisco IOS XR Software" in await show_version(server)

    asyncio.run(scenario())
    assert guesser.tries == 3  # admission.MAX_AUTH_TRIES


@pytest.mark.peer
def test_openssh_is_disconnected_after_three_passwords(
    server: SshServer, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    """OpenSSH would ask for ten passwords per method (keyboard-interactive, then password);
    the server lets it try three in all."""
    ssh = require_tool("ssh")
    asked = tmp_path / "asked"
    askpass = tmp_path / "askpass.sh"
    askpass.write_text(f'#!/bin/sh\necho x >> "{asked}"\necho wrong-password\n')
    askpass.chmod(stat.S_IRWXU)
    env = {
        **os.environ,
        "SSH_ASKPASS": str(askpass),
        "SSH_ASKPASS_REQUIRE": "force",
        "DISPLAY": ":0",
    }
    result = subprocess.run(
        [
            ssh,
            "-F",
            "/dev/null",
            "-p",
            str(server.port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "NumberOfPasswordPrompts=10",
            "-o",
            "PreferredAuthentications=keyboard-interactive,password",
            f"{USER}@127.0.0.1",
            "show version",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 255
    assert len(asked.read_text().splitlines()) == 3


# -- (b) a growing, decaying delay per source address -------------------------------------------


def test_failures_from_an_address_grow_its_penalty_and_it_decays() -> None:
    router = Router.boot(hostname="router", clock=SimClock(frozen=True))
    server = SshServer(router, users={USER: PASSWORD}).start()
    try:
        penalties: list[float] = []

        async def scenario() -> None:
            for _ in range(6):
                await fail_login(server, password="wrong", source="127.0.0.2")
                penalties.append(server.login_penalty("127.0.0.2"))

        asyncio.run(scenario())
        # three failures (one connection's worth) are free, then 1 s doubling
        assert penalties == [0.0, 0.0, 0.0, 1.0, 2.0, 4.0]
        # the fifth and sixth passwords waited out the penalty before they were checked
        assert (server.penalties.waits, server.penalties.waited) == (2, 3.0)
        # another address is not penalized; the penalty is the router's, not the server's
        assert server.login_penalty("127.0.0.1") == 0.0
        second = SshServer(router, users={USER: PASSWORD})
        assert second.login_penalty("127.0.0.2") == 4.0

        # the count halves every minute of the router's clock
        router.advance(minutes=1)
        assert server.penalties.failures("127.0.0.2") == pytest.approx(3.0)
        assert server.login_penalty("127.0.0.2") == 0.0
        router.advance(minutes=10)
        assert server.penalties.failures("127.0.0.2") < 0.01

        # forgiven: the right password gets in without waiting
        assert "Cisco IOS XR Software" in asyncio.run(show_version(server, source="127.0.0.2"))
        assert server.penalties.waits == 2
    finally:
        server.stop()
        router.shutdown()


# -- (c) the login grace time (ssh timeout) -----------------------------------------------------


def test_silent_connections_cannot_hold_the_administrator_out(
    router: Router, server: SshServer
) -> None:
    """200 connections that say nothing, or only their identification string: the first 64
    (``ssh server session-limit``) hold every session slot until ``ssh timeout`` (default
    30 s) passes, then they are closed and the administrator logs in."""
    router.configure(["ssh server rate-limit 600"])  # the flood is not refused by the rate
    silent: list[socket.socket] = []
    try:
        for i in range(200):
            sock = raw_connection(server, source="127.0.0.3")
            silent.append(sock)
            read_line(sock)  # the server's identification: the connection is made
            if i % 2:
                sock.sendall(b"SSH-2.0-silent_1.0\r\n")
        with pytest.raises((paramiko.SSHException, EOFError, OSError)):
            paramiko_show_version(server)  # every session slot is held

        router.advance(seconds=30)  # the grace time passes
        deadline = time.monotonic() + 20
        while True:
            try:
                out = paramiko_show_version(server)
                break
            except (paramiko.SSHException, EOFError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert "Cisco IOS XR Software" in out
        for sock in silent:
            sock.settimeout(20)
            read_to_eof(sock)  # closed by the server
    finally:
        for sock in silent:
            sock.close()


def test_ssh_timeout_closes_a_silent_connection(router: Router, server: SshServer) -> None:
    with pytest.raises(CommandError):
        router.configure(["ssh timeout 4"])
    with pytest.raises(CommandError):
        router.configure(["ssh timeout 121"])
    router.configure(["ssh timeout 5"])
    assert "\nssh timeout 5\n" in router.cli("show running-config")
    assert server.policy().login_timeout == 5.0

    quiet = raw_connection(server)
    versioned = raw_connection(server)
    try:
        read_line(quiet)
        read_line(versioned)
        versioned.sendall(b"SSH-2.0-silent_1.0\r\n")
        # in real time, the 5 s timer fires by itself (the 20 s socket timeout is the bound;
        # without the grace time asyncssh would hold them 120 s)
        read_to_eof(quiet)
        read_to_eof(versioned)
    finally:
        quiet.close()
        versioned.close()


def test_an_authenticated_session_outlives_the_grace_time(
    router: Router, server: SshServer
) -> None:
    router.configure(["ssh timeout 5"])

    async def scenario() -> None:
        async with connect(server) as conn:
            router.advance(seconds=60)  # well past the grace time (exec-timeout is 10 min)
            await asyncio.sleep(0.2)
            result = await conn.run("show version", check=True, timeout=20)
            assert "Cisco IOS XR Software" in str(result.stdout)

    asyncio.run(scenario())


# -- (d) the same work whether the user exists or not ------------------------------------------


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stored hashes the SSH server verifies passwords against, in order (the real
    ``verify_secret`` still answers)."""
    seen: list[str] = []

    def counting(password: str, stored: str) -> bool:
        seen.append(stored)
        return verify_secret(password, stored)

    monkeypatch.setattr(auth, "verify_secret", counting)
    return seen


def _cost(stored: str) -> str:
    """The scheme and rounds of a ``$6$`` hash (what its verification costs)."""
    parts = stored.split("$")
    rounds = parts[2] if parts[2].startswith("rounds=") else "rounds=5000"
    return f"${parts[1]}${rounds}"


def test_a_failed_login_costs_one_hash_whether_the_user_exists_or_not(
    router: Router, server: SshServer, hashes: list[str]
) -> None:
    router.configure(["username alice", "group root-lr", f"secret {ALICE_PASSWORD}"])

    async def scenario() -> list[list[str]]:
        calls = []
        for username, password in [
            (ALICE, "wrong"),  # a configured user, wrong password
            ("mallory", "wrong"),  # no such user
            (ALICE, ALICE_PASSWORD),  # the right one
        ]:
            hashes.clear()
            if password == ALICE_PASSWORD:
                await show_version(server, username=username, password=password)
            else:
                await fail_login(server, username=username, password=password)
            calls.append(list(hashes))
        return calls

    wrong_alice, mallory, right_alice = asyncio.run(scenario())
    assert len(wrong_alice) == len(mallory) == len(right_alice) == 1
    assert mallory[0] != wrong_alice[0]  # a dummy hash, not alice's
    assert mallory[0] == auth.dummy_hash()
    assert _cost(mallory[0]) == _cost(wrong_alice[0]) == "$6$rounds=5000"


def test_a_lab_login_costs_one_hash_too(server: SshServer, hashes: list[str]) -> None:
    """On a router without configured users (the lab user table): a wrong password, an unknown
    user and the right password each hash once, against the dummy hash."""

    async def scenario() -> None:
        await fail_login(server, password="wrong")
        await fail_login(server, username="nobody")
        await show_version(server)

    asyncio.run(scenario())
    assert len(hashes) == 3
    assert hashes == [auth.dummy_hash()] * 3


# -- (e) failures logged, never the password ------------------------------------------------------


def test_failed_logins_are_logged_without_the_password(
    router: Router, server: SshServer, caplog: pytest.LogCaptureFixture
) -> None:
    router.configure(["username alice", "group root-lr", f"secret {ALICE_PASSWORD}"])
    guess = "Tr0ub4dor&3-not-it"
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        await fail_login(server, username=ALICE, password=guess)
        await fail_login(server, username="eve' from '10.9.9.9", password=guess)
        await fail_login(server, username=ALICE, password=ALICE_PASSWORD + "x", source="127.0.0.4")

    asyncio.run(scenario())
    failures = [
        r.getMessage()
        for r in caplog.records
        if r.name == "xrsim.ssh"
        and r.levelno == logging.WARNING
        and "AUTHEN_FAILED" in r.getMessage()
    ]
    assert failures == [
        "%SECURITY-login-4-AUTHEN_FAILED : Failed authentication attempt by user 'alice' "
        "from '127.0.0.1'",
        "%SECURITY-login-4-AUTHEN_FAILED : Failed authentication attempt by user "
        "'eve\\' from \\'10.9.9.9' from '127.0.0.1'",
        "%SECURITY-login-4-AUTHEN_FAILED : Failed authentication attempt by user 'alice' "
        "from '127.0.0.4'",
    ]
    for record in caplog.records:
        text = record.getMessage()
        assert guess not in text
        assert ALICE_PASSWORD not in text


# -- (f) identification strings with NUL ----------------------------------------------------------


async def piecemeal_identification(server: SshServer) -> None:
    """A good identification line arriving a byte at a time is answered with the server's
    key exchange (a binary packet: length, padding length, ``SSH_MSG_KEXINIT``)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        await asyncio.wait_for(reader.readline(), 20)
        for b in b"SSH-2.0-Piecemeal_1.0\r\n":
            writer.write(bytes([b]))
            await writer.drain()
        head = await asyncio.wait_for(reader.readexactly(6), 20)
        assert head[5] == 20  # SSH_MSG_KEXINIT
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


@pytest.mark.parametrize(
    "identification",
    [b"SSH-2.0-evil\x00\r\n", b"SSH-2.0-evil\rmore\r\n", b"SSH-2.0-\xc3\xa9vil\r\n"],
    ids=["nul", "stray-cr", "non-ascii"],
)
def test_a_bad_identification_string_is_refused_at_once(
    server: SshServer, identification: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    sock = raw_connection(server)
    try:
        ours = read_line(sock)
        assert ours.startswith(b"SSH-2.0-")
        sock.sendall(identification)
        sock.settimeout(10)  # the grace time is 30 s; asyncssh alone holds it 120 s
        # closed, and nothing after the server's own line: no key exchange began
        assert read_to_eof(sock) == b""
    finally:
        sock.close()
    assert any("%SECURITY-SSHD-3-ERR_GENERAL" in r.getMessage() for r in caplog.records)
    # ordinary clients are unaffected, and so is a good line sent a byte at a time
    assert "Cisco IOS XR Software" in paramiko_show_version(server)
    assert "Cisco IOS XR Software" in asyncio.run(show_version(server))
    asyncio.run(piecemeal_identification(server))

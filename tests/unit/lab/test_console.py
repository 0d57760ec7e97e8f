"""``ConsoleServer``: a router's console on a Unix socket, behind the SSH shell's line discipline
(echo, erase, Ctrl-C, ``?``, CR LF), read as raw bytes by a real socket client."""

from __future__ import annotations

import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.lab.console import ConsoleServer, connect
from xrsim.router import Router

PROMPT = "RP/0/RP0/CPU0:c1#"


class Client:
    def __init__(self, path: Path) -> None:
        self.sock = connect(path)
        self.sock.settimeout(20)
        self.raw = b""

    def until(self, marker: str) -> str:
        want = marker.encode()
        while want not in self.raw:
            data = self.sock.recv(1 << 16)
            if not data:
                raise EOFError(f"closed before {marker!r}; got {self.raw!r}")
            self.raw += data
        head, _, self.raw = self.raw.partition(want)
        return (head + want).decode("utf-8", "replace")

    def run(self, data: str, marker: str = PROMPT) -> str:
        self.sock.sendall(data.encode())
        return self.until(marker)

    def rest(self) -> bytes:
        """Everything until the console closes the connection."""
        out = self.raw
        while data := self.sock.recv(1 << 16):
            out += data
        return out

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot(state_dir=tmp_path / "c1", hostname="c1")
    yield r
    r.shutdown()


@pytest.fixture
def console(router: Router, tmp_path: Path) -> Iterator[ConsoleServer]:
    c = ConsoleServer(router, tmp_path / "c1.sock", user="admin").start()
    yield c
    c.stop()


def test_a_console_session_echoes_edits_and_answers_like_an_ssh_shell(
    console: ConsoleServer, router: Router
) -> None:
    assert stat.S_IMODE(console.path.stat().st_mode) == 0o600
    c = Client(console.path)
    try:
        assert c.until(PROMPT) == PROMPT
        # Echo, backspace erasing, CR as Enter, output with CR LF.
        out = c.run("show running-config hostnamX\x7fe\r")
        assert out.startswith("show running-config hostnamX\b \be\r\n")
        assert "\r\nhostname c1\r\n" in out
        # '?' answers at once and leaves the line typed.
        out = c.run("show clo?", PROMPT + "show clo")
        assert out.startswith("show clo?\r\n")
        assert "clock" in out
        assert c.run("\x03") == "^C\r\n" + PROMPT
        # Ctrl-C abandons the line.
        assert c.run("show version\x03") == "show version^C\r\n" + PROMPT
        # A configuration change through the console is the router's.
        c.run("configure\r", "(config)#")
        c.run("domain name console.example\r", "(config)#")
        c.run("commit\r", "(config)#")
        c.run("end\r")
        assert "domain name console.example" in router.cli("show running-config domain name")
        c.sock.sendall(b"exit\r")
        assert c.rest() == b"exit\r\n"
    finally:
        c.close()


def test_sessions_are_independent_and_stop_closes_them(
    console: ConsoleServer, router: Router
) -> None:
    a, b = Client(console.path), Client(console.path)
    try:
        a.until(PROMPT)
        b.until(PROMPT)
        a.run("configure\r", "(config)#")
        assert b.run("show clock\r").endswith(PROMPT)  # b is still in exec mode
        console.stop()
        assert not console.path.exists()
        assert a.rest() == b""
        with pytest.raises((FileNotFoundError, ConnectionRefusedError)):
            connect(console.path)
        console.stop()  # idempotent
    finally:
        a.close()
        b.close()


def test_a_long_path_and_a_stale_socket_file(router: Router, tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    path = deep / "c1.sock"
    assert len(str(path)) > 108
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(tmp_path / "stale.sock"))
    stale.close()  # a socket file nobody listens on, as a killed lab leaves it
    for where in (path, tmp_path / "stale.sock"):
        c = ConsoleServer(router, where).start()
        try:
            client = Client(where)
            assert client.until(PROMPT) == PROMPT
            client.close()
        finally:
            c.stop()
        assert not where.exists()

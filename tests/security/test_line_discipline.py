"""Issue 12 item 7: the SSH shell's line discipline survives any byte.

Over real SSH (paramiko ``invoke_shell`` and ``exec_command`` with raw bytes; asyncssh with
``encoding=None``) against a router served by ``SshServer`` on 127.0.0.1: a byte that is not
UTF-8 in a shell line, in an answer to a question, in a help request or in an exec request
gets IOS XR's invalid-input answer with the ``^`` under it, and the session goes on; an
unfinished escape sequence (``ESC [``, a lone ``ESC``) never swallows Enter or Ctrl-C nor glues
two commands together; cursor keys, Home, End, Delete and other CSI / SS3 sequences are
discarded whole. What the router did is checked on the router (hostname, keys).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncssh
import pytest

from support import PtyShell, ssh_client
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(90)

USER, PASSWORD = "admin", "admin"
PROMPT = "RP/0/RP0/CPU0:router#"
CONFIG_PROMPT = "RP/0/RP0/CPU0:router(config)#"
INVALID = "% Invalid input detected at '^' marker."
#: The most characters a shell line holds (``xrsim.frontends.ssh.line.MAX_LINE``, 1 Mi).
MAX_LINE = 1 << 20


def marker(column: int) -> str:
    """The ``^`` line under column ``column`` of a line typed after a prompt."""
    return " " * column + "^"


class Shell(PtyShell):
    """The router's pty shell as a terminal receives it (the server sends no byte that is
    not UTF-8; ``until`` would show one as U+FFFD)."""

    def run(self, data: bytes | str, prompt: str = PROMPT) -> str:
        return super().run(data, prompt)


@pytest.fixture
def shell(server: SshServer) -> Iterator[Shell]:
    sh = Shell(server.port)
    sh.until(PROMPT)
    yield sh
    sh.close()


def assert_works(shell: Shell) -> None:
    """The session goes on: a command still runs in it, alone."""
    text = shell.run(b"show version\r")
    assert text.startswith("show version\r\n"), text
    assert "Cisco IOS XR Software, Version" in text
    assert shell.alive


# -- bytes that are not UTF-8 ----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"],
    ids=["ff", "lead-byte-alone", "truncated-3-byte", "encoded-surrogate", "overlong", "cont"],
)
def test_invalid_utf8_in_a_shell_line_is_invalid_input_at_its_position(
    shell: Shell, bad: bytes
) -> None:
    text = shell.run(b"show " + bad + b"version\r")
    lines = text.split("\r\n")
    # The echo shows each bad byte as one U+FFFD; the marker sits under the first.
    assert lines[0] == "show " + "\ufffd" * len(bad.decode("utf-8", "surrogateescape")) + "version"
    assert lines[1] == marker(len(PROMPT) + len("show "))
    assert lines[2] == INVALID
    assert lines[3] == PROMPT
    assert_works(shell)


def test_invalid_utf8_in_config_mode_changes_nothing(router: Router, shell: Shell) -> None:
    shell.run(b"configure terminal\r", CONFIG_PROMPT)
    text = shell.run(b"hostname r\xfe1\r", CONFIG_PROMPT)
    assert text.split("\r\n")[1:3] == [marker(len(CONFIG_PROMPT) + len("hostname r")), INVALID]
    text = shell.run(b"commit\r", CONFIG_PROMPT)
    assert "No configuration changes to commit" in text
    assert router.hostname() == "router"
    shell.run(b"hostname r1\rcommit\r", "RP/0/RP0/CPU0:r1(config)#")
    assert router.hostname() == "r1"


def test_invalid_utf8_in_an_answer_asks_again(router: Router, shell: Shell) -> None:
    shell.send(b"crypto key generate rsa k1\r")
    shell.until("How many bits in the modulus [2048]: ")
    text = shell.run(b"20\xff48\r", "How many bits in the modulus [2048]: ")
    assert INVALID in text
    assert not router.keys.has("rsa", "k1")
    shell.run(b"2048\r")
    assert router.keys.has("rsa", "k1")
    assert_works(shell)


def test_invalid_utf8_in_a_help_request(shell: Shell) -> None:
    shell.send(b"show \xff?")
    text = shell.until(PROMPT + "show \ufffd")
    assert INVALID in text
    assert "\x1b" not in text
    shell.run(b"\x7f\x7f\x7f\x7f\x7f\x7f\r")  # erase it all, then Enter
    assert_works(shell)


def test_utf8_split_across_packets_is_one_character(shell: Shell) -> None:
    shell.send(b"show \xe2\x82")
    text = shell.run(b"\xac\r")  # U+20AC in two packets: one (valid, unknown) character
    assert text.startswith("show \u20ac\r\n")
    assert INVALID in text
    assert_works(shell)


def test_invalid_utf8_in_an_exec_request(server: SshServer) -> None:
    c = ssh_client(server.port)
    try:
        _, stdout, _ = c.exec_command(b"show \xffversion")  # type: ignore[arg-type]
        out = stdout.read().decode()
        assert stdout.channel.recv_exit_status() == 0
        assert out.split("\n")[1] == INVALID
        assert out.split("\n")[0].endswith("^")
        _, stdout, _ = c.exec_command("show version")  # the connection goes on
        assert "Cisco IOS XR Software, Version" in stdout.read().decode()
    finally:
        c.close()


# -- escape sequences -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "pending",
    [b"\x1b", b"\x1b[", b"\x1b[1;5", b"\x1bO", b"\x1b[ "],
    ids=["esc", "csi", "csi-params", "ss3", "csi-intermediate"],
)
def test_unfinished_sequence_does_not_swallow_enter(shell: Shell, pending: bytes) -> None:
    text = shell.run(b"show clock" + pending + b"\r")
    assert text.startswith("show clock\r\n")
    assert "UTC" in text
    assert INVALID not in text
    # The next command is not glued to the previous one.
    assert_works(shell)


@pytest.mark.parametrize(
    "pending", [b"\x1b", b"\x1b[", b"\x1b[2", b"\x1bO"], ids=["esc", "csi", "csi-params", "ss3"]
)
def test_unfinished_sequence_does_not_swallow_ctrl_c(shell: Shell, pending: bytes) -> None:
    text = shell.run(b"show ver" + pending + b"\x03")
    assert text == "show ver^C\r\n" + PROMPT
    text = shell.run(b"show clock\r")
    assert text.startswith("show clock\r\n")
    assert INVALID not in text
    assert_works(shell)


def test_unfinished_sequence_then_a_new_escape_starts_afresh(shell: Shell) -> None:
    text = shell.run(b"show\x1b[\x1b[A clock\r")
    assert text.startswith("show clock\r\n")
    assert "UTC" in text


@pytest.mark.parametrize(
    "sequence",
    [
        b"\x1b[A",  # up
        b"\x1b[B",  # down
        b"\x1b[C",  # right
        b"\x1b[D",  # left
        b"\x1bOA",  # up, application cursor keys (SS3)
        b"\x1b[H",  # Home
        b"\x1b[F",  # End
        b"\x1b[1~",  # Home (vt220)
        b"\x1b[4~",  # End (vt220)
        b"\x1b[3~",  # Delete
        b"\x1bOH",  # Home (SS3)
        b"\x1b[1;5C",  # Ctrl-right
        b"\x1b[15~",  # F5
        b"\x1b[?25h",  # private parameters
        b"\x1bx",  # ESC and a printable
    ],
)
def test_sequences_are_discarded_whole(shell: Shell, sequence: bytes) -> None:
    text = shell.run(b"show " + sequence + b"clock\r")
    assert text.startswith("show clock\r\n"), text
    assert "UTC" in text
    assert "\x1b" not in text


def test_a_control_character_ends_a_sequence_and_acts(shell: Shell) -> None:
    # Backspace inside a CSI sequence: the sequence ends and the backspace erases.
    text = shell.run(b"show clockx\x1b[\x7f\r")
    assert text.startswith("show clockx\b \b\r\n")
    assert "UTC" in text


def test_invalid_byte_inside_a_sequence(shell: Shell) -> None:
    text = shell.run(b"show \x1b[\xffclock\r")
    assert text.split("\r\n")[1:3] == [marker(len(PROMPT) + len("show ")), INVALID]
    assert_works(shell)


# -- asyncssh, raw bytes ----------------------------------------------------------------------


async def _asyncssh_session(port: int) -> list[bytes]:
    async with asyncssh.connect(
        "127.0.0.1",
        port,
        username=USER,
        password=PASSWORD,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        config=None,
    ) as conn:
        proc = await conn.create_process(term_type="vt100", encoding=None)
        seen = b""

        async def until(mark: bytes) -> bytes:
            nonlocal seen
            while mark not in seen:
                chunk = await asyncio.wait_for(proc.stdout.read(65536), 20)
                if not chunk:
                    raise AssertionError(f"channel closed before {mark!r}; got {seen!r}")
                seen += chunk
            head, _, seen = seen.partition(mark)
            return head + mark

        prompt = PROMPT.encode()
        await until(prompt)
        answers = []
        for data in [b"show \xff\xfeclock\r", b"show ver\x1b[\x03", b"show clock\x1b[\r"]:
            proc.stdin.write(data)
            answers.append(await until(prompt))
        result = await conn.run(b"show \xc3(clock", encoding=None)  # type: ignore[arg-type]
        assert isinstance(result.stdout, bytes)
        answers.append(result.stdout)
        proc.stdin.write(b"show version\r")
        answers.append(await until(prompt))
        proc.stdin.write(b"exit\r")
        await proc.wait_closed()
        return answers


def test_asyncssh_raw_bytes(server: SshServer) -> None:
    bad, interrupted, unfinished, exec_out, after = asyncio.run(_asyncssh_session(server.port))
    column = len(PROMPT) + len("show ")
    assert bad.split(b"\r\n")[1:3] == [marker(column).encode(), INVALID.encode()]
    assert bad.startswith("show \ufffd\ufffdclock\r\n".encode())
    assert interrupted == b"show ver^C\r\n" + PROMPT.encode()
    assert unfinished.startswith(b"show clock\r\n")
    assert b"UTC" in unfinished
    assert exec_out.split(b"\n")[1] == INVALID.encode()
    assert b"Cisco IOS XR Software, Version" in after


# -- long lines --------------------------------------------------------------------------------


def test_a_100_kb_line_is_echoed_and_refused(shell: Shell) -> None:
    text = shell.run(b"show " + b"x" * 100_000 + b"\r")
    lines = text.split("\r\n")
    assert lines[0] == "show " + "x" * 100_000
    assert lines[1:3] == [marker(len(PROMPT) + len("show ")), INVALID]
    assert_works(shell)


def test_a_line_past_max_line_is_refused_where_it_overflowed(shell: Shell) -> None:
    # The line keeps MAX_LINE characters; the rest is dropped, not echoed, and refused at
    # Enter (backspace takes the dropped ones back first: 10 dropped, 4 erased).
    shell.send(b"show version " + b"x" * (MAX_LINE - len("show version ")))
    shell.send(b"y" * 10 + b"\x7f" * 4 + b"\r")
    text = shell.until(PROMPT)
    lines = text.split("\r\n")
    assert lines[0] == "show version " + "x" * (MAX_LINE - len("show version "))
    assert lines[1:3] == [marker(len(PROMPT) + MAX_LINE), INVALID]
    assert_works(shell)

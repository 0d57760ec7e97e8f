"""``SessionChannel``: one SSH session channel of a connection, as asyncssh's
``SSHServerSession`` (layer 6).

The client's request picks the kind, and the kind's runner drives the channel:

- ``shell`` (with or without a pty): ``xrsim.frontends.ssh.shell.run_shell``, a ``CliSession``
  behind the line discipline; refused on the NETCONF port.
- ``exec`` (``ssh router show version``): ``xrsim.frontends.ssh.command.run_command``, one
  command; refused on the NETCONF port.
- the ``netconf`` subsystem: ``xrsim.frontends.ssh.netconf.run_netconf``, offered while
  ``netconf-yang agent`` / ``ssh`` is configured.

When the session starts, the channel takes its row in the router's session table through its
server (``SshServer.open_session``: the router-wide id and, for a shell or exec request, a vty
line and a CLI session on it) and gives the table its closer (``clear ssh``, ``kill-session``,
callable from any thread). The runner reads input with ``read`` (None at the client's end of
input; with ``idle_after``, also None, with ``timed_out`` set, when that much of the router's
clock passes first: the wait is a timer registered with the router's scheduler, so
``router.advance`` runs it at once and in real time it fires by itself), writes with
``write``, runs CLI work in the process's worker pool with ``call`` (never on the event loop,
so a key generation stalls no other session; one line at a time, in order) and ends with
``exit``. A CLI session is closed by its runner once the running line is done, never while a
worker thread is inside it.

Bytes that are not UTF-8 never end a session: ``server_channel`` makes the asyncssh channel of
each session (``Connection.session_requested``), decoding a shell's input and an exec request's
command with ``surrogateescape`` (each bad byte one surrogate character, which the line
discipline echoes as U+FFFD and the CLI refuses with its invalid-input marker) where asyncssh
would drop the connection or refuse the request; the NETCONF subsystem decodes strictly, as
before.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import asyncssh
from asyncssh.packet import SSHPacket

from xrsim.frontends.ssh.command import run_command
from xrsim.frontends.ssh.line import CTRL_C
from xrsim.frontends.ssh.netconf import agent_enabled, run_netconf
from xrsim.frontends.ssh.shell import run_shell

if TYPE_CHECKING:
    from xrsim.cli import CliSession
    from xrsim.frontends.ssh.connection import Connection
    from xrsim.frontends.ssh.server import SshServer
    from xrsim.netconf import NetconfSession
    from xrsim.sessions import SshSessionInfo

__all__ = ["SessionChannel", "server_channel"]

T = TypeVar("T")


class _ServerChannel(asyncssh.SSHServerChannel[str]):
    """asyncssh's server channel, except that an exec request whose command is not UTF-8 is
    taken with its bad bytes as surrogate escapes (asyncssh refuses it: the client sees its
    channel closed without a word). asyncssh has no hook for this: the override is of its
    request handler (``_process_<request>_request``), as asyncssh 2.x names it."""

    def _process_exec_request(self, packet: SSHPacket) -> bool:
        command = packet.get_string()
        packet.check_end()
        return self._start_session(command=command.decode("utf-8", "surrogateescape"))


def server_channel(conn: asyncssh.SSHServerConnection) -> asyncssh.SSHServerChannel[str]:
    """The channel of a new session on ``conn``: UTF-8 with bytes that are not UTF-8 as
    surrogate escapes, in the input and in an exec request's command."""
    chan = conn.create_server_channel(errors="surrogateescape")
    chan.__class__ = _ServerChannel  # the same object, with the exec request taken as above
    return chan


@dataclass(frozen=True)
class _Idle:
    """Queued by the idle timer of the ``read`` numbered ``wait`` (later reads ignore it)."""

    wait: int


class SessionChannel(asyncssh.SSHServerSession[str]):
    """One session channel: a shell, an exec request or the NETCONF subsystem."""

    def __init__(self, server: SshServer, conn: Connection) -> None:
        self.server = server
        self.conn = conn
        self.chan: asyncssh.SSHServerChannel[str] | None = None
        #: Whether the client asked for a pty (an exec request's output then has CR LF).
        self.pty = False
        self.command: str | None = None
        self.subsystem: str | None = None
        self.cli: CliSession | None = None
        self.netconf: NetconfSession | None = None
        self.info: SshSessionInfo | None = None
        self.user = "admin"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._input: asyncio.Queue[str | _Idle | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._waits = 0
        #: Whether the last ``read`` ended because its ``idle_after`` passed.
        self.timed_out = False

    @property
    def kind(self) -> str:
        """``shell``, ``exec`` or ``netconf``."""
        if self.subsystem is not None:
            return "netconf"
        return "exec" if self.command is not None else "shell"

    # -- asyncssh callbacks -----------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:
        self.chan = chan
        self._loop = asyncio.get_running_loop()

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object
    ) -> bool:
        self.pty = True
        return True

    def shell_requested(self) -> bool:
        return self.conn.listener == "ssh"

    def exec_requested(self, command: str) -> bool:
        if self.conn.listener != "ssh":
            return False
        self.command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        if subsystem != "netconf" or not agent_enabled(self.server.router):
            return False
        if self.chan is not None:
            self.chan.set_encoding("utf-8")  # NETCONF's XML decodes strictly, as before
        self.subsystem = subsystem
        return True

    def session_started(self) -> None:
        assert self.chan is not None
        self.user = str(self.chan.get_extra_info("username") or "admin")
        self.info, self.cli = self.server.open_session(
            user=self.user,
            host=self.conn.peer,
            authentication=self.conn.method,
            kind=self.kind,
            close=self.close_from_thread,
        )
        runners = {"shell": run_shell, "exec": run_command, "netconf": run_netconf}
        self._task = asyncio.ensure_future(runners[self.kind](self))

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        self._input.put_nowait(data)

    def eof_received(self) -> bool:
        # Half-close: the output still goes out (an exec command answers after the client's
        # end of input, as ``ssh host cmd </dev/null`` has it).
        self._input.put_nowait(None)
        return True

    def break_received(self, msec: int) -> bool:
        self._input.put_nowait(CTRL_C)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._input.put_nowait(None)
        # A running task closes the CLI session itself once its line is done.
        if self._task is None or self._task.done():
            if self.cli is not None:
                self.cli.close()
            if self.netconf is not None:
                self.netconf.close()
        if self.info is not None:
            self.server.close_session(self.info)

    # -- what runners use -------------------------------------------------------------------

    def close_from_thread(self) -> None:
        """Close this session (``clear ssh``, ``kill-session``), from any thread."""
        if self.netconf is not None:
            self.netconf.close()  # its locks and candidate go at once, not after the I/O
        loop, chan = self._loop, self.chan
        if loop is not None and chan is not None and not loop.is_closed():
            loop.call_soon_threadsafe(chan.close)

    async def read(self, idle_after: float | None = None, then_write: str = "") -> str | None:
        """The next chunk of input; None once the client ended its input or left.
        ``idle_after``: seconds of the router's clock to wait at most (a timer registered
        with the router's scheduler), then None with ``timed_out`` set. ``then_write`` is
        written once the timer is registered (the prompt the client answers)."""
        self.timed_out = False
        self._waits += 1
        wait = self._waits
        timer = None
        if idle_after is not None:
            name = f"ssh session {self.info.id if self.info else '?'}: idle timeout"
            timer = self.server.router.scheduler.call_later(
                idle_after, functools.partial(self._idle, wait), name=name
            )
        self.write(then_write)
        try:
            while True:
                item = await self._input.get()
                if not isinstance(item, _Idle):
                    return item
                if item.wait == wait:
                    self.timed_out = True
                    return None
                # the mark of an earlier wait's timer that fired as input came: stale
        finally:
            if timer is not None:
                timer.cancel()

    def _idle(self, wait: int) -> None:
        """The idle timer of wait ``wait`` fired (a scheduler callback, on any thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._input.put_nowait, _Idle(wait))

    def write(self, text: str) -> None:
        if text and self.chan is not None and not self.chan.is_closing():
            self.chan.write(text)

    async def call(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` in the process's worker pool (CLI and NETCONF work)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.server.runtime.executor, functools.partial(fn, *args)
        )

    def exit(self, status: int = 0) -> None:
        """End the channel with exit status ``status`` (unless it is already closing)."""
        if self.chan is not None and not self.chan.is_closing():
            self.chan.exit(status)

"""A lab node's console: a Unix socket serving CLI sessions (layer 6).

- ``ConsoleServer(router, path, user=...)``: listens on the Unix socket ``path`` (mode 0600,
  in the lab's 0700 directory: who may open it is who may read the lab) on the process's shared
  event loop (``xrsim.runtime.shared()``), as the SSH servers do. Each connection is one CLI
  session on the console line ``con0_RP0_CPU0`` behind the SSH shell's line discipline
  (``xrsim.frontends.ssh.line.LineDiscipline``): the same echo, erase, Ctrl-C, ``?`` and
  prompts as ``ssh`` with a terminal, and ``\\r\\n`` line endings. There is no login: the
  console is a serial line, and the socket's mode is its lock. ``exit`` in exec mode, or the
  client closing its end, ends the session. Each line runs in the runtime's worker pool, never
  on the loop. ``start_many`` / ``stop_many`` start and stop many in one trip to the loop.
- ``connect(path)``: a connected client socket (``xrsim console`` relays a terminal to it).

Paths longer than a Unix socket address holds (107 bytes) are bound and connected through the
directory's ``/proc/self/fd`` entry, so a lab directory deep in a temporary tree still works.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import functools
import logging
import os
import socket
from collections.abc import Sequence
from pathlib import Path

from xrsim.cli import CliSession
from xrsim.errors import XrsimError
from xrsim.frontends.ssh.line import LineDiscipline
from xrsim.router import Router
from xrsim.runtime import Runtime, shared

__all__ = ["CONSOLE_LINE", "ConsoleServer", "connect"]

_log = logging.getLogger("xrsim.lab")

#: The line a console session is on (``show users``).
CONSOLE_LINE = "con0_RP0_CPU0"
#: The longest path a ``sockaddr_un`` holds (108 bytes with the terminating NUL).
_SUN_PATH_MAX = 107
_LOOP_TIMEOUT = 30.0


def _with_short_path(path: Path, use: socket.socket, how: str) -> None:
    """``use.bind`` or ``use.connect`` to ``path``, through ``/proc/self/fd`` when it is too
    long for a socket address."""
    call = use.bind if how == "bind" else use.connect
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        call(str(path))
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        call(f"/proc/self/fd/{fd}/{path.name}")
    finally:
        os.close(fd)


def connect(path: str | Path) -> socket.socket:
    """A client socket connected to the console at ``path`` (``OSError`` if none listens)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _with_short_path(Path(path), sock, "connect")
    except BaseException:
        sock.close()
        raise
    return sock


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "replace")


class ConsoleServer:
    """The console socket of one router (see the module documentation)."""

    def __init__(self, router: Router, path: str | Path, *, user: str = "admin") -> None:
        self.router = router
        self.path = Path(path)
        self.user = user
        self._runtime: Runtime | None = None
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def started(self) -> bool:
        return self._server is not None

    def _socket(self) -> socket.socket:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a socket left by a lab process that was killed
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            _with_short_path(self.path, sock, "bind")
            os.chmod(self.path, 0o600)
            sock.listen(16)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return sock

    async def _open(self, sock: socket.socket) -> None:
        self._server = await asyncio.start_unix_server(self._accepted, sock=sock)

    def start(self) -> ConsoleServer:
        """Listen on ``path`` (a stale socket file there is replaced); ``OSError`` if it
        cannot be bound."""
        ConsoleServer.start_many([self])
        return self

    @classmethod
    def start_many(cls, consoles: Sequence[ConsoleServer]) -> None:
        """Start ``consoles`` in one trip to the shared loop; on a failure those started here
        are stopped (their sockets removed) and the error raised."""
        todo = [c for c in consoles if not c.started]
        rt = shared()
        socks: list[socket.socket] = []
        try:
            for c in todo:
                socks.append(c._socket())
        except BaseException:
            for c, s in zip(todo, socks, strict=False):
                s.close()
                with contextlib.suppress(FileNotFoundError):
                    c.path.unlink()
            raise

        async def open_all() -> None:
            for c, s in zip(todo, socks, strict=True):
                c._runtime = rt
                await c._open(s)

        try:
            rt.run(open_all(), _LOOP_TIMEOUT + len(todo) / 100)
        except BaseException:
            cls.stop_many(todo)
            for s in socks:
                s.close()
            raise

    async def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._session(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:
            _log.exception("console session of %s", self.path.name)
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        assert self._runtime is not None
        try:
            cli: CliSession = await loop.run_in_executor(
                self._runtime.executor,
                functools.partial(self.router.session, user=self.user, line=CONSOLE_LINE),
            )
        except XrsimError as e:  # the router is shutting down
            writer.write(_encode(f"% {e}\r\n"))
            return
        discipline = LineDiscipline(cli)
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        try:
            writer.write(_encode(cli.prompt))
            await writer.drain()
            while not cli.closed:
                data = await reader.read(1 << 16)
                if not data:
                    break
                for _, request in discipline.feed_text(decoder.decode(data)):
                    writer.write(_encode(discipline.output()))  # the echo before the command
                    out = await loop.run_in_executor(
                        self._runtime.executor, cli.handle_line, request.text
                    )
                    discipline.answer(request, out, closed=cli.closed)
                    if cli.closed:
                        break
                writer.write(_encode(discipline.output()))
                await writer.drain()
        finally:
            cli.close()

    @classmethod
    def stop_many(cls, consoles: Sequence[ConsoleServer]) -> None:
        """Stop ``consoles`` (their listeners, sessions and socket files) in one trip to the
        loop. Idempotent."""
        todo = [c for c in consoles if c._server is not None]
        for c in consoles:
            if c._server is None:
                with contextlib.suppress(FileNotFoundError):
                    c.path.unlink()
        if not todo:
            return
        rt = shared()

        async def close_all() -> None:
            servers = []
            for c in todo:
                server, c._server = c._server, None
                assert server is not None
                server.close()
                servers.append(server)
                for w in list(c._writers):
                    w.close()
                for t in list(c._tasks):
                    t.cancel()
            tasks = [t for c in todo for t in c._tasks]
            if tasks:
                await asyncio.wait(tasks, timeout=2)
            for server in servers:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(server.wait_closed(), 2)

        try:
            rt.run(close_all(), _LOOP_TIMEOUT)
        except Exception:
            _log.exception("console shutdown")
        for c in todo:
            with contextlib.suppress(FileNotFoundError):
                c.path.unlink()

    def stop(self) -> None:
        """Close the listener and every session; remove the socket file. Idempotent."""
        ConsoleServer.stop_many([self])

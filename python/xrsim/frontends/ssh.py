"""The SSH front door of a router: an asyncssh server running the CLI.

``SshServer(router)`` serves one router on ``127.0.0.1`` (port 0 picks a free port, read back
from ``port`` after ``start()``). The asyncio loop runs in a daemon thread the server owns, so
synchronous code (tests, ``xrsim serve``) uses it as it is::

    with SshServer(router) as server:
        subprocess.run(["ssh", "-p", str(server.port), "admin@127.0.0.1", "show version"])

What it does, as IOS XR does it for the clients that matter (netmiko ``cisco_xr``, scrapli
``cisco_iosxr``, OpenSSH):

- Host key: the router's RSA key ``the_default`` (``crypto key generate rsa``; boot makes it
  from 7.0.1 on). A router without one refuses to start the server.
- Authentication: a password from the user table (``check_password``; default ``admin`` /
  ``admin``) or a public key imported with ``crypto key import authentication rsa``
  (``check_public_key``).
- A shell (with or without a pty) runs a ``CliSession`` (line ``vty0``, client ``CLI``) behind
  a small line discipline: typed characters are echoed (not the answers to hidden questions),
  backspace erases, CR, LF or CR LF end a line, Ctrl-C abandons a question or the line being
  typed, ``?`` asks for help at once. After Enter comes ``\\r\\n``, the output with ``\\n`` as
  ``\\r\\n``, then the next prompt. ``exit`` in exec mode closes the channel. No ANSI escapes.
- An exec request (``ssh router show version``) runs the one command and exits with status 0.
- The ``netconf`` subsystem runs a NETCONF session (``xrsim.netconf``, through
  ``xrsim.frontends.netconf_bridge``) when ``netconf-yang agent`` / ``ssh`` is configured.
  With ``netconf_port`` the server also listens on a second port, IOS XR's port 830, that
  offers only the ``netconf`` subsystem and is open when ``ssh server netconf vrf VRF`` is
  configured.

The running configuration rules the server, read at each new connection or idle period
(``xrsim.cli.commands.ssh.SshPolicy``): SSH is served in the server's VRF only when
``ssh server v2`` / ``ssh server vrf VRF`` say so (a new router's factory configuration has
both); a connection beyond ``ssh server rate-limit`` (connections in the last 60 seconds) or
``ssh server session-limit`` (concurrent connections) is disconnected with
``SSH_DISCONNECT_TOO_MANY_CONNECTIONS`` before authentication, as is any connection when the
server is disabled; a shell idle at its prompt for ``line default`` ``exec-timeout`` (10
minutes unless configured; ``0 0`` never) or without input for ``session-timeout`` is closed.
``clear ssh ID`` closes a session.

Each line runs in a worker thread (key generation must not stall the other sessions); the
lines of one channel run one after the other, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Literal

import asyncssh

from xrsim.aaa import AaaConfig, verify_secret
from xrsim.cli import CliSession
from xrsim.cli.commands import ssh as show_ssh
from xrsim.cli.commands.ssh import SshPolicy, SshSessionInfo
from xrsim.errors import XrsimError
from xrsim.pki import DEFAULT_LABEL
from xrsim.router import Router

if TYPE_CHECKING:
    from xrsim.netconf import NetconfSession

__all__ = ["DEFAULT_USERS", "SshServer", "SshSessionInfo"]

#: The user table of a server created without one (the AAA configuration replaces it).
DEFAULT_USERS: Mapping[str, str] = {"admin": "admin"}

_log = logging.getLogger("xrsim.ssh")

_CTRL_C = "\x03"
_ERASE = ("\x7f", "\x08")
_ESC = "\x1b"


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


#: Which listener a connection came in on: the SSH port or the NETCONF port (830).
Listener = Literal["ssh", "netconf"]


class _Connection(asyncssh.SSHServer):
    """One SSH connection: admission, authentication, then its sessions."""

    def __init__(self, server: SshServer, listener: Listener) -> None:
        self._server = server
        self.listener: Listener = listener
        self._conn: asyncssh.SSHServerConnection | None = None
        self.peer = "unknown"
        self.method = "none"

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        if peer:
            self.peer = str(peer[0])
        refusal = self._server._admit(conn, self.listener)
        if refusal is not None:
            _log.warning("SSH connection from %s refused: %s", self.peer, refusal)
            asyncio.get_running_loop().call_soon(
                conn.disconnect, asyncssh.DISC_TOO_MANY_CONNECTIONS, refusal
            )

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._server._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        ok = self._server.check_password(username, password)
        if ok:
            self.method = "password"
        return ok

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        ok = self._server.check_public_key(username, key)
        if ok:
            self.method = "rsa-pubkey"
        return ok

    def session_requested(self) -> asyncssh.SSHServerSession[str] | bool:
        if self._conn is None or self._conn not in self._server._connections:
            return False  # refused at admission; the disconnect is on its way
        return _Session(self._server, self)


class _Session(asyncssh.SSHServerSession[str]):
    """One session channel: a shell behind the line discipline, or one exec command."""

    def __init__(self, server: SshServer, conn: _Connection) -> None:
        self._server = server
        self._conn = conn
        self._chan: asyncssh.SSHServerChannel[str] | None = None
        self._pty = False
        self._command: str | None = None
        self._subsystem: str | None = None
        self._cli: CliSession | None = None
        self._netconf: NetconfSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._info: SshSessionInfo | None = None
        self._input: asyncio.Queue[str | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._line = ""
        self._last_cr = False
        self._esc = 0  # 0: none, 1: after ESC, 2: inside a CSI sequence
        self._echo = ""

    # -- asyncssh callbacks -----------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:
        self._chan = chan
        self._loop = asyncio.get_running_loop()

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object
    ) -> bool:
        self._pty = True
        return True

    def shell_requested(self) -> bool:
        return self._conn.listener == "ssh"

    def exec_requested(self, command: str) -> bool:
        if self._conn.listener != "ssh":
            return False
        self._command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        from xrsim.frontends.netconf_bridge import agent_enabled

        if subsystem != "netconf" or not agent_enabled(self._server.router):
            return False
        self._subsystem = subsystem
        return True

    def session_started(self) -> None:
        assert self._chan is not None
        username = str(self._chan.get_extra_info("username") or "admin")
        kind = (
            "netconf"
            if self._subsystem is not None
            else ("exec" if self._command is not None else "shell")
        )
        self._info, self._cli = self._server._register(
            user=username,
            host=self._conn.peer,
            authentication=self._conn.method,
            kind=kind,
            close=self.close_from_thread,
        )
        if kind == "netconf":
            self._task = asyncio.ensure_future(self._run_netconf(username))
        elif self._command is not None:
            self._task = asyncio.ensure_future(self._run_exec(self._command))
        else:
            self._task = asyncio.ensure_future(self._run_shell())

    def close_from_thread(self) -> None:
        """Close this session (``clear ssh``, ``kill-session``), from any thread."""
        if self._netconf is not None:
            self._netconf.close()  # its locks and candidate go at once, not after the I/O
        loop, chan = self._loop, self._chan
        if loop is not None and chan is not None and not loop.is_closed():
            loop.call_soon_threadsafe(chan.close)

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        self._input.put_nowait(data)

    def eof_received(self) -> bool:
        # Half-close: the output still goes out (an exec command answers after the client's
        # end of input, as ``ssh host cmd </dev/null`` has it).
        self._input.put_nowait(None)
        return True

    def break_received(self, msec: int) -> bool:
        self._input.put_nowait(_CTRL_C)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._input.put_nowait(None)
        # A running task closes the CLI session itself once its line is done (never while a
        # worker thread is inside the session).
        if self._task is None or self._task.done():
            if self._cli is not None:
                self._cli.close()
            if self._netconf is not None:
                self._netconf.close()
        if self._info is not None:
            self._server._unregister(self._info)

    # -- running the CLI --------------------------------------------------------------------

    def _write(self, text: str) -> None:
        """Send ``text`` after any echo held back (one packet where there would be many)."""
        text, self._echo = self._echo + text, ""
        if text and self._chan is not None and not self._chan.is_closing():
            self._chan.write(text)

    def _echo_back(self, text: str) -> None:
        """Echo of typed characters: held until the input chunk is done or output follows."""
        self._echo += text

    async def _run_line(self, line: str) -> str:
        cli = self._cli
        assert cli is not None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, cli.handle_line, line)

    async def _run_exec(self, command: str) -> None:
        cli = self._cli
        assert cli is not None
        assert self._chan is not None
        try:
            out = await self._run_line(command)
            if cli.waiting:  # nobody is there to answer a question: abandon the command
                out += cli.prompt + "\n"
                cli.cancel()
            self._write(_crlf(out) if self._pty else out)
        finally:
            cli.close()
        if not self._chan.is_closing():
            self._chan.exit(0)

    async def _run_netconf(self, user: str) -> None:
        from xrsim.frontends.netconf_bridge import open_netconf

        assert self._chan is not None
        assert self._info is not None
        loop = asyncio.get_running_loop()
        nc = open_netconf(
            self._server.router, user=user, session_id=self._info.id, kill=self._server.kill
        )
        self._netconf = nc
        try:
            self._write(nc.hello())
            while not nc.closed:
                data = await self._input.get()
                if data is None:
                    break
                for reply in await loop.run_in_executor(None, nc.feed, data):
                    self._write(reply)
        finally:
            nc.close()
        if not self._chan.is_closing():
            self._chan.exit(0)

    def _idle_limit(self, since_input: float) -> float | None:
        """Seconds the shell may still wait for input: ``exec-timeout`` at the prompt,
        ``session-timeout`` since the last input (None: no limit)."""
        policy = self._server.policy()
        limits = []
        if policy.exec_timeout is not None:
            limits.append(policy.exec_timeout)
        if policy.session_timeout is not None:
            limits.append(policy.session_timeout - since_input)
        return max(0.0, min(limits)) if limits else None

    async def _run_shell(self) -> None:
        cli = self._cli
        assert cli is not None
        assert self._chan is not None
        self._write(cli.prompt)
        last_input = time.monotonic()
        try:
            while not cli.closed:
                limit = self._idle_limit(time.monotonic() - last_input)
                try:
                    data = await asyncio.wait_for(self._input.get(), limit)
                except TimeoutError:
                    _log.info("vty session %s idle: closed", self._info and self._info.id)
                    break
                last_input = time.monotonic()
                if data is None:
                    break
                for ch in data:
                    await self._key(ch)
                    if cli.closed:
                        break
                self._write("")  # the echo of this chunk, in one packet
        finally:
            cli.close()
        if not self._chan.is_closing():
            self._chan.exit(0)

    async def _key(self, ch: str) -> None:
        """One typed character through the line discipline."""
        was_cr, self._last_cr = self._last_cr, ch == "\r"
        if self._esc:
            self._escape(ch)
        elif ch in "\r\n":
            if not (ch == "\n" and was_cr):  # CR LF is one Enter
                await self._enter()
        elif ch == _CTRL_C:
            self._interrupt()
        elif ch in _ERASE:
            self._erase()
        elif ch == _ESC:
            self._esc = 1
        elif ch == "?" and self._cli is not None and not self._cli.waiting:
            await self._help()
        elif ch >= " ":
            self._type(ch)
        # other control characters (Tab, Ctrl-D, ...) do nothing here

    def _escape(self, ch: str) -> None:
        # Cursor keys and the like are swallowed (no line editing beyond backspace).
        if self._esc == 1:
            self._esc = 2 if ch in "[O" else 0
        elif "@" <= ch <= "~":
            self._esc = 0

    async def _enter(self) -> None:
        cli = self._cli
        assert cli is not None
        line, self._line = self._line, ""
        self._write("\r\n")  # the echo and the new line go out before the command runs
        out = await self._run_line(line)
        self._write(_crlf(out) + ("" if cli.closed else cli.prompt))

    def _interrupt(self) -> None:
        cli = self._cli
        assert cli is not None
        self._line = ""
        cli.cancel()
        cli.partial_input = ""
        self._write("^C\r\n" + cli.prompt)

    def _erase(self) -> None:
        if self._line:
            self._line = self._line[:-1]
            if self._cli is not None and not self._cli.hidden:
                self._echo_back("\b \b")

    async def _help(self) -> None:
        # Help at once; the line stays as it was typed.
        cli = self._cli
        assert cli is not None
        self._write("?")
        out = await self._run_line(self._line + "?")
        self._write("\r\n" + _crlf(out) + cli.prompt + self._line)

    def _type(self, ch: str) -> None:
        self._line += ch
        if self._cli is not None and not self._cli.hidden:
            self._echo_back(ch)


class SshServer:
    """An SSH server for one router (see the module documentation)."""

    def __init__(
        self,
        router: Router,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        users: Mapping[str, str] | None = None,
        vrf: str = "default",
        netconf_port: int | None = None,
    ) -> None:
        self.router = router
        self.host = host
        self.port = port
        self.users: dict[str, str] = dict(DEFAULT_USERS if users is None else users)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self.vrf = vrf
        self.netconf_port = netconf_port
        self._netconf_acceptor: asyncssh.SSHAcceptor | None = None
        self._sessions: dict[SshSessionInfo, CliSession | None] = {}
        self._accepted: deque[float] = deque()
        self._policy: tuple[int, SshPolicy] | None = None
        self._ids = 0
        self._lock = threading.Lock()

    # -- authentication (one place each; the AAA configuration will replace the table) -------

    def check_password(self, username: str, password: str) -> bool:
        """Whether ``password`` is the password of ``username``: the ``username NAME secret``
        of the running configuration when there is one (only its hash is stored), else the
        server's own user table (``{"admin": "admin"}`` by default, for unconfigured labs)."""
        user = AaaConfig.from_tree(self.router.datastore.running_copy()).users.get(username)
        if user is not None and user.secret is not None:
            return verify_secret(password, user.secret)
        expected = self.users.get(username)
        return expected is not None and hmac.compare_digest(expected, password)

    def check_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Whether ``key`` is one of the public keys ``username`` imported with ``crypto key
        import authentication rsa`` (a key is accepted for the user who imported it only)."""
        offered = key.public_data
        keys = self.router.keys
        for entry in keys.authentication_keys():
            if entry.owner is not None and entry.owner != username:
                continue
            try:
                stored = asyncssh.import_public_key(keys.load_authentication(entry).to_der())
            except (OSError, XrsimError, asyncssh.KeyImportError):
                _log.warning("cannot load the authentication key %s", entry.label)
                continue
            if stored.public_data == offered:
                return True
        return False

    # -- admission --------------------------------------------------------------------------

    def policy(self) -> SshPolicy:
        """The ``ssh server`` and ``line default`` configuration now in force (read again
        only after the running configuration changed: shells ask at every input)."""
        ds = self.router.datastore
        generation = ds.generation
        cached = self._policy
        if cached is None or cached[0] != generation:
            cached = (generation, SshPolicy.from_tree(ds.running_copy()))
            self._policy = cached
        return cached[1]

    def _admit(self, conn: asyncssh.SSHServerConnection, listener: Listener) -> str | None:
        """Admit a new connection (then it counts against the limits), or say why not."""
        policy = self.policy()
        if listener == "ssh" and not policy.serves(self.vrf):
            return f"SSH server not enabled in VRF {self.vrf}"
        if listener == "netconf" and not policy.serves_netconf(self.vrf):
            return f"SSH NETCONF server not enabled in VRF {self.vrf}"
        now = time.monotonic()
        with self._lock:
            while self._accepted and now - self._accepted[0] >= 60.0:
                self._accepted.popleft()
            if len(self._accepted) >= policy.rate_limit:
                return f"rate limit of {policy.rate_limit} connections per minute exceeded"
            if len(self._connections) >= policy.session_limit:
                return f"session limit of {policy.session_limit} reached"
            self._accepted.append(now)
            self._connections.add(conn)
        return None

    # -- sessions ---------------------------------------------------------------------------

    def _register(
        self,
        *,
        user: str,
        host: str,
        authentication: str,
        kind: str,
        close: Callable[[], None] | None = None,
    ) -> tuple[SshSessionInfo, CliSession | None]:
        """A new session: its id and, for a shell or exec request, the lowest free vty line
        and a CLI session on it."""
        with self._lock:
            self._ids += 1
            cli = None
            pty = ""
            if kind != "netconf":
                used = {info.pty for info in self._sessions}
                pty = next(f"vty{n}" for n in range(len(used) + 1) if f"vty{n}" not in used)
                cli = self.router.session(user=user, line=pty, client="CLI")
            info = SshSessionInfo(
                self._ids, user, host, authentication, self.router.clock.now(), pty, kind, close
            )
            self._sessions[info] = cli
        return info, cli

    def kill(self, session_id: int) -> bool:
        """Close the NETCONF session ``session_id`` (``kill-session``); False when there is
        none."""
        with self._lock:
            target = next(
                (i for i in self._sessions if i.id == session_id and i.kind == "netconf"), None
            )
        if target is None or target.close is None:
            return False
        target.close()
        return True

    def _unregister(self, info: SshSessionInfo) -> None:
        with self._lock:
            self._sessions.pop(info, None)

    def sessions(self) -> list[SshSessionInfo]:
        """The open SSH sessions (``show ssh``), oldest first."""
        with self._lock:
            return list(self._sessions)

    # -- life cycle -------------------------------------------------------------------------

    def _host_key(self) -> asyncssh.SSHKey:
        keys = self.router.keys
        for entry in keys.entries("rsa"):
            if entry.label == DEFAULT_LABEL:
                return asyncssh.import_private_key(keys.load(entry).to_pkcs8_pem())
        raise XrsimError(
            f"the router has no RSA key {DEFAULT_LABEL!r} for SSH "
            "(crypto key generate rsa creates it)"
        )

    async def _listen(
        self, host_key: asyncssh.SSHKey, listener: Listener, port: int
    ) -> asyncssh.SSHAcceptor:
        return await asyncssh.create_server(
            lambda: _Connection(self, listener),
            self.host,
            port,
            server_host_keys=[host_key],
            line_editor=False,
            encoding="utf-8",
            keepalive_interval=0,
        )

    def start(self) -> SshServer:
        """Start serving (in a daemon thread); ``port`` is then the port bound."""
        if self._thread is not None:
            return self
        host_key = self._host_key()
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="xrsim-ssh", daemon=True)
        thread.start()
        acceptor: asyncssh.SSHAcceptor | None = None
        try:
            acceptor = asyncio.run_coroutine_threadsafe(
                self._listen(host_key, "ssh", self.port), loop
            ).result(30)
            if self.netconf_port is not None:
                self._netconf_acceptor = asyncio.run_coroutine_threadsafe(
                    self._listen(host_key, "netconf", self.netconf_port), loop
                ).result(30)
        except BaseException:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._close_acceptors(acceptor), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()
            raise
        self._loop, self._thread, self._acceptor = loop, thread, acceptor
        self.port = int(acceptor.sockets[0].getsockname()[1])
        if self._netconf_acceptor is not None:
            self.netconf_port = int(self._netconf_acceptor.sockets[0].getsockname()[1])
        show_ssh.attach(self.router, self.sessions)
        return self

    async def _close_acceptors(self, acceptor: asyncssh.SSHAcceptor | None) -> None:
        for a in (acceptor, self._netconf_acceptor):
            if a is not None:
                a.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(a.wait_closed(), 2)
        self._netconf_acceptor = None

    async def _shutdown(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
        if self._netconf_acceptor is not None:
            self._netconf_acceptor.close()
        for conn in list(self._connections):
            conn.close()
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 2)
        await self._close_acceptors(self._acceptor)

    def stop(self) -> None:
        """Close every connection and stop the server."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        except Exception:  # a stuck connection must not keep the server alive
            _log.exception("SSH server shutdown")
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(loop.shutdown_default_executor(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        self._loop = self._thread = self._acceptor = None
        show_ssh.detach(self.router, self.sessions)
        with self._lock:
            for cli in self._sessions.values():
                if cli is not None:
                    cli.close()
            self._sessions.clear()

    def __enter__(self) -> SshServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

"""``SshServer``: the SSH front door of one router, on the process's shared event loop (layer 6).

``SshServer(router)`` serves one router on ``127.0.0.1`` (port 0 picks a free port, read back
from ``port`` after ``start()``); with ``netconf_port`` it also listens on a second port, IOS
XR's port 830, that offers only the ``netconf`` subsystem. Synchronous code (tests, ``xrsim
serve``, labs) uses it as it is::

    with SshServer(router) as server:
        subprocess.run(["ssh", "-p", str(server.port), "admin@127.0.0.1", "show version"])

Every server of a process, of every router, runs on one asyncio loop and one bounded worker
pool: ``xrsim.runtime.shared()``. ``start`` binds the listeners on that loop; ``stop`` closes
this server's listeners and connections only (the loop, the pool and every other server go
on). ``start_many`` / ``stop_many`` do the same for many servers (a lab) in one trip to the
loop, ``stop_many`` closing them all concurrently. No thread is started per server.

VRFs: the listeners above are in the process's namespace and serve the server's ``vrf``. Every
other VRF that ``ssh server vrf NAME`` (``ssh server netconf vrf NAME`` for the NETCONF port)
enables and that the router's VRF table binds to a network namespace (``router.vrfs``) gets
its own listener inside that namespace, on all its addresses and on the same port, made with
``xrsim.net.netns.socket_in`` and handed to asyncssh; connections there are admitted as that
VRF's. The listeners follow the configuration and the bindings: the VRF table tells the
server when either changed (``Vrfs.watch``), and the server opens and closes them on its loop
(``vrf_listeners()`` lists them). A VRF that is enabled but not bound, or whose namespace
cannot be listened in, is logged and left out.

The server holds the policy hooks its connections ask (``xrsim.frontends.ssh.connection``):
``admission`` (``Admission``: VRF, rate-limit, session-limit), ``check_password`` and
``check_public_key`` (``xrsim.frontends.ssh.auth``), ``penalties`` (``LoginPenalties``, the
router's failed-password back-off per source address; ``login_penalty(address)`` is the wait
the next password from ``address`` gets). Its sessions live in the router's session
table (``router.session_table``: ``show ssh``, ``clear ssh``, ``kill-session``);
``open_session`` / ``close_session`` keep the rows and their CLI sessions, and ``sessions()``
lists the rows this server opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType

import asyncssh

from xrsim.cli import CliSession
from xrsim.cli.commands.ssh import SshPolicy
from xrsim.errors import NetworkError, XrsimError
from xrsim.frontends.ssh import auth
from xrsim.frontends.ssh.admission import Admission, Listener, LoginPenalties, penalties_for
from xrsim.frontends.ssh.auth import DEFAULT_USERS
from xrsim.frontends.ssh.connection import Connection
from xrsim.net.netns import socket_in
from xrsim.router import Router
from xrsim.runtime import Runtime, shared
from xrsim.sessions import SshSessionInfo

__all__ = ["SshServer"]

_log = logging.getLogger("xrsim.ssh")

#: Seconds ``start`` and ``stop`` wait for the loop.
_LOOP_TIMEOUT = 30.0


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
        self.vrf = vrf
        self.netconf_port = netconf_port
        self.admission = Admission(router, vrf)
        self._runtime: Runtime | None = None
        self._acceptors: list[asyncssh.SSHAcceptor] = []
        #: (listener, VRF) -> (namespace, acceptor) of the listeners inside VRF namespaces.
        self._vrf_acceptors: dict[tuple[Listener, str], tuple[str, asyncssh.SSHAcceptor]] = {}
        self._host_key: asyncssh.SSHKey | None = None
        self._unwatch: Callable[[], None] | None = None
        self._sync_lock: asyncio.Lock | None = None
        self._syncs: set[asyncio.Future[None]] = set()
        self._sessions: dict[SshSessionInfo, CliSession | None] = {}
        self._lock = threading.Lock()
        self._started = False

    @property
    def runtime(self) -> Runtime:
        """The shared runtime serving this server (once started)."""
        if self._runtime is None:
            raise XrsimError("the SSH server is not started")
        return self._runtime

    # -- policy hooks -----------------------------------------------------------------------

    def check_password(self, username: str, password: str) -> bool:
        """Whether ``password`` is the password of ``username``: the ``username NAME secret``
        of the running configuration when there is one, else ``users`` while no configured
        user has a secret (``xrsim.frontends.ssh.auth.check_password``). Blocking (it
        hashes): the connection calls it in the runtime's worker pool, off the event loop."""
        return auth.check_password(self.router, self.users, username, password)

    def check_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Whether ``key`` is a public key ``username`` imported (``crypto key import
        authentication rsa``)."""
        return auth.check_public_key(self.router, username, key)

    def policy(self) -> SshPolicy:
        """The ``ssh server`` and ``line default`` configuration now in force."""
        return self.admission.policy()

    @property
    def penalties(self) -> LoginPenalties:
        """The failed-password penalties of the router's source addresses."""
        return penalties_for(self.router)

    def login_penalty(self, address: str) -> float:
        """Seconds the next password from ``address`` waits before it is checked (0: none)."""
        return self.penalties.penalty(address)

    @property
    def _connections(self) -> set[asyncssh.SSHServerConnection]:
        """The admitted connections still open."""
        return set(self.admission.open_connections())

    # -- sessions ---------------------------------------------------------------------------

    def open_session(
        self,
        *,
        user: str,
        host: str,
        authentication: str,
        kind: str,
        close: Callable[[], None] | None = None,
    ) -> tuple[SshSessionInfo, CliSession | None]:
        """A new session's row in the router's session table and, for a shell or an exec
        request, a CLI session on its vty line."""
        info = self.router.session_table.open_ssh(
            user=user,
            host=host,
            authentication=authentication,
            kind=kind,
            started=self.router.clock.now(),
            close=close,
        )
        cli = None
        if kind != "netconf":
            cli = self.router.session(user=user, line=info.pty, client="CLI")
        with self._lock:
            self._sessions[info] = cli
        return info, cli

    def close_session(self, info: SshSessionInfo) -> None:
        """A session ended: its row leaves the router's table."""
        with self._lock:
            self._sessions.pop(info, None)
        self.router.session_table.close_ssh(info)

    def kill(self, session_id: int) -> bool:
        """Close the router's NETCONF session ``session_id`` (what ``<kill-session>`` does);
        False when there is none."""
        return self.router.session_table.kill_netconf(session_id)

    def sessions(self) -> list[SshSessionInfo]:
        """The open sessions of this server, oldest first."""
        with self._lock:
            return sorted(self._sessions, key=lambda s: s.id)

    # -- life cycle -------------------------------------------------------------------------

    async def _listen(self, host_key: asyncssh.SSHKey, listener: Listener, port: int) -> int:
        acceptor = await asyncssh.create_server(
            lambda: Connection(self, listener),
            self.host,
            port,
            server_host_keys=[host_key],
            line_editor=False,
            encoding="utf-8",
            keepalive_interval=0,
        )
        self._acceptors.append(acceptor)
        return int(acceptor.sockets[0].getsockname()[1])

    async def _open(self, host_key: asyncssh.SSHKey) -> None:
        try:
            self.port = await self._listen(host_key, "ssh", self.port)
            if self.netconf_port is not None:
                self.netconf_port = await self._listen(host_key, "netconf", self.netconf_port)
        except BaseException:
            await self._close_acceptors()
            raise
        self._host_key = host_key
        loop = asyncio.get_running_loop()

        def changed() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nothing to update
                loop.call_soon_threadsafe(self._schedule_vrf_sync)

        self._unwatch = self.router.vrfs.watch(changed)
        await self._sync_vrf_listeners()

    # -- listeners inside VRF namespaces ----------------------------------------------------

    def _wanted_vrf_listeners(self) -> dict[tuple[Listener, str], str]:
        """(listener, VRF) -> namespace, for the VRFs enabled and bound to a namespace. The
        configuration is read afresh: the news may come while its commit is still being made
        (reading it waits for that commit to end)."""
        policy = SshPolicy.from_tree(self.router.datastore.running_copy())
        enabled: list[tuple[Listener, str]] = [("ssh", v) for v in sorted(policy.vrfs)]
        if self.netconf_port is not None:
            enabled += [("netconf", v) for v in sorted(policy.netconf_vrfs)]
        wanted: dict[tuple[Listener, str], str] = {}
        for listener, vrf in enabled:
            try:
                netns = self.router.vrfs.netns_of(vrf)
            except NetworkError as e:
                _log.info("SSH %s in VRF %s not served: %s", listener, vrf, e.reason)
                continue
            if netns is not None:
                wanted[(listener, vrf)] = netns
        return wanted

    def _schedule_vrf_sync(self) -> None:
        if self._host_key is not None:
            task = asyncio.ensure_future(self._sync_vrf_listeners())
            self._syncs.add(task)
            task.add_done_callback(self._syncs.discard)

    async def _sync_vrf_listeners(self) -> None:
        """Open and close the listeners inside VRF namespaces to match the configuration
        (one sync at a time)."""
        if self._sync_lock is None:
            self._sync_lock = asyncio.Lock()
        async with self._sync_lock:
            await self._sync_vrf_listeners_now()

    async def _sync_vrf_listeners_now(self) -> None:
        host_key = self._host_key
        if host_key is None:
            return
        wanted = self._wanted_vrf_listeners()
        for key, (netns, acceptor) in list(self._vrf_acceptors.items()):
            if wanted.get(key) != netns:
                del self._vrf_acceptors[key]
                acceptor.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(acceptor.wait_closed(), 2)
        for key, netns in wanted.items():
            if key in self._vrf_acceptors:
                continue
            listener, vrf = key
            port = self.port if listener == "ssh" else self.netconf_port
            assert port is not None
            try:
                acceptor = await self._listen_in(host_key, listener, vrf, netns, port)
            except (NetworkError, OSError) as e:
                reason = e.reason if isinstance(e, NetworkError) else e.strerror or str(e)
                _log.warning(
                    "SSH %s cannot listen in VRF %s (%s): %s", listener, vrf, netns, reason
                )
                continue
            if self._host_key is None:  # stopped meanwhile
                acceptor.close()
                continue
            self._vrf_acceptors[key] = (netns, acceptor)

    async def _listen_in(
        self, host_key: asyncssh.SSHKey, listener: Listener, vrf: str, netns: str, port: int
    ) -> asyncssh.SSHAcceptor:
        sock = socket_in(netns, socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("0.0.0.0", port))  # noqa: S104 (every address of the VRF)
            return await asyncssh.create_server(
                lambda: Connection(self, listener, vrf),
                sock=sock,
                server_host_keys=[host_key],
                line_editor=False,
                encoding="utf-8",
                keepalive_interval=0,
            )
        except BaseException:
            sock.close()
            raise

    def vrf_listeners(self) -> dict[tuple[str, str], tuple[str, int]]:
        """(listener, VRF) -> (namespace, port) of the listeners open inside VRF namespaces."""
        rt = self._runtime
        if rt is None:
            return {}

        async def read() -> dict[tuple[str, str], tuple[str, int]]:
            await asyncio.sleep(0)  # the syncs already asked for have started
            if self._syncs:
                await asyncio.wait(list(self._syncs))
            return {
                key: (netns, int(a.sockets[0].getsockname()[1]))
                for key, (netns, a) in self._vrf_acceptors.items()
            }

        return rt.run(read(), _LOOP_TIMEOUT)

    def start(self) -> SshServer:
        """Start serving on the shared loop; ``port`` (and ``netconf_port``) are then the
        ports bound. ``StateError`` when the router has no host key, ``OSError`` when a port
        cannot be bound."""
        if self._started:
            return self
        host_key = auth.host_key(self.router)
        self._runtime = shared()
        self._runtime.run(self._open(host_key), _LOOP_TIMEOUT)
        self._started = True
        return self

    @classmethod
    def start_many(cls, servers: Sequence[SshServer]) -> list[SshServer]:
        """Start ``servers`` (of many routers: a lab, the scale benchmark) in one trip to the
        shared loop instead of one each; on a failure the ones started here are stopped and
        the error raised. Returns ``servers`` as a list."""
        todo = [s for s in servers if not s._started]
        keys = [auth.host_key(s.router) for s in todo]
        rt = shared()
        opened: list[SshServer] = []

        async def open_all() -> None:
            for server, key in zip(todo, keys, strict=True):
                server._runtime = rt
                await server._open(key)
                server._started = True
                opened.append(server)

        try:
            rt.run(open_all(), _LOOP_TIMEOUT + len(todo) / 10)
        except BaseException:
            for server in opened:
                server.stop()
            raise
        return list(servers)

    async def _close_acceptors(self) -> None:
        self._host_key = None
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        acceptors, self._acceptors = self._acceptors, []
        acceptors += [a for _, a in self._vrf_acceptors.values()]
        self._vrf_acceptors = {}
        for a in acceptors:
            a.close()
        for a in acceptors:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(a.wait_closed(), 2)

    async def _shutdown(self) -> None:
        for a in [*self._acceptors, *(a for _, a in self._vrf_acceptors.values())]:
            a.close()  # no new connections while the open ones close
        conns = self.admission.open_connections()
        for conn in conns:
            conn.close()
        for conn in conns:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 2)
        await self._close_acceptors()

    def stop(self) -> None:
        """Close this server's listeners and connections (the shared loop goes on)."""
        SshServer.stop_many([self])

    @classmethod
    def stop_many(cls, servers: Sequence[SshServer]) -> None:
        """``stop`` of ``servers`` (a lab's) at once: every listener and connection closes
        concurrently on the shared loop, in one trip to it."""
        todo = [s for s in servers if s._started]
        if not todo:
            return
        for s in todo:
            s._started = False

        async def shutdown_all() -> None:
            results = await asyncio.gather(*(s._shutdown() for s in todo), return_exceptions=True)
            for r in results:
                if isinstance(r, BaseException):
                    _log.error("SSH server shutdown", exc_info=r)

        try:
            todo[0].runtime.run(shutdown_all(), _LOOP_TIMEOUT)
        except Exception:  # a stuck connection must not keep the servers alive
            _log.exception("SSH server shutdown")
        for s in todo:
            s._forget_sessions()

    def _forget_sessions(self) -> None:
        with self._lock:
            left, self._sessions = self._sessions, {}
        for info, cli in left.items():
            self.router.session_table.close_ssh(info)
            if cli is not None:
                cli.close()

    def __enter__(self) -> SshServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

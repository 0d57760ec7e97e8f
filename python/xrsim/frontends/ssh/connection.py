"""``Connection``: one SSH connection to a router, as asyncssh's ``SSHServer`` (layer 6).

It asks its ``SshServer`` at each step (the policy hooks live on the server, as in asyncssh):
admission when the connection is made, as the VRF of the listener it came in on (a refusal
disconnects it before authentication), then password or public-key authentication (a password
is checked in the runtime's worker pool, off the event loop: hashing it never stalls another
session; NETCONF over SSH comes through the same connection), then one
``SessionChannel`` (``xrsim.frontends.ssh.channel``) per session the client opens, on a channel
made by ``server_channel`` (bytes that are not UTF-8 kept as surrogate escapes). It
remembers the peer address and how the user authenticated (``show ssh``).

Before authentication (``xrsim.frontends.ssh.admission`` has the rules):

- The client's identification string is read as it arrives (``_Identification`` sits in
  front of asyncssh's ``data_received`` until the first line is complete); one that
  ``refuse_identification`` refuses closes the connection at once, before asyncssh sees it.
- The login grace time: an admitted connection that has not authenticated ``ssh timeout``
  seconds (the router's clock: a timer on the router's scheduler, so ``router.advance`` runs
  it too) after it was made is disconnected. asyncssh's own ``login_timeout`` (120 s, the
  largest ``ssh timeout``) stays behind it.
- Each password waits out its source address's penalty (``LoginPenalties.wait``), is checked,
  and on failure counts against the address and the connection; the ``MAX_AUTH_TRIES``-th
  failure disconnects the connection (``SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE``, in
  place of its failure message). Failures are logged (logger ``xrsim.ssh``) in IOS XR's
  form, ``%SECURITY-login-4-AUTHEN_FAILED : Failed authentication attempt by user 'NAME'
  from 'ADDRESS'``, with the user name escaped and never the password.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import asyncssh

from xrsim.errors import StateError
from xrsim.frontends.ssh.admission import (
    MAX_AUTH_TRIES,
    Listener,
    penalties_for,
    refuse_identification,
)
from xrsim.frontends.ssh.channel import SessionChannel, server_channel
from xrsim.scheduler import Timer

if TYPE_CHECKING:
    from xrsim.frontends.ssh.server import SshServer

__all__ = ["Connection"]

_log = logging.getLogger("xrsim.ssh")

#: The longest identification line RFC 4253 allows (255 bytes with its CR LF); asyncssh
#: closes a connection whose first line is longer.
_MAX_IDENTIFICATION = 255
#: Characters of a user name a log line shows at most.
_MAX_LOGGED_NAME = 64


def _printable(name: str) -> str:
    """``name`` as a log line shows it: escaped, so that it cannot forge lines, and cut."""
    shown = name.encode("unicode_escape").decode("ascii").replace("'", "\\'")
    if len(shown) > _MAX_LOGGED_NAME:
        shown = shown[:_MAX_LOGGED_NAME] + "..."
    return shown


class _Identification:
    """Reads the client's identification string as it arrives, in front of the asyncssh
    connection's ``data_received`` (an instance attribute shadowing the method, removed as
    soon as the first line is complete: from then on asyncssh reads alone)."""

    def __init__(self, owner: Connection, conn: asyncssh.SSHServerConnection) -> None:
        self.owner = owner
        self.conn = conn
        self.seen = b""
        self.inner = conn.data_received

    def install(self) -> None:
        self.conn.data_received = self  # type: ignore[method-assign]

    def __call__(self, data: bytes, datatype: int | None = None) -> None:
        end = data.find(b"\n")
        head = data if end < 0 else data[:end]
        self.seen += head[: _MAX_IDENTIFICATION + 1 - len(self.seen)]
        if end >= 0 or len(self.seen) > _MAX_IDENTIFICATION:
            del self.conn.data_received  # asyncssh's own method again
            reason = refuse_identification(self.seen)
            if reason is not None:
                self.owner.refuse_identification(reason)
                return
        self.inner(data, datatype)


class Connection(asyncssh.SSHServer):
    """One SSH connection: admission, authentication, then its session channels."""

    def __init__(self, server: SshServer, listener: Listener, vrf: str | None = None) -> None:
        self.server = server
        self.listener: Listener = listener
        #: The VRF the connection came in through (None: the server's).
        self.vrf = vrf
        self._conn: asyncssh.SSHServerConnection | None = None
        #: The client's address.
        self.peer = "unknown"
        #: How the user authenticated: "password", "rsa-pubkey" ("none" before).
        self.method = "none"
        #: Passwords that failed on this connection.
        self.failures = 0
        self._grace: Timer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._loop = asyncio.get_running_loop()
        peer = conn.get_extra_info("peername")
        if peer:
            self.peer = str(peer[0])
        refusal = self.server.admission.admit(conn, self.listener, self.vrf)
        if refusal is not None:
            _log.warning("SSH connection from %s refused: %s", self.peer, refusal)
            self._loop.call_soon(conn.disconnect, asyncssh.DISC_TOO_MANY_CONNECTIONS, refusal)
            return
        _Identification(self, conn).install()
        grace = self.server.policy().login_timeout
        try:
            self._grace = self.server.router.scheduler.call_later(
                grace, self._grace_expired, name=f"ssh login grace time ({self.peer})"
            )
        except StateError:  # the router shut down: its scheduler is closed
            self._close(asyncssh.DISC_BY_APPLICATION, "The router is shutting down")

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_grace()
        if self._conn is not None:
            self.server.admission.release(self._conn)

    # -- before authentication --------------------------------------------------------------

    def _cancel_grace(self) -> None:
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None

    def _close(self, code: int, reason: str) -> None:
        """Disconnect with ``code`` and ``reason``, on the loop (once)."""
        conn, loop = self._conn, self._loop
        if conn is None or loop is None or self._closing:
            return
        self._closing = True
        loop.call_soon(conn.disconnect, code, reason)

    def _grace_expired(self) -> None:
        """The login grace time passed (a scheduler callback, on any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._grace_expired_on_loop)

    def _grace_expired_on_loop(self) -> None:
        if self._grace is None:  # authenticated or closed meanwhile
            return
        self._grace = None
        _log.info(
            "%%SECURITY-SSHD-6-INFO_GENERAL : Login grace time expired for the connection "
            "from '%s'; connection closed",
            self.peer,
        )
        self._close(asyncssh.DISC_BY_APPLICATION, "Login grace time expired")

    def refuse_identification(self, reason: str) -> None:
        """The client's identification string is refused: close at once, sending nothing
        (it has not spoken SSH yet)."""
        self._cancel_grace()
        _log.error(
            "%%SECURITY-SSHD-3-ERR_GENERAL : Invalid SSH identification string from '%s' "
            "(%s); connection closed",
            self.peer,
            reason,
        )
        self._closing = True
        if self._conn is not None:
            self._conn.abort()

    def auth_completed(self) -> None:
        self._cancel_grace()

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        penalties = penalties_for(self.server.router)
        await penalties.wait(self.peer)
        if self._closing:
            return False
        # A hash costs milliseconds of CPU: in the worker pool, so the loop serves every
        # other session meanwhile (asyncssh awaits an async validator).
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(
            self.server.runtime.executor, self.server.check_password, username, password
        )
        if ok:
            self.method = "password"
            return True
        self.failures += 1
        penalties.record_failure(self.peer)
        _log.warning(
            "%%SECURITY-login-4-AUTHEN_FAILED : Failed authentication attempt by user '%s' "
            "from '%s'",
            _printable(username),
            self.peer,
        )
        if self.failures >= MAX_AUTH_TRIES:
            _log.info(
                "%%SECURITY-SSHD-6-INFO_GENERAL : %d failed authentication attempts from "
                "'%s'; connection closed",
                self.failures,
                self.peer,
            )
            # At once, instead of the failure message (as OpenSSH's MaxAuthTries): the client
            # is not asked for another password.
            self._closing = True
            if self._conn is not None:
                self._conn.disconnect(
                    asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                    "Too many authentication failures",
                )
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        ok = self.server.check_public_key(username, key)
        if ok:
            self.method = "rsa-pubkey"
        return ok

    def session_requested(
        self,
    ) -> tuple[asyncssh.SSHServerChannel[str], asyncssh.SSHServerSession[str]] | bool:
        if self._conn is None or not self.server.admission.admitted(self._conn):
            return False  # refused at admission; the disconnect is on its way
        return server_channel(self._conn), SessionChannel(self.server, self)

"""``Connection``: one SSH connection to a router, as asyncssh's ``SSHServer`` (layer 6).

It asks its ``SshServer`` at each step (the policy hooks live on the server, as in asyncssh):
admission when the connection is made, as the VRF of the listener it came in on (a refusal
disconnects it before authentication), then password or public-key authentication (a password
is checked in the runtime's worker pool, off the event loop: hashing it never stalls another
session; NETCONF over SSH comes through the same connection), then one
``SessionChannel`` (``xrsim.frontends.ssh.channel``) per session the client opens, on a channel
made by ``server_channel`` (bytes that are not UTF-8 kept as surrogate escapes). It
remembers the peer address and how the user authenticated (``show ssh``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import asyncssh

from xrsim.frontends.ssh.admission import Listener
from xrsim.frontends.ssh.channel import SessionChannel, server_channel

if TYPE_CHECKING:
    from xrsim.frontends.ssh.server import SshServer

__all__ = ["Connection"]

_log = logging.getLogger("xrsim.ssh")


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

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        if peer:
            self.peer = str(peer[0])
        refusal = self.server.admission.admit(conn, self.listener, self.vrf)
        if refusal is not None:
            _log.warning("SSH connection from %s refused: %s", self.peer, refusal)
            asyncio.get_running_loop().call_soon(
                conn.disconnect, asyncssh.DISC_TOO_MANY_CONNECTIONS, refusal
            )

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self.server.admission.release(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        # A hash costs milliseconds of CPU: in the worker pool, so the loop serves every
        # other session meanwhile (asyncssh awaits an async validator).
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(
            self.server.runtime.executor, self.server.check_password, username, password
        )
        if ok:
            self.method = "password"
        return ok

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

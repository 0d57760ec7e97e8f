"""``Admission``: which new SSH connections one server lets in (layer 6).

The running configuration rules it (``xrsim.cli.commands.ssh.SshPolicy``, read again only after
the running configuration changed, by the datastore's generation counter):

- VRF: the SSH port is served in a VRF (the server's, or that of the namespace listener the
  connection came in on) only when ``ssh server v2`` / ``ssh server
  vrf VRF`` say so (a new router's factory configuration has both); the NETCONF port only with
  ``ssh server netconf vrf VRF``.
- ``ssh server rate-limit``: connections admitted in the last 60 seconds of the router's
  monotonic clock (``SimClock.monotonic``: real time, plus what ``router.advance`` adds).
- ``ssh server session-limit``: connections open at once.

A refused connection is disconnected with ``SSH_DISCONNECT_TOO_MANY_CONNECTIONS`` before
authentication (``xrsim.frontends.ssh.connection``). An admitted one counts against the limits
until ``release``. One ``Admission`` per ``SshServer``: all of its listeners count together.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Literal

import asyncssh

from xrsim.cli.commands.ssh import SshPolicy
from xrsim.router import Router

__all__ = ["Admission", "Listener"]

#: Which listener a connection came in on: the SSH port or the NETCONF port (830).
Listener = Literal["ssh", "netconf"]

#: The window of ``ssh server rate-limit``, in seconds.
RATE_WINDOW = 60.0


class Admission:
    """The admission policy and the admitted connections of one server."""

    def __init__(self, router: Router, vrf: str) -> None:
        self.router = router
        self.vrf = vrf
        #: The connections admitted and still open.
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self._accepted: deque[float] = deque()
        self._policy: tuple[int, SshPolicy] | None = None
        self._lock = threading.Lock()

    def policy(self) -> SshPolicy:
        """The ``ssh server`` and ``line default`` configuration now in force."""
        ds = self.router.datastore
        generation = ds.generation
        cached = self._policy
        if cached is None or cached[0] != generation:
            cached = (generation, SshPolicy.from_tree(ds.running_copy()))
            self._policy = cached
        return cached[1]

    def admit(
        self, conn: asyncssh.SSHServerConnection, listener: Listener, vrf: str | None = None
    ) -> str | None:
        """Admit ``conn``, which came in through ``vrf`` (None: the server's), or say why
        not; an admitted connection counts against the limits."""
        policy = self.policy()
        vrf = self.vrf if vrf is None else vrf
        if listener == "ssh" and not policy.serves(vrf):
            return f"SSH server not enabled in VRF {vrf}"
        if listener == "netconf" and not policy.serves_netconf(vrf):
            return f"SSH NETCONF server not enabled in VRF {vrf}"
        now = self.router.clock.monotonic()
        with self._lock:
            while self._accepted and now - self._accepted[0] >= RATE_WINDOW:
                self._accepted.popleft()
            if len(self._accepted) >= policy.rate_limit:
                return f"rate limit of {policy.rate_limit} connections per minute exceeded"
            if len(self.connections) >= policy.session_limit:
                return f"session limit of {policy.session_limit} reached"
            self._accepted.append(now)
            self.connections.add(conn)
        return None

    def admitted(self, conn: asyncssh.SSHServerConnection) -> bool:
        with self._lock:
            return conn in self.connections

    def release(self, conn: asyncssh.SSHServerConnection) -> None:
        """``conn`` closed: it no longer counts against the session limit."""
        with self._lock:
            self.connections.discard(conn)

    def open_connections(self) -> list[asyncssh.SSHServerConnection]:
        with self._lock:
            return list(self.connections)

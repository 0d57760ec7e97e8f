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

Login abuse (what hardened SSH servers do; the connection applies it):

- ``refuse_identification(line)``: why the client's identification string (its first line,
  ``SSH-2.0-...``) is refused, or None. RFC 4253 section 4.2 forbids the NUL character in
  it; as OpenSSH's ``kex_exchange_identification`` does, a NUL or a CR that does not end the
  line is refused, and so is a byte outside US-ASCII (asyncssh cannot decode one).
- ``LoginPenalties``: the failed passwords of each source address, per router
  (``penalties_for(router)``: every server of one router shares them). Each failure counts
  one; the count decays by half every ``PENALTY_HALF_LIFE`` seconds of the router's monotonic
  clock (``router.advance`` ages it too). Once it exceeds ``FREE_FAILURES`` (one connection's
  worth of typing errors), every password from that address waits ``penalty(address)``
  seconds before it is checked: 1 s, doubling with each further failure, at most
  ``MAX_PENALTY``. The wait is a network back-off (``asyncio.sleep`` on the loop), taken one
  attempt at a time per address (parallel connections from it queue), and it comes before
  the check, so an attacker cannot tell a failure by its delay.
- ``MAX_AUTH_TRIES``: failed passwords one connection may make before it is disconnected.
"""

from __future__ import annotations

import asyncio
import math
import threading
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import asyncssh

from xrsim.cli.commands.ssh import SshPolicy
from xrsim.router import Router

__all__ = [
    "FREE_FAILURES",
    "MAX_AUTH_TRIES",
    "MAX_PENALTY",
    "PENALTY_HALF_LIFE",
    "Admission",
    "Listener",
    "LoginPenalties",
    "penalties_for",
    "refuse_identification",
]

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


# -- login abuse ------------------------------------------------------------------------------

#: Failed passwords a connection may make; the last one disconnects it. IOS XR 7.3.1 has no
#: knob for it; 3 is the ``ip ssh authentication-retries`` default of Cisco IOS and the
#: number of password prompts an OpenSSH client gives (``NumberOfPasswordPrompts``).
MAX_AUTH_TRIES = 3
#: Failures of one address that cost nothing (one connection's worth).
FREE_FAILURES = float(MAX_AUTH_TRIES)
#: The longest wait imposed on a password (below ``ssh timeout``'s default of 30 s, so that a
#: right password from a penalized address still gets in).
MAX_PENALTY = 16.0
#: Seconds of the router's monotonic clock in which an address's failure count halves.
PENALTY_HALF_LIFE = 60.0
#: Addresses remembered at most; beyond, the most forgiven are forgotten first.
MAX_ADDRESSES = 4096
#: A decayed count below this is forgotten.
_NEGLIGIBLE = 0.01


def refuse_identification(line: bytes) -> str | None:
    """Why the client identification string ``line`` (its bytes up to LF, the LF excluded) is
    refused, or None."""
    body = line.removesuffix(b"\r")
    if b"\0" in body:
        return "the identification string contains a NUL character"
    if b"\r" in body:
        return "the identification string contains a CR before its end"
    if any(b > 0x7E for b in body):
        return "the identification string is not US-ASCII"
    return None


@dataclass
class _Source:
    """The failures of one source address."""

    #: The failure count, decayed to ``at`` (router monotonic seconds).
    count: float
    at: float
    #: Taken by each attempt from the address while it waits (on the server loop).
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


class LoginPenalties:
    """The failed-password penalties of one router's source addresses (see the module
    documentation). Thread-safe; ``wait`` runs on the loop."""

    def __init__(self, router: Router) -> None:
        self._clock = router.clock
        self._sources: dict[str, _Source] = {}
        self._lock = threading.Lock()
        #: Attempts that waited, and the seconds they were made to wait (all addresses).
        self.waits = 0
        self.waited = 0.0

    def _count(self, source: _Source, now: float) -> float:
        return source.count * math.pow(0.5, (now - source.at) / PENALTY_HALF_LIFE)

    def failures(self, address: str) -> float:
        """The decayed failure count of ``address`` now."""
        now = self._clock.monotonic()
        with self._lock:
            source = self._sources.get(address)
            return 0.0 if source is None else self._count(source, now)

    def penalty(self, address: str) -> float:
        """Seconds the next password from ``address`` waits before it is checked."""
        return _penalty(self.failures(address))

    def record_failure(self, address: str) -> float:
        """A password from ``address`` failed; its new decayed failure count."""
        now = self._clock.monotonic()
        with self._lock:
            source = self._sources.get(address)
            if source is None:
                if len(self._sources) >= MAX_ADDRESSES:
                    self._forget(now)
                source = self._sources[address] = _Source(0.0, now)
            source.count = self._count(source, now) + 1.0
            source.at = now
            return source.count

    def _forget(self, now: float) -> None:
        """Make room: drop the forgiven addresses, else the least penalized half."""
        counts = {a: self._count(s, now) for a, s in self._sources.items()}
        drop = [a for a, c in counts.items() if c < _NEGLIGIBLE]
        if len(drop) < len(counts) // 2:
            drop = sorted(counts, key=counts.__getitem__)[: len(counts) // 2]
        for address in drop:
            del self._sources[address]

    async def wait(self, address: str) -> None:
        """Wait out the penalty of ``address`` (nothing when it has none), one attempt of the
        address at a time."""
        with self._lock:
            source = self._sources.get(address)
        if source is None or self.penalty(address) == 0.0:
            return
        async with source.turn:
            delay = self.penalty(address)
            if delay > 0.0:
                with self._lock:
                    self.waits += 1
                    self.waited += delay
                await asyncio.sleep(delay)


def _penalty(count: float) -> float:
    if count <= FREE_FAILURES:
        return 0.0
    return min(MAX_PENALTY, math.pow(2.0, count - FREE_FAILURES - 1.0))


_penalties: weakref.WeakKeyDictionary[Router, LoginPenalties] = weakref.WeakKeyDictionary()
_penalties_lock = threading.Lock()


def penalties_for(router: Router) -> LoginPenalties:
    """The login penalties of ``router`` (one per router, shared by its servers)."""
    with _penalties_lock:
        found = _penalties.get(router)
        if found is None:
            found = _penalties[router] = LoginPenalties(router)
        return found

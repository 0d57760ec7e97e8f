"""``SessionTable``: the front-door sessions of one router (layer 4: imports nothing of xrsim).

A router owns one table (``Router.session_table``); nothing about sessions lives in module
globals. The front doors (``xrsim.frontends.ssh``) write to it, the views of the router read and
act on it through ``DeviceState.session_table``:

- SSH sessions (``SshSessionInfo``, one per session channel: shell, exec request or NETCONF
  subsystem): ``open_ssh`` gives a session its router-wide id and, for a shell or an exec
  request, the lowest free vty line; ``show ssh`` lists ``ssh()``; ``clear ssh ID`` calls
  ``clear_ssh(ID)``, which closes the session through the closer its front door registered.
- NETCONF sessions (anything with the ``NetconfClientView`` attributes: a
  ``xrsim.netconf.NetconfSession`` or a plain ``NetconfClient`` row): ``add_netconf`` /
  ``remove_netconf``; ``show netconf-yang clients`` lists ``netconf()``; ``<kill-session>``
  calls ``kill_netconf(ID)``.
- ``netconf_locks``: which NETCONF session holds ``running`` or ``candidate`` locked
  (``<lock>`` / ``<unlock>``), shared by the router's NETCONF sessions.

Every method is safe from any thread; closers are called outside the table's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

__all__ = ["NetconfClientView", "NetconfLocks", "SessionTable", "SshSessionInfo"]


@dataclass(eq=False)
class SshSessionInfo:
    """One SSH session (a row of ``show ssh``; compared by identity)."""

    id: int
    user: str
    host: str
    authentication: str  # password, rsa-pubkey
    started: datetime
    pty: str  # vty0, vty1, ... (empty for a NETCONF session)
    kind: str  # "shell", "exec" or "netconf"
    #: Closes the session (``clear ssh``); called from any thread.
    close: Callable[[], None] | None = None


class NetconfClientView(Protocol):
    """What ``show netconf-yang clients`` shows of one NETCONF session."""

    @property
    def session_id(self) -> int: ...

    @property
    def version(self) -> str: ...  # "1.0" or "1.1"

    @property
    def connected(self) -> datetime: ...

    @property
    def last_op_time(self) -> datetime | None: ...

    @property
    def last_op(self) -> str | None: ...

    @property
    def locked(self) -> bool: ...


@dataclass
class NetconfLocks:
    """The NETCONF datastore locks of one router: target (``running``, ``candidate``) to the
    session id holding it. Read and change ``held`` only while holding ``guard``."""

    held: dict[str, int] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)


@dataclass(eq=False)
class _NetconfEntry:
    client: NetconfClientView
    close: Callable[[], None]


class SessionTable:
    """The SSH and NETCONF sessions of one router."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = 0
        self._ssh: list[SshSessionInfo] = []
        self._netconf: list[_NetconfEntry] = []
        self.netconf_locks = NetconfLocks()

    # -- SSH --------------------------------------------------------------------------------

    def open_ssh(
        self,
        *,
        user: str,
        host: str,
        authentication: str,
        kind: str,
        started: datetime,
        close: Callable[[], None] | None = None,
    ) -> SshSessionInfo:
        """A new SSH session: the next id of the router and, unless it is a NETCONF session,
        the lowest vty line no other session holds."""
        with self._lock:
            self._ids += 1
            pty = ""
            if kind != "netconf":
                used = {info.pty for info in self._ssh}
                pty = next(f"vty{n}" for n in range(len(used) + 1) if f"vty{n}" not in used)
            info = SshSessionInfo(self._ids, user, host, authentication, started, pty, kind, close)
            self._ssh.append(info)
        return info

    def close_ssh(self, info: SshSessionInfo) -> None:
        """Forget a session that ended (idempotent)."""
        with self._lock:
            if info in self._ssh:
                self._ssh.remove(info)

    def ssh(self) -> list[SshSessionInfo]:
        """The open SSH sessions, by id."""
        with self._lock:
            return sorted(self._ssh, key=lambda s: s.id)

    def clear_ssh(self, session_id: int) -> bool:
        """Close SSH session ``session_id`` (``clear ssh``); False when there is none."""
        with self._lock:
            target = next((s for s in self._ssh if s.id == session_id), None)
        if target is None or target.close is None:
            return False
        target.close()
        return True

    # -- NETCONF ----------------------------------------------------------------------------

    def add_netconf(self, client: NetconfClientView, close: Callable[[], None]) -> None:
        """List ``client`` (``show netconf-yang clients``); ``close`` ends it (kill-session)."""
        with self._lock:
            self._netconf.append(_NetconfEntry(client, close))

    def remove_netconf(self, client: NetconfClientView) -> None:
        """Forget a NETCONF session that ended (idempotent)."""
        with self._lock:
            self._netconf = [e for e in self._netconf if e.client is not client]

    def netconf(self) -> list[NetconfClientView]:
        """The open NETCONF sessions, by session id."""
        with self._lock:
            clients = [e.client for e in self._netconf]
        return sorted(clients, key=lambda c: c.session_id)

    def kill_netconf(self, session_id: int) -> bool:
        """Close NETCONF session ``session_id`` (``<kill-session>``); False when there is
        none."""
        with self._lock:
            target = next((e for e in self._netconf if e.client.session_id == session_id), None)
        if target is None:
            return False
        target.close()
        return True

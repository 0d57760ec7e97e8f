"""Glue between a router and its NETCONF sessions (layer 6).

- ``CliEditor``: the ``ConfigEditor`` of a NETCONF session. It drives a real ``CliSession``
  (``router.session(user=..., line="netconf", client="netconf")``) held in configuration mode,
  so NETCONF edits go through the CLI parser, its checks and its task authorization, into that
  CLI session's candidate, and CLI and NETCONF share one datastore. Lines come nested by
  submode (one space per level; ``no ...`` deletes); a refused line is reported with the text
  IOS XR printed (the session turns it into an ``<rpc-error>``).
- ``open_netconf(router, user=, session_id=, kill=)``: a new ``NetconfSession`` (what the SSH
  server's ``netconf`` subsystem calls), also listed by ``show netconf-yang clients``.
- ``agent_enabled(router)``: whether ``netconf-yang agent`` / ``ssh`` is configured.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence

from xrsim.aaa import Grants
from xrsim.cli.commands import netconf as show_netconf
from xrsim.cli.commands.netconf import NetconfClient
from xrsim.cli.session import NOT_AUTHORIZED, CliSession
from xrsim.config.datastore import Candidate
from xrsim.netconf import EditRefusal, NetconfSession
from xrsim.router import Router

__all__ = ["CliEditor", "agent_enabled", "open_netconf"]

#: The line and client NETCONF sessions show (``show configuration commit list``).
LINE = "netconf"
CLIENT = "netconf"


class CliEditor:
    """Types NETCONF's configuration lines into a CLI configuration session."""

    def __init__(self, router: Router, user: str) -> None:
        self._cli: CliSession = router.session(user=user, line=LINE, client=CLIENT)
        self._cli.enter_config()
        self._lock = threading.Lock()

    @property
    def candidate(self) -> Candidate:
        candidate = self._cli.candidate
        if candidate is None:  # closed: an empty candidate that commits nothing
            return Candidate(self._cli.device.datastore, self._cli.id)
        return candidate

    @property
    def cli_session(self) -> CliSession:
        return self._cli

    def grants(self) -> Grants:
        return self._cli.user_tasks()

    def apply(self, lines: Sequence[str]) -> EditRefusal | None:
        """Enter ``lines``; stop at the first one the CLI refuses (anything printed for a
        configuration line is a refusal). The session is back at the top of config mode
        after every call."""
        with self._lock:
            try:
                return self._apply(lines)
            finally:
                if self._cli.mode != "exec":
                    self._cli.to_config_root()

    def _apply(self, lines: Sequence[str]) -> EditRefusal | None:
        cli = self._cli
        if cli.closed or cli.mode == "exec":
            return EditRefusal("", "% The NETCONF session's configuration session is closed.")
        refused = cli.enter_lines(lines, nested=True)
        if refused is None:
            return None
        line, out = refused
        return EditRefusal(line, out, denied=NOT_AUTHORIZED in out)

    def close(self) -> None:
        with self._lock:
            self._cli.close()


# -- the router's NETCONF sessions (for show netconf-yang clients) ----------------------------

_sessions: weakref.WeakKeyDictionary[Router, list[NetconfSession]] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def _lister(router: Router) -> Callable[[], list[NetconfClient]]:
    ref = weakref.ref(router)

    def rows() -> list[NetconfClient]:
        r = ref()
        if r is None:
            return []
        with _guard:
            live = [s for s in _sessions.get(r, []) if not s.closed]
            _sessions[r] = live
        return [
            NetconfClient(
                s.session_id, s.version, s.started, s.last_op_time, s.last_op, bool(s.locks)
            )
            for s in live
        ]

    return rows


def open_netconf(
    router: Router, *, user: str, session_id: int, kill: Callable[[int], bool]
) -> NetconfSession:
    """A NETCONF session of ``user`` on ``router``; ``kill(id)`` closes another NETCONF
    session (``<kill-session>``), returning False when there is none."""
    session = NetconfSession(
        router, CliEditor(router, user), user=user, session_id=session_id, kill=kill
    )
    with _guard:
        first = router not in _sessions
        live = [s for s in _sessions.get(router, []) if not s.closed]
        live.append(session)
        _sessions[router] = live
    if first:
        show_netconf.attach(router, _lister(router))
    return session


def agent_enabled(router: Router) -> bool:
    """Whether the running configuration has ``netconf-yang agent`` with ``ssh``."""
    return router.datastore.running_copy().get(["netconf-yang agent", "ssh"]) is not None

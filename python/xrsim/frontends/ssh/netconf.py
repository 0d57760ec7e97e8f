"""The ``netconf`` SSH subsystem: glue between a router and its NETCONF sessions (layer 6).

- ``CliEditor``: the ``ConfigEditor`` of a NETCONF session. It drives a real ``CliSession``
  (``router.session(user=..., line="netconf", client="netconf")``) held in configuration mode,
  so NETCONF edits go through the CLI parser, its checks and its task authorization, into that
  CLI session's candidate, and CLI and NETCONF share one datastore. ``show(command)`` runs a
  show command there (the CLI text model's reads, the CLI diff action). Lines come nested by
  submode (one space per level; ``no ...`` deletes); a refused line is reported with the text
  IOS XR printed (the session turns it into an ``<rpc-error>``). ``schema`` is that CLI
  session's command registry, which the NETCONF edit engine checks each value's line against
  before the line is typed.
- ``open_netconf(router, user=, session_id=)``: a new ``NetconfSession``, listed in the
  router's session table (``show netconf-yang clients``, ``<kill-session>``) until it closes.
- ``agent_enabled(router)``: whether ``netconf-yang agent`` / ``ssh`` is configured (the SSH
  server offers the subsystem only then).
- ``run_netconf(channel)``: the channel kind (``xrsim.frontends.ssh.channel``) that runs a
  NETCONF session over an SSH channel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xrsim.aaa import Grants
from xrsim.cli.session import CliSession
from xrsim.config.datastore import Candidate
from xrsim.config.tree import Change, Schema
from xrsim.netconf import EditRefusal, NetconfSession
from xrsim.router import Router

if TYPE_CHECKING:
    from xrsim.frontends.ssh.channel import SessionChannel

__all__ = ["CliEditor", "agent_enabled", "open_netconf", "run_netconf"]

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
    def schema(self) -> Schema:
        """The CLI session's command registry: what parses the lines ``apply`` types."""
        return self._cli.registry

    @property
    def cli_session(self) -> CliSession:
        return self._cli

    def grants(self) -> Grants:
        return self._cli.user_tasks()

    def refused_changes(self, changes: Sequence[Change]) -> list[Change]:
        """The changes the CLI session's user may not make (``CliSession.refused_changes``)."""
        return self._cli.refused_changes(changes)

    def show(self, command: str) -> str:
        """What the CLI session prints for ``command`` (run in config mode, without the
        timestamp line), as the session's user sees it (the CLI's task checks apply)."""
        with self._lock:
            cli = self._cli
            if cli.closed or cli.mode == "exec":
                return ""
            stamp, cli.exec_timestamp = cli.exec_timestamp, False
            try:
                return cli.handle_line(command)
            finally:
                cli.exec_timestamp = stamp
                cli.to_config_root()

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
        return EditRefusal(line, out, denied=cli.denied)

    def close(self) -> None:
        with self._lock:
            self._cli.close()


def open_netconf(
    router: Router,
    *,
    user: str,
    session_id: int,
    kill: Callable[[int], bool] | None = None,
    close: Callable[[], None] | None = None,
) -> NetconfSession:
    """A NETCONF session of ``user`` on ``router``, listed in the router's session table
    (``show netconf-yang clients``) until it closes. ``kill(id)`` closes another NETCONF
    session (``<kill-session>``; by default the router's table does it) and returns False when
    there is none; ``close`` is how the table ends this session (by default its ``close``; the
    SSH channel gives its own, which also closes the channel)."""
    table = router.session_table
    session = NetconfSession(
        router,
        CliEditor(router, user),
        user=user,
        session_id=session_id,
        kill=kill or table.kill_netconf,
    )
    table.add_netconf(session, close or session.close)
    return session


def agent_enabled(router: Router) -> bool:
    """Whether the running configuration has ``netconf-yang agent`` with ``ssh``."""
    return router.datastore.running_copy().get(["netconf-yang agent", "ssh"]) is not None


async def run_netconf(channel: SessionChannel) -> None:
    """The ``netconf`` subsystem of an SSH channel: the server hello, then each client chunk
    through ``NetconfSession.feed`` in the worker pool, until the session or the channel
    ends."""
    assert channel.info is not None
    nc = open_netconf(
        channel.server.router,
        user=channel.user,
        session_id=channel.info.id,
        close=channel.close_from_thread,
    )
    channel.netconf = nc
    try:
        channel.write(nc.hello())
        while not nc.closed:
            data = await channel.read()
            if data is None:
                break
            for reply in await channel.call(nc.feed, data):
                channel.write(reply)
    finally:
        nc.close()
    channel.exit(0)

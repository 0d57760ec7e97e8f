"""``show ssh``: the router's SSH sessions.

The SSH server (``xrsim.frontends.ssh.SshServer``) attaches itself to its router with
``attach`` while it runs; ``show ssh`` lists the sessions of every server attached to the
router, as IOS XR prints them::

    SSH version : Cisco-2.0

    id   chan pty     location        state           userid    host            ver ...
    -------------------------------------------------------------------------------- ...
    Incoming sessions
    1    1    vty0    0/RP0/CPU0      SESSION_OPEN    admin     127.0.0.1       v2  ...

    Outgoing sessions
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Registry

__all__ = ["SessionLister", "SshSessionInfo", "attach", "detach", "register"]

#: ``show ssh`` needs the crypto read task, as on IOS XR.
READ_TASKS = (("read", "crypto"),)


@dataclass(eq=False)
class SshSessionInfo:
    """One SSH session (a row of ``show ssh``; compared by identity)."""

    id: int
    user: str
    host: str
    authentication: str  # password, rsa-pubkey
    started: datetime
    pty: str  # vty0, vty1, ... (empty for an exec request without a pty)
    kind: str  # "shell" or "exec"


#: A function returning the open sessions of one server.
SessionLister = Callable[[], list[SshSessionInfo]]

_attached: weakref.WeakKeyDictionary[object, list[SessionLister]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def attach(device: object, lister: SessionLister) -> None:
    """Make a server's sessions visible to ``show ssh`` on ``device``."""
    with _lock:
        _attached.setdefault(device, []).append(lister)


def detach(device: object, lister: SessionLister) -> None:
    with _lock:
        listers = _attached.get(device, [])
        if lister in listers:
            listers.remove(lister)


def sessions(device: object) -> list[SshSessionInfo]:
    """Every SSH session on ``device``, by id."""
    with _lock:
        listers = list(_attached.get(device, []))
    return sorted((s for lister in listers for s in lister()), key=lambda s: s.id)


_HEADER = (
    f"{'id':<5}{'chan':<5}{'pty':<8}{'location':<16}{'state':<16}{'userid':<10}"
    f"{'host':<22}{'ver':<4}{'authentication':<16}connection type"
)


def register(reg: Registry) -> None:
    reg.describe_words({"ssh": "Secure Shell"})

    @reg.command("exec", "show ssh", tasks=READ_TASKS)
    def show_ssh(ctx: Ctx) -> None:
        location = ctx.device.chassis.active_rp.name
        ctx.line("SSH version : Cisco-2.0")
        ctx.line("")
        ctx.line(_HEADER)
        ctx.line("-" * len(_HEADER))
        ctx.line("Incoming sessions")
        for s in sessions(ctx.device):
            kind = "Command-Line-Interface" if s.kind == "shell" else "Remote-Command"
            ctx.line(
                f"{s.id:<5}{1:<5}{s.pty or '':<8}{location:<16}{'SESSION_OPEN':<16}"
                f"{s.user:<10}{s.host:<22}{'v2':<4}{s.authentication:<16}{kind}"
            )
        ctx.line("")
        ctx.line("Outgoing sessions")
        ctx.line("")

"""NETCONF agent configuration (``netconf-yang agent`` / ``ssh``) and ``show netconf-yang
clients``.

Configuration (task ``config-services``)::

    netconf-yang agent          enters (config-ncy-agent)
     ssh                        serve NETCONF over the SSH subsystem "netconf"

The SSH server offers the ``netconf`` subsystem only while both lines are in the running
configuration (``xrsim.frontends.ssh.netconf.agent_enabled``).

``show netconf-yang clients`` lists the open NETCONF sessions of the router's session table
(``xrsim.sessions.SessionTable.netconf``) as IOS XR does. The CLI does not import the NETCONF
engine (``xrsim.netconf``; the two are views of one state): a row is anything with the
``NetconfClientView`` attributes (a ``NetconfSession``, or a ``NetconfClient``)::

    Netconf clients
    client session ID|     NC version|    client connect time|        last OP time|  ...
                    3|            1.1|         0d  0h  0m  2s|            11:11:24|  ...
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Item, Registry

__all__ = ["NetconfClient", "register"]

READ_TASKS = (("read", "config-services"),)
WRITE_TASKS = (("write", "config-services"),)


@dataclass(frozen=True)
class NetconfClient:
    """One row of ``show netconf-yang clients`` as plain values (a ``NetconfClientView``)."""

    session_id: int
    version: str  # "1.0" or "1.1"
    connected: datetime
    last_op_time: datetime | None
    last_op: str | None
    locked: bool


_HEADER = (
    f"{'client session ID':>17}|{'NC version':>15}|{'client connect time':>23}|"
    f"{'last OP time':>20}|{'last OP type':>20}|{'<lock>':>10}|"
)


def _duration(seconds: float) -> str:
    s = max(0, int(seconds))
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{d}d {h:>2}h {m:>2}m {s:>2}s"


def _show_clients(ctx: Ctx) -> None:
    now = ctx.device.clock.now()
    ctx.line("Netconf clients")
    ctx.line(_HEADER)
    for c in ctx.device.session_table.netconf():
        op_time = c.last_op_time.strftime("%H:%M:%S") if c.last_op_time else "N/A"
        ctx.line(
            f"{c.session_id:>17}|{c.version:>15}|"
            f"{_duration((now - c.connected).total_seconds()):>23}|{op_time:>20}|"
            f"{c.last_op or 'N/A':>20}|{'Yes' if c.locked else 'No':>10}|"
        )


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "netconf-yang": "Configure netconf-yang agent",
            "agent": "NETCONF agent configuration commands",
            "clients": "NETCONF clients",
        }
    )
    reg.add_mode("config-ncy-agent", "config", "config-ncy-agent")
    reg.command(
        "config", "netconf-yang agent", tasks=WRITE_TASKS, item=Item(submode="config-ncy-agent")
    )
    reg.describe_words({"ssh": "Enable NETCONF agent over SSH"})
    reg.command("config-ncy-agent", "ssh", tasks=WRITE_TASKS, item=Item())
    reg.command("exec", "show netconf-yang clients", _show_clients, tasks=READ_TASKS)

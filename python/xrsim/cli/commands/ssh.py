"""SSH server configuration (``ssh server ...``), ``show ssh`` and ``clear ssh``.

Configuration (task ``crypto``, as on IOS XR)::

    ssh server v2                      SSH version 2 only; enables the server in the default VRF
    ssh server vrf NAME                serve SSH in VRF NAME (one line per VRF)
    ssh server netconf vrf NAME        serve the NETCONF port (830) in VRF NAME
    ssh server rate-limit 1-600        incoming connections accepted per minute (default 60)
    ssh server session-limit 1-1024    concurrent incoming sessions (default 64)
    ssh timeout 5-120                  login grace time: seconds a connection has to
                                       authenticate before it is closed (default 30)

``SshPolicy.from_tree`` reads these (and ``line default`` ``exec-timeout`` /
``session-timeout``) from a running configuration; the SSH server
(``xrsim.frontends.ssh.SshServer``) enforces them. The servers of a router record their
sessions in the router's session table (``xrsim.sessions.SessionTable``); ``show ssh`` lists
them and ``clear ssh ID`` closes one, as IOS XR prints and does::

    SSH version : Cisco-2.0

    id   chan pty     location        state           userid    host            ver ...
    -------------------------------------------------------------------------------- ...
    Incoming sessions
    1    1    vty0    0/RP0/CPU0      SESSION_OPEN    admin     127.0.0.1       v2  ...

    Outgoing sessions
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xrsim.cli.commands.configuration import EXEC_TIMEOUT, SESSION_TIMEOUT
from xrsim.cli.context import Ctx
from xrsim.cli.registry import Item, Registry
from xrsim.config.tree import ConfigTree
from xrsim.sessions import SshSessionInfo

__all__ = [
    "DEFAULT_EXEC_TIMEOUT",
    "DEFAULT_LOGIN_TIMEOUT",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_SESSION_LIMIT",
    "NETCONF_VRF",
    "RATE_LIMIT",
    "SESSION_LIMIT",
    "TIMEOUT",
    "V2",
    "VRF",
    "SshPolicy",
    "SshSessionInfo",
    "register",
]

#: ``show ssh`` needs the crypto read task, as on IOS XR; configuring the server crypto write;
#: ``clear ssh`` crypto execute.
READ_TASKS = (("read", "crypto"),)
WRITE_TASKS = (("write", "crypto"),)
EXECUTE_TASKS = (("execute", "crypto"),)

#: IOS XR defaults: 60 connections a minute, 64 concurrent sessions, exec-timeout 10 minutes,
#: 30 seconds to authenticate (``ssh timeout``).
DEFAULT_RATE_LIMIT = 60
DEFAULT_SESSION_LIMIT = 64
DEFAULT_EXEC_TIMEOUT = 600.0
DEFAULT_LOGIN_TIMEOUT = 30.0

#: The configuration lines (``SshPolicy.from_tree`` reads their ``args``).
V2 = "ssh server v2"
VRF = "ssh server vrf <name:NAME>"
NETCONF_VRF = "ssh server netconf vrf <name:NAME>"
RATE_LIMIT = "ssh server rate-limit <rate:1-600>"
SESSION_LIMIT = "ssh server session-limit <sessions:1-1024>"
TIMEOUT = "ssh timeout <seconds:5-120>"

#: What a new router's configuration holds so that it can be reached over SSH at once.
FACTORY_LINES = ("ssh server v2", "ssh server vrf default")


@dataclass(frozen=True)
class SshPolicy:
    """The SSH server's configuration, read from a running configuration."""

    v2: bool = False
    vrfs: frozenset[str] = field(default_factory=frozenset)
    netconf_vrfs: frozenset[str] = field(default_factory=frozenset)
    rate_limit: int = DEFAULT_RATE_LIMIT
    session_limit: int = DEFAULT_SESSION_LIMIT
    #: Seconds of idleness at the prompt before a vty session is closed (None: never).
    exec_timeout: float | None = DEFAULT_EXEC_TIMEOUT
    #: Seconds without any input before a vty session is closed (None: never).
    session_timeout: float | None = None
    #: Seconds a new connection has to authenticate before it is closed (``ssh timeout``).
    login_timeout: float = DEFAULT_LOGIN_TIMEOUT

    def serves(self, vrf: str) -> bool:
        """Whether SSH is enabled in ``vrf`` (``ssh server vrf``; ``ssh server v2`` alone
        enables the default VRF)."""
        if vrf in self.vrfs:
            return True
        return vrf == "default" and self.v2 and not self.vrfs

    def serves_netconf(self, vrf: str) -> bool:
        """Whether the NETCONF port is enabled in ``vrf`` (``ssh server netconf vrf``)."""
        return vrf in self.netconf_vrfs

    @classmethod
    def from_tree(cls, tree: ConfigTree) -> SshPolicy:
        vrfs: set[str] = set()
        netconf_vrfs: set[str] = set()
        v2 = False
        rate, limit = DEFAULT_RATE_LIMIT, DEFAULT_SESSION_LIMIT
        login_timeout = DEFAULT_LOGIN_TIMEOUT
        for node in tree.root.children.values():
            if node.syntax == V2:
                v2 = True
            elif node.syntax == VRF:
                vrfs.add(str(node.args["name"]))
            elif node.syntax == NETCONF_VRF:
                netconf_vrfs.add(str(node.args["name"]))
            elif node.syntax == RATE_LIMIT:
                rate = int(node.args["rate"])
            elif node.syntax == SESSION_LIMIT:
                limit = int(node.args["sessions"])
            elif node.syntax == TIMEOUT:
                login_timeout = float(int(node.args["seconds"]))
        exec_timeout: float | None = DEFAULT_EXEC_TIMEOUT
        session_timeout: float | None = None
        line = tree.get(["line default"])
        if line is not None:
            for child in line.children.values():
                if child.syntax == EXEC_TIMEOUT:
                    seconds = int(child.args["minutes"]) * 60 + int(child.args.get("seconds", 0))
                    exec_timeout = float(seconds) if seconds else None
                elif child.syntax == SESSION_TIMEOUT:
                    minutes = int(child.args["minutes"])
                    session_timeout = float(minutes * 60) if minutes else None
        return cls(
            v2=v2,
            vrfs=frozenset(vrfs),
            netconf_vrfs=frozenset(netconf_vrfs),
            rate_limit=rate,
            session_limit=limit,
            exec_timeout=exec_timeout,
            session_timeout=session_timeout,
            login_timeout=login_timeout,
        )


_HEADER = (
    f"{'id':<5}{'chan':<5}{'pty':<8}{'location':<16}{'state':<16}{'userid':<10}"
    f"{'host':<22}{'ver':<4}{'authentication':<16}connection type"
)


_KINDS = {
    "shell": "Command-Line-Interface",
    "exec": "Remote-Command",
    "netconf": "Netconf-Subsystem",
}


def _clear_ssh(ctx: Ctx) -> None:
    wanted = int(ctx.args["id"])
    if not ctx.device.session_table.clear_ssh(wanted):
        ctx.line(f"% Session {wanted} not found")


def _show_ssh(ctx: Ctx) -> None:
    location = ctx.device.chassis.active_rp.name
    ctx.line("SSH version : Cisco-2.0")
    ctx.line("")
    ctx.line(_HEADER)
    ctx.line("-" * len(_HEADER))
    ctx.line("Incoming sessions")
    for s in ctx.device.session_table.ssh():
        kind = _KINDS.get(s.kind, s.kind)
        ctx.line(
            f"{s.id:<5}{1:<5}{s.pty or '':<8}{location:<16}{'SESSION_OPEN':<16}"
            f"{s.user:<10}{s.host:<22}{'v2':<4}{s.authentication:<16}{kind}"
        )
    ctx.line("")
    ctx.line("Outgoing sessions")
    ctx.line("")


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "ssh": "Secure Shell",
            "server": "Provide SSH server service",
            "v2": "Set ssh server version to 2",
            "vrf": "Cisco sshd VRF name",
            "netconf": "Provide Netconf subsystem over SSH",
            "rate-limit": "Cisco sshd rate-limit of service requests",
            "session-limit": "Cisco sshd session-limit of service requests",
            "timeout": "Set timeout value for SSH",
        }
    )

    w = WRITE_TASKS
    reg.command("config", V2, tasks=w, item=Item())
    reg.command("config", VRF, tasks=w, item=Item())
    reg.command("config", NETCONF_VRF, tasks=w, item=Item())
    reg.command("config", RATE_LIMIT, tasks=w, item=Item(key_words=3))
    reg.command("config", SESSION_LIMIT, tasks=w, item=Item(key_words=3))
    reg.command("config", TIMEOUT, tasks=w, item=Item(key_words=2))
    reg.command("exec", "clear ssh <id:0-1024>", _clear_ssh, tasks=EXECUTE_TASKS)
    reg.command("exec", "show ssh", _show_ssh, tasks=READ_TASKS)

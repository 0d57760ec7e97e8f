"""Logging: ``logging console { disable | LEVEL }`` and its ``no`` form (what Unicon's
``iosxr`` plugins send at connect: ``no logging console``, ``logging console disable``);
``console_level(tree)`` reads it (None: console logging disabled). The syslog lines the
notifier (``xrsim.notify``, ``router.notify``) reads at each commit::

    logging HOST [vrf VRF] [severity LEVEL] [port P | default]  remote syslog over UDP (514)
    logging buffered 307200-125000000                           buffer size in bytes
    logging buffered LEVEL                                      buffer threshold (debugging)
    logging trap { LEVEL | disable }                            remote threshold (informational)
    logging facility FACILITY                                   the <PRI> facility (local7)

``logging HOST`` is stored as IOS XR shows it, ``vrf default`` spelled out
(``logging 10.1.22.2 vrf default severity info``), ``port default`` kept when given (514; what
Ansible's ``iosxr_logging_global`` sends and reads back); ``LEVEL`` there is IOS XR's short
form (``info``, ``warning``, ``error``...). ``show logging`` prints the counters and the buffer in
IOS XR's layout (the header lines and their order as Genie's iosxr ``ShowLogging`` golden
output has them; the ``Logging to ADDR vrf VRF , N message lines logged`` line per host is
xrsim's reading of IOS XR, no capture of it was found), ``clear logging`` empties the buffer
after ``Clear logging buffer [confirm] [y/n] :``. The console count is of the messages at or
above the console level (xrsim writes no syslog on the console line); no terminal monitors
exist, so the monitor count stays 0.

Line templates: ``absolute-timeout MINUTES`` in ``line console|default|template`` (Unicon
sends ``absolute-timeout 0`` beside ``exec-timeout 0 0`` and ``session-timeout 0``); it is
stored and shown; the SSH frontend does not enforce it yet.
"""

from __future__ import annotations

from xrsim.cli.context import Ctx, Interaction, Prompt
from xrsim.cli.registry import Item, Registry
from xrsim.config.tree import ConfigTree
from xrsim.notify import LEVELS, Severity
from xrsim.notify.notifier import (
    BUFFERED_LEVEL,
    BUFFERED_SIZE,
    FACILITY,
    HOST,
    HOST_SEVERITIES,
    TRAP,
)

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "CONSOLE",
    "DEFAULT_CONSOLE_LEVEL",
    "LEVELS",
    "console_level",
    "register",
]

#: IOS XR logs to the console at ``informational`` unless configured otherwise.
DEFAULT_CONSOLE_LEVEL = "informational"

CONSOLE = (
    "logging console <level:{ disable | emergencies | alerts | critical | errors | warnings |"
    " notifications | informational | debugging }>"
)
ABSOLUTE_TIMEOUT = "absolute-timeout <minutes:0-10000>"

#: Configuring logging; line templates take the tty-access task.
LOGGING_WRITE = (("write", "logging"),)
LOGGING_READ = (("read", "logging"),)
LOGGING_EXECUTE = (("execute", "logging"),)
TTY_WRITE = (("write", "tty-access"),)


def console_level(tree: ConfigTree) -> str | None:
    """The console's severity threshold in ``tree``; None when console logging is off."""
    node = tree.get(["logging console"])
    if node is None:
        return DEFAULT_CONSOLE_LEVEL
    level = str(node.args["level"])
    return None if level == "disable" else level


def _host_words(ctx: Ctx) -> list[str]:
    """``logging HOST ...`` as IOS XR stores it: ``vrf default`` spelled out, then the
    severity and port given (for the line and its ``no`` form alike)."""
    args = ctx.args
    words = ["logging", str(args["host"]), "vrf", str(args.get("vrf", "default"))]
    if "severity" in args:
        words += ["severity", str(args["severity"])]
    if "port" in args:
        words += ["port", str(args["port"])]
    return words


def _show_logging(ctx: Ctx) -> None:
    notify = ctx.device.notify
    cfg = notify.logging_config
    c = notify.counters()
    ctx.line(
        f"Syslog logging: enabled ({c.dropped} messages dropped, 0 flushes, {c.overruns} overruns)"
    )
    console = console_level(ctx.device.datastore.running)
    if console is None:
        ctx.line("    Console logging: Disabled")
    else:
        ctx.line(
            f"    Console logging: level {console}, "
            f"{c.at_or_above[Severity[console.upper()]]} messages logged"
        )
    ctx.line(f"    Monitor logging: level {DEFAULT_MONITOR_LEVEL}, 0 messages logged")
    if cfg.trap_level is None:
        ctx.line("    Trap logging: Disabled")
    else:
        ctx.line(
            f"    Trap logging: level {cfg.trap_level.xr_name}, {c.trap_logged} messages logged"
        )
    for host, (logged, _dropped) in c.hosts.items():
        ctx.line(f"    Logging to {host.host} vrf {host.vrf} , {logged} message lines logged")
    ctx.line(
        f"    Buffer logging: level {cfg.buffer_level.xr_name}, {c.buffer_logged} messages logged"
    )
    ctx.line("")
    ctx.line(f"Log Buffer ({cfg.buffer_size} bytes):")
    ctx.line("")
    for entry in notify.buffer.entries():
        ctx.line(entry.line())


def _clear_logging(ctx: Ctx) -> Interaction:
    answer = (yield Prompt("Clear logging buffer [confirm] [y/n] :")).strip().lower()
    if answer and not ("yes".startswith(answer) or answer == "confirm"):
        return
    ctx.device.notify.clear()


#: No terminal monitors exist in xrsim (``terminal monitor``): the monitor threshold shown.
DEFAULT_MONITOR_LEVEL = "debugging"


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "logging": "Modify message logging facilities",
            "disable": "Disable logging",
            "absolute-timeout": "Set absolute timeout for line disconnection",
            "buffered": "Set buffered logging parameters",
            "trap": "Set trap server logging level",
            "facility": "Modify message logging facilities",
            "severity": "Set severity of  messages for particular remote host/vrf",
            "port": "Set UDP port for this remote host/vrf",
            **{level: f"Console logging at {level} severity and above" for level in LEVELS},
            **{w: f"{s.xr_name.capitalize()} level messages" for w, s in HOST_SEVERITIES.items()},
        }
    )
    reg.command("config", CONSOLE, tasks=LOGGING_WRITE, item=Item(key_words=2))
    reg.command(
        "config",
        HOST,
        tasks=LOGGING_WRITE,
        item=Item(key_words=4, canonical=_host_words, no_syntax="no " + HOST),
    )
    reg.command(
        "config", BUFFERED_SIZE, tasks=LOGGING_WRITE, item=Item(key="logging buffered size")
    )
    reg.command(
        "config", BUFFERED_LEVEL, tasks=LOGGING_WRITE, item=Item(key="logging buffered level")
    )
    reg.command("config", TRAP, tasks=LOGGING_WRITE, item=Item(key_words=2))
    reg.command("config", FACILITY, tasks=LOGGING_WRITE, item=Item(key_words=2))
    reg.command("exec", "show logging", _show_logging, tasks=LOGGING_READ)
    reg.command("exec", "clear logging", _clear_logging, tasks=LOGGING_EXECUTE)
    reg.command("config-line", ABSOLUTE_TIMEOUT, tasks=TTY_WRITE, item=Item(key_words=1))

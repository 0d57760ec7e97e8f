"""Session commands of exec mode: ``terminal length|width``, ``terminal exec prompt
[no-]timestamp``, ``configure [terminal|exclusive]``,
``exit``, ``show clock``."""

from __future__ import annotations

from xrsim.cli import messages
from xrsim.cli.context import Ctx
from xrsim.cli.registry import Registry

__all__ = ["CONFIGURE", "register"]

#: Entering configuration mode (the configuration items then need their own write grants).
CONFIGURE = (("write", "config-services"),)


def _terminal_length(ctx: Ctx) -> None:
    ctx.session.term_length = int(ctx.args["lines"])


def _terminal_exec_prompt(ctx: Ctx) -> None:
    ctx.session.exec_timestamp = ctx.has("timestamp")


def _terminal_width(ctx: Ctx) -> None:
    ctx.session.term_width = int(ctx.args["columns"])


def _configure(ctx: Ctx) -> None:
    ctx.session.enter_config()


def _configure_exclusive(ctx: Ctx) -> None:
    if not ctx.session.enter_config(exclusive=True):
        ctx.line(messages.EXCLUSIVE_REFUSED)


def _exit(ctx: Ctx) -> None:
    ctx.session.close()


def _show_clock(ctx: Ctx) -> None:
    now = ctx.device.clock.now()
    ctx.line(f"{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {now:%a %b %d %Y}")


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "terminal": "Set terminal line parameters",
            "length": "Set number of lines on a screen",
            "width": "Set width of the display terminal",
            "exec": "Configure exec parameters",
            "prompt": "EXEC prompt settings",
            "timestamp": "Print a timestamp before the output of each exec command",
            "no-timestamp": "Do not print a timestamp before exec command output",
            "configure": "Enter the configuration mode",
            "exclusive": "Configure exclusively from this terminal",
            "exit": "Exit from the EXEC",
            "show": "Show running system information",
            "clock": "Display the system clock",
        }
    )

    reg.command("exec", "terminal length <lines:0-512>", _terminal_length, timestamp=False)
    reg.command(
        "exec",
        "terminal exec prompt { timestamp | no-timestamp }",
        _terminal_exec_prompt,
        timestamp=False,
    )
    reg.command("exec", "terminal width <columns:0-512>", _terminal_width, timestamp=False)
    reg.command("exec", "configure [ terminal ]", _configure, timestamp=False, tasks=CONFIGURE)
    reg.command(
        "exec", "configure exclusive", _configure_exclusive, timestamp=False, tasks=CONFIGURE
    )
    reg.command("exec", "exit", _exit, timestamp=False)
    reg.command("exec", "show clock", _show_clock)

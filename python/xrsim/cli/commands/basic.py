"""Session commands of exec mode: ``terminal length|width``, ``terminal exec prompt
[no-]timestamp``, ``configure [terminal|exclusive]``,
``exit``, ``show clock``."""

from __future__ import annotations

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Registry

__all__ = ["CONFIGURE", "register"]

#: Entering configuration mode (the configuration items then need their own write grants).
CONFIGURE = (("write", "config-services"),)


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

    @reg.command("exec", "terminal length <lines:0-512>", timestamp=False)
    def terminal_length(ctx: Ctx) -> None:
        ctx.session.term_length = int(ctx.args["lines"])

    @reg.command("exec", "terminal exec prompt { timestamp | no-timestamp }", timestamp=False)
    def terminal_exec_prompt(ctx: Ctx) -> None:
        ctx.session.exec_timestamp = ctx.has("timestamp")

    @reg.command("exec", "terminal width <columns:0-512>", timestamp=False)
    def terminal_width(ctx: Ctx) -> None:
        ctx.session.term_width = int(ctx.args["columns"])

    @reg.command("exec", "configure [ terminal ]", timestamp=False, tasks=CONFIGURE)
    def configure(ctx: Ctx) -> None:
        ctx.session.enter_config()

    @reg.command("exec", "configure exclusive", timestamp=False, tasks=CONFIGURE)
    def configure_exclusive(ctx: Ctx) -> None:
        if not ctx.session.enter_config(exclusive=True):
            ctx.line(
                "% Failed to enter the exclusive configuration mode: "
                "the configuration is locked by another session."
            )

    @reg.command("exec", "exit", timestamp=False)
    def exit_exec(ctx: Ctx) -> None:
        ctx.session.close()

    @reg.command("exec", "show clock")
    def show_clock(ctx: Ctx) -> None:
        now = ctx.device.clock.now()
        ctx.line(f"{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {now:%a %b %d %Y}")

"""Session commands of exec mode: ``terminal length|width``, ``terminal exec prompt
[no-]timestamp``, ``configure [terminal|exclusive]``,
``exit``, ``show clock``, ``clock set HH:MM:SS {DAY MONTH | MONTH DAY} YEAR``.

``clock set`` sets the router clock as IOS XR does (UTC here) and prints the new time as
``show clock`` does. The router's scheduler runs, in time order, the wall-clock work that
falls due up to the new time (certificate expiry alerts, the trustpool update); relative timers
(``commit confirmed``, exec-timeout) are not moved, as on IOS XR. Setting the clock back runs
nothing again. A date that does not exist (``31 feb``) is refused at the day with IOS XR's
invalid-input marker."""

from __future__ import annotations

from datetime import UTC, datetime

from xrsim.cli import messages
from xrsim.cli.context import Ctx
from xrsim.cli.registry import Registry

__all__ = ["CLOCK_SET", "CONFIGURE", "register"]

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


def _clock_line(now: datetime) -> str:
    return f"{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {now:%a %b %d %Y}"


def _show_clock(ctx: Ctx) -> None:
    ctx.line(_clock_line(ctx.device.clock.now()))


#: ``clock set``: the day before the month or after it, as IOS XR takes both.
CLOCK_SET = (
    "clock set <time:HHMMSS> <day:1-31> <month:MONTH> <year:1993-2035>",
    "clock set <time:HHMMSS> <month:MONTH> <day:1-31> <year:1993-2035>",
)
#: Setting the system clock (IOS XR: task ``root-lr``, read and write).
CLOCK_TASKS = (("write", "root-lr"),)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _clock_set(ctx: Ctx) -> None:
    hh, mm, ss = (int(x) for x in str(ctx.args["time"]).split(":"))
    month = _MONTHS.index(str(ctx.args["month"])[:3].lower()) + 1
    try:
        when = datetime(int(ctx.args["year"]), month, int(ctx.args["day"]), hh, mm, ss, tzinfo=UTC)
    except ValueError:  # 31 feb, 29 feb of a common year: refused at the day
        day_first = ctx.match.command.syntax == CLOCK_SET[0]
        ctx.invalid_at(ctx.match.columns[3 if day_first else 4])
        return
    ctx.device.clock.set(when)
    ctx.line(_clock_line(ctx.device.clock.now()))


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
            "set": "Set the time and date",
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
    for syntax in CLOCK_SET:
        reg.command("exec", syntax, _clock_set, timestamp=False, tasks=CLOCK_TASKS)

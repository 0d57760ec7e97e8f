"""The data dossier commands (Crosswork Trust Insights):

    show platform security integrity dossier include SELECTORS... [nonce N]
        [filesystem-inventory-options JSON]
    show platform security integrity dossier incremental-ima JSON

Both need ``execute dossier``. The document is ``xrsim.integrity.dossier``'s; this module
parses nothing itself (the words after ``include``/``incremental-ima`` go to
``dossier.parse_include``/``parse_incremental_ima``, whose ``DossierInputError`` is printed as
IOS XR's ``^`` error), decides which sections the user may read (``SECTION_TASKS``: the task IDs
of the data, the text sections those of the ``show`` command they are) and runs the router's
own ``show version``, ``show platform``, ``show license udi`` and ``show inventory`` for the text
sections, as the requesting user (``_show``). The output pipes (``| file harddisk:NAME.json``,
``| utility sign nonce N include-certificate``) work on the JSON as on any command's output.
"""

from __future__ import annotations

from xrsim.aaa import authorize
from xrsim.cli import messages
from xrsim.cli.context import Ctx
from xrsim.cli.parser import ParseError, parse
from xrsim.cli.registry import Registry
from xrsim.errors import DossierInputError
from xrsim.integrity import dossier

__all__ = ["SECTION_TASKS", "register"]

_READ_SYS = (("read", "sysmgr"), ("read", "system"))
#: The task IDs that let a user read each section's data (any one of them). The text sections
#: (license-udi, version, platform, system-inventory) are their ``show`` command's.
SECTION_TASKS: dict[str, tuple[tuple[str, str], ...]] = {
    "packages": (("read", "pkg-mgmt"),),
    "rollback-history": (("read", "pkg-mgmt"),),
    "reboot-history": _READ_SYS,
    "system-integrity-snapshot": _READ_SYS,
    "filesystem-inventory": _READ_SYS,
    "incremental-ima": _READ_SYS,
}
_DOSSIER_TASKS = (("execute", "dossier"),)


def _show(ctx: Ctx, command: str) -> str | None:
    """The output of the router's ``command`` (a ``show`` command) as the session's user
    would see it without the timestamp line, None when the user may not run it."""
    session = ctx.session
    try:
        match = parse(session.registry.trees["exec"], command)
    except ParseError:  # pragma: no cover - the commands are the registry's own
        return None
    if not session.authorized(match.command):
        return None
    sub = Ctx(session, match)
    result = match.command.handler(sub)
    if result is not None:  # pragma: no cover - show commands ask nothing
        result.close()
        return None
    return "".join(sub.out)


def _sources(ctx: Ctx) -> dossier.Sources:
    device = ctx.device
    grants = ctx.session.user_tasks()
    allowed = frozenset(name for name, tasks in SECTION_TASKS.items() if authorize(grants, tasks))
    return dossier.Sources(
        chassis=device.chassis,
        now=device.clock.now,
        show=lambda command: _show(ctx, command),
        allowed=allowed,
        packages=device.packages,
        fingerprints=device.fingerprints,
        ima=device.ima,
        fsinventory=device.fsinventory,
    )


def _refuse(ctx: Ctx, error: DossierInputError) -> None:
    """IOS XR's error for a bad word: the ``^`` under it (or ``Incomplete command``), and why."""
    if error.incomplete:
        ctx.line(messages.INCOMPLETE)
    else:
        ctx.invalid_at(error.column)
    ctx.line(f"% {error}")


def _request_column(ctx: Ctx) -> int:
    return ctx.match.columns[-1] if ctx.match.columns else 0


def _include(ctx: Ctx) -> None:
    try:
        request = dossier.parse_include(
            str(ctx.args["request"]), _request_column(ctx), ctx.device.chassis
        )
    except DossierInputError as e:
        _refuse(ctx, e)
        return
    ctx.write(dossier.render(dossier.collect(_sources(ctx), request)))


def _incremental_ima(ctx: Ctx) -> None:
    try:
        starts = dossier.parse_incremental_ima(
            str(ctx.args["request"]), _request_column(ctx), ctx.device.chassis
        )
    except DossierInputError as e:
        _refuse(ctx, e)
        return
    ctx.write(dossier.render(dossier.collect_incremental_ima(_sources(ctx), starts)))


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "platform": "Show platform information",
            "security": "Platform security information",
            "integrity": "Platform integrity information",
            "dossier": "Collect the signed-data dossier (JSON)",
            "include": "Sections: packages reboot-history rollback-history "
            "system-integrity-snapshot system-inventory filesystem-inventory",
            "incremental-ima": "IMA events from a start event and time, per node (JSON)",
        }
    )
    base = "show platform security integrity dossier"
    reg.command("exec", f"{base} include <request:LINE>", _include, tasks=_DOSSIER_TASKS)
    reg.command(
        "exec", f"{base} incremental-ima <request:LINE>", _incremental_ima, tasks=_DOSSIER_TASKS
    )

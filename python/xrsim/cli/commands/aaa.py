"""AAA: ``taskgroup`` (``task read|write|execute|debug ID``, ``inherit taskgroup``),
``usergroup`` (``taskgroup``, ``inherit usergroup``), ``username`` (``group``, ``secret``,
in its submode or on one line: ``username NAME group G``), and ``show user [tasks|group]``.

A secret is stored as IOS XR type 10 (``secret 10 $6$...``, SHA-512-crypt): the clear text a
user types is hashed before it reaches the candidate, so it is never in the configuration,
the commit database, any output or any log. ``password`` is taken as a ``secret``. A clear
text over ``MAX_SECRET_LENGTH`` (253) characters is refused at the ``^`` marker, unhashed.
"""

from __future__ import annotations

from xrsim.aaa import PERMISSIONS, SecretError, SecretTooLong, format_tasks, secret_line
from xrsim.aaa.tasks import (
    DESCRIPTION,
    GROUP,
    INHERIT_TASKGROUP,
    INHERIT_USERGROUP,
    PASSWORD,
    SECRET,
    TASK,
    TASKGROUP,
    USERGROUP,
    USERGROUP_TASKGROUP,
    USERNAME,
)
from xrsim.cli.context import Ctx
from xrsim.cli.registry import Item, Registry
from xrsim.config.tree import PathItem

__all__ = ["AAA_WRITE", "register"]

#: Configuring users and groups.
AAA_WRITE = (("write", "aaa"),)


def _secret(ctx: Ctx) -> str | None:
    """The stored line of ``secret``/``password``: the value hashed (type 10), never clear.
    A clear text longer than IOS XR takes is refused at the ``^`` marker, under it."""
    typed = str(ctx.args["secret"])
    try:
        return secret_line(typed)
    except SecretTooLong:
        ctx.invalid_at(_clear_text_column(ctx, typed))
        return None
    except SecretError as e:
        ctx.line(f"% Invalid secret: {e}")
        return None


def _clear_text_column(ctx: Ctx, typed: str) -> int:
    """The column where the clear text of ``secret [0] TEXT`` starts in the line as typed."""
    columns = ctx.match.columns
    start = columns[len(ctx.match.words) - 1] if columns else 0
    kind, _, rest = typed.strip().partition(" ")
    if kind == "0" and rest.strip():
        return start + typed.index(rest.strip(), len(kind))
    return start


#: ``username NAME ATTRIBUTE`` on one line, as IOS XR takes it: the user item with that one
#: attribute below it, shown as the submode block by ``show running-config``.
USERNAME_GROUP = "username <name:WORD> group <group:NAME>"
USERNAME_SECRET = "username <name:WORD> secret <secret:LINE>"  # noqa: S105 - a syntax
USERNAME_PASSWORD = "username <name:WORD> password <secret:LINE>"  # noqa: S105 - a syntax


def _username_line(ctx: Ctx) -> None:
    """``username NAME group G`` / ``secret S`` / ``password P``: the same candidate change
    as ``username NAME`` then the attribute in its submode (a secret is hashed first), and
    the session stays in the mode it was in."""
    session = ctx.session
    assert session.candidate is not None
    reg = session.registry
    user_line = f"username {ctx.args['name']}"
    user = reg.resolve("config", user_line)
    if ctx.has("group"):
        attribute: str | None = f"group {ctx.args['group']}"
    else:
        attribute = _secret(ctx)
    if attribute is None:
        return
    child = reg.resolve("config-un", attribute)
    path = (
        PathItem(user.key or user_line, user_line, user),
        PathItem(child.key or attribute, attribute, child),
    )
    session.candidate.set(path)


def _show_user(ctx: Ctx) -> None:
    ctx.line(ctx.session.user)


def _show_user_group(ctx: Ctx) -> None:
    groups = ctx.session.user_groups()
    ctx.line(", ".join(groups) if groups else "")


def _show_user_tasks(ctx: Ctx) -> None:
    for ln in format_tasks(ctx.session.user_tasks()):
        ctx.line(ln)


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "taskgroup": "Configure task group to be inherited by this group",
            "usergroup": "Configure user group",
            "username": "Configure local username",
            "task": "Specify task IDs to be associated with this group",
            "inherit": "Specify a group to inherit from",
            "description": "Description for the group",
            "group": "User group in which this user will be a member of",
            "secret": "Specify the secret for the user",
            "password": "Specify the password for the user",
            "user": "Show the user's information",
            "tasks": "Show task information for the user",
            **{p: f"Specify {p} permission" for p in PERMISSIONS},
        }
    )
    reg.add_mode("config-tg", "config", "config-tg")
    reg.add_mode("config-ug", "config", "config-ug")
    reg.add_mode("config-un", "config", "config-un")
    w = AAA_WRITE

    # -- task groups ------------------------------------------------------------------------
    reg.command("config", TASKGROUP, tasks=w, item=Item(submode="config-tg"))
    reg.command("config-tg", TASK, tasks=w, item=Item())
    reg.command("config-tg", INHERIT_TASKGROUP, tasks=w, item=Item())
    reg.command("config-tg", DESCRIPTION, tasks=w, item=Item(key_words=1))

    # -- user groups ------------------------------------------------------------------------
    reg.command("config", USERGROUP, tasks=w, item=Item(submode="config-ug"))
    reg.command("config-ug", USERGROUP_TASKGROUP, tasks=w, item=Item())
    reg.command("config-ug", INHERIT_USERGROUP, tasks=w, item=Item())
    reg.command("config-ug", DESCRIPTION, tasks=w, item=Item(key_words=1))

    # -- users ------------------------------------------------------------------------------
    reg.command("config", USERNAME, tasks=w, item=Item(submode="config-un"))
    reg.command("config-un", GROUP, tasks=w, item=Item())
    # The clear text is hashed before it reaches the candidate; ``password`` is a secret.
    reg.command("config-un", SECRET, tasks=w, item=Item(key_words=1, spell=_secret))
    reg.command(
        "config-un",
        PASSWORD,
        tasks=w,
        item=Item(key_words=1, key="secret", spell=_secret, stores_as=SECRET),
    )

    for syntax in (USERNAME_GROUP, USERNAME_SECRET, USERNAME_PASSWORD):
        reg.command("config", syntax, _username_line, tasks=w)

    # -- show user (every user may ask about itself) ----------------------------------------
    reg.command("exec", "show user", _show_user)
    reg.command("exec", "show user group", _show_user_group)
    reg.command("exec", "show user tasks", _show_user_tasks)

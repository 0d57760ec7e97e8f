"""AAA: ``taskgroup`` (``task read|write|execute|debug ID``, ``inherit taskgroup``),
``usergroup`` (``taskgroup``, ``inherit usergroup``), ``username`` (``group``, ``secret``),
and ``show user [tasks|group]``.

A secret is stored as IOS XR type 10 (``secret 10 $6$...``, SHA-512-crypt): the clear text a
user types is hashed before it reaches the candidate, so it is never in the configuration,
the commit database, any output or any log. ``password`` is taken as a ``secret``.
"""

from __future__ import annotations

from xrsim.aaa import (
    PERMISSIONS,
    TASK_IDS,
    SecretError,
    format_tasks,
    secret_line,
)
from xrsim.cli.context import Ctx
from xrsim.cli.registry import Command, Registry
from xrsim.config.tree import PathItem

__all__ = ["AAA_WRITE", "register"]

#: Configuring users and groups.
AAA_WRITE = (("write", "aaa"),)


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

    # -- task groups ------------------------------------------------------------------------
    reg.config_item("config", "taskgroup <name:NAME>", submode="config-tg", tasks=AAA_WRITE)
    perms = " | ".join(PERMISSIONS)
    ids = " | ".join(TASK_IDS)
    reg.config_item("config-tg", f"task {{ {perms} }} {{ {ids} }}", tasks=AAA_WRITE)
    reg.config_item("config-tg", "inherit taskgroup <name:NAME>", tasks=AAA_WRITE)
    reg.config_item("config-tg", "description <text:LINE>", key_words=1, tasks=AAA_WRITE)

    # -- user groups ------------------------------------------------------------------------
    reg.config_item("config", "usergroup <name:NAME>", submode="config-ug", tasks=AAA_WRITE)
    reg.config_item("config-ug", "taskgroup <name:NAME>", tasks=AAA_WRITE)
    reg.config_item("config-ug", "inherit usergroup <name:NAME>", tasks=AAA_WRITE)
    reg.config_item("config-ug", "description <text:LINE>", key_words=1, tasks=AAA_WRITE)

    # -- users ------------------------------------------------------------------------------
    reg.config_item("config", "username <name:WORD>", submode="config-un", tasks=AAA_WRITE)
    reg.config_item("config-un", "group <name:NAME>", tasks=AAA_WRITE)

    secret_cmd: list[Command] = []

    def set_secret(ctx: Ctx) -> None:
        s = ctx.session
        assert s.candidate is not None
        try:
            line = secret_line(str(ctx.args["secret"]))
        except SecretError as e:
            ctx.line(f"% Invalid secret: {e}")
            return
        s.candidate.set((*s.config_path, PathItem("secret", line, secret_cmd[0].order)))

    def no_secret(ctx: Ctx) -> None:
        s = ctx.session
        assert s.candidate is not None
        s.candidate.delete((*s.config_path, PathItem("secret", "secret", secret_cmd[0].order)))

    for word in ("secret", "password"):
        cmd = reg.add(
            Command(
                "config-un",
                f"{word} <secret:LINE>",
                set_secret,
                tasks=AAA_WRITE,
                timestamp=False,
                key_words=1,
                is_config=True,
            )
        )
        secret_cmd.append(cmd)
        reg.add(
            Command(
                "config-un",
                f"no {word} [ <secret:LINE> ]",
                no_secret,
                tasks=AAA_WRITE,
                timestamp=False,
                key_words=1,
                is_config=True,
                negate=True,
            )
        )

    # -- show user (every user may ask about itself) ----------------------------------------

    @reg.command("exec", "show user")
    def show_user(ctx: Ctx) -> None:
        ctx.line(ctx.session.user)

    @reg.command("exec", "show user group")
    def show_user_group(ctx: Ctx) -> None:
        groups = ctx.session.user_groups()
        ctx.line(", ".join(groups) if groups else "")

    @reg.command("exec", "show user tasks")
    def show_user_tasks(ctx: Ctx) -> None:
        for ln in format_tasks(ctx.session.user_tasks()):
            ctx.line(ln)

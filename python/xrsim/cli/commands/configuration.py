"""Configuration sessions: ``commit`` (label, comment, confirmed, replace), ``abort``, ``end``,
``exit``, ``root``, ``show configuration``, ``show commit changes diff``; the running
configuration (``show running-config``), the commit database (``show configuration commit
list``) and ``rollback configuration``; and the first configuration items, ``hostname`` and
``domain name``, which make the prompt and the FQDN."""

from __future__ import annotations

from xrsim.aaa import authorize
from xrsim.chassis.store import COMMIT_FAILED, CONFIG_NOT_SAVED
from xrsim.cli.context import Ctx, Interaction, Prompt
from xrsim.cli.registry import Registry
from xrsim.config.datastore import CommitError
from xrsim.config.tree import ConfigTree
from xrsim.errors import StorageError

__all__ = ["register"]

#: Reading the configuration and the commit database; changing it by rollback.
CONFIG_READ = (("read", "config-services"),)
CONFIG_WRITE = (("write", "config-services"),)

UNCOMMITTED = "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"


def _header(ctx: Ctx) -> list[str]:
    return ["Building configuration...", f"!! IOS XR Configuration {ctx.device.chassis.release}"]


def _commit(ctx: Ctx, *, replace: bool = False) -> bool:
    """Commit the session's candidate; print what IOS XR prints. True when it went through."""
    s = ctx.session
    assert s.candidate is not None
    label = ctx.args.get("label")
    comment = ctx.args.get("comment")
    if isinstance(comment, str) and len(comment) >= 2 and comment[0] == comment[-1] == '"':
        comment = comment[1:-1]
    confirmed = int(ctx.args.get("seconds", 600)) if ctx.has("confirmed") else None
    confirming = ctx.device.datastore.pending_confirm is not None and confirmed is None
    try:
        record = ctx.device.datastore.commit(
            s.candidate,
            user=s.user,
            line=s.line_name,
            client=s.client,
            label=str(label) if label is not None else None,
            comment=str(comment) if comment is not None else None,
            confirmed=confirmed,
            replace=replace,
        )
    except CommitError as e:
        s.last_error = e
        ctx.line(str(e))
        return False
    except StorageError as e:  # nothing changed: the candidate keeps its changes
        s.last_error = e
        ctx.line(COMMIT_FAILED)
        ctx.line(CONFIG_NOT_SAVED.format(reason=e.reason))
        return False
    if record is None and not confirming:
        ctx.line("% No configuration changes to commit.")
    return True


def _leave(ctx: Ctx) -> Interaction:
    """``end``, or ``exit`` at the top of config mode: ask about uncommitted changes."""
    s = ctx.session
    if s.candidate is None or not s.candidate.has_changes():
        s.leave_config()
        return
    while True:
        answer = (yield Prompt(UNCOMMITTED)).strip().lower()
        if answer and "yes".startswith(answer):
            if _commit(ctx):
                s.leave_config()
            return
        if answer and "no".startswith(answer):
            s.leave_config()
            return
        if not answer or "cancel".startswith(answer):
            return
        ctx.line("% Please answer 'yes', 'no' or 'cancel'.")


def _readable(tree: ConfigTree, ctx: Ctx) -> ConfigTree:
    """``tree`` without the top-level items the user may not read: an item is shown to a
    user with read permission on a task ID its command writes with, as IOS XR filters
    ``show running-config`` by task."""
    grants = ctx.session.user_tasks()
    commands = ctx.session.registry.commands
    for key, node in list(tree.root.children.items()):
        cmd = commands[node.order] if 0 <= node.order < len(commands) else None
        if cmd is None or not cmd.tasks:
            continue
        if not authorize(grants, [("read", task) for _, task in cmd.tasks]):
            del tree.root.children[key]
    return tree


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "commit": "Commit the configuration changes to running",
            "label": "Assign a label to this commit",
            "comment": "Assign a comment to this commit",
            "confirmed": "Rollback this commit unless there is a confirming commit",
            "replace": "Replace the contents of running configuration",
            "abort": "Discard the configuration changes and exit to exec mode",
            "end": "Exit from configure mode",
            "root": "Exit to the global configuration mode",
            "do": "Run an exec command",
            "running-config": "Current operating configuration",
            "configuration": "Contents of the configuration",
            "changes": "Show the changes",
            "diff": "Display the diff of the changes",
            "merge": "Show the merged running and target configuration",
            "list": "List the commits",
            "rollback": "Roll back configuration changes",
            "last": "Roll back the last N commits",
            "to": "Roll back up to (and excluding) a specific commit",
            "hostname": "Set system's network name",
            "domain": "Domain service configuration commands",
            "name": "Define the default domain name",
        }
    )

    # -- in every configuration mode ---------------------------------------------------------

    @reg.config_global(
        "commit [ label <label:WORD> ] [ confirmed [ <seconds:30-65535> ] ] "
        "[ comment <comment:LINE> ]",
        timestamp=True,
    )
    def commit(ctx: Ctx) -> None:
        _commit(ctx)

    @reg.config_global("commit replace", timestamp=True)
    def commit_replace(ctx: Ctx) -> Interaction:
        ctx.line(
            "This commit will replace or remove the entire running configuration. This "
            "operation can be service affecting."
        )
        answer = (yield Prompt("Do you wish to proceed? [no]: ")).strip().lower()
        if answer and "yes".startswith(answer):
            _commit(ctx, replace=True)

    @reg.config_global("abort")
    def abort(ctx: Ctx) -> None:
        ctx.session.leave_config()

    @reg.config_global("end")
    def end(ctx: Ctx) -> Interaction:
        yield from _leave(ctx)

    @reg.config_global("exit")
    def exit_mode(ctx: Ctx) -> Interaction | None:
        if ctx.session.mode != "config":
            ctx.session.exit_submode()
            return None
        return _leave(ctx)

    @reg.config_global("root")
    def root(ctx: Ctx) -> None:
        ctx.session.to_config_root()

    @reg.config_global("show configuration", timestamp=True)
    def show_configuration(ctx: Ctx) -> None:
        assert ctx.session.candidate is not None
        for ln in [*_header(ctx), *ctx.session.candidate.change_lines(), "end"]:
            ctx.line(ln)

    @reg.config_global("show configuration merge", timestamp=True)
    def show_configuration_merge(ctx: Ctx) -> None:
        assert ctx.session.candidate is not None
        for ln in [*_header(ctx), *ctx.session.candidate.merged().lines(), "end"]:
            ctx.line(ln)

    def _diff(ctx: Ctx) -> None:
        assert ctx.session.candidate is not None
        running = ctx.device.datastore.running_copy()
        lines = running.diff_lines(ctx.session.candidate.merged())
        for ln in [*_header(ctx), *lines, "end"]:
            ctx.line(ln)

    reg.config_global("show commit changes diff", timestamp=True)(_diff)
    reg.config_global("show configuration changes diff", timestamp=True)(_diff)

    # -- exec ---------------------------------------------------------------------------------

    @reg.config_global("show running-config [ <section:LINE> ]", timestamp=True, tasks=CONFIG_READ)
    @reg.command("exec", "show running-config [ <section:LINE> ]", tasks=CONFIG_READ)
    def show_running(ctx: Ctx) -> None:
        ds = ctx.device.datastore
        tree = _readable(ds.running_copy(), ctx)
        section = ctx.args.get("section")
        if section is not None:
            for ln in tree.section(str(section).split()).lines():
                ctx.line(ln)
            return
        out = _header(ctx)
        if ds.last_change is not None:
            when, user = ds.last_change
            out.append(
                f"!! Last configuration change at {when.strftime('%a %b %d %H:%M:%S %Y')} by {user}"
            )
        out += ["!", *tree.lines(), "end"]
        for ln in out:
            ctx.line(ln)

    @reg.command("exec", "show configuration commit list [ <count:1-100> ]", tasks=CONFIG_READ)
    def show_commit_list(ctx: Ctx) -> None:
        commits = list(reversed(ctx.device.datastore.commits))
        count = ctx.args.get("count")
        if count is not None:
            commits = commits[: int(count)]
        if not commits:
            ctx.line("The commit database is empty.")
            return
        ctx.line(f"{'SNo.':<5}{'Label/ID':<22}{'User':<10}{'Line':<20}{'Client':<12}Time Stamp")
        ctx.line(f"{'~~~~':<5}{'~~~~~~~~':<22}{'~~~~':<10}{'~~~~':<20}{'~~~~~~':<12}~~~~~~~~~~")
        for i, r in enumerate(commits, 1):
            ident = r.label or str(r.commit_id)
            stamp = r.time.strftime("%a %b %d %H:%M:%S %Y")
            ctx.line(f"{i:<5}{ident:<22}{r.user:<10}{r.line:<20}{r.client:<12}{stamp}")

    def _rolled(ctx: Ctx, count: int, target: str | None) -> None:
        s = ctx.session
        try:
            record = ctx.device.datastore.rollback(
                count, user=s.user, line=s.line_name, client=s.client
            )
        except CommitError as e:
            s.last_error = e
            ctx.line(str(e))
            return
        except StorageError as e:
            s.last_error = e
            ctx.line(COMMIT_FAILED)
            ctx.line(CONFIG_NOT_SAVED.format(reason=e.reason))
            return
        n = len(record.changes) if record else 0
        ctx.line("Loading Rollback Changes.")
        ctx.line("Loaded Rollback Changes in 1 sec ")
        ctx.line("Committing.")
        ctx.line(f"{n} items committed in 1 sec ({n})items/sec")
        ctx.line("Updating.")
        ctx.line("Updated Commit database in 1 sec ")
        if target is None:
            ctx.line(f"Configuration successfully rolled back {count} commits.")
        else:
            ctx.line(f"Configuration successfully rolled back to '{target}'.")

    @reg.command("exec", "rollback configuration last <count:1-100>", tasks=CONFIG_WRITE)
    def rollback_last(ctx: Ctx) -> None:
        _rolled(ctx, int(ctx.args["count"]), None)

    @reg.command("exec", "rollback configuration to <commit:WORD>", tasks=CONFIG_WRITE)
    def rollback_to(ctx: Ctx) -> None:
        ds = ctx.device.datastore
        try:
            record = ds.find(str(ctx.args["commit"]))
            count = ds.commits_after(record.commit_id)
        except CommitError as e:
            ctx.line(str(e))
            return
        if count == 0:
            ctx.line(f"% No commits were made after '{ctx.args['commit']}': nothing to roll back.")
            return
        _rolled(ctx, count, str(ctx.args["commit"]))

    # -- configuration items -----------------------------------------------------------------

    reg.config_item(
        "config", "hostname <name:HOSTNAME>", key_words=1, tasks=(("write", "root-lr"),)
    )
    reg.config_item(
        "config", "domain name <name:DOMAIN>", key_words=2, tasks=(("write", "ip-services"),)
    )

    # Terminal lines (the SSH issue gives exec-timeout and session-timeout their effect).
    reg.add_mode("config-line", "config", "config-line")
    reg.describe_words(
        {
            "line": "Configure a terminal line",
            "default": "Default line template",
            "console": "Console line template",
            "template": "User defined line template",
            "exec-timeout": "Set the EXEC timeout",
            "session-timeout": "Set a session timeout",
        }
    )
    tty = (("write", "tty-access"),)
    reg.config_item(
        "config",
        "line { default | console | template <name:WORD> }",
        submode="config-line",
        tasks=tty,
    )
    reg.config_item(
        "config-line",
        "exec-timeout <minutes:0-35791> [ <seconds:0-2147483> ]",
        key_words=1,
        tasks=tty,
    )
    reg.config_item("config-line", "session-timeout <minutes:0-35791>", key_words=1, tasks=tty)

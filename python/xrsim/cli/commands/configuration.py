"""Configuration sessions: ``commit`` (label, comment, confirmed, replace), ``abort``, ``end``,
``exit``, ``root``, ``show configuration``, ``show commit changes diff``; the running
configuration (``show running-config``), the commit database (``show configuration commit
list``) and ``rollback configuration``; and the first configuration items, ``hostname`` and
``domain name``, which make the prompt and the FQDN."""

from __future__ import annotations

from xrsim.aaa import TASK_IDS, Grants, authorize
from xrsim.cli import messages
from xrsim.cli.context import Ctx, Interaction, Prompt
from xrsim.cli.registry import ANY_CONFIG, Item, Registry
from xrsim.config.datastore import CommitError
from xrsim.config.tree import ConfigNode, ConfigTree
from xrsim.errors import StorageError

__all__ = ["DOMAIN_NAME", "EXEC_TIMEOUT", "HOSTNAME", "LINE", "SESSION_TIMEOUT", "register"]

#: The items here (their argument names are what readers take: ``node.args["name"]``).
HOSTNAME = "hostname <name:HOSTNAME>"
DOMAIN_NAME = "domain name <name:DOMAIN>"
LINE = "line { default | console | template <name:WORD> }"
#: ``exec-timeout`` minutes and optional seconds; ``session-timeout`` minutes (0: never).
EXEC_TIMEOUT = "exec-timeout <minutes:0-35791> [ <seconds:0-2147483> ]"
SESSION_TIMEOUT = "session-timeout <minutes:0-35791>"

#: Reading the configuration and the commit database; changing it by rollback.
CONFIG_READ = (("read", "config-services"),)
CONFIG_WRITE = (("write", "config-services"),)

#: Reading a stored line no command parses any more (``_readable``): read on every task.
EVERY_TASK = tuple(("read", task) for task in TASK_IDS)


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
        ctx.line(messages.commit_error(e))
        return False
    except StorageError as e:  # nothing changed: the candidate keeps its changes
        s.last_error = e
        ctx.line(messages.COMMIT_FAILED)
        ctx.line(messages.CONFIG_NOT_SAVED.format(reason=e.reason))
        return False
    if record is None and not confirming:
        ctx.line(messages.NOTHING_TO_COMMIT)
    return True


def _leave(ctx: Ctx) -> Interaction:
    """``end``, or ``exit`` at the top of config mode: ask about uncommitted changes."""
    s = ctx.session
    if s.candidate is None or not s.candidate.has_changes():
        s.leave_config()
        return
    while True:
        answer = (yield Prompt(messages.UNCOMMITTED)).strip().lower()
        if answer and "yes".startswith(answer):
            if _commit(ctx):
                s.leave_config()
            return
        if answer and "no".startswith(answer):
            s.leave_config()
            return
        if not answer or "cancel".startswith(answer):
            return
        ctx.line(messages.PLEASE_ANSWER_YES_NO_CANCEL)


def _readable(tree: ConfigTree, ctx: Ctx) -> ConfigTree:
    """``tree`` without the items the user may not read: a top-level item is shown to a user
    with read permission on a task ID its command writes with, as IOS XR filters ``show
    running-config`` by task. The command is found from each node's parse, never from where it
    was registered. A stored line no command parses any more (a command a later release
    dropped) is kept in the configuration, sorted last, and shown only to a user who may read
    every task (root-system): nothing tells which task it belongs to."""
    grants = ctx.session.user_tasks()
    registry = ctx.session.registry

    def readable(node: ConfigNode, top: bool) -> bool:
        if not node.parsed.known:
            return authorize_all(grants, EVERY_TASK)
        cmd = registry.item_command(node.parsed)
        if not top or cmd is None or not cmd.tasks:
            return True
        return authorize(grants, [("read", task) for _, task in cmd.tasks])

    def prune(node: ConfigNode, top: bool) -> None:
        for key, child in list(node.children.items()):
            if not readable(child, top):
                del node.children[key]
            else:
                prune(child, False)

    prune(tree.root, True)
    return tree


def authorize_all(grants: Grants, required: tuple[tuple[str, str], ...]) -> bool:
    """Whether ``grants`` hold every one of ``required``."""
    return all(g in grants for g in required)


# -- handlers -------------------------------------------------------------------------------------


def _commit_handler(ctx: Ctx) -> None:
    _commit(ctx)


def _commit_replace(ctx: Ctx) -> Interaction:
    ctx.line(messages.COMMIT_REPLACE_WARNING)
    answer = (yield Prompt(messages.COMMIT_REPLACE_QUESTION)).strip().lower()
    if answer and "yes".startswith(answer):
        _commit(ctx, replace=True)


def _abort(ctx: Ctx) -> None:
    ctx.session.leave_config()


def _end(ctx: Ctx) -> Interaction:
    yield from _leave(ctx)


def _exit_mode(ctx: Ctx) -> Interaction | None:
    if ctx.session.mode != "config":
        ctx.session.exit_submode()
        return None
    return _leave(ctx)


def _root(ctx: Ctx) -> None:
    ctx.session.to_config_root()


def _show_configuration(ctx: Ctx) -> None:
    assert ctx.session.candidate is not None
    for ln in [*_header(ctx), *ctx.session.candidate.change_lines(), "end"]:
        ctx.line(ln)


def _show_configuration_merge(ctx: Ctx) -> None:
    assert ctx.session.candidate is not None
    for ln in [*_header(ctx), *ctx.session.candidate.merged().lines(), "end"]:
        ctx.line(ln)


def _diff(ctx: Ctx) -> None:
    assert ctx.session.candidate is not None
    running = ctx.device.datastore.running_copy()
    lines = running.diff_lines(ctx.session.candidate.merged())
    for ln in [*_header(ctx), *lines, "end"]:
        ctx.line(ln)


def _show_running(ctx: Ctx) -> None:
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


def _show_commit_list(ctx: Ctx) -> None:
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
        ctx.line(messages.commit_error(e))
        return
    except StorageError as e:  # nothing changed
        s.last_error = e
        ctx.line(messages.COMMIT_FAILED)
        ctx.line(messages.CONFIG_NOT_SAVED.format(reason=e.reason))
        return
    for ln in messages.rolled_back(len(record.changes) if record else 0, target, count):
        ctx.line(ln)


def _rollback_last(ctx: Ctx) -> None:
    _rolled(ctx, int(ctx.args["count"]), None)


def _rollback_to(ctx: Ctx) -> None:
    ds = ctx.device.datastore
    target = str(ctx.args["commit"])
    try:
        record = ds.find(target)
        count = ds.commits_after(record.commit_id)
    except CommitError as e:
        ctx.line(messages.commit_error(e))
        return
    if count == 0:
        ctx.line(messages.nothing_after(target))
        return
    _rolled(ctx, count, target)


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

    commit = (
        "commit [ label <label:WORD> ] [ confirmed [ <seconds:30-65535> ] ] "
        "[ comment <comment:LINE> ]"
    )
    reg.command(ANY_CONFIG, commit, _commit_handler, timestamp=True)
    reg.command(ANY_CONFIG, "commit replace", _commit_replace, timestamp=True)
    reg.command(ANY_CONFIG, "abort", _abort)
    reg.command(ANY_CONFIG, "end", _end)
    reg.command(ANY_CONFIG, "exit", _exit_mode)
    reg.command(ANY_CONFIG, "root", _root)
    reg.command(ANY_CONFIG, "show configuration", _show_configuration, timestamp=True)
    reg.command(ANY_CONFIG, "show configuration merge", _show_configuration_merge, timestamp=True)
    reg.command(ANY_CONFIG, "show commit changes diff", _diff, timestamp=True)
    reg.command(ANY_CONFIG, "show configuration changes diff", _diff, timestamp=True)

    # -- exec ---------------------------------------------------------------------------------

    running = "show running-config [ <section:LINE> ]"
    reg.command("exec", running, _show_running, tasks=CONFIG_READ)
    reg.command(ANY_CONFIG, running, _show_running, timestamp=True, tasks=CONFIG_READ)
    reg.command(
        "exec",
        "show configuration commit list [ <count:1-100> ]",
        _show_commit_list,
        tasks=CONFIG_READ,
    )
    reg.command(
        "exec", "rollback configuration last <count:1-100>", _rollback_last, tasks=CONFIG_WRITE
    )
    reg.command("exec", "rollback configuration to <commit:WORD>", _rollback_to, tasks=CONFIG_WRITE)

    # -- configuration items -----------------------------------------------------------------

    reg.command("config", HOSTNAME, tasks=(("write", "root-lr"),), item=Item(key_words=1))
    reg.command("config", DOMAIN_NAME, tasks=(("write", "ip-services"),), item=Item(key_words=2))

    # Terminal lines (exec-timeout and session-timeout: SshPolicy, cli/commands/ssh.py).
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
    reg.command("config", LINE, tasks=tty, item=Item(submode="config-line"))
    reg.command("config-line", EXEC_TIMEOUT, tasks=tty, item=Item(key_words=1))
    reg.command("config-line", SESSION_TIMEOUT, tasks=tty, item=Item(key_words=1))

"""Configuration sessions: ``commit`` (label, comment, confirmed, replace, show-error, and the
question IOS XR asks when other sessions committed meanwhile), ``abort``, ``end``, ``exit``,
``root``, ``show configuration [changes] [diff]``, ``show commit changes diff``, ``show
configuration failed [load]``, ``load FILE``; the running configuration (``show
running-config``, ``copy running-config FILE``), the commit database (``show configuration
commit list [detail]``, ``commit changes``, ``rollback changes``) and ``rollback
configuration``; and the first configuration items, ``hostname`` and ``domain name``, which
make the prompt and the FQDN. What a failed commit, load or rollback refused is kept on the
session (``CliSession.failed_commit`` / ``failed_load`` / ``failed_rollback``,
``FailedConfig``; ``show configuration failed [load | rollback]``). Every view of configuration
text here (running, merged, changes, diffs, commits, rollbacks, ``copy running-config``) shows
only what the session's user may read, through the one filter ``xrsim.aaa.readable``.

``commit replace`` and ``rollback configuration`` change items nobody typed, so the datastore
checks each item they would add, change or remove against the user's task IDs
(``CliSession.refused_changes``): one refused item refuses the whole operation (IOS XR's
pseudo-atomic commit failure, or its rollback failure), nothing changes, and ``show
configuration failed`` (``... rollback``) lists the refused items."""

from __future__ import annotations

from collections.abc import Generator

from xrsim.aaa import FILE_WRITE, authorize, readable_changes, readable_tree
from xrsim.cli import messages
from xrsim.cli.context import Ctx, Interaction, Prompt
from xrsim.cli.registry import ANY_CONFIG, Item, Registry
from xrsim.cli.session import FailedConfig
from xrsim.config.datastore import (
    ApplyFailed,
    CommitError,
    ConcurrentCommits,
    NotAuthorized,
    RollbackUnavailable,
)
from xrsim.config.tree import ConfigTree, change_lines
from xrsim.errors import PathNotFound, StorageError, XrsimError

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


def _header(ctx: Ctx) -> list[str]:
    return ["Building configuration...", f"!! IOS XR Configuration {ctx.device.chassis.release}"]


def _commit(
    ctx: Ctx, *, replace: bool = False, show_error: bool = False
) -> Generator[Prompt, str, bool]:
    """Commit the session's candidate; print what IOS XR prints. True when it went through.
    When other sessions committed since this one started (or last committed), IOS XR's
    warning and question come first: only ``yes`` commits (the changes stay otherwise)."""
    s = ctx.session
    assert s.candidate is not None
    label = ctx.args.get("label")
    comment = ctx.args.get("comment")
    if isinstance(comment, str) and len(comment) >= 2 and comment[0] == comment[-1] == '"':
        comment = comment[1:-1]
    confirmed = int(ctx.args.get("seconds", 600)) if ctx.has("confirmed") else None
    confirming = ctx.device.datastore.pending_confirm is not None and confirmed is None
    concurrent_ok = False
    while True:
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
                concurrent_ok=concurrent_ok,
                authorize=s.refused_changes if replace else None,
            )
        except ConcurrentCommits as e:
            for ln in messages.CONCURRENT_COMMITS:
                ctx.line(ln)
            answer = (yield Prompt(messages.CONCURRENT_QUESTION)).strip().lower()
            if answer and "yes".startswith(answer):
                concurrent_ok = True
                continue
            s.last_error = e
            return False
        except NotAuthorized as e:  # nothing changed: the candidate keeps its changes
            s.last_error = e
            s.failed_commit = _refused(ctx, e)
            ctx.line(messages.not_authorized(e))
            return False
        except CommitError as e:
            # put into effect and refused (a VRF interface's link): IOS XR's pseudo-atomic line
            generic = isinstance(e, ApplyFailed)
            _failed(ctx, e, messages.commit_error(e), show_error, generic=generic)
            return False
        except StorageError as e:  # nothing changed: the candidate keeps its changes
            _failed(
                ctx,
                e,
                messages.CONFIG_NOT_SAVED.format(reason=e.reason),
                show_error,
                generic=True,
            )
            return False
        break
    s.failed_commit = None
    if record is None and not confirming:
        ctx.line(messages.NOTHING_TO_COMMIT)
    return True


def _failed(
    ctx: Ctx, err: XrsimError, reason: str, show_error: bool, *, generic: bool = False
) -> None:
    """A commit that failed: print why, and keep what it refused for ``show configuration
    failed`` (every item of the candidate, the reason after each)."""
    s = ctx.session
    assert s.candidate is not None
    s.last_error = err
    note = "!!" + reason
    notes = {i: note for i in range(len(s.candidate.changes))}
    s.failed_commit = FailedConfig("semantic", (*s.candidate.change_lines(notes), "end"))
    if generic:
        ctx.line(messages.COMMIT_FAILED)
    ctx.line(reason)
    if show_error:
        for ln in _failed_lines(s.failed_commit):
            ctx.line(ln)


def _refused(ctx: Ctx, err: NotAuthorized) -> FailedConfig:
    """What ``show configuration failed [rollback]`` lists of a refused ``commit replace`` or
    rollback: the items the user may not change, each with IOS XR's note; only those the user
    may read (as ``show running-config`` filters them), so the list names nothing else."""
    shown = readable_changes(err.refused, ctx.session.user_tasks())
    notes = {i: messages.NOT_AUTHORIZED_ITEM for i in range(len(shown))}
    return FailedConfig("authorization", (*change_lines(shown, notes), "end"))


def _failed_lines(failed: FailedConfig | None) -> list[str]:
    if failed is None:
        return []
    header = messages.FAILED_SEMANTIC if failed.kind == "semantic" else messages.FAILED_SYNTAX
    return [*header, *failed.lines]


def _leave(ctx: Ctx) -> Interaction:
    """``end``, or ``exit`` at the top of config mode: ask about uncommitted changes."""
    s = ctx.session
    if s.candidate is None or not s.candidate.has_changes():
        s.leave_config()
        return
    while True:
        answer = (yield Prompt(messages.UNCOMMITTED)).strip().lower()
        if answer and "yes".startswith(answer):
            if (yield from _commit(ctx)):
                s.leave_config()
            return
        if answer and "no".startswith(answer):
            s.leave_config()
            return
        if not answer or "cancel".startswith(answer):
            return
        ctx.line(messages.PLEASE_ANSWER_YES_NO_CANCEL)


def _readable(tree: ConfigTree, ctx: Ctx) -> ConfigTree:
    """``tree`` as the session's user may read it (``xrsim.aaa.readable``: the one filter of
    every configuration view, NETCONF's too)."""
    return readable_tree(tree, ctx.session.user_tasks())


# -- handlers -------------------------------------------------------------------------------------


def _commit_handler(ctx: Ctx) -> Interaction:
    yield from _commit(ctx, show_error=ctx.has("show-error"))


def _commit_replace(ctx: Ctx) -> Interaction:
    ctx.line(messages.COMMIT_REPLACE_WARNING)
    answer = (yield Prompt(messages.COMMIT_REPLACE_QUESTION)).strip().lower()
    if answer and "yes".startswith(answer):
        yield from _commit(ctx, replace=True)


def _show_failed(ctx: Ctx) -> None:
    s = ctx.session
    if ctx.has("load"):
        failed = s.failed_load
    elif ctx.has("rollback"):
        failed = s.failed_rollback
    else:
        failed = s.failed_commit
    for ln in _failed_lines(failed):
        ctx.line(ln)


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
    """``show configuration``: the session's changes the user may read."""
    assert ctx.session.candidate is not None
    changes = readable_changes(ctx.session.candidate.changes, ctx.session.user_tasks())
    for ln in [*_header(ctx), *change_lines(changes), "end"]:
        ctx.line(ln)


def _show_configuration_merge(ctx: Ctx) -> None:
    assert ctx.session.candidate is not None
    merged = _readable(ctx.session.candidate.merged(), ctx)
    for ln in [*_header(ctx), *merged.lines(), "end"]:
        ctx.line(ln)


def _diff_of(ctx: Ctx, before: ConfigTree, after: ConfigTree, *, diff: bool) -> None:
    """What turns ``before`` into ``after``, as far as the user may read either: in the diff
    gutter (``diff``) or as configuration lines, between the header and ``end``."""
    before, after = _readable(before, ctx), _readable(after, ctx)
    lines = before.diff_lines(after) if diff else change_lines(before.changes_to(after))
    for ln in [*_header(ctx), *lines, "end"]:
        ctx.line(ln)


def _diff(ctx: Ctx) -> None:
    """``show commit changes diff``: what a commit would change."""
    assert ctx.session.candidate is not None
    running = ctx.device.datastore.running_copy()
    _diff_of(ctx, running, ctx.session.candidate.merged(), diff=True)


def _replace_diff(ctx: Ctx) -> None:
    """``show configuration changes diff``: what a ``commit replace`` would change, so every
    item the session did not enter is shown removed."""
    assert ctx.session.candidate is not None
    running = ctx.device.datastore.running_copy()
    _diff_of(ctx, running, ctx.session.candidate.session_tree(), diff=True)


def _replace_changes(ctx: Ctx) -> None:
    """``show configuration changes``: the changes a ``commit replace`` would make."""
    assert ctx.session.candidate is not None
    running = ctx.device.datastore.running_copy()
    _diff_of(ctx, running, ctx.session.candidate.session_tree(), diff=False)


def _show_running(ctx: Ctx) -> None:
    ds = ctx.device.datastore
    tree = _readable(ds.running_copy(), ctx)
    section = ctx.args.get("section")
    if section is not None:
        sub = tree.section(str(section).split())
        if sub.is_empty():
            ctx.line(messages.NO_SUCH_ITEMS)
            return
        for ln in sub.lines():
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


def _show_commit_list_detail(ctx: Ctx) -> None:
    commits = list(reversed(ctx.device.datastore.commits))
    count = ctx.args.get("count")
    if count is not None:
        commits = commits[: int(count)]
    if not commits:
        ctx.line("The commit database is empty.")
        return
    for i, r in enumerate(commits, 1):
        stamp = r.time.strftime("%a %b %d %H:%M:%S %Y")
        ctx.line("")
        ctx.line(f"{f'{i})':>5} {'CommitId:':<10}{r.commit_id:<27}Label: {r.label or 'NONE'}")
        ctx.line(f"{'':>5} {'UserId:':<10}{r.user:<27}Line:  {r.line}")
        ctx.line(f"{'':>5} {'Client:':<10}{r.client:<27}Time:  {stamp}")
        ctx.line(f"{'':>5} {'Comment:':<10}{r.comment or 'NONE'}")


def _history(ctx: Ctx) -> tuple[ConfigTree, ConfigTree] | None:
    """The configurations before and after the commits ``show configuration commit changes``
    names (``last N``, ``since ID``, or one ``ID``); None (the error printed) when the
    database does not hold them."""
    ds = ctx.device.datastore
    try:
        if "count" in ctx.args:
            count = int(ctx.args["count"])
            return ds.tree_after(count), ds.tree_after(0)
        record = ds.find(str(ctx.args["commit"]))
        after = ds.commits_after(record.commit_id)
        end = 0 if ctx.has("since") else after
        return ds.tree_after(after + 1), ds.tree_after(end)
    except RollbackUnavailable as e:
        ctx.line(messages.commits_unavailable(e.count, e.available))
    except CommitError as e:
        ctx.line(messages.commit_error(e))
    return None


def _show_commit_changes(ctx: Ctx) -> None:
    trees = _history(ctx)
    if trees is None:
        return
    before, after = trees
    _diff_of(ctx, before, after, diff=ctx.has("diff"))


def _show_rollback_changes(ctx: Ctx) -> None:
    """What ``rollback configuration last N`` / ``to ID`` would change."""
    ds = ctx.device.datastore
    try:
        if "count" in ctx.args:
            target = ds.tree_after(int(ctx.args["count"]))
        else:
            record = ds.find(str(ctx.args["commit"]))
            target = ds.tree_after(ds.commits_after(record.commit_id))
    except RollbackUnavailable as e:
        ctx.line(messages.commit_error(e))
        return
    except CommitError as e:
        ctx.line(messages.commit_error(e))
        return
    _diff_of(ctx, ds.running_copy(), target, diff=ctx.has("diff"))


def _fs_reason(err: XrsimError, path: str) -> str:
    """The reason of a filesystem error, without the path it starts with."""
    if isinstance(err, PathNotFound):
        return "No such file or directory"
    return str(err).removeprefix(f"{path}: ")


def _load(ctx: Ctx) -> None:
    """``load FILE``: merge a configuration file into the candidate, line by line as if
    typed (leading spaces give a line's submode depth, as ``show running-config`` writes
    it); the lines refused are kept for ``show configuration failed load``."""
    s = ctx.session
    path = str(ctx.args["file"])
    if s.loading:
        ctx.line(messages.cannot_open(path, "a load is already in progress"))
        return
    fs = ctx.device.chassis.fs()
    try:
        fs.check_user_path(path)
        data = fs.read(path)
    except XrsimError as e:
        ctx.line(messages.cannot_open(path, _fs_reason(e, path)))
        return
    text = data.decode("utf-8", errors="replace")
    ctx.line(messages.LOADING)
    refused: list[str] = []
    s.loading = True
    try:
        for raw in text.splitlines():
            line = raw.rstrip()
            if not line.strip():
                continue
            if line.strip() == "end" or s.mode == "exec" or s.closed:
                break
            depth = len(line) - len(line.lstrip(" "))
            while len(s.config_path) > depth:
                s.exit_submode()
            out = s.handle_line(line.strip())
            if s.waiting:
                s.cancel()
                refused.append(line)
            elif out.strip():
                refused.append(line)
    finally:
        s.loading = False
        s.last_error = None
    s.failed_load = FailedConfig("syntax", tuple(refused)) if refused else None
    if refused:
        ctx.line(messages.LOAD_ERRORS)
        ctx.line("")
    ctx.line(messages.loaded(len(data)))


def _running_file(ctx: Ctx) -> list[str]:
    """The running configuration as ``copy running-config`` writes it."""
    ds = ctx.device.datastore
    out = [f"!! IOS XR Configuration {ctx.device.chassis.release}"]
    if ds.last_change is not None:
        when, user = ds.last_change
        out.append(
            f"!! Last configuration change at {when.strftime('%a %b %d %H:%M:%S %Y')} by {user}"
        )
    return [*out, "!", *_readable(ds.running_copy(), ctx).lines(), "end"]


def _copy_running(ctx: Ctx) -> Interaction:
    """``copy running-config FILE``: asks for the destination (the path on its device is
    the default), and before overwriting a file. Writing the file takes what ``copy`` takes
    (``FILE_WRITE``); the file holds what the user may read."""
    if not authorize(ctx.session.user_tasks(), FILE_WRITE):
        ctx.session.denied = True
        ctx.line(messages.NOT_AUTHORIZED)
        return
    dest = str(ctx.args["destination"])
    device, sep, rest = dest.rpartition(":")
    prefix = device + sep
    default = rest if rest.startswith("/") else "/" + rest
    answer = (yield Prompt(messages.destination_question(default))).strip()
    if not answer:
        dest = prefix + default
    elif ":" in answer:
        dest = answer
    else:
        dest = prefix + (answer if answer.startswith("/") else "/" + answer)
    fs = ctx.device.chassis.fs()
    try:
        fs.check_user_path(dest)
        exists = fs.exists(dest)
    except XrsimError as e:
        ctx.line(f"%Error opening {dest} ({_fs_reason(e, dest)})")
        return
    if exists:
        answer = (yield Prompt(messages.OVERWRITE_QUESTION)).strip().lower()
        if not (answer and "yes".startswith(answer)):
            return
    lines = _running_file(ctx)
    ctx.line(messages.BUILDING)
    try:
        fs.write_atomic(dest, "".join(ln + "\n" for ln in lines).encode())
    except XrsimError as e:
        ctx.line(f"%Error opening {dest} ({_fs_reason(e, dest)})")
        return
    ctx.line(messages.lines_built(len(lines)))
    ctx.line(messages.COPY_OK)


def _rolled(ctx: Ctx, count: int, target: str | None) -> None:
    s = ctx.session
    try:
        record = ctx.device.datastore.rollback(
            count, user=s.user, line=s.line_name, client=s.client, authorize=s.refused_changes
        )
    except NotAuthorized as e:  # nothing changed
        s.last_error = e
        s.failed_rollback = _refused(ctx, e)
        ctx.line(messages.not_authorized(e))
        return
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
    reg.command(ANY_CONFIG, "commit show-error", _commit_handler, timestamp=True)
    reg.command(ANY_CONFIG, "abort", _abort)
    reg.command(ANY_CONFIG, "end", _end)
    reg.command(ANY_CONFIG, "exit", _exit_mode)
    reg.command(ANY_CONFIG, "root", _root)
    reg.command(ANY_CONFIG, "show configuration", _show_configuration, timestamp=True)
    reg.command(ANY_CONFIG, "show configuration merge", _show_configuration_merge, timestamp=True)
    reg.command(ANY_CONFIG, "show commit changes diff", _diff, timestamp=True)
    reg.command(ANY_CONFIG, "show configuration changes diff", _replace_diff, timestamp=True)
    reg.command(
        ANY_CONFIG,
        "show configuration changes",
        _replace_changes,
        timestamp=True,
        tasks=CONFIG_READ,
    )
    reg.command(ANY_CONFIG, "load <file:WORD>", _load, timestamp=False, tasks=CONFIG_WRITE)
    failed = "show configuration failed [ { load | rollback } ]"
    reg.command(ANY_CONFIG, failed, _show_failed, timestamp=True, tasks=CONFIG_READ)
    reg.command("exec", failed, _show_failed, tasks=CONFIG_READ)

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
        "exec",
        "show configuration commit list [ <count:1-100> ] detail",
        _show_commit_list_detail,
        tasks=CONFIG_READ,
    )
    changes = (
        "show configuration commit changes "
        "{ last <count:1-100> | since <commit:WORD> | <commit:WORD> } [ diff ]"
    )
    rollback_changes = (
        "show configuration rollback changes { last <count:1-100> | to <commit:WORD> } [ diff ]"
    )
    for mode in ("exec", ANY_CONFIG):
        reg.command(mode, changes, _show_commit_changes, timestamp=True, tasks=CONFIG_READ)
        reg.command(
            mode, rollback_changes, _show_rollback_changes, timestamp=True, tasks=CONFIG_READ
        )
    reg.command("exec", "copy running-config <destination:WORD>", _copy_running, tasks=CONFIG_READ)
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

"""Node filesystems: ``dir``, ``copy``, ``delete``, ``mkdir``, ``more`` and ``show file``, on
the active route processor (``harddisk:``, ``disk0:``, ``/misc/scratch``, ...) or another node
with ``location``."""

from __future__ import annotations

import stat
import time

from xrsim.chassis.filesystem import NodeFilesystem
from xrsim.cli.context import Ctx, Interaction, Prompt
from xrsim.cli.registry import Registry
from xrsim.errors import XrsimError

__all__ = ["register"]

#: Listing and reading files; copying, deleting and creating them.
_FS_READ = (("read", "filesystem"),)
_FS_EXEC = (("execute", "filesystem"),)


def _fs(ctx: Ctx) -> NodeFilesystem:
    node = ctx.args.get("node")
    return ctx.device.chassis.fs(str(node) if node is not None else None)


def _error(ctx: Ctx, verb: str, path: str, e: XrsimError) -> None:
    reason = str(e).removeprefix(f"{path}: ")
    ctx.line(f"%Error {verb} {path} ({reason})")


def _dir(ctx: Ctx) -> None:
    path = str(ctx.args.get("path", "harddisk:"))
    try:
        fs = _fs(ctx)
        fs.check_user_path(path)
        entries = fs.list(path)
        total, free = fs.usage(path)
        shown = fs.canonical(path)
    except XrsimError as e:
        _error(ctx, "opening", path, e)
        return
    ctx.line("")
    ctx.line(f"Directory of {shown}")
    ctx.line("")
    for i, entry in enumerate(sorted(entries, key=lambda x: x.name), 1):
        kind = stat.S_IFDIR if entry.is_dir else stat.S_IFREG
        perm = stat.filemode(kind | entry.mode)
        when = entry.mtime.strftime("%b %d %H:%M")
        ctx.line(f"{i:>10} {perm} {1:>2} {entry.size:>12} {when} {entry.name}")
    ctx.line("")
    ctx.line(f"{total // 1024} kbytes total ({free // 1024} kbytes free)")


def _copy(ctx: Ctx) -> Interaction:
    src, dst = str(ctx.args["source"]), str(ctx.args["destination"])
    fs = ctx.device.chassis.fs()
    try:
        fs.check_user_path(src)
        if not fs.exists(src):
            ctx.line(f"%Error opening {src} (No such file or directory)")
            return
    except XrsimError as e:
        _error(ctx, "opening", src, e)
        return
    answer = (yield Prompt(f"Destination filename [{dst}]?")).strip()
    if answer:
        dst = answer
    started = time.perf_counter()
    try:
        fs.check_user_path(dst)
        fs.copy(src, dst)
    except XrsimError as e:
        _error(ctx, "copying", src, e)
        return
    ctx.line(f"Copied in {time.perf_counter() - started:.2f} :seconds")


def _delete(ctx: Ctx) -> Interaction:
    path = str(ctx.args["path"])
    try:
        fs = _fs(ctx)
        fs.check_user_path(path)
        shown = fs.canonical(path)
        if not fs.exists(path):
            ctx.line(f"%Error deleting {path} (No such file or directory)")
            return
    except XrsimError as e:
        _error(ctx, "deleting", path, e)
        return
    answer = (yield Prompt(f"Delete {shown}[confirm]")).strip().lower()
    if answer and not ("yes".startswith(answer) or answer == "confirm"):
        return
    try:
        fs.check_user_path(path)
        fs.delete(path)
    except XrsimError as e:
        _error(ctx, "deleting", path, e)


def _mkdir(ctx: Ctx) -> Interaction:
    path = str(ctx.args["path"])
    answer = (yield Prompt(f"Create directory filename [{path}]?")).strip()
    if answer:
        path = answer
    try:
        fs = _fs(ctx)
        fs.check_user_path(path)
        fs.mkdir(path)
        ctx.line(f"Created dir {fs.canonical(path)}")
    except XrsimError as e:
        _error(ctx, "creating directory", path, e)


def _show(ctx: Ctx) -> None:
    path = str(ctx.args["path"])
    try:
        fs = _fs(ctx)
        fs.check_user_path(path)
        data = fs.read(path)
    except XrsimError as e:
        _error(ctx, "opening", path, e)
        return
    text = data.decode("utf-8", errors="replace")
    ctx.write(text if text.endswith("\n") or not text else text + "\n")


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "dir": "List files on a filesystem",
            "copy": "Copy from one file to another",
            "delete": "Delete a file",
            "mkdir": "Create a directory",
            "more": "Display the contents of a file",
            "file": "Display the contents of a file",
        }
    )
    reg.command("exec", "dir [ <path:WORD> ] [ location <node:WORD> ]", _dir, tasks=_FS_READ)
    reg.command("exec", "copy <source:WORD> <destination:WORD>", _copy, tasks=_FS_EXEC)
    reg.command("exec", "delete <path:WORD> [ location <node:WORD> ]", _delete, tasks=_FS_EXEC)
    reg.command("exec", "mkdir <path:WORD> [ location <node:WORD> ]", _mkdir, tasks=_FS_EXEC)
    reg.command("exec", "more <path:WORD> [ location <node:WORD> ]", _show, tasks=_FS_READ)
    reg.command("exec", "show file <path:WORD> [ location <node:WORD> ]", _show, tasks=_FS_READ)

"""Node filesystems: ``dir``, ``copy``, ``delete``, ``mkdir``, ``more`` and ``show file``, on
the active route processor (``harddisk:``, ``disk0:``, ``/misc/scratch``, ...) or another node
with ``location``."""

from __future__ import annotations

import stat
import time
from datetime import datetime, timedelta

from xrsim.aaa import FILE_WRITE
from xrsim.chassis.filesystem import NodeFilesystem
from xrsim.cli.context import Ctx, Interaction, Prompt
from xrsim.cli.registry import Registry
from xrsim.errors import XrsimError

__all__ = ["register"]

#: Listing and reading files; copying, deleting and creating them.
_FS_READ = (("read", "filesystem"),)
_FS_EXEC = FILE_WRITE


def _fs(ctx: Ctx) -> NodeFilesystem:
    node = ctx.args.get("node")
    return ctx.device.chassis.fs(str(node) if node is not None else None)


def _error(ctx: Ctx, verb: str, path: str, e: XrsimError) -> None:
    reason = str(e).removeprefix(f"{path}: ")
    ctx.line(f"%Error {verb} {path} ({reason})")


#: ``dir`` shows the time of day for files changed within this long, the year for older
#: ones (as ``ls -l``, which IOS XR's ``dir`` is).
RECENT = timedelta(days=182)


def _when(mtime: datetime, now: datetime) -> str:
    day = f"{mtime:%b} {mtime.day:>2}"
    if abs(now - mtime) <= RECENT:
        return f"{day} {mtime:%H:%M}"
    return f"{day}  {mtime.year}"


def _dir(ctx: Ctx) -> None:
    """IOS XR's ``dir``: inode, mode with the SELinux context mark (``.``), links, size,
    modification time and name, columns as wide as their widest value; then the device's
    size and free space."""
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
    now = ctx.device.clock.now()
    rows = []
    for entry in entries:
        kind = stat.S_IFLNK if entry.is_symlink else stat.S_IFDIR if entry.is_dir else stat.S_IFREG
        name = f"{entry.name} -> {entry.target}" if entry.target is not None else entry.name
        rows.append(
            (
                str(entry.inode),
                stat.filemode(kind | entry.mode) + ".",
                str(entry.links),
                str(entry.size),
                _when(entry.mtime, now),
                name,
            )
        )
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(4)]
    ctx.line("")
    ctx.line(f"Directory of {shown}")
    for inode, mode, links, size, when, name in rows:
        ctx.line(
            f"{inode:>{widths[0]}} {mode} {links:>{widths[2]}} {size:>{widths[3]}} {when} {name}"
        )
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
    try:
        fs.check_user_path(dst)
    except XrsimError as e:
        _error(ctx, "opening", dst, e)
        return
    started = time.perf_counter()
    try:
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
    reg.command(
        "exec", "dir [ /all ] [ <path:WORD> ] [ location <node:WORD> ]", _dir, tasks=_FS_READ
    )
    reg.command("exec", "copy <source:WORD> <destination:WORD>", _copy, tasks=_FS_EXEC)
    reg.command("exec", "delete <path:WORD> [ location <node:WORD> ]", _delete, tasks=_FS_EXEC)
    reg.command("exec", "mkdir <path:WORD> [ location <node:WORD> ]", _mkdir, tasks=_FS_EXEC)
    reg.command("exec", "more <path:WORD> [ location <node:WORD> ]", _show, tasks=_FS_READ)
    reg.command("exec", "show file <path:WORD> [ location <node:WORD> ]", _show, tasks=_FS_READ)

"""The install family: software packages (``xrsim.integrity.packages``, ``router.packages``).

Show commands (task ``pkg-mgmt`` read): ``show install active [summary]``, ``show install
committed [summary]``, ``show install inactive [summary]``, ``show install package NAME``,
``show install log [ID]``, ``show install request``. Operations (task ``pkg-mgmt`` write):
``install add source DEVICE PKG...``, ``install activate PKG...``, ``install deactivate
PKG...``, ``install commit``, ``install rollback to ID``.

Operations run to the end before the command returns (IOS XR runs them in the background and
prints the end later); each prints IOS XR's lines: ``Install operation N started by USER:``,
the command, the package list, ``Install operation N finished successfully``. An operation that
cannot be done prints ``% ...`` with the reason, takes no operation ID and changes nothing.

Layouts follow IOS XR 7.x (eXR): the package lists indented by 8 spaces, the base image as
``<family>-xr-<release> version=<release> [Boot image]``, the others by name-version-release;
the per-node forms list every node that runs IOS XR (``Node 0/RP0/CPU0 [RP]``, ``Boot
Partition: xr_lv0``). ``show install package`` prints the RPM header's fields, the signing
key ID and the file list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Registry
from xrsim.errors import (
    FilesystemError,
    InstallError,
    InvalidInput,
    InvalidPackage,
    UntrustedPackage,
    XrsimError,
)
from xrsim.integrity.packages import InstallRecord, Package

__all__ = ["register"]

READ = (("read", "pkg-mgmt"),)
WRITE = (("write", "pkg-mgmt"),)
#: Devices ``install add source`` reads from.
SOURCES = ("harddisk:", "disk0:")


def _stamp(when: datetime) -> str:
    """IOS XR's install log time: ``Mar 07 07:00:20``."""
    return f"{when:%b %d %H:%M:%S}"


def _label(ctx: Ctx) -> None:
    ctx.line(f"Label : {ctx.device.chassis.release}")
    ctx.line("")


def _summary(ctx: Ctx, title: str, packages: Sequence[Package], *, label: bool = True) -> None:
    if label:
        _label(ctx)
    ctx.line(f"    {title} Packages: {len(packages)}")
    for p in packages:
        ctx.line(f"        {p.label}")
    ctx.line("")


def _per_node(ctx: Ctx, title: str, packages: Sequence[Package]) -> None:
    """Per node that runs IOS XR: its boot partition and the packages."""
    _label(ctx)
    for node in ctx.device.chassis.nodes:
        if not node.runs_xr:
            continue
        ctx.line(f"Node {node.name} [{'RP' if node.is_rp else 'LC'}]")
        ctx.line("  Boot Partition: xr_lv0")
        ctx.line(f"  {title} Packages: {len(packages)}")
        for p in packages:
            ctx.line(f"        {p.label}")
        ctx.line("")


def _show_active(ctx: Ctx) -> None:
    _per_node(ctx, "Active", ctx.device.packages.active())


def _show_active_summary(ctx: Ctx) -> None:
    _summary(ctx, "Active", ctx.device.packages.active())


def _show_committed(ctx: Ctx) -> None:
    _per_node(ctx, "Committed", ctx.device.packages.committed())


def _show_committed_summary(ctx: Ctx) -> None:
    _summary(ctx, "Committed", ctx.device.packages.committed())


def _show_inactive(ctx: Ctx) -> None:
    _per_node(ctx, "Inactive", ctx.device.packages.inactive())


def _show_inactive_summary(ctx: Ctx) -> None:
    _summary(ctx, "Inactive", ctx.device.packages.inactive(), label=False)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.2f} MB"
    if n >= 1024:
        return f"{n / 1024:.2f} KB"
    return f"{n} bytes"


def _show_package(ctx: Ctx) -> None:
    pm = ctx.device.packages
    try:
        pkg = pm.find(str(ctx.args["package"]))
    except InstallError as e:
        ctx.line(f"% {e}")
        return
    active = {p.nvr for p in pm.active()}
    committed = {p.nvr for p in pm.committed()}
    built = datetime.fromtimestamp(pkg.build_time).astimezone()
    ctx.line(pkg.nvr)
    rows = (
        ("Name", pkg.name),
        ("Version", pkg.version),
        ("Release", pkg.release),
        ("Architecture", pkg.arch),
        ("Summary", pkg.summary),
        ("Vendor", pkg.vendor),
        ("Build Time", f"{built:%a %b %d %H:%M:%S %Y}"),
        ("Size", _size(pkg.size)),
        ("GPG Key ID", pkg.gpg_key_id or "(unsigned)"),
        ("State", "Active" if pkg.nvr in active else "Inactive"),
        ("Committed", "Yes" if pkg.nvr in committed else "No"),
        ("Boot image", "Yes" if pkg.boot else "No"),
        ("Source", pkg.source),
    )
    for key, value in rows:
        ctx.line(f"    {key:<13}: {value}")
    regular = [f for f in pkg.files if f.digest]
    ctx.line(f"    {'Files':<13}: {len(regular)}")
    for f in regular:
        ctx.line(f"        {f.path}")
    ctx.line("")


def _print_record(ctx: Ctx, r: InstallRecord) -> None:
    ctx.line(f"{_stamp(r.started)} Install operation {r.id} started by {r.user}:")
    ctx.line(f"  {r.command}")
    listed = r.packages if r.operation != "rollback" else r.active
    if listed:
        ctx.line(f"{_stamp(r.started)} Package list:")
        for nvr in listed:
            ctx.line(f"{_stamp(r.started)}     {nvr}")
    ctx.line(f"{_stamp(r.finished)} Install operation {r.id} finished successfully")


def _show_log(ctx: Ctx) -> None:
    pm = ctx.device.packages
    wanted = ctx.args.get("id")
    if wanted is not None:
        try:
            records = [pm.record(int(wanted))]
        except InstallError as e:
            ctx.line(f"% {e}")
            return
    else:
        records = pm.log()
    for r in records:
        _print_record(ctx, r)
        ctx.line(f"{_stamp(r.finished)} Ending operation {r.id}")
        ctx.line("")


def _show_request(ctx: Ctx) -> None:
    ctx.line("No install operation in progress")
    log = ctx.device.packages.log()
    if log:
        ctx.line("")
        ctx.line(f"The last install operation {log[-1].id} finished successfully")


def _report(ctx: Ctx, record: InstallRecord) -> None:
    _print_record(ctx, record)


def _refused(ctx: Ctx, e: XrsimError, source: str | None = None) -> None:
    if isinstance(e, InvalidPackage) and source is not None:
        ctx.line(f'% Package "{source}" is invalid: {e}')
    elif isinstance(e, UntrustedPackage):
        ctx.line(f"% Package signature verification failed: {e}")
    else:
        ctx.line(f"% {e}")


def _source_path(device: str, name: str) -> str:
    return device + name if device.endswith((":", "/")) else f"{device}/{name}"


def _install_add(ctx: Ctx) -> None:
    device = str(ctx.args["source"])
    names = str(ctx.args["packages"]).split()
    if not any(device == s or device.startswith(s) for s in SOURCES):
        ctx.line(f"% Invalid source {device}: packages are added from {', '.join(SOURCES)}")
        return
    fs = ctx.device.chassis.fs()
    items = []
    for name in names:
        path = _source_path(device, name)
        try:
            fs.check_user_path(path)
            items.append((fs.canonical(path), fs.read(path)))
        except FilesystemError as e:
            ctx.line(f"% Cannot read {path}: {e}")
            return
    command = f"install add source {device} {' '.join(names)}"
    try:
        record = ctx.device.packages.add(items, user=ctx.session.user, command=command)
    except (InvalidPackage, UntrustedPackage, InstallError, InvalidInput) as e:
        src = next((s for s, _ in items if s in str(e)), items[0][0] if items else None)
        _refused(ctx, e, src)
        return
    except XrsimError as e:
        ctx.line(f"% {e}")
        return
    _report(ctx, record)


def _names(ctx: Ctx) -> list[str]:
    return str(ctx.args["packages"]).split()


def _install_activate(ctx: Ctx) -> None:
    names = _names(ctx)
    try:
        record = ctx.device.packages.activate(
            names, user=ctx.session.user, command="install activate " + " ".join(names)
        )
    except XrsimError as e:
        _refused(ctx, e)
        return
    _report(ctx, record)


def _install_deactivate(ctx: Ctx) -> None:
    names = _names(ctx)
    try:
        record = ctx.device.packages.deactivate(
            names, user=ctx.session.user, command="install deactivate " + " ".join(names)
        )
    except XrsimError as e:
        _refused(ctx, e)
        return
    _report(ctx, record)


def _install_commit(ctx: Ctx) -> None:
    try:
        record = ctx.device.packages.commit(user=ctx.session.user)
    except XrsimError as e:
        _refused(ctx, e)
        return
    _report(ctx, record)


def _install_rollback(ctx: Ctx) -> None:
    op_id = int(ctx.args["id"])
    try:
        record = ctx.device.packages.rollback(
            op_id, user=ctx.session.user, command=f"install rollback to {op_id}"
        )
    except XrsimError as e:
        _refused(ctx, e)
        return
    _report(ctx, record)


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "install": "Show installation information",
            "active": "Show active packages",
            "summary": "Show a summary",
            "committed": "Show committed packages",
            "inactive": "Show inactive packages",
            "package": "Show the details of a package",
            "log": "Show the install operation log",
            "request": "Show the current install request",
            "add": "Add packages to the install repository",
            "source": "Where the packages are",
            "activate": "Activate packages",
            "deactivate": "Deactivate packages",
            "commit": "Commit the active software",
            "rollback": "Roll back to the software of an install operation",
            "to": "The install operation to roll back to",
        }
    )
    show = {
        "show install active": _show_active,
        "show install active summary": _show_active_summary,
        "show install committed": _show_committed,
        "show install committed summary": _show_committed_summary,
        "show install inactive": _show_inactive,
        "show install inactive summary": _show_inactive_summary,
        "show install package <package:WORD>": _show_package,
        "show install log [ <id:1-4294967295> ]": _show_log,
        "show install request": _show_request,
    }
    for syntax, handler in show.items():
        reg.command("exec", syntax, handler, tasks=READ)
    reg.command(
        "exec", "install add source <source:WORD> <packages:LINE>", _install_add, tasks=WRITE
    )
    reg.command("exec", "install activate <packages:LINE>", _install_activate, tasks=WRITE)
    reg.command("exec", "install deactivate <packages:LINE>", _install_deactivate, tasks=WRITE)
    reg.command("exec", "install commit", _install_commit, tasks=WRITE)
    reg.command("exec", "install rollback to <id:1-4294967295>", _install_rollback, tasks=WRITE)

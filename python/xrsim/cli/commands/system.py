"""System state shows: ``show users``, ``show configuration lock``, ``show ztp log``,
``show processes cpu`` and ``show memory summary``.

What each prints comes from real state: the router's session table and the CLI session
(``show users``), the datastore's exclusive lock (``show configuration lock``: nothing but the
timestamp when no session holds it, which is what Unicon waits for), the active RP's boot
time (``show ztp log``: the log of a router whose ZTP ran at boot, found its configuration and
exited, the line Unicon's ``spitfire`` plugin waits on), this process's own CPU times and
threads (``show processes cpu``: every router of a process is that one process) and the
platform profile's memory with the process's resident size (``show memory summary``).
"""

from __future__ import annotations

import os
import resource
from datetime import datetime
from pathlib import Path

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Registry

__all__ = ["register"]

READ_SYS = (("read", "sysmgr"), ("read", "system"))
CONFIG_READ = (("read", "config-services"),)


def _idle(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _show_users(ctx: Ctx) -> None:
    """The CLI sessions: the console (when this session is on it) and every SSH shell, ``*``
    before this session's line. Idle: 0 for this session (it is typing); for another, the
    time since it opened (xrsim does not record a session's last input)."""
    now = ctx.device.clock.now()
    ctx.line(f"   {'Line':<16}{'User':<21}{'Service':<9}Conns   Idle        Location")
    me = ctx.session
    if me.line_name.startswith("con"):
        line = me.line_name.replace("_", "/")
        ctx.line(f"*  {line:<16}{me.user:<21}{'hardware':<9}{0:>5}  {_idle(0):<12}")
    for info in ctx.device.session_table.ssh():
        if info.kind != "shell":
            continue
        mine = info.pty == me.line_name
        idle = 0.0 if mine else (now - info.started).total_seconds()
        mark = "*" if mine else " "
        ctx.line(
            f"{mark}  {info.pty:<16}{info.user:<21}{'ssh':<9}{0:>5}  {_idle(idle):<12}{info.host}"
        )


def _show_configuration_lock(ctx: Ctx) -> None:
    """The exclusive configuration lock and the session holding it; nothing when none does."""
    owner = ctx.device.datastore.exclusive_owner
    if owner is None:
        return
    ctx.line(f"{'Lock Type':<15}{'Session ID':<12}State")
    ctx.line(f"{'-' * 9:<15}{'-' * 10:<12}{'-' * 5}")
    ctx.line(f"{'Exclusive':<15}{owner:<12}Locked (configure exclusive)")


def _ztp_stamp(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M:%S},{when.microsecond // 1000:03d}"


def _show_ztp_log(ctx: Ctx) -> None:
    """The ZTP log since the active RP booted: ZTP started, found the router configured and
    exited without provisioning it."""
    booted = ctx.device.chassis.node_booted_at(ctx.device.chassis.active_rp.name)
    where = f"{{{os.getpid()} : MainThread}}"
    for message in (
        "ZTP started",
        "Startup configuration found: ZTP will not provision this router",
        "Exiting SUCCESSFULLY",
    ):
        ctx.line(f"{_ztp_stamp(booted)} [INFO] {where} {message}")


def _cpu_percent(cpu_seconds: float, wall_seconds: float) -> int:
    if wall_seconds <= 0:
        return 0
    return min(100, round(100 * cpu_seconds / wall_seconds / (os.cpu_count() or 1)))


def _threads() -> list[tuple[int, str, float]]:
    """This process's threads: (id, name, CPU seconds), from ``/proc/self/task``."""
    tick = os.sysconf("SC_CLK_TCK")
    out = []
    for task in sorted(Path("/proc/self/task").iterdir(), key=lambda p: int(p.name)):
        try:
            text = (task / "stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        out.append((int(task.name), name, (int(fields[11]) + int(fields[12])) / tick))
    return out


def _process_age() -> float:
    """Seconds since this process started (``/proc/self/stat`` start time, ``/proc/uptime``)."""
    stat = Path("/proc/self/stat").read_text()
    started = int(stat[stat.rindex(")") + 2 :].split()[19]) / os.sysconf("SC_CLK_TCK")
    return float(Path("/proc/uptime").read_text().split()[0]) - started


def _show_processes_cpu(ctx: Ctx) -> None:
    """This process's CPU utilisation (user + system time over the time since it started,
    on the machine's CPUs) and each of its threads, as IOS XR lists processes. The three
    windows show the same figure: xrsim keeps no samples of older times."""
    wall = _process_age()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    total = _cpu_percent(usage.ru_utime + usage.ru_stime, wall)
    ctx.line("")
    ctx.line(
        f"CPU utilization for one minute: {total}%; five minutes: {total}%; "
        f"fifteen minutes: {total}%"
    )
    ctx.line("")
    ctx.line(f"{'PID':<7}{'1Min':>4}{'5Min':>8}{'15Min':>9} Process")
    for tid, name, seconds in _threads():
        pct = f"{_cpu_percent(seconds, wall)}%"
        ctx.line(f"{tid:<7}{pct:>5}{pct:>7}{pct:>9} {name}")


def _resident_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _show_memory_summary(ctx: Ctx) -> None:
    """The active RP's memory (the platform profile's) less what this process holds."""
    ch = ctx.device.chassis
    total_mb = ch.platform.memory_mb
    used_mb = _resident_bytes() // (1024 * 1024)
    free_mb = max(0, total_mb - used_mb)
    now = ctx.device.clock.now()
    ctx.line(f"Node {ch.active_rp.name}, {now:%H:%M:%S}.{now.microsecond // 1000:03d}")
    ctx.line(f"Physical Memory: {total_mb}M total ({free_mb}M available)")
    ctx.line(f" Application Memory : {total_mb}M ({free_mb}M available)")


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "users": "Display information about terminal lines",
            "lock": "Show the configuration lock",
            "ztp": "Show Zero Touch Provisioning information",
            "log": "Show the ZTP log",
            "processes": "Show process information",
            "cpu": "Show CPU use per process",
            "memory": "Memory statistics",
        }
    )
    reg.command("exec", "show users", _show_users, tasks=(("read", "tty-access"),))
    reg.command("exec", "show configuration lock", _show_configuration_lock, tasks=CONFIG_READ)
    reg.command("exec", "show ztp log", _show_ztp_log, tasks=READ_SYS)
    reg.command("exec", "show processes cpu", _show_processes_cpu, tasks=READ_SYS)
    reg.command("exec", "show memory summary", _show_memory_summary, tasks=READ_SYS)

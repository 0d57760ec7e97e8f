"""The chassis: ``show version``, ``show platform``, ``show inventory``, ``show license udi``,
``reload [location NODE|all]``, ``redundancy switchover``, ``show redundancy`` and
``show reboot history [location NODE]``. The install commands are ``install.py``'s."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from xrsim.cli.context import Ctx, Interaction, Prompt
from xrsim.cli.registry import Registry
from xrsim.clock import xr_time, xr_uptime
from xrsim.errors import XrsimError

__all__ = ["register"]

#: Build information per release, as ``show version`` prints it (simulated images).
BUILD_INFO = {
    "Built By": "xrsim",
    "Built On": "Thu Feb 25 19:32:05 UTC 2021",
    "Built Host": "xrsim-build",
    "Workspace": "/xrsim/ws",
}


def _confirm(answer: str) -> bool:
    a = answer.strip().lower()
    return a == "" or "yes".startswith(a) or a == "confirm"


def _show_version(ctx: Ctx) -> None:
    ch = ctx.device.chassis
    rel = str(ch.release)
    ctx.line(f"Cisco IOS XR Software, Version {rel}")
    ctx.line("Copyright (c) 2013-2021 by Cisco Systems, Inc.")
    ctx.line("")
    ctx.line("Build Information:")
    for k, v in BUILD_INFO.items():
        ctx.line(f" {k:<13}: {v}")
    ctx.line(f" {'Version':<13}: {rel}")
    ctx.line(f" {'Location':<13}: /opt/cisco/XR/packages/")
    ctx.line(f" {'Label':<13}: {rel}")
    ctx.line("")
    ctx.line(f"cisco {ch.platform.version_model} () processor")
    ctx.line(f"System uptime is {xr_uptime(ch.uptime())}")
    ctx.line("")


def _show_platform(ctx: Ctx) -> None:
    # Rows are padded to the last column as IOS XR pads them: a node without a config state
    # (an NPU) still ends in the spaces of the State column, which fixed-column parsers
    # (ntc-templates' whitespace after the state) need.
    ctx.line(f"{'Node':<18}{'Type':<27}{'State':<18}Config state")
    ctx.line("-" * 80)
    for node in ctx.device.chassis.nodes:
        ctx.line(f"{node.name:<18}{node.type_label:<27}{node.state:<18}{node.config_state}")


def _show_inventory(ctx: Ctx) -> None:
    for item in ctx.device.chassis.inventory():
        ctx.line(f'NAME: "{item.name}", DESCR: "{item.descr}"')
        ctx.line(f"PID: {item.pid:<18}, VID: {item.vid}, SN: {item.sn}")
        ctx.line("")


def _show_license_udi(ctx: Ctx) -> None:
    ctx.line("")
    ctx.line(str(ctx.device.chassis.udi()))
    ctx.line("")


def _reload(ctx: Ctx, node: str | None) -> Interaction:
    ch = ctx.device.chassis
    if node is not None and node != "all":
        try:
            target = ch.node(node)
        except XrsimError as e:
            ctx.line(f"% {e}")
            return
        if not target.runs_xr:
            ctx.line(f"% {node} cannot be reloaded: it does not run IOS XR.")
            return
    answer = yield Prompt("Proceed with reload? [confirm]")
    if not _confirm(answer):
        return
    try:
        ch.reload(None if node in (None, "all") else node)
    except XrsimError as e:
        ctx.line(f"% {e}")
        return
    where = "all nodes" if node in (None, "all") else f"node {node}"
    ctx.line(f"Reloading {where}.")


def _reload_all(ctx: Ctx) -> Interaction:
    yield from _reload(ctx, None)


def _reload_location(ctx: Ctx) -> Interaction:
    yield from _reload(ctx, str(ctx.args["node"]))


def _switchover(ctx: Ctx) -> Interaction:
    ch = ctx.device.chassis
    standby = ch.standby_rp
    if standby is None:
        ctx.line("Switchover disallowed: Standby node is not present.")
        return
    answer = yield Prompt(
        f"Proceed with switchover {ch.active_rp.name} -> {standby.name}? [confirm]"
    )
    if not _confirm(answer):
        return
    try:
        ch.switchover()
    except XrsimError as e:
        ctx.line(f"% {e}")
        return
    ctx.line("Initiating switch-over.")


def _ago(td: timedelta) -> str:
    """A time span as ``show redundancy`` prints it: ``1 week, 2 days, 1 hour, 46 minutes``."""
    return ", ".join(re.findall(r"\d+ \w+", xr_uptime(td)))


def _stamp(when: datetime) -> str:
    return f"{when:%a %b} {when.day:>2} {when:%H:%M:%S %Y}"


def _show_redundancy(ctx: Ctx) -> None:
    """IOS XR's ``show redundancy``: roles, the standby's readiness (NSR: nothing to
    synchronise, so a present standby is NSR-ready), and the reload and boot information
    from the chassis' boot times, reboot and switchover history."""
    ch = ctx.device.chassis
    active, standby = ch.active_rp, ch.standby_rp
    now = ch.clock.now()
    ctx.line(f"Redundancy information for node {active.name}:")
    ctx.line("=" * 42)
    ctx.line(f"Node {active.name} is in ACTIVE role")
    if standby is None:
        ctx.line(f"Node {active.name} has no valid partner")
    else:
        ctx.line(f"Partner node ({standby.name}) is in STANDBY role")
        ctx.line(f"Standby node in {standby.name} is ready")
        ctx.line(f"Standby node in {standby.name} is NSR-ready")
    ctx.line("")
    ctx.line("Reload and boot info")
    ctx.line("-" * 22)
    reloaded = ch.booted_at
    ctx.line(f"{active.card_type} reloaded {_stamp(reloaded)}: {_ago(now - reloaded)} ago")
    booted = ch.node_booted_at(active.name)
    ctx.line(f"Active node booted {_stamp(booted)}: {_ago(now - booted)} ago")
    switchovers = [s for s in ch.switchover_history() if s.time >= reloaded]
    if switchovers:
        last = switchovers[-1].time
        ctx.line(f"Last switch-over {_stamp(last)}: {_ago(now - last)} ago")
    if standby is not None:
        up = ch.node_booted_at(standby.name)
        ctx.line(f"Standby node boot {_stamp(up)}: {_ago(now - up)} ago")
        ctx.line(f"Standby node last went ready {_stamp(up)}: {_ago(now - up)} ago")
        ctx.line(f"Standby node last went NSR-ready {_stamp(up)}: {_ago(now - up)} ago")
    ctx.line(f"There have been {len(switchovers)} switch-overs since reload")
    ctx.line("")
    active_reboots = ch.reboot_history(active.name)
    if active_reboots:
        ctx.line(f'Active node reload "Cause: {active_reboots[-1].reason}"')
    if standby is not None:
        standby_reboots = ch.reboot_history(standby.name)
        if standby_reboots:
            ctx.line(f'Standby node reload "Cause: {standby_reboots[-1].reason}"')


def _show_redundancy_summary(ctx: Ctx) -> None:
    """``show redundancy summary``: the active RP and its standby (``N/A`` when none)."""
    ch = ctx.device.chassis
    active, standby = ch.active_rp, ch.standby_rp
    ctx.line(f"    {'Active Node':<15}Standby Node")
    ctx.line(f"    {'-' * 11:<15}{'-' * 12}")
    if standby is None:
        ctx.line(f"    {active.name:>11}{'N/A':>16}")
    else:
        ctx.line(f"    {active.name:>11}{standby.name:>16} (Node Ready, NSR: Ready)")


def _show_reboot_history(ctx: Ctx) -> None:
    ch = ctx.device.chassis
    node = str(ctx.args.get("node", ch.active_rp.name))
    try:
        records = ch.reboot_history(node)
    except XrsimError as e:
        ctx.line(f"% {e}")
        return
    ctx.line(f"{'No':<4}{'Time':<30}Reason")
    for i, r in enumerate(records, 1):
        ctx.line(f"{i:<4}{xr_time(r.time):<30}{r.reason}")


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "version": "System hardware and software status",
            "platform": "Show platform information",
            "inventory": "Show the physical inventory",
            "license": "Show license information",
            "udi": "Show the Unique Device Identifier",
            "reload": "Halt and perform a cold restart",
            "location": "Specify a node",
            "all": "All nodes",
            "redundancy": "Show redundancy information",
            "summary": "Show a summary",
            "switchover": "Switch over to the standby route processor",
            "reboot": "Show reboot information",
            "history": "Reboot history",
        }
    )
    read_sys = (("read", "sysmgr"), ("read", "system"))

    reg.command("exec", "show version", _show_version, tasks=(("read", "basic-services"),))
    reg.command("exec", "show platform", _show_platform, tasks=read_sys)
    reg.command("exec", "show inventory", _show_inventory, tasks=read_sys)
    reg.command("exec", "show license udi", _show_license_udi, tasks=(("read", "sysmgr"),))
    reg.command("exec", "reload", _reload_all, tasks=(("execute", "root-lr"),))
    reg.command(
        "exec", "reload location <node:WORD>", _reload_location, tasks=(("execute", "root-lr"),)
    )
    reg.command("exec", "redundancy switchover", _switchover, tasks=(("execute", "root-lr"),))
    reg.command("exec", "show redundancy", _show_redundancy, tasks=read_sys)
    reg.command("exec", "show redundancy summary", _show_redundancy_summary, tasks=read_sys)
    reg.command(
        "exec", "show reboot history [ location <node:WORD> ]", _show_reboot_history, tasks=read_sys
    )

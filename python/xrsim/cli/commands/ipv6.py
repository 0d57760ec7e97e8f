"""IPv6 on interfaces, as far as xrsim has it: ``show ipv6 interface [brief]``.

xrsim configures no IPv6 address (``interface`` takes ``ipv4 address`` only), so every
interface shows what IOS XR shows for an interface without IPv6: ``IPv6 is disabled,
link-local address unassigned`` and ``No global unicast address is configured`` (``brief``:
``unassigned``). The interfaces and their state are ``xrsim.net.interfaces.interfaces`` of the
running configuration, as ``show interfaces`` shows them; ``Null0`` has no IPv6 and is left out,
as IOS XR leaves it out. Task: ``ipv6`` (read).
"""

from __future__ import annotations

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Registry
from xrsim.net import interfaces as ifs
from xrsim.net.interfaces import DEFAULT_VRF, Interface

__all__ = ["register"]

READ = (("read", "ipv6"),)
#: The table id IOS XR shows for the default VRF; other VRFs count up from it.
_DEFAULT_VRF_ID = 0x60000000


def _interfaces(ctx: Ctx) -> list[Interface]:
    state = ifs.interfaces(ctx.device.chassis, ctx.device.datastore.running_copy())
    return [i for i in state if i.type.name != "Null"]


def _status(i: Interface) -> str:
    """The interface's status as ``show ipv6 interface`` words it."""
    return "Shutdown" if i.shutdown else "Up"


def _show_ipv6_interface(ctx: Ctx) -> None:
    selected = _interfaces(ctx)
    vrfs = sorted({i.vrf for i in selected if i.vrf != DEFAULT_VRF})
    if ctx.has("brief"):
        for i in selected:
            ctx.line(f"{i.name:<23}[{_status(i)}/Down]")
            ctx.line("    unassigned")
        return
    for i in selected:
        vrf_id = (
            _DEFAULT_VRF_ID if i.vrf == DEFAULT_VRF else _DEFAULT_VRF_ID + 1 + vrfs.index(i.vrf)
        )
        ctx.line(
            f"{i.name} is {_status(i)}, ipv6 protocol is Down, Vrfid is {i.vrf} (0x{vrf_id:08x})"
        )
        ctx.line("  IPv6 is disabled, link-local address unassigned")
        ctx.line("  No global unicast address is configured")


def register(reg: Registry) -> None:
    reg.describe_words({"ipv6": "IPv6 information"})
    reg.command("exec", "show ipv6 interface [ brief ]", _show_ipv6_interface, tasks=READ)

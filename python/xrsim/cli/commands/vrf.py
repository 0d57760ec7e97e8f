"""VRFs: the top-level ``vrf NAME`` (``config-vrf``: ``description``, ``address-family ipv4
unicast`` / ``ipv6 unicast``) and ``show vrf { all | NAME } [ detail ]``.

A VRF the configuration defines here is one the router can use: an interface's ``vrf NAME``
(``cli/commands/interfaces.py``), a trustpoint's ``vrf NAME``, ``ssh server vrf NAME``. Where
its traffic goes is host wiring, not configuration: the router's VRF table
(``router.vrfs``, ``xrsim.net.vrf.Vrfs``) binds it to a Linux network namespace. ``show vrf``
prints what IOS XR prints (xrsim has no BGP VPNs: no RD, no route targets); ``detail`` adds
the interfaces in the VRF and its description. Task: ``ip-services`` (read for the show,
write for the configuration), as on IOS XR.
"""

from __future__ import annotations

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Item, Registry
from xrsim.config.tree import ConfigNode
from xrsim.net import interfaces as ifs

__all__ = ["AF_IPV4", "AF_IPV6", "VRF_DEFINITION", "register"]

READ = (("read", "ip-services"),)
WRITE = (("write", "ip-services"),)

#: The configuration lines (``xrsim.net.vrf.configured_vrfs`` reads ``vrf NAME``).
VRF_DEFINITION = ifs.VRF_DEFINITION
AF_IPV4 = "address-family ipv4 unicast"
AF_IPV6 = "address-family ipv6 unicast"

_HEADER = f"{'VRF':<21}{'RD':<20}{'RT':<27}{'AFI':<6}SAFI"


def _blocks(ctx: Ctx) -> list[ConfigNode]:
    tree = ctx.device.datastore.running_copy()
    return [n for n in tree.root.sorted_children() if n.syntax == VRF_DEFINITION]


def _families(block: ConfigNode) -> list[str]:
    found = {c.syntax for c in block.children.values()}
    return [af for af, syntax in (("IPV4", AF_IPV4), ("IPV6", AF_IPV6)) if syntax in found]


def _description(block: ConfigNode) -> str | None:
    for c in block.children.values():
        if c.syntax == ifs.DESCRIPTION:
            return str(c.args["text"])
    return None


def _show_vrf(ctx: Ctx) -> None:
    blocks = _blocks(ctx)
    if "vrf" in ctx.args:
        blocks = [b for b in blocks if b.args["name"] == ctx.args["vrf"]]
        if not blocks:
            ctx.line(f"% VRF {ctx.args['vrf']} does not exist")
            return
    if ctx.has("detail"):
        _detail(ctx, blocks)
        return
    ctx.line(_HEADER)
    for b in blocks:
        ctx.line(f"{b.args['name']!s:<21}not set".rstrip())
        for af in _families(b):
            ctx.line(f"{'':<68}{af:<6}Unicast")


def _detail(ctx: Ctx, blocks: list[ConfigNode]) -> None:
    state = ifs.interfaces(ctx.device.chassis, ctx.device.datastore.running_copy())
    for b in blocks:
        name = str(b.args["name"])
        ctx.line("")
        ctx.line(f"VRF {name}; RD not set; VPN ID not set")
        ctx.line("VRF mode: Regular")
        ctx.line(f"Description {_description(b) or 'not set'}")
        members = [i.name for i in state if i.vrf == name]
        ctx.line("Interfaces:" if members else "No interfaces")
        for m in members:
            ctx.line(f"  {m}")
        for af in _families(b):
            ctx.line(f"Address family {af} Unicast")
            ctx.line("  No import VPN route-target communities")
            ctx.line("  No export VPN route-target communities")
            ctx.line("  No import route policy")
            ctx.line("  No export route policy")
            ctx.line("  No import VPN route-policy")
            ctx.line("  No export VPN route-policy")
    ctx.line("")


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "vrf": "Specify a VRF",
            "address-family": "Specify an address family",
            "unicast": "Unicast sub address family",
            "detail": "Detailed information",
            "all": "All VRFs",
        }
    )
    reg.add_mode("config-vrf", "config", "config-vrf")
    reg.add_mode("config-vrf-af", "config-vrf", "config-vrf-af")
    reg.command("config", VRF_DEFINITION, tasks=WRITE, item=Item(submode="config-vrf"))
    reg.command("config-vrf", ifs.DESCRIPTION, tasks=WRITE, item=Item(key_words=1))
    for af in (AF_IPV4, AF_IPV6):
        reg.command("config-vrf", af, tasks=WRITE, item=Item(submode="config-vrf-af"))
    reg.command("exec", "show vrf { all | <vrf:NAME> } [ detail ]", _show_vrf, tasks=READ)

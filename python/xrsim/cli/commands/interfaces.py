"""Interfaces: ``interface NAME`` (``config-if``: ``description``, ``ipv4 address``,
``shutdown``, ``vrf``, ``mtu``), ``show interfaces [NAME] [brief | description]``, ``show
ipv4 [vrf all | vrf NAME] interface brief`` and ``show running-config interface [NAME]``.

An interface name is taken as IOS XR takes it: its type abbreviated and in any case, joined to
its location or apart (``interface Hu0/0/0/0``, ``interface mgmtEth 0/RP0/CPU0/0``), and
stored spelled out (``interface HundredGigE0/0/0/0``); a name that is not one of the router's
interfaces is refused at the ``^`` marker (``xrsim.net.interfaces.exists``). ``ipv4 address
A.B.C.D/LEN`` is stored as IOS XR shows it, ``ipv4 address A.B.C.D M.M.M.M``. The state shown
is ``xrsim.net.interfaces.interfaces`` of the running configuration. Tasks: ``interface``
(read for the shows, write for the configuration). The top-level ``vrf NAME`` an interface's
``vrf`` names is the ``vrf`` family's (``cli/commands/vrf.py``). An interface bound to a link
(``router.vrfs.bind_interface``) has its ``ipv4 address`` set on that link, inside its VRF's
network namespace, when the configuration is committed (``xrsim.net.vrf``).
"""

from __future__ import annotations

import ipaddress

from xrsim.aaa import readable_tree
from xrsim.cli.context import Ctx
from xrsim.cli.registry import ANY_CONFIG, Item, Registry
from xrsim.config.tree import ConfigTree
from xrsim.net import interfaces as ifs
from xrsim.net.interfaces import Interface

__all__ = ["register"]

READ = (("read", "interface"),)
WRITE = (("write", "interface"),)

_NAME_ARGS = "{ <name:IFNAME> | <type:IFTYPE> <id:IFID> }"


def _column_after(ctx: Ctx, word: str) -> int:
    """The column of the word after ``word`` in the line as typed (for the ``^`` marker)."""
    words, columns = ctx.match.words, ctx.match.columns
    for i, w in enumerate(words[:-1]):
        if w == word and i + 1 < len(columns):
            return columns[i + 1]
    return columns[-1] if columns else 0


def _named(ctx: Ctx, after: str) -> str | None:
    """The canonical name of the interface the line names (``name``, or ``type`` and
    ``id``), or None after printing the ``^`` error when it is not one of the router's."""
    if "name" in ctx.args:
        name = ifs.canonical_name(str(ctx.args["name"]))
    else:
        name = ifs.canonical_name(str(ctx.args["type"]), str(ctx.args["id"]))
    if name is None or not ifs.exists(ctx.device.chassis, name):
        ctx.invalid_at(_column_after(ctx, after))
        return None
    return name


def _interface_words(ctx: Ctx) -> list[str] | None:
    name = _named(ctx, "interface")
    return None if name is None else ["interface", name]


def _ipv4_words(ctx: Ctx) -> list[str] | None:
    """``ipv4 address A.B.C.D/LEN`` as ``ipv4 address A.B.C.D M.M.M.M``; a mask that is not
    contiguous, or a prefix length over 32, refused at its ``^``."""
    if ctx.match.command.negate and "address" not in ctx.args and "prefix" not in ctx.args:
        return ["ipv4", "address"]
    if "prefix" in ctx.args:
        try:
            net = ipaddress.IPv4Interface(str(ctx.args["prefix"]))
        except ValueError:
            ctx.invalid_at(_column_after(ctx, "address"))
            return None
        return ["ipv4", "address", str(net.ip), str(net.netmask)]
    mask = str(ctx.args["mask"])
    if ifs.prefix_of(mask) is None:
        ctx.invalid_at(ctx.match.columns[-1])
        return None
    return ["ipv4", "address", str(ctx.args["address"]), mask]


# -- show -----------------------------------------------------------------------------------


def _state(ctx: Ctx) -> list[Interface]:
    return ifs.interfaces(ctx.device.chassis, ctx.device.datastore.running_copy())


def _selected(ctx: Ctx) -> list[Interface] | None:
    """Every interface, or the one the line names (None after the ``^`` error)."""
    state = _state(ctx)
    if "name" not in ctx.args and "type" not in ctx.args:
        return state
    name = _named(ctx, "interfaces")
    found = [i for i in state if i.name == name] if name is not None else []
    if name is not None and not found:
        ctx.invalid_at(_column_after(ctx, "interfaces"))
    return found or None


def _words(state: str) -> str:
    return "administratively down" if state == "admin-down" else state


def _detail(ctx: Ctx, i: Interface) -> None:
    ctx.line(f"{i.name} is {_words(i.state)}, line protocol is {_words(i.line_state)} ")
    ctx.line("  Interface state transitions: 0")
    if i.type.physical:
        ctx.line(f"  Hardware is {i.type.name}, address is {i.mac} (bia {i.mac})")
    elif i.type.name == "Loopback":
        ctx.line("  Hardware is Loopback interface(s)")
    else:
        ctx.line("  Hardware is Null interface")
    if i.description:
        ctx.line(f"  Description: {i.description}")
    if i.ipv4 is not None:
        ctx.line(f"  Internet address is {i.ipv4.with_prefixlen}")
    elif i.type.name != "Null":
        ctx.line("  Internet address is Unknown")
    bw = i.bandwidth
    ctx.line(f"  MTU {i.mtu} bytes, BW {bw} Kbit" + (f" (Max: {bw} Kbit)" if bw else ""))
    ctx.line("     reliability 255/255, txload 0/255, rxload 0/255")
    ctx.line(f"  Encapsulation {i.type.encapsulation},")
    if i.type.physical:
        ctx.line(f"  Full-duplex, {bw // 1000}Mb/s, link type is force-up")
        ctx.line("  output flow control is off, input flow control is off")
        ctx.line("  Carrier delay (up) is 10 msec")
        ctx.line("  loopback not set,")
    elif i.type.name == "Loopback":
        ctx.line("  loopback not set,")
    ctx.line("  Last input never, output never")
    ctx.line('  Last clearing of "show interface" counters never')
    ctx.line("  5 minute input rate 0 bits/sec, 0 packets/sec")
    ctx.line("  5 minute output rate 0 bits/sec, 0 packets/sec")
    ctx.line("     0 packets input, 0 bytes, 0 total input drops")
    ctx.line("     0 drops for unrecognized upper-level protocol")
    ctx.line("     Received 0 broadcast packets, 0 multicast packets")
    if i.type.physical:
        ctx.line("              0 runts, 0 giants, 0 throttles, 0 parity")
        ctx.line("     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort")
    ctx.line("     0 packets output, 0 bytes, 0 total output drops")
    ctx.line("     Output 0 broadcast packets, 0 multicast packets")
    if i.type.physical:
        ctx.line("     0 output errors, 0 underruns, 0 applique, 0 resets")
        ctx.line("     0 output buffer failures, 0 output buffers swapped out")
        ctx.line("     0 carrier transitions")
    ctx.line("")


def _show_interfaces(ctx: Ctx) -> None:
    selected = _selected(ctx)
    if selected is None:
        return
    if ctx.has("brief"):
        _brief(ctx, selected)
    elif ctx.has("description"):
        _description(ctx, selected)
    else:
        for i in selected:
            _detail(ctx, i)


def _brief(ctx: Ctx, selected: list[Interface]) -> None:
    ctx.line("")
    ctx.line(f"{'Intf':>19}{'Intf':>11}{'LineP':>13}{'Encap':>19}{'MTU':>5}{'BW':>10}")
    ctx.line(f"{'Name':>19}{'State':>12}{'State':>12}{'Type':>19}{'(byte)':>7}{'(Kbps)':>10}")
    ctx.line("-" * 80)
    for i in selected:
        ctx.line(
            f"{i.short:>19}{i.state:>12}{i.line_state:>12}{i.type.encapsulation:>19}"
            f"{i.mtu:>6}{i.bandwidth:>11}"
        )
    ctx.line("")


def _description(ctx: Ctx, selected: list[Interface]) -> None:
    ctx.line("")
    ctx.line(f"{'Interface':<19}{'Status':<12}{'Protocol':<12}Description")
    ctx.line("-" * 80)
    for i in selected:
        ctx.line(f"{i.short:<19}{i.state:<12}{i.line_state:<12}{i.description}".rstrip())
    ctx.line("")


def _ipv4_status(i: Interface) -> tuple[str, str]:
    if i.shutdown:
        return "Shutdown", "Down"
    return "Up", "Up"


def _show_ipv4_brief(ctx: Ctx) -> None:
    vrf = ctx.args.get("vrf")
    ctx.line("")
    ctx.line(f"{'Interface':<31}{'IP-Address':<16}{'Status':<16}{'Protocol':<9}Vrf-Name")
    for i in _state(ctx):
        if i.type.name == "Null" or (vrf is not None and i.vrf != vrf):
            continue
        address = str(i.ipv4.ip) if i.ipv4 is not None else "unassigned"
        status, protocol = _ipv4_status(i)
        ctx.line(f"{i.name:<31}{address:<16}{status:<16}{protocol:<9}{i.vrf} ")


def _show_running_interface(ctx: Ctx) -> None:
    # what ``show running-config`` shows the user (the one filter, ``xrsim.aaa.readable``)
    tree = readable_tree(ctx.device.datastore.running_copy(), ctx.session.user_tasks())
    blocks = [n for n in tree.root.sorted_children() if n.syntax == ifs.INTERFACE]
    if "name" in ctx.args or "type" in ctx.args:
        name = _named(ctx, "interface")
        if name is None:
            return
        blocks = [n for n in blocks if n.args["name"] == name]
    if not blocks:
        ctx.line("% No such configuration item(s)")
        return
    sub = ConfigTree()
    for n in blocks:
        sub.root.children[n.key] = n
    for ln in sub.lines():
        ctx.line(ln)


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "interface": "Select an interface to configure",
            "interfaces": "Interface status and configuration",
            "ipv4": "IPv4 configuration subcommands",
            "address": "Set the IPv4 address of an interface",
            "shutdown": "shutdown the given interface",
            "mtu": "Set the MTU on an interface",
            "vrf": "Set VRF in which the interface operates",
            "brief": "Brief information",
            "all": "All VRFs",
        }
    )
    reg.add_mode("config-if", "config", "config-if")
    canonical = Item(submode="config-if", canonical=_interface_words)
    reg.command("config", ifs.INTERFACE, tasks=WRITE, item=canonical)
    reg.command("config", ifs.INTERFACE_SPLIT, tasks=WRITE, item=canonical)
    # Registration order is the schema order ``show running-config`` prints in, IOS XR's:
    # description, mtu, vrf (before the addresses it scopes), ipv4, shutdown.
    reg.command("config-if", ifs.DESCRIPTION, tasks=WRITE, item=Item(key_words=1))
    reg.command("config-if", ifs.MTU, tasks=WRITE, item=Item(key_words=1))
    reg.command("config-if", ifs.VRF, tasks=WRITE, item=Item(key_words=1))
    ipv4 = Item(key_words=2, canonical=_ipv4_words)
    reg.command("config-if", ifs.IPV4_ADDRESS, tasks=WRITE, item=ipv4)
    reg.command(
        "config-if",
        ifs.IPV4_PREFIX,
        tasks=WRITE,
        item=Item(
            key_words=2, canonical=_ipv4_words, no_syntax="no ipv4 address <prefix:IPV4PREFIX>"
        ),
    )
    reg.command("config-if", ifs.SHUTDOWN, tasks=WRITE, item=Item())

    show = f"show interfaces [ {_NAME_ARGS} ] [ {{ brief | description }} ]"
    reg.command("exec", show, _show_interfaces, tasks=READ)
    for syntax in (
        "show ipv4 interface brief",
        "show ipv4 vrf { all | <vrf:NAME> } interface brief",
        # IOS XR takes ``ip`` for ``ipv4`` here (``show ip int br``), also beside ``ipv6``
        "show ip interface brief",
    ):
        reg.command("exec", syntax, _show_ipv4_brief, tasks=READ)
    running = f"show running-config interface [ {_NAME_ARGS} ]"
    reg.command("exec", running, _show_running_interface, tasks=READ)
    reg.command(ANY_CONFIG, running, _show_running_interface, timestamp=True, tasks=READ)

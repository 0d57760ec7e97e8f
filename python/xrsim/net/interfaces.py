"""The router's interfaces (layer 3): names, configuration lines and state.

- ``IfType``: an interface type as IOS XR names it (``HundredGigE``, short ``Hu``), its
  encapsulation, default MTU and bandwidth; ``IF_TYPES`` the known ones, physical (the
  platform catalog's ``PORT_TYPES``) and virtual (``Loopback``, ``Null``).
- ``canonical_name(text)``: an interface name as typed (``Hu0/0/0/0``, ``mgmteth0/rp0/cpu0/0``,
  ``lo0``) spelled out (``HundredGigE0/0/0/0``), or None when it names no type.
- ``Port``: a physical port of the chassis: name, node, bandwidth and MAC address, derived from
  the platform's ``[[port]]`` tables; ``ports(chassis)``; ``mac_base(serial)`` the chassis'
  MAC base (stable, distinct per chassis serial; each port is the base plus its index).
- ``Interface``: one interface's state as ``show interfaces`` and the operational YANG models
  print it: administrative and line state, description, IPv4 address, VRF, MTU, bandwidth,
  encapsulation, MAC, counters; ``interfaces(chassis, tree)`` lists them in IOS XR's order
  (loopbacks, ``Null0``, management ports, then line-card ports) from a running configuration.
- ``exists(chassis, name)``: whether the (canonical) name is an interface this router can
  configure; ``factory_lines(chassis)``: the ``shutdown`` IOS XR puts on every line-card port
  at first boot.

The configuration syntaxes (``INTERFACE``, ``DESCRIPTION``...) are declared here, as the
``aaa`` ones are in ``xrsim.aaa.tasks``: the CLI registers them (``cli/commands/interfaces.py``)
and this module reads the typed arguments of their parse (``node.args``), never the text.

State rules: an interface with ``shutdown`` is ``admin-down``/``admin-down``; otherwise it is
``up``/``up`` (xrsim has no cabling: a port that is not shut down counts as connected).
Counters are zero: xrsim forwards no traffic through its interfaces.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass

from xrsim.chassis import Chassis
from xrsim.config.tree import ConfigNode, ConfigTree
from xrsim.platforms import PORT_TYPES

__all__ = [
    "DESCRIPTION",
    "IF_TYPES",
    "INTERFACE",
    "INTERFACE_SPLIT",
    "IPV4_ADDRESS",
    "IPV4_PREFIX",
    "MTU",
    "SHUTDOWN",
    "VRF",
    "VRF_DEFINITION",
    "IfType",
    "Interface",
    "Port",
    "canonical_name",
    "exists",
    "factory_lines",
    "interfaces",
    "mac_base",
    "ports",
    "prefix_of",
]

#: ``interface NAME`` (the stored form) and ``interface TYPE ID`` (typed as two words).
INTERFACE = "interface <name:IFNAME>"
INTERFACE_SPLIT = "interface <type:IFTYPE> <id:IFID>"
#: The ``(config-if)`` items.
DESCRIPTION = "description <text:LINE>"
IPV4_ADDRESS = "ipv4 address <address:IPV4> <mask:IPV4>"
IPV4_PREFIX = "ipv4 address <prefix:IPV4PREFIX>"
SHUTDOWN = "shutdown"
VRF = "vrf <name:NAME>"
MTU = "mtu <bytes:64-65535>"
#: The top-level ``vrf NAME`` an interface's ``vrf`` names.
VRF_DEFINITION = "vrf <name:NAME>"

#: The highest loopback number IOS XR accepts.
MAX_LOOPBACK = 2147483647
DEFAULT_VRF = "default"


@dataclass(frozen=True)
class IfType:
    """An interface type: full name, IOS XR's short name, encapsulation, MTU, bandwidth."""

    name: str
    short: str
    encapsulation: str
    mtu: int
    bandwidth: int
    physical: bool


_SHORT = {
    "MgmtEth": "Mg",
    "GigabitEthernet": "Gi",
    "TenGigE": "Te",
    "TwentyFiveGigE": "TF",
    "FortyGigE": "Fo",
    "HundredGigE": "Hu",
    "FourHundredGigE": "FH",
}

IF_TYPES: dict[str, IfType] = {
    **{n: IfType(n, _SHORT[n], "ARPA", 1514, bw, True) for n, bw in PORT_TYPES.items()},
    "Loopback": IfType("Loopback", "Lo", "Loopback", 1500, 0, False),
    "Null": IfType("Null", "Nu", "Null", 1500, 0, False),
}

_NAME = re.compile(r"([A-Za-z][A-Za-z-]*?)(\d+(?:/[A-Za-z]*\d+)*)")


def _type_of(text: str) -> IfType | None:
    """The type ``text`` names: its short name or full name (any case), else a unique
    prefix of one full name."""
    low = text.lower()
    for t in IF_TYPES.values():
        if low in (t.name.lower(), t.short.lower()):
            return t
    found = [t for t in IF_TYPES.values() if t.name.lower().startswith(low)]
    return found[0] if len(found) == 1 else None


def canonical_name(text: str, location: str | None = None) -> str | None:
    """``text`` (``Hu0/0/0/0``, or the type alone with ``location``) as IOS XR spells the
    interface (``HundredGigE0/0/0/0``); None when no type matches."""
    if location is not None:
        kind, ident = text, location
    else:
        m = _NAME.fullmatch(text)
        if m is None:
            return None
        kind, ident = m.group(1), m.group(2)
    t = _type_of(kind)
    if t is None or not re.fullmatch(r"\d+(?:/[A-Za-z]*\d+)*", ident):
        return None
    return f"{t.name}{ident.upper()}"


def _split(name: str) -> tuple[IfType, str]:
    m = _NAME.fullmatch(name)
    assert m is not None, name
    return IF_TYPES[m.group(1)], m.group(2)


def short_name(name: str) -> str:
    """``HundredGigE0/0/0/0`` -> ``Hu0/0/0/0`` (``show interfaces brief``)."""
    t, ident = _split(name)
    return f"{t.short}{ident}"


def mac_base(serial: str) -> int:
    """The chassis' MAC base: 48 bits derived from its serial number (stable, a different
    base per serial), locally administered and unicast, the low 8 bits clear for the ports."""
    digest = hashlib.sha256(f"xrsim-mac-base:{serial}".encode()).digest()
    value = int.from_bytes(digest[:6], "big")
    value = (value | (0x02 << 40)) & ~(0x01 << 40)  # locally administered, unicast
    return value & ~0xFF


def format_mac(value: int) -> str:
    """IOS XR's dotted form: ``0200.1a2b.3c00``."""
    h = f"{value:012x}"
    return f"{h[0:4]}.{h[4:8]}.{h[8:12]}"


@dataclass(frozen=True)
class Port:
    """A physical port of the chassis."""

    name: str
    type: IfType
    node: str
    mac: str


def ports(chassis: Chassis) -> list[Port]:
    """The chassis' ports in the platform's order, each with its MAC address."""
    base = mac_base(chassis.serial)
    out: list[Port] = []
    for spec in chassis.platform.ports:
        for name in spec.names():
            out.append(Port(name, IF_TYPES[spec.type], spec.node, format_mac(base + len(out))))
    return out


def exists(chassis: Chassis, name: str) -> bool:
    """Whether the canonical ``name`` is an interface of this router: one of its ports,
    ``Null0``, or a ``Loopback0`` to ``Loopback2147483647``."""
    t, ident = _split(name)
    if t.name == "Loopback":
        return ident.isdigit() and int(ident) <= MAX_LOOPBACK and str(int(ident)) == ident
    if t.name == "Null":
        return ident == "0"
    return any(p.name == name for p in ports(chassis))


def factory_lines(chassis: Chassis) -> list[str]:
    """What IOS XR configures at first boot: every line-card port shut down (the management
    ports are left up: they are how a simulated router is reached)."""
    out: list[str] = []
    for p in ports(chassis):
        if p.type.name != "MgmtEth":
            out += [f"interface {p.name}", f" {SHUTDOWN}"]
    return out


def prefix_of(mask: str) -> int | None:
    """The prefix length of a dotted mask; None when the mask is not contiguous."""
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


@dataclass(frozen=True)
class Interface:
    """One interface's state."""

    name: str
    type: IfType
    node: str | None
    mac: str | None
    description: str
    shutdown: bool
    ipv4: ipaddress.IPv4Interface | None
    vrf: str
    mtu: int

    @property
    def short(self) -> str:
        return short_name(self.name)

    @property
    def bandwidth(self) -> int:
        """kbit/s (``BW``)."""
        return self.type.bandwidth

    @property
    def state(self) -> str:
        """``up``, ``down`` or ``admin-down`` (``show interfaces brief``'s ``Intf State``)."""
        return "admin-down" if self.shutdown else "up"

    @property
    def line_state(self) -> str:
        """The line protocol: ``admin-down`` when shut down, else ``up``."""
        return "admin-down" if self.shutdown else "up"

    @property
    def configured(self) -> bool:
        return bool(self.description or self.shutdown or self.ipv4 or self.vrf != DEFAULT_VRF)


def _config(tree: ConfigTree) -> dict[str, ConfigNode]:
    return {str(n.args["name"]): n for n in tree.root.children.values() if n.syntax == INTERFACE}


def _interface(name: str, node: str | None, mac: str | None, block: ConfigNode | None) -> Interface:
    t, _ = _split(name)
    description, shutdown, vrf, mtu = "", False, DEFAULT_VRF, t.mtu
    ipv4: ipaddress.IPv4Interface | None = None
    for child in block.children.values() if block is not None else ():
        if child.syntax == DESCRIPTION:
            description = str(child.args["text"])
        elif child.syntax == SHUTDOWN:
            shutdown = True
        elif child.syntax == VRF:
            vrf = str(child.args["name"])
        elif child.syntax == MTU:
            mtu = int(child.args["bytes"])
        elif child.syntax == IPV4_ADDRESS:
            try:
                ipv4 = ipaddress.IPv4Interface(f"{child.args['address']}/{child.args['mask']}")
            except ValueError:
                ipv4 = None
    return Interface(name, t, node, mac, description, shutdown, ipv4, vrf, mtu)


def _loopback_number(name: str) -> int:
    return int(name[len("Loopback") :])


def interfaces(chassis: Chassis, tree: ConfigTree) -> list[Interface]:
    """Every interface of the router in IOS XR's order: the configured loopbacks (by
    number), ``Null0``, then the ports (management first, as the platform lists them)."""
    config = _config(tree)
    loopbacks = sorted((n for n in config if n.startswith("Loopback")), key=_loopback_number)
    out = [_interface(n, None, None, config[n]) for n in loopbacks]
    out.append(_interface("Null0", None, None, config.get("Null0")))
    out += [_interface(p.name, p.node, p.mac, config.get(p.name)) for p in ports(chassis)]
    return out

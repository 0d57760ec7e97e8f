"""Node kinds and the runtime node (layer 2: imports ``xrsim.errors`` and ``xrsim.platforms``).

- ``NodeKind``: the five kinds a platform file may name (``rp``, ``lc``, ``npu``, ``fan``,
  ``power``).
- ``Node`` and its kind classes ``RouteProcessor``, ``LineCard``, ``Npu``, ``FanTray``,
  ``PowerModule``: one board of a running chassis, with what ``show platform`` and ``show
  inventory`` print (card type, state, config state, role, PID, VID, serial). The kind classes
  hold the per-kind facts (states, whether the board runs IOS XR and has a filesystem, whether it
  is an inventory item).
- A name-to-class registry, mininet style: ``node_class(kind)`` gives the class for a kind,
  ``register_node_class(cls)`` replaces it (a lab can plug in its own behaviour), ``make_node``
  builds a node from a ``NodeSpec``.
- ``node_serials``: the serial number of every board, derived reproducibly from the chassis
  serial (boards marked ``chassis_serial`` carry the chassis serial itself).

``Chassis`` (``xrsim.chassis.chassis``) makes the nodes and changes roles on switchover; nodes
hold no references back to the chassis.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterable
from enum import StrEnum
from typing import ClassVar

from xrsim.errors import InvalidInput
from xrsim.platforms import NodeSpec

__all__ = [
    "FanTray",
    "LineCard",
    "Node",
    "NodeKind",
    "Npu",
    "PowerModule",
    "RouteProcessor",
    "make_node",
    "node_class",
    "node_classes",
    "node_serials",
    "register_node_class",
]

ROLE_ACTIVE = "Active"
ROLE_STANDBY = "Standby"


class NodeKind(StrEnum):
    """The kind of a node, spelled as in the platform files."""

    RP = "rp"
    LC = "lc"
    NPU = "npu"
    FAN = "fan"
    POWER = "power"


class Node:
    """One board of a running chassis. Subclasses set the per-kind class attributes."""

    kind: ClassVar[NodeKind]
    #: ``show platform`` State column at boot.
    default_state: ClassVar[str]
    #: ``show platform`` Config state column ("" for boards without one, such as NPUs).
    default_config_state: ClassVar[str] = "NSHUT"
    #: Runs IOS XR: has a filesystem, can be reloaded, keeps a reboot history.
    runs_xr: ClassVar[bool] = False
    #: Listed by ``show inventory``.
    in_inventory: ClassVar[bool] = True

    __slots__ = (
        "card_type",
        "config_state",
        "description",
        "name",
        "pid",
        "role",
        "serial",
        "spec",
        "state",
        "vid",
    )

    def __init__(self, spec: NodeSpec, serial: str) -> None:
        if spec.kind != self.kind:
            raise InvalidInput(f"node {spec.name} is of kind {spec.kind}, not {self.kind}")
        self.spec = spec
        self.name = spec.name
        self.card_type = spec.card_type
        self.pid = spec.pid
        self.vid = spec.vid
        self.description = spec.description
        self.serial = serial
        self.state = self.default_state
        self.config_state = self.default_config_state
        #: "Active" or "Standby" for route processors, None for other boards.
        self.role: str | None = None

    @property
    def has_filesystem(self) -> bool:
        return self.runs_xr

    @property
    def is_rp(self) -> bool:
        return self.kind is NodeKind.RP

    @property
    def type_label(self) -> str:
        """The ``show platform`` Type column: ``NCS-55A1-24H(Active)`` for RPs."""
        return f"{self.card_type}({self.role})" if self.role else self.card_type

    @property
    def prompt_name(self) -> str:
        """The node as the prompt shows it: ``RP/0/RP0/CPU0``."""
        return f"RP/{self.name}"

    def __repr__(self) -> str:
        role = f" {self.role}" if self.role else ""
        return f"<{type(self).__name__} {self.name} {self.card_type}{role} SN {self.serial}>"


class RouteProcessor(Node):
    """A route processor (RP, RSP): runs IOS XR; Active or Standby."""

    kind = NodeKind.RP
    default_state = "IOS XR RUN"
    runs_xr = True
    __slots__ = ()


class LineCard(Node):
    """A line card CPU: runs IOS XR."""

    kind = NodeKind.LC
    default_state = "IOS XR RUN"
    runs_xr = True
    __slots__ = ()


class Npu(Node):
    """A forwarding ASIC slice: ``UP``, no config state, not an inventory item."""

    kind = NodeKind.NPU
    default_state = "UP"
    default_config_state = ""
    in_inventory = False
    __slots__ = ()


class FanTray(Node):
    """A fan tray."""

    kind = NodeKind.FAN
    default_state = "OPERATIONAL"
    __slots__ = ()


class PowerModule(Node):
    """A power module."""

    kind = NodeKind.POWER
    default_state = "OPERATIONAL"
    __slots__ = ()


_REGISTRY: dict[str, type[Node]] = {
    cls.kind.value: cls for cls in (RouteProcessor, LineCard, Npu, FanTray, PowerModule)
}


def node_class(kind: str) -> type[Node]:
    """The class for a node kind; an unknown kind raises ``InvalidInput`` naming the known."""
    try:
        return _REGISTRY[str(kind)]
    except KeyError:
        known = ", ".join(_REGISTRY)
        raise InvalidInput(f"unknown node kind {kind!r} (kinds: {known})") from None


def node_classes() -> dict[str, type[Node]]:
    """A copy of the registry: kind name -> class."""
    return dict(_REGISTRY)


def register_node_class(cls: type[Node]) -> type[Node]:
    """Use ``cls`` for nodes of ``cls.kind`` from now on (usable as a class decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        raise InvalidInput(f"{cls!r} is not a Node class")
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, NodeKind):
        raise InvalidInput(f"{cls.__name__} has no NodeKind 'kind' attribute")
    _REGISTRY[kind.value] = cls
    return cls


def make_node(spec: NodeSpec, serial: str) -> Node:
    """A node of the registered class for ``spec.kind``."""
    return node_class(spec.kind)(spec, serial)


_UNIT_CHARS = string.digits + string.ascii_uppercase
_CISCO_SERIAL_LEN = 11
_UNIT_LEN = 4


def _unit(seed: bytes) -> str:
    number = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big")
    out = []
    for _ in range(_UNIT_LEN):
        number, digit = divmod(number, len(_UNIT_CHARS))
        out.append(_UNIT_CHARS[digit])
    return "".join(out)


def node_serials(chassis_serial: str, specs: Iterable[NodeSpec]) -> dict[str, str]:
    """Node name -> serial number, the same for the same chassis serial on every run.

    Boards marked ``chassis_serial`` carry the chassis serial; the others get the chassis
    serial's factory, year and week (its first 7 characters) and a 4-character unit derived from
    a SHA-256 of the chassis serial and the node name, unique within the chassis.
    """
    out: dict[str, str] = {}
    taken = {chassis_serial}
    prefix = (
        chassis_serial[: _CISCO_SERIAL_LEN - _UNIT_LEN]
        if len(chassis_serial) == _CISCO_SERIAL_LEN
        else chassis_serial
    )
    for spec in specs:
        if spec.chassis_serial:
            out[spec.name] = chassis_serial
            continue
        counter = 0
        while True:
            seed = f"xrsim-node-serial|{chassis_serial}|{spec.name}|{counter}".encode()
            serial = prefix + _unit(seed)
            if serial not in taken:
                break
            counter += 1
        taken.add(serial)
        out[spec.name] = serial
    return out

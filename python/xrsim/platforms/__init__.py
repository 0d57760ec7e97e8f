"""The platform catalog, as data (layer 1: imports only ``xrsim.errors`` and ``xrsim.release``).

Each platform is one TOML file in ``xrsim/platforms/data/`` (shipped as package data), read with
``tomllib`` and checked here; the runtime that brings a platform to life is
:mod:`xrsim.chassis` (topology as data, runtime apart, as in mininet).

- ``Platform``: PID, description, family, VID, default release, serial number format, the RP
  the prompt shows at first boot, and the nodes in ``show platform`` order.
- ``NodeSpec``: one node of a platform: location name (``0/RP0/CPU0``), kind (``rp``, ``lc``,
  ``npu``, ``fan``, ``power``), the card type ``show platform`` prints, PID, VID, description.
- ``SerialFormat``: Cisco's 11-character serial numbers (``FOC2104R15R``: factory code, year
  code, week, four unit characters): generates and recognises them.
- ``catalog()``, ``load(pid)``, ``load_file(path)``: the packaged catalog (parsed once), one
  platform by PID (case-insensitive), one file (validated; errors name the file).

File format (every key required unless marked)::

    pid = "NCS-55A1-24H"            description = "..."     family = "ncs5500"
    version_model = "NCS-5500"      vid = "V01"             release = "7.3.1"
    prompt_rp = "0/RP0/CPU0"        # an RP node: the one active at first boot
    [serial]  factories = ["FOC"]   years = [21, 25]        # year codes, year - 1996
    [[node]]  name = "0/RP0/CPU0"   kind = "rp"   card_type = "NCS-55A1-24H"
              description = "..."   pid = (optional, default card_type)
              vid = (optional, default the platform's)
              chassis_serial = (optional, default false: the board carries the chassis serial)
    memory_mb = 32768               # optional: the RP's memory in MiB (default 16384)
    packages = ["ncs5500-mpls-2.1.0.0"]   # optional: packages beside the base image
    [[port]]  node = "0/RP0/CPU0"   type = "MgmtEth"   prefix = "0/RP0/CPU0"   count = 1
              first = (optional, default 0: the first port number)
              # (optional tables) the node's ports: MgmtEth0/RP0/CPU0/0; a line card's
              # HundredGigE0/0/0/0-23 is prefix "0/0/0", count 24

- ``PortSpec``: a run of ports of one type on one node (``HundredGigE0/0/0/0`` to
  ``HundredGigE0/0/0/23``); ``PORT_TYPES`` the physical interface types with their bandwidth.
"""

from __future__ import annotations

import functools
import random
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, TypeAlias, cast

from xrsim.errors import InvalidInput
from xrsim.release import Release

__all__ = [
    "DEFAULT_PID",
    "NODE_KINDS",
    "PORT_TYPES",
    "NodeKindName",
    "NodeSpec",
    "Platform",
    "PortSpec",
    "SerialFormat",
    "catalog",
    "load",
    "load_file",
    "parse",
]

DEFAULT_PID = "NCS-55A1-24H"
#: An RP's memory when a profile does not give it (MiB).
DEFAULT_MEMORY_MB = 16384

NodeKindName: TypeAlias = Literal["rp", "lc", "npu", "fan", "power"]
NODE_KINDS: tuple[NodeKindName, ...] = ("rp", "lc", "npu", "fan", "power")
#: Node kinds that run IOS XR and therefore have a filesystem.
_FILESYSTEM_KINDS = frozenset({"rp", "lc"})
#: At most a redundant pair of route processors per chassis.
_MAX_RPS = 2

_NODE_NAME = re.compile(r"\d+(/[A-Z0-9]+){1,2}")
_PID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
_VID = re.compile(r"V\d{2}")
_PACKAGE = re.compile(r"[a-z0-9][a-z0-9-]*-\d+(\.\d+)*")
_FACTORY = re.compile(r"[A-Z]{3}")
_UNIT_CHARS = string.digits + string.ascii_uppercase
_SERIAL_WEEKS = 52

_PLATFORM_KEYS = frozenset(
    {
        "pid",
        "description",
        "family",
        "version_model",
        "vid",
        "release",
        "prompt_rp",
        "serial",
        "node",
        "memory_mb",
        "packages",
        "port",
    }
)
_PORT_KEYS = frozenset({"node", "type", "prefix", "first", "count"})
_PORT_PREFIX = re.compile(r"\d+/[A-Z0-9]+/[A-Z0-9]+")
_MAX_PORTS = 1024

#: The physical interface types a platform's ports may have, with their bandwidth in kbit/s
#: (what ``show interfaces`` prints as ``BW``).
PORT_TYPES: dict[str, int] = {
    "MgmtEth": 1_000_000,
    "GigabitEthernet": 1_000_000,
    "TenGigE": 10_000_000,
    "TwentyFiveGigE": 25_000_000,
    "FortyGigE": 40_000_000,
    "HundredGigE": 100_000_000,
    "FourHundredGigE": 400_000_000,
}
_NODE_KEYS = frozenset({"name", "kind", "card_type", "description", "pid", "vid", "chassis_serial"})
_SERIAL_KEYS = frozenset({"factories", "years"})


@dataclass(frozen=True)
class SerialFormat:
    """Cisco serial numbers: factory code (3 letters), year code (2 digits, year - 1996), week
    (01-52), unit (4 of 0-9A-Z): ``FOC2104R15R``."""

    factories: tuple[str, ...]
    years: tuple[int, int]

    def generate(self, rng: random.Random | None = None) -> str:
        """A random serial number in this format."""
        r = rng if rng is not None else random.SystemRandom()
        factory = r.choice(self.factories)
        year = r.randint(*self.years)
        week = r.randint(1, _SERIAL_WEEKS)
        unit = "".join(r.choice(_UNIT_CHARS) for _ in range(4))
        return f"{factory}{year:02d}{week:02d}{unit}"

    def matches(self, serial: str) -> bool:
        """Whether ``serial`` has this format (factory, year range, week, unit)."""
        if len(serial) != 11 or serial[:3] not in self.factories:
            return False
        year, week, unit = serial[3:5], serial[5:7], serial[7:]
        if not (year.isdigit() and week.isdigit()):
            return False
        return (
            self.years[0] <= int(year) <= self.years[1]
            and 1 <= int(week) <= _SERIAL_WEEKS
            and all(c in _UNIT_CHARS for c in unit)
        )

    def __str__(self) -> str:
        factories = "|".join(self.factories)
        return f"({factories})YYWW + 4 alphanumerics, YY {self.years[0]:02d}-{self.years[1]:02d}"


@dataclass(frozen=True)
class NodeSpec:
    """One node of a platform, as the catalog describes it (no runtime state)."""

    name: str
    kind: NodeKindName
    card_type: str
    pid: str
    description: str
    vid: str
    chassis_serial: bool = False

    @property
    def has_filesystem(self) -> bool:
        """Route processors and line cards run IOS XR and have a filesystem."""
        return self.kind in _FILESYSTEM_KINDS

    @property
    def slug(self) -> str:
        """The name as a directory name: ``0/RP0/CPU0`` -> ``0_RP0_CPU0``."""
        return self.name.replace("/", "_")


@dataclass(frozen=True)
class PortSpec:
    """A run of ``count`` ports of one ``type`` on one node (an RP or a line card), numbered
    from ``first`` below ``prefix``: ``HundredGigE0/0/0/0`` .. ``HundredGigE0/0/0/23``."""

    node: str
    type: str
    prefix: str
    first: int
    count: int

    @property
    def bandwidth(self) -> int:
        """Each port's bandwidth in kbit/s."""
        return PORT_TYPES[self.type]

    def names(self) -> list[str]:
        """The ports' full interface names, in order."""
        return [f"{self.type}{self.prefix}/{n}" for n in range(self.first, self.first + self.count)]


@dataclass(frozen=True)
class Platform:
    """A platform profile: what a chassis of this PID is made of."""

    pid: str
    description: str
    family: str
    version_model: str
    vid: str
    release: Release
    serial_format: SerialFormat
    prompt_rp: str
    nodes: tuple[NodeSpec, ...]
    source: str
    #: The route processor's memory in MiB (``show memory summary``).
    memory_mb: int = DEFAULT_MEMORY_MB
    #: The optional packages installed beside the base image, as named without the release
    #: suffix (``ncs5500-mpls-2.1.0.0``; ``show install active``).
    packages: tuple[str, ...] = ()
    #: The node ports, in the catalog's order (management ports, then line-card ports).
    ports: tuple[PortSpec, ...] = ()

    @property
    def rps(self) -> tuple[NodeSpec, ...]:
        """The route processor nodes, in profile order."""
        return tuple(n for n in self.nodes if n.kind == "rp")

    @property
    def redundant(self) -> bool:
        """Whether the chassis has a standby route processor."""
        return len(self.rps) > 1

    def node(self, name: str) -> NodeSpec:
        """The node named ``name`` (exact, case-insensitive); ``InvalidInput`` when absent."""
        wanted = name.upper()
        for spec in self.nodes:
            if spec.name == wanted:
                return spec
        known = ", ".join(n.name for n in self.nodes)
        raise InvalidInput(f"{self.pid} has no node {name!r} (nodes: {known})")


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------


def _fail(source: str, message: str) -> InvalidInput:
    return InvalidInput(f"platform file {source}: {message}")


def _check_keys(source: str, where: str, table: Mapping[str, object], keys: frozenset[str]) -> None:
    unknown = sorted(set(table) - keys)
    if unknown:
        raise _fail(source, f"{where}unknown key(s) {', '.join(unknown)}")


def _text(
    source: str,
    where: str,
    table: Mapping[str, object],
    key: str,
    *,
    default: str | None = None,
    pattern: re.Pattern[str] | None = None,
) -> str:
    value = table.get(key, default)
    if value is None:
        raise _fail(source, f"{where}missing {key!r}")
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, f"{where}{key!r} must be non-empty text, got {value!r}")
    if pattern is not None and not pattern.fullmatch(value):
        raise _fail(source, f"{where}{key!r} has an invalid value {value!r}")
    return value


def _serial_format(source: str, table: object) -> SerialFormat:
    if not isinstance(table, dict):
        raise _fail(source, "missing [serial] table")
    _check_keys(source, "[serial]: ", table, _SERIAL_KEYS)
    factories = table.get("factories")
    if (
        not isinstance(factories, list)
        or not factories
        or not all(isinstance(f, str) and _FACTORY.fullmatch(f) for f in factories)
    ):
        raise _fail(source, f"[serial]: factories must be 3-letter codes, got {factories!r}")
    years = table.get("years")
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not all(isinstance(y, int) and not isinstance(y, bool) and 0 <= y <= 99 for y in years)
        or years[0] > years[1]
    ):
        raise _fail(source, f"[serial]: years must be [first, last] codes 0-99, got {years!r}")
    return SerialFormat(tuple(cast(list[str], factories)), (int(years[0]), int(years[1])))


def _node_spec(source: str, index: int, table: object, platform_vid: str) -> NodeSpec:
    if not isinstance(table, dict):
        raise _fail(source, f"node #{index + 1} is not a table")
    name = _text(source, f"node #{index + 1}: ", table, "name", pattern=_NODE_NAME)
    where = f"node {name}: "
    _check_keys(source, where, table, _NODE_KEYS)
    kind = _text(source, where, table, "kind")
    if kind not in NODE_KINDS:
        raise _fail(source, f"{where}unknown kind {kind!r} (kinds: {', '.join(NODE_KINDS)})")
    card_type = _text(source, where, table, "card_type")
    chassis_serial = table.get("chassis_serial", False)
    if not isinstance(chassis_serial, bool):
        raise _fail(source, f"{where}chassis_serial must be true or false")
    return NodeSpec(
        name=name,
        kind=kind,
        card_type=card_type,
        pid=_text(source, where, table, "pid", default=card_type, pattern=_PID),
        description=_text(source, where, table, "description"),
        vid=_text(source, where, table, "vid", default=platform_vid, pattern=_VID),
        chassis_serial=chassis_serial,
    )


def _port_spec(source: str, index: int, table: object, nodes: Mapping[str, NodeSpec]) -> PortSpec:
    if not isinstance(table, dict):
        raise _fail(source, f"port #{index + 1} is not a table")
    where = f"port #{index + 1}: "
    _check_keys(source, where, table, _PORT_KEYS)
    node = _text(source, where, table, "node")
    if node not in nodes or nodes[node].kind not in ("rp", "lc"):
        raise _fail(source, f"{where}node {node!r} is not a route processor or line card")
    kind = _text(source, where, table, "type")
    if kind not in PORT_TYPES:
        raise _fail(source, f"{where}unknown type {kind!r} (types: {', '.join(PORT_TYPES)})")
    prefix = _text(source, where, table, "prefix", pattern=_PORT_PREFIX)
    numbers = []
    for key, default in (("first", 0), ("count", None)):
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_PORTS:
            raise _fail(source, f"{where}{key!r} must be a number 0-{_MAX_PORTS}, got {value!r}")
        numbers.append(value)
    if numbers[1] < 1:
        raise _fail(source, f"{where}'count' must be at least 1")
    return PortSpec(node=node, type=kind, prefix=prefix, first=numbers[0], count=numbers[1])


def _ports(source: str, raw: object, nodes: tuple[NodeSpec, ...]) -> tuple[PortSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(source, "'port' must be [[port]] tables")
    by_name = {n.name: n for n in nodes}
    ports = tuple(_port_spec(source, i, t, by_name) for i, t in enumerate(raw))
    seen: set[str] = set()
    for port in ports:
        for name in port.names():
            # One interface per location whatever its type (Hu0/0/0/1 and Te0/0/0/1 clash).
            location = name[len(port.type) :]
            if location in seen:
                raise _fail(source, f"two ports at {location}")
            seen.add(location)
    return ports


def parse(data: Mapping[str, object], source: str) -> Platform:
    """A ``Platform`` from a parsed TOML document; ``source`` names it in error messages."""
    _check_keys(source, "", data, _PLATFORM_KEYS)
    pid = _text(source, "", data, "pid", pattern=_PID)
    vid = _text(source, "", data, "vid", pattern=_VID)
    try:
        release = Release.parse(_text(source, "", data, "release"))
    except InvalidInput as exc:
        raise _fail(source, str(exc)) from None
    raw_nodes = data.get("node")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise _fail(source, "no [[node]] tables")
    nodes = tuple(_node_spec(source, i, t, vid) for i, t in enumerate(raw_nodes))
    seen: set[str] = set()
    for spec in nodes:
        if spec.name in seen:
            raise _fail(source, f"duplicate node {spec.name}")
        seen.add(spec.name)
    rps = [n for n in nodes if n.kind == "rp"]
    if not rps:
        raise _fail(source, "no route processor (a node of kind 'rp')")
    if len(rps) > _MAX_RPS:
        raise _fail(source, f"{len(rps)} route processors; at most {_MAX_RPS} (a redundant pair)")
    if sum(n.chassis_serial for n in nodes) > 1:
        raise _fail(source, "more than one node carries the chassis serial")
    prompt_rp = _text(source, "", data, "prompt_rp")
    if prompt_rp not in {n.name for n in rps}:
        raise _fail(source, f"prompt_rp {prompt_rp!r} is not a route processor node")
    return Platform(
        pid=pid,
        description=_text(source, "", data, "description"),
        family=_text(source, "", data, "family"),
        version_model=_text(source, "", data, "version_model"),
        vid=vid,
        release=release,
        serial_format=_serial_format(source, data.get("serial")),
        prompt_rp=prompt_rp,
        nodes=nodes,
        source=source,
        memory_mb=_memory(source, data.get("memory_mb", DEFAULT_MEMORY_MB)),
        packages=_packages(source, data.get("packages", [])),
        ports=_ports(source, data.get("port"), nodes),
    )


def _memory(source: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1024 <= value <= 1 << 20:
        raise _fail(source, "memory_mb must be an integer of MiB from 1024 to 1048576")
    return value


def _packages(source: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(p, str) and _PACKAGE.fullmatch(p) for p in value
    ):
        raise _fail(source, "packages must be a list of package names (name-version)")
    return tuple(value)


def load_file(path: str | Path) -> Platform:
    """One platform file, validated; any problem raises ``InvalidInput`` naming the file."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(str(file), f"cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(str(file), f"not valid TOML: {exc}") from None
    return parse(data, str(file))


def _collect(platforms: Iterable[Platform]) -> dict[str, Platform]:
    out: dict[str, Platform] = {}
    for platform in platforms:
        key = platform.pid.upper()
        if key in out:
            raise _fail(platform.source, f"PID {platform.pid} also in {out[key].source}")
        out[key] = platform
    return dict(sorted(out.items()))


@functools.cache
def _packaged() -> tuple[Platform, ...]:
    data = resources.files(__name__) / "data"
    out: list[Platform] = []
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        source = f"xrsim/platforms/data/{entry.name}"
        try:
            document = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise _fail(source, f"not valid TOML: {exc}") from None
        out.append(parse(document, source))
    return tuple(_collect(out).values())


def catalog(directory: str | Path | None = None) -> dict[str, Platform]:
    """PID -> ``Platform`` for the packaged catalog (parsed once per process), or for every
    ``*.toml`` file in ``directory``."""
    if directory is None:
        return {p.pid: p for p in _packaged()}
    files = sorted(Path(directory).glob("*.toml"))
    return {p.pid: p for p in _collect(load_file(f) for f in files).values()}


def load(pid: str, directory: str | Path | None = None) -> Platform:
    """The platform with this PID (case-insensitive); an unknown PID raises ``InvalidInput``
    naming the known ones."""
    platforms = catalog(directory)
    wanted = pid.strip().upper() if isinstance(pid, str) else ""
    for platform in platforms.values():
        if platform.pid.upper() == wanted:
            return platform
    raise InvalidInput(f"unknown platform {pid!r} (known: {', '.join(platforms)})")

"""Lab files: YAML read, checked against ``lab.schema.json`` and made into a ``LabSpec``.

- ``load(path)`` / ``loads(text, source=..., base=...)``: the YAML is composed with PyYAML's
  safe loader into its node tree (so that every value keeps its line), turned into plain data
  (a repeated key is refused with its line), validated with ``jsonschema``'s Draft 2020-12
  validator against ``lab.schema.json`` (package data: the one list of field names and types),
  then checked for what a schema cannot say (``_Checker``: fixed ports colliding, ``count``
  names colliding, networks that do not exist, addresses outside their subnet or given twice,
  subnets outside 198.18.0.0/15 or overlapping, a ``config_file`` that cannot be read, an
  unknown platform or release, a user with neither or both of password and secret). Defaults
  are merged (a node's own value wins, whole) and ``count`` expanded in file order.
- Every refusal is ``xrsim.errors.LabFileError(path, line, field, reason)``: the line of the
  offending YAML node (from 1; 0 for the file as a whole), the dotted field
  (``nodes.r1.ssh_port``, ``defaults.users[0].password``) and a reason in words. When a file
  has several faults, the one nearest its top is reported (ties: ``jsonschema``'s
  ``best_match``), so the same file always gets the same error.
- ``default_serial(lab, node, platform)``: the serial a node without one gets, stable for a
  lab and node name, in the platform's serial format.
- ``dumps(spec)``: a lab file (expanded: no defaults, no count) that ``loads`` reads back to
  an equal ``LabSpec``; it carries the users' passwords, as the lab file it came from did.
- ``schema()``: the lab schema as a dict.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import json
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

from xrsim.cli.registry import TYPES
from xrsim.errors import InvalidInput, LabFileError
from xrsim.lab.spec import LabSpec, NetworkSpec, NodeSpec, PeerSpec, UserSpec, VrfSpec
from xrsim.platforms import catalog
from xrsim.release import Release

__all__ = ["LAB_RANGE", "default_serial", "dump", "dumps", "load", "loads", "schema"]

#: Where lab subnets come from: the benchmarking range (RFC 2544), never routed.
LAB_RANGE = ipaddress.IPv4Network("198.18.0.0/15")
#: More values than this (aliases of aliases...) and the file is refused before it is read.
_MAX_VALUES = 200_000
_MAX_DEPTH = 64
_HOSTNAME = re.compile(TYPES["HOSTNAME"])
_DEFAULT_NODE = NodeSpec(name="-")

Path_ = tuple[str | int, ...]


@cache
def schema() -> dict[str, Any]:
    """The lab schema (``lab.schema.json``, JSON Schema Draft 2020-12)."""
    text = resources.files("xrsim.lab").joinpath("lab.schema.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def load(path: str | Path) -> LabSpec:
    """The lab described by the YAML file at ``path`` (its ``config_file`` names relative to
    the file's directory); ``LabFileError`` when it cannot be read or is refused."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise LabFileError(str(p), 0, "", f"cannot read the lab file: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise LabFileError(str(p), line, "", "not UTF-8 text") from None
    spec = loads(text, source=str(p), base=p.parent)
    return LabSpec(spec.name, spec.nodes, spec.networks, spec.peers, source=p.resolve())


def loads(text: str, source: str = "<string>", base: Path | None = None) -> LabSpec:
    """The lab described by YAML ``text``; ``source`` names it in errors, ``base`` is where
    ``config_file`` names are relative to (None: the current directory)."""
    data, lines = _compose(text, source)
    _validate(data, lines, source)
    return _Checker(data, lines, source, base if base is not None else Path.cwd()).spec()


# -- YAML -> data, with lines --------------------------------------------------------------

_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Composer:
    """YAML nodes -> plain data; ``lines[path]``: the line of the key (a mapping's entry) or
    of the value (a list item, the document)."""

    def __init__(self, loader: yaml.SafeLoader, source: str) -> None:
        self.loader = loader
        self.source = source
        self.lines: dict[Path_, int] = {}
        self.count = 0

    def fail(self, node: yaml.Node, reason: str) -> LabFileError:
        return LabFileError(self.source, node.start_mark.line + 1, "", reason)

    def walk(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        self.count += 1
        if self.count > _MAX_VALUES or depth > _MAX_DEPTH:
            raise self.fail(node, "too many or too deeply nested values (aliases?)")
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(node, f"YAML tag {node.tag} is not taken in a lab file")
            items = []
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                items.append(self.walk(item, (*path, i), depth + 1))
            return items
        assert isinstance(node, yaml.MappingNode)
        if node.tag != _MAP:
            raise self.fail(node, f"YAML tag {node.tag} is not taken in a lab file")
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.key(key_node)
            if key in seen:
                raise LabFileError(
                    self.source,
                    key_node.start_mark.line + 1,
                    _dotted((*path, key)),
                    f"field {key!r} given twice (first at line {seen[key]})",
                )
            seen[key] = key_node.start_mark.line + 1
        self.loader.flatten_mapping(node)  # merge keys (<<: *anchor); the node's own win
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.walk(value_node, (*path, key), depth + 1)
        return out

    def key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, "a field name must be text, not a list or mapping")
        return str(node.value)


def _compose(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    try:
        loader = yaml.SafeLoader(text)  # the pure-Python parser: its messages name the character
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1
        reason = f"character {e.character:#06x} is not taken ({e.reason})"
        raise LabFileError(source, line, "", f"YAML syntax: {reason}") from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise LabFileError(source, 0, "", "the lab file is empty")
        composer = _Composer(loader, source)
        composer.lines[()] = root.start_mark.line + 1
        data = composer.walk(root, ())
        return data, composer.lines
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else 0
        reason = str(e.problem or e.context or "not YAML")
        if e.problem and e.context:
            reason += f" ({e.context})"
        raise LabFileError(source, line, "", f"YAML syntax: {reason}") from None
    except yaml.YAMLError as e:
        raise LabFileError(source, 0, "", f"YAML syntax: {e}") from None
    finally:
        loader.dispose()


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(lines: Mapping[Path_, int], path: Path_) -> int:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 0)


# -- schema errors -> line, field, reason --------------------------------------------------


def _shown(value: Any) -> str:  # noqa: PLR0911 (one return per YAML kind)
    if value is None:
        return "null (nothing)"
    if value is True or value is False:
        return str(value).lower()
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, int | float):
        return str(value)
    return f"{type(value).__name__} {str(value)!r}"


def _expect(sub: Mapping[str, Any]) -> str:
    if "x-expect" in sub:
        return str(sub["x-expect"])
    if "enum" in sub:
        return "one of " + ", ".join(str(v) for v in sub["enum"])
    if sub.get("type") == "integer" and "minimum" in sub:
        return f"an integer from {sub['minimum']} to {sub['maximum']}"
    names = {"string": "text", "integer": "an integer", "array": "a list", "object": "a mapping"}
    return str(names.get(str(sub.get("type")), sub.get("type", "something else")))


def _where(err: ValidationError, lines: Mapping[Path_, int]) -> tuple[int, str, str]:
    path: Path_ = tuple(err.absolute_path)
    sub = err.schema if isinstance(err.schema, Mapping) else {}
    if err.validator == "additionalProperties":
        known = list(sub.get("properties", {}))
        key = next(k for k in err.instance if k not in known)
        node_only = schema()["$defs"]["node"]["properties"]
        if path == ("defaults",) and key in node_only:
            reason = f"{key!r} is a node's own field, not one for defaults"
            return _line(lines, (*path, key)), _dotted((*path, key)), reason
        reason = f"unknown field {key!r}"
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            reason += f" (did you mean {close[0]!r}?)"
        elif known:
            reason += f" (fields: {', '.join(known)})"
        return _line(lines, (*path, key)), _dotted((*path, key)), reason
    if err.validator == "required":
        key = next(k for k in err.validator_value if k not in err.instance)
        return _line(lines, path), _dotted((*path, key)), f"required field {key!r} is missing"
    if "propertyNames" in err.relative_schema_path:
        key = str(err.instance)
        reason = f"the name {key!r} is not {_expect(sub)}"
        return _line(lines, (*path, key)), _dotted((*path, key)), reason
    if err.validator == "uniqueItems":
        return _line(lines, path), _dotted(path), "must not name the same item twice"
    return _line(lines, path), _dotted(path), f"must be {_expect(sub)}, not {_shown(err.instance)}"


def _validate(data: Any, lines: Mapping[Path_, int], source: str) -> None:
    errors = list(_validator().iter_errors(data))
    if not errors:
        return
    # A required field missing beside an unknown one: the unknown one is likely it, misspelled.
    unknown = {tuple(e.absolute_path) for e in errors if e.validator == "additionalProperties"}
    errors = [
        e for e in errors if e.validator != "required" or tuple(e.absolute_path) not in unknown
    ]
    placed = [(_where(e, lines), e) for e in errors]
    first = min(w[0] for w, _ in placed)
    chosen = best_match([e for w, e in placed if w[0] == first])
    assert chosen is not None
    line, field, reason = next(w for w, e in placed if e is chosen)
    raise LabFileError(source, line, field, reason)


# -- semantic checks, defaults, count ------------------------------------------------------


def default_serial(lab: str, node: str, platform: str = _DEFAULT_NODE.platform) -> str:
    """The serial number of node ``node`` of lab ``lab`` when the lab file gives none: the
    same for the same names, in the platform's format (``FOC2222R1A1``)."""
    return _serials(lab, node, platform).__next__()


def _serials(lab: str, node: str, platform: str) -> Iterator[str]:
    fmt = catalog()[platform].serial_format
    seed = int.from_bytes(hashlib.sha256(f"xrsim-lab/{lab}/{node}".encode()).digest()[:16])
    rng = random.Random(seed)  # noqa: S311 (a stable serial number, not a secret)
    while True:
        yield fmt.generate(rng)


class _Refused(Exception):
    def __init__(self, path: Path_, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


@dataclass
class _Value:
    value: Any
    path: Path_  # where in the file it was given


class _Checker:
    """What the schema cannot check, on data the schema accepted; ``spec()`` makes the
    ``LabSpec`` or raises the refusal nearest the top of the file."""

    def __init__(self, data: dict[str, Any], lines: Mapping[Path_, int], source: str, base: Path):
        self.data = data
        self.lines = lines
        self.source = source
        self.base = base
        self.faults: list[tuple[int, str, str]] = []
        self.files: dict[Path, tuple[str, ...] | _Refused] = {}
        self.platforms = catalog()

    def refuse(self, path: Path_, reason: str) -> None:
        self.faults.append((_line(self.lines, path), _dotted(path), reason))

    def where(self, path: Path_) -> str:
        return f"line {_line(self.lines, path)}"

    def spec(self) -> LabSpec:
        name = self.data["name"]
        networks = self.networks()
        nodes = self.nodes(name, networks)
        peers = self.peers(networks)
        self.ports(nodes, peers)
        self.addresses(nodes, peers, networks)
        if self.faults:
            line, field, reason = min(self.faults, key=lambda f: f[0])
            raise LabFileError(self.source, line, field, reason)
        specs = tuple(n.spec for n in nodes)
        nets = tuple(NetworkSpec(n, str(s) if s is not None else None) for n, s in networks.items())
        return LabSpec(name, specs, nets, tuple(p for p, _ in peers))

    # networks

    def networks(self) -> dict[str, ipaddress.IPv4Network | None]:
        out: dict[str, ipaddress.IPv4Network | None] = {}
        seen: list[tuple[str, ipaddress.IPv4Network]] = []
        for name, net in (self.data.get("networks") or {}).items():
            out[name] = None
            text = (net or {}).get("subnet")
            if text is None:
                continue
            path: Path_ = ("networks", name, "subnet")
            try:
                subnet = ipaddress.IPv4Network(text, strict=True)
            except ValueError:
                try:
                    ipaddress.IPv4Network(text, strict=False)
                except ValueError:
                    self.refuse(
                        path, f"must be an IPv4 subnet such as '198.18.1.0/24', not {text!r}"
                    )
                else:
                    self.refuse(path, f"{text!r} has host bits set: the subnet address has them 0")
                continue
            if not subnet.subnet_of(LAB_RANGE):
                self.refuse(path, f"{text} is not inside {LAB_RANGE} (the range labs use)")
                continue
            if subnet.prefixlen > 30:
                self.refuse(path, f"{text} is too small: a lab subnet is at most a /30")
                continue
            for other, other_net in seen:
                if subnet.overlaps(other_net):
                    where = self.where(("networks", other, "subnet"))
                    self.refuse(path, f"{text} overlaps network {other}'s {other_net} ({where})")
                    break
            else:
                seen.append((name, subnet))
                out[name] = subnet
        return out

    def network(self, path: Path_, name: str, networks: Mapping[str, object]) -> bool:
        if name in networks:
            return True
        known = f"networks: {', '.join(networks)}" if networks else "the lab has no networks"
        self.refuse(path, f"unknown network {name!r} ({known})")
        return False

    # nodes

    def nodes(self, lab: str, networks: Mapping[str, ipaddress.IPv4Network | None]) -> list[_Node]:
        defaults: dict[str, Any] = self.data.get("defaults") or {}
        given = self.data["nodes"]
        explicit = {n: ("nodes", n) for n, f in given.items() if not (f or {}).get("count")}
        made: dict[str, Path_] = {}
        out: list[_Node] = []
        serials: dict[str, Path_] = {}
        for name, fields in given.items():
            node = _NodeFields(name, fields or {}, defaults)
            count = node.own("count")
            if count is None:
                names = [name]
            else:
                names = [f"{name}{i}" for i in range(1, count.value + 1)]
                for made_name in names:
                    clash = explicit.get(made_name) or made.get(made_name)
                    if clash is not None:
                        self.refuse(
                            count.path,
                            f"count {count.value} makes node {made_name!r}, also the name of "
                            f"the node at {self.where(clash)}",
                        )
                        break
                    if len(made_name) > 63:
                        self.refuse(count.path, f"node name {made_name!r} is over 63 characters")
                        break
                    made[made_name] = count.path
            base = self.node_base(node, count, networks)
            if base is None:
                continue
            for i, node_name in enumerate(names, start=1):
                out.append(
                    self.expand(
                        node, base, lab=lab, name=node_name, i=i, count=count, serials=serials
                    )
                )
        return out

    def node_base(
        self,
        node: _NodeFields,
        count: _Value | None,
        networks: Mapping[str, ipaddress.IPv4Network | None],
    ) -> dict[str, Any] | None:
        """The node's fields, checked and normalized (before count); None if refused."""
        faults = len(self.faults)
        n = count.value if count is not None else 1
        out: dict[str, Any] = {}
        platform = node.get("platform")
        out["platform"] = _DEFAULT_NODE.platform
        if platform is not None:
            pid = next((p for p in self.platforms if p.upper() == platform.value.upper()), None)
            if pid is None:
                known = ", ".join(sorted(self.platforms))
                self.refuse(
                    platform.path, f"unknown platform {platform.value!r} (platforms: {known})"
                )
            else:
                out["platform"] = pid
        release = node.get("release")
        out["release"] = None
        if release is not None:
            try:
                out["release"] = str(Release.parse(release.value))
            except InvalidInput:
                self.refuse(
                    release.path, f"must be a release such as '7.3.2', not {release.value!r}"
                )
        hostname = node.get("hostname")
        out["hostname"] = hostname
        if hostname is not None and count is not None:
            longest = f"{hostname.value}{n}"
            if not _HOSTNAME.fullmatch(longest):
                self.refuse(
                    hostname.path, f"with count {n} the hostname {longest!r} is over 63 characters"
                )
        serial = node.get("serial")
        out["serial"] = serial
        if serial is not None and n > 1:
            self.refuse(
                serial.path, f"a fixed serial with count {n} would be every node's: leave it out"
            )
        address = node.get("address")
        out["address"] = _DEFAULT_NODE.address
        if address is not None:
            try:
                out["address"] = str(ipaddress.ip_address(address.value))
            except ValueError:
                self.refuse(
                    address.path,
                    f"must be an IP address such as '127.0.0.1', not {address.value!r}",
                )
        for port, base_key, default in (
            ("ssh_port", "ssh_port_base", _DEFAULT_NODE.ssh_port),
            ("netconf_port", "netconf_port_base", _DEFAULT_NODE.netconf_port),
        ):
            out[port] = self.port(node, port, base_key, default, count)
        out["users"] = self.users(node)
        out["config"] = self.config(node)
        out["vrfs"] = self.vrfs(node, networks)
        return out if len(self.faults) == faults else None

    def port(  # noqa: PLR0911 (one return per refusal)
        self, node: _NodeFields, key: str, base_key: str, default: int | None, count: _Value | None
    ) -> tuple[_Value | None, _Value | None]:
        """(fixed port, base) for the node: at most one given."""
        n = count.value if count is not None else 1
        base = node.own(base_key)
        own = node.own(key)
        if base is not None:
            if count is None:
                self.refuse(
                    base.path, f"{base_key} numbers the nodes of a count: this node has none"
                )
                return None, None
            if own is not None and own.value not in (0, None):
                self.refuse(base.path, f"give {key} or {base_key}, not both")
                return None, None
            if own is not None and own.value is None:
                self.refuse(base.path, f"{base_key} with {key} null: give one")
                return None, None
            if base.value + n > 65535:
                self.refuse(base.path, f"{base_key} {base.value} + count {n} is over 65535")
                return None, None
            return None, base
        fixed = node.get(key)
        if fixed is not None and fixed.value not in (0, None) and n > 1:
            self.refuse(
                fixed.path,
                f"a fixed {key} with count {n} would be every node's: "
                f"leave it 0 (free ports) or give {base_key}",
            )
            return None, None
        return fixed, None

    def users(self, node: _NodeFields) -> tuple[UserSpec, ...]:
        users = node.get("users")
        if users is None:
            return _DEFAULT_NODE.users
        out = []
        names: dict[str, Path_] = {}
        for i, user in enumerate(users.value):
            path = (*users.path, i)
            name = user["name"]
            if name in names:
                self.refuse(
                    (*path, "name"),
                    f"user {name!r} given twice (first at {self.where(names[name])})",
                )
            names[name] = path
            password, secret = user.get("password"), user.get("secret")
            if password is None and secret is None:
                self.refuse(path, f"user {name!r} needs a password or a secret")
            elif password is not None and secret is not None:
                self.refuse((*path, "secret"), f"user {name!r}: give password or secret, not both")
            groups = tuple(user.get("groups", _DEFAULT_NODE.users[0].groups))
            out.append(UserSpec(name, password=password, secret=secret, groups=groups))
        return tuple(out)

    def config(self, node: _NodeFields) -> tuple[str, ...]:
        text, file = node.config()
        if text is None and file is None:
            return ()
        if text is not None and file is not None:
            self.refuse(file.path, "give config or config_file, not both")
            return ()
        if text is not None:
            value = text.value
            lines = value.splitlines() if isinstance(value, str) else value
            return tuple(line for line in lines if line.strip())
        assert file is not None
        path = self.base / file.value
        got = self.files.get(path)
        if got is None:
            try:
                content = path.read_text("utf-8")
                got = tuple(line for line in content.splitlines() if line.strip())
            except OSError as e:
                got = _Refused(file.path, f"cannot read {str(path)!r}: {e.strerror}")
            except UnicodeDecodeError:
                got = _Refused(file.path, f"{str(path)!r} is not UTF-8 text")
            self.files[path] = got
        if isinstance(got, _Refused):
            self.refuse(file.path, got.reason)
            return ()
        return got

    def vrfs(
        self, node: _NodeFields, networks: Mapping[str, ipaddress.IPv4Network | None]
    ) -> tuple[tuple[VrfSpec, Path_], ...]:
        vrfs = node.get("vrfs")
        if vrfs is None:
            return ()
        out = []
        interfaces: dict[str, str] = {}
        for name, vrf in vrfs.value.items():
            path: Path_ = (*vrfs.path, name)
            interface = vrf.get("interface", VrfSpec.interface)
            if interface in interfaces:
                self.refuse(
                    (*path, "interface"),
                    f"interface {interface} is already VRF {interfaces[interface]}'s",
                )
            interfaces[interface] = name
            net = vrf["network"]
            if not self.network((*path, "network"), net, networks):
                continue
            address = vrf.get("address")
            if address is not None:
                ip = self.address((*path, "address"), address, networks[net], net)
                address = None if ip is None else f"{ip}/{networks[net].prefixlen}"  # type: ignore[union-attr]
            out.append((VrfSpec(name, net, interface, address), path))
        return tuple(out)

    def address(
        self, path: Path_, text: str, subnet: ipaddress.IPv4Network | None, net: str
    ) -> ipaddress.IPv4Address | None:
        """An address on network ``net`` (subnet ``subnet``), checked; None if refused."""
        try:
            iface = ipaddress.IPv4Interface(text)
        except ValueError:
            self.refuse(path, f"must be an IPv4 address such as '198.18.1.10/24', not {text!r}")
            return None
        if subnet is None:
            self.refuse(
                path, f"a fixed address needs networks.{net}.subnet: network {net} has none"
            )
            return None
        if "/" in text and iface.network.prefixlen != subnet.prefixlen:
            self.refuse(path, f"{text} is not a /{subnet.prefixlen} as network {net} ({subnet}) is")
            return None
        ip = iface.ip
        if ip not in subnet:
            self.refuse(path, f"{ip} is outside network {net}'s subnet {subnet}")
            return None
        if ip in (subnet.network_address, subnet.broadcast_address):
            which = "network" if ip == subnet.network_address else "broadcast"
            self.refuse(path, f"{ip} is the {which} address of {subnet}")
            return None
        return ip

    def expand(
        self,
        node: _NodeFields,
        base: dict[str, Any],
        *,
        lab: str,
        name: str,
        i: int,
        count: _Value | None,
        serials: dict[str, Path_],
    ) -> _Node:
        hostname = base["hostname"]
        host = None if hostname is None else hostname.value + (str(i) if count is not None else "")
        serial_v = base["serial"]
        if serial_v is not None:
            serial = serial_v.value
            if serial in serials:
                self.refuse(
                    serial_v.path,
                    f"serial {serial} is also the node's at {self.where(serials[serial])}",
                )
            serials[serial] = serial_v.path
        else:
            made = _serials(lab, name, base["platform"])
            serial = next(made)
            while serial in serials:
                serial = next(made)
            serials[serial] = ("nodes", node.name)
        ports: dict[str, tuple[int | None, Path_ | None]] = {}
        for key, default in (("ssh_port", 0), ("netconf_port", 0)):
            fixed, port_base = base[key]
            if port_base is not None:
                ports[key] = (port_base.value + i, port_base.path)
            elif fixed is not None:
                ports[key] = (fixed.value, fixed.path)
            else:
                ports[key] = (default, None)
        spec = NodeSpec(
            name=name,
            platform=base["platform"],
            hostname=host,
            release=base["release"],
            serial=serial,
            config=base["config"],
            users=base["users"],
            address=base["address"],
            ssh_port=ports["ssh_port"][0] or 0,
            netconf_port=ports["netconf_port"][0],
            vrfs=tuple(v for v, _ in base["vrfs"]),
        )
        return _Node(spec, ports, tuple(p for _, p in base["vrfs"]))

    # peers

    def peers(
        self, networks: Mapping[str, ipaddress.IPv4Network | None]
    ) -> list[tuple[PeerSpec, Path_]]:
        out = []
        for name, peer in (self.data.get("peers") or {}).items():
            path: Path_ = ("peers", name)
            kind, net, address = peer["kind"], peer.get("network"), peer.get("address")
            if peer.get("challenge") is not None and kind != "scep-ca":
                self.refuse(
                    (*path, "challenge"), f"only a scep-ca peer takes a challenge, not a {kind}"
                )
            if net is None:
                if address is not None:
                    self.refuse(
                        (*path, "address"),
                        "an address needs a network (without one the peer is on loopback)",
                    )
            elif self.network((*path, "network"), net, networks) and address is not None:
                ip = self.address((*path, "address"), address, networks[net], net)
                address = None if ip is None else str(ip)
            spec = PeerSpec(name, kind, net, address, peer.get("port"), peer.get("challenge"))
            out.append((spec, path))
        return out

    # across nodes and peers

    def ports(self, nodes: list[_Node], peers: list[tuple[PeerSpec, Path_]]) -> None:
        """Fixed TCP ports on the same address (or a wildcard one) collide, SSH and NETCONF
        alike; so do fixed UDP ports of the peers on the host's loopback."""
        tcp: dict[int, list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, str]]] = {}
        udp: dict[int, str] = {}

        def claim(address: str, port: int, who: str, path: Path_) -> None:
            ip = ipaddress.ip_address(address)
            for other_ip, other in tcp.setdefault(port, []):
                if ip == other_ip or ip.is_unspecified or other_ip.is_unspecified:
                    self.refuse(path, f"{who} {port} on {address} is also {other}")
                    return
            tcp[port].append((ip, f"{who} (at {self.where(path)})"))

        for node in nodes:
            for key, label in (("ssh_port", "SSH"), ("netconf_port", "NETCONF")):
                port, path = node.ports[key]
                if port and path is not None:
                    claim(node.spec.address, port, f"node {node.spec.name}'s {label} port", path)
        for peer, path in peers:
            if peer.network is not None or peer.port is None:
                continue
            who = f"peer {peer.name}'s port"
            if peer.kind == "scep-ca":
                claim("127.0.0.1", peer.port, who, (*path, "port"))
            elif peer.port in udp:
                self.refuse(
                    (*path, "port"), f"{who} {peer.port} on 127.0.0.1 is also {udp[peer.port]}"
                )
            else:
                udp[peer.port] = f"{who} (at {self.where((*path, 'port'))})"

    def addresses(
        self,
        nodes: list[_Node],
        peers: list[tuple[PeerSpec, Path_]],
        networks: Mapping[str, ipaddress.IPv4Network | None],
    ) -> None:
        """No address is given twice on a network."""
        taken: dict[tuple[str, str], str] = {}

        def claim(net: str, address: str, who: str, path: Path_) -> None:
            ip = address.split("/", maxsplit=1)[0]
            if (net, ip) in taken:
                self.refuse(path, f"{ip} on network {net} is also {taken[(net, ip)]}")
            else:
                taken[(net, ip)] = f"{who}'s (at {self.where(path)})"

        for node in nodes:
            for vrf, path in zip(node.spec.vrfs, node.vrf_paths, strict=True):
                if vrf.address is not None:
                    claim(
                        vrf.network,
                        vrf.address,
                        f"node {node.spec.name} VRF {vrf.name}",
                        (*path, "address"),
                    )
        for peer, path in peers:
            if peer.network is not None and peer.address is not None:
                claim(peer.network, peer.address, f"peer {peer.name}", (*path, "address"))


@dataclass
class _Node:
    spec: NodeSpec
    #: ssh_port/netconf_port -> (port, where it was given; None: the default)
    ports: dict[str, tuple[int | None, Path_ | None]]
    vrf_paths: tuple[Path_, ...]


class _NodeFields:
    """A node's fields as given, over the lab's defaults (the node's own win, whole)."""

    def __init__(self, name: str, fields: dict[str, Any], defaults: dict[str, Any]) -> None:
        self.name = name
        self.fields = fields
        self.defaults = defaults

    def own(self, key: str) -> _Value | None:
        if key in self.fields:
            return _Value(self.fields[key], ("nodes", self.name, key))
        return None

    def get(self, key: str) -> _Value | None:
        own = self.own(key)
        if own is not None:
            return own
        if key in self.defaults:
            return _Value(self.defaults[key], ("defaults", key))
        return None

    def config(self) -> tuple[_Value | None, _Value | None]:
        """(config, config_file): the node's own if it gives either, else the defaults'."""
        if "config" in self.fields or "config_file" in self.fields:
            return self.own("config"), self.own("config_file")
        text = self.defaults.get("config")
        file = self.defaults.get("config_file")
        return (
            None if text is None else _Value(text, ("defaults", "config")),
            None if file is None else _Value(file, ("defaults", "config_file")),
        )


# -- LabSpec -> YAML ----------------------------------------------------------------------


def dump(spec: LabSpec) -> dict[str, Any]:
    """``spec`` as lab file data (every node written out: no defaults, no count)."""
    nodes: dict[str, Any] = {}
    for node in spec.nodes:
        doc: dict[str, Any] = {"platform": node.platform}
        for key in ("hostname", "release", "serial"):
            if getattr(node, key) is not None:
                doc[key] = getattr(node, key)
        if node.config:
            doc["config"] = list(node.config)
        if node.users != _DEFAULT_NODE.users:
            doc["users"] = [_user(u) for u in node.users]
        doc["address"] = node.address
        doc["ssh_port"] = node.ssh_port
        doc["netconf_port"] = node.netconf_port
        if node.vrfs:
            doc["vrfs"] = {
                v.name: {"network": v.network, "interface": v.interface}
                | ({} if v.address is None else {"address": v.address})
                for v in node.vrfs
            }
        nodes[node.name] = doc
    out: dict[str, Any] = {"name": spec.name, "nodes": nodes}
    if spec.networks:
        out["networks"] = {
            n.name: ({} if n.subnet is None else {"subnet": n.subnet}) for n in spec.networks
        }
    if spec.peers:
        out["peers"] = {
            p.name: {
                k: v
                for k, v in (
                    ("kind", p.kind),
                    ("network", p.network),
                    ("address", p.address),
                    ("port", p.port),
                    ("challenge", p.challenge),
                )
                if v is not None
            }
            for p in spec.peers
        }
    return out


def _user(user: UserSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": user.name}
    if user.password is not None:
        doc["password"] = user.password
    if user.secret is not None:
        doc["secret"] = user.secret
    doc["groups"] = list(user.groups)
    return doc


def dumps(spec: LabSpec) -> str:
    """``spec`` as a lab file's YAML text (``loads`` reads it back equal, but for
    ``source``); it holds the users' passwords: write it where only its owner reads."""
    return str(yaml.safe_dump(dump(spec), sort_keys=False, allow_unicode=True))

"""The declarative schema of a YANG-shaped model, mapped onto IOS XR CLI lines, and its reader.

- ``Leaf``: one leaf held by one CLI configuration item (``Leaf("host-name", "hostname",
  "hostname {}", arg="name")``: the item ``hostname``, its value the typed argument ``name`` of
  the registry's parse, set by the line ``hostname {}``).
- ``Container``: a container of schema nodes at the same CLI level as its parent.
- ``ListNode``: a keyed list whose entries are the CLI blocks of one command
  (``ListNode("trustpoint", "name", ..., syntax=TP.TRUSTPOINT, arg="name", line="crypto ca
  trustpoint {}")``), or whose one entry lives at the parent's CLI level (the ``default`` VRF of
  ``domain name``).
- ``LineList``: a keyed list whose entries are single CLI lines of one command, the entry's
  leaves (``Field`` s) other arguments of that same line (``snmp-server community NAME RO``:
  the entry ``NAME``, its ``priviledge`` the ``RO``); a ``LineGroup`` groups such lines by
  one more argument (``trap-host[ip-address]`` over the ``snmp-server host ADDR ...`` lines,
  each ``default-user-community[community-name]`` a ``LineList`` entry of them).
- YANG types of values and keys: ``String`` (``length``, ``pattern``) and ``Uint32`` (a
  range); ``STRING``, ``CISCO_IOS_XR_STRING`` and ``IPV4_ADDRESS_NO_ZONE`` are the
  typedefs the models use (``empty`` and ``boolean`` leaves are ``Leaf`` kinds).
- ``cli_line``: the CLI line of a value, once the command registry's parse of it
  (``xrsim.config.tree.Schema.resolve``) is the expected item with the value as its one
  argument and the value holds nothing a CLI session interprets before parsing (``|``, a
  final ``?``, control characters): a value never becomes more CLI text than that argument.
  ``line_of`` is the same for a ``LineList`` entry's whole line: its parse must give back
  exactly the arguments it was made of.
- ``read_into(schema, ns, parent_el, node[, where])`` renders the items of a configuration
  node as XML below ``parent_el`` (``where``: the arguments enclosing ``LineGroup`` entries
  fix); ``exists`` says whether a schema node has data under a configuration node.

Reading takes what the command registry's parse of each line says (``node.syntax``,
``node.args``, ``node.has(keyword)``; ``xrsim.config.tree.Parsed``): nothing here splits
configuration text, and a line no command parses is not read. The ``line`` templates are only
how a value is written back as a CLI line, checked by that same parse before it is typed. The
edit engine (``xrsim.netconf.edit``) walks the same schema the other way; the models
(``xrsim.netconf.models``) are instances of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from xrsim.config.tree import ConfigNode
from xrsim.config.tree import Schema as CliSchema
from xrsim.errors import NetconfError
from xrsim.netconf.xmlutil import Element

__all__ = [
    "CISCO_IOS_XR_STRING",
    "IPV4_ADDRESS_NO_ZONE",
    "STRING",
    "Container",
    "Field",
    "Leaf",
    "LineGroup",
    "LineList",
    "ListNode",
    "Schema",
    "String",
    "Uint32",
    "Where",
    "YangType",
    "bad_value",
    "cli_line",
    "exists",
    "line_of",
    "read_into",
]


def bad_value(name: str, why: str) -> NetconfError:
    """``invalid-value`` for the element ``name``."""
    return NetconfError("invalid-value", why, info=(("bad-element", name),))


# -- YANG types -------------------------------------------------------------------------------


@dataclass(frozen=True)
class String:
    """YANG ``string`` with its restrictions: ``length`` (in characters, inclusive) and
    ``pattern`` (the Python regular expression equal to the YANG one, matched whole); ``name``
    is how errors call the type (``xr:Cisco-ios-xr-string``)."""

    name: str = "string"
    pattern: str | None = None
    length: tuple[int, int] | None = None

    def check(self, leaf: str, text: str) -> str:
        """``text`` as a value of the leaf ``leaf`` (``invalid-value`` naming it when not)."""
        if self.length is not None and not self.length[0] <= len(text) <= self.length[1]:
            lo, hi = self.length
            raise bad_value(leaf, f"{text!r} is not a valid {self.name}: length {lo}..{hi}")
        if self.pattern is not None and re.fullmatch(self.pattern, text) is None:
            raise bad_value(leaf, f"{text!r} is not a valid {self.name}")
        return text


@dataclass(frozen=True)
class Uint32:
    """YANG ``uint32`` restricted to the range ``lo``..``hi``. Lexically an optional sign and
    ASCII digits (RFC 7950 section 9.2.1); the canonical form (no sign, no leading zero) is
    what the CLI line gets."""

    lo: int = 0
    hi: int = 2**32 - 1
    name: str = "uint32"

    def check(self, leaf: str, text: str) -> str:
        """``text`` in canonical form (``invalid-value`` naming ``leaf`` when not a value)."""
        if re.fullmatch(r"[+-]?[0-9]+", text) is None:
            raise bad_value(leaf, f"{text!r} is not a valid {self.name}")
        value = int(text)
        if not self.lo <= value <= self.hi:
            raise bad_value(
                leaf, f"{text!r} is not a valid {self.name}: range {self.lo}..{self.hi}"
            )
        return str(value)


#: The YANG types of a value leaf or a list key (``empty`` and ``boolean`` leaves are the
#: ``Leaf`` kinds ``empty`` and ``bool``).
YangType = String | Uint32

#: ``string`` without restrictions.
STRING = String()
#: ``Cisco-IOS-XR-types:Cisco-ios-xr-string`` ("special characters are not allowed"), the YANG
#: pattern ``[\w\-\.:,_@#%$\+=\|;]+`` with its ``\w`` taken as Python's.
CISCO_IOS_XR_STRING = String("xr:Cisco-ios-xr-string", r"[\w\-.:,_@#%$+=|;]+")
#: ``ietf-inet-types:ipv4-address-no-zone``: the patterns of ``ipv4-address`` and of
#: ``ipv4-address-no-zone`` together (a dotted quad without leading zeros, no zone index).
IPV4_ADDRESS_NO_ZONE = String(
    "inet:ipv4-address-no-zone",
    r"(?:(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\.){3}"
    r"(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])",
)


# -- the CLI side of a value ------------------------------------------------------------------

#: What a CLI session makes something of before its parser sees the line: control characters
#: (line ends among them), ``|`` (a pipe) and a ``?`` at the end (a help request).
_CLI_UNSAFE = re.compile(r"[\x00-\x1f\x7f|]|\?$")


def cli_line(
    leaf: str,
    template: str,
    value: str,
    schema: CliSchema,
    mode: str,
    *,
    key: str | None = None,
    syntax: str | None = None,
    arg: str | None = None,
) -> str:
    """The CLI line ``template`` with ``value`` (checked against its YANG type already) in
    place of ``{}``, once it is certain that the CLI takes the line as one item with that one
    value: the value holds nothing a CLI session interprets before its parser (``|``, a final
    ``?``, control characters, spaces around it), and the command registry's parse of the
    line in ``mode`` (``schema.resolve``) is the item ``key`` / the command ``syntax`` whose
    argument ``arg`` is the value. Else ``invalid-value`` naming ``leaf``: a value never
    becomes more of the CLI line than its one argument."""
    line = template.replace("{}", value)
    if value != value.strip() or _CLI_UNSAFE.search(value):
        raise bad_value(leaf, f"{value!r} is not a valid value of {leaf}")
    parsed = schema.resolve(mode, line)
    if (
        not parsed.known
        or (key is not None and parsed.key != key)
        or (syntax is not None and parsed.syntax != syntax)
        or (arg is not None and str(parsed.args.get(arg)) != value)
    ):
        raise bad_value(leaf, f"{value!r} is not a valid value of {leaf}")
    return line


def _item(parent: ConfigNode | None, key: str) -> ConfigNode | None:
    """The configuration item ``key`` under ``parent`` when a command parses it."""
    node = parent.children.get(key) if parent is not None else None
    return node if node is not None and node.parsed.known else None


@dataclass(frozen=True)
class Leaf:
    """A leaf held by one CLI configuration item: ``key`` is the item's key under its parent
    (``hostname``, ``enrollment``). Reading takes the registry's parse of the item's line:

    - ``value``: the typed argument ``arg`` of its syntax (``node.args["name"]``), absent when
      the line has no such argument (``enrollment terminal`` has no ``url``);
    - ``empty``: the item is there (with ``keyword``, only when the line has that keyword:
      ``ip-address none``);
    - ``bool``: ``false`` when the line has ``keyword`` (``serial-number none``), else ``true``.

    Writing makes ``line`` (``{}`` where the value goes; for a ``bool``, ``line`` is true and
    ``false_line`` false). A value is checked against the leaf's YANG ``type`` (an ``empty``
    leaf takes no text, a ``bool`` one ``true`` or ``false``), then against the CLI: the line
    made must parse as the item ``key`` with the value as its argument ``arg`` (``cli_line``)."""

    name: str
    key: str
    line: str
    arg: str | None = None
    kind: Literal["value", "empty", "bool"] = "value"
    keyword: str | None = None
    false_line: str | None = None
    type: YangType = STRING

    def __post_init__(self) -> None:
        if self.kind == "value" and self.arg is None:
            raise ValueError(f"leaf {self.name}: a value leaf needs its argument name")
        if self.kind == "bool" and (self.keyword is None or self.false_line is None):
            raise ValueError(f"leaf {self.name}: a bool leaf needs its keyword and false line")

    def item(self, parent: ConfigNode | None) -> ConfigNode | None:
        """The configuration item holding the leaf, when the leaf is present."""
        node = _item(parent, self.key)
        return node if node is not None and self.text(node) is not None else None

    def text(self, node: ConfigNode) -> str | None:
        """The leaf's XML text from its item ("" for an empty leaf), None when absent."""
        if self.kind == "empty":
            return "" if self.keyword is None or node.has(self.keyword) else None
        if self.kind == "bool":
            assert self.keyword is not None
            return "false" if node.has(self.keyword) else "true"
        assert self.arg is not None
        value = node.args.get(self.arg)
        return None if value is None else str(value)

    def read(self, parent: ConfigNode | None) -> str | None:
        """The leaf's XML text ("" for an empty leaf), None when absent."""
        node = _item(parent, self.key)
        return None if node is None else self.text(node)

    def cli_line(self, text: str, schema: CliSchema, mode: str) -> str:
        """The CLI line, in ``mode``, that sets the leaf to ``text`` (checked against the
        leaf's type, then against ``schema``'s parse of the line)."""
        if self.kind == "empty":
            if text:
                raise bad_value(self.name, "an empty leaf takes no value")
            return self.line
        if self.kind == "bool":
            if text not in ("true", "false"):
                raise bad_value(self.name, f"{text!r} is not a boolean")
            if text == "true":
                return self.line
            assert self.false_line is not None
            return self.false_line
        value = self.type.check(self.name, text)
        return cli_line(self.name, self.line, value, schema, mode, key=self.key, arg=self.arg)


@dataclass(frozen=True)
class Container:
    """A container; ``ns`` is its namespace when another module augments it in (the
    ``usernames`` of ``Cisco-IOS-XR-aaa-locald-cfg`` in ``aaa``), else its parent's."""

    name: str
    children: tuple[Schema, ...]
    ns: str | None = None


@dataclass(frozen=True)
class ListNode:
    """A keyed list whose entries are CLI blocks: an entry is a line of the command ``syntax``
    whose argument ``arg`` is the key (read from the parse), written as ``line`` (``{}`` is the
    key). With ``syntax`` None the one entry lives at the parent's CLI level, where ``only``
    is the one key value the CLI has (the ``default`` VRF of ``domain name``)."""

    name: str
    key: str
    children: tuple[Schema, ...]
    syntax: str | None = None
    arg: str | None = None
    line: str | None = None
    only: str | None = None
    key_type: YangType = STRING

    def __post_init__(self) -> None:
        if self.syntax is None and self.only is None:
            raise ValueError(f"list {self.name}: a list at its parent's level needs its one key")
        if self.syntax is not None and (self.arg is None or self.line is None):
            raise ValueError(f"list {self.name}: a block list needs its argument and line")

    @property
    def blocks(self) -> bool:
        """Whether each entry is a CLI block of its own."""
        return self.syntax is not None

    def entries(self, parent: ConfigNode | None) -> Iterator[tuple[str, ConfigNode | None]]:
        if self.syntax is None:
            assert self.only is not None
            yield self.only, parent
            return
        if parent is None:
            return
        assert self.arg is not None
        for node in parent.sorted_children():
            if node.syntax == self.syntax and self.arg in node.args:
                yield str(node.args[self.arg]), node

    def entry(self, parent: ConfigNode | None, key: str) -> ConfigNode | None:
        """The block of the entry ``key`` under ``parent`` (None when there is none)."""
        return next((node for k, node in self.entries(parent) if k == key), None)

    def check_key(self, key: str) -> str:
        """``key`` checked against the key's YANG type (``invalid-value`` naming the key)."""
        return self.key_type.check(self.key, key)

    def entry_line(self, key: str, schema: CliSchema, mode: str) -> str:
        """The CLI block line, in ``mode``, of the entry ``key`` (checked: the key's type,
        then ``schema``'s parse of the line: the list's command with the key as its
        argument)."""
        assert self.line is not None
        value = self.check_key(key)
        return cli_line(self.key, self.line, value, schema, mode, syntax=self.syntax, arg=self.arg)

    def submode(self, entry_line: str, schema: CliSchema, mode: str) -> str | None:
        """The mode an entry's block line (made by ``entry_line`` in ``mode``) opens (None:
        an entry without children, ``group NAME``)."""
        return schema.resolve(mode, entry_line).submode


#: The arguments a ``LineGroup`` fixes for the lines below it (``{"host": "10.0.0.9"}``).
Where = Mapping[str, str]
_NOWHERE: Where = {}


@dataclass(frozen=True)
class Field:
    """A leaf of a ``LineList`` entry, held by its line:

    - ``arg``: the line's typed argument holding the value (absent when the line has none),
      checked against ``type`` when written; with ``enum``, the YANG enumeration's values and
      the CLI keyword each is (``("read-only", "ro")``);
    - ``fixed``: a leaf the CLI line implies rather than holds (``version`` ``2c`` of a
      ``traps version 2c`` host): read as that value, and only that value may be written;
    - ``mandatory``: a new entry must give it (YANG ``mandatory true``), else
      ``missing-element``."""

    name: str
    arg: str | None = None
    type: YangType = STRING
    enum: tuple[tuple[str, str], ...] = ()
    fixed: str | None = None
    mandatory: bool = False

    def __post_init__(self) -> None:
        if (self.arg is None) == (self.fixed is None):
            raise ValueError(f"field {self.name}: either its argument or its fixed value")

    def read(self, node: ConfigNode) -> str | None:
        """The leaf's XML text from the entry's line (None when absent)."""
        if self.fixed is not None:
            return self.fixed
        assert self.arg is not None
        value = node.args.get(self.arg)
        if value is None:
            return None
        text = str(value)
        return next((y for y, c in self.enum if c == text.lower()), text)

    def cli_value(self, text: str) -> str | None:
        """The CLI argument of the XML text ``text`` (None for a fixed leaf), checked
        (``invalid-value`` naming the leaf)."""
        if self.fixed is not None:
            if text != self.fixed:
                raise bad_value(self.name, f"{text!r}: only {self.fixed!r} is supported")
            return None
        if self.enum:
            cli = next((c for y, c in self.enum if y == text), None)
            if cli is None:
                allowed = ", ".join(y for y, _ in self.enum)
                raise bad_value(self.name, f"{text!r} is not one of {allowed}")
            return cli
        return self.type.check(self.name, text)


def line_of(
    template: Callable[[Mapping[str, str]], str],
    values: Mapping[str, str],
    *,
    leaves: Mapping[str, str],
    syntax: str,
    schema: CliSchema,
    mode: str,
) -> str:
    """The CLI line ``template(values)`` (``values``: the command's arguments by name), once
    it is certain that the CLI takes it as one line of the command ``syntax`` whose arguments
    are exactly ``values``: no value holds what a CLI session interprets before its parser
    (``|``, a final ``?``, control characters, spaces around it) and the registry's parse of
    the line in ``mode`` gives each argument back as it was given and no other. Else
    ``invalid-value`` naming the leaf (``leaves``: argument to leaf name) of the first value
    that is not its argument: a value never becomes more of the line than its argument."""
    first = leaves[next(iter(values))]
    for arg, value in values.items():
        if value != value.strip() or _CLI_UNSAFE.search(value):
            raise bad_value(leaves[arg], f"{value!r} is not a valid value of {leaves[arg]}")
    line = template(values)
    parsed = schema.resolve(mode, line)
    got = {k: str(v) for k, v in parsed.args.items()}
    if not parsed.known or parsed.syntax != syntax or got != dict(values):
        wrong = next((leaves[a] for a, v in values.items() if got.get(a) != v), first)
        raise bad_value(wrong, f"{line!r} does not take the values given as its arguments")
    return line


@dataclass(frozen=True)
class LineList:
    """A keyed list whose entries are single CLI lines of the command ``syntax``: the key is
    the line's argument ``arg``, the other leaves ``fields`` (arguments of the same line,
    or fixed). ``line(args)`` writes an entry's line from the command's arguments by name
    (the key's, the enclosing ``LineGroup`` s', the fields'); it is checked by the registry's
    parse (``line_of``). Writing a leaf types the entry's whole line again (the item's key
    words make it replace the old one); deleting the entry is ``no`` its line."""

    name: str
    key: str
    syntax: str
    arg: str
    fields: tuple[Field, ...]
    line: Callable[[Mapping[str, str]], str]
    key_type: YangType = STRING
    only: str | None = field(default=None, init=False)

    def entries(self, parent: ConfigNode | None, where: Where) -> Iterator[tuple[str, ConfigNode]]:
        if parent is None:
            return
        for node in parent.sorted_children():
            if (
                node.syntax == self.syntax
                and self.arg in node.args
                and all(str(node.args.get(a)) == v for a, v in where.items())
            ):
                yield str(node.args[self.arg]), node

    def entry(self, parent: ConfigNode | None, key: str, where: Where) -> ConfigNode | None:
        return next((n for k, n in self.entries(parent, where) if k == key), None)

    def check_key(self, key: str) -> str:
        return self.key_type.check(self.key, key)

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def values(self, node: ConfigNode) -> dict[str, str]:
        """The XML texts of the entry's fields, by leaf name (present ones)."""
        out: dict[str, str] = {}
        for f in self.fields:
            text = f.read(node)
            if text is not None:
                out[f.name] = text
        return out


@dataclass(frozen=True)
class LineGroup:
    """A keyed list grouping the lines of the command ``syntax`` by their argument ``arg``
    (the key ``key``): its children (``LineList`` s in containers) see only the lines whose
    ``arg`` is the entry's key. An entry exists while one such line does."""

    name: str
    key: str
    syntax: str
    arg: str
    children: tuple[Schema, ...]
    key_type: YangType = STRING
    only: str | None = field(default=None, init=False)

    def keys(self, parent: ConfigNode | None, where: Where) -> list[str]:
        if parent is None:
            return []
        seen: dict[str, None] = {}
        for node in parent.sorted_children():
            if (
                node.syntax == self.syntax
                and self.arg in node.args
                and all(str(node.args.get(a)) == v for a, v in where.items())
            ):
                seen.setdefault(str(node.args[self.arg]), None)
        return list(seen)

    def check_key(self, key: str) -> str:
        return self.key_type.check(self.key, key)


Schema = Leaf | Container | ListNode | LineList | LineGroup


def read_into(
    schema: Schema,
    ns: str,
    parent_el: Element,
    node: ConfigNode | None,
    where: Where = _NOWHERE,
) -> None:
    """Append the XML of ``schema``'s data under ``node`` to ``parent_el`` (nothing when there
    is none: containers and entries without data are left out). ``where``: the arguments the
    enclosing ``LineGroup`` entries fix."""
    if isinstance(schema, Leaf):
        text = schema.read(node)
        if text is not None:
            el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
            if text:
                el.text = text
        return
    if isinstance(schema, Container):
        ns = schema.ns or ns
        el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
        for c in schema.children:
            read_into(c, ns, el, node, where)
        if not len(el):
            parent_el.remove(el)
        return
    if isinstance(schema, LineList | LineGroup):
        _read_lines(schema, ns, parent_el, node, where)
        return
    for key, entry in schema.entries(node):
        el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
        etree.SubElement(el, f"{{{ns}}}{schema.key}").text = key
        for c in schema.children:
            read_into(c, ns, el, entry)
        if not schema.blocks and len(el) == 1:
            parent_el.remove(el)


def _read_lines(
    schema: LineList | LineGroup,
    ns: str,
    parent_el: Element,
    node: ConfigNode | None,
    where: Where,
) -> None:
    """``read_into`` of a ``LineList`` (an entry per line) or a ``LineGroup``."""
    if isinstance(schema, LineList):
        for key, entry in schema.entries(node, where):
            el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
            etree.SubElement(el, f"{{{ns}}}{schema.key}").text = key
            for name, text in schema.values(entry).items():
                etree.SubElement(el, f"{{{ns}}}{name}").text = text
        return
    for key in schema.keys(node, where):
        el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
        etree.SubElement(el, f"{{{ns}}}{schema.key}").text = key
        inner = {**where, schema.arg: key}
        for c in schema.children:
            read_into(c, ns, el, node, inner)


def exists(schema: Schema, ns: str, node: ConfigNode | None, where: Where = _NOWHERE) -> bool:
    """Whether ``schema`` has data under ``node``."""
    holder = etree.Element("x")
    read_into(schema, ns, holder, node, where)
    return len(holder) > 0

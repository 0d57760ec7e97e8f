"""The configuration tree: IOS XR configuration as nested lines.

``ConfigNode`` is one configuration line (``hostname r1``, ``crypto ca trustpoint myca``) with
its children (the lines of a submode). Siblings are identified by a ``key``: the words that
make two lines the same item (``hostname`` for ``hostname r1``, the whole line for
``task read sysmgr``), so setting ``hostname r2`` replaces ``hostname r1``.

What the command registry's parse of a line gives is a ``Parsed``: the command's syntax string
(its identity, ``enrollment retry period <minutes:1-60>``), the typed named arguments
(``{"minutes": 5}``), the keywords present, the command's rank (``order``: how ``show
running-config`` sorts siblings, as IOS XR sorts them by schema position), the submode the line
opens and the AAA grants the command declares (``tasks``: who may see the item). Nodes and
``PathItem`` s carry it, derived and never persisted: configuration readers (``Trustpoint``,
``SshPolicy``, ``AaaConfig``...) take ``node.args`` instead of re-splitting ``node.line``. Only
``key``, ``line`` and children are stored; loading stored data (``from_data``) parses every
line again with a ``Schema`` (the router hands the datastore its command registry), top-level
lines in ``TOP_MODE`` and each child in its parent's submode, so nothing stored depends on the
order in which commands were registered. A stored line no command parses any more (``UNKNOWN``:
no syntax) is kept as it was and sorts after every known sibling.

``ConfigTree`` holds the root and applies ``Change`` s (set or delete), renders the tree as
IOS XR prints it, diffs two trees (IOS XR's ``+``/``-``/``<-``/``+>`` gutter), and converts to
and from plain data for persistence; ``change_lines`` renders a list of changes as ``show
configuration`` prints them.

Layer 2: imports nothing of the CLI (the ``Schema`` protocol is how the registry reaches it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol

__all__ = [
    "TOP_MODE",
    "UNKNOWN",
    "UNKNOWN_ORDER",
    "Change",
    "ConfigNode",
    "ConfigTree",
    "Parsed",
    "PathItem",
    "Schema",
    "change_lines",
    "natural_key",
]


_DIGITS = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=1 << 16)  # pure; sorting a running configuration asks it often
def natural_key(key: str) -> tuple[tuple[int, int | str], ...]:
    """How instances of one command sort: digit runs as numbers, so ``interface
    HundredGigE0/0/0/2`` comes before ``.../10`` and ``username u9`` before ``u10``."""
    return tuple(
        (1, int(part)) if part.isdigit() else (0, part) for part in _DIGITS.split(key) if part
    )


#: The mode top-level configuration lines are parsed in.
TOP_MODE = "config"
#: The rank of a line no command parses: after every known sibling.
UNKNOWN_ORDER = 1 << 62

_NO_ARGS: Mapping[str, str | int] = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Parsed:
    """What the registry's parse of a configuration line says about it (derived, never
    persisted). ``syntax`` is None for a line no configuration command parses."""

    syntax: str | None = None
    mode: str | None = None
    order: int = UNKNOWN_ORDER
    #: The syntax's named arguments, typed: ``<minutes:1-60>`` gives an int, ``<url:WORD>``
    #: and ``<dn:LINE>`` a str, a named keyword choice ``<kind:{ rsa | dsa }>`` the keyword.
    args: Mapping[str, str | int] = field(default_factory=lambda: _NO_ARGS)
    #: The keywords present (``none`` of ``serial-number none``).
    keywords: frozenset[str] = frozenset()
    #: The item key the command gives the line (None when unknown).
    key: str | None = None
    #: The submode the line opens (its children are parsed there).
    submode: str | None = None
    #: The AAA grants the item's command declares, ``("write", "aaa")`` pairs (any one lets a
    #: user write the item; read on one of their task IDs lets a user see it:
    #: ``xrsim.aaa.readable``).
    tasks: tuple[tuple[str, str], ...] = ()

    @property
    def known(self) -> bool:
        return self.syntax is not None


#: The parse of a line nothing knows.
UNKNOWN = Parsed()


class Schema(Protocol):
    """How stored lines get their ``Parsed`` back (the CLI's command registry is one)."""

    def resolve(self, mode: str, line: str) -> Parsed:
        """The parse of configuration ``line`` in ``mode``; ``UNKNOWN`` when no configuration
        item of that mode parses it."""
        ...


def _resolve(schema: Schema | None, mode: str | None, line: str) -> Parsed:
    if schema is None or mode is None:
        return UNKNOWN
    return schema.resolve(mode, line)


class _Derived:
    """The derived fields of a ``Parsed``, as attributes of what carries one."""

    parsed: Parsed

    @property
    def order(self) -> int:
        return self.parsed.order

    @property
    def args(self) -> Mapping[str, str | int]:
        return self.parsed.args

    @property
    def syntax(self) -> str | None:
        return self.parsed.syntax

    def has(self, keyword: str) -> bool:
        """Whether ``keyword`` is present in the line."""
        return keyword in self.parsed.keywords


@dataclass(frozen=True)
class PathItem(_Derived):
    """One level of a configuration path. ``parsed`` is derived (not compared, not stored)."""

    key: str
    line: str
    parsed: Parsed = field(default=UNKNOWN, compare=False)


def _path_of(raw: Sequence[Any], schema: Schema | None) -> tuple[PathItem, ...]:
    out: list[PathItem] = []
    mode: str | None = TOP_MODE
    for entry in raw:
        # Old data carries a third element (the command's registry index then): ignored.
        key, line = str(entry[0]), str(entry[1])
        parsed = _resolve(schema, mode, line)
        out.append(PathItem(key, line, parsed))
        mode = parsed.submode
    return tuple(out)


@dataclass(frozen=True)
class Change:
    """A set (create or replace the item at ``path``) or a delete (remove it and below)."""

    op: Literal["set", "delete"]
    path: tuple[PathItem, ...]

    def to_data(self) -> dict[str, Any]:
        return {"op": self.op, "path": [[p.key, p.line] for p in self.path]}

    @classmethod
    def from_data(cls, data: dict[str, Any], schema: Schema | None = None) -> Change:
        """A stored change, its lines parsed again with ``schema``."""
        op = data["op"]
        if op not in ("set", "delete"):
            raise ValueError(f"bad change op {op!r}")
        return cls(op, _path_of(data["path"], schema))


@dataclass
class ConfigNode(_Derived):
    """A configuration line and the lines below it. ``parsed`` is derived (not stored)."""

    key: str
    line: str
    children: dict[str, ConfigNode] = field(default_factory=dict)
    parsed: Parsed = UNKNOWN

    def copy(self) -> ConfigNode:
        return ConfigNode(
            self.key, self.line, {k: c.copy() for k, c in self.children.items()}, self.parsed
        )

    def sorted_children(self) -> list[ConfigNode]:
        # Schema order, then instances of one command by key, as IOS XR sorts them; lines
        # no command parses last.
        return sorted(self.children.values(), key=lambda n: (n.order, natural_key(n.key)))

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "line": self.line}
        if self.children:
            out["children"] = [c.to_data() for c in self.children.values()]
        return out

    @classmethod
    def from_data(
        cls, data: dict[str, Any], schema: Schema | None = None, mode: str | None = TOP_MODE
    ) -> ConfigNode:
        """A stored node (its line parsed in ``mode``, its children in its submode); an
        ``order`` in old data is ignored."""
        line = str(data["line"])
        parsed = _resolve(schema, mode, line)
        node = cls(str(data["key"]), line, parsed=parsed)
        for c in data.get("children", []):
            child = cls.from_data(c, schema, parsed.submode)
            node.children[child.key] = child
        return node


def change_lines(changes: Sequence[Change], notes: Mapping[int, str] | None = None) -> list[str]:
    """Changes as IOS XR prints them (``show configuration``, ``show configuration commit
    changes``): each item under its parents, one space per level, ``no`` before a deleted
    item, a ``!`` closing each block that had lines below it; a parent is printed once for
    the changes that follow one another below it. ``notes``: a line printed after the change
    of that index (``!!% ...`` in ``show configuration failed``)."""
    out: list[str] = []
    #: The open levels: key, and whether lines were printed below it.
    stack: list[list[Any]] = []

    def close_to(level: int) -> None:
        while len(stack) > level:
            _, below = stack.pop()
            if below:
                out.append(" " * len(stack) + "!")

    for index, change in enumerate(changes):
        keys = [p.key for p in change.path]
        common = 0
        while common < min(len(stack), len(keys) - 1) and stack[common][0] == keys[common]:
            common += 1
        close_to(common)
        for depth, item in enumerate(change.path):
            if depth < common:
                continue
            last = depth == len(change.path) - 1
            if stack:
                stack[-1][1] = True
            deleted = last and change.op == "delete"
            out.append(" " * depth + (f"no {item.line}" if deleted else item.line))
            if not deleted:
                stack.append([item.key, False])
        if notes is not None and index in notes:
            out.append(notes[index])
    close_to(0)
    return out


class ConfigTree:
    """A whole configuration (running, or a session's target)."""

    def __init__(self, root: ConfigNode | None = None) -> None:
        self.root = root if root is not None else ConfigNode("", "")

    def copy(self) -> ConfigTree:
        return ConfigTree(self.root.copy())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigTree) and self.canonical() == other.canonical()

    def canonical(self) -> list[Any]:
        """The tree in rendering order (equality ignores the order items were made in)."""

        def walk(node: ConfigNode) -> list[Any]:
            return [(c.key, c.line, walk(c)) for c in node.sorted_children()]

        return walk(self.root)

    def __hash__(self) -> int:  # mutable: identity hash, as for any mutable container
        return id(self)

    def is_empty(self) -> bool:
        return not self.root.children

    def get(self, keys: Sequence[str]) -> ConfigNode | None:
        node = self.root
        for k in keys:
            found = node.children.get(k)
            if found is None:
                return None
            node = found
        return node

    def apply(self, change: Change) -> None:
        if change.op == "set":
            self._set(change.path)
        else:
            self._delete([p.key for p in change.path])

    def apply_all(self, changes: Sequence[Change]) -> None:
        for c in changes:
            self.apply(c)

    def _set(self, path: Sequence[PathItem]) -> None:
        node = self.root
        for i, item in enumerate(path):
            child = node.children.get(item.key)
            if child is None:
                child = ConfigNode(item.key, item.line, parsed=item.parsed)
                node.children[item.key] = child
            elif i == len(path) - 1:
                child.line = item.line
                child.parsed = item.parsed
            node = child

    def _delete(self, keys: Sequence[str]) -> bool:
        if not keys:
            had = bool(self.root.children)
            self.root.children.clear()
            return had
        parent = self.get(keys[:-1])
        if parent is None or keys[-1] not in parent.children:
            return False
        del parent.children[keys[-1]]
        return True

    # -- rendering --------------------------------------------------------------------------

    def lines(self) -> list[str]:
        """The configuration as IOS XR prints it: children indented by one space per level,
        a ``!`` closing every block that has children or opens a submode (an empty
        ``address-family ipv4 unicast`` of a ``vrf`` is closed by `` !`` too)."""
        out: list[str] = []

        def walk(node: ConfigNode, depth: int) -> None:
            for child in node.sorted_children():
                out.append(" " * depth + child.line)
                if child.children or child.parsed.submode is not None:
                    walk(child, depth + 1)
                    out.append(" " * depth + "!")

        walk(self.root, 0)
        return out

    def section(self, words: Sequence[str]) -> ConfigTree:
        """The top-level items whose line starts with ``words`` (``show running-config X``)."""
        sub = ConfigTree()
        n = len(words)
        for child in self.root.sorted_children():
            if child.line.split()[:n] == list(words):
                sub.root.children[child.key] = child.copy()
        return sub

    def leaves(self) -> Iterator[tuple[tuple[PathItem, ...], ConfigNode]]:
        """Every node with its full path, parents before children."""

        def walk(
            node: ConfigNode, prefix: tuple[PathItem, ...]
        ) -> Iterator[tuple[tuple[PathItem, ...], ConfigNode]]:
            for child in node.sorted_children():
                path = (*prefix, PathItem(child.key, child.line, child.parsed))
                yield path, child
                yield from walk(child, path)

        yield from walk(self.root, ())

    # -- comparison -------------------------------------------------------------------------

    def changes_to(self, target: ConfigTree) -> list[Change]:
        """The changes that turn this tree into ``target`` (deletes first, deepest first)."""
        mine = {tuple(p.key for p in path): (path, node) for path, node in self.leaves()}
        theirs = {tuple(p.key for p in path): (path, node) for path, node in target.leaves()}
        # Only the topmost missing node needs deleting: its parent survives (or it is top).
        deletes = [
            Change("delete", path)
            for keys, (path, _) in mine.items()
            if keys not in theirs and (len(keys) == 1 or keys[:-1] in theirs)
        ]
        sets = [
            Change("set", path)
            for keys, (path, node) in theirs.items()
            if keys not in mine or mine[keys][1].line != node.line
        ]
        return deletes + sets

    def diff_lines(self, target: ConfigTree) -> list[str]:
        """``show commit changes diff``: the lines of both trees in IOS XR's three-column
        gutter: ``+  `` a new line, ``-  `` a line gone, ``<- `` and ``+> `` the old and the
        new version of a changed line, blank for a parent shown because a child changed; the
        ``!`` closing a block is never marked."""
        out: list[str] = []

        def walk(old: ConfigNode | None, new: ConfigNode | None, depth: int) -> bool:
            changed = False
            keys = list(old.children if old else {})
            for k in new.children if new else {}:
                if k not in keys:
                    keys.append(k)
            nodes = []
            for k in keys:
                o = old.children.get(k) if old else None
                n = new.children.get(k) if new else None
                either = n if n is not None else o
                nodes.append((either.order if either is not None else UNKNOWN_ORDER, k, o, n))
            nodes.sort(key=lambda t: (t[0], natural_key(t[1])))
            for _, _, o, n in nodes:
                pad = " " * depth
                if o is None and n is not None:
                    _all(n, depth, "+  ")
                    changed = True
                elif n is None and o is not None:
                    _all(o, depth, "-  ")
                    changed = True
                elif o is not None and n is not None:
                    mark = len(out)
                    if o.line != n.line:
                        out.append(f"<- {pad}{o.line}")
                        out.append(f"+> {pad}{n.line}")
                    else:
                        out.append(f"   {pad}{n.line}")
                    below = walk(o, n, depth + 1)
                    if below:
                        out.append(f"   {pad}!")
                    if below or o.line != n.line:
                        changed = True
                    else:
                        del out[mark:]
            return changed

        def _all(node: ConfigNode, depth: int, gutter: str) -> None:
            out.append(f"{gutter}{' ' * depth}{node.line}")
            for child in node.sorted_children():
                _all(child, depth + 1, gutter)
            if node.children:
                out.append(f"   {' ' * depth}!")

        walk(self.root, target.root, 0)
        return out

    # -- persistence ------------------------------------------------------------------------

    def to_data(self) -> list[dict[str, Any]]:
        return [c.to_data() for c in self.root.children.values()]

    @classmethod
    def from_data(cls, data: list[dict[str, Any]], schema: Schema | None = None) -> ConfigTree:
        """A stored tree, every line parsed again with ``schema`` (without one, every line is
        ``UNKNOWN``)."""
        tree = cls()
        for c in data:
            node = ConfigNode.from_data(c, schema)
            tree.root.children[node.key] = node
        return tree

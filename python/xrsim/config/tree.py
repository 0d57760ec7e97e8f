"""The configuration tree: IOS XR configuration as nested lines.

``ConfigNode`` is one configuration line (``hostname r1``, ``crypto ca trustpoint myca``) with
its children (the lines of a submode). Siblings are identified by a ``key``: the words that
make two lines the same item (``hostname`` for ``hostname r1``, the whole line for
``task read sysmgr``), so setting ``hostname r2`` replaces ``hostname r1``. ``order`` is the
schema position of the command (its registration index), which is how ``show running-config``
sorts top-level items, as IOS XR does.

``ConfigTree`` holds the root and applies ``Change`` s (set or delete), renders the tree as
IOS XR prints it, diffs two trees, and converts to and from plain data for persistence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Change", "ConfigNode", "ConfigTree", "PathItem"]


@dataclass(frozen=True)
class PathItem:
    """One level of a configuration path."""

    key: str
    line: str
    order: int = 0


@dataclass(frozen=True)
class Change:
    """A set (create or replace the item at ``path``) or a delete (remove it and below)."""

    op: Literal["set", "delete"]
    path: tuple[PathItem, ...]

    def to_data(self) -> dict[str, Any]:
        return {"op": self.op, "path": [[p.key, p.line, p.order] for p in self.path]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Change:
        op = data["op"]
        if op not in ("set", "delete"):
            raise ValueError(f"bad change op {op!r}")
        return cls(op, tuple(PathItem(str(k), str(line), int(o)) for k, line, o in data["path"]))


@dataclass
class ConfigNode:
    """A configuration line and the lines below it."""

    key: str
    line: str
    order: int = 0
    children: dict[str, ConfigNode] = field(default_factory=dict)

    def copy(self) -> ConfigNode:
        return ConfigNode(
            self.key, self.line, self.order, {k: c.copy() for k, c in self.children.items()}
        )

    def sorted_children(self) -> list[ConfigNode]:
        # Schema order, then instances of one command by key, as IOS XR sorts them.
        return sorted(self.children.values(), key=lambda n: (n.order, n.key))

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "line": self.line, "order": self.order}
        if self.children:
            out["children"] = [c.to_data() for c in self.children.values()]
        return out

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ConfigNode:
        node = cls(str(data["key"]), str(data["line"]), int(data.get("order", 0)))
        for c in data.get("children", []):
            child = cls.from_data(c)
            node.children[child.key] = child
        return node


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
            return [(c.key, c.line, c.order, walk(c)) for c in node.sorted_children()]

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
                child = ConfigNode(item.key, item.line, item.order)
                node.children[item.key] = child
            elif i == len(path) - 1:
                child.line = item.line
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
        a ``!`` closing every block that has children."""
        out: list[str] = []

        def walk(node: ConfigNode, depth: int) -> None:
            for child in node.sorted_children():
                out.append(" " * depth + child.line)
                if child.children:
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
                path = (*prefix, PathItem(child.key, child.line, child.order))
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
        """``show commit changes diff``: the target's lines marked ``+`` (new), ``-`` (gone),
        unmarked where only a child changed."""
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
                nodes.append((either.order if either is not None else 0, k, o, n))
            nodes.sort(key=lambda t: (t[0], t[1]))
            for _, _, o, n in nodes:
                pad = " " * depth
                if o is None and n is not None:
                    out.append(f"+ {pad}{n.line}")
                    _all(n, depth + 1, "+")
                    changed = True
                elif n is None and o is not None:
                    out.append(f"- {pad}{o.line}")
                    _all(o, depth + 1, "-")
                    changed = True
                elif o is not None and n is not None:
                    if o.line != n.line:
                        out.append(f"- {pad}{o.line}")
                        out.append(f"+ {pad}{n.line}")
                        changed = True
                    mark = len(out)
                    out.append(f"  {pad}{n.line}")
                    if walk(o, n, depth + 1):
                        out.append(f"  {pad}!")
                        changed = True
                    else:
                        del out[mark]
            return changed

        def _all(node: ConfigNode, depth: int, sign: str) -> None:
            for child in node.sorted_children():
                out.append(f"{sign} {' ' * depth}{child.line}")
                _all(child, depth + 1, sign)
            if node.children:
                out.append(f"{sign} {' ' * (depth - 1)}!")

        walk(self.root, target.root, 0)
        return out

    # -- persistence ------------------------------------------------------------------------

    def to_data(self) -> list[dict[str, Any]]:
        return [c.to_data() for c in self.root.children.values()]

    @classmethod
    def from_data(cls, data: list[dict[str, Any]]) -> ConfigTree:
        tree = cls()
        for c in data:
            node = ConfigNode.from_data(c)
            tree.root.children[node.key] = node
        return tree

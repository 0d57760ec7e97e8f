"""The edit engine: an ``<edit-config>`` subtree turned into CLI edits along a model's schema.

- ``SchemaEdit`` walks the XML of one top element with its ``operation`` attributes (merge,
  replace, create, delete, remove, none; RFC 6241 section 7.2) along the schema
  (``xrsim.netconf.schema``) and the configuration tree the edit applies to, and collects
  ``CliEdit`` s: CLI lines (``no ...`` for deletes) inside their submode blocks. ``create`` of
  existing data is ``data-exists``, ``delete`` of missing data ``data-missing``; ``replace``
  removes the modeled items the new content leaves out and keeps CLI items the model does not
  cover. Elements outside the model are ``unknown-element`` / ``unknown-namespace``. Every
  leaf value and list key is checked against its YANG type, and the line it makes against
  the command registry the lines will be typed into (``xrsim.netconf.schema.cli_line``):
  the line must parse, in its block's mode, as that one item with the value as its
  argument, else ``invalid-value`` naming the leaf, before anything is typed. An entry of a
  ``LineList`` (one CLI line whose arguments are its leaves) is written as its whole line
  again, the current leaves merged with the new ones (``replace`` keeps only the new ones);
  a ``LineGroup`` entry's edits apply to the lines holding its key.
- ``nested_lines`` turns the edits into the nested CLI lines the session's ``ConfigEditor``
  types into a real CLI configuration session, as a person pastes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from xrsim.config.tree import TOP_MODE, ConfigNode
from xrsim.config.tree import Schema as CliSchema
from xrsim.errors import NetconfError
from xrsim.netconf.schema import (
    Container,
    Leaf,
    LineGroup,
    LineList,
    ListNode,
    Schema,
    Where,
    bad_value,
    exists,
    line_of,
)
from xrsim.netconf.xmlutil import BASE_NS, Element, children, local, namespace, text_of

__all__ = ["OPERATIONS", "CliEdit", "SchemaEdit", "nested_lines"]

#: The ``operation`` attribute values of edit-config (RFC 6241 section 7.2).
OPERATIONS = ("merge", "replace", "create", "delete", "remove", "none")
OP_ATTR = f"{{{BASE_NS}}}operation"


@dataclass(frozen=True)
class CliEdit:
    """One CLI configuration line inside its submode blocks (``block``: the block lines from
    the top, such as ``("crypto ca trustpoint tp1",)``)."""

    block: tuple[str, ...]
    line: str


def nested_lines(edits: list[CliEdit]) -> list[str]:
    """Edits as CLI lines nested by submode (one space per level), as a person pastes them:
    a block line is repeated only when the block changes."""
    out: list[str] = []
    current: tuple[str, ...] = ()
    for e in edits:
        common = 0
        while common < min(len(current), len(e.block)) and current[common] == e.block[common]:
            common += 1
        if common < len(current):
            out.append("root")  # back to the top of config mode, then into the new block
            common = 0
        for depth in range(common, len(e.block)):
            out.append(" " * depth + e.block[depth])
        out.append(" " * len(e.block) + e.line)
        current = e.block
    return out


class SchemaEdit:
    """One edit-config subtree turned into CLI edits (``out``), walked along a schema.
    ``cli`` is the command registry the lines will be typed into: every value goes into a
    line only once its parse there is that one item with that one value (``schema.cli_line``);
    ``modes`` is the CLI mode of each block (the top: configuration mode)."""

    def __init__(self, ns: str, cli: CliSchema) -> None:
        self.ns = ns
        self.cli = cli
        self.out: list[CliEdit] = []
        self.modes: dict[tuple[str, ...], str] = {(): TOP_MODE}
        #: The arguments the enclosing ``LineGroup`` entries fix, and their key leaves.
        self.where: Where = {}
        self.where_leaves: Where = {}

    def op(self, el: Element, inherited: str) -> str:
        value = el.get(OP_ATTR)
        if value is None:
            return inherited
        if value not in OPERATIONS:
            raise NetconfError(
                "bad-attribute",
                f"unknown operation {value!r}",
                error_type="protocol",
                info=(("bad-attribute", "operation"), ("bad-element", local(el))),
            )
        return str(value)

    def spec_of(self, schema: Container | ListNode | LineGroup, el: Element) -> Schema:
        if namespace(el) != self.ns and not any(
            isinstance(c, Container) and c.ns == namespace(el) for c in schema.children
        ):
            raise _unknown(schema.name, el, self.ns)
        for c in schema.children:
            ns = c.ns if isinstance(c, Container) and c.ns else self.ns
            if c.name == local(el) and ns == namespace(el):
                return c
        raise _unknown(schema.name, el, namespace(el))

    def delete_all(self, schema: Schema, node: ConfigNode | None, block: tuple[str, ...]) -> None:
        """Edits removing every modeled item of ``schema`` under ``node``."""
        if isinstance(schema, Leaf):
            current = schema.item(node)
            if current is not None:
                self.out.append(CliEdit(block, f"no {current.line}"))
            return
        if isinstance(schema, Container):
            for c in schema.children:
                self.delete_all(c, node, block)
            return
        if isinstance(schema, LineList):
            for _key, line in schema.entries(node, self.where):
                self.out.append(CliEdit(block, f"no {line.line}"))
            return
        if isinstance(schema, LineGroup):
            for key in schema.keys(node, self.where):
                with self.grouped(schema, key):
                    self.delete_group(schema, node, block)
            return
        for _key, entry in schema.entries(node):
            if not schema.blocks:
                for c in schema.children:
                    self.delete_all(c, entry, block)
            elif entry is not None:
                self.out.append(CliEdit(block, f"no {entry.line}"))

    def edit(
        self,
        schema: Schema,
        el: Element,
        node: ConfigNode | None,
        block: tuple[str, ...],
        inherited: str,
    ) -> None:
        if isinstance(schema, Container) and schema.ns and schema.ns != self.ns:
            outer, self.ns = self.ns, schema.ns  # an augment: its subtree is in its namespace
            try:
                self.edit(schema, el, node, block, inherited)
            finally:
                self.ns = outer
            return
        op = self.op(el, inherited)
        if isinstance(schema, Leaf):
            self.leaf(schema, el, node, block, op)
        elif isinstance(schema, LineList):
            self.line_entry(schema, el, node, block, op)
        elif isinstance(schema, LineGroup):
            self.group(schema, el, node, block, op)
        elif isinstance(schema, Container):
            self.container(schema, el, node, block, op)
        else:
            self.entry(schema, el, node, block, op)

    def leaf(
        self, schema: Leaf, el: Element, node: ConfigNode | None, block: tuple[str, ...], op: str
    ) -> None:
        if children(el):
            raise bad_value(schema.name, "a leaf has no child elements")
        current = schema.item(node)
        present = current is not None
        if op in ("delete", "remove"):
            if current is None:
                if op == "delete":
                    raise _missing(schema.name)
                return
            self.out.append(CliEdit(block, f"no {current.line}"))
            return
        if op == "none":
            return
        if op == "create" and present:
            raise _exists_error(schema.name)
        self.out.append(CliEdit(block, schema.cli_line(text_of(el), self.cli, self.modes[block])))

    def container(
        self,
        schema: Container,
        el: Element,
        node: ConfigNode | None,
        block: tuple[str, ...],
        op: str,
    ) -> None:
        present = exists(schema, self.ns, node, self.where)
        if op in ("delete", "remove"):
            if not present and op == "delete":
                raise _missing(schema.name)
            self.delete_all(schema, node, block)
            return
        if op == "create" and present:
            raise _exists_error(schema.name)
        specs = [(self.spec_of(schema, c), c) for c in children(el)]
        self.children(schema, specs, node, block, op)

    def key_of(self, schema: ListNode | LineList | LineGroup, el: Element) -> Element:
        """The key element of a list entry (checked)."""
        key_el = next(
            (c for c in children(el) if local(c) == schema.key and namespace(c) == self.ns), None
        )
        if key_el is None:
            raise NetconfError(
                "missing-element",
                f"{schema.name} needs its key {schema.key}",
                error_type="protocol",
                info=(("bad-element", schema.key),),
            )
        key = schema.check_key(text_of(key_el))
        if schema.only is not None and key != schema.only:
            raise bad_value(schema.key, f"only {schema.key} {schema.only!r} is supported")
        return key_el

    def entry(
        self,
        schema: ListNode,
        el: Element,
        node: ConfigNode | None,
        block: tuple[str, ...],
        op: str,
    ) -> None:
        key_el = self.key_of(schema, el)
        key = text_of(key_el)
        if not schema.blocks:
            entry, entry_block, entry_line = node, block, None
            present = any(exists(c, self.ns, entry) for c in schema.children)
        else:
            mode = self.modes[block]
            entry_line = schema.entry_line(key, self.cli, mode)
            entry = schema.entry(node, key)
            entry_block = (*block, entry_line)
            submode = schema.submode(entry_line, self.cli, mode)
            if submode is not None:
                self.modes[entry_block] = submode
            present = entry is not None
        if op in ("delete", "remove"):
            if not present and op == "delete":
                raise _missing(schema.name)
            if present and entry_line is not None:
                self.out.append(CliEdit(block, f"no {entry_line}"))
            elif present:
                for c in schema.children:
                    self.delete_all(c, entry, block)
            return
        if op == "create" and present:
            raise _exists_error(schema.name)
        body = [c for c in children(el) if c is not key_el]
        specs = [(self.spec_of(schema, c), c) for c in body]
        if op != "none" and entry_line is not None and not present:
            self.out.append(CliEdit(block, entry_line))
        self.children(schema, specs, entry, entry_block, op)

    @contextmanager
    def grouped(self, schema: LineGroup, key: str) -> Iterator[None]:
        """Inside: the group's argument fixed to ``key`` (``where``)."""
        outer, outer_leaves = self.where, self.where_leaves
        self.where = {**outer, schema.arg: key}
        self.where_leaves = {**outer_leaves, schema.arg: schema.key}
        try:
            yield
        finally:
            self.where, self.where_leaves = outer, outer_leaves

    def delete_group(
        self, schema: LineGroup, node: ConfigNode | None, block: tuple[str, ...]
    ) -> None:
        """Edits removing the lines of the current group entry (``where``)."""
        for c in schema.children:
            self.delete_all(c, node, block)

    def group(
        self,
        schema: LineGroup,
        el: Element,
        node: ConfigNode | None,
        block: tuple[str, ...],
        op: str,
    ) -> None:
        key_el = self.key_of(schema, el)
        key = text_of(key_el)
        present = key in schema.keys(node, self.where)
        if op in ("delete", "remove"):
            if not present and op == "delete":
                raise _missing(schema.name)
            if present:
                with self.grouped(schema, key):
                    self.delete_group(schema, node, block)
            return
        if op == "create" and present:
            raise _exists_error(schema.name)
        specs = [(self.spec_of(schema, c), c) for c in children(el) if c is not key_el]
        with self.grouped(schema, key):
            self.children(schema, specs, node, block, op)

    def line_entry(
        self,
        schema: LineList,
        el: Element,
        node: ConfigNode | None,
        block: tuple[str, ...],
        op: str,
    ) -> None:
        """One entry of a ``LineList``: its line typed again with the leaves it ends with."""
        key_el = self.key_of(schema, el)
        key = text_of(key_el)
        current = schema.entry(node, key, self.where)
        if op in ("delete", "remove"):
            if current is None:
                if op == "delete":
                    raise _missing(schema.name)
                return
            self.out.append(CliEdit(block, f"no {current.line}"))
            return
        if op == "create" and current is not None:
            raise _exists_error(schema.name)
        had = schema.values(current) if current is not None else {}
        values = self.field_values(schema, el, key_el, had, op)
        if current is None and op == "none":
            return
        if current is None:
            for f in schema.fields:
                if f.mandatory and f.name not in values:
                    raise NetconfError(
                        "missing-element",
                        f"{schema.name} {key!r} needs its {f.name}",
                        error_type="application",
                        info=(("bad-element", f.name),),
                    )
        args = {schema.arg: schema.check_key(key), **self.where}
        for f in schema.fields:
            if f.name in values:
                cli = f.cli_value(values[f.name])
                if cli is not None and f.arg is not None:
                    args[f.arg] = cli
        leaves = {
            schema.arg: schema.key,
            **self.where_leaves,
            **{f.arg: f.name for f in schema.fields if f.arg is not None},
        }
        line = line_of(
            schema.line,
            args,
            leaves=leaves,
            syntax=schema.syntax,
            schema=self.cli,
            mode=self.modes[block],
        )
        if current is None or line != current.line:
            self.out.append(CliEdit(block, line))

    def field_values(
        self, schema: LineList, el: Element, key_el: Element, had: dict[str, str], op: str
    ) -> dict[str, str]:
        """The leaves (XML texts by name) an entry ends with: those it ``had`` (none for
        ``replace``) with the edit's own leaf operations applied."""
        values = {} if op == "replace" else dict(had)
        for c in children(el):
            if c is key_el:
                continue
            f = schema.field_named(local(c)) if namespace(c) == self.ns else None
            if f is None:
                raise _unknown(schema.name, c, self.ns)
            if children(c):
                raise bad_value(f.name, "a leaf has no child elements")
            fop = self.op(c, "merge" if op in ("create", "none") else op)
            if fop in ("delete", "remove"):
                if f.mandatory:
                    raise bad_value(f.name, f"{f.name} is mandatory: it cannot be deleted")
                if f.name not in had and fop == "delete":
                    raise _missing(f.name)
                values.pop(f.name, None)
            elif fop == "create" and f.name in had:
                raise _exists_error(f.name)
            elif fop != "none":
                values[f.name] = text_of(c)
        return values

    def drop_unlisted(
        self,
        schema: Container | ListNode | LineGroup,
        specs: list[tuple[Schema, Element]],
        node: ConfigNode | None,
        block: tuple[str, ...],
    ) -> None:
        """``replace``: edits removing the modeled children the new content leaves out (the
        list entries it does not name among them)."""
        given = {s.name for s, _ in specs}
        for c in schema.children:
            if c.name not in given:
                self.delete_all(c, node, block)
                continue
            if isinstance(c, Leaf | Container) or (isinstance(c, ListNode) and not c.blocks):
                continue
            keys = {text_of(self.key_of(c, e)) for s, e in specs if s is c}
            if isinstance(c, ListNode):
                for key, entry in c.entries(node):
                    if key not in keys and entry is not None:
                        self.out.append(CliEdit(block, f"no {entry.line}"))
            elif isinstance(c, LineList):
                for key, line in c.entries(node, self.where):
                    if key not in keys:
                        self.out.append(CliEdit(block, f"no {line.line}"))
            else:
                for key in c.keys(node, self.where):
                    if key not in keys:
                        with self.grouped(c, key):
                            self.delete_group(c, node, block)

    def children(
        self,
        schema: Container | ListNode | LineGroup,
        specs: list[tuple[Schema, Element]],
        node: ConfigNode | None,
        block: tuple[str, ...],
        op: str,
    ) -> None:
        """Edit the children of a container or list entry (``replace`` first removes the
        modeled children the new content leaves out)."""
        if op == "replace":
            self.drop_unlisted(schema, specs, node, block)
        child_op = "merge" if op == "create" else op
        for spec, c in specs:
            self.edit(spec, c, node, block, child_op)


def _unknown(parent: str, el: Element, ns: str | None) -> NetconfError:
    """``unknown-namespace`` for an element outside ``ns``, else ``unknown-element``."""
    if namespace(el) != ns:
        return NetconfError(
            "unknown-namespace",
            f"{namespace(el)!r} is not the namespace of {parent}",
            error_type="protocol",
            info=(("bad-element", local(el)), ("bad-namespace", namespace(el) or "")),
        )
    return NetconfError(
        "unknown-element",
        f"{local(el)!r} is not an element of {parent}",
        info=(("bad-element", local(el)),),
    )


def _missing(name: str) -> NetconfError:
    return NetconfError(
        "data-missing", f"{name}: no such data to delete", info=(("bad-element", name),)
    )


def _exists_error(name: str) -> NetconfError:
    return NetconfError(
        "data-exists", f"{name}: the data already exists", info=(("bad-element", name),)
    )

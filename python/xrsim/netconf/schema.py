"""The declarative schema of a YANG-shaped model, mapped onto IOS XR CLI lines, and its reader.

- ``Leaf``: one leaf held by one CLI configuration line; ``line`` has ``{}`` where the value goes
  (``Leaf("host-name", "hostname {}")``). A leaf reads its value back from the line of the item
  it names and makes the line that sets a value (``cli_line``, checked).
- ``Container``: a container of schema nodes at the same CLI level as its parent.
- ``ListNode``: a keyed list; ``line`` is the CLI block line of an entry
  (``ListNode("trustpoint", "name", "crypto ca trustpoint {}", ...)``), or None for a list
  whose one entry lives at the parent's CLI level (the ``default`` VRF of ``domain name``).
- ``read_into(schema, ns, parent_el, node)`` renders the items of a configuration node as XML
  below ``parent_el``; ``exists`` says whether a schema node has data under a configuration
  node.

The edit engine (``xrsim.netconf.edit``) walks the same schema the other way; the models
(``xrsim.netconf.models``) are instances of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from xrsim.config.tree import ConfigNode
from xrsim.errors import NetconfError
from xrsim.netconf.xmlutil import Element

__all__ = ["Container", "Leaf", "ListNode", "Schema", "bad_value", "exists", "read_into"]

_BAD_VALUE = re.compile(r"[\x00-\x1f\x7f]")


def bad_value(name: str, why: str) -> NetconfError:
    """``invalid-value`` for the element ``name``."""
    return NetconfError("invalid-value", why, info=(("bad-element", name),))


@dataclass(frozen=True)
class Leaf:
    """A leaf held by one CLI line. ``line`` has ``{}`` where the value goes (``kind``
    ``value``); an ``empty`` leaf is the fixed ``line``; a ``bool`` leaf is ``line`` when true
    and ``false_line`` when false. ``key`` is the CLI item key (default: the line's words
    before the value); ``pattern`` restricts the values read back."""

    name: str
    line: str
    key: str | None = None
    kind: Literal["value", "empty", "bool"] = "value"
    false_line: str | None = None
    pattern: str = r".+"

    @property
    def cli_key(self) -> str:
        return self.key or self.line.split("{}")[0].strip()

    def read(self, parent: ConfigNode | None) -> str | None:
        """The leaf's XML text ("" for an empty leaf), None when absent."""
        node = parent.children.get(self.cli_key) if parent is not None else None
        if node is None:
            return None
        if self.kind == "empty":
            return "" if node.line == self.line else None
        if self.kind == "bool":
            if node.line == self.line:
                return "true"
            return "false" if node.line == self.false_line else None
        head, _, tail = self.line.partition("{}")
        m = re.fullmatch(re.escape(head) + f"({self.pattern})" + re.escape(tail), node.line)
        return m.group(1) if m else None

    def cli_line(self, text: str) -> str:
        """The CLI line that sets the leaf to ``text`` (checked)."""
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
        if not text or _BAD_VALUE.search(text) or not re.fullmatch(self.pattern, text):
            raise bad_value(self.name, f"{text!r} is not a valid value")
        return self.line.replace("{}", text)


@dataclass(frozen=True)
class Container:
    name: str
    children: tuple[Schema, ...]


@dataclass(frozen=True)
class ListNode:
    """A keyed list. ``line`` is the CLI block line of an entry (``{}`` is the key); None for
    a list whose entries live at the parent's CLI level, where ``only`` is the one key value
    the CLI has (the ``default`` VRF of ``domain name``)."""

    name: str
    key: str
    line: str | None
    children: tuple[Schema, ...]
    only: str | None = None

    def entries(self, parent: ConfigNode | None) -> Iterator[tuple[str, ConfigNode | None]]:
        if self.line is None:
            assert self.only is not None
            yield self.only, parent
            return
        if parent is None:
            return
        head, _, tail = self.line.partition("{}")
        rx = re.compile(re.escape(head) + r"(\S+)" + re.escape(tail))
        for node in parent.sorted_children():
            m = rx.fullmatch(node.line)
            if m:
                yield m.group(1), node


Schema = Leaf | Container | ListNode


def read_into(schema: Schema, ns: str, parent_el: Element, node: ConfigNode | None) -> None:
    """Append the XML of ``schema``'s data under ``node`` to ``parent_el`` (nothing when there
    is none: containers and entries without data are left out)."""
    if isinstance(schema, Leaf):
        text = schema.read(node)
        if text is not None:
            el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
            if text:
                el.text = text
        return
    if isinstance(schema, Container):
        el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
        for c in schema.children:
            read_into(c, ns, el, node)
        if not len(el):
            parent_el.remove(el)
        return
    for key, entry in schema.entries(node):
        el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
        etree.SubElement(el, f"{{{ns}}}{schema.key}").text = key
        for c in schema.children:
            read_into(c, ns, el, entry)
        if schema.line is None and len(el) == 1:
            parent_el.remove(el)


def exists(schema: Schema, ns: str, node: ConfigNode | None) -> bool:
    """Whether ``schema`` has data under ``node``."""
    holder = etree.Element("x")
    read_into(schema, ns, holder, node)
    return len(holder) > 0

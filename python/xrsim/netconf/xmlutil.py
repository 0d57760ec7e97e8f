"""XML for NETCONF: the one safe parser, namespaces and element helpers.

``parse`` reads a message with lxml configured against XML attacks: no entity expansion
(``resolve_entities=False``), no DTD loading, no network, no huge trees; a document with a DTD
is refused outright (NETCONF messages never carry one). ``qname``/``local``/``namespace``
split ``{ns}name`` tags; ``sub`` builds children in the parent's namespace; ``to_text``
serialises without an XML declaration.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from lxml import etree

from xrsim.errors import NetconfError

__all__ = [
    "BASE_NS",
    "Element",
    "child",
    "children",
    "graft",
    "local",
    "namespace",
    "parse",
    "qname",
    "sub",
    "text_of",
    "to_text",
]

#: The NETCONF base namespace (rpc, rpc-reply, hello, data, ok, rpc-error...).
BASE_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"

#: An lxml element (lxml ships no type information: the alias documents intent).
Element: TypeAlias = Any

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    load_dtd=False,
    dtd_validation=False,
    remove_comments=True,
    remove_pis=True,
)


def parse(data: bytes) -> Element:
    """Parse one NETCONF message; ``NetconfError`` malformed-message when it is not
    well-formed XML or declares a DTD."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise NetconfError(
            "malformed-message", f"the message is not well-formed XML: {e}", error_type="rpc"
        ) from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise NetconfError(
            "malformed-message", "a DTD is not allowed in a NETCONF message", error_type="rpc"
        )
    return root


def qname(ns: str | None, name: str) -> str:
    return f"{{{ns}}}{name}" if ns else name


def local(el: Element) -> str:
    return str(etree.QName(el).localname)


def namespace(el: Element) -> str | None:
    ns = etree.QName(el).namespace
    return None if ns is None else str(ns)


def children(el: Element) -> list[Element]:
    """The element children (comments and processing instructions left out)."""
    return [c for c in el if isinstance(c.tag, str)]


def child(el: Element, name: str, ns: str | None = BASE_NS) -> Element | None:
    """The first child named ``name`` in ``ns``."""
    for c in children(el):
        if local(c) == name and namespace(c) == ns:
            return c
    return None


def text_of(el: Element) -> str:
    return (el.text or "").strip()


def sub(parent: Element, name: str, text: str | None = None) -> Element:
    """A child of ``parent`` in the parent's namespace, with ``text``."""
    el = etree.SubElement(parent, qname(namespace(parent), name))
    if text is not None:
        el.text = text
    return el


def graft(parent: Element, el: Element) -> Element:
    """Append a copy of ``el`` to ``parent``, declaring ``el``'s namespace as the default
    namespace of the copy (``<host-names xmlns="...">``, no generated ``ns0:`` prefixes)."""
    ns = namespace(el)
    copy = etree.SubElement(
        parent, el.tag, attrib=dict(el.attrib), nsmap={None: ns} if ns else None
    )
    copy.text = el.text
    copy.tail = None
    for c in children(el):
        graft(copy, c)
    return copy


def to_text(el: Element) -> str:
    return str(etree.tostring(el, encoding="unicode"))

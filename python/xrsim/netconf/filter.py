"""Subtree filtering (RFC 6241 section 6), generic over any XML data tree.

``subtree_filter(filter_el, data_el)`` returns a copy of ``data_el`` (the ``<data>`` element)
holding only what the filter selects. The filter's children are matched against the data's
children by namespace and local name (a filter element without a namespace matches any
namespace, as RFC 6241 section 6.2.1 allows), and each filter element is one of:

- a *content match node* (text, no children): the data sibling must have that text, else the
  whole parent is left out; when every filter sibling is a content match node the parent's
  whole subtree is selected;
- a *selection node* (empty): the matching data elements are selected with their subtree;
- a *containment node* (has children): the matching data elements are kept when the filter
  below them selects something.

Attribute match expressions (attributes on filter elements, ``xmlns`` aside) must equal the
data element's attributes. The result keeps the data's element order.
"""

from __future__ import annotations

import copy

from lxml import etree

from xrsim.netconf.xmlutil import Element, children, local, namespace, text_of

__all__ = ["subtree_filter"]


def _matches(f: Element, d: Element) -> bool:
    if local(f) != local(d):
        return False
    ns = namespace(f)
    if ns is not None and ns != namespace(d):
        return False
    return all(d.get(name) == value for name, value in f.attrib.items())


def _is_content_match(f: Element) -> bool:
    return not children(f) and bool(text_of(f))


def _select(fchildren: list[Element], parent: Element) -> list[Element] | None:
    """The filtered copies of ``parent``'s children, or None when a content match fails
    (then ``parent`` itself is not selected)."""
    dchildren = children(parent)
    content = [f for f in fchildren if _is_content_match(f)]
    others = [f for f in fchildren if not _is_content_match(f)]
    chosen: dict[int, Element] = {}
    for f in content:
        hits = [d for d in dchildren if _matches(f, d) and text_of(d) == text_of(f)]
        if not hits:
            return None
        for d in hits:
            chosen[id(d)] = copy.deepcopy(d)
    if content and not others:
        return [copy.deepcopy(d) for d in dchildren]
    for f in others:
        for d in dchildren:
            if not _matches(f, d):
                continue
            if not children(f):  # selection node
                chosen[id(d)] = copy.deepcopy(d)
                continue
            below = _select(children(f), d)  # containment node
            if below:
                kept = etree.Element(d.tag, attrib=dict(d.attrib), nsmap=d.nsmap)
                kept.text = None
                previous = chosen.get(id(d))
                if previous is not None:  # two filter branches on one element: union
                    below = _union(previous, below)
                kept.extend(below)
                chosen[id(d)] = kept
    return [chosen[id(d)] for d in dchildren if id(d) in chosen]


def _union(previous: Element, more: list[Element]) -> list[Element]:
    have = children(previous)
    keys = {etree.tostring(c) for c in have}
    return have + [c for c in more if etree.tostring(c) not in keys]


def subtree_filter(filter_el: Element, data: Element) -> Element:
    """A copy of ``data`` reduced to what ``filter_el`` (a ``<filter type="subtree">``)
    selects; an empty filter selects nothing."""
    out = etree.Element(data.tag, nsmap=data.nsmap)
    fchildren = children(filter_el)
    if not fchildren:
        return out
    selected = _select(fchildren, data)
    if selected:
        out.extend(selected)
    return out

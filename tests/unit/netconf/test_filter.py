"""Subtree filtering (RFC 6241 section 6) on XML data: the RFC's own kinds of nodes (content
match, selection, containment), namespaces, attribute matches, and the data order kept."""

from __future__ import annotations

import pytest
from lxml import etree

from xrsim.netconf.filter import subtree_filter

pytestmark = pytest.mark.timeout(30)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
T = "http://example.com/schema/1.2/config"

DATA = f"""<data xmlns="{NC}"><top xmlns="{T}"><users>
<user><name>root</name><type>superuser</type><full-name>Charlie Root</full-name>
  <company-info><dept>1</dept><id>1</id></company-info></user>
<user><name>fred</name><type>admin</type><full-name>Fred Flintstone</full-name>
  <company-info><dept>2</dept><id>2</id></company-info></user>
<user><name>barney</name><type>admin</type><full-name>Barney Rubble</full-name>
  <company-info><dept>2</dept><id>3</id></company-info></user>
</users><groups><group><name>admin</name></group></groups></top>
<other xmlns="urn:other"><x a="1">one</x><x a="2">two</x></other></data>"""


def run(filter_body: str) -> etree._Element:
    data = etree.fromstring(DATA, etree.XMLParser(remove_blank_text=True))
    f = etree.fromstring(f'<filter xmlns="{NC}" type="subtree">{filter_body}</filter>')
    return subtree_filter(f, data)


def names(el: etree._Element) -> list[str]:
    return [n.text or "" for n in el.iterfind(f".//{{{T}}}user/{{{T}}}name")]


def test_no_filter_children_selects_nothing() -> None:
    assert len(run("")) == 0


def test_selection_node_selects_subtree() -> None:
    out = run(f'<top xmlns="{T}"><users/></top>')
    assert names(out) == ["root", "fred", "barney"]
    assert out.find(f".//{{{T}}}groups") is None
    assert out.find("{urn:other}other") is None


def test_content_match_selects_entry() -> None:
    out = run(f'<top xmlns="{T}"><users><user><name>fred</name></user></users></top>')
    assert names(out) == ["fred"]
    # all siblings content-match nodes: the whole entry is selected
    assert out.findtext(f".//{{{T}}}full-name") == "Fred Flintstone"


def test_content_match_with_selection_siblings() -> None:
    out = run(f'<top xmlns="{T}"><users><user><type>admin</type><name/></user></users></top>')
    users = out.findall(f".//{{{T}}}user")
    assert [[etree.QName(c).localname for c in u] for u in users] == [
        ["name", "type"],
        ["name", "type"],
    ]
    assert names(out) == ["fred", "barney"]


def test_failed_content_match_drops_parent() -> None:
    out = run(f'<top xmlns="{T}"><users><user><name>wilma</name></user></users></top>')
    assert len(out) == 0


def test_nested_containment() -> None:
    out = run(
        f'<top xmlns="{T}"><users><user><name>root</name><company-info><id/></company-info>'
        "</user></users></top>"
    )
    user = out.find(f".//{{{T}}}user")
    assert user is not None
    info = user.find(f"{{{T}}}company-info")
    assert info is not None
    assert [etree.QName(c).localname for c in info] == ["id"]


def test_namespace_must_match_unless_absent() -> None:
    assert len(run('<top xmlns="urn:wrong"><users/></top>')) == 0
    out = run('<other xmlns=""><x/></other>')  # no namespace: any namespace matches
    assert [x.text for x in out.iter("{urn:other}x")] == ["one", "two"]


def test_attribute_match() -> None:
    out = run('<other xmlns="urn:other"><x a="2"/></other>')
    assert [x.text for x in out.iter("{urn:other}x")] == ["two"]


def test_two_branches_on_one_element_are_merged() -> None:
    out = run(f'<top xmlns="{T}"><users/><groups/></top>')
    top = out.find(f"{{{T}}}top")
    assert top is not None
    assert [etree.QName(c).localname for c in top] == ["users", "groups"]

"""xrsim.netconf.schema: leaves and lists read the command registry's parse of each line
(typed arguments, keywords, the entry command's syntax), never the line text: a line no command
parses is not read, and a line that only looks like a modeled one is not taken for it."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from lxml import etree

from xrsim.config.tree import ConfigNode, ConfigTree
from xrsim.errors import NetconfError
from xrsim.netconf import MODELS
from xrsim.netconf.models import crypto_cepki_cfg, shellutil_cfg
from xrsim.netconf.registry import ConfigModel
from xrsim.netconf.schema import (
    CISCO_IOS_XR_STRING,
    IPV4_ADDRESS_NO_ZONE,
    Container,
    Field,
    Leaf,
    LineGroup,
    LineList,
    ListNode,
    Schema,
    String,
    Uint32,
    cli_line,
    line_of,
)
from xrsim.notify.notifier import COMMUNITY
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

CEPKI = crypto_cepki_cfg.NAMESPACE


def _trustpoint_config(router: Router) -> ConfigTree:
    router.configure(
        [
            "crypto ca trustpoint tp1",
            " enrollment retry period 7",
            " serial-number none",
            " ip-address none",
            " crl optional",
        ]
    )
    return router.datastore.running_copy()


def test_values_come_from_the_parse(router: Router) -> None:
    tree = _trustpoint_config(router)
    el = crypto_cepki_cfg.CRYPTO_CA.read(tree)
    assert el is not None
    ns = {"c": CEPKI}
    tp = el.find(".//c:trustpoint", ns)
    assert tp.findtext("c:name", namespaces=ns) == "tp1"
    assert tp.findtext("c:enrollment/c:retry/c:period", namespaces=ns) == "7"
    assert tp.findtext("c:attribute/c:serial-number", namespaces=ns) == "false"
    assert tp.find("c:attribute/c:ip-address/c:no-address", ns) is not None
    assert tp.find("c:attribute/c:ip-address/c:address", ns) is None
    assert tp.find("c:crl/c:optional", ns) is not None
    block = tree.get(["crypto ca trustpoint tp1"])
    assert block is not None
    assert block.children["enrollment retry period"].args["minutes"] == 7


def test_unparsed_lines_are_not_read(router: Router) -> None:
    tree = _trustpoint_config(router)
    # The same text with no parse (a stored line no command knows) is not data.
    tree.root.children["hostname"] = ConfigNode("hostname", "hostname ghost")
    assert shellutil_cfg.HOST_NAMES.read(tree) is None
    block = tree.get(["crypto ca trustpoint tp1"])
    assert block is not None
    block.children["vrf"] = ConfigNode("vrf", "vrf red")
    el = crypto_cepki_cfg.CRYPTO_CA.read(tree)
    assert el is not None
    assert el.find(f".//{{{CEPKI}}}vrf-table") is None
    tree.root.children["crypto ca trustpoint tp9"] = ConfigNode(
        "crypto ca trustpoint tp9", "crypto ca trustpoint tp9"
    )
    el = crypto_cepki_cfg.CRYPTO_CA.read(tree)
    names = [n.text for n in el.iterfind(f".//{{{CEPKI}}}trustpoint/{{{CEPKI}}}name")]
    assert names == ["tp1"]


def test_schema_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="argument"):
        Leaf("x", "x", "x {}")
    with pytest.raises(ValueError, match="keyword"):
        Leaf("x", "x", "x", kind="bool", false_line="x none")
    with pytest.raises(ValueError, match="one key"):
        ListNode("l", "k", ())
    with pytest.raises(ValueError, match="argument and line"):
        ListNode("l", "k", (), syntax="l <k:WORD>")


# -- values: YANG types, then the CLI line's parse ----------------------------------------------


def _sample(schema: Schema | Field) -> str:
    """A value of ``schema``'s YANG type that the CLI takes too."""
    if isinstance(schema, Field) and (schema.fixed is not None or schema.enum):
        return schema.fixed if schema.fixed is not None else schema.enum[0][0]
    keyed = ListNode | LineList | LineGroup
    t = schema.key_type if isinstance(schema, keyed) else schema.type
    if isinstance(t, Uint32):
        return str(t.lo)
    if t == IPV4_ADDRESS_NO_ZONE:
        return "10.0.0.1"
    return "x1"


def _xml(schema: Schema, parent: etree._Element, ns: str) -> int:
    """Append an element of every node of ``schema`` below ``parent``; the number of leaves
    and block entries (each makes one CLI line)."""
    if isinstance(schema, Container):
        ns = schema.ns or ns
        el = etree.SubElement(parent, f"{{{ns}}}{schema.name}")
        return sum(_xml(c, el, ns) for c in schema.children)
    el = etree.SubElement(parent, f"{{{ns}}}{schema.name}")
    if isinstance(schema, LineList):  # one line holding the key and every field
        etree.SubElement(el, f"{{{ns}}}{schema.key}").text = _sample(schema)
        for f in schema.fields:
            etree.SubElement(el, f"{{{ns}}}{f.name}").text = _sample(f)
        return 1
    if isinstance(schema, LineGroup):
        etree.SubElement(el, f"{{{ns}}}{schema.key}").text = _sample(schema)
        return sum(_xml(c, el, ns) for c in schema.children)
    if isinstance(schema, ListNode):
        key = schema.only if schema.only is not None else _sample(schema)
        etree.SubElement(el, f"{{{ns}}}{schema.key}").text = key
        return int(schema.blocks) + sum(_xml(c, el, ns) for c in schema.children)
    if schema.kind == "bool":
        el.text = "true"
    elif schema.kind == "value":
        el.text = _sample(schema)
    return 1


@pytest.mark.parametrize("model", [m for m in MODELS if isinstance(m, ConfigModel)])
def test_every_leaf_line_parses_as_its_item(router: Router, model: ConfigModel) -> None:
    # Each leaf and entry template, with a value of its type, parses in its block's mode as
    # the leaf's own item with the value as its argument (what cli_line checks), so a valid
    # value is never refused for a model mistake.
    holder = etree.Element("holder")
    expected = _xml(model.top, holder, model.namespace)
    edits = model.edit(holder[0], ConfigTree(), "merge", router.registry)
    assert len(edits) == expected


def test_yang_types() -> None:
    assert Uint32(1, 60).check("period", "+07") == "7"
    for bad in ("61", "0", "-1", "\u0663", "7.0", "", " 7"):
        with pytest.raises(NetconfError) as info:
            Uint32(1, 60).check("period", bad)
        assert (info.value.tag, info.value.info) == ("invalid-value", (("bad-element", "period"),))
    assert String(length=(1, 3)).check("v", "abc") == "abc"
    for bad_string, t in (
        ("abcd", String(length=(1, 3))),
        ("tp 1", CISCO_IOS_XR_STRING),
        ("1.2.3.04", IPV4_ADDRESS_NO_ZONE),
        ("1.2.3.4%0", IPV4_ADDRESS_NO_ZONE),
    ):
        with pytest.raises(NetconfError):
            t.check("v", bad_string)
    assert CISCO_IOS_XR_STRING.check("v", "a|b;c") == "a|b;c"  # the YANG type allows them


def test_cli_line_takes_the_value_as_one_argument(router: Router) -> None:
    reg = router.registry
    assert cli_line("host-name", "hostname {}", "r2", reg, "config", key="hostname", arg="name")
    for value in ("r2 | file harddisk:a", "r2 r3", "r2?", "r2\nusername x", " r2", "a|b"):
        with pytest.raises(NetconfError) as info:
            cli_line("host-name", "hostname {}", value, reg, "config", key="hostname", arg="name")
        assert info.value.info == (("bad-element", "host-name"),)
    # A LINE argument takes spaces, never a pipe.
    assert cli_line("subject-name", "subject-name {}", "CN=a b", reg, "config-trustp", arg="dn")
    with pytest.raises(NetconfError):
        cli_line("subject-name", "subject-name {}", "CN=a | b", reg, "config-trustp", arg="dn")
    # The parse is the block's mode's: in (config-trustp) ``vrf red`` is the trustpoint's VRF;
    # where only configuration mode has a ``vrf`` command, the CLI would leave the submode for
    # it, so the line is refused.
    assert cli_line("vrf", "vrf {}", "red", reg, "config-trustp", key="vrf", arg="vrf")
    assert reg.resolve("config", "vrf red").known
    with pytest.raises(NetconfError):
        cli_line("vrf", "vrf {}", "red", reg, "config-ncy-agent", key="vrf", arg="vrf")


def test_line_of_takes_exactly_the_arguments_given(router: Router) -> None:
    reg = router.registry
    leaves = {"name": "community-name", "access": "priviledge"}

    def community(args: Mapping[str, str]) -> str:
        return f"snmp-server community {' '.join(args.values())}"

    def line(args: dict[str, str]) -> str:
        return line_of(community, args, leaves=leaves, syntax=COMMUNITY, schema=reg, mode="config")

    assert line({"name": "pub", "access": "rw"}) == "snmp-server community pub rw"
    # A value that would be more of the line than its argument, or another command's line:
    # refused, naming the leaf of that value.
    for args, leaf in (
        ({"name": "pub RW"}, "community-name"),  # the access would come from the name
        ({"name": "pub | file x"}, "community-name"),
        ({"name": "pub?"}, "community-name"),
        ({"name": " pub"}, "community-name"),
        ({"name": "pub", "access": "rx"}, "community-name"),  # no command parses it: the key
    ):
        with pytest.raises(NetconfError) as info:
            line(args)
        assert info.value.info == (("bad-element", leaf),)


def test_fields_map_yang_values_to_the_line() -> None:
    priv = Field("priviledge", arg="access", enum=(("read-only", "ro"), ("read-write", "rw")))
    assert priv.cli_value("read-write") == "rw"
    version = Field("version", fixed="2c", mandatory=True)
    assert version.cli_value("2c") is None  # implied by the line, not an argument of it
    for field, bad in ((priv, "rw"), (priv, "write"), (version, "3")):
        with pytest.raises(NetconfError) as info:
            field.cli_value(bad)
        assert info.value.info == (("bad-element", field.name),)
    with pytest.raises(ValueError, match="either"):
        Field("x")

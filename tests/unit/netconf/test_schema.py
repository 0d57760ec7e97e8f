"""xrsim.netconf.schema: leaves and lists read the command registry's parse of each line
(typed arguments, keywords, the entry command's syntax), never the line text: a line no command
parses is not read, and a line that only looks like a modeled one is not taken for it."""

from __future__ import annotations

import pytest

from xrsim.config.tree import ConfigNode, ConfigTree
from xrsim.netconf.models import crypto_cepki_cfg, shellutil_cfg
from xrsim.netconf.schema import Leaf, ListNode
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

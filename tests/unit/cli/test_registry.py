"""xrsim.cli.registry: syntax expansion, token trees, configuration items."""

from __future__ import annotations

import pytest

from xrsim.cli import default_registry
from xrsim.cli.parser import parse
from xrsim.cli.registry import ANY_CONFIG, Item, Keyword, Param, Registry, expand
from xrsim.config.tree import UNKNOWN
from xrsim.pki.trustpoint import TP


def _words(seqs: list) -> list[str]:
    return [" ".join(e.word if isinstance(e, Keyword) else f"<{e.name}>" for e in s) for s in seqs]


def test_expand_optionals_and_alternatives() -> None:
    got = _words(expand("crypto key generate rsa [ { usage-keys | general-keys } ] [ <label> ]"))
    assert got == [
        "crypto key generate rsa",
        "crypto key generate rsa <label>",
        "crypto key generate rsa usage-keys",
        "crypto key generate rsa usage-keys <label>",
        "crypto key generate rsa general-keys",
        "crypto key generate rsa general-keys <label>",
    ]


def test_param_types() -> None:
    (seq,) = expand("enrollment retry period <minutes:1-60>")
    p = seq[-1]
    assert p == Param("minutes", "INT", 1, 60)
    assert p.accepts("60")
    assert not p.accepts("61")
    assert not p.accepts("x")
    (seq,) = expand("subject-name <dn:LINE>")
    assert seq[-1] == Param("dn", "LINE")


@pytest.mark.parametrize("bad", ["a [ b", "a { b | c", "a ] b", "a <x:1-> b", "a <x:FLOAT>"])
def test_bad_syntax_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - registration errors are programming errors
        expand(bad)


def test_clashing_commands_are_refused() -> None:
    reg = Registry()
    reg.add_mode("exec", None, None)
    reg.command("exec", "show version", lambda ctx: None)
    with pytest.raises(ValueError, match="clashes"):
        reg.command("exec", "show [ version ]", lambda ctx: None)


def test_a_command_has_a_handler_or_is_an_item() -> None:
    reg = Registry()
    reg.add_mode("exec", None, None)
    reg.add_mode("config", "exec", "config")
    with pytest.raises(ValueError, match="handler"):
        reg.command("config", "hostname <name:WORD>")
    with pytest.raises(ValueError, match="handler"):
        reg.command("config", "hostname <name:WORD>", lambda ctx: None, item=Item())


def test_config_item_registers_no_form_and_globals_reach_later_modes() -> None:
    reg = Registry()
    reg.add_mode("exec", None, None)
    reg.add_mode("config", "exec", "config")

    reg.command(ANY_CONFIG, "end", lambda ctx: None)
    reg.command("config", "domain name <name:WORD>", item=Item(key_words=2))
    no = reg.trees["config"].keywords["no"].keywords["domain"].keywords["name"]
    assert no.command is not None
    assert no.command.negate
    reg.add_mode("config-x", "config", "config-x")
    assert "end" in reg.trees["config-x"].keywords
    assert reg.lineage("config-x") == ["config-x", "config", "exec"]
    assert reg.is_config_mode("config-x")
    assert not reg.is_config_mode("exec")


def test_a_named_keyword_choice_is_an_argument_and_still_a_keyword() -> None:
    reg = Registry()
    reg.add_mode("exec", None, None)
    reg.add_mode("config", "exec", "config")
    reg.command("config", "keypair <kind:{ rsa | ecdsa }> <label:WORD>", item=Item(key_words=1))
    tree = reg.trees["config"]
    assert set(tree.keywords["keypair"].keywords) == {"rsa", "ecdsa"}
    match = parse(tree, "keyp ec k1")  # abbreviations as for any keyword
    assert match.args == {"kind": "ecdsa", "label": "k1"}
    assert match.words == ["keypair", "ecdsa", "k1"]
    no = parse(tree, "no keypair rsa k1")
    assert no.command.negate
    assert no.args["kind"] == "rsa"
    with pytest.raises(ValueError):  # noqa: PT011 - registration errors are programming errors
        expand("keypair <kind:{ rsa | <x:WORD> }>")


def test_resolve_parses_stored_lines_of_configuration_items_only() -> None:
    reg = default_registry()
    period = reg.resolve("config-trustp", "enrollment retry period 5")
    assert period.syntax == TP.RETRY_PERIOD
    assert period.args == {"minutes": 5}
    assert isinstance(period.args["minutes"], int)
    assert period.key == "enrollment retry period"
    url = reg.resolve("config-trustp", "enrollment url self")
    terminal = reg.resolve("config-trustp", "enrollment terminal")
    assert url.key == terminal.key == "enrollment"
    assert (url.syntax, terminal.syntax) == (TP.ENROLLMENT_URL, TP.ENROLLMENT_TERMINAL)
    assert url.order < period.order < reg.resolve("config-trustp", "vrf v").order
    trustpoint = reg.resolve("config", "crypto ca trustpoint tp")
    assert trustpoint.submode == "config-trustp"
    assert reg.item_command(trustpoint) is not None
    assert reg.item_command(trustpoint).tasks == (("write", "crypto"),)  # type: ignore[union-attr]
    # Not items: unknown (commands of configuration mode, ``no`` forms, other modes' lines).
    for mode, line in [
        ("config", "commit"),
        ("config", "no hostname"),
        ("config", "enrollment url self"),
        ("config-trustp", "enrollment retry period 61"),
        ("config", "banner motd hello"),
        ("nowhere", "hostname r1"),
    ]:
        assert reg.resolve(mode, line) is UNKNOWN, line

"""xrsim.cli.registry: syntax expansion, token trees, configuration items."""

from __future__ import annotations

import pytest

from xrsim.cli.registry import ANY_CONFIG, Item, Keyword, Param, Registry, expand


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

"""xrsim.cli.parser: IOS XR matching rules, error positions and ``?`` help."""

from __future__ import annotations

from pathlib import Path

import pytest

from xrsim.cli import default_registry
from xrsim.cli.parser import ParseError, help_at, parse, tokenize
from xrsim.router import Router

REG = default_registry()
EXEC = REG.trees["exec"]
CONFIG = REG.trees["config"]


def test_tokenize_keeps_columns() -> None:
    toks = tokenize("  show   running-config ")
    assert [(t.text, t.start) for t in toks] == [("show", 2), ("running-config", 9)]


@pytest.mark.parametrize(
    ("line", "syntax"),
    [
        ("conf t", "configure [ terminal ]"),
        ("configure", "configure [ terminal ]"),
        ("sh run", "show running-config [ <section:LINE> ]"),
        ("term len 0", "terminal length <lines:0-512>"),
        ("TERM WID 512", "terminal width <columns:0-512>"),
        ("conf excl", "configure exclusive"),
    ],
)
def test_unique_prefixes(line: str, syntax: str) -> None:
    assert parse(EXEC, line).command.syntax == syntax


def test_words_are_canonical() -> None:
    m = parse(EXEC, "sh run hostname")
    assert m.words[:2] == ["show", "running-config"]
    assert m.args == {"section": "hostname"}


def test_line_parameter_takes_the_rest_verbatim() -> None:
    m = parse(CONFIG, "commit label L1 comment my  long comment  ")
    assert m.args == {"label": "L1", "comment": "my  long comment"}


def test_range_parameters() -> None:
    assert parse(EXEC, "terminal length 0").args == {"lines": 0}
    with pytest.raises(ParseError) as e:
        parse(EXEC, "terminal length 513")
    assert (e.value.kind, e.value.pos) == ("invalid", 16)


@pytest.mark.parametrize(
    ("line", "kind", "pos"),
    [
        ("show foo", "invalid", 5),
        ("shw version", "invalid", 0),
        ("terminal", "incomplete", 8),
        ("show c", "ambiguous", 5),
        ("te length x", "invalid", 10),
    ],
)
def test_errors(line: str, kind: str, pos: int) -> None:
    with pytest.raises(ParseError) as e:
        parse(EXEC, line)
    assert (e.value.kind, e.value.pos) == (kind, pos)


def test_typed_parameters() -> None:
    assert parse(CONFIG, "hostname r1-pe").args == {"name": "r1-pe"}
    with pytest.raises(ParseError) as e:
        parse(CONFIG, "hostname bad/name")
    assert (e.value.kind, e.value.pos) == ("invalid", 9)
    with pytest.raises(ParseError):
        parse(CONFIG, "domain name -lead.com")


def test_help_lists_next_words_and_cr() -> None:
    words = [w for w, _ in help_at(REG, "exec", "terminal ")]
    assert words == ["exec", "length", "width"]
    words = [w for w, _ in help_at(REG, "exec", "configure ")]
    assert "exclusive" in words
    assert "<cr>" in words
    assert [w for w, _ in help_at(REG, "exec", "conf")] == ["configure"]
    assert ("<0-512>", "Lines") in help_at(REG, "exec", "terminal length ")
    with pytest.raises(ParseError):
        help_at(REG, "exec", "nonsense ")


def test_help_hides_what_the_release_lacks(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(Path(str(tmp_path)) / "vendor"))
    with Router.boot(state_dir=Path(str(tmp_path)) / "old", release_version="6.6.3") as old:
        s = old.session()
        assert "crypto" not in s.handle_line("?")
        assert "% Invalid input" in s.handle_line("crypto ?")
    with Router.boot(state_dir=tmp_path / "new", release_version="7.0.1") as new:
        s = new.session()
        assert "crypto" in s.handle_line("?")
        words = [ln.split()[0] for ln in s.handle_line("crypto key generate ?").splitlines()]
        assert "rsa" in words
        assert "ed25519" not in words  # from 7.3.1

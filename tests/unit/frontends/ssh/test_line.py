"""``LineDiscipline`` in front of a real ``CliSession``: echo (none for hidden answers), erase,
CR / LF / CR LF as one Enter, escape sequences swallowed, Ctrl-C abandoning a line or a
question, ``?`` help that leaves the line typed, and what goes out as one write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.cli import Ctx, Prompt, build_registry
from xrsim.cli.context import Interaction
from xrsim.cli.session import CliSession
from xrsim.frontends.ssh.line import CTRL_C, LineDiscipline, LineRequest, crlf
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

PROMPT = "RP/0/RP0/CPU0:r1#"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliSession]:
    """A CLI session (no timestamp lines) on a router whose registry has one more command,
    ``ask-demo``: a hidden question (a password), then a visible one."""
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    reg = build_registry()

    def demo(ctx: Ctx) -> Interaction:
        pw = yield Prompt("Password: ", hidden=True)
        size = (yield Prompt("How many bits in the modulus [2048]: ")).strip() or "2048"
        ctx.line(f"got {pw} and {size}")

    reg.command("exec", "ask-demo", demo)

    with Router.boot(state_dir=tmp_path / "r1", hostname="r1", release_version="6.6.3") as r:
        s = CliSession(r, reg, line="vty0")
        s.handle_line("terminal exec prompt no-timestamp")
        yield s
        s.close()


def type_text(ld: LineDiscipline, text: str) -> list[LineRequest]:
    return [r for r in (ld.feed(ch) for ch in text) if r is not None]


def run(ld: LineDiscipline, cli: CliSession, text: str) -> str:
    """Type ``text`` as a shell does: each request runs in the CLI, its answer goes back."""
    for ch in text:
        request = ld.feed(ch)
        if request is not None:
            ld.answer(request, cli.handle_line(request.text), closed=cli.closed)
    return ld.output()


def test_typed_characters_are_echoed_and_enter_gives_the_line(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    assert type_text(ld, "show clock") == []
    assert ld.line == "show clock"
    assert ld.output() == "show clock"
    assert ld.output() == ""  # taken once
    assert type_text(ld, "\r") == [LineRequest("show clock")]
    assert ld.output() == "\r\n"
    assert ld.line == ""


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_cr_lf_and_crlf_are_one_enter(cli: CliSession, ending: str) -> None:
    ld = LineDiscipline(cli)
    assert type_text(ld, f"a{ending}b{ending}") == [LineRequest("a"), LineRequest("b")]


def test_lf_cr_is_two_enters(cli: CliSession) -> None:
    assert len(type_text(LineDiscipline(cli), "\n\r")) == 2


def test_erase_removes_the_last_character(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    assert type_text(ld, "shox\x7fw\x08w\r") == [LineRequest("show")]
    assert ld.output() == "shox\b \bw\b \bw\r\n"
    # Erasing an empty line echoes nothing.
    type_text(ld, "\x7f\x7f")
    assert ld.output() == ""


def test_escape_sequences_are_swallowed(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    # Cursor up (CSI A), cursor left in SS3 form (ESC O D), and a bare ESC followed by a letter.
    assert type_text(ld, "sh\x1b[Aow\x1bOD\x1bx ver\r") == [LineRequest("show ver")]
    assert ld.output() == "show ver\r\n"


def test_other_control_characters_do_nothing(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    assert type_text(ld, "a\tb\x04c\r") == [LineRequest("abc")]


def test_ctrl_c_abandons_the_line(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    assert type_text(ld, "show ver" + CTRL_C) == []
    assert ld.line == ""
    assert ld.output() == "show ver^C\r\n" + PROMPT


def test_ctrl_c_abandons_a_question_and_its_typed_answer(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    out = run(ld, cli, "ask-demo\r")
    assert cli.waiting
    assert out == "ask-demo\r\nPassword: "
    out = run(ld, cli, "pw\r20" + CTRL_C)
    assert not cli.waiting
    assert out.endswith("20^C\r\n" + PROMPT)
    assert ld.line == ""
    assert run(ld, cli, "ask-demo\r") == "ask-demo\r\nPassword: "  # asked again, from the start


def test_hidden_answers_are_not_echoed_and_visible_ones_are(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    run(ld, cli, "ask-demo\r")
    assert cli.hidden
    assert run(ld, cli, "hunter2\x7f3\r") == "\r\nHow many bits in the modulus [2048]: "
    assert not cli.hidden
    assert run(ld, cli, "1024\r") == "1024\r\ngot hunter3 and 1024\r\n" + PROMPT
    # A question mark typed while a question waits is part of the answer, not a help request.
    run(ld, cli, "ask-demo\r")
    run(ld, cli, "a?b\r")
    assert run(ld, cli, "\r").endswith("got a?b and 2048\r\n" + PROMPT)


def test_question_mark_asks_for_help_and_keeps_the_line(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    out = run(ld, cli, "show cl?")
    assert out.startswith("show cl?\r\n")
    assert "clock" in out
    assert "\n" not in out.replace("\r\n", "")  # every line ending is CR LF
    assert out.endswith(PROMPT + "show cl")
    assert ld.line == "show cl"
    assert type_text(ld, "ock\r") == [LineRequest("show clock")]


def test_answer_after_exit_shows_no_prompt(cli: CliSession) -> None:
    ld = LineDiscipline(cli)
    out = run(ld, cli, "exit\r")
    assert cli.closed
    assert out == "exit\r\n"


def test_crlf() -> None:
    assert crlf("a\nb\r\nc\n") == "a\r\nb\r\nc\r\n"

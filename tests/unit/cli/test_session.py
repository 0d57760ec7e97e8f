"""xrsim.cli.session through a real router: prompts, errors with the ``^`` marker, timestamps,
``do``, pipes, the configuration session dialogues, commits, rollback, and fuzzed input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xrsim.cli.session import INVALID, CliSession
from xrsim.errors import CommandError, UnansweredPrompt
from xrsim.router import Router

TS = r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$"


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(state_dir=tmp_path / "r1")
    yield r
    r.shutdown()


@pytest.fixture
def s(router: Router) -> CliSession:
    return router.session()


def run(s: CliSession, *lines: str) -> str:
    return "".join(s.handle_line(ln) for ln in lines)


def body(text: str) -> list[str]:
    """Output lines without the timestamp line."""
    import re

    return [ln for ln in text.splitlines() if not re.match(TS, ln)]


def test_prompts(s: CliSession) -> None:
    assert s.prompt == "RP/0/RP0/CPU0:router#"
    run(s, "configure")
    assert s.prompt == "RP/0/RP0/CPU0:router(config)#"
    run(s, "line default")
    assert s.prompt == "RP/0/RP0/CPU0:router(config-line)#"
    run(s, "root", "abort")
    assert s.prompt == "RP/0/RP0/CPU0:router#"


def test_invalid_input_marker_under_the_bad_token(s: CliSession) -> None:
    out = s.handle_line("show foo")
    caret, message = out.splitlines()
    assert message == INVALID
    assert caret == " " * (len("RP/0/RP0/CPU0:router#") + 5) + "^"
    assert s.handle_line("terminal") == "% Incomplete command.\n"
    assert s.handle_line("show c").startswith("% Ambiguous command:")


def test_timestamp_only_where_ios_xr_prints_it(s: CliSession) -> None:
    import re

    assert re.match(TS, s.handle_line("show clock").splitlines()[0])
    assert s.handle_line("terminal length 0") == ""
    assert s.handle_line("configure") == ""
    out = s.handle_line("do show running-config hostname")
    assert re.match(TS, out.splitlines()[0])
    assert body(out) == ["hostname router"]


def test_terminal_exec_prompt_turns_the_timestamp_off_and_on(s: CliSession) -> None:
    import re

    assert s.handle_line("terminal exec prompt no-timestamp") == ""
    out = s.handle_line("show running-config hostname")
    assert out.splitlines() == ["hostname router"]
    assert not re.match(TS, s.handle_line("show clock").splitlines()[0])
    assert s.handle_line("term exec prompt timestamp") == ""
    assert re.match(TS, s.handle_line("show clock").splitlines()[0])


def test_pipes(s: CliSession, router: Router) -> None:
    run(s, "configure", "domain name example.com", "commit", "end")
    assert body(s.handle_line("show running-config | include domain")) == [
        "domain name example.com"
    ]
    assert "domain name example.com" not in s.handle_line("show running-config | exclude domain")
    assert body(s.handle_line("show running-config | begin domain"))[0] == "domain name example.com"
    assert body(s.handle_line("show running-config | file harddisk:run.cfg")) == []
    saved = router.chassis.fs().read("harddisk:run.cfg").decode()
    assert "domain name example.com" in saved
    assert body(s.handle_line("more harddisk:run.cfg")) == saved.splitlines()
    out = s.handle_line("show version | frobnicate x")
    assert INVALID in out


def test_seed_hostname_domain_end_dialogue(s: CliSession) -> None:
    run(s, "configure", "hostname myhost", "domain name mydomain.com")
    out = s.handle_line("end")
    assert out == ""
    assert (
        s.prompt
        == "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"
    )
    s.handle_line("")  # cancel: stay in config mode
    assert s.prompt.endswith("(config)#")
    s.handle_line("end")
    assert "Please answer" in s.handle_line("maybe")
    s.handle_line("yes")
    assert s.prompt == "RP/0/RP0/CPU0:myhost#"
    assert s.device.fqdn() == "myhost.mydomain.com"  # type: ignore[attr-defined]


def test_no_discards(s: CliSession) -> None:
    run(s, "configure", "hostname other", "exit", "no")
    assert s.prompt == "RP/0/RP0/CPU0:router#"


def test_commit_label_comment_list_and_rollback(s: CliSession, router: Router) -> None:
    run(s, "configure", "hostname a", "commit label one", "hostname b")
    run(s, 'commit comment "second change"', "hostname c", "commit", "end")
    out = s.handle_line("show configuration commit list")
    rows = body(out)
    assert rows[0].startswith("SNo.")
    assert rows[2].split()[1] == "1000000003"
    assert rows[4].split()[1] == "one"
    assert router.datastore.commits[1].comment == "second change"
    assert "rolled back 1 commits" in s.handle_line("rollback configuration last 1")
    assert router.hostname() == "b"
    assert "rolled back to 'one'" in s.handle_line("rollback configuration to one")
    assert router.hostname() == "a"
    assert "not possible" in s.handle_line("rollback configuration last 99")
    run(s, "configure", "hostname z")
    assert "already in use" in s.handle_line("commit label one")
    assert router.hostname() == "a"  # a refused commit changes nothing...
    s.handle_line("commit")  # ...and keeps the session's changes for the next one
    assert router.hostname() == "z"
    assert "No configuration changes" in s.handle_line("commit")


def test_show_configuration_and_diff(s: CliSession) -> None:
    run(s, "configure", "hostname new", "line default", "exec-timeout 0 0")
    conf = body(s.handle_line("show configuration"))
    assert conf[0] == "Building configuration..."
    assert conf[2:] == ["hostname new", "line default", " exec-timeout 0 0", "!", "end"]
    diff = body(s.handle_line("show commit changes diff"))
    assert "<- hostname router" in diff
    assert "+> hostname new" in diff
    assert "+  line default" in diff


def test_submode_falls_back_to_parent_mode(s: CliSession) -> None:
    run(s, "configure", "line default")
    s.handle_line("hostname x")  # a config-mode command leaves the submode
    assert s.prompt.endswith("(config)#")
    run(s, "commit", "end")
    assert s.device.hostname() == "x"  # type: ignore[attr-defined]


def test_commit_replace(s: CliSession, router: Router) -> None:
    run(s, "configure", "domain name d.com", "commit", "hostname only")
    s.handle_line("commit replace")
    assert s.prompt == "Do you wish to proceed? [no]: "
    s.handle_line("yes")
    assert router.datastore.running.lines() == ["hostname only"]


def test_commit_confirmed_rolls_back_unless_confirmed(s: CliSession, router: Router) -> None:
    run(s, "configure", "hostname temp", "commit confirmed 30", "end")
    assert router.hostname() == "temp"
    router.advance(31)
    assert router.hostname() == "router"


def test_configure_exclusive(router: Router) -> None:
    a, b = router.session(), router.session()
    run(a, "configure exclusive")
    assert "locked" in b.handle_line("configure exclusive")
    run(b, "configure", "hostname b")
    assert "Failed to commit" in b.handle_line("commit")
    run(a, "hostname a", "commit", "end")
    assert router.hostname() == "a"


def test_help(s: CliSession) -> None:
    out = s.handle_line("terminal ?")
    assert [ln.split()[0] for ln in out.splitlines()] == ["exec", "length", "width"]
    assert s.partial_input == "terminal "
    assert "configure" in s.handle_line("conf?")


def test_api_answers_and_errors(router: Router) -> None:
    router.configure(["hostname api"])
    assert router.hostname() == "api"
    with pytest.raises(CommandError) as e:
        router.configure(["hostname ok", "hostname"])
    assert "Incomplete" in e.value.output
    assert router.hostname() == "api"  # nothing committed
    with pytest.raises(UnansweredPrompt):
        router.cli("reload")
    out = router.cli("reload", answers={"reload": "no"})
    assert "Proceed with reload" in out
    out = router.cli("reload", answers=lambda prompt: "yes")
    assert "Reloading" in out


def test_state_survives_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(state_dir=tmp_path / "r", hostname="first")
    r.configure(["domain name keep.me"], label="L1")
    serial = r.chassis.serial
    r.shutdown()
    again = Router.boot(state_dir=tmp_path / "r")
    try:
        assert again.hostname() == "first"
        assert again.domain_name() == "keep.me"
        assert again.chassis.serial == serial
        assert [c.label for c in again.datastore.commits] == ["L1"]
        assert again.keys.has("rsa", "the_default")
    finally:
        again.shutdown()


_lines = st.text(
    alphabet=st.sampled_from(list("abcdefghiklmnoprstuvwxy-:/0123456789 |?\"'")),
    max_size=40,
)
_words = st.lists(
    st.sampled_from(
        [
            "show", "sh", "run", "running-config", "configure", "conf", "t", "commit", "label",
            "confirmed", "comment", "hostname", "domain", "name", "line", "default", "no",
            "exit", "end", "abort", "do", "|", "include", "file", "harddisk:x", "dir", "copy",
            "rollback", "configuration", "last", "to", "1", "0", "30", "?", "terminal",
            "length", "version", "platform", "exec-timeout", "replace", "root", "more",
        ]
    ),
    max_size=6,
).map(" ".join)  # fmt: skip


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.one_of(_lines, _words), min_size=1, max_size=8))
def test_any_input_gives_output_or_an_ios_xr_error(router: Router, lines: list[str]) -> None:
    s = router.session()
    for ln in lines:
        out = s.handle_line(ln)
        assert isinstance(out, str)
        assert "Internal error" not in out
        assert "Traceback" not in out
    s.close()


def test_enter_lines_flat_nested_and_refusals(router: Router) -> None:
    s = router.session()
    s.handle_line("configure")
    # Flat: the parent-mode fallback places "domain name" after the line submode.
    assert s.enter_lines(["line default", "exec-timeout 1 0", "domain name flat.example"]) is None
    # Nested: leading spaces give the depth; a line at depth 0 leaves the submode first.
    assert s.enter_lines(["line console", " exec-timeout 2 0", "hostname nested"]) is None
    assert s.mode == "config"
    refused = s.enter_lines(["hostname ok2", "hostname", "domain name never.example"])
    assert refused is not None
    assert refused[0] == "hostname"
    assert "% Incomplete command." in refused[1]
    lines = s.candidate.merged().lines() if s.candidate else []
    assert "domain name never.example" not in lines
    assert "hostname ok2" in lines
    assert " exec-timeout 2 0" in lines
    s.close()

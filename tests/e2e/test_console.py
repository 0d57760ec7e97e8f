"""``xrsim console`` end to end: a person at a terminal, driven with pexpect.

Each test starts ``python -m xrsim.frontends.main console`` on a pseudo-terminal, waits for the
prompts a person waits for, types what a person types (Enter is ``\\r``, as a terminal sends
it) and reads what the screen shows: the raw stream less its terminal control sequences.

Terminal: ``TERM=vt100``, a real terminal type, so prompt_toolkit runs its full line editor
(tab completion, history, the ``?`` key). ``TERM=dumb`` also works for plain commands but
prompt_toolkit's dumb renderer shows a tab completion and the line kept after ``?`` garbled
(``show ver<Tab>`` reads ``show vern``), which is not what a person on a terminal sees.
``PROMPT_TOOLKIT_NO_CPR=1`` stands in for the cursor position report a real terminal answers;
without it prompt_toolkit prints a warning about the missing report into the session.

After Enter, prompt_toolkit draws the accepted line once more in full (prompt and text
together) and moves to the next line; every earlier drawing of the line is made of cursor
moves, without a newline. So "the first newline after Enter" is where the command's output
starts, and the next prompt is where it ends. A prompt's trailing space is drawn as a cursor
move, so questions are waited for without it (``Password:``, ``[yes/no]:``).
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from support import ca_certificate_pem

pytestmark = pytest.mark.timeout(60)

PROMPT = "RP/0/RP0/CPU0:router#"
CONFIG = "RP/0/RP0/CPU0:router(config)#"
MYHOST = "RP/0/RP0/CPU0:myhost#"
UNCOMMITTED = "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"
INVALID = "% Invalid input detected at '^' marker."
TIMESTAMP = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")

#: Terminal control sequences: CSI (``ESC [ ... final``), OSC, and two-character escapes.
_CONTROL = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")

UP = "\x1b[A"
CTRL_C = "\x03"
CTRL_D = "\x04"
TAB = "\t"


def screen(raw: str) -> str:
    """What a person reads from a piece of the terminal stream."""
    return _CONTROL.sub("", raw).replace("\r", "")


def body(text: str) -> list[str]:
    """Output lines without the timestamp line IOS XR prints before show commands."""
    return [ln for ln in text.splitlines() if not TIMESTAMP.match(ln)]


class Console:
    """One ``xrsim console`` on a pseudo-terminal."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        #: Everything the console wrote to the terminal.
        self.transcript = io.StringIO()
        child.logfile_read = self.transcript

    def wait(self, text: str) -> str:
        """Wait until ``text`` is on the screen; return what was printed before it."""
        self.child.expect_exact(text)
        return screen(self.child.before)

    def keys(self, keys: str) -> None:
        """Type keys without pressing Enter."""
        self.child.send(keys)

    def enter(self, line: str, then: str) -> str:
        """Type ``line``, press Enter and wait for ``then`` (the next prompt or question);
        return what the router printed in between."""
        self.child.send(line + "\r")
        self.child.expect_exact("\n")  # the line was accepted: output starts on the next line
        return self.wait(then)

    def paste(self, text: str) -> None:
        """Paste text as a terminal does in bracketed paste mode (prompt_toolkit turns it
        on)."""
        self.child.send("\x1b[200~" + text + "\x1b[201~")

    def ended(self) -> int:
        """Wait for the console to end; its exit status."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.signalstatus is None
        status = self.child.exitstatus
        assert isinstance(status, int)
        return status


def xrsim_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "xrsim.frontends.main", *args]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = dict(os.environ)
    out.update(
        XRSIM_VENDOR_DIR=str(tmp_path / "vendor"),
        TERM="vt100",
        PROMPT_TOOLKIT_NO_CPR="1",
    )
    return out


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


Spawn = Callable[..., Console]


@pytest.fixture
def spawn(env: dict[str, str], state: Path) -> Iterator[Spawn]:
    """``spawn("--platform", "ASR-9006")``: a console on ``state`` (the same one each time)."""
    children: list[pexpect.spawn] = []

    def start(*args: str) -> Console:
        argv = xrsim_command("console", "--state", str(state), *args)
        child = pexpect.spawn(
            argv[0],
            argv[1:],
            env=env,
            encoding="utf-8",
            codec_errors="replace",
            timeout=10,
            dimensions=(50, 200),
        )
        children.append(child)
        return Console(child)

    yield start
    for child in children:
        if child.isalive():
            child.close(force=True)


def seed_dialogue(con: Console) -> None:
    """The seed's example: configure, hostname, domain name, end, and the question answered."""
    assert con.enter("configure", CONFIG) == ""
    assert con.enter("hostname myhost", CONFIG) == ""
    assert con.enter("domain name mydomain.com", CONFIG) == ""
    assert con.enter("end", UNCOMMITTED) == ""
    assert con.enter("yes", MYHOST) == ""


# --------------------------------------------------------------------------------------------
# The seed's example, and state kept across a restart
# --------------------------------------------------------------------------------------------


def test_seed_hostname_and_domain_name_with_end_question(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    seed_dialogue(con)
    running = body(con.enter("show running-config", MYHOST))
    assert running[0] == "Building configuration..."
    assert "hostname myhost" in running
    assert "domain name mydomain.com" in running
    assert running[-1] == "end"
    assert "hostname router" not in running


def test_end_question_cancel_keeps_config_mode(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    con.enter("configure", CONFIG)
    con.enter("hostname other", CONFIG)
    con.enter("end", UNCOMMITTED)
    assert con.enter("", CONFIG) == ""  # Enter takes the default, [cancel]
    con.enter("end", UNCOMMITTED)
    assert con.enter("no", PROMPT) == ""  # the prompt still names "router": nothing committed
    assert "hostname router" in body(con.enter("show running-config", PROMPT))


def test_restart_keeps_hostname_domain_and_commit(spawn: Spawn, state: Path) -> None:
    con = spawn()
    con.wait(PROMPT)
    seed_dialogue(con)
    con.child.send("exit\r")
    assert con.ended() == 0

    again = spawn()
    again.wait(MYHOST)
    commits = body(again.enter("show configuration commit list", MYHOST))
    assert commits[0].split() == ["SNo.", "Label/ID", "User", "Line", "Client", "Time", "Stamp"]
    rows = commits[2:]
    assert len(rows) == 1
    assert rows[0].split()[:5] == ["1", "1000000001", "admin", "con0_RP0_CPU0", "CLI"]
    running = body(again.enter("show running-config", MYHOST))
    assert "hostname myhost" in running
    assert "domain name mydomain.com" in running
    again.keys(CTRL_D)  # end of input at an empty prompt leaves the console
    assert again.ended() == 0
    assert (state / "state.db").is_file()


# --------------------------------------------------------------------------------------------
# Line editing: abbreviations, errors, ?, tab, history, Ctrl-C
# --------------------------------------------------------------------------------------------


def test_abbreviations(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    assert con.enter("term len 0", PROMPT) == ""
    assert con.enter("term width 512", PROMPT) == ""
    assert con.enter("conf t", CONFIG) == ""
    con.enter("hostname abbrev", CONFIG)
    con.enter("commit", "RP/0/RP0/CPU0:abbrev(config)#")
    con.enter("end", "RP/0/RP0/CPU0:abbrev#")
    running = body(con.enter("sh run", "RP/0/RP0/CPU0:abbrev#"))
    assert running[0] == "Building configuration..."
    assert "hostname abbrev" in running


@pytest.mark.parametrize(
    ("line", "bad_column"),
    [("show platfrom", 5), ("terminal length 999", 16), ("configure terminal extra", 19)],
)
def test_invalid_input_marker_under_the_bad_token(spawn: Spawn, line: str, bad_column: int) -> None:
    con = spawn()
    con.wait(PROMPT)
    out = con.enter(line, PROMPT).splitlines()
    # The line as typed stays on the screen above the marker, after the prompt.
    assert out == [" " * (len(PROMPT) + bad_column) + "^", INVALID]


def test_incomplete_and_ambiguous(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    assert con.enter("terminal", PROMPT).splitlines() == ["% Incomplete command."]
    assert con.enter("show c", PROMPT).splitlines() == ['% Ambiguous command:  "show c"']


def test_question_mark_lists_choices_and_keeps_the_line(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    con.keys("terminal ?")
    shown = con.wait("width")
    assert f"{PROMPT}terminal ?\n" in shown  # the line with its '?' stays above the list
    assert "length" in shown
    con.wait(PROMPT + "terminal")  # the prompt again, with what was typed before '?'
    con.keys("bogus\r")
    con.wait(PROMPT + "terminal bogus")  # Enter shows the whole line: 'terminal ' was kept
    con.child.expect_exact("\n")
    out = con.wait(PROMPT).splitlines()
    assert out == [" " * (len(PROMPT) + len("terminal ")) + "^", INVALID]


def test_tab_completes_a_keyword(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    con.keys("show ver" + TAB)
    con.keys("\r")
    con.wait(PROMPT + "show version")  # the accepted line, completed
    con.child.expect_exact("\n")
    assert "Cisco IOS XR Software, Version 7.3.1" in con.wait(PROMPT)


def test_up_arrow_recalls_the_previous_command(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    first = body(con.enter("show version | include Label", PROMPT))
    assert first == [" Label        : 7.3.1"]
    con.keys(UP + "\r")
    con.wait(PROMPT + "show version | include Label")
    con.child.expect_exact("\n")
    assert body(con.wait(PROMPT)) == first


def test_ctrl_c_at_the_reload_question_cancels_the_reload(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    con.enter("reload", "Proceed with reload? [confirm]")
    con.keys(CTRL_C)
    con.wait(PROMPT)
    history = body(con.enter("show reboot history", PROMPT))
    assert history == ["No  Time                          Reason"]


# --------------------------------------------------------------------------------------------
# The chassis as a person sees it
# --------------------------------------------------------------------------------------------


def test_show_version(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    out = body(con.enter("show version", PROMPT))
    assert out[0] == "Cisco IOS XR Software, Version 7.3.1"
    assert "Build Information:" in out
    assert " Version      : 7.3.1" in out
    assert "cisco NCS-5500 () processor" in out
    assert any(ln.startswith("System uptime is ") for ln in out)


def test_show_platform_as_in_the_seed(spawn: Spawn) -> None:
    con = spawn()
    con.wait(PROMPT)
    out = body(con.enter("show platform", PROMPT))
    assert out[0].split() == ["Node", "Type", "State", "Config", "state"]
    assert set(out[1]) == {"-"}
    rows = [re.split(r"\s{2,}", ln.strip()) for ln in out[2:]]
    assert rows == [
        ["0/RP0/CPU0", "NCS-55A1-24H(Active)", "IOS XR RUN", "NSHUT"],
        ["0/RP0/NPU0", "Slice", "UP"],
        ["0/RP0/NPU1", "Slice", "UP"],
        ["0/FT0", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"],
        ["0/FT1", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"],
        ["0/FT2", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"],
        ["0/PM0", "NC55-1100W-ACRV", "OPERATIONAL", "NSHUT"],
        ["0/PM1", "NC55-1100W-ACRV", "OPERATIONAL", "NSHUT"],
    ]


def test_asr9006_switchover_moves_the_prompt(spawn: Spawn) -> None:
    con = spawn("--platform", "ASR-9006")
    con.wait("RP/0/RSP0/CPU0:router#")
    question = "Proceed with switchover 0/RSP0/CPU0 -> 0/RSP1/CPU0? [confirm]"
    con.enter("redundancy switchover", question)
    out = con.enter("", "RP/0/RSP1/CPU0:router#")  # Enter confirms
    assert "Initiating switch-over." in out.splitlines()
    red = body(con.enter("show redundancy", "RP/0/RSP1/CPU0:router#"))
    assert "Node 0/RSP1/CPU0 is in ACTIVE role" in red
    assert "Partner node (0/RSP0/CPU0) is in STANDBY role" in red


# --------------------------------------------------------------------------------------------
# The command line itself
# --------------------------------------------------------------------------------------------


def run_xrsim(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        xrsim_command(*args),
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )


def test_console_help(env: dict[str, str]) -> None:
    done = run_xrsim(env, "console", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: xrsim console")
    for option in ("--platform", "--state", "--hostname", "--release"):
        assert option in done.stdout
    assert done.stderr == ""


def test_unknown_platform_exits_2_with_a_clear_message(env: dict[str, str], state: Path) -> None:
    done = run_xrsim(env, "console", "--platform", "NCS-9999", "--state", str(state))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("xrsim console: ")
    assert "NCS-9999" in done.stderr
    assert "ASR-9006" in done.stderr  # it names the platforms there are


def test_platform_other_than_the_state_exits_2(env: dict[str, str], state: Path) -> None:
    first = run_xrsim(env, "console", "--state", str(state))  # an NCS-55A1-24H, no input
    assert first.returncode == 0, first.stderr
    done = run_xrsim(env, "console", "--platform", "ASR-9006", "--state", str(state))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "NCS-55A1-24H" in done.stderr
    assert "ASR-9006" in done.stderr


def test_piped_stdin_prints_a_transcript(env: dict[str, str], state: Path) -> None:
    done = run_xrsim(env, "console", "--state", str(state), stdin="show version\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == PROMPT + "show version"  # the prompt, then the line as if typed
    assert TIMESTAMP.match(lines[1])
    assert lines[2] == "Cisco IOS XR Software, Version 7.3.1"
    assert lines[-1] == PROMPT  # the next prompt, then end of input
    assert "\x1b" not in done.stdout  # no terminal control sequences in a transcript


def test_piped_dialogue_answers_the_question(env: dict[str, str], state: Path) -> None:
    script = "configure\nhostname piped\nend\nyes\nshow running-config hostname\n"
    done = run_xrsim(env, "console", "--state", str(state), stdin=script)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"{UNCOMMITTED}yes" in lines
    assert "RP/0/RP0/CPU0:piped#show running-config hostname" in lines
    assert "hostname piped" in lines


def test_damaged_running_config_gives_a_message_not_a_traceback(
    env: dict[str, str], state: Path
) -> None:
    first = run_xrsim(env, "console", "--state", str(state))
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(state / "state.db") as db:
        assert db.execute("UPDATE running SET tree = 'not json'").rowcount == 1
    done = run_xrsim(env, "console", "--state", str(state))
    assert "Traceback" not in done.stderr
    assert done.returncode == 2
    assert done.stderr.startswith("xrsim console: ")


# --------------------------------------------------------------------------------------------
# Hidden entry
# --------------------------------------------------------------------------------------------

SECRET = "s3cr3t-Challenge"


def enroll_typing_a_password(con: Console) -> None:
    """A terminal-enrollment trustpoint, its CA certificate pasted, then ``crypto ca enroll``
    up to the challenge password (typed twice), then Ctrl-C at the next question."""
    con.wait(PROMPT)
    con.enter("configure", CONFIG)
    con.enter("crypto ca trustpoint lab", "RP/0/RP0/CPU0:router(config-trustp)#")
    con.enter("enrollment terminal", "RP/0/RP0/CPU0:router(config-trustp)#")
    con.enter("commit", "RP/0/RP0/CPU0:router(config-trustp)#")
    con.enter("end", PROMPT)
    con.enter("crypto ca authenticate lab", "certificate.")
    con.paste(ca_certificate_pem())
    con.keys("\r")  # the pasted certificate is one line...
    con.keys("\r")  # ...and an empty line ends the paste
    con.wait("Do you accept this certificate? [yes/no]:")
    con.enter("yes", PROMPT)
    con.enter("crypto ca enroll lab", "Password:")
    con.enter(SECRET, "Re-enter Password:")
    con.enter(SECRET, "[yes/no]:")
    con.keys(CTRL_C)
    con.wait(PROMPT)
    con.child.send("exit\r")
    assert con.ended() == 0


def test_challenge_password_is_not_echoed(spawn: Spawn) -> None:
    con = spawn()
    enroll_typing_a_password(con)
    assert SECRET not in con.transcript.getvalue()


def test_challenge_password_is_not_kept_in_the_history(spawn: Spawn, state: Path) -> None:
    con = spawn()
    enroll_typing_a_password(con)
    history = (state / "console_history").read_text()
    assert "crypto ca enroll lab" in history  # commands are kept...
    assert SECRET not in history  # ...a password is not


TYPED_SECRET = "Typed-s3cret-42"


def test_a_typed_secret_argument_is_not_kept_in_the_history(
    spawn: Spawn, env: dict[str, str], state: Path
) -> None:
    """``username u secret X`` typed at the console: the history (file and up-arrow) keeps
    the command without its argument, as ``username u secret``."""
    con = spawn()
    con.wait(PROMPT)
    con.enter("configure", CONFIG)
    con.enter("username alice", "RP/0/RP0/CPU0:router(config-un)#")
    con.enter(f"secret {TYPED_SECRET}", "RP/0/RP0/CPU0:router(config-un)#")
    con.enter(f"password 0 {TYPED_SECRET}-2", "RP/0/RP0/CPU0:router(config-un)#")
    con.keys(UP)  # recalls "password", without the secret (checked below with Enter)
    con.wait("password")
    con.keys("\r")
    con.wait("% Incomplete command.")
    con.wait("RP/0/RP0/CPU0:router(config-un)#")
    con.enter("root", CONFIG)
    # IOS XR takes ``username NAME secret X`` on one line too (abbreviated here).
    assert INVALID not in con.enter(f"username bob sec {TYPED_SECRET}-3", CONFIG)
    con.enter("commit", CONFIG)
    con.enter("end", PROMPT)
    con.child.send("exit\r")
    assert con.ended() == 0
    path = state / "console_history"
    history = path.read_text()
    assert TYPED_SECRET not in history
    assert "username alice" in history
    assert "\n+secret\n" in history  # prompt_toolkit writes each entry as "+<line>"
    assert "\n+password\n" in history
    assert "\n+username bob sec\n" in history
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # What was committed is the hash, never the clear text, anywhere in the state directory.
    again = run_xrsim(env, "console", "--state", str(state), stdin="show running-config\n")
    assert "secret 10 $6$" in again.stdout
    assert "username bob\n secret 10 $6$" in again.stdout
    for p in state.rglob("*"):
        if p.is_file():
            assert TYPED_SECRET.encode() not in p.read_bytes(), p

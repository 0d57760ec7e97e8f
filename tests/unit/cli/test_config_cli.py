"""The configuration CLI's IOS XR behaviours that automation tools rely on: ``!`` comments,
the ``| utility`` pipe, ``commit show-error`` and ``show configuration failed [load]``, the
commit database views (``commit changes``, ``rollback changes``, ``commit list detail``),
``load FILE``, ``copy running-config FILE``, the concurrent-commit question, the diff gutter,
``username NAME ATTRIBUTE`` on one line and ``show running-config`` of nothing.

Each test boots a real router (state on disk in a temporary directory); a commit that cannot
be saved is a real full database (SQLite refuses to grow it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.aaa import verify_secret
from xrsim.chassis.store import StateStore
from xrsim.cli import messages
from xrsim.cli.session import CliSession
from xrsim.config.datastore import ConcurrentCommits
from xrsim.errors import StorageError
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
HEADER = 2  # "Building configuration..." and "!! IOS XR Configuration ..."


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot(state_dir=tmp_path / "r", hostname="router")
    yield r
    r.shutdown()


@pytest.fixture
def s(router: Router) -> Iterator[CliSession]:
    session = router.session()
    yield session
    session.close()


def body(text: str) -> list[str]:
    """Output lines without the timestamp line."""
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def run(s: CliSession, *lines: str) -> str:
    return "".join(s.handle_line(ln) for ln in lines)


def fill_up(store: StateStore) -> None:
    """Make the database full, for real: SQLite refuses to grow it (``SQLITE_FULL``)."""
    db = store._db
    assert db is not None
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


def make_room(store: StateStore) -> None:
    db = store._db
    assert db is not None
    db.execute("PRAGMA max_page_count = 1073741823")


# -- ! comments ------------------------------------------------------------------------------


def test_exclamation_is_a_comment_in_every_configuration_mode(s: CliSession) -> None:
    assert run(s, "configure", "!", "! a comment", "!! IOS XR Configuration 7.3.1") == ""
    assert run(s, "line default", "!", " ! indented", "exec-timeout 5") == ""
    assert s.prompt.endswith("(config-line)#")  # a comment changes no mode
    assert run(s, "username u1", "!", "group operator", "root", "hostname c1") == ""
    assert body(s.handle_line("show configuration"))[HEADER:] == [
        "line default",
        " exec-timeout 5",
        "!",
        "username u1",
        " group operator",
        "!",
        "hostname c1",
        "end",
    ]
    run(s, "commit", "end")
    assert s.device.hostname() == "c1"  # type: ignore[attr-defined]
    # In exec mode ``!`` is no command.
    assert messages.INVALID in s.handle_line("!")


# -- | utility --------------------------------------------------------------------------------


def test_utility_head_tail_egrep_wc(router: Router) -> None:
    full = body(router.cli("show running-config"))
    text = "".join(ln + "\n" for ln in full)
    assert body(router.cli("show running-config | utility head")) == full[:10]
    assert body(router.cli("show running-config | utility head count 3")) == full[:3]
    assert body(router.cli("show running-config | utility head -n 2")) == full[:2]
    assert body(router.cli("show running-config | utility tail count 2")) == full[-2:]
    assert body(router.cli("show running-config | utility tail")) == full[-10:]
    assert body(router.cli("show running-config | utility egrep ^host")) == ["hostname router"]
    assert body(router.cli("show running-config | utility egrep -i ^HOST")) == ["hostname router"]
    assert body(router.cli("show running-config | utility egrep -x -i HOSTNAME.router")) == [
        "hostname router"
    ]
    inverted = body(router.cli("show running-config | utility egrep -v ^host"))
    assert inverted == [ln for ln in full if not ln.startswith("host")]
    assert body(router.cli("show running-config | utility egrep count !")) == [
        str(sum("!" in ln for ln in full))
    ]
    assert body(router.cli("show running-config | utility wc -l")) == [str(len(full))]
    assert body(router.cli("show running-config | utility wc lines")) == [str(len(full))]
    counts = body(router.cli("show running-config | utility wc"))[0].split()
    assert counts == [str(len(full)), str(len(text.split())), str(len(text.encode()))]
    # combined with the other pipes
    assert body(router.cli("show running-config | include ! | utility wc -l")) == [
        str(sum("!" in ln for ln in full))
    ]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("show running-config | utility", messages.INCOMPLETE),
        ("show running-config | utility bogus", messages.INVALID),
        ("show running-config | utility head count", messages.INCOMPLETE),
        ("show running-config | utility head count x", messages.INVALID),
        ("show running-config | utility egrep", messages.INCOMPLETE),
        ("show running-config | utility egrep -i (", messages.INVALID),
        ("show running-config | utility wc extra", messages.INVALID),
    ],
)
def test_utility_refuses_bad_input_in_ios_xr_form(s: CliSession, line: str, error: str) -> None:
    out = s.handle_line(line)
    assert error in out
    assert "Traceback" not in out


# -- show configuration failed, commit show-error -------------------------------------------


def test_a_commit_that_cannot_be_saved_is_shown_by_show_configuration_failed(
    router: Router, s: CliSession
) -> None:
    assert body(s.handle_line("show configuration failed")) == []  # nothing failed yet
    run(s, "configure", "hostname r2", *[f"username u{i}" for i in range(300)])
    fill_up(router.chassis.store)
    out = body(s.handle_line("commit"))
    assert out[0] == messages.COMMIT_FAILED
    assert isinstance(s.last_error, StorageError)
    failed = body(s.handle_line("show configuration failed"))
    assert failed[: len(messages.FAILED_SEMANTIC)] == list(messages.FAILED_SEMANTIC)
    items = failed[len(messages.FAILED_SEMANTIC) :]
    reason = "!!% The configuration could not be saved: no space left on the device."
    assert items[:2] == ["hostname r2", reason]
    assert items[2:4] == ["username u0", reason]
    assert items[-1] == "end"
    # commit show-error prints the same list right away
    shown = body(s.handle_line("commit show-error"))
    assert shown[0] == messages.COMMIT_FAILED
    assert shown[2:] == failed
    # ... and the failure is forgotten once a commit goes through
    make_room(router.chassis.store)
    assert body(s.handle_line("commit")) == []
    assert body(s.handle_line("show configuration failed")) == []
    assert router.hostname() == "r2"


def test_a_refused_commit_is_shown_by_show_configuration_failed(
    router: Router, s: CliSession
) -> None:
    router.configure(["hostname first"], label="taken")
    run(s, "configure", "domain name a.example")
    out = body(s.handle_line("commit label taken"))
    assert out == ["% Failed to commit: label 'taken' is already in use."]
    assert body(s.handle_line("show configuration failed"))[len(messages.FAILED_SEMANTIC) :] == [
        "domain name a.example",
        "!!% Failed to commit: label 'taken' is already in use.",
        "end",
    ]


# -- the commit database ---------------------------------------------------------------------


def commits(router: Router) -> list[int]:
    return [r.commit_id for r in router.datastore.commits]


def test_commit_changes_and_rollback_changes(router: Router) -> None:
    router.configure(["hostname one"])
    router.configure(["domain name one.example", "line default", "exec-timeout 7"])
    router.configure(["hostname two", "no domain name"], label="second")
    first, second, third = commits(router)
    assert body(router.cli("show configuration commit changes last 1"))[HEADER:] == [
        "no domain name one.example",
        "hostname two",
        "end",
    ]
    assert body(router.cli(f"show configuration commit changes {second}"))[HEADER:] == [
        "domain name one.example",
        "line default",
        " exec-timeout 7",
        "!",
        "end",
    ]
    assert (
        body(router.cli("show configuration commit changes second"))[HEADER:]
        == body(router.cli(f"show configuration commit changes {third}"))[HEADER:]
    )
    assert body(router.cli(f"show configuration commit changes since {second}"))[HEADER:] == [
        "hostname two",
        "line default",
        " exec-timeout 7",
        "!",
        "end",
    ]
    diff = body(router.cli("show configuration commit changes last 1 diff"))[HEADER:]
    assert diff == ["<- hostname one", "+> hostname two", "-  domain name one.example", "end"]
    # what a rollback would do, before doing it
    rollback = body(router.cli(f"show configuration rollback changes to {first}"))[HEADER:]
    assert rollback == ["no line default", "hostname one", "end"]
    assert body(router.cli("show configuration rollback changes last 1"))[HEADER:] == [
        "hostname one",
        "domain name one.example",
        "end",
    ]
    assert router.hostname() == "two"  # nothing was rolled back
    router.cli(f"rollback configuration to {first}")
    assert router.hostname() == "one"
    assert "line default" not in router.cli("show running-config")
    # errors
    assert body(router.cli("show configuration commit changes 999")) == [
        "% Commit ID '999' was not found in the rollback database."
    ]
    out = body(router.cli("show configuration commit changes last 50"))
    assert out == [messages.commits_unavailable(50, 4)]


def test_commit_list_detail(router: Router) -> None:
    router.configure(["hostname one"], label="lab-1", comment="first change")
    router.configure(["hostname two"])
    out = router.cli("show configuration commit list detail")
    lines = body(out)
    newest, oldest = router.datastore.commits[1], router.datastore.commits[0]
    stamp = oldest.time.strftime("%a %b %d %H:%M:%S %Y")
    assert lines[0] == ""
    assert lines[1] == f"   1) CommitId: {newest.commit_id}                 Label: NONE"
    assert lines[4] == "      Comment:  NONE"
    assert lines[5:] == [
        "",
        f"   2) CommitId: {oldest.commit_id}                 Label: lab-1",
        f"      UserId:   {oldest.user:<27}Line:  {oldest.line}",
        f"      Client:   {oldest.client:<27}Time:  {stamp}",
        "      Comment:  first change",
    ]
    assert body(router.cli("show configuration commit list 1 detail")) == lines[:5]


# -- load and copy running-config ------------------------------------------------------------


def test_copy_running_config_then_load_it_back(router: Router, s: CliSession) -> None:
    router.configure(["domain name saved.example", "line default", "exec-timeout 9"])
    questions: list[str] = []

    def answer(prompt: str) -> str:
        questions.append(prompt)
        return "" if prompt.startswith("Destination") else "yes"

    out = body(router.cli("copy running-config harddisk:/backup.cfg", answers=answer))
    assert questions == ["Destination file name (control-c to abort): [/backup.cfg]?"]
    saved = router.chassis.fs().read("harddisk:/backup.cfg").decode()
    file_lines = saved.splitlines()
    assert out[-3:] == [
        "Building configuration.",
        f"{len(file_lines)} lines built in 1 second",
        "[OK]",
    ]
    assert file_lines[0].startswith("!! IOS XR Configuration ")
    assert file_lines[-1] == "end"
    assert "domain name saved.example" in file_lines
    # a second copy asks before overwriting; "no" leaves the file as it was
    questions.clear()
    router.configure(["hostname changed"])
    router.cli(
        "copy running-config harddisk:/backup.cfg", answers=lambda p: "" if "Dest" in p else "no"
    )
    assert router.chassis.fs().read("harddisk:/backup.cfg").decode() == saved
    # load it back: the candidate is the saved configuration again
    router.configure(["no domain name", "hostname other"])
    out = body(run(s, "configure", "load harddisk:/backup.cfg"))
    assert out == ["Loading.", messages.loaded(len(saved.encode()))]
    assert body(s.handle_line("show configuration failed load")) == []
    run(s, "commit", "end")
    assert router.hostname() == "router"
    assert "domain name saved.example" in router.cli("show running-config domain")
    assert "exec-timeout 9" in router.cli("show running-config line")


def test_load_keeps_refused_lines_for_show_configuration_failed_load(
    router: Router, s: CliSession
) -> None:
    data = (
        "hostname loaded\nhostnaime typo\nline default\n exec-timeout 3\n bogus sub\n!\n"
        "end\nhostname after-end\n"
    )
    router.chassis.fs().write_atomic("harddisk:/part.cfg", data.encode())
    out = body(run(s, "configure", "load harddisk:/part.cfg"))
    assert out == ["Loading.", messages.LOAD_ERRORS, "", messages.loaded(len(data))]
    failed = body(s.handle_line("show configuration failed load"))
    assert failed == [*messages.FAILED_SYNTAX, "hostnaime typo", " bogus sub"]
    conf = body(s.handle_line("show configuration"))[HEADER:]
    assert conf == ["hostname loaded", "line default", " exec-timeout 3", "!", "end"]


def test_load_and_copy_errors_are_ios_xr_messages(router: Router, s: CliSession) -> None:
    out = body(run(s, "configure", "load harddisk:/missing.cfg"))
    assert out == ["% Couldn't open file harddisk:/missing.cfg: No such file or directory"]
    out = body(s.handle_line("load /misc/config/xrsim/state.db"))
    assert len(out) == 1
    assert out[0].startswith("% Couldn't open file /misc/config/xrsim/state.db")
    assert not s.candidate or not s.candidate.has_changes()
    s.handle_line("abort")
    out = router.cli("copy running-config /misc/config/xrsim/x.cfg", answers=lambda p: "")
    assert "%Error opening" in out
    assert "Traceback" not in out


# -- concurrent commits ----------------------------------------------------------------------


def test_commit_after_another_sessions_commit_asks_first(router: Router, s: CliSession) -> None:
    run(s, "configure", "domain name mine.example")
    router.configure(["hostname theirs"])  # another session commits meanwhile
    out = s.handle_line("commit")
    assert body(out) == list(messages.CONCURRENT_COMMITS)
    assert s.prompt == messages.CONCURRENT_QUESTION
    out = s.handle_line("no")  # nothing committed, the changes stay
    assert isinstance(s.last_error, ConcurrentCommits)
    assert "domain name" not in router.cli("show running-config")
    assert "domain name mine.example" in s.handle_line("show configuration")
    s.handle_line("commit")
    assert s.prompt == messages.CONCURRENT_QUESTION
    s.handle_line("yes")
    assert s.last_error is None
    assert "domain name mine.example" in router.cli("show running-config domain")
    assert router.hostname() == "theirs"
    # after its own commit the session has seen every commit: no question any more
    s.handle_line("hostname mine")
    assert body(s.handle_line("commit")) == []
    assert router.hostname() == "mine"


def test_end_with_uncommitted_changes_after_another_commit_asks_both(
    router: Router, s: CliSession
) -> None:
    run(s, "configure", "domain name mine.example")
    router.configure(["hostname theirs"])
    s.handle_line("end")
    assert s.prompt == messages.UNCOMMITTED
    s.handle_line("yes")
    assert s.prompt == messages.CONCURRENT_QUESTION
    s.handle_line("yes")
    assert s.mode == "exec"
    assert "domain name mine.example" in router.cli("show running-config domain")


# -- show configuration changes diff: what a commit replace removes -------------------------


def test_show_configuration_changes_diff_shows_what_replace_removes(
    router: Router, s: CliSession
) -> None:
    router.configure(["domain name gone.example"])
    run(s, "configure", "hostname router", "line default", "exec-timeout 4")
    replace = body(s.handle_line("show configuration changes diff"))[HEADER:]
    assert "-  domain name gone.example" in replace
    assert "+  line default" in replace
    assert "   hostname router" not in replace  # unchanged: not shown
    merge = body(s.handle_line("show commit changes diff"))[HEADER:]
    assert not any(ln.startswith("-") for ln in merge)
    assert body(s.handle_line("show configuration changes"))[HEADER:][:1] == [
        "no domain name gone.example"
    ]


# -- username on one line, show running-config of nothing -----------------------------------


def test_username_attributes_on_one_line(router: Router, s: CliSession) -> None:
    run(s, "configure", "username bob group root-lr", "username bob secret Pa55-word")
    assert s.prompt.endswith("(config)#")  # no submode entered
    run(s, "username carol password Other-9", "commit", "end")
    shown = body(router.cli("show running-config username"))
    assert shown[:2] == ["username bob", " group root-lr"]
    assert shown[2].startswith(" secret 10 $6$")
    assert "Pa55-word" not in router.cli("show running-config")
    bob = router.datastore.running.get(["username bob", "secret"])
    assert bob is not None
    assert verify_secret("Pa55-word", bob.line.split()[-1])
    carol = router.datastore.running.get(["username carol", "secret"])
    assert carol is not None
    assert verify_secret("Other-9", carol.line.split()[-1])


def test_show_running_config_of_nothing(router: Router) -> None:
    assert body(router.cli("show running-config domain")) == [messages.NO_SUCH_ITEMS]
    router.configure(["domain name x.example"])
    assert body(router.cli("show running-config domain")) == ["domain name x.example"]

"""Node filesystem commands through a booted router: ``dir``, ``copy`` with its ``Destination
filename`` question, ``delete`` with ``[confirm]``, ``mkdir``, ``more`` / ``show file``,
``location`` for another node, and paths that try to leave the node (each gives an IOS XR
``%Error`` line and touches nothing outside the node's directory).

``| file`` followed by ``more`` is covered in test_session.py; here ``| file`` only makes files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xrsim.cli.session import CliSession
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
#: inode, mode with the SELinux mark, links, size, time (or year), name.
DIR_LINE = re.compile(
    r"^\s*(\d+) ([-dl][-rwx]{9})\. +(\d+) +(\d+) (\w{3} [ \d]\d (?:\d\d:\d\d| \d{4})) (.+)$"
)


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(state_dir=tmp_path / "state")
    yield r
    r.shutdown()


@pytest.fixture
def asr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot("ASR-9006", tmp_path / "asr")
    yield r
    r.shutdown()


@pytest.fixture
def s(router: Router) -> CliSession:
    return router.session()


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def listing(text: str) -> dict[str, tuple[str, int]]:
    """``dir`` output as name -> (permissions, size); checks the frame around the entries."""
    return {name: (mode, size) for name, (_, mode, _, size) in dir_rows(text).items()}


def dir_rows(text: str) -> dict[str, tuple[int, str, int, int]]:
    """``dir`` output as name -> (inode, permissions, links, size), in IOS XR's layout."""
    lines = body(text)
    assert lines[0] == ""
    assert lines[1].startswith("Directory of ")
    assert lines[-2] == ""
    assert re.fullmatch(r"\d+ kbytes total \(\d+ kbytes free\)", lines[-1]), lines[-1]
    out = {}
    for ln in lines[2:-2]:
        m = DIR_LINE.match(ln)
        assert m is not None, ln
        out[m.group(6)] = (int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4)))
    return out


def disk(router: Router, node: str = "0/RP0/CPU0") -> Path:
    """The real directory behind ``harddisk:`` of a node."""
    return router.chassis.state_dir / "nodes" / node.replace("/", "_") / "misc" / "disk1"


def write(s: CliSession, name: str) -> None:
    assert body(s.handle_line(f"show version | file harddisk:{name}")) == []


def answer(s: CliSession, line: str, *answers: str) -> str:
    """Run ``line`` and answer its questions in order (every one must be answered); what the
    router printed, without the questions."""
    out = s.handle_line(line)
    for a in answers:
        assert s.waiting, f"{line!r} asked no more questions"
        out += s.handle_line(a)
    assert not s.waiting, f"{line!r} still asks {s.prompt!r}"
    return out


# --------------------------------------------------------------------------------------------
# dir, copy, delete, mkdir, more / show file
# --------------------------------------------------------------------------------------------


def test_dir_lists_a_file_written_with_a_pipe(s: CliSession, router: Router) -> None:
    before = listing(s.handle_line("dir harddisk:"))
    assert "x.txt" not in before
    write(s, "x.txt")
    size = (disk(router) / "x.txt").stat().st_size
    assert size > 0
    entries = listing(s.handle_line("dir harddisk:"))
    assert entries["x.txt"] == ("-rw-r--r--", size)
    st = (disk(router) / "x.txt").stat()
    assert dir_rows(s.handle_line("dir harddisk:"))["x.txt"] == (
        st.st_ino,
        "-rw-r--r--",
        st.st_nlink,
        size,
    )
    assert listing(s.handle_line("dir")) == entries  # harddisk: is the default
    assert body(s.handle_line("dir harddisk:"))[1] == "Directory of harddisk:"
    one = listing(s.handle_line("dir harddisk:x.txt"))
    assert one == {"x.txt": ("-rw-r--r--", size)}


def test_dir_of_a_missing_directory(s: CliSession) -> None:
    out = body(s.handle_line("dir harddisk:nowhere"))
    assert len(out) == 1
    assert out[0].startswith("%Error opening harddisk:nowhere (")


def test_copy_with_the_default_destination(s: CliSession, router: Router) -> None:
    write(s, "x.txt")
    s.handle_line("copy harddisk:x.txt harddisk:y.txt")
    assert s.prompt == "Destination filename [harddisk:y.txt]?"
    out = body(s.handle_line(""))  # Enter takes the name in brackets
    assert len(out) == 1
    assert re.fullmatch(r"Copied in \d+\.\d\d :seconds", out[0])
    assert (disk(router) / "y.txt").read_bytes() == (disk(router) / "x.txt").read_bytes()


def test_copy_to_a_name_given_at_the_question(s: CliSession, router: Router) -> None:
    write(s, "x.txt")
    out = answer(s, "copy harddisk:x.txt harddisk:y.txt", "z.txt")
    assert "Copied in" in out
    assert (disk(router) / "z.txt").read_bytes() == (disk(router) / "x.txt").read_bytes()
    assert not (disk(router) / "y.txt").exists()
    assert set(listing(s.handle_line("dir"))) >= {"x.txt", "z.txt"}


def test_copy_of_a_missing_file_is_refused_before_the_question(
    s: CliSession, router: Router
) -> None:
    out = body(s.handle_line("copy harddisk:nope.txt harddisk:y.txt"))
    assert not s.waiting
    assert out == ["%Error opening harddisk:nope.txt (No such file or directory)"]
    assert not (disk(router) / "y.txt").exists()


def test_delete_asks_and_n_keeps_the_file(s: CliSession, router: Router) -> None:
    write(s, "x.txt")
    s.handle_line("delete harddisk:x.txt")
    assert s.prompt == "Delete harddisk:/x.txt[confirm]"
    assert body(s.handle_line("n")) == []
    assert (disk(router) / "x.txt").exists()
    assert "x.txt" in listing(s.handle_line("dir"))
    s.handle_line("delete harddisk:x.txt")
    assert body(s.handle_line("")) == []  # Enter confirms
    assert not (disk(router) / "x.txt").exists()
    assert "x.txt" not in listing(s.handle_line("dir"))


def test_delete_of_a_missing_file_asks_nothing(s: CliSession) -> None:
    out = body(s.handle_line("delete harddisk:nope.txt"))
    assert not s.waiting
    assert out == ["%Error deleting harddisk:nope.txt (No such file or directory)"]


def test_mkdir_then_use_the_directory(s: CliSession, router: Router) -> None:
    s.handle_line("mkdir harddisk:logs")
    assert s.prompt == "Create directory filename [harddisk:logs]?"
    assert body(s.handle_line("")) == ["Created dir harddisk:/logs"]
    assert (disk(router) / "logs").is_dir()
    perms, _ = listing(s.handle_line("dir"))["logs"]
    assert perms.startswith("d")
    write(s, "x.txt")
    answer(s, "copy harddisk:x.txt harddisk:logs/copy.txt", "")
    assert set(listing(s.handle_line("dir harddisk:logs"))) == {"copy.txt"}
    again = body(answer(s, "mkdir harddisk:logs", ""))
    assert again[-1].startswith("%Error creating directory harddisk:logs (")
    other = body(answer(s, "mkdir harddisk:unused", "named"))
    assert other == ["Created dir harddisk:/named"]
    assert (disk(router) / "named").is_dir()
    assert not (disk(router) / "unused").exists()


@pytest.mark.parametrize("command", ["more", "show file"])
def test_more_and_show_file(s: CliSession, router: Router, command: str) -> None:
    fs = router.chassis.fs()
    fs.write_atomic("/misc/scratch/notes.txt", b"first line\nlast line")
    fs.write_atomic("disk0:boot.txt", b"on disk0\n")
    assert body(s.handle_line(f"{command} /misc/scratch/notes.txt")) == [
        "first line",
        "last line",
    ]
    assert s.handle_line(f"{command} /misc/scratch/notes.txt").endswith("last line\n")
    assert body(s.handle_line(f"{command} disk0:boot.txt")) == ["on disk0"]
    missing = body(s.handle_line(f"{command} harddisk:nope.txt"))
    assert len(missing) == 1
    assert missing[0].startswith("%Error opening harddisk:nope.txt (")
    directory = body(s.handle_line(f"{command} harddisk:"))
    assert len(directory) == 1
    assert directory[0].startswith("%Error opening harddisk: (")


# --------------------------------------------------------------------------------------------
# Other nodes
# --------------------------------------------------------------------------------------------


def test_dir_location_lists_the_line_cards_own_filesystem(asr: Router) -> None:
    s = asr.session()
    assert s.prompt == "RP/0/RSP0/CPU0:router#"
    write(s, "rp.txt")  # on the active RSP
    out = body(answer(s, "mkdir harddisk:lc_only location 0/0/CPU0", ""))
    assert out == ["Created dir harddisk:/lc_only"]
    asr.chassis.fs("0/0/CPU0").write_atomic("harddisk:lc.txt", b"line card\n")

    lc = listing(s.handle_line("dir location 0/0/CPU0"))
    assert set(lc) == {"lc_only", "lc.txt"}
    assert set(listing(s.handle_line("dir harddisk: location 0/0/CPU0"))) == set(lc)
    assert "rp.txt" in listing(s.handle_line("dir"))
    assert "lc_only" not in listing(s.handle_line("dir"))
    assert listing(s.handle_line("dir location 0/1/CPU0")) == {}  # the other card's own
    assert (disk(asr, "0/0/CPU0") / "lc_only").is_dir()
    assert body(s.handle_line("more harddisk:lc.txt location 0/0/CPU0")) == ["line card"]
    assert body(s.handle_line("more harddisk:lc.txt"))[0].startswith("%Error opening")


@pytest.mark.parametrize("node", ["0/FT0", "0/PM1", "0/9/CPU0"])
def test_dir_location_of_a_node_without_a_filesystem(asr: Router, node: str) -> None:
    out = body(asr.cli(f"dir location {node}"))
    assert len(out) == 1
    assert out[0].startswith("%Error opening harddisk: (")
    assert node in out[0]


# --------------------------------------------------------------------------------------------
# Paths that try to leave the node
# --------------------------------------------------------------------------------------------


class Outside:
    """Files next to the router's state, and a check that nothing outside the node changed."""

    def __init__(self, tmp_path: Path, router: Router) -> None:
        self.base = tmp_path
        self.node_root = router.chassis.state_dir / "nodes" / "0_RP0_CPU0"
        self.sentinel = tmp_path / "sentinel.txt"
        self.sentinel.write_text("keep me\n")
        here = disk(router)
        here.mkdir(parents=True, exist_ok=True)
        #: ``harddisk:`` + this reaches ``tmp_path`` by ``..`` steps.
        self.up = os.path.relpath(tmp_path, here)
        self.snapshot = self._files()

    def _files(self) -> dict[str, tuple[int, float]]:
        out = {}
        for p in sorted(self.base.rglob("*")):
            if p == self.node_root or self.node_root in p.parents:
                continue
            st = p.lstat()
            out[str(p.relative_to(self.base))] = (st.st_size, st.st_mtime)
        return out

    def unchanged(self) -> None:
        assert self.sentinel.read_text() == "keep me\n"
        assert self._files() == self.snapshot


@pytest.fixture
def outside(tmp_path: Path, router: Router) -> Outside:
    return Outside(tmp_path, router)


# Each command reads, or tries to change, something outside the node. {up} is the ".." path
# from harddisk: to the directory that holds the state and the sentinel; {base} is that
# directory's absolute path. Read-only commands only ever name real system files.
ESCAPES = [
    "more harddisk:../../etc/passwd",
    "more /etc/passwd",
    "show file harddisk:{up}/sentinel.txt",
    "show file harddisk:../../../state.db",
    "dir /etc",
    "dir harddisk:{up}",
    "dir disk0:..",
    "copy /etc/passwd harddisk:passwd",
    "copy harddisk:{up}/sentinel.txt harddisk:stolen.txt",
    "copy harddisk:x.txt harddisk:{up}/planted.txt",
    "copy harddisk:x.txt {base}/planted.txt",
    "delete harddisk:{up}/sentinel.txt",
    "delete {base}/sentinel.txt",
    "mkdir harddisk:{up}/newdir",
    "mkdir {base}/newdir",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_escaping_path_is_an_error_and_touches_nothing(
    s: CliSession, router: Router, outside: Outside, template: str
) -> None:
    write(s, "x.txt")
    outside.snapshot = outside._files()
    line = template.format(up=outside.up, base=outside.base)
    out = s.handle_line(line)
    while s.waiting:  # take every default and confirm everything: the worst case
        out += s.handle_line("")
    lines = body(out)
    errors = [ln for ln in lines if ln.startswith("%Error ")]
    assert len(errors) == 1, lines
    assert "root:" not in out  # nothing of /etc/passwd
    assert "keep me" not in out
    assert "serial" not in out  # nothing of the chassis file next to nodes/
    outside.unchanged()
    assert not (disk(router) / "stolen.txt").exists()
    assert not (disk(router) / "passwd").exists()


def test_symlink_out_of_the_node_is_not_followed(
    s: CliSession, router: Router, outside: Outside
) -> None:
    (disk(router) / "link").symlink_to(outside.base)
    outside.snapshot = outside._files()
    write(s, "x.txt")
    for line in (
        "more harddisk:link/sentinel.txt",
        "dir harddisk:link",
        "delete harddisk:link/sentinel.txt",
        "mkdir harddisk:link/newdir",
        "copy harddisk:x.txt harddisk:link/planted.txt",
    ):
        out = s.handle_line(line)
        while s.waiting:
            out += s.handle_line("")
        assert any(ln.startswith("%Error ") for ln in body(out)), (line, out)
        assert "keep me" not in out
    body(s.handle_line("show version | file harddisk:link/planted.txt"))
    outside.unchanged()


def test_pipe_to_an_escaping_file_writes_nothing(
    s: CliSession, router: Router, outside: Outside
) -> None:
    for target in (f"harddisk:{outside.up}/planted.txt", f"{outside.base}/planted.txt"):
        out = body(s.handle_line(f"show version | file {target}"))
        assert len(out) == 1
        assert out[0].startswith("%")
        assert "Cisco IOS XR Software" not in out[0]
    outside.unchanged()


def test_pipe_to_an_escaping_file_says_error_like_the_other_commands(
    s: CliSession, outside: Outside
) -> None:
    out = body(s.handle_line(f"show version | file harddisk:{outside.up}/planted.txt"))
    assert len(out) == 1
    assert out[0].startswith("%Error ")


def test_cli_cannot_clobber_the_routers_own_state(
    tmp_path: Path, router: Router, s: CliSession
) -> None:
    router.configure(["hostname keep"])
    s.handle_line("show version | file /misc/config/xrsim/config/running.json")  # format 1
    router.shutdown()
    again = Router.boot(state_dir=tmp_path / "state")
    try:
        assert again.hostname() == "keep"
    finally:
        again.shutdown()


def test_dir_shows_the_year_of_an_old_file_and_the_target_of_a_symlink(
    s: CliSession, router: Router
) -> None:
    """As ``ls -l`` (which IOS XR's ``dir`` is): a file changed more than half a year before
    the router's clock shows its year instead of its time; a symlink shows ``-> target``."""
    write(s, "x.txt")
    root = disk(router)
    old = root / "old.cfg"
    old.write_text("hostname old\n")
    when = router.clock.now().timestamp() - 400 * 86400
    os.utime(old, (when, when))
    (root / "config").symlink_to("/misc/config")
    lines = body(s.handle_line("dir harddisk:"))
    (old_line,) = [ln for ln in lines if ln.endswith(" old.cfg")]
    year = datetime.fromtimestamp(when, UTC).year
    assert re.search(rf" \w{{3}} [ \d]\d  {year} old\.cfg$", old_line), old_line
    (link,) = [ln for ln in lines if "config ->" in ln]
    assert link.endswith(" config -> /misc/config")
    assert DIR_LINE.match(link) is not None
    assert DIR_LINE.match(link).group(2).startswith("l")  # type: ignore[union-attr]

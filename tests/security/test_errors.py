"""Issue 12 item 8: errors a user can read.

- Over real SSH (a paramiko shell): a file name over 255 bytes (or a path over 4096) in
  ``dir``, ``copy``, ``mkdir``, ``delete``, ``more`` and ``| file`` is answered ``%Error ...
  (File name too long)`` as IOS XR (Linux) says it, never ``% Internal error``; nothing is made.
- The Python API raises ``xrsim.errors`` types: a platform that is not text
  (``InvalidInput``), an empty or unusable hostname (``InvalidInput``, nothing written), a
  damaged key row or format 1 key index, a damaged chassis record or format 1 ``chassis.json``
  (``StateError``, not a ``StorageError``: nothing failed to save), a router without a host key
  (``StateError`` from ``SshServer.start``).
- ``xrsim serve`` (a subprocess) on such a state directory prints one line and exits non-zero.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import PtyShell, xrsim_env
from xrsim.chassis.store import DB_FILE
from xrsim.errors import CommandError, InvalidInput, StateError, StorageError
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

USER, PASSWORD = "admin", "admin"
PROMPT = "RP/0/RP0/CPU0:router#"
STATE_V1 = Path(__file__).resolve().parent.parent / "data" / "state-v1"
V1_TREE = "nodes/0_RP0_CPU0/misc/config/xrsim"
TOO_LONG = "(File name too long)"

# -- file names over 255 bytes, over real SSH -----------------------------------------------


class Shell(PtyShell):
    def lines(self, line: str, until: str = PROMPT) -> list[str]:
        """The lines the router answered ``line`` with (no echo, no prompt, no timestamp)."""
        out = self.run(line + "\r", until).split("\r\n")[1:-1]
        return [ln for ln in out if not ln.endswith(" UTC")]


@pytest.fixture
def shell(server: SshServer) -> Iterator[Shell]:
    sh = Shell(server.port)
    sh.until(PROMPT)
    yield sh
    sh.close()


LONG = "a" * 256
WIDE = "\u00e9" * 128  # 128 characters, 256 bytes in UTF-8
DEEP = "/".join(["d" * 250] * 17)  # every name fits, the path does not (over 4096 bytes)


def harddisk(router: Router) -> Path:
    return router.chassis.fs().resolve("harddisk:")


@pytest.mark.parametrize("name", [LONG, WIDE, DEEP], ids=["256-bytes", "256-utf8-bytes", "path"])
def test_long_file_names_answer_error_not_internal_error(
    router: Router, shell: Shell, name: str
) -> None:
    path = f"harddisk:/{name}"
    before = sorted(p.name for p in harddisk(router).iterdir())
    assert shell.lines(f"dir {path}") == [f"%Error opening {path} {TOO_LONG}"]
    assert shell.lines(f"more {path}") == [f"%Error opening {path} {TOO_LONG}"]
    assert shell.lines(f"copy {path} harddisk:/x") == [f"%Error opening {path} {TOO_LONG}"]
    assert shell.lines(f"delete {path}") == [f"%Error deleting {path} {TOO_LONG}"]
    out = shell.lines(f"mkdir {path}", until="]?")
    assert out == []
    assert shell.lines("") == [f"%Error creating directory {path} {TOO_LONG}"]
    opening = [f"%Error opening {path} {TOO_LONG}"]
    assert shell.lines(f"show running-config | file {path}") == opening
    shell.lines("show running-config | file harddisk:/small")
    shell.lines(f"copy harddisk:/small {path}", until="]?")
    assert shell.lines("") == [f"%Error opening {path} {TOO_LONG}"]
    assert sorted(p.name for p in harddisk(router).iterdir()) == sorted([*before, "small"])


def test_a_name_of_255_bytes_is_a_file_name(router: Router, shell: Shell) -> None:
    name = "b" * 255
    shell.lines(f"mkdir harddisk:/{name}", until="]?")
    assert shell.lines("") == [f"Created dir harddisk:/{name}"]
    assert (harddisk(router) / name).is_dir()
    assert shell.lines(f"delete harddisk:/{name}/nothing") == [
        f"%Error deleting harddisk:/{name}/nothing (No such file or directory)"
    ]


# -- the Python API -----------------------------------------------------------------------


@pytest.mark.parametrize("platform", [5, 5.0, b"NCS-55A1-24H", ["NCS-55A1-24H"]])
def test_a_platform_that_is_not_text_is_invalid_input(tmp_path: Path, platform: object) -> None:
    with pytest.raises(InvalidInput):
        Router.boot(platform=platform, state_dir=tmp_path / "s")  # type: ignore[arg-type]
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("hostname", ["", " ", "r 1", "-r1", "r1!", "x" * 64, 5, b"r1"])
def test_an_unusable_hostname_is_invalid_input_and_writes_nothing(
    tmp_path: Path, hostname: object
) -> None:
    with pytest.raises(InvalidInput):
        Router.boot(state_dir=tmp_path / "s", hostname=hostname)  # type: ignore[arg-type]
    assert not (tmp_path / "s").exists()


def test_an_empty_hostname_line_is_refused(router: Router) -> None:
    for line in ["hostname", 'hostname ""', "hostname  "]:
        with pytest.raises(CommandError):
            router.configure([line])
    assert router.hostname() == "router"
    assert router.datastore.running.root.children["hostname"].line == "hostname router"


def _sql(state: Path, statement: str) -> None:
    with sqlite3.connect(state / DB_FILE) as db:
        db.execute(statement)
    db.close()


def _serve(state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xrsim.frontends.main", "serve", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        env=xrsim_env(),
        check=False,
    )


def _assert_one_line_refusal(state: Path) -> None:
    result = _serve(state)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("xrsim serve: ")
    assert result.stdout == ""  # it never said it was listening


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    Router.boot(state_dir=state).shutdown()
    return state


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE keys SET bits = 'x'",
        "UPDATE keys SET bits = -1",
        "UPDATE keys SET created = 'yesterday'",
    ],
    ids=["bits-text", "bits-negative", "created"],
)
def test_damaged_key_row_is_a_state_error(stored: Path, damage: str) -> None:
    _sql(stored, damage)
    with pytest.raises(StateError) as err:
        Router.boot(state_dir=stored)
    assert not isinstance(err.value, StorageError)
    _assert_one_line_refusal(stored)


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    state = tmp_path / "v1"
    shutil.copytree(STATE_V1, state)
    return state


@pytest.mark.parametrize(
    "index",
    [
        '{"rsa/the_default": {"type": null, "label": "the_default", "usage": "general",'
        ' "created": "2024-03-01T12:00:00+00:00", "bits": 2048,'
        ' "path": "keys/rsa/the_default.pem"}}',
        '{"rsa/the_default": {"type": "rsa", "label": "the_default", "usage": "general",'
        ' "created": "2024-03-01T12:00:00+00:00", "bits": "2048 bits",'
        ' "path": "keys/rsa/the_default.pem"}}',
        '{"rsa/the_default": {"type": "rsa", "label": "the_default", "usage": "both",'
        ' "created": "2024-03-01T12:00:00+00:00", "bits": 2048,'
        ' "path": "keys/rsa/the_default.pem"}}',
    ],
    ids=["type-null", "bits-text", "usage"],
)
def test_damaged_format_1_key_index_is_a_state_error(v1: Path, index: str) -> None:
    (v1 / V1_TREE / "keys/index.json").write_text(index)
    with pytest.raises(StateError) as err:
        Router.boot(state_dir=v1)
    assert not isinstance(err.value, StorageError)  # nothing failed to save: the data is bad
    _assert_one_line_refusal(v1)


@pytest.mark.parametrize(
    ("field", "value"),
    [("platform", 5), ("platform", "NCS-9999"), ("serial", "no serial"), ("release", "7")],
)
def test_damaged_format_1_chassis_json_is_a_state_error(
    v1: Path, field: str, value: object
) -> None:
    chassis = json.loads((v1 / "chassis.json").read_text())
    chassis[field] = value
    (v1 / "chassis.json").write_text(json.dumps(chassis))
    with pytest.raises(StateError) as err:
        Router.boot(state_dir=v1)
    assert not isinstance(err.value, StorageError)
    _assert_one_line_refusal(v1)


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE chassis SET platform = 'NCS-9999'",
        "UPDATE chassis SET active_rp = '0/FT0'",
        "UPDATE chassis SET created = 'long ago'",
    ],
    ids=["platform", "active-rp", "created"],
)
def test_damaged_chassis_record_is_a_state_error(stored: Path, damage: str) -> None:
    _sql(stored, damage)
    with pytest.raises(StateError):
        Router.boot(state_dir=stored)
    _assert_one_line_refusal(stored)


def test_a_missing_host_key_is_a_state_error() -> None:
    with Router.boot(release_version="6.6.3") as old:  # no host key before 7.0.1
        server = SshServer(old)
        with pytest.raises(StateError):
            server.start()
        assert server.sessions() == []


def test_a_missing_host_key_makes_serve_say_so(tmp_path: Path) -> None:
    state = tmp_path / "old"
    Router.boot(state_dir=state, release_version="6.6.3").shutdown()
    _assert_one_line_refusal(state)

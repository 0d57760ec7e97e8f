"""Who may use a state directory, and who may read it (issue 9, items 1 and 8).

- One process owns a state directory: a second ``Router.boot`` on it, from another process
  (``durability_child.py hold``) or from the same one, fails at once with ``StateError``
  naming the holder's pid; after the holder shuts down or is killed with SIGKILL, boot works.
  Two processes booting a new directory at the same moment: exactly one wins.
- Modes: every file under the state directory that is not a node filesystem's own (what the
  CLI's ``harddisk:``, ``/misc/scratch`` and the like hold) is readable by its owner only, and
  its directories are 0700, whatever the umask of the process that wrote them.
- The console history (``STATE/console_history``, written by ``xrsim console``) never holds a
  secret typed as the argument of ``secret`` or ``password``.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from support import xrsim_env
from xrsim.errors import StateError
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

CHILD = Path(__file__).with_name("durability_child.py")


@pytest.fixture(autouse=True)
def _vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XRSIM_VENDOR_DIR", str(tmp_path_factory.getbasetemp() / "vendor"))
        yield


def _child(state: Path, action: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(state), action],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=xrsim_env(),
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Close the child's stdin (a holder shuts down) and wait: (status, stderr)."""
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def _holder(state: Path) -> subprocess.Popen[str]:
    proc = _child(state, "hold")
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line == f"ready {proc.pid}\n", line + _finish(proc)[1]
    return proc


def names_pid(message: str, pid: int) -> bool:
    return re.search(rf"(?<!\d){pid}(?!\d)", message) is not None


def _refused_naming(state: Path, pid: int) -> None:
    with pytest.raises(StateError) as refused:
        Router.boot(state_dir=state)
    assert names_pid(str(refused.value), pid), refused.value


def test_second_boot_from_another_process_is_refused_naming_the_holder(tmp_path: Path) -> None:
    state = tmp_path / "state"
    Router.boot(state_dir=state).shutdown()
    holder = _holder(state)
    try:
        _refused_naming(state, holder.pid)
        _refused_naming(state, holder.pid)  # the refusal changed nothing: still refused
    finally:
        status, err = _finish(holder)
    assert status == 0, err
    router = Router.boot(state_dir=state)
    try:
        assert "hostname router" in router.cli("show running-config")
    finally:
        router.shutdown()


def test_a_killed_holder_releases_the_directory(tmp_path: Path) -> None:
    state = tmp_path / "state"
    holder = _holder(state)
    _refused_naming(state, holder.pid)
    holder.send_signal(signal.SIGKILL)
    assert holder.wait(timeout=30) == -signal.SIGKILL
    assert holder.stdin is not None
    holder.stdin.close()
    for stream in (holder.stdout, holder.stderr):
        assert stream is not None
        stream.close()
    router = Router.boot(state_dir=state)
    router.shutdown()


def test_second_boot_in_the_same_process_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = Router.boot(state_dir=state)
    try:
        first.configure(["domain name first.example"])
        _refused_naming(state, os.getpid())
        # The holder is not disturbed by the refusal, and its commits are kept.
        first.configure(["domain name still-first.example"])
    finally:
        first.shutdown()
    again = Router.boot(state_dir=state)
    try:
        assert "domain name still-first.example" in again.cli("show running-config")
    finally:
        again.shutdown()
    # And a child process sees it free too.
    holder = _holder(state)
    _finish(holder)


@pytest.mark.parametrize("round_", range(3))
def test_two_processes_racing_to_boot_a_new_directory(tmp_path: Path, round_: int) -> None:
    state = tmp_path / "new"
    racers = [_child(state, "race") for _ in range(2)]
    for proc in racers:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
    for proc in racers:
        assert proc.stdin is not None
        proc.stdin.flush()
    first_lines = []
    for proc in racers:
        assert proc.stdout is not None
        first_lines.append(proc.stdout.readline())
    results = [_finish(proc) for proc in racers]
    winners = [p for p, line in zip(racers, first_lines, strict=True) if line.startswith("won ")]
    losers = [(p, line) for p, line in zip(racers, first_lines, strict=True) if p not in winners]
    assert len(winners) == 1, (first_lines, results)
    ((loser, line),) = losers
    assert line.startswith("StateError: "), (line, results)
    assert names_pid(line, winners[0].pid), (line, results)
    assert loser.returncode == 3, results
    assert winners[0].returncode == 0, results
    # The directory the winner made is whole.
    router = Router.boot(state_dir=state)
    try:
        assert "hostname router" in router.cli("show running-config")
        assert router.keys.has("rsa", "the_default")
    finally:
        router.shutdown()


# --------------------------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------------------------

#: The part of a node's tree that is the router's own state, not the node filesystem's.
STATE_TREE = ("misc", "config", "xrsim")


def _node_user_path(rel: tuple[str, ...]) -> bool:
    """A node filesystem's root or a file of it (``nodes/NODE/...``) other than its
    ``/misc/config/xrsim`` state tree."""
    if not rel or rel[0] != "nodes":
        return False
    if len(rel) <= 2:
        return True  # nodes/ and nodes/NODE: the node filesystems' roots
    inner = rel[2:]
    return inner[: len(STATE_TREE)] != STATE_TREE and STATE_TREE[: len(inner)] != inner


def loose_modes(state: Path) -> list[str]:
    """Files and directories of ``state`` that its owner's group or others may use."""
    loose = []
    if stat.S_IMODE(state.stat().st_mode) != 0o700:
        loose.append(f". {stat.S_IMODE(state.stat().st_mode):o}")
    for path in sorted(state.rglob("*")):
        rel = path.relative_to(state).parts
        if _node_user_path(rel) or path.is_symlink():
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            loose.append(f"{'/'.join(rel)} {mode:o}")
        if path.is_dir() and mode != 0o700:
            loose.append(f"{'/'.join(rel)}/ {mode:o} (not 0700)")
    return loose


def test_state_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    state = tmp_path / "state"
    old = os.umask(0)
    try:
        router = Router.boot(platform="ASR-9006", state_dir=state)  # two RPs
        try:
            router.configure(["username alice", "secret Alice-Secret-1", "domain name m.example"])
            router.cli("crypto key generate rsa r1", answers={"modulus": "1024"})
            router.cli("crypto key generate ecdsa nistp256 e1")
            router.configure(
                [
                    "crypto ca trustpoint tp",
                    "enrollment url self",
                    "ca-keypair rsa r1",
                    "keypair ecdsa e1",
                    "serial-number none",
                    "ip-address none",
                ]
            )
            router.cli("crypto ca authenticate tp")
            router.cli("crypto ca enroll tp", answers=lambda prompt: "no")
            router.cli("rollback configuration last 1")
            assert loose_modes(state) == []
        finally:
            router.shutdown()
        Router.boot(state_dir=state).shutdown()
        assert loose_modes(state) == []
    finally:
        os.umask(old)
    # What is checked is there: configuration, commits and keys live under the state dir.
    assert any(
        p.is_file() and not _node_user_path(p.relative_to(state).parts) for p in state.rglob("*")
    )


# --------------------------------------------------------------------------------------------
# Console history
# --------------------------------------------------------------------------------------------

SECRETS = ("Sekrit-One-111", "Sekrit-Two-222", "Sekrit-Three-333", "Sekrit-Four-444")


def test_console_history_never_holds_a_typed_secret(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = xrsim_env(TERM="vt100", PROMPT_TOOLKIT_NO_CPR="1")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "xrsim.frontends.main", "console", "--state", str(state)],
        env=env,
        encoding="utf-8",
        codec_errors="replace",
        timeout=20,
        dimensions=(50, 200),
    )
    config = "RP/0/RP0/CPU0:router(config)#"
    user = "RP/0/RP0/CPU0:router(config-un)#"

    def enter(line: str, then: str) -> None:
        child.send(line + "\r")
        child.expect_exact("\n")
        child.expect_exact(then)

    try:
        child.expect_exact("RP/0/RP0/CPU0:router#")
        enter("configure", config)
        enter(f"username u1 secret {SECRETS[0]}", config)  # refused, but typed
        enter("username u2", user)
        enter(f"secret {SECRETS[1]}", user)
        enter("username u3", user)
        enter(f"password {SECRETS[2]}", user)
        enter("username u4", user)
        enter(f"secret 0 {SECRETS[3]}", user)
        enter("commit", user)
        enter("end", "RP/0/RP0/CPU0:router#")
        child.send("exit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    history = (state / "console_history").read_text()
    assert "username u2" in history
    assert "commit" in history
    for secret in SECRETS:
        assert secret not in history  # ...without the secrets
    assert stat.S_IMODE((state / "console_history").stat().st_mode) & 0o077 == 0
    router = Router.boot(state_dir=state)
    try:
        running = router.cli("show running-config")
        assert "username u2" in running
        assert "username u4" in running
    finally:
        router.shutdown()

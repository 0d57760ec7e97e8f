"""``xrsim.lab.registry``: where labs live, which are up (their lock held by a live process),
which were killed, and the cleanup ``xrsim down`` does after a kill -9 (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from support import xrsim_env
from xrsim.errors import LabError, LabExists, LabNotFound
from xrsim.lab import registry
from xrsim.lab.launcher import Lab
from xrsim.lab.spec import LabSpec, NodeSpec
from xrsim.lab.status import LabStatus


@pytest.fixture(autouse=True)
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XRSIM_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_home_follows_xrsim_home_then_xdg_then_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_home: Path
) -> None:
    assert registry.home() == own_home / "labs"
    assert (own_home / "labs").stat().st_mode & 0o777 == 0o700
    monkeypatch.delenv("XRSIM_HOME")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert registry.home() == tmp_path / "xdg" / "xrsim" / "labs"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert registry.home() == tmp_path / "user" / ".local" / "state" / "xrsim" / "labs"


def test_names_are_lab_names() -> None:
    assert registry.root_of("pki-1") == registry.home() / "pki-1"
    for bad in ("", "Pki", "../x", "-x", "a" * 32, "a b"):
        with pytest.raises(LabError, match="not a lab name"):
            registry.root_of(bad)


def test_a_lab_is_found_up_then_stopped_and_is_alive_while_its_lock_is_held() -> None:
    with pytest.raises(LabNotFound, match="no lab pki"):
        registry.find("pki")
    assert registry.labs() == []
    lab = Lab(LabSpec("pki", (NodeSpec("r1"),)), registry.root_of("pki"))
    lab.start()
    try:
        found = registry.find("pki")
        assert found == lab.status
        assert registry.alive(found)
        assert registry.labs() == [found]
        with pytest.raises(LabExists, match="pid"):
            registry.lock(registry.root_of("pki"), "pki")
    finally:
        lab.stop(keep=True)
    stopped = registry.find("pki")
    assert stopped.state == "stopped"
    assert not registry.alive(stopped)
    registry.cleanup(stopped)
    assert not registry.root_of("pki").exists()
    with pytest.raises(LabNotFound):
        registry.find("pki")


_HOLDER = textwrap.dedent(
    """
    import time
    from xrsim.lab import registry
    from xrsim.lab.launcher import Lab
    from xrsim.lab.spec import LabSpec, NodeSpec, PeerSpec
    spec = LabSpec("dead", (NodeSpec("r1"),), peers=(PeerSpec("traps", kind="snmptrapd"),))
    status = Lab(spec, registry.root_of("dead")).start()
    print(status.peers[0].pid, flush=True)
    time.sleep(300)
    """
)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.peer
def test_a_killed_lab_is_reported_gone_and_cleanup_kills_its_peers(
    own_home: Path, require_tool
) -> None:
    require_tool("snmptrapd")
    env = xrsim_env(XRSIM_HOME=str(own_home))
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER], env=env, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    peer = int(holder.stdout.readline())
    try:
        assert registry.find("dead").state == "up"
        assert Path(f"/proc/{peer}/comm").read_text().strip() == "snmptrapd"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        gone = registry.find("dead")
        assert gone.state == "gone"
        assert [s.state for s in registry.labs()] == ["gone"]
        assert LabStatus.read(registry.root_of("dead") / "lab.json").state == "up"
        assert running(peer)  # the lab's peer outlived it
        assert registry.cleanup(gone) == []
        assert not registry.root_of("dead").exists()
        deadline = time.monotonic() + 10
        while running(peer):  # killed; reaped by init
            assert time.monotonic() < deadline, f"the peer {peer} is still running"
            time.sleep(0.05)
    finally:
        holder.kill()
        holder.wait(10)
        holder.stdout.close()
        if running(peer):
            os.kill(peer, signal.SIGKILL)


def test_cleanup_leaves_a_recorded_pid_that_now_runs_another_program(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "300"])
    try:
        root = registry.root_of("reused")
        root.mkdir()
        status = LabStatus(
            "reused",
            pid=other.pid,
            root=str(root),
            source=None,
            started="2025-01-01T00:00:00+00:00",
            state="up",
            pids=(other.pid,),
        )
        status.write(root / "lab.json")
        assert registry.find("reused").state == "gone"  # no lock held: not a lab process
        assert registry.cleanup(status) == []
        assert other.poll() is None
        assert not root.exists()
    finally:
        other.kill()
        other.wait(10)


def test_remove_frees_the_name_at_once_and_deletes_everything() -> None:
    def tree(name: str) -> Path:
        root = registry.root_of(name)
        for i in range(20):
            node = root / "nodes" / f"r{i}" / "opt"
            node.mkdir(parents=True)
            (node / "f").write_text("x")
        (root / "lab.json").write_text("{}")
        return root

    root = tree("a")
    assert registry.remove(root)  # in this process
    assert list(registry.home().iterdir()) == []
    root = tree("b")
    done = registry.remove(root, wait=0)  # by a process of its own, not waited for
    assert not root.exists()
    assert registry.labs() == []
    if not done:
        deadline = time.monotonic() + 30
        while list(registry.home().iterdir()):
            assert time.monotonic() < deadline, "the remover did not finish"
            time.sleep(0.05)
    root = tree("c")
    assert registry.remove(root, wait=30)
    assert list(registry.home().iterdir()) == []

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
    import os, subprocess, time
    from xrsim.lab import registry
    from xrsim.lab.status import LabStatus
    root = registry.root_of("dead")
    root.mkdir(mode=0o700)
    fd = registry.lock(root, "dead")
    peer = subprocess.Popen(["sleep", "300"])
    LabStatus("dead", pid=os.getpid(), root=str(root), source=None,
              started="2025-01-01T00:00:00+00:00", state="up", pids=(peer.pid,)).write(
        root / "lab.json")
    print(peer.pid, flush=True)
    time.sleep(300)
    """
)


def test_a_killed_lab_is_reported_gone_and_cleanup_kills_what_it_recorded(
    own_home: Path,
) -> None:
    env = xrsim_env(XRSIM_HOME=str(own_home))
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER], env=env, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    peer = int(holder.stdout.readline())
    try:
        assert registry.find("dead").state == "up"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        gone = registry.find("dead")
        assert gone.state == "gone"
        assert [s.state for s in registry.labs()] == ["gone"]
        assert LabStatus.read(registry.root_of("dead") / "lab.json").state == "up"
        assert Path(f"/proc/{peer}").exists()
        registry.cleanup(gone)
        assert not registry.root_of("dead").exists()
        for _ in range(200):  # the sleep is the test's grandchild: reaped by init
            stat = Path(f"/proc/{peer}/stat")
            if not stat.exists() or stat.read_text().rpartition(")")[2].split()[0] == "Z":
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the recorded process {peer} is still running")
    finally:
        holder.kill()
        holder.wait(10)
        holder.stdout.close()
        registry.kill_pid(peer)

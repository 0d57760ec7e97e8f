"""xrsim.router.Router: boot-time release gating, hidden prompts, API sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from xrsim.cli import Ctx, Prompt, build_registry
from xrsim.cli.context import Interaction
from xrsim.cli.session import CliSession
from xrsim.errors import InvalidInput
from xrsim.router import Router


@pytest.fixture(autouse=True)
def vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))


@pytest.mark.parametrize(("release", "has_key"), [("6.6.3", False), ("7.0.1", True)])
def test_boot_host_key_from_7_0_1(tmp_path: Path, release: str, has_key: bool) -> None:
    with Router.boot(state_dir=tmp_path / "r", release_version=release) as r:
        assert str(r.chassis.release) == release
        assert r.keys.has("rsa", "the_default") is has_key
        assert f"Version {release}" in r.cli("show version")


def test_existing_host_key_is_kept(tmp_path: Path) -> None:
    with Router.boot(state_dir=tmp_path / "r") as r:
        (entry,) = r.keys.entries("rsa")
        pem = r.keys.load(entry).to_pkcs8_pem()
    with Router.boot(state_dir=tmp_path / "r") as r:
        (entry,) = r.keys.entries("rsa")
        assert r.keys.load(entry).to_pkcs8_pem() == pem
        key_file = r.chassis.fs().resolve("/misc/config/xrsim/" + entry.path)
        assert key_file.stat().st_mode & 0o777 == 0o600


def test_hidden_prompts_and_defaults(tmp_path: Path) -> None:
    reg = build_registry()

    @reg.command("exec", "secret-demo")
    def demo(ctx: Ctx) -> Interaction:
        pw = yield Prompt("Password: ", hidden=True)
        size = (yield Prompt("How many bits in the modulus [2048]: ")).strip() or "2048"
        ctx.line(f"got {len(pw)} characters and {size}")

    with Router.boot(state_dir=tmp_path / "r") as r:
        s = CliSession(r, reg)
        s.handle_line("secret-demo")
        assert s.waiting
        assert s.hidden
        assert s.prompt == "Password: "
        s.handle_line("hunter2")
        assert not s.hidden
        assert s.handle_line("") == "got 7 characters and 2048\n"
        assert not s.waiting


def test_sessions_are_closed_at_shutdown(tmp_path: Path) -> None:
    r = Router.boot(state_dir=tmp_path / "r")
    a, b = r.session(), r.session()
    a.handle_line("configure exclusive")
    r.shutdown()
    assert a.closed
    assert b.closed
    assert r.datastore.exclusive_owner is None


@pytest.mark.parametrize("relpath", ["keys/index.json", "config/running.json"])
def test_damaged_state_is_a_state_error(tmp_path: Path, relpath: str) -> None:
    from xrsim.errors import StateError

    Router.boot(state_dir=tmp_path / "r").shutdown()
    target = tmp_path / "r" / "nodes" / "0_RP0_CPU0" / "misc" / "config" / "xrsim" / relpath
    assert target.exists()
    target.write_text("{ not json")
    with pytest.raises(StateError):
        Router.boot(state_dir=tmp_path / "r")


def test_commit_confirmed_in_any_session_arms_the_rollback_timer(tmp_path: Path) -> None:
    """The rollback timer is armed by the commit itself, not by the API: a plain session
    (console, SSH) gets it too. (Waiting the 30 s minimum for it to fire is left to the
    datastore tests, which drive the clock.)"""
    with Router.boot(state_dir=tmp_path / "r") as r:
        s = r.session()
        for line in ("configure", "hostname temp", "commit", "end"):
            s.handle_line(line)
        assert r._confirm_timer is None
        for line in ("configure", "hostname temp2", "commit confirmed 30", "end"):
            s.handle_line(line)
        timer = r._confirm_timer
        assert timer is not None
        assert timer.is_alive()
    assert timer.finished.is_set()  # shutdown cancels it


# -- boot_many ----------------------------------------------------------------------------------


def _host_key_der(r: Router) -> bytes:
    (entry,) = [e for e in r.keys.entries("rsa") if e.label == "the_default"]
    return r.keys.load(entry).to_pkcs8_der()


def test_boot_many_boots_what_boot_would(tmp_path: Path) -> None:
    existing = Router.boot(state_dir=tmp_path / "r2", hostname="kept")
    kept_key = _host_key_der(existing)
    existing.shutdown()
    routers = Router.boot_many(4, state_root=tmp_path)
    try:
        assert [r.hostname() for r in routers] == ["r1", "kept", "r3", "r4"]
        assert [r.chassis.state_dir for r in routers] == [tmp_path / f"r{i}" for i in range(1, 5)]
        keys = [_host_key_der(r) for r in routers]
        assert keys[1] == kept_key  # an existing router keeps its key
        assert len(set(keys)) == 4  # every new router got a key of its own
        for r in routers:
            (entry,) = r.keys.entries("rsa")
            assert entry.bits == 2048
            key_file = r.chassis.fs().resolve("/misc/config/xrsim/" + entry.path)
            assert key_file.stat().st_mode & 0o777 == 0o600
            assert "ssh server v2" in r.cli("show running-config ssh")
    finally:
        for r in routers:
            r.shutdown()
    # Booted again: the same routers, no key generated anew.
    again = Router.boot_many(4, state_root=tmp_path)
    try:
        assert [_host_key_der(r) for r in again] == keys
    finally:
        for r in again:
            r.shutdown()


def test_boot_many_follows_the_release_gate(tmp_path: Path) -> None:
    routers = Router.boot_many(2, state_root=tmp_path, release_version="6.6.3", prefix="old")
    try:
        assert [r.hostname() for r in routers] == ["old1", "old2"]
        assert not any(r.keys.has("rsa", "the_default") for r in routers)
    finally:
        for r in routers:
            r.shutdown()


def test_boot_many_refuses_bad_names_and_creates_nothing(tmp_path: Path) -> None:
    for prefix in ("a b", "x/y"):
        with pytest.raises(InvalidInput):
            Router.boot_many(2, state_root=tmp_path, prefix=prefix)
    with pytest.raises(InvalidInput):
        Router.boot_many(-1, state_root=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == []
    assert Router.boot_many(0, state_root=tmp_path) == []


def test_boot_many_raises_the_first_failure(tmp_path: Path) -> None:
    Router.boot(platform="ASR-9006", state_dir=tmp_path / "r2", release_version="6.6.3").shutdown()
    with pytest.raises(InvalidInput, match="ASR-9006"):
        Router.boot_many(3, state_root=tmp_path, platform="NCS-55A1-24H", release_version="6.6.3")
    # The router that was there is untouched and boots as it was.
    with Router.boot(state_dir=tmp_path / "r2") as r:
        assert r.chassis.platform.pid == "ASR-9006"

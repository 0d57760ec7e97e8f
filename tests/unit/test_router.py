"""xrsim.router.Router: boot-time release gating, hidden prompts, API sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from xrsim.cli import Ctx, Prompt, build_registry
from xrsim.cli.context import Interaction
from xrsim.cli.session import CliSession
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

    def demo(ctx: Ctx) -> Interaction:
        pw = yield Prompt("Password: ", hidden=True)
        size = (yield Prompt("How many bits in the modulus [2048]: ")).strip() or "2048"
        ctx.line(f"got {len(pw)} characters and {size}")

    reg.command("exec", "secret-demo", demo)

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

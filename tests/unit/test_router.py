"""xrsim.router.Router: boot-time release gating, hidden prompts, API sessions, the
scheduler it owns (``commit confirmed``, ``advance``, ``clock.set``), the state directory it
holds, and what a commit that cannot be saved does."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from support import scratch_netns
from xrsim.chassis.store import StateStore
from xrsim.cli import Ctx, Prompt, build_registry
from xrsim.cli.context import Interaction
from xrsim.cli.messages import COMMIT_FAILED
from xrsim.cli.session import CliSession
from xrsim.clock import SimClock
from xrsim.errors import CommandError, InvalidInput, StateError, StorageError, VrfError
from xrsim.router import BootSpec, Router
from xrsim.scheduler import Timer


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
        assert (tmp_path / "r" / "state.db").stat().st_mode & 0o777 == 0o600


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


@pytest.mark.parametrize(
    "damage",
    ["UPDATE keys SET created = 'not a time'", "UPDATE running SET tree = '{ not json'"],
)
def test_damaged_state_is_a_state_error(tmp_path: Path, damage: str) -> None:
    Router.boot(state_dir=tmp_path / "r").shutdown()
    with sqlite3.connect(tmp_path / "r" / "state.db") as db:
        assert db.execute(damage).rowcount == 1
    with pytest.raises(StateError):
        Router.boot(state_dir=tmp_path / "r")
    with pytest.raises(StateError) as err:  # the same answer: a failed boot let the directory go
        Router.boot(state_dir=tmp_path / "r")
    assert "in use" not in str(err.value)


def test_a_second_boot_on_a_held_directory_fails_at_once(tmp_path: Path) -> None:
    first = Router.boot(state_dir=tmp_path / "r", hostname="first")
    with pytest.raises(StateError, match=rf"in use by process {os.getpid()} ") as err:
        Router.boot(state_dir=tmp_path / "r", hostname="second")
    assert not isinstance(err.value, StorageError)
    first.configure(["domain name still.mine"])  # the holder goes on as before
    first.shutdown()
    first.shutdown()  # idempotent
    with Router.boot(state_dir=tmp_path / "r") as again:
        assert again.fqdn() == "first.still.mine"


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


#: Enough items that the commit needs new database pages.
MANY = ["hostname r2", *[f"username u{i}" for i in range(300)]]


def test_configure_raises_storage_error_and_changes_nothing(tmp_path: Path) -> None:
    clock = SimClock(datetime(2024, 3, 1, tzinfo=UTC), frozen=True)
    with Router.boot(state_dir=tmp_path / "r", hostname="r1", clock=clock) as r:
        shown = r.cli("show running-config")
        commits = r.cli("show configuration commit list")
        fill_up(r.chassis.store)
        lines = MANY
        with pytest.raises(StorageError) as err:
            r.configure(lines)
        assert err.value.reason == "no space left on the device"
        assert r.hostname() == "r1"
        assert r.cli("show running-config") == shown
        assert r.cli("show configuration commit list") == commits
        make_room(r.chassis.store)
        r.configure(lines)  # the same change goes through once there is room
        assert r.hostname() == "r2"
    with Router.boot(state_dir=tmp_path / "r") as again:
        assert again.hostname() == "r2"
        assert "username u299" in again.cli("show running-config")


def test_a_refused_commit_is_a_command_error_by_type(tmp_path: Path) -> None:
    with Router.boot(state_dir=tmp_path / "r") as r:
        r.configure(["hostname a"], label="L")
        with pytest.raises(CommandError) as err:
            r.configure(["hostname b"], label="L")
        assert "label 'L' is already in use" in err.value.output
        assert r.hostname() == "a"


def test_cli_commit_that_cannot_be_saved_keeps_the_candidate(tmp_path: Path) -> None:
    with Router.boot(state_dir=tmp_path / "r", hostname="r1") as r:
        s = r.session()
        s.handle_line("configure")
        for line in MANY:
            s.handle_line(line)
            if line.startswith("username"):
                s.handle_line("exit")
        fill_up(r.chassis.store)
        out = s.handle_line("commit")
        assert out.splitlines()[1:] == [  # after the timestamp line
            COMMIT_FAILED,
            "% The configuration could not be saved: no space left on the device.",
        ]
        assert isinstance(s.last_error, StorageError)
        assert "hostname r1" in r.cli("show running-config hostname")
        assert "hostname r2" in s.handle_line("show configuration")  # still the target
        make_room(r.chassis.store)
        assert len(s.handle_line("commit").splitlines()) == 1  # the timestamp only
        assert s.last_error is None
        assert r.hostname() == "r2"


def confirm_timers(r: Router) -> list[Timer]:
    """The router's pending ``commit confirmed`` rollbacks (other features keep timers of
    their own on the scheduler: the periodic package fingerprints)."""
    return [t for t in r.scheduler.pending() if "commit confirmed" in t.name]


def test_commit_confirmed_in_any_session_schedules_the_rollback(tmp_path: Path) -> None:
    """The rollback is scheduled by the commit itself, not by the API: a plain session
    (console, SSH) gets it too; shutdown cancels it."""
    with Router.boot(state_dir=tmp_path / "r") as r:
        s = r.session()
        for line in ("configure", "hostname temp", "commit", "end"):
            s.handle_line(line)
        assert confirm_timers(r) == []
        for line in ("configure", "hostname temp2", "commit confirmed 30", "end"):
            s.handle_line(line)
        (timer,) = confirm_timers(r)
        assert timer.relative
        assert "commit confirmed" in timer.name
        assert timer.pending
    assert timer.cancelled
    assert r.scheduler.closed


# -- the scheduler and the clock ----------------------------------------------------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def configure_lines(s: CliSession, *lines: str) -> str:
    return "".join(s.handle_line(line) for line in ("configure", *lines, "end"))


def test_commit_confirmed_is_rolled_back_when_advance_reaches_its_time(tmp_path: Path) -> None:
    clock = SimClock(T0, frozen=True)
    with Router.boot(state_dir=tmp_path / "r", hostname="r1", clock=clock) as r:
        s = r.session()
        configure_lines(s, "hostname temp", "commit confirmed 30")
        (timer,) = confirm_timers(r)
        assert timer.when == T0 + timedelta(seconds=30)
        r.advance(seconds=29)
        assert r.hostname() == "temp"
        r.advance(1)  # positional seconds
        assert r.hostname() == "r1"
        last = r.datastore.commits[-1]
        assert last.client == "Rollback"
        assert last.time == T0 + timedelta(seconds=30)  # rolled back at its due time
        assert confirm_timers(r) == []


def test_commit_confirmed_confirmed_by_a_second_commit_is_not_rolled_back(
    tmp_path: Path,
) -> None:
    with Router.boot(state_dir=tmp_path / "r", hostname="r1", clock=SimClock(T0, frozen=True)) as r:
        s = r.session()
        configure_lines(s, "hostname temp", "commit confirmed 30")
        out = configure_lines(s, "commit")  # no changes: it confirms, says nothing
        assert "No configuration changes" not in out
        assert confirm_timers(r) == []
        r.advance(minutes=10)
        assert r.hostname() == "temp"
        configure_lines(s, "hostname temp2", "commit confirmed 60")
        configure_lines(s, "domain name example.com", "commit")  # a commit with changes too
        r.advance(hours=1)
        assert r.hostname() == "temp2"
        assert r.domain_name() == "example.com"


def test_a_second_commit_confirmed_moves_the_rollback(tmp_path: Path) -> None:
    with Router.boot(state_dir=tmp_path / "r", hostname="r1", clock=SimClock(T0, frozen=True)) as r:
        s = r.session()
        configure_lines(s, "hostname temp", "commit confirmed 30")
        r.advance(20)
        configure_lines(s, "domain name example.com", "commit confirmed 60")
        (timer,) = confirm_timers(r)
        assert timer.when == T0 + timedelta(seconds=80)
        r.advance(30)  # past the first timeout: nothing
        assert r.hostname() == "temp"
        r.advance(30)  # the moved one: back to before the first unconfirmed commit
        assert r.hostname() == "r1"
        assert r.domain_name() is None


def test_router_advance_takes_days_hours_minutes_and_refuses_bad_amounts(tmp_path: Path) -> None:
    clock = SimClock(T0, frozen=True)
    with Router.boot(state_dir=tmp_path / "r", clock=clock) as r:
        ran: list[datetime] = []
        r.scheduler.call_at(T0 + timedelta(days=60), lambda: ran.append(clock.now()), name="x")
        r.advance(days=59, hours=23, minutes=59, seconds=59)
        assert ran == []
        r.advance(1)
        assert ran == [T0 + timedelta(days=60)]
        bad_amounts = (
            {"seconds": -1},
            {"days": float("inf")},
            {"hours": "1"},
            {"minutes": 1e300},
            {"days": 5e6},  # past the year 9999
            {"days": 9e8, "hours": 9e8 * 24},
        )
        for bad in bad_amounts:
            with pytest.raises(InvalidInput):
                r.advance(**bad)  # type: ignore[arg-type]
        assert clock.now() == T0 + timedelta(days=60)


def test_router_clock_set_runs_wall_clock_work_but_not_the_confirm_timer(tmp_path: Path) -> None:
    clock = SimClock(T0, frozen=True)
    with Router.boot(state_dir=tmp_path / "r", hostname="r1", clock=clock) as r:
        ran: list[datetime] = []
        r.scheduler.call_at(T0 + timedelta(days=30), lambda: ran.append(clock.now()), name="x")
        configure_lines(r.session(), "hostname temp", "commit confirmed 30")
        r.clock.set(T0 + timedelta(days=365))
        assert ran == [T0 + timedelta(days=30)]
        assert r.hostname() == "temp"  # relative: clock set does not bring it closer
        r.clock.set(T0 - timedelta(days=365))
        r.advance(30)
        assert r.hostname() == "r1"


@pytest.mark.timeout(120)
def test_commit_confirmed_rolls_back_in_real_time(tmp_path: Path) -> None:
    """On a clock that follows real time, nobody advancing: the shortest ``commit confirmed``
    IOS XR takes (30 s) rolls back by itself."""
    with Router.boot(state_dir=tmp_path / "r", hostname="r1") as r:
        configure_lines(r.session(), "hostname temp", "commit confirmed 30")
        assert r.hostname() == "temp"
        after = threading.Event()
        # registered after the rollback, due no earlier: runs after it
        r.scheduler.call_later(30, after.set, name="after the rollback")
        assert after.wait(90)
        assert r.hostname() == "r1"
        assert r.datastore.commits[-1].client == "Rollback"


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
            assert (r.chassis.state_dir / "state.db").stat().st_mode & 0o777 == 0o600
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
    # The router that was there is untouched and boots as it was; the routers the batch
    # opened were shut down (a held state directory would refuse a second boot).
    with Router.boot(state_dir=tmp_path / "r2") as r:
        assert r.chassis.platform.pid == "ASR-9006"
    for name in ("r1", "r3"):
        if (tmp_path / name).exists():
            Router.boot(state_dir=tmp_path / name).shutdown()


def test_boot_many_nodes_boots_each_as_boot_would(tmp_path: Path) -> None:
    """Heterogeneous nodes: each its own platform, hostname, release and serial; the host key
    only where the release makes one at boot; ``progress`` sees every open."""
    specs = [
        BootSpec(tmp_path / "pe1", "ASR-9006", "pe1", "7.3.2", "FOC2222PE01"),
        BootSpec(tmp_path / "old", "NCS-55A1-24H", "old-1", "6.6.3"),
        BootSpec(tmp_path / "dflt"),
    ]
    seen: list[tuple[int, int]] = []
    routers = Router.boot_many(nodes=specs, progress=lambda done, total: seen.append((done, total)))
    try:
        assert seen == [(1, 3), (2, 3), (3, 3)]
        assert [r.hostname() for r in routers] == ["pe1", "old-1", "router"]
        assert [r.chassis.state_dir for r in routers] == [s.state_dir for s in specs]
        assert routers[0].chassis.platform.pid == "ASR-9006"
        assert str(routers[0].chassis.release) == "7.3.2"
        assert routers[0].chassis.serial == "FOC2222PE01"
        assert "FOC2222PE01" in routers[0].cli("show license udi")
        assert routers[1].chassis.platform.pid == "NCS-55A1-24H"
        assert str(routers[1].chassis.release) == "6.6.3"
        assert [r.keys.has("rsa", "the_default") for r in routers] == [True, False, True]
        keys = [_host_key_der(routers[0]), _host_key_der(routers[2])]
        assert keys[0] != keys[1]
    finally:
        for r in routers:
            r.shutdown()
    # Booted again with a hostname: as ``boot`` does, the stored one is replaced; keys kept.
    again = Router.boot_many(nodes=[BootSpec(tmp_path / "pe1", hostname="pe1-new")])
    try:
        assert again[0].hostname() == "pe1-new"
        assert _host_key_der(again[0]) == keys[0]
        assert again[0].chassis.serial == "FOC2222PE01"
    finally:
        again[0].shutdown()


def test_boot_many_nodes_binds_vrfs_and_links(tmp_path: Path) -> None:
    with scratch_netns("bootmany") as netns:
        routers = Router.boot_many(
            nodes=[
                BootSpec(
                    tmp_path / "a",
                    hostname="a",
                    vrfs={"mgmt": netns},
                    links={"MgmtEth0/RP0/CPU0/0": "veth-a"},
                ),
                BootSpec(tmp_path / "b", hostname="b"),
            ]
        )
        try:
            assert routers[0].vrfs.bindings == {"mgmt": netns}
            assert routers[0].vrfs.interface_links == {"MgmtEth0/RP0/CPU0/0": "veth-a"}
            assert routers[1].vrfs.bindings == {}
        finally:
            for r in routers:
                r.shutdown()


def test_boot_many_nodes_a_failed_binding_shuts_every_router_down(tmp_path: Path) -> None:
    missing = f"xrsim-missing-{os.getpid()}"
    specs = [
        BootSpec(tmp_path / "a", hostname="a"),
        BootSpec(tmp_path / "b", hostname="b", vrfs={"mgmt": missing}),
    ]
    with pytest.raises(VrfError, match="does not exist"):
        Router.boot_many(nodes=specs)
    for name in ("a", "b"):  # let go: each boots again
        Router.boot(state_dir=tmp_path / name).shutdown()


def test_boot_many_nodes_refuses_bad_input_and_creates_nothing(tmp_path: Path) -> None:
    good = BootSpec(tmp_path / "a", hostname="a")
    for nodes in (
        [good, BootSpec(tmp_path / "b", hostname="bad name")],
        [good, BootSpec(tmp_path / "b", hostname="")],
        [good, BootSpec(tmp_path / "x" / ".." / "a", hostname="b")],  # the same directory
        [good, "r2"],
    ):
        with pytest.raises(InvalidInput):
            Router.boot_many(nodes=nodes)  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        Router.boot_many(2, nodes=[good])
    with pytest.raises(InvalidInput):
        Router.boot_many(state_root=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == []
    assert Router.boot_many(nodes=[]) == []

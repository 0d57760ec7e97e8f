"""Upgrade safety: a state directory written by the xrsim of commit 6098c87 (format 1:
``chassis.json`` and JSON/PEM files under each RP's ``misc/config/xrsim/``, made by
``tests/data/make_state_v1.py``) boots on the current code with the same running
configuration, commit list, rollback history, keys and certificates, shown byte for byte as
that xrsim showed them; its old files (private keys included) are gone afterwards; and a crash
at any step of the migration leaves a directory that still boots to the same state."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xrsim.chassis.store import FAULT_ENV, FAULT_EXIT, FORMAT_VERSION, StateStore
from xrsim.clock import SimClock
from xrsim.errors import StateError
from xrsim.integrity.packages import PACKAGES_ROOT
from xrsim.router import Router

DATA = Path(__file__).resolve().parents[1] / "data"
STATE_V1 = DATA / "state-v1"
EXPECTED = DATA / "state-v1-expected"
#: The time the data's outputs were shown at (make_state_v1.SHOW_TIME).
SHOW_TIME = datetime(2024, 3, 1, 12, 9, tzinfo=UTC)

SHOWS = {
    "running-config.txt": "show running-config",
    "commit-list.txt": "show configuration commit list",
    "mypubkey-rsa.txt": "show crypto key mypubkey rsa",
    "mypubkey-ecdsa.txt": "show crypto key mypubkey ecdsa",
    "mypubkey-ed25519.txt": "show crypto key mypubkey ed25519",
    "authentication-rsa.txt": "show crypto key authentication rsa",
    "ca-certificates.txt": "show crypto ca certificates",
}
AFTER_ROLLBACK = {
    "after-rollback-running-config.txt": "show running-config",
    "after-rollback-commit-list.txt": "show configuration commit list",
}


@pytest.fixture(autouse=True)
def _vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))


@pytest.fixture
def state(tmp_path: Path) -> Path:
    target = tmp_path / "state"
    shutil.copytree(STATE_V1, target)
    return target


def boot(state: Path) -> Router:
    return Router.boot(None, state, clock=SimClock(SHOW_TIME, frozen=True))


def assert_shows(router: Router, shows: dict[str, str]) -> None:
    for name, command in shows.items():
        assert router.cli(command) == (EXPECTED / name).read_text(), name


def assert_no_format_1_files(state: Path) -> None:
    assert not (state / "chassis.json").exists()
    nodes = state / "nodes"
    # The software packages' files on each node (format 4) are not the router's state.
    packages = [n / PACKAGES_ROOT.lstrip("/") for n in nodes.iterdir()] if nodes.exists() else []
    left = (
        [p for p in nodes.rglob("*") if p.is_file() and not any(d in p.parents for d in packages)]
        if nodes.exists()
        else []
    )
    assert left == []  # no key, certificate or configuration file stays behind
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "state.db").stat().st_mode) == 0o600


def test_the_data_is_format_1() -> None:
    assert (STATE_V1 / "chassis.json").is_file()
    assert not (STATE_V1 / "state.db").exists()
    tree = STATE_V1 / "nodes/0_RP0_CPU0/misc/config/xrsim"
    assert (tree / "config/running.json").is_file()
    assert '"order"' in (tree / "config/running.json").read_text()  # the old tree format
    assert (tree / "pki/lab-self/serial.json").is_file()


def test_a_format_1_directory_boots_with_the_same_state(state: Path) -> None:
    r = boot(state)
    try:
        assert r.chassis.store.opened_format == 1
        assert_shows(r, SHOWS)
        assert r.chassis.serial == "FOC2104R15R"
        assert [e.label for e in r.keys.authentication_keys()] == ["alice-key"]
        assert r.keys.authentication_keys()[0].owner == "alice"
        assert_no_format_1_files(state)
    finally:
        r.shutdown()
    # A second boot reads the store alone, and shows the same again.
    r = boot(state)
    try:
        assert r.chassis.store.opened_format == FORMAT_VERSION
        assert_shows(r, SHOWS)
    finally:
        r.shutdown()


def test_rollback_history_survives_the_upgrade(state: Path) -> None:
    r = boot(state)
    try:
        out = r.cli("rollback configuration last 2")  # undoes the trustpoint and a rollback
        assert "Configuration successfully rolled back 2 commits." in out
        assert_shows(r, AFTER_ROLLBACK)
    finally:
        r.shutdown()
    r = boot(state)
    try:
        assert_shows(r, AFTER_ROLLBACK)
        r.cli("rollback configuration to ssh-limits")  # labels of old commits still work
        assert "hostname upgrade-r1" in r.cli("show running-config hostname")
        assert "crypto ca trustpoint" not in r.cli("show running-config")
    finally:
        r.shutdown()


def test_keys_and_the_trustpoint_ca_keep_working(state: Path) -> None:
    r = boot(state)
    try:
        r.cli("crypto ca enroll lab-self", answers={"yes/no": "no"})
        certs = r.certs.router("lab-self")["general"]
        ca = r.certs.ca("lab-self")
        assert ca is not None
        certs.verify_directly_issued_by(ca)  # signed by the migrated CA key
        assert certs.serial_number == 0x121E  # the migrated serial counter goes on
        out = r.cli("crypto key zeroize rsa uk", answers={"yes/no": "yes"})
        assert "uk" not in r.cli("show crypto key mypubkey rsa"), out
    finally:
        r.shutdown()


CRASHING_BOOT = textwrap.dedent(
    """
    import sys
    from xrsim.router import Router
    Router.boot(None, sys.argv[1])
    raise SystemExit("the crash point was not reached")
    """
)


@pytest.mark.parametrize(
    "point",
    [
        "migrate-before-commit",
        "migrate-after-commit",
        "migrate-cleanup:1",
        "migrate-cleanup:7",
        "migrate-cleanup:17",  # the last file: chassis.json
    ],
)
def test_a_crash_in_the_migration_leaves_a_directory_that_boots_the_same(
    state: Path, point: str
) -> None:
    env = dict(os.environ, **{FAULT_ENV: point})
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_BOOT, str(state)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == FAULT_EXIT, done.stderr
    if point == "migrate-before-commit":  # nothing was committed: still format 1
        assert (state / "chassis.json").is_file()
    r = boot(state)
    try:
        assert_shows(r, SHOWS)
        assert_no_format_1_files(state)
    finally:
        r.shutdown()


def test_migration_leftovers_are_removed_even_without_a_migration(state: Path) -> None:
    """Format 1 files left next to a migrated store (a crash during the cleanup) go at the
    next open, which migrates nothing."""
    Router.boot(None, state).shutdown()
    stray = state / "nodes/0_RP0_CPU0/misc/config/xrsim/keys/rsa/stray.pem"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"-----BEGIN PRIVATE KEY-----\n")
    with StateStore.open(state) as store:
        assert store.opened_format == FORMAT_VERSION
    assert not stray.exists()


def test_damaged_format_1_data_is_a_state_error_and_changes_nothing(state: Path) -> None:
    running = state / "nodes/0_RP0_CPU0/misc/config/xrsim/config/running.json"
    running.write_text('{"next_id": 5}')  # no tree
    with pytest.raises(StateError, match="cannot be migrated"):
        boot(state)
    assert (state / "chassis.json").is_file()  # the old files are all still there
    assert len([p for p in (state / "nodes").rglob("*") if p.is_file()]) == 16

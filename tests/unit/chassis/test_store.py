"""xrsim.chassis.store: the state store's schema and format version, transactions (grouped,
nested, undone whole), what each write keeps, a full database, zeroized keys leaving no
copy in the files, the one-holder lock, modes, and the fault points."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.chassis.store import (
    DB_FILE,
    FAULT_ENV,
    FAULT_EXIT,
    FAULT_POINTS,
    FORMAT_VERSION,
    AuthKeyRow,
    InstallRow,
    KeyRow,
    PackageRow,
    PendingRow,
    StateStore,
    _create,
    _to_3,
    _to_4,
    _to_5,
)
from xrsim.errors import StateError, StorageError

T = "2024-03-01T12:00:00+00:00"
PEM = b"-----BEGIN PRIVATE KEY-----\nSECRET-KEY-MATERIAL-0123456789\n-----END PRIVATE KEY-----\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "s") as s:
        yield s


def reopen(store: StateStore) -> StateStore:
    store.close()
    return StateStore.open(store.directory)


def key(label: str, usage: str = "general", pem: bytes = PEM) -> KeyRow:
    return KeyRow("rsa", label, usage, T, 2048, pem)


def fill_up(store: StateStore) -> None:
    db = store._db
    assert db is not None
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")


def test_a_new_store_has_the_current_format(store: StateStore) -> None:
    assert store.created
    assert store.opened_format == 0
    assert store.snapshot()["meta"] == [("format", str(FORMAT_VERSION))]
    assert store.chassis() is None
    assert store.running() is None
    assert store.commits() == []
    again = reopen(store)
    assert not again.created
    assert again.opened_format == FORMAT_VERSION
    again.close()


def test_commits_are_kept_trimmed_and_reloaded(store: StateStore) -> None:
    for i in range(5):
        record = {
            "id": 100 + i,
            "user": "admin",
            "line": "con0",
            "client": "CLI",
            "time": T,
            "label": f"L{i}" if i % 2 else None,
            "comment": None,
            "changes": [{"op": "set", "path": [["hostname", f"hostname h{i}"]]}],
            "undo": [],
        }
        store.save_config(
            [{"key": "hostname", "line": f"hostname h{i}"}], 101 + i, (T, "admin"), record, keep=3
        )
    again = reopen(store)
    assert [c["id"] for c in again.commits()] == [102, 103, 104]
    assert again.commits()[1]["label"] == "L3"
    assert again.commits()[0]["changes"] == [{"op": "set", "path": [["hostname", "hostname h2"]]}]
    assert again.running() == ([{"key": "hostname", "line": "hostname h4"}], 105, (T, "admin"))
    again.close()


def test_a_group_is_kept_whole_or_not_at_all(store: StateStore) -> None:
    with store.transaction():
        store.put_keys([key("a")])
        store.set_certificate("tp", "ca", b"CA")
        assert store.take_serial("tp", 10) == 10
    assert store.take_serial("tp", 10) == 11
    before = store.snapshot()

    def enroll_half_way() -> None:
        with store.transaction():
            store.put_keys([key("b")])
            store.set_certificate("tp", "general", b"LEAF")
            assert store.take_serial("tp", 10) == 12
            raise RuntimeError("the enrollment failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        enroll_half_way()
    assert store.snapshot() == before
    assert store.take_serial("tp", 10) == 12  # the serial was not used up


def test_a_nested_group_that_fails_undoes_only_itself(store: StateStore) -> None:
    def inner() -> None:
        with store.transaction():
            store.put_keys([key("inner")])
            raise LookupError("inner")

    with store.transaction():
        store.put_keys([key("outer")])
        with pytest.raises(LookupError, match="inner"):
            inner()
        store.put_keys([key("after")])
    assert [r.label for r in reopen(store).private_keys()] == ["outer", "after"]


def test_keys_put_replace_delete(store: StateStore) -> None:
    store.put_keys([key("k", "signing"), key("k", "encryption"), key("other")])
    store.put_keys([key("k", pem=b"NEW")], replace_label=True)
    assert [(r.label, r.usage, r.pem) for r in store.private_keys("rsa")] == [
        ("other", "general", PEM),
        ("k", "general", b"NEW"),
    ]
    assert store.delete_keys("rsa", "k") == 1
    assert store.delete_keys("rsa", "k") == 0
    assert store.private_key("rsa", "k", "general") is None
    assert store.private_keys("ecdsa") == []


def test_authentication_keys_keep_their_import_order(store: StateStore) -> None:
    for label in ("b", "a", "c"):
        store.put_auth_key(AuthKeyRow(label, "rsa", "general", T, 512, "alice", b"PUB"))
    store.put_auth_key(AuthKeyRow("b", "rsa", "signing", T, 1024, None, b"PUB2"))  # replaced
    assert [(r.label, r.usage) for r in store.auth_keys()] == [
        ("a", "general"),
        ("c", "general"),
        ("b", "signing"),
    ]
    assert store.delete_auth_keys("a") == 1
    assert store.delete_auth_keys() == 2
    assert store.auth_keys() == []


def test_certificates_by_trustpoint(store: StateStore) -> None:
    store.set_certificate("tp2", "ca", b"CA2")
    store.set_certificate("tp1", "general", b"G")
    assert store.certificate_trustpoints() == ["tp1", "tp2"]
    assert store.certificate("tp1", "general") == b"G"
    assert store.certificate("tp1", "ca") is None
    assert store.clear_certificates("tp1") == 1
    assert store.certificate_trustpoints() == ["tp2"]


def test_zeroized_key_material_leaves_the_files(store: StateStore) -> None:
    secret = b"ZEROIZE-ME-" + os.urandom(16).hex().encode()
    store.put_keys([key("z", pem=secret)])
    store.delete_keys("rsa", "z")
    for name in (DB_FILE, DB_FILE + "-wal"):
        path = store.directory / name
        assert secret not in (path.read_bytes() if path.exists() else b""), name


def test_a_full_database_raises_storage_error_and_keeps_nothing(store: StateStore) -> None:
    store.put_keys([key("a")])
    before = store.snapshot()
    fill_up(store)
    with pytest.raises(StorageError) as err:
        store.put_keys([key(f"big{i}", pem=os.urandom(4000)) for i in range(20)])
    assert err.value.reason == "no space left on the device"
    assert str(err.value) == "the router's state could not be saved: no space left on the device"
    assert isinstance(err.value, StateError)
    assert store.snapshot() == before
    assert reopen(store).snapshot() == before


def test_one_holder_at_a_time(store: StateStore) -> None:
    with pytest.raises(StateError, match=rf"in use by process {os.getpid()} \(") as err:
        StateStore.open(store.directory)
    assert "shut that router down first" in str(err.value)
    store.put_keys([key("still-mine")])  # the holder is unaffected
    store.close()
    store.close()
    with pytest.raises(StateError, match="closed"):
        store.private_keys()
    with StateStore.open(store.directory) as again:
        assert [r.label for r in again.private_keys()] == ["still-mine"]


def test_a_dropped_store_lets_the_directory_go(tmp_path: Path) -> None:
    StateStore.open(tmp_path / "s").put_keys([key("k")])  # never closed, collected at once
    with StateStore.open(tmp_path / "s") as again:
        assert len(again.private_keys()) == 1


def test_modes_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        with StateStore.open(tmp_path / "s") as s:
            s.put_keys([key("k")])
            for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", "state.lock"):
                assert stat.S_IMODE((tmp_path / "s" / name).stat().st_mode) == 0o600, name
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "s").stat().st_mode) == 0o700


def test_a_store_of_a_newer_format_is_refused(store: StateStore) -> None:
    db = store._db
    assert db is not None
    db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (str(FORMAT_VERSION + 1),))
    store.close()
    with pytest.raises(StateError, match="newer xrsim"):
        StateStore.open(store.directory)


# -- fault points -------------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    from xrsim.chassis.store import KeyRow, StateStore
    store = StateStore.open(sys.argv[1])
    for label in ("one", "two", "three"):
        store.put_keys([KeyRow("rsa", label, "general", "t", 1, b"k")])
    print("done")
    """
)


def run_writer(directory: Path, fault: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WRITER, str(directory)],
        env=dict(os.environ, **{FAULT_ENV: fault}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_fault_points_are_named() -> None:
    assert FAULT_POINTS[:2] == ("before-commit", "after-commit")
    assert {"migrate-before-commit", "migrate-after-commit", "migrate-cleanup"} <= set(FAULT_POINTS)


@pytest.mark.parametrize(
    ("fault", "kept"),
    [
        ("before-commit", []),
        ("before-commit:2", ["one"]),
        ("after-commit:2", ["one", "two"]),
        ("after-commit:3", ["one", "two", "three"]),
    ],
)
def test_an_exit_at_a_fault_point_keeps_the_change_whole_or_not_at_all(
    tmp_path: Path, fault: str, kept: list[str]
) -> None:
    done = run_writer(tmp_path / "s", fault)
    assert done.returncode == FAULT_EXIT, done.stderr
    assert "done" not in done.stdout
    with StateStore.open(tmp_path / "s") as again:  # the dead process's lock went with it
        assert [r.label for r in again.private_keys()] == kept


def test_a_bad_fault_setting_is_refused_loudly(tmp_path: Path) -> None:
    done = run_writer(tmp_path / "s", "before-comit")
    assert done.returncode == 1
    assert FAULT_ENV in done.stderr
    assert "before-commit" in done.stderr  # the message lists the points


# --------------------------------------------------------------------------------------------
# Format 3: RA certificates and pending enrollment requests
# --------------------------------------------------------------------------------------------


def pending(trustpoint: str = "tp", usage: str = "general", left: int = 10) -> PendingRow:
    return PendingRow(
        trustpoint, usage, "scep", "TX1", "rsa", "k", "ab" * 20, "CN=r1", "0A0B0C0D " * 4,
        '{"transaction_id": "TX1"}', T, T, 1, 10, left,
    )  # fmt: skip


def test_format_2_store_migrates_to_the_current_one_keeping_its_certificates(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "s"
    directory.mkdir()
    db = sqlite3.connect(directory / DB_FILE)
    with db:
        _create(db)  # the format 2 schema, as the previous xrsim wrote it
        db.execute("INSERT INTO meta VALUES ('format', '2')")
        db.execute("INSERT INTO certificates VALUES ('tp', 'ca', ?)", (b"CA-PEM",))
        db.execute("INSERT INTO certificates VALUES ('tp', 'general', ?)", (b"LEAF-PEM",))
    db.close()
    with StateStore.open(directory) as store:
        assert store.opened_format == 2
        assert store.snapshot()["meta"] == [("format", str(FORMAT_VERSION))]
        assert store.certificate("tp", "ca") == b"CA-PEM"
        assert store.certificate("tp", "general") == b"LEAF-PEM"
        store.set_certificate("tp", "ra-signer", b"RA-PEM")  # admitted from format 3
        assert store.certificate("tp", "ra-signer") == b"RA-PEM"
        assert store.pending_requests() == []
    with StateStore.open(directory) as again:
        assert again.opened_format == FORMAT_VERSION >= 3


def test_format_3_store_migrates_to_4_with_empty_package_tables(tmp_path: Path) -> None:
    directory = tmp_path / "s"
    directory.mkdir()
    db = sqlite3.connect(directory / DB_FILE)
    with db:
        _create(db)
        _to_3(db, directory)  # the format 3 schema, as the previous xrsim wrote it
        db.execute("INSERT INTO meta VALUES ('format', '3')")
        db.execute("INSERT INTO certificates VALUES ('tp', 'ra-signer', ?)", (b"RA-PEM",))
    db.close()
    with StateStore.open(directory) as store:
        assert store.opened_format == 3
        assert store.certificate("tp", "ra-signer") == b"RA-PEM"
        assert store.packages() == []
        assert store.install_log() == []
        assert store.node_packages() == {}
        row = PackageRow(
            "p-1-r1", "p", "1", "r1", "x86_64", False, "vendor", "/x.rpm", "{}", T, True, False
        )
        store.put_packages([row])
        store.put_node_packages([("0/RP0/CPU0", "p-1-r1")], T)
        store.add_install_record(
            InstallRow(1, "add", "install add", "admin", T, T, "success", "[]", "[]", "[]")
        )
    with StateStore.open(directory) as again:
        assert again.packages() == [row]
        assert again.node_packages() == {"0/RP0/CPU0": {"p-1-r1"}}
        assert [r.id for r in again.install_log()] == [1]
        again.set_package_states([], ["p-1-r1"])
        assert again.packages()[0].active is False
        assert again.packages()[0].committed is True
        assert again.delete_packages(["p-1-r1"]) == 1
        assert again.node_packages() == {}


def test_pending_requests_are_kept_replaced_and_cleared(store: StateStore) -> None:
    store.put_pending(pending())
    store.put_pending(pending(usage="signing"))
    store.put_pending(pending(left=3))  # the same (trustpoint, usage): replaced
    again = reopen(store)
    try:
        assert again.pending_requests("tp") == [pending(left=3), pending(usage="signing")]
        assert again.certificate_trustpoints() == ["tp"]  # a pending request is shown too
        assert again.delete_pending("tp", "signing") == 1
        again.set_certificate("tp", "ca", b"CA")
        assert again.clear_certificates("tp") == 2  # the CA and the pending request
        assert again.pending_requests() == []
        assert again.certificate_trustpoints() == []
    finally:
        again.close()


def test_a_bad_role_or_usage_is_refused(store: StateStore) -> None:
    with pytest.raises(StorageError):
        store.set_certificate("tp", "nonsense", b"X")
    with pytest.raises(StorageError):
        store.put_pending(pending(usage="nonsense"))
    assert store.pending_requests() == []


def test_format_5_store_migrates_to_6_with_an_empty_trustpool(tmp_path: Path) -> None:
    directory = tmp_path / "s"
    directory.mkdir()
    db = sqlite3.connect(directory / DB_FILE)
    with db:
        _create(db)  # the format 5 schema, as the previous xrsim wrote it
        for step in (_to_3, _to_4, _to_5):
            step(db, directory)
        db.execute("INSERT INTO meta VALUES ('format', '5')")
        db.execute("INSERT INTO certificates VALUES ('tp', 'ca', ?)", (b"CA-PEM",))
    db.close()
    with StateStore.open(directory) as store:
        assert store.opened_format == 5
        assert store.snapshot()["meta"] == [("format", str(FORMAT_VERSION))]
        assert store.certificate("tp", "ca") == b"CA-PEM"
        assert store.trustpool() == []
        assert store.trustpool_import() is None
        store.replace_trustpool([b"DER-1", b"DER-2"], source="http://x/ios.p7b", when=T)
    with StateStore.open(directory) as again:
        assert again.opened_format == FORMAT_VERSION == 6
        assert again.trustpool() == [b"DER-1", b"DER-2"]
        assert again.trustpool_import() == ("http://x/ios.p7b", T, 2)
        again.replace_trustpool([b"DER-3"], source=None, when=T)
        assert again.trustpool() == [b"DER-3"]
        assert again.trustpool_import() == (None, T, 1)
        again.replace_trustpool([], source=None, when=T)  # clean
        assert again.trustpool() == []
        assert again.trustpool_import() is None


def test_a_trustpool_that_cannot_be_saved_keeps_the_old_one(store: StateStore) -> None:
    store.replace_trustpool([b"OLD"], source=None, when=T)
    fill_up(store)
    with pytest.raises(StorageError):
        store.replace_trustpool([b"N" * 65536] * 8, source=None, when=T)
    assert store.trustpool() == [b"OLD"]

"""The router never loses acknowledged work, under real faults (issue 9, items 1 and 8).

- A full disk: a small tmpfs this test mounts (as root), filled with a filler file until
  ``ENOSPC``; a commit, a key generation, a zeroize and an enrollment on it fail with an IOS
  XR ``%`` error (``StorageError`` from ``Router.configure``) and change nothing, in memory or
  on disk; once the filler is gone the same commit in the same session succeeds, and a restart
  shows exactly what was acknowledged.
- A read-only filesystem: ``mount -o remount,ro`` of the tmpfs while no router runs (boot
  refuses with ``StateError``); and, while one runs, an ext4 volume on a loop device that the
  kernel turns read-only after an error (``errors=remount-ro``, ``/sys/fs/ext4/DEV/
  trigger_fs_error``). A plain ``remount,ro`` is refused (``EBUSY``) while a process holds a
  file open for writing, which a store with an open database does; the ext4 error path is the
  real fault that makes a live filesystem read-only under open files. Repaired (unmount,
  ``e2fsck``, mount), the router boots with exactly the acknowledged state and the same change
  commits.
- Injected exits: for each point of ``xrsim.chassis.store.FAULT_POINTS`` and each n, a child
  process (``durability_child.py``) makes one change with ``XRSIM_CRASH_AT=point:n`` and must
  exit 86; the state is then exactly as before the change or exactly as after it.
- kill -9 of a real ``xrsim serve`` during a burst of commits over SSH (each commit k sets
  ``domain name dk.example`` and ``exec-timeout k 0`` together, label ``ck``) and during key
  generation: after a restart the running configuration is the one of the last commit in the
  commit list, no acknowledged commit or key is missing, and every key shown can be zeroized.
- Zeroize erases: after ``crypto key zeroize`` no form of the private key (raw seed, hex,
  base64, DER, PEM body) is left in any file under the state directory, WAL and free pages
  included; a typed ``secret``/``password`` is in no file either.

"Exactly" is checked on what the router shows (running configuration, commit list, keys,
certificates; times and key bits normalized where two runs cannot agree) and on what is on
disk: every private key stored under the state directory (files, and the rows of any SQLite
database) is a key the router shows, and the reverse.

Mounting needs root and ``mount``; without them these tests skip, or fail under
``XRSIM_REQUIRE_PEERS=1`` (``support.cannot_mount``, the one place that decides).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes as PrivateKey

import xrsim.errors
from pki_lab import T0, FileServer, p7b, pem, root
from support import cannot_mount, fill, mounted_tmpfs, unmount, xrsim_env
from xrsim.cli import CliSession
from xrsim.crypto import generate_key
from xrsim.errors import StateError
from xrsim.router import Router

#: The typed error of a persist failure (a StateError); a stand-in that nothing raises where
#: the code under test lacks it, so that each test fails on its own check.
StorageError: type[Exception] = getattr(
    xrsim.errors, "StorageError", type("StorageErrorMissing", (Exception,), {})
)

pytestmark = pytest.mark.timeout(120)

CHILD = Path(__file__).with_name("durability_child.py")
LEGACY_STATE = Path(__file__).parents[1] / "data" / "state-v1"
REQUIRE_PEERS_ENV = "XRSIM_REQUIRE_PEERS"
CRASH_ENV = "XRSIM_CRASH_AT"
CRASH_STATUS = 86

COMMIT_FAILED = (
    "% Failed to commit one or more configuration items during a pseudo-atomic operation. "
    "All changes made have been reverted. Please issue 'show configuration failed "
    "[inheritance]' from this session to view the errors"
)
TIMESTAMP = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
KEY_TYPES = ("rsa", "dsa", "ecdsa", "ed25519")
#: What a restart must show unchanged (with the timestamp line removed).
DAY = timedelta(days=1)

SHOWN = (
    "show running-config",
    "show configuration commit list",
    *(f"show crypto key mypubkey {t}" for t in KEY_TYPES),
    "show crypto key authentication rsa all",
    "show crypto ca certificates",
)


@pytest.fixture(autouse=True)
def _vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The simulated vendor CA lives outside every state directory (and every mount)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XRSIM_VENDOR_DIR", str(tmp_path_factory.getbasetemp() / "vendor"))
        mp.delenv(CRASH_ENV, raising=False)
        yield


# --------------------------------------------------------------------------------------------
# What the router shows, and what is on disk
# --------------------------------------------------------------------------------------------


def _yes(prompt: str) -> str:
    return "1024" if "modulus" in prompt else "yes"


def run(session: CliSession, command: str, answers: Callable[[str], str] = _yes) -> str:
    """One command in ``session``, its questions answered; what the router printed."""
    out = session.handle_line(command)
    while session.waiting:
        out += session.handle_line(answers(session.prompt))
    return out


def exec_cli(router: Router, command: str, answers: Callable[[str], str] = _yes) -> str:
    """One exec command in a session of its own."""
    s = router.session(user="admin", line="vty1")
    try:
        return run(s, command, answers)
    finally:
        s.close()


def body(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if not TIMESTAMP.match(ln))


def shown(router: Router) -> dict[str, str]:
    """What the router shows of its persistent state."""
    return {cmd: body(exec_cli(router, cmd)) for cmd in SHOWN}


_TIME = re.compile(r"\d\d:\d\d:\d\d(\.\d+)?")
_DATE = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\w{3}) +\d{1,2}( \d{4})?")
_HEX_LINE = re.compile(r"^\s*(?:[0-9A-F]{8} ?)+$|^\s*[0-9A-F]{40}$", re.M)


def normalized(snapshot: dict[str, str]) -> dict[str, str]:
    """``snapshot`` without what two runs of the same change cannot agree on: times, and the
    bits of keys and certificates made in each run (public key data, fingerprints)."""
    out = {}
    for cmd, text in snapshot.items():
        out[cmd] = _HEX_LINE.sub("  HEX", _DATE.sub("D", _TIME.sub("T", text)))
    return out


def running_item(router: Router, prefix: str) -> list[str]:
    return [
        ln
        for ln in body(exec_cli(router, "show running-config")).splitlines()
        if ln.startswith(prefix)
    ]


def commit_labels(router: Router) -> list[str]:
    """The Label/ID column of ``show configuration commit list``, newest first."""
    rows = body(exec_cli(router, "show configuration commit list")).splitlines()[2:]
    return [row.split()[1] for row in rows if row.strip()]


def shown_public_keys(router: Router) -> set[bytes]:
    """The ``Data`` of every key ``show crypto key mypubkey`` lists (SPKI DER, raw Ed25519)."""
    keys: set[bytes] = set()
    for t in KEY_TYPES:
        text = body(exec_cli(router, f"show crypto key mypubkey {t}"))
        for block in re.split(r"\n(?=Key label:)", text):
            m = re.search(r"Data\s*:\s*\n((?:\s+[0-9A-F ]+\n?)+)", block)
            if m:
                keys.add(bytes.fromhex("".join(m.group(1).split())))
    return keys


def _public_data(key: PrivateKey) -> bytes | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    public = getattr(key, "public_key", None)
    if public is None:
        return None
    data: bytes = public().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


_PEM = re.compile(
    rb"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.S
)
_B64 = re.compile(rb"[A-Za-z0-9+/]{200,}={0,2}")


def _private_keys_in(blob: bytes) -> tuple[dict[bytes, PrivateKey], int]:
    """(the private keys stored in ``blob`` by their public data, count of private key
    material that could not be read). PEM (also JSON-escaped), DER and base64 DER are
    recognised."""
    found: dict[bytes, PrivateKey] = {}
    unreadable = 0
    text = blob.replace(b"\\n", b"\n").replace(b"\\r", b"")
    keys: list[PrivateKey] = []
    for m in _PEM.finditer(text):
        try:
            keys.append(serialization.load_pem_private_key(m.group(0), password=None))
        except (ValueError, TypeError):
            unreadable += 1
    candidates = [blob] if blob[:1] == b"\x30" else []
    candidates += [
        base64.b64decode(m.group(0) + b"=" * (-len(m.group(0)) % 4))
        for m in _B64.finditer(_PEM.sub(b"", text))
    ]
    for der in candidates:
        with contextlib.suppress(ValueError, TypeError):
            keys.append(serialization.load_der_private_key(der, password=None))
    for key in keys:
        data = _public_data(key)
        if data is not None:
            found[data] = key
    return found, unreadable


def _sqlite_values(path: Path) -> Iterator[bytes]:
    """Every value of every table of the SQLite database ``path`` (with its WAL), read from a
    copy so that the router's files are not touched."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "db"
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name("db-wal"))
        con = sqlite3.connect(copy)
        try:
            tables = [
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for table in tables:
                for row in con.execute(f'SELECT * FROM "{table}"'):
                    for value in row:
                        if isinstance(value, bytes):
                            yield value
                        elif isinstance(value, str):
                            yield value.encode()
        finally:
            con.close()


def private_keys_on_disk(state_dir: Path) -> dict[bytes, PrivateKey]:
    """Every private key stored under ``state_dir``, by its public data: in files, and in the
    rows of SQLite databases (their ``-wal``/``-shm`` files are read through the database)."""
    found: dict[bytes, PrivateKey] = {}
    unreadable = 0
    for path in sorted(p for p in state_dir.rglob("*") if p.is_file() and not p.is_symlink()):
        if path.name.endswith(("-wal", "-shm", "-journal")):
            continue
        with path.open("rb") as f:
            head = f.read(16)
        blobs: Iterator[bytes] = (
            _sqlite_values(path) if head == b"SQLite format 3\x00" else iter([path.read_bytes()])
        )
        for blob in blobs:
            keys, bad = _private_keys_in(blob)
            found.update(keys)
            unreadable += bad
    assert unreadable == 0, f"{unreadable} private key(s) under {state_dir} that cannot be read"
    return found


def assert_keys_consistent(router: Router, state_dir: Path) -> None:
    """The keys the router shows are exactly the private keys stored on disk: no key shown
    without its private key, no private key left that the router does not name."""
    assert set(private_keys_on_disk(state_dir)) == shown_public_keys(router)


_PATH = re.compile(r"(?<![\w])/[\w.-]+/")


def assert_refused(out: str, *paths: Path) -> None:
    """An IOS XR error: a ``%`` line saying why, in words, no errno, path or traceback."""
    lines = [ln for ln in body(out).splitlines() if ln.strip()]
    assert any(ln.startswith("%") for ln in lines), out
    assert "Errno" not in out, out
    assert "Traceback" not in out, out
    assert not _PATH.search(out), out
    assert not re.search(r"\.(json|db|sqlite3?|pem|wal)\b", out), out
    for p in paths:
        assert str(p) not in out, out


def assert_commit_refused(out: str, *paths: Path) -> None:
    lines = [ln for ln in body(out).splitlines() if ln.strip()]
    assert COMMIT_FAILED in lines, out
    after = lines[lines.index(COMMIT_FAILED) + 1 :]
    assert after, out
    assert re.match(r"% \w", after[0]), out
    assert_refused(out, *paths)


def restart(router: Router, state_dir: Path) -> Router:
    router.shutdown()
    return Router.boot(state_dir=state_dir)


# --------------------------------------------------------------------------------------------
# Filesystems this test mounts
# --------------------------------------------------------------------------------------------


def _sh(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs mounted on a fresh directory; unmounted at the end, always."""
    with mounted_tmpfs(tmp_path / "mnt", "4m") as point:
        yield point


def write_errno(path: Path, size: int) -> int | None:
    """The errno of writing ``size`` bytes to a new file ``path``; None if it worked."""
    try:
        path.write_bytes(b"x" * size)
    except OSError as e:
        return e.errno
    return None


@dataclass
class Ext4Volume:
    """An ext4 filesystem in an image file, mounted with ``errors=remount-ro``."""

    image: Path
    point: Path

    def mount(self) -> None:
        result = _sh("mount", "-o", "loop,errors=remount-ro", str(self.image), str(self.point))
        if result.returncode != 0:
            cannot_mount(f"mount -o loop failed: {result.stderr.strip()}")

    def fail(self) -> None:
        """A filesystem error: the kernel turns the mounted filesystem read-only (EROFS for
        every write from now on, files open or not)."""
        device = Path(_sh("findmnt", "-no", "SOURCE", str(self.point)).stdout.strip()).name
        (Path("/sys/fs/ext4") / device / "trigger_fs_error").write_text("xrsim durability test\n")
        assert write_errno(self.point / "probe", 1) == errno.EROFS

    def repair(self) -> None:
        """Unmount, check and repair, mount again read-write."""
        unmount(self.point)
        fsck = _sh("e2fsck", "-fy", str(self.image))
        assert fsck.returncode in (0, 1), fsck.stdout + fsck.stderr
        self.mount()


@pytest.fixture
def ext4_volume(tmp_path: Path) -> Iterator[Ext4Volume]:
    """A 32 MiB ext4 volume on a loop device; unmounted at the end, always."""
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("mount", "mkfs.ext4", "e2fsck")):
        cannot_mount("an ext4 loop volume needs root, mount(8), mkfs.ext4 and e2fsck")
    image = tmp_path / "ext4.img"
    with image.open("wb") as f:
        f.truncate(32 << 20)
    made = _sh("mkfs.ext4", "-q", "-F", str(image))
    if made.returncode != 0:
        cannot_mount(f"mkfs.ext4 failed: {made.stderr.strip()}")
    volume = Ext4Volume(image, tmp_path / "ext4")
    volume.point.mkdir()
    volume.mount()
    if not (
        Path("/sys/fs/ext4")
        / Path(_sh("findmnt", "-no", "SOURCE", str(volume.point)).stdout.strip()).name
        / "trigger_fs_error"
    ).exists():
        unmount(volume.point)
        cannot_mount("this kernel has no /sys/fs/ext4/DEV/trigger_fs_error")
    try:
        yield volume
    finally:
        unmount(volume.point)


# --------------------------------------------------------------------------------------------
# A full disk
# --------------------------------------------------------------------------------------------


@pytest.mark.peer  # mount(8)
def test_full_disk_commit_changes_nothing_and_the_same_commit_succeeds_later(
    small_tmpfs: Path,
) -> None:
    state = small_tmpfs / "state"
    router = Router.boot(state_dir=state)
    try:
        router.configure(["domain name before.example"], label="before")
        before = shown(router)
        filler = fill(small_tmpfs)

        s = router.session(user="admin", line="vty0")
        assert run(s, "configure") == ""
        assert run(s, "domain name full.example") == ""
        assert run(s, "line template full") == ""
        assert run(s, "exec-timeout 9 0") == ""
        out = run(s, "commit label full")
        assert_commit_refused(out, small_tmpfs)
        assert shown(router) == before  # nothing changed in memory
        # The session's changes are still pending...
        assert "domain name full.example" in run(s, "show configuration")
        # ...and the Python API raises the typed error, changing nothing either.
        with pytest.raises(StorageError) as api:
            router.configure(["domain name api.example"])
        assert isinstance(api.value, StateError)
        assert shown(router) == before

        filler.unlink()
        out = run(s, "commit label full")
        assert "%" not in body(out), out
        assert running_item(router, "domain name") == ["domain name full.example"]
        assert commit_labels(router)[:2] == ["full", "before"]
        assert run(s, "end") == ""
        s.close()
        after = shown(router)

        router = restart(router, state)
        assert shown(router) == after
    finally:
        router.shutdown()


@pytest.mark.peer  # mount(8)
def test_full_disk_key_generation_zeroize_and_enrollment(small_tmpfs: Path) -> None:
    state = small_tmpfs / "state"
    router = Router.boot(state_dir=state)
    try:
        exec_cli(router, "crypto key generate rsa tp-root")
        exec_cli(router, "crypto key generate rsa tp-leaf")
        router.configure(
            [
                "crypto ca trustpoint tp",
                "enrollment url self",
                "ca-keypair rsa tp-root",
                "keypair rsa tp-leaf",
                "serial-number none",
                "ip-address none",
            ]
        )
        before = shown(router)
        filler = fill(small_tmpfs)

        # Key generation: refused, no key in memory, none on disk.
        out = exec_cli(router, "crypto key generate ecdsa nistp256 kfull")
        assert_refused(out, small_tmpfs)
        assert "kfull" not in exec_cli(router, "show crypto key mypubkey ecdsa")
        with pytest.raises(StorageError):  # the Python API: the typed error
            router.keys.put("rsa", "kapi", generate_key("rsa", bits=1024))
        assert shown(router) == before
        # Authenticating the self CA: refused, no certificate.
        out = exec_cli(router, "crypto ca authenticate tp")
        assert_refused(out, small_tmpfs)
        assert shown(router) == before
        filler.unlink()
        assert_keys_consistent(router, state)

        assert "[OK]" in exec_cli(router, "crypto key generate ecdsa nistp256 kfull")
        exec_cli(router, "crypto ca authenticate tp")
        assert "CA certificate" in exec_cli(router, "show crypto ca certificates tp")
        with_key = shown(router)
        router = restart(router, state)
        assert shown(router) == with_key
        assert_keys_consistent(router, state)

        # Enrollment and zeroize on a full disk.
        filler = fill(small_tmpfs)
        out = exec_cli(router, "crypto ca enroll tp")
        assert_refused(out, small_tmpfs)
        assert shown(router) == with_key
        out = exec_cli(router, "crypto key zeroize ecdsa kfull")
        assert_refused(out, small_tmpfs)
        assert shown(router) == with_key  # the key is still there, and usable
        filler.unlink()
        assert_keys_consistent(router, state)

        exec_cli(router, "crypto ca enroll tp")
        assert "Router certificate" in exec_cli(router, "show crypto ca certificates tp")
        exec_cli(router, "crypto key zeroize ecdsa kfull")
        assert "kfull" not in exec_cli(router, "show crypto key mypubkey ecdsa")
        done = shown(router)
        router = restart(router, state)
        assert shown(router) == done
        assert_keys_consistent(router, state)
    finally:
        router.shutdown()


@pytest.mark.peer  # mount(8)
def test_full_disk_trustpool_import_and_clean(small_tmpfs: Path, tmp_path: Path) -> None:
    """``crypto ca trustpool import url`` from a real HTTP server and ``import url clean`` on
    a full disk: a ``%`` line in words, the pool as it was (in memory and after a restart);
    the same commands work once there is room."""
    state = small_tmpfs / "state"
    first = [root(f"Kept Root {n}", not_after=T0 + 900 * DAY) for n in range(2)]
    big = [root(f"Big Root {n}", not_after=T0 + 800 * DAY) for n in range(60)]
    router = Router.boot(state_dir=state)
    try:
        with FileServer({"/first.p7b": p7b(first, tmp_path), "/big-bundle": pem(big)}) as http:
            assert "succeeded: 2 CA" in exec_cli(
                router, f"crypto ca trustpool import url {http.url('/first.p7b')}"
            )
            pool = body(exec_cli(router, "show crypto ca trustpool"))
            filler = fill(small_tmpfs)
            for command in (
                f"crypto ca trustpool import url {http.url('/big-bundle')}",
                "crypto ca trustpool import url clean",
            ):
                out = exec_cli(router, command)
                assert_refused(out, small_tmpfs)
                assert "no space left on the device" in out, out
                assert body(exec_cli(router, "show crypto ca trustpool")) == pool
                assert router.trustpool.downloaded() == first
            filler.unlink()
            router = restart(router, state)
            assert body(exec_cli(router, "show crypto ca trustpool")) == pool

            out = exec_cli(router, f"crypto ca trustpool import url {http.url('/big-bundle')}")
            assert "succeeded: 60 CA" in out, out
        router = restart(router, state)
        assert router.trustpool.downloaded() == big
        assert body(exec_cli(router, "crypto ca trustpool import url clean")) == ""
        assert router.trustpool.downloaded() == []
    finally:
        router.shutdown()


# --------------------------------------------------------------------------------------------
# A read-only filesystem
# --------------------------------------------------------------------------------------------


@pytest.mark.peer  # mount(8)
def test_boot_on_a_read_only_remount_is_refused_then_works_read_write(
    small_tmpfs: Path,
) -> None:
    state = small_tmpfs / "state"
    router = Router.boot(state_dir=state)
    router.configure(["domain name before.example"], label="before")
    before = shown(router)
    router.shutdown()

    remount = _sh("mount", "-o", "remount,ro", str(small_tmpfs))
    assert remount.returncode == 0, remount.stderr
    with pytest.raises(StateError):
        Router.boot(state_dir=state)
    # The command line says so in one line, without a traceback.
    serve = subprocess.run(
        [sys.executable, "-m", "xrsim.frontends.main", "serve", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        env=xrsim_env(),
        check=False,
    )
    assert serve.returncode == 2, serve.stdout + serve.stderr
    assert "Traceback" not in serve.stderr, serve.stderr
    assert "Errno" not in serve.stderr, serve.stderr

    remount = _sh("mount", "-o", "remount,rw", str(small_tmpfs))
    assert remount.returncode == 0, remount.stderr
    router = Router.boot(state_dir=state)
    try:
        assert shown(router) == before
    finally:
        router.shutdown()


@pytest.mark.peer  # mount(8)
def test_filesystem_turning_read_only_under_a_running_router(ext4_volume: Ext4Volume) -> None:
    state = ext4_volume.point / "state"
    router = Router.boot(state_dir=state)
    try:
        for name in ("tp-root", "tp-leaf"):
            exec_cli(router, f"crypto key generate rsa {name}")
        exec_cli(router, "crypto key generate ecdsa nistp256 zkey")
        router.configure(
            [
                "domain name before.example",
                "crypto ca trustpoint tp",
                "enrollment url self",
                "ca-keypair rsa tp-root",
                "keypair rsa tp-leaf",
                "serial-number none",
                "ip-address none",
            ],
            label="before",
        )
        exec_cli(router, "crypto ca authenticate tp")
        exec_cli(router, "crypto ca enroll tp")
        before = shown(router)
        assert "Router certificate" in before["show crypto ca certificates"]

        ext4_volume.fail()
        s = router.session(user="admin", line="vty0")
        run(s, "configure")
        run(s, "domain name readonly.example")
        assert_commit_refused(run(s, "commit"), ext4_volume.point)
        assert "domain name readonly.example" in run(s, "show configuration")
        with pytest.raises(StorageError):
            router.configure(["domain name api.example"])
        assert_refused(exec_cli(router, "crypto key generate ecdsa nistp256 kro"))
        assert_refused(exec_cli(router, "crypto key zeroize ecdsa zkey"))
        assert_refused(exec_cli(router, "clear crypto ca certificates tp"))
        assert shown(router) == before
        s.close()
        router.shutdown()

        ext4_volume.repair()
        router = Router.boot(state_dir=state)
        assert shown(router) == before
        assert_keys_consistent(router, state)
        router.configure(["domain name readonly.example"])
        exec_cli(router, "crypto key zeroize ecdsa zkey")
        exec_cli(router, "clear crypto ca certificates tp")
        after = shown(router)
        assert "zkey" not in after["show crypto key mypubkey ecdsa"]
        assert "Router certificate" not in after["show crypto ca certificates"]
        router = restart(router, state)
        assert shown(router) == after
        assert_keys_consistent(router, state)
    finally:
        router.shutdown()


# --------------------------------------------------------------------------------------------
# Zeroize erases; a secret is never stored
# --------------------------------------------------------------------------------------------


def _traces(key: ed25519.Ed25519PrivateKey) -> list[bytes]:
    """The forms an Ed25519 private key can be stored in: the raw seed, in hex and base64,
    PKCS#8 DER, and the body of its PEM."""
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return [
        seed,
        seed.hex().encode(),
        seed.hex().upper().encode(),
        base64.b64encode(seed).rstrip(b"="),
        der,
        b"".join(pem.splitlines()[1:-1]),
    ]


def files_holding(state_dir: Path, needles: list[bytes]) -> list[str]:
    """The files under ``state_dir`` whose bytes (all of them: free pages, journals and WAL
    included) hold one of ``needles``."""
    return [
        str(p.relative_to(state_dir))
        for p in sorted(state_dir.rglob("*"))
        if p.is_file() and not p.is_symlink() and any(n in p.read_bytes() for n in needles)
    ]


def test_zeroize_leaves_no_copy_of_the_private_key_on_disk(tmp_path: Path) -> None:
    state = tmp_path / "state"
    router = Router.boot(state_dir=state)
    try:
        exec_cli(router, "crypto key generate ed25519 erase-me")
        listing = body(exec_cli(router, "show crypto key mypubkey ed25519 erase-me"))
        (public,) = {p for p in shown_public_keys(router) if len(p) == 32}  # raw Ed25519
        key = private_keys_on_disk(state)[public]
        assert isinstance(key, ed25519.Ed25519PrivateKey), listing
        traces = _traces(key)
        assert files_holding(state, traces)  # the scan finds the key while it is there
        exec_cli(router, "crypto key zeroize ed25519 erase-me")
        assert "erase-me" not in exec_cli(router, "show crypto key mypubkey ed25519")
        assert files_holding(state, traces) == []
    finally:
        router.shutdown()
    assert files_holding(state, traces) == []


def test_a_typed_secret_is_stored_nowhere(tmp_path: Path) -> None:
    state = tmp_path / "state"
    secret = "Clear-Text-Never-Stored-77"
    router = Router.boot(state_dir=state)
    try:
        router.configure(["username carol", f"secret {secret}", "group root-lr"])
        router.configure(["username dave", f"password {secret}x"])
        router.cli("rollback configuration last 1")
        assert "username carol" in router.cli("show running-config")
    finally:
        router.shutdown()
    assert files_holding(state, [secret.encode(), secret.encode().hex().encode()]) == []


# --------------------------------------------------------------------------------------------
# Injected exits between writes
# --------------------------------------------------------------------------------------------


def _fault_points() -> tuple[str, ...]:
    try:
        from xrsim.chassis.store import FAULT_POINTS
    except ImportError:
        return ("<xrsim.chassis.store.FAULT_POINTS is missing>",)
    return tuple(FAULT_POINTS)


FAULT_POINTS = _fault_points()
ACTIONS = ("commit", "keygen", "zeroize", "enroll", "clear", "migrate")
#: Crashes tried per (point, action): the n-th reach of the point for n = 1, 2, ... (the
#: format-1 migration reaches its cleanup point once per file it removes).
MAX_REACHES = 64


def _baseline(directory: Path) -> None:
    """The state every action starts from: a commit, keys, two self-CA trustpoints (tp1
    authenticated, tp2 enrolled) and the ECDSA key ``zkey``."""
    router = Router.boot(state_dir=directory)
    try:
        for tp in ("tp1", "tp2"):
            exec_cli(router, f"crypto key generate rsa {tp}-root")
            exec_cli(router, f"crypto key generate rsa {tp}-leaf")
            router.configure(
                [
                    f"crypto ca trustpoint {tp}",
                    "enrollment url self",
                    f"ca-keypair rsa {tp}-root",
                    f"keypair rsa {tp}-leaf",
                    "serial-number none",
                    "ip-address none",
                ]
            )
            exec_cli(router, f"crypto ca authenticate {tp}")
        exec_cli(router, "crypto ca enroll tp2")
        exec_cli(router, "crypto key generate ecdsa nistp256 zkey")
        router.configure(["domain name before.example"], label="before")
    finally:
        router.shutdown()


def _run_child(state: Path, action: str, crash_at: str | None) -> subprocess.CompletedProcess[str]:
    env = xrsim_env(**({CRASH_ENV: crash_at} if crash_at else {}))
    return subprocess.run(
        [sys.executable, str(CHILD), str(state), "boot" if action == "migrate" else action],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


@dataclass
class CrashCase:
    start: Path  # the state directory every run copies
    before: dict[str, str]  # normalized
    after: dict[str, str]  # normalized


@pytest.fixture(scope="module")
def crash_cases(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], CrashCase]:
    """For an action: its start directory and the states before and after it (normalized)."""
    base = tmp_path_factory.mktemp("crash")
    cache: dict[str, CrashCase] = {}

    def get(action: str) -> CrashCase:
        if action in cache:
            return cache[action]
        start = base / f"{action}-start"
        if action == "migrate":
            if not LEGACY_STATE.is_dir():
                pytest.fail(f"no format-1 state directory at {LEGACY_STATE}")
            shutil.copytree(LEGACY_STATE, start)
        elif "baseline" in cache:
            shutil.copytree(cache["baseline"].start, start)
        else:
            _baseline(start)
            cache["baseline"] = CrashCase(start, {}, {})
        done = base / f"{action}-done"
        shutil.copytree(start, done)
        result = _run_child(done, action, None)
        assert result.returncode == 0, result.stdout + result.stderr
        router = Router.boot(state_dir=done)
        try:
            after = normalized(shown(router))
        finally:
            router.shutdown()
        if action == "migrate":
            before = after  # a format-1 directory is only seen through a migration
        else:
            probe = base / f"{action}-probe"
            shutil.copytree(start, probe)
            router = Router.boot(state_dir=probe)
            try:
                before = normalized(shown(router))
            finally:
                router.shutdown()
        assert action == "migrate" or before != after, f"{action} changes nothing shown"
        cache[action] = CrashCase(start, before, after)
        return cache[action]

    return get


def _recovered(state: Path, case: CrashCase, label: str) -> str:
    """Boot ``state`` after a run and check it; ``"before"`` or ``"after"``."""
    router = Router.boot(state_dir=state)
    try:
        now = normalized(shown(router))
        assert now in (case.before, case.after), (
            f"{label}: a state that is neither before nor after"
        )
        assert_keys_consistent(router, state)
        which = "after" if now == case.after else "before"
        # Whatever key is shown can be zeroized, and is then gone from the disk too.
        for label_ in ("zkey", "crash-key"):
            for t in ("ecdsa", "rsa"):
                if f"Key label: {label_}\n" in exec_cli(router, f"show crypto key mypubkey {t}"):
                    exec_cli(router, f"crypto key zeroize {t} {label_}")
        router = restart(router, state)
        assert_keys_consistent(router, state)
        return which
    finally:
        router.shutdown()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("point", FAULT_POINTS)
def test_injected_exit_leaves_the_state_before_or_after(
    point: str, action: str, crash_cases: Callable[[str], CrashCase], tmp_path: Path
) -> None:
    assert not point.startswith("<"), point
    case = crash_cases(action)
    crashes = 0
    for n in range(1, MAX_REACHES + 1):
        state = tmp_path / f"run-{n}"
        shutil.copytree(case.start, state)
        result = _run_child(state, action, f"{point}:{n}")
        if result.returncode == 0:  # the point is reached fewer than n times
            assert _recovered(state, case, f"{point}:{n} not reached") == "after"
            break
        assert result.returncode == CRASH_STATUS, result.stdout + result.stderr
        crashes += 1
        _recovered(state, case, f"{action}, exit at {point}:{n}")
        shutil.rmtree(state)
    else:
        pytest.fail(f"{point} was reached more than {MAX_REACHES} times by {action}")
    if point in ("before-commit", "after-commit") and action != "migrate":
        assert crashes >= 1, f"{action} never reached {point}"
    if "migrat" in point and action == "migrate":
        assert crashes >= 1, f"migrating a format-1 directory never reached {point}"


# --------------------------------------------------------------------------------------------
# kill -9 of xrsim serve
# --------------------------------------------------------------------------------------------

PROMPT = re.compile(r"RP/0/RP0/CPU0:router(?:\([\w-]+\))?#")


class Shell:
    """An interactive SSH shell (paramiko), one line at a time."""

    def __init__(self, port: int) -> None:
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(
            "127.0.0.1",
            port=port,
            username="admin",
            password="admin",
            look_for_keys=False,
            allow_agent=False,
            timeout=20,
        )
        self.channel = self.client.invoke_shell(width=200, height=50)
        self.channel.settimeout(20)
        self.buffer = ""
        self.read_until(PROMPT)

    def read_until(self, pattern: re.Pattern[str]) -> str:
        while True:
            m = pattern.search(self.buffer)
            if m:
                out, self.buffer = self.buffer[: m.start()], self.buffer[m.end() :]
                return out
            data = self.channel.recv(65536)
            if not data:
                raise EOFError("the router closed the connection")
            self.buffer += data.decode(errors="replace")

    def line(self, text: str, until: re.Pattern[str] = PROMPT) -> str:
        self.channel.send((text + "\r").encode())
        return self.read_until(until)

    def close(self) -> None:
        self.client.close()


@contextlib.contextmanager
def serve(state: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A real ``xrsim serve`` on ``state``: the process and its SSH port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "xrsim.frontends.main", "serve", "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=xrsim_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"listening on 127\.0\.0\.1 port (\d+)", line)
        assert m, line + (proc.stderr.read() if proc.stderr and proc.poll() is not None else "")
        yield proc, int(m.group(1))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _kill_after(proc: subprocess.Popen[str], delay: float) -> threading.Thread:
    def kill() -> None:
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)

    t = threading.Thread(target=kill, daemon=True)
    t.start()
    return t


#: Commits ``show configuration commit list`` keeps (IOS XR's 100 rollback points).
COMMIT_HISTORY = 100
#: Seconds from the first acknowledged commit (or key) of a run to its kill: one run of
#: ``xrsim serve`` per delay, on the same state directory, each checked after a restart.
KILL_DELAYS = (0.0, 0.1, 0.25, 0.5, 1.0)


def _commit_burst(state: Path, first: int, delay: float) -> tuple[int, int]:
    """Commit k = first, first + 1, ... over SSH until ``xrsim serve`` is killed ``delay``
    seconds after the first acknowledged one; (last acknowledged k, last attempted k)."""
    attempted = acknowledged = first - 1
    with serve(state) as (proc, port):
        shell = Shell(port)
        try:
            shell.line("configure")
            for k in range(first, first + 100_000):
                attempted = k
                shell.line(f"domain name d{k}.example")
                shell.line("line template burst")
                shell.line(f"exec-timeout {k} 0")
                out = shell.line(f"commit label c{k}")
                assert "%" not in out, out
                acknowledged = k
                if k == first:
                    _kill_after(proc, delay)
        except (EOFError, OSError, paramiko.SSHException):
            pass
        finally:
            shell.close()
        assert proc.wait(timeout=30) == -signal.SIGKILL
    assert acknowledged >= first
    return acknowledged, attempted


def _check_commits(state: Path, acknowledged: int, attempted: int) -> int:
    """Boot ``state`` after a kill and check it; the number of its last commit."""
    router = Router.boot(state_dir=state)
    try:
        labels = commit_labels(router)
        burst = [x for x in labels if x.startswith("c")]
        last = int(burst[0][1:])
        # No acknowledged commit is lost; at most the one in flight is added.
        assert acknowledged <= last <= attempted
        # Each commit once, none missing (the list keeps the newest COMMIT_HISTORY).
        assert burst == [f"c{k}" for k in range(last, last - len(burst), -1)]
        assert burst[-1] == "c1" or len(labels) == COMMIT_HISTORY
        assert len(labels) == len(set(labels))
        # The running configuration is the one of the last commit in the list, whole.
        assert running_item(router, "domain name") == [f"domain name d{last}.example"]
        config = body(exec_cli(router, "show running-config line template burst"))
        assert f" exec-timeout {last} 0" in config.splitlines(), config
        assert_keys_consistent(router, state)
        router = restart(router, state)
        assert commit_labels(router) == labels
        return last
    finally:
        router.shutdown()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("round_", range(2))
def test_kill_9_during_a_burst_of_commits(round_: int, tmp_path: Path) -> None:
    state = tmp_path / "state"
    last = 0
    for delay in KILL_DELAYS:
        acknowledged, attempted = _commit_burst(state, last + 1, delay)
        last = _check_commits(state, acknowledged, attempted)


def _key_burst(state: Path, first: int, delay: float) -> tuple[list[str], list[str]]:
    """Generate RSA keys kg<first>, ... over SSH until ``xrsim serve`` is killed ``delay``
    seconds after the first acknowledged one; (acknowledged labels, attempted labels)."""
    acknowledged: list[str] = []
    attempted: list[str] = []
    bits = re.compile(r"How many bits in the modulus \[\d+\]: ")
    with serve(state) as (proc, port):
        shell = Shell(port)
        try:
            for k in range(first, first + 100_000):
                label = f"kg{k}"
                attempted.append(label)
                shell.line(f"crypto key generate rsa {label}", until=bits)
                out = shell.line("1024")
                assert "[OK]" in out, out
                acknowledged.append(label)
                if k == first:
                    _kill_after(proc, delay)
        except (EOFError, OSError, paramiko.SSHException):
            pass
        finally:
            shell.close()
        assert proc.wait(timeout=30) == -signal.SIGKILL
    assert acknowledged
    return acknowledged, attempted


def _rsa_labels(router: Router) -> list[str]:
    listing = body(exec_cli(router, "show crypto key mypubkey rsa"))
    return re.findall(r"^Key label: (\S+)$", listing, re.M)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("round_", range(2))
def test_kill_9_during_key_generation(round_: int, tmp_path: Path) -> None:
    state = tmp_path / "state"
    acknowledged: list[str] = []
    attempted: list[str] = []
    for delay in KILL_DELAYS:
        acked, tried = _key_burst(state, len(attempted) + 1, delay)
        acknowledged += acked
        attempted += tried
        router = Router.boot(state_dir=state)
        try:
            generated = [x for x in _rsa_labels(router) if x.startswith("kg")]
            assert set(acknowledged) <= set(generated) <= set(attempted)
            assert_keys_consistent(router, state)
            # The key in flight, if it was kept, can be zeroized like any other.
            for label in set(generated) - set(acknowledged):
                exec_cli(router, f"crypto key zeroize rsa {label}")
            assert set(_rsa_labels(router)) == {"the_default", *acknowledged}
            assert_keys_consistent(router, state)
        finally:
            router.shutdown()

    router = Router.boot(state_dir=state)
    try:
        # Every key shown can be zeroized, and is then gone, from memory and from disk.
        for label in acknowledged:
            out = exec_cli(router, f"crypto key zeroize rsa {label}")
            assert "%" not in body(out).replace("% Keys to be removed", ""), out
        assert _rsa_labels(router) == ["the_default"]
        assert_keys_consistent(router, state)
        router = restart(router, state)
        assert_keys_consistent(router, state)
        assert len(shown_public_keys(router)) == 1
    finally:
        router.shutdown()

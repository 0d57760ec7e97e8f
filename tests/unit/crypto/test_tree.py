"""xrsim.crypto.tree: fingerprints of given records and scans of real trees on disk, each
checked against an independent hashlib computation (os.walk, lstat, sha256, the sorted records,
sha1)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xrsim.crypto import tree
from xrsim.errors import FileAccessError, InvalidInput

PREFIX = "/opt/cisco/XR/packages/xr-core-7.3.1-r1"


def _expected_files(root: Path, prefix: str) -> dict[bytes, str]:
    """{node path bytes: sha256 hex} of the regular files under prefix, computed in Python
    (symlinks, whatever they point at, are left out)."""
    base = os.fsencode(root) + os.fsencode(prefix)
    out: dict[bytes, str] = {}
    for dirpath, _dirs, names in os.walk(base):
        for name in names:
            path = os.path.join(dirpath, name)
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            with open(path, "rb") as f:
                out[os.fsencode(prefix) + path[len(base) :]] = hashlib.sha256(f.read()).hexdigest()
    return out


def _expected_fingerprint(files: dict[bytes, str]) -> str:
    records = b"".join(p + b"\0" + d.encode() + b"\n" for p, d in sorted(files.items()))
    return hashlib.sha1(records).hexdigest()


def _check(root: Path, prefix: str = PREFIX) -> tree.TreeScan:
    scan = tree.scan(root, prefix)
    want = _expected_files(root, prefix)
    assert {os.fsencode(p): d for p, d in scan.files.items()} == want
    assert scan.fingerprint == _expected_fingerprint(want)
    assert scan.prefix == prefix
    return scan


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    """A package tree: nested directories, an empty file, one file spanning several 1 MiB
    read chunks, names with spaces and non-ASCII letters."""
    base = tmp_path / PREFIX.lstrip("/")
    (base / "bin").mkdir(parents=True)
    (base / "lib" / "deep" / "er").mkdir(parents=True)
    (base / "etc").mkdir()
    (base / "bin" / "show_install").write_bytes(b"#!/bin/sh\necho ok\n")
    (base / "bin" / "empty").write_bytes(b"")
    (base / "lib" / "libxr.so").write_bytes(os.urandom(3 * (1 << 20) + 5))
    (base / "lib" / "deep" / "er" / "na me é.txt").write_bytes(b"spaces and letters")
    for i in range(50):
        (base / "etc" / f"conf{i:02}").write_bytes(os.urandom(i * 97))
    return tmp_path


def test_fingerprint_of_records_known_answer() -> None:
    # printf '/a/x\0<sha256 abc>\n/a/y\0<sha256 empty>\n' | sha1sum
    abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    want = "a196f42d3e119ec1cb65c7ce1ab7ab6b4d419092"
    assert tree.fingerprint([("/a/y", empty), ("/a/x", abc)]) == want
    assert tree.fingerprint(iter([("/a/x", abc), ("/a/y", empty)])) == want
    assert tree.fingerprint([]) == tree.EMPTY_FINGERPRINT == hashlib.sha1(b"").hexdigest()


def test_records_sort_bytewise_not_by_text() -> None:
    # "/a/Z" < "/a/a" < "/a/é" bytewise (0x5a < 0x61 < 0xc3); the rule sorts bytes.
    d = "0" * 64
    names = ["/a/é", "/a/a", "/a/Z"]
    want = _expected_fingerprint({n.encode(): d for n in names})
    assert tree.fingerprint([(n, d) for n in names]) == want


@pytest.mark.parametrize(
    "records",
    [
        [("/a", "0" * 63)],
        [("/a", "A" * 64)],
        [("/a", "g" * 64)],
        [("", "0" * 64)],
        [("/a\0b", "0" * 64)],
        [("/a", "0" * 64), ("/a", "1" * 64)],
    ],
    ids=["short", "upper-case", "not-hex", "empty-path", "nul", "duplicate"],
)
def test_bad_records_are_refused(records: list[tuple[str, str]]) -> None:
    with pytest.raises(InvalidInput):
        tree.fingerprint(records)


def test_scan_matches_hashlib(pkg: Path) -> None:
    scan = _check(pkg)
    assert len(scan.files) == 54
    assert f"{PREFIX}/lib/deep/er/na_me é.txt" not in scan.files
    assert f"{PREFIX}/lib/deep/er/na me é.txt" in scan.files
    # The scan's records give the same fingerprint through fingerprint().
    assert tree.fingerprint(scan.files.items()) == scan.fingerprint
    with pytest.raises(TypeError):
        scan.files["/x"] = "0" * 64  # type: ignore[index]


def test_changed_added_removed_file_changes_the_fingerprint(pkg: Path) -> None:
    base = pkg / PREFIX.lstrip("/")
    seen = {_check(pkg).fingerprint}

    (base / "bin" / "show_install").write_bytes(b"#!/bin/sh\necho tampered\n")
    seen.add(_check(pkg).fingerprint)

    with (base / "lib" / "libxr.so").open("r+b") as f:  # one byte of a large file
        f.seek(2 * (1 << 20) + 3)
        byte = f.read(1)[0]
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte ^ 1]))
    seen.add(_check(pkg).fingerprint)

    (base / "bin" / "extra").write_bytes(b"added")
    seen.add(_check(pkg).fingerprint)

    (base / "etc" / "conf07").unlink()
    seen.add(_check(pkg).fingerprint)

    (base / "etc" / "conf08").rename(base / "etc" / "conf08.renamed")
    seen.add(_check(pkg).fingerprint)

    assert len(seen) == 6


def test_symlinks_are_not_followed(pkg: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    base = pkg / PREFIX.lstrip("/")
    before = _check(pkg)
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret").write_bytes(b"not part of the package")
    (base / "bin" / "link-to-file").symlink_to(outside / "secret")
    (base / "bin" / "link-inside").symlink_to("show_install")
    (base / "lib" / "link-to-dir").symlink_to(outside, target_is_directory=True)
    (base / "dangling").symlink_to(base / "nowhere")
    after = _check(pkg)
    assert after.files == before.files
    assert after.fingerprint == before.fingerprint


def test_special_files_are_skipped(pkg: Path) -> None:
    base = pkg / PREFIX.lstrip("/")
    before = _check(pkg)
    os.mkfifo(base / "bin" / "fifo")  # opening it to read would block
    assert _check(pkg).fingerprint == before.fingerprint


def test_missing_prefix_is_an_empty_scan(pkg: Path) -> None:
    scan = tree.scan(pkg, "/opt/cisco/XR/packages/not-installed-1.0-r1")
    assert scan.files == {}
    assert scan.fingerprint == tree.EMPTY_FINGERPRINT
    assert tree.scan(pkg / "no-such-root", PREFIX).files == {}


def test_prefix_that_is_a_file_or_a_link_is_empty(pkg: Path) -> None:
    assert tree.scan(pkg, f"{PREFIX}/bin/show_install").files == {}
    (pkg / "opt" / "link").symlink_to(pkg / PREFIX.lstrip("/"), target_is_directory=True)
    assert tree.scan(pkg, "/opt/link").files == {}


@pytest.mark.parametrize("prefix", ["opt/cisco", "", "/opt/../../etc", "/opt/a\0b"])
def test_bad_prefixes_are_refused(pkg: Path, prefix: str) -> None:
    with pytest.raises(InvalidInput):
        tree.scan(pkg, prefix)


def test_prefix_spelling_is_normalised(pkg: Path) -> None:
    plain = tree.scan(pkg, PREFIX)
    for spelled in (PREFIX + "/", PREFIX.replace("/XR/", "/XR/./"), "//" + PREFIX.lstrip("/")):
        assert tree.scan(pkg, spelled).files == plain.files


def test_scan_many_is_each_scan(pkg: Path) -> None:
    base = pkg / "opt" / "cisco" / "XR" / "packages"
    other = base / "xr-mcast-7.3.1-r1"
    (other / "bin").mkdir(parents=True)
    (other / "bin" / "mrib").write_bytes(b"mcast")
    prefixes = [
        PREFIX,
        "/opt/cisco/XR/packages/xr-mcast-7.3.1-r1",
        "/opt/cisco/XR/packages/absent-1-r1",
        f"{PREFIX}/lib",
        "/",
    ]
    scans = tree.scan_many(pkg, prefixes)
    assert [s.prefix for s in scans] == prefixes
    for s in scans:
        assert s == tree.scan(pkg, s.prefix)
        assert s.fingerprint == _expected_fingerprint(_expected_files(pkg, s.prefix.rstrip("/")))
    assert len(scans[4].files) == len(scans[0].files) + len(scans[1].files)
    assert tree.scan_many(pkg, []) == []


def test_names_that_are_not_utf8_round_trip(pkg: Path) -> None:
    base = os.fsencode(pkg / PREFIX.lstrip("/"))
    with open(base + b"/bin/\xff\xfe-latin1-\xe9", "wb") as f:
        f.write(b"bytes name")
    scan = _check(pkg)
    name = os.fsdecode(os.fsencode(PREFIX) + b"/bin/\xff\xfe-latin1-\xe9")
    assert name in scan.files
    assert tree.fingerprint(scan.files.items()) == scan.fingerprint


def _unreadable_tree(root: Path) -> tuple[Path, Path]:
    base = root / PREFIX.lstrip("/")
    (base / "bin").mkdir(parents=True)
    (base / "bin" / "ok").write_bytes(b"fine")
    locked = base / "bin" / "locked"
    locked.write_bytes(b"secret")
    locked.chmod(0)
    closed = base / "closed"
    closed.mkdir()
    (closed / "inside").write_bytes(b"x")
    return locked, closed


_CHILD = """
import sys
from xrsim.crypto import tree
from xrsim.errors import FileAccessError
root, prefix = sys.argv[1], sys.argv[2]
try:
    tree.scan(root, prefix)
except FileAccessError as e:
    print(type(e).__name__, e.errno, e.filename)
else:
    print("no error")
"""


@pytest.mark.peer  # setpriv(1) when run as root
def test_unreadable_file_or_directory_is_a_file_access_error(
    tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    """A file (then a directory) the scanner may not read: FileAccessError with errno and
    the file name. Root reads anything, so as root the scan runs in a child process whose
    capability bounding set lacks CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (setpriv)."""
    locked, closed = _unreadable_tree(tmp_path)

    def scan_errors() -> tuple[int | None, str | None]:
        if os.geteuid() != 0:
            with pytest.raises(FileAccessError) as info:
                tree.scan(tmp_path, PREFIX)
            return info.value.errno, info.value.filename
        setpriv = require_tool("setpriv")
        proc = subprocess.run(
            [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--",
             sys.executable, "-c", _CHILD, str(tmp_path), PREFIX],
            capture_output=True, text=True, timeout=60, env=os.environ.copy(), check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        kind, errno, filename = proc.stdout.split()
        assert kind == "FileAccessError"
        return int(errno), filename

    closed.chmod(0o755)
    errno, filename = scan_errors()
    assert errno == 13  # EACCES
    assert filename == str(locked)

    locked.chmod(0o644)
    closed.chmod(0)
    errno, filename = scan_errors()
    assert errno == 13
    assert filename == str(closed)
    closed.chmod(0o755)
    _check(tmp_path)


def test_scan_releases_the_gil(tmp_path: Path, gil_probe: Any) -> None:
    base = tmp_path / PREFIX.lstrip("/")
    base.mkdir(parents=True)
    for i in range(8):
        (base / f"blob{i}").write_bytes(os.urandom(8 << 20))
    gil_probe(lambda: tree.scan(tmp_path, PREFIX)).assert_released()

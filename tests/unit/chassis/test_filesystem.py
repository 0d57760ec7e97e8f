"""xrsim.chassis.filesystem: device and Linux path mapping, refusal of every way out of the node
root, atomic writes (no temp files, modes, readers never see half a file), dir/copy/delete/mkdir,
and copies across nodes."""

from __future__ import annotations

import os
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xrsim.chassis.filesystem import DEVICES, NodeFilesystem, atomic_write, copy_file
from xrsim.errors import (
    DirectoryNotEmpty,
    FileAccessError,
    FilesystemError,
    InvalidPath,
    PathEscapes,
    PathExists,
    PathIsDirectory,
    PathNotFound,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "nodes" / "0_RP0_CPU0"


@pytest.fixture
def fs(root: Path) -> NodeFilesystem:
    return NodeFilesystem(root)


def temp_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "relative"),
    [
        ("harddisk:foo", "misc/disk1/foo"),
        ("harddisk:/a/b", "misc/disk1/a/b"),
        ("HARDDISK:/a/./b//c", "misc/disk1/a/b/c"),
        ("harddisk:a/x/../b", "misc/disk1/a/b"),
        ("harddisk:", "misc/disk1"),
        ("disk0:x.cfg", "misc/disk0/x.cfg"),
        ("/misc/disk1/foo", "misc/disk1/foo"),
        ("/misc/scratch/x", "misc/scratch/x"),
        ("/misc/scratch/filesysinv/snap.json", "misc/scratch/filesysinv/snap.json"),
        ("/misc/config/xrsim/running.cfg", "misc/config/xrsim/running.cfg"),
        ("/var/log/iosxr/filesysinv/log", "var/log/iosxr/filesysinv/log"),
        ("/misc/scratch/../config/x", "misc/config/x"),
        ("plain.txt", "misc/disk1/plain.txt"),
    ],
)
def test_resolve_maps_devices_and_trees(
    fs: NodeFilesystem, root: Path, path: str, relative: str
) -> None:
    assert fs.resolve(path) == Path(os.path.realpath(root)) / relative


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("harddisk:a//b/./c", "harddisk:/a/b/c"),
        ("Disk0:x", "disk0:/x"),
        ("harddisk:", "harddisk:"),
        ("harddisk:/", "harddisk:"),
        ("/misc/scratch/", "/misc/scratch"),
        ("/var/log/a/../b", "/var/log/b"),
        ("name", "harddisk:/name"),
    ],
)
def test_canonical_spelling(fs: NodeFilesystem, path: str, canonical: str) -> None:
    assert fs.canonical(path) == canonical


def test_device_roots(fs: NodeFilesystem) -> None:
    assert fs.is_device_root("harddisk:")
    assert fs.is_device_root("/var/log")
    assert not fs.is_device_root("harddisk:x")


@pytest.mark.parametrize(
    "path",
    [
        "harddisk:../x",
        "harddisk:/../x",
        "harddisk:/a/../../x",
        "disk0:../disk1/x",
        "/etc/passwd",
        "/",
        "//etc/passwd",
        "/misc",
        "/misc/scratch/../../etc",
        "/misc/scratchy/a",
        "/var/logs",
        "/var/log/../../../../etc/shadow",
        "../../etc/passwd",
    ],
)
def test_paths_out_of_the_node_are_refused(fs: NodeFilesystem, path: str) -> None:
    with pytest.raises(PathEscapes):
        fs.resolve(path)
    with pytest.raises(PathEscapes):
        fs.write_atomic(path, b"x")


@pytest.mark.parametrize("path", ["harddisk:a\x00b", "\x00", "", "   ", "bootflash:x", "nvram:"])
def test_invalid_path_text(fs: NodeFilesystem, path: str) -> None:
    with pytest.raises(InvalidPath):
        fs.resolve(path)


def test_non_text_path_is_refused(fs: NodeFilesystem) -> None:
    with pytest.raises(InvalidPath):
        fs.resolve(b"harddisk:x")  # type: ignore[arg-type]


def test_errors_are_typed(fs: NodeFilesystem) -> None:
    with pytest.raises(FilesystemError) as info:
        fs.resolve("/etc/passwd")
    assert isinstance(info.value, InvalidPath | ValueError)
    assert info.value.path == "/etc/passwd"


def test_symlink_out_of_the_node_is_refused(fs: NodeFilesystem, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    disk = fs.resolve("harddisk:")
    (disk / "link").symlink_to(outside)
    (disk / "file-link").symlink_to(outside / "secret")
    for path in ("harddisk:link", "harddisk:link/secret", "harddisk:file-link"):
        with pytest.raises(PathEscapes):
            fs.resolve(path)
    with pytest.raises(PathEscapes):
        fs.read("harddisk:file-link")
    with pytest.raises(PathEscapes):
        fs.write_atomic("harddisk:link/new", b"x")
    with pytest.raises(PathEscapes):
        fs.list("harddisk:link")
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]


def test_symlinked_device_directory_is_refused(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "misc").mkdir(parents=True)
    (root / "misc" / "disk1").symlink_to(outside)
    with pytest.raises(PathEscapes):
        NodeFilesystem(root).write_atomic("harddisk:x", b"x")
    assert list(outside.iterdir()) == []


def test_symlink_inside_the_node_is_followed(fs: NodeFilesystem) -> None:
    fs.write_atomic("/misc/scratch/target.txt", b"inside")
    (fs.resolve("harddisk:") / "alias").symlink_to(fs.resolve("/misc/scratch/target.txt"))
    assert fs.read("harddisk:alias") == b"inside"


def test_device_directories_are_made_on_first_use(fs: NodeFilesystem, root: Path) -> None:
    assert not root.exists()
    assert not fs.exists("disk0:nothing")
    assert (root / DEVICES["disk0:"]).is_dir()
    assert not (root / "var").exists()


# --------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------


def test_write_and_read(fs: NodeFilesystem, root: Path) -> None:
    target = fs.write_atomic("harddisk:show.txt", b"hello\n")
    assert target == fs.resolve("harddisk:show.txt")
    assert fs.read("harddisk:/show.txt") == b"hello\n"
    assert (root / "misc/disk1/show.txt").read_bytes() == b"hello\n"
    fs.write_atomic("harddisk:show.txt", b"again")
    assert fs.read("harddisk:show.txt") == b"again"
    assert temp_files(root) == []


def test_modes_do_not_depend_on_the_umask(fs: NodeFilesystem) -> None:
    old = os.umask(0o077)
    try:
        public = fs.write_atomic("harddisk:public", b"p")
    finally:
        os.umask(0)
    try:
        private = fs.write_atomic("/misc/config/key", b"k", mode=0o600)
    finally:
        os.umask(old)
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_rewrite_changes_the_mode(fs: NodeFilesystem) -> None:
    fs.write_atomic("harddisk:k", b"1")
    fs.write_atomic("harddisk:k", b"2", mode=0o600)
    assert fs.stat("harddisk:k").mode == 0o600


def test_bad_mode_and_data_are_refused(fs: NodeFilesystem) -> None:
    with pytest.raises(ValueError, match="mode"):
        fs.write_atomic("harddisk:x", b"x", mode=0o10000)
    with pytest.raises(ValueError, match="bytes"):
        fs.write_atomic("harddisk:x", "text")  # type: ignore[arg-type]
    assert not fs.exists("harddisk:x")


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(
    fs: NodeFilesystem, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs.write_atomic("harddisk:cfg", b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", broken_replace)
        with pytest.raises(FileAccessError) as info:
            fs.write_atomic("harddisk:cfg", b"new")
    assert info.value.errno == 28
    assert fs.read("harddisk:cfg") == b"old"
    assert temp_files(root) == []


def test_readers_never_see_half_a_file(fs: NodeFilesystem) -> None:
    versions = [bytes([i]) * 200_000 for i in range(1, 30)]
    fs.write_atomic("harddisk:big", versions[0])
    path = fs.resolve("harddisk:big")
    seen: list[bytes] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            seen.append(path.read_bytes())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for data in versions[1:]:
            fs.write_atomic("harddisk:big", data)
    finally:
        done.set()
        thread.join()
    assert seen
    assert all(data in versions for data in seen)


def test_write_needs_the_directory_unless_parents(fs: NodeFilesystem) -> None:
    with pytest.raises(PathNotFound):
        fs.write_atomic("harddisk:a/b/c.txt", b"x")
    fs.write_atomic("harddisk:a/b/c.txt", b"x", parents=True)
    assert fs.read("harddisk:a/b/c.txt") == b"x"


def test_write_onto_a_directory_is_refused(fs: NodeFilesystem) -> None:
    fs.mkdir("harddisk:dir")
    with pytest.raises(PathIsDirectory):
        fs.write_atomic("harddisk:dir", b"x")
    with pytest.raises(PathIsDirectory):
        fs.write_atomic("harddisk:", b"x")


def test_module_atomic_write(tmp_path: Path) -> None:
    target = tmp_path / "chassis.json"
    atomic_write(target, b"{}", 0o600)
    assert target.read_bytes() == b"{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert temp_files(tmp_path) == []
    with pytest.raises(FileAccessError):
        atomic_write(tmp_path / "missing" / "x", b"")


# --------------------------------------------------------------------------------------------
# dir, read, mkdir, delete, copy
# --------------------------------------------------------------------------------------------


def test_list_entries(fs: NodeFilesystem) -> None:
    fs.write_atomic("harddisk:b.txt", b"12345")
    fs.write_atomic("harddisk:a.key", b"k", mode=0o600)
    fs.mkdir("harddisk:logs")
    entries = fs.list("harddisk:")
    assert [e.name for e in entries] == ["a.key", "b.txt", "logs"]
    by_name = {e.name: e for e in entries}
    assert by_name["b.txt"].size == 5
    assert not by_name["b.txt"].is_dir
    assert by_name["logs"].is_dir
    assert by_name["a.key"].mode == 0o600
    assert by_name["b.txt"].mode == 0o644
    mtime = by_name["b.txt"].mtime
    assert mtime.tzinfo is UTC
    assert abs((datetime.now(UTC) - mtime).total_seconds()) < 60
    assert [e.name for e in fs.list()] == ["a.key", "b.txt", "logs"]  # the default device


def test_list_of_a_file_and_of_nothing(fs: NodeFilesystem) -> None:
    fs.write_atomic("harddisk:one", b"1")
    assert [(e.name, e.size) for e in fs.list("harddisk:one")] == [("one", 1)]
    with pytest.raises(PathNotFound):
        fs.list("harddisk:none")


def test_list_shows_symlinks_without_following(fs: NodeFilesystem, tmp_path: Path) -> None:
    (fs.resolve("harddisk:") / "out").symlink_to(tmp_path)
    [entry] = fs.list("harddisk:")
    assert entry.name == "out"
    assert entry.is_symlink
    assert not entry.is_dir


def test_read_errors(fs: NodeFilesystem) -> None:
    with pytest.raises(PathNotFound):
        fs.read("harddisk:missing")
    fs.mkdir("harddisk:d")
    with pytest.raises(PathIsDirectory):
        fs.read("harddisk:d")


def test_mkdir(fs: NodeFilesystem) -> None:
    fs.mkdir("harddisk:new")
    assert fs.stat("harddisk:new").is_dir
    with pytest.raises(PathExists):
        fs.mkdir("harddisk:new")
    with pytest.raises(PathExists):
        fs.mkdir("harddisk:")
    with pytest.raises(PathNotFound):
        fs.mkdir("harddisk:x/y")
    fs.mkdir("harddisk:x/y", parents=True)
    assert fs.exists("harddisk:x/y")


def test_delete(fs: NodeFilesystem) -> None:
    fs.write_atomic("harddisk:f", b"1")
    fs.delete("harddisk:f")
    assert not fs.exists("harddisk:f")
    with pytest.raises(PathNotFound):
        fs.delete("harddisk:f")
    fs.write_atomic("harddisk:d/x", b"1", parents=True)
    with pytest.raises(DirectoryNotEmpty):
        fs.delete("harddisk:d")
    fs.delete("harddisk:d", recursive=True)
    assert not fs.exists("harddisk:d")
    fs.mkdir("harddisk:empty")
    fs.delete("harddisk:empty")
    assert not fs.exists("harddisk:empty")
    with pytest.raises(InvalidPath):
        fs.delete("harddisk:")
    with pytest.raises(PathEscapes):
        fs.delete("/etc/passwd")


def test_delete_of_a_symlink_removes_only_the_link(fs: NodeFilesystem, tmp_path: Path) -> None:
    outside = tmp_path / "keep"
    outside.write_bytes(b"keep")
    (fs.resolve("harddisk:") / "link").symlink_to(outside)
    fs.delete("harddisk:link")
    assert outside.read_bytes() == b"keep"
    assert fs.list("harddisk:") == []


def test_copy_within_a_node(fs: NodeFilesystem, root: Path) -> None:
    fs.write_atomic("harddisk:key.pem", b"secret", mode=0o600)
    assert fs.copy("harddisk:key.pem", "disk0:key-copy.pem") == 6
    assert fs.read("disk0:key-copy.pem") == b"secret"
    assert fs.stat("disk0:key-copy.pem").mode == 0o600  # permission bits kept
    fs.mkdir("/misc/scratch/backup")
    fs.copy("harddisk:key.pem", "/misc/scratch/backup")  # into a directory: same name
    assert fs.read("/misc/scratch/backup/key.pem") == b"secret"
    fs.copy("harddisk:key.pem", "disk0:")
    assert fs.read("disk0:key.pem") == b"secret"
    assert temp_files(root) == []


def test_copy_errors(fs: NodeFilesystem) -> None:
    with pytest.raises(PathNotFound):
        fs.copy("harddisk:none", "harddisk:x")
    fs.mkdir("harddisk:dir")
    with pytest.raises(PathIsDirectory):
        fs.copy("harddisk:dir", "harddisk:x")
    fs.write_atomic("harddisk:a", b"a")
    with pytest.raises(PathExists):
        fs.copy("harddisk:a", "harddisk:a")
    with pytest.raises(PathNotFound):
        fs.copy("harddisk:a", "harddisk:no/such/dir/a")
    with pytest.raises(PathEscapes):
        fs.copy("harddisk:a", "/tmp/a")
    assert fs.read("harddisk:a") == b"a"


def test_copy_across_nodes(tmp_path: Path) -> None:
    rp0 = NodeFilesystem(tmp_path / "0_RSP0_CPU0")
    rp1 = NodeFilesystem(tmp_path / "0_RSP1_CPU0")
    rp0.write_atomic("harddisk:PE1_remote.json", b"{}\n")
    assert copy_file(rp0, "harddisk:PE1_remote.json", rp1, "harddisk:") == 3
    assert rp1.read("harddisk:PE1_remote.json") == b"{}\n"
    assert not rp0.exists("disk0:PE1_remote.json")


def test_walk_lists_files_below(fs: NodeFilesystem) -> None:
    fs.write_atomic("/misc/config/xrsim/pki/keys/a", b"", parents=True)
    fs.write_atomic("/misc/config/xrsim/pki/b", b"", parents=True)
    fs.write_atomic("/misc/config/xrsim/running.cfg", b"", parents=True)
    assert fs.walk("/misc/config/xrsim/pki") == ["b", "keys/a"]
    assert fs.walk("/misc/config/xrsim") == ["pki/b", "pki/keys/a", "running.cfg"]
    assert fs.walk("/misc/config/none") == []


def test_usage(fs: NodeFilesystem) -> None:
    total, free = fs.usage("harddisk:")
    assert total > 0
    assert 0 <= free <= total
    assert fs.usage("harddisk:not-yet") == fs.usage()


def test_unknown_default_device_is_refused(root: Path) -> None:
    with pytest.raises(ValueError, match="unknown device"):
        NodeFilesystem(root, default_device="flash:")
    assert NodeFilesystem(root, default_device="disk0:").canonical("x") == "disk0:/x"

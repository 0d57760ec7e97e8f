"""Per-node filesystems rooted in real directories (layer 2: imports only ``xrsim.errors``).

- ``NodeFilesystem``: the filesystem of one node (an RP or line card), a real directory such as
  ``STATE/nodes/0_RP0_CPU0/``. It maps IOS XR devices and the Linux trees IOS XR exposes onto
  that directory::

      harddisk:        -> <root>/misc/disk1     (also /misc/disk1)
      disk0:           -> <root>/misc/disk0     (also /misc/disk0)
      /misc/scratch, /misc/config, /var/log     -> <root>/misc/scratch, ... (and subdirectories)

  ``resolve`` turns any of those spellings into a real path and refuses everything that leaves
  the node root: ``..`` above a device or tree, symlinks pointing outside, other absolute paths,
  NUL bytes (``PathEscapes``/``InvalidPath``); a name over 255 bytes or a path over Linux's
  4096 is refused as ``InvalidPath`` with Linux's reason, ``File name too long``, before any
  system call. Operations: ``read``, ``write_atomic``, ``list``
  (``dir``), ``stat``, ``copy``, ``delete``, ``mkdir``, ``exists``, ``walk``, ``usage``.
  Device directories are created on first use.
- ``DirEntry``: one ``dir`` line (name, size, mtime, is_dir, mode).
- ``copy_file(src_fs, src, dst_fs, dst)``: copy within a node or across nodes.
- ``atomic_write(path, data, mode)``: the one writer of state files: temp file in the same
  directory, fsync, rename, fsync of the directory; a reader sees the old file or the new one,
  never half of one. The chassis and the SUDI store use it too.

Errors are ``xrsim.errors.FilesystemError`` subclasses; other OS failures are
``FileAccessError``.
"""

from __future__ import annotations

import builtins
import errno
import os
import posixpath
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from xrsim.errors import (
    DirectoryNotEmpty,
    FileAccessError,
    FilesystemError,
    InvalidInput,
    InvalidPath,
    PathEscapes,
    PathExists,
    PathIsDirectory,
    PathNotDirectory,
    PathNotFound,
    PathProtected,
)

#: Where format 1 kept the router's own state; still out of CLI users' reach (the state store
#: itself lives outside the node trees).
PROTECTED_TREE = "/misc/config/xrsim"

__all__ = [
    "DEVICES",
    "LINUX_TREES",
    "PROTECTED_TREE",
    "DirEntry",
    "NodeFilesystem",
    "atomic_write",
    "copy_file",
]

#: IOS XR device name -> directory under the node root.
DEVICES: Mapping[str, str] = MappingProxyType({"harddisk:": "misc/disk1", "disk0:": "misc/disk0"})
#: Linux trees a path may name (with their subdirectories); each is the same directory under the
#: node root.
LINUX_TREES: tuple[str, ...] = (
    "/misc/disk0",
    "/misc/disk1",
    "/misc/scratch",
    "/misc/config",
    "/var/log",
)

#: Linux's longest file name (a path component) and path, in bytes (NAME_MAX, PATH_MAX).
NAME_MAX = 255
PATH_MAX = 4096
#: ``strerror(ENAMETOOLONG)``: what IOS XR prints for either (``%Error opening ... (File name
#: too long)``).
_TOO_LONG = os.strerror(errno.ENAMETOOLONG)

_DEVICE = re.compile(r"([A-Za-z][A-Za-z0-9]*):(.*)", re.DOTALL)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class DirEntry:
    """One entry as ``dir`` lists it; ``mode`` is the permission bits (``0o644``); ``inode``
    and ``links`` are the file's inode number and link count; ``target`` a symlink's target."""

    name: str
    size: int
    mtime: datetime
    is_dir: bool
    mode: int
    is_symlink: bool = False
    inode: int = 0
    links: int = 1
    target: str | None = None

    @classmethod
    def from_stat(cls, name: str, st: os.stat_result) -> DirEntry:
        return cls(
            name=name,
            size=st.st_size,
            mtime=datetime.fromtimestamp(st.st_mtime, UTC),
            is_dir=stat.S_ISDIR(st.st_mode),
            mode=stat.S_IMODE(st.st_mode),
            is_symlink=stat.S_ISLNK(st.st_mode),
            inode=st.st_ino,
            links=st.st_nlink,
        )


def _os_error(exc: OSError, path: str) -> FilesystemError | FileAccessError:
    """The xrsim error for an OS error on ``path`` (as the user spelled it)."""
    reason = exc.strerror or str(exc)
    mapping: dict[int, type[FilesystemError]] = {
        errno.ENOENT: PathNotFound,
        errno.EISDIR: PathIsDirectory,
        errno.ENOTDIR: PathNotDirectory,
        errno.EEXIST: PathExists,
        errno.ENOTEMPTY: DirectoryNotEmpty,
    }
    cls = mapping.get(exc.errno or 0)
    if cls is not None:
        return cls(f"{path}: {reason}", path)
    return FileAccessError(exc.errno or 0, reason, path)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write_with(target: Path, mode: int, write: Callable[[BinaryIO], object]) -> None:
    parent = target.parent
    fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(parent)


def _check_mode(mode: int) -> int:
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o7777:
        raise InvalidInput(f"file mode must be an integer 0-0o7777, got {mode!r}")
    return mode


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, fsync, rename,
    fsync of the directory), with permission bits ``mode`` (0o600 for private data) whatever the
    umask. The directory must exist. OS failures raise ``FileAccessError``."""
    _check_mode(mode)
    target = Path(path)
    try:
        _atomic_write_with(target, mode, lambda f: f.write(data))
    except OSError as exc:
        raise FileAccessError(exc.errno or 0, exc.strerror or str(exc), str(target)) from None


@dataclass(frozen=True)
class _Located:
    """A path after parsing: its tree (directory under the root) and the parts below it."""

    tree: str  # e.g. "misc/disk1"
    parts: tuple[str, ...]
    display: str  # canonical spelling: "harddisk:/a/b" or "/misc/scratch/a"


class NodeFilesystem:
    """The filesystem of one node, rooted in the real directory ``root``."""

    def __init__(self, root: str | os.PathLike[str], *, default_device: str = "harddisk:") -> None:
        """``default_device``: where a path without device or leading ``/`` lives."""
        if default_device not in DEVICES:
            raise InvalidInput(f"unknown device {default_device!r} (devices: {', '.join(DEVICES)})")
        self.root = Path(root)
        self.default_device = default_device
        self._real_root: Path | None = None
        self._ready: set[str] = set()

    def __repr__(self) -> str:
        return f"NodeFilesystem({str(self.root)!r})"

    # ----------------------------------------------------------------------------------------
    # Path resolution
    # ----------------------------------------------------------------------------------------

    def _locate(self, path: str) -> _Located:
        if not isinstance(path, str):
            raise InvalidPath(f"a path is text, got {type(path).__name__}")
        if "\x00" in path:
            raise InvalidPath("invalid path: NUL byte", path.replace("\x00", "\\0"))
        text = path.strip()
        if not text:
            raise InvalidPath("empty path", path)
        match = _DEVICE.fullmatch(text)
        if match is not None:
            device = match.group(1).lower() + ":"
            if device not in DEVICES:
                known = ", ".join(DEVICES)
                raise InvalidPath(f"{text}: unknown device {device} (devices: {known})", path)
            return self._below(DEVICES[device], device, match.group(2), path)
        if text.startswith("/"):
            normal = posixpath.normpath(text)
            if normal.startswith("//"):  # POSIX keeps a leading double slash
                normal = "/" + normal.lstrip("/")
            for tree in LINUX_TREES:
                if normal == tree or normal.startswith(tree + "/"):
                    return self._below(tree[1:], tree, normal[len(tree) :], path)
            trees = ", ".join(LINUX_TREES)
            raise PathEscapes(f"{text}: outside the node filesystem (allowed: {trees})", path)
        return self._below(DEVICES[self.default_device], self.default_device, text, path)

    @staticmethod
    def _below(tree: str, base: str, rest: str, original: str) -> _Located:
        """``rest`` below the tree ``tree`` (spelled ``base``: ``harddisk:``, ``/var/log``)."""
        parts: list[str] = []
        for part in rest.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    raise PathEscapes(f"{original}: '..' leaves {base}", original)
                parts.pop()
                continue
            if len(os.fsencode(part)) > NAME_MAX:
                raise InvalidPath(f"{original}: {_TOO_LONG}", original)
            parts.append(part)
        display = base + "".join("/" + part for part in parts)
        return _Located(tree, tuple(parts), display)

    def _tree_dir(self, tree: str) -> Path:
        directory = self.root / tree
        if tree not in self._ready:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _os_error(exc, str(directory)) from None
            self._ready.add(tree)
        return directory

    def _root_real(self) -> Path:
        if self._real_root is None:
            self.root.mkdir(parents=True, exist_ok=True)
            self._real_root = Path(os.path.realpath(self.root))
        return self._real_root

    def _inside(self, real: Path) -> bool:
        root = self._root_real()
        return real == root or root in real.parents

    def _resolve(self, path: str) -> tuple[_Located, Path, Path]:
        """(location, lexical path, real path) with the real path checked to be inside."""
        located = self._locate(path)
        lexical = self._tree_dir(located.tree).joinpath(*located.parts)
        if len(os.fsencode(lexical)) >= PATH_MAX:
            raise InvalidPath(f"{path}: {_TOO_LONG}", path)
        real = Path(os.path.realpath(lexical))
        if not self._inside(real):
            raise PathEscapes(f"{path}: a symbolic link leads outside the node filesystem", path)
        return located, lexical, real

    def resolve(self, path: str) -> Path:
        """The real path of ``path`` (``harddisk:foo``, ``harddisk:/a/b``, ``/misc/scratch/x``,
        or a bare name on the default device), symlinks followed and checked to stay inside the
        node root. Raises ``PathEscapes`` or ``InvalidPath``; the path need not exist."""
        return self._resolve(path)[2]

    def check_user_path(self, path: str) -> Path:
        """``resolve`` for paths a CLI user gives: the router's own state tree
        (``/misc/config/xrsim``: configuration, keys, certificates) is refused with
        ``PathProtected``, so no command can read a private key or corrupt the state."""
        real = self.resolve(path)
        protected = self.resolve(PROTECTED_TREE)
        if real == protected or protected in real.parents:
            raise PathProtected(f"{path}: Permission denied", path)
        return real

    def canonical(self, path: str) -> str:
        """The canonical spelling: ``harddisk:/a/b``, ``/misc/scratch/x``."""
        return self._locate(path).display

    def is_device_root(self, path: str) -> bool:
        """Whether ``path`` names a device or tree itself (``harddisk:``, ``/var/log``)."""
        return not self._locate(path).parts

    # ----------------------------------------------------------------------------------------
    # Operations
    # ----------------------------------------------------------------------------------------

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists (a path outside the node still raises)."""
        return self._resolve(path)[2].exists()

    def stat(self, path: str) -> DirEntry:
        """The ``dir`` entry of one file or directory."""
        located, _, real = self._resolve(path)
        try:
            st = real.stat()
        except OSError as exc:
            raise _os_error(exc, path) from None
        name = located.parts[-1] if located.parts else located.display
        return DirEntry.from_stat(name, st)

    def read(self, path: str) -> bytes:
        """The content of a file (``more``, ``show file``)."""
        real = self.resolve(path)
        if real.is_dir():
            raise PathIsDirectory(f"{path}: is a directory", path)
        try:
            return real.read_bytes()
        except OSError as exc:
            raise _os_error(exc, path) from None

    def _writable_target(self, path: str, parents: bool) -> Path:
        located, _, real = self._resolve(path)
        if not located.parts or real.is_dir():
            raise PathIsDirectory(f"{path}: is a directory", path)
        parent = real.parent
        if parents:
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _os_error(exc, path) from None
            if not self._inside(Path(os.path.realpath(parent))):
                raise PathEscapes(f"{path}: a symbolic link leads outside", path)
        elif not parent.is_dir():
            raise PathNotFound(f"{path}: no such directory", path)
        return real

    def write_atomic(
        self, path: str, data: bytes, mode: int = 0o644, *, parents: bool = False
    ) -> Path:
        """Write a whole file atomically (see ``atomic_write``); ``mode=0o600`` for private data;
        ``parents`` creates missing directories. Returns the real path."""
        _check_mode(mode)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidInput(f"file data must be bytes, got {type(data).__name__}")
        target = self._writable_target(path, parents)
        try:
            _atomic_write_with(target, mode, lambda f: f.write(data))
        except OSError as exc:
            raise _os_error(exc, path) from None
        return target

    def list(self, path: str | None = None) -> list[DirEntry]:
        """``dir``: the entries of a directory sorted by name (default: the default device), or
        the one entry of a file. Symlinks are listed, not followed."""
        target = self.default_device if path is None else path
        located, _, real = self._resolve(target)
        try:
            if not real.is_dir():
                return [DirEntry.from_stat(located.parts[-1], real.stat())]
            with os.scandir(real) as it:
                entries = [
                    replace(entry, target=os.readlink(e.path)) if entry.is_symlink else entry
                    for e in it
                    for entry in (DirEntry.from_stat(e.name, e.stat(follow_symlinks=False)),)
                ]
        except OSError as exc:
            raise _os_error(exc, target) from None
        return sorted(entries, key=lambda e: e.name)

    def walk(self, path: str) -> builtins.list[str]:
        """Every file below a directory, as paths relative to it (``a/b.txt``), sorted; empty
        when the directory does not exist. Symlinked directories are not entered."""
        real = self.resolve(path)
        if not real.is_dir():
            return []
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(real):
            dirnames.sort()
            base = Path(dirpath).relative_to(real)
            out.extend(str(base / name) if str(base) != "." else name for name in filenames)
        return sorted(out)

    def mkdir(self, path: str, *, parents: bool = False) -> Path:
        """Create a directory (``mkdir``); ``PathExists`` when the name is taken."""
        located, _, real = self._resolve(path)
        if not located.parts or real.exists():
            raise PathExists(f"{path}: already exists", path)
        try:
            real.mkdir(mode=0o755, parents=parents)
        except OSError as exc:
            raise _os_error(exc, path) from None
        return real

    def delete(self, path: str, *, recursive: bool = False) -> None:
        """Delete a file, a symlink (the link, not its target) or an empty directory; with
        ``recursive``, a directory and everything below it. A device or tree itself is refused."""
        located, lexical, real = self._locate_for_delete(path)
        if not located.parts:
            raise InvalidPath(f"{path}: cannot delete a device", path)
        try:
            if lexical.is_symlink():
                lexical.unlink()
            elif real.is_dir():
                if recursive:
                    shutil.rmtree(real)
                else:
                    real.rmdir()
            else:
                real.unlink()
        except OSError as exc:
            raise _os_error(exc, path) from None

    def _locate_for_delete(self, path: str) -> tuple[_Located, Path, Path]:
        located = self._locate(path)
        lexical = self._tree_dir(located.tree).joinpath(*located.parts)
        if lexical.is_symlink():
            # The link itself is deleted: only its directory must be inside.
            parent = Path(os.path.realpath(lexical.parent))
            if not self._inside(parent):
                raise PathEscapes(f"{path}: a symbolic link leads outside", path)
            return located, lexical, parent / lexical.name
        return self._resolve(path)

    def copy(self, src: str, dst: str) -> int:
        """Copy a file within this node; see ``copy_file``."""
        return copy_file(self, src, self, dst)

    def usage(self, path: str | None = None) -> tuple[int, int]:
        """(total, free) bytes of the device holding ``path`` (for the ``dir`` footer)."""
        real = self.resolve(self.default_device if path is None else path)
        probe = real if real.exists() else real.parent
        try:
            total, _, free = shutil.disk_usage(probe)
        except OSError as exc:
            raise _os_error(exc, str(path)) from None
        return total, free


def copy_file(src_fs: NodeFilesystem, src: str, dst_fs: NodeFilesystem, dst: str) -> int:
    """Copy the file ``src`` of one node to ``dst`` of another (or the same) node, atomically.

    When ``dst`` is an existing directory (``harddisk:``) the file keeps its name. The
    permission bits are kept. Returns the number of bytes copied."""
    source = src_fs.resolve(src)
    if source.is_dir():
        raise PathIsDirectory(f"{src}: is a directory", src)
    located, _, real_dst = dst_fs._resolve(dst)
    if real_dst.is_dir():
        dst = f"{located.display}/{source.name}"
    target = dst_fs._writable_target(dst, parents=False)
    if target == source:
        raise PathExists(f"{dst}: source and destination are the same file", dst)
    try:
        reader = source.open("rb")
    except OSError as exc:
        raise _os_error(exc, src) from None
    copied = 0

    def pump(writer: BinaryIO) -> None:
        nonlocal copied
        while chunk := reader.read(_CHUNK):
            writer.write(chunk)
            copied += len(chunk)

    with reader:
        mode = stat.S_IMODE(os.fstat(reader.fileno()).st_mode)
        try:
            _atomic_write_with(target, mode, pump)
        except OSError as exc:
            raise _os_error(exc, dst) from None
    return copied

"""Software packages as real RPM files, and the router's package manager (layer 4).

Imports ``xrsim.chassis`` (the chassis, its store and nodes, the vendor directory),
``xrsim.crypto.rpm`` (building, signing, reading, verifying and extracting RPMs in the Rust
core), ``xrsim.platforms`` and ``xrsim.errors``.

- ``PackageFile``, ``Package``: what a package holds (contract of issue 13): name, version,
  release, arch, the signing key's ID (``gpg_key_id``, 16 hex digits, "" when unsigned), its
  file entries as the RPM header gives them (regular files with their SHA-256 digest,
  directories with an empty one), where its RPM file is kept (``rpm_path``), ``nvr`` and
  ``prefix`` (``/opt/cisco/XR/packages/<nvr>``: the directory it owns on every XR node).
- ``catalog(platform, release)``: the packages a platform profile ships: the base image
  ``<family>-xr`` (version = the release, release ``r731`` style) and the profile's optional
  packages (``ncs5500-mpls-2.1.0.0`` -> ``ncs5500-mpls`` 2.1.0.0 ``r731``), each with a handful
  of deterministic files under its prefix (``bin/``, ``lib/``, ``etc/``; 1-6 KiB each).
- ``VendorRepository``: the simulated vendor's package signing key and built RPMs, in the
  vendor directory (``xrsim.chassis.sudi.vendor_dir()``, beside the SUDI CA):
  ``RPM-GPG-KEY-xrsim`` (the armored public key, for ``rpm --import``),
  ``RPM-GPG-KEY-xrsim.secret`` (mode 0600) and ``packages/v1/<nvr>.<arch>.rpm``. Made once
  per installation under an exclusive ``flock`` on ``<vendor>/packages/.lock`` (routers
  booting in parallel processes share them); loaded once per process.
- ``InstallRecord``: one install operation of the log (``show install log``, the dossier's
  rollback-history): its ID, operation, command, user, times, the packages it named and the
  active and committed sets after it (its rollback point).
- ``PackageManager`` (``router.packages``): the packages a router holds, which are active and
  committed, the install log, all in the router's state store (format 4: ``packages``,
  ``node_packages``, ``install_log``); every change is one transaction. At first boot the
  catalog's packages are added, active and committed, and every active package is extracted
  onto every node that runs IOS XR (``nodes_root(node)/opt/cisco/XR/packages/<nvr>/...``) and
  recorded; a restart extracts only what is not recorded. A power-on (``open``) with active
  packages that were never committed goes back to the committed ones, as IOS XR boots the
  committed software. Operations: ``add`` (user RPMs, signature checked), ``activate``,
  ``deactivate``, ``commit``, ``rollback``; ``subscribe`` callbacks run after every change of
  the active set.

Trust (``add``): every package must be signed by the vendor key, as IOS XR verifies every
package's GPG signature: an unsigned one or one signed by another key is refused
(``UntrustedPackage``), unless its name starts with ``owner-`` (IOS XR's owner RPMs, built by
the router's owner: their signature is not verified). Every file of a package must lie below
its prefix (``InvalidPackage`` otherwise). A damaged RPM is ``InvalidPackage``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from xrsim.chassis import Chassis
from xrsim.chassis.filesystem import atomic_write
from xrsim.chassis.store import InstallRow, PackageRow
from xrsim.chassis.sudi import vendor_dir
from xrsim.crypto import rpm
from xrsim.errors import (
    FileAccessError,
    InstallError,
    InvalidInput,
    InvalidPackage,
    InvalidSignature,
    StateError,
    UntrustedPackage,
)
from xrsim.platforms import Platform
from xrsim.release import Release

__all__ = [
    "ARCH",
    "BUILD_TIME",
    "PACKAGES_ROOT",
    "PUBLIC_KEY_FILE",
    "SECRET_KEY_FILE",
    "InstallRecord",
    "Package",
    "PackageDef",
    "PackageFile",
    "PackageManager",
    "VendorRepository",
    "catalog",
    "release_tag",
]

#: Where packages live on a node: ``<PACKAGES_ROOT>/<nvr>/...``.
PACKAGES_ROOT = "/opt/cisco/XR/packages"
#: IOS XR (eXR) packages are x86_64.
ARCH = "x86_64"
#: Build time of the simulated vendor packages (``show version``'s ``Built On``).
BUILD_TIME = 1614281525
VENDOR = "Cisco Systems, Inc. (simulated by xrsim)"
SIGNER_ID = "xrsim Simulated Vendor Package Signing <packages@xrsim.invalid>"
PUBLIC_KEY_FILE = "RPM-GPG-KEY-xrsim"
SECRET_KEY_FILE = "RPM-GPG-KEY-xrsim.secret"  # noqa: S105 - a file name
#: The vendor RPMs' cache directory: a new layout of the catalog gets a new directory.
CACHE_DIR = ("packages", "v1")
LOCK_FILE = ("packages", ".lock")
#: Names of owner RPMs: their signature is not verified (IOS XR's owner RPMs).
OWNER_PREFIX = "owner-"

_NVR_PART = re.compile(r"[A-Za-z0-9._+~^-]+")


def release_tag(release: Release | str) -> str:
    """``7.3.1`` -> ``r731``: the RPM release of a release's packages."""
    return "r" + str(release).replace(".", "")


# --------------------------------------------------------------------------------------------
# Packages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageFile:
    """One file entry of a package: absolute node path, SHA-256 hex digest (empty for a
    directory or link), size, ``st_mode`` (type and permission bits)."""

    path: str
    digest: str
    size: int
    mode: int


@dataclass(frozen=True)
class Package:
    """A software package the router holds (contract of issue 13)."""

    name: str
    version: str
    release: str
    arch: str
    gpg_key_id: str
    files: tuple[PackageFile, ...]
    rpm_path: str
    summary: str = ""
    vendor: str = ""
    build_time: int = 0
    #: The base image (``[Boot image]`` in ``show install active``).
    boot: bool = False
    #: Where it came from: ``vendor`` (the platform's catalog) or the path it was added from.
    source: str = "vendor"

    @property
    def nvr(self) -> str:
        return f"{self.name}-{self.version}-{self.release}"

    @property
    def prefix(self) -> str:
        """The directory the package owns on every XR node."""
        return f"{PACKAGES_ROOT}/{self.nvr}"

    @property
    def size(self) -> int:
        """The installed size: the sum of the regular files' sizes."""
        return sum(f.size for f in self.files if f.digest)

    @property
    def filename(self) -> str:
        return f"{self.nvr}.{self.arch}.rpm"

    @property
    def label(self) -> str:
        """How ``show install active`` names it: the base image as ``<name>-<version>
        version=<version> [Boot image]``, the others by NVR."""
        if self.boot:
            return f"{self.name}-{self.version} version={self.version} [Boot image]"
        return self.nvr

    def header_json(self) -> str:
        return json.dumps(
            {
                "summary": self.summary,
                "vendor": self.vendor,
                "build_time": self.build_time,
                "key_id": self.gpg_key_id,
                "files": [[f.path, f.digest, f.size, f.mode] for f in self.files],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_header(
        cls, header: rpm.RpmHeader, rpm_path: str, *, boot: bool = False, source: str = "vendor"
    ) -> Package:
        return cls(
            name=header.name,
            version=header.version,
            release=header.release,
            arch=header.arch,
            gpg_key_id=header.key_id or "",
            files=tuple(PackageFile(f.path, f.digest, f.size, f.mode) for f in header.files),
            rpm_path=rpm_path,
            summary=header.summary,
            vendor=header.vendor,
            build_time=header.build_time,
            boot=boot,
            source=source,
        )

    @classmethod
    def from_row(cls, row: PackageRow) -> Package:
        try:
            h = json.loads(row.header)
            files = tuple(PackageFile(str(p), str(d), int(s), int(m)) for p, d, s, m in h["files"])
            return cls(
                name=row.name,
                version=row.version,
                release=row.release,
                arch=row.arch,
                gpg_key_id=str(h["key_id"]),
                files=files,
                rpm_path=row.rpm_path,
                summary=str(h["summary"]),
                vendor=str(h["vendor"]),
                build_time=int(h["build_time"]),
                boot=row.boot,
                source=row.source,
            )
        except (ValueError, KeyError, TypeError) as e:
            raise StateError(f"the stored package {row.nvr} cannot be read ({e!r})") from None

    def row(self, *, added: str, active: bool, committed: bool) -> PackageRow:
        return PackageRow(
            nvr=self.nvr,
            name=self.name,
            version=self.version,
            release=self.release,
            arch=self.arch,
            boot=self.boot,
            source=self.source,
            rpm_path=self.rpm_path,
            header=self.header_json(),
            added=added,
            active=active,
            committed=committed,
        )


# --------------------------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------------------------


#: The files of every package, below its prefix: (path pattern, mode). ``{f}`` is the
#: package's feature (``mpls`` of ``ncs5500-mpls``).
_FILES = (
    ("bin/{f}_mgr", 0o755),
    ("bin/{f}_ma", 0o755),
    ("bin/show_{f}", 0o755),
    ("lib/lib{f}.so.1", 0o755),
    ("lib/lib{f}_api.so.1", 0o755),
    ("lib/lib{f}_edm.so.1", 0o755),
    ("etc/{f}.conf", 0o644),
    ("etc/{f}_startup.cfg", 0o644),
)
#: The base image has a few more.
_BOOT_FILES = (("bin/sysmgr", 0o755), ("bin/xr_init", 0o755), ("etc/build-info.txt", 0o644))
_DIRS = ("", "bin", "lib", "etc")


def _stream(seed: bytes, size: int) -> bytes:
    """``size`` deterministic bytes (SHA-256 in counter mode over ``seed``)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:size])


def _content(nvr: str, rel: str, mode: int) -> bytes:
    seed = f"xrsim-package|{nvr}|{rel}".encode()
    h = int.from_bytes(hashlib.sha256(seed).digest()[:4], "big")
    size = 1024 + (h % 5) * 1024 + (h >> 8) % 512
    if mode & 0o111:  # an executable or shared object: ELF magic, then binary bytes
        return b"\x7fELF\x02\x01\x01\x00" + _stream(seed, size - 8)
    lines = [f"# {rel} of {nvr} (xrsim simulated package)"]
    i = 0
    while sum(len(x) + 1 for x in lines) < size:
        lines.append(f"{Path(rel).stem}.key{i} = {_stream(seed + bytes([i % 256]), 12).hex()}")
        i += 1
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class PackageDef:
    """One package of the catalog, before it is built."""

    name: str
    version: str
    release: str
    boot: bool = False
    summary: str = ""

    @property
    def nvr(self) -> str:
        return f"{self.name}-{self.version}-{self.release}"

    @property
    def prefix(self) -> str:
        return f"{PACKAGES_ROOT}/{self.nvr}"

    @property
    def filename(self) -> str:
        return f"{self.nvr}.{ARCH}.rpm"

    def feature(self) -> str:
        return self.name.rsplit("-", 1)[-1]

    def specs(self) -> tuple[list[rpm.DirSpec], list[rpm.FileSpec]]:
        f = self.feature()
        dirs = [rpm.DirSpec(f"{self.prefix}/{d}".rstrip("/")) for d in _DIRS]
        layout = _FILES + (_BOOT_FILES if self.boot else ())
        files = []
        for pattern, mode in layout:
            rel = pattern.format(f=f)
            files.append(rpm.FileSpec(f"{self.prefix}/{rel}", _content(self.nvr, rel, mode), mode))
        return dirs, files

    def build(self, key: rpm.SigningKey | None) -> bytes:
        dirs, files = self.specs()
        return rpm.build(
            name=self.name,
            version=self.version,
            release=self.release,
            arch=ARCH,
            summary=self.summary or f"{self.name} package",
            description=f"{self.summary or self.name} (simulated IOS XR package, xrsim)",
            vendor=VENDOR,
            build_time=BUILD_TIME,
            dirs=dirs,
            files=files,
            signing_key=key,
        )


def catalog(platform: Platform, release: Release | str) -> list[PackageDef]:
    """The packages the platform profile ships with ``release``: the base image first, then
    the profile's optional packages in profile order."""
    rel = str(release)
    tag = release_tag(rel)
    out = [
        PackageDef(f"{platform.family}-xr", rel, tag, boot=True, summary=f"IOS XR {rel} base image")
    ]
    for entry in platform.packages:
        name, _, version = entry.rpartition("-")
        if not name or not version:
            raise InvalidInput(f"platform {platform.pid}: package {entry!r} is not name-version")
        feature = name.rsplit("-", 1)[-1]
        out.append(PackageDef(name, version, tag, summary=f"IOS XR {feature} package"))
    return out


# --------------------------------------------------------------------------------------------
# The vendor repository
# --------------------------------------------------------------------------------------------


def _access_error(exc: OSError, path: Path) -> FileAccessError:
    return FileAccessError(exc.errno or 0, exc.strerror or str(exc), str(path))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise _access_error(exc, path) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class VendorRepository:
    """The simulated vendor's package signing key and built RPMs in one vendor directory."""

    _cache: ClassVar[dict[Path, VendorRepository]] = {}
    _cache_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, directory: Path, key: rpm.SigningKey) -> None:
        self.directory = directory
        self.key = key
        self._built: dict[str, tuple[Path, rpm.RpmHeader]] = {}
        self._lock = threading.Lock()

    @property
    def public_key_path(self) -> Path:
        """The armored public key (what ``rpm --import`` takes)."""
        return self.directory / PUBLIC_KEY_FILE

    @property
    def cache_dir(self) -> Path:
        return self.directory.joinpath(*CACHE_DIR)

    @classmethod
    def open(cls, directory: str | os.PathLike[str] | None = None) -> VendorRepository:
        """The repository of the vendor directory (``vendor_dir``), its key made on first
        use; loaded once per process and directory."""
        path = vendor_dir(directory).absolute()
        with cls._cache_lock:
            cached = cls._cache.get(path)
        if cached is not None and (path / SECRET_KEY_FILE).exists():
            return cached
        key = cls._load_key(path)
        if key is None:
            with _locked(path.joinpath(*LOCK_FILE)):
                key = cls._load_key(path) or cls._make_key(path)
        repo = cls(path, key)
        with cls._cache_lock:
            cls._cache[path] = repo
        return repo

    @staticmethod
    def _load_key(path: Path) -> rpm.SigningKey | None:
        secret_path, public_path = path / SECRET_KEY_FILE, path / PUBLIC_KEY_FILE
        try:
            secret = secret_path.read_text()
            public = public_path.read_text()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            if isinstance(exc, OSError):
                raise _access_error(exc, secret_path) from None
            raise InvalidInput(f"{secret_path}: not an armored OpenPGP key") from None
        key_id = rpm.key_id_of(secret)
        if rpm.key_id_of(public) != key_id:
            raise InvalidInput(f"vendor directory {path}: {PUBLIC_KEY_FILE} does not match")
        return rpm.SigningKey(secret, public, key_id, "")

    @staticmethod
    def _make_key(path: Path) -> rpm.SigningKey:
        key = rpm.generate_signing_key(SIGNER_ID, bits=2048, created=BUILD_TIME)
        # The public key last: its presence means the pair is complete.
        atomic_write(path / SECRET_KEY_FILE, key.secret_armored.encode(), 0o600)
        atomic_write(path / PUBLIC_KEY_FILE, key.public_armored.encode(), 0o644)
        return key

    def package(self, pkg: PackageDef) -> tuple[Path, rpm.RpmHeader]:
        """The RPM of a catalog package (built and cached on first use) and its header."""
        with self._lock:
            found = self._built.get(pkg.nvr)
            if found is not None and found[0].exists():
                return found
            target = self.cache_dir / pkg.filename
            header = self._load(target)
            if header is None:
                with _locked(self.directory.joinpath(*LOCK_FILE)):
                    header = self._load(target)
                    if header is None:
                        data = pkg.build(self.key)
                        try:
                            self.cache_dir.mkdir(parents=True, exist_ok=True)
                        except OSError as exc:
                            raise _access_error(exc, self.cache_dir) from None
                        atomic_write(target, data, 0o644)
                        header = rpm.read(data)
            self._built[pkg.nvr] = (target, header)
            return target, header

    def _load(self, path: Path) -> rpm.RpmHeader | None:
        """The header of a cached RPM signed by this key, None when absent or not ours."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _access_error(exc, path) from None
        try:
            header = rpm.read(data)
        except InvalidPackage:
            return None  # damaged: built again
        return header if header.key_id == self.key.key_id else None


# --------------------------------------------------------------------------------------------
# The install log
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallRecord:
    """One install operation: ``packages`` the NVRs it named, ``active`` and ``committed``
    the sets after it (its rollback point)."""

    id: int
    operation: str
    command: str
    user: str
    started: datetime
    finished: datetime
    status: str
    packages: tuple[str, ...]
    active: tuple[str, ...]
    committed: tuple[str, ...]

    @classmethod
    def from_row(cls, row: InstallRow) -> InstallRecord:
        try:
            return cls(
                id=row.id,
                operation=row.operation,
                command=row.command,
                user=row.user,
                started=datetime.fromisoformat(row.started),
                finished=datetime.fromisoformat(row.finished),
                status=row.status,
                packages=tuple(json.loads(row.packages)),
                active=tuple(json.loads(row.active)),
                committed=tuple(json.loads(row.committed)),
            )
        except (ValueError, TypeError) as e:
            raise StateError(
                f"the stored install operation {row.id} cannot be read ({e})"
            ) from None

    def row(self) -> InstallRow:
        return InstallRow(
            id=self.id,
            operation=self.operation,
            command=self.command,
            user=self.user,
            started=self.started.isoformat(),
            finished=self.finished.isoformat(),
            status=self.status,
            packages=json.dumps(list(self.packages)),
            active=json.dumps(list(self.active)),
            committed=json.dumps(list(self.committed)),
        )


# --------------------------------------------------------------------------------------------
# The package manager
# --------------------------------------------------------------------------------------------


@dataclass
class _State:
    packages: dict[str, Package] = field(default_factory=dict)  # nvr -> package, added order
    active: list[str] = field(default_factory=list)
    committed: list[str] = field(default_factory=list)
    log: list[InstallRecord] = field(default_factory=list)
    extracted: dict[str, set[str]] = field(default_factory=dict)  # node -> nvrs


class PackageManager:
    """The software packages of one router (``router.packages``). Make it with ``open``."""

    def __init__(self, chassis: Chassis, repository: VendorRepository, state: _State) -> None:
        self._chassis = chassis
        self._repo = repository
        self._state = state
        self._lock = threading.RLock()
        self._subscribers: list[Callable[[], None]] = []

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(cls, chassis: Chassis) -> PackageManager:
        """The package manager of a chassis being powered on: the platform's packages on a
        first boot (or after a release change), uncommitted activations undone, and every
        active package extracted on every XR node where it is not recorded yet."""
        repo = VendorRepository.open(chassis.vendor_dir)
        store = chassis.store
        state = _State()
        for row in store.packages():
            pkg = Package.from_row(row)
            state.packages[pkg.nvr] = pkg
            if row.active:
                state.active.append(pkg.nvr)
            if row.committed:
                state.committed.append(pkg.nvr)
        state.log = [InstallRecord.from_row(r) for r in store.install_log()]
        state.extracted = store.node_packages()
        manager = cls(chassis, repo, state)
        manager._seed()
        manager._power_on()
        return manager

    def _now(self) -> str:
        return self._chassis.clock.now().isoformat()

    def _seed(self) -> None:
        """Add the catalog's packages (active, committed) when the router has no base image
        of its release: a first boot, or a release change (the old vendor packages go; users'
        packages stay, inactive)."""
        st = self._state
        rel = str(self._chassis.release)
        boots = [p for p in st.packages.values() if p.boot]
        if any(p.version == rel and p.nvr in st.active for p in boots):
            return
        defs = catalog(self._chassis.platform, rel)
        fresh = []
        for d in defs:
            path, header = self._repo.package(d)
            fresh.append(Package.from_header(header, str(path), boot=d.boot))
        old_vendor = [p.nvr for p in st.packages.values() if p.source == "vendor"]
        new_nvrs = [p.nvr for p in fresh]
        now = self._now()
        store = self._chassis.store
        with store.transaction():
            stale = [n for n in old_vendor if n not in new_nvrs]
            if stale:
                store.delete_packages(stale)
            store.put_packages([p.row(added=now, active=True, committed=True) for p in fresh])
            kept = [n for n in st.packages if n not in old_vendor]
            store.set_package_states(new_nvrs, new_nvrs)
            gone = [(node, n) for node, ns in st.extracted.items() for n in ns if n in stale]
            store.delete_node_packages(gone)
        for n in stale:
            st.packages.pop(n, None)
        users = {n: st.packages[n] for n in kept if n in st.packages}
        st.packages = {p.nvr: p for p in fresh} | users
        st.active, st.committed = list(new_nvrs), list(new_nvrs)
        for _node, ns in st.extracted.items():
            ns.difference_update(stale)
        self._remove_dirs(stale)

    def _power_on(self) -> None:
        """Boot the committed software (undoing activations never committed), then extract
        every active package where it is not recorded, and remove inactive ones' files."""
        st = self._state
        if set(st.active) != set(st.committed) and st.committed:
            self._chassis.store.set_package_states(st.committed, st.committed)
            dropped = [n for n in st.active if n not in st.committed]
            st.active = list(st.committed)
            self._unextract(dropped)
        self._sync_nodes()

    # -- nodes ------------------------------------------------------------------------------

    def xr_nodes(self) -> list[str]:
        """The nodes that run IOS XR (RPs and line cards), in ``show platform`` order."""
        return [n.name for n in self._chassis.nodes if n.runs_xr]

    def nodes_root(self, node_name: str) -> Path:
        """The root directory of a node's filesystem: a package's files are at
        ``nodes_root(node) / prefix.lstrip('/')``."""
        return self._chassis.fs(node_name).root

    def _sync_nodes(self) -> None:
        """Extract each active package on every XR node without a record of it (one
        decompression per package for all those nodes), then record them in one
        transaction."""
        st = self._state
        done: list[tuple[str, str]] = []
        for nvr in st.active:
            pkg = st.packages[nvr]
            missing = [n for n in self.xr_nodes() if nvr not in st.extracted.get(n, set())]
            if not missing:
                continue
            self._extract(pkg, missing)
            done.extend((n, nvr) for n in missing)
        if done:
            self._chassis.store.put_node_packages(done, self._now())
            for node, nvr in done:
                st.extracted.setdefault(node, set()).add(nvr)

    def _rpm_bytes(self, pkg: Package) -> bytes:
        try:
            return Path(pkg.rpm_path).read_bytes()
        except FileNotFoundError:
            if pkg.source == "vendor":  # the vendor cache was cleared: built again
                for d in catalog(self._chassis.platform, self._chassis.release):
                    if d.nvr == pkg.nvr:
                        path, _ = self._repo.package(d)
                        return path.read_bytes()
            raise InstallError(
                f"the package file of {pkg.nvr} is missing ({pkg.rpm_path})"
            ) from None
        except OSError as exc:
            raise _access_error(exc, Path(pkg.rpm_path)) from None

    def _extract(self, pkg: Package, nodes: Sequence[str]) -> None:
        data = self._rpm_bytes(pkg)
        roots = [self.nodes_root(n) for n in nodes]
        for r in roots:
            r.mkdir(parents=True, exist_ok=True)
        rpm.extract(data, roots)

    def _remove_dirs(self, nvrs: Sequence[str], nodes: Sequence[str] | None = None) -> None:
        for node in nodes if nodes is not None else self.xr_nodes():
            root = self.nodes_root(node)
            for nvr in nvrs:
                target = root / PACKAGES_ROOT.lstrip("/") / nvr
                if target.is_symlink():
                    target.unlink()
                elif target.exists():
                    shutil.rmtree(target)

    def _unextract(self, nvrs: Sequence[str]) -> None:
        """Forget and remove the files of ``nvrs`` on every node."""
        st = self._state
        pairs = [(node, n) for node, ns in st.extracted.items() for n in nvrs if n in ns]
        if pairs:
            self._chassis.store.delete_node_packages(pairs)
            for node, n in pairs:
                st.extracted[node].discard(n)
        self._remove_dirs(nvrs)

    # -- queries ----------------------------------------------------------------------------

    @property
    def repository(self) -> VendorRepository:
        return self._repo

    def packages(self) -> list[Package]:
        """Every package the router holds, in the order they were added."""
        with self._lock:
            return list(self._state.packages.values())

    def active(self) -> list[Package]:
        """The active packages: the base image first, then in activation order."""
        with self._lock:
            return [self._state.packages[n] for n in self._state.active]

    def committed(self) -> list[Package]:
        """The committed packages (what the router boots)."""
        with self._lock:
            return [self._state.packages[n] for n in self._state.committed]

    def inactive(self) -> list[Package]:
        """Packages added but not active."""
        with self._lock:
            return [p for n, p in self._state.packages.items() if n not in self._state.active]

    def log(self) -> list[InstallRecord]:
        """The install operations, oldest first."""
        with self._lock:
            return list(self._state.log)

    def record(self, op_id: int) -> InstallRecord:
        """One install operation; ``InstallError`` for an unknown ID."""
        for r in self.log():
            if r.id == op_id:
                return r
        raise InstallError(f"no install operation {op_id}")

    def extracted(self, node_name: str) -> set[str]:
        """The packages recorded as extracted on a node."""
        with self._lock:
            return set(self._state.extracted.get(self._chassis.node(node_name).name, set()))

    def find(self, spec: str) -> Package:
        """The package named by ``spec``: its NVR, ``NVR.arch``, its file name (``.rpm``), or
        its name when one package has it. ``InstallError`` when none (or several) match."""
        text = spec.strip()
        for suffix in (".rpm", f".{ARCH}", ".noarch"):
            if text.endswith(suffix):
                text = text[: -len(suffix)]
        with self._lock:
            pkgs = self._state.packages
            if text in pkgs:
                return pkgs[text]
            by_name = [p for p in pkgs.values() if p.name == text]
        if len(by_name) == 1:
            return by_name[0]
        if by_name:
            raise InstallError(
                f"{spec} names several packages: " + ", ".join(p.nvr for p in by_name)
            )
        raise InstallError(f"package {spec} is not in the install repository")

    def public_keys(self) -> list[str]:
        """The armored keys package signatures are checked against (the vendor's)."""
        return [self._repo.key.public_armored]

    # -- changes ----------------------------------------------------------------------------

    def subscribe(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` after every change of the active set."""
        with self._lock:
            self._subscribers.append(fn)

    def _notify(self) -> None:
        first: BaseException | None = None
        for fn in list(self._subscribers):
            try:
                fn()
            except Exception as e:
                first = first or e
        if first is not None:
            raise first

    def _next_id(self) -> int:
        return (self._state.log[-1].id if self._state.log else 0) + 1

    def _record(
        self, operation: str, command: str, *, user: str, started: datetime,
        packages: Sequence[str], active: Sequence[str], committed: Sequence[str],
    ) -> InstallRecord:  # fmt: skip
        return InstallRecord(
            id=self._next_id(),
            operation=operation,
            command=command,
            user=user,
            started=started,
            finished=self._chassis.clock.now(),
            status="success",
            packages=tuple(packages),
            active=tuple(active),
            committed=tuple(committed),
        )

    def add(
        self,
        items: Sequence[tuple[str, bytes]],
        *,
        user: str = "admin",
        command: str | None = None,
        repository: str | os.PathLike[str] | None = None,
    ) -> InstallRecord:
        """``install add``: check and keep the RPMs ``(source, bytes)`` (``source`` as the
        user named it: ``harddisk:/x.rpm``) in the router's install repository
        (``STATE/install_repo`` unless ``repository``); they are inactive until activated.
        Each must be well formed (``InvalidPackage``), signed by the vendor key unless an
        owner RPM (``UntrustedPackage``), keep its files below its prefix (``InvalidPackage``)
        and be new (``InstallError``). Nothing is kept unless all pass."""
        if not items:
            raise InvalidInput("install add needs at least one package")
        started = self._chassis.clock.now()
        checked: list[tuple[Package, bytes]] = []
        repo_dir = (
            Path(repository) if repository is not None else self._chassis.state_dir / "install_repo"
        )
        for source, data in items:
            header = self._check(source, data)
            pkg = Package.from_header(
                header, str(repo_dir / f"{header.nvr}.{header.arch}.rpm"), source=source
            )
            with self._lock:
                if pkg.nvr in self._state.packages or any(p.nvr == pkg.nvr for p, _ in checked):
                    raise InstallError(f"package {pkg.nvr} is already in the install repository")
            checked.append((pkg, data))
        cmd = command or "install add source " + " ".join(s for s, _ in items)
        with self._lock:
            st = self._state
            written: list[Path] = []
            try:
                repo_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                for pkg, data in checked:
                    atomic_write(pkg.rpm_path, data, 0o644)
                    written.append(Path(pkg.rpm_path))
            except OSError as exc:
                for w in written:
                    w.unlink(missing_ok=True)
                raise _access_error(exc, repo_dir) from None
            record = self._record(
                "add",
                cmd,
                user=user,
                started=started,
                packages=[p.nvr for p, _ in checked],
                active=st.active,
                committed=st.committed,
            )
            store = self._chassis.store
            try:
                with store.transaction():
                    store.put_packages(
                        [
                            p.row(added=self._now(), active=False, committed=False)
                            for p, _ in checked
                        ]
                    )
                    store.add_install_record(record.row())
            except BaseException:
                for w in written:
                    w.unlink(missing_ok=True)
                raise
            for p, _ in checked:
                st.packages[p.nvr] = p
            st.log.append(record)
            return record

    def _check(self, source: str, data: bytes) -> rpm.RpmHeader:
        header = rpm.verify(data)  # digests: InvalidPackage when damaged
        owner = header.name.startswith(OWNER_PREFIX)
        if not owner:
            if header.key_id is None:
                raise UntrustedPackage(f"{source}: package {header.nvr} is not signed")
            try:
                rpm.verify(data, self.public_keys())
            except InvalidSignature:
                raise UntrustedPackage(
                    f"{source}: package {header.nvr} is signed by key {header.key_id}, "
                    "not by a trusted key"
                ) from None
        for part in (header.name, header.version, header.release):
            if not _NVR_PART.fullmatch(part):
                raise InvalidPackage(f"{source}: {part!r} is not a package name part")
        prefix = f"{PACKAGES_ROOT}/{header.nvr}"
        for f in header.files:
            if f.path != prefix and not f.path.startswith(prefix + "/"):
                raise InvalidPackage(
                    f"{source}: package {header.nvr} installs {f.path} outside {prefix}"
                )
        return header

    def _set_active(
        self, operation: str, command: str, *, user: str, named: Sequence[str],
        active: list[str], committed: list[str] | None = None,
    ) -> InstallRecord:  # fmt: skip
        """Make ``active`` the active set (and ``committed`` the committed one): extract what
        is new on every XR node first, then one transaction (the sets, the extraction
        records, the log entry), then remove the files of what went and notify."""
        st = self._state
        started = self._chassis.clock.now()
        new_committed = list(st.committed) if committed is None else committed
        added = [n for n in active if n not in st.active]
        removed = [n for n in st.active if n not in active]
        nodes = self.xr_nodes()
        extracted: list[str] = []
        try:
            for nvr in added:
                self._extract(st.packages[nvr], nodes)
                extracted.append(nvr)
        except BaseException:
            self._remove_dirs(extracted)
            raise
        record = self._record(
            operation,
            command,
            user=user,
            started=started,
            packages=named,
            active=active,
            committed=new_committed,
        )
        store = self._chassis.store
        gone = [(node, n) for node, ns in st.extracted.items() for n in removed if n in ns]
        try:
            with store.transaction():
                store.set_package_states(active, new_committed)
                store.put_node_packages([(node, n) for n in added for node in nodes], self._now())
                store.delete_node_packages(gone)
                store.add_install_record(record.row())
        except BaseException:
            self._remove_dirs(extracted)
            raise
        st.active, st.committed = list(active), new_committed
        for n in added:
            for node in nodes:
                st.extracted.setdefault(node, set()).add(n)
        for node, n in gone:
            st.extracted[node].discard(n)
        st.log.append(record)
        self._remove_dirs(removed)
        return record

    def activate(
        self, specs: Sequence[str], *, user: str = "admin", command: str | None = None
    ) -> InstallRecord:
        """``install activate``: make added packages active (a package of a name already
        active replaces it: an upgrade or downgrade) and extract them on every XR node.
        ``InstallError`` for an unknown or already active package."""
        if not specs:
            raise InvalidInput("install activate needs at least one package")
        with self._lock:
            pkgs = [self.find(s) for s in specs]
            active = list(self._state.active)
            for p in pkgs:
                if p.nvr in active:
                    raise InstallError(f"package {p.nvr} is already active")
                same = [n for n in active if self._state.packages[n].name == p.name]
                if same:
                    active[active.index(same[0])] = p.nvr
                else:
                    active.append(p.nvr)
            cmd = command or "install activate " + " ".join(specs)
            record = self._set_active(
                "activate", cmd, user=user, named=[p.nvr for p in pkgs], active=active
            )
        self._notify()
        return record

    def deactivate(
        self, specs: Sequence[str], *, user: str = "admin", command: str | None = None
    ) -> InstallRecord:
        """``install deactivate``: make active packages inactive and remove their directory
        on every XR node. The base image cannot be deactivated (``InstallError``)."""
        if not specs:
            raise InvalidInput("install deactivate needs at least one package")
        with self._lock:
            pkgs = [self.find(s) for s in specs]
            for p in pkgs:
                if p.nvr not in self._state.active:
                    raise InstallError(f"package {p.nvr} is not active")
                if p.boot:
                    raise InstallError(
                        f"package {p.nvr} is the boot image: it cannot be deactivated"
                    )
            names = {p.nvr for p in pkgs}
            active = [n for n in self._state.active if n not in names]
            cmd = command or "install deactivate " + " ".join(specs)
            record = self._set_active(
                "deactivate", cmd, user=user, named=[p.nvr for p in pkgs], active=active
            )
        self._notify()
        return record

    def commit(self, *, user: str = "admin", command: str = "install commit") -> InstallRecord:
        """``install commit``: the active packages become the committed ones (what the router
        boots)."""
        with self._lock:
            st = self._state
            active = list(st.active)
            return self._set_active(
                "commit", command, user=user, named=[], active=active, committed=list(active)
            )

    def rollback(
        self, op_id: int, *, user: str = "admin", command: str | None = None
    ) -> InstallRecord:
        """``install rollback to ID``: activate the software that was active after operation
        ``op_id`` (its packages must still be in the repository). ``InstallError`` for an
        unknown ID or a package gone."""
        with self._lock:
            target = self.record(op_id)
            missing = [n for n in target.active if n not in self._state.packages]
            if missing:
                raise InstallError(
                    f"cannot roll back to {op_id}: package(s) {', '.join(missing)} no longer in "
                    "the install repository"
                )
            cmd = command or f"install rollback to {op_id}"
            record = self._set_active(
                "rollback", cmd, user=user, named=[], active=list(target.active)
            )
        self._notify()
        return record

    def by_nvr(self) -> Mapping[str, Package]:
        with self._lock:
            return dict(self._state.packages)

    def __repr__(self) -> str:
        st = self._state
        return f"<PackageManager {len(st.packages)} packages, {len(st.active)} active>"

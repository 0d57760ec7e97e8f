"""RPM packages in the Rust core (the ``rpm`` crate, format v4): build, sign, read, verify,
extract (layer 1).

- ``SigningKey``: an OpenPGP RSA signing key as armored text (``generate_signing_key``); its
  ``public_armored`` is what ``rpm --import`` reads, ``key_id`` the 16 hex digits ``rpm -K``
  and IOS XR's ``gpg-key-id`` show. ``secret_armored`` is secret: never print or log it.
- ``FileSpec``/``DirSpec``: what a package to ``build`` holds (absolute target paths, mode,
  owner); ``build`` gives the package bytes, signed when a secret key is given. File digests
  are SHA-256 (FILEDIGESTALGO 8), as rpm 4.18 writes them; payloads are gzip.
- ``RpmHeader``/``RpmFile``: what ``read`` (header only) and ``verify`` (header and payload
  digests, then the signature against trusted public keys) return.
- ``payload``: the regular files with their content; ``extract``: the payload written under
  each of several node roots at once (one decompression, GIL released), each file checked
  against its header digest first.

Errors (``xrsim.errors``): ``InvalidPackage`` for bytes that are not an RPM or whose digests do
not match (damaged, tampered); ``InvalidSignature`` for an unsigned package or a signature no
trusted key verifies; ``InvalidKey`` for a key that cannot sign; ``InvalidInput`` for a spec
that cannot be built (a relative path, a bad name); ``FileAccessError`` for extraction I/O.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xrsim import _native

__all__ = [
    "DIGEST_SHA256",
    "DirSpec",
    "FileSpec",
    "RpmFile",
    "RpmHeader",
    "SigningKey",
    "build",
    "extract",
    "generate_signing_key",
    "key_id_of",
    "payload",
    "read",
    "verify",
]

#: FILEDIGESTALGO of SHA-256 (a PGP hash algorithm ID): what xrsim and rpm 4.18 write.
DIGEST_SHA256 = 8


@dataclass(frozen=True)
class SigningKey:
    """An OpenPGP RSA signing key (armored). ``repr`` leaves the secret out."""

    secret_armored: str
    public_armored: str
    key_id: str
    fingerprint: str

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r}, fingerprint={self.fingerprint!r})"


def generate_signing_key(user_id: str, *, bits: int = 2048, created: int = 0) -> SigningKey:
    """A new OpenPGP RSA key of ``bits`` (2048, 3072, 4096; ``KeySizeError`` otherwise) for
    ``user_id`` (``"Name <mail>"``), created at ``created`` (epoch seconds)."""
    secret, public, key_id, fingerprint = _native.rpm_generate_signing_key(user_id, bits, created)
    return SigningKey(secret, public, key_id, fingerprint)


def key_id_of(armored: str) -> str:
    """The key ID (16 lower-case hex digits) of an armored OpenPGP public or secret key;
    ``InvalidKey`` for text that is not one."""
    return _native.rpm_key_id(armored)


@dataclass(frozen=True)
class FileSpec:
    """A regular file of a package to build: absolute target path, content, permission bits
    and owner."""

    path: str
    content: bytes
    mode: int = 0o644
    user: str = "root"
    group: str = "root"


@dataclass(frozen=True)
class DirSpec:
    """A directory a package owns."""

    path: str
    mode: int = 0o755
    user: str = "root"
    group: str = "root"


@dataclass(frozen=True)
class RpmFile:
    """One file entry of a header: ``mode`` is ``st_mode`` (type and permission bits),
    ``digest`` the header's hex digest (empty for directories and links)."""

    path: str
    digest: str
    size: int
    mode: int
    user: str
    group: str
    linkto: str

    @property
    def is_regular(self) -> bool:
        return stat.S_ISREG(self.mode)

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)


@dataclass(frozen=True)
class RpmHeader:
    """What a package's header says. ``key_id``: the signing key's ID (16 lower-case hex
    digits), None when unsigned. ``digest_algorithm``: FILEDIGESTALGO (8: SHA-256)."""

    name: str
    version: str
    release: str
    arch: str
    summary: str
    vendor: str
    build_time: int
    digest_algorithm: int
    key_id: str | None
    files: tuple[RpmFile, ...]

    @property
    def nvr(self) -> str:
        return f"{self.name}-{self.version}-{self.release}"

    @property
    def size(self) -> int:
        """The installed size: the sum of the regular files' sizes."""
        return sum(f.size for f in self.files if f.is_regular)


def _header(raw: _native._RpmHeader) -> RpmHeader:
    name, version, release, arch, summary, vendor, built, algorithm, key_id, files = raw
    return RpmHeader(
        name=name,
        version=version,
        release=release,
        arch=arch,
        summary=summary,
        vendor=vendor,
        build_time=built,
        digest_algorithm=algorithm,
        key_id=key_id,
        files=tuple(RpmFile(*f) for f in files),
    )


def build(
    *,
    name: str,
    version: str,
    release: str,
    arch: str,
    summary: str,
    files: Sequence[FileSpec],
    dirs: Sequence[DirSpec] = (),
    description: str = "",
    license: str = "Proprietary",
    vendor: str = "",
    build_time: int = 0,
    signing_key: SigningKey | str | None = None,
) -> bytes:
    """The bytes of an RPM (format v4) holding ``dirs`` and ``files``, signed by
    ``signing_key`` (a ``SigningKey`` or its armored secret) when given. ``build_time`` is
    the build time and every file's mtime: the same arguments give the same header."""
    secret = signing_key.secret_armored if isinstance(signing_key, SigningKey) else signing_key
    return _native.rpm_build(
        name,
        version,
        release,
        arch,
        summary,
        description or summary,
        license,
        vendor,
        build_time,
        [(d.path, d.mode, d.user, d.group) for d in dirs],
        [(f.path, f.content, f.mode, f.user, f.group) for f in files],
        secret,
    )


def read(data: bytes) -> RpmHeader:
    """The header of a package, digests not checked (``verify`` checks them)."""
    return _header(_native.rpm_read(data))


def verify(data: bytes, public_keys: Iterable[str] | None = None) -> RpmHeader:
    """The header, after checking the header and payload digests (``InvalidPackage``) and,
    when ``public_keys`` (armored) is given, that one of them verifies the signature
    (``InvalidSignature``, also for an unsigned package)."""
    keys = None if public_keys is None else list(public_keys)
    return _header(_native.rpm_verify(data, keys))


def payload(data: bytes) -> list[tuple[str, bytes]]:
    """The payload's regular files ``(path, content)``, each checked against its digest."""
    return _native.rpm_payload(data)


def extract(data: bytes, roots: Iterable[str | os.PathLike[str]]) -> int:
    """Write the payload under every root (a node root: ``/opt/x`` goes to ``ROOT/opt/x``),
    after checking every digest; a file or symbolic link in the way is replaced, never
    followed. Returns the number of regular files written per root."""
    return _native.rpm_extract(data, [os.fspath(r) for r in roots])

"""Known Good Values: the vendor's signed list of package fingerprints (layer 4: imports
``xrsim.chassis.sudi`` and ``xrsim.chassis.filesystem``, ``xrsim.crypto`` (keys, ``rpm``),
``xrsim.errors`` and ``xrsim.integrity.fingerprint``).

A KGV file is a JSON document (docs/formats.md, "Known Good Values") mapping each package's
name-version-release to its fingerprint (the rule of ``xrsim.integrity.fingerprint``), with the
platform and release it was made for; beside it, ``<file>.sig`` holds the detached RSA PKCS#1
v1.5 SHA-512 signature over the file's exact bytes by the simulated vendor root key
(``xrsim.chassis.sudi.VendorCA``: ``root.key`` in the vendor directory), so anyone holding the
root certificate can check it (``openssl dgst -sha512 -verify``).

- ``Kgv``: the document (``platform``, ``family``, ``release``, ``created``, ``signer``,
  ``packages``: NVR -> fingerprint); ``to_json`` / ``from_json`` (no signature involved);
  ``check(rows)`` / ``check_report(report)`` compare installed fingerprints with it.
- ``SignedKgv``: a document with its JSON bytes and signature, as ``make`` gives and
  ``verify`` / ``load`` accept.
- ``make(packages, ...)``: the vendor side: the KGV of packages as the vendor's RPM headers
  give them (``read_rpms``: ``crypto.rpm.RpmHeader`` s; or installed ``Package`` s): the
  install-time fingerprint of each, signed with the vendor root key. ``write`` puts ``FILE``
  and ``FILE.sig`` on disk; ``xrsim kgv`` is the command (``xrsim.frontends.main``).
- ``verify(data, signature, root)`` and ``load(path, root=...)``: check the signature against
  the root certificate, then the document. A signature that does not verify (a changed or
  truncated file, another key) raises ``InvalidSignature``; a signed file that is not a KGV
  document raises ``InvalidInput``; an unreadable file ``FileAccessError``.
- ``PackageCheck`` and ``Verdict``: per package, its install-time and run-time fingerprints
  against the KGV: ``match``, ``mismatch``, ``missing`` (the KGV does not list the package) or
  ``not-generated`` (run-time ``"0"``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from xrsim.chassis.filesystem import atomic_write
from xrsim.chassis.sudi import ROOT_KEY, VendorCA
from xrsim.crypto import PublicKey, load_private_key, load_public_key, rpm
from xrsim.crypto.rpm import RpmHeader
from xrsim.errors import FileAccessError, InvalidInput, InvalidKey
from xrsim.integrity.fingerprint import (
    NO_FINGERPRINT,
    Fingerprintable,
    FingerprintReport,
    install_fingerprint,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SIGNATURE_ALGORITHM",
    "SIGNATURE_SUFFIX",
    "Kgv",
    "PackageCheck",
    "SignedKgv",
    "Verdict",
    "load",
    "make",
    "read_rpms",
    "signature_path",
    "verify",
    "write",
]

#: The document's ``format`` and ``format-version``.
FORMAT = "xrsim-kgv"
FORMAT_VERSION = 1
#: The fingerprint rule the values follow (docs/formats.md).
FINGERPRINT_RULE = "sha1(sorted(path NUL sha256-hex LF))"
SIGNATURE_ALGORITHM = "rsa-pkcs1v15-sha512"
#: ``FILE`` is signed in ``FILE + SIGNATURE_SUFFIX``.
SIGNATURE_SUFFIX = ".sig"

_FINGERPRINT = re.compile(r"[0-9a-f]{40}")
_NVR = re.compile(r"[A-Za-z0-9._+~^-]+-[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+")
_KEYS = (
    "format",
    "format-version",
    "platform",
    "family",
    "release",
    "created",
    "signer",
    "fingerprint-rule",
    "signature-algorithm",
    "packages",
)
#: The most a KGV file may hold (a platform has tens of packages, not millions).
MAX_SIZE = 16 << 20


class Verdict(StrEnum):
    """One fingerprint against the KGV."""

    MATCH = "match"
    MISMATCH = "mismatch"
    MISSING = "missing"  # the KGV has no value for the package
    NOT_GENERATED = "not-generated"  # run-time "0": nothing to compare yet


@dataclass(frozen=True)
class PackageCheck:
    """One installed package against the KGV: ``expected`` is the KGV's value (None when the
    KGV does not list the package), ``install`` and ``run`` the verdicts of its install-time
    and run-time fingerprints."""

    nvr: str
    expected: str | None
    install_time: str
    run_time: str
    install: Verdict
    run: Verdict

    @property
    def ok(self) -> bool:
        """Both fingerprints equal the KGV's value."""
        return self.install is Verdict.MATCH and self.run is Verdict.MATCH

    @property
    def verdict(self) -> Verdict:
        """The package's verdict: ``missing``, ``mismatch`` if either fingerprint differs,
        ``not-generated`` if install-time matches and run-time is ``"0"``, else ``match``."""
        if self.expected is None:
            return Verdict.MISSING
        if Verdict.MISMATCH in (self.install, self.run):
            return Verdict.MISMATCH
        return self.run


def _verdict(expected: str | None, value: str) -> Verdict:
    if expected is None:
        return Verdict.MISSING
    if value == NO_FINGERPRINT:
        return Verdict.NOT_GENERATED
    return Verdict.MATCH if value == expected else Verdict.MISMATCH


def _time_text(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Kgv:
    """A Known Good Values document."""

    platform: str
    family: str
    release: str
    created: datetime
    signer: str
    packages: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for what, value in (
            ("platform", self.platform),
            ("family", self.family),
            ("release", self.release),
            ("signer", self.signer),
        ):
            if not isinstance(value, str):
                raise InvalidInput(f"KGV {what} must be a string, got {type(value).__name__}")
        if not isinstance(self.created, datetime) or self.created.tzinfo is None:
            raise InvalidInput("KGV created must be an aware datetime")
        if not isinstance(self.packages, Mapping):
            raise InvalidInput("KGV packages must map name-version-release to fingerprint")
        for nvr, value in self.packages.items():
            if not isinstance(nvr, str) or not _NVR.fullmatch(nvr):
                raise InvalidInput(f"KGV: not a package name-version-release: {nvr!r}")
            if not isinstance(value, str) or not _FINGERPRINT.fullmatch(value):
                raise InvalidInput(f"KGV: {nvr}: not a fingerprint (40 hex digits): {value!r}")
        object.__setattr__(self, "packages", MappingProxyType(dict(sorted(self.packages.items()))))

    def get(self, nvr: str) -> str | None:
        """The known good fingerprint of a package, None when the KGV does not list it."""
        return self.packages.get(nvr)

    def to_data(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format-version": FORMAT_VERSION,
            "platform": self.platform,
            "family": self.family,
            "release": self.release,
            "created": _time_text(self.created),
            "signer": self.signer,
            "fingerprint-rule": FINGERPRINT_RULE,
            "signature-algorithm": SIGNATURE_ALGORITHM,
            "packages": dict(self.packages),
        }

    def to_json(self) -> bytes:
        """The document as the file holds it (UTF-8 JSON, keys in a fixed order)."""
        return (json.dumps(self.to_data(), indent=2) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> Kgv:
        """Parse a document (its signature is ``verify``'s business); ``InvalidInput`` when
        it is not a KGV document of this format version."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidInput(f"a KGV document is bytes, got {type(data).__name__}")
        try:
            doc = json.loads(bytes(data).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"not a KGV document: not JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise InvalidInput("not a KGV document: not a JSON object")
        if doc.get("format") != FORMAT:
            raise InvalidInput(f"not a KGV document: format is {doc.get('format')!r}")
        if doc.get("format-version") != FORMAT_VERSION:
            raise InvalidInput(
                f"KGV format version {doc.get('format-version')!r} is not supported "
                f"(this xrsim reads {FORMAT_VERSION})"
            )
        missing = [k for k in _KEYS if k not in doc]
        if missing:
            raise InvalidInput(f"KGV document lacks {', '.join(missing)}")
        if doc["signature-algorithm"] != SIGNATURE_ALGORITHM:
            raise InvalidInput(f"KGV signature algorithm {doc['signature-algorithm']!r}")
        if doc["fingerprint-rule"] != FINGERPRINT_RULE:
            raise InvalidInput(f"KGV fingerprint rule {doc['fingerprint-rule']!r}")
        created = doc["created"]
        try:
            when = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except (TypeError, ValueError):
            raise InvalidInput(f"KGV created is not a UTC time: {created!r}") from None
        packages = doc["packages"]
        if not isinstance(packages, dict):
            raise InvalidInput("KGV packages must be an object")
        return cls(
            platform=doc["platform"],
            family=doc["family"],
            release=doc["release"],
            created=when,
            signer=doc["signer"],
            packages=packages,
        )

    # -- checking ---------------------------------------------------------------------------

    def check(self, rows: Iterable[tuple[str, str, str]]) -> list[PackageCheck]:
        """``(nvr, install-time, run-time)`` per installed package against the KGV, in the
        order given."""
        out = []
        for nvr, install, run in rows:
            expected = self.packages.get(nvr)
            out.append(
                PackageCheck(
                    nvr=nvr,
                    expected=expected,
                    install_time=install,
                    run_time=run,
                    install=_verdict(expected, install),
                    run=_verdict(expected, run),
                )
            )
        return out

    def check_report(self, report: FingerprintReport) -> list[PackageCheck]:
        """A router's fingerprints (``router.fingerprints.report()``) against the KGV."""
        return self.check((p.nvr, p.install_time, p.run_time) for p in report.packages)


@dataclass(frozen=True)
class SignedKgv:
    """A KGV document, the exact bytes it was signed as, and the signature."""

    kgv: Kgv
    data: bytes
    signature: bytes


def _subject_text(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def _root_public(root: x509.Certificate | PublicKey | bytes) -> PublicKey:
    """The verifying key: a certificate, a public key, or PEM/DER of either."""
    if isinstance(root, PublicKey):
        return root
    if isinstance(root, x509.Certificate):
        cert = root
    elif isinstance(root, bytes | bytearray):
        raw = bytes(root)
        try:
            cert = (
                x509.load_pem_x509_certificate(raw)
                if b"-----BEGIN CERTIFICATE" in raw
                else x509.load_der_x509_certificate(raw)
            )
        except ValueError:
            try:
                return load_public_key(raw)
            except InvalidKey:
                raise InvalidInput(
                    "the KGV root is neither a certificate nor a public key"
                ) from None
    else:
        raise InvalidInput(f"a KGV root is a certificate or public key, not {type(root).__name__}")
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return PublicKey.from_der(spki)


def make(
    packages: Iterable[Fingerprintable],
    *,
    platform: str,
    family: str,
    release: str,
    created: datetime,
    vendor_dir: str | os.PathLike[str] | None = None,
) -> SignedKgv:
    """The KGV of ``packages`` (RPM headers, ``read_rpms``, or ``Package`` s: the
    install-time fingerprint of each), signed with the vendor root key of ``vendor_dir``
    (``sudi.vendor_dir``'s default; the CA is made there on first use). Two packages of one
    NVR with different contents raise ``InvalidInput``; a vendor directory without
    ``root.key`` (or whose ``root.key`` is not ``root.pem``'s key) too."""
    values: dict[str, str] = {}
    for package in packages:
        value = install_fingerprint(package)
        if values.get(package.nvr, value) != value:
            raise InvalidInput(f"two different packages named {package.nvr}")
        values[package.nvr] = value
    ca = VendorCA.open(vendor_dir)
    key_path = ca.directory / ROOT_KEY
    try:
        key_pem = key_path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(
            f"vendor directory {ca.directory} has no {ROOT_KEY}: the KGV is signed by the "
            "vendor root key"
        ) from None
    except OSError as exc:
        raise FileAccessError(exc.errno or 0, exc.strerror or str(exc), str(key_path)) from None
    key = load_private_key(key_pem)
    if key.public_key().to_der() != _root_public(ca.root_cert).to_der():
        raise InvalidInput(f"vendor directory {ca.directory}: {ROOT_KEY} does not match root.pem")
    kgv = Kgv(
        platform=platform,
        family=family,
        release=release,
        created=created,
        signer=_subject_text(ca.root_cert),
        packages=values,
    )
    data = kgv.to_json()
    return SignedKgv(kgv=kgv, data=data, signature=key.sign(data, "sha512"))


def read_rpms(paths: Iterable[str | os.PathLike[str]]) -> list[RpmHeader]:
    """The headers of RPM files, each with SHA-256 file digests (what the fingerprint rule
    hashes): ``InvalidPackage`` for a file that is not an RPM (or damaged: its header and
    payload digests are checked), ``InvalidInput`` for other file digests (rpm before 4.18
    wrote MD5), ``FileAccessError`` for one that cannot be read."""
    headers = []
    for path in paths:
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise FileAccessError(exc.errno or 0, exc.strerror or str(exc), str(p)) from None
        header = rpm.verify(data)
        if header.digest_algorithm != rpm.DIGEST_SHA256:
            raise InvalidInput(
                f"{p}: file digests of algorithm {header.digest_algorithm}, not SHA-256 (8): "
                "the fingerprint rule hashes SHA-256 digests"
            )
        headers.append(header)
    return headers


def verify(data: bytes, signature: bytes, root: x509.Certificate | PublicKey | bytes) -> Kgv:
    """The KGV in ``data`` once ``signature`` verifies against ``root`` (the vendor root
    certificate or its public key): ``InvalidSignature`` when it does not, ``InvalidInput``
    when the signed bytes are not a KGV document."""
    key = _root_public(root)
    if not isinstance(data, bytes | bytearray) or not isinstance(signature, bytes | bytearray):
        raise InvalidInput("a KGV and its signature are bytes")
    key.verify(bytes(signature), bytes(data), "sha512")  # InvalidSignature
    return Kgv.from_json(bytes(data))


def signature_path(path: str | os.PathLike[str]) -> Path:
    """Where the signature of the KGV file ``path`` is: ``path + ".sig"``."""
    p = Path(path)
    return p.with_name(p.name + SIGNATURE_SUFFIX)


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_SIZE + 1)
    except OSError as exc:
        raise FileAccessError(exc.errno or 0, exc.strerror or str(exc), str(path)) from None
    if len(data) > MAX_SIZE:
        raise InvalidInput(f"{path}: over {MAX_SIZE >> 20} MiB: not a KGV file")
    return data


def load(
    path: str | os.PathLike[str],
    *,
    root: x509.Certificate | PublicKey | bytes,
    signature: str | os.PathLike[str] | None = None,
) -> Kgv:
    """Read and verify the KGV file ``path`` with its signature (``signature``, default
    ``path + ".sig"``) against ``root``."""
    p = Path(path)
    return verify(_read(p), _read(Path(signature) if signature else signature_path(p)), root)


def write(path: str | os.PathLike[str], signed: SignedKgv) -> tuple[Path, Path]:
    """Write ``path`` and its signature ``path + ".sig"``, each atomically (mode 0644: a KGV
    is public); when the second write fails, the first is removed. Returns both paths."""
    p = Path(path)
    sig = signature_path(p)
    atomic_write(sig, signed.signature)
    try:
        atomic_write(p, signed.data)
    except BaseException:
        sig.unlink(missing_ok=True)
        raise
    return p, sig

"""SUDI identity: a simulated vendor CA and per-RP device certificates (layer 2).

Imports ``xrsim.errors``, ``xrsim.crypto`` (keys, and ``xrsim.crypto.x509``, the certificate
builder the trustpoints use too) and ``xrsim.chassis.filesystem`` (atomic writes).

- ``VendorCA``: the simulated vendor root CA (``CN=xrsim Simulated Root CA 2048, O=xrsim``) and
  SUDI sub-CA (``CN=xrsim Simulated ACT2 SUDI CA, O=xrsim``), RSA-2048, made ONCE per
  installation in the vendor directory and reused by every router afterwards. They are never
  real vendor keys, and their names say so. ``VendorCA.open(vendor_dir)`` loads or makes them;
  a directory that already holds ``root.pem`` + ``subca.pem`` + ``subca.key`` (or ``root.pem``
  + ``root.key``, then a sub-CA is made under that root) is used as it is: an installation can
  point at its own CA.
- ``SudiIdentity``: what one route processor holds: the chain (root, sub-CA, device certificate)
  and the device's RSA-2048 key, with the vendor's nonce-bound signing rule
  (``sign_nonce_bound``; docs FORMATS.md "SUDI and signed envelopes").
- ``vendor_dir()``: where the vendor directory is: the ``vendor_dir`` argument, else
  ``$XRSIM_VENDOR_DIR``, else ``$XDG_DATA_HOME/xrsim/vendor`` (``~/.local/share/xrsim/vendor``).
- ``nonce_bound_message``: the bytes the nonce-bound signature covers, for verifiers.

Device certificates (IEEE 802.1AR IDevID style): subject ``serialNumber=PID:<PID> SN:<SN>,
O=Cisco, OU=ACT-2 Lite SUDI, CN=<PID>`` in that DER order, the PID and serial number of the
route processor board (on fixed systems the chassis PID and serial); serial number and notBefore
derived from the chassis serial (notBefore in the manufacturing week that the serial's year and
week codes give), notAfter 9999-12-31T23:59:59Z. The key is random, so the certificate and key
are cached in ``<vendor>/devices/<chassis serial>/<node>_<PID>.{pem,key}``: the same serial gives
the same certificate and key on one installation. Key files are mode 0600 and every file is
written atomically; creation takes an exclusive ``fcntl.flock`` on ``<vendor>/.lock``, so routers
booting in parallel processes share one CA and one certificate per device.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature as PycaInvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from xrsim.chassis.filesystem import atomic_write
from xrsim.crypto import PrivateKey, generate_key, load_private_key, public_to_cryptography
from xrsim.crypto.x509 import (
    Issuer,
    Validity,
    certificate,
    derived_serial,
    key_usage_of,
    name,
    random_serial,
)
from xrsim.errors import FileAccessError, InvalidInput, InvalidKey

__all__ = [
    "DEVICE_NOT_AFTER",
    "ROOT_CA_NAME",
    "SUBCA_NAME",
    "VENDOR_DIR_ENV",
    "SudiIdentity",
    "VendorCA",
    "device_subject",
    "nonce_bound_message",
    "vendor_dir",
]

VENDOR_DIR_ENV = "XRSIM_VENDOR_DIR"

ROOT_CA_NAME = name(
    (NameOID.ORGANIZATION_NAME, "xrsim"), (NameOID.COMMON_NAME, "xrsim Simulated Root CA 2048")
)
SUBCA_NAME = name(
    (NameOID.ORGANIZATION_NAME, "xrsim"), (NameOID.COMMON_NAME, "xrsim Simulated ACT2 SUDI CA")
)
DEVICE_ORGANIZATION = "Cisco"
DEVICE_UNIT = "ACT-2 Lite SUDI"
#: 802.1AR: devices without a well-defined expiry use GeneralizedTime 99991231235959Z.
DEVICE_NOT_AFTER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
CA_NOT_BEFORE = datetime(1996, 1, 1, tzinfo=UTC)

ROOT_CERT, ROOT_KEY, SUBCA_CERT, SUBCA_KEY = "root.pem", "root.key", "subca.pem", "subca.key"
LOCK_FILE = ".lock"
DEVICES_DIR = "devices"

#: Key usage of the vendor CAs and of device certificates.
CA_USAGE = key_usage_of(("key_cert_sign", "crl_sign"))
DEVICE_USAGE = key_usage_of(("digital_signature", "key_encipherment"))

_KEY_BITS = 2048
_YEAR_CODE_BASE = 1996
_WEEKS_PER_YEAR = 52
_MAX_NONCE = 1 << 64
_MAX_VERSION = 1 << 32
_SERIAL_TEXT = re.compile(r"[A-Za-z0-9]{1,32}")
_PID_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
_CISCO_SERIAL = re.compile(r"[A-Z]{3}(\d{2})(\d{2})[A-Z0-9]{4}")


def vendor_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """The vendor directory: ``directory``, else ``$XRSIM_VENDOR_DIR``, else
    ``$XDG_DATA_HOME/xrsim/vendor`` (default ``~/.local/share/xrsim/vendor``)."""
    if directory is not None:
        return Path(directory)
    env = os.environ.get(VENDOR_DIR_ENV)
    if env:
        return Path(env)
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "xrsim" / "vendor"


def device_subject(pid: str, serial: str) -> x509.Name:
    """``serialNumber=PID:<PID> SN:<SN>, O=Cisco, OU=ACT-2 Lite SUDI, CN=<PID>`` (DER order)."""
    return name(
        (NameOID.SERIAL_NUMBER, f"PID:{pid} SN:{serial}"),
        (NameOID.ORGANIZATION_NAME, DEVICE_ORGANIZATION),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, DEVICE_UNIT),
        (NameOID.COMMON_NAME, pid),
    )


def nonce_bound_message(
    nonce: int, version: int, chain_der: tuple[bytes, bytes, bytes], data: bytes = b""
) -> bytes:
    """``BE64(nonce) || BE32(version) || DER(root) || DER(sub-CA) || DER(device) || data``."""
    if isinstance(nonce, bool) or not isinstance(nonce, int) or not 0 <= nonce < _MAX_NONCE:
        raise InvalidInput(f"nonce must be an integer 0 to 2**64-1, got {nonce!r}")
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < _MAX_VERSION:
        raise InvalidInput(f"signature version must be an integer 0 to 2**32-1, got {version!r}")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidInput(f"data must be bytes, got {type(data).__name__}")
    return b"".join((nonce.to_bytes(8, "big"), version.to_bytes(4, "big"), *chain_der, bytes(data)))


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``<directory>/.lock`` (between processes and threads)."""
    try:
        fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise FileAccessError(exc.errno or 0, exc.strerror or str(exc), str(directory)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileAccessError(exc.errno or 0, exc.strerror or str(exc), str(path)) from None


def _load_cert(path: Path) -> x509.Certificate | None:
    data = _read(path)
    if data is None:
        return None
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise InvalidInput(f"{path}: not a PEM certificate ({exc})") from None


def _load_key(path: Path) -> PrivateKey | None:
    data = _read(path)
    if data is None:
        return None
    try:
        return load_private_key(data)
    except InvalidKey as exc:
        raise InvalidKey(f"{path}: {exc}") from None


def _matches(key: PrivateKey, cert: x509.Certificate) -> bool:
    return key.public_key().to_der() == cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, PycaInvalidSignature):
        return False
    return True


def _ca_key(key: PrivateKey) -> PrivateKey:
    """``key``, checked to be RSA (the vendor CA signs with RSA-2048 PKCS#1 v1.5 SHA-256)."""
    if key.key_type != "rsa":
        raise InvalidKey(f"a CA key must be RSA, got {key.key_type}")
    return key


def _ca_certificate(
    subject: x509.Name,
    key: PrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: PrivateKey,
    path_length: int | None,
) -> x509.Certificate:
    """The root (``issuer`` None: self-signed, no authority key identifier) or the sub-CA."""
    signer = _ca_key(issuer_key)
    return certificate(
        subject=subject,
        public=public_to_cryptography(key.public_key()),
        issuer=Issuer.self_signed(subject, signer) if issuer is None else Issuer.of(issuer, signer),
        serial=random_serial(),
        validity=Validity(CA_NOT_BEFORE, DEVICE_NOT_AFTER),
        ca=True,
        path_length=path_length,
        key_usage=CA_USAGE,
        authority_key_id=issuer is not None,
    )


def _device_not_before(chassis_serial: str) -> datetime:
    """The manufacturing week of a Cisco serial (year code + 1996, week), plus an offset within
    the week from the serial's hash; other serials get a day in 2015-2024 from the hash."""
    digest = hashlib.sha256(f"xrsim-sudi-time|{chassis_serial}".encode()).digest()
    spread = int.from_bytes(digest[:8], "big")
    match = _CISCO_SERIAL.fullmatch(chassis_serial)
    if match is not None:
        year = _YEAR_CODE_BASE + int(match.group(1))
        week = min(max(int(match.group(2)), 1), _WEEKS_PER_YEAR)
        start = datetime(year, 1, 1, tzinfo=UTC) + timedelta(weeks=week - 1)
        return start + timedelta(seconds=spread % (7 * 24 * 3600))
    start = datetime(2015, 1, 1, tzinfo=UTC)
    return start + timedelta(seconds=spread % (10 * 365 * 24 * 3600))


def _check_text(what: str, value: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"invalid {what} {value!r} for a SUDI certificate")
    return value


@dataclass(frozen=True)
class SudiIdentity:
    """The SUDI of one route processor: chain and device key."""

    root_cert: x509.Certificate
    subca_cert: x509.Certificate
    device_cert: x509.Certificate
    device_key: PrivateKey
    node: str
    pid: str
    serial: str

    def chain_der(self) -> tuple[bytes, bytes, bytes]:
        """DER of (root, sub-CA, device): the order the vendor builds and signs the chain."""
        return (
            self.root_cert.public_bytes(serialization.Encoding.DER),
            self.subca_cert.public_bytes(serialization.Encoding.DER),
            self.device_cert.public_bytes(serialization.Encoding.DER),
        )

    def chain_pem(self) -> bytes:
        """PEM of root, sub-CA and device certificate, in that order."""
        return b"".join(_pem(c) for c in (self.root_cert, self.subca_cert, self.device_cert))

    def sign_nonce_bound(self, nonce: int, data: bytes = b"", version: int = 1) -> bytes:
        """RSA PKCS#1 v1.5 SHA-256 over ``nonce_bound_message(nonce, version, chain, data)``:
        certificate attestation with ``data=b""``, signed data otherwise."""
        message = nonce_bound_message(nonce, version, self.chain_der(), data)
        return self.device_key.sign(message, "sha256")


class VendorCA:
    """The simulated vendor root and SUDI sub-CA of one vendor directory."""

    #: Vendor directory -> its CA, loaded once per process (guarded by ``_cache_lock``).
    _cache: ClassVar[dict[Path, VendorCA]] = {}
    _cache_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        directory: Path,
        root_cert: x509.Certificate,
        subca_cert: x509.Certificate,
        subca_key: PrivateKey,
    ) -> None:
        self.directory = directory
        self.root_cert = root_cert
        self.subca_cert = subca_cert
        self.subca_key = subca_key
        self._devices: dict[tuple[str, str, str, str], SudiIdentity] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, directory: str | os.PathLike[str] | None = None) -> VendorCA:
        """The CA of the vendor directory (see ``vendor_dir``), made on first use; loaded once
        per process and directory."""
        path = vendor_dir(directory).absolute()
        with cls._cache_lock:
            cached = cls._cache.get(path)
        if cached is not None and (path / SUBCA_CERT).exists():
            return cached
        ca = cls._load(path)
        if ca is None:
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise FileAccessError(exc.errno or 0, exc.strerror or str(exc), str(path)) from None
            with _locked(path):
                ca = cls._load(path) or cls._create(path)
        with cls._cache_lock:
            cls._cache[path] = ca
        return ca

    @classmethod
    def _load(cls, path: Path) -> VendorCA | None:
        """The CA when the directory holds a complete one (``subca.pem`` is written last)."""
        subca_cert = _load_cert(path / SUBCA_CERT)
        if subca_cert is None:
            return None
        root_cert = _load_cert(path / ROOT_CERT)
        subca_key = _load_key(path / SUBCA_KEY)
        if root_cert is None or subca_key is None:
            raise InvalidInput(
                f"vendor directory {path}: {SUBCA_CERT} without {ROOT_CERT}/{SUBCA_KEY}"
            )
        if not _issued_by(subca_cert, root_cert):
            raise InvalidInput(
                f"vendor directory {path}: {SUBCA_CERT} is not issued by {ROOT_CERT}"
            )
        if not _matches(subca_key, subca_cert):
            raise InvalidInput(f"vendor directory {path}: {SUBCA_KEY} does not match {SUBCA_CERT}")
        return cls(path, root_cert, subca_cert, subca_key)

    @classmethod
    def _create(cls, path: Path) -> VendorCA:
        """Make what is missing (called under the lock): the root unless ``root.pem`` exists,
        then the sub-CA. Keys first, certificates after, ``subca.pem`` last."""
        root_cert = _load_cert(path / ROOT_CERT)
        root_key = _load_key(path / ROOT_KEY)
        if root_cert is None:
            if root_key is None:
                root_key = generate_key("rsa", bits=_KEY_BITS)
                atomic_write(path / ROOT_KEY, root_key.to_pkcs8_pem(), 0o600)
            root_cert = _ca_certificate(ROOT_CA_NAME, root_key, None, root_key, None)
            atomic_write(path / ROOT_CERT, _pem(root_cert))
        elif root_key is None:
            raise InvalidInput(
                f"vendor directory {path}: {ROOT_CERT} without {ROOT_KEY} cannot make a sub-CA; "
                f"add {SUBCA_CERT} and {SUBCA_KEY}"
            )
        elif not _matches(root_key, root_cert):
            raise InvalidInput(f"vendor directory {path}: {ROOT_KEY} does not match {ROOT_CERT}")
        subca_key = _load_key(path / SUBCA_KEY)
        if subca_key is None:
            subca_key = generate_key("rsa", bits=_KEY_BITS)
            atomic_write(path / SUBCA_KEY, subca_key.to_pkcs8_pem(), 0o600)
        subca_cert = _ca_certificate(SUBCA_NAME, subca_key, root_cert, root_key, 0)
        atomic_write(path / SUBCA_CERT, _pem(subca_cert))
        return cls(path, root_cert, subca_cert, subca_key)

    # ----------------------------------------------------------------------------------------
    # Device certificates
    # ----------------------------------------------------------------------------------------

    def identity(self, *, pid: str, serial: str, node: str, chassis_serial: str) -> SudiIdentity:
        """The SUDI of the route processor ``node`` (board ``pid``/``serial``) of the chassis
        with serial ``chassis_serial``: loaded from the cache, or made and cached."""
        _check_text("PID", pid, _PID_TEXT)
        _check_text("serial number", serial, _SERIAL_TEXT)
        _check_text("chassis serial number", chassis_serial, _SERIAL_TEXT)
        slug = node.replace("/", "_")
        _check_text("node name", slug, re.compile(r"[A-Za-z0-9_]{1,40}"))
        key = (pid, serial, node, chassis_serial)
        with self._lock:
            cached = self._devices.get(key)
            if cached is not None:
                return cached
            base = self.directory / DEVICES_DIR / chassis_serial
            cert_path, key_path = base / f"{slug}_{pid}.pem", base / f"{slug}_{pid}.key"
            subject = device_subject(pid, serial)
            found = self._load_device(cert_path, key_path, subject)
            if found is None:
                try:
                    base.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise FileAccessError(
                        exc.errno or 0, exc.strerror or str(exc), str(base)
                    ) from None
                with _locked(self.directory):
                    found = self._load_device(cert_path, key_path, subject)
                    if found is None:
                        found = self._make_device(
                            cert_path=cert_path,
                            key_path=key_path,
                            subject=subject,
                            chassis_serial=chassis_serial,
                            node=node,
                            pid=pid,
                        )
            device_cert, device_key = found
            identity = SudiIdentity(
                root_cert=self.root_cert,
                subca_cert=self.subca_cert,
                device_cert=device_cert,
                device_key=device_key,
                node=node,
                pid=pid,
                serial=serial,
            )
            self._devices[key] = identity
            return identity

    def _load_device(
        self, cert_path: Path, key_path: Path, subject: x509.Name
    ) -> tuple[x509.Certificate, PrivateKey] | None:
        """A cached device certificate and key, when they fit this CA and subject."""
        cert = _load_cert(cert_path)
        if cert is None:
            return None
        key = _load_key(key_path)
        if key is None or cert.subject != subject or not _matches(key, cert):
            return None
        if not _issued_by(cert, self.subca_cert):
            return None  # made by another CA (the installation changed it): make a new one
        return cert, key

    def _make_device(
        self,
        *,
        cert_path: Path,
        key_path: Path,
        subject: x509.Name,
        chassis_serial: str,
        node: str,
        pid: str,
    ) -> tuple[x509.Certificate, PrivateKey]:
        key = generate_key("rsa", bits=_KEY_BITS)
        cert = certificate(
            subject=subject,
            public=public_to_cryptography(key.public_key()),
            issuer=Issuer.of(self.subca_cert, _ca_key(self.subca_key)),
            serial=derived_serial("xrsim-sudi-serial", chassis_serial, node, pid),
            validity=Validity(_device_not_before(chassis_serial), DEVICE_NOT_AFTER),
            ca=False,
            key_usage=DEVICE_USAGE,
        )
        atomic_write(key_path, key.to_pkcs8_pem(), 0o600)
        atomic_write(cert_path, _pem(cert))
        return cert, key

"""Trustpoints: what ``crypto ca trustpoint NAME`` configures, and the certificates it holds.

``Trustpoint`` is the settings of one trustpoint, read from its running-configuration block
(``enrollment url self``, ``keypair rsa k``, ``lifetime certificate 300``...), with IOS XR's
defaults. ``CertStore`` keeps each trustpoint's CA certificate and router certificates (one,
or a signing and an encryption one for usage keys) as PEM in the router's state store
(``xrsim.chassis.store.StateStore``, table ``certificates``), and the serial numbers the
trustpoint's own CA has given (``enrollment url self``, table ``ca_serials``). Each change is
one store transaction; ``with certs.transaction():`` makes several one (an enrollment's
serials and certificates), so a failure (``xrsim.errors.StorageError``) or a crash keeps none
of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Literal, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from xrsim.config.tree import ConfigNode
from xrsim.crypto import KeyType

__all__ = [
    "DEFAULT_CA_LIFETIME_DAYS",
    "DEFAULT_LIFETIME_DAYS",
    "CertStore",
    "Trustpoint",
    "router_serial_id",
]

DEFAULT_LIFETIME_DAYS = 365
DEFAULT_CA_LIFETIME_DAYS = 1825

Usage = Literal["general", "signing", "encryption"]


def router_serial_id(chassis_serial: str) -> str:
    """The router serial number IOS XR puts in certificates (8 hex digits, ``c44a11fc``)."""
    return hashlib.sha256(chassis_serial.encode()).hexdigest()[:8]


@dataclass
class Trustpoint:
    """One trustpoint's settings."""

    name: str
    enrollment: Literal["url", "terminal"] | None = None
    url: str | None = None
    vrf: str | None = None
    query_url: str | None = None
    retry_period: int = 1
    retry_count: int | None = None
    keypair: tuple[KeyType, str] | None = None
    ca_keypair: tuple[KeyType, str] | None = None
    subject: str | None = None
    ca_subject: str | None = None
    key_usage: list[str] = field(default_factory=list)
    ca_key_usage: list[str] = field(default_factory=list)
    lifetime: int = DEFAULT_LIFETIME_DAYS
    ca_lifetime: int = DEFAULT_CA_LIFETIME_DAYS
    digest: str = "sha256"
    #: None: ask at enrollment; True: include it; False (``serial-number none``): do not.
    serial_number: bool | None = None
    #: None: ask; "none": do not; else the address to include.
    ip_address: str | None = None
    crl_optional: bool = False

    @property
    def self_enrollment(self) -> bool:
        return self.enrollment == "url" and self.url == "self"

    @classmethod
    def from_config(cls, name: str, node: ConfigNode | None) -> Trustpoint:
        tp = cls(name)
        if node is None:
            return tp
        for child in node.sorted_children():
            w = child.line.split()
            match w:
                case ["enrollment", "url", url]:
                    tp.enrollment, tp.url = "url", url
                    if url.startswith("tftp://") and ";" in url:
                        tp.vrf = url.split(";", 1)[1].split("/", 1)[0] or None
                case ["enrollment", "terminal"]:
                    tp.enrollment = "terminal"
                case ["enrollment", "retry", "period", n]:
                    tp.retry_period = int(n)
                case ["enrollment", "retry", "count", n]:
                    tp.retry_count = int(n)
                case ["query", "url", url]:
                    tp.query_url = url
                case ["rsakeypair", label]:
                    tp.keypair = ("rsa", label)
                case ["keypair", kind, label]:
                    tp.keypair = (kind, label)  # type: ignore[assignment]
                case ["ca-keypair", kind, label]:
                    tp.ca_keypair = (kind, label)  # type: ignore[assignment]
                case ["subject-name", "ca-certificate", *rest]:
                    tp.ca_subject = " ".join(rest)
                case ["subject-name", *rest]:
                    tp.subject = " ".join(rest)
                case ["key-usage", "certificate", *words]:
                    tp.key_usage = words
                case ["key-usage", "ca-certificate", *words]:
                    tp.ca_key_usage = words
                case ["lifetime", "certificate", n]:
                    tp.lifetime = int(n)
                case ["lifetime", "ca-certificate", n]:
                    tp.ca_lifetime = int(n)
                case ["message-digest", digest]:
                    tp.digest = digest
                case ["serial-number"]:
                    tp.serial_number = True
                case ["serial-number", "none"]:
                    tp.serial_number = False
                case ["ip-address", addr]:
                    tp.ip_address = addr
                case ["vrf", vrf]:
                    tp.vrf = vrf
                case ["crl", "optional"]:
                    tp.crl_optional = True
                case _:
                    pass
        # Subject lines keep their spaces ("L=San Jose"): take them from the line itself.
        for child in node.children.values():
            if child.key == "subject-name":
                tp.subject = child.line.split(None, 1)[1]
            elif child.key == "subject-name ca-certificate":
                tp.ca_subject = child.line.split(None, 2)[2]
        return tp


class _State(Protocol):
    """What the certificate store needs of the state store (``StateStore``)."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def certificate(self, trustpoint: str, role: str) -> bytes | None: ...

    def set_certificate(self, trustpoint: str, role: str, pem: bytes) -> None: ...

    def clear_certificates(self, trustpoint: str) -> int: ...

    def certificate_trustpoints(self) -> list[str]: ...

    def take_serial(self, trustpoint: str, first: int) -> int: ...


_USAGES: tuple[Usage, ...] = ("general", "signing", "encryption")


class CertStore:
    """CA and router certificates by trustpoint."""

    def __init__(self, state: _State) -> None:
        self._state = state

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several changes (with other writes of the state store) into one."""
        with self._state.transaction():
            yield

    def ca(self, name: str) -> x509.Certificate | None:
        raw = self._state.certificate(name, "ca")
        return x509.load_pem_x509_certificate(raw) if raw else None

    def set_ca(self, name: str, cert: x509.Certificate) -> None:
        self._state.set_certificate(name, "ca", cert.public_bytes(serialization.Encoding.PEM))

    def router(self, name: str) -> dict[Usage, x509.Certificate]:
        out: dict[Usage, x509.Certificate] = {}
        for usage in _USAGES:
            raw = self._state.certificate(name, usage)
            if raw:
                out[usage] = x509.load_pem_x509_certificate(raw)
        return out

    def set_router(self, name: str, usage: Usage, cert: x509.Certificate) -> None:
        self._state.set_certificate(name, usage, cert.public_bytes(serialization.Encoding.PEM))

    def clear(self, name: str) -> bool:
        """Remove the trustpoint's certificates (one transaction); whether there were any."""
        return self._state.clear_certificates(name) > 0

    def names(self) -> list[str]:
        """Trustpoints that hold a certificate."""
        return self._state.certificate_trustpoints()

    def next_serial(self, name: str, seed: str) -> int:
        """The next serial number of the trustpoint's own CA: it starts from a value derived
        from the router (``0B:62`` style) and counts up, as IOS XR's does. Counted in the
        caller's transaction, so a certificate that was not stored does not use one up."""
        first = 0x1000 + int(hashlib.sha256(seed.encode()).hexdigest()[:3], 16)
        return self._state.take_serial(name, first)

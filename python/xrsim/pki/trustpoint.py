"""Trustpoints: what ``crypto ca trustpoint NAME`` configures, and the certificates it holds.

``Trustpoint`` is the settings of one trustpoint, read from its running-configuration block
(``enrollment url self``, ``keypair rsa k``, ``lifetime certificate 300``...), with IOS XR's
defaults. ``TP`` holds the syntax of every line of the block, written once:
``xrsim.cli.commands.crypto_ca`` registers them, ``Trustpoint.from_config`` tells the lines
apart by their parse (``node.syntax``) and takes their typed arguments (``node.args``).
``CertStore`` keeps each trustpoint's CA certificate, the RA certificates a SCEP CA gave with it
(``ra-signer``, ``ra-encrypter``), and router certificates (one, or a signing and an
encryption one for usage keys) as PEM in the router's state store
(``xrsim.chassis.store.StateStore``, table ``certificates``), the enrollment requests a CA has
not answered yet (``PendingRow``, table ``pending_requests``: what ``show crypto ca
certificates`` shows as ``Status : Pending`` and ``xrsim.pki.enrollment`` polls for), and the
serial numbers the trustpoint's own CA has given (``enrollment url self``, table
``ca_serials``). Each change is
one store transaction; ``with certs.transaction():`` makes several one (an enrollment's
serials and certificates), so a failure (``xrsim.errors.StorageError``) or a crash keeps none
of them. ``CertStore.subscribe(fn)`` calls ``fn()`` after each committed change of a
certificate (``set_ca``, ``set_ra``, ``set_router``, ``clear``): at once for a change made on
its own, once after the outermost ``certs.transaction()`` commits for changes made inside one,
never for a transaction that failed; the expiry monitor (``xrsim.pki.expiry``) re-arms on it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Literal, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from xrsim.chassis.store import PendingRow
from xrsim.config.tree import ConfigNode
from xrsim.crypto import KeyType

__all__ = [
    "DEFAULT_CA_LIFETIME_DAYS",
    "DEFAULT_LIFETIME_DAYS",
    "DEFAULT_RETRY_COUNT",
    "RA_ROLES",
    "TP",
    "CertStore",
    "Trustpoint",
    "router_serial_id",
]

DEFAULT_LIFETIME_DAYS = 365
DEFAULT_CA_LIFETIME_DAYS = 1825
#: ``enrollment retry count`` when not configured: IOS XR polls a pending request ten times
#: (System Security Command Reference, ``enrollment retry count``: "the default value is 10").
DEFAULT_RETRY_COUNT = 10

Usage = Literal["general", "signing", "encryption"]


class TP:
    """The ``crypto ca trustpoint`` line and the lines of its ``config-trustp`` submode. The
    argument names are what readers take (``node.args["minutes"]``)."""

    TRUSTPOINT = "crypto ca trustpoint <name:NAME>"
    ENROLLMENT_URL = "enrollment url <url:WORD>"
    ENROLLMENT_TERMINAL = "enrollment terminal"
    RETRY_PERIOD = "enrollment retry period <minutes:1-60>"
    RETRY_COUNT = "enrollment retry count <count:1-100>"
    QUERY_URL = "query url <url:WORD>"
    RSAKEYPAIR = "rsakeypair <label:WORD>"
    KEYPAIR = "keypair <kind:{ rsa | dsa | ecdsa | ed25519 }> <label:WORD>"
    CA_KEYPAIR = "ca-keypair <kind:{ rsa | dsa | ecdsa | ed25519 }> <label:WORD>"
    SUBJECT = "subject-name <dn:LINE>"
    CA_SUBJECT = "subject-name ca-certificate <dn:LINE>"
    #: ``usages``: key usage keywords separated by spaces, in their canonical spelling.
    KEY_USAGE = "key-usage certificate <usages:LINE>"
    CA_KEY_USAGE = "key-usage ca-certificate <usages:LINE>"
    LIFETIME = "lifetime certificate <days:1-18250>"
    CA_LIFETIME = "lifetime ca-certificate <days:1-18250>"
    DIGEST = "message-digest <digest:{ md5 | sha1 | sha256 | sha384 | sha512 }>"
    #: ``serial-number``: include it; ``serial-number none``: do not.
    SERIAL_NUMBER = "serial-number [ none ]"
    #: ``address``, or the keyword ``none``.
    IP_ADDRESS = "ip-address { <address:IPV4> | none }"
    VRF = "vrf <vrf:WORD>"
    CRL_OPTIONAL = "crl optional"


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
    retry_count: int = DEFAULT_RETRY_COUNT
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
            a = child.args
            match child.syntax:
                case TP.ENROLLMENT_URL:
                    # a tftp:// URL's ``;VRF`` is read where the URL is used
                    # (``xrsim.pki.enrollment.location``), before the ``vrf`` line
                    tp.enrollment, tp.url = "url", str(a["url"])
                case TP.ENROLLMENT_TERMINAL:
                    tp.enrollment = "terminal"
                case TP.RETRY_PERIOD:
                    tp.retry_period = int(a["minutes"])
                case TP.RETRY_COUNT:
                    tp.retry_count = int(a["count"])
                case TP.QUERY_URL:
                    tp.query_url = str(a["url"])
                case TP.RSAKEYPAIR:
                    tp.keypair = ("rsa", str(a["label"]))
                case TP.KEYPAIR:
                    tp.keypair = (_key_type(a["kind"]), str(a["label"]))
                case TP.CA_KEYPAIR:
                    tp.ca_keypair = (_key_type(a["kind"]), str(a["label"]))
                case TP.SUBJECT:
                    tp.subject = str(a["dn"])
                case TP.CA_SUBJECT:
                    tp.ca_subject = str(a["dn"])
                case TP.KEY_USAGE:
                    tp.key_usage = str(a["usages"]).split()
                case TP.CA_KEY_USAGE:
                    tp.ca_key_usage = str(a["usages"]).split()
                case TP.LIFETIME:
                    tp.lifetime = int(a["days"])
                case TP.CA_LIFETIME:
                    tp.ca_lifetime = int(a["days"])
                case TP.DIGEST:
                    tp.digest = str(a["digest"])
                case TP.SERIAL_NUMBER:
                    tp.serial_number = not child.has("none")
                case TP.IP_ADDRESS:
                    tp.ip_address = str(a.get("address", "none"))
                case TP.VRF:
                    tp.vrf = str(a["vrf"])
                case TP.CRL_OPTIONAL:
                    tp.crl_optional = True
                case _:
                    pass
        return tp


def _key_type(kind: str | int) -> KeyType:
    """A ``<kind:{ rsa | dsa | ecdsa | ed25519 }>`` argument (the syntax admits no other)."""
    types: dict[str, KeyType] = {"rsa": "rsa", "dsa": "dsa", "ecdsa": "ecdsa", "ed25519": "ed25519"}
    return types[str(kind)]


class _State(Protocol):
    """What the certificate store needs of the state store (``StateStore``)."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def certificate(self, trustpoint: str, role: str) -> bytes | None: ...

    def set_certificate(self, trustpoint: str, role: str, pem: bytes) -> None: ...

    def clear_certificates(self, trustpoint: str) -> int: ...

    def certificate_trustpoints(self) -> list[str]: ...

    def take_serial(self, trustpoint: str, first: int) -> int: ...

    def pending_requests(self, trustpoint: str | None = None) -> list[PendingRow]: ...

    def put_pending(self, row: PendingRow) -> None: ...

    def delete_pending(self, trustpoint: str, usage: str) -> int: ...


_log = logging.getLogger("xrsim.pki")

_USAGES: tuple[Usage, ...] = ("general", "signing", "encryption")
#: The RA certificates a SCEP CA may give with its own: the one that signs its replies and the
#: one requests are encrypted to (NDES gives both; one RA certificate may do both).
RA_ROLES = ("ra-signer", "ra-encrypter")


class CertStore:
    """CA and router certificates by trustpoint."""

    def __init__(self, state: _State) -> None:
        self._state = state
        self._subscribers: list[Callable[[], None]] = []
        self._subscribers_lock = threading.Lock()
        #: per thread: how deep in ``transaction()`` it is, and whether a certificate changed
        self._local = threading.local()

    # -- change notifications ---------------------------------------------------------------

    def subscribe(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` after each committed certificate change; returns the unsubscribe.
        ``fn`` runs on the thread that made the change, after the store's transaction (it may
        read the store); an exception it raises is logged (logger ``xrsim.pki``), never passed
        to the caller whose change is already saved."""
        with self._subscribers_lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._subscribers_lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def _depth(self) -> int:
        return int(getattr(self._local, "depth", 0))

    def _changed(self) -> None:
        """A certificate write went into the store: tell the subscribers now, or when the
        outermost ``transaction()`` has committed."""
        if self._depth():
            self._local.dirty = True
        else:
            self._notify()

    def _notify(self) -> None:
        with self._subscribers_lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn()
            except Exception:
                _log.exception("certificate change subscriber %r failed", fn)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several changes (with other writes of the state store) into one; the
        subscribers hear of them once, after the outermost one commits."""
        depth = self._depth()
        self._local.depth = depth + 1
        try:
            with self._state.transaction():
                yield
        except BaseException:
            if depth == 0:
                self._local.dirty = False
            raise
        finally:
            self._local.depth = depth
        if depth == 0 and getattr(self._local, "dirty", False):
            self._local.dirty = False
            self._notify()

    def ca(self, name: str) -> x509.Certificate | None:
        raw = self._state.certificate(name, "ca")
        return x509.load_pem_x509_certificate(raw) if raw else None

    def set_ca(self, name: str, cert: x509.Certificate) -> None:
        self._state.set_certificate(name, "ca", cert.public_bytes(serialization.Encoding.PEM))
        self._changed()

    def ra(self, name: str) -> dict[str, x509.Certificate]:
        """The trustpoint's RA certificates by role (``RA_ROLES``), those it has."""
        out: dict[str, x509.Certificate] = {}
        for role in RA_ROLES:
            raw = self._state.certificate(name, role)
            if raw:
                out[role] = x509.load_pem_x509_certificate(raw)
        return out

    def set_ra(self, name: str, role: str, cert: x509.Certificate) -> None:
        if role not in RA_ROLES:
            raise ValueError(f"not an RA role: {role}")
        self._state.set_certificate(name, role, cert.public_bytes(serialization.Encoding.PEM))
        self._changed()

    def pending(self, name: str | None = None) -> list[PendingRow]:
        """Requests the CA has not answered (of one trustpoint, or of all)."""
        return self._state.pending_requests(name)

    def set_pending(self, row: PendingRow) -> None:
        self._state.put_pending(row)

    def drop_pending(self, name: str, usage: str) -> bool:
        return self._state.delete_pending(name, usage) > 0

    def router(self, name: str) -> dict[Usage, x509.Certificate]:
        out: dict[Usage, x509.Certificate] = {}
        for usage in _USAGES:
            raw = self._state.certificate(name, usage)
            if raw:
                out[usage] = x509.load_pem_x509_certificate(raw)
        return out

    def set_router(self, name: str, usage: Usage, cert: x509.Certificate) -> None:
        self._state.set_certificate(name, usage, cert.public_bytes(serialization.Encoding.PEM))
        self._changed()

    def clear(self, name: str) -> bool:
        """Remove the trustpoint's certificates and pending requests (one transaction);
        whether there were any."""
        cleared = self._state.clear_certificates(name) > 0
        if cleared:
            self._changed()
        return cleared

    def names(self) -> list[str]:
        """Trustpoints that hold a certificate or a pending request."""
        return self._state.certificate_trustpoints()

    def next_serial(self, name: str, seed: str) -> int:
        """The next serial number of the trustpoint's own CA: it starts from a value derived
        from the router (``0B:62`` style) and counts up, as IOS XR's does. Counted in the
        caller's transaction, so a certificate that was not stored does not use one up."""
        first = 0x1000 + int(hashlib.sha256(seed.encode()).hexdigest()[:3], 16)
        return self._state.take_serial(name, first)

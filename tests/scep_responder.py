"""A SCEP CA test double (RFC 8894) served over real HTTP on 127.0.0.1, for what the Debian
``scepserver`` does not do: PENDING then SUCCESS, NDES-style RA certificates, AES and 3DES
replies, GetCRL, Renewal, configurable capabilities, and faults on the wire.

Classes and who does what:

- ``ScepResponder``: the context manager tests hold. It owns a ``TestCa`` (the keys and
  certificates), an HTTP server (``http.server.ThreadingHTTPServer`` in a daemon thread,
  bound to 127.0.0.1 on a free port, loopback only) and the per-test settings below, which a
  test may change between steps (they are read on every request, under a lock).
- ``TestCa``: the CA key (2048 bits, or ``ca_key_bits``), its self-signed certificate, in RA
  mode two RA certificates (one with keyEncipherment that requests are encrypted to, one with
  digitalSignature that signs the replies), issuing from a CSR and a real CRL (pyca).
- ``Exchange``: one logged request: HTTP method, path, raw query, operation, and for
  PKIOperation the messageType, transactionID, senderNonce, digest and content cipher of the
  request, the signer certificate and what was answered (pkiStatus, failInfo).
- ``Fault``: the faults the responder can put on the wire, per operation.

The CMS work (SignedData, EnvelopedData, degenerate certs-only PKCS#7, the SCEP attributes) is
``xrsim.scep.message``'s, used here from the server side; nothing is hand-written DER.

Use::

    from scep_responder import Fault, ScepResponder

    with ScepResponder(ra=True, pending=True) as ca:       # starts the server
        client = ScepClient(HttpTransport(ca.url))          # ca.url ends in the SCEP path
        ...                                                 # PKCSReq answered PENDING
        ca.approve(transaction_id)                          # the operator approves
        ...                                                 # the next CertPoll gets SUCCESS
        assert [e.message_type for e in ca.pki_log()] == ["PKCSReq", "CertPoll"]

Settings (keyword arguments of ``ScepResponder``, also attributes to change mid-test):

- ``capabilities``: the GetCACaps lines (default ``DEFAULT_CAPABILITIES``). Without
  ``POSTPKIOperation``/``SCEPStandard`` a POST of PKIOperation is answered HTTP 405, so a test
  proves the client used GET; without ``Renewal`` a RenewalReq and without ``GetCRL`` a
  GetCRL are answered FAILURE badRequest.
- ``ra``: GetCACert answers a PKCS#7 with the CA and two RA certificates (NDES style);
  requests must be encrypted to the RA encryption certificate, replies are signed by the RA
  signing certificate.
- ``ca_key_bits``: the CA key size (4096 to exercise the router's 2048-bit limit).
- ``challenge``: the challengePassword a PKCSReq must carry (None: any or none);
  a wrong one is answered FAILURE badRequest.
- ``pending``: PKCSReq (and RenewalReq) is answered PENDING; the request waits until
  ``approve(transaction_id)`` (or ``reject(transaction_id, fail_info)``), or until
  ``approve_after_polls`` CertPolls of it have been answered PENDING. A CertPoll of an
  unknown transactionID is answered FAILURE badCertId.
- ``failure``: a failInfo name (``"badAlg"``, ``"badMessageCheck"``, ``"badRequest"``,
  ``"badTime"``, ``"badCertId"``): every PKCSReq/RenewalReq/CertPoll/GetCRL is answered FAILURE
  with it.
- ``reply_cipher``: the content cipher of replies, ``"aes128"``, ``"aes256"``, ``"des3"`` or
  ``"des"`` (None: the request's own); ``reply_digest``: ``"sha256"`` or ``"sha1"``.
- ``faults``: operation name (``"GetCACaps"``, ``"GetCACert"``, ``"PKIOperation"``, or a
  messageType such as ``"PKCSReq"``, ``"CertPoll"``, ``"GetCRL"``) to a ``Fault``; see
  ``Fault`` for each.
- ``path``: the HTTP path served (default ``/cgi-bin/pkiclient.exe``); any other path is
  answered HTTP 404.

State a test reads: ``log`` (every ``Exchange``), ``pki_log()`` (the PKIOperations),
``issued`` (certificates issued, in order), ``pending_ids()``, ``errors`` (requests the
responder could not read, with why: a client bug shows there), ``ca`` (the ``TestCa``:
``ca.certificate``, ``ca.ra_signer``, ``ca.ra_encrypter``), ``url``, ``base_url``.
``revoke(serial)`` puts a certificate on the CRL.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import enum
import http.server
import secrets
import socket
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AttributeOID, NameOID

from xrsim.errors import ScepProtocolError
from xrsim.scep import message

__all__ = [
    "DEFAULT_CAPABILITIES",
    "FAIL_INFOS",
    "SCEP_PATH",
    "Exchange",
    "Fault",
    "ScepResponder",
    "TestCa",
    "rsa_key",
]

#: IOS's default SCEP path, which xrsim's client uses when the URL has none.
SCEP_PATH = "/cgi-bin/pkiclient.exe"

#: What the responder advertises unless told otherwise (everything the client can use).
DEFAULT_CAPABILITIES: tuple[str, ...] = (
    "POSTPKIOperation",
    "SCEPStandard",
    "Renewal",
    "GetCRL",
    "SHA-256",
    "SHA-1",
    "AES",
    "DES3",
)

#: RFC 8894 section 3.2.1.4: failInfo names and their INTEGER values (sent as a PrintableString).
FAIL_INFOS: dict[str, int] = {
    "badAlg": 0,
    "badMessageCheck": 1,
    "badRequest": 2,
    "badTime": 3,
    "badCertId": 4,
}

#: RFC 8894 section 3.2.1.2: messageType values.
MESSAGE_TYPES: dict[int, str] = {
    3: "CertRep",
    17: "RenewalReq",
    19: "PKCSReq",
    20: "CertPoll",
    21: "GetCert",
    22: "GetCRL",
}


class Fault(enum.StrEnum):
    """What the responder does instead of answering properly (``faults[operation]``)."""

    #: Any operation: the HTTP status instead of a reply.
    HTTP_404 = "http-404"
    HTTP_500 = "http-500"
    #: Any operation: a 200 reply whose body is not DER at all (or, for GetCACaps, binary).
    GARBAGE = "garbage"
    #: Any operation: a 200 reply with the proper body cut in the middle.
    TRUNCATED = "truncated"
    #: Any operation: the connection is closed with no reply.
    CLOSE = "close"
    #: Any operation: no reply until the responder is closed (the client must time out).
    HANG = "hang"
    #: PKIOperation: the reply is signed by a fresh key, still naming the proper signer
    #: certificate (the signature does not verify).
    WRONG_SIGNER_KEY = "wrong-signer-key"
    #: PKIOperation: the reply is signed by a certificate other than the CA's (or RA's):
    #: a self-signed one with the same subject and its own key.
    WRONG_SIGNER_CERT = "wrong-signer-cert"
    #: PKIOperation: recipientNonce is not the request's senderNonce.
    WRONG_RECIPIENT_NONCE = "wrong-recipient-nonce"
    #: PKIOperation: transactionID is not the request's.
    WRONG_TRANSACTION_ID = "wrong-transaction-id"
    #: PKIOperation: messageType is not CertRep (a PKCSReq echoed back).
    WRONG_MESSAGE_TYPE = "wrong-message-type"
    #: PKCSReq/RenewalReq/CertPoll: SUCCESS with a certificate for another public key.
    OTHER_PUBLIC_KEY = "other-public-key"


#: Faults that replace the reply altogether (the others change a reply).
_NO_REPLY_FAULTS = frozenset({Fault.HTTP_404, Fault.HTTP_500, Fault.CLOSE, Fault.HANG})


# --------------------------------------------------------------------------------------------
# Keys and the CA
# --------------------------------------------------------------------------------------------

_KEY_CACHE: dict[tuple[int, str], rsa.RSAPrivateKey] = {}
_KEY_LOCK = threading.Lock()


def rsa_key(bits: int = 2048, slot: str = "") -> rsa.RSAPrivateKey:
    """An RSA key of ``bits``, the same one for the same ``(bits, slot)`` within this process
    (key generation is the slow part of a test CA; tests that need distinct keys ask for
    distinct slots). Kept in memory only."""
    with _KEY_LOCK:
        key = _KEY_CACHE.get((bits, slot))
        if key is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
            _KEY_CACHE[(bits, slot)] = key
        return key


#: Microsoft's Certificate Request Agent EKU, which NDES puts on its RA certificates.
_CERTIFICATE_REQUEST_AGENT = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.1")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "xrsim lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _key_usage(
    *,
    digital_signature: bool = False,
    key_encipherment: bool = False,
    data_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=data_encipherment,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


class TestCa:
    """The CA's keys and certificates, issuing and revoking (pyca/cryptography).

    ``certificate`` is self-signed with keyCertSign + cRLSign only (like the Debian CA's; no
    digitalSignature). With ``ra=True``, ``ra_encrypter`` (keyEncipherment + dataEncipherment)
    and ``ra_signer`` (digitalSignature) are issued by it, each with its own key.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, *, key_bits: int = 2048, ra: bool = False, name: str = "") -> None:
        self.name = name or f"xrsim test CA {secrets.token_hex(4)}"
        self.key = rsa_key(key_bits, "ca")
        now = _now()
        subject = _name(self.name)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self.ra_signer: x509.Certificate | None = None
        self.ra_signer_key: rsa.RSAPrivateKey | None = None
        self.ra_encrypter: x509.Certificate | None = None
        self.ra_encrypter_key: rsa.RSAPrivateKey | None = None
        if ra:
            self.ra_encrypter_key = rsa_key(2048, "ra-encrypt")
            self.ra_encrypter = self._issue_ra(
                f"{self.name} RA encrypt",
                self.ra_encrypter_key,
                _key_usage(key_encipherment=True, data_encipherment=True),
            )
            self.ra_signer_key = rsa_key(2048, "ra-sign")
            self.ra_signer = self._issue_ra(
                f"{self.name} RA sign", self.ra_signer_key, _key_usage(digital_signature=True)
            )
        self.revoked: dict[int, datetime.datetime] = {}
        self._crl_number = 0

    def _issue_ra(
        self, common_name: str, key: rsa.RSAPrivateKey, usage: x509.KeyUsage
    ) -> x509.Certificate:
        now = _now()
        return (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([_CERTIFICATE_REQUEST_AGENT]),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )

    # What the CA shows and uses ------------------------------------------------------------

    @property
    def ra(self) -> bool:
        return self.ra_signer is not None

    @property
    def recipient(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """The certificate requests are encrypted to, and its key."""
        if self.ra_encrypter is not None and self.ra_encrypter_key is not None:
            return self.ra_encrypter, self.ra_encrypter_key
        return self.certificate, self.key

    @property
    def signer(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """The certificate that signs replies, and its key."""
        if self.ra_signer is not None and self.ra_signer_key is not None:
            return self.ra_signer, self.ra_signer_key
        return self.certificate, self.key

    @property
    def chain(self) -> list[x509.Certificate]:
        """What GetCACert sends: the CA certificate, then the RA certificates in RA mode."""
        certs = [self.certificate]
        if self.ra_encrypter is not None:
            certs.append(self.ra_encrypter)
        if self.ra_signer is not None:
            certs.append(self.ra_signer)
        return certs

    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def fingerprint(self, algorithm: hashes.HashAlgorithm | None = None) -> bytes:
        return self.certificate.fingerprint(algorithm or hashes.SHA256())

    # Issuing -------------------------------------------------------------------------------

    def issue(
        self,
        csr: x509.CertificateSigningRequest,
        *,
        public_key: Any = None,
        days: int = 365,
    ) -> x509.Certificate:
        """A certificate for the CSR's subject and public key (``public_key`` instead, for a
        fault), with the CSR's requested extensions, signed by the CA key."""
        now = _now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key if public_key is not None else csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        for ext in csr.extensions:
            if isinstance(ext.value, x509.BasicConstraints):
                continue
            builder = builder.add_extension(ext.value, ext.critical)
        return builder.sign(self.key, hashes.SHA256())

    def issued_by_me(self, cert: x509.Certificate) -> bool:
        """Whether ``cert`` carries a valid signature of this CA (for RenewalReq)."""
        try:
            cert.verify_directly_issued_by(self.certificate)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True

    def revoke(self, serial: int) -> None:
        self.revoked[serial] = _now()

    def crl(self) -> x509.CertificateRevocationList:
        """A fresh CRL with every revoked serial, signed by the CA key."""
        self._crl_number += 1
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - datetime.timedelta(minutes=1))
            .next_update(now + datetime.timedelta(days=7))
            .add_extension(x509.CRLNumber(self._crl_number), critical=False)
        )
        for serial, when in sorted(self.revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self.key, hashes.SHA256())


# --------------------------------------------------------------------------------------------
# What was received
# --------------------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One HTTP request as the responder saw it, and what it answered."""

    method: str
    path: str
    #: The query string exactly as received (percent-encoding intact).
    query: str
    operation: str | None = None
    http_status: int = 200
    #: The fault in force for this request (``faults`` by operation or messageType).
    fault: Fault | None = None
    # PKIOperation only ---------------------------------------------------------------------
    message_type: str | None = None
    transaction_id: str | None = None
    sender_nonce: bytes | None = None
    #: The request's digest ("sha256", "sha1") and content cipher ("aes256", "des3"...).
    digest: str | None = None
    cipher: str | None = None
    #: The certificate that signed the request (self-signed for PKCSReq, the old one for
    #: RenewalReq and GetCRL).
    signer: x509.Certificate | None = None
    csr: x509.CertificateSigningRequest | None = None
    #: CertPoll's IssuerAndSubject; GetCert/GetCRL's IssuerAndSerialNumber.
    issuer: x509.Name | None = None
    subject: x509.Name | None = None
    serial: int | None = None
    #: What was answered: "SUCCESS", "FAILURE", "PENDING", and the failInfo name.
    pki_status: str | None = None
    fail_info: str | None = None
    #: The reply's content cipher and the certificate it was signed with.
    reply_cipher: str | None = None
    reply_signer: x509.Certificate | None = None
    issued: x509.Certificate | None = None


@dataclass
class _Pending:
    transaction_id: str
    csr: x509.CertificateSigningRequest
    signer: x509.Certificate
    polls: int = 0
    state: str = "pending"  # "approved", "rejected"
    fail_info: str | None = None
    certificate: x509.Certificate | None = None


class _Refused(Exception):
    """A CertRep FAILURE to send, with its failInfo name."""

    def __init__(self, fail_info: str, why: str) -> None:
        super().__init__(why)
        self.fail_info = fail_info


class _Unreadable(Exception):
    """A request the responder cannot answer with a CertRep (HTTP 400)."""


@dataclass
class _Reply:
    status: int
    content_type: str = "application/octet-stream"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# The responder
# --------------------------------------------------------------------------------------------


class ScepResponder:
    """A SCEP CA on 127.0.0.1 for one test; see the module docstring for its settings."""

    def __init__(
        self,
        *,
        capabilities: Iterable[str] = DEFAULT_CAPABILITIES,
        ra: bool = False,
        ca_key_bits: int = 2048,
        challenge: str | None = None,
        pending: bool = False,
        approve_on_poll: int | None = None,
        failure: str | None = None,
        reply_cipher: str | None = None,
        reply_digest: str = "sha256",
        faults: Mapping[str, Fault | str] | None = None,
        path: str = SCEP_PATH,
    ) -> None:
        if failure is not None and failure not in FAIL_INFOS:
            raise ValueError(f"unknown failInfo {failure!r}")
        self.ca = TestCa(key_bits=ca_key_bits, ra=ra)
        self.capabilities = list(capabilities)
        self.challenge = challenge
        self.pending = pending
        #: The CertPoll (1 = the first) of a pending request that is answered SUCCESS.
        self.approve_on_poll = approve_on_poll
        self.failure = failure
        self.reply_cipher = reply_cipher
        self.reply_digest = reply_digest
        self.faults: dict[str, Fault | str] = {k: Fault(v) for k, v in (faults or {}).items()}
        self.path = path
        self.log: list[Exchange] = []
        self.errors: list[str] = []
        self.issued: list[x509.Certificate] = []
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle -----------------------------------------------------------------------------

    def start(self) -> ScepResponder:
        responder = self

        class Handler(_Handler):
            owner = responder

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> ScepResponder:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the responder is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` with no path (the client then uses ``SCEP_PATH``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The URL of the served path."""
        return self.base_url + self.path

    # What a test does ----------------------------------------------------------------------

    def approve(self, transaction_id: str | None = None) -> None:
        """Approve a pending request (every pending one when None): its next CertPoll gets
        SUCCESS. ``KeyError`` for a transactionID the responder never saw pending."""
        with self._lock:
            for entry in self._select(transaction_id):
                if entry.state == "pending":
                    entry.state = "approved"

    def reject(self, transaction_id: str | None = None, fail_info: str = "badRequest") -> None:
        """Reject a pending request: its next CertPoll gets FAILURE with ``fail_info``."""
        if fail_info not in FAIL_INFOS:
            raise ValueError(f"unknown failInfo {fail_info!r}")
        with self._lock:
            for entry in self._select(transaction_id):
                if entry.state == "pending":
                    entry.state = "rejected"
                    entry.fail_info = fail_info

    def _select(self, transaction_id: str | None) -> list[_Pending]:
        if transaction_id is None:
            return list(self._pending.values())
        return [self._pending[transaction_id]]

    def pending_ids(self) -> list[str]:
        """The transactionIDs still waiting for the operator."""
        with self._lock:
            return [t for t, p in self._pending.items() if p.state == "pending"]

    def revoke(self, serial: int) -> None:
        with self._lock:
            self.ca.revoke(serial)

    def pki_log(self) -> list[Exchange]:
        """The logged PKIOperations that were read, in order."""
        with self._lock:
            return [e for e in self.log if e.message_type is not None]

    def operations(self) -> list[tuple[str, str | None]]:
        """(method, operation) of every request, in order."""
        with self._lock:
            return [(e.method, e.operation) for e in self.log]

    # Serving -------------------------------------------------------------------------------

    def _fault(self, operation: str | None) -> Fault | None:
        with self._lock:
            value = self.faults.get(operation or "")
        return Fault(value) if value is not None else None

    def _serve(self, method: str, target: str, body: bytes) -> _Reply | Fault:
        parts = urllib.parse.urlsplit(target)
        ex = Exchange(method=method, path=parts.path, query=parts.query)
        with self._lock:
            self.log.append(ex)
        reply = self._answer(ex, parts, body)
        if isinstance(reply, Fault):
            ex.fault = reply
            if reply is Fault.HTTP_404:
                reply = _Reply(404, "text/plain", b"not found\n")
            elif reply is Fault.HTTP_500:
                reply = _Reply(500, "text/plain", b"internal server error\n")
            else:
                return reply  # CLOSE, HANG: the handler does it
        ex.http_status = reply.status
        return reply

    def _answer(self, ex: Exchange, parts: urllib.parse.SplitResult, body: bytes) -> _Reply | Fault:
        if parts.path != self.path:
            return _Reply(404, "text/plain", b"not found\n")
        params = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        operation = params.get("operation", [None])[0]
        ex.operation = operation
        fault = self._fault(operation)
        if fault in _NO_REPLY_FAULTS:
            return fault
        reply = self._operation(ex, operation, params, body)
        if isinstance(reply, Fault) or reply.status != 200:
            return reply
        fault = fault or self._fault(ex.message_type)
        if fault in (Fault.GARBAGE, Fault.TRUNCATED):
            ex.fault = fault
        if fault is Fault.GARBAGE:
            reply.body = b"\xffnot a SCEP message\x00" + secrets.token_bytes(32)
        elif fault is Fault.TRUNCATED:
            reply.body = reply.body[: len(reply.body) // 2]
        return reply

    def _operation(
        self, ex: Exchange, operation: str | None, params: dict[str, list[str]], body: bytes
    ) -> _Reply | Fault:
        if operation == "GetCACaps":
            return _Reply(200, "text/plain", "\n".join(self.capabilities).encode() + b"\n")
        if operation == "GetCACert":
            return self._ca_cert()
        if operation != "PKIOperation":
            return _Reply(501, "text/plain", b"operation not supported\n")
        if refused := self._method_refused(ex.method):
            return refused
        try:
            data = body if ex.method == "POST" else _unbase64(params)
            return self._pki_operation(ex, data)
        except _Unreadable as e:
            with self._lock:
                self.errors.append(f"{ex.method} PKIOperation: {e}")
            return _Reply(400, "text/plain", b"bad request\n")

    def _method_refused(self, method: str) -> _Reply | None:
        if method == "GET":
            return None
        if method == "POST" and (
            "POSTPKIOperation" in self.capabilities or "SCEPStandard" in self.capabilities
        ):
            return None
        return _Reply(405, "text/plain", b"method not allowed\n", {"Allow": "GET"})

    def _ca_cert(self) -> _Reply:
        if self.ca.ra:
            return _Reply(200, "application/x-x509-ca-ra-cert", _cms_certs_only(self.ca.chain))
        return _Reply(
            200,
            "application/x-x509-ca-cert",
            self.ca.certificate.public_bytes(serialization.Encoding.DER),
        )

    # PKIOperation --------------------------------------------------------------------------

    def _pki_operation(self, ex: Exchange, message: bytes) -> _Reply | Fault:
        request = _cms_read_request(message)  # _Unreadable when it cannot be answered at all
        ex.message_type = MESSAGE_TYPES.get(request.message_type, str(request.message_type))
        ex.transaction_id = request.transaction_id
        ex.sender_nonce = request.sender_nonce
        ex.digest = request.digest
        ex.signer = request.signer
        fault = self._fault(ex.message_type)
        if fault in _NO_REPLY_FAULTS:
            return fault
        fault = fault or self._fault("PKIOperation")
        ex.fault = fault
        content: bytes | None = None
        status = "SUCCESS"
        fail_info: str | None = None
        try:
            if not request.signature_ok:
                raise _Refused("badMessageCheck", "the request's signature does not verify")
            recipient, recipient_key = self.ca.recipient
            try:
                plain, ex.cipher = _cms_decrypt(request.content, recipient, recipient_key)
            except _Unreadable as e:
                raise _Refused("badMessageCheck", f"the request does not decrypt: {e}") from None
            with self._lock:
                content, status = self._dispatch(ex, request, plain, fault)
        except _Refused as e:
            status, fail_info = "FAILURE", e.fail_info
            with self._lock:
                self.errors.append(f"{ex.message_type} refused ({e.fail_info}): {e}")
        ex.pki_status, ex.fail_info = status, fail_info
        return _Reply(
            200,
            "application/x-pki-message",
            self._cert_rep(
                ex, request, status=status, fail_info=fail_info, content=content, fault=fault
            ),
        )

    def _dispatch(
        self, ex: Exchange, request: _Request, plain: bytes, fault: Fault | None
    ) -> tuple[bytes | None, str]:
        """(certs-only content, pkiStatus) for a decrypted request; ``_Refused`` for FAILURE.
        Called under the lock."""
        handlers = {
            "PKCSReq": self._enroll,
            "RenewalReq": self._enroll,
            "CertPoll": self._poll,
            "GetCert": self._get_cert,
            "GetCRL": self._get_crl,
        }
        handler = handlers.get(ex.message_type or "")
        if handler is None:
            raise _Refused("badRequest", f"messageType {ex.message_type} is not a request")
        return handler(ex, request, plain, fault)

    def _refuse_if_set(self) -> None:
        if self.failure is not None:
            raise _Refused(self.failure, "the responder is set to fail every request")

    def _enroll(
        self, ex: Exchange, request: _Request, plain: bytes, fault: Fault | None
    ) -> tuple[bytes | None, str]:
        csr = _load_csr(plain)
        ex.csr = csr
        self._check_enrollment(ex.message_type, csr, request.signer)
        self._refuse_if_set()
        if self.pending:
            self._pending[request.transaction_id] = _Pending(
                request.transaction_id, csr, request.signer
            )
            return None, "PENDING"
        return self._issue(ex, csr, fault), "SUCCESS"

    def _poll(
        self, ex: Exchange, request: _Request, plain: bytes, fault: Fault | None
    ) -> tuple[bytes | None, str]:
        ex.issuer, ex.subject = _cms_issuer_and_subject(plain)
        self._refuse_if_set()
        entry = self._pending.get(request.transaction_id)
        if entry is None:
            raise _Refused("badCertId", "CertPoll of a transactionID never seen pending")
        if entry.certificate is not None:  # polled again after SUCCESS: the same one
            ex.issued = entry.certificate
            return _cms_certs_only([entry.certificate]), "SUCCESS"
        entry.polls += 1
        if self.approve_on_poll is not None and entry.polls >= self.approve_on_poll:
            entry.state = "approved"
        if entry.state == "rejected":
            raise _Refused(entry.fail_info or "badRequest", "the operator rejected it")
        if entry.state == "pending":
            return None, "PENDING"
        content = self._issue(ex, entry.csr, fault)
        entry.certificate = ex.issued
        return content, "SUCCESS"

    def _get_cert(
        self, ex: Exchange, request: _Request, plain: bytes, fault: Fault | None
    ) -> tuple[bytes | None, str]:
        ex.issuer, ex.serial = _cms_issuer_and_serial(plain)
        self._refuse_if_set()
        for cert in self.issued:
            if cert.serial_number == ex.serial:
                return _cms_certs_only([cert]), "SUCCESS"
        raise _Refused("badCertId", "GetCert of a serial number never issued")

    def _get_crl(
        self, ex: Exchange, request: _Request, plain: bytes, fault: Fault | None
    ) -> tuple[bytes | None, str]:
        ex.issuer, ex.serial = _cms_issuer_and_serial(plain)
        if "GetCRL" not in self.capabilities:
            raise _Refused("badRequest", "GetCRL is not advertised")
        self._refuse_if_set()
        return _cms_certs_only([], crls=[self.ca.crl()]), "SUCCESS"

    def _check_enrollment(
        self, kind: str | None, csr: x509.CertificateSigningRequest, signer: x509.Certificate
    ) -> None:
        if not csr.is_signature_valid:
            raise _Refused("badMessageCheck", "the CSR's signature does not verify")
        if kind == "RenewalReq":
            if "Renewal" not in self.capabilities:
                raise _Refused("badRequest", "RenewalReq while Renewal is not advertised")
            if not self.ca.issued_by_me(signer):
                raise _Refused("badMessageCheck", "RenewalReq not signed by a certificate of ours")
            return
        self_signed = signer.issuer == signer.subject and _public_der(
            signer.public_key()
        ) == _public_der(csr.public_key())
        if not (self_signed or self.ca.issued_by_me(signer)):
            raise _Refused(
                "badMessageCheck", "PKCSReq signer neither self-signed with the CSR key nor ours"
            )
        if self.challenge is not None and _challenge(csr) != self.challenge:
            raise _Refused("badRequest", "wrong or missing challengePassword")

    def _issue(
        self, ex: Exchange, csr: x509.CertificateSigningRequest, fault: Fault | None
    ) -> bytes:
        other = rsa_key(2048, "other").public_key() if fault is Fault.OTHER_PUBLIC_KEY else None
        cert = self.ca.issue(csr, public_key=other)
        self.issued.append(cert)
        ex.issued = cert
        return _cms_certs_only([cert])

    def _cert_rep(
        self,
        ex: Exchange,
        request: _Request,
        *,
        status: str,
        fail_info: str | None,
        content: bytes | None,
        fault: Fault | None,
    ) -> bytes:
        signer, signer_key = self.ca.signer
        if fault is Fault.WRONG_SIGNER_KEY:
            signer_key = rsa_key(2048, "wrong-signer")
        elif fault is Fault.WRONG_SIGNER_CERT:
            signer_key = rsa_key(2048, "wrong-signer")
            signer = _self_signed(signer.subject, signer_key)
        ex.reply_signer = signer
        cipher = self.reply_cipher or ex.cipher or "aes128"
        transaction_id = request.transaction_id
        if fault is Fault.WRONG_TRANSACTION_ID:
            transaction_id = secrets.token_hex(20).upper()
        recipient_nonce = request.sender_nonce
        if fault is Fault.WRONG_RECIPIENT_NONCE:
            recipient_nonce = secrets.token_bytes(16)
        message_type = 19 if fault is Fault.WRONG_MESSAGE_TYPE else 3
        if content is not None:
            ex.reply_cipher = cipher
        return _cms_cert_rep(
            content=content,
            recipient=request.signer,
            cipher=cipher,
            signer=signer,
            signer_key=signer_key,
            digest=self.reply_digest,
            message_type=message_type,
            status=status,
            fail_info=fail_info,
            transaction_id=transaction_id,
            recipient_nonce=recipient_nonce,
        )


def _unbase64(params: dict[str, list[str]]) -> bytes:
    values = params.get("message")
    if not values:
        raise _Unreadable("GET without a message parameter")
    try:
        return base64.b64decode(values[0], validate=False)
    except ValueError as e:
        raise _Unreadable(f"the message parameter is not base64: {e}") from None


class _Handler(http.server.BaseHTTPRequestHandler):
    owner: ScepResponder
    server_version = "xrsim-scep-responder/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the responder keeps its own log."""

    def do_GET(self) -> None:
        self._do("GET", b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._do("POST", self.rfile.read(length) if length > 0 else b"")

    def _do(self, method: str, body: bytes) -> None:
        try:
            reply = self.owner._serve(method, self.path, body)
        except Exception as e:  # a responder bug: the test sees it in errors
            with self.owner._lock:
                self.owner.errors.append(f"{method} {self.path}: {type(e).__name__}: {e}")
            reply = _Reply(500, "text/plain", b"responder error\n")
        if reply is Fault.HANG:
            self.owner._closing.wait(timeout=60)
            self.close_connection = True
            return
        if reply is Fault.CLOSE:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        assert isinstance(reply, _Reply)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


# --------------------------------------------------------------------------------------------
# The CMS side, through xrsim.scep.message (the server's use of the client's pieces)
# --------------------------------------------------------------------------------------------


@dataclass
class _Request:
    message_type: int
    transaction_id: str
    sender_nonce: bytes
    digest: str
    signer: x509.Certificate
    content: bytes
    signature_ok: bool


def _cms_read_request(data: bytes) -> _Request:
    """The pkiMessage's attributes, signer and envelope; ``_Unreadable`` when it cannot even be
    answered (no CertRep can be built without its transactionID, nonce and signer)."""
    try:
        msg = message.parse_signed(data)
    except ScepProtocolError as e:
        raise _Unreadable(e.reason) from None
    attrs = msg.attributes
    signer = msg.signer()
    if signer is None:
        raise _Unreadable("the request does not carry its signer's certificate")
    if msg.content is None:
        raise _Unreadable("the request has no pkcsPKIEnvelope")
    if attrs.sender_nonce is None:
        raise _Unreadable("the request has no senderNonce")
    try:
        msg.verify(signer)
        ok = True
    except ScepProtocolError:
        ok = False
    return _Request(
        int(attrs.message_type),
        attrs.transaction_id,
        attrs.sender_nonce,
        msg.digest,
        signer,
        msg.content,
        ok,
    )


def _cms_decrypt(
    envelope: bytes, recipient: x509.Certificate, key: rsa.RSAPrivateKey
) -> tuple[bytes, str]:
    """(plain content, its cipher name) of a request's pkcsPKIEnvelope."""
    try:
        return message.open_envelope(envelope, key, recipient), message.envelope_cipher(envelope)
    except ScepProtocolError as e:
        raise _Unreadable(e.reason) from None


def _cms_certs_only(
    certificates: Iterable[x509.Certificate],
    crls: Iterable[x509.CertificateRevocationList] = (),
) -> bytes:
    return message.build_degenerate(list(certificates), list(crls))


def _cms_issuer_and_subject(plain: bytes) -> tuple[x509.Name, x509.Name]:
    try:
        parsed = message.parse_issuer_and_subject(plain)
        return parsed.issuer_name, parsed.subject_name
    except ScepProtocolError as e:
        raise _Refused("badRequest", f"CertPoll content: {e.reason}") from None


def _cms_issuer_and_serial(plain: bytes) -> tuple[x509.Name, int]:
    try:
        return message.parse_issuer_and_serial(plain)
    except ScepProtocolError as e:
        raise _Refused("badRequest", f"IssuerAndSerialNumber: {e.reason}") from None


def _cms_cert_rep(
    *,
    content: bytes | None,
    recipient: x509.Certificate,
    cipher: str,
    signer: x509.Certificate,
    signer_key: rsa.RSAPrivateKey,
    digest: str,
    message_type: int,
    status: str,
    fail_info: str | None,
    transaction_id: str,
    recipient_nonce: bytes,
) -> bytes:
    """A CertRep: on SUCCESS the certs-only ``content`` enveloped to the request's signer."""
    envelope = message.envelope(content, recipient, cipher) if content is not None else None
    attributes = message.PkiAttributes(
        message_type=message.MessageType(message_type),
        transaction_id=transaction_id,
        sender_nonce=message.new_nonce(),
        recipient_nonce=recipient_nonce,
        pki_status=message.PkiStatus[status],
        fail_info=message.FailInfo(FAIL_INFOS[fail_info]) if fail_info is not None else None,
    )
    return message.build_signed(
        envelope, attributes, signer, signer_key, digest=digest, certificates=[signer]
    )


# --------------------------------------------------------------------------------------------
# Small pieces
# --------------------------------------------------------------------------------------------


def _load_csr(plain: bytes) -> x509.CertificateSigningRequest:
    try:
        return x509.load_der_x509_csr(plain)
    except ValueError:
        raise _Refused("badRequest", "the enveloped content is not a PKCS#10 request") from None


def _challenge(csr: x509.CertificateSigningRequest) -> str | None:
    try:
        value = csr.attributes.get_attribute_for_oid(AttributeOID.CHALLENGE_PASSWORD).value
    except x509.AttributeNotFound:
        return None
    return value.decode("utf-8", "replace")


def _public_der(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _self_signed(subject: x509.Name, key: rsa.RSAPrivateKey) -> x509.Certificate:
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )

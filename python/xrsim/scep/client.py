"""The SCEP client (RFC 8894), synchronous and transport-independent (layer 4: imports
``xrsim.errors``, ``xrsim.scep.message``).

- ``Capabilities``: a CA's GetCACaps answer; the POST/GET choice, Renewal, the best digest
  (SHA-256, then SHA-1) and the best content encryption (AES-256, AES-128, 3DES, then DES).
- ``CaCertificates``: a GetCACert answer (one DER certificate, or a certs-only PKCS#7 with the
  CA and its RA certificates, NDES style with one RA certificate to sign and one to encrypt);
  ``recipient`` is the certificate requests are encrypted to, ``verifier`` the one replies
  must be signed by.
- ``Transport`` (protocol) and ``Reply``: how the client reaches the CA; ``xrsim.scep.http``
  has the HTTP one.
- ``ScepClient(transport)``: ``capabilities()``, ``ca_certificates()``, ``enroll()`` (PKCSReq,
  or RenewalReq when asked and the CA offers Renewal), ``poll()`` (CertPoll, the same
  transactionID as the request), ``crl()`` (GetCRL). The answer of ``enroll``/``poll`` is an
  ``Outcome``: SUCCESS with the issued certificate (checked to carry our public key) or
  PENDING with a ``Pending`` (storable as a dict of str) to poll with later. The client keeps
  no timers: whoever holds a ``Pending`` decides when to poll (the router's scheduler).

Every CertRep is checked before it is believed: a SignedData whose SignerInfo names (by issuer
and serial number) the RA signing certificate or the CA, whose signature and digest hold, of
type CertRep, with our transactionID and our senderNonce as its recipientNonce. Errors:
``ScepFailure`` (CertRep FAILURE, ``fail_info`` in words), ``ScepProtocolError`` (anything that
breaks the protocol), ``TransportError`` and its kinds from the transport, unchanged.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from xrsim.errors import HttpStatusError, ScepError, ScepFailure, ScepProtocolError
from xrsim.scep import message as msg
from xrsim.scep.message import MessageType, PkiAttributes, PkiStatus

__all__ = [
    "CA_CERT",
    "CA_RA_CERT",
    "PKI_MESSAGE",
    "CaCertificates",
    "Capabilities",
    "Outcome",
    "Pending",
    "Reply",
    "ScepClient",
    "Transport",
    "transaction_id_for",
]

#: GetCACert content types (RFC 8894 4.2.1) and the PKIOperation one (4.3).
CA_CERT = "application/x-x509-ca-cert"
CA_RA_CERT = "application/x-x509-ca-ra-cert"
PKI_MESSAGE = "application/x-pki-message"


# --------------------------------------------------------------------------------------------
# Capabilities
# --------------------------------------------------------------------------------------------


class Capabilities:
    """A GetCACaps answer (RFC 8894 3.5.2): one keyword a line, compared without case.

    ``post``: POSTPKIOperation or SCEPStandard. ``renewal``: Renewal. ``digest``: "sha256"
    when SHA-256 or SCEPStandard is listed, else "sha1" (also the RFC's assumption for a CA
    that lists neither). ``cipher``: "aes256" for AES-256 (``AES256``/``AES-256``) or the
    RFC's ``AES`` (and SCEPStandard, which includes it), "aes128" for an explicit
    ``AES128``/``AES-128`` alone, "des3" for DES3, else "des"."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: frozenset[str] = frozenset(n.strip() for n in names if n.strip())
        self._upper = frozenset(n.upper() for n in self.names)

    @classmethod
    def parse(cls, text: str | bytes) -> Capabilities:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return cls(text.split())

    def has(self, name: str) -> bool:
        return name.upper() in self._upper

    @property
    def post(self) -> bool:
        return self.has("POSTPKIOperation") or self.has("SCEPStandard")

    @property
    def renewal(self) -> bool:
        return self.has("Renewal")

    @property
    def digest(self) -> str:
        if self.has("SHA-256") or self.has("SCEPStandard"):
            return "sha256"
        return "sha1"

    @property
    def cipher(self) -> str:
        if self.has("AES256") or self.has("AES-256") or self.has("AES") or self.has("SCEPStandard"):
            return "aes256"
        if self.has("AES128") or self.has("AES-128"):
            return "aes128"
        if self.has("DES3"):
            return "des3"
        return "des"

    def __repr__(self) -> str:
        return f"Capabilities({sorted(self.names)!r})"


# --------------------------------------------------------------------------------------------
# CA and RA certificates
# --------------------------------------------------------------------------------------------


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return cert.issuer == cert.subject


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _usage(cert: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


@dataclass(frozen=True)
class CaCertificates:
    """A CA's certificates from GetCACert. ``ca`` issues our certificate; ``ra_signer`` and
    ``ra_encrypter`` are its RA certificates (the same one when one RA certificate does both,
    None without an RA); ``chain`` every certificate received, in order."""

    ca: x509.Certificate
    ra_signer: x509.Certificate | None
    ra_encrypter: x509.Certificate | None
    chain: tuple[x509.Certificate, ...]

    @property
    def recipient(self) -> x509.Certificate:
        """The certificate requests are encrypted to: the RA's with keyEncipherment, else the
        CA's."""
        return self.ra_encrypter or self.ca

    @property
    def verifier(self) -> x509.Certificate:
        """The certificate replies are signed by: the RA's with digitalSignature, else the
        CA's."""
        return self.ra_signer or self.ca

    @property
    def trusted_signers(self) -> tuple[x509.Certificate, ...]:
        """The certificates a reply may be signed by: the RA signing certificate, the CA."""
        return tuple(c for c in (self.ra_signer, self.ca) if c is not None)

    @classmethod
    def from_certificates(cls, certs: Iterable[x509.Certificate]) -> CaCertificates:
        """Sorts a GetCACert set into CA and RA certificates: the RA certificates are the
        non-CA certificates issued by one CA of the set (that CA is ``ca``); with no RA, ``ca``
        is the CA certificate of the set that issued no other of them."""
        chain = tuple(certs)
        if not chain:
            raise ScepProtocolError("the CA sent no certificate")
        cas = [c for c in chain if _is_ca(c)]
        ras = [c for c in chain if not _is_ca(c)]
        if not cas:
            if len(chain) == 1:  # a lone CA certificate without basicConstraints
                return cls(chain[0], None, None, chain)
            raise ScepProtocolError("the CA's certificates hold no CA certificate")
        if ras:
            issuers = [ca for ca in cas if all(_issued_by(ra, ca) for ra in ras)]
            if not issuers:
                raise ScepProtocolError(
                    "the RA certificates the CA sent are not issued by its CA certificate"
                )
            ca = issuers[0]
            signer = _pick_ra(ras, "digital_signature")
            encrypter = _pick_ra(ras, "key_encipherment")
            if signer is None or encrypter is None:
                raise ScepProtocolError(
                    "the CA's RA certificates have no "
                    + ("signing" if signer is None else "encryption")
                    + " certificate (digitalSignature, keyEncipherment)"
                )
            return cls(ca, signer, encrypter, chain)
        lowest = [c for c in cas if not any(o is not c and _issued_by(o, c) for o in cas)]
        return cls((lowest or cas)[0], None, None, chain)

    @classmethod
    def from_reply(cls, content_type: str, body: bytes) -> CaCertificates:
        """A GetCACert reply: ``application/x-x509-ca-cert`` (one DER certificate) or
        ``application/x-x509-ca-ra-cert`` (certs-only PKCS#7); any other type is read by what
        the body holds."""
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == CA_RA_CERT:
            return cls.from_certificates(msg.parse_degenerate(body).certificates)
        try:
            cert = x509.load_der_x509_certificate(body)
        except ValueError:
            if kind == CA_CERT:
                raise ScepProtocolError("the CA certificate the CA sent is not valid") from None
            try:
                bundle = msg.parse_degenerate(body)
            except ScepProtocolError:
                raise ScepProtocolError(
                    "the CA's GetCACert reply holds neither a certificate nor a PKCS#7"
                ) from None
            return cls.from_certificates(bundle.certificates)
        return cls.from_certificates([cert])


def _pick_ra(ras: list[x509.Certificate], usage: str) -> x509.Certificate | None:
    """The RA certificate for ``usage``: one whose key usage has it, or one without the
    extension; the first such in the order sent."""
    for cert in ras:
        ku = _usage(cert)
        if ku is None or getattr(ku, usage):
            return cert
    return None


# --------------------------------------------------------------------------------------------
# Transport
# --------------------------------------------------------------------------------------------


class Reply(NamedTuple):
    content_type: str
    body: bytes


class Transport(Protocol):
    """How the client reaches the CA. ``get(operation, message)``: ``message`` is None, text
    (GetCACert's CA identifier) or a DER pkiMessage (PKIOperation); ``post`` sends a DER
    pkiMessage. Failures raise ``xrsim.errors.TransportError`` (``HttpStatusError`` for a
    status other than 200)."""

    def get(self, operation: str, message: bytes | None) -> Reply: ...

    def post(self, operation: str, message: bytes) -> Reply: ...


# --------------------------------------------------------------------------------------------
# Outcome and Pending
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A request the CA left PENDING: what CertPoll needs (the transactionID, the CA's name
    and the requested subject as DER, the certificate the request was signed with, the digest
    and cipher used). ``to_dict``/``from_dict`` store it as str values."""

    transaction_id: str
    issuer: bytes
    subject: bytes
    signer: x509.Certificate
    digest: str
    cipher: str

    def to_dict(self) -> dict[str, str]:
        return {
            "transaction_id": self.transaction_id,
            "issuer": base64.b64encode(self.issuer).decode(),
            "subject": base64.b64encode(self.subject).decode(),
            "signer": self.signer.public_bytes(serialization.Encoding.PEM).decode(),
            "digest": self.digest,
            "cipher": self.cipher,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Pending:
        try:
            pending = cls(
                transaction_id=data["transaction_id"],
                issuer=base64.b64decode(data["issuer"], validate=True),
                subject=base64.b64decode(data["subject"], validate=True),
                signer=x509.load_pem_x509_certificate(data["signer"].encode()),
                digest=data["digest"],
                cipher=data["cipher"],
            )
            msg.name_from_der(pending.issuer)
            msg.name_from_der(pending.subject)
        except (KeyError, ValueError, TypeError, ScepProtocolError):
            raise ScepError("the stored pending SCEP request is not valid") from None
        if pending.digest not in msg.DIGESTS or pending.cipher not in msg.CIPHERS:
            raise ScepError("the stored pending SCEP request is not valid")
        return pending


@dataclass(frozen=True)
class Outcome:
    """The answer to a request: ``status`` "SUCCESS" with ``certificate`` (ours, checked to
    carry our public key) and ``chain`` (the other certificates of the reply), or "PENDING"
    with ``pending``."""

    status: str
    certificate: x509.Certificate | None = None
    pending: Pending | None = None
    chain: tuple[x509.Certificate, ...] = ()


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def transaction_id_for(public_key: rsa.RSAPublicKey) -> str:
    """The transactionID of a request for ``public_key``: the SHA-256 of its
    SubjectPublicKeyInfo in upper-case hex (RFC 8894 3.2.1.1: a hash of the public key, so a
    repeated request for the same key is the same transaction)."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest().upper()


def _spki(key: rsa.RSAPublicKey | object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey):
        return b""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def self_signed(key: rsa.RSAPrivateKey, subject: x509.Name) -> x509.Certificate:
    """The transient self-signed certificate a first request is signed with (RFC 8894 3.2.1):
    the request's subject (``CN=SCEP client`` when it has none), valid for a day around
    now."""
    if not len(subject):
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SCEP client")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


class ScepClient:
    """One CA reached through ``transport``. ``capabilities`` are fetched once (GetCACaps) on
    first need, unless given; a CA that does not answer GetCACaps (an HTTP error) is taken to
    offer nothing (RFC 8894 3.5.1)."""

    def __init__(self, transport: Transport, *, capabilities: Capabilities | None = None) -> None:
        self.transport = transport
        self._caps = capabilities

    # -- discovery --------------------------------------------------------------------------

    def capabilities(self) -> Capabilities:
        """GetCACaps; HTTP errors pass through (``HttpStatusError``)."""
        reply = self.transport.get("GetCACaps", None)
        self._caps = Capabilities.parse(reply.body)
        return self._caps

    def _capabilities(self) -> Capabilities:
        if self._caps is None:
            try:
                return self.capabilities()
            except HttpStatusError:
                self._caps = Capabilities()
        return self._caps

    def ca_certificates(self, identifier: str | None = None) -> CaCertificates:
        """GetCACert (``identifier`` the CA name some CAs need as ``message``)."""
        reply = self.transport.get(
            "GetCACert", identifier.encode() if identifier is not None else None
        )
        return CaCertificates.from_reply(reply.content_type, reply.body)

    # -- requests ---------------------------------------------------------------------------

    def enroll(
        self,
        csr: x509.CertificateSigningRequest,
        key: rsa.RSAPrivateKey,
        ca: CaCertificates,
        *,
        signer: x509.Certificate | None = None,
        signer_key: rsa.RSAPrivateKey | None = None,
        renewal: bool = False,
        transaction_id: str | None = None,
    ) -> Outcome:
        """PKCSReq (RenewalReq when ``renewal`` and the CA offers Renewal) for ``csr``, whose
        key is ``key``. ``signer`` signs the message (None: a self-signed certificate made
        for the request; a renewal: the existing certificate, with ``signer_key`` its key when
        that is not ``key``)."""
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("SCEP needs an RSA key")
        if _spki(csr.public_key()) != _spki(key.public_key()):
            raise ValueError("the certificate request is not for this key")
        caps = self._capabilities()
        if renewal and signer is None:
            raise ValueError("a renewal is signed with the existing certificate")
        renewing = renewal and caps.renewal
        if renewal and not renewing:
            signer, signer_key = None, None  # a CA without Renewal gets a first request
        sign_key = signer_key if signer is not None and signer_key is not None else key
        if signer is None:
            signer = self_signed(key, csr.subject)
        if _spki(signer.public_key()) != _spki(sign_key.public_key()):
            raise ValueError("the signer certificate is not for the signing key")
        tid = transaction_id or transaction_id_for(key.public_key())
        pending = Pending(
            tid,
            ca.ca.subject.public_bytes(),
            csr.subject.public_bytes(),
            signer,
            caps.digest,
            caps.cipher,
        )
        kind = MessageType.RENEWAL_REQ if renewing else MessageType.PKCS_REQ
        content = csr.public_bytes(serialization.Encoding.DER)
        return self._exchange(kind, content, pending, sign_key=sign_key, key=key, ca=ca, caps=caps)

    def poll(
        self,
        pending: Pending,
        key: rsa.RSAPrivateKey,
        ca: CaCertificates,
        *,
        signer_key: rsa.RSAPrivateKey | None = None,
    ) -> Outcome:
        """CertPoll (GetCertInitial) for a PENDING request: the same transactionID, signed by
        the same certificate as the request; ``key`` is the request's key, ``signer_key`` the
        signer's when that is another (a renewal signed with the old certificate)."""
        caps = self._capabilities()
        content = msg.issuer_and_subject(pending.issuer, pending.subject)
        sign_key = signer_key or key
        if _spki(pending.signer.public_key()) != _spki(sign_key.public_key()):
            raise ValueError("the pending request was signed with another key")
        return self._exchange(
            MessageType.CERT_POLL, content, pending, sign_key=sign_key, key=key, ca=ca, caps=caps
        )

    def crl(
        self, ca: CaCertificates, cert: x509.Certificate, key: rsa.RSAPrivateKey
    ) -> x509.CertificateRevocationList:
        """GetCRL for ``cert`` (ours, issued by the CA; the request is signed with it and
        ``key``): the CRL, its signature checked against the CA."""
        caps = self._capabilities()
        pending = Pending(
            transaction_id_for(_rsa_public(cert)),
            ca.ca.subject.public_bytes(),
            cert.subject.public_bytes(),
            cert,
            caps.digest,
            caps.cipher,
        )
        sent_nonce, response = self._send(
            MessageType.GET_CRL,
            msg.issuer_and_serial(cert),
            pending,
            sign_key=key,
            ca=ca,
            caps=caps,
        )
        content = self._check_success(response, sent_nonce, pending)
        if content is None:
            raise ScepProtocolError("the CA answered PENDING to GetCRL")
        bundle = msg.parse_degenerate(msg.open_envelope(content, key, pending.signer))
        if not bundle.crls:
            raise ScepProtocolError("the CA's GetCRL reply holds no CRL")
        crl = bundle.crls[0]
        if crl.issuer != ca.ca.subject or not crl.is_signature_valid(_rsa_public(ca.ca)):
            raise ScepProtocolError("the CRL the CA sent is not signed by the CA")
        return crl

    # -- the exchange -----------------------------------------------------------------------

    def _send(
        self,
        kind: MessageType,
        content: bytes,
        pending: Pending,
        *,
        sign_key: rsa.RSAPrivateKey,
        ca: CaCertificates,
        caps: Capabilities,
    ) -> tuple[bytes, msg.SignedMessage]:
        nonce = msg.new_nonce()
        envelope = msg.envelope(content, ca.recipient, pending.cipher)
        request = msg.build_signed(
            envelope,
            PkiAttributes(kind, pending.transaction_id, nonce),
            pending.signer,
            sign_key,
            digest=pending.digest,
        )
        if caps.post:
            reply = self.transport.post("PKIOperation", request)
        else:
            reply = self.transport.get("PKIOperation", request)
        return nonce, self._verified(reply, ca)

    def _verified(self, reply: Reply, ca: CaCertificates) -> msg.SignedMessage:
        response = msg.parse_signed(reply.body)
        signer = next((c for c in ca.trusted_signers if response.is_signer(c)), None)
        if signer is None:
            raise ScepProtocolError(
                "the CA's reply is signed by a certificate other than the CA's or RA's"
            )
        response.verify(signer)
        return response

    @staticmethod
    def _check_success(response: msg.SignedMessage, nonce: bytes, pending: Pending) -> bytes | None:
        """Checks a verified CertRep against our request: the envelope of a SUCCESS, None for
        PENDING; ``ScepFailure`` for FAILURE."""
        attrs = response.attributes
        if attrs.message_type is not MessageType.CERT_REP:
            raise ScepProtocolError(f"the CA answered a {attrs.message_type.words}, not a CertRep")
        if attrs.transaction_id != pending.transaction_id:
            raise ScepProtocolError("the CA's reply is for another transaction")
        if attrs.recipient_nonce != nonce:
            raise ScepProtocolError("the CA's reply does not answer our request (nonce)")
        if attrs.pki_status is None:
            raise ScepProtocolError("the CA's reply has no pkiStatus")
        if attrs.pki_status is PkiStatus.FAILURE:
            words = attrs.fail_info.words if attrs.fail_info is not None else None
            reason = "the CA refused the request"
            if words is not None:
                reason += f" ({words})"
            if attrs.fail_info_text:
                reason += f": {attrs.fail_info_text}"
            raise ScepFailure(reason, words)
        if attrs.pki_status is PkiStatus.PENDING:
            return None
        if response.content is None:
            raise ScepProtocolError("the CA's SUCCESS reply holds no envelope")
        return response.content

    def _exchange(
        self,
        kind: MessageType,
        content: bytes,
        pending: Pending,
        *,
        sign_key: rsa.RSAPrivateKey,
        key: rsa.RSAPrivateKey,
        ca: CaCertificates,
        caps: Capabilities,
    ) -> Outcome:
        nonce, response = self._send(kind, content, pending, sign_key=sign_key, ca=ca, caps=caps)
        envelope = self._check_success(response, nonce, pending)
        if envelope is None:
            return Outcome("PENDING", pending=pending)
        inner = msg.open_envelope(envelope, sign_key, pending.signer)
        certs = msg.parse_degenerate(inner).certificates
        ours = _spki(key.public_key())
        issued = [c for c in certs if _spki(c.public_key()) == ours]
        if not issued:
            raise ScepProtocolError("the certificate the CA issued is not for our key")
        return Outcome(
            "SUCCESS",
            certificate=issued[0],
            chain=tuple(c for c in certs if c is not issued[0]),
        )


def _rsa_public(cert: x509.Certificate) -> rsa.RSAPublicKey:
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ScepProtocolError("the certificate has no RSA key (SCEP needs RSA)")
    return key

"""SCEP messages (RFC 8894): the CMS pieces, for the client and for a CA or RA alike (layer 4:
imports ``xrsim.errors``).

Every structure is built and parsed with pyasn1 and pyasn1-modules (``rfc5652``, ``rfc5280``);
every primitive (RSA PKCS#1 v1.5, SHA, AES, TripleDES, single DES) is
pyca/cryptography's. Input is decoded as BER (indefinite lengths, constructed strings: the
Debian ``scep`` CA writes its replies so); output is DER. pyasn1's ``Any`` drops the
end-of-contents octets of indefinite-length values held in it, so every ContentInfo is decoded
through a spec naming its content's type rather than through an ``Any``.

- ``PkiAttributes``: the SCEP signed attributes of a pkiMessage (messageType, transactionID,
  senderNonce, recipientNonce, pkiStatus, failInfo, failInfoText), with ``MessageType``,
  ``PkiStatus`` and ``FailInfo`` (``FailInfo.words`` is the failInfo in words).
- ``build_signed(content, attributes, signer, key, digest, certificates)`` -> DER ContentInfo of
  a SignedData whose encapsulated content is ``content`` (an EnvelopedData, or None for CertRep
  PENDING/FAILURE), signed by ``key`` over the attributes.
  ``parse_signed(data)`` -> ``SignedMessage``: the attributes, the content, the certificate set,
  the signer identifier; ``SignedMessage.signer()`` picks the signer's certificate by the
  SignerInfo's issuer and serial (or subject key identifier), ``SignedMessage.verify(cert)``
  checks the message digest and the signature.
- ``envelope(content, recipient, cipher)`` -> DER ContentInfo of an EnvelopedData for the RSA key
  of ``recipient``, content encrypted with ``cipher`` ("aes256", "aes128", "des3", "des");
  ``open_envelope(data, key, recipient=None)`` -> the content; ``envelope_cipher(data)`` names
  the cipher an envelope uses. Single DES is pyca's ``decrepit`` TripleDES with the 8-byte key
  three times (K1 = K2 = K3 is DES; the 24-byte form raises no deprecation warning).
- ``build_degenerate(certificates, crls)`` / ``parse_degenerate(data)``: certs-only PKCS#7 (the
  GetCACert RA chain, the issued certificate in CertRep, the CRL of GetCRL).
- ``issuer_and_serial(cert)`` / ``parse_issuer_and_serial(data)`` (GetCert, GetCRL content) and
  ``issuer_and_subject(issuer, subject)`` / ``parse_issuer_and_subject(data)`` (CertPoll
  content); ``name_from_der`` turns a DER Name into a ``cryptography`` ``x509.Name``.

Anything that is not what it claims to be (garbage, truncated, wrong structure, unknown
algorithm, a signature or digest that does not check, a key that does not decrypt) raises
``xrsim.errors.ScepProtocolError`` with the reason in words.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES
from cryptography.x509.name import _ASN1Type
from pyasn1.codec.ber import decoder as ber_decoder  # type: ignore[import-untyped]
from pyasn1.codec.ber import encoder as ber_encoder
from pyasn1.codec.der import encoder as der_encoder  # type: ignore[import-untyped]
from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]
from pyasn1.type import char, namedtype, tag, univ  # type: ignore[import-untyped]
from pyasn1_modules import rfc5280, rfc5652  # type: ignore[import-untyped]

from xrsim.errors import ScepProtocolError

__all__ = [
    "CIPHERS",
    "DIGESTS",
    "Degenerate",
    "FailInfo",
    "IssuerAndSubject",
    "MessageType",
    "PkiAttributes",
    "PkiStatus",
    "SignedMessage",
    "build_degenerate",
    "build_signed",
    "envelope",
    "envelope_cipher",
    "issuer_and_serial",
    "issuer_and_subject",
    "name_from_der",
    "new_nonce",
    "open_envelope",
    "parse_degenerate",
    "parse_issuer_and_serial",
    "parse_issuer_and_subject",
    "parse_signed",
]

# --------------------------------------------------------------------------------------------
# Object identifiers and the SCEP vocabulary
# --------------------------------------------------------------------------------------------

_SCEP_ARC = "2.16.840.1.113733.1.9"
OID_MESSAGE_TYPE: Final = univ.ObjectIdentifier(f"{_SCEP_ARC}.2")
OID_PKI_STATUS: Final = univ.ObjectIdentifier(f"{_SCEP_ARC}.3")
OID_FAIL_INFO: Final = univ.ObjectIdentifier(f"{_SCEP_ARC}.4")
OID_SENDER_NONCE: Final = univ.ObjectIdentifier(f"{_SCEP_ARC}.5")
OID_RECIPIENT_NONCE: Final = univ.ObjectIdentifier(f"{_SCEP_ARC}.6")
OID_TRANSACTION_ID: Final = univ.ObjectIdentifier(f"{_SCEP_ARC}.7")
OID_FAIL_INFO_TEXT: Final = univ.ObjectIdentifier("1.3.6.1.5.5.7.24.1")

_OID_RSA: Final = univ.ObjectIdentifier("1.2.840.113549.1.1.1")
_RSA_SIGNATURE_OIDS: Final = {
    univ.ObjectIdentifier("1.2.840.113549.1.1.1"): None,  # rsaEncryption: the digest's hash
    univ.ObjectIdentifier("1.2.840.113549.1.1.5"): "sha1",
    univ.ObjectIdentifier("1.2.840.113549.1.1.11"): "sha256",
    univ.ObjectIdentifier("1.2.840.113549.1.1.12"): "sha384",
    univ.ObjectIdentifier("1.2.840.113549.1.1.13"): "sha512",
}

#: Digests a message may be signed with, by name (``build_signed`` and ``parse_signed``).
_DIGEST_OIDS: Final = {
    "sha1": univ.ObjectIdentifier("1.3.14.3.2.26"),
    "sha256": univ.ObjectIdentifier("2.16.840.1.101.3.4.2.1"),
    "sha384": univ.ObjectIdentifier("2.16.840.1.101.3.4.2.2"),
    "sha512": univ.ObjectIdentifier("2.16.840.1.101.3.4.2.3"),
}
_DIGEST_NAMES: Final = {oid: name for name, oid in _DIGEST_OIDS.items()}
_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
#: The digests SCEP negotiates, best first (RFC 8894 3.5.2: SHA-256, then SHA-1).
DIGESTS: Final = ("sha256", "sha1")


@dataclass(frozen=True)
class _CipherSpec:
    oid: univ.ObjectIdentifier
    key_size: int
    block_size: int
    words: str


_CIPHER_SPECS: Final = {
    "aes256": _CipherSpec(univ.ObjectIdentifier("2.16.840.1.101.3.4.1.42"), 32, 16, "AES-256-CBC"),
    "aes128": _CipherSpec(univ.ObjectIdentifier("2.16.840.1.101.3.4.1.2"), 16, 16, "AES-128-CBC"),
    "des3": _CipherSpec(univ.ObjectIdentifier("1.2.840.113549.3.7"), 24, 8, "DES-EDE3-CBC"),
    "des": _CipherSpec(univ.ObjectIdentifier("1.3.14.3.2.7"), 8, 8, "DES-CBC"),
}
_CIPHER_NAMES: Final = {spec.oid: name for name, spec in _CIPHER_SPECS.items()}
#: Content encryption SCEP negotiates, best first (AES-256, AES-128, 3DES, then DES).
CIPHERS: Final = ("aes256", "aes128", "des3", "des")


class MessageType(enum.IntEnum):
    """messageType (RFC 8894 3.2.1.2), sent as its decimal number in a PrintableString."""

    CERT_REP = 3
    RENEWAL_REQ = 17
    PKCS_REQ = 19
    CERT_POLL = 20
    GET_CERT = 21
    GET_CRL = 22

    @property
    def words(self) -> str:
        return _MESSAGE_WORDS[self]


_MESSAGE_WORDS: Final = {
    MessageType.CERT_REP: "CertRep",
    MessageType.RENEWAL_REQ: "RenewalReq",
    MessageType.PKCS_REQ: "PKCSReq",
    MessageType.CERT_POLL: "CertPoll",
    MessageType.GET_CERT: "GetCert",
    MessageType.GET_CRL: "GetCRL",
}


class PkiStatus(enum.Enum):
    """pkiStatus of a CertRep (RFC 8894 3.2.1.3)."""

    SUCCESS = "0"
    FAILURE = "2"
    PENDING = "3"


class FailInfo(enum.IntEnum):
    """failInfo of a CertRep FAILURE (RFC 8894 3.2.1.4); ``words`` as the CLI prints it."""

    BAD_ALG = 0
    BAD_MESSAGE_CHECK = 1
    BAD_REQUEST = 2
    BAD_TIME = 3
    BAD_CERT_ID = 4

    @property
    def words(self) -> str:
        return _FAIL_WORDS[self]


_FAIL_WORDS: Final = {
    FailInfo.BAD_ALG: "bad algorithm",
    FailInfo.BAD_MESSAGE_CHECK: "bad message check",
    FailInfo.BAD_REQUEST: "bad request",
    FailInfo.BAD_TIME: "bad time",
    FailInfo.BAD_CERT_ID: "bad certificate id",
}


def new_nonce() -> bytes:
    """A fresh 16-byte senderNonce."""
    return os.urandom(16)


@dataclass(frozen=True)
class PkiAttributes:
    """The SCEP signed attributes of one pkiMessage. ``transaction_id`` is a PrintableString;
    nonces are 16 bytes in practice (any length is kept as it came)."""

    message_type: MessageType
    transaction_id: str
    sender_nonce: bytes | None = None
    recipient_nonce: bytes | None = None
    pki_status: PkiStatus | None = None
    fail_info: FailInfo | None = None
    fail_info_text: str | None = None


# --------------------------------------------------------------------------------------------
# pyasn1 helpers
# --------------------------------------------------------------------------------------------


class _IssuerAndSubject(univ.Sequence):  # type: ignore[misc]  # pyasn1 has no type information
    """IssuerAndSubject (RFC 8894 3.3.3): the content of CertPoll."""


_IssuerAndSubject.componentType = namedtype.NamedTypes(
    namedtype.NamedType("issuer", rfc5280.Name()),
    namedtype.NamedType("subject", rfc5280.Name()),
)


class _RawCertificateSet(univ.SetOf):  # type: ignore[misc]  # pyasn1 has no type information
    """CertificateSet with each element kept as the bytes it came in (an ``Any``), so a
    certificate reaches ``cryptography`` exactly as its issuer signed it."""


_RawCertificateSet.componentType = univ.Any()


class _RawSignedData(univ.Sequence):  # type: ignore[misc]  # pyasn1 has no type information
    """SignedData as rfc5652 has it, but with raw certificate and CRL sets."""


_RawSignedData.componentType = namedtype.NamedTypes(
    namedtype.NamedType("version", rfc5652.CMSVersion()),
    namedtype.NamedType("digestAlgorithms", rfc5652.DigestAlgorithmIdentifiers()),
    namedtype.NamedType("encapContentInfo", rfc5652.EncapsulatedContentInfo()),
    namedtype.OptionalNamedType(
        "certificates",
        _RawCertificateSet().subtype(
            implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
        ),
    ),
    namedtype.OptionalNamedType(
        "crls",
        _RawCertificateSet().subtype(
            implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 1)
        ),
    ),
    namedtype.NamedType("signerInfos", rfc5652.SignerInfos()),
)


def _ordered(tag_number: int) -> Any:
    """A ``[n]`` IMPLICIT SET OF written as a tagged ``Any``: elements in the order given (the
    DER encoder would sort a SET OF; SCEP peers read meaning into the order of certificates)."""
    return univ.Any().subtype(
        implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, tag_number)
    )


class _BuildSignedData(univ.Sequence):  # type: ignore[misc]  # pyasn1 has no type information
    """SignedData for writing: certificates and CRLs as ordered raw sets (``_ordered``)."""


_BuildSignedData.componentType = namedtype.NamedTypes(
    namedtype.NamedType("version", rfc5652.CMSVersion()),
    namedtype.NamedType("digestAlgorithms", rfc5652.DigestAlgorithmIdentifiers()),
    namedtype.NamedType("encapContentInfo", rfc5652.EncapsulatedContentInfo()),
    namedtype.OptionalNamedType("certificates", _ordered(0)),
    namedtype.OptionalNamedType("crls", _ordered(1)),
    namedtype.NamedType("signerInfos", rfc5652.SignerInfos()),
)


def _ordered_set(tag_number: int, ders: Iterable[bytes]) -> Any:
    return univ.Any(b"".join(ders)).subtype(
        implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, tag_number)
    )


def _decode(data: bytes, spec: Any, what: str) -> Any:
    """BER-decodes all of ``data`` as ``spec``; ``ScepProtocolError`` naming ``what``."""
    if not isinstance(data, bytes | bytearray | memoryview) or not data:
        raise ScepProtocolError(f"the {what} is empty")
    try:
        value, rest = ber_decoder.decode(bytes(data), asn1Spec=spec)
    except PyAsn1Error:
        raise ScepProtocolError(f"the {what} is not valid ASN.1 (garbage or truncated)") from None
    if rest:
        raise ScepProtocolError(f"the {what} has {len(rest)} stray bytes after its end")
    return value


def _der(value: Any) -> bytes:
    return bytes(der_encoder.encode(value))


def _null_params_alg(spec: Any, oid: univ.ObjectIdentifier, *, null: bool) -> Any:
    alg = spec.clone()
    alg["algorithm"] = oid
    if null:
        alg["parameters"] = univ.Any(_der(univ.Null("")))
    return alg


def _name_der_of(name: x509.Name) -> Any:
    return _decode(name.public_bytes(), rfc5280.Name(), "name")


def _issuer_serial_value(cert: x509.Certificate) -> Any:
    # The issuer and serial as pyca read them: decoding the whole certificate with pyasn1
    # would cost a few milliseconds a certificate.
    value = rfc5652.IssuerAndSerialNumber()
    value["issuer"] = _name_der_of(cert.issuer)
    value["serialNumber"] = cert.serial_number
    return value


def _ski(cert: x509.Certificate) -> bytes | None:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        return None
    return ext.value.digest


def _rsa_public(cert: x509.Certificate, role: str) -> rsa.RSAPublicKey:
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ScepProtocolError(f"the {role} certificate has no RSA key (SCEP needs RSA)")
    return key


_STRING_TYPES: Final = {
    char.PrintableString: _ASN1Type.PrintableString,
    char.UTF8String: _ASN1Type.UTF8String,
    char.IA5String: _ASN1Type.IA5String,
    char.BMPString: _ASN1Type.BMPString,
    char.TeletexString: _ASN1Type.T61String,
    char.UniversalString: _ASN1Type.UniversalString,
    char.VisibleString: _ASN1Type.VisibleString,
}


def name_from_der(der: bytes) -> x509.Name:
    """A DER (or BER) X.501 Name as a ``cryptography`` ``x509.Name``, string types kept."""
    name = _decode(der, rfc5280.Name(), "name")
    rdns: list[x509.RelativeDistinguishedName] = []
    try:
        for rdn in name["rdnSequence"]:
            attrs: list[x509.NameAttribute[str]] = []
            for atv in rdn:
                value, _ = ber_decoder.decode(bytes(atv["value"]))
                kind = _STRING_TYPES.get(type(value))
                if kind is None:
                    raise ScepProtocolError("a name holds a value that is not a string")
                attrs.append(
                    x509.NameAttribute(
                        x509.ObjectIdentifier(str(atv["type"])), str(value), _type=kind
                    )
                )
            rdns.append(x509.RelativeDistinguishedName(attrs))
    except (PyAsn1Error, ValueError, UnicodeError):
        raise ScepProtocolError("a name in the message is not valid") from None
    return x509.Name(rdns)


# --------------------------------------------------------------------------------------------
# Request and reply payloads
# --------------------------------------------------------------------------------------------


def issuer_and_serial(cert: x509.Certificate) -> bytes:
    """DER IssuerAndSerialNumber of ``cert`` (GetCert, GetCRL), the issuer as encoded in it."""
    return _der(_issuer_serial_value(cert))


def parse_issuer_and_serial(data: bytes) -> tuple[x509.Name, int]:
    value = _decode(data, rfc5652.IssuerAndSerialNumber(), "IssuerAndSerialNumber")
    return name_from_der(_der(value["issuer"])), int(value["serialNumber"])


@dataclass(frozen=True)
class IssuerAndSubject:
    """The content of CertPoll: the CA's subject and the requested subject (DER Names)."""

    issuer: bytes
    subject: bytes

    @property
    def issuer_name(self) -> x509.Name:
        return name_from_der(self.issuer)

    @property
    def subject_name(self) -> x509.Name:
        return name_from_der(self.subject)


def issuer_and_subject(issuer: x509.Name | bytes, subject: x509.Name | bytes) -> bytes:
    """DER IssuerAndSubject; each name an ``x509.Name`` or its DER bytes."""
    value = _IssuerAndSubject()
    for field, name in (("issuer", issuer), ("subject", subject)):
        der = name if isinstance(name, bytes) else name.public_bytes()
        value[field] = _decode(der, rfc5280.Name(), "name")
    return _der(value)


def parse_issuer_and_subject(data: bytes) -> IssuerAndSubject:
    value = _decode(data, _IssuerAndSubject(), "IssuerAndSubject")
    return IssuerAndSubject(_der(value["issuer"]), _der(value["subject"]))


# --------------------------------------------------------------------------------------------
# SignedData with SCEP attributes
# --------------------------------------------------------------------------------------------


def _attribute(oid: univ.ObjectIdentifier, value: Any) -> Any:
    attr = rfc5652.Attribute()
    attr["attrType"] = oid
    attr["attrValues"].append(univ.Any(_der(value)))
    return attr


def _scep_attributes(attributes: PkiAttributes) -> list[Any]:
    out = [
        _attribute(OID_MESSAGE_TYPE, char.PrintableString(str(int(attributes.message_type)))),
        _attribute(OID_TRANSACTION_ID, char.PrintableString(attributes.transaction_id)),
    ]
    if attributes.sender_nonce is not None:
        out.append(_attribute(OID_SENDER_NONCE, univ.OctetString(attributes.sender_nonce)))
    if attributes.recipient_nonce is not None:
        out.append(_attribute(OID_RECIPIENT_NONCE, univ.OctetString(attributes.recipient_nonce)))
    if attributes.pki_status is not None:
        out.append(_attribute(OID_PKI_STATUS, char.PrintableString(attributes.pki_status.value)))
    if attributes.fail_info is not None:
        out.append(_attribute(OID_FAIL_INFO, char.PrintableString(str(int(attributes.fail_info)))))
    if attributes.fail_info_text is not None:
        out.append(_attribute(OID_FAIL_INFO_TEXT, char.UTF8String(attributes.fail_info_text)))
    return out


def _attrs_for_signing(attrs: Iterable[Any]) -> Any:
    """The signed attributes as the universal SET OF that the signature covers."""
    plain = univ.SetOf(componentType=rfc5652.Attribute())
    for i, attr in enumerate(attrs):
        plain[i] = attr
    return plain


def build_signed(
    content: bytes | None,
    attributes: PkiAttributes,
    signer: x509.Certificate,
    key: rsa.RSAPrivateKey,
    *,
    digest: str = "sha256",
    certificates: Sequence[x509.Certificate] | None = None,
) -> bytes:
    """DER ContentInfo of a SignedData (id-data) encapsulating ``content`` (None: no eContent,
    as in CertRep PENDING and FAILURE), with one SignerInfo for ``signer`` (issuer and serial)
    over contentType, messageDigest and the SCEP attributes. ``certificates`` defaults to
    ``[signer]``."""
    if digest not in _DIGEST_OIDS:
        raise ValueError(f"unknown digest {digest!r}")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("SCEP messages are signed with an RSA key")
    hash_cls = _HASHES[digest]
    body = content if content is not None else b""
    h = hashes.Hash(hash_cls())
    h.update(body)
    message_digest = h.finalize()

    attrs = [
        _attribute(rfc5652.id_contentType, rfc5652.id_data),
        _attribute(rfc5652.id_messageDigest, univ.OctetString(message_digest)),
        *_scep_attributes(attributes),
    ]
    to_sign = _der(_attrs_for_signing(attrs))
    signature = key.sign(to_sign, PKCS1v15(), hash_cls())

    digest_alg = _null_params_alg(
        rfc5652.DigestAlgorithmIdentifier(), _DIGEST_OIDS[digest], null=False
    )
    info = rfc5652.SignerInfo()
    info["version"] = 1
    info["sid"]["issuerAndSerialNumber"] = _issuer_serial_value(signer)
    info["digestAlgorithm"] = digest_alg
    signed_attrs = info["signedAttrs"]
    for i, attr in enumerate(attrs):
        signed_attrs[i] = attr
    info["signatureAlgorithm"] = _null_params_alg(
        rfc5652.SignatureAlgorithmIdentifier(), _OID_RSA, null=True
    )
    info["signature"] = signature

    sd = _BuildSignedData()
    sd["version"] = 1
    sd["digestAlgorithms"][0] = digest_alg
    sd["encapContentInfo"]["eContentType"] = rfc5652.id_data
    if content is not None:
        sd["encapContentInfo"]["eContent"] = content
    certs = certificates if certificates is not None else [signer]
    if certs:
        sd["certificates"] = _ordered_set(
            0, (c.public_bytes(serialization.Encoding.DER) for c in certs)
        )
    sd["signerInfos"][0] = info
    return _content_info(rfc5652.id_signedData, sd)


def _content_info(content_type: univ.ObjectIdentifier, value: Any) -> bytes:
    ci = rfc5652.ContentInfo()
    ci["contentType"] = content_type
    ci["content"] = univ.Any(_der(value)).subtype(
        explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
    )
    return _der(ci)


def _typed_content_info(inner: Any) -> Any:
    """A ContentInfo spec whose content is ``inner`` itself rather than an ``Any``: pyasn1's
    ``Any`` loses the end-of-contents octets of indefinite-length values inside it, so BER
    input is decoded through concrete types all the way down."""
    spec = univ.Sequence(
        componentType=namedtype.NamedTypes(
            namedtype.NamedType("contentType", rfc5652.ContentType()),
            namedtype.NamedType(
                "content",
                inner.subtype(
                    explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
                ),
            ),
        )
    )
    return spec


_CONTENT_NAMES: Final = {
    rfc5652.id_data: "data",
    rfc5652.id_signedData: "SignedData",
    rfc5652.id_envelopedData: "EnvelopedData",
}


def _open_content_info(data: bytes, expected: univ.ObjectIdentifier, inner: Any, what: str) -> Any:
    """The content of a ContentInfo of type ``expected``, decoded as ``inner``."""
    try:
        ci = _decode(data, _typed_content_info(inner), what)
    except ScepProtocolError:
        # Say what it is when it is a ContentInfo of another type.
        try:
            other, _ = ber_decoder.decode(bytes(data), asn1Spec=rfc5652.ContentInfo())
            content_type = other["contentType"]
        except (PyAsn1Error, TypeError):
            raise ScepProtocolError(
                f"the {what} is not valid ASN.1 (garbage or truncated)"
            ) from None
        if content_type != expected:
            kind = _CONTENT_NAMES.get(content_type, str(content_type))
            raise ScepProtocolError(
                f"the {what} is a {kind} ContentInfo, not {_CONTENT_NAMES[expected]}"
            ) from None
        raise
    if ci["contentType"] != expected:
        kind = _CONTENT_NAMES.get(ci["contentType"], str(ci["contentType"]))
        raise ScepProtocolError(
            f"the {what} is a {kind} ContentInfo, not {_CONTENT_NAMES[expected]}"
        )
    return ci["content"]


@dataclass(frozen=True)
class _SignerInfo:
    issuer: bytes | None  # DER of the issuer Name (sid issuerAndSerialNumber)
    serial: int | None
    key_id: bytes | None  # sid subjectKeyIdentifier
    digest: str
    signature_hash: str
    signed_attrs: tuple[bytes, ...]  # candidate encodings the signature may cover
    signature: bytes
    message_digest: bytes


@dataclass(frozen=True)
class SignedMessage:
    """A parsed pkiMessage (``parse_signed``). ``content`` is the encapsulated content (the
    pkcsPKIEnvelope, an EnvelopedData ContentInfo), None when there is none; ``digest`` the
    signer's digest ("sha1", "sha256", ...); ``certificates`` the SignedData's certificate set
    in the order it came."""

    attributes: PkiAttributes
    content: bytes | None
    certificates: tuple[x509.Certificate, ...]
    digest: str
    _signer: _SignerInfo

    @property
    def signer_serial(self) -> int | None:
        return self._signer.serial

    def is_signer(self, cert: x509.Certificate) -> bool:
        """Whether ``cert`` is the one the SignerInfo names (issuer and serial number, or
        subject key identifier)."""
        s = self._signer
        if s.key_id is not None:
            return _ski(cert) == s.key_id
        return cert.serial_number == s.serial and cert.issuer.public_bytes() == s.issuer

    def signer(self, candidates: Iterable[x509.Certificate] = ()) -> x509.Certificate | None:
        """The signer's certificate: the one the SignerInfo names, among ``candidates`` first,
        then the message's own certificate set; None when neither holds it."""
        for cert in (*candidates, *self.certificates):
            if self.is_signer(cert):
                return cert
        return None

    def verify(self, cert: x509.Certificate) -> None:
        """Checks that ``cert`` is the signer and that the digest and signature hold;
        ``ScepProtocolError`` otherwise."""
        if not self.is_signer(cert):
            raise ScepProtocolError("the message is not signed by the expected certificate")
        body = self.content if self.content is not None else b""
        h = hashes.Hash(_HASHES[self.digest]())
        h.update(body)
        if h.finalize() != self._signer.message_digest:
            raise ScepProtocolError("the message digest does not match its content")
        public = _rsa_public(cert, "signer")
        hash_cls = _HASHES[self._signer.signature_hash]
        for candidate in self._signer.signed_attrs:
            try:
                public.verify(self._signer.signature, candidate, PKCS1v15(), hash_cls())
            except InvalidSignature:
                continue
            return
        raise ScepProtocolError("the signature of the message does not verify")


def _decode_signed_data(data: bytes, what: str) -> Any:
    return _open_content_info(data, rfc5652.id_signedData, _RawSignedData(), what)


def _raw_set(sd: Any, field: str) -> list[bytes]:
    if not sd[field].isValue:
        return []
    return [bytes(item) for item in sd[field]]


def _load_certs(raw: Iterable[bytes]) -> tuple[x509.Certificate, ...]:
    out = []
    for der in raw:
        if not der or der[0] != 0x30:  # another CertificateChoices (attribute certificates)
            continue
        try:
            out.append(x509.load_der_x509_certificate(der))
        except ValueError:
            raise ScepProtocolError("a certificate in the message is not valid") from None
    return tuple(out)


def _single_value(attr: Any, name: str) -> bytes:
    values = attr["attrValues"]
    if len(values) != 1:
        raise ScepProtocolError(f"the {name} attribute has {len(values)} values, not one")
    return bytes(values[0])


def _printable(raw: bytes, name: str) -> str:
    try:
        value, rest = ber_decoder.decode(raw)
    except PyAsn1Error:
        raise ScepProtocolError(f"the {name} attribute is not valid") from None
    if rest or not isinstance(value, char.AbstractCharacterString):
        raise ScepProtocolError(f"the {name} attribute is not a string")
    try:
        return str(value)
    except UnicodeError:
        raise ScepProtocolError(f"the {name} attribute is not valid text") from None


def _octets(raw: bytes, name: str) -> bytes:
    try:
        value, rest = ber_decoder.decode(raw, asn1Spec=univ.OctetString())
    except PyAsn1Error:
        raise ScepProtocolError(f"the {name} attribute is not an OCTET STRING") from None
    if rest:
        raise ScepProtocolError(f"the {name} attribute is not valid")
    return bytes(value)


def _status(raw: bytes) -> PkiStatus:
    text = _printable(raw, "pkiStatus")
    try:
        return PkiStatus(text)
    except ValueError:
        raise ScepProtocolError(f"the pkiStatus {text!r} is not one SCEP knows") from None


def _fail_info(raw: bytes) -> FailInfo:
    text = _printable(raw, "failInfo")
    try:
        return FailInfo(int(text))
    except ValueError:
        raise ScepProtocolError(f"the failInfo {text!r} is not one SCEP knows") from None


def _parse_attributes(attrs: Any) -> tuple[PkiAttributes, bytes, univ.ObjectIdentifier | None]:
    """The SCEP attributes, the messageDigest and the contentType attribute."""
    raw: dict[univ.ObjectIdentifier, bytes] = {}
    for attr in attrs:
        oid = attr["attrType"]
        if oid in raw:
            raise ScepProtocolError(f"the signed attribute {oid} appears twice")
        raw[oid] = _single_value(attr, str(oid))
    if rfc5652.id_messageDigest not in raw:
        raise ScepProtocolError("the message has no messageDigest attribute")
    digest = _octets(raw[rfc5652.id_messageDigest], "messageDigest")
    content_type = None
    if rfc5652.id_contentType in raw:
        try:
            content_type, _ = ber_decoder.decode(
                raw[rfc5652.id_contentType], asn1Spec=univ.ObjectIdentifier()
            )
        except PyAsn1Error:
            raise ScepProtocolError("the contentType attribute is not valid") from None

    if OID_MESSAGE_TYPE not in raw:
        raise ScepProtocolError("the message has no SCEP messageType attribute")
    text = _printable(raw[OID_MESSAGE_TYPE], "messageType")
    try:
        message_type = MessageType(int(text))
    except ValueError:
        raise ScepProtocolError(f"the message type {text!r} is not one SCEP knows") from None
    if OID_TRANSACTION_ID not in raw:
        raise ScepProtocolError("the message has no transactionID attribute")
    transaction_id = _printable(raw[OID_TRANSACTION_ID], "transactionID")

    status = _status(raw[OID_PKI_STATUS]) if OID_PKI_STATUS in raw else None
    fail_info = _fail_info(raw[OID_FAIL_INFO]) if OID_FAIL_INFO in raw else None
    fail_text = None
    if OID_FAIL_INFO_TEXT in raw:
        fail_text = _printable(raw[OID_FAIL_INFO_TEXT], "failInfoText")
    sender = _octets(raw[OID_SENDER_NONCE], "senderNonce") if OID_SENDER_NONCE in raw else None
    recipient = (
        _octets(raw[OID_RECIPIENT_NONCE], "recipientNonce") if OID_RECIPIENT_NONCE in raw else None
    )
    return (
        PkiAttributes(
            message_type, transaction_id, sender, recipient, status, fail_info, fail_text
        ),
        digest,
        content_type,
    )


def parse_signed(data: bytes) -> SignedMessage:
    """A pkiMessage (DER or BER ContentInfo of SignedData with one SignerInfo carrying the SCEP
    attributes). The signature is not checked here: ``SignedMessage.verify``."""
    what = "SCEP message"
    sd = _decode_signed_data(data, what)
    try:
        econtent = sd["encapContentInfo"]["eContent"]
        content = bytes(econtent) if econtent.isValue else None
        certificates = _load_certs(_raw_set(sd, "certificates"))
        infos = sd["signerInfos"]
        if len(infos) != 1:
            raise ScepProtocolError(f"the {what} has {len(infos)} signers, not one")
        info = infos[0]
        digest = _DIGEST_NAMES.get(info["digestAlgorithm"]["algorithm"])
        if digest is None:
            raise ScepProtocolError(f"the {what} uses a digest algorithm SCEP does not use")
        sig_oid = info["signatureAlgorithm"]["algorithm"]
        if sig_oid not in _RSA_SIGNATURE_OIDS:
            raise ScepProtocolError(f"the {what} is not signed with RSA")
        signature_hash = _RSA_SIGNATURE_OIDS[sig_oid] or digest
        if not info["signedAttrs"].isValue:
            raise ScepProtocolError(f"the {what} has no signed attributes")
        attributes, message_digest, content_type = _parse_attributes(info["signedAttrs"])
        if content_type is not None and content_type != sd["encapContentInfo"]["eContentType"]:
            raise ScepProtocolError(f"the {what}'s contentType attribute does not match it")
        plain = _attrs_for_signing(info["signedAttrs"])
        candidates = (_der(plain), bytes(ber_encoder.encode(plain)))
        sid = info["sid"]
        if sid.getName() == "issuerAndSerialNumber":
            ias = sid["issuerAndSerialNumber"]
            signer = _SignerInfo(
                _der(ias["issuer"]),
                int(ias["serialNumber"]),
                None,
                digest,
                signature_hash,
                candidates,
                bytes(info["signature"]),
                message_digest,
            )
        else:
            signer = _SignerInfo(
                None,
                None,
                bytes(sid["subjectKeyIdentifier"]),
                digest,
                signature_hash,
                candidates,
                bytes(info["signature"]),
                message_digest,
            )
    except PyAsn1Error:
        raise ScepProtocolError(f"the {what} is not a valid SignedData") from None
    return SignedMessage(attributes, content, certificates, digest, signer)


# --------------------------------------------------------------------------------------------
# Degenerate certs-only SignedData
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Degenerate:
    """A certs-only PKCS#7: its certificates (in the order they came) and CRLs."""

    certificates: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...]


def build_degenerate(
    certificates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> bytes:
    """DER ContentInfo of a SignedData with no signers and no content: the certificates (in
    this order) and CRLs."""
    sd = _BuildSignedData()
    sd["version"] = 1
    sd["digestAlgorithms"].clear()
    sd["encapContentInfo"]["eContentType"] = rfc5652.id_data
    if certificates:
        sd["certificates"] = _ordered_set(
            0, (c.public_bytes(serialization.Encoding.DER) for c in certificates)
        )
    if crls:
        sd["crls"] = _ordered_set(1, (c.public_bytes(serialization.Encoding.DER) for c in crls))
    sd["signerInfos"].clear()
    return _content_info(rfc5652.id_signedData, sd)


def parse_degenerate(data: bytes) -> Degenerate:
    """The certificates and CRLs of a PKCS#7 SignedData (DER or BER; signers ignored)."""
    what = "PKCS#7 certificate bundle"
    sd = _decode_signed_data(data, what)
    certs = _load_certs(_raw_set(sd, "certificates"))
    crls = []
    for der in _raw_set(sd, "crls"):
        if not der or der[0] != 0x30:
            continue
        try:
            crls.append(x509.load_der_x509_crl(der))
        except ValueError:
            raise ScepProtocolError(f"a CRL in the {what} is not valid") from None
    return Degenerate(certs, tuple(crls))


# --------------------------------------------------------------------------------------------
# EnvelopedData
# --------------------------------------------------------------------------------------------


def _algorithm(spec: _CipherSpec, key: bytes) -> CipherAlgorithm:
    if spec.block_size == 16:
        return AES(key)
    # Single DES is TripleDES with the one key three times (EDE with K1 = K2 = K3 is DES).
    return TripleDES(key * 3 if len(key) == 8 else key)


def envelope(content: bytes, recipient: x509.Certificate, cipher: str = "aes256") -> bytes:
    """DER ContentInfo of an EnvelopedData: ``content`` encrypted with a fresh key under
    ``cipher`` (CBC, PKCS#7 padding), the key encrypted to ``recipient``'s RSA key (PKCS#1
    v1.5), the recipient named by issuer and serial number."""
    spec = _CIPHER_SPECS.get(cipher)
    if spec is None:
        raise ValueError(f"unknown cipher {cipher!r}")
    public = _rsa_public(recipient, "recipient")
    cek = os.urandom(spec.key_size)
    iv = os.urandom(spec.block_size)
    padder = padding.PKCS7(spec.block_size * 8).padder()
    padded = padder.update(content) + padder.finalize()
    enc = Cipher(_algorithm(spec, cek), modes.CBC(iv)).encryptor()
    encrypted = enc.update(padded) + enc.finalize()

    ktri = rfc5652.KeyTransRecipientInfo()
    ktri["version"] = 0
    ktri["rid"]["issuerAndSerialNumber"] = _issuer_serial_value(recipient)
    ktri["keyEncryptionAlgorithm"] = _null_params_alg(
        rfc5652.KeyEncryptionAlgorithmIdentifier(), _OID_RSA, null=True
    )
    ktri["encryptedKey"] = public.encrypt(cek, PKCS1v15())

    ed = rfc5652.EnvelopedData()
    ed["version"] = 0
    info = rfc5652.RecipientInfo()
    info["ktri"] = ktri
    ed["recipientInfos"][0] = info
    eci = ed["encryptedContentInfo"]
    eci["contentType"] = rfc5652.id_data
    alg = eci["contentEncryptionAlgorithm"]
    alg["algorithm"] = spec.oid
    alg["parameters"] = univ.Any(_der(univ.OctetString(iv)))
    eci["encryptedContent"] = encrypted
    return _content_info(rfc5652.id_envelopedData, ed)


def envelope_cipher(data: bytes) -> str:
    """The content encryption of an EnvelopedData ("aes256", ..., "des")."""
    ed = _open_content_info(data, rfc5652.id_envelopedData, rfc5652.EnvelopedData(), "envelope")
    name = _CIPHER_NAMES.get(ed["encryptedContentInfo"]["contentEncryptionAlgorithm"]["algorithm"])
    if name is None:
        raise ScepProtocolError("the envelope uses a content encryption SCEP does not use")
    return name


def _recipient_keys(ed: Any, recipient: x509.Certificate | None) -> list[bytes]:
    """The encrypted keys of the key-transport recipient infos naming ``recipient`` (all of
    them when None)."""
    wanted = _der(_issuer_serial_value(recipient)) if recipient is not None else None
    keys: list[bytes] = []
    for info in ed["recipientInfos"]:
        if info.getName() != "ktri":
            continue
        ktri = info["ktri"]
        rid = ktri["rid"]
        if recipient is not None:
            if rid.getName() == "issuerAndSerialNumber":
                if _der(rid["issuerAndSerialNumber"]) != wanted:
                    continue
            elif bytes(rid["subjectKeyIdentifier"]) != _ski(recipient):
                continue
        if ktri["keyEncryptionAlgorithm"]["algorithm"] != _OID_RSA:
            raise ScepProtocolError("the envelope's key is not encrypted with RSA")
        keys.append(bytes(ktri["encryptedKey"]))
    if not keys:
        raise ScepProtocolError("the envelope is not addressed to our certificate")
    return keys


def _decrypt(spec: _CipherSpec, cek: bytes, iv: bytes, encrypted: bytes) -> bytes | None:
    if len(cek) != spec.key_size:  # a wrong key (RSA implicit rejection gives noise)
        return None
    dec = Cipher(_algorithm(spec, cek), modes.CBC(iv)).decryptor()
    padded = dec.update(encrypted) + dec.finalize()
    unpadder = padding.PKCS7(spec.block_size * 8).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        return None


def open_envelope(
    data: bytes, key: rsa.RSAPrivateKey, recipient: x509.Certificate | None = None
) -> bytes:
    """The content of an EnvelopedData (DER or BER) for ``key``: the recipient info naming
    ``recipient`` (issuer and serial, or subject key identifier), or with no ``recipient``
    each key-transport recipient info in turn."""
    what = "envelope"
    ed = _open_content_info(data, rfc5652.id_envelopedData, rfc5652.EnvelopedData(), what)
    try:
        eci = ed["encryptedContentInfo"]
        alg = eci["contentEncryptionAlgorithm"]
        name = _CIPHER_NAMES.get(alg["algorithm"])
        if name is None:
            raise ScepProtocolError(f"the {what} uses a content encryption SCEP does not use")
        spec = _CIPHER_SPECS[name]
        if not alg["parameters"].isValue:
            raise ScepProtocolError(f"the {what} has no IV")
        iv = _octets(bytes(alg["parameters"]), "IV")
        if not eci["encryptedContent"].isValue:
            raise ScepProtocolError(f"the {what} has no encrypted content")
        encrypted = bytes(eci["encryptedContent"])
        keys = _recipient_keys(ed, recipient)
    except PyAsn1Error:
        raise ScepProtocolError(f"the {what} is not a valid EnvelopedData") from None
    if len(iv) != spec.block_size:
        raise ScepProtocolError(f"the {what}'s IV is {len(iv)} bytes, not {spec.block_size}")
    if len(encrypted) == 0 or len(encrypted) % spec.block_size:
        raise ScepProtocolError(f"the {what}'s encrypted content is truncated")
    for encrypted_key in keys:
        try:
            cek = key.decrypt(encrypted_key, PKCS1v15())
        except ValueError:
            continue
        plain = _decrypt(spec, cek, iv, encrypted)
        if plain is not None:
            return plain
    raise ScepProtocolError(f"the {what} could not be decrypted with our key")

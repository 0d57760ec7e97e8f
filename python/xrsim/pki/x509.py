"""X.509 for trustpoints in IOS XR's terms: subject names as typed and printed, ``key-usage``
keywords, self-signed CA certificates, issued router certificates, PKCS#10 requests, and the way
IOS XR prints a certificate.

- ``parse_subject`` reads a ``subject-name`` line (``CN=lab1-ads,C=US,ST=CA,L=San Jose``) into a
  ``Name`` in the order written, IOS XR's extra attributes (``unstructuredName``,
  ``unstructuredAddress``, ``serialNumber``) appended; ``show_name`` prints a name as IOS XR
  does (RFC 4514, last attribute first).
- ``KEY_USAGES`` maps the ``key-usage`` keywords to X.509 KeyUsage bits.
- ``self_signed_ca``, ``issue``, ``csr`` say what a trustpoint's certificates and requests hold
  (lifetime from the simulated clock's ``now``, the trustpoint's serial, digest and key usage)
  and leave the building to ``xrsim.crypto.x509``, the builder the SUDI CA uses too; keys come
  from the key store as xrsim keys and sign through pyca.
- ``Described`` gives serial, subject, issuer, validity and fingerprints in IOS XR's forms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID, ObjectIdentifier

from xrsim.crypto import PrivateKey, public_to_cryptography
from xrsim.crypto.x509 import (
    KEY_USAGE_BITS,
    Issuer,
    Validity,
    certificate,
    key_usage_of,
    signing_request,
)
from xrsim.errors import InvalidInput

__all__ = [
    "KEY_USAGES",
    "UNSTRUCTURED_ADDRESS",
    "UNSTRUCTURED_NAME",
    "Described",
    "csr",
    "issue",
    "key_usage",
    "load_certificate",
    "parse_subject",
    "self_signed_ca",
    "show_name",
]

UNSTRUCTURED_NAME = ObjectIdentifier("1.2.840.113549.1.9.2")
UNSTRUCTURED_ADDRESS = ObjectIdentifier("1.2.840.113549.1.9.8")

#: Attribute names IOS XR prints (and accepts in ``subject-name``) beyond RFC 4514's.
_NAMES = {
    UNSTRUCTURED_NAME: "unstructuredName",
    UNSTRUCTURED_ADDRESS: "unstructuredAddress",
    NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.EMAIL_ADDRESS: "E",
}
_PARSE = {
    "unstructuredName": UNSTRUCTURED_NAME,
    "unstructuredAddress": UNSTRUCTURED_ADDRESS,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "E": NameOID.EMAIL_ADDRESS,
    "EMAIL": NameOID.EMAIL_ADDRESS,
}

#: ``key-usage certificate|ca-certificate`` keywords, in IOS XR's spelling.
KEY_USAGES = (
    "digitalsignature",
    "nonrepudiation",
    "keyencipherment",
    "dataencipherment",
    "keyagreement",
    "keycertsign",
    "crlsign",
    "encipheronly",
    "decipheronly",
)

#: IOS XR's ``key-usage`` keywords as the KeyUsage bits they set.
_USAGE_BITS = dict(zip(KEY_USAGES, KEY_USAGE_BITS, strict=True))


def parse_subject(text: str, extra: Iterable[x509.NameAttribute[str]] = ()) -> x509.Name:
    """A ``subject-name`` line as a Name, attributes in the order written, then ``extra``."""
    text = text.strip()
    if not text:
        return x509.Name(list(extra))
    try:
        parsed = x509.Name.from_rfc4514_string(text, _PARSE)
    except ValueError:
        # pyca's own reason is not for users (or empty, for an unknown attribute type)
        raise InvalidInput(
            f"invalid subject name {text!r}: write it as attribute=value pairs separated by "
            "commas (CN, O, OU, L, ST, C, ...), each value 1 to 64 characters, C two letters"
        ) from None
    # RFC 4514 strings list the last RDN first; IOS XR's subject-name lists them in order.
    rdns = list(reversed(parsed.rdns))
    return x509.Name([*rdns, *(x509.RelativeDistinguishedName([a]) for a in extra)])


def show_name(name: x509.Name) -> str:
    """A name as IOS XR prints it (``serialNumber=...,unstructuredName=...,CN=lab1-ca``)."""
    return name.rfc4514_string(_NAMES)


def key_usage(words: Sequence[str]) -> x509.KeyUsage:
    """The KeyUsage of ``key-usage`` keywords (``InvalidInput`` for an unknown one)."""
    unknown = [w for w in words if w not in _USAGE_BITS]
    if unknown:
        raise InvalidInput(f"unknown key usage {unknown[0]!r}")
    return key_usage_of(_USAGE_BITS[w] for w in words)


def self_signed_ca(
    key: PrivateKey,
    subject: x509.Name,
    *,
    serial: int,
    now: dt.datetime,
    days: int,
    digest: str,
    usages: Sequence[str],
) -> x509.Certificate:
    """The trustpoint's own CA certificate (``enrollment url self``), ``days`` from ``now``."""
    return certificate(
        subject=subject,
        public=public_to_cryptography(key.public_key()),
        issuer=Issuer.self_signed(subject, key),
        serial=serial,
        validity=Validity.starting(now, days=days),
        ca=True,
        key_usage=key_usage(usages),
        digest=digest,
    )


def issue(
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    public: CertificatePublicKeyTypes,
    subject: x509.Name,
    *,
    serial: int,
    now: dt.datetime,
    days: int,
    digest: str,
    usages: Sequence[str],
) -> x509.Certificate:
    """A router certificate signed by the trustpoint's CA key (``crypto ca enroll`` with
    ``enrollment url self``); it never outlives its CA."""
    return certificate(
        subject=subject,
        public=public,
        issuer=Issuer.of(ca_cert, ca_key),
        serial=serial,
        validity=Validity.starting(now, days=days, within=ca_cert),
        ca=False,
        key_usage=key_usage(usages) if usages else None,
        digest=digest,
    )


def csr(
    key: PrivateKey,
    subject: x509.Name,
    *,
    digest: str,
    usages: Sequence[str] = (),
    challenge: str | None = None,
) -> x509.CertificateSigningRequest:
    """A PKCS#10 request for ``key`` (``crypto ca enroll``); the challenge password goes into
    the request only."""
    return signing_request(
        key,
        subject,
        digest=digest,
        key_usage=key_usage(usages) if usages else None,
        challenge=challenge,
    )


def load_certificate(text: str) -> x509.Certificate:
    """A certificate pasted as PEM or as bare base64 DER (what a CA administrator sends)."""
    import base64
    import binascii

    data = text.strip().encode()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(
            base64.b64decode(b"".join(data.split()), validate=True)
        )
    except (ValueError, binascii.Error) as e:
        raise InvalidInput(f"not a certificate: {e}") from None


@dataclass(frozen=True)
class Described:
    """A certificate's fields as IOS XR prints them."""

    cert: x509.Certificate

    @property
    def serial(self) -> str:
        raw = self.cert.serial_number.to_bytes(
            max(1, (self.cert.serial_number.bit_length() + 7) // 8), "big"
        )
        return ":".join(f"{b:02X}" for b in raw)

    @property
    def subject(self) -> str:
        return show_name(self.cert.subject)

    @property
    def issuer(self) -> str:
        return show_name(self.cert.issuer)

    @property
    def not_before(self) -> dt.datetime:
        return self.cert.not_valid_before_utc

    @property
    def not_after(self) -> dt.datetime:
        return self.cert.not_valid_after_utc

    @property
    def sha1(self) -> str:
        der = self.cert.public_bytes(serialization.Encoding.DER)
        return hashlib.sha1(der).hexdigest().upper()  # noqa: S324 - a fingerprint, as IOS XR shows

    def public_key_bits(self) -> int:
        pub = self.cert.public_key()
        if isinstance(pub, ed25519.Ed25519PublicKey):
            return 256
        return int(getattr(pub, "key_size", 0))

    def key_usage_words(self) -> list[str]:
        try:
            ku = self.cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            return []
        names = [
            ("digitalSignature", ku.digital_signature),
            ("nonRepudiation", ku.content_commitment),
            ("keyEncipherment", ku.key_encipherment),
            ("dataEncipherment", ku.data_encipherment),
            ("keyAgreement", ku.key_agreement),
            ("keyCertSign", ku.key_cert_sign),
            ("cRLSign", ku.crl_sign),
        ]
        return [n for n, on in names if on]

    def crl_distribution_points(self) -> list[str]:
        try:
            ext = self.cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        except x509.ExtensionNotFound:
            return []
        out = []
        for point in ext:
            for name in point.full_name or []:
                out.append(str(name.value))
        return out

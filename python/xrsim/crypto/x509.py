"""Certificate builders (layer 1): the X.509 certificates and PKCS#10 requests that both the
SUDI vendor CA (``xrsim.chassis.sudi``) and the trustpoints (``xrsim.pki.x509``) make.

pyca/cryptography encodes; xrsim keys (``xrsim.crypto.keys``) are the subjects' and issuers'
keys and sign through pyca (``to_cryptography``). What each caller decides (names, lifetimes,
serial policy, key usage) it passes in; what is the same for every certificate is here:

- ``name(*attributes)``: a ``Name`` from (OID, value) pairs, one attribute per RDN, in DER
  order.
- ``Validity``: notBefore and notAfter; ``Validity.starting(now, days=, within=)`` is a
  lifetime on the simulated clock (``now`` is the router's ``clock.now()``), to the second,
  never past the issuer's notAfter.
- Serial numbers: ``random_serial()`` (pyca's, 159 random bits) and ``derived_serial(*parts)``
  (positive, at most 127 bits, from SHA-256 of the parts: the same parts give the same serial).
- ``key_usage_of(bits)``: a ``KeyUsage`` with the named bits set (pyca's attribute names,
  ``KEY_USAGE_BITS``; ``encipher_only``/``decipher_only`` only with ``key_agreement``).
- ``Issuer``: who signs: its name, the public key its certificate holds (the authority key
  identifier) and its xrsim private key; ``Issuer.of(cert, key)`` for a CA certificate,
  ``Issuer.self_signed(subject, key)`` for a root.
- ``certificate(...)``: the one certificate builder. Extensions, in this order: basic
  constraints (critical; ``ca`` and ``path_length``), key usage (critical, when given), subject
  key identifier, authority key identifier (unless ``authority_key_id=False``). Signed with the
  issuer's key and the named digest (``DIGESTS``; none for Ed25519, RFC 8410).
- ``signing_request(...)``: a PKCS#10 request, with key usage and a challenge password when
  given.

Errors: ``InvalidInput`` for an unknown digest, key-usage bit or CA key type.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ObjectIdentifier

from xrsim.crypto.keys import (
    CryptographyPublicKey,
    PrivateKey,
    public_to_cryptography,
    to_cryptography,
)
from xrsim.errors import InvalidInput

__all__ = [
    "DIGESTS",
    "KEY_USAGE_BITS",
    "Issuer",
    "Validity",
    "certificate",
    "derived_serial",
    "hash_algorithm",
    "key_usage_of",
    "name",
    "random_serial",
    "signing_request",
]

#: Signature digests by name.
DIGESTS: dict[str, hashes.HashAlgorithm] = {
    "md5": hashes.MD5(),  # noqa: S303 - IOS XR offers it; the user chooses
    "sha1": hashes.SHA1(),  # noqa: S303 - IOS XR offers it; the user chooses
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}

#: The KeyUsage bits, as pyca names them, in the order of RFC 5280.
KEY_USAGE_BITS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)
_AGREEMENT_ONLY = ("encipher_only", "decipher_only")


def name(*attributes: tuple[ObjectIdentifier, str]) -> x509.Name:
    """A name of one attribute per RDN, in the order given (the DER order)."""
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


@dataclass(frozen=True)
class Validity:
    """A certificate's notBefore and notAfter."""

    not_before: dt.datetime
    not_after: dt.datetime

    @classmethod
    def starting(
        cls, now: dt.datetime, *, days: int, within: x509.Certificate | None = None
    ) -> Validity:
        """``days`` from ``now`` (the simulated clock's time), to the second; never past the
        notAfter of ``within`` (the issuer's certificate)."""
        start = now.replace(microsecond=0)
        end = start + dt.timedelta(days=days)
        if within is not None:
            end = min(end, within.not_valid_after_utc)
        return cls(start, end)


def random_serial() -> int:
    """A random positive serial number (159 bits, RFC 5280's at most 20 octets)."""
    return x509.random_serial_number()


def derived_serial(*parts: str) -> int:
    """A positive serial number of at most 127 bits derived from ``parts``: the same parts
    give the same serial."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return (int.from_bytes(digest[:16], "big") >> 1) or 1


def key_usage_of(bits: Iterable[str]) -> x509.KeyUsage:
    """A KeyUsage with ``bits`` (names from ``KEY_USAGE_BITS``) set and the others clear;
    ``encipher_only``/``decipher_only`` count only with ``key_agreement`` (RFC 5280)."""
    on = set(bits)
    unknown = sorted(on - set(KEY_USAGE_BITS))
    if unknown:
        raise InvalidInput(f"unknown key usage bit {unknown[0]!r}")
    agreement = "key_agreement" in on
    return x509.KeyUsage(
        **{b: b in on and (agreement or b not in _AGREEMENT_ONLY) for b in KEY_USAGE_BITS}
    )


def hash_algorithm(key: PrivateKey, digest: str) -> hashes.HashAlgorithm | None:
    """The hash that ``key`` signs with for the digest name (None for Ed25519)."""
    if key.key_type == "ed25519":
        return None  # Ed25519 signs without a separate digest (RFC 8410)
    try:
        return DIGESTS[digest]
    except KeyError:
        raise InvalidInput(f"unknown message digest {digest!r}") from None


def _issuer_public(pub: CertificatePublicKeyTypes) -> CryptographyPublicKey:
    if not isinstance(
        pub,
        rsa.RSAPublicKey | dsa.DSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey,
    ):
        raise InvalidInput(f"unsupported CA key type {type(pub).__name__}")
    return pub


@dataclass(frozen=True)
class Issuer:
    """Who signs a certificate: its name, the public key of its certificate (for the authority
    key identifier) and its private key (which signs)."""

    name: x509.Name
    public: CryptographyPublicKey
    key: PrivateKey

    @classmethod
    def of(cls, cert: x509.Certificate, key: PrivateKey) -> Issuer:
        """The CA of ``cert``, signing with ``key``."""
        return cls(cert.subject, _issuer_public(cert.public_key()), key)

    @classmethod
    def self_signed(cls, subject: x509.Name, key: PrivateKey) -> Issuer:
        """A certificate's own key, for a self-signed certificate of ``subject``."""
        return cls(subject, public_to_cryptography(key.public_key()), key)


def certificate(
    *,
    subject: x509.Name,
    public: CertificatePublicKeyTypes,
    issuer: Issuer,
    serial: int,
    validity: Validity,
    ca: bool,
    path_length: int | None = None,
    key_usage: x509.KeyUsage | None = None,
    authority_key_id: bool = True,
    digest: str = "sha256",
) -> x509.Certificate:
    """A certificate of ``subject`` for ``public``, signed by ``issuer`` (see the module
    docstring for its extensions)."""
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.name)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
    )
    if key_usage is not None:
        b = b.add_extension(key_usage, critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    if authority_key_id:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public), critical=False
        )
    algorithm = hash_algorithm(issuer.key, digest)
    return b.sign(to_cryptography(issuer.key), algorithm)  # type: ignore[arg-type]


def signing_request(
    key: PrivateKey,
    subject: x509.Name,
    *,
    digest: str,
    key_usage: x509.KeyUsage | None = None,
    challenge: str | None = None,
) -> x509.CertificateSigningRequest:
    """A PKCS#10 request for ``key``: key usage (critical) and the challenge password when
    given."""
    b = x509.CertificateSigningRequestBuilder().subject_name(subject)
    if key_usage is not None:
        b = b.add_extension(key_usage, critical=True)
    if challenge:
        b = b.add_attribute(x509.oid.AttributeOID.CHALLENGE_PASSWORD, challenge.encode())
    return b.sign(to_cryptography(key), hash_algorithm(key, digest))  # type: ignore[arg-type]

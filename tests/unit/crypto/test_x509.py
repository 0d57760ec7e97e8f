"""xrsim.crypto.x509: the one certificate builder (SUDI and trustpoints): extensions in their
order and criticality, chains that verify for each issuer key type, validity on a given clock
capped by the issuer, serials, key usage bits, requests, and typed errors for bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.x509.oid import ExtensionOID, NameOID

from xrsim.crypto import PrivateKey, generate_key, public_to_cryptography
from xrsim.crypto.x509 import (
    Issuer,
    Validity,
    certificate,
    derived_serial,
    key_usage_of,
    name,
    random_serial,
    signing_request,
)
from xrsim.errors import InvalidInput

pytestmark = pytest.mark.timeout(60)

NOW = dt.datetime(2026, 3, 1, 12, 30, 15, 987654, tzinfo=dt.UTC)


def _root(key: PrivateKey, *, aki: bool = True, days: int = 365) -> x509.Certificate:
    subject = name((NameOID.COMMON_NAME, "root"))
    return certificate(
        subject=subject,
        public=public_to_cryptography(key.public_key()),
        issuer=Issuer.self_signed(subject, key),
        serial=7,
        validity=Validity.starting(NOW, days=days),
        ca=True,
        key_usage=key_usage_of(("key_cert_sign", "crl_sign")),
        authority_key_id=aki,
    )


def test_name_keeps_order() -> None:
    n = name((NameOID.SERIAL_NUMBER, "PID:X SN:Y"), (NameOID.COMMON_NAME, "X"))
    assert [a.oid for a in n] == [NameOID.SERIAL_NUMBER, NameOID.COMMON_NAME]
    assert len(n.rdns) == 2


@pytest.mark.parametrize(
    ("key_type", "kwargs"),
    [("rsa", {"bits": 2048}), ("ecdsa", {}), ("ed25519", {}), ("dsa", {"bits": 1024})],
)
def test_chain_verifies_for_each_issuer_key(key_type: str, kwargs: dict[str, int]) -> None:
    ca_key = generate_key(key_type, **kwargs)  # type: ignore[arg-type]
    ca = _root(ca_key)
    assert ca.issuer == ca.subject
    ca.verify_directly_issued_by(ca)
    leaf_key = generate_key("ecdsa")
    leaf_digest = "sha256" if key_type == "dsa" else "sha384"  # pyca verifies DSA with SHA-256
    leaf = certificate(
        subject=name((NameOID.COMMON_NAME, "r1")),
        public=public_to_cryptography(leaf_key.public_key()),
        issuer=Issuer.of(ca, ca_key),
        serial=8,
        validity=Validity.starting(NOW, days=30, within=ca),
        ca=False,
        digest=leaf_digest,
    )
    leaf.verify_directly_issued_by(ca)
    oids = [e.oid for e in leaf.extensions]
    assert oids == [
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    ]
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    if key_type == "ed25519":
        assert ca.signature_hash_algorithm is None
    else:
        assert ca.signature_hash_algorithm is not None
        assert ca.signature_hash_algorithm.name == "sha256"
        assert leaf.signature_hash_algorithm is not None
        assert leaf.signature_hash_algorithm.name == leaf_digest


def test_ca_extensions_order_and_criticality() -> None:
    key = generate_key("ecdsa")
    ca = _root(key)
    exts = list(ca.extensions)
    assert [e.oid for e in exts] == [
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    ]
    assert [e.critical for e in exts] == [True, True, False, False]
    bc = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert bc.ca
    assert bc.path_length is None
    no_aki = _root(key, aki=False)
    assert ExtensionOID.AUTHORITY_KEY_IDENTIFIER not in [e.oid for e in no_aki.extensions]


def test_path_length() -> None:
    key = generate_key("ecdsa")
    root = _root(key)
    sub = certificate(
        subject=name((NameOID.COMMON_NAME, "sub")),
        public=public_to_cryptography(key.public_key()),
        issuer=Issuer.of(root, key),
        serial=random_serial(),
        validity=Validity(root.not_valid_before_utc, root.not_valid_after_utc),
        ca=True,
        path_length=0,
    )
    assert sub.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0


def test_validity_to_the_second_and_within_issuer() -> None:
    v = Validity.starting(NOW, days=10)
    assert v.not_before == NOW.replace(microsecond=0)
    assert v.not_after == v.not_before + dt.timedelta(days=10)
    ca = _root(generate_key("ecdsa"), days=5)
    capped = Validity.starting(NOW, days=400, within=ca)
    assert capped.not_after == ca.not_valid_after_utc


def test_serials() -> None:
    a = derived_serial("x", "FOC1", "0/RP0/CPU0")
    assert a == derived_serial("x", "FOC1", "0/RP0/CPU0")
    assert a != derived_serial("x", "FOC2", "0/RP0/CPU0")
    assert 0 < a < 2**127
    r = random_serial()
    assert 0 < r < 2**160
    assert r != random_serial()


def test_key_usage_bits() -> None:
    ku = key_usage_of(("digital_signature", "encipher_only"))
    assert ku.digital_signature
    assert not ku.key_agreement
    assert not ku.key_cert_sign
    ku = key_usage_of(("key_agreement", "decipher_only"))
    assert ku.decipher_only
    assert not ku.encipher_only
    with pytest.raises(InvalidInput):
        key_usage_of(("keycertsign",))


def test_signing_request() -> None:
    key = generate_key("rsa", bits=1024)
    req = signing_request(
        key,
        name((NameOID.COMMON_NAME, "r1")),
        digest="sha256",
        key_usage=key_usage_of(("key_encipherment",)),
        challenge="pw",
    )
    assert req.is_signature_valid
    assert (
        req.attributes.get_attribute_for_oid(x509.oid.AttributeOID.CHALLENGE_PASSWORD).value
        == b"pw"
    )
    ext = req.extensions.get_extension_for_class(x509.KeyUsage)
    assert ext.critical
    assert ext.value.key_encipherment
    bare = signing_request(key, name((NameOID.COMMON_NAME, "r1")), digest="sha512")
    assert len(bare.extensions) == 0
    assert len(bare.attributes) == 0


def test_bad_digest_and_issuer_key_type() -> None:
    key = generate_key("ecdsa")
    subject = name((NameOID.COMMON_NAME, "x"))
    with pytest.raises(InvalidInput):
        certificate(
            subject=subject,
            public=public_to_cryptography(key.public_key()),
            issuer=Issuer.self_signed(subject, key),
            serial=1,
            validity=Validity.starting(NOW, days=1),
            ca=True,
            digest="sha3",
        )
    with pytest.raises(InvalidInput):
        signing_request(key, subject, digest="md4")
    # A certificate for an X25519 key cannot issue: its key cannot sign.
    x_cert = certificate(
        subject=subject,
        public=x25519.X25519PrivateKey.generate().public_key(),
        issuer=Issuer.self_signed(subject, key),
        serial=2,
        validity=Validity.starting(NOW, days=1),
        ca=False,
    )
    with pytest.raises(InvalidInput):
        Issuer.of(x_cert, key)

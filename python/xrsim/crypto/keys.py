"""Keys and signatures over the Rust core.

``PrivateKey`` and ``PublicKey`` are the native classes (Rust, ``xrsim._native``): immutable,
shareable across threads, signing with the GIL released. This module adds the typed entry
points (``generate_key``, ``generate_keys``, ``load_private_key``, ``load_public_key``) and the
bridge to pyca/cryptography key objects (``to_cryptography``, ``from_cryptography``), which the
X.509 code uses: keys cross as PKCS#8 / SubjectPublicKeyInfo DER.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from xrsim._native import PrivateKey, PublicKey
from xrsim.errors import InvalidKey

__all__ = [
    "CURVES",
    "HASHES",
    "KEY_TYPES",
    "CryptographyPrivateKey",
    "CryptographyPublicKey",
    "CurveName",
    "HashName",
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "from_cryptography",
    "generate_key",
    "generate_keys",
    "load_private_key",
    "load_public_key",
    "public_to_cryptography",
    "to_cryptography",
]

KeyType: TypeAlias = Literal["rsa", "dsa", "ecdsa", "ed25519"]
CurveName: TypeAlias = Literal["nistp256", "nistp384", "nistp521"]
HashName: TypeAlias = Literal["sha1", "sha256", "sha384", "sha512"]

KEY_TYPES: tuple[KeyType, ...] = ("rsa", "dsa", "ecdsa", "ed25519")
CURVES: tuple[CurveName, ...] = ("nistp256", "nistp384", "nistp521")
HASHES: tuple[HashName, ...] = ("sha1", "sha256", "sha384", "sha512")

CryptographyPrivateKey: TypeAlias = (
    rsa.RSAPrivateKey | dsa.DSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
)
CryptographyPublicKey: TypeAlias = (
    rsa.RSAPublicKey | dsa.DSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
)

_PEM_MARKER = b"-----BEGIN "


def generate_key(
    key_type: KeyType, *, bits: int | None = None, curve: CurveName | None = None
) -> PrivateKey:
    """Generate one key. Defaults as IOS XR prompts them: RSA 2048, DSA 1024, ECDSA nistp256.

    Raises ``KeySizeError`` for sizes IOS XR does not generate (RSA outside 512-4096, DSA other
    than 512/768/1024), ``UnsupportedAlgorithm`` for an unknown type or curve.
    """
    return PrivateKey.generate(key_type, bits=bits, curve=curve)


def generate_keys(
    count: int, key_type: KeyType, *, bits: int | None = None, curve: CurveName | None = None
) -> list[PrivateKey]:
    """Generate ``count`` keys in parallel on every core (the GIL is released throughout)."""
    return PrivateKey.generate_many(count, key_type, bits=bits, curve=curve)


def load_private_key(data: bytes) -> PrivateKey:
    """Load an unencrypted private key, PEM or DER (PKCS#8 or the traditional forms).

    PEM is recognised anywhere in ``data`` (RFC 7468 allows explanatory text around it)."""
    if _PEM_MARKER in data:
        return PrivateKey.from_pem(data)
    return PrivateKey.from_der(data)


def load_public_key(data: bytes) -> PublicKey:
    """Load a public key: SubjectPublicKeyInfo in PEM or DER, or PKCS#1 ``RSA PUBLIC KEY`` PEM."""
    if _PEM_MARKER in data:
        return PublicKey.from_pem(data)
    return PublicKey.from_der(data)


def to_cryptography(key: PrivateKey) -> CryptographyPrivateKey:
    """The same private key as a pyca/cryptography object (for X.509, CSR and SCEP work).

    pyca's RSA consistency check (about 50 ms for a 2048-bit key) is skipped: a ``PrivateKey``
    was checked by the Rust core when it was generated or loaded (``check_consistent``)."""
    loaded = serialization.load_der_private_key(
        key.to_pkcs8_der(), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(
        loaded,
        rsa.RSAPrivateKey
        | dsa.DSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | ed25519.Ed25519PrivateKey,
    ):
        raise InvalidKey(f"unexpected key class {type(loaded).__name__}")
    return loaded


def public_to_cryptography(key: PublicKey) -> CryptographyPublicKey:
    """The same public key as a pyca/cryptography object."""
    loaded = serialization.load_der_public_key(key.to_der())
    if not isinstance(
        loaded,
        rsa.RSAPublicKey | dsa.DSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey,
    ):
        raise InvalidKey(f"unexpected key class {type(loaded).__name__}")
    return loaded


def from_cryptography(key: CryptographyPrivateKey) -> PrivateKey:
    """A pyca/cryptography private key as an xrsim key (signing then runs in the Rust core)."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return PrivateKey.from_der(der)

"""The router's key store: private keys by algorithm and label, as ``crypto key`` sees them,
and the users' public keys imported for SSH public-key authentication.

``KeyStore`` keeps each key (PKCS#8 PEM) with its type, label, usage, creation time and size
in the router's state store (``xrsim.chassis.store.StateStore``, table ``keys``; both RPs read
the one store). ``StoredKey`` is one entry; keys are parsed on demand (``load``). Every change
is one store transaction (key material and index together): ``put`` one key, ``replace`` every
key of a label (the ``crypto key generate`` replace dialogue), ``delete`` (zeroize) a label's
keys. Nothing is cached in memory, so a change that could not be saved
(``xrsim.errors.StorageError``) leaves the store, and what ``entries`` shows, as before.
``transaction()`` groups several changes with other writes of the store.

Authentication keys (``crypto key import authentication rsa``) are public keys only
(SubjectPublicKeyInfo PEM, table ``auth_keys``, in import order); ``AuthenticationKey`` is one
entry and ``authentication_keys``/``authentication_key`` are what the SSH server asks.
``decode_authentication_key`` turns what a user pastes or copies to the router (base64 or
binary DER SubjectPublicKeyInfo or PKCS#1, PEM, an OpenSSH ``ssh-rsa`` line or its decoded
blob) into a ``PublicKey``.

Labels: ``LABEL_PATTERN`` (a letter or digit, then up to 63 letters, digits, ``.``, ``_``,
``-``); ``check_label`` refuses others with ``InvalidInput``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from xrsim.chassis.store import AuthKeyRow, KeyRow
from xrsim.clock import SimClock
from xrsim.crypto import (
    KEY_TYPES,
    KeyType,
    PrivateKey,
    PublicKey,
    load_private_key,
    load_public_key,
)
from xrsim.errors import InvalidInput, InvalidKey, StateError

__all__ = [
    "DEFAULT_LABEL",
    "LABEL_PATTERN",
    "AuthenticationKey",
    "KeyStore",
    "StoredKey",
    "Usage",
    "check_label",
    "decode_authentication_key",
    "public_data",
]

#: The label IOS XR gives a key generated without one.
DEFAULT_LABEL = "the_default"
#: What a key label may be.
LABEL_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
#: The most bytes ``decode_authentication_key`` reads (a 16384-bit key in PEM is under 3 KiB).
MAX_PUBLIC_KEY_BYTES = 64 * 1024

_SSH_RSA = b"ssh-rsa"

Usage = Literal["general", "signing", "encryption"]


class _State(Protocol):
    """What the key store needs of the state store (``StateStore``)."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def private_keys(self, key_type: str | None = None) -> list[KeyRow]: ...

    def private_key(self, key_type: str, label: str, usage: str) -> KeyRow | None: ...

    def put_keys(self, rows: Sequence[KeyRow], *, replace_label: bool = False) -> None: ...

    def delete_keys(self, key_type: str, label: str) -> int: ...

    def auth_keys(self) -> list[AuthKeyRow]: ...

    def put_auth_key(self, row: AuthKeyRow) -> None: ...

    def delete_auth_keys(self, label: str | None = None) -> int: ...


@dataclass(frozen=True)
class StoredKey:
    """One key of the store (the private key itself is loaded on demand)."""

    key_type: KeyType
    label: str
    usage: Usage
    created: datetime
    bits: int


@dataclass(frozen=True)
class AuthenticationKey:
    """A user's public key imported for SSH public-key authentication (no private part)."""

    label: str
    usage: Usage
    imported: datetime
    bits: int
    key_type: KeyType = "rsa"
    #: The user who imported the key: SSH accepts it for that user only (None: state written
    #: before owners were recorded, accepted for any user).
    owner: str | None = None


def public_data(key: PrivateKey) -> bytes:
    """The public key bytes IOS XR shows for a key pair (``show crypto key mypubkey``, the
    keys of NETCONF's operational data): the raw 32 bytes of an Ed25519 key, the
    SubjectPublicKeyInfo DER of the others."""
    public = key.public_key()
    return public.ed25519_raw() if key.key_type == "ed25519" else public.to_der()


def check_label(label: str) -> str:
    """``label`` if it is a valid key label, else ``InvalidInput``."""
    if not isinstance(label, str) or not re.fullmatch(LABEL_PATTERN, label):
        raise InvalidInput(
            f"invalid key label {label!r}: a letter or digit, then up to 63 letters, digits, "
            "'.', '_' or '-'"
        )
    return label


def _ssh_rsa_blob(blob: bytes) -> PublicKey:
    """The RSA key of an SSH wire-format public key (RFC 4253 ``ssh-rsa``: e, n)."""
    try:
        loaded = serialization.load_ssh_public_key(b"ssh-rsa " + base64.b64encode(blob))
    except (ValueError, TypeError) as e:
        raise InvalidKey(f"not a valid ssh-rsa public key ({e})") from None
    if not isinstance(loaded, rsa.RSAPublicKey):  # pragma: no cover - the prefix says RSA
        raise InvalidKey("not an RSA public key")
    der = loaded.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return load_public_key(der)


def _ssh_blob_type(blob: bytes) -> bytes | None:
    """The key type name an SSH wire-format public key starts with, or None."""
    if len(blob) < 4:
        return None
    n = int.from_bytes(blob[:4], "big")
    name = blob[4 : 4 + n]
    if not 1 <= n <= 64 or len(name) != n or not re.fullmatch(rb"[a-z0-9@.-]+", name):
        return None
    return name


def _binary_key(der: bytes) -> PublicKey:
    ssh_type = _ssh_blob_type(der)
    if ssh_type is not None:
        if ssh_type != _SSH_RSA:
            raise InvalidKey(
                f"the key is {ssh_type.decode()}, not RSA: only RSA keys can be imported"
            )
        return _ssh_rsa_blob(der)
    try:
        return PublicKey.from_der(der)
    except InvalidKey:
        pass
    try:
        return PublicKey.from_rsa_pkcs1_der(der)
    except InvalidKey:
        raise InvalidKey("not a DER SubjectPublicKeyInfo or PKCS#1 RSA public key") from None


def decode_authentication_key(data: bytes) -> PublicKey:
    """The RSA public key in ``data``: base64 (whitespace ignored) or binary DER of a
    SubjectPublicKeyInfo or PKCS#1 ``RSAPublicKey``, PEM (``PUBLIC KEY`` or ``RSA PUBLIC
    KEY``), an OpenSSH ``ssh-rsa AAAA... comment`` line, or its base64-decoded blob (what the
    classic IOS XR procedure copies to the router). ``InvalidKey`` says what is wrong."""
    if len(data) > MAX_PUBLIC_KEY_BYTES:
        raise InvalidKey(f"more than {MAX_PUBLIC_KEY_BYTES} bytes: not a public key")
    if not re.fullmatch(rb"[\x20-\x7e\t\r\n]*", data):
        key = _binary_key(data)  # DER or an SSH blob, as copied to the node's disk
    elif b"-----BEGIN " in data:
        key = load_public_key(data)
    else:
        words = data.split()
        if len(words) >= 2 and re.fullmatch(rb"(ssh|ecdsa-sha2)-[a-z0-9@.-]+", words[0]):
            words = words[1:2]  # an OpenSSH public key line: type, base64 blob, comment
        compact = b"".join(words)
        if not compact:
            raise InvalidKey("no key data")
        if not re.fullmatch(rb"[A-Za-z0-9+/]+={0,2}", compact):
            raise InvalidKey("the input is not valid base64")
        try:
            der = base64.b64decode(compact, validate=True)
        except binascii.Error:
            raise InvalidKey("the input is not valid base64") from None
        key = _binary_key(der)
    if key.key_type != "rsa":
        raise InvalidKey(
            f"the key is {key.key_type.upper()}, not RSA: only RSA keys can be imported"
        )
    return key


def _time(text: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise StateError(f"the key store holds a damaged {what} time {text!r}") from None


def _bits(value: object, label: str) -> int:
    """The key size of a stored row (``StateError`` for a damaged one)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise StateError(f"the key store holds a damaged size {value!r} for key {label!r}")


def _entry(row: KeyRow) -> StoredKey:
    if row.key_type not in KEY_TYPES:
        raise StateError(
            f"the key store holds a damaged type {row.key_type!r} for key {row.label!r}"
        )
    return StoredKey(
        row.key_type,
        row.label,
        row.usage,  # type: ignore[arg-type]
        _time(row.created, "creation"),
        _bits(row.bits, row.label),
    )


def _auth_entry(row: AuthKeyRow) -> AuthenticationKey:
    return AuthenticationKey(
        row.label,
        row.usage,  # type: ignore[arg-type]
        _time(row.imported, "import"),
        _bits(row.bits, row.label),
        row.key_type,  # type: ignore[arg-type]
        row.owner,
    )


class KeyStore:
    """Keys by (type, label); one store per router, reading and writing the state store."""

    def __init__(self, state: _State, clock: SimClock) -> None:
        self._state = state
        self._clock = clock

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several changes (with other writes of the state store) into one."""
        with self._state.transaction():
            yield

    def entries(self, key_type: KeyType | None = None) -> list[StoredKey]:
        """The stored keys (of one type), in the order their labels were first stored."""
        return [_entry(r) for r in self._state.private_keys(key_type)]

    def has(self, key_type: KeyType, label: str) -> bool:
        return any(e.label == label for e in self.entries(key_type))

    def _row(self, key_type: KeyType, label: str, key: PrivateKey, usage: Usage) -> KeyRow:
        if key.key_type != key_type:
            raise InvalidInput(f"a {key.key_type} key cannot be stored as {key_type}")
        return KeyRow(
            key_type, label, usage, self._clock.now().isoformat(), key.bits, key.to_pkcs8_pem()
        )

    def put(
        self, key_type: KeyType, label: str, key: PrivateKey, usage: Usage = "general"
    ) -> StoredKey:
        """Store one key (replacing the label's key of that usage), in one transaction."""
        check_label(label)
        row = self._row(key_type, label, key, usage)
        self._state.put_keys([row])
        return _entry(row)

    def replace(
        self, key_type: KeyType, label: str, keys: Sequence[tuple[Usage, PrivateKey]]
    ) -> list[StoredKey]:
        """Make ``keys`` (general, or signing and encryption) the only keys of that type and
        label, in one transaction: the old ones are gone exactly when the new ones are
        there."""
        check_label(label)
        if not keys or len({u for u, _ in keys}) != len(keys):
            raise InvalidInput("replace needs keys of distinct usages")
        rows = [self._row(key_type, label, k, u) for u, k in keys]
        self._state.put_keys(rows, replace_label=True)
        return [_entry(r) for r in rows]

    def load(self, entry: StoredKey) -> PrivateKey:
        """The private key of an entry (``StateError`` when it is no longer stored)."""
        row = self._state.private_key(entry.key_type, entry.label, entry.usage)
        if row is None:
            raise StateError(f"{entry.key_type} key {entry.label} ({entry.usage}) is not stored")
        return load_private_key(row.pem)

    def delete(self, key_type: KeyType, label: str) -> int:
        """Remove every key of that type and label (both usage keys) in one transaction (the
        database overwrites what they occupied); how many were removed."""
        return self._state.delete_keys(key_type, label)

    # -- authentication public keys ---------------------------------------------------------

    def import_authentication(
        self, label: str, key: PublicKey, usage: Usage = "general", *, owner: str | None = None
    ) -> AuthenticationKey:
        """Store ``owner``'s RSA public key under ``label`` (replacing an earlier one); SSH
        public-key authentication accepts it for ``owner`` only."""
        check_label(label)
        if key.key_type != "rsa":
            raise InvalidKey(
                f"the key is {key.key_type.upper()}, not RSA: only RSA keys can be imported"
            )
        row = AuthKeyRow(
            label, "rsa", usage, self._clock.now().isoformat(), key.bits, owner, key.to_pem()
        )
        self._state.put_auth_key(row)
        return _auth_entry(row)

    def authentication_keys(self) -> list[AuthenticationKey]:
        """Every imported authentication key, in import order."""
        return [_auth_entry(r) for r in self._state.auth_keys()]

    def load_authentication(self, entry: AuthenticationKey) -> PublicKey:
        """The public key of an entry (``StateError`` when it is no longer stored)."""
        for row in self._state.auth_keys():
            if row.label == entry.label:
                return load_public_key(row.pem)
        raise StateError(f"authentication key {entry.label} is not stored")

    def authentication_key(self, label: str) -> PublicKey | None:
        """The public key imported under ``label`` (what SSH public-key authentication of that
        user checks), or None."""
        for row in self._state.auth_keys():
            if row.label == label:
                return load_public_key(row.pem)
        return None

    def delete_authentication(self, label: str | None = None) -> int:
        """Remove the authentication key of ``label`` (every one for None); how many went."""
        return self._state.delete_auth_keys(label)

"""The router's key store: private keys by algorithm and label, as ``crypto key`` sees them,
and the users' public keys imported for SSH public-key authentication.

``KeyStore`` keeps each key as a PKCS#8 PEM file (mode 0600) in the chassis' replicated RP
state (``keys/<type>/<label>.pem``, ``keys/<type>/<label>/signing.pem`` and ``.../encryption.pem``
for usage keys, so the standby RP holds the same keys), with an index of labels, usages and
creation times (``keys/index.json``). ``StoredKey`` is one entry. Keys are loaded lazily:
listing labels reads only the index. ``replace`` swaps every key of a label in one step (the
``crypto key generate`` replace dialogue).

Authentication keys (``crypto key import authentication rsa``) are public keys only:
``keys/authentication/rsa/<label>.pub`` (SubjectPublicKeyInfo PEM, mode 0644) with their own
index (``keys/authentication/index.json``); ``AuthenticationKey`` is one entry and
``authentication_keys``/``authentication_key`` are what the SSH server asks.
``decode_authentication_key`` turns what a user pastes or copies to the router (base64 or
binary DER SubjectPublicKeyInfo or PKCS#1, PEM, an OpenSSH ``ssh-rsa`` line or its decoded
blob) into a ``PublicKey``.

Labels: ``LABEL_PATTERN`` (a letter or digit, then up to 63 letters, digits, ``.``, ``_``,
``-``); ``check_label`` refuses others with ``InvalidInput``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from xrsim.clock import SimClock
from xrsim.crypto import KeyType, PrivateKey, PublicKey, load_private_key, load_public_key
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
INDEX = "keys/index.json"
AUTH_INDEX = "keys/authentication/index.json"
#: What a key label may be (also a file name in the state tree).
LABEL_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
#: The most bytes ``decode_authentication_key`` reads (a 16384-bit key in PEM is under 3 KiB).
MAX_PUBLIC_KEY_BYTES = 64 * 1024

_SSH_RSA = b"ssh-rsa"

Usage = Literal["general", "signing", "encryption"]


class _State(Protocol):
    def read_state(self, relpath: str) -> bytes | None: ...

    def write_state(self, relpath: str, data: bytes, *, private: bool = False) -> None: ...

    def delete_state(self, relpath: str) -> object: ...


@dataclass(frozen=True)
class StoredKey:
    """One key of the store (the private key itself is loaded on demand)."""

    key_type: KeyType
    label: str
    usage: Usage
    created: datetime
    bits: int
    path: str


@dataclass(frozen=True)
class AuthenticationKey:
    """A user's public key imported for SSH public-key authentication (no private part)."""

    label: str
    usage: Usage
    imported: datetime
    bits: int
    path: str
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


class KeyStore:
    """Keys by (type, label); one store per router."""

    def __init__(self, state: _State, clock: SimClock) -> None:
        self._state = state
        self._clock = clock
        self._lock = threading.Lock()
        self._index: dict[str, dict[str, Any]] = self._read_index(INDEX)
        self._auth: dict[str, dict[str, Any]] = self._read_index(AUTH_INDEX)

    def _read_index(self, relpath: str) -> dict[str, dict[str, Any]]:
        raw = self._state.read_state(relpath)
        if not raw:
            return {}
        try:
            doc = json.loads(raw)
        except ValueError as e:
            raise StateError(f"the key store index {relpath} cannot be read ({e})") from None
        if not isinstance(doc, dict):
            raise StateError(f"the key store index {relpath} is not a mapping")
        return doc

    @staticmethod
    def _id(key_type: str, label: str, usage: str) -> str:
        return f"{key_type}/{label}" + ("" if usage == "general" else f"/{usage}")

    def entries(self, key_type: KeyType | None = None) -> list[StoredKey]:
        with self._lock:
            out = []
            for meta in self._index.values():
                if key_type is None or meta["type"] == key_type:
                    out.append(
                        StoredKey(
                            meta["type"],
                            meta["label"],
                            meta["usage"],
                            datetime.fromisoformat(meta["created"]),
                            int(meta["bits"]),
                            meta["path"],
                        )
                    )
            return out

    def has(self, key_type: KeyType, label: str) -> bool:
        return any(e.label == label for e in self.entries(key_type))

    def put(
        self, key_type: KeyType, label: str, key: PrivateKey, usage: Usage = "general"
    ) -> StoredKey:
        check_label(label)
        ident = self._id(key_type, label, usage)
        meta = self._write(key_type, label, key, usage)
        with self._lock:
            self._index[ident] = meta
            self._save()
        return self.entries_by_id(ident)

    def _write(
        self, key_type: KeyType, label: str, key: PrivateKey, usage: Usage
    ) -> dict[str, Any]:
        if key.key_type != key_type:
            raise InvalidInput(f"a {key.key_type} key cannot be stored as {key_type}")
        path = f"keys/{self._id(key_type, label, usage)}.pem"
        self._state.write_state(path, key.to_pkcs8_pem(), private=True)
        return {
            "type": key_type,
            "label": label,
            "usage": usage,
            "created": self._clock.now().isoformat(),
            "bits": key.bits,
            "path": path,
        }

    def replace(
        self, key_type: KeyType, label: str, keys: Sequence[tuple[Usage, PrivateKey]]
    ) -> list[StoredKey]:
        """Make ``keys`` (general, or signing and encryption) the only keys of that type and
        label: the new files are written first, then the index switches to them and the old
        files that were not overwritten are removed."""
        check_label(label)
        if not keys or len({u for u, _ in keys}) != len(keys):
            raise InvalidInput("replace needs keys of distinct usages")
        metas = {self._id(key_type, label, u): self._write(key_type, label, k, u) for u, k in keys}
        with self._lock:
            old = [
                i for i, m in self._index.items() if m["type"] == key_type and m["label"] == label
            ]
            for ident in old:
                meta = self._index.pop(ident)
                if ident not in metas:
                    self._state.delete_state(meta["path"])
            self._index.update(metas)
            self._save()
        return [self.entries_by_id(i) for i in metas]

    def entries_by_id(self, ident: str) -> StoredKey:
        meta = self._index[ident]
        return StoredKey(
            meta["type"],
            meta["label"],
            meta["usage"],
            datetime.fromisoformat(meta["created"]),
            int(meta["bits"]),
            meta["path"],
        )

    def load(self, entry: StoredKey) -> PrivateKey:
        data = self._state.read_state(entry.path)
        if data is None:
            raise FileNotFoundError(entry.path)
        return load_private_key(data)

    def delete(self, key_type: KeyType, label: str) -> int:
        """Remove every key of that type and label (both usage keys); how many were removed."""
        with self._lock:
            gone = [
                i for i, m in self._index.items() if m["type"] == key_type and m["label"] == label
            ]
            for ident in gone:
                self._state.delete_state(self._index[ident]["path"])
                del self._index[ident]
            if gone:
                self._save()
            return len(gone)

    def _save(self) -> None:
        self._state.write_state(INDEX, json.dumps(self._index, indent=1).encode())

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
        path = f"keys/authentication/rsa/{label}.pub"
        self._state.write_state(path, key.to_pem())
        meta = {
            "type": "rsa",
            "label": label,
            "usage": usage,
            "imported": self._clock.now().isoformat(),
            "bits": key.bits,
            "path": path,
            "owner": owner,
        }
        with self._lock:
            self._auth.pop(label, None)
            self._auth[label] = meta
            self._save_auth()
            return self._auth_entry(meta)

    @staticmethod
    def _auth_entry(meta: dict[str, Any]) -> AuthenticationKey:
        return AuthenticationKey(
            meta["label"],
            meta["usage"],
            datetime.fromisoformat(meta["imported"]),
            int(meta["bits"]),
            meta["path"],
            meta["type"],
            meta.get("owner"),
        )

    def authentication_keys(self) -> list[AuthenticationKey]:
        """Every imported authentication key, in import order."""
        with self._lock:
            return [self._auth_entry(m) for m in self._auth.values()]

    def load_authentication(self, entry: AuthenticationKey) -> PublicKey:
        data = self._state.read_state(entry.path)
        if data is None:
            raise FileNotFoundError(entry.path)
        return load_public_key(data)

    def authentication_key(self, label: str) -> PublicKey | None:
        """The public key imported under ``label`` (what SSH public-key authentication of that
        user checks), or None."""
        with self._lock:
            meta = self._auth.get(label)
        return None if meta is None else self.load_authentication(self._auth_entry(meta))

    def delete_authentication(self, label: str | None = None) -> int:
        """Remove the authentication key of ``label`` (every one for None); how many went."""
        with self._lock:
            gone = [x for x in self._auth if label is None or x == label]
            for name in gone:
                self._state.delete_state(self._auth.pop(name)["path"])
            if gone:
                self._save_auth()
            return len(gone)

    def _save_auth(self) -> None:
        self._state.write_state(AUTH_INDEX, json.dumps(self._auth, indent=1).encode())

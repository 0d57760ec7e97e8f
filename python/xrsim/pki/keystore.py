"""The router's key store: private keys by algorithm and label, as ``crypto key`` sees them.

``KeyStore`` keeps each key as a PKCS#8 PEM file (mode 0600) in the chassis' replicated RP
state (``keys/<type>/<label>.pem``, so the standby RP holds the same keys), with an index of
labels, usages and creation times (``keys/index.json``). ``StoredKey`` is one entry. Keys are
loaded lazily: listing labels reads only the index.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from xrsim.clock import SimClock
from xrsim.crypto import KeyType, PrivateKey, load_private_key

__all__ = ["DEFAULT_LABEL", "KeyStore", "StoredKey", "Usage"]

#: The label IOS XR gives a key generated without one.
DEFAULT_LABEL = "the_default"
INDEX = "keys/index.json"

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


class KeyStore:
    """Keys by (type, label); one store per router."""

    def __init__(self, state: _State, clock: SimClock) -> None:
        self._state = state
        self._clock = clock
        self._lock = threading.Lock()
        raw = state.read_state(INDEX)
        self._index: dict[str, dict[str, Any]] = json.loads(raw) if raw else {}

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
        ident = self._id(key_type, label, usage)
        path = f"keys/{ident}.pem"
        self._state.write_state(path, key.to_pkcs8_pem(), private=True)
        meta = {
            "type": key_type,
            "label": label,
            "usage": usage,
            "created": self._clock.now().isoformat(),
            "bits": key.bits,
            "path": path,
        }
        with self._lock:
            self._index[ident] = meta
            self._save()
        return self.entries_by_id(ident)

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

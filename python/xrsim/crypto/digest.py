"""SHA-1/256/384/512 over bytes, streams, files and many files, in the Rust core.

``Hasher`` follows ``hashlib``'s shape (``update``, ``digest``, ``hexdigest``, ``copy``). Inputs
of 64 KiB and more, files and batches are hashed with the GIL released; ``digest_files`` spreads
the files over every core.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from xrsim import _native
from xrsim._native import Hasher
from xrsim.crypto.keys import HashName

__all__ = ["HashName", "Hasher", "digest", "digest_file", "digest_files", "hexdigest"]


def digest(algorithm: HashName, data: bytes) -> bytes:
    """One-shot digest of ``data``."""
    return _native.digest(algorithm, data)


def hexdigest(algorithm: HashName, data: bytes) -> str:
    """One-shot digest of ``data`` as lower-case hex."""
    return _native.digest(algorithm, data).hex()


def digest_file(algorithm: HashName, path: str | os.PathLike[str]) -> bytes:
    """Digest of a file's content; ``FileAccessError`` when it cannot be read."""
    return _native.digest_file(algorithm, path)


def digest_files(algorithm: HashName, paths: Iterable[str | os.PathLike[str]]) -> list[bytes]:
    """Digests of many files in input order, hashed on every core.

    Raises ``FileAccessError`` naming the first file (in input order) that cannot be read.
    """
    return _native.digest_files(algorithm, [os.fspath(p) for p in paths])

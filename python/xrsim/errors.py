"""Every exception xrsim raises on purpose, in one module (layer 0: imports nothing of xrsim).

The Rust extension raises these classes too (``rust/py/src/error.rs`` imports them by name), so
a caller catches the same type whether the failure came from Python or from the native core.

Hierarchy::

    XrsimError
    +-- CryptoError
    |   +-- UnsupportedAlgorithm   (also ValueError)  unknown key type, curve or hash
    |   +-- InvalidKey             (also ValueError)  malformed or unusable key bytes
    |   |   +-- KeySizeError                          a size IOS XR does not generate
    |   +-- InvalidSignature                          a signature that does not verify
    |   +-- BackendError                              the crypto library failed (RNG, memory)
    +-- InvalidInput               (also ValueError)  arguments that do not fit together
    +-- FileAccessError            (also OSError)     a file that cannot be read or written
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "CryptoError",
    "FileAccessError",
    "InvalidInput",
    "InvalidKey",
    "InvalidSignature",
    "KeySizeError",
    "UnsupportedAlgorithm",
    "XrsimError",
]


class XrsimError(Exception):
    """Base of every xrsim error."""


class CryptoError(XrsimError):
    """A failure in key, signature or digest work."""


class UnsupportedAlgorithm(CryptoError, ValueError):
    """A key type, curve or hash name that xrsim does not implement."""


class InvalidKey(CryptoError, ValueError):
    """Key bytes that are malformed, encrypted, or of a type xrsim does not serve."""


class KeySizeError(InvalidKey):
    """A key size outside what IOS XR generates (RSA 512-4096, DSA 512/768/1024)."""


class InvalidSignature(CryptoError):
    """A signature that does not verify (including one that is not well-formed)."""


class BackendError(CryptoError):
    """The cryptographic library failed where it should not (random source, memory)."""


class InvalidInput(XrsimError, ValueError):
    """Arguments that do not fit together, such as a hash given for an Ed25519 signature."""


class FileAccessError(XrsimError, OSError):
    """A file that cannot be read or written; ``errno`` and ``filename`` are set when known."""

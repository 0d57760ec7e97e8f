"""Typed cryptography over the Rust core (layer 1; the only importer of ``xrsim._native``).

- :mod:`xrsim.crypto.keys`: ``PrivateKey``/``PublicKey``, generation (single and batch),
  PKCS#8/SPKI import and export, signing (single and batch), pyca/cryptography interop.
- :mod:`xrsim.crypto.digest`: SHA-1/256/384/512 over bytes, streams and files.
- :mod:`xrsim.crypto.tree`: file-tree fingerprints (records sorted by path, SHA-1) and the
  parallel scan of package directories (``TreeScan``, ``scan``, ``scan_many``).
- :mod:`xrsim.crypto.ima`: IMA measurement lists (``ImaLog``, ``ImaEntry``): build, export
  in the kernel's binary and ASCII formats, ``parse``, ``replay``, ``pcr_file``.

The classes are re-exported here; the functions of ``tree`` and ``ima`` (``fingerprint``,
``scan``, ``parse``, ``replay``, ...) are used through their submodules, whose short names would
collide here.
- :mod:`xrsim.crypto.x509`: the certificate builders the SUDI vendor CA (``xrsim.chassis.sudi``)
  and the trustpoints (``xrsim.pki.x509``) both use: names, validity, serials, key usage, CA and
  leaf certificates, PKCS#10 requests, signed with xrsim keys through pyca/cryptography
  (imported as the submodule, not re-exported here).
"""

from __future__ import annotations

from xrsim.crypto.digest import Hasher, digest, digest_file, digest_files, hexdigest
from xrsim.crypto.ima import ImaEntry, ImaLog
from xrsim.crypto.keys import (
    CURVES,
    HASHES,
    KEY_TYPES,
    CurveName,
    HashName,
    KeyType,
    PrivateKey,
    PublicKey,
    from_cryptography,
    generate_key,
    generate_keys,
    load_private_key,
    load_public_key,
    public_to_cryptography,
    to_cryptography,
)
from xrsim.crypto.tree import TreeScan

__all__ = [
    "CURVES",
    "HASHES",
    "KEY_TYPES",
    "CurveName",
    "HashName",
    "Hasher",
    "ImaEntry",
    "ImaLog",
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "TreeScan",
    "digest",
    "digest_file",
    "digest_files",
    "from_cryptography",
    "generate_key",
    "generate_keys",
    "hexdigest",
    "load_private_key",
    "load_public_key",
    "public_to_cryptography",
    "to_cryptography",
]

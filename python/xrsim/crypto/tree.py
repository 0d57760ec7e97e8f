"""File-tree fingerprints in the Rust core (FORMATS.md, "Package fingerprints").

- :func:`fingerprint`: the SHA-1 (40 lower-case hex digits) over ``path \\0 sha256_hex \\n``
  records sorted bytewise by path, from given ``(node path, sha256 hex)`` pairs (the RPM
  header's file digests at install time).
- :class:`TreeScan`, :func:`scan`, :func:`scan_many`: the same over the regular files now under
  package directories of a node filesystem. ``root`` is the node's root directory, a prefix an
  absolute node path (``/opt/cisco/XR/packages/<nvr>``); the files are keyed by absolute node
  path. The core walks the directories (symbolic links are skipped, never followed; devices,
  FIFOs and sockets are skipped), then hashes all files of all prefixes with SHA-256 on every
  core with the GIL released. A missing prefix directory gives an empty scan
  (:data:`EMPTY_FINGERPRINT`); a file or directory that cannot be read raises
  ``FileAccessError``; a prefix that is not absolute or climbs (``..``) raises ``InvalidInput``.

Node paths are ``str`` decoded as ``os.fsdecode`` does, so names that are not UTF-8 round-trip.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from xrsim import _native

__all__ = ["EMPTY_FINGERPRINT", "TreeScan", "fingerprint", "scan", "scan_many"]

#: The fingerprint of no records (SHA-1 of the empty string).
EMPTY_FINGERPRINT = "da39a3ee5e6b4b0d3255bfef95601890afd80709"


@dataclass(frozen=True)
class TreeScan:
    """One directory's scan: ``files`` maps node path to SHA-256 hex (read-only)."""

    prefix: str
    files: Mapping[str, str]
    fingerprint: str


def fingerprint(records: Iterable[tuple[str, str]]) -> str:
    """Fingerprint of ``(node path, sha256 hex)`` records in any order.

    Raises ``InvalidInput`` for an empty path, a NUL in a path, a path given twice, or a digest
    that is not 64 lower-case hex digits.
    """
    return _native.tree_fingerprint(list(records))


def scan_many(root: str | os.PathLike[str], prefixes: Sequence[str]) -> list[TreeScan]:
    """Scans every prefix under ``root`` in one pass over all cores, in the order given."""
    return [
        TreeScan(prefix, MappingProxyType(files), fp)
        for prefix, files, fp in _native.tree_scan(os.fspath(root), list(prefixes))
    ]


def scan(root: str | os.PathLike[str], prefix: str) -> TreeScan:
    """Scans one prefix directory under ``root``."""
    return scan_many(root, [prefix])[0]

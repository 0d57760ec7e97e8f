"""Linux IMA measurement lists in the Rust core (FORMATS.md, "Linux IMA measurement lists").

- :class:`ImaLog`: one list, template ``ima-ng``, PCR 10, SHA-1 and SHA-256 banks. It starts
  with ``boot_aggregate`` (no TPM: an all-zero SHA-256 digest) as entry 0; :meth:`ImaLog.append`
  and :meth:`ImaLog.append_many` measure files (node path, SHA-256 of the content),
  :meth:`ImaLog.append_violation` records a violation. :meth:`ImaLog.binary` and
  :meth:`ImaLog.ascii` export the kernel's ``binary_runtime_measurements`` and
  ``ascii_runtime_measurements``; :meth:`ImaLog.pcrs` gives PCR 10 per bank.
  :meth:`ImaLog.from_binary` rebuilds a log from its binary list (e.g. from the state store).
  A batch is hashed on every core with the GIL released, then extended in order. The native
  object orders concurrent calls with a mutex.
- :class:`ImaEntry`: one entry as the list holds it.
- :func:`parse` reads a binary list (``ima-ng`` and ``ima-sig``), :func:`replay` checks every
  template digest against its data and recomputes a PCR per bank (a tampered list raises
  ``InvalidInput`` naming the entry), :func:`pcr_file` writes the ``PCR-00: <hex>`` ...
  ``PCR-23`` lines ``evmctl ima_measurement --pcrs`` reads.

Bad input (a digest that is not 32 bytes, a name with a NUL, a malformed list) raises
``InvalidInput`` and changes nothing. As the kernel does, names are stored with spaces replaced
by ``_``; a violation stores an all-zero template digest and ``sha256:`` + 20 zero bytes, and
extends each bank with 0xFF bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xrsim import _native
from xrsim.errors import InvalidInput

__all__ = [
    "BOOT_AGGREGATE",
    "PCR_INDEX",
    "TEMPLATE",
    "ImaEntry",
    "ImaLog",
    "parse",
    "pcr_file",
    "replay",
]

PCR_INDEX = 10
TEMPLATE = "ima-ng"
BOOT_AGGREGATE = "boot_aggregate"
_PCR_COUNT = 24
_BANK_SIZES = {20: "sha1", 32: "sha256"}


@dataclass(frozen=True)
class ImaEntry:
    """One measurement: ``template_hash`` is the SHA-1 template digest as the binary list
    stores it, ``template_hash_sha256`` the SHA-256 one (both zero for a violation);
    ``digest`` the file digest of ``digest_algorithm``; ``path`` the name as stored (spaces
    as ``_``); ``signature`` the ``ima-sig`` field (empty for ``ima-ng``)."""

    pcr: int
    template: str
    template_hash: bytes
    template_hash_sha256: bytes
    digest_algorithm: str
    digest: bytes
    path: str
    violation: bool
    signature: bytes = b""


_EntryTuple = tuple[int, str, bytes, bytes, str, bytes, str, bool, bytes]


def _entry(t: _EntryTuple) -> ImaEntry:
    return ImaEntry(*t)


class ImaLog:
    """One IMA measurement list of PCR 10 (see the module docstring)."""

    __slots__ = ("_log",)

    def __init__(self) -> None:
        self._log = _native.ImaLog()

    @classmethod
    def from_binary(cls, binary: bytes) -> ImaLog:
        """A log rebuilt from its binary list: ``ima-ng`` SHA-256 entries of PCR 10 (or
        violations) after ``boot_aggregate``, every template digest matching its data;
        ``InvalidInput`` otherwise."""
        log = cls.__new__(cls)
        log._log = _native.ImaLog.from_binary(binary)
        return log

    def append(self, path: str, sha256: bytes) -> int:
        """Measures one file; returns the event's index (0 is ``boot_aggregate``)."""
        return self._log.append(path, sha256)

    def append_many(self, events: Sequence[tuple[str, bytes]]) -> None:
        """Measures many files in order; all are checked before any is written."""
        self._log.append_many(list(events))

    def append_violation(self, path: str) -> int:
        """Records a violation for ``path``; returns the event's index."""
        return self._log.append_violation(path)

    def __len__(self) -> int:
        return len(self._log)

    def event(self, index: int) -> ImaEntry:
        """Entry ``index`` (0 is ``boot_aggregate``); ``IndexError`` past the end."""
        t = self._log.event(index) if index >= 0 else None
        if t is None:
            raise IndexError(f"IMA event {index} out of range (0..{len(self._log) - 1})")
        return _entry(t)

    def entries(self, start: int = 0) -> list[ImaEntry]:
        """Entries from index ``start`` on (empty past the end)."""
        return [_entry(t) for t in self._log.entries(max(start, 0))]

    def binary(self) -> bytes:
        """The kernel's ``binary_runtime_measurements`` bytes."""
        return self._log.binary()

    def ascii(self) -> str:
        """The kernel's ``ascii_runtime_measurements`` text."""
        return self._log.ascii()

    def pcrs(self) -> dict[str, bytes]:
        """PCR 10 per bank: ``{"sha1": 20 bytes, "sha256": 32 bytes}``."""
        sha1, sha256 = self._log.pcrs()
        return {"sha1": sha1, "sha256": sha256}


def parse(binary: bytes) -> list[ImaEntry]:
    """The entries of a binary measurement list (``InvalidInput`` if malformed)."""
    return [_entry(t) for t in _native.ima_parse(binary)]


def replay(binary: bytes, pcr: int = PCR_INDEX) -> dict[str, bytes]:
    """PCR ``pcr`` per bank after replaying the list (zeros if no entry extends it).

    Raises ``InvalidInput`` for a malformed list or a template digest that does not match its
    entry's data (a tampered list).
    """
    if not 0 <= pcr < _PCR_COUNT:
        raise InvalidInput(f"PCR index {pcr} out of range (0-{_PCR_COUNT - 1})")
    sha1, sha256 = _native.ima_replay(binary, pcr)
    return {"sha1": sha1, "sha256": sha256}


def pcr_file(bank_value: bytes, pcr: int = PCR_INDEX) -> str:
    """The PCR file ``evmctl ima_measurement --pcrs <bank>,FILE`` reads: lines ``PCR-00: <hex>``
    to ``PCR-23``, PCR ``pcr`` holding ``bank_value`` (20 bytes SHA-1, 32 bytes SHA-256) and
    the others zero."""
    if len(bank_value) not in _BANK_SIZES:
        raise InvalidInput(
            f"a PCR value is 20 (SHA-1) or 32 (SHA-256) bytes, not {len(bank_value)}"
        )
    if not 0 <= pcr < _PCR_COUNT:
        raise InvalidInput(f"PCR index {pcr} out of range (0-{_PCR_COUNT - 1})")
    zero = "00" * len(bank_value)
    return "".join(
        f"PCR-{i:02d}: {bank_value.hex() if i == pcr else zero}\n" for i in range(_PCR_COUNT)
    )

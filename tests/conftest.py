"""Shared test helpers: external tools (``require_tool``), known-answer vectors (``kat``) and a
GIL probe (``gil_probe``).

Test modules reach these through fixtures, never by importing this file (the suite runs with
``--import-mode=importlib``, where ``conftest`` is not importable by name).
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import cryptography_vectors
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# --------------------------------------------------------------------------------------------
# External programs
# --------------------------------------------------------------------------------------------

#: Set to 1 (CI) to turn a missing peer program into a failure instead of a skip.
REQUIRE_PEERS_ENV = "XRSIM_REQUIRE_PEERS"


def require_tool(name: str) -> str:
    """Path of the program ``name``; skips the test when it is missing, or fails under
    ``XRSIM_REQUIRE_PEERS=1``."""
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not installed (not found on PATH)"
    if os.environ.get(REQUIRE_PEERS_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_PEERS_ENV}=1 requires every peer program")
    pytest.skip(message)


@pytest.fixture(name="require_tool", scope="session")
def _require_tool_fixture() -> Callable[[str], str]:
    """``require_tool`` for test modules: ``require_tool("openssl")`` returns the path."""
    return require_tool


# --------------------------------------------------------------------------------------------
# Known-answer vectors (the cryptography_vectors package), parsed in this one place
# --------------------------------------------------------------------------------------------

#: The SHA files of NIST SHAVS (byte-oriented) for the four hashes xrsim implements.
_SHA_DIRS = {"sha1": "SHA1", "sha256": "SHA2", "sha384": "SHA2", "sha512": "SHA2"}


@dataclass(frozen=True)
class HashVector:
    """One SHAVS ``Len``/``Msg``/``MD`` record (``Len`` in bits; ``Len = 0`` is the empty
    message)."""

    index: int
    bits: int
    message: bytes
    digest: bytes


@dataclass(frozen=True)
class HashMonteCarlo:
    """The SHAVS Monte Carlo test: a seed and the checkpoint digests ``MD[j]``."""

    seed: bytes
    checkpoints: tuple[bytes, ...]


@dataclass(frozen=True)
class Ed25519Vector:
    """One line of RFC 8032's ``sign.input``: ``sk||pk:pk:msg:sig||msg:``."""

    index: int
    seed: bytes
    public: bytes
    message: bytes
    signature: bytes


@dataclass(frozen=True)
class RsaKeyNumbers:
    """An RSA private key as integers; ``pkcs8_der`` builds it through pyca/cryptography."""

    n: int
    e: int
    d: int
    p: int
    q: int
    dmp1: int
    dmq1: int
    iqmp: int

    @classmethod
    def from_private_exponent(cls, n: int, e: int, d: int) -> RsaKeyNumbers:
        p, q = _factor_rsa_modulus(n, e, d)
        return cls(
            n=n,
            e=e,
            d=d,
            p=p,
            q=q,
            dmp1=rsa.rsa_crt_dmp1(d, p),
            dmq1=rsa.rsa_crt_dmq1(d, q),
            iqmp=rsa.rsa_crt_iqmp(p, q),
        )

    def pkcs8_der(self) -> bytes:
        return _rsa_pkcs8_der(self)

    def spki_der(self) -> bytes:
        public = rsa.RSAPublicNumbers(self.e, self.n).public_key()
        return public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _factor_rsa_modulus(n: int, e: int, d: int) -> tuple[int, int]:
    """p and q from (n, e, d), deterministically and fast for a small e.

    g * (e*d - 1) = k * phi(n) for g = phi/lambda when d is taken modulo lambda (g = 1 when
    modulo phi), with k < g * e; as n - phi is below 3 * sqrt(n), k = ceil(g * (e*d - 1) / n).
    Then p + q = n - phi + 1 and p, q are the roots of x^2 - (p + q) x + n.
    """
    for g in range(1, 257):
        x = g * (e * d - 1)
        k = -(-x // n)
        if x % k:
            continue
        total = n - x // k + 1
        discriminant = total * total - 4 * n
        if discriminant < 0:
            continue
        root = math.isqrt(discriminant)
        p, q = (total + root) // 2, (total - root) // 2
        if p * q == n and q > 1:
            return p, q
    return rsa.rsa_recover_prime_factors(n, e, d)  # slow, randomized


@functools.cache
def _rsa_pkcs8_der(numbers: RsaKeyNumbers) -> bytes:
    key = rsa.RSAPrivateNumbers(
        p=numbers.p,
        q=numbers.q,
        d=numbers.d,
        dmp1=numbers.dmp1,
        dmq1=numbers.dmq1,
        iqmp=numbers.iqmp,
        public_numbers=rsa.RSAPublicNumbers(numbers.e, numbers.n),
    ).private_key(unsafe_skip_rsa_key_validation=True)  # the signatures check the numbers
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class RsaSignatureVector:
    """A PKCS#1 v1.5 signature with its key, message and hash (``sha1``, ``sha224``...)."""

    name: str
    key: RsaKeyNumbers
    hash: str
    message: bytes
    signature: bytes


def _open(path: str, mode: str = "r") -> IO[str]:
    return cryptography_vectors.open_vector_file(path, mode)


def _records(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """``key = value`` pairs of a CAVS file, skipping comments and ``[section]`` lines."""
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith(("#", "[")):
            continue
        key, sep, value = line.partition("=")
        if sep:
            yield key.strip(), value.strip()


@functools.cache
def _sha_vectors(algorithm: str, kind: str) -> tuple[HashVector, ...]:
    name = algorithm.upper()
    out: list[HashVector] = []
    bits = -1
    message = b""
    with _open(f"hashes/{_SHA_DIRS[algorithm]}/{name}{kind}Msg.rsp") as f:
        for key, value in _records(f):
            if key == "Len":
                bits = int(value)
            elif key == "Msg":
                message = b"" if bits == 0 else bytes.fromhex(value)
            elif key == "MD":
                if bits % 8 or len(message) * 8 != bits:
                    raise AssertionError(f"{name}{kind}Msg record {len(out)}: Len {bits}")
                out.append(HashVector(len(out), bits, message, bytes.fromhex(value)))
    return tuple(out)


@functools.cache
def _sha_monte(algorithm: str) -> HashMonteCarlo:
    name = algorithm.upper()
    seed = b""
    checkpoints: list[bytes] = []
    with _open(f"hashes/{_SHA_DIRS[algorithm]}/{name}Monte.rsp") as f:
        for key, value in _records(f):
            if key == "Seed":
                seed = bytes.fromhex(value)
            elif key == "MD":
                checkpoints.append(bytes.fromhex(value))
    return HashMonteCarlo(seed, tuple(checkpoints))


@functools.cache
def _ed25519_vectors() -> tuple[Ed25519Vector, ...]:
    out: list[Ed25519Vector] = []
    with _open("asymmetric/Ed25519/sign.input") as f:
        for line in f:
            fields = line.strip().split(":")
            if len(fields) != 5:
                continue
            secret, public, message, signed = (bytes.fromhex(x) for x in fields[:4])
            # The file stores sk||pk and sig||msg (the SUPERCOP format).
            if secret[32:] != public or signed[64:] != message:
                raise AssertionError(f"sign.input line {len(out) + 1} is not sk||pk/sig||msg")
            out.append(Ed25519Vector(len(out), secret[:32], public, message, signed[:64]))
    return tuple(out)


_PKCS1_LABELS = {
    "Modulus": "n",
    "Public exponent": "e",
    "Exponent": "d",
    "Prime 1": "p",
    "Prime 2": "q",
    "Prime exponent 1": "dmp1",
    "Prime exponent 2": "dmq1",
    "Coefficient": "iqmp",
}


@functools.cache
def _rsa_pkcs1v15_sha1() -> tuple[tuple[RsaSignatureVector, ...], ...]:
    """``pkcs1v15sign-vectors.txt``: 15 keys (1024 to 2048 bits) x 20 SHA-1 signatures, grouped
    by key."""
    keys: list[list[RsaSignatureVector]] = []
    numbers: dict[str, int] = {}
    key: RsaKeyNumbers | None = None
    in_private = False
    label: str | None = None
    example = ""
    message = b""
    hexbuf: list[str] = []

    def flush() -> None:
        nonlocal key, message
        if label is None:
            return
        value = bytes.fromhex("".join(hexbuf))
        hexbuf.clear()
        if in_private and label in _PKCS1_LABELS:
            numbers[_PKCS1_LABELS[label]] = int.from_bytes(value, "big")
            if len(numbers) == len(_PKCS1_LABELS):
                key = RsaKeyNumbers(**numbers)
        elif label == "Message to be signed":
            message = value
        elif label == "Signature":
            assert key is not None, f"signature {example} before its key"
            keys[-1].append(RsaSignatureVector(example, key, "sha1", message, value))

    with _open("asymmetric/RSA/pkcs1v15sign-vectors.txt") as f:
        for raw in f:
            line = raw.strip()
            if not line.startswith("#"):
                if label is not None and line:
                    hexbuf.append(line)
                continue
            flush()
            label = None
            text = line.lstrip("#").strip()
            if text.startswith("Example ") and ":" in text:
                keys.append([])
                numbers = {}
                key = None
                in_private = False
            elif text == "Private key":
                in_private = True
            elif text.startswith("PKCS#1 v1.5 Signature Example"):
                example = text.removeprefix("PKCS#1 v1.5 Signature Example").strip()
                in_private = False
            elif text.endswith(":"):
                label = text[:-1].strip()
        flush()
    return tuple(tuple(k) for k in keys)


@functools.cache
def _rsa_siggen15() -> tuple[RsaSignatureVector, ...]:
    """FIPS 186-2 ``SigGen15_186-2.txt``: 1024 to 4096-bit keys, SHA-1/224/256/384/512."""
    out: list[RsaSignatureVector] = []
    n = e = d = 0
    key: RsaKeyNumbers | None = None
    hash_name = ""
    message = b""
    with _open("asymmetric/RSA/FIPS_186-2/SigGen15_186-2.txt") as f:
        for name, value in _records(f):
            if name == "n":
                n, key = int(value, 16), None
            elif name == "e":
                e, key = int(value, 16), None
            elif name == "d":
                d, key = int(value, 16), None
            elif name == "SHAAlg":
                hash_name = value.lower()
            elif name == "Msg":
                message = bytes.fromhex(value)
            elif name == "S":
                if key is None:
                    key = RsaKeyNumbers.from_private_exponent(n, e, d)
                vector_name = f"{n.bit_length()}-{hash_name}-{len(out)}"
                out.append(
                    RsaSignatureVector(vector_name, key, hash_name, message, bytes.fromhex(value))
                )
    return tuple(out)


class KnownAnswers:
    """Parsed known-answer vectors of ``cryptography_vectors`` (each file parsed once)."""

    @staticmethod
    def path(relative: str) -> Path:
        """The path of a vector file, e.g. ``asymmetric/Ed25519/ed25519-pkcs8-enc.pem``."""
        return Path(cryptography_vectors.__file__).parent / relative

    @staticmethod
    def read_bytes(relative: str) -> bytes:
        with cryptography_vectors.open_vector_file(relative, "rb") as f:
            data: bytes = f.read()
        return data

    @staticmethod
    def sha(algorithm: str, kind: str) -> tuple[HashVector, ...]:
        """SHAVS ``ShortMsg`` or ``LongMsg`` records of ``sha1``/``sha256``/...."""
        return _sha_vectors(algorithm, kind)

    @staticmethod
    def sha_monte(algorithm: str) -> HashMonteCarlo:
        return _sha_monte(algorithm)

    @staticmethod
    def ed25519(limit: int = 64) -> tuple[Ed25519Vector, ...]:
        """The first ``limit`` RFC 8032 vectors (message lengths 0 to ``limit - 1``)."""
        return _ed25519_vectors()[:limit]

    @staticmethod
    def rsa_pkcs1v15_sha1(per_key: int = 2) -> tuple[RsaSignatureVector, ...]:
        """The first ``per_key`` signatures of each of the 15 keys (1024-1031, 1536, 2048
        bits)."""
        return tuple(v for key in _rsa_pkcs1v15_sha1() for v in key[:per_key])

    @staticmethod
    def rsa_siggen15(per_hash: int = 2) -> tuple[RsaSignatureVector, ...]:
        """The first ``per_hash`` signatures of each (modulus size, hash) pair."""
        seen: dict[tuple[int, str], int] = {}
        out: list[RsaSignatureVector] = []
        for v in _rsa_siggen15():
            group = (v.key.n.bit_length(), v.hash)
            seen[group] = seen.get(group, 0) + 1
            if seen[group] <= per_hash:
                out.append(v)
        return tuple(out)


@pytest.fixture(scope="session")
def kat() -> KnownAnswers:
    """Known-answer vectors: ``kat.sha("sha256", "Short")``, ``kat.ed25519()``, ..."""
    return KnownAnswers()


# --------------------------------------------------------------------------------------------
# GIL probe
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GilProbe:
    """What a spinning Python thread achieved while the main thread was in one call.

    ``increments`` and ``span`` count only the interior of the call (``margin`` trimmed at both
    ends), so a call that keeps the GIL gives about zero whatever the switch interval did
    around it.
    """

    duration: float
    window: float
    increments: int
    span: float

    def assert_released(self, min_increments: int = 1000) -> None:
        assert self.window > 0.01, f"call too short to judge ({self.duration * 1e3:.1f} ms)"
        assert self.increments > min_increments, (
            f"a Python thread advanced only {self.increments} times during a "
            f"{self.duration * 1e3:.1f} ms call: the GIL was held"
        )
        assert self.span > 0.25 * self.window, (
            f"the Python thread ran only {self.span * 1e3:.1f} ms of a "
            f"{self.window * 1e3:.1f} ms window"
        )


def probe_gil(call: Callable[[], object], margin: float = 0.005) -> GilProbe:
    """Runs ``call`` in this thread while another thread counts in a tight Python loop."""
    samples: list[tuple[int, float]] = []
    stop = [False]
    started = threading.Event()

    def spin() -> None:
        clock = time.perf_counter
        record = samples.append
        n = 0
        started.set()
        while not stop[0]:
            n += 1
            if not n & 255:
                record((n, clock()))

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    thread = threading.Thread(target=spin, name="gil-probe", daemon=True)
    thread.start()
    try:
        started.wait(5)
        begin = time.perf_counter()
        call()
        end = time.perf_counter()
    finally:
        stop[0] = True
        thread.join(10)
        sys.setswitchinterval(old_interval)
    low, high = begin + margin, end - margin
    inside = [(n, t) for n, t in samples if low < t < high]
    increments = inside[-1][0] - inside[0][0] if len(inside) > 1 else 0
    span = inside[-1][1] - inside[0][1] if len(inside) > 1 else 0.0
    return GilProbe(end - begin, max(0.0, high - low), increments, span)


@dataclass(frozen=True)
class GilProbes:
    """Up to ``attempts`` probes of the same call: it releases the GIL if one of them shows it.

    A call that holds the GIL gives about zero increments on every attempt; a call that releases
    it can still show a short span once when the operating system gives the spinning thread no
    core for a while (two pytest-xdist workers and the call itself on two cores). Another try is
    the answer to that, not a lower bar.
    """

    call: Callable[[], object]
    attempts: int = 3

    def assert_released(self, min_increments: int = 1000) -> None:
        failures: list[str] = []
        for _ in range(self.attempts):
            try:
                probe_gil(self.call).assert_released(min_increments)
                return
            except AssertionError as exc:
                failures.append(str(exc).splitlines()[0])
        raise AssertionError("; ".join(failures))


@pytest.fixture(scope="session")
def gil_probe() -> Callable[[Callable[[], object]], GilProbes]:
    """``gil_probe(lambda: work()).assert_released()`` (the call may run up to three times)."""
    return GilProbes

"""The benchmark workloads, defined once for ``xrsim bench`` and ``benches/`` (pytest-benchmark).

Two kinds: the ratio table's throughput rows (``Workload``, ``workloads()``) and the scale rows
(``ScaleWorkload``, ``scale_workloads()``: N routers booted in one process, all serving SSH,
measured by ``xrsim.bench.runner.measure_scale``).

A :class:`Workload` is one row of the ratio table: a job (say, RSA-2048 signatures in a batch of
1,000), an ``items`` count per round, and :class:`Contender` s that do the same job: xrsim,
pyca/cryptography in a loop, pyca on a thread pool, hashlib. Each contender's ``setup`` builds
its state (keys, messages, pools) outside the timing and returns a :class:`Prepared` job whose
``run`` does one round. ``openssl`` names the ``openssl speed`` algorithm that gives the
per-core limit of the row. :class:`Target` s are the ratios the project aims for (issue 2).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from xrsim import crypto

__all__ = [
    "MESSAGE",
    "Contender",
    "Prepared",
    "ScaleWorkload",
    "Target",
    "Workload",
    "pool_size",
    "scale_workloads",
    "workloads",
]

#: The message every signing workload signs: 64 bytes, the size of a dossier nonce block.
MESSAGE = bytes(range(64))

_PYCA_RSA_PAD = padding.PKCS1v15()


def pool_size() -> int:
    """Threads of the pyca pool contender: one per core."""
    return os.cpu_count() or 1


@dataclass
class Prepared:
    """A job ready to time: ``run`` does one round; ``close`` releases what setup made."""

    run: Callable[[], object]
    close: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class Contender:
    """One way of doing a workload's job."""

    name: str
    setup: Callable[[], Prepared]


@dataclass(frozen=True)
class Target:
    """xrsim must reach ``min_ratio`` times the rate of contender ``versus``."""

    versus: str
    min_ratio: float


@dataclass(frozen=True)
class Workload:
    """One row of the ratio table."""

    id: str
    title: str
    items: int
    unit: str
    contenders: tuple[Contender, ...]
    targets: tuple[Target, ...] = ()
    openssl: tuple[str, ...] | None = None
    scale: float = 1.0
    min_rounds: int = 3
    #: "best": items over the shortest round (steady work: noise only slows it down);
    #: "mean": all items over all rounds' time (work whose duration is random, like prime
    #: search, where the shortest round is luck rather than capability).
    estimator: Literal["best", "mean"] = "best"

    def contender(self, name: str) -> Contender:
        for c in self.contenders:
            if c.name == name:
                return c
        raise KeyError(f"{self.id} has no contender {name!r}")


@dataclass(frozen=True)
class ScaleWorkload:
    """N routers booted in one process (``Router.boot_many``), each serving SSH on its own
    port (``SshServer``, all on the one shared event loop); then ``sample`` of them, spread
    evenly, answer a netmiko ``cisco_xr`` connect and ``show version`` while all are up."""

    id: str
    title: str
    routers: int
    sample: int = 10
    #: What issue 9 asks for on the 2-core machine (None: no target for this row).
    target_seconds: float | None = None
    target_rss_bytes: int | None = None


def scale_workloads() -> list[ScaleWorkload]:
    """The scale rows: 100 and 1,000 routers."""
    return [
        ScaleWorkload("scale-100", "100 routers serving SSH in one process", 100),
        ScaleWorkload(
            "scale-1000",
            "1,000 routers serving SSH in one process",
            1000,
            target_seconds=30.0,
            target_rss_bytes=1 << 30,
        ),
    ]


# -- contenders --------------------------------------------------------------------------------


def _pool_map(fn: Callable[[bytes], object], messages: list[bytes]) -> Prepared:
    pool = ThreadPoolExecutor(max_workers=pool_size(), thread_name_prefix="pyca-bench")
    chunk = max(1, len(messages) // (4 * pool_size()))

    def run() -> object:
        return list(pool.map(fn, messages, chunksize=chunk))

    return Prepared(run, lambda: pool.shutdown(wait=True))


def _rsa_sign(batch: int) -> tuple[Contender, ...]:
    def xrsim_setup() -> Prepared:
        key = crypto.generate_key("rsa", bits=2048)
        if batch == 1:
            return Prepared(lambda: key.sign(MESSAGE, "sha256"))
        msgs = [MESSAGE] * batch
        return Prepared(lambda: key.sign_many(msgs, "sha256"))

    def pyca_key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def pyca_loop() -> Prepared:
        key = pyca_key()
        sha = hashes.SHA256()

        def run() -> object:
            for _ in range(batch):
                key.sign(MESSAGE, _PYCA_RSA_PAD, sha)
            return None

        return Prepared(run)

    def pyca_pool() -> Prepared:
        key = pyca_key()
        sha = hashes.SHA256()
        return _pool_map(lambda m: key.sign(m, _PYCA_RSA_PAD, sha), [MESSAGE] * batch)

    out = [Contender("xrsim", xrsim_setup), Contender("pyca loop", pyca_loop)]
    if batch > 1:
        out.append(Contender("pyca threads", pyca_pool))
    return tuple(out)


def _rsa_keygen(batch: int) -> tuple[Contender, ...]:
    def xrsim_setup() -> Prepared:
        return Prepared(lambda: crypto.generate_keys(batch, "rsa", bits=2048))

    def gen(_: object = None) -> object:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def pyca_loop() -> Prepared:
        return Prepared(lambda: [gen() for _ in range(batch)])

    def pyca_pool() -> Prepared:
        return _pool_map(gen, [b""] * batch)

    return (
        Contender("xrsim", xrsim_setup),
        Contender("pyca loop", pyca_loop),
        Contender("pyca threads", pyca_pool),
    )


def _ed25519_sign(batch: int) -> tuple[Contender, ...]:
    def xrsim_setup() -> Prepared:
        key = crypto.generate_key("ed25519")
        if batch == 1:
            return Prepared(lambda: key.sign(MESSAGE))
        msgs = [MESSAGE] * batch
        return Prepared(lambda: key.sign_many(msgs))

    def pyca_loop() -> Prepared:
        key = ed25519.Ed25519PrivateKey.generate()
        if batch == 1:
            return Prepared(lambda: key.sign(MESSAGE))

        def run() -> object:
            for _ in range(batch):
                key.sign(MESSAGE)
            return None

        return Prepared(run)

    def pyca_pool() -> Prepared:
        key = ed25519.Ed25519PrivateKey.generate()
        return _pool_map(key.sign, [MESSAGE] * batch)

    out = [Contender("xrsim", xrsim_setup), Contender("pyca loop", pyca_loop)]
    if batch > 1:
        out.append(Contender("pyca threads", pyca_pool))
    return tuple(out)


def _p256_sign(batch: int) -> tuple[Contender, ...]:
    def xrsim_setup() -> Prepared:
        key = crypto.generate_key("ecdsa", curve="nistp256")
        if batch == 1:
            return Prepared(lambda: key.sign(MESSAGE, "sha256"))
        msgs = [MESSAGE] * batch
        return Prepared(lambda: key.sign_many(msgs, "sha256"))

    def pyca_loop() -> Prepared:
        key = ec.generate_private_key(ec.SECP256R1())
        alg = ec.ECDSA(hashes.SHA256())

        def run() -> object:
            for _ in range(batch):
                key.sign(MESSAGE, alg)
            return None

        return Prepared(run)

    def pyca_pool() -> Prepared:
        key = ec.generate_private_key(ec.SECP256R1())
        alg = ec.ECDSA(hashes.SHA256())
        return _pool_map(lambda m: key.sign(m, alg), [MESSAGE] * batch)

    out = [Contender("xrsim", xrsim_setup), Contender("pyca loop", pyca_loop)]
    if batch > 1:
        out.append(Contender("pyca threads", pyca_pool))
    return tuple(out)


def _sha256(size: int) -> tuple[Contender, ...]:
    # One buffer shared by both contenders; made lazily so that listing workloads is cheap.
    cache: dict[str, bytes] = {}

    def data() -> bytes:
        if "d" not in cache:
            cache["d"] = bytes(size)
        return cache["d"]

    def xrsim_setup() -> Prepared:
        buf = data()
        return Prepared(lambda: crypto.digest("sha256", buf), cache.clear)

    def hashlib_setup() -> Prepared:
        buf = data()
        return Prepared(lambda: hashlib.sha256(buf).digest(), cache.clear)

    return (Contender("xrsim", xrsim_setup), Contender("hashlib", hashlib_setup))


def workloads(*, sha_bytes: int = 1 << 30) -> list[Workload]:
    """Every workload of the ratio table, in the order it is printed."""
    return [
        Workload(
            "rsa2048-sign",
            "RSA-2048 sign, SHA-256, single call",
            1,
            "sig/s",
            _rsa_sign(1),
            openssl=("rsa2048",),
        ),
        Workload(
            "rsa2048-sign-batch",
            "RSA-2048 sign, SHA-256, batch of 1,000",
            1000,
            "sig/s",
            _rsa_sign(1000),
            targets=(Target("pyca loop", 1.8), Target("pyca threads", 1.0)),
            openssl=("rsa2048",),
        ),
        Workload(
            "rsa2048-keygen-batch",
            "RSA-2048 key generation, batch of 16",
            16,
            "key/s",
            _rsa_keygen(16),
            targets=(Target("pyca loop", 1.8),),
            # Prime search makes one key's time vary several-fold: many rounds, averaged.
            min_rounds=10,
            estimator="mean",
        ),
        Workload(
            "ed25519-sign",
            "Ed25519 sign, single call",
            1,
            "sig/s",
            _ed25519_sign(1),
            targets=(Target("pyca loop", 1.2),),
            openssl=("ed25519",),
        ),
        Workload(
            "ed25519-sign-batch",
            "Ed25519 sign, batch of 10,000",
            10000,
            "sig/s",
            _ed25519_sign(10000),
            targets=(Target("pyca loop", 3.0),),
            openssl=("ed25519",),
        ),
        Workload(
            "p256-sign",
            "ECDSA P-256 sign, SHA-256, single call",
            1,
            "sig/s",
            _p256_sign(1),
            openssl=("ecdsap256",),
        ),
        Workload(
            "p256-sign-batch",
            "ECDSA P-256 sign, SHA-256, batch of 1,000",
            1000,
            "sig/s",
            _p256_sign(1000),
            openssl=("ecdsap256",),
        ),
        Workload(
            "sha256",
            f"SHA-256 over {_size_text(sha_bytes)}, one core",
            sha_bytes,
            "MB/s",
            _sha256(sha_bytes),
            targets=(Target("hashlib", 0.95),),
            openssl=("-evp", "sha256"),
            scale=1e-6,
        ),
    ]


def _size_text(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"

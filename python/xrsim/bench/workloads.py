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

The integrity rows (issue 13, ``suite="integrity"``, run by ``benches/test_integrity.py``) put
xrsim's Rust core beside a straightforward Python implementation of the same job:
``tree-small`` and ``tree-large`` fingerprint a package tree (20,000 files of 4 KiB; 16 large
files, 1 GiB by default) with :func:`xrsim.crypto.tree.scan` versus ``os.walk`` + ``open``/
``read`` + ``hashlib.sha256`` + the SHA-1 over the records (:func:`hashlib_tree_fingerprint`);
``ima-100k`` builds and replays an IMA list of 100,000 events with :class:`xrsim.crypto.ima.ImaLog`
and :func:`xrsim.crypto.ima.replay` versus ``struct`` + ``hashlib`` (:func:`hashlib_ima`). The
trees are written once per process into a temporary directory (removed at exit), so every
contender reads the same tree, warm in the page cache.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from xrsim import crypto
from xrsim.crypto import ima, tree

__all__ = [
    "MESSAGE",
    "Contender",
    "Prepared",
    "ScaleWorkload",
    "Target",
    "Workload",
    "bench_tree",
    "hashlib_ima",
    "hashlib_tree_fingerprint",
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
    #: Which pytest-benchmark module runs the row: "throughput" (benches/test_throughput.py)
    #: or "integrity" (benches/test_integrity.py); ``xrsim bench`` runs all of them.
    suite: Literal["throughput", "integrity"] = "throughput"

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


# -- integrity contenders (issue 13) -----------------------------------------------------------

#: Where the benchmark trees' packages sit on the (simulated) node filesystem.
TREE_PREFIX = "/opt/cisco/XR/packages/xr-bench-7.3.1-r1"
#: The small-file tree: directories of 100 files of 4 KiB, 20,000 files by default.
SMALL_FILES, SMALL_FILE_BYTES = 20_000, 4096
#: The large-file tree is this many files of equal size (1 GiB in all by default).
LARGE_FILES = 16
#: Events of the IMA row.
IMA_EVENTS = 100_000

_trees: dict[str, Path] = {}


def bench_tree(kind: str, total_bytes: int, files: int) -> Path:
    """The node root of a benchmark tree, written on first use and kept for the process."""
    key = f"{kind}-{total_bytes}-{files}"
    if key in _trees:
        return _trees[key]
    root = Path(tempfile.mkdtemp(prefix=f"xrsim-bench-{kind}-"))
    atexit.register(shutil.rmtree, root, True)
    base = root / TREE_PREFIX.lstrip("/")
    if kind == "small":
        for i in range(files):
            sub = base / f"lib{i // 100:03}"
            if i % 100 == 0:
                sub.mkdir(parents=True)
            (sub / f"f{i % 100:02}.so").write_bytes(os.urandom(total_bytes // files))
    else:
        base.mkdir(parents=True)
        chunk = os.urandom(1 << 20)
        size = max(8, total_bytes // files)
        for i in range(files):
            with open(base / f"image{i:02}.bin", "wb") as out:
                out.write(i.to_bytes(8, "little"))
                left = size - 8
                while left > 0:
                    out.write(chunk[: min(left, len(chunk))])
                    left -= len(chunk)
    _trees[key] = root
    return root


def hashlib_tree_fingerprint(root: str | os.PathLike[str], prefix: str) -> str:
    """The straightforward Python fingerprint of one package directory (the contender of the
    tree rows): ``os.walk``, each file read in 1 MiB pieces into ``hashlib.sha256``, the
    records sorted by path and hashed with ``hashlib.sha1``."""
    base = os.path.join(os.fspath(root), prefix.lstrip("/"))
    records = []
    for dirpath, _dirnames, filenames in os.walk(base):
        for name in filenames:
            path = os.path.join(dirpath, name)
            h = hashlib.sha256()
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
            records.append((os.fsencode(prefix + path[len(base) :]), h.hexdigest().encode()))
    records.sort()
    fp = hashlib.sha1()  # noqa: S324 - the fingerprint rule's SHA-1 (FORMATS.md)
    for path_bytes, digest in records:
        fp.update(path_bytes + b"\0" + digest + b"\n")
    return fp.hexdigest()


def hashlib_ima(events: Sequence[tuple[str, bytes]]) -> dict[str, bytes]:
    """The straightforward Python IMA job (the contender of ``ima-100k``): build the ima-ng
    binary list (boot_aggregate, then one entry per event) with ``struct`` and ``hashlib``,
    extending PCR 10 in both banks, then parse it back, check each SHA-1 template digest and
    replay both banks; returns the replayed PCRs (asserted equal to the built ones)."""
    pcr1, pcr256 = bytes(20), bytes(32)
    out = bytearray()
    for path, digest in [(ima.BOOT_AGGREGATE, bytes(32)), *events]:
        d = b"sha256:\0" + digest
        n = path.replace(" ", "_").encode() + b"\0"
        data = struct.pack("<I", len(d)) + d + struct.pack("<I", len(n)) + n
        # SHA-1 is the PCR bank the format asks for, not a choice.
        h1, h256 = hashlib.sha1(data).digest(), hashlib.sha256(data).digest()  # noqa: S324
        pcr1 = hashlib.sha1(pcr1 + h1).digest()  # noqa: S324
        pcr256 = hashlib.sha256(pcr256 + h256).digest()
        out += struct.pack("<I20sI6sI", 10, h1, 6, b"ima-ng", len(data)) + data
    binary = bytes(out)
    r1, r256 = bytes(20), bytes(32)
    pos = 0
    while pos < len(binary):
        _pcr, h1, name_len = struct.unpack_from("<I20sI", binary, pos)
        pos += 28 + name_len
        (data_len,) = struct.unpack_from("<I", binary, pos)
        data = binary[pos + 4 : pos + 4 + data_len]
        pos += 4 + data_len
        if hashlib.sha1(data).digest() != h1:  # noqa: S324
            raise ValueError("template digest does not match its data")
        r1 = hashlib.sha1(r1 + h1).digest()  # noqa: S324
        r256 = hashlib.sha256(r256 + hashlib.sha256(data).digest()).digest()
    if (r1, r256) != (pcr1, pcr256):
        raise ValueError("replay does not give the PCRs the list was built with")
    return {"sha1": r1, "sha256": r256}


def xrsim_ima(events: Sequence[tuple[str, bytes]]) -> dict[str, bytes]:
    """The xrsim IMA job: the same list built with :class:`ImaLog` and replayed from its
    binary export."""
    log = ima.ImaLog()
    log.append_many(events)
    pcrs = ima.replay(log.binary())
    if pcrs != log.pcrs():
        raise ValueError("replay does not give the PCRs the list was built with")
    return pcrs


def _tree_contenders(kind: str, total_bytes: int, files: int) -> tuple[Contender, ...]:
    def xrsim_setup() -> Prepared:
        root = bench_tree(kind, total_bytes, files)
        return Prepared(lambda: tree.scan(root, TREE_PREFIX).fingerprint)

    def hashlib_setup() -> Prepared:
        root = bench_tree(kind, total_bytes, files)
        return Prepared(lambda: hashlib_tree_fingerprint(root, TREE_PREFIX))

    return (Contender("xrsim", xrsim_setup), Contender("hashlib", hashlib_setup))


def _ima_contenders(count: int) -> tuple[Contender, ...]:
    cache: dict[str, list[tuple[str, bytes]]] = {}

    def events() -> list[tuple[str, bytes]]:
        if "e" not in cache:
            cache["e"] = [
                (f"{TREE_PREFIX}/bin/tool{i:06}", hashlib.sha256(i.to_bytes(4, "big")).digest())
                for i in range(count)
            ]
        return cache["e"]

    def xrsim_setup() -> Prepared:
        evs = events()
        return Prepared(lambda: xrsim_ima(evs))

    def hashlib_setup() -> Prepared:
        evs = events()
        return Prepared(lambda: hashlib_ima(evs))

    return (Contender("xrsim", xrsim_setup), Contender("hashlib", hashlib_setup))


def workloads(
    *,
    sha_bytes: int = 1 << 30,
    tree_bytes: int = 1 << 30,
    tree_files: int = SMALL_FILES,
    ima_events: int = IMA_EVENTS,
) -> list[Workload]:
    """Every workload of the ratio table, in the order it is printed. The sizes default to the
    issues' figures; smaller ones make quick runs (tests, ``xrsim bench --tree-bytes``)."""
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
        Workload(
            "tree-small",
            f"fingerprint a package tree of {tree_files:,} files of 4 KiB",
            tree_files,
            "files/s",
            _tree_contenders("small", tree_files * SMALL_FILE_BYTES, tree_files),
            targets=(Target("hashlib", 2.0),),
            suite="integrity",
        ),
        Workload(
            "tree-large",
            f"fingerprint a package tree of {LARGE_FILES} files, {_size_text(tree_bytes)}",
            tree_bytes,
            "MB/s",
            _tree_contenders("large", tree_bytes, LARGE_FILES),
            targets=(Target("hashlib", 1.7),),
            scale=1e-6,
            suite="integrity",
        ),
        Workload(
            "ima-100k",
            f"build and replay an IMA list of {ima_events:,} events",
            ima_events,
            "event/s",
            _ima_contenders(ima_events),
            targets=(Target("hashlib", 10.0),),
            suite="integrity",
        ),
    ]


def _size_text(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"

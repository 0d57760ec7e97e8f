"""xrsim.crypto.digest: SHA-1/256/384/512 against NIST SHAVS, hashlib, files and threads."""

from __future__ import annotations

import errno
import hashlib
import os
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xrsim.crypto import HASHES, Hasher, digest, digest_file, digest_files, hexdigest
from xrsim.errors import FileAccessError, UnsupportedAlgorithm, XrsimError

SIZES = {"sha1": 20, "sha256": 32, "sha384": 48, "sha512": 64}
MIB = 1 << 20
#: The Rust glue keeps the GIL below this many bytes and releases it from here on.
DETACH_BYTES = 64 * 1024
#: digest_file reads this many bytes at a time.
FILE_CHUNK = MIB


def _random_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _chunked(data: bytes, rng: random.Random, max_chunk: int) -> list[bytes]:
    """``data`` cut at random points, with some empty chunks thrown in."""
    chunks: list[bytes] = []
    pos = 0
    while pos < len(data):
        size = rng.randint(0, max_chunk)
        chunks.append(data[pos : pos + size])
        pos += size
    chunks.append(b"")
    return chunks


# --------------------------------------------------------------------------------------------
# Known answers (NIST SHAVS byte-oriented vectors)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Short", "Long"])
@pytest.mark.parametrize("algorithm", HASHES)
def test_shavs_one_shot_and_streaming(kat: Any, algorithm: str, kind: str) -> None:
    vectors = kat.sha(algorithm, kind)
    assert len(vectors) >= 64
    if kind == "Short":
        assert vectors[0].bits == 0, "the empty message must be among the vectors"
    rng = random.Random(f"{algorithm}-{kind}")
    for v in vectors:
        where = f"{algorithm.upper()}{kind}Msg #{v.index} (Len={v.bits})"
        assert digest(algorithm, v.message) == v.digest, where
        assert hexdigest(algorithm, v.message) == v.digest.hex(), where
        h = Hasher(algorithm)
        for chunk in _chunked(v.message, rng, max_chunk=max(1, len(v.message) // 3)):
            h.update(chunk)
        assert h.digest() == v.digest, f"{where}: streaming"
        assert Hasher(algorithm, v.message).hexdigest() == v.digest.hex(), f"{where}: ctor"


@pytest.mark.parametrize("algorithm", HASHES)
def test_shavs_byte_by_byte(kat: Any, algorithm: str) -> None:
    for v in kat.sha(algorithm, "Short")[:40]:
        h = Hasher(algorithm)
        for i in range(len(v.message)):
            h.update(v.message[i : i + 1])
        assert h.digest() == v.digest, f"{algorithm} ShortMsg #{v.index}"


@pytest.mark.parametrize("algorithm", HASHES)
def test_shavs_monte_carlo(kat: Any, algorithm: str) -> None:
    """SHAVS Monte Carlo (the first 10 of 100 checkpoints, 1000 chained digests each)."""
    monte = kat.sha_monte(algorithm)
    assert len(monte.seed) == SIZES[algorithm]
    seed = monte.seed
    for j, expected in enumerate(monte.checkpoints[:10]):
        md = [seed, seed, seed]
        for _ in range(1000):
            md = [md[1], md[2], digest(algorithm, md[0] + md[1] + md[2])]
        seed = md[2]
        assert seed == expected, f"{algorithm} Monte checkpoint {j}"


@pytest.mark.parametrize("algorithm", HASHES)
def test_shavs_through_files(kat: Any, algorithm: str, tmp_path: Path) -> None:
    vectors = kat.sha(algorithm, "Short")[::4] + kat.sha(algorithm, "Long")[::4]
    assert vectors[0].bits == 0
    paths = []
    for v in vectors:
        path = tmp_path / f"{v.index}-{v.bits}.bin"
        path.write_bytes(v.message)
        paths.append(path)
        assert digest_file(algorithm, path) == v.digest, f"{algorithm} {path.name}"
        assert digest_file(algorithm, str(path)) == v.digest
    assert digest_files(algorithm, paths) == [v.digest for v in vectors]
    assert digest_files(algorithm, [str(p) for p in reversed(paths)]) == [
        v.digest for v in reversed(vectors)
    ]


# --------------------------------------------------------------------------------------------
# hashlib as an oracle: sizes around the GIL threshold and the file chunk
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", HASHES)
def test_sizes_around_thresholds_match_hashlib(algorithm: str) -> None:
    data = _random_bytes(7, 3 * MIB + 5)
    # Padding edges of the 64- and 128-byte blocks, the GIL threshold, and a large input.
    block_edges = [0, 1, 55, 56, 63, 64, 111, 112, 127, 128]
    for size in [*block_edges, DETACH_BYTES - 1, DETACH_BYTES, DETACH_BYTES + 1, len(data)]:
        part = data[:size]
        assert digest(algorithm, part) == hashlib.new(algorithm, part).digest(), size


@pytest.mark.parametrize("algorithm", HASHES)
def test_streaming_big_chunks_matches_hashlib(algorithm: str) -> None:
    """Updates on both sides of the 64 KiB GIL threshold, in one state."""
    data = _random_bytes(11, 2 * MIB + 333)
    rng = random.Random(algorithm)
    h = Hasher(algorithm)
    reference = hashlib.new(algorithm)
    for chunk in _chunked(data, rng, max_chunk=3 * DETACH_BYTES):
        h.update(chunk)
        reference.update(chunk)
    assert h.digest() == reference.digest()


@pytest.mark.parametrize("algorithm", HASHES)
def test_digest_file_chunk_boundaries(algorithm: str, tmp_path: Path) -> None:
    data = _random_bytes(13, 3 * FILE_CHUNK + 5)
    sizes = [0, 1, FILE_CHUNK - 1, FILE_CHUNK, FILE_CHUNK + 1, 2 * FILE_CHUNK, len(data)]
    paths = []
    for size in sizes:
        path = tmp_path / f"f{size}"
        path.write_bytes(data[:size])
        paths.append(path)
        expected = hashlib.new(algorithm, data[:size]).digest()
        assert digest_file(algorithm, path) == expected, size
    assert digest_files(algorithm, paths) == [
        hashlib.new(algorithm, data[:s]).digest() for s in sizes
    ]


def test_digest_files_many_files_keep_input_order(tmp_path: Path) -> None:
    rng = random.Random(5)
    paths = []
    expected = []
    for i in range(64):
        content = rng.randbytes(rng.randint(0, 40_000))
        path = tmp_path / f"{i:02d}"
        path.write_bytes(content)
        paths.append(path)
        expected.append(hashlib.sha256(content).digest())
    order = list(range(64))
    rng.shuffle(order)
    assert digest_files("sha256", [paths[i] for i in order]) == [expected[i] for i in order]
    assert digest_files("sha256", [paths[0], paths[0]]) == [expected[0], expected[0]]
    assert digest_files("sha256", []) == []


def test_digest_files_accepts_any_iterable(tmp_path: Path) -> None:
    path = tmp_path / "a"
    path.write_bytes(b"abc")
    want = hashlib.sha1(b"abc").digest()
    assert digest_files("sha1", (p for p in [path, path])) == [want, want]


# --------------------------------------------------------------------------------------------
# Hasher behaviour (hashlib's shape)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", HASHES)
def test_hasher_attributes(algorithm: str) -> None:
    h = Hasher(algorithm)
    assert h.name == algorithm
    assert h.digest_size == SIZES[algorithm]
    assert len(h.digest()) == SIZES[algorithm]
    assert h.hexdigest() == hashlib.new(algorithm).hexdigest()
    assert h.hexdigest() == h.hexdigest().lower()


@pytest.mark.parametrize(
    ("alias", "name"),
    [("SHA256", "sha256"), ("sha-256", "sha256"), ("SHA-1", "sha1"), ("Sha-512", "sha512")],
)
def test_hash_name_aliases(alias: str, name: str) -> None:
    assert Hasher(alias).name == name
    assert digest(alias, b"abc") == hashlib.new(name, b"abc").digest()  # type: ignore[arg-type]


def test_hasher_digest_does_not_finalize() -> None:
    h = Hasher("sha256", b"ab")
    first = h.digest()
    assert h.digest() == first
    assert h.hexdigest() == first.hex()
    h.update(b"c")
    assert h.digest() == hashlib.sha256(b"abc").digest()


def test_hasher_copy_is_independent() -> None:
    h = Hasher("sha384", b"common prefix ")
    c = h.copy()
    h.update(b"left")
    c.update(b"right")
    assert h.digest() == hashlib.sha384(b"common prefix left").digest()
    assert c.digest() == hashlib.sha384(b"common prefix right").digest()
    assert c.name == "sha384"


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

UNKNOWN = ["md5", "sha224", "sha3-256", "sha512-256", "", "sha"]


@pytest.mark.parametrize("name", UNKNOWN)
def test_unknown_hash_is_unsupported(name: str, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    calls: list[Callable[[], object]] = [
        lambda: digest(name, b"x"),  # type: ignore[arg-type]
        lambda: hexdigest(name, b"x"),  # type: ignore[arg-type]
        lambda: Hasher(name),
        lambda: digest_file(name, path),  # type: ignore[arg-type]
        lambda: digest_files(name, [path]),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(UnsupportedAlgorithm) as info:
            call()
        assert isinstance(info.value, ValueError)


def test_unknown_hash_wins_over_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        digest_file("md5", tmp_path / "missing")  # type: ignore[arg-type]


def test_digest_file_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "file"
    with pytest.raises(FileAccessError) as info:
        digest_file("sha256", missing)
    err = info.value
    assert isinstance(err, OSError)
    assert isinstance(err, XrsimError)
    assert err.errno == errno.ENOENT
    assert err.filename == str(missing)
    assert err.strerror


def test_digest_file_directory(tmp_path: Path) -> None:
    with pytest.raises(FileAccessError) as info:
        digest_file("sha1", tmp_path)
    assert info.value.errno == errno.EISDIR
    assert info.value.filename == str(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_digest_file_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"x")
    path.chmod(0)
    with pytest.raises(FileAccessError) as info:
        digest_file("sha256", path)
    assert info.value.errno == errno.EACCES


def test_digest_files_one_missing(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.write_bytes(b"abc")
    missing = tmp_path / "missing"
    with pytest.raises(FileAccessError) as info:
        digest_files("sha256", [good, missing, good])
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == str(missing)


def test_digest_files_reports_the_first_failure_in_input_order(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.write_bytes(b"abc")
    paths = [good] * 20 + [tmp_path / "first-missing", good, tmp_path / "second-missing"]
    with pytest.raises(FileAccessError) as info:
        digest_files("sha512", paths)
    assert info.value.filename == str(tmp_path / "first-missing")
    with pytest.raises(FileAccessError) as info:
        digest_files("sha512", [tmp_path, tmp_path / "missing"])
    assert info.value.errno == errno.EISDIR


# --------------------------------------------------------------------------------------------
# The GIL and threads
# --------------------------------------------------------------------------------------------


def test_large_digest_releases_the_gil(gil_probe: Any) -> None:
    data = _random_bytes(17, 32 * MIB)
    gil_probe(lambda: digest("sha512", data)).assert_released()


def test_large_update_releases_the_gil(gil_probe: Any) -> None:
    data = _random_bytes(19, 32 * MIB)
    hashers: list[Hasher] = []

    def update() -> None:
        hashers.append(Hasher("sha512"))
        hashers[-1].update(data)

    gil_probe(update).assert_released()
    assert hashers[-1].digest() == hashlib.sha512(data).digest()


def test_digest_file_and_files_release_the_gil(gil_probe: Any, tmp_path: Path) -> None:
    data = _random_bytes(23, 32 * MIB)
    path = tmp_path / "big"
    path.write_bytes(data)
    gil_probe(lambda: digest_file("sha512", path)).assert_released()
    gil_probe(lambda: digest_files("sha512", [path, path])).assert_released()


def test_hashers_in_parallel_threads() -> None:
    """Each thread streams into its own Hasher (updates of 256 KiB: GIL released)."""
    data = _random_bytes(29, 4 * MIB)
    results: dict[int, bytes] = {}
    barrier = threading.Barrier(4)

    def work(i: int) -> None:
        h = Hasher("sha256", bytes([i]))
        barrier.wait()
        for pos in range(0, len(data), 256 * 1024):
            h.update(data[pos : pos + 256 * 1024])
        results[i] = h.digest()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {i: hashlib.sha256(bytes([i]) + data).digest() for i in range(4)}


def test_one_hasher_shared_by_threads() -> None:
    chunk = b"\xa5" * (1 << 21)
    h = Hasher("sha256")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work() -> None:
        barrier.wait()
        try:
            for _ in range(16):
                h.update(chunk)
        except BaseException as exc:  # any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert h.digest() == hashlib.sha256(chunk * 32).digest()

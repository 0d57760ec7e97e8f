"""xrsim.crypto.rpm: RPM packages built, signed, read, verified and extracted by the Rust core.
Expected digests come from hashlib over the contents the test chose; the judges with the real
rpm are in tests/integration/test_rpm_peer.py."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from xrsim.crypto import rpm
from xrsim.errors import InvalidInput, InvalidKey, InvalidPackage, InvalidSignature, KeySizeError

PREFIX = "/opt/cisco/XR/packages/demo-1.2.3-r731"
FILES = {
    f"{PREFIX}/bin/demo": (b"\x7fELF demo binary\n" * 40, 0o755),
    f"{PREFIX}/etc/demo.conf": (b"key = value\n", 0o644),
    f"{PREFIX}/lib/libdemo.so.1": (bytes(range(256)) * 9, 0o755),
}


@pytest.fixture(scope="module")
def key() -> rpm.SigningKey:
    return rpm.generate_signing_key("xrsim unit test <unit@example.invalid>", created=1600000000)


@pytest.fixture(scope="module")
def other_key() -> rpm.SigningKey:
    return rpm.generate_signing_key("someone else <else@example.invalid>", created=1600000000)


def _build(key: rpm.SigningKey | None, **overrides: object) -> bytes:
    args: dict[str, object] = {
        "name": "demo",
        "version": "1.2.3",
        "release": "r731",
        "arch": "x86_64",
        "summary": "a demo package",
        "vendor": "xrsim tests",
        "build_time": 1600000000,
        "dirs": [rpm.DirSpec(PREFIX), rpm.DirSpec(f"{PREFIX}/bin")],
        "files": [rpm.FileSpec(p, c, m) for p, (c, m) in FILES.items()],
        "signing_key": key,
    }
    args.update(overrides)
    return rpm.build(**args)  # type: ignore[arg-type]


def test_key_has_an_id_and_armored_halves(key: rpm.SigningKey) -> None:
    assert len(key.key_id) == 16
    assert int(key.key_id, 16) >= 0
    assert key.public_armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert "PRIVATE KEY" in key.secret_armored
    assert rpm.key_id_of(key.public_armored) == key.key_id == rpm.key_id_of(key.secret_armored)
    assert key.fingerprint.endswith(key.key_id)  # v4: the key ID is the fingerprint's tail
    assert key.secret_armored not in repr(key)


def test_key_sizes_and_bad_keys() -> None:
    with pytest.raises(KeySizeError):
        rpm.generate_signing_key("x <x@example.invalid>", bits=1024)
    with pytest.raises(InvalidKey):
        rpm.key_id_of("not a key")


def test_header_holds_what_was_built(key: rpm.SigningKey) -> None:
    h = rpm.read(_build(key))
    assert (h.name, h.version, h.release, h.arch) == ("demo", "1.2.3", "r731", "x86_64")
    assert h.nvr == "demo-1.2.3-r731"
    assert h.digest_algorithm == rpm.DIGEST_SHA256
    assert h.key_id == key.key_id
    assert h.vendor == "xrsim tests"
    assert h.build_time == 1600000000
    regular = {f.path: f for f in h.files if f.is_regular}
    assert set(regular) == set(FILES)
    for path, (content, mode) in FILES.items():
        f = regular[path]
        assert f.digest == hashlib.sha256(content).hexdigest()
        assert f.size == len(content)
        assert stat.S_IMODE(f.mode) == mode
        assert (f.user, f.group) == ("root", "root")
    dirs = {f.path for f in h.files if f.is_dir}
    assert dirs == {PREFIX, f"{PREFIX}/bin"}
    assert all(f.digest == "" for f in h.files if f.is_dir)
    assert h.size == sum(len(c) for c, _ in FILES.values())


def test_same_spec_same_header(key: rpm.SigningKey) -> None:
    one, two = rpm.read(_build(key)), rpm.read(_build(key))
    assert one == two


def test_verify_with_the_signing_key_and_not_another(
    key: rpm.SigningKey, other_key: rpm.SigningKey
) -> None:
    data = _build(key)
    assert rpm.verify(data, [key.public_armored]).key_id == key.key_id
    assert rpm.verify(data, [other_key.public_armored, key.public_armored]).nvr == "demo-1.2.3-r731"
    with pytest.raises(InvalidSignature):
        rpm.verify(data, [other_key.public_armored])


def test_unsigned_package(key: rpm.SigningKey) -> None:
    data = _build(None)
    assert rpm.read(data).key_id is None
    assert rpm.verify(data).key_id is None  # digests only
    with pytest.raises(InvalidSignature):
        rpm.verify(data, [key.public_armored])


@pytest.mark.parametrize("where", ["header", "payload"])
def test_tampered_package_is_invalid(key: rpm.SigningKey, tmp_path: Path, where: str) -> None:
    data = bytearray(_build(key))
    # The payload is the gzip stream at the end; the header lies between the signature header
    # and it: flip a byte in the middle of the main header's store, or near the end.
    at = len(data) - 40 if where == "payload" else data.find(b"a demo package")
    assert at > 0
    data[at] ^= 0x20
    with pytest.raises(InvalidPackage):
        rpm.verify(bytes(data), [key.public_armored])
    root = tmp_path / "node"
    root.mkdir()
    with pytest.raises(InvalidPackage):
        rpm.extract(bytes(data), [root])
    assert list(root.iterdir()) == []  # nothing written


@pytest.mark.parametrize("data", [b"", b"not an rpm at all", b"\xed\xab\xee\xdb" + b"\0" * 200])
def test_garbage_is_invalid(data: bytes) -> None:
    with pytest.raises(InvalidPackage):
        rpm.read(data)


def test_truncated_is_invalid(key: rpm.SigningKey) -> None:
    data = _build(key)
    with pytest.raises(InvalidPackage):
        rpm.verify(data[: len(data) // 2])


@pytest.mark.parametrize("path", ["relative/file", "/opt/../etc/passwd", "/opt/x/", ""])
def test_build_refuses_paths_that_are_not_absolute_and_normal(path: str) -> None:
    with pytest.raises(InvalidInput):
        _build(None, files=[rpm.FileSpec(path, b"x")], dirs=[])


def test_payload_gives_the_contents(key: rpm.SigningKey) -> None:
    got = dict(rpm.payload(_build(key)))
    assert got == {p: c for p, (c, _) in FILES.items()}


def test_extract_onto_several_roots(key: rpm.SigningKey, tmp_path: Path) -> None:
    roots = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    for r in roots:
        r.mkdir()
    assert rpm.extract(_build(key), roots) == len(FILES)
    for r in roots:
        for path, (content, mode) in FILES.items():
            real = r / path.lstrip("/")
            assert real.read_bytes() == content
            assert stat.S_IMODE(real.stat().st_mode) == mode
        assert stat.S_IMODE((r / PREFIX.lstrip("/")).stat().st_mode) == 0o755


def test_extract_replaces_files_and_never_follows_links(
    key: rpm.SigningKey, tmp_path: Path
) -> None:
    root = tmp_path / "node"
    root.mkdir()
    rpm.extract(_build(key), [root])
    outside = tmp_path / "outside"
    outside.write_bytes(b"keep me")
    conf = root / f"{PREFIX}/etc/demo.conf".lstrip("/")
    conf.unlink()
    os.symlink(outside, conf)  # a link planted where a package file belongs
    (root / f"{PREFIX}/bin/demo".lstrip("/")).write_bytes(b"changed")
    rpm.extract(_build(key), [root])
    assert outside.read_bytes() == b"keep me"
    assert not conf.is_symlink()
    assert conf.read_bytes() == b"key = value\n"
    assert (root / f"{PREFIX}/bin/demo".lstrip("/")).read_bytes() == FILES[f"{PREFIX}/bin/demo"][0]


def test_extract_refuses_a_linked_directory(key: rpm.SigningKey, tmp_path: Path) -> None:
    root = tmp_path / "node"
    (root / "opt/cisco/XR/packages").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, root / PREFIX.lstrip("/"))
    with pytest.raises(InvalidInput):
        rpm.extract(_build(key), [root])
    assert list(elsewhere.iterdir()) == []

"""Known Good Values (``xrsim.integrity.kgv``): made from packages, signed by the simulated
vendor root key, verified (by xrsim and by ``openssl dgst``), refused when damaged, and
checked against a router's fingerprints; ``xrsim kgv`` writes one for a platform."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from support import mounted_tmpfs
from xrsim.chassis.sudi import ROOT_CERT, ROOT_KEY, VendorCA
from xrsim.crypto import generate_key
from xrsim.errors import FileAccessError, InvalidInput, InvalidSignature
from xrsim.integrity import kgv
from xrsim.integrity.fingerprint import NO_FINGERPRINT, install_fingerprint
from xrsim.integrity.packages import Package, PackageFile

CREATED = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def hashlib_fingerprint(files: dict[str, bytes]) -> str:
    """The rule of docs/formats.md, independently of xrsim."""
    records = sorted(
        p.encode() + b"\0" + hashlib.sha256(c).hexdigest().encode() + b"\n"
        for p, c in files.items()
    )
    return hashlib.sha1(b"".join(records)).hexdigest()


def package(name: str, contents: dict[str, bytes], version: str = "7.3.1") -> Package:
    nvr = f"{name}-{version}-r731"
    prefix = f"/opt/cisco/XR/packages/{nvr}"
    files = tuple(
        PackageFile(
            path=f"{prefix}/{rel}",
            digest=hashlib.sha256(data).hexdigest(),
            size=len(data),
            mode=0o100644,
        )
        for rel, data in contents.items()
    )
    # a directory entry: no digest, not part of the fingerprint
    files += (PackageFile(path=f"{prefix}/bin", digest="", size=0, mode=0o040755),)
    return Package(
        name=name,
        version=version,
        release="r731",
        arch="x86_64",
        gpg_key_id="ddcead3dcb38048d",
        files=files,
        rpm_path=f"/nowhere/{nvr}.x86_64.rpm",
    )


XR = package("ncs5500-xr", {"bin/show_install": b"xr binary", "lib/libinstall.so": b"\x7fELF"})
MCAST = package("ncs5500-mcast", {"bin/mrib": b"multicast", "etc/mcast.conf": b""})


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("vendor")
    VendorCA.open(directory)
    return directory


@pytest.fixture
def root(vendor: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((vendor / ROOT_CERT).read_bytes())


@pytest.fixture
def signed(vendor: Path) -> kgv.SignedKgv:
    return kgv.make(
        [XR, MCAST],
        platform="NCS-55A1-24H",
        family="ncs5500",
        release="7.3.1",
        created=CREATED,
        vendor_dir=vendor,
    )


def test_values_are_the_rule_over_the_header_digests(signed: kgv.SignedKgv) -> None:
    assert dict(signed.kgv.packages) == {
        "ncs5500-mcast-7.3.1-r731": hashlib_fingerprint(
            {
                "/opt/cisco/XR/packages/ncs5500-mcast-7.3.1-r731/bin/mrib": b"multicast",
                "/opt/cisco/XR/packages/ncs5500-mcast-7.3.1-r731/etc/mcast.conf": b"",
            }
        ),
        "ncs5500-xr-7.3.1-r731": hashlib_fingerprint(
            {
                "/opt/cisco/XR/packages/ncs5500-xr-7.3.1-r731/bin/show_install": b"xr binary",
                "/opt/cisco/XR/packages/ncs5500-xr-7.3.1-r731/lib/libinstall.so": b"\x7fELF",
            }
        ),
    }
    assert install_fingerprint(XR) == signed.kgv.get("ncs5500-xr-7.3.1-r731")
    # no regular file: the SHA-1 of nothing
    empty = package("ncs5500-empty", {})
    assert install_fingerprint(empty) == hashlib.sha1(b"").hexdigest()


def test_document_keys_and_signature(signed: kgv.SignedKgv, root: x509.Certificate) -> None:
    doc = json.loads(signed.data)
    assert list(doc) == [
        "format",
        "format-version",
        "platform",
        "family",
        "release",
        "created",
        "signer",
        "fingerprint-rule",
        "signature-algorithm",
        "packages",
    ]
    assert doc["format"] == "xrsim-kgv"
    assert doc["format-version"] == 1
    assert (doc["platform"], doc["family"], doc["release"]) == ("NCS-55A1-24H", "ncs5500", "7.3.1")
    assert doc["created"] == "2026-01-05T10:00:00Z"
    assert doc["signer"] == root.subject.rfc4514_string()
    assert doc["signature-algorithm"] == "rsa-pkcs1v15-sha512"
    assert len(signed.signature) == 256
    back = kgv.verify(signed.data, signed.signature, root)
    assert back == signed.kgv
    assert back.created == CREATED


def test_signature_is_pkcs1v15_sha512_by_the_root(
    signed: kgv.SignedKgv, root: x509.Certificate
) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    public = root.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(signed.signature, signed.data, padding.PKCS1v15(), hashes.SHA512())


@pytest.mark.peer
def test_openssl_verifies_the_written_files(
    signed: kgv.SignedKgv,
    vendor: Path,
    tmp_path: Path,
    require_tool: Callable[[str], str],
) -> None:
    openssl = require_tool("openssl")
    path, sig = kgv.write(tmp_path / "kgv.json", signed)
    assert sig == tmp_path / "kgv.json.sig"
    pub = subprocess.run(
        [openssl, "x509", "-in", str(vendor / ROOT_CERT), "-pubkey", "-noout"],
        capture_output=True,
        check=True,
    ).stdout
    (tmp_path / "root-pub.pem").write_bytes(pub)

    def dgst() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                openssl,
                "dgst",
                "-sha512",
                "-verify",
                "root-pub.pem",
                "-signature",
                str(sig),
                str(path),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    good = dgst()
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "Verified OK"
    path.write_bytes(path.read_bytes().replace(b"ncs5500-xr", b"ncs5500-XR"))
    assert dgst().returncode != 0


def test_load_round_trip_and_file_modes(
    signed: kgv.SignedKgv, root: x509.Certificate, tmp_path: Path
) -> None:
    path, sig = kgv.write(tmp_path / "k.json", signed)
    assert path.read_bytes() == signed.data
    assert sig.read_bytes() == signed.signature
    assert (path.stat().st_mode & 0o777, sig.stat().st_mode & 0o777) == (0o644, 0o644)
    assert kgv.load(path, root=root) == signed.kgv
    # the root as PEM bytes or as the public key works too
    pem = root.public_bytes(__import__("cryptography").hazmat.primitives.serialization.Encoding.PEM)
    assert kgv.load(path, root=pem) == signed.kgv
    moved = tmp_path / "elsewhere.sig"
    shutil.move(sig, moved)
    with pytest.raises(FileAccessError):
        kgv.load(path, root=root)
    assert kgv.load(path, root=root, signature=moved) == signed.kgv


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: d[:-40], id="truncated"),
        pytest.param(lambda d: d.replace(b'"7.3.1"', b'"7.3.2"', 1), id="one-value-changed"),
        pytest.param(lambda d: d + b"\n", id="byte-appended"),
        pytest.param(lambda d: b"", id="empty"),
    ],
)
def test_a_damaged_file_fails_the_signature(
    signed: kgv.SignedKgv, root: x509.Certificate, damage: Callable[[bytes], bytes]
) -> None:
    with pytest.raises(InvalidSignature):
        kgv.verify(damage(signed.data), signed.signature, root)


def test_a_damaged_or_foreign_signature_is_refused(
    signed: kgv.SignedKgv, root: x509.Certificate, tmp_path: Path
) -> None:
    with pytest.raises(InvalidSignature):
        kgv.verify(signed.data, signed.signature[:-1], root)
    with pytest.raises(InvalidSignature):
        kgv.verify(signed.data, bytes(256), root)
    other = VendorCA.open(tmp_path / "other-vendor")
    with pytest.raises(InvalidSignature):
        kgv.verify(signed.data, signed.signature, other.root_cert)
    foreign = kgv.make(
        [XR],
        platform="NCS-55A1-24H",
        family="ncs5500",
        release="7.3.1",
        created=CREATED,
        vendor_dir=tmp_path / "other-vendor",
    )
    with pytest.raises(InvalidSignature):
        kgv.verify(foreign.data, foreign.signature, root)


def _sign(vendor: Path, data: bytes) -> bytes:
    from xrsim.crypto import load_private_key

    return load_private_key((vendor / ROOT_KEY).read_bytes()).sign(data, "sha512")


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(b'{"format": "other"}', id="other-format"),
        pytest.param(b'{"format": "xrsim-kgv", "format-version": 2}', id="newer-version"),
        pytest.param(b'{"format": "xrsim-kgv", "format-version": 1}', id="keys-missing"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
def test_a_signed_file_that_is_not_a_kgv_is_invalid_input(
    vendor: Path, root: x509.Certificate, doc: bytes
) -> None:
    with pytest.raises(InvalidInput):
        kgv.verify(doc, _sign(vendor, doc), root)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("packages", {"ncs5500-xr-7.3.1-r731": "XYZ"}),
        ("packages", {"no spaces-1-2": "0" * 40}),
        ("packages", ["ncs5500-xr-7.3.1-r731"]),
        ("created", "yesterday"),
        ("platform", 5),
        ("signature-algorithm", "rsa-pss-sha256"),
    ],
)
def test_bad_values_in_a_signed_document_are_invalid_input(
    signed: kgv.SignedKgv, vendor: Path, root: x509.Certificate, key: str, value: object
) -> None:
    doc = json.loads(signed.data)
    doc[key] = value
    data = json.dumps(doc).encode()
    with pytest.raises(InvalidInput):
        kgv.verify(data, _sign(vendor, data), root)


def test_check_names_each_verdict(signed: kgv.SignedKgv) -> None:
    good = signed.kgv.get("ncs5500-xr-7.3.1-r731")
    mcast = signed.kgv.get("ncs5500-mcast-7.3.1-r731")
    assert good is not None
    assert mcast is not None
    changed = "1" * 40
    rows = signed.kgv.check(
        [
            ("ncs5500-xr-7.3.1-r731", good, good),
            ("ncs5500-mcast-7.3.1-r731", mcast, changed),
            ("ncs5500-k9sec-7.3.1-r731", changed, changed),
            ("ncs5500-xr-7.3.1-r731", good, NO_FINGERPRINT),
        ]
    )
    assert [(r.nvr, r.install, r.run, r.verdict, r.ok) for r in rows] == [
        ("ncs5500-xr-7.3.1-r731", "match", "match", "match", True),
        ("ncs5500-mcast-7.3.1-r731", "match", "mismatch", "mismatch", False),
        ("ncs5500-k9sec-7.3.1-r731", "missing", "missing", "missing", False),
        ("ncs5500-xr-7.3.1-r731", "match", "not-generated", "not-generated", False),
    ]
    assert rows[1].expected == mcast
    assert rows[2].expected is None


def test_make_refuses_two_packages_of_one_nvr_and_a_vendor_without_root_key(
    vendor: Path, tmp_path: Path
) -> None:
    twin = package("ncs5500-xr", {"bin/show_install": b"another binary"})
    with pytest.raises(InvalidInput):
        kgv.make(
            [XR, twin],
            platform="NCS-55A1-24H",
            family="ncs5500",
            release="7.3.1",
            created=CREATED,
            vendor_dir=vendor,
        )
    keyless = tmp_path / "keyless"
    keyless.mkdir()
    for name in ("root.pem", "subca.pem", "subca.key"):
        shutil.copy(vendor / name, keyless / name)
    with pytest.raises(InvalidInput):
        kgv.make(
            [XR],
            platform="NCS-55A1-24H",
            family="ncs5500",
            release="7.3.1",
            created=CREATED,
            vendor_dir=keyless,
        )
    # a root.key that is not the root certificate's key
    (keyless / ROOT_KEY).write_bytes(generate_key("rsa", bits=2048).to_pkcs8_pem())
    with pytest.raises(InvalidInput):
        kgv.make(
            [XR],
            platform="NCS-55A1-24H",
            family="ncs5500",
            release="7.3.1",
            created=CREATED,
            vendor_dir=keyless,
        )


# -- a full disk: the second file does not fit, nothing is left -------------------------------


@pytest.fixture
def two_page_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of two pages (8 KiB), mounted as root; unmounted at the end."""
    with mounted_tmpfs(tmp_path / "mnt", "8k", mode="0755") as point:
        yield point


def test_write_on_a_full_disk_leaves_neither_file(vendor: Path, two_page_tmpfs: Path) -> None:
    many = [package(f"ncs5500-pkg{i:03d}", {"bin/x": str(i).encode()}) for i in range(80)]
    big = kgv.make(
        many,
        platform="NCS-55A1-24H",
        family="ncs5500",
        release="7.3.1",
        created=CREATED,
        vendor_dir=vendor,
    )
    assert len(big.data) > 4096  # two pages: the signature (one page) fits, the JSON does not
    with pytest.raises(FileAccessError):
        kgv.write(two_page_tmpfs / "kgv.json", big)
    assert list(two_page_tmpfs.iterdir()) == []


# -- xrsim kgv ---------------------------------------------------------------------------------


def test_xrsim_kgv_writes_the_platform_s_signed_kgv_that_a_router_matches(
    vendor: Path,
    root: x509.Certificate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from xrsim.clock import SimClock
    from xrsim.frontends.main import main
    from xrsim.router import Router

    out = tmp_path / "ncs.json"
    assert (
        main(["kgv", "--platform", "NCS-55A1-24H", "-o", str(out), "--vendor-dir", str(vendor)])
        == 0
    )
    printed = capsys.readouterr().out
    assert printed.strip() == f"xrsim kgv: wrote {out} (7 packages) and {out}.sig"
    known = kgv.load(out, root=root)
    assert (known.platform, known.family, known.release) == ("NCS-55A1-24H", "ncs5500", "7.3.1")
    # a router of the platform, its packages from the same vendor, matches it package by package
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))
    with Router.boot("NCS-55A1-24H", clock=SimClock(frozen=True)) as router:
        router.fingerprints.regenerate()
        checks = known.check_report(router.fingerprints.report())
        assert sorted(c.nvr for c in checks) == sorted(known.packages)
        assert all(c.ok for c in checks)


def test_xrsim_kgv_of_rpm_files_and_its_errors(
    vendor: Path,
    root: x509.Certificate,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from xrsim.frontends.main import main
    from xrsim.integrity.packages import VendorRepository, catalog
    from xrsim.platforms import load as load_platform

    repository = VendorRepository.open(vendor)
    rpms = [repository.package(d)[0] for d in catalog(load_platform("ASR-9006"), "7.3.1")][:2]
    out = tmp_path / "mine.json"
    argv = ["kgv", "--platform", "ASR-9006", "-o", str(out), "--vendor-dir", str(vendor)]
    assert main([*argv, "--rpm", str(rpms[0]), "--rpm", str(rpms[1])]) == 0
    known = kgv.load(out, root=root)
    assert len(known.packages) == 2
    assert known.platform == "ASR-9006"
    capsys.readouterr()

    damaged = tmp_path / "damaged.rpm"
    data = bytearray(rpms[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    bad = tmp_path / "bad.json"
    for extra in (["--rpm", str(damaged)], ["--rpm", str(tmp_path / "absent.rpm")]):
        assert main(["kgv", "-o", str(bad), "--vendor-dir", str(vendor), *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith("xrsim kgv: ")
        assert "Traceback" not in err
        assert not bad.exists()
        assert not kgv.signature_path(bad).exists()
    assert main(["kgv", "--platform", "NO-SUCH-PID", "-o", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("xrsim kgv: ")

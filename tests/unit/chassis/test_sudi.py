"""xrsim.chassis.sudi: the simulated vendor CA (made once, shared by parallel processes, or the
installation's own), device certificates (subject, validity, reproducible from the serial), the
chain checked by the OpenSSL CLI, and the nonce-bound signature checked by pyca/cryptography."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature as PycaInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from xrsim.chassis import Chassis, SudiIdentity, VendorCA, nonce_bound_message, vendor_dir
from xrsim.chassis.sudi import DEVICE_NOT_AFTER, ROOT_CERT, SUBCA_CERT, SUBCA_KEY
from xrsim.errors import InvalidInput

SEED_SERIAL = "FOC2104R15R"
EXPECTED_SUBJECT = (
    "subject=serialNumber = PID:NCS-55A1-24H SN:FOC2104R15R, O = Cisco, "
    "OU = ACT-2 Lite SUDI, CN = NCS-55A1-24H"
)


@pytest.fixture
def ncs(tmp_path: Path) -> Chassis:
    return Chassis.open(tmp_path / "ncs", serial=SEED_SERIAL)


@pytest.fixture
def identity(ncs: Chassis) -> SudiIdentity:
    return ncs.sudi()


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def rsa_public(cert: x509.Certificate) -> rsa.RSAPublicKey:
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def fresh_ca_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "own-vendor"
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(directory))
    return directory


# --------------------------------------------------------------------------------------------
# Where the vendor directory is
# --------------------------------------------------------------------------------------------


def test_vendor_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "env"))
    assert vendor_dir(tmp_path / "arg") == tmp_path / "arg"
    assert vendor_dir() == tmp_path / "env"
    monkeypatch.delenv("XRSIM_VENDOR_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert vendor_dir() == tmp_path / "xdg" / "xrsim" / "vendor"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert vendor_dir() == tmp_path / "home" / ".local/share/xrsim/vendor"


def test_sudi_uses_the_environment_vendor_dir(
    identity: SudiIdentity, shared_vendor_dir: Path
) -> None:
    assert (shared_vendor_dir / ROOT_CERT).read_bytes() == pem(identity.root_cert)
    assert (shared_vendor_dir / "devices" / SEED_SERIAL).is_dir()


# --------------------------------------------------------------------------------------------
# The chain
# --------------------------------------------------------------------------------------------


def test_names_say_simulated(identity: SudiIdentity) -> None:
    for cert in (identity.root_cert, identity.subca_cert):
        name = cert.subject.rfc4514_string()
        assert "Simulated" in name
        assert "Cisco" not in name
    assert identity.root_cert.subject.rfc4514_string() == "CN=xrsim Simulated Root CA 2048,O=xrsim"
    assert identity.subca_cert.issuer == identity.root_cert.subject
    assert identity.device_cert.issuer == identity.subca_cert.subject


def test_device_subject_in_der_order(identity: SudiIdentity) -> None:
    attributes = [(a.oid, a.value) for a in identity.device_cert.subject]
    assert attributes == [
        (NameOID.SERIAL_NUMBER, "PID:NCS-55A1-24H SN:FOC2104R15R"),
        (NameOID.ORGANIZATION_NAME, "Cisco"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "ACT-2 Lite SUDI"),
        (NameOID.COMMON_NAME, "NCS-55A1-24H"),
    ]


def test_device_key_and_validity(identity: SudiIdentity) -> None:
    cert = identity.device_cert
    assert identity.device_key.key_type == "rsa"
    assert identity.device_key.bits == 2048
    assert identity.device_key.public_key().to_der() == rsa_public(cert).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert (
        cert.not_valid_after_utc
        == DEVICE_NOT_AFTER
        == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    )
    # FOC2104...: year code 21 (2017), week 04
    assert (
        datetime(2017, 1, 22, tzinfo=UTC)
        <= cert.not_valid_before_utc
        < datetime(2017, 2, 5, tzinfo=UTC)
    )
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert not constraints.value.ca
    subca = identity.subca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert subca.ca
    assert subca.path_length == 0
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha256"


def test_chain_pem_and_der(identity: SudiIdentity) -> None:
    root, subca, device = identity.chain_der()
    assert (root, subca, device) == (
        der(identity.root_cert),
        der(identity.subca_cert),
        der(identity.device_cert),
    )
    loaded = x509.load_pem_x509_certificates(identity.chain_pem())
    assert [der(c) for c in loaded] == [root, subca, device]


def test_chain_verifies_in_pyca(identity: SudiIdentity) -> None:
    identity.device_cert.verify_directly_issued_by(identity.subca_cert)
    identity.subca_cert.verify_directly_issued_by(identity.root_cert)
    identity.root_cert.verify_directly_issued_by(identity.root_cert)


@pytest.mark.peer
def test_openssl_verifies_the_chain_and_prints_the_subject(
    identity: SudiIdentity, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    openssl = require_tool("openssl")
    for name, cert in (
        ("root.pem", identity.root_cert),
        ("subca.pem", identity.subca_cert),
        ("device.pem", identity.device_cert),
    ):
        (tmp_path / name).write_bytes(pem(cert))
    verify = subprocess.run(
        [openssl, "verify", "-CAfile", "root.pem", "-untrusted", "subca.pem", "device.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.strip() == "device.pem: OK"
    subject = subprocess.run(
        [openssl, "x509", "-noout", "-subject", "-in", "device.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert subject.stdout.strip() == EXPECTED_SUBJECT
    # Without the sub-CA the device certificate does not verify: the check can fail.
    alone = subprocess.run(
        [openssl, "verify", "-CAfile", "root.pem", "device.pem"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert alone.returncode != 0


# --------------------------------------------------------------------------------------------
# Nonce-bound signatures
# --------------------------------------------------------------------------------------------


def test_nonce_bound_signature_verifies_with_pyca(identity: SudiIdentity) -> None:
    nonce, data = 1580, b'{"reboot-history": []}'
    signature = identity.sign_nonce_bound(nonce, data)
    message = (
        nonce.to_bytes(8, "big")
        + (1).to_bytes(4, "big")
        + der(identity.root_cert)
        + der(identity.subca_cert)
        + der(identity.device_cert)
        + data
    )
    public = rsa_public(identity.device_cert)
    public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    assert len(signature) == 256
    other_nonce = (nonce + 1).to_bytes(8, "big") + message[8:]
    with pytest.raises(PycaInvalidSignature):
        public.verify(signature, other_nonce, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(PycaInvalidSignature):
        public.verify(signature, message + b" ", padding.PKCS1v15(), hashes.SHA256())


def test_attestation_signature_and_versions(identity: SudiIdentity) -> None:
    public = rsa_public(identity.device_cert)
    chain = identity.chain_der()
    attestation = identity.sign_nonce_bound(2**64 - 1)
    public.verify(
        attestation, nonce_bound_message(2**64 - 1, 1, chain), padding.PKCS1v15(), hashes.SHA256()
    )
    v2 = identity.sign_nonce_bound(7, b"x", version=2)
    public.verify(
        v2,
        b"".join((b"\0" * 7 + b"\7", b"\0\0\0\2", *chain, b"x")),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    assert v2 != identity.sign_nonce_bound(7, b"x", version=1)


@pytest.mark.parametrize(
    ("nonce", "version"), [(-1, 1), (2**64, 1), (1, -1), (1, 2**32), (True, 1), ("1", 1)]
)
def test_nonce_and_version_ranges(identity: SudiIdentity, nonce: object, version: object) -> None:
    with pytest.raises(InvalidInput):
        identity.sign_nonce_bound(nonce, b"", version)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Reproducible from the serial, cached, private
# --------------------------------------------------------------------------------------------


def test_same_serial_gives_the_same_certificate_and_key(ncs: Chassis, tmp_path: Path) -> None:
    first = ncs.sudi()
    twin = Chassis.open(tmp_path / "twin", serial=SEED_SERIAL).sudi()
    assert der(twin.device_cert) == der(first.device_cert)
    assert twin.device_key.to_pkcs8_der() == first.device_key.to_pkcs8_der()
    VendorCA._cache.clear()  # as a new process would: read everything back from disk
    again = Chassis.open(tmp_path / "again", serial=SEED_SERIAL).sudi()
    assert der(again.device_cert) == der(first.device_cert)
    assert again.device_key.to_pkcs8_der() == first.device_key.to_pkcs8_der()
    other = Chassis.open(tmp_path / "other", serial="FOC2104R15S").sudi()
    assert other.device_cert.serial_number != first.device_cert.serial_number
    assert other.device_key.to_pkcs8_der() != first.device_key.to_pkcs8_der()


def test_serial_number_and_validity_come_from_the_chassis_serial(
    ncs: Chassis, shared_vendor_dir: Path
) -> None:
    first = ncs.sudi()
    for path in (shared_vendor_dir / "devices" / SEED_SERIAL).iterdir():
        path.unlink()  # forget the cached certificate: a new key is made
    VendorCA._cache.clear()
    ncs.close()  # power off: the directory is free for the next open
    remade = Chassis.open(ncs.state_dir).sudi()
    assert remade.device_key.to_pkcs8_der() != first.device_key.to_pkcs8_der()
    assert remade.device_cert.serial_number == first.device_cert.serial_number
    assert remade.device_cert.not_valid_before_utc == first.device_cert.not_valid_before_utc
    assert remade.device_cert.subject == first.device_cert.subject


def test_files_are_private_and_complete(identity: SudiIdentity, shared_vendor_dir: Path) -> None:
    files = [p for p in shared_vendor_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.endswith(".tmp")]
    keys = [p for p in files if p.suffix == ".key"]
    assert len(keys) >= 3  # root, sub-CA, at least one device
    for key in keys:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    for cert in (p for p in files if p.suffix == ".pem"):
        assert stat.S_IMODE(cert.stat().st_mode) == 0o644, cert


def test_sudi_is_lazy_and_per_rp(tmp_path: Path, shared_vendor_dir: Path) -> None:
    asr = Chassis.open(tmp_path / "asr", "ASR-9006")
    devices = shared_vendor_dir / "devices" / asr.serial
    assert not devices.exists()
    rsp0, rsp1 = asr.sudi("0/RSP0/CPU0"), asr.sudi("0/RSP1/CPU0")
    assert sorted(p.name for p in devices.iterdir()) == [
        "0_RSP0_CPU0_A9K-RSP880-SE.key",
        "0_RSP0_CPU0_A9K-RSP880-SE.pem",
        "0_RSP1_CPU0_A9K-RSP880-SE.key",
        "0_RSP1_CPU0_A9K-RSP880-SE.pem",
    ]
    assert asr.sudi() is rsp0
    assert der(rsp0.device_cert) != der(rsp1.device_cert)
    serial_attr = rsp1.device_cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0]
    assert serial_attr.value == f"PID:A9K-RSP880-SE SN:{asr.node('0/RSP1/CPU0').serial}"
    asr.switchover()
    assert asr.sudi() is rsp1
    with pytest.raises(InvalidInput, match="not a route processor"):
        asr.sudi("0/0/CPU0")


# --------------------------------------------------------------------------------------------
# The CA: once per installation, shared by parallel processes, or the installation's own
# --------------------------------------------------------------------------------------------

_RACER = textwrap.dedent(
    """
    import hashlib, os, sys, time
    from pathlib import Path
    go = Path(sys.argv[1])
    while not go.exists():
        time.sleep(0.001)
    from cryptography.hazmat.primitives import serialization
    from xrsim.chassis import VendorCA
    ca = VendorCA.open()
    ident = ca.identity(pid="NCS-55A1-24H", serial="FOC2104R15R", node="0/RP0/CPU0",
                        chassis_serial="FOC2104R15R")
    for cert in (ca.root_cert, ca.subca_cert, ident.device_cert):
        print(hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest())
    """
)


def test_parallel_processes_make_one_ca(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    go = tmp_path / "go"
    env = {**os.environ, "XRSIM_VENDOR_DIR": str(vendor)}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(go)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    time.sleep(0.3)  # let every interpreter start and wait for the signal
    go.touch()
    outputs = [racer.communicate(timeout=60)[0] for racer in racers]
    assert [r.returncode for r in racers] == [0, 0, 0]
    assert len(set(outputs)) == 1, outputs
    assert len(outputs[0].split()) == 3
    root_digest = hashlib.sha256(
        x509.load_pem_x509_certificate((vendor / ROOT_CERT).read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    ).hexdigest()
    assert outputs[0].split()[0] == root_digest
    assert not [p for p in vendor.rglob("*.tmp")]


def _own_root(directory: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lab Own Root")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2000, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(9999, 12, 31, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True)
    (directory / "root.pem").write_bytes(pem(cert))
    (directory / "root.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


def test_an_installation_can_bring_its_own_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = fresh_ca_dir(tmp_path, monkeypatch)
    root, _ = _own_root(directory)
    identity = Chassis.open(tmp_path / "s", serial=SEED_SERIAL).sudi()
    assert der(identity.root_cert) == der(root)
    identity.subca_cert.verify_directly_issued_by(root)
    identity.device_cert.verify_directly_issued_by(identity.subca_cert)
    # A complete CA directory (root, sub-CA and its key) is then used as it is.
    VendorCA._cache.clear()
    subca_before = (directory / SUBCA_CERT).read_bytes()
    again = VendorCA.open()
    assert pem(again.subca_cert) == subca_before
    assert (directory / SUBCA_CERT).read_bytes() == subca_before


def test_incomplete_or_mismatched_ca_directories_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity: SudiIdentity
) -> None:
    directory = fresh_ca_dir(tmp_path, monkeypatch)
    directory.mkdir()
    (directory / ROOT_CERT).write_bytes(pem(identity.root_cert))
    with pytest.raises(InvalidInput, match=r"without root\.key"):
        VendorCA.open()
    (directory / SUBCA_CERT).write_bytes(pem(identity.subca_cert))
    with pytest.raises(InvalidInput, match=r"subca\.key"):
        VendorCA.open()
    (directory / SUBCA_KEY).write_bytes(identity.device_key.to_pkcs8_pem())
    with pytest.raises(InvalidInput, match="does not match"):
        VendorCA.open()
    (directory / ROOT_CERT).write_bytes(pem(identity.device_cert))
    with pytest.raises(InvalidInput, match="not issued by"):
        VendorCA.open()


@pytest.mark.parametrize(
    ("pid", "serial", "node"),
    [
        ("NCS 55A1", "FOC1", "0/RP0/CPU0"),
        ("NCS", "FOC/../../x", "0/RP0/CPU0"),
        ("NCS", "FOC1", "../x"),
    ],
)
def test_identity_arguments_are_checked(
    identity: SudiIdentity, pid: str, serial: str, node: str
) -> None:
    ca = VendorCA.open()
    with pytest.raises(InvalidInput):
        ca.identity(pid=pid, serial=serial, node=node, chassis_serial="FOC1")

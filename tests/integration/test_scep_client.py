"""``xrsim.scep`` against the real Debian ``scep`` CA (micromdm scepserver 2.1.0).

The CA runs inside a network namespace this module makes (``ip netns add``, loopback up, no
other link: INTEROP.md's lab rules), started with ``ip netns exec``; the client reaches it on
127.0.0.1 inside that namespace through ``HttpTransport(netns=...)``. The module enrolls fresh
RSA-2048 keys with the challenge password over POST and GET, each request cipher, renews, and
checks every issued certificate with ``openssl verify -CAfile``; then the refusals the CA gives
(wrong challenge: failInfo badRequest; CertPoll and GetCRL: HTTP 500; a URL with no path: 404;
nothing listening: refused). Namespace, depot and process are removed after the module, also
on failure.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AttributeOID, NameOID

from xrsim.errors import HttpStatusError, ScepFailure, TransportError
from xrsim.scep import Capabilities, HttpTransport, Pending, ScepClient
from xrsim.scep.client import transaction_id_for

pytestmark = [pytest.mark.peer, pytest.mark.timeout(120)]

CHALLENGE = "Chall3nge-7391-pw"
PORT = 8080  # inside the namespace: nothing else listens there


@dataclass
class Ca:
    netns: str
    depot: Path
    ca_pem: Path
    log: Path
    openssl: str

    def url(self, path: str = "/scep", port: int = PORT) -> str:
        return f"http://127.0.0.1:{port}{path}"

    def client(
        self, *, capabilities: Capabilities | None = None, path: str = "/scep"
    ) -> ScepClient:
        return ScepClient(
            HttpTransport(self.url(path), netns=self.netns, timeout=10), capabilities=capabilities
        )


def _need_root() -> None:
    if os.geteuid() == 0:
        return
    message = "network namespaces need root (CAP_SYS_ADMIN)"
    if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
        pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires every peer")
    pytest.skip(message)


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def ca(
    require_tool: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ca]:
    scepserver = require_tool("scepserver")
    ip = require_tool("ip")
    openssl = require_tool("openssl")
    _need_root()
    base = tmp_path_factory.mktemp("scep-ca")
    depot = base / "depot"
    netns = f"scep-core-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    log = base / "scepserver.log"
    proc: subprocess.Popen[bytes] | None = None
    _run(ip, "netns", "add", netns)
    try:
        _run(ip, "-n", netns, "link", "set", "lo", "up")
        _run(
            scepserver, "ca", "-init", "-depot", str(depot), "-keySize", "2048",
            "-organization", "lab",
        )  # fmt: skip
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    *(ip, "netns", "exec", netns, scepserver, "-depot", str(depot)),
                    *("-port", str(PORT), "-challenge", CHALLENGE, "-allowrenew", "0"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        lab = Ca(netns, depot, depot / "ca.pem", log, openssl)
        deadline = time.monotonic() + 20
        while True:  # ready when GetCACaps answers
            try:
                lab.client().capabilities()
                break
            except TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"scepserver did not start: {log.read_text(errors='replace')}"
                    ) from None
                time.sleep(0.05)
        yield lab
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        subprocess.run([ip, "netns", "del", netns], check=False, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def rsa_keys() -> list[rsa.RSAPrivateKey]:
    return [rsa.generate_private_key(65537, 2048) for _ in range(2)]


def csr_for(
    key: rsa.RSAPrivateKey, cn: str, password: str = CHALLENGE
) -> x509.CertificateSigningRequest:
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, cn),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lab"),
                ]
            )
        )
        .add_attribute(AttributeOID.CHALLENGE_PASSWORD, password.encode())
        .sign(key, hashes.SHA256())
    )


def openssl_verify(ca: Ca, cert: x509.Certificate, tmp_path: Path) -> None:
    path = tmp_path / f"{cert.serial_number}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out = subprocess.run(
        [ca.openssl, "verify", "-CAfile", str(ca.ca_pem), str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == f"{path}: OK"


def test_capabilities(ca: Ca) -> None:
    caps = ca.client().capabilities()
    assert {"POSTPKIOperation", "Renewal", "SHA-256", "AES", "DES3"} <= caps.names
    assert caps.post
    assert caps.renewal
    assert caps.digest == "sha256"
    assert caps.cipher == "aes128"  # RFC 8894 3.5.2: AES is AES128-CBC


def test_ca_certificate(ca: Ca) -> None:
    certs = ca.client().ca_certificates()
    assert certs.ca == x509.load_pem_x509_certificate(ca.ca_pem.read_bytes())
    assert certs.ra_signer is None
    assert certs.ra_encrypter is None
    assert certs.recipient == certs.verifier == certs.ca
    key = certs.ca.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.key_size == 2048


def test_enroll_over_post(ca: Ca, rsa_keys: list[rsa.RSAPrivateKey], tmp_path: Path) -> None:
    client = ca.client()
    certs = client.ca_certificates()
    key = rsa_keys[0]
    outcome = client.enroll(csr_for(key, "r1.post.lab"), key, certs)
    assert outcome.status == "SUCCESS"
    cert = outcome.certificate
    assert cert is not None
    assert cert.public_key() == key.public_key()
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "r1.post.lab"
    assert cert.issuer == certs.ca.subject
    openssl_verify(ca, cert, tmp_path)


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(["SHA-1"], id="get-des-sha1"),
        pytest.param(["DES3", "SHA-256"], id="get-des3-sha256"),
        pytest.param(["POSTPKIOperation", "AES128", "SHA-256"], id="post-aes128"),
        pytest.param(["POSTPKIOperation", "AES", "SHA-1"], id="post-aes-sha1"),
        pytest.param(["POSTPKIOperation", "AES-256", "SHA-1"], id="post-aes256-sha1"),
    ],
)
def test_enroll_each_method_and_cipher(
    ca: Ca, rsa_keys: list[rsa.RSAPrivateKey], tmp_path: Path, names: list[str]
) -> None:
    """The capabilities given instead of the CA's choose GET or POST, cipher and digest."""
    caps = Capabilities(names)
    client = ca.client(capabilities=caps)
    key = rsa_keys[1]
    cn = f"r2-{caps.cipher}-{caps.digest}-{'post' if caps.post else 'get'}.lab"
    outcome = client.enroll(csr_for(key, cn), key, client.ca_certificates())
    assert outcome.certificate is not None
    assert outcome.certificate.public_key() == key.public_key()
    openssl_verify(ca, outcome.certificate, tmp_path)


def test_renewal(ca: Ca, rsa_keys: list[rsa.RSAPrivateKey], tmp_path: Path) -> None:
    """RenewalReq (the CA offers Renewal), a new key signed with the existing certificate."""
    client = ca.client()
    certs = client.ca_certificates()
    old_key, new_key = rsa_keys
    first = client.enroll(csr_for(old_key, "r3.lab"), old_key, certs).certificate
    assert first is not None
    renewed = client.enroll(
        csr_for(new_key, "r3.lab"),
        new_key,
        certs,
        signer=first,
        signer_key=old_key,
        renewal=True,
    ).certificate
    assert renewed is not None
    assert renewed.public_key() == new_key.public_key()
    assert renewed.serial_number != first.serial_number
    openssl_verify(ca, renewed, tmp_path)


def test_wrong_challenge_is_bad_request(ca: Ca, rsa_keys: list[rsa.RSAPrivateKey]) -> None:
    client = ca.client()
    key = rsa_keys[0]
    with pytest.raises(ScepFailure) as e:
        client.enroll(csr_for(key, "r4.lab", "wrong-password"), key, client.ca_certificates())
    assert e.value.fail_info == "bad request"


def test_what_the_ca_does_not_serve(ca: Ca, rsa_keys: list[rsa.RSAPrivateKey]) -> None:
    client = ca.client()
    certs = client.ca_certificates()
    key = rsa_keys[0]
    cert = client.enroll(csr_for(key, "r5.lab"), key, certs).certificate
    assert cert is not None
    with pytest.raises(HttpStatusError) as e:  # GetCRL: HTTP 500
        client.crl(certs, cert, key)
    assert e.value.status == 500
    pending = Pending(
        transaction_id_for(key.public_key()),
        certs.ca.subject.public_bytes(),
        cert.subject.public_bytes(),
        cert,
        "sha256",
        "aes256",
    )
    with pytest.raises(HttpStatusError) as e:  # CertPoll: HTTP 500
        client.poll(pending, key, certs)
    assert e.value.status == 500


def test_url_without_path_is_pkiclient_exe_which_this_ca_does_not_serve(ca: Ca) -> None:
    with pytest.raises(HttpStatusError) as e:
        ca.client(path="").ca_certificates()
    assert e.value.status == 404
    assert "/cgi-bin/pkiclient.exe" in e.value.reason


def test_nothing_listening(ca: Ca) -> None:
    client = ScepClient(HttpTransport(ca.url(port=PORT + 1), netns=ca.netns, timeout=5))
    with pytest.raises(TransportError):
        client.ca_certificates()

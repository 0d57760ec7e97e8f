"""The OpenSSL CLI judges what ``crypto ca`` makes and accepts.

- Self enrollment (the seed's Trust Insights ``system-trustpoint`` and other key types and
  digests): ``openssl verify`` of the two-tier chain, ``openssl x509 -text`` for key usage,
  basic constraints, lifetimes and signature algorithm.
- Cut-and-paste enrollment against an external CA made here with ``openssl req -x509``:
  authenticate (fingerprint, accept question), enroll (challenge password, CSR that
  ``openssl req -verify`` accepts), ``openssl x509 -req`` signs, ``crypto ca import`` stores;
  usage keys; and every refusal of a pasted certificate, which must leave the state unchanged.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from support import Dialogue
from xrsim.crypto import PrivateKey, generate_key
from xrsim.router import Router

pytestmark = pytest.mark.peer

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
CA_LIMIT = "% The software does not support CA server public keys greater than 2048 bits."
ACCEPT = "Do you accept this certificate? [yes/no]: "
DISPLAY = "Display Certificate Request to terminal? [yes/no]: "
CSR_RE = re.compile(
    r"-----BEGIN CERTIFICATE REQUEST-----\n.*?\n-----END CERTIFICATE REQUEST-----\n", re.S
)
PASSWORD = "Chall3nge-7391-pw"
TYPO = "Chall3nge-7391-pX"
TIMEOUT = 60

TI_NAME = "system-trustpoint"
TI_SUBJECT = "CN=lab1-ads,C=US,ST=CA,L=San Jose,O=cisco systems,OU=ASR"
TI_CA_SUBJECT = "CN=lab1-ca,C=US,ST=CA,L=San Jose,O=cisco systems,OU=ASR"

Boot = Callable[..., Router]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def openssl_run(
    openssl: str, *args: str | Path, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``openssl``; returns the result, whatever the exit status."""
    return subprocess.run(
        [openssl, *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=cwd,
    )


def openssl_ok(openssl: str, *args: str | Path, stdin: str | None = None) -> str:
    done = openssl_run(openssl, *args, stdin=stdin)
    assert done.returncode == 0, f"openssl {args}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def openssl(require_tool: Callable[[str], str]) -> str:
    return require_tool("openssl")


_serials = itertools.count(0x6E)


@dataclass(frozen=True)
class ExternalCA:
    """A CA made with ``openssl req -x509``, signing with ``openssl x509 -req``."""

    openssl: str
    directory: Path
    key: Path
    cert: Path

    @property
    def pem(self) -> str:
        return self.cert.read_text()

    def fingerprint(self) -> str:
        out = openssl_ok(self.openssl, "x509", "-in", self.cert, "-noout", "-fingerprint", "-sha1")
        return out.strip().split("=", 1)[1].replace(":", "").upper()

    def sign(self, csr_pem: str, *, days: int = 30, ext: str | None = None) -> str:
        serial = next(_serials)
        csr = self.directory / f"req-{serial}.csr"
        csr.write_text(csr_pem)
        extfile = self.directory / f"req-{serial}.ext"
        extfile.write_text(
            ext
            or "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "crlDistributionPoints=URI:http://ca.example.com/lab.crl\n"
        )
        out = self.directory / f"cert-{serial}.pem"
        openssl_ok(
            self.openssl, "x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key,
            "-set_serial", str(serial), "-days", str(days), "-sha256", "-extfile", extfile,
            "-out", out,
        )  # fmt: skip
        return out.read_text()


def make_ca(
    openssl: str,
    directory: Path,
    name: str,
    subject: str,
    *,
    key: str = "rsa:2048",
    ca: bool = True,
) -> ExternalCA:
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.pem"
    exts = (
        ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]
        if ca
        else ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature"]
    )
    addext = itertools.chain.from_iterable(("-addext", e) for e in exts)
    openssl_ok(
        openssl, "req", "-x509", "-newkey", key, "-nodes", "-keyout", key_path, "-out", cert_path,
        "-days", "30", "-subj", subject, *addext,
    )  # fmt: skip
    return ExternalCA(openssl, directory, key_path, cert_path)


@pytest.fixture(scope="module")
def cas(openssl: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExternalCA]:
    """The lab CA; its twin (same subject, another key); a 3072-bit CA; a self-signed
    certificate that is not a CA."""
    d = tmp_path_factory.mktemp("external-ca")
    return {
        "lab": make_ca(openssl, d, "lab", "/CN=Lab Root CA/O=xrsim lab"),
        "twin": make_ca(openssl, d, "twin", "/CN=Lab Root CA/O=xrsim lab"),
        "big": make_ca(openssl, d, "big", "/CN=Big Root CA/O=xrsim lab", key="rsa:3072"),
        "not-ca": make_ca(openssl, d, "notca", "/CN=just a leaf", ca=False),
    }


@pytest.fixture
def boot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Boot]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    routers: list[Router] = []

    def start(name: str = "r1", platform: str | None = None, **kwargs: Any) -> Router:
        r = Router.boot(platform, tmp_path / name, **kwargs)
        routers.append(r)
        return r

    yield start
    for r in routers:
        r.shutdown()


@functools.cache
def cached_key(kind: str, size: int | str, n: int = 0) -> PrivateKey:
    del n
    if kind == "ecdsa":
        return generate_key("ecdsa", curve=str(size))  # type: ignore[arg-type]
    if kind == "ed25519":
        return generate_key("ed25519")
    return generate_key(kind, bits=int(size))  # type: ignore[arg-type]


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def enroll_dialogue(passwords: Sequence[str] = ("pw", "pw"), display: str = "yes") -> Dialogue:
    return Dialogue(
        answers={
            "Password": list(passwords),
            "router serial number": "no",
            "Include an IP address": "no",
            "Display Certificate Request": display,
        }
    )


def snapshot(router: Router) -> dict[str, list[tuple[Any, ...]]]:
    """What the state store holds for configuration, keys and certificates."""
    rows = router.chassis.store.snapshot()
    return {t: r for t, r in rows.items() if t not in ("chassis", "reboots", "switchovers")}


def pki_files(router: Router, prefix: str = "pki/") -> list[str]:
    """The stored certificates, named as format 1 kept them (``pki/<tp>/router-general.pem``),
    below ``prefix``."""
    names = [
        f"pki/{tp}/{'ca' if role == 'ca' else 'router-' + role}.pem"
        for tp, role, _ in router.chassis.store.snapshot()["certificates"]
    ]
    return sorted(n for n in names if n.startswith(prefix))


def state_pem(router: Router, relpath: str) -> bytes | None:
    """The stored PEM of ``pki/<tp>/ca.pem`` or ``pki/<tp>/router-<usage>.pem``."""
    _, tp, leaf = relpath.split("/")
    role = leaf.removesuffix(".pem").removeprefix("router-")
    return router.chassis.store.certificate(tp, role)


def stored(router: Router, name: str, leaf: str = "ca.pem") -> x509.Certificate:
    raw = state_pem(router, f"pki/{name}/{leaf}")
    assert raw is not None, f"pki/{name}/{leaf} is not stored"
    return x509.load_pem_x509_certificate(raw)


def write_state_file(router: Router, relpath: str, target: Path) -> Path:
    raw = state_pem(router, relpath)
    assert raw is not None, f"{relpath} is not stored"
    target.write_bytes(raw)
    return target


def same_cert(pem_a: str | bytes, pem_b: str | bytes) -> bool:
    a = pem_a.encode() if isinstance(pem_a, str) else pem_a
    b = pem_b.encode() if isinstance(pem_b, str) else pem_b
    return x509.load_pem_x509_certificate(a) == x509.load_pem_x509_certificate(b)


def spki_of_key(router: Router, label: str, usage: str = "general", kind: str = "rsa") -> bytes:
    (entry,) = [e for e in router.keys.entries(kind) if e.label == label and e.usage == usage]  # type: ignore[arg-type]
    der: bytes = router.keys.load(entry).public_key().to_der()
    return der


def csr_spki(csr_pem: str) -> bytes:
    return (
        x509.load_pem_x509_csr(csr_pem.encode())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def colon_hex(n: int) -> str:
    digits = f"{n:X}"
    digits = "0" * (len(digits) % 2) + digits
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def openssl_dates(openssl: str, cert: Path) -> tuple[datetime, datetime]:
    out = openssl_ok(openssl, "x509", "-in", cert, "-noout", "-startdate", "-enddate")
    values = dict(line.split("=", 1) for line in out.strip().splitlines())

    def parse(text: str) -> datetime:
        return datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT").replace(
            tzinfo=UTC
        )

    return parse(values["notBefore"]), parse(values["notAfter"])


def terminal_trustpoint(
    router: Router, ca: ExternalCA | None = None, *, name: str = "myca", extra: Sequence[str] = ()
) -> None:
    """``myrouter.mydomain.com`` with key ``mykey`` and an ``enrollment terminal`` trustpoint,
    authenticated with ``ca`` when given."""
    router.keys.put("rsa", "mykey", cached_key("rsa", 1024, 1))
    router.configure(
        [
            "hostname myrouter",
            "domain name mydomain.com",
            f"crypto ca trustpoint {name}",
            "enrollment terminal",
            "rsakeypair mykey",
            "subject-name CN=myrouter,O=Cisco Systems",
            *extra,
        ]
    )
    if ca is not None:
        router.cli(f"crypto ca authenticate {name}", answers=Dialogue(ca.pem, {"accept": "yes"}))
        assert state_pem(router, f"pki/{name}/ca.pem") is not None


def request_csrs(router: Router, name: str = "myca") -> list[str]:
    out = router.cli(f"crypto ca enroll {name}", answers=enroll_dialogue())
    return CSR_RE.findall(out)


# --------------------------------------------------------------------------------------------
# Self enrollment judged by OpenSSL
# --------------------------------------------------------------------------------------------

SELF_CASES = {
    # id: (CA key, leaf key, digest, signature algorithm as openssl prints it)
    "seed-rsa-sha256": (("rsa", 2048), ("rsa", 2048), "sha256", "sha256WithRSAEncryption"),
    "rsa-sha384": (("rsa", 2048), ("rsa", 1024), "sha384", "sha384WithRSAEncryption"),
    "rsa-sha512": (("rsa", 1024), ("rsa", 1024), "sha512", "sha512WithRSAEncryption"),
    "ecdsa": (("ecdsa", "nistp384"), ("ecdsa", "nistp256"), "sha384", "ecdsa-with-SHA384"),
    "ed25519": (("ed25519", 256), ("ed25519", 256), "sha256", "ED25519"),
}


@pytest.mark.parametrize("case", list(SELF_CASES))
def test_self_enrollment_chain_judged_by_openssl(
    boot: Boot, openssl: str, tmp_path: Path, case: str
) -> None:
    (ca_kind, ca_size), (leaf_kind, leaf_size), digest, signature = SELF_CASES[case]
    r = boot()
    r.keys.put(ca_kind, "system-root-key", cached_key(ca_kind, ca_size, 1))  # type: ignore[arg-type]
    r.keys.put(leaf_kind, "system-enroll-key", cached_key(leaf_kind, leaf_size, 2))  # type: ignore[arg-type]
    r.configure(
        [
            "domain name domain1",
            f"crypto ca trustpoint {TI_NAME}",
            f"keypair {leaf_kind} system-enroll-key",
            f"ca-keypair {ca_kind} system-root-key",
            f"subject-name {TI_SUBJECT}",
            f"subject-name ca-certificate {TI_CA_SUBJECT}",
            "enrollment url self",
            "key-usage certificate digitalsignature keyagreement dataencipherment",
            "lifetime certificate 300",
            f"message-digest {digest}",
            "key-usage ca-certificate digitalsignature keycertsign crlsign",
            "lifetime ca-certificate 367",
        ]
    )
    r.cli(f"crypto ca authenticate {TI_NAME}")
    answers = Dialogue(
        answers={
            "router serial number": "yes",
            "Include an IP address": "yes",
            "IP Address": "10.1.1.1",
        }
    )
    r.cli(f"crypto ca enroll {TI_NAME}", answers=answers)
    ca = write_state_file(r, f"pki/{TI_NAME}/ca.pem", tmp_path / "ca.pem")
    leaf = write_state_file(r, f"pki/{TI_NAME}/router-general.pem", tmp_path / "leaf.pem")

    verify = openssl_run(openssl, "verify", "-CAfile", ca, leaf)
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.strip() == f"{leaf}: OK"
    # The leaf does not verify against another CA (the check can fail).
    other = openssl_run(openssl, "verify", "-CAfile", leaf, leaf)
    assert other.returncode != 0

    ca_text = openssl_ok(openssl, "x509", "-in", ca, "-noout", "-text")
    leaf_text = openssl_ok(openssl, "x509", "-in", leaf, "-noout", "-text")
    assert re.search(r"X509v3 Basic Constraints: critical\n\s+CA:TRUE\n", ca_text), ca_text
    assert re.search(r"X509v3 Basic Constraints: critical\n\s+CA:FALSE\n", leaf_text), leaf_text
    assert re.search(
        r"X509v3 Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign\n", ca_text
    ), ca_text
    assert re.search(
        r"X509v3 Key Usage: critical\n\s+Digital Signature, Data Encipherment, Key Agreement\n",
        leaf_text,
    ), leaf_text
    for text in (ca_text, leaf_text):
        algorithms = re.findall(r"Signature Algorithm: (\S+)", text)
        assert algorithms == [signature, signature], algorithms

    ca_start, ca_end = openssl_dates(openssl, ca)
    leaf_start, leaf_end = openssl_dates(openssl, leaf)
    assert ca_end - ca_start == timedelta(days=367)
    assert leaf_end - leaf_start == timedelta(days=300)
    assert ca_start <= leaf_start

    subject = openssl_ok(openssl, "x509", "-in", leaf, "-noout", "-subject", "-nameopt", "RFC2253")
    assert "unstructuredAddress=10.1.1.1" in subject
    assert "unstructuredName=router.domain1" in subject
    assert re.search(r"serialNumber=[0-9a-f]{8}", subject), subject
    assert subject.strip().endswith("CN=lab1-ads")
    issuer = openssl_ok(openssl, "x509", "-in", ca, "-noout", "-subject", "-nameopt", "RFC2253")
    assert issuer.strip().endswith("CN=lab1-ca")


def test_leaf_capped_at_the_ca_not_after(boot: Boot, openssl: str, tmp_path: Path) -> None:
    r = boot()
    r.keys.put("rsa", "root", cached_key("rsa", 1024, 3))
    r.keys.put("rsa", "leaf", cached_key("rsa", 1024, 4))
    r.configure(
        [
            "crypto ca trustpoint short",
            "enrollment url self",
            "ca-keypair rsa root",
            "keypair rsa leaf",
            "serial-number none",
            "ip-address none",
            "lifetime ca-certificate 30",
            "lifetime certificate 400",
        ]
    )
    r.cli("crypto ca authenticate short")
    r.cli("crypto ca enroll short")
    ca = write_state_file(r, "pki/short/ca.pem", tmp_path / "ca.pem")
    leaf = write_state_file(r, "pki/short/router-general.pem", tmp_path / "leaf.pem")
    ca_start, ca_end = openssl_dates(openssl, ca)
    _, leaf_end = openssl_dates(openssl, leaf)
    assert ca_end - ca_start == timedelta(days=30)
    assert leaf_end == ca_end
    assert openssl_run(openssl, "verify", "-CAfile", ca, leaf).returncode == 0


# --------------------------------------------------------------------------------------------
# Cut and paste against an OpenSSL CA
# --------------------------------------------------------------------------------------------


def test_cut_and_paste_enrollment(
    boot: Boot,
    openssl: str,
    cas: dict[str, ExternalCA],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    lab = cas["lab"]
    r = boot()
    terminal_trustpoint(r)
    transcript = ""

    # authenticate, refused at the question: nothing stored.
    before = snapshot(r)
    d = Dialogue(lab.pem, {"accept": "no"})
    out = r.cli("crypto ca authenticate myca", answers=d)
    transcript += out
    assert d.prompts.count(ACCEPT) == 1
    assert d.prompts[-1] == ACCEPT
    lines = [ln.strip() for ln in body(out)]
    assert lines[lines.index("SHA1 Fingerprint:") + 1] == lab.fingerprint()
    assert snapshot(r) == before

    # authenticate, accepted.
    out = r.cli("crypto ca authenticate myca", answers=Dialogue(lab.pem, {"accept": "yes"}))
    transcript += out
    assert same_cert(state_pem(r, "pki/myca/ca.pem") or b"", lab.pem)
    authenticated = snapshot(r)

    # enroll: the challenge password twice (a typo first), the subject questions, the CSR.
    d = enroll_dialogue(passwords=(PASSWORD, TYPO, PASSWORD, PASSWORD))
    out = r.cli("crypto ca enroll myca", answers=d)
    transcript += out
    assert d.prompts[:4] == ["Password: ", "Re-enter Password: "] * 2
    assert d.prompts[4:] == [
        "% Include the router serial number in the subject name? [yes/no]: ",
        "% Include an IP address in the subject name? [yes/no]: ",
        DISPLAY,
    ]
    lines = [" ".join(ln.split()) for ln in body(out)]
    for seed_line in (
        "% Start certificate enrollment ...",
        "% Create a challenge password. You will need to verbally provide this",
        "% For security reasons your password will not be saved in the configuration.",
        "% Please make a note of it.",
        "% The subject name in the certificate will include: CN=myrouter,O=Cisco Systems",
        "% The subject name in the certificate will include: myrouter.mydomain.com",
    ):
        assert seed_line in lines
    assert "Password:" in lines  # nothing echoed after the hidden prompts
    assert "Re-enter Password:" in lines
    (csr,) = CSR_RE.findall(out)
    verify = openssl_run(openssl, "req", "-verify", "-noout", stdin=csr)
    assert verify.returncode == 0, verify.stderr
    assert "verify OK" in verify.stderr + verify.stdout
    text = openssl_ok(openssl, "req", "-noout", "-text", stdin=csr)
    assert re.search(r"challengePassword\s*:\s*" + re.escape(PASSWORD) + r"\n", text), text
    subject = openssl_ok(openssl, "req", "-noout", "-subject", "-nameopt", "RFC2253", stdin=csr)
    expected = "subject=unstructuredName=myrouter.mydomain.com,O=Cisco Systems,CN=myrouter"
    assert subject.strip() == expected
    assert csr_spki(csr) == spki_of_key(r, "mykey")
    assert snapshot(r) == authenticated  # a request stores nothing

    # The CA signs it; import stores it.
    signed = lab.sign(csr)
    out = r.cli("crypto ca import myca certificate", answers=Dialogue(signed))
    transcript += out
    assert same_cert(state_pem(r, "pki/myca/router-general.pem") or b"", signed)
    ca_file = write_state_file(r, "pki/myca/ca.pem", tmp_path / "ca.pem")
    leaf_file = write_state_file(r, "pki/myca/router-general.pem", tmp_path / "leaf.pem")
    verify = openssl_run(openssl, "verify", "-CAfile", ca_file, leaf_file)
    assert verify.returncode == 0, verify.stderr

    # show crypto ca certificates: the OpenSSL view of both certificates.
    shown = [ln.strip() for ln in body(r.cli("show crypto ca certificates myca"))]
    transcript += "\n".join(shown)
    leaf_fp = openssl_ok(openssl, "x509", "-in", leaf_file, "-noout", "-fingerprint", "-sha1")
    leaf_serial = openssl_ok(openssl, "x509", "-in", leaf_file, "-noout", "-serial")
    fingerprints = [shown[i + 1] for i, ln in enumerate(shown) if ln == "SHA1 Fingerprint:"]
    assert fingerprints == [lab.fingerprint(), leaf_fp.strip().split("=")[1].replace(":", "")]
    serials = [" ".join(ln.split()) for ln in shown if ln.startswith("Serial Number")]
    assert serials[1] == f"Serial Number : {colon_hex(int(leaf_serial.strip().split('=')[1], 16))}"
    assert [" ".join(ln.split()) for ln in shown if ln.startswith(("Key usage", "Status"))] == [
        "Key usage : General Purpose",
        "Status : Available",
    ]
    crl = shown.index("CRL Distribution Point")
    assert shown[crl + 1] == "http://ca.example.com/lab.crl"
    assert " ".join(shown[-1].split()) == "Associated Trustpoint: myca"

    # The challenge password is nowhere but in the request.
    running = r.cli("show running-config")
    transcript += running
    for secret in (PASSWORD, TYPO):
        assert secret not in transcript
        assert secret not in caplog.text
        for path in (tmp_path / "r1").rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("first", ["signing", "encryption"])
def test_usage_keys_two_requests_two_imports(
    boot: Boot, openssl: str, cas: dict[str, ExternalCA], first: str
) -> None:
    r = boot()
    r.keys.put("rsa", "uk", cached_key("rsa", 1024, 5), usage="signing")
    r.keys.put("rsa", "uk", cached_key("rsa", 1024, 6), usage="encryption")
    r.configure(
        ["crypto ca trustpoint usage", "enrollment terminal", "rsakeypair uk", "serial-number none"]
    )
    r.cli("crypto ca authenticate usage", answers=Dialogue(cas["lab"].pem, {"accept": "yes"}))
    csrs = request_csrs(r, "usage")
    assert len(csrs) == 2
    by_usage = {}
    for csr in csrs:
        assert openssl_run(openssl, "req", "-verify", "-noout", stdin=csr).returncode == 0
        usage = next(
            u for u in ("signing", "encryption") if csr_spki(csr) == spki_of_key(r, "uk", u)
        )
        by_usage[usage] = cas["lab"].sign(csr)
    assert set(by_usage) == {"signing", "encryption"}
    second = "encryption" if first == "signing" else "signing"
    r.cli("crypto ca import usage certificate", answers=Dialogue(by_usage[first]))
    assert [p for p in pki_files(r, "pki/usage") if "router-" in p] == [
        f"pki/usage/router-{first}.pem"
    ]
    r.cli("crypto ca import usage certificate", answers=Dialogue(by_usage[second]))
    for usage, pem in by_usage.items():
        assert same_cert(state_pem(r, f"pki/usage/router-{usage}.pem") or b"", pem)
    shown = [" ".join(ln.split()) for ln in body(r.cli("show crypto ca certificates usage"))]
    assert shown.count("Router certificate") == 2
    label = {"signing": "Signature", "encryption": "Encryption"}
    for usage, pem in by_usage.items():
        cert = x509.load_pem_x509_certificate(pem.encode())
        serial = colon_hex(cert.serial_number)
        start = shown.index(f"Key usage : {label[usage]}")
        assert shown[start + 1] == "Status : Available"
        assert shown[start + 2] == f"Serial Number : {serial}"


@pytest.mark.parametrize("key", [("ecdsa", "nistp256"), ("ed25519", 256)], ids=["ecdsa", "ed25519"])
def test_terminal_request_for_other_key_types(
    boot: Boot, openssl: str, cas: dict[str, ExternalCA], tmp_path: Path, key: tuple[str, str]
) -> None:
    kind, size = key
    r = boot()
    r.keys.put(kind, "k", cached_key(kind, size, 7))  # type: ignore[arg-type]
    r.configure(["crypto ca trustpoint other", "enrollment terminal", f"keypair {kind} k"])
    r.cli("crypto ca authenticate other", answers=Dialogue(cas["lab"].pem, {"accept": "yes"}))
    (csr,) = request_csrs(r, "other")
    assert openssl_run(openssl, "req", "-verify", "-noout", stdin=csr).returncode == 0
    assert csr_spki(csr) == spki_of_key(r, "k", kind=kind)
    r.cli(
        "crypto ca import other certificate",
        answers=Dialogue(cas["lab"].sign(csr, ext="basicConstraints=critical,CA:FALSE\n")),
    )
    ca = write_state_file(r, "pki/other/ca.pem", tmp_path / "ca.pem")
    leaf = write_state_file(r, "pki/other/router-general.pem", tmp_path / "leaf.pem")
    assert openssl_run(openssl, "verify", "-CAfile", ca, leaf).returncode == 0


# --------------------------------------------------------------------------------------------
# Refusals of pasted certificates leave the state unchanged
# --------------------------------------------------------------------------------------------


def refused(router: Router, command: str, answers: Dialogue) -> str:
    """Run a command that must be refused: prints a % line and changes no state."""
    before = snapshot(router)
    out = router.cli(command, answers=answers)
    assert any(ln.startswith("% ") for ln in body(out)), out
    assert snapshot(router) == before
    return out


def test_import_refuses_a_certificate_for_another_key(
    boot: Boot, openssl: str, cas: dict[str, ExternalCA], tmp_path: Path
) -> None:
    r = boot()
    terminal_trustpoint(r, cas["lab"])
    stranger = openssl_ok(
        openssl, "req", "-new", "-newkey", "rsa:1024", "-nodes", "-keyout",
        tmp_path / "stranger.key", "-subj", "/CN=myrouter/O=Cisco Systems",
    )  # fmt: skip
    cert = cas["lab"].sign(stranger)
    refused(r, "crypto ca import myca certificate", Dialogue(cert))
    assert state_pem(r, "pki/myca/router-general.pem") is None


def test_import_refuses_a_certificate_from_another_ca(
    boot: Boot, cas: dict[str, ExternalCA]
) -> None:
    r = boot()
    terminal_trustpoint(r, cas["lab"])
    (csr,) = request_csrs(r)
    # The twin has the lab CA's name but not its key: same issuer name, wrong signature.
    cert = cas["twin"].sign(csr)
    refused(r, "crypto ca import myca certificate", Dialogue(cert))
    assert state_pem(r, "pki/myca/router-general.pem") is None
    # The same request signed by the right CA is accepted (the refusal was about the issuer).
    r.cli("crypto ca import myca certificate", answers=Dialogue(cas["lab"].sign(csr)))
    assert state_pem(r, "pki/myca/router-general.pem") is not None


GARBAGE = {
    "text": "hello world\nthis is not a certificate",
    "truncated-pem": "-----BEGIN CERTIFICATE-----\nMIIBsjCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
    "base64-noise": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
}


@pytest.mark.parametrize("garbage", list(GARBAGE))
@pytest.mark.parametrize(
    "command", ["crypto ca authenticate myca", "crypto ca import myca certificate"]
)
def test_garbage_paste_is_refused(
    boot: Boot, cas: dict[str, ExternalCA], command: str, garbage: str
) -> None:
    r = boot()
    terminal_trustpoint(r, None if "authenticate" in command else cas["lab"])
    d = Dialogue(GARBAGE[garbage], {"accept": "yes"})
    refused(r, command, d)
    assert ACCEPT not in d.prompts


def test_authenticate_refuses_a_non_ca_certificate(boot: Boot, cas: dict[str, ExternalCA]) -> None:
    r = boot()
    terminal_trustpoint(r)
    # A self-signed certificate with CA:FALSE...
    d = Dialogue(cas["not-ca"].pem, {"accept": "yes"})
    refused(r, "crypto ca authenticate myca", d)
    assert ACCEPT not in d.prompts
    # ...and a router certificate issued by the lab CA.
    other = boot("r2")
    terminal_trustpoint(other, cas["lab"])
    (csr,) = request_csrs(other)
    leaf = cas["lab"].sign(csr)
    d = Dialogue(leaf, {"accept": "yes"})
    refused(r, "crypto ca authenticate myca", d)
    assert ACCEPT not in d.prompts
    assert pki_files(r, "pki/") == []


def test_authenticate_refuses_a_3072_bit_ca(boot: Boot, cas: dict[str, ExternalCA]) -> None:
    r = boot()
    terminal_trustpoint(r)
    d = Dialogue(cas["big"].pem, {"accept": "yes"})
    out = refused(r, "crypto ca authenticate myca", d)
    assert CA_LIMIT in body(out)
    assert pki_files(r, "pki/") == []


def test_authenticate_twice_keeps_the_first_ca(boot: Boot, cas: dict[str, ExternalCA]) -> None:
    r = boot()
    terminal_trustpoint(r, cas["lab"])
    refused(r, "crypto ca authenticate myca", Dialogue(cas["twin"].pem, {"accept": "yes"}))
    assert same_cert(state_pem(r, "pki/myca/ca.pem") or b"", cas["lab"].pem)


def test_declined_request_display_stores_nothing(boot: Boot, cas: dict[str, ExternalCA]) -> None:
    r = boot()
    terminal_trustpoint(r, cas["lab"])
    before = snapshot(r)
    out = r.cli("crypto ca enroll myca", answers=enroll_dialogue(display="no"))
    assert CSR_RE.search(out) is None
    assert snapshot(r) == before


def test_terminal_request_with_sha1_digest_is_refused_cleanly(
    boot: Boot, openssl: str, cas: dict[str, ExternalCA]
) -> None:
    # pyca/cryptography no longer signs with SHA-1: xrsim says so, before any question, and
    # stores nothing (IOS XR itself would sign; see docs/features.md).
    r = boot()
    terminal_trustpoint(r, cas["lab"], extra=["message-digest sha1"])
    before = snapshot(r)
    out = r.cli("crypto ca enroll myca", answers=enroll_dialogue())
    assert "Internal error" not in out
    assert "message-digest sha1 is not available for signatures" in out
    assert not CSR_RE.findall(out)
    assert snapshot(r) == before

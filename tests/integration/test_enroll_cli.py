"""``crypto ca authenticate`` and ``crypto ca enroll`` through a booted router's CLI against
real peers inside network namespaces this test makes: the Debian ``scep`` CA (micromdm
scepserver) for SCEP, ``in.tftpd`` (tftpd-hpa) for TFTP, where a test step plays the CA
operator (reads the ``.req``, signs it with a CA made here, writes the ``.crt``).

The router's VRF ``mgmt`` is bound to the peer's namespace (``Router.boot(vrfs=...)``) and the
trustpoint's URL is ``http://127.0.0.1:PORT/scep`` (or ``tftp://127.0.0.1;mgmt/NAME``) inside
it: nothing is sent from the host namespace. Every issued certificate is judged by ``openssl
verify``; every failure is checked to leave the whole state store as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from support import Dialogue
from xrsim.clock import SimClock
from xrsim.crypto import generate_key
from xrsim.errors import NetworkError
from xrsim.net import http, tftp
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(180)]

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CHALLENGE = "s3cret-Challenge"
PREFIX = f"cli-enroll-{os.getpid()}"
_names = itertools.count()


def run(*cmd: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60, **kwargs)


@pytest.fixture
def netns(require_tool: Callable[[str], str]) -> Iterator[Callable[[], str]]:
    """``netns()``: a new network namespace with its loopback up (removed afterwards)."""
    require_tool("ip")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    made: list[str] = []

    def make() -> str:
        n = next(_names)
        name = f"{PREFIX}-{n}"
        run("ip", "netns", "add", name)
        made.append(name)
        run("ip", "-n", name, "link", "set", "lo", "up")
        # One lab address besides loopback (a veth pair inside, no route out): in.tftpd's
        # getaddrinfo(AI_ADDRCONFIG) finds no IPv4 address for 127.0.0.1 without one.
        a, b = f"ce{os.getpid() % 100000}a{n}", f"ce{os.getpid() % 100000}b{n}"
        run("ip", "-n", name, "link", "add", a, "type", "veth", "peer", "name", b)
        run("ip", "-n", name, "addr", "add", f"198.18.250.{n % 250 + 1}/32", "dev", a)
        run("ip", "-n", name, "link", "set", a, "up")
        return name

    yield make
    for name in made:
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=30)


@contextlib.contextmanager
def process(*cmd: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A program started with ``cmd``, killed (and waited for) afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


@dataclass
class ScepCa:
    netns: str
    port: int
    depot: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/scep"

    @property
    def ca_pem(self) -> Path:
        return self.depot / "ca.pem"

    def ca(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.ca_pem.read_bytes())


def wait_http(netns: str, url: str, proc: subprocess.Popen[bytes]) -> None:
    """Until the server at ``url`` answers (a protocol probe from inside ``netns``)."""
    for _ in range(200):
        if proc.poll() is not None:
            raise AssertionError(f"the server exited ({proc.returncode})")
        try:
            http.request("GET", url + "?operation=GetCACaps", netns=netns, timeout=2)
            return
        except NetworkError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def scep_ca(
    tmp_path: Path, netns: Callable[[], str], require_tool: Callable[[str], str]
) -> Iterator[ScepCa]:
    """scepserver (2048-bit CA, challenge ``CHALLENGE``, renewals allowed) in a namespace."""
    server = require_tool("scepserver")
    depot = tmp_path / "depot"
    run(server, "ca", "-init", "-depot", str(depot), "-keySize", "2048", "-organization", "lab")
    ns = netns()
    port = 8080
    with process(
        "ip", "netns", "exec", ns, server, "-depot", str(depot), "-port", str(port),
        "-challenge", CHALLENGE, "-allowrenew", "0",
        log=tmp_path / "scepserver.log",
    ) as proc:  # fmt: skip
        ca = ScepCa(ns, port, depot, proc)
        wait_http(ns, ca.url, proc)
        yield ca


@pytest.fixture
def real_time() -> None:
    """Routers start at the real time: scepserver issues certificates valid from now on."""


@pytest.fixture
def boot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Router]]:
    """``boot(vrfs=..., name="r1")``: a router on a frozen clock (at ``START``, or at the real
    time for tests that use ``real_time``), state in ``tmp_path/name``."""
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    routers: list[Router] = []
    at = START
    if "real_time" in request.fixturenames:
        at = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def start(name: str = "r1", **kwargs: Any) -> Router:
        kwargs.setdefault("clock", SimClock(at, frozen=True))
        r = Router.boot(None, tmp_path / name, hostname="edge1", **kwargs)
        routers.append(r)
        return r

    yield start
    for r in routers:
        r.shutdown()


def trustpoint(router: Router, name: str, url: str, *extra: str) -> None:
    router.configure(
        [
            "domain name lab.example",
            "vrf mgmt",
            f"crypto ca trustpoint {name}",
            f"enrollment url {url}",
            "vrf mgmt",
            "subject-name CN=edge1,O=lab,C=US",
            "rsakeypair enroll-key",
            *extra,
        ]
    )


def enroll_dialogue(password: str = CHALLENGE) -> Dialogue:
    return Dialogue(
        answers={
            "Password": password,
            "router serial number": "no",
            "Include an IP address": "no",
        }
    )


def snapshot(router: Router) -> dict[str, list[tuple[Any, ...]]]:
    rows = router.chassis.store.snapshot()
    return {t: r for t, r in rows.items() if t not in ("chassis", "reboots", "switchovers")}


def openssl_verify(
    ca: Path, cert: x509.Certificate, tmp_path: Path, at: dt.datetime | None = None
) -> None:
    """``openssl verify`` of ``cert`` against ``ca`` (at ``at``, default now)."""
    leaf = tmp_path / f"leaf-{cert.serial_number}.pem"
    leaf.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    when = () if at is None else ("-attime", str(int(at.timestamp())))
    out = run("openssl", "verify", *when, "-CAfile", str(ca), str(leaf))
    assert out.stdout.strip().endswith(": OK"), out


def spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_spkis(router: Router, label: str) -> list[bytes]:
    return [
        router.keys.load(e).public_key().to_der()
        for e in router.keys.entries("rsa")
        if e.label == label
    ]


def lines(text: str) -> list[str]:
    return [ln.rstrip() for ln in text.splitlines()]


# --------------------------------------------------------------------------------------------
# SCEP against scepserver
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("real_time")
def test_scep_authenticate_and_enroll_inside_the_vrf(
    boot: Callable[..., Router], scep_ca: ScepCa, tmp_path: Path
) -> None:
    router = boot(vrfs={"mgmt": scep_ca.netns})
    router.keys.put("rsa", "enroll-key", generate_key("rsa", bits=2048))
    trustpoint(router, "lab-ca", scep_ca.url)

    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    ca = scep_ca.ca()
    got = lines(out)
    assert (
        "Serial Number  : "
        + ":".join(
            f"{b:02X}" for b in ca.serial_number.to_bytes((ca.serial_number.bit_length() + 7) // 8)
        )
        in got
    ), out
    fingerprint = ca.fingerprint(hashes.SHA1()).hex().upper()  # as IOS XR shows it
    assert f"\t{fingerprint}" in got, out
    assert "Do you accept this certificate? [yes/no]: yes" in got, out
    assert router.certs.ca("lab-ca") == ca

    dialogue = enroll_dialogue()
    out = router.cli("crypto ca enroll lab-ca", answers=dialogue)
    got = lines(out)
    assert got[got.index("% Start certificate enrollment ...") :][:5] == [
        "% Start certificate enrollment ...",
        "% Create a challenge password. You will need to verbally provide this",
        "   password to the CA Administrator in order to revoke your certificate.",
        "% For security reasons your password will not be saved in the configuration.",
        "% Please make a note of it.",
    ], out
    assert any(ln.startswith("Fingerprint: ") and len(ln.split()) == 5 for ln in got), out
    assert "% Certificate received from Certificate Authority" in got, out
    cert = router.certs.router("lab-ca")["general"]
    assert spki(cert) in key_spkis(router, "enroll-key")
    openssl_verify(scep_ca.ca_pem, cert, tmp_path)
    shown = router.cli("show crypto ca certificates lab-ca")
    assert "  Status         : Available" in lines(shown), shown

    # The challenge password went to the CA only: not echoed, not stored anywhere.
    assert CHALLENGE not in out
    assert CHALLENGE not in router.cli("show running-config")
    for table, rows in router.chassis.store.snapshot().items():
        assert CHALLENGE.encode() not in repr(rows).encode(), table
    raw = b"".join(f.read_bytes() for f in router.chassis.store.directory.glob("state.db*"))
    assert CHALLENGE.encode() not in raw


@pytest.mark.usefixtures("real_time")
def test_scep_authenticate_refused_stores_nothing(
    boot: Callable[..., Router], scep_ca: ScepCa
) -> None:
    router = boot(vrfs={"mgmt": scep_ca.netns})
    trustpoint(router, "lab-ca", scep_ca.url)
    before = snapshot(router)
    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "no"})
    assert "% Certificate not accepted." in lines(out), out
    assert snapshot(router) == before


@pytest.mark.usefixtures("real_time")
def test_scep_usage_keys_get_one_certificate_each(
    boot: Callable[..., Router], scep_ca: ScepCa, tmp_path: Path
) -> None:
    router = boot(vrfs={"mgmt": scep_ca.netns})
    router.cli(
        "crypto key generate rsa usage-keys enroll-key",
        answers={"bits": "2048"},
    )
    trustpoint(router, "lab-ca", scep_ca.url)
    router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    out = router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue())
    got = lines(out)
    assert "Signing usage certificate request:" in got, out
    assert "Encryption usage certificate request:" in got, out
    certs = router.certs.router("lab-ca")
    assert sorted(certs) == ["encryption", "signing"], out
    for cert in certs.values():
        openssl_verify(scep_ca.ca_pem, cert, tmp_path)
    assert certs["signing"].public_key() != certs["encryption"].public_key()


@pytest.mark.usefixtures("real_time")
def test_scep_reenroll_with_a_valid_certificate_renews(
    boot: Callable[..., Router], scep_ca: ScepCa, tmp_path: Path
) -> None:
    router = boot(vrfs={"mgmt": scep_ca.netns})
    router.keys.put("rsa", "enroll-key", generate_key("rsa", bits=2048))
    trustpoint(router, "lab-ca", scep_ca.url)
    router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue())
    first = router.certs.router("lab-ca")["general"]
    # scepserver advertises Renewal: the second request is a RenewalReq signed with the
    # first certificate (scepserver checks the challenge of renewals too).
    out = router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue())
    assert "% Certificate received from Certificate Authority" in lines(out), out
    second = router.certs.router("lab-ca")["general"]
    assert second.serial_number != first.serial_number
    openssl_verify(scep_ca.ca_pem, second, tmp_path)


@pytest.mark.usefixtures("real_time")
def test_scep_wrong_challenge_is_refused_and_changes_nothing(
    boot: Callable[..., Router], scep_ca: ScepCa
) -> None:
    router = boot(vrfs={"mgmt": scep_ca.netns})
    router.keys.put("rsa", "enroll-key", generate_key("rsa", bits=2048))
    trustpoint(router, "lab-ca", scep_ca.url)
    router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    before = snapshot(router)
    out = router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue("wrong"))
    failed = [ln for ln in lines(out) if ln.startswith("% Certificate enrollment failed")]
    assert len(failed) == 1, out
    assert "refused the request (bad request)" in failed[0], out
    assert snapshot(router) == before
    # nothing armed (the package fingerprints and the trustpool's automatic update keep their
    # own timers)
    standing = ("fingerprints", "trustpool")
    assert [t for t in router.scheduler.pending() if not any(w in t.name for w in standing)] == []


@pytest.mark.parametrize(("path", "words"), [("/nothing-here", "HTTP 404"), ("", "HTTP 404")])
@pytest.mark.usefixtures("real_time")
def test_scep_url_the_ca_does_not_serve_fails_clearly(
    boot: Callable[..., Router], scep_ca: ScepCa, path: str, words: str
) -> None:
    # No path: the router asks /cgi-bin/pkiclient.exe, which scepserver does not serve.
    router = boot(vrfs={"mgmt": scep_ca.netns})
    trustpoint(router, "lab-ca", f"http://127.0.0.1:{scep_ca.port}{path}")
    before = snapshot(router)
    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    got = lines(out)
    assert got[-2].startswith("% Error in receiving Certificate Authority certificate"), out
    assert got[-1].startswith("% "), out
    assert words in got[-1], out
    assert snapshot(router) == before


@pytest.mark.usefixtures("real_time")
def test_scep_ca_down_and_other_vrf_fail_clearly(
    boot: Callable[..., Router], scep_ca: ScepCa, netns: Callable[[], str]
) -> None:
    # Another VRF, bound to a namespace of its own with no path to the CA.
    elsewhere = netns()
    router = boot(vrfs={"mgmt": elsewhere})
    trustpoint(router, "lab-ca", scep_ca.url)
    before = snapshot(router)
    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    assert "refused" in lines(out)[-1], out
    assert snapshot(router) == before
    # The CA killed: the same error from its own namespace.
    router.vrfs.bind("mgmt", scep_ca.netns)
    scep_ca.proc.send_signal(signal.SIGKILL)
    scep_ca.proc.wait(timeout=30)
    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    assert "refused" in lines(out)[-1], out
    assert snapshot(router) == before


def test_unbound_vrf_fails_clearly(boot: Callable[..., Router]) -> None:
    router = boot()
    trustpoint(router, "lab-ca", "http://127.0.0.1:8080/scep")
    before = snapshot(router)
    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    assert lines(out)[-1].startswith("% "), out
    assert "mgmt" in lines(out)[-1], out
    assert snapshot(router) == before


# --------------------------------------------------------------------------------------------
# TFTP against in.tftpd, the test as the CA operator
# --------------------------------------------------------------------------------------------


@dataclass
class Operator:
    """A CA made here and the TFTP server's directory it works in."""

    directory: Path
    key: rsa.RSAPrivateKey
    ca: x509.Certificate

    def sign(self, request: Path, out: Path, *, days: int = 30) -> x509.Certificate:
        req = x509.load_pem_x509_csr(request.read_bytes())
        cert = (
            x509.CertificateBuilder()
            .subject_name(req.subject)
            .issuer_name(self.ca.subject)
            .public_key(req.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(START - dt.timedelta(days=1))
            .not_valid_after(START + dt.timedelta(days=days))
            .sign(self.key, hashes.SHA256())
        )
        out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cert


def make_ca(common_name: str, bits: int = 2048) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START - dt.timedelta(days=1))
        .not_valid_after(START + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture
def tftp_server(
    tmp_path: Path, netns: Callable[[], str], require_tool: Callable[[str], str]
) -> Iterator[tuple[str, Operator]]:
    """in.tftpd (secure, create) in a namespace, serving ``tmp_path/tftp`` on 127.0.0.1:69."""
    server = require_tool("in.tftpd")
    directory = tmp_path / "tftp"
    directory.mkdir()
    key, ca = make_ca("lab tftp CA")
    (directory / "lab-ca.ca").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    ns = netns()
    with process(
        "ip", "netns", "exec", ns, server, "--foreground", "--listen",
        "--address", "127.0.0.1:69", "--secure", "--create", "-u", "root", str(directory),
        log=tmp_path / "tftpd.log",
    ) as proc:  # fmt: skip
        for _ in range(100):
            assert proc.poll() is None, f"in.tftpd exited ({proc.returncode})"
            try:
                tftp.get("127.0.0.1", 69, "lab-ca.ca", netns=ns, timeout=0.2, retries=1)
                break
            except NetworkError:
                continue
        yield ns, Operator(directory, key, ca)


def test_tftp_authenticate_enroll_and_poll(
    boot: Callable[..., Router], tftp_server: tuple[str, Operator], tmp_path: Path
) -> None:
    ns, operator = tftp_server
    router = boot(vrfs={"mgmt": ns})
    router.keys.put("rsa", "enroll-key", generate_key("rsa", bits=2048))
    trustpoint(router, "lab-ca", "tftp://127.0.0.1;mgmt/lab-ca", "enrollment retry period 2")
    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    assert "Do you accept this certificate? [yes/no]: yes" in lines(out), out
    assert router.certs.ca("lab-ca") == operator.ca

    out = router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue())
    got = lines(out)
    assert "% Certificate request sent to TFTP server 127.0.0.1" in got, out
    request = operator.directory / "edge1.lab.example.req"
    assert request.exists(), sorted(p.name for p in operator.directory.iterdir())
    shown = lines(router.cli("show crypto ca certificates lab-ca"))
    assert "  Status         : Pending" in shown, shown

    router.advance(minutes=2)  # the first poll: no certificate yet
    assert "  Status         : Pending" in lines(router.cli("show crypto ca certificates"))
    cert = operator.sign(request, operator.directory / "edge1.lab.example.crt")
    router.advance(minutes=2)
    assert router.certs.router("lab-ca") == {"general": cert}
    assert router.certs.pending("lab-ca") == []
    ca_file = tmp_path / "tftp-ca.pem"
    ca_file.write_bytes(operator.ca.public_bytes(serialization.Encoding.PEM))
    openssl_verify(ca_file, cert, tmp_path, at=START)


def test_tftp_pending_request_survives_a_restart(
    boot: Callable[..., Router], tftp_server: tuple[str, Operator]
) -> None:
    ns, operator = tftp_server
    router = boot(vrfs={"mgmt": ns})
    router.keys.put("rsa", "enroll-key", generate_key("rsa", bits=2048))
    trustpoint(router, "lab-ca", "tftp://127.0.0.1;mgmt/lab-ca")
    router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue())
    clock = router.clock
    router.shutdown()
    cert = operator.sign(
        operator.directory / "edge1.lab.example.req", operator.directory / "edge1.lab.example.crt"
    )
    again = boot(vrfs={"mgmt": ns}, clock=clock)
    assert "  Status         : Pending" in lines(again.cli("show crypto ca certificates"))
    again.advance(minutes=1)
    assert again.certs.router("lab-ca") == {"general": cert}


def test_tftp_retry_count_exhausted_ends_the_request(
    boot: Callable[..., Router], tftp_server: tuple[str, Operator], caplog: pytest.LogCaptureFixture
) -> None:
    ns, operator = tftp_server
    router = boot(vrfs={"mgmt": ns})
    router.keys.put("rsa", "enroll-key", generate_key("rsa", bits=2048))
    trustpoint(router, "lab-ca", "tftp://127.0.0.1;mgmt/lab-ca", "enrollment retry count 3")
    router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue())
    with caplog.at_level("WARNING", logger="xrsim.pki.enrollment"):
        router.advance(minutes=2)
        assert router.certs.pending("lab-ca")  # two polls made, one left
        router.advance(minutes=1)
    assert router.certs.pending("lab-ca") == []
    assert router.certs.router("lab-ca") == {}
    assert any("timed out" in r.getMessage() for r in caplog.records), caplog.text
    assert "Pending" not in router.cli("show crypto ca certificates")
    del operator


def test_tftp_usage_keys_write_sign_and_encr_requests(
    boot: Callable[..., Router], tftp_server: tuple[str, Operator]
) -> None:
    ns, operator = tftp_server
    router = boot(vrfs={"mgmt": ns})
    router.cli("crypto key generate rsa usage-keys enroll-key", answers={"bits": "2048"})
    trustpoint(router, "lab-ca", "tftp://127.0.0.1;mgmt/lab-ca")
    router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue())
    d = operator.directory
    sign = operator.sign(d / "edge1.lab.example-sign.req", d / "edge1.lab.example-sign.crt")
    encr = operator.sign(d / "edge1.lab.example-encr.req", d / "edge1.lab.example-encr.crt")
    router.advance(minutes=1)
    assert router.certs.router("lab-ca") == {"signing": sign, "encryption": encr}


def test_tftp_certificate_for_another_key_is_not_stored(
    boot: Callable[..., Router], tftp_server: tuple[str, Operator], caplog: pytest.LogCaptureFixture
) -> None:
    ns, operator = tftp_server
    router = boot(vrfs={"mgmt": ns})
    router.keys.put("rsa", "enroll-key", generate_key("rsa", bits=2048))
    trustpoint(router, "lab-ca", "tftp://127.0.0.1;mgmt/lab-ca")
    router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    router.cli("crypto ca enroll lab-ca", answers=enroll_dialogue())
    other = operator.directory / "other.req"
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other.write_bytes(
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone")]))
        .sign(other_key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )
    operator.sign(other, operator.directory / "edge1.lab.example.crt")
    with caplog.at_level("WARNING", logger="xrsim.pki.enrollment"):
        router.advance(minutes=1)
    assert router.certs.router("lab-ca") == {}
    assert router.certs.pending("lab-ca") == []
    assert any("not for this router's key" in r.getMessage() for r in caplog.records)


def test_tftp_server_down_and_large_ca_key_fail_clearly(
    boot: Callable[..., Router], netns: Callable[[], str], tftp_server: tuple[str, Operator]
) -> None:
    ns, operator = tftp_server
    silent = netns()  # no server there: the request goes unanswered
    router = boot(vrfs={"mgmt": silent})
    router.enrollment.tftp_timeout = 0.5
    trustpoint(router, "lab-ca", "tftp://127.0.0.1;mgmt/lab-ca")
    before = snapshot(router)
    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    got = lines(out)
    assert got[-2].startswith("% Error in receiving Certificate Authority certificate"), out
    assert got[-1].startswith("% "), out
    assert "answer" in got[-1], out
    assert snapshot(router) == before

    router.vrfs.bind("mgmt", ns)
    _, big = make_ca("big CA", bits=3072)
    (operator.directory / "lab-ca.ca").write_bytes(big.public_bytes(serialization.Encoding.DER))
    out = router.cli("crypto ca authenticate lab-ca", answers={"accept": "yes"})
    assert lines(out)[-1] == (
        "% The software does not support CA server public keys greater than 2048 bits."
    ), out
    assert snapshot(router) == before

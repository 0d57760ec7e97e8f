"""SCEP and TFTP enrollment inside a VRF, against real peers in namespaces the tests make
(``xrsim.lab.netlab``, as root): the Debian ``scep`` CA (micromdm scepserver 2.1.0) and
``tftpd-hpa``.

- SCEP in VRF ``mgmt``: the router's ``MgmtEth0/RP0/CPU0/0`` is its end of a veth pair in the
  VRF's namespace, addressed from the CLI; ``crypto ca authenticate`` and ``crypto ca enroll``
  of a trustpoint with ``vrf mgmt`` store the CA's certificate and a certificate for the
  router's key, which ``openssl verify`` accepts. A scapy capture on that veth (its socket
  opened inside the namespace) shows the HTTP exchange crossed it; the pcap is kept
  (``artefacts``, copied under ``$XRSIM_ARTEFACTS``). Debian's ``scepclient`` enrolls against
  the same CA in the same test, from a namespace of its own, as the control.
- Isolation: the same URL from the default VRF, bound to a namespace of its own with no route,
  fails with a ``%`` error and stores nothing, while VRF ``mgmt`` of the same router reaches
  the CA (both namespaces made by the test; nothing is sent from the host namespace).
- TFTP in VRF ``mgmt`` (``enrollment url tftp://ADDR;mgmt/NAME``): a test step plays the CA
  operator (publishes ``NAME.ca``, signs the router's ``FQDN.req``, leaves ``FQDN.crt``); the
  request is pending until the router's clock passes the retry period, then stored.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from netlab_fixtures import Attachment, Site
from pki_lab import Ca, ca_usage
from simulator.dialogue import enrollment_answers
from xrsim.lab.netlab import Lab
from xrsim.net import http
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(180)]

MGMT_PORT = "MgmtEth0/RP0/CPU0/0"
TFTP_PORT = "HundredGigE0/0/0/0"
HOSTNAME, DOMAIN = "router", "lab.example"


def _spki(cert_or_key: Any) -> bytes:
    key = cert_or_key.public_key()
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _router_spki(router: Router) -> bytes:
    entry = next(e for e in router.keys.entries("rsa") if e.label == "the_default")
    der: bytes = router.keys.load(entry).public_key().to_der()
    return der


def _openssl_verify(lab: Lab, ca: Path, cert: x509.Certificate, path: Path) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    done = lab.run(None, ["openssl", "verify", "-CAfile", str(ca), str(path)], check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{path}: OK"


def _running(router: Router) -> str:
    """``show running-config`` without its timestamp line."""
    return router.cli("show running-config").split("\n", 1)[1]


@dataclass
class Wired:
    """A router whose VRF ``mgmt`` is a namespace joined to the CA and whose default VRF is a
    namespace with no interface but its loopback."""

    router: Router
    mgmt: str
    default: str
    to_ca: Attachment


@pytest.fixture
def wired(netlab: Lab, scep_ca: Site, tmp_path: Path) -> Iterator[Wired]:
    mgmt, default = netlab.namespace("mgmt"), netlab.namespace("default")
    to_ca = scep_ca.attach(mgmt, addressed=False)
    router = Router.boot(
        state_dir=tmp_path / "router",
        hostname=HOSTNAME,
        vrfs={"mgmt": mgmt, "default": default},
        links={MGMT_PORT: to_ca.link.name_a},
    )
    try:
        router.configure(
            [
                f"domain name {DOMAIN}",
                "vrf mgmt",
                f"interface {MGMT_PORT}",
                " vrf mgmt",
                f" ipv4 address {to_ca.local} 255.255.255.0",
            ]
        )
        yield Wired(router, mgmt, default, to_ca)
    finally:
        router.shutdown()


def _http_payloads(packets: list[Any], client: str, server: str, port: int) -> tuple[bytes, bytes]:
    """The TCP payload bytes client -> server and server -> client, in capture order."""
    from scapy.layers.inet import IP, TCP

    up, down = b"", b""
    for p in packets:
        if IP not in p or TCP not in p:
            continue
        ip, tcp = p[IP], p[TCP]
        data = bytes(tcp.payload)
        if (ip.src, ip.dst, tcp.dport) == (client, server, port):
            up += data
        elif (ip.src, ip.dst, tcp.sport) == (server, client, port):
            down += data
    return up, down


def test_scep_enrollment_in_vrf_mgmt(
    netlab: Lab, scep_ca: Site, wired: Wired, artefacts: Path, require_tool: Callable[[str], str]
) -> None:
    require_tool("scepclient")
    require_tool("openssl")
    assert scep_ca.scep is not None
    router, to_ca = wired.router, wired.to_ca
    ca_pem = scep_ca.scep.ca_pem
    ca_cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
    answers = enrollment_answers(scep_ca.scep.challenge)
    router.configure(
        [
            "crypto ca trustpoint lab-scep",
            " vrf mgmt",
            f" enrollment url {to_ca.url}",
            f" subject-name CN={HOSTNAME},O=lab",
        ]
    )

    pcap = artefacts / "scep-vrf-mgmt.pcap"
    with netlab.capture(wired.mgmt, to_ca.link.name_a, pcap) as cap:
        auth = router.cli("crypto ca authenticate lab-scep", answers=answers)
        enroll = router.cli("crypto ca enroll lab-scep", answers=answers)

    # What the user sees: the CA certificate described, accepted; the enrollment dialogue.
    assert "Do you accept this certificate? [yes/no]: yes" in auth
    assert "Fingerprint" in auth
    assert "% Start certificate enrollment ..." in enroll
    assert "Certificate request sent to Certificate Authority" in enroll
    assert scep_ca.scep.challenge not in auth + enroll
    assert router.certs.ca("lab-scep") == ca_cert

    cert = router.certs.router("lab-scep").get("general")
    assert cert is not None, router.cli("show crypto ca certificates")
    assert cert.issuer == ca_cert.subject
    assert _spki(cert) == _router_spki(router)
    _openssl_verify(netlab, ca_pem, cert, artefacts / "router-scep.pem")
    shown = router.cli("show crypto ca certificates lab-scep")
    assert "Router certificate" in shown
    assert re.search(r"Status\s*:\s*Available", shown), shown

    # The exchange crossed the VRF's veth (captured inside its namespace) and is kept.
    up, down = _http_payloads(cap.packets, to_ca.local, to_ca.remote, scep_ca.scep.port)
    assert b"operation=GetCACert" in up
    assert b"operation=PKIOperation" in up
    assert down.count(b"HTTP/1.1 200") >= 3  # GetCACert, GetCACaps, PKIOperation at least
    assert pcap.stat().st_size > 0
    from scapy.utils import rdpcap

    assert len(rdpcap(str(pcap))) == len(cap.packets)

    # The control: Debian's scepclient enrolls against the same CA, from a namespace of its own.
    control = netlab.namespace("control")
    via = scep_ca.attach(control)
    key_path = netlab.workdir / "control.key"
    control_pem = netlab.workdir / "control.pem"
    netlab.run(
        control,
        [
            "scepclient",
            "-server-url",
            via.url,
            "-private-key",
            str(key_path),
            "-certificate",
            str(control_pem),
            "-challenge",
            scep_ca.scep.challenge,
            "-cn",
            "control",
            "-organization",
            "lab",
        ],
        timeout=30,
    )
    control_cert = x509.load_pem_x509_certificate(control_pem.read_bytes())
    assert control_cert.issuer == ca_cert.subject
    _openssl_verify(netlab, ca_pem, control_cert, artefacts / "control.pem")
    assert control_cert.serial_number != cert.serial_number


def test_the_same_url_from_another_vrf_fails(
    netlab: Lab, scep_ca: Site, wired: Wired, require_tool: Callable[[str], str]
) -> None:
    assert scep_ca.scep is not None
    router, to_ca = wired.router, wired.to_ca
    # VRF mgmt of this router reaches the CA (the positive half of the comparison)...
    mgmt_ns = router.vrfs.netns_of("mgmt")
    assert mgmt_ns == wired.mgmt
    caps = http.request("GET", to_ca.url + "?operation=GetCACaps", netns=mgmt_ns, timeout=5)
    assert caps.status == 200
    # ... its default VRF, a namespace with no route, does not.
    assert router.vrfs.netns_of(None) == wired.default
    router.configure(["crypto ca trustpoint lab-default", f" enrollment url {to_ca.url}"])
    before = _running(router)
    out = router.cli(
        "crypto ca authenticate lab-default", answers=enrollment_answers(scep_ca.scep.challenge)
    )
    errors = [line for line in out.splitlines() if line.startswith("% ")]
    assert errors, out
    assert any("unreachable" in line for line in errors), out
    assert "Traceback" not in out
    assert "Errno" not in out
    assert router.certs.ca("lab-default") is None
    assert _running(router) == before


def _operator_ca() -> Ca:
    """The TFTP CA operator's RSA CA (keyUsage keyCertSign and cRLSign only)."""
    usage = ca_usage(digital_signature=False)
    return Ca("test TFTP CA", org="lab", kind="rsa2048", key_usage=usage)


def _sign_request(ca: Ca, request: x509.CertificateSigningRequest) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(request.subject)
        .issuer_name(ca.cert.subject)
        .public_key(request.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca.key, hashes.SHA256())
    )


def _load_request(data: bytes) -> x509.CertificateSigningRequest:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_csr(data)
    return x509.load_der_x509_csr(data)


def test_tftp_enrollment_in_vrf_mgmt(
    netlab: Lab,
    tftp_server: Callable[..., tuple[Site, Attachment]],
    tmp_path: Path,
    artefacts: Path,
    require_tool: Callable[[str], str],
) -> None:
    require_tool("openssl")
    mgmt, default = netlab.namespace("mgmt"), netlab.namespace("default")
    site, first = tftp_server(mgmt)
    assert site.tftp is not None
    root = site.tftp.root
    ca = _operator_ca()
    ca_cert = ca.cert
    ca_pem = tmp_path / "operator-ca.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    # The CA operator publishes the CA certificate as NAME.ca.
    (root / "test-ca.ca").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (root / "test-ca.ca").chmod(0o644)

    with Router.boot(
        state_dir=tmp_path / "router",
        hostname=HOSTNAME,
        vrfs={"mgmt": mgmt, "default": default},
        links={TFTP_PORT: first.link.name_a},
    ) as router:
        router.configure(
            [
                f"domain name {DOMAIN}",
                "vrf mgmt",
                f"interface {TFTP_PORT}",
                " vrf mgmt",
                f" ipv4 address {first.local} 255.255.255.0",
                " no shutdown",
                "crypto ca trustpoint lab-tftp",
                f" enrollment url tftp://{first.remote};mgmt/test-ca",
                f" subject-name CN={HOSTNAME},O=lab",
            ]
        )
        answers = enrollment_answers("a challenge")
        pcap = artefacts / "tftp-vrf-mgmt.pcap"
        with netlab.capture(mgmt, first.link.name_a, pcap) as cap:
            auth = router.cli("crypto ca authenticate lab-tftp", answers=answers)
            assert "Do you accept this certificate? [yes/no]: yes" in auth
            assert router.certs.ca("lab-tftp") == ca_cert
            router.cli("crypto ca enroll lab-tftp", answers=answers)

        fqdn = f"{HOSTNAME}.{DOMAIN}"
        request = _load_request((root / f"{fqdn}.req").read_bytes())
        assert request.is_signature_valid
        assert _spki(request) == _router_spki(router)
        assert router.certs.router("lab-tftp").get("general") is None
        assert re.search(
            r"Status\s*:\s*Pending", router.cli("show crypto ca certificates lab-tftp")
        )
        assert any(b"test-ca.ca" in bytes(p) for p in cap.packets)
        assert any(f"{fqdn}.req".encode() in bytes(p) for p in cap.packets)

        # The test as the CA operator: sign the request, leave FQDN.crt on the server.
        issued = _sign_request(ca, request)
        (root / f"{fqdn}.crt").write_bytes(issued.public_bytes(serialization.Encoding.PEM))
        (root / f"{fqdn}.crt").chmod(0o644)
        router.advance(minutes=1)  # the enrollment retry period's poll reads FQDN.crt

        cert = router.certs.router("lab-tftp").get("general")
        assert cert == issued, router.cli("show crypto ca certificates lab-tftp")
        _openssl_verify(netlab, ca_pem, cert, artefacts / "router-tftp.pem")
        assert "Pending" not in router.cli("show crypto ca certificates lab-tftp")

"""``xrsim.net.http.request`` over ``https://``: a real TLS server on loopback (the standard
library's ``ssl`` with a certificate made by pyca/cryptography), the server's leaf handed to
the ``verify`` callback before anything is sent, refusals typed; inside a network namespace the
test makes (as root); and ``xrsim.pki.validate.PeerValidator`` as the callback, with the
server's certificate revoked in a CRL served over real HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from pki_lab import Ca, FileServer, Issued
from support import scratch_netns
from xrsim.clock import SimClock
from xrsim.errors import (
    CertificateRevoked,
    HostnameMismatch,
    InvalidInput,
    TransportError,
    TransportTimeout,
    UntrustedCertificate,
    XrsimError,
)
from xrsim.net import http
from xrsim.pki.validate import TRUSTPOOL, PeerValidator, TrustpointCa

pytestmark = pytest.mark.timeout(60)


class Refused(XrsimError):
    """What the test's verify callback raises."""


@pytest.fixture(scope="module")
def ca() -> Ca:
    return Ca("HTTPS Root")


@pytest.fixture
def server_cert(ca: Ca) -> Issued:
    return ca.issue("bundle server", ips=("127.0.0.1",))


@pytest.fixture
def https(tmp_path: Path, server_cert: Issued) -> Iterator[FileServer]:
    tls = server_cert.write(tmp_path, "server")
    with FileServer({"/bundle.pem": b"BUNDLE"}, tls=tls) as server:
        yield server


def test_the_leaf_goes_to_verify_then_the_request(https: FileServer, server_cert: Issued) -> None:
    seen: list[tuple[x509.Certificate, str]] = []

    def verify(leaf: x509.Certificate, host: str) -> None:
        assert https.requests == []  # judged before anything is sent
        seen.append((leaf, host))

    reply = http.request("GET", https.url("/bundle.pem"), verify=verify, timeout=5)
    assert (reply.status, reply.body) == (200, b"BUNDLE")
    assert seen == [(server_cert.cert, "127.0.0.1")]
    assert https.requests == ["/bundle.pem"]


def test_a_refused_certificate_sends_nothing_and_keeps_its_type(https: FileServer) -> None:
    def verify(leaf: x509.Certificate, host: str) -> None:
        raise Refused("no")

    with pytest.raises(Refused):
        http.request("GET", https.url("/bundle.pem"), verify=verify, timeout=5)
    assert https.requests == []


def test_https_without_a_verifier_is_refused(https: FileServer) -> None:
    with pytest.raises(InvalidInput):
        http.request("GET", https.url("/bundle.pem"), timeout=5)
    assert https.requests == []


def test_http_keeps_working_and_split_url_stays_http_only(https: FileServer) -> None:
    with FileServer({"/x": b"plain"}) as plain:
        assert http.request("GET", plain.url("/x"), timeout=5).body == b"plain"
    with pytest.raises(TransportError):
        http.split_url(https.url("/bundle.pem"))
    assert http.split_any_url("https://h/p?q=1") == ("https", "h", 443, "/p?q=1")
    assert http.split_any_url("HTTPS://h:8443") == ("https", "h", 8443, "/")
    with pytest.raises(TransportError):
        http.split_any_url("ftp://h/p")


def test_tls_to_a_plain_http_server_fails_in_words() -> None:
    with FileServer({"/x": b"plain"}) as plain:
        url = plain.url("/x").replace("http://", "https://")
        with pytest.raises(TransportError) as e:
            http.request("GET", url, verify=lambda leaf, host: None, timeout=5)
    assert not isinstance(e.value, TransportTimeout)
    assert "127.0.0.1 port" in e.value.reason
    assert "TLS" in e.value.reason
    assert "errno" not in e.value.reason.lower()


def test_a_server_that_never_shakes_hands_times_out() -> None:
    with socket.socket() as listener:  # accepts TCP (backlog) and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with pytest.raises(TransportTimeout):
            http.request(
                "GET", f"https://127.0.0.1:{port}/", verify=lambda leaf, host: None, timeout=0.5
            )


def test_a_closed_port_is_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransportError, match="refused"):
        http.request("GET", f"https://127.0.0.1:{port}/", verify=lambda c, h: None, timeout=5)


@pytest.fixture
def netns() -> Iterator[str]:
    with scratch_netns("https") as name:
        yield name


def test_tls_inside_a_network_namespace(tmp_path: Path, server_cert: Issued, netns: str) -> None:
    """The server listens on the namespace's own loopback: reached with ``netns=``, not
    from the process's namespace (where that port is closed)."""
    tls = server_cert.write(tmp_path, "ns-server")
    seen: list[x509.Certificate] = []
    with FileServer({"/b": b"in the vrf"}, tls=tls, netns=netns) as server:
        reply = http.request(
            "GET", server.url("/b"), netns=netns, verify=lambda c, h: seen.append(c), timeout=5
        )
        assert reply.body == b"in the vrf"
        assert seen == [server_cert.cert]
        with pytest.raises(TransportError):
            http.request("GET", server.url("/b"), verify=lambda c, h: None, timeout=5)


# -- PeerValidator as the callback -----------------------------------------------------------


def test_peer_validator_judges_the_https_server(tmp_path: Path, ca: Ca) -> None:
    """Revoked in the CRL at its distribution point (served over HTTP): refused when the
    trustpoint without ``crl optional`` holds the CA, accepted through the pool's
    ``crl optional`` alone; a host name the certificate is not for, and an unknown CA."""
    with FileServer() as crls:
        cert = ca.issue("revoked server", cdp=crls.url("/root.crl"))
        crls.files["/root.crl"] = ca.crl([cert.cert])
        tps: list[TrustpointCa] = []
        validator = PeerValidator(
            clock=SimClock(),
            trustpoints=lambda: tps,
            pool=lambda: [ca.cert],
            pool_crl_optional=lambda: True,
            netns_of=lambda vrf: None,
            timeout=5,
        )
        with FileServer({"/b": b"ok"}, tls=cert.write(tmp_path, "revoked")) as server:
            reply = http.request("GET", server.url("/b"), verify=validator.verifier(), timeout=5)
            assert reply.body == b"ok"
            assert validator.validate(cert.cert, hostname="127.0.0.1").name == TRUSTPOOL
            assert crls.requests == []
            tps.append(TrustpointCa("tp1", ca.cert, False))
            with pytest.raises(CertificateRevoked) as e:
                http.request("GET", server.url("/b"), verify=validator.verifier(), timeout=5)
            assert e.value.anchor == "tp1"
            assert crls.requests == ["/root.crl"]
            assert server.requests == ["/b"]  # the refused one sent nothing
        named = ca.issue("named server", ips=(), dns=("bundle.example.com",))
        with FileServer({"/b": b"x"}, tls=named.write(tmp_path, "named")) as server:
            with pytest.raises(HostnameMismatch):  # connected to 127.0.0.1
                http.request("GET", server.url("/b"), verify=validator.verifier(), timeout=5)
            assert server.requests == []
        stranger = Ca("Stranger").issue("s")
        with FileServer({"/b": b"x"}, tls=stranger.write(tmp_path, "stranger")) as server:
            with pytest.raises(UntrustedCertificate):
                http.request("GET", server.url("/b"), verify=validator.verifier(), timeout=5)
            assert server.requests == []

"""``xrsim.pki.validate``: which CA validates a peer's certificate and under which policy (the
seed's "Handling of CA Certificates appearing both in Trust Pool and Trust Point"), the chain
checks and the revocation check against CRLs served by a real HTTP server on loopback.

Certificates and CRLs are made with pyca/cryptography (``tests/pki_lab.py``)."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pki_lab import NOW, Ca, FileServer, ca_usage, name
from xrsim.errors import (
    CertificateRejected,
    CertificateRevoked,
    HostnameMismatch,
    RevocationUnknown,
    UntrustedCertificate,
)
from xrsim.net import http
from xrsim.pki.validate import TRUSTPOOL, Anchor, TrustpointCa, validate
from xrsim.pki.x509 import Described

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def crls() -> Iterator[FileServer]:
    with FileServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(crls: FileServer) -> None:
    crls.files.clear()
    crls.requests.clear()


def fetch(url: str) -> bytes:
    return http.request("GET", url, timeout=5).raise_for_status(url).body


def run(
    leaf: x509.Certificate,
    *,
    trustpoints: list[TrustpointCa] | None = None,
    pool: list[x509.Certificate] | None = None,
    pool_crl_optional: bool = False,
    hostname: str | None = "127.0.0.1",
    now: dt.datetime = NOW,
) -> Anchor:
    return validate(
        leaf,
        hostname=hostname,
        now=now,
        trustpoints=trustpoints or [],
        pool=pool or [],
        pool_crl_optional=pool_crl_optional,
        fetch_crl=fetch,
    )


class Lab:
    """A root CA whose server certificates point at its CRL on the test's HTTP server."""

    def __init__(self, crls: FileServer, cn: str = "Lab Root") -> None:
        self.crls = crls
        self.path = f"/{cn.replace(' ', '-').lower()}.crl"
        self.ca = Ca(cn)
        self.good = self.ca.issue("good server", cdp=crls.url(self.path)).cert
        self.revoked = self.ca.issue("revoked server", cdp=crls.url(self.path)).cert
        self.publish()

    def publish(self, crl: bytes | None = None) -> None:
        self.crls.files[self.path] = crl if crl is not None else self.ca.crl([self.revoked])


# -- which CA ---------------------------------------------------------------------------------


def test_pool_alone_with_crl_optional_accepts_without_fetching(crls: FileServer) -> None:
    lab = Lab(crls)
    anchor = run(lab.revoked, pool=[lab.ca.cert], pool_crl_optional=True)
    assert anchor.name == TRUSTPOOL
    assert anchor.trustpool
    assert anchor.ca == lab.ca.cert
    assert anchor.chain == (lab.revoked, lab.ca.cert)
    assert anchor.crl_checked is False
    assert crls.requests == []


def test_pool_policy_checks_the_crl(crls: FileServer) -> None:
    lab = Lab(crls)
    anchor = run(lab.good, pool=[lab.ca.cert])
    assert (anchor.name, anchor.crl_checked) == (TRUSTPOOL, True)
    assert crls.requests == [lab.path]
    with pytest.raises(CertificateRevoked) as e:
        run(lab.revoked, pool=[lab.ca.cert])
    assert e.value.anchor == TRUSTPOOL
    assert e.value.serial == Described(lab.revoked).serial
    assert "revoked" in e.value.reason
    assert e.value.serial in e.value.reason


def test_a_trustpoint_ca_and_its_policy_come_before_the_pool(crls: FileServer) -> None:
    """The seed's rule: the same CA in a trustpoint (no ``crl optional``) and in the pool
    (``crl optional``): the trustpoint's policy judges, so the revoked certificate is
    refused; the pool alone accepts it."""
    lab = Lab(crls)
    pool = [lab.ca.cert]
    assert run(lab.revoked, pool=pool, pool_crl_optional=True).trustpool
    strict = [TrustpointCa("tp1", lab.ca.cert, False)]
    with pytest.raises(CertificateRevoked) as e:
        run(lab.revoked, trustpoints=strict, pool=pool, pool_crl_optional=True)
    assert e.value.anchor == "tp1"
    assert "trustpoint tp1" in e.value.reason
    good = run(lab.good, trustpoints=strict, pool=pool, pool_crl_optional=True)
    assert (good.name, good.crl_checked) == ("tp1", True)
    # and the other way round: a trustpoint with crl optional over a strict pool
    lenient = [TrustpointCa("tp1", lab.ca.cert, True)]
    crls.requests.clear()
    anchor = run(lab.revoked, trustpoints=lenient, pool=pool, pool_crl_optional=False)
    assert (anchor.name, anchor.crl_checked) == ("tp1", False)
    assert crls.requests == []


def test_a_reissued_copy_of_the_trustpoint_ca_in_the_pool_is_the_same_ca(
    crls: FileServer,
) -> None:
    lab = Lab(crls)
    copy = Ca("Lab Root", key=lab.ca.key, serial=77)  # same subject and key, another cert
    assert copy.cert != lab.ca.cert
    with pytest.raises(CertificateRevoked) as e:
        run(
            lab.revoked,
            trustpoints=[TrustpointCa("tp1", lab.ca.cert, False)],
            pool=[copy.cert],
            pool_crl_optional=True,
        )
    assert e.value.anchor == "tp1"


def test_plain_tuples_and_trustpoint_order(crls: FileServer) -> None:
    lab = Lab(crls)
    anchor = run(
        lab.revoked,
        trustpoints=[("first", lab.ca.cert, True), ("second", lab.ca.cert, False)],  # type: ignore[list-item]
    )
    assert anchor.name == "first"


def test_a_trustpoint_holding_the_root_judges_a_chain_through_a_pool_intermediate(
    crls: FileServer,
) -> None:
    lab = Lab(crls)
    inter = Ca("Lab Issuing", parent=lab.ca, cdp=crls.url(lab.path))
    leaf = inter.issue("deep server", cdp=crls.url("/issuing.crl")).cert
    crls.files["/issuing.crl"] = inter.crl()
    tps = [TrustpointCa("root-tp", lab.ca.cert, False)]
    anchor = run(leaf, trustpoints=tps, pool=[inter.cert], pool_crl_optional=True)
    assert anchor.name == "root-tp"
    assert anchor.chain == (leaf, inter.cert, lab.ca.cert)
    assert sorted(crls.requests) == sorted(["/issuing.crl", lab.path])
    # the intermediate revoked by the root: the whole chain falls
    lab.publish(lab.ca.crl([inter.cert]))
    with pytest.raises(CertificateRevoked) as e:
        run(leaf, trustpoints=tps, pool=[inter.cert], pool_crl_optional=True)
    assert e.value.serial == Described(inter.cert).serial
    # the pool alone: its intermediate is an anchor, under the pool's crl optional
    assert run(leaf, pool=[inter.cert], pool_crl_optional=True).ca == inter.cert


def test_a_ca_nobody_holds_is_untrusted(crls: FileServer) -> None:
    lab, other = Lab(crls), Lab(crls, "Other Root")
    with pytest.raises(UntrustedCertificate) as e:
        run(lab.good, trustpoints=[TrustpointCa("tp", other.ca.cert, True)], pool=[])
    assert e.value.anchor is None
    assert "CN=Lab Root" in e.value.reason
    with pytest.raises(UntrustedCertificate):
        run(lab.good)
    # a certificate with the right issuer name but another key is not issued by it
    impostor = Ca("Lab Root")
    with pytest.raises(UntrustedCertificate):
        run(lab.good, pool=[impostor.cert], pool_crl_optional=True)


# -- the chain --------------------------------------------------------------------------------


def test_validity_of_leaf_and_ca(crls: FileServer) -> None:
    lab = Lab(crls)
    pool = [lab.ca.cert]
    with pytest.raises(CertificateRejected, match="expired"):
        run(lab.good, pool=pool, pool_crl_optional=True, now=NOW + dt.timedelta(days=400))
    late = lab.ca.issue("later", not_before=NOW + dt.timedelta(days=2)).cert
    with pytest.raises(CertificateRejected, match="not valid before"):
        run(late, pool=pool, pool_crl_optional=True)
    old = Ca(
        "Old Root", not_after=NOW - dt.timedelta(days=1), not_before=NOW - dt.timedelta(days=9)
    )
    leaf = old.issue("s", not_after=NOW + dt.timedelta(days=1)).cert
    with pytest.raises(CertificateRejected, match=r"Old Root.*expired") as e:
        run(leaf, trustpoints=[TrustpointCa("old", old.cert, True)])
    assert e.value.anchor == "old"


def test_hostname(crls: FileServer) -> None:
    lab = Lab(crls)
    pool = [lab.ca.cert]
    named = lab.ca.issue("named", ips=(), dns=("bundle.example.com",)).cert
    assert run(named, pool=pool, pool_crl_optional=True, hostname="bundle.example.com")
    with pytest.raises(HostnameMismatch, match=r"bundle\.example\.com, not other\.example\.com"):
        run(named, pool=pool, pool_crl_optional=True, hostname="other.example.com")
    with pytest.raises(HostnameMismatch, match=r"127\.0\.0\.1, not 127\.0\.0\.2"):
        run(lab.good, pool=pool, pool_crl_optional=True, hostname="127.0.0.2")
    bare = lab.ca.issue("no san", ips=()).cert
    with pytest.raises(HostnameMismatch, match="no subjectAltName"):
        run(bare, pool=pool, pool_crl_optional=True)
    # no name check asked (a client's certificate): the name does not matter
    assert run(bare, pool=pool, pool_crl_optional=True, hostname=None).trustpool


def test_a_server_certificate_for_clients_only_is_rejected_not_a_name_mismatch(
    crls: FileServer,
) -> None:
    lab = Lab(crls)
    client_only = lab.ca.issue("client", eku=(x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH,)).cert
    with pytest.raises(CertificateRejected) as e:
        run(client_only, pool=[lab.ca.cert], pool_crl_optional=True)
    assert not isinstance(e.value, HostnameMismatch)
    assert "serverAuth" in e.value.reason


def test_an_issuer_that_is_not_a_ca_is_rejected(crls: FileServer) -> None:
    lab = Lab(crls)
    not_ca = lab.ca.issue("not a CA")
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("under"))
        .issuer_name(not_ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(5)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("under.example.com")]), critical=False
        )
        .sign(not_ca.key, hashes.SHA256())
    )
    # the walk finds it (it signed the leaf, the pool holds it); the library refuses it
    with pytest.raises(CertificateRejected, match="cA"):
        run(
            leaf,
            pool=[lab.ca.cert, not_ca.cert],
            pool_crl_optional=True,
            hostname="under.example.com",
        )


def test_a_ca_whose_key_usage_lacks_keycertsign_is_rejected(crls: FileServer) -> None:
    no_sign = Ca(
        "No Sign",
        key_usage=ca_usage(key_cert_sign=False),
    )
    leaf = no_sign.issue("s").cert
    with pytest.raises(CertificateRejected, match="keyCertSign"):
        run(leaf, pool=[no_sign.cert], pool_crl_optional=True)


@pytest.mark.parametrize(
    ("kind", "words"),
    [("rsa1024", "RSA key of 1024 bits"), ("p224", "secp224r1")],
)
def test_keys_the_library_does_not_validate_are_refused_in_words(
    crls: FileServer, kind: str, words: str
) -> None:
    weak = Ca("Weak Root", kind=kind)
    leaf = weak.issue("s").cert
    with pytest.raises(CertificateRejected, match=words) as e:
        run(leaf, trustpoints=[TrustpointCa("weak", weak.cert, True)])
    assert e.value.anchor == "weak"


def test_an_rsa_2048_chain_validates(crls: FileServer) -> None:
    ca = Ca("RSA Root", kind="rsa2048")
    leaf = ca.issue("rsa server", kind="rsa2048").cert
    assert run(leaf, pool=[ca.cert], pool_crl_optional=True).trustpool


# -- revocation -------------------------------------------------------------------------------


def test_crl_in_pem_is_read(crls: FileServer) -> None:
    lab = Lab(crls)
    lab.publish(lab.ca.crl([lab.revoked], encoding=serialization.Encoding.PEM))
    with pytest.raises(CertificateRevoked):
        run(lab.revoked, pool=[lab.ca.cert])
    assert run(lab.good, pool=[lab.ca.cert]).crl_checked


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "case",
    ["no cdp", "missing", "not a crl", "forged", "stale", "future", "other issuer", "refused"],
)
def test_revocation_unknown_fails_closed_unless_crl_optional(crls: FileServer, case: str) -> None:
    lab = Lab(crls)
    leaf = lab.good
    if case == "no cdp":
        leaf = lab.ca.issue("no cdp").cert
    elif case == "missing":
        del crls.files[lab.path]
    elif case == "not a crl":
        lab.publish(b"<html>not found</html>")
    elif case == "forged":
        lab.publish(lab.ca.crl(signer=ec.generate_private_key(ec.SECP256R1())))
    elif case == "stale":
        lab.publish(
            lab.ca.crl(
                this_update=NOW - dt.timedelta(days=9), next_update=NOW - dt.timedelta(days=1)
            )
        )
    elif case == "future":
        lab.publish(lab.ca.crl(this_update=NOW + dt.timedelta(hours=2)))
    elif case == "other issuer":
        lab.publish(Ca("Someone Else").crl())
    elif case == "refused":
        leaf = lab.ca.issue("gone", cdp=f"http://127.0.0.1:{_closed_port()}/x.crl").cert
    with pytest.raises(RevocationUnknown) as e:
        run(leaf, pool=[lab.ca.cert])
    assert e.value.anchor == TRUSTPOOL
    assert "crl optional" in e.value.reason
    with pytest.raises(RevocationUnknown):
        run(leaf, trustpoints=[TrustpointCa("tp", lab.ca.cert, False)], pool_crl_optional=True)
    assert run(leaf, pool=[lab.ca.cert], pool_crl_optional=True).crl_checked is False


def test_a_crl_signer_without_crlsign_is_not_trusted(crls: FileServer) -> None:
    ca = Ca(
        "No CRL Sign",
        key_usage=ca_usage(crl_sign=False),
    )
    leaf = ca.issue("s", cdp=crls.url("/nocrlsign.crl")).cert
    crls.files["/nocrlsign.crl"] = ca.crl()
    with pytest.raises(RevocationUnknown, match="cRLSign"):
        run(leaf, pool=[ca.cert])

"""The SCEP test CA (``tests/scep_responder.py``) listening inside a network namespace the test
made, as VRF tests use it: the client reaches it through ``HttpTransport(netns=...)`` and
completes a PENDING enrollment there, while the same URL from this process's own namespace is
refused (loopback of another namespace). Needs root (CAP_SYS_ADMIN) for the namespace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AttributeOID, NameOID
from pyroute2 import NetNS, netns

from scep_responder import ScepResponder, rsa_key
from xrsim.errors import TransportError
from xrsim.scep import HttpTransport, ScepClient

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")


@pytest.fixture
def namespace() -> Iterator[str]:
    """A fresh namespace with its loopback up, removed afterwards (also on failure)."""
    name = f"responder-{os.getpid()}"
    netns.create(name)
    try:
        with NetNS(name) as ns:
            ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
        yield name
    finally:
        netns.remove(name)


def test_pending_enrollment_inside_a_namespace(namespace: str) -> None:
    key = rsa_key(2048, "client")
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "r1.vrf.example")]))
        .add_attribute(AttributeOID.CHALLENGE_PASSWORD, b"cisco123")
        .sign(key, hashes.SHA256())
    )
    with ScepResponder(netns=namespace, ra=True, pending=True, challenge="cisco123") as ca:
        client = ScepClient(HttpTransport(ca.url, netns=namespace, timeout=10))
        cas = client.ca_certificates()
        first = client.enroll(csr, key, cas)
        assert first.pending is not None
        ca.approve()
        done = client.poll(first.pending, key, cas)
        assert done.status == "SUCCESS"
        assert done.certificate == ca.issued[0]

        outside = ScepClient(HttpTransport(ca.url, timeout=10))  # this process's namespace
        with pytest.raises(TransportError) as info:
            outside.ca_certificates()
        assert type(info.value) is TransportError
    assert [e.operation for e in ca.log] == [
        "GetCACert",
        "GetCACaps",
        "PKIOperation",
        "PKIOperation",
    ]
    assert ca.errors == []

"""Every client path of ``xrsim.scep`` (issue 11 item 1) and every fault of item 8, driven
through ``ScepClient`` + ``HttpTransport`` over real HTTP against the test CA in
``tests/scep_responder.py`` (127.0.0.1, a free port): what the client sent is read back from the
responder's log, what it believed from its answers, and each fault must raise its one typed
exception and nothing else.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AttributeOID, NameOID

from scep_responder import FAIL_INFOS, SCEP_PATH, Fault, ScepResponder, rsa_key
from xrsim.errors import (
    HttpStatusError,
    ScepFailure,
    ScepProtocolError,
    TransportError,
    TransportTimeout,
)
from xrsim.scep import CaCertificates, HttpTransport, Pending, ScepClient

CHALLENGE = "cisco123"

#: failInfo (RFC 8894 names, as the responder takes them) and the words the client gives.
FAIL_WORDS = {
    "badAlg": "bad algorithm",
    "badMessageCheck": "bad message check",
    "badRequest": "bad request",
    "badTime": "bad time",
    "badCertId": "bad certificate id",
}

Start = Callable[..., ScepResponder]


@pytest.fixture
def scep_ca() -> Iterator[Start]:
    """``scep_ca(**settings)`` starts a ``ScepResponder``; every one is closed afterwards."""
    started: list[ScepResponder] = []

    def start(**settings: object) -> ScepResponder:
        responder = ScepResponder(**settings).start()  # type: ignore[arg-type]
        started.append(responder)
        return responder

    yield start
    for responder in started:
        responder.close()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa_key(2048, "client")


def csr_for(
    key: rsa.RSAPrivateKey, cn: str = "r1.lab.example", challenge: str | None = CHALLENGE
) -> x509.CertificateSigningRequest:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    )
    if challenge is not None:
        builder = builder.add_attribute(AttributeOID.CHALLENGE_PASSWORD, challenge.encode())
    return builder.sign(key, hashes.SHA256())


def client_for(url: str, timeout: float = 10.0) -> ScepClient:
    return ScepClient(HttpTransport(url, timeout=timeout))


def spki(public_key: object) -> bytes:
    assert isinstance(public_key, rsa.RSAPublicKey)
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def enroll(
    responder: ScepResponder, key: rsa.RSAPrivateKey, **options: object
) -> tuple[ScepClient, CaCertificates, x509.Certificate]:
    """A full first enrollment (GetCACaps, GetCACert, PKCSReq SUCCESS)."""
    client = client_for(responder.url)
    cas = client.ca_certificates()
    outcome = client.enroll(csr_for(key), key, cas, **options)  # type: ignore[arg-type]
    assert outcome.status == "SUCCESS"
    assert outcome.certificate is not None
    return client, cas, outcome.certificate


def full_exchange(client: ScepClient, key: rsa.RSAPrivateKey) -> None:
    """GetCACert, PKCSReq and, when it is PENDING, one CertPoll."""
    cas = client.ca_certificates()
    outcome = client.enroll(csr_for(key), key, cas)
    if outcome.pending is not None:
        client.poll(outcome.pending, key, cas)


def exactly(exc_type: type[BaseException], info: pytest.ExceptionInfo[BaseException]) -> None:
    """The exception is of that very type, not a kind of it."""
    assert type(info.value) is exc_type, f"{type(info.value).__name__}: {info.value}"


# --------------------------------------------------------------------------------------------
# GetCACaps and GetCACert
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        (
            ["POSTPKIOperation", "Renewal", "SHA-256", "SHA-1", "AES", "DES3"],
            (True, True, "sha256", "aes256"),
        ),
        (["SCEPStandard"], (True, False, "sha256", "aes256")),
        (["AES128", "SHA-1"], (False, False, "sha1", "aes128")),
        (["DES3", "Renewal"], (False, True, "sha1", "des3")),
        ([], (False, False, "sha1", "des")),
    ],
)
def test_get_ca_caps(
    scep_ca: Start, caps: list[str], expected: tuple[bool, bool, str, str]
) -> None:
    """(post, renewal, digest, cipher) as the client reads them from the wire."""
    ca = scep_ca(capabilities=caps)
    got = client_for(ca.url).capabilities()
    assert got.names == frozenset(caps)
    assert (got.post, got.renewal, got.digest, got.cipher) == expected
    assert ca.operations() == [("GET", "GetCACaps")]


def test_get_ca_cert_single_certificate(scep_ca: Start) -> None:
    ca = scep_ca()
    cas = client_for(ca.url).ca_certificates()
    assert cas.ca == ca.ca.certificate
    assert cas.ra_signer is None
    assert cas.ra_encrypter is None
    assert cas.chain == (ca.ca.certificate,)
    assert cas.recipient == ca.ca.certificate
    assert cas.verifier == ca.ca.certificate
    assert ca.operations() == [("GET", "GetCACert")]


def test_get_ca_cert_ndes_style_ra_chain(scep_ca: Start) -> None:
    ca = scep_ca(ra=True)
    cas = client_for(ca.url).ca_certificates()
    assert cas.ca == ca.ca.certificate
    assert cas.ra_encrypter == ca.ca.ra_encrypter
    assert cas.ra_signer == ca.ca.ra_signer
    assert cas.recipient == ca.ca.ra_encrypter  # keyEncipherment
    assert cas.verifier == ca.ca.ra_signer  # digitalSignature
    assert set(cas.chain) == {ca.ca.certificate, ca.ca.ra_encrypter, ca.ca.ra_signer}


def test_ca_key_over_2048_bits_is_served_as_is(scep_ca: Start) -> None:
    """The client reads a 4096-bit CA as it is: the router's 2048-bit limit is the CLI's
    policy (``crypto ca authenticate``), which needs the size from here."""
    ca = scep_ca(ca_key_bits=4096)
    cas = client_for(ca.url).ca_certificates()
    public = cas.ca.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 4096


# --------------------------------------------------------------------------------------------
# PKCSReq
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ra", [False, True], ids=["ca", "ra"])
def test_pkcsreq_success(scep_ca: Start, key: rsa.RSAPrivateKey, ra: bool) -> None:
    """A first request: the challenge inside the CSR, signed by a self-signed certificate for
    our key, encrypted to the RA encryption certificate in RA mode (the responder opens it
    with that key only), the reply verified against the RA signing certificate."""
    ca = scep_ca(ra=ra, challenge=CHALLENGE)
    _client, _cas, cert = enroll(ca, key)
    assert ca.errors == []
    assert ca.issued == [cert]
    assert spki(cert.public_key()) == spki(key.public_key())
    cert.verify_directly_issued_by(ca.ca.certificate)
    [ex] = ca.pki_log()
    assert ex.message_type == "PKCSReq"
    assert ex.pki_status == "SUCCESS"
    assert ex.csr is not None
    assert ex.csr.subject == cert.subject
    assert ex.signer is not None
    assert ex.signer.issuer == ex.signer.subject  # self-signed (RFC 8894 3.2.1)
    assert spki(ex.signer.public_key()) == spki(key.public_key())
    expected_signer = ca.ca.ra_signer if ra else ca.ca.certificate
    assert ex.reply_signer == expected_signer
    assert [op for _, op in ca.operations()] == ["GetCACert", "GetCACaps", "PKIOperation"]


def test_pkcsreq_wrong_challenge_is_a_failure(scep_ca: Start, key: rsa.RSAPrivateKey) -> None:
    ca = scep_ca(challenge="something-else")
    client = client_for(ca.url)
    cas = client.ca_certificates()
    with pytest.raises(ScepFailure) as info:
        client.enroll(csr_for(key), key, cas)
    exactly(ScepFailure, info)
    assert info.value.fail_info == "bad request"
    assert ca.issued == []


@pytest.mark.parametrize("fail_info", sorted(FAIL_INFOS))
def test_pkcsreq_failure_each_fail_info(
    scep_ca: Start, key: rsa.RSAPrivateKey, fail_info: str
) -> None:
    ca = scep_ca(failure=fail_info)
    client = client_for(ca.url)
    cas = client.ca_certificates()
    with pytest.raises(ScepFailure) as info:
        client.enroll(csr_for(key), key, cas)
    exactly(ScepFailure, info)
    assert info.value.fail_info == FAIL_WORDS[fail_info]
    [ex] = ca.pki_log()
    assert (ex.pki_status, ex.fail_info) == ("FAILURE", fail_info)
    assert ca.issued == []


# --------------------------------------------------------------------------------------------
# PENDING and CertPoll
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ra", [False, True], ids=["ca", "ra"])
def test_pending_then_certpoll_with_the_same_transaction_id(
    scep_ca: Start, key: rsa.RSAPrivateKey, ra: bool
) -> None:
    ca = scep_ca(ra=ra, pending=True)
    client = client_for(ca.url)
    cas = client.ca_certificates()
    csr = csr_for(key)
    first = client.enroll(csr, key, cas)
    assert first.status == "PENDING"
    assert first.certificate is None
    assert first.pending is not None
    assert ca.pending_ids() == [first.pending.transaction_id]
    stored = first.pending.to_dict()  # what the router keeps between polls
    assert all(isinstance(v, str) for v in stored.values())

    still = client.poll(Pending.from_dict(stored), key, cas)
    assert still.status == "PENDING"
    ca.approve(first.pending.transaction_id)
    done = client_for(ca.url).poll(Pending.from_dict(stored), key, cas)  # a fresh client
    assert done.status == "SUCCESS"
    assert done.certificate is not None
    assert spki(done.certificate.public_key()) == spki(key.public_key())
    assert ca.issued == [done.certificate]

    log = ca.pki_log()
    assert [e.message_type for e in log] == ["PKCSReq", "CertPoll", "CertPoll"]
    assert [e.pki_status for e in log] == ["PENDING", "PENDING", "SUCCESS"]
    assert {e.transaction_id for e in log} == {first.pending.transaction_id}
    assert {e.signer for e in log} == {log[0].signer}  # every poll signed like the request
    assert len({e.sender_nonce for e in log}) == len(log)  # a fresh nonce each time
    for poll in log[1:]:
        assert poll.issuer == ca.ca.certificate.subject  # IssuerAndSubject
        assert poll.subject == csr.subject
    assert ca.errors == []


def test_pending_approved_on_the_nth_poll(scep_ca: Start, key: rsa.RSAPrivateKey) -> None:
    ca = scep_ca(pending=True, approve_on_poll=3)
    client = client_for(ca.url)
    cas = client.ca_certificates()
    outcome = client.enroll(csr_for(key), key, cas)
    statuses = []
    while outcome.status == "PENDING" and len(statuses) < 5:
        assert outcome.pending is not None
        outcome = client.poll(outcome.pending, key, cas)
        statuses.append(outcome.status)
    assert statuses == ["PENDING", "PENDING", "SUCCESS"]


def test_pending_rejected_by_the_operator(scep_ca: Start, key: rsa.RSAPrivateKey) -> None:
    ca = scep_ca(pending=True)
    client = client_for(ca.url)
    cas = client.ca_certificates()
    outcome = client.enroll(csr_for(key), key, cas)
    assert outcome.pending is not None
    ca.reject(outcome.pending.transaction_id, "badTime")
    with pytest.raises(ScepFailure) as info:
        client.poll(outcome.pending, key, cas)
    exactly(ScepFailure, info)
    assert info.value.fail_info == "bad time"
    assert ca.issued == []


# --------------------------------------------------------------------------------------------
# RenewalReq and GetCRL
# --------------------------------------------------------------------------------------------


def test_renewal_req_signed_by_the_existing_certificate(
    scep_ca: Start, key: rsa.RSAPrivateKey
) -> None:
    ca = scep_ca(ra=True)
    client, cas, old = enroll(ca, key)
    new_key = rsa_key(2048, "client-renewed")
    outcome = client.enroll(
        csr_for(new_key, challenge=None), new_key, cas, signer=old, signer_key=key, renewal=True
    )
    assert outcome.status == "SUCCESS"
    assert outcome.certificate is not None
    assert spki(outcome.certificate.public_key()) == spki(new_key.public_key())
    renewal = ca.pki_log()[-1]
    assert renewal.message_type == "RenewalReq"
    assert renewal.signer == old
    assert ca.errors == []


def test_renewal_without_the_capability_is_a_first_request(
    scep_ca: Start, key: rsa.RSAPrivateKey
) -> None:
    ca = scep_ca(capabilities=["POSTPKIOperation", "SHA-256", "AES"])
    client, cas, old = enroll(ca, key)
    outcome = client.enroll(csr_for(key), key, cas, signer=old, renewal=True)
    assert outcome.status == "SUCCESS"
    second = ca.pki_log()[-1]
    assert second.message_type == "PKCSReq"
    assert second.signer is not None
    assert second.signer != old
    assert second.signer.issuer == second.signer.subject


@pytest.mark.parametrize("ra", [False, True], ids=["ca", "ra"])
def test_get_crl(scep_ca: Start, key: rsa.RSAPrivateKey, ra: bool) -> None:
    ca = scep_ca(ra=ra)
    client, cas, cert = enroll(ca, key)
    ca.revoke(cert.serial_number)
    ca.revoke(4242)
    crl = client.crl(cas, cert, key)
    assert {r.serial_number for r in crl} == {cert.serial_number, 4242}
    assert crl.issuer == ca.ca.certificate.subject
    assert crl.is_signature_valid(ca.ca.key.public_key())
    ex = ca.pki_log()[-1]
    assert (ex.message_type, ex.pki_status) == ("GetCRL", "SUCCESS")
    assert ex.serial == cert.serial_number
    assert ex.issuer == ca.ca.certificate.subject
    assert ex.signer == cert


def test_get_crl_not_offered(scep_ca: Start, key: rsa.RSAPrivateKey) -> None:
    ca = scep_ca(capabilities=["POSTPKIOperation", "SHA-256", "AES"])
    client, cas, cert = enroll(ca, key)
    with pytest.raises(ScepFailure) as info:
        client.crl(cas, cert, key)
    exactly(ScepFailure, info)
    assert info.value.fail_info == "bad request"


# --------------------------------------------------------------------------------------------
# POST or GET, path, digest, ciphers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caps", "method"),
    [(["POSTPKIOperation"], "POST"), (["SCEPStandard"], "POST"), (["SHA-256", "AES"], "GET")],
)
def test_post_or_get(scep_ca: Start, key: rsa.RSAPrivateKey, caps: list[str], method: str) -> None:
    """POST when advertised; else GET with percent-encoded standard base64 (the responder
    reads the query as a CGI does, ``+`` as a space: an unescaped message would not parse).
    Without POST advertised the responder answers a POST 405."""
    ca = scep_ca(capabilities=caps)
    enroll(ca, key)
    [ex] = ca.pki_log()
    assert ex.method == method
    assert ex.pki_status == "SUCCESS"
    if method == "GET":
        raw = ex.query.split("message=", 1)[1].split("&", 1)[0]
        assert set(raw) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%")
        assert "%2B" in raw or "%2F" in raw  # base64 of a 2 kB message holds + or /
        assert urllib.parse.unquote(raw).endswith("=") == raw.endswith("%3D")
    assert ca.errors == []


def test_url_without_path_uses_the_ios_default(scep_ca: Start, key: rsa.RSAPrivateKey) -> None:
    ca = scep_ca()
    client = client_for(ca.base_url)
    client.ca_certificates()
    assert [e.path for e in ca.log] == [SCEP_PATH]


def test_url_path_is_used_as_given(scep_ca: Start, key: rsa.RSAPrivateKey) -> None:
    ca = scep_ca(path="/scep")
    enroll(ca, key)
    assert {e.path for e in ca.log} == {"/scep"}
    with pytest.raises(HttpStatusError) as info:  # the default path is not served there
        client_for(ca.base_url).ca_certificates()
    exactly(HttpStatusError, info)
    assert info.value.status == 404


@pytest.mark.parametrize(
    ("caps", "digest"),
    [(["POSTPKIOperation", "SHA-256", "SHA-1"], "sha256"), (["POSTPKIOperation"], "sha1")],
)
def test_digest_choice(
    scep_ca: Start, key: rsa.RSAPrivateKey, caps: list[str], digest: str
) -> None:
    ca = scep_ca(capabilities=caps)
    enroll(ca, key)
    assert ca.pki_log()[0].digest == digest


@pytest.mark.parametrize(
    ("caps", "cipher"),
    [
        (["POSTPKIOperation", "AES", "DES3"], "aes256"),
        (["POSTPKIOperation", "AES128", "DES3"], "aes128"),
        (["POSTPKIOperation", "DES3"], "des3"),
        (["POSTPKIOperation"], "des"),
    ],
)
def test_request_cipher_choice(
    scep_ca: Start, key: rsa.RSAPrivateKey, caps: list[str], cipher: str
) -> None:
    ca = scep_ca(capabilities=caps)
    enroll(ca, key)
    [ex] = ca.pki_log()
    assert ex.cipher == cipher
    assert ex.reply_cipher == cipher  # the responder answers in kind by default


@pytest.mark.parametrize("cipher", ["aes256", "aes128", "des3", "des"])
@pytest.mark.parametrize("digest", ["sha256", "sha1"])
def test_reply_cipher_and_digest(
    scep_ca: Start, key: rsa.RSAPrivateKey, cipher: str, digest: str
) -> None:
    """Replies in each content encryption and digest, whatever the request used."""
    ca = scep_ca(ra=True, reply_cipher=cipher, reply_digest=digest)
    _, _, cert = enroll(ca, key)
    [ex] = ca.pki_log()
    assert ex.reply_cipher == cipher
    assert ex.issued == cert


def test_ca_without_get_ca_caps_gets_the_rfc_defaults(
    scep_ca: Start, key: rsa.RSAPrivateKey
) -> None:
    """A CA that answers GetCACaps with an HTTP error offers nothing (RFC 8894 3.5.1): GET,
    SHA-1, DES."""
    ca = scep_ca(faults={"GetCACaps": Fault.HTTP_500})
    enroll(ca, key)
    ex = ca.pki_log()[0]
    assert (ex.method, ex.digest, ex.cipher) == ("GET", "sha1", "des")


# --------------------------------------------------------------------------------------------
# Faults (item 8): each one typed exception, and nothing else
# --------------------------------------------------------------------------------------------


def test_ca_down(scep_ca: Start) -> None:
    ca = scep_ca()
    url = ca.url
    ca.close()
    with pytest.raises(TransportError) as info:
        client_for(url).ca_certificates()
    exactly(TransportError, info)


@pytest.mark.parametrize("operation", ["GetCACert", "PKIOperation"])
def test_ca_that_does_not_answer(scep_ca: Start, key: rsa.RSAPrivateKey, operation: str) -> None:
    ca = scep_ca(faults={operation: Fault.HANG})
    client = client_for(ca.url, timeout=0.5)
    with pytest.raises(TransportTimeout) as info:
        full_exchange(client, key)
    exactly(TransportTimeout, info)


@pytest.mark.parametrize("operation", ["GetCACert", "PKIOperation"])
def test_connection_closed_without_a_reply(
    scep_ca: Start, key: rsa.RSAPrivateKey, operation: str
) -> None:
    ca = scep_ca(faults={operation: Fault.CLOSE})
    client = client_for(ca.url)
    with pytest.raises(TransportError) as info:
        full_exchange(client, key)
    exactly(TransportError, info)


@pytest.mark.parametrize("fault", [Fault.HTTP_404, Fault.HTTP_500])
@pytest.mark.parametrize("operation", ["GetCACert", "PKIOperation", "CertPoll"])
def test_http_status(scep_ca: Start, key: rsa.RSAPrivateKey, fault: Fault, operation: str) -> None:
    ca = scep_ca(pending=True, faults={operation: fault})
    client = client_for(ca.url)
    with pytest.raises(HttpStatusError) as info:
        full_exchange(client, key)
    exactly(HttpStatusError, info)
    assert info.value.status == int(fault.value.removeprefix("http-"))


@pytest.mark.parametrize("fault", [Fault.GARBAGE, Fault.TRUNCATED])
@pytest.mark.parametrize("ra", [False, True], ids=["ca", "ra"])
def test_bad_get_ca_cert_body(scep_ca: Start, fault: Fault, ra: bool) -> None:
    ca = scep_ca(ra=ra, faults={"GetCACert": fault})
    with pytest.raises(ScepProtocolError) as info:
        client_for(ca.url).ca_certificates()
    exactly(ScepProtocolError, info)


@pytest.mark.parametrize(
    "fault",
    [
        Fault.GARBAGE,
        Fault.TRUNCATED,
        Fault.WRONG_SIGNER_KEY,
        Fault.WRONG_SIGNER_CERT,
        Fault.WRONG_RECIPIENT_NONCE,
        Fault.WRONG_TRANSACTION_ID,
        Fault.WRONG_MESSAGE_TYPE,
        Fault.OTHER_PUBLIC_KEY,
    ],
)
@pytest.mark.parametrize("ra", [False, True], ids=["ca", "ra"])
def test_bad_cert_rep(scep_ca: Start, key: rsa.RSAPrivateKey, fault: Fault, ra: bool) -> None:
    ca = scep_ca(ra=ra, faults={"PKCSReq": fault})
    client = client_for(ca.url)
    cas = client.ca_certificates()
    with pytest.raises(ScepProtocolError) as info:
        client.enroll(csr_for(key), key, cas)
    exactly(ScepProtocolError, info)
    assert ca.pki_log()[0].fault == fault
    assert ca.errors == []  # the responder read the request: the fault is in the reply


@pytest.mark.parametrize(
    "fault",
    [
        Fault.TRUNCATED,
        Fault.WRONG_SIGNER_CERT,
        Fault.WRONG_RECIPIENT_NONCE,
        Fault.WRONG_TRANSACTION_ID,
        Fault.OTHER_PUBLIC_KEY,
    ],
)
def test_bad_cert_rep_to_certpoll(scep_ca: Start, key: rsa.RSAPrivateKey, fault: Fault) -> None:
    ca = scep_ca(pending=True, approve_on_poll=1, faults={"CertPoll": fault})
    client = client_for(ca.url)
    cas = client.ca_certificates()
    outcome = client.enroll(csr_for(key), key, cas)
    assert outcome.pending is not None
    with pytest.raises(ScepProtocolError) as info:
        client.poll(outcome.pending, key, cas)
    exactly(ScepProtocolError, info)


def test_ra_reply_signed_by_a_certificate_named_like_the_ra(
    scep_ca: Start, key: rsa.RSAPrivateKey
) -> None:
    """The RA signer is picked by issuer and serial, not by name: a self-signed certificate
    with the RA signer's subject does not pass."""
    ca = scep_ca(ra=True, faults={"PKIOperation": Fault.WRONG_SIGNER_CERT})
    client = client_for(ca.url)
    cas = client.ca_certificates()
    with pytest.raises(ScepProtocolError) as info:
        client.enroll(csr_for(key), key, cas)
    exactly(ScepProtocolError, info)
    [ex] = ca.pki_log()
    assert ex.reply_signer is not None
    assert ca.ca.ra_signer is not None
    assert ex.reply_signer.subject == ca.ca.ra_signer.subject
    assert ex.reply_signer != ca.ca.ra_signer

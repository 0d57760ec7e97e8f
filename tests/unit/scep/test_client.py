"""``xrsim.scep.client``: ``Capabilities``, ``CaCertificates`` and ``ScepClient`` against a small
CA made here on ``xrsim.scep.message`` (it really decrypts, checks the challenge, issues with
pyca and signs its CertRep), reached through a ``Transport`` that calls it in-process.

Every client path: PKCSReq over POST and GET, each cipher and digest the CA advertises, NDES
style RA certificates, replies in BER and in DES whatever was asked, FAILURE with each failInfo
in words, PENDING then CertPoll with the same transactionID, RenewalReq, GetCRL. And every
refusal: bad signature, a signer other than the CA or RA, nonce or transactionID mismatch, a
reply of the wrong type or without status, a certificate for another key, garbage or truncated
replies, transport errors passed through unchanged."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AttributeOID, NameOID
from pyasn1.codec.ber import decoder as ber_decoder
from pyasn1.codec.ber import encoder as ber_encoder
from pyasn1.type import namedtype, tag, univ
from pyasn1_modules import rfc5652

from xrsim.errors import (
    HttpStatusError,
    ScepError,
    ScepFailure,
    ScepProtocolError,
    TransportError,
    TransportTimeout,
)
from xrsim.scep import message as m
from xrsim.scep.client import (
    CA_CERT,
    CA_RA_CERT,
    CaCertificates,
    Capabilities,
    Outcome,
    Pending,
    Reply,
    ScepClient,
    self_signed,
    transaction_id_for,
)

pytestmark = pytest.mark.timeout(60)

CHALLENGE = "Chall3nge-7391"
MICROMDM_CAPS = ["Renewal", "SHA-1", "SHA-256", "AES", "DES3", "SCEPStandard", "POSTPKIOperation"]


# --------------------------------------------------------------------------------------------
# Keys and certificates (RSA-2048, made once per module)
# --------------------------------------------------------------------------------------------


def _key_usage(**on: bool) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


def make_cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None,
    *,
    ca: bool = False,
    usage: x509.KeyUsage | None = None,
    public: rsa.RSAPublicKey | None = None,
) -> x509.Certificate:
    name = (
        x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lab")])
        if not subject
        else (x509.Name.from_rfc4514_string(subject))
    )
    now = datetime.datetime.now(datetime.UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(public or key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if usage is not None:
        b = b.add_extension(usage, critical=True)
    return b.sign(issuer[1] if issuer else key, hashes.SHA256())


class Keys:
    def __init__(self) -> None:
        gen = lambda: rsa.generate_private_key(65537, 2048)  # noqa: E731
        self.ca_key, self.ra_sign_key, self.ra_enc_key = gen(), gen(), gen()
        self.client_key, self.client_key2, self.other_key = gen(), gen(), gen()
        # The Debian CA's certificate: keyCertSign + cRLSign only.
        self.ca = make_cert(
            "OU=SCEP CA,O=lab,C=US",
            self.ca_key,
            ca=True,
            usage=_key_usage(key_cert_sign=True, crl_sign=True),
        )
        issuer = (self.ca, self.ca_key)
        self.ra_sign = make_cert(
            "CN=RA sign,O=lab", self.ra_sign_key, issuer, usage=_key_usage(digital_signature=True)
        )
        self.ra_enc = make_cert(
            "CN=RA encrypt,O=lab",
            self.ra_enc_key,
            issuer,
            usage=_key_usage(key_encipherment=True, data_encipherment=True),
        )
        self.other_ca = make_cert("OU=SCEP CA,O=lab,C=US", self.other_key, ca=True)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def csr_for(key: rsa.RSAPrivateKey, cn: str = "r1.lab", password: str = CHALLENGE) -> Any:
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lab"),
            ]
        )
    )
    b = b.add_attribute(AttributeOID.CHALLENGE_PASSWORD, password.encode())
    return b.sign(key, hashes.SHA256())


# --------------------------------------------------------------------------------------------
# A CA on xrsim.scep.message, reached in-process
# --------------------------------------------------------------------------------------------


@dataclass
class Seen:
    """What the CA received in one PKIOperation."""

    method: str
    message_type: m.MessageType
    transaction_id: str
    digest: str
    cipher: str
    signer: x509.Certificate
    content: bytes


@dataclass
class LabCa:
    """A SCEP CA: answers GetCACaps, GetCACert and PKIOperation like a real one would, with
    knobs for the faults the client must refuse. ``statuses`` are answered in turn to
    PKCSReq/RenewalReq/CertPoll (the last repeats)."""

    keys: Keys
    caps: list[str] = field(default_factory=lambda: list(MICROMDM_CAPS))
    ra: bool = False
    statuses: list[m.PkiStatus] = field(default_factory=lambda: [m.PkiStatus.SUCCESS])
    fail_info: m.FailInfo = m.FailInfo.BAD_REQUEST
    reply_cipher: str = "des"  # micromdm: DES-CBC whatever was asked
    reply_digest: str = "sha1"
    issued_first: bool = True  # micromdm: the issued certificate before the signer
    ber: bool = False
    # Faults
    sign_with: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None
    attributes: Callable[[m.PkiAttributes], m.PkiAttributes] | None = None
    issue_for: rsa.RSAPublicKey | None = None
    body: Callable[[bytes], bytes] | None = None
    crl_key: rsa.RSAPrivateKey | None = None
    seen: list[Seen] = field(default_factory=list)
    pending: dict[str, x509.CertificateSigningRequest] = field(default_factory=dict)

    # -- Transport --------------------------------------------------------------------------

    def get(self, operation: str, message: bytes | None) -> Reply:
        if operation == "GetCACaps":
            return Reply("text/plain", "\n".join(self.caps).encode())
        if operation == "GetCACert":
            if self.ra:
                chain = [self.keys.ca, self.keys.ra_sign, self.keys.ra_enc]
                return Reply(CA_RA_CERT, m.build_degenerate(chain))
            return Reply(CA_CERT, self.keys.ca.public_bytes(serialization.Encoding.DER))
        if operation == "PKIOperation" and message is not None:
            return self._pki("GET", message)
        raise HttpStatusError("the server answered HTTP 404 Not Found", 404)

    def post(self, operation: str, message: bytes) -> Reply:
        if operation != "PKIOperation" or "POSTPKIOperation" not in self.caps:
            raise HttpStatusError("the server answered HTTP 405 Method Not Allowed", 405)
        return self._pki("POST", message)

    # -- the CA -----------------------------------------------------------------------------

    @property
    def _decrypter(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        k = self.keys
        return (k.ra_enc, k.ra_enc_key) if self.ra else (k.ca, k.ca_key)

    @property
    def _signer(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        k = self.keys
        if self.sign_with is not None:
            return self.sign_with
        return (k.ra_sign, k.ra_sign_key) if self.ra else (k.ca, k.ca_key)

    def _status(self) -> m.PkiStatus:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def _pki(self, method: str, data: bytes) -> Reply:
        req = m.parse_signed(data)
        signer = req.signer()
        assert signer is not None
        req.verify(signer)
        assert req.content is not None
        cert, key = self._decrypter
        inner = m.open_envelope(req.content, key, cert)
        a = req.attributes
        self.seen.append(
            Seen(
                method,
                a.message_type,
                a.transaction_id,
                req.digest,
                m.envelope_cipher(req.content),
                signer,
                inner,
            )
        )
        status = m.PkiStatus.SUCCESS
        payload: list[x509.Certificate] = []
        crls: list[x509.CertificateRevocationList] = []
        if a.message_type in (m.MessageType.PKCS_REQ, m.MessageType.RENEWAL_REQ):
            csr = x509.load_der_x509_csr(inner)
            password = csr.attributes.get_attribute_for_oid(AttributeOID.CHALLENGE_PASSWORD)
            if a.message_type is m.MessageType.PKCS_REQ and password.value != CHALLENGE.encode():
                status = m.PkiStatus.FAILURE
            else:
                self.pending[a.transaction_id] = csr
                status = self._status()
        elif a.message_type is m.MessageType.CERT_POLL:
            ias = m.parse_issuer_and_subject(inner)
            csr = self.pending[a.transaction_id]
            assert ias.issuer == self.keys.ca.subject.public_bytes()
            assert ias.subject == csr.subject.public_bytes()
            status = self._status()
        elif a.message_type is m.MessageType.GET_CRL:
            name, serial = m.parse_issuer_and_serial(inner)
            assert name == self.keys.ca.subject
            now = datetime.datetime.now(datetime.UTC)
            crls.append(
                x509.CertificateRevocationListBuilder()
                .issuer_name(self.keys.ca.subject)
                .last_update(now)
                .next_update(now + datetime.timedelta(days=1))
                .add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(serial + 1)
                    .revocation_date(now)
                    .build()
                )
                .sign(self.crl_key or self.keys.ca_key, hashes.SHA256())
            )
        if status is m.PkiStatus.SUCCESS and not crls:
            csr = self.pending[a.transaction_id]
            payload.append(
                make_cert(
                    csr.subject.rfc4514_string(),
                    self.keys.ca_key,
                    (self.keys.ca, self.keys.ca_key),
                    public=self.issue_for or csr.public_key(),  # type: ignore[arg-type]
                    usage=_key_usage(digital_signature=True, key_encipherment=True),
                )
            )
        reply_attrs = m.PkiAttributes(
            m.MessageType.CERT_REP,
            a.transaction_id,
            m.new_nonce(),
            a.sender_nonce,
            status,
            self.fail_info if status is m.PkiStatus.FAILURE else None,
        )
        if self.attributes is not None:
            reply_attrs = self.attributes(reply_attrs)
        content = None
        if status is m.PkiStatus.SUCCESS:
            content = m.envelope(m.build_degenerate(payload, crls), signer, self.reply_cipher)
            if self.ber:
                content = to_ber(content, rfc5652.EnvelopedData())
        sign_cert, sign_key = self._signer
        certs = [*payload, sign_cert] if self.issued_first else [sign_cert, *payload]
        body = m.build_signed(
            content, reply_attrs, sign_cert, sign_key, digest=self.reply_digest, certificates=certs
        )
        if self.ber:
            body = to_ber(body, _AnyCertsSignedData())
        if self.body is not None:
            body = self.body(body)
        return Reply("application/x-pki-message", body)


class _AnyCertsSignedData(univ.Sequence):  # type: ignore[misc]
    pass


_AnyCertsSignedData.componentType = namedtype.NamedTypes(
    namedtype.NamedType("version", rfc5652.CMSVersion()),
    namedtype.NamedType("digestAlgorithms", rfc5652.DigestAlgorithmIdentifiers()),
    namedtype.NamedType("encapContentInfo", rfc5652.EncapsulatedContentInfo()),
    namedtype.OptionalNamedType(
        "certificates",
        univ.SetOf(componentType=univ.Any()).subtype(
            implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
        ),
    ),
    namedtype.NamedType("signerInfos", rfc5652.SignerInfos()),
)


def to_ber(der: bytes, inner_spec: Any) -> bytes:
    ci, _ = ber_decoder.decode(der, asn1Spec=rfc5652.ContentInfo())
    inner, _ = ber_decoder.decode(bytes(ci["content"]), asn1Spec=inner_spec)
    body = ber_encoder.encode(inner, defMode=False, maxChunkSize=7, omitEmptyOptionals=True)
    ci["content"] = univ.Any(body).subtype(
        explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
    )
    out: bytes = ber_encoder.encode(ci, defMode=False)
    return out


@pytest.fixture
def lab(keys: Keys) -> LabCa:
    return LabCa(keys)


def enroll(ca: LabCa, key: rsa.RSAPrivateKey, **kw: Any) -> Outcome:
    client = ScepClient(ca)
    certs = client.ca_certificates()
    return client.enroll(csr_for(key), key, certs, **kw)


def assert_issued(outcome: Outcome, keys: Keys, key: rsa.RSAPrivateKey) -> x509.Certificate:
    assert outcome.status == "SUCCESS"
    assert outcome.pending is None
    cert = outcome.certificate
    assert cert is not None
    assert cert.public_key() == key.public_key()
    cert.verify_directly_issued_by(keys.ca)
    return cert


# --------------------------------------------------------------------------------------------
# Capabilities
# --------------------------------------------------------------------------------------------


def test_capabilities_of_the_debian_ca() -> None:
    caps = Capabilities.parse(
        b"Renewal\nSHA-1\nSHA-256\nAES\nDES3\nSCEPStandard\nPOSTPKIOperation\n"
    )
    assert caps.names == frozenset(MICROMDM_CAPS)
    assert caps.post
    assert caps.renewal
    assert caps.digest == "sha256"
    assert caps.cipher == "aes128"  # RFC 8894 3.5.2: AES is AES128-CBC


@pytest.mark.parametrize(
    ("names", "post", "renewal", "digest", "cipher"),
    [
        ([], False, False, "sha1", "des"),
        (["DES3"], False, False, "sha1", "des3"),
        (["SHA-1", "DES3"], False, False, "sha1", "des3"),
        (["sha-256", "des3", "postpkioperation"], True, False, "sha256", "des3"),
        (["AES128"], False, False, "sha1", "aes128"),
        (["AES-256", "AES128"], False, False, "sha1", "aes256"),
        (["SCEPStandard"], True, False, "sha256", "aes128"),
        (["AES"], False, False, "sha1", "aes128"),
        (["Renewal", "GetNextCACert"], False, True, "sha1", "des"),
    ],
)
def test_capabilities_choices(
    names: list[str], post: bool, renewal: bool, digest: str, cipher: str
) -> None:
    caps = Capabilities.parse("\r\n".join(names))
    assert (caps.post, caps.renewal, caps.digest, caps.cipher) == (post, renewal, digest, cipher)


# --------------------------------------------------------------------------------------------
# CA certificates
# --------------------------------------------------------------------------------------------


def test_one_ca_certificate(keys: Keys) -> None:
    got = CaCertificates.from_reply(CA_CERT, keys.ca.public_bytes(serialization.Encoding.DER))
    assert got.ca == keys.ca
    assert got.ra_signer is None
    assert got.ra_encrypter is None
    assert got.recipient == keys.ca
    assert got.verifier == keys.ca
    assert got.chain == (keys.ca,)


def test_ndes_style_ra_certificates(keys: Keys) -> None:
    for order in (
        [keys.ca, keys.ra_sign, keys.ra_enc],
        [keys.ra_enc, keys.ra_sign, keys.ca],
    ):
        got = CaCertificates.from_reply(CA_RA_CERT + "; charset=binary", m.build_degenerate(order))
        assert got.ca == keys.ca
        assert got.ra_signer == keys.ra_sign
        assert got.ra_encrypter == keys.ra_enc
        assert got.recipient == keys.ra_enc
        assert got.verifier == keys.ra_sign
        assert got.chain == tuple(order)


def test_one_ra_certificate_for_both(keys: Keys) -> None:
    both = make_cert(
        "CN=RA,O=lab",
        keys.ra_sign_key,
        (keys.ca, keys.ca_key),
        usage=_key_usage(digital_signature=True, key_encipherment=True),
    )
    got = CaCertificates.from_reply(CA_RA_CERT, m.build_degenerate([keys.ca, both]))
    assert got.ra_signer == both
    assert got.ra_encrypter == both


def test_ra_certificates_refused(keys: Keys) -> None:
    stranger = make_cert(
        "CN=RA,O=lab",
        keys.ra_sign_key,
        (keys.other_ca, keys.other_key),
        usage=_key_usage(digital_signature=True, key_encipherment=True),
    )
    with pytest.raises(ScepProtocolError):  # RA not issued by the CA
        CaCertificates.from_reply(CA_RA_CERT, m.build_degenerate([keys.ca, stranger]))
    with pytest.raises(ScepProtocolError):  # RA that cannot encrypt
        CaCertificates.from_reply(CA_RA_CERT, m.build_degenerate([keys.ca, keys.ra_sign]))
    with pytest.raises(ScepProtocolError):
        CaCertificates.from_reply(CA_RA_CERT, m.build_degenerate([]))
    for body in (b"", b"garbage", keys.ca.public_bytes(serialization.Encoding.DER)[:-9]):
        for kind in (CA_CERT, CA_RA_CERT, "text/html"):
            with pytest.raises(ScepProtocolError):
                CaCertificates.from_reply(kind, body)


def test_ca_chain_without_ra(keys: Keys) -> None:
    """A sub-CA with its root: the sub-CA (the one that issued no other) is ``ca``."""
    sub_key = keys.ra_enc_key
    sub = make_cert("CN=sub CA,O=lab", sub_key, (keys.ca, keys.ca_key), ca=True)
    got = CaCertificates.from_reply(CA_RA_CERT, m.build_degenerate([keys.ca, sub]))
    assert got.ca == sub
    assert got.ra_signer is None


# --------------------------------------------------------------------------------------------
# Enrollment
# --------------------------------------------------------------------------------------------


def test_enroll_like_the_debian_ca(lab: LabCa, keys: Keys) -> None:
    """POST, AES-128 (its AES) and SHA-256 asked; DES-CBC/SHA-1 reply with the issued
    certificate first."""
    outcome = enroll(lab, keys.client_key)
    assert_issued(outcome, keys, keys.client_key)
    [seen] = lab.seen
    assert seen.method == "POST"
    assert seen.message_type is m.MessageType.PKCS_REQ
    assert seen.cipher == "aes128"
    assert seen.digest == "sha256"
    assert seen.transaction_id == transaction_id_for(keys.client_key.public_key())
    # Signed with a transient self-signed certificate for our key and subject.
    assert seen.signer.public_key() == keys.client_key.public_key()
    assert seen.signer.issuer == seen.signer.subject == csr_for(keys.client_key).subject
    sent = x509.load_der_x509_csr(seen.content)
    assert sent.public_key() == keys.client_key.public_key()
    assert sent.is_signature_valid
    password = sent.attributes.get_attribute_for_oid(AttributeOID.CHALLENGE_PASSWORD)
    assert password.value == CHALLENGE.encode()


@pytest.mark.parametrize(
    ("caps", "method", "cipher", "digest"),
    [
        (["POSTPKIOperation", "AES", "SHA-256"], "POST", "aes128", "sha256"),
        (["POSTPKIOperation", "AES256", "AES", "SHA-256"], "POST", "aes256", "sha256"),
        (["POSTPKIOperation", "AES128", "SHA-1"], "POST", "aes128", "sha1"),
        (["DES3", "SHA-256"], "GET", "des3", "sha256"),
        ([], "GET", "des", "sha1"),
    ],
)
def test_enroll_uses_the_best_advertised(
    keys: Keys, caps: list[str], method: str, cipher: str, digest: str
) -> None:
    lab = LabCa(keys, caps=caps)
    assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)
    [seen] = lab.seen
    assert (seen.method, seen.cipher, seen.digest) == (method, cipher, digest)


@pytest.mark.parametrize("reply_cipher", m.CIPHERS)
@pytest.mark.parametrize("reply_digest", m.DIGESTS)
def test_replies_in_every_cipher_and_digest(
    keys: Keys, reply_cipher: str, reply_digest: str
) -> None:
    lab = LabCa(keys, reply_cipher=reply_cipher, reply_digest=reply_digest)
    assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)


@pytest.mark.parametrize("issued_first", [True, False])
def test_reply_in_ber(keys: Keys, issued_first: bool) -> None:
    lab = LabCa(keys, ber=True, issued_first=issued_first)
    assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)


def test_enroll_through_ra(keys: Keys) -> None:
    """Encrypted to the RA certificate with keyEncipherment (the CA decrypts with that key
    only), replies signed by the RA signing certificate."""
    lab = LabCa(keys, ra=True)
    assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)
    assert len(lab.seen) == 1


def test_ra_mode_reply_signed_by_the_ca_is_accepted(keys: Keys) -> None:
    lab = LabCa(keys, ra=True, sign_with=(keys.ca, keys.ca_key))
    assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)


def test_ra_mode_reply_signed_by_the_encryption_ra_is_refused(keys: Keys) -> None:
    lab = LabCa(keys, ra=True, sign_with=(keys.ra_enc, keys.ra_enc_key))
    with pytest.raises(ScepProtocolError):
        enroll(lab, keys.client_key)


@pytest.mark.parametrize("fail", list(m.FailInfo))
def test_failure_in_words(keys: Keys, fail: m.FailInfo) -> None:
    lab = LabCa(keys, statuses=[m.PkiStatus.FAILURE], fail_info=fail)
    with pytest.raises(ScepFailure) as e:
        enroll(lab, keys.client_key)
    assert e.value.fail_info == fail.words
    assert fail.words in e.value.reason


def test_wrong_challenge_is_bad_request(lab: LabCa, keys: Keys) -> None:
    client = ScepClient(lab)
    ca = client.ca_certificates()
    with pytest.raises(ScepFailure) as e:
        client.enroll(csr_for(keys.client_key, password="wrong"), keys.client_key, ca)
    assert e.value.fail_info == "bad request"


def test_failure_without_fail_info(keys: Keys) -> None:
    lab = LabCa(
        keys,
        statuses=[m.PkiStatus.FAILURE],
        attributes=lambda a: replace(a, fail_info=None),
    )
    with pytest.raises(ScepFailure) as e:
        enroll(lab, keys.client_key)
    assert e.value.fail_info is None


def test_pending_then_poll(keys: Keys) -> None:
    lab = LabCa(keys, statuses=[m.PkiStatus.PENDING, m.PkiStatus.PENDING, m.PkiStatus.SUCCESS])
    client = ScepClient(lab)
    ca = client.ca_certificates()
    csr = csr_for(keys.client_key)
    first = client.enroll(csr, keys.client_key, ca, transaction_id="TX-42")
    assert first.status == "PENDING"
    assert first.certificate is None
    pending = first.pending
    assert pending is not None
    assert pending.transaction_id == "TX-42"
    stored = pending.to_dict()
    assert all(isinstance(v, str) for v in stored.values())
    restored = Pending.from_dict(stored)
    assert restored == pending

    # A later poll, from a fresh client as after a restart.
    again = ScepClient(lab).poll(restored, keys.client_key, ca)
    assert again.status == "PENDING"
    done = ScepClient(lab).poll(restored, keys.client_key, ca)
    assert_issued(done, keys, keys.client_key)
    kinds = [(s.message_type, s.transaction_id) for s in lab.seen]
    assert kinds == [
        (m.MessageType.PKCS_REQ, "TX-42"),
        (m.MessageType.CERT_POLL, "TX-42"),
        (m.MessageType.CERT_POLL, "TX-42"),
    ]
    assert lab.seen[1].signer == lab.seen[0].signer == pending.signer  # the same signer


def test_stored_pending_refused_when_damaged(keys: Keys) -> None:
    lab = LabCa(keys, statuses=[m.PkiStatus.PENDING])
    pending = enroll(lab, keys.client_key).pending
    assert pending is not None
    good = pending.to_dict()
    for broken in (
        {k: v for k, v in good.items() if k != "signer"},
        {**good, "issuer": "not base64!"},
        {**good, "subject": "AAAA"},
        {**good, "signer": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
        {**good, "cipher": "rc2"},
    ):
        with pytest.raises(ScepError):
            Pending.from_dict(broken)


def test_renewal_when_the_ca_offers_it(keys: Keys) -> None:
    lab = LabCa(keys)
    old = assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)
    # New key, signed with the existing certificate and its key.
    client = ScepClient(lab)
    ca = client.ca_certificates()
    outcome = client.enroll(
        csr_for(keys.client_key2),
        keys.client_key2,
        ca,
        signer=old,
        signer_key=keys.client_key,
        renewal=True,
    )
    assert_issued(outcome, keys, keys.client_key2)
    assert lab.seen[-1].message_type is m.MessageType.RENEWAL_REQ
    assert lab.seen[-1].signer == old


def test_renewal_without_renewal_capability_is_a_first_request(keys: Keys) -> None:
    lab = LabCa(keys, caps=["POSTPKIOperation", "SHA-256", "AES"])
    old = assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)
    client = ScepClient(lab)
    outcome = client.enroll(
        csr_for(keys.client_key),
        keys.client_key,
        client.ca_certificates(),
        signer=old,
        renewal=True,
    )
    assert_issued(outcome, keys, keys.client_key)
    assert lab.seen[-1].message_type is m.MessageType.PKCS_REQ
    assert lab.seen[-1].signer != old  # a transient self-signed one


def test_get_crl(keys: Keys) -> None:
    lab = LabCa(keys)
    cert = assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)
    client = ScepClient(lab)
    crl = client.crl(client.ca_certificates(), cert, keys.client_key)
    assert crl.issuer == keys.ca.subject
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number + 1) is not None
    assert lab.seen[-1].message_type is m.MessageType.GET_CRL
    assert lab.seen[-1].signer == cert


def test_get_crl_signed_by_another_key_is_refused(keys: Keys) -> None:
    lab = LabCa(keys)
    cert = assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)
    lab.crl_key = keys.other_key
    client = ScepClient(lab)
    with pytest.raises(ScepProtocolError):
        client.crl(client.ca_certificates(), cert, keys.client_key)


def test_ca_without_getcacaps_gets_the_basics(keys: Keys) -> None:
    class NoCaps(LabCa):
        def get(self, operation: str, message: bytes | None) -> Reply:
            if operation == "GetCACaps":
                raise HttpStatusError("the server answered HTTP 404 Not Found", 404)
            return super().get(operation, message)

    lab = NoCaps(keys)
    assert_issued(enroll(lab, keys.client_key), keys, keys.client_key)
    assert (lab.seen[0].method, lab.seen[0].cipher, lab.seen[0].digest) == ("GET", "des", "sha1")
    with pytest.raises(HttpStatusError):
        ScepClient(lab).capabilities()


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


def _flip_signature(body: bytes) -> bytes:
    """The last bytes of a DER SignedData with one signer are its signature."""
    return body[:-5] + bytes([body[-5] ^ 0x40]) + body[-4:]


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"body": _flip_signature}, id="bad-signature"),
        pytest.param({"sign_with": "impostor"}, id="wrong-signer-same-name"),
        pytest.param({"sign_with": "client"}, id="signed-by-requester-key"),
        pytest.param(
            {"attributes": lambda a: replace(a, recipient_nonce=m.new_nonce())}, id="nonce"
        ),
        pytest.param({"attributes": lambda a: replace(a, recipient_nonce=None)}, id="no-nonce"),
        pytest.param(
            {"attributes": lambda a: replace(a, transaction_id="other")}, id="transaction"
        ),
        pytest.param(
            {"attributes": lambda a: replace(a, message_type=m.MessageType.PKCS_REQ)},
            id="not-certrep",
        ),
        pytest.param({"attributes": lambda a: replace(a, pki_status=None)}, id="no-status"),
        pytest.param({"issue_for": "other"}, id="certificate-for-another-key"),
        pytest.param({"body": lambda b: b"<html>error</html>"}, id="garbage"),
        pytest.param({"body": lambda b: b[: len(b) // 2]}, id="truncated"),
        pytest.param({"body": lambda b: b[:-1]}, id="truncated-by-one"),
        pytest.param({"body": lambda b: b""}, id="empty"),
    ],
)
def test_bad_replies_are_protocol_errors(keys: Keys, fault: dict[str, Any]) -> None:
    kw = dict(fault)
    if kw.get("sign_with") == "impostor":
        kw["sign_with"] = (keys.other_ca, keys.other_key)
    elif kw.get("sign_with") == "client":
        kw["sign_with"] = (self_signed(keys.other_key, keys.ca.subject), keys.other_key)
    if kw.get("issue_for") == "other":
        kw["issue_for"] = keys.other_key.public_key()
    lab = LabCa(keys, **kw)
    with pytest.raises(ScepProtocolError):
        enroll(lab, keys.client_key)


def test_bad_replies_for_every_truncation(keys: Keys) -> None:
    """Every cut of a good reply (BER, like the Debian CA's) is refused as a protocol error."""
    lengths: list[int] = []

    def measure(body: bytes) -> bytes:
        lengths.append(len(body))
        return body

    assert_issued(
        enroll(LabCa(keys, ber=True, body=measure), keys.client_key), keys, keys.client_key
    )
    length = lengths[0]
    for cut in range(0, length, max(1, length // 60)):
        lab = LabCa(keys, ber=True, body=lambda b, cut=cut: b[:cut])  # type: ignore[misc]
        with pytest.raises(ScepProtocolError):
            enroll(lab, keys.client_key)


def test_transport_errors_pass_through(keys: Keys) -> None:
    class Down:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def get(self, operation: str, message: bytes | None) -> Reply:
            raise self.error

        def post(self, operation: str, message: bytes) -> Reply:
            raise self.error

    for error in (
        TransportError("the connection to 198.18.0.2 port 80 was refused"),
        TransportTimeout("198.18.0.2 port 80 did not answer within 5 seconds"),
        HttpStatusError("the server answered HTTP 500 Internal Server Error", 500),
    ):
        client = ScepClient(Down(error))
        with pytest.raises(type(error)) as e:
            client.ca_certificates()
        assert e.value is error
    ca = CaCertificates.from_certificates([keys.ca])
    client = ScepClient(
        Down(TransportTimeout("late")), capabilities=Capabilities(["POSTPKIOperation"])
    )
    with pytest.raises(TransportTimeout):
        client.enroll(csr_for(keys.client_key), keys.client_key, ca)


def test_enroll_refuses_mismatched_arguments(lab: LabCa, keys: Keys) -> None:
    client = ScepClient(lab)
    ca = client.ca_certificates()
    with pytest.raises(ValueError, match="request"):
        client.enroll(csr_for(keys.client_key), keys.client_key2, ca)
    with pytest.raises(ValueError, match="renewal"):
        client.enroll(csr_for(keys.client_key), keys.client_key, ca, renewal=True)
    assert lab.seen == []  # nothing was sent

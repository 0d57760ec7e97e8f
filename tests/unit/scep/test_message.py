"""``xrsim.scep.message``: the SCEP CMS pieces built and read back, every cipher and digest,
BER input (indefinite lengths, constructed strings), signer choice by issuer and serial,
tampering, and garbage or truncated input always giving ``ScepProtocolError``. The OpenSSL CLI
(``openssl cms``) judges what is built: it verifies the SignedData and decrypts the
EnvelopedData."""

from __future__ import annotations

import datetime
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyasn1.codec.ber import decoder as ber_decoder
from pyasn1.codec.ber import encoder as ber_encoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import namedtype, tag, univ
from pyasn1_modules import rfc5652

from xrsim.errors import ScepProtocolError
from xrsim.scep import message as m

pytestmark = pytest.mark.timeout(60)


# --------------------------------------------------------------------------------------------
# Keys and certificates (made once per module)
# --------------------------------------------------------------------------------------------


def make_cert(
    cn: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None,
    *,
    ski: bool = False,
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if ski:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    return b.sign(issuer[1] if issuer else key, hashes.SHA256())


class Pki:
    def __init__(self) -> None:
        self.ca_key = rsa.generate_private_key(65537, 2048)
        self.ca = make_cert("test CA", self.ca_key)
        self.key = rsa.generate_private_key(65537, 2048)
        self.cert = make_cert("client", self.key)
        self.other_key = rsa.generate_private_key(65537, 2048)
        # Same subject and issuer as ``ca``, another key and serial: only issuer+serial tells.
        self.impostor = make_cert("test CA", self.other_key)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def attrs(**kw: Any) -> m.PkiAttributes:
    base: dict[str, Any] = {
        "message_type": m.MessageType.PKCS_REQ,
        "transaction_id": "ABC123",
        "sender_nonce": bytes(range(16)),
    }
    base.update(kw)
    return m.PkiAttributes(**base)


# --------------------------------------------------------------------------------------------
# BER re-encoding (what Go, BouncyCastle and others write): indefinite lengths, chunked strings
# --------------------------------------------------------------------------------------------


class _AnyCertsSignedData(univ.Sequence):  # type: ignore[misc]
    """SignedData with certificates kept as raw DER (a certificate is always DER)."""


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
    """``der`` (a ContentInfo) re-encoded in BER: indefinite lengths everywhere, OCTET STRINGs
    constructed in 7-byte chunks."""
    ci, _ = ber_decoder.decode(der, asn1Spec=rfc5652.ContentInfo())
    inner, _ = ber_decoder.decode(bytes(ci["content"]), asn1Spec=inner_spec)
    body = ber_encoder.encode(inner, defMode=False, maxChunkSize=7, omitEmptyOptionals=True)
    ci["content"] = univ.Any(body).subtype(
        explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
    )
    out: bytes = ber_encoder.encode(ci, defMode=False)
    return out


# --------------------------------------------------------------------------------------------
# EnvelopedData
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", m.CIPHERS)
def test_envelope_round_trip_every_cipher(pki: Pki, cipher: str) -> None:
    content = b"certificate request " * 7
    env = m.envelope(content, pki.cert, cipher)
    assert m.envelope_cipher(env) == cipher
    assert m.open_envelope(env, pki.key, pki.cert) == content
    assert m.open_envelope(env, pki.key) == content  # any recipient info for this key
    for size in (0, 1, 15, 16, 17):  # padding at and around the block size
        assert m.open_envelope(m.envelope(b"x" * size, pki.cert, cipher), pki.key) == b"x" * size


@pytest.mark.parametrize("cipher", m.CIPHERS)
def test_envelope_accepts_ber(pki: Pki, cipher: str) -> None:
    env = m.envelope(b"payload" * 9, pki.cert, cipher)
    ber = to_ber(env, rfc5652.EnvelopedData())
    assert ber != env
    assert ber[1] == 0x80  # indefinite length
    assert m.open_envelope(ber, pki.key, pki.cert) == b"payload" * 9


def test_envelope_for_someone_else_is_refused(pki: Pki) -> None:
    env = m.envelope(b"secret", pki.cert, "aes256")
    with pytest.raises(ScepProtocolError):
        m.open_envelope(env, pki.key, pki.ca)  # not addressed to that certificate
    with pytest.raises(ScepProtocolError):
        m.open_envelope(env, pki.other_key)  # not our key (RSA implicit rejection: noise)
    with pytest.raises(ScepProtocolError):
        m.open_envelope(env, pki.ca_key, pki.cert)  # addressed to it, wrong key


def test_envelope_is_not_signed_data(pki: Pki) -> None:
    env = m.envelope(b"x", pki.cert)
    signed = m.build_signed(env, attrs(), pki.cert, pki.key)
    with pytest.raises(ScepProtocolError):
        m.open_envelope(signed, pki.key)
    with pytest.raises(ScepProtocolError):
        m.parse_signed(env)
    with pytest.raises(ScepProtocolError):
        m.parse_degenerate(env)


@pytest.mark.parametrize(
    ("cipher", "legacy"), [("aes256", False), ("aes128", False), ("des3", False), ("des", True)]
)
def test_openssl_decrypts_our_envelope(
    pki: Pki, cipher: str, legacy: bool, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    openssl = require_tool("openssl")
    (tmp_path / "env.der").write_bytes(m.envelope(b"hello openssl\n", pki.cert, cipher))
    (tmp_path / "key.pem").write_bytes(
        pki.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "cert.pem").write_bytes(pki.cert.public_bytes(serialization.Encoding.PEM))
    providers = ["-provider", "legacy", "-provider", "default"] if legacy else []
    out = subprocess.run(
        [
            *(openssl, "cms", "-decrypt", "-inform", "DER", "-in", "env.der"),
            *("-inkey", "key.pem", "-recip", "cert.pem", *providers),
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout == b"hello openssl\n"


def test_openssl_envelope_is_read(
    pki: Pki, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    """An EnvelopedData OpenSSL made (AES-256, BER when streaming) opens with our key."""
    openssl = require_tool("openssl")
    (tmp_path / "cert.pem").write_bytes(pki.cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "msg").write_bytes(b"from openssl")
    for extra in ([], ["-stream"]):
        out = subprocess.run(
            [
                *(openssl, "cms", "-encrypt", "-binary", "-aes256", "-outform", "DER"),
                *(*extra, "-in", "msg", "cert.pem"),
            ],
            cwd=tmp_path,
            capture_output=True,
            timeout=30,
            check=True,
        )
        assert m.envelope_cipher(out.stdout) == "aes256"
        assert m.open_envelope(out.stdout, pki.key, pki.cert) == b"from openssl"


# --------------------------------------------------------------------------------------------
# SignedData with SCEP attributes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("digest", m.DIGESTS)
def test_signed_round_trip(pki: Pki, digest: str) -> None:
    env = m.envelope(b"csr", pki.ca, "aes128")
    sent = attrs(
        message_type=m.MessageType.CERT_REP,
        recipient_nonce=b"r" * 16,
        pki_status=m.PkiStatus.FAILURE,
        fail_info=m.FailInfo.BAD_TIME,
        fail_info_text="clock skew",
    )
    data = m.build_signed(env, sent, pki.cert, pki.key, digest=digest)
    got = m.parse_signed(data)
    assert got.attributes == sent
    assert got.content == env
    assert got.digest == digest
    assert got.certificates == (pki.cert,)
    assert got.signer() == pki.cert
    assert got.signer_serial == pki.cert.serial_number
    got.verify(pki.cert)


def test_signed_without_content(pki: Pki) -> None:
    data = m.build_signed(
        None, attrs(pki_status=m.PkiStatus.PENDING), pki.ca, pki.ca_key, certificates=[]
    )
    got = m.parse_signed(data)
    assert got.content is None
    assert got.certificates == ()
    assert got.signer() is None
    assert got.signer([pki.cert, pki.ca]) == pki.ca
    got.verify(pki.ca)


def test_signer_is_picked_by_issuer_and_serial(pki: Pki) -> None:
    """The signer's certificate listed after others (micromdm lists the issued one first),
    beside an impostor with the same name: issuer and serial pick the right one."""
    data = m.build_signed(
        b"x", attrs(), pki.ca, pki.ca_key, certificates=[pki.cert, pki.impostor, pki.ca]
    )
    got = m.parse_signed(data)
    assert got.certificates == (pki.cert, pki.impostor, pki.ca)  # order kept both ways
    assert got.signer() == pki.ca
    assert got.is_signer(pki.ca)
    assert not got.is_signer(pki.impostor)
    got.verify(pki.ca)
    with pytest.raises(ScepProtocolError):
        got.verify(pki.impostor)
    with pytest.raises(ScepProtocolError):
        got.verify(pki.cert)


@pytest.mark.parametrize("digest", m.DIGESTS)
def test_signed_accepts_ber(pki: Pki, digest: str) -> None:
    env = to_ber(m.envelope(b"issued", pki.cert, "des"), rfc5652.EnvelopedData())
    data = m.build_signed(env, attrs(), pki.ca, pki.ca_key, digest=digest)
    ber = to_ber(data, _AnyCertsSignedData())
    assert ber != data
    got = m.parse_signed(ber)
    got.verify(pki.ca)
    assert got.content == env
    assert m.open_envelope(got.content, pki.key, pki.cert) == b"issued"


def _signer_info(data: bytes) -> tuple[Any, Any]:
    ci, _ = ber_decoder.decode(data, asn1Spec=rfc5652.ContentInfo())
    sd, _ = ber_decoder.decode(bytes(ci["content"]), asn1Spec=_AnyCertsSignedData())
    return ci, sd


def _rewrap(ci: Any, sd: Any) -> bytes:
    ci["content"] = univ.Any(der_encoder.encode(sd)).subtype(
        explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
    )
    out: bytes = der_encoder.encode(ci)
    return out


def test_tampered_content_is_refused(pki: Pki) -> None:
    ci, sd = _signer_info(m.build_signed(b"original", attrs(), pki.cert, pki.key))
    sd["encapContentInfo"]["eContent"] = b"tampered"
    got = m.parse_signed(_rewrap(ci, sd))
    with pytest.raises(ScepProtocolError):
        got.verify(pki.cert)


def test_bad_signature_is_refused(pki: Pki) -> None:
    ci, sd = _signer_info(m.build_signed(b"original", attrs(), pki.cert, pki.key))
    sig = bytearray(bytes(sd["signerInfos"][0]["signature"]))
    sig[10] ^= 0x01
    sd["signerInfos"][0]["signature"] = bytes(sig)
    got = m.parse_signed(_rewrap(ci, sd))
    with pytest.raises(ScepProtocolError):
        got.verify(pki.cert)


def test_tampered_attribute_is_refused(pki: Pki) -> None:
    good = m.build_signed(b"c", attrs(transaction_id="AAAA"), pki.cert, pki.key)
    bad = good.replace(b"AAAA", b"AAAB")
    got = m.parse_signed(bad)
    assert got.attributes.transaction_id == "AAAB"
    with pytest.raises(ScepProtocolError):
        got.verify(pki.cert)
    m.parse_signed(good).verify(pki.cert)


def test_unknown_attribute_values_are_refused(pki: Pki) -> None:
    good = m.build_signed(b"c", attrs(pki_status=m.PkiStatus.SUCCESS), pki.cert, pki.key)
    # messageType 19 -> 99; pkiStatus "0" -> "7": same lengths, unknown values
    with pytest.raises(ScepProtocolError):
        m.parse_signed(good.replace(b"\x13\x0219", b"\x13\x0299"))
    with pytest.raises(ScepProtocolError):
        m.parse_signed(good.replace(b"\x13\x010", b"\x13\x017"))


def test_openssl_verifies_our_signed_data(
    pki: Pki, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    openssl = require_tool("openssl")
    for digest in m.DIGESTS:
        (tmp_path / "msg.der").write_bytes(
            m.build_signed(b"the content", attrs(), pki.cert, pki.key, digest=digest)
        )
        out = subprocess.run(
            [openssl, "cms", "-verify", "-inform", "DER", "-in", "msg.der", "-noverify"],
            cwd=tmp_path,
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert out.returncode == 0, out.stderr.decode()
        assert out.stdout == b"the content"


def test_message_without_scep_attributes_is_refused(
    pki: Pki, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    """A plain CMS signature (OpenSSL's) is a SignedData but not a pkiMessage."""
    openssl = require_tool("openssl")
    (tmp_path / "key.pem").write_bytes(
        pki.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "cert.pem").write_bytes(pki.cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "msg").write_bytes(b"hi")
    out = subprocess.run(
        [
            *(openssl, "cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-in", "msg"),
            *("-signer", "cert.pem", "-inkey", "key.pem"),
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=30,
        check=True,
    )
    with pytest.raises(ScepProtocolError):
        m.parse_signed(out.stdout)


# --------------------------------------------------------------------------------------------
# Degenerate certs-only PKCS#7
# --------------------------------------------------------------------------------------------


def test_degenerate_round_trip(pki: Pki) -> None:
    now = datetime.datetime.now(datetime.UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.ca.subject)
        .last_update(now)
        .next_update(now + datetime.timedelta(days=1))
        .sign(pki.ca_key, hashes.SHA256())
    )
    data = m.build_degenerate([pki.cert, pki.ca], [crl])
    got = m.parse_degenerate(data)
    assert got.certificates == (pki.cert, pki.ca)
    assert got.crls == (crl,)
    assert m.parse_degenerate(m.build_degenerate([pki.ca, pki.cert])).certificates == (
        pki.ca,
        pki.cert,
    )
    empty = m.parse_degenerate(m.build_degenerate())
    assert empty.certificates == ()
    assert empty.crls == ()


def test_openssl_reads_our_degenerate_and_we_read_its(
    pki: Pki, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    openssl = require_tool("openssl")
    (tmp_path / "ours.p7b").write_bytes(m.build_degenerate([pki.ca, pki.cert]))
    out = subprocess.run(
        [openssl, "pkcs7", "-inform", "DER", "-in", "ours.p7b", "-print_certs", "-noout"],
        cwd=tmp_path,
        capture_output=True,
        timeout=30,
        check=True,
        text=True,
    )
    assert "CN = test CA" in out.stdout
    assert "CN = client" in out.stdout
    pem = pki.ca.public_bytes(serialization.Encoding.PEM) + pki.cert.public_bytes(
        serialization.Encoding.PEM
    )
    (tmp_path / "certs.pem").write_bytes(pem)
    out2 = subprocess.run(
        [openssl, "crl2pkcs7", "-nocrl", "-certfile", "certs.pem", "-outform", "DER"],
        cwd=tmp_path,
        capture_output=True,
        timeout=30,
        check=True,
    )
    assert set(m.parse_degenerate(out2.stdout).certificates) == {pki.ca, pki.cert}


# --------------------------------------------------------------------------------------------
# Payloads and names
# --------------------------------------------------------------------------------------------


def test_issuer_and_serial(pki: Pki) -> None:
    name, serial = m.parse_issuer_and_serial(m.issuer_and_serial(pki.cert))
    assert name == pki.cert.issuer
    assert serial == pki.cert.serial_number


def test_issuer_and_subject_keeps_encodings(pki: Pki) -> None:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),  # PrintableString
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lab"),  # UTF8String
            x509.NameAttribute(NameOID.COMMON_NAME, "r1.example.net"),
        ]
    )
    data = m.issuer_and_subject(pki.ca.subject, subject)
    got = m.parse_issuer_and_subject(data)
    assert got.subject == subject.public_bytes()
    assert got.issuer == pki.ca.subject.public_bytes()
    assert got.subject_name == subject
    assert got.subject_name.public_bytes() == subject.public_bytes()
    assert got.issuer_name == pki.ca.subject
    assert m.issuer_and_subject(got.issuer, got.subject) == data


def test_fail_info_words() -> None:
    assert [f.words for f in m.FailInfo] == [
        "bad algorithm",
        "bad message check",
        "bad request",
        "bad time",
        "bad certificate id",
    ]
    assert m.MessageType.PKCS_REQ.words == "PKCSReq"
    assert int(m.MessageType.CERT_POLL) == 20


# --------------------------------------------------------------------------------------------
# Garbage and truncation: always ScepProtocolError, nothing else escapes
# --------------------------------------------------------------------------------------------


def _parsers(pki: Pki) -> list[Callable[[bytes], object]]:
    return [
        m.parse_signed,
        m.parse_degenerate,
        lambda d: m.open_envelope(d, pki.key),
        m.parse_issuer_and_serial,
        m.parse_issuer_and_subject,
        m.name_from_der,
        m.envelope_cipher,
    ]


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"\x30", b"\x30\x80", b"\x30\x03\x02\x01", b"\x00" * 64, b"\xff" * 300],
)
def test_garbage_is_a_protocol_error(pki: Pki, data: bytes) -> None:
    for parse in _parsers(pki):
        with pytest.raises(ScepProtocolError):
            parse(data)


def test_truncated_input_is_a_protocol_error(pki: Pki) -> None:
    env = m.envelope(b"issued certificate", pki.cert, "des")
    signed = m.build_signed(env, attrs(), pki.ca, pki.ca_key, certificates=[pki.cert, pki.ca])
    ber = to_ber(signed, _AnyCertsSignedData())
    for data, parse in (
        (signed, m.parse_signed),
        (ber, m.parse_signed),
        (env, lambda d: m.open_envelope(d, pki.key)),
        (m.build_degenerate([pki.ca]), m.parse_degenerate),
    ):
        parse(data)  # whole: fine
        for cut in range(0, len(data), 13):
            with pytest.raises(ScepProtocolError):
                parse(data[:cut])
        with pytest.raises(ScepProtocolError):
            parse(data + b"\x00")  # a stray byte after the end

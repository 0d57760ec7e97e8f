"""``crypto ca`` through a booted router's CLI: the ``config-trustp`` submode, self enrollment
(the seed's Crosswork Trust Insights ``system-trustpoint``), ``show``/``clear crypto ca
certificates``, the seed's regeneration and key-algorithm change procedures, persistence,
switchover and release gating.

Certificates are read back here with pyca/cryptography; ``tests/integration/test_pki_openssl.py``
has the OpenSSL CLI judge them and covers cut-and-paste enrollment against an OpenSSL-made CA.
Every negative test compares the whole replicated state before and after the command.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier, SignatureAlgorithmOID

from support import Dialogue
from xrsim.cli.messages import NO_SUCH_ITEMS
from xrsim.cli.session import INVALID, CliSession
from xrsim.clock import SimClock
from xrsim.crypto import PrivateKey, generate_key
from xrsim.errors import UnansweredPrompt
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)  # a Friday
UNSTRUCTURED_NAME = ObjectIdentifier("1.2.840.113549.1.9.2")
UNSTRUCTURED_ADDRESS = ObjectIdentifier("1.2.840.113549.1.9.8")
CA_LIMIT = "% The software does not support CA server public keys greater than 2048 bits."
SERIAL_QUESTION = "% Include the router serial number in the subject name? [yes/no]: "
IP_QUESTION = "% Include an IP address in the subject name? [yes/no]: "
TP_PROMPT = "RP/0/RP0/CPU0:router(config-trustp)#"
ECDSA_SHA256 = SignatureAlgorithmOID.ECDSA_WITH_SHA256

Boot = Callable[..., Router]

# The seed's "Generate System Trust Point for the Leaf and Root Certificate", as typed.
TI_NAME = "system-trustpoint"
TI_SUBJECT = "CN=lab1-ads,C=US,ST=CA,L=San Jose,O=cisco systems,OU=ASR"
TI_CA_SUBJECT = "CN=lab1-ca,C=US,ST=CA,L=San Jose,O=cisco systems,OU=ASR"
TI_LINES = (
    "keypair rsa system-enroll-key",
    "ca-keypair rsa system-root-key",
    f"subject-name {TI_SUBJECT}",
    f"subject-name ca-certificate {TI_CA_SUBJECT}",
    "enrollment url self",
    "key-usage certificate digitalsignature keyagreement dataencipherment",
    "lifetime certificate 300",
    "message-digest sha256",
    "key-usage ca-certificate digitalsignature keycertsign crlsign",
    "lifetime ca-certificate 367",
)

# Every item of the submode that can be configured at once, as a user types them.
FULL = (
    "enrollment url https://ca.example.com/certsrv/mscep/mscep.dll",
    "query url ldap://my-ldap.domain.com",
    "enrollment retry period 2",
    "enrollment retry count 25",
    "keypair ecdsa enroll-key",
    "ca-keypair rsa root-key",
    f"subject-name {TI_SUBJECT}",
    f"subject-name ca-certificate {TI_CA_SUBJECT}",
    "key-usage certificate digitalsignature keyagreement dataencipherment",
    "key-usage ca-certificate digitalsignature keycertsign crlsign",
    "lifetime certificate 300",
    "lifetime ca-certificate 367",
    "message-digest sha512",
    "serial-number",
    "ip-address 10.1.1.1",
    "vrf mgmt",
    "crl optional",
)
NO_FORMS = dict(
    zip(
        FULL,
        (
            "no enrollment url",
            "no query url",
            "no enrollment retry period",
            "no enrollment retry count",
            "no keypair",
            "no ca-keypair",
            "no subject-name",
            "no subject-name ca-certificate",
            "no key-usage certificate",
            "no key-usage ca-certificate",
            "no lifetime certificate",
            "no lifetime ca-certificate",
            "no message-digest",
            "no serial-number",
            "no ip-address",
            "no vrf",
            "no crl optional",
        ),
        strict=True,
    )
)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture
def boot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Boot]:
    """``boot(name="r1", platform=None, **Router.boot kwargs)``: a router on a frozen clock
    (``START``) with its state in ``tmp_path/name``."""
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    routers: list[Router] = []

    def start(name: str = "r1", platform: str | None = None, **kwargs: Any) -> Router:
        kwargs.setdefault("clock", SimClock(START, frozen=True))
        r = Router.boot(platform, tmp_path / name, **kwargs)
        routers.append(r)
        return r

    yield start
    for r in routers:
        r.shutdown()


@pytest.fixture
def router(boot: Boot) -> Router:
    return boot()


@functools.cache
def cached_key(kind: str, size: int | str, n: int = 0) -> PrivateKey:
    """Keys made once per run (``n`` tells apart keys of the same kind and size)."""
    del n
    if kind == "ecdsa":
        return generate_key("ecdsa", curve=str(size))  # type: ignore[arg-type]
    if kind == "ed25519":
        return generate_key("ed25519")
    return generate_key(kind, bits=int(size))  # type: ignore[arg-type]


def body(text: str) -> list[str]:
    """Output lines without the timestamp line."""
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def squeeze(line: str) -> str:
    return " ".join(line.split())


def enroll_answers(serial: bool = False, ip: str | None = None) -> Dialogue:
    return Dialogue(
        answers={
            "router serial number": "yes" if serial else "no",
            "Include an IP address": "yes" if ip else "no",
            "IP Address": ip or "",
        }
    )


#: Tables of the state store the chassis keeps (not what crypto commands change).
CHASSIS_TABLES = ("chassis", "reboots", "switchovers")


def snapshot(router: Router) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the state store holds for configuration, keys and certificates."""
    rows = router.chassis.store.snapshot()
    return {t: r for t, r in rows.items() if t not in CHASSIS_TABLES}


def pem_files(router: Router) -> list[str]:
    """The stored certificates, named as format 1 kept them (``pki/<tp>/ca.pem``)."""
    rows = router.chassis.store.snapshot()["certificates"]
    return sorted(
        f"pki/{tp}/{'ca' if role == 'ca' else 'router-' + role}.pem" for tp, role, _ in rows
    )


def stored_keys(router: Router) -> list[tuple[str, str, str]]:
    return sorted((r.key_type, r.label, r.usage) for r in router.chassis.store.private_keys())


def tp_block(router: Router, name: str) -> list[str]:
    """The lines under ``crypto ca trustpoint NAME`` of the running configuration."""
    lines = body(router.cli(f"show running-config crypto ca trustpoint {name}"))
    assert lines[0] == f"crypto ca trustpoint {name}", lines
    assert lines[-1] == "!", lines
    inner = lines[1:-1]
    assert all(ln.startswith(" ") and not ln.startswith("  ") for ln in inner), inner
    return [ln[1:] for ln in inner]


def ca_cert(router: Router, name: str) -> x509.Certificate:
    raw = router.chassis.store.certificate(name, "ca")
    assert raw is not None, f"no CA certificate stored for {name}"
    return x509.load_pem_x509_certificate(raw)


def router_cert(router: Router, name: str, usage: str = "general") -> x509.Certificate:
    raw = router.chassis.store.certificate(name, usage)
    assert raw is not None, f"no {usage} router certificate stored for {name}"
    return x509.load_pem_x509_certificate(raw)


def spki(public: Any) -> bytes:
    der: bytes = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def stored_public(router: Router, kind: str, label: str, usage: str = "general") -> bytes:
    (entry,) = [e for e in router.keys.entries(kind) if e.label == label and e.usage == usage]  # type: ignore[arg-type]
    der: bytes = router.keys.load(entry).public_key().to_der()
    return der


def colon_hex(n: int) -> str:
    digits = f"{n:X}"
    digits = "0" * (len(digits) % 2) + digits
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def xr_time(t: datetime) -> str:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{t:%H:%M:%S} UTC {days[t.weekday()]} {months[t.month - 1]} {t.day:02d} {t.year}"


def sha1_hex(cert: x509.Certificate) -> str:
    import hashlib

    der = cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der).hexdigest().upper()


def attr(name: x509.Name, oid: ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def ti_lines(root: str = "rsa", leaf: str = "rsa", digest: str = "sha256") -> list[str]:
    """``TI_LINES`` with other key types and digest."""
    replaced = {
        "keypair rsa system-enroll-key": f"keypair {leaf} system-enroll-key",
        "ca-keypair rsa system-root-key": f"ca-keypair {root} system-root-key",
        "message-digest sha256": f"message-digest {digest}",
    }
    return [replaced.get(ln, ln) for ln in TI_LINES]


def trust_insights(
    router: Router,
    *,
    root: tuple[str, PrivateKey] | None = None,
    enroll: tuple[str, PrivateKey] | None = None,
    lines: Sequence[str] = TI_LINES,
) -> None:
    """The seed's Trust Insights preparation: both keys, ``domain name domain1`` and the
    ``system-trustpoint`` configuration."""
    root_kind, root_key = root or ("rsa", cached_key("rsa", 2048, 1))
    enroll_kind, enroll_key = enroll or ("rsa", cached_key("rsa", 2048, 2))
    router.keys.put(root_kind, "system-root-key", root_key)  # type: ignore[arg-type]
    router.keys.put(enroll_kind, "system-enroll-key", enroll_key)  # type: ignore[arg-type]
    router.configure(["domain name domain1", f"crypto ca trustpoint {TI_NAME}", *lines])


def self_trustpoint(router: Router, name: str, *extra: str, bits: int = 1024) -> None:
    """A small ``enrollment url self`` trustpoint with fixed subject questions."""
    router.keys.put("rsa", f"{name}-root", cached_key("rsa", bits, 3))
    router.keys.put("rsa", f"{name}-leaf", cached_key("rsa", 1024, 4))
    router.configure(
        [
            f"crypto ca trustpoint {name}",
            "enrollment url self",
            f"ca-keypair rsa {name}-root",
            f"keypair rsa {name}-leaf",
            "serial-number none",
            "ip-address none",
            *extra,
        ]
    )


# Fields of show crypto ca certificates: "Label : value", a label alone with its value on
# the next line (Subject, Issued By, SHA1 Fingerprint, CRL Distribution Point), headings.
_FIELD = re.compile(r"^(?P<label>[A-Za-z][A-Za-z0-9 ]*?)\s*:\s*(?P<value>.*)$")
_HEADINGS = ("CA certificate", "Router certificate", "CRL Distribution Point")


def fields(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for raw in body(text):
        line = raw.strip()
        if not line or set(line) == {"="}:
            continue
        m = _FIELD.match(line)
        if line in _HEADINGS:
            out.append((line, ""))
        elif m:
            out.append((m["label"], m["value"]))
        else:
            assert out, f"value without a label: {line!r}"
            label, value = out[-1]
            assert value == "", f"second value for {label}: {line!r}"
            out[-1] = (label, line)
    return out


def described(cert: x509.Certificate, subject: str, issuer: str) -> list[tuple[str, str]]:
    return [
        ("Serial Number", colon_hex(cert.serial_number)),
        ("Subject", subject),
        ("Issued By", issuer),
        ("Validity Start", xr_time(cert.not_valid_before_utc)),
        ("Validity End", xr_time(cert.not_valid_after_utc)),
        ("SHA1 Fingerprint", sha1_hex(cert)),
    ]


def enrolled_trust_insights(router: Router) -> tuple[x509.Certificate, x509.Certificate]:
    trust_insights(router)
    router.cli(f"crypto ca authenticate {TI_NAME}")
    router.cli(f"crypto ca enroll {TI_NAME}", answers=enroll_answers())
    return ca_cert(router, TI_NAME), router_cert(router, TI_NAME)


# --------------------------------------------------------------------------------------------
# 1. The trustpoint submode
# --------------------------------------------------------------------------------------------


def test_every_trustpoint_item_is_shown_as_typed(router: Router) -> None:
    s = router.session()
    assert s.handle_line("configure") == ""
    assert s.handle_line("crypto ca trustpoint tp1") == ""
    assert s.prompt == TP_PROMPT
    for line in FULL:
        assert s.handle_line(line) == "", line
    assert s.prompt == TP_PROMPT
    s.handle_line("commit")
    s.handle_line("end")
    assert sorted(tp_block(router, "tp1")) == sorted(FULL)
    # The whole running configuration holds the same block.
    running = body(router.cli("show running-config"))
    start = running.index("crypto ca trustpoint tp1")
    assert sorted(ln.strip() for ln in running[start + 1 : start + 1 + len(FULL)]) == sorted(FULL)


VARIANTS = [
    ("enrollment url http://ca.example.com/certsrv/mscep/mscep.dll", None, "no enrollment url"),
    ("enrollment url https://ca.example.com/pkiclient.exe", None, "no enrollment url"),
    ("enrollment url tftp://10.0.0.1;mgmt/myca", None, "no enrollment url"),
    ("enrollment url self", None, "no enrollment url"),
    ("enrollment terminal", None, "no enrollment terminal"),
    ("enrollment retry period 1", None, "no enrollment retry period"),
    ("enrollment retry period 60", None, "no enrollment retry period"),
    ("enrollment retry count 1", None, "no enrollment retry count"),
    ("enrollment retry count 100", None, "no enrollment retry count"),
    ("rsakeypair mykey", None, "no rsakeypair"),
    ("keypair rsa k1", None, "no keypair"),
    ("keypair ecdsa k1", None, "no keypair"),
    ("keypair ed25519 k1", None, "no keypair"),
    ("ca-keypair rsa r1", None, "no ca-keypair"),
    ("ca-keypair ecdsa r1", None, "no ca-keypair"),
    ("ca-keypair ed25519 r1", None, "no ca-keypair"),
    ("message-digest md5", None, "no message-digest"),
    ("message-digest sha1", None, "no message-digest"),
    ("message-digest sha256", None, "no message-digest"),
    ("message-digest sha384", None, "no message-digest"),
    ("message-digest sha512", None, "no message-digest"),
    ("serial-number none", None, "no serial-number"),
    ("ip-address none", None, "no ip-address"),
    ("ip-address 192.0.2.1", None, "no ip-address"),
    # Abbreviated keywords are shown in full.
    ("enrollment url self", "enr ur self", "no enr url"),
    ("enrollment retry period 5", "enrollment retry per 5", "no enrollment retry per"),
    ("lifetime ca-certificate 10", "lifetime ca 10", "no lifetime ca"),
    ("message-digest sha384", "message-digest SHA384", "no message-digest"),
    ("crl optional", "crl opt", "no crl opt"),
]


@pytest.mark.parametrize(
    ("shown", "typed", "no_form"), VARIANTS, ids=[v[1] or v[0] for v in VARIANTS]
)
def test_item_forms_and_their_no_form(
    router: Router, shown: str, typed: str | None, no_form: str
) -> None:
    router.configure(["crypto ca trustpoint tp1", "vrf mgmt", typed or shown])
    assert sorted(tp_block(router, "tp1")) == sorted(["vrf mgmt", shown])
    router.configure(["crypto ca trustpoint tp1", no_form])
    assert tp_block(router, "tp1") == ["vrf mgmt"]


@pytest.mark.parametrize("line", FULL)
def test_no_form_removes_its_item_only(router: Router, line: str) -> None:
    router.configure(["crypto ca trustpoint tp1", *FULL])
    router.configure(["crypto ca trustpoint tp1", NO_FORMS[line]])
    assert sorted(tp_block(router, "tp1")) == sorted(set(FULL) - {line})


BAD = [
    ("enrollment retry period 0", "0"),
    ("enrollment retry period 61", "61"),
    ("enrollment retry count 0", "0"),
    ("enrollment retry count 101", "101"),
    ("lifetime certificate 0", "0"),
    ("lifetime ca-certificate 0", "0"),
    ("enrollment url ftp://ca.example.com/pki", "ftp://ca.example.com/pki"),
    ("key-usage certificate digitalsignature bogus", "bogus"),
    ("key-usage ca-certificate keycertsign frobnicate crlsign", "frobnicate"),
    ("ip-address 10.1.1.256", "10.1.1.256"),
    ("ip-address 10.1.1", "10.1.1"),
    ("message-digest sha224", "sha224"),
]


@pytest.mark.parametrize(("line", "token"), BAD, ids=[b[0] for b in BAD])
def test_out_of_range_values_are_refused_at_the_marker(
    router: Router, line: str, token: str
) -> None:
    router.configure(["crypto ca trustpoint tp1", *FULL])
    s = router.session()
    s.handle_line("configure")
    s.handle_line("crypto ca trustpoint tp1")
    prompt = s.prompt
    assert prompt == TP_PROMPT
    out = s.handle_line(line)
    column = len(prompt) + line.rindex(token)
    assert out.splitlines() == [" " * column + "^", INVALID]
    assert s.prompt == TP_PROMPT
    # The session's changes hold nothing below the trustpoint (entering it is no change).
    candidate = body(s.handle_line("show configuration"))
    assert [ln for ln in candidate if ln.startswith(" ")] == [], candidate
    s.handle_line("commit")
    s.handle_line("end")
    assert sorted(tp_block(router, "tp1")) == sorted(FULL)


def test_key_usage_words_are_shown_in_canonical_form(router: Router) -> None:
    router.configure(
        [
            "crypto ca trustpoint tp1",
            "key-usage certificate digitalSignature keyEncipherment",
            "key-usage ca-certificate KeyCertSign CRLSign",
        ]
    )
    assert sorted(tp_block(router, "tp1")) == [
        "key-usage ca-certificate keycertsign crlsign",
        "key-usage certificate digitalsignature keyencipherment",
    ]


@pytest.mark.parametrize(
    ("configured", "other_no_form"),
    [
        ("enrollment url self", "no enrollment terminal"),
        ("enrollment terminal", "no enrollment url"),
    ],
)
def test_no_form_of_one_enrollment_method_keeps_the_other(
    router: Router, configured: str, other_no_form: str
) -> None:
    router.configure(["crypto ca trustpoint tp1", "vrf mgmt", configured])
    router.configure(["crypto ca trustpoint tp1", other_no_form])
    assert sorted(tp_block(router, "tp1")) == sorted([configured, "vrf mgmt"])


# --------------------------------------------------------------------------------------------
# 2. Self enrollment: the seed's Trust Insights system-trustpoint
# --------------------------------------------------------------------------------------------


def test_trust_insights_configuration_as_in_the_seed(router: Router) -> None:
    router.keys.put("rsa", "system-root-key", cached_key("rsa", 2048, 1))
    router.keys.put("rsa", "system-enroll-key", cached_key("rsa", 2048, 2))
    s = router.session()
    for line in ("configure", "domain name domain1", f"crypto ca trustpoint {TI_NAME}"):
        assert s.handle_line(line) == ""
    for line in TI_LINES:
        assert s.handle_line(line) == "", line
        assert s.prompt == TP_PROMPT
    s.handle_line("commit")
    s.handle_line("end")
    assert sorted(tp_block(router, TI_NAME)) == sorted(TI_LINES)
    assert body(router.cli("show running-config domain")) == ["domain name domain1"]


def test_trust_insights_authenticate_prints_the_seed_lines(router: Router) -> None:
    trust_insights(router)
    out = router.cli(f"crypto ca authenticate {TI_NAME}")
    ca = ca_cert(router, TI_NAME)
    (rid,) = attr(ca.subject, NameOID.SERIAL_NUMBER)
    assert re.fullmatch(r"[0-9a-f]{8}", rid)
    subject = (
        f"serialNumber={rid},unstructuredName=router.domain1,"
        "OU=ASR,O=cisco systems,L=San Jose,ST=CA,C=US,CN=lab1-ca"
    )
    assert [squeeze(ln) for ln in body(out)] == [
        f"% The subject name in the certificate will include: {TI_CA_SUBJECT}",
        "% The subject name in the certificate will include: router.domain1",
        f"Serial Number : {colon_hex(ca.serial_number)}",
        "Subject:",
        subject,
        "Issued By :",
        subject,
        "Validity Start : 12:00:00 UTC Fri Mar 01 2024",
        "Validity End : 12:00:00 UTC Mon Mar 03 2025",
        "SHA1 Fingerprint:",
        sha1_hex(ca),
    ]
    # The certificate itself: the configured name in order, CA:TRUE, the CA key usage, 367
    # days, SHA-256, the ca-keypair's public key.
    assert ca.subject == ca.issuer
    assert attr(ca.subject, NameOID.COMMON_NAME) == ["lab1-ca"]
    assert attr(ca.subject, NameOID.LOCALITY_NAME) == ["San Jose"]
    assert attr(ca.subject, UNSTRUCTURED_NAME) == ["router.domain1"]
    assert ca.subject.rdns[0].rfc4514_string() == "CN=lab1-ca"
    bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical
    assert bc.value.ca
    ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (ku.digital_signature, ku.key_cert_sign, ku.crl_sign) == (True, True, True)
    assert (ku.key_encipherment, ku.data_encipherment, ku.key_agreement) == (False,) * 3
    assert ca.not_valid_after_utc - ca.not_valid_before_utc == timedelta(days=367)
    assert ca.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA256
    assert spki(ca.public_key()) == stored_public(router, "rsa", "system-root-key")
    ca.verify_directly_issued_by(ca)


@pytest.mark.parametrize(("serial", "ip"), [(True, "10.1.1.1"), (False, None)], ids=["yes", "no"])
def test_trust_insights_enroll_questions(router: Router, serial: bool, ip: str | None) -> None:
    trust_insights(router)
    router.cli(f"crypto ca authenticate {TI_NAME}")
    ca = ca_cert(router, TI_NAME)
    (rid,) = attr(ca.subject, NameOID.SERIAL_NUMBER)
    answers = enroll_answers(serial, ip)
    out = router.cli(f"crypto ca enroll {TI_NAME}", answers=answers)
    lines = [squeeze(ln) for ln in body(out)]
    assert lines[:2] == [
        f"% The subject name in the certificate will include: {TI_SUBJECT}",
        "% The subject name in the certificate will include: router.domain1",
    ]
    assert answers.prompts[:2] == [SERIAL_QUESTION, IP_QUESTION]
    assert len(answers.prompts) == (3 if ip else 2)  # with "yes", a question for the address
    assert (f"% The serial number in the certificate will be: {rid}" in lines) is serial
    assert "Certificate keypair configured Type: 1, Label: system-enroll-key." in out
    words = re.search(r"Leaf cert key usage string: ([^ ]*)\. ", out)
    assert words is not None, out
    assert words[1].split(",")[0] == "critical"
    assert set(words[1].split(",")[1:]) == {"digitalSignature", "keyAgreement", "dataEncipherment"}

    leaf = router_cert(router, TI_NAME)
    leaf.verify_directly_issued_by(ca)
    assert leaf.issuer == ca.subject
    assert attr(leaf.subject, NameOID.COMMON_NAME) == ["lab1-ads"]
    assert attr(leaf.subject, UNSTRUCTURED_NAME) == ["router.domain1"]
    assert attr(leaf.subject, NameOID.SERIAL_NUMBER) == ([rid] if serial else [])
    assert attr(leaf.subject, UNSTRUCTURED_ADDRESS) == ([ip] if ip else [])
    assert spki(leaf.public_key()) == stored_public(router, "rsa", "system-enroll-key")
    assert leaf.not_valid_before_utc == START
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == timedelta(days=300)
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (ku.digital_signature, ku.key_agreement, ku.data_encipherment) == (True, True, True)
    assert (ku.key_cert_sign, ku.crl_sign, ku.key_encipherment) == (False,) * 3
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA256
    # The enroll output describes the certificate it stored; as in the seed, the serial number
    # follows the key usage string on the same line.
    (usage_line,) = [ln for ln in lines if "Leaf cert key usage string:" in ln]
    assert usage_line.endswith(f". Serial Number : {colon_hex(leaf.serial_number)}")
    assert sha1_hex(leaf) in lines
    assert "Validity End : 12:00:00 UTC Thu Dec 26 2024" in lines


def test_configured_serial_number_and_ip_address_skip_the_questions(router: Router) -> None:
    trust_insights(router, lines=(*TI_LINES, "serial-number", "ip-address 192.0.2.7"))
    router.cli(f"crypto ca authenticate {TI_NAME}")
    answers = Dialogue()
    router.cli(f"crypto ca enroll {TI_NAME}", answers=answers)
    assert answers.prompts == []
    leaf = router_cert(router, TI_NAME)
    assert attr(leaf.subject, UNSTRUCTURED_ADDRESS) == ["192.0.2.7"]
    assert len(attr(leaf.subject, NameOID.SERIAL_NUMBER)) == 1


def test_leaf_never_outlives_its_ca(router: Router) -> None:
    self_trustpoint(router, "short", "lifetime ca-certificate 30", "lifetime certificate 400")
    router.cli("crypto ca authenticate short")
    router.cli("crypto ca enroll short")
    ca, leaf = ca_cert(router, "short"), router_cert(router, "short")
    assert ca.not_valid_after_utc == START + timedelta(days=30)
    assert leaf.not_valid_after_utc == ca.not_valid_after_utc


@pytest.mark.parametrize(
    ("ca", "leaf", "digest", "signature"),
    [
        (("rsa", 1024), ("rsa", 1024), "sha384", SignatureAlgorithmOID.RSA_WITH_SHA384),
        (("rsa", 1024), ("rsa", 1024), "sha512", SignatureAlgorithmOID.RSA_WITH_SHA512),
        (("ecdsa", "nistp256"), ("ecdsa", "nistp384"), "sha256", ECDSA_SHA256),
        (("ed25519", 256), ("ed25519", 256), "sha256", SignatureAlgorithmOID.ED25519),
    ],
    ids=["rsa-sha384", "rsa-sha512", "ecdsa", "ed25519"],
)
def test_self_enrollment_key_types_and_digests(
    router: Router,
    ca: tuple[str, int | str],
    leaf: tuple[str, int | str],
    digest: str,
    signature: ObjectIdentifier,
) -> None:
    trust_insights(
        router,
        root=(ca[0], cached_key(ca[0], ca[1], 5)),
        enroll=(leaf[0], cached_key(leaf[0], leaf[1], 6)),
        lines=ti_lines(ca[0], leaf[0], digest),
    )
    router.cli(f"crypto ca authenticate {TI_NAME}")
    router.cli(f"crypto ca enroll {TI_NAME}", answers=enroll_answers())
    ca_c, leaf_c = ca_cert(router, TI_NAME), router_cert(router, TI_NAME)
    assert ca_c.signature_algorithm_oid == signature
    assert leaf_c.signature_algorithm_oid == signature
    leaf_c.verify_directly_issued_by(ca_c)
    assert spki(ca_c.public_key()) == stored_public(router, ca[0], "system-root-key")
    assert spki(leaf_c.public_key()) == stored_public(router, leaf[0], "system-enroll-key")


@pytest.mark.parametrize("digest", ["md5", "sha1"])
def test_legacy_digest_signs_or_fails_cleanly(router: Router, digest: str) -> None:
    self_trustpoint(router, "old", f"message-digest {digest}")
    before = snapshot(router)
    out = router.cli("crypto ca authenticate old")
    assert "Internal error" not in out
    stored = router.chassis.store.certificate("old", "ca")
    if stored is None:
        assert any(ln.startswith("% ") for ln in body(out)), out
        assert snapshot(router) == before
    else:
        cert = x509.load_pem_x509_certificate(stored)
        assert cert.signature_hash_algorithm is not None
        assert cert.signature_hash_algorithm.name == digest


def test_subject_attribute_order_with_serial_and_address(router: Router) -> None:
    trust_insights(router)
    router.cli(f"crypto ca authenticate {TI_NAME}")
    (rid,) = attr(ca_cert(router, TI_NAME).subject, NameOID.SERIAL_NUMBER)
    out = router.cli(f"crypto ca enroll {TI_NAME}", answers=enroll_answers(True, "10.1.1.1"))
    expected = (
        f"serialNumber={rid},unstructuredAddress=10.1.1.1,unstructuredName=router.domain1,"
        "OU=ASR,O=cisco systems,L=San Jose,ST=CA,C=US,CN=lab1-ads"
    )
    assert expected in [ln.strip() for ln in body(out)]


def test_ca_subject_without_subject_name_ca_certificate(router: Router) -> None:
    trust_insights(router, lines=[ln for ln in TI_LINES if "subject-name ca-cert" not in ln])
    out = router.cli(f"crypto ca authenticate {TI_NAME}")
    (rid,) = attr(ca_cert(router, TI_NAME).subject, NameOID.SERIAL_NUMBER)
    lines = [ln.strip() for ln in body(out)]
    assert (
        lines[lines.index("Subject:") + 1] == f"serialNumber={rid},unstructuredName=router.domain1"
    )


def test_mixed_case_key_usage_still_enrolls(router: Router) -> None:
    self_trustpoint(router, "mixed", "key-usage certificate digitalSignature keyEncipherment")
    router.cli("crypto ca authenticate mixed")
    out = router.cli("crypto ca enroll mixed")
    assert "unknown key usage" not in out
    ku = router_cert(router, "mixed").extensions.get_extension_for_class(x509.KeyUsage).value
    assert (ku.digital_signature, ku.key_encipherment) == (True, True)


# --------------------------------------------------------------------------------------------
# 4. Negative paths of self enrollment change nothing
# --------------------------------------------------------------------------------------------


def test_self_authenticate_refuses_a_ca_key_over_2048_bits(router: Router) -> None:
    self_trustpoint(router, "big", bits=4096)
    before = snapshot(router)
    out = router.cli("crypto ca authenticate big")
    assert CA_LIMIT in body(out)
    assert snapshot(router) == before
    assert pem_files(router) == []
    # A 2048-bit CA key is within the limit.
    router.keys.put("rsa", "big-root", cached_key("rsa", 2048, 1))
    assert CA_LIMIT not in router.cli("crypto ca authenticate big")
    assert pem_files(router) == ["pki/big/ca.pem"]


def test_enroll_before_authenticate_is_refused(router: Router) -> None:
    self_trustpoint(router, "early")
    router.keys.put("rsa", "mykey", cached_key("rsa", 1024, 4))
    router.configure(["crypto ca trustpoint paste", "enrollment terminal", "rsakeypair mykey"])
    before = snapshot(router)
    for name in ("early", "paste"):
        out = router.cli(f"crypto ca enroll {name}")  # no prompt may be asked
        assert any(ln.startswith("% ") and "authenticate" in ln for ln in body(out)), out
        out = router.cli(f"crypto ca import {name} certificate")
        assert any(ln.startswith("% ") for ln in body(out)), out
    assert snapshot(router) == before


@pytest.mark.parametrize(
    "command",
    [
        "crypto ca authenticate nosuch",
        "crypto ca enroll nosuch",
        "crypto ca import nosuch certificate",
    ],
)
def test_unconfigured_trustpoint_is_refused(router: Router, command: str) -> None:
    self_trustpoint(router, "other")
    router.cli("crypto ca authenticate other")
    before = snapshot(router)
    out = router.cli(command)  # no prompt may be asked
    assert any(ln.startswith("% ") and "nosuch" in ln for ln in body(out)), out
    assert snapshot(router) == before
    assert "nosuch" not in router.certs.names()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/cgi-bin/pkiclient.exe",
        "https://127.0.0.1/certsrv/mscep/mscep.dll",
        "tftp://127.0.0.1;mgmt/myca",
    ],
)
def test_remote_enrollment_url_fails_and_stores_nothing(router: Router, url: str) -> None:
    # No CA there (nothing listens on 127.0.0.1:80; https is not carried out; VRF mgmt is not
    # configured): authenticate fails with IOS XR's error and the reason, and enroll then
    # needs the CA certificate. ``test_crypto_ca_scep.py`` and
    # ``tests/integration/test_enroll_cli.py`` enroll with real CAs.
    router.keys.put("rsa", "mykey", cached_key("rsa", 1024, 4))
    router.configure(["crypto ca trustpoint remote", f"enrollment url {url}", "rsakeypair mykey"])
    before = snapshot(router)
    expected = {
        "crypto ca authenticate remote": "% Error in receiving Certificate Authority certificate",
        "crypto ca enroll remote": "% You must authenticate the Certificate Authority",
    }
    for command, error in expected.items():
        out = router.cli(command)  # no prompt may be asked
        assert any(ln.startswith("% ") for ln in body(out)), out
        assert error in out
        assert snapshot(router) == before
    assert body(router.cli("show crypto ca certificates remote")) == []


def test_authenticate_twice_keeps_the_first_ca(router: Router) -> None:
    self_trustpoint(router, "twice")
    router.cli("crypto ca authenticate twice")
    first = ca_cert(router, "twice")
    before = snapshot(router)
    out = router.cli("crypto ca authenticate twice")
    assert any(ln.startswith("% ") for ln in body(out)), out
    assert snapshot(router) == before
    assert ca_cert(router, "twice") == first


def test_missing_key_pairs_are_refused(router: Router) -> None:
    router.keys.put("rsa", "root", cached_key("rsa", 1024, 3))
    router.configure(
        [
            "crypto ca trustpoint nokeys",
            "enrollment url self",
            "ca-keypair rsa absent-root",
            "keypair rsa absent-leaf",
        ]
    )
    before = snapshot(router)
    out = router.cli("crypto ca authenticate nokeys")
    assert any(ln.startswith("% ") and "absent-root" in ln for ln in body(out)), out
    assert snapshot(router) == before
    router.configure(["crypto ca trustpoint nokeys", "ca-keypair rsa root"])
    router.cli("crypto ca authenticate nokeys")
    before = snapshot(router)
    out = router.cli("crypto ca enroll nokeys")
    assert any(ln.startswith("% ") and "absent-leaf" in ln for ln in body(out)), out
    assert snapshot(router) == before


# --------------------------------------------------------------------------------------------
# 5. show / clear crypto ca certificates, regeneration, key-algorithm change
# --------------------------------------------------------------------------------------------


def test_show_crypto_ca_certificates_layout(router: Router) -> None:
    ca, leaf = enrolled_trust_insights(router)
    self_trustpoint(router, "lab")
    router.cli("crypto ca authenticate lab")
    (rid,) = attr(ca.subject, NameOID.SERIAL_NUMBER)
    ca_subject = (
        f"serialNumber={rid},unstructuredName=router.domain1,"
        "OU=ASR,O=cisco systems,L=San Jose,ST=CA,C=US,CN=lab1-ca"
    )
    leaf_subject = (
        "unstructuredName=router.domain1,OU=ASR,O=cisco systems,L=San Jose,ST=CA,C=US,CN=lab1-ads"
    )
    expected = [
        ("Trustpoint", TI_NAME),
        ("CA certificate", ""),
        *described(ca, ca_subject, ca_subject),
        ("Router certificate", ""),
        ("Key usage", "General Purpose"),
        ("Status", "Available"),
        *described(leaf, leaf_subject, ca_subject),
        ("Associated Trustpoint", TI_NAME),
    ]
    by_name = router.cli(f"show crypto ca certificates {TI_NAME}")
    assert fields(by_name) == expected
    lines = body(by_name)
    trustpoint_line = next(i for i, ln in enumerate(lines) if ln.startswith("Trustpoint"))
    assert re.fullmatch(r"=+", lines[trustpoint_line + 1])
    assert lines.count("CA certificate") == 1
    assert lines.count("Router certificate") == 1

    lab = fields(router.cli("show crypto ca certificates lab"))
    assert lab[:2] == [("Trustpoint", "lab"), ("CA certificate", "")]
    assert ("Router certificate", "") not in lab
    everything = fields(router.cli("show crypto ca certificates"))
    assert everything in (expected + lab, lab + expected)

    detail = fields(router.cli(f"show crypto ca certificates {TI_NAME} detail"))
    assert len(detail) > len(expected)
    remaining = iter(detail)
    assert all(item in remaining for item in expected), detail  # in the same order
    assert "sha256" in router.cli(f"show crypto ca certificates {TI_NAME} detail").lower()


def test_clear_removes_the_certificates_only(router: Router) -> None:
    enrolled_trust_insights(router)
    keys_before = stored_keys(router)
    config_before = tp_block(router, TI_NAME)
    assert body(router.cli(f"clear crypto ca certificates {TI_NAME}")) == []
    assert pem_files(router) == []
    assert body(router.cli(f"show crypto ca certificates {TI_NAME}")) == []
    assert body(router.cli("show crypto ca certificates")) == []
    assert stored_keys(router) == keys_before
    assert tp_block(router, TI_NAME) == config_before
    out = router.cli(f"crypto ca enroll {TI_NAME}")
    assert any("authenticate" in ln for ln in body(out))
    assert pem_files(router) == []


def test_seed_regeneration_flow(router: Router) -> None:
    old_ca, old_leaf = enrolled_trust_insights(router)
    router.cli(f"clear crypto ca certificates {TI_NAME}")
    out = router.cli(
        "crypto key generate rsa system-enroll-key",
        answers={"replace them": "yes", "modulus": "1024"},
    )
    lines = [squeeze(ln) for ln in body(out)]
    assert "The name for the keys will be: system-enroll-key" in lines
    assert "% You already have keys defined for system-enroll-key" in lines
    assert "Do you really want to replace them? [yes/no]: yes" in lines
    assert lines[-1] == "[OK]"
    new_key = stored_public(router, "rsa", "system-enroll-key")
    assert new_key != spki(old_leaf.public_key())

    router.cli(f"crypto ca authenticate {TI_NAME}")
    router.cli(f"crypto ca enroll {TI_NAME}", answers=enroll_answers())
    ca, leaf = ca_cert(router, TI_NAME), router_cert(router, TI_NAME)
    assert spki(leaf.public_key()) == new_key
    assert leaf.public_key().key_size == 1024  # type: ignore[union-attr]
    leaf.verify_directly_issued_by(ca)
    assert spki(ca.public_key()) == spki(old_ca.public_key())  # the root key was kept
    assert ca.serial_number != old_ca.serial_number
    assert leaf.serial_number not in (old_leaf.serial_number, ca.serial_number)
    shown = fields(router.cli(f"show crypto ca certificates {TI_NAME}"))
    assert ("SHA1 Fingerprint", sha1_hex(leaf)) in shown
    assert ("SHA1 Fingerprint", sha1_hex(old_leaf)) not in shown


@pytest.mark.parametrize(
    ("generate", "kind", "root_type", "leaf_type"),
    [
        (("crypto key generate ecdsa nistp256 system-root-key",
          "crypto key generate ecdsa nistp384 system-enroll-key"),
         "ecdsa", ec.SECP256R1, ec.SECP384R1),
        (("crypto key generate ed25519 system-root-key",
          "crypto key generate ed25519 system-enroll-key"),
         "ed25519", None, None),
    ],
    ids=["ecdsa", "ed25519"],
)  # fmt: skip
def test_seed_key_algorithm_change_procedure(
    router: Router,
    generate: tuple[str, str],
    kind: str,
    root_type: type[ec.EllipticCurve] | None,
    leaf_type: type[ec.EllipticCurve] | None,
) -> None:
    old_ca, _ = enrolled_trust_insights(router)
    assert isinstance(old_ca.public_key(), rsa.RSAPublicKey)
    router.configure([f"no crypto ca trustpoint {TI_NAME}"])
    assert body(router.cli(f"show running-config crypto ca trustpoint {TI_NAME}")) == [
        NO_SUCH_ITEMS
    ]
    router.cli(f"clear crypto ca certificates {TI_NAME}")
    assert pem_files(router) == []
    for command in generate:
        assert body(router.cli(command))[-1] == "[OK]"
    router.configure([f"crypto ca trustpoint {TI_NAME}", *ti_lines(kind, kind)])
    router.cli(f"crypto ca authenticate {TI_NAME}")
    router.cli(f"crypto ca enroll {TI_NAME}", answers=enroll_answers())
    ca, leaf = ca_cert(router, TI_NAME), router_cert(router, TI_NAME)
    leaf.verify_directly_issued_by(ca)
    assert spki(ca.public_key()) == stored_public(router, kind, "system-root-key")
    assert spki(leaf.public_key()) == stored_public(router, kind, "system-enroll-key")
    for cert, curve in ((ca, root_type), (leaf, leaf_type)):
        public = cert.public_key()
        if curve is None:
            assert isinstance(public, ed25519.Ed25519PublicKey)
        else:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            assert isinstance(public.curve, curve)
    assert ca.subject.rdns[0].rfc4514_string() == "CN=lab1-ca"


# --------------------------------------------------------------------------------------------
# 6. Persistence
# --------------------------------------------------------------------------------------------


def assert_private_store(state_dir: Path) -> None:
    """Keys live in the state store only (mode 0600), never as files of their own."""
    assert not [p for p in state_dir.rglob("*.pem")]
    for name in ("state.db", "state.db-wal"):
        assert (state_dir / name).stat().st_mode & 0o777 == 0o600, name


def test_certificates_and_keys_survive_a_restart(boot: Boot, tmp_path: Path) -> None:
    r = boot("persist")
    ca, leaf = enrolled_trust_insights(r)
    shown = body(r.cli("show crypto ca certificates"))
    keys = {(e.key_type, e.label, e.usage): r.keys.load(e).to_pkcs8_pem() for e in r.keys.entries()}
    state = snapshot(r)
    r.shutdown()

    again = boot("persist")
    assert snapshot(again) == state
    assert body(again.cli("show crypto ca certificates")) == shown
    assert {
        (e.key_type, e.label, e.usage): again.keys.load(e).to_pkcs8_pem()
        for e in again.keys.entries()
    } == keys
    assert ca_cert(again, TI_NAME) == ca
    assert router_cert(again, TI_NAME) == leaf
    assert sorted(tp_block(again, TI_NAME)) == sorted(TI_LINES)
    # The restored trustpoint still issues certificates with the restored CA key.
    again.cli(f"crypto ca enroll {TI_NAME}", answers=enroll_answers(True))
    renewed = router_cert(again, TI_NAME)
    assert renewed != leaf
    renewed.verify_directly_issued_by(ca)
    assert len(keys) >= 3  # the_default, system-root-key, system-enroll-key
    assert_private_store(tmp_path / "persist")


def test_switchover_keeps_keys_and_certificates(boot: Boot, tmp_path: Path) -> None:
    r = boot("asr", "ASR-9006")
    enrolled_trust_insights(r)
    r.keys.put("rsa", "uk", cached_key("rsa", 1024, 7), usage="signing")
    r.keys.put("rsa", "uk", cached_key("rsa", 1024, 8), usage="encryption")
    rps = [rp.name for rp in r.chassis.rps]
    assert len(rps) == 2
    state = snapshot(r)
    assert state["certificates"]
    # the_default, system-root-key, system-enroll-key, uk signing/encryption
    assert len(state["keys"]) == 5
    for rp in rps:  # both route processors read the one store: nothing on either's disk
        assert r.chassis.fs(rp).walk("/misc/config") == []
    shown = body(r.cli("show crypto ca certificates"))
    old_active = r.chassis.active_rp.name
    out = r.cli("redundancy switchover", answers={"confirm": "y"})
    assert "Initiating switch-over." in out
    assert r.chassis.active_rp.name != old_active
    assert snapshot(r) == state
    assert body(r.cli("show crypto ca certificates")) == shown
    # Keys and CA work from the new active RP: re-enroll.
    r.cli(f"crypto ca enroll {TI_NAME}", answers=enroll_answers(True))
    router_cert(r, TI_NAME).verify_directly_issued_by(ca_cert(r, TI_NAME))
    r.shutdown()
    again = boot("asr")
    assert again.chassis.active_rp.name != old_active
    assert body(again.cli("show crypto ca certificates")) != []
    assert {e.usage for e in again.keys.entries("rsa") if e.label == "uk"} == {
        "signing",
        "encryption",
    }
    assert_private_store(tmp_path / "asr")


# --------------------------------------------------------------------------------------------
# 7. Release gating
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("release", "exists"), [("6.6.3", False), ("7.0.1", True)])
def test_trustpoint_gated_by_release(boot: Boot, release: str, exists: bool) -> None:
    r = boot(release_version=release)
    s: CliSession = r.session()
    s.handle_line("configure")
    prompt = s.prompt
    assert prompt == "RP/0/RP0/CPU0:router(config)#"
    out = s.handle_line("crypto ca trustpoint x")
    if exists:
        assert out == ""
        assert s.prompt == TP_PROMPT
        s.handle_line("commit")
        s.handle_line("end")
        assert (
            body(r.cli("show running-config crypto ca trustpoint x"))[0] == "crypto ca trustpoint x"
        )
        return
    assert out.splitlines() == [" " * len(prompt) + "^", INVALID]
    assert s.prompt == prompt
    assert "No configuration changes to commit" in s.handle_line("commit")
    s.handle_line("end")
    assert body(r.cli("show running-config crypto ca trustpoint x")) == [NO_SUCH_ITEMS]
    exec_prompt = s.prompt
    out = s.handle_line("crypto ca authenticate x")
    assert out.splitlines() == [" " * len(exec_prompt) + "^", INVALID]


def test_unanswered_question_cancels_without_storing(router: Router) -> None:
    trust_insights(router)
    router.cli(f"crypto ca authenticate {TI_NAME}")
    before = snapshot(router)
    with pytest.raises(UnansweredPrompt):
        router.cli(f"crypto ca enroll {TI_NAME}")
    assert snapshot(router) == before

"""``crypto ca authenticate`` / ``crypto ca enroll`` over SCEP through a booted router's CLI,
against the SCEP CA test double (``tests/scep_responder.py``, real HTTP on 127.0.0.1) for what
the Debian CA does not do: PENDING answered by CertPoll across ``router.advance`` (and across a
restart), the retry count used up, a CA's rejection, NDES-style RA certificates, RenewalReq,
a CA key over 2048 bits, and faults on the wire. Every failure is checked to leave the whole
state store as it was and no poll armed. ``tests/integration/test_enroll_cli.py`` runs the same
flows against scepserver inside a VRF.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from scep_responder import Fault, ScepResponder
from support import Dialogue
from xrsim.clock import SimClock
from xrsim.crypto import PrivateKey, generate_key
from xrsim.router import Router

Boot = Callable[..., Router]
CHALLENGE = "one-time-42"
CA_LIMIT = "% The software does not support CA server public keys greater than 2048 bits."


@functools.cache
def key(n: int = 0) -> PrivateKey:
    del n
    return generate_key("rsa", bits=2048)


@pytest.fixture
def boot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Boot]:
    """Routers on a frozen clock at the real time (the responder's certificates start now),
    state in ``tmp_path/name``."""
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    routers: list[Router] = []
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def start(name: str = "r1", **kwargs: Any) -> Router:
        kwargs.setdefault("clock", SimClock(now, frozen=True))
        r = Router.boot(None, tmp_path / name, hostname="edge1", **kwargs)
        routers.append(r)
        return r

    yield start
    for r in routers:
        r.shutdown()


@pytest.fixture
def responder() -> Iterator[ScepResponder]:
    with ScepResponder(challenge=CHALLENGE) as ca:
        yield ca


def configure(router: Router, url: str, *extra: str, usage_keys: bool = False) -> None:
    if usage_keys:
        router.keys.put("rsa", "k", key(1), usage="signing")
        router.keys.put("rsa", "k", key(2), usage="encryption")
    else:
        router.keys.put("rsa", "k", key())
    router.configure(
        [
            "domain name lab.example",
            "crypto ca trustpoint tp",
            f"enrollment url {url}",
            "subject-name CN=edge1,O=lab",
            "rsakeypair k",
            "serial-number none",
            "ip-address none",
            *extra,
        ]
    )


def enroll(router: Router, password: str = CHALLENGE) -> str:
    return router.cli("crypto ca enroll tp", answers=Dialogue(answers={"Password": password}))


def authenticate(router: Router) -> str:
    return router.cli("crypto ca authenticate tp", answers={"accept": "yes"})


def snapshot(router: Router) -> dict[str, list[tuple[Any, ...]]]:
    rows = router.chassis.store.snapshot()
    return {t: r for t, r in rows.items() if t not in ("chassis", "reboots", "switchovers")}


def lines(text: str) -> list[str]:
    return [ln.rstrip() for ln in text.splitlines()]


def spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def polls(router: Router) -> list[str]:
    return [t.name for t in router.scheduler.pending() if "poll" in t.name]


# --------------------------------------------------------------------------------------------
# PENDING, CertPoll, the retry count, restarts
# --------------------------------------------------------------------------------------------


def test_pending_request_completes_when_the_clock_advances(
    boot: Boot, responder: ScepResponder
) -> None:
    responder.pending = True
    router = boot()
    configure(router, responder.base_url, "enrollment retry period 5")
    authenticate(router)
    out = enroll(router)
    assert (
        "% Certificate request pending: the router polls the CA every 5 minute(s), "
        "10 times at most." in lines(out)
    ), out
    shown = lines(router.cli("show crypto ca certificates tp"))
    assert "  Status         : Pending" in shown, shown
    assert router.certs.router("tp") == {}
    (txid,) = responder.pending_ids()

    router.advance(minutes=4)  # not yet due
    assert [e.message_type for e in responder.pki_log()] == ["PKCSReq"]
    router.advance(minutes=1)  # first CertPoll: still pending
    assert "  Status         : Pending" in lines(router.cli("show crypto ca certificates tp"))
    responder.approve(txid)
    router.advance(minutes=5)
    log = responder.pki_log()
    assert [e.message_type for e in log] == ["PKCSReq", "CertPoll", "CertPoll"]
    assert {e.transaction_id for e in log} == {txid}
    cert = router.certs.router("tp")["general"]
    assert cert == responder.issued[-1]
    assert spki(cert) == key().public_key().to_der()
    shown = lines(router.cli("show crypto ca certificates tp"))
    assert "  Status         : Available" in shown, shown
    assert "  Status         : Pending" not in shown, shown
    assert router.certs.pending("tp") == []
    assert polls(router) == []


def test_retry_count_used_up_ends_the_request(
    boot: Boot, responder: ScepResponder, caplog: pytest.LogCaptureFixture
) -> None:
    responder.pending = True
    router = boot()
    configure(router, responder.base_url, "enrollment retry count 3")
    authenticate(router)
    enroll(router)
    with caplog.at_level("WARNING", logger="xrsim.pki.enrollment"):
        router.advance(minutes=2)
        assert router.certs.pending("tp"), "two polls made, one left"
        router.advance(minutes=10)
    assert [e.message_type for e in responder.pki_log()] == ["PKCSReq"] + ["CertPoll"] * 3
    assert router.certs.pending("tp") == []
    assert router.certs.router("tp") == {}
    assert polls(router) == []
    assert any(
        "Certificate enrollment for trustpoint tp" in r.getMessage()
        and "timed out" in r.getMessage()
        for r in caplog.records
    ), caplog.text
    assert "Pending" not in router.cli("show crypto ca certificates")


def test_pending_request_is_polled_after_a_restart(boot: Boot, responder: ScepResponder) -> None:
    responder.pending = True
    router = boot()
    configure(router, responder.base_url, "enrollment retry period 3")
    authenticate(router)
    enroll(router)
    clock = router.clock
    router.shutdown()
    responder.approve()
    clock.advance(dt.timedelta(minutes=1))  # while the router is down
    again = boot(clock=clock)
    assert "  Status         : Pending" in lines(again.cli("show crypto ca certificates tp"))
    assert polls(again), "the poll is armed again at boot"
    again.advance(minutes=2)  # the stored next poll falls due
    assert again.certs.router("tp")["general"] == responder.issued[-1]
    assert [e.message_type for e in responder.pki_log()] == ["PKCSReq", "CertPoll"]


def test_rejected_pending_request_ends(
    boot: Boot, responder: ScepResponder, caplog: pytest.LogCaptureFixture
) -> None:
    responder.pending = True
    router = boot()
    configure(router, responder.base_url)
    authenticate(router)
    enroll(router)
    responder.reject(fail_info="badRequest")
    with caplog.at_level("WARNING", logger="xrsim.pki.enrollment"):
        router.advance(minutes=1)
    assert router.certs.pending("tp") == []
    assert router.certs.router("tp") == {}
    assert any("rejected" in r.getMessage() for r in caplog.records), caplog.text


def test_a_poll_the_ca_fails_to_answer_counts_and_the_next_one_succeeds(
    boot: Boot, responder: ScepResponder
) -> None:
    responder.pending = True
    router = boot()
    configure(router, responder.base_url)
    authenticate(router)
    enroll(router)
    responder.faults["CertPoll"] = Fault.HTTP_500
    router.advance(minutes=1)
    (row,) = router.certs.pending("tp")
    assert row.polls_left == 9
    del responder.faults["CertPoll"]
    responder.approve()
    router.advance(minutes=1)
    assert router.certs.router("tp")["general"] == responder.issued[-1]


def test_usage_keys_pending_and_issued_in_one_enrollment(
    boot: Boot, responder: ScepResponder
) -> None:
    responder.pending = True
    router = boot()
    configure(router, responder.base_url, usage_keys=True)
    authenticate(router)
    out = enroll(router)
    assert "Signing usage certificate request:" in lines(out), out
    assert "Encryption usage certificate request:" in lines(out), out
    assert sorted(r.usage for r in router.certs.pending("tp")) == ["encryption", "signing"]
    responder.approve()
    router.advance(minutes=1)
    certs = router.certs.router("tp")
    assert sorted(certs) == ["encryption", "signing"]
    assert spki(certs["signing"]) == key(1).public_key().to_der()
    assert spki(certs["encryption"]) == key(2).public_key().to_der()


def test_clear_cancels_a_pending_request(boot: Boot, responder: ScepResponder) -> None:
    responder.pending = True
    router = boot()
    configure(router, responder.base_url)
    authenticate(router)
    enroll(router)
    again = enroll(router)
    assert "% A certificate request of trustpoint tp is pending with the CA." in lines(again)
    router.cli("clear crypto ca certificates tp")
    responder.approve()
    router.advance(minutes=1)
    assert [e.message_type for e in responder.pki_log()] == ["PKCSReq"]
    assert router.certs.router("tp") == {}


# --------------------------------------------------------------------------------------------
# RA certificates, renewal, the CA key size limit
# --------------------------------------------------------------------------------------------


def test_ra_certificates_are_stored_shown_and_used(boot: Boot) -> None:
    with ScepResponder(ra=True) as ca:
        router = boot()
        configure(router, ca.base_url)
        out = authenticate(router)
        assert router.certs.ca("tp") == ca.ca.certificate
        assert router.certs.ra("tp") == {
            "ra-signer": ca.ca.ra_signer,
            "ra-encrypter": ca.ca.ra_encrypter,
        }, out
        shown = lines(router.cli("show crypto ca certificates tp"))
        assert "RA Signature Certificate" in shown, shown
        assert "RA KeyEncipher Certificate" in shown, shown
        out = enroll(router)
        assert "% Certificate received from Certificate Authority" in lines(out), out
        assert ca.errors == []
        assert router.certs.router("tp")["general"] == ca.issued[-1]


@pytest.mark.parametrize(("offered", "second"), [(True, "RenewalReq"), (False, "PKCSReq")])
def test_reenrollment_with_a_valid_certificate_renews_when_offered(
    boot: Boot, responder: ScepResponder, offered: bool, second: str
) -> None:
    if not offered:
        responder.capabilities = [c for c in responder.capabilities if c != "Renewal"]
    router = boot()
    configure(router, responder.base_url)
    authenticate(router)
    enroll(router)
    first = router.certs.router("tp")["general"]
    enroll(router)
    log = responder.pki_log()
    assert [e.message_type for e in log] == ["PKCSReq", second]
    if offered:
        assert log[1].signer == first  # signed with the certificate being renewed
    assert router.certs.router("tp")["general"] == responder.issued[-1] != first


def test_ca_key_over_2048_bits_is_refused(boot: Boot) -> None:
    with ScepResponder(ca_key_bits=4096) as ca:
        router = boot()
        configure(router, ca.base_url)
        before = snapshot(router)
        out = authenticate(router)
        assert lines(out)[-1] == CA_LIMIT, out
        assert "Do you accept" not in out
        assert snapshot(router) == before


def test_refused_ca_certificate_stores_nothing(boot: Boot, responder: ScepResponder) -> None:
    router = boot()
    configure(router, responder.base_url)
    before = snapshot(router)
    out = router.cli("crypto ca authenticate tp", answers={"accept": "no"})
    assert "% Certificate not accepted." in lines(out), out
    assert snapshot(router) == before


def test_enroll_before_authenticate_and_non_rsa_keys_are_refused(
    boot: Boot, responder: ScepResponder
) -> None:
    router = boot()
    configure(router, responder.base_url)
    before = snapshot(router)
    out = router.cli("crypto ca enroll tp")  # no prompt may be asked
    assert "% You must authenticate the Certificate Authority" in out, out
    router.keys.put("ecdsa", "ek", generate_key("ecdsa", curve="nistp256"))
    router.configure(["crypto ca trustpoint tp", "keypair ecdsa ek"])
    authenticate(router)
    before = snapshot(router)
    out = router.cli("crypto ca enroll tp")
    assert lines(out)[-1].startswith("% SCEP enrollment needs an RSA key pair"), out
    assert snapshot(router) == before
    assert responder.pki_log() == []


# --------------------------------------------------------------------------------------------
# Faults: a clear % line, nothing changed, no poll armed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "fault", "words"),
    [
        ("GetCACert", Fault.HTTP_404, "HTTP 404"),
        ("GetCACert", Fault.HTTP_500, "HTTP 500"),
        ("GetCACert", Fault.GARBAGE, ""),
        ("GetCACert", Fault.TRUNCATED, ""),
        ("GetCACert", Fault.CLOSE, ""),
        ("GetCACaps", Fault.CLOSE, ""),
    ],
)
def test_authenticate_faults(
    boot: Boot, responder: ScepResponder, operation: str, fault: Fault, words: str
) -> None:
    responder.faults[operation] = fault
    router = boot()
    configure(router, responder.base_url)
    before = snapshot(router)
    out = authenticate(router)
    got = lines(out)
    assert got[-2] == (
        "% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0"
    ), out
    assert got[-1].startswith("% "), out
    assert got[-1].endswith("."), out
    assert words in got[-1], out
    assert "Traceback" not in out
    assert snapshot(router) == before


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (Fault.HTTP_500, "HTTP 500"),
        (Fault.GARBAGE, ""),
        (Fault.TRUNCATED, ""),
        (Fault.CLOSE, ""),
        (Fault.WRONG_SIGNER_KEY, ""),
        (Fault.WRONG_SIGNER_CERT, ""),
        (Fault.WRONG_RECIPIENT_NONCE, "nonce"),
        (Fault.WRONG_TRANSACTION_ID, "transaction"),
        (Fault.WRONG_MESSAGE_TYPE, ""),
        (Fault.OTHER_PUBLIC_KEY, "key"),
    ],
)
def test_enroll_faults(boot: Boot, responder: ScepResponder, fault: Fault, words: str) -> None:
    router = boot()
    configure(router, responder.base_url)
    authenticate(router)
    responder.faults["PKCSReq"] = fault
    before = snapshot(router)
    out = enroll(router)
    failed = [ln for ln in lines(out) if ln.startswith("% Certificate enrollment failed: ")]
    assert len(failed) == 1, out
    assert failed[0].endswith("."), out
    assert words.lower() in failed[0].lower(), out
    assert "Traceback" not in out
    assert snapshot(router) == before
    assert polls(router) == []


def test_hanging_ca_times_out(boot: Boot, responder: ScepResponder) -> None:
    router = boot()
    router.enrollment.timeout = 0.5
    configure(router, responder.base_url)
    responder.faults["GetCACert"] = Fault.HANG
    before = snapshot(router)
    out = authenticate(router)
    assert "did not answer" in lines(out)[-1], out
    assert snapshot(router) == before


@pytest.mark.parametrize("fail_info", ["badAlg", "badMessageCheck", "badRequest", "badTime"])
def test_ca_failure_is_told_in_words(boot: Boot, responder: ScepResponder, fail_info: str) -> None:
    router = boot()
    configure(router, responder.base_url)
    authenticate(router)
    responder.failure = fail_info
    before = snapshot(router)
    out = enroll(router)
    (failed,) = [ln for ln in lines(out) if ln.startswith("% Certificate enrollment failed: ")]
    words = {
        "badAlg": "bad algorithm",
        "badMessageCheck": "bad message check",
        "badRequest": "bad request",
        "badTime": "bad time",
    }[fail_info]
    assert words in failed, out
    assert snapshot(router) == before

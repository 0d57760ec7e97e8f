"""``crypto ca trustpool`` through a booted router's CLI: ``show crypto ca trustpool`` in the
seed's layout, the ``config-trustpool`` submode and ``show crypto ca trustpool policy``,
``import url`` from a real HTTP server on loopback (PKCS#7 made by ``openssl crl2pkcs7``, and
PEM), bad bundles and URLs answered with a ``%`` line and nothing changed, ``import url clean``,
the automatic update's syslog messages in the logging buffer, and the task IDs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from pki_lab import T0, FileServer, p7b, pem, root
from xrsim.cli.session import NOT_AUTHORIZED
from xrsim.clock import SimClock, xr_time
from xrsim.pki.trustpool import builtin
from xrsim.pki.x509 import Described
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
DAY = dt.timedelta(days=1)


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot(state_dir=tmp_path / "r1", clock=SimClock(T0, frozen=True))
    yield r
    r.shutdown()


@pytest.fixture
def server() -> Iterator[FileServer]:
    with FileServer() as s:
        yield s


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def expected(kind: str, cert: x509.Certificate) -> list[str]:
    d = Described(cert)
    return [
        "",
        f"Trustpool: {kind} CA certificate",
        f"  Serial Number  : {d.serial}",
        "  Subject:",
        f"  \t{d.subject}",
        "  Issued By      :",
        f"  \t{d.issuer}",
        f"  Validity Start : {xr_time(d.not_before)}",
        f"  Validity End   : {xr_time(d.not_after)}",
        "  SHA1 Fingerprint:",
        f"  \t{d.sha1}",
    ]


def test_show_crypto_ca_trustpool_lists_the_built_in_bundle(router: Router) -> None:
    got = body(router.cli("show crypto ca trustpool"))
    assert got == [ln for c in builtin() for ln in expected("Built-In", c)]
    # the seed's fields, as the seed prints the first one
    assert got[1:5] == [
        "Trustpool: Built-In CA certificate",
        got[2],
        "  Subject:",
        "  \tCN=xrsim Root CA 2048,O=xrsim Systems",
    ]
    assert re.fullmatch(r"  Serial Number  : [0-9A-F]{2}(:[0-9A-F]{2})+", got[2])
    assert re.fullmatch(r"  \t[0-9A-F]{40}", got[10])


def test_the_policy_submode_and_its_show(router: Router) -> None:
    s = router.session()
    out = "".join(
        s.handle_line(ln)
        for ln in (
            "configure",
            "crypto ca trustpool policy",
            "cabundle url http://www.example.com/security/pki/trs/ios.p7b",
            "crl optional",
            "description Trustpool for Test.",
            "vrf mgmt",
        )
    )
    assert s.prompt == "RP/0/RP0/CPU0:router(config-trustpool)#"
    assert "%" not in out
    s.handle_line("commit")
    s.handle_line("end")
    assert body(router.cli("show running-config crypto ca trustpool policy")) == [
        "crypto ca trustpool policy",
        " cabundle url http://www.example.com/security/pki/trs/ios.p7b",
        " crl optional",
        " description Trustpool for Test.",
        " vrf mgmt",
        "!",
    ]
    policy = router.trustpool.policy()
    assert policy.crl_optional
    assert policy.cabundle_url == "http://www.example.com/security/pki/trs/ios.p7b"
    assert (policy.description, policy.vrf) == ("Trustpool for Test.", "mgmt")
    earliest = min(c.not_valid_after_utc for c in builtin())
    assert body(router.cli("show crypto ca trustpool policy")) == [
        "",
        "Trustpool Policy",
        "",
        "Trustpool revocation checking is disabled",
        "CA Bundle Location: http://www.example.com/security/pki/trs/ios.p7b",
        "Description: Trustpool for Test.",
        "VRF: mgmt",
        f"Trustpool expires: {xr_time(earliest)}",
        f"Next automatic update: {xr_time(earliest - 20 * DAY)}",
    ]
    router.configure(["crypto ca trustpool policy", "no crl optional", "no cabundle url"])
    assert router.trustpool.policy().crl_optional is False
    assert body(router.cli("show crypto ca trustpool policy"))[3:5] == [
        "Trustpool revocation checking is enabled",
        "CA Bundle Location: not configured",
    ]
    assert body(router.cli("show crypto ca trustpool policy"))[-1] == (
        f"Next expiration warning: {xr_time(earliest - 20 * DAY)}"
    )


def test_a_bundle_url_of_another_scheme_is_refused_at_the_marker(router: Router) -> None:
    router.cli("configure")
    out = router.cli("crypto ca trustpool policy")
    out += router.cli("cabundle url ftp://192.0.2.1/ios.p7b")
    assert "% Invalid input detected at '^' marker." in out
    router.cli("abort")
    assert body(router.cli("crypto ca trustpool import url scp://h/x.p7b"))[-1] == (
        "% Invalid input detected at '^' marker."
    )


def test_import_over_http_replaces_the_pool_and_clean_removes_it(
    router: Router, server: FileServer, tmp_path: Path
) -> None:
    roots = [root(f"Lab Root {n}", not_after=T0 + (n + 2) * 100 * DAY) for n in range(2)]
    m1 = builtin()[1]
    shadow = root("xrsim Root CA M1", org="xrsim", not_after=T0 + 4000 * DAY)
    server.files["/ios.p7b"] = p7b([*roots, shadow], tmp_path)
    server.files["/other.pem"] = pem(roots[:1])
    url = server.url("/ios.p7b")
    assert body(router.cli(f"crypto ca trustpool import url {url}")) == [
        f"Reading file from {url}",
        "% Trustpool import succeeded: 3 CA certificates imported.",
    ]
    got = body(router.cli("show crypto ca trustpool"))
    want = [
        *(ln for c in builtin() if c != m1 for ln in expected("Built-In", c)),
        *(ln for c in (*roots, shadow) for ln in expected("Downloaded", c)),
    ]
    assert got == want  # the built-in M1 is inactive: a downloaded one has its subject
    router.cli(f"crypto ca trustpool import url {server.url('/other.pem')}")
    assert router.trustpool.downloaded() == roots[:1]  # the pool replaced as a whole
    assert body(router.cli("crypto ca trustpool import url clean")) == []
    assert body(router.cli("show crypto ca trustpool")) == [
        ln for c in builtin() for ln in expected("Built-In", c)
    ]


def test_bad_bundles_and_unreachable_servers_change_nothing(
    router: Router, server: FileServer, tmp_path: Path
) -> None:
    good = [root("Lab Root", not_after=T0 + 300 * DAY)]
    router.trustpool.import_bundle(pem(good))
    der = p7b([root("Other Root", not_after=T0 + 300 * DAY)], tmp_path)
    server.files.update(
        {
            "/empty.p7b": b"",
            "/truncated.p7b": der[:-40],
            "/garbage.p7b": b"<html>not found</html>",
            "/leaf.pem": pem([root("leaf", not_after=T0 + DAY, ca=False)]),
        }
    )
    before = router.chassis.store.snapshot()
    cases = {
        "/empty.p7b": "% Trustpool import failed: the bundle is empty.",
        "/truncated.p7b": "% Trustpool import failed: the bundle is not PKCS#7",
        "/garbage.p7b": "% Trustpool import failed: the bundle is not PKCS#7",
        "/leaf.pem": "% Trustpool import failed: certificate 1 of the bundle (CN=leaf,O=lab) is "
        "not a CA certificate.",
        "/missing.p7b": "% Trustpool import failed: the server at",
    }
    for path, message in cases.items():
        got = body(router.cli(f"crypto ca trustpool import url {server.url(path)}"))
        assert got[-1].startswith(message), (path, got)
    with FileServer() as closed:
        gone = closed.url("/ios.p7b")
    got = body(router.cli(f"crypto ca trustpool import url {gone}"))
    assert (
        got[-1]
        == f"% Trustpool import failed: the connection to 127.0.0.1 port {closed.port} was refused."
    )
    assert router.chassis.store.snapshot() == before
    assert router.trustpool.downloaded() == good


def test_the_automatic_update_logs_its_attempts(router: Router, server: FileServer) -> None:
    soon = root("Soon Root", not_after=T0 + 25 * DAY)
    fresh = root("Fresh Root", not_after=T0 + 900 * DAY)
    server.files["/ios.pem"] = pem([fresh])
    server.status = 503
    router.trustpool.import_bundle(pem([soon]))
    url = server.url("/ios.pem")
    router.configure(["crypto ca trustpool policy", f"cabundle url {url}"])
    router.advance(days=5)  # the 20-days point
    router.advance(days=5)  # the 15-days point
    server.status = 200
    router.advance(days=5)  # the 10-days point
    # the logging buffer (``show logging`` prints these lines; that command is the notify
    # work's CLI)
    log = [e.line() for e in router.notify.buffer.entries() if "TRUSTPOOL" in e.line()]
    assert len(log) == 3, log
    assert "%SECURITY-CEPKI-3-TRUSTPOOL_DOWNLOAD_FAIL : Trustpool download from " in log[0]
    assert "HTTP 503" in log[0]
    assert "The Trustpool will expire in 20 days, 0 hours, 0 minutes, 0 seconds" in log[0]
    assert "will expire in 15 days" in log[1]
    assert log[2].endswith(
        "%SECURITY-CEPKI-6-TRUSTPOOL_DOWNLOAD_SUCCESS : Trustpool download is successful: "
        f"1 CA certificates from {url}"
    )
    assert router.trustpool.downloaded() == [fresh]
    assert server.requests == ["/ios.pem"] * 3


def test_a_user_without_crypto_tasks_is_refused(router: Router) -> None:
    router.configure(["taskgroup readers", "task read system", "usergroup readers",
                      "taskgroup readers", "username reader", "group readers"])  # fmt: skip
    s = router.session(user="reader")
    for line in (
        "show crypto ca trustpool",
        "show crypto ca trustpool policy",
        "crypto ca trustpool import url clean",
        "crypto ca trustpool import url http://127.0.0.1/x.p7b",
    ):
        assert NOT_AUTHORIZED in s.handle_line(line), line

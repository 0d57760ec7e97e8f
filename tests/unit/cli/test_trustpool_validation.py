"""The seed's "Handling of CA Certificates appearing both in Trust Pool and Trust Point" through
a booted router's CLI: ``crypto ca trustpool import url https://...`` from a real TLS server on
loopback whose certificate is revoked in a CRL served over real HTTP (its CRL distribution
point). The CA is in the pool (policy ``crl optional``): accepted through the pool alone;
refused once a trustpoint without ``crl optional`` holds that CA (``crypto ca authenticate``);
accepted again when that trustpoint gets ``crl optional``. Also ``cabundle url https://...``
(the automatic update) judged the same way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from pki_lab import NOW, Ca, FileServer, pem
from support import Dialogue
from xrsim.clock import SimClock
from xrsim.router import Router

pytestmark = pytest.mark.timeout(90)

DAY = dt.timedelta(days=1)
TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not TS.match(ln)]


class Site:
    """The CA, its CRL and a plain bundle on an HTTP server, the bundle again on an HTTPS
    server whose certificate (issued by the CA, for 127.0.0.1) the CRL revokes."""

    def __init__(self, tmp_path: Path, *, ca_days: int = 3650) -> None:
        self.ca = Ca("Bundle Root", not_after=NOW + dt.timedelta(days=ca_days))
        self.other = Ca("Other Root")
        self.http = FileServer().start()
        self.cert = self.ca.issue("bundle server", cdp=self.http.url("/root.crl"))
        self.http.files["/root.crl"] = self.ca.crl([self.cert.cert])
        self.http.files["/ca.pem"] = pem(self.ca.cert)
        # the HTTPS bundle holds one more CA: an accepted import shows in the pool
        self.bundle = [self.ca.cert, self.other.cert]
        self.https = FileServer(
            {"/bundle.pem": pem(self.bundle)},
            tls=self.cert.write(tmp_path, "bundle-server"),
        ).start()

    def close(self) -> None:
        self.https.close()
        self.http.close()

    def crl_fetches(self) -> int:
        return self.http.requests.count("/root.crl")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    s = Site(tmp_path)
    yield s
    s.close()


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot(state_dir=tmp_path / "r1", clock=SimClock(NOW, frozen=True))
    yield r
    r.shutdown()


def downloaded(router: Router) -> list[x509.Certificate]:
    return router.trustpool.downloaded()


def import_url(router: Router, url: str) -> list[str]:
    return body(router.cli(f"crypto ca trustpool import url {url}"))


def test_a_trustpoint_ca_and_its_policy_come_before_the_trustpool(
    router: Router, site: Site
) -> None:
    https_url = site.https.url("/bundle.pem")
    # the CA into the pool over plain HTTP
    out = import_url(router, site.http.url("/ca.pem"))
    assert out[-1] == "% Trustpool import succeeded: 1 CA certificates imported.", out
    assert downloaded(router) == [site.ca.cert]

    # the pool's policy enforces the CRL by default: the revoked server is refused
    out = import_url(router, https_url)
    assert out[-1].startswith("% Trustpool import failed: the server's certificate was refused:")
    assert "is revoked" in out[-1]
    assert "judged by the trustpool" in out[-1]
    assert downloaded(router) == [site.ca.cert]
    assert site.https.requests == []  # nothing was asked of the refused server

    # the pool's ``crl optional``: accepted through the pool alone, no CRL fetched
    router.configure(["crypto ca trustpool policy", "crl optional"])
    fetched = site.crl_fetches()
    out = import_url(router, https_url)
    assert out[-1] == "% Trustpool import succeeded: 2 CA certificates imported.", out
    assert downloaded(router) == site.bundle
    assert site.crl_fetches() == fetched

    # back to the CA alone, then a trustpoint (no crl optional) takes the same CA
    import_url(router, site.http.url("/ca.pem"))
    router.configure(["crypto ca trustpoint tp1", "enrollment terminal"])
    out = router.cli(
        "crypto ca authenticate tp1",
        answers=Dialogue(pem(site.ca.cert).decode(), {"accept": "yes"}),
    )
    assert router.certs.ca("tp1") == site.ca.cert, out
    before_show = body(router.cli("show crypto ca trustpool"))
    asked = len(site.https.requests)

    out = import_url(router, https_url)
    assert out[0] == f"Reading file from {https_url}"
    [line] = out[1:]
    assert line.startswith("% Trustpool import failed: the server's certificate was refused:")
    assert "is revoked" in line
    assert "judged by trustpoint tp1" in line
    assert line.endswith(".")
    assert "Traceback" not in line
    assert downloaded(router) == [site.ca.cert]  # nothing changed
    assert body(router.cli("show crypto ca trustpool")) == before_show
    assert site.crl_fetches() == fetched + 1  # the trustpoint's policy fetched the CRL
    assert len(site.https.requests) == asked

    # the trustpoint's own ``crl optional``: accepted again, without the CRL
    router.configure(["crypto ca trustpoint tp1", "crl optional"])
    out = import_url(router, https_url)
    assert out[-1] == "% Trustpool import succeeded: 2 CA certificates imported.", out
    assert downloaded(router) == site.bundle
    assert site.crl_fetches() == fetched + 1


def test_an_https_server_no_trusted_ca_issued_is_refused(router: Router, site: Site) -> None:
    out = import_url(router, site.https.url("/bundle.pem"))
    assert out[-1].startswith("% Trustpool import failed: the server's certificate was refused:")
    assert "not issued by a CA the router trusts" in out[-1]
    assert downloaded(router) == []
    assert site.https.requests == []


def test_cabundle_url_https_is_judged_the_same_way(tmp_path: Path) -> None:
    """The automatic update (``cabundle url https://...``, 20 days before the pool's earliest
    expiry): refused while trustpoint tp1 (no ``crl optional``) holds the CA, the pool
    unchanged and the failure in the logging buffer; done once tp1 has ``crl optional``."""
    site = Site(tmp_path, ca_days=30)
    # a CRL still current when the clock has moved on (a stale one is refused too)
    site.http.files["/root.crl"] = site.ca.crl([site.cert.cert], next_update=NOW + 60 * DAY)
    r = Router.boot(state_dir=tmp_path / "r2", clock=SimClock(NOW, frozen=True))
    try:
        import_url(r, site.http.url("/ca.pem"))
        r.configure(["crypto ca trustpoint tp1", "enrollment terminal"])
        r.cli(
            "crypto ca authenticate tp1",
            answers=Dialogue(pem(site.ca.cert).decode(), {"accept": "yes"}),
        )
        r.configure(
            [
                "crypto ca trustpool policy",
                "crl optional",
                f"cabundle url {site.https.url('/bundle.pem')}",
            ]
        )
        r.advance(days=11)  # past 20 days before the CA's expiry
        assert downloaded(r) == [site.ca.cert]
        log = [e.line() for e in r.notify.buffer.entries() if "TRUSTPOOL" in e.line()]
        assert len(log) == 1, log
        assert "%SECURITY-CEPKI-3-TRUSTPOOL_DOWNLOAD_FAIL" in log[0]
        assert "is revoked" in log[0]
        assert "judged by trustpoint tp1" in log[0]
        assert site.https.requests == []
        r.configure(["crypto ca trustpoint tp1", "crl optional"])
        r.advance(days=5)  # the next point of the schedule (15 days before)
        assert downloaded(r) == site.bundle
        assert site.https.requests == ["/bundle.pem"]
        log = [e.line() for e in r.notify.buffer.entries() if "TRUSTPOOL" in e.line()]
        assert "%SECURITY-CEPKI-6-TRUSTPOOL_DOWNLOAD_SUCCESS" in log[-1]
    finally:
        r.shutdown()
        site.close()

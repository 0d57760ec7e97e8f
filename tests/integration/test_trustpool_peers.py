"""``crypto ca trustpool import url`` against real peers, inside VRFs the test makes
(``xrsim.lab.netlab``, as root): ``in.tftpd`` (tftpd-hpa) and an HTTP server of the test whose
listening socket is made inside a namespace of its own.

- TFTP in VRF ``mgmt``: the router's VRF ``mgmt`` is a namespace joined to the TFTP server's by
  a veth pair; ``tftp://ADDR;mgmt/ios.p7b`` (a PKCS#7 made by ``openssl crl2pkcs7 -nocrl``)
  replaces the pool, ``show crypto ca trustpool`` lists it. The same URL without ``;mgmt``
  goes out in the default VRF (a namespace with no route) and fails, changing nothing.
- HTTP in VRF ``mgmt`` by the policy's ``vrf``: ``import url http://ADDR:PORT/...`` and the
  automatic update (``cabundle url``) reach a server that fails (HTTP 500), then succeeds; the
  attempts fall on the seed's schedule (20, 15, ... days before the earliest expiry) on a
  frozen clock moved by ``router.advance``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netlab_fixtures import Attachment, Site
from pki_lab import T0, FileServer, p7b, pem, root
from xrsim.clock import SimClock
from xrsim.lab.netlab import Lab
from xrsim.pki.trustpool import RETRY_DAYS
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(180)]

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
DAY = dt.timedelta(days=1)


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not TS.match(ln)]


@pytest.fixture
def namespaces(netlab: Lab) -> tuple[str, str]:
    """The router's VRF ``mgmt`` and its default VRF (no interface but loopback)."""
    return netlab.namespace("mgmt"), netlab.namespace("default")


@pytest.fixture
def router(namespaces: tuple[str, str], tmp_path: Path) -> Iterator[Router]:
    mgmt, default = namespaces
    r = Router.boot(
        state_dir=tmp_path / "router",
        clock=SimClock(T0, frozen=True),
        vrfs={"mgmt": mgmt, "default": default},
    )
    try:
        r.configure(["vrf mgmt"])
        yield r
    finally:
        r.shutdown()


def test_import_from_tftpd_hpa_inside_the_vrf(
    router: Router,
    namespaces: tuple[str, str],
    tftp_server: Callable[..., tuple[Site, Attachment]],
    tmp_path: Path,
) -> None:
    site, attachment = tftp_server(namespaces[0], addressed=True)
    assert site.tftp is not None
    roots = [root(f"Lab Root {n}", not_after=T0 + (n + 1) * 365 * DAY) for n in range(3)]
    bundle = site.tftp.root / "ios.p7b"
    bundle.write_bytes(p7b(roots, tmp_path / "p7b"))
    bundle.chmod(0o644)
    before = router.chassis.store.snapshot()
    # the default VRF has no route to the server: refused, nothing changed
    url = f"tftp://{attachment.remote}/ios.p7b"
    got = body(router.cli(f"crypto ca trustpool import url {url}"))
    assert got[-1].startswith("% Trustpool import failed: the TFTP server"), got
    assert router.chassis.store.snapshot() == before
    url = f"tftp://{attachment.remote};mgmt/ios.p7b"
    assert body(router.cli(f"crypto ca trustpool import url {url}")) == [
        f"Reading file from {url}",
        "% Trustpool import succeeded: 3 CA certificates imported.",
    ]
    assert router.trustpool.downloaded() == roots
    shown = body(router.cli("show crypto ca trustpool"))
    assert shown.count("Trustpool: Downloaded CA certificate") == 3
    assert "  \tCN=Lab Root 2,O=lab" in shown
    source, _, count = router.trustpool.last_import() or (None, None, 0)
    assert (source, count) == (url, 3)
    # a file the server does not have: the server's error in words, the pool kept
    got = body(router.cli(f"crypto ca trustpool import url tftp://{attachment.remote};mgmt/no"))
    assert "file not found" in got[-1]
    assert router.trustpool.downloaded() == roots


def test_http_in_the_policy_vrf_and_the_automatic_update(
    router: Router, netlab: Lab, namespaces: tuple[str, str]
) -> None:
    mgmt, _ = namespaces
    web = netlab.namespace("web")
    hosts = list(netlab.subnet().hosts())
    netlab.link(mgmt, web, f"{hosts[0]}/24", f"{hosts[1]}/24")
    server = FileServer(netns=web, address=str(hosts[1]))
    soon = root("Soon Root", not_after=T0 + 40 * DAY)
    fresh = [root("Fresh Root", not_after=T0 + 1000 * DAY)]
    with server:
        url = server.url("/ios.pem")
        server.files["/ios.pem"] = pem([soon])
        # the default VRF cannot reach it; VRF mgmt (the policy's) can
        got = body(router.cli(f"crypto ca trustpool import url {url}"))
        assert got[-1].startswith("% Trustpool import failed:"), got
        router.configure(["crypto ca trustpool policy", "vrf mgmt", f"cabundle url {url}"])
        got = body(router.cli(f"crypto ca trustpool import url {url}"))
        assert got[-1] == "% Trustpool import succeeded: 1 CA certificates imported."
        assert router.trustpool.next_event() == T0 + 20 * DAY
        server.status = 500
        server.files["/ios.pem"] = pem(fresh)
        requests = len(server.requests)
        router.advance(days=39)  # to one day before the expiry: 20, 15, ..., 1 days
        assert len(server.requests) - requests == len(RETRY_DAYS)
        router.advance(hours=3)  # then every hour
        assert len(server.requests) - requests == len(RETRY_DAYS) + 3
        assert router.trustpool.downloaded() == [soon]
        server.status = 200
        router.advance(hours=1)
    assert router.trustpool.downloaded() == fresh
    lines = [e.line() for e in router.notify.buffer.entries() if "TRUSTPOOL" in e.line()]
    assert len(lines) == len(RETRY_DAYS) + 4
    assert all("-3-TRUSTPOOL_DOWNLOAD_FAIL : " in ln for ln in lines[:-1])
    assert "HTTP 500" in lines[0]
    assert lines[-1].endswith(
        f"%SECURITY-CEPKI-6-TRUSTPOOL_DOWNLOAD_SUCCESS : Trustpool download is successful: "
        f"1 CA certificates from {url}"
    )

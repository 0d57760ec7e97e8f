"""Downloads of files the PKI needs (CA trustpool bundles), by URL, inside a VRF.

- ``Downloader(netns_of, *, timeout, tftp_timeout)``: one per router (the router builds it with
  its VRF table's ``netns_of``); calling it, ``downloader(url, vrf) -> bytes``, fetches the
  file. This is the one dispatch point by URL scheme:

  - ``http://HOST[:PORT]/PATH``: an HTTP GET (``xrsim.net.http``) inside ``vrf``'s namespace; a
    status other than 200 is an ``HttpStatusError``.
  - ``tftp://HOST[:PORT][;VRF]/PATH``: a TFTP read (``xrsim.net.tftp``); the URL's own ``;VRF``
    comes before ``vrf``.
  - ``https://HOST[:PORT]/PATH``: the same GET over TLS (``xrsim.net.http``), the server's
    certificate judged by ``verifier(vrf)`` (the router's ``xrsim.pki.validate.PeerValidator``:
    a trustpoint's CA and its policy before the trustpool and its policy, CRLs fetched in the
    same VRF) before anything is sent; refused with a
    ``xrsim.errors.CertificateValidationError`` kind. Without a ``verifier`` an ``https://`` URL
    is refused (``InvalidInput``).

``vrf`` None is the default VRF. Failures are typed, with the reason in words:
``InvalidInput`` (a URL this cannot fetch), ``VrfError``, ``TransportError`` and its kinds
(``TransportTimeout``, ``HttpStatusError``, ``TftpError``), ``CertificateValidationError`` and its
kinds (``https://``).
"""

from __future__ import annotations

from collections.abc import Callable

from xrsim.errors import InvalidInput
from xrsim.net import http, tftp

__all__ = ["DEFAULT_TIMEOUT", "SCHEMES", "Downloader", "Verifier", "scheme_of"]

#: Seconds an HTTP exchange has (and each TFTP packet: ``tftp_timeout``).
DEFAULT_TIMEOUT = 30.0
#: The URL schemes ``Downloader`` fetches.
SCHEMES = ("http", "https", "tftp")
#: ``verifier(vrf)``: the callback that judges an HTTPS server's certificate in that VRF.
Verifier = Callable[[str | None], http.PeerVerifier]


def scheme_of(url: str) -> str:
    """The URL's scheme in lower case (``""`` when it has none)."""
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep else ""


class Downloader:
    """Fetch a file by URL inside a VRF: ``downloader(url, vrf) -> bytes``."""

    def __init__(
        self,
        netns_of: Callable[[str | None], str | None],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tftp_timeout: float = tftp.DEFAULT_TIMEOUT,
        verifier: Verifier | None = None,
    ) -> None:
        self._netns_of = netns_of
        self._verifier = verifier
        self.timeout = timeout
        self.tftp_timeout = tftp_timeout

    def __call__(self, url: str, vrf: str | None = None) -> bytes:
        scheme = scheme_of(url)
        if scheme == "http":
            return self._http(url, vrf)
        if scheme == "https":
            return self._https(url, vrf)
        if scheme == "tftp":
            return self._tftp(url, vrf)
        raise InvalidInput(
            f"{url}: only {', '.join(s + '://' for s in SCHEMES)} URLs can be downloaded"
        )

    def _http(self, url: str, vrf: str | None) -> bytes:
        netns = self._netns_of(vrf)
        reply = http.request("GET", url, netns=netns, timeout=self.timeout)
        return reply.raise_for_status(url).body

    def _https(self, url: str, vrf: str | None) -> bytes:
        if self._verifier is None:
            raise InvalidInput(f"{url}: no certificate validation for https:// downloads here")
        netns = self._netns_of(vrf)
        reply = http.request(
            "GET", url, netns=netns, timeout=self.timeout, verify=self._verifier(vrf)
        )
        return reply.raise_for_status(url).body

    def _tftp(self, url: str, vrf: str | None) -> bytes:
        parsed = tftp.parse_url(url)
        if not parsed.path:
            raise InvalidInput(f"{url} names no file")
        netns = self._netns_of(parsed.vrf or vrf)
        return tftp.get(
            parsed.host, parsed.port, parsed.path, netns=netns, timeout=self.tftp_timeout
        )

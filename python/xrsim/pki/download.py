"""Downloads of files the PKI needs (CA trustpool bundles), by URL, inside a VRF.

- ``Downloader(netns_of, *, timeout, tftp_timeout)``: one per router (the router builds it with
  its VRF table's ``netns_of``); calling it, ``downloader(url, vrf) -> bytes``, fetches the
  file. This is the one dispatch point by URL scheme:

  - ``http://HOST[:PORT]/PATH``: an HTTP GET (``xrsim.net.http``) inside ``vrf``'s namespace; a
    status other than 200 is an ``HttpStatusError``.
  - ``tftp://HOST[:PORT][;VRF]/PATH``: a TFTP read (``xrsim.net.tftp``); the URL's own ``;VRF``
    comes before ``vrf``.
  - ``https://`` is added here by the validation work (TLS with the peer checked against the
    trustpool); until then it is refused like any other scheme.

``vrf`` None is the default VRF. Failures are typed, with the reason in words:
``InvalidInput`` (a URL this cannot fetch), ``VrfError``, ``TransportError`` and its kinds
(``TransportTimeout``, ``HttpStatusError``, ``TftpError``).
"""

from __future__ import annotations

from collections.abc import Callable

from xrsim.errors import InvalidInput
from xrsim.net import http, tftp

__all__ = ["DEFAULT_TIMEOUT", "SCHEMES", "Downloader", "scheme_of"]

#: Seconds an HTTP exchange has (and each TFTP packet: ``tftp_timeout``).
DEFAULT_TIMEOUT = 30.0
#: The URL schemes ``Downloader`` fetches.
SCHEMES = ("http", "tftp")


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
    ) -> None:
        self._netns_of = netns_of
        self.timeout = timeout
        self.tftp_timeout = tftp_timeout

    def __call__(self, url: str, vrf: str | None = None) -> bytes:
        scheme = scheme_of(url)
        if scheme == "http":
            return self._http(url, vrf)
        if scheme == "tftp":
            return self._tftp(url, vrf)
        raise InvalidInput(
            f"{url}: only {', '.join(s + '://' for s in SCHEMES)} URLs can be downloaded"
        )

    def _http(self, url: str, vrf: str | None) -> bytes:
        netns = self._netns_of(vrf)
        reply = http.request("GET", url, netns=netns, timeout=self.timeout)
        return reply.raise_for_status(url).body

    def _tftp(self, url: str, vrf: str | None) -> bytes:
        parsed = tftp.parse_url(url)
        if not parsed.path:
            raise InvalidInput(f"{url} names no file")
        netns = self._netns_of(parsed.vrf or vrf)
        return tftp.get(
            parsed.host, parsed.port, parsed.path, netns=netns, timeout=self.tftp_timeout
        )

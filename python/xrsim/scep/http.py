"""SCEP over HTTP (RFC 8894 4.1) from inside a VRF (layer 4: imports ``xrsim.errors``,
``xrsim.net.http``, ``xrsim.scep.client``).

``HttpTransport(url, netns=..., timeout=...)`` is a ``xrsim.scep.client.Transport``: each call
is one ``xrsim.net.http.request`` inside the VRF's network namespace (None: the process's own).

- The path is the URL's; with none (``http://ca`` or ``http://ca/``) IOS's
  ``/cgi-bin/pkiclient.exe``. A query in the URL is kept, the SCEP parameters follow it.
- ``get(operation, message)``: ``GET path?operation=OP[&message=M]``; a PKIOperation message
  (DER) goes as standard base64, percent-encoded (``+``, ``/``, ``=`` escaped); other messages
  (GetCACert's CA identifier) as percent-encoded text.
- ``post(operation, message)``: ``POST path?operation=OP`` with the DER message as the body
  (``application/x-pki-message``).

A status other than 200 raises ``xrsim.errors.HttpStatusError`` (the URL in words, without the
message), other transport failures their ``TransportError`` kinds; the ``Reply`` carries the
content type without parameters, in lower case.
"""

from __future__ import annotations

import base64
import urllib.parse

from xrsim.errors import TransportError
from xrsim.net import http
from xrsim.scep.client import PKI_MESSAGE, Reply

__all__ = ["DEFAULT_PATH", "HttpTransport"]

#: Where IOS sends SCEP when the enrollment URL has no path.
DEFAULT_PATH = "/cgi-bin/pkiclient.exe"


class HttpTransport:
    """SCEP over HTTP to ``url`` from network namespace ``netns``, each request bounded by
    ``timeout`` seconds."""

    def __init__(
        self, url: str, *, netns: str | None = None, timeout: float = http.DEFAULT_TIMEOUT
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() != "http" or not parts.hostname:
            raise TransportError(f"{url} is not an http:// URL")
        path = parts.path if parts.path not in ("", "/") else DEFAULT_PATH
        self.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
        http.split_url(self.url)  # a bad port is refused here, not on first use
        self.netns = netns
        self.timeout = timeout

    def _address(self, operation: str, message: str | None = None) -> str:
        query = urllib.parse.urlencode({"operation": operation})
        if message is not None:
            query += "&message=" + urllib.parse.quote(message, safe="")
        sep = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return f"{self.url}{sep}{query}"

    def _finish(self, response: http.HttpResponse, shown: str) -> Reply:
        response.raise_for_status(shown)
        kind = response.content_type.split(";", 1)[0].strip().lower()
        return Reply(kind, response.body)

    def get(self, operation: str, message: bytes | None) -> Reply:
        text: str | None = None
        if message is not None:
            if operation == "PKIOperation":
                text = base64.b64encode(message).decode("ascii")
            else:
                text = message.decode("utf-8")
        shown = self._address(operation)
        response = http.request(
            "GET", self._address(operation, text), netns=self.netns, timeout=self.timeout
        )
        return self._finish(response, shown)

    def post(self, operation: str, message: bytes) -> Reply:
        address = self._address(operation)
        response = http.request(
            "POST",
            address,
            body=message,
            headers={"Content-Type": PKI_MESSAGE},
            netns=self.netns,
            timeout=self.timeout,
        )
        return self._finish(response, address)

    def __repr__(self) -> str:
        return f"HttpTransport({self.url!r}, netns={self.netns!r})"

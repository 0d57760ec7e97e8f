"""HTTP/1.1 requests from inside a VRF (layer 3: imports ``xrsim.errors``, ``xrsim.net.netns``).

``request(method, url, body=..., headers=..., netns=..., timeout=...)`` sends one request with
the standard library's ``http.client`` over a TCP connection opened inside the VRF's network
namespace (``xrsim.net.netns.socket_in``; ``netns=None`` is the process's own) and returns an
``HttpResponse`` (status, content type, body). Only ``http://`` URLs: IOS XR enrolls over plain
HTTP (SCEP protects its messages itself). A reply whose status is not 200 comes back as a
response; ``HttpResponse.raise_for_status`` turns it into ``xrsim.errors.HttpStatusError``.

Failures are typed, with the reason in words for the CLI (no errno text):
``TransportTimeout`` (connect or reply timed out), ``TransportError`` (refused, unreachable,
reset, a malformed reply, a body over ``max_body``), ``VrfError`` (the namespace).
"""

from __future__ import annotations

import errno
import http.client
import socket
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from xrsim.errors import HttpStatusError, TransportError, TransportTimeout
from xrsim.net.netns import socket_in

__all__ = ["DEFAULT_TIMEOUT", "HttpResponse", "request", "split_url"]

DEFAULT_TIMEOUT = 30.0
#: Replies larger than this are refused (a CA's certificate chain or CRL is far smaller).
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class HttpResponse:
    status: int
    reason: str
    content_type: str
    body: bytes

    def raise_for_status(self, url: str) -> HttpResponse:
        if self.status != 200:
            raise HttpStatusError(
                f"the server at {url} answered HTTP {self.status} {self.reason}".rstrip(),
                self.status,
            )
        return self


def split_url(url: str) -> tuple[str, int, str]:
    """(host, port, path with query) of an ``http://`` URL; ``TransportError`` otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise TransportError(f"{url} is not an http:// URL")
    try:
        port = parts.port or 80
    except ValueError:
        raise TransportError(f"{url} has a bad port number") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.hostname, port, path


class _Connection(http.client.HTTPConnection):
    """An ``HTTPConnection`` whose socket is made inside a network namespace."""

    def __init__(self, host: str, port: int, timeout: float, netns: str | None) -> None:
        super().__init__(host, port, timeout=timeout)
        self._netns = netns

    def connect(self) -> None:
        info = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        family, _, _, _, address = info[0]
        sock = socket_in(self._netns, family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(address)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def _words(e: OSError, where: str) -> str:
    known = {
        errno.ECONNREFUSED: f"the connection to {where} was refused",
        errno.ENETUNREACH: f"{where} is unreachable (no route to its network)",
        errno.EHOSTUNREACH: f"{where} is unreachable (no route to the host)",
        errno.ECONNRESET: f"the connection to {where} was reset",
        errno.EPIPE: f"the connection to {where} was closed",
        errno.EADDRNOTAVAIL: f"{where} cannot be reached from this VRF (no address to send from)",
    }
    if isinstance(e, socket.gaierror):
        return f"the host name in {where} could not be resolved"
    return known.get(e.errno or 0, f"{where} could not be reached")


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    netns: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_body: int = MAX_BODY,
) -> HttpResponse:
    """One HTTP request inside ``netns``; the response, whatever its status."""
    host, port, path = split_url(url)
    where = f"{host} port {port}"
    conn = _Connection(host, port, timeout, netns)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        data = resp.read(max_body + 1)
        if len(data) > max_body:
            raise TransportError(f"the reply from {where} is larger than {max_body} bytes")
        return HttpResponse(
            resp.status, resp.reason or "", resp.getheader("Content-Type", "") or "", data
        )
    except TimeoutError:
        raise TransportTimeout(f"{where} did not answer within {timeout:g} seconds") from None
    except http.client.HTTPException:
        raise TransportError(f"the reply from {where} is not valid HTTP") from None
    except OSError as e:
        raise TransportError(_words(e, where)) from None
    finally:
        conn.close()

"""HTTP/1.1 and HTTPS requests from inside a VRF (layer 3: imports ``xrsim.errors``,
``xrsim.net.netns``).

``request(method, url, body=..., headers=..., netns=..., timeout=..., verify=...)`` sends one
request with the standard library's ``http.client`` over a TCP connection opened inside the
VRF's network namespace (``xrsim.net.netns.socket_in``; ``netns=None`` is the process's own) and
returns an ``HttpResponse`` (status, content type, body). A reply whose status is not 200 comes
back as a response; ``HttpResponse.raise_for_status`` turns it into
``xrsim.errors.HttpStatusError``. ``split_url`` reads an ``http://`` URL (SCEP and CRLs: IOS XR
enrolls over plain HTTP, SCEP protects its messages itself); ``split_any_url`` an ``http://`` or
``https://`` one.

``https://`` (trustpool bundles): TLS 1.2 or later with the standard library's ``ssl`` on the
socket made inside the namespace, the URL's host as SNI. The server's certificate is judged by
the caller's ``verify(leaf, host)`` callback (the router's: ``xrsim.pki.validate``), which
raises to refuse it; its exception (a ``xrsim.errors.CertificateValidationError`` kind) reaches
the caller as it is, and nothing is sent. Python 3.11's ``ssl`` gives the peer's certificate
without verification only as the leaf (``getpeercert(binary_form=True)``; the unverified chain
arrives in Python 3.13), so the handshake is made with ``CERT_NONE`` and the leaf alone goes to
``verify``: intermediates the server sends are not seen, and OpenSSL checks nothing of the
certificate (the callback does all of it). An ``https://`` URL without ``verify`` is refused
(``InvalidInput``): nothing goes out unverified.

Failures are typed, with the reason in words for the CLI (no errno text):
``TransportTimeout`` (connect, handshake or reply timed out), ``TransportError`` (refused,
unreachable, reset, a TLS handshake that failed, a malformed reply, a body over ``max_body``),
``VrfError`` (the namespace).
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography import x509

from xrsim.errors import HttpStatusError, InvalidInput, TransportError, TransportTimeout
from xrsim.net.netns import socket_in

__all__ = [
    "DEFAULT_TIMEOUT",
    "HttpResponse",
    "PeerVerifier",
    "request",
    "split_any_url",
    "split_url",
]

#: Judges an HTTPS server's certificate (the leaf, unverified) for the URL's host; raises to
#: refuse it.
PeerVerifier = Callable[[x509.Certificate, str], None]

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
    if urllib.parse.urlsplit(url).scheme != "http":
        raise TransportError(f"{url} is not an http:// URL")
    _, host, port, path = split_any_url(url)
    return host, port, path


def split_any_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an ``http://`` or ``https://`` URL;
    ``TransportError`` otherwise."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"{url} is not an http:// or https:// URL")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise TransportError(f"{url} has a bad port number") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


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


def _tls_context() -> ssl.SSLContext:
    """TLS 1.2 or later, no verification by OpenSSL: the leaf goes to the ``verify`` callback
    (module docstring)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _TlsConnection(_Connection):
    """A ``_Connection`` with TLS on its namespace socket; the server's certificate is handed to
    ``verify`` before anything is sent."""

    def __init__(
        self, host: str, port: int, timeout: float, netns: str | None, verify: PeerVerifier
    ) -> None:
        super().__init__(host, port, timeout, netns)
        self._verify = verify

    def connect(self) -> None:
        super().connect()
        assert self.sock is not None
        raw = self.sock
        try:
            sni = None if _is_address(self.host) else self.host
            tls = _tls_context().wrap_socket(raw, server_hostname=sni)
        except BaseException:
            raw.close()
            raise
        self.sock = tls
        der = tls.getpeercert(binary_form=True)
        if not der:
            raise TransportError(f"{self.host} port {self.port} sent no certificate")
        try:
            leaf = x509.load_der_x509_certificate(der)
        except ValueError:
            raise TransportError(
                f"the certificate {self.host} port {self.port} sent cannot be read"
            ) from None
        self._verify(leaf, self.host)


def _is_address(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


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


def _tls_words(e: ssl.SSLError, where: str) -> str:
    """A failed TLS exchange in words: OpenSSL's reason code (``WRONG_VERSION_NUMBER``) as
    lower-case words, without its error numbers."""
    if isinstance(e, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return f"{where} closed the TLS connection"
    detail = (e.reason or "").replace("_", " ").lower()
    return f"the TLS handshake with {where} failed" + (f" ({detail})" if detail else "")


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    netns: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_body: int = MAX_BODY,
    verify: PeerVerifier | None = None,
) -> HttpResponse:
    """One HTTP request inside ``netns``; the response, whatever its status. An ``https://``
    URL needs ``verify``, which judges the server's certificate before the request is sent."""
    scheme, host, port, path = split_any_url(url)
    where = f"{host} port {port}"
    conn: _Connection
    if scheme == "https":
        if verify is None:
            raise InvalidInput(f"{url}: an https:// request needs a certificate verifier")
        conn = _TlsConnection(host, port, timeout, netns, verify)
    else:
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
    except ssl.SSLError as e:
        raise TransportError(_tls_words(e, where)) from None
    except OSError as e:
        raise TransportError(_words(e, where)) from None
    finally:
        conn.close()

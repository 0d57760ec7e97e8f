"""``xrsim.scep.http.HttpTransport`` against a real HTTP server on loopback (the standard
library's, in a thread): the default path, a given path used as is, GET with percent-encoded
standard base64, POST with the DER body, content types, HTTP errors and a refused connection
as typed errors."""

from __future__ import annotations

import base64
import http.server
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from xrsim.errors import HttpStatusError, TransportError
from xrsim.scep.http import DEFAULT_PATH, HttpTransport

pytestmark = pytest.mark.timeout(30)

#: Bytes whose standard base64 holds ``+``, ``/`` and ``=``.
MESSAGE = bytes(range(256)) + b"\xfb"


@dataclass
class Seen:
    method: str
    path: str
    query: str
    content_type: str | None
    body: bytes


@dataclass
class Server:
    port: int
    seen: list[Seen] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self, body: bytes) -> None:
            path, _, query = self.path.partition("?")
            state.seen.append(
                Seen(self.command, path, query, self.headers.get("Content-Type"), body)
            )
            if path.endswith("/missing"):
                self.send_error(404)
                return
            if path.endswith("/broken"):
                self.send_error(500)
                return
            self.send_response(200)
            self.send_header("Content-Type", "Application/X-PKI-Message; charset=binary")
            self.send_header("Content-Length", str(len(body) + 2))
            self.end_headers()
            self.wfile.write(b"OK" + body)

        def do_GET(self) -> None:
            self._answer(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            self._answer(self.rfile.read(length))

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.mark.parametrize("suffix", ["", "/"])
def test_no_path_is_pkiclient_exe(server: Server, suffix: str) -> None:
    t = HttpTransport(server.base + suffix, timeout=5)
    reply = t.get("GetCACaps", None)
    assert reply.content_type == "application/x-pki-message"
    assert reply.body == b"OK"
    [seen] = server.seen
    assert seen.method == "GET"
    assert seen.path == DEFAULT_PATH == "/cgi-bin/pkiclient.exe"
    assert seen.query == "operation=GetCACaps"


@pytest.mark.parametrize("path", ["/scep", "/certsrv/mscep/mscep.dll", "/a/b/"])
def test_given_path_is_used_as_is(server: Server, path: str) -> None:
    HttpTransport(server.base + path, timeout=5).get("GetCACert", None)
    assert server.seen[0].path == path
    assert server.seen[0].query == "operation=GetCACert"


def test_get_pkioperation_percent_encoded_base64(server: Server) -> None:
    HttpTransport(server.base + "/scep", timeout=5).get("PKIOperation", MESSAGE)
    [seen] = server.seen
    params = seen.query.split("&")
    assert params[0] == "operation=PKIOperation"
    assert params[1].startswith("message=")
    raw = params[1].removeprefix("message=")
    assert not set(raw) & set("+/= ")  # all escaped
    assert {"%2B", "%2F", "%3D"} <= {raw[i : i + 3] for i in range(len(raw) - 2)}
    assert base64.b64decode(urllib.parse.unquote(raw), validate=True) == MESSAGE


def test_get_with_a_text_message(server: Server) -> None:
    HttpTransport(server.base + "/scep", timeout=5).get("GetCACert", b"lab CA/1")
    assert server.seen[0].query == "operation=GetCACert&message=lab%20CA%2F1"


def test_post_sends_der(server: Server) -> None:
    reply = HttpTransport(server.base + "/scep", timeout=5).post("PKIOperation", MESSAGE)
    [seen] = server.seen
    assert seen.method == "POST"
    assert seen.query == "operation=PKIOperation"
    assert seen.content_type == "application/x-pki-message"
    assert seen.body == MESSAGE
    assert reply.body == b"OK" + MESSAGE


def test_query_in_the_url_is_kept(server: Server) -> None:
    HttpTransport(server.base + "/scep?ca=lab", timeout=5).get("GetCACaps", None)
    assert server.seen[0].query == "ca=lab&operation=GetCACaps"


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/broken", 500)])
def test_http_errors_are_typed(server: Server, path: str, status: int) -> None:
    t = HttpTransport(server.base + path, timeout=5)
    for call in (lambda: t.get("PKIOperation", MESSAGE), lambda: t.post("PKIOperation", MESSAGE)):
        with pytest.raises(HttpStatusError) as e:
            call()
        assert e.value.status == status
        assert "message=" not in e.value.reason  # the URL shown without the message


def test_refused_connection_is_a_transport_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransportError):
        HttpTransport(f"http://127.0.0.1:{port}/scep", timeout=5).get("GetCACaps", None)


@pytest.mark.parametrize(
    "url", ["https://ca.example/scep", "tftp://198.18.0.2/x", "ca", "http://h:99999/"]
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(TransportError):
        HttpTransport(url)

"""Helpers of the trustpool tests: CA certificates made here (keys thrown away), bundles as
concatenated PEM and as PKCS#7 made by the real ``openssl crl2pkcs7 -nocrl``, and a real HTTP
server on loopback (a thread of the test) serving bundles, with a switch to fail.

- ``make_ca(cn, not_after=..., org=..., ca=True)``: a self-signed certificate (a CA's unless
  ``ca=False``).
- ``pem(certs)``, ``p7b(certs, workdir, der=True)``: the two bundle formats.
- ``BundleServer``: ``http.server`` on 127.0.0.1 (port chosen by the kernel) or inside a
  namespace (``serve(netns=...)``); ``files`` maps paths to bytes, ``status`` answers every
  request with that status instead (500: the server fails), ``requests`` counts GETs.
"""

from __future__ import annotations

import datetime as dt
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from xrsim.net.netns import socket_in

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def make_ca(
    cn: str,
    *,
    not_after: dt.datetime,
    org: str = "lab",
    ca: bool = True,
    not_before: dt.datetime = T0 - dt.timedelta(days=400),
) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def pem(certs: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def p7b(certs: Sequence[x509.Certificate], workdir: Path, *, der: bool = True) -> bytes:
    """A PKCS#7 certificates-only bundle, made by ``openssl crl2pkcs7 -nocrl -certfile``."""
    openssl = shutil.which("openssl")
    assert openssl is not None, "the openssl CLI is needed"
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / f"certs-{len(list(workdir.iterdir()))}.pem"
    src.write_bytes(pem(certs))
    done = subprocess.run(
        [
            openssl,
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            str(src),
            "-outform",
            "DER" if der else "PEM",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return done.stdout


class BundleServer:
    """A real HTTP server serving ``files``; ``status`` other than 200 answers every request
    with it. ``requests`` counts the GETs it had."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.status = 200
        self.requests = 0
        self.port = 0
        self._lock = threading.Lock()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @contextmanager
    def serve(self, *, netns: str | None = None, address: str = "127.0.0.1") -> Iterator[None]:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with owner._lock:
                    owner.requests += 1
                    status, body = owner.status, owner.files.get(self.path)
                if status == 200 and body is None:
                    status = 404
                self.send_response(status)
                payload = body if status == 200 and body is not None else b""
                self.send_header("Content-Type", "application/x-pkcs7-certificates")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer((address, 0), Handler, bind_and_activate=False)
        if netns is not None:  # the listening socket made inside the namespace
            server.socket.close()
            server.socket = socket_in(netns, server.address_family, server.socket_type)
        server.server_bind()
        server.server_activate()
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, name="bundle-server", daemon=True)
        thread.start()
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=30)

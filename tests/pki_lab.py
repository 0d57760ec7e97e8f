"""A small PKI and the servers that publish it, for the validation tests (on ``sys.path``
through pytest's ``pythonpath``).

- ``Ca``: a CA made with pyca/cryptography (ECDSA P-256 unless told otherwise): ``issue`` gives
  CA and server certificates (subjectAltName, CRL distribution point, extended key usage,
  validity, key usage as asked), ``crl`` the CRL it signs (revoked serials, this/next update).
- ``FileServer``: a real HTTP (or, with ``tls=``, HTTPS) server on loopback, in a daemon
  thread, serving ``files`` (path to bytes, changeable while it runs), inside a network
  namespace when asked; ``requests`` records each path asked for, ``url(path)`` gives its URL.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from xrsim.net.netns import socket_in

__all__ = ["NOW", "Ca", "FileServer", "Issued", "name", "pem"]

#: A fixed 'now' the certificates are made around (tests pass it to ``validate``).
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "xrsim lab"),
        ]
    )


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class Issued:
    """A certificate and its private key."""

    def __init__(self, cert: x509.Certificate, key: CertificateIssuerPrivateKeyTypes) -> None:
        self.cert = cert
        self.key = key

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """The certificate and key as PEM files (the key mode 0600)."""
        cert_path = directory / f"{stem}.crt"
        key_path = directory / f"{stem}.key"
        cert_path.write_bytes(pem(self.cert))
        key_path.touch(mode=0o600)
        key_path.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path


def _key(kind: str) -> CertificateIssuerPrivateKeyTypes:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind.startswith("rsa"):
        return rsa.generate_private_key(65537, int(kind[3:] or 2048))
    if kind == "p224":
        return ec.generate_private_key(ec.SECP224R1())
    raise ValueError(kind)


class Ca(Issued):
    """A CA: self-signed (``Ca("Root")``), or issued by ``parent``."""

    def __init__(
        self,
        cn: str,
        *,
        parent: Ca | None = None,
        kind: str = "ec",
        key: CertificateIssuerPrivateKeyTypes | None = None,
        serial: int | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        key_usage: x509.KeyUsage | None = None,
        cdp: str | None = None,
    ) -> None:
        own = key or _key(kind)
        signing_key = parent.key if parent is not None else own
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(parent.cert.subject if parent else name(cn))
            .public_key(own.public_key())
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before or NOW - dt.timedelta(days=10))
            .not_valid_after(not_after or NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                key_usage
                or x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        if cdp is not None:
            builder = builder.add_extension(_cdp(cdp), critical=False)
        super().__init__(builder.sign(signing_key, _digest(signing_key)), own)
        self.serials: list[int] = []

    def issue(
        self,
        cn: str,
        *,
        ips: Sequence[str] = ("127.0.0.1",),
        dns: Sequence[str] = (),
        cdp: str | None = None,
        eku: Sequence[x509.ObjectIdentifier] | None = (ExtendedKeyUsageOID.SERVER_AUTH,),
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        kind: str = "ec",
        ca: bool = False,
    ) -> Issued:
        """A server certificate (or, with ``ca=True``, a non-CA certificate claiming nothing:
        ``basicConstraints`` cA false) issued by this CA."""
        key = _key(kind)
        serial = x509.random_serial_number()
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(not_before or NOW - dt.timedelta(days=1))
            .not_valid_after(not_after or NOW + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        if eku:
            builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
        if cdp is not None:
            builder = builder.add_extension(_cdp(cdp), critical=False)
        self.serials.append(serial)
        return Issued(builder.sign(self.key, _digest(self.key)), key)

    def crl(
        self,
        revoked: Sequence[x509.Certificate] = (),
        *,
        this_update: dt.datetime | None = None,
        next_update: dt.datetime | None = None,
        signer: CertificateIssuerPrivateKeyTypes | None = None,
        encoding: serialization.Encoding = serialization.Encoding.DER,
    ) -> bytes:
        """This CA's CRL listing ``revoked`` (signed by ``signer`` to make a forged one)."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(this_update or NOW - dt.timedelta(hours=1))
            .next_update(next_update or NOW + dt.timedelta(days=7))
        )
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(NOW - dt.timedelta(minutes=30))
                .build()
            )
        key = signer or self.key
        return builder.sign(key, _digest(key)).public_bytes(encoding)


def _digest(key: CertificateIssuerPrivateKeyTypes) -> hashes.SHA256 | None:
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return None
    return hashes.SHA256()


def _cdp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


class FileServer:
    """``files`` over HTTP (HTTPS with ``tls=(cert_path, key_path)``) on 127.0.0.1."""

    def __init__(
        self,
        files: dict[str, bytes] | None = None,
        *,
        tls: tuple[Path, Path] | None = None,
        netns: str | None = None,
    ) -> None:
        self.files: dict[str, bytes] = dict(files or {})
        self.requests: list[str] = []
        self._tls = tls
        self._netns = netns
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def scheme(self) -> str:
        return "https" if self._tls else "http"

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def start(self) -> FileServer:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                body = owner.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.socket.close()
        sock = socket_in(self._netns, socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            if self._tls is not None:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(*self._tls)
                sock = context.wrap_socket(sock, server_side=True)
            server.socket = sock
            server.server_address = sock.getsockname()
            server.server_name, server.server_port = "127.0.0.1", server.server_address[1]
            server.server_activate()
        except BaseException:
            sock.close()
            raise
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> FileServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

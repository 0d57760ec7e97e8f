"""A small PKI and the servers that publish it, for the validation tests (on ``sys.path``
through pytest's ``pythonpath``).

- ``Ca``: a CA made with pyca/cryptography (ECDSA P-256 unless told otherwise): ``issue`` gives
  CA and server certificates (subjectAltName, CRL distribution point, extended key usage,
  validity, key usage as asked), ``crl`` the CRL it signs (revoked serials, this/next update).
  ``ca_usage`` is a CA's keyUsage with bits turned off.
- ``root(cn, not_after=...)``: a self-signed certificate for a trustpool bundle (its key thrown
  away), valid from well before ``T0``, the trustpool tests' frozen clock.
- ``pem(certs)``, ``p7b(certs, workdir, der=True)``: a certificate or a bundle as PEM, and a
  PKCS#7 certificates-only bundle made by the real ``openssl crl2pkcs7 -nocrl``.
- ``FileServer``: a real HTTP (or, with ``tls=``, HTTPS) server in a daemon thread, on
  ``address`` (127.0.0.1 unless told) inside a network namespace when asked, serving ``files``
  (path to bytes, changeable while it runs; a missing path is a 404); ``status`` other than
  200 answers every request with that error (500: the server fails); ``requests`` records
  each path asked for (``len``: how many GETs), ``url(path, host=...)`` gives its URL.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from xrsim.net.netns import socket_in

__all__ = [
    "NOW",
    "T0",
    "Ca",
    "FileServer",
    "Issued",
    "ca_usage",
    "name",
    "p7b",
    "pem",
    "root",
]

#: A fixed 'now' the certificates are made around (tests pass it to ``validate``).
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
#: The trustpool tests' frozen clock (``SimClock(T0, frozen=True)``).
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def name(cn: str, org: str = "xrsim lab") -> x509.Name:
    """``CN=cn,O=org`` (O first in the DER, as the built-in trustpool's names)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def pem(certs: x509.Certificate | Iterable[x509.Certificate]) -> bytes:
    """A certificate, or several one after the other (a PEM bundle), as PEM."""
    if isinstance(certs, x509.Certificate):
        certs = [certs]
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


def ca_usage(
    *, digital_signature: bool = True, key_cert_sign: bool = True, crl_sign: bool = True
) -> x509.KeyUsage:
    """A CA's keyUsage (digitalSignature, keyCertSign, cRLSign), bits turned off as asked."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


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
    """A CA: self-signed (``Ca("Root")``), or issued by ``parent``; with ``ca=False`` its
    basicConstraints say cA false (a certificate that is not a CA's, keyUsage
    digitalSignature only)."""

    def __init__(
        self,
        cn: str,
        *,
        org: str = "xrsim lab",
        parent: Ca | None = None,
        kind: str = "ec",
        key: CertificateIssuerPrivateKeyTypes | None = None,
        serial: int | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        key_usage: x509.KeyUsage | None = None,
        cdp: str | None = None,
        ca: bool = True,
    ) -> None:
        own = key or _key(kind)
        signing_key = parent.key if parent is not None else own
        subject = name(cn, org)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(parent.cert.subject if parent else subject)
            .public_key(own.public_key())
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before or NOW - dt.timedelta(days=10))
            .not_valid_after(not_after or NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                key_usage or ca_usage(key_cert_sign=ca, crl_sign=ca),
                critical=True,
            )
        )
        if cdp is not None:
            builder = builder.add_extension(_cdp(cdp), critical=False)
        super().__init__(builder.sign(signing_key, _digest(signing_key)), own)
        self.org = org
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
    ) -> Issued:
        """A server certificate (``basicConstraints`` cA false) issued by this CA, named
        ``CN=cn`` in this CA's organization."""
        key = _key(kind)
        serial = x509.random_serial_number()
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(cn, self.org))
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


def root(
    cn: str,
    *,
    not_after: dt.datetime,
    org: str = "lab",
    ca: bool = True,
    not_before: dt.datetime = T0 - dt.timedelta(days=400),
) -> x509.Certificate:
    """A self-signed certificate for a trustpool bundle, its key thrown away (a CA's unless
    ``ca=False``)."""
    return Ca(cn, org=org, not_before=not_before, not_after=not_after, ca=ca).cert


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
    """``files`` over HTTP (HTTPS with ``tls=(cert_path, key_path)``) on ``address``, inside
    ``netns`` when given; ``status`` other than 200 answers every request with it."""

    def __init__(
        self,
        files: dict[str, bytes] | None = None,
        *,
        tls: tuple[Path, Path] | None = None,
        netns: str | None = None,
        address: str = "127.0.0.1",
    ) -> None:
        self.files: dict[str, bytes] = dict(files or {})
        self.requests: list[str] = []
        self.status = 200
        self.address = address
        self._tls = tls
        self._netns = netns
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def scheme(self) -> str:
        return "https" if self._tls else "http"

    def url(self, path: str, host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.address}:{self.port}{path}"

    def start(self) -> FileServer:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with owner._lock:
                    owner.requests.append(self.path)
                    status, body = owner.status, owner.files.get(self.path)
                if status != 200 or body is None:
                    self.send_error(404 if status == 200 else status)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(
            (self.address, 0), Handler, bind_and_activate=False
        )
        server.daemon_threads = True
        server.socket.close()
        sock = socket_in(self._netns, socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.address, 0))
            if self._tls is not None:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(*self._tls)
                sock = context.wrap_socket(sock, server_side=True)
            server.socket = sock
            server.server_address = sock.getsockname()
            server.server_name, server.server_port = self.address, server.server_address[1]
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

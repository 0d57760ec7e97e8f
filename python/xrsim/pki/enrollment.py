"""Enrollment with a remote CA: SCEP over HTTP and manual enrollment over TFTP, inside the
trustpoint's VRF, with the polling of pending requests on the router's scheduler.

This is the one part of ``xrsim.pki`` that sits above ``xrsim.scep`` (the RFC 8894 client) and
``xrsim.net`` (HTTP and TFTP inside a VRF's namespace): it carries out what the CLI's ``crypto
ca authenticate`` and ``crypto ca enroll`` ask for a trustpoint with ``enrollment url
http://...`` or ``tftp://...`` (``xrsim.cli.commands.crypto_ca`` holds the dialogue).

- ``Location``: where a trustpoint's CA is (``location(tp, fqdn)``): SCEP at an ``http://``
  URL, or a TFTP server (``tftp://ADDR[:PORT][;VRF]/NAME``, FORMATS.md "Manual enrollment over
  TFTP": ``NAME.ca``, ``FQDN.req``/``FQDN.crt``, ``-sign``/``-encr`` for usage keys), and the
  VRF its traffic goes in (the URL's ``;VRF``, else the trustpoint's ``vrf``).
- ``CaBundle``: what ``crypto ca authenticate`` fetched: the CA certificate and the RA
  certificates a SCEP CA gave with it.
- ``Request``: one key pair's PKCS#10 request; ``Result``: what came of it (issued, or pending).
- ``Enrollment``: one per router (``router.enrollment``). ``fetch_ca``/``store_ca`` for
  authenticate; ``submit`` sends every key pair's request and stores what came back in one
  store transaction (issued certificates, pending requests), or nothing when any request
  failed; a pending request is polled ``period`` minutes later through the router's scheduler
  (SCEP CertPoll with the same transactionID, or a TFTP read of the ``.crt`` file), at most
  ``enrollment retry count`` times; ``resume()`` re-arms the polls of the stored requests at
  boot. A poll that gets the certificate stores it and removes the request in one transaction;
  a CA's FAILURE, a certificate that is not for our key or not from our CA, a key pair
  regenerated meanwhile or the retries used up remove the request and log why (logger
  ``xrsim.pki.enrollment``, IOS XR's ``%PKI-...`` message layout; not yet through the router's
  notifier to its logging buffer and remote syslog).

Errors reach the caller typed, with ``reason`` in words (``xrsim.errors``): ``VrfError``,
``TransportError`` (``TransportTimeout``, ``HttpStatusError``, ``TftpError``), ``ScepError``
(``ScepProtocolError``, ``ScepFailure``, ``ScepPolicyError``), ``StorageError``;
``InvalidInput`` for a URL or a file that is not what it must be. Nothing is stored before every
exchange of a command succeeded. The challenge password is in the requests only: a pending
request keeps its transaction, subject and fingerprint, never the request itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from xrsim.chassis.store import PendingRow
from xrsim.clock import SimClock
from xrsim.crypto import PrivateKey, to_cryptography
from xrsim.errors import (
    HttpStatusError,
    InvalidInput,
    NetworkError,
    ScepError,
    ScepFailure,
    ScepProtocolError,
    StateError,
    StorageError,
    TftpError,
)
from xrsim.net import tftp
from xrsim.pki.keystore import KeyStore
from xrsim.pki.trustpoint import CertStore, Trustpoint, Usage
from xrsim.pki.x509 import load_certificate, show_name
from xrsim.scep import CaCertificates, Capabilities, HttpTransport, Pending, ScepClient
from xrsim.scheduler import Scheduler

__all__ = [
    "NETWORK_TIMEOUT",
    "CaBundle",
    "Enrollment",
    "Location",
    "Request",
    "Result",
    "key_id",
    "location",
    "request_fingerprint",
]

_log = logging.getLogger("xrsim.pki.enrollment")

#: Seconds a SCEP CA has to answer each exchange.
NETWORK_TIMEOUT = 15.0
#: The file-name suffix of each usage's request and certificate (FORMATS.md).
_SUFFIX: dict[str, str] = {"general": "", "signing": "-sign", "encryption": "-encr"}


@dataclass(frozen=True)
class Location:
    """Where a trustpoint enrolls. ``method`` scep: ``url`` is the http URL; tftp: ``host``,
    ``port`` and ``name`` (the file prefix, a path on the server), ``directory`` the part of
    ``name`` before its last ``/`` (where the requests go)."""

    method: Literal["scep", "tftp"]
    url: str
    vrf: str | None
    host: str = ""
    port: int = 0
    name: str = ""

    @property
    def directory(self) -> str:
        return self.name.rpartition("/")[0]

    def tftp_file(self, stem: str, ext: str) -> str:
        return f"{self.directory}/{stem}.{ext}" if self.directory else f"{stem}.{ext}"


def location(tp: Trustpoint, fqdn: str) -> Location:
    """The trustpoint's CA location; ``InvalidInput`` for a URL this cannot enroll with."""
    url = tp.url or ""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "http":
        parts = urllib.parse.urlsplit(url)
        if not parts.hostname:
            raise InvalidInput(f"enrollment url {url} names no host")
        return Location("scep", url, tp.vrf)
    if scheme == "tftp":
        parsed = tftp.parse_url(url)
        name = parsed.path.strip("/") or fqdn
        return Location("tftp", url, parsed.vrf or tp.vrf, parsed.host, parsed.port, name)
    raise InvalidInput(f"enrollment url {url}: only http:// (SCEP) and tftp:// are carried out")


def request_fingerprint(request: x509.CertificateSigningRequest) -> str:
    """The request's MD5 fingerprint as IOS XR prints it: ``17D8B38D ED2BDF2E DF8ADB7F
    A7DBE35A`` (the seed's enrollment transcript)."""
    der = request.public_bytes(serialization.Encoding.DER)
    hexa = hashlib.md5(der, usedforsecurity=False).hexdigest().upper()
    return " ".join(hexa[i : i + 8] for i in range(0, 32, 8))


def key_id(key: PrivateKey) -> str:
    """The SHA-1 of the key pair's public key (SubjectPublicKeyInfo DER)."""
    return hashlib.sha1(key.public_key().to_der(), usedforsecurity=False).hexdigest()


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class CaBundle:
    """A CA certificate and the RA certificates (by role: ``ra-signer``, ``ra-encrypter``)
    its CA gave with it."""

    ca: x509.Certificate
    ra: dict[str, x509.Certificate]


@dataclass(frozen=True)
class Request:
    """One key pair's request: its usage, the key, the PKCS#10 request (with the challenge
    password) and the key pair's type and label."""

    usage: Usage
    key: PrivateKey
    csr: x509.CertificateSigningRequest
    key_type: str
    key_label: str


@dataclass(frozen=True)
class Result:
    """What came of one request: ``certificate`` when issued, else pending."""

    usage: Usage
    fingerprint: str
    certificate: x509.Certificate | None

    @property
    def pending(self) -> bool:
        return self.certificate is None


def _load_any_certificate(data: bytes, what: str) -> x509.Certificate:
    """A certificate file as a CA administrator leaves it: DER, PEM or bare base64."""
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        pass
    try:
        return load_certificate(data.decode("ascii"))
    except (UnicodeDecodeError, InvalidInput):
        raise InvalidInput(f"{what} is not a certificate (DER, PEM or base64)") from None


class Enrollment:
    """A router's remote enrollments: ``fetch_ca``, ``store_ca``, ``submit``, the polls."""

    def __init__(
        self,
        *,
        certs: CertStore,
        keys: KeyStore,
        scheduler: Scheduler,
        clock: SimClock,
        trustpoint: Callable[[str], Trustpoint | None],
        netns_of: Callable[[str | None], str | None],
        fqdn: Callable[[], str],
        timeout: float = NETWORK_TIMEOUT,
        tftp_timeout: float = tftp.DEFAULT_TIMEOUT,
    ) -> None:
        self._certs = certs
        self._keys = keys
        self._scheduler = scheduler
        self._clock = clock
        self._trustpoint = trustpoint
        self._netns_of = netns_of
        self._fqdn = fqdn
        #: Seconds for each HTTP exchange, and for each TFTP packet (sent up to
        #: ``tftp.DEFAULT_RETRIES`` times).
        self.timeout = timeout
        self.tftp_timeout = tftp_timeout
        self._lock = threading.RLock()  # one enrollment change at a time per router

    # -- where ------------------------------------------------------------------------------

    def location(self, tp: Trustpoint) -> Location:
        return location(tp, self._fqdn())

    def _client(self, loc: Location) -> ScepClient:
        netns = self._netns_of(loc.vrf)
        return ScepClient(HttpTransport(loc.url, netns=netns, timeout=self.timeout))

    def _tftp_get(self, loc: Location, filename: str) -> bytes:
        netns = self._netns_of(loc.vrf)
        return tftp.get(loc.host, loc.port, filename, netns=netns, timeout=self.tftp_timeout)

    def _tftp_put(self, loc: Location, filename: str, data: bytes) -> None:
        netns = self._netns_of(loc.vrf)
        tftp.put(loc.host, loc.port, filename, data, netns=netns, timeout=self.tftp_timeout)

    # -- authenticate -----------------------------------------------------------------------

    def fetch_ca(self, tp: Trustpoint) -> CaBundle:
        """The CA certificate (SCEP: GetCACaps, GetCACert with its RA certificates; TFTP:
        ``NAME.ca``). Its key size and basic constraints are the caller's to judge."""
        loc = self.location(tp)
        if loc.method == "tftp":
            filename = loc.tftp_file(loc.name.rpartition("/")[2], "ca")
            cert = _load_any_certificate(self._tftp_get(loc, filename), filename)
            bundle = CaBundle(cert, {})
        else:
            client = self._client(loc)
            _capabilities(client)
            got = client.ca_certificates()
            ra: dict[str, x509.Certificate] = {}
            if got.ra_signer is not None:
                ra["ra-signer"] = got.ra_signer
            if got.ra_encrypter is not None:
                ra["ra-encrypter"] = got.ra_encrypter
            bundle = CaBundle(got.ca, ra)
        return bundle

    def store_ca(self, name: str, bundle: CaBundle) -> None:
        """The CA and RA certificates, in one transaction."""
        with self._lock, self._certs.transaction():
            self._certs.set_ca(name, bundle.ca)
            for role, cert in bundle.ra.items():
                self._certs.set_ra(name, role, cert)

    def _ca_certificates(self, name: str, ca: x509.Certificate) -> CaCertificates:
        ra = self._certs.ra(name)
        signer, encrypter = ra.get("ra-signer"), ra.get("ra-encrypter")
        chain = (*(c for c in (signer, encrypter) if c is not None), ca)
        return CaCertificates(ca, signer, encrypter, chain)

    # -- enroll -----------------------------------------------------------------------------

    def submit(self, tp: Trustpoint, requests: Sequence[Request]) -> list[Result]:
        """Send every request; store what came back (issued certificates, pending requests)
        in one transaction and arm the polls. Any failure raises before anything is stored."""
        ca = self._certs.ca(tp.name)
        if ca is None:
            raise StateError(f"trustpoint {tp.name} has no CA certificate")
        loc = self.location(tp)
        now = self._clock.now().replace(microsecond=0)
        results: list[Result] = []
        rows: list[PendingRow] = []
        if loc.method == "scep":
            client = self._client(loc)
            caps = _capabilities(client)
            chain = self._ca_certificates(tp.name, ca)
            current = self._certs.router(tp.name)
            for req in requests:
                rsa_key = _rsa(req.key)
                old = current.get(req.usage)
                renew = (
                    caps.renewal
                    and old is not None
                    and old.not_valid_before_utc <= now < old.not_valid_after_utc
                    and _spki(old) == req.key.public_key().to_der()
                )
                outcome = client.enroll(
                    req.csr, rsa_key, chain, signer=old if renew else None, renewal=renew
                )
                fp = request_fingerprint(req.csr)
                if outcome.status == "SUCCESS":
                    assert outcome.certificate is not None
                    self._check_issued(tp.name, ca, req.key, outcome.certificate)
                    results.append(Result(req.usage, fp, outcome.certificate))
                else:
                    assert outcome.pending is not None
                    state = json.dumps(outcome.pending.to_dict(), sort_keys=True)
                    txid = outcome.pending.transaction_id
                    rows.append(self._row(tp, req, ("scep", txid, state), fp, now))
                    results.append(Result(req.usage, fp, None))
        else:
            fqdn = self._fqdn()
            for req in requests:
                stem = fqdn + _SUFFIX[req.usage]
                pem = req.csr.public_bytes(serialization.Encoding.PEM)
                self._tftp_put(loc, loc.tftp_file(stem, "req"), pem)
                fp = request_fingerprint(req.csr)
                state = json.dumps({"certificate": loc.tftp_file(stem, "crt")})
                rows.append(self._row(tp, req, ("tftp", fp.replace(" ", ""), state), fp, now))
                results.append(Result(req.usage, fp, None))
        with self._lock:
            with self._certs.transaction():
                for result in results:
                    if result.certificate is not None:
                        self._certs.drop_pending(tp.name, result.usage)
                        self._certs.set_router(tp.name, result.usage, result.certificate)
                for row in rows:
                    self._certs.set_pending(row)
            for row in rows:
                self._arm(row, timedelta(minutes=row.period))
        return results

    def _row(
        self,
        tp: Trustpoint,
        req: Request,
        transaction: tuple[str, str, str],
        fingerprint: str,
        now: datetime,
    ) -> PendingRow:
        """The stored record of a pending request; ``transaction`` is (method, transaction
        ID, the method's own state as JSON)."""
        method, txid, state = transaction
        return PendingRow(
            trustpoint=tp.name,
            usage=req.usage,
            method=method,
            transaction_id=txid,
            key_type=req.key_type,
            key_label=req.key_label,
            key_id=key_id(req.key),
            subject=show_name(req.csr.subject),
            fingerprint=fingerprint,
            state=state,
            created=now.isoformat(),
            next_poll=(now + timedelta(minutes=tp.retry_period)).isoformat(),
            period=tp.retry_period,
            polls=tp.retry_count,
            polls_left=tp.retry_count,
        )

    def _check_issued(
        self, name: str, ca: x509.Certificate, key: PrivateKey, cert: x509.Certificate
    ) -> None:
        if _spki(cert) != key.public_key().to_der():
            raise ScepProtocolError("the certificate from the CA is not for this router's key")
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            raise ScepProtocolError(
                f"the certificate from the CA is not issued by the CA of trustpoint {name}"
            ) from None

    # -- polls ------------------------------------------------------------------------------

    def resume(self) -> None:
        """Arm the polls of the stored pending requests (at boot): each at its stored time,
        or now when that has passed."""
        now = self._clock.now()
        for row in self._certs.pending():
            due = datetime.fromisoformat(row.next_poll) - now
            self._arm(row, max(due, timedelta(0)))

    def _arm(self, row: PendingRow, delay: timedelta) -> None:
        key = (row.trustpoint, row.usage, row.transaction_id)
        # Shut down meanwhile (StateError): the request stays stored for the next boot.
        with contextlib.suppress(StateError):
            self._scheduler.call_later(
                delay,
                lambda: self._poll(*key),
                name=f"crypto ca enroll {row.trustpoint} ({row.usage}): poll",
            )

    def _current(self, name: str, usage: str, txid: str) -> PendingRow | None:
        return next(
            (r for r in self._certs.pending(name) if r.usage == usage and r.transaction_id == txid),
            None,
        )

    def _poll(self, name: str, usage: str, txid: str) -> None:
        """One poll of a pending request (a scheduler callback): the certificate stored, the
        request ended (logged), or the next poll armed."""
        with self._lock:
            row = self._current(name, usage, txid)
            if row is None:  # answered, cleared or replaced meanwhile
                return
            try:
                cert = self._poll_once(row)
            except _Ended as e:
                self._end(row, e.why)
                return
            if cert is not None:
                self._complete(row, cert)
            elif row.polls_left <= 1:
                self._end(
                    row,
                    f"timed out: no certificate after {row.polls} polls, one every "
                    f"{row.period} minute(s)",
                )
            else:
                self._again(row)

    def _poll_once(self, row: PendingRow) -> x509.Certificate | None:
        """Ask the CA (SCEP CertPoll) or the TFTP server (the ``.crt`` file) once: the
        certificate, None when there is none yet (or no answer: the poll counts), ``_Ended``
        when the request cannot succeed."""
        name, usage = row.trustpoint, row.usage
        tp = self._trustpoint(name)
        ca = self._certs.ca(name)
        if tp is None or ca is None or not tp.enrollment == "url" or tp.self_enrollment:
            raise _Ended("was cancelled: the trustpoint or its CA certificate is gone")
        key = self._key(row)
        if key is None:
            raise _Ended(f"was cancelled: key pair {row.key_label} changed")
        cert: x509.Certificate | None = None
        try:
            loc = self.location(tp)
            if row.method == "scep":
                pending = Pending.from_dict(json.loads(row.state))
                client = self._client(loc)
                outcome = client.poll(pending, _rsa(key), self._ca_certificates(name, ca))
                cert = outcome.certificate if outcome.status == "SUCCESS" else None
            else:
                filename = str(json.loads(row.state)["certificate"])
                try:
                    cert = _load_any_certificate(self._tftp_get(loc, filename), filename)
                except TftpError as e:
                    if e.code != 1:  # the server failed (1: no file yet, the operator's turn)
                        raise
        except ScepFailure as e:
            raise _Ended(f"was rejected by the CA: {e.reason}") from None
        except (NetworkError, ScepError, InvalidInput) as e:
            _log.warning("%%PKI-4-POLL: trustpoint %s (%s usage): %s", name, usage, _reason(e))
            return None
        if cert is not None:
            try:
                self._check_issued(name, ca, key, cert)
            except ScepProtocolError as e:
                raise _Ended(f"failed: {e.reason}") from None
        return cert

    def _complete(self, row: PendingRow, cert: x509.Certificate) -> None:
        try:
            with self._certs.transaction():
                self._certs.drop_pending(row.trustpoint, row.usage)
                self._certs.set_router(row.trustpoint, _usage(row.usage), cert)
        except StorageError as e:  # kept: the next boot polls again
            _log.error("%%PKI-3-ENROLL: trustpoint %s: %s", row.trustpoint, e.reason)
            return
        _log.info(
            "%%PKI-6-CERTRET: Certificate received from Certificate Authority "
            "(trustpoint %s, %s usage)",
            row.trustpoint,
            row.usage,
        )

    def _end(self, row: PendingRow, why: str) -> None:
        try:
            self._certs.drop_pending(row.trustpoint, row.usage)
        except StorageError as e:
            _log.error("%%PKI-3-ENROLL: trustpoint %s: %s", row.trustpoint, e.reason)
            return
        _log.warning(
            "%%PKI-3-ENROLL_FAIL: Certificate enrollment for trustpoint %s (%s usage) %s",
            row.trustpoint,
            row.usage,
            why,
        )

    def _again(self, row: PendingRow) -> None:
        now = self._clock.now().replace(microsecond=0)
        nxt = dataclasses.replace(
            row,
            polls_left=row.polls_left - 1,
            next_poll=(now + timedelta(minutes=row.period)).isoformat(),
        )
        try:
            self._certs.set_pending(nxt)
        except StorageError as e:  # the stored row stays as it was; memory follows it
            _log.error("%%PKI-3-ENROLL: trustpoint %s: %s", row.trustpoint, e.reason)
            nxt = row
        self._arm(nxt, timedelta(minutes=row.period))

    def _key(self, row: PendingRow) -> PrivateKey | None:
        for entry in self._keys.entries():
            if (entry.key_type, entry.label, entry.usage) == (
                row.key_type,
                row.key_label,
                row.usage,
            ):
                key = self._keys.load(entry)
                return key if key_id(key) == row.key_id else None
        return None


def _capabilities(client: ScepClient) -> Capabilities:
    """GetCACaps; a CA that does not answer it (an HTTP error) offers nothing (RFC 8894
    3.5.1), and GetCACert or PKIOperation then say whether it is there at all."""
    try:
        return client.capabilities()
    except HttpStatusError:
        return Capabilities()


class _Ended(Exception):
    """A pending request that cannot succeed any more; ``why`` ends the log line."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _usage(usage: str) -> Usage:
    usages: dict[str, Usage] = {"general": "general", "signing": "signing",
                                "encryption": "encryption"}  # fmt: skip
    return usages[usage]


def _reason(e: Exception) -> str:
    return str(getattr(e, "reason", None) or e)


def _rsa(key: PrivateKey) -> rsa.RSAPrivateKey:
    k = to_cryptography(key)
    if not isinstance(k, rsa.RSAPrivateKey):
        raise InvalidInput("SCEP enrollment needs an RSA key pair")
    return k

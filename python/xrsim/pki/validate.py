"""Which CA validates a peer's certificate, and under which policy (layer 3: imports
``xrsim.errors``, ``xrsim.clock``, ``xrsim.net.http``, ``xrsim.pki.x509``).

The seed's rule ("Handling of CA Certificates appearing both in Trust Pool and Trust Point"): a
CA held by a trustpoint, with that trustpoint's policy, is considered before the CA trustpool
and the trustpool's policy, so that downloading a bundle that holds a trustpoint's CA changes
nothing for the peers that trustpoint already judged. The policy here is revocation checking:
a trustpoint's ``crl optional`` (``Trustpoint.crl_optional``) or the trustpool's (``crypto ca
trustpool policy`` / ``crl optional``); without it the CRL must be fetched and must not list
the certificate.

- ``TrustpointCa(name, ca, crl_optional)``: one trustpoint's CA certificate and its policy
  (a plain ``(name, ca, crl_optional)`` tuple does too).
- ``Anchor``: what validated a certificate: ``name`` (the trustpoint, or ``TRUSTPOOL``), the
  anchor certificate, the verified chain (leaf first, anchor last) and whether its revocation
  was checked.
- ``validate(leaf, *, hostname, now, trustpoints, pool, pool_crl_optional, fetch_crl)``: the
  ``Anchor``, or a ``xrsim.errors.CertificateValidationError`` kind with the reason in words.
- ``PeerValidator``: the router's (``router.validator``): the trustpoints with a CA
  certificate, the active trustpool and its policy, read when a peer is judged; CRLs fetched
  over HTTP inside the VRF's network namespace; ``verifier(vrf)`` is the callback
  ``xrsim.net.http.request`` takes for an ``https://`` URL.

How a certificate is judged:

1. **Which CA.** Its issuer is looked for among the certificates the router trusts: the
   trustpoints' CA certificates first (in the order given; the router gives them by name), then
   the active trustpool; the walk goes up through the issuers found
   (``Certificate.verify_directly_issued_by``: name and signature) to a self-signed one. The
   lowest certificate on that path that a trustpoint holds (the same subject and public key:
   a pool copy of a trustpoint's CA is that CA) makes the trustpoint the anchor, and its policy
   applies, whatever the pool's policy says; with none on the path, an active pool certificate
   on it makes the trustpool the anchor, under the pool's policy. With neither:
   ``UntrustedCertificate``.
2. **The chain**, by ``cryptography.x509.verification`` (cryptography 50): the anchor as the
   only trust anchor (every active pool certificate for the trustpool), the path's other
   certificates as intermediates, the router's clock as the time; with a ``hostname`` the
   server verifier (the leaf's subjectAltName must name it: DNS name or IP address), else the
   client verifier. The extension policy is RFC 5280's rather than the CA/Browser Forum's
   (IOS XR's trustpoints hold lab CAs without key identifiers): a CA must have
   ``basicConstraints`` with cA (the library checks it) and, if it has ``keyUsage``,
   keyCertSign; a server's ``extendedKeyUsage``, if present, must allow serverAuth. What the
   library does not accept is refused before it is asked, in words: a key other than RSA of
   2048 bits or more or ECDSA on P-256, P-384 or P-521 (the library's only ones: IOS XR's
   1024-bit RSA and Ed25519 trustpoints cannot anchor a validation here), and a certificate of
   the path outside its validity. Failures: ``CertificateRejected``, ``HostnameMismatch``
   (the chain validates for another name, told apart by running the client verifier).
3. **Revocation**, unless the anchor's policy says ``crl optional``: for each certificate of
   the chain but the anchor, the CRL at an ``http://`` URI of its CRL distribution points
   (tried in order; LDAP and indirect CRLs are not fetched), fetched with ``fetch_crl(url)``
   (DER or PEM), from the certificate's issuer (name, signature, ``keyUsage`` cRLSign when the
   issuer has the extension) and current (thisUpdate not after now, nextUpdate not before).
   Listed: ``CertificateRevoked``. No usable CRL: ``RevocationUnknown`` (fail closed: IOS XR
   enforces the check unless ``crl optional`` says otherwise). CRLs are not cached.

HTTPS peers (``xrsim.net.http``): Python 3.11's ``ssl`` gives the server's certificate only
without verification and only the leaf (``getpeercert(binary_form=True)``; the unverified
chain arrives in 3.13), so the TLS handshake is made without verification and the leaf is judged
here against the router's anchors; intermediates the server sends are not seen, so a chain's
CA certificates must be in a trustpoint or in the pool.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

from xrsim.clock import SimClock, xr_time
from xrsim.errors import (
    CertificateRejected,
    CertificateRevoked,
    HostnameMismatch,
    NetworkError,
    RevocationUnknown,
    UntrustedCertificate,
)
from xrsim.net import http
from xrsim.pki.x509 import Described, show_name

__all__ = [
    "MAX_DEPTH",
    "TRUSTPOOL",
    "Anchor",
    "FetchCrl",
    "PeerValidator",
    "TrustpointCa",
    "validate",
]

#: ``Anchor.name`` when the trustpool validated the certificate.
TRUSTPOOL = "trustpool"
#: Certificates a chain may have above the leaf.
MAX_DEPTH = 8
#: The smallest RSA key ``cryptography.x509.verification`` accepts.
MIN_RSA_BITS = 2048
_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)

#: Fetches the CRL at an ``http://`` URL: its bytes (DER or PEM), or a ``NetworkError``.
FetchCrl = Callable[[str], bytes]


class TrustpointCa(NamedTuple):
    """A trustpoint's CA certificate and its revocation policy."""

    name: str
    ca: x509.Certificate
    crl_optional: bool


@dataclass(frozen=True)
class Anchor:
    """What validated a peer's certificate."""

    #: The trustpoint's name, or ``TRUSTPOOL``.
    name: str
    #: The trust anchor the chain ends in (the trustpoint's CA certificate, or a pool one).
    ca: x509.Certificate
    #: The verified chain: the leaf first, the anchor last.
    chain: tuple[x509.Certificate, ...]
    #: Whether revocation was checked (False under ``crl optional``).
    crl_checked: bool

    @property
    def trustpool(self) -> bool:
        return self.name == TRUSTPOOL

    def describe(self) -> str:
        """``trustpoint NAME`` or ``the trustpool``, for messages."""
        return "the trustpool" if self.trustpool else f"trustpoint {self.name}"


def _judge_name(name: str) -> str:
    return "the trustpool" if name == TRUSTPOOL else f"trustpoint {name}"


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _same_ca(a: x509.Certificate, b: x509.Certificate) -> bool:
    """The same CA: the same subject and public key (a re-issued copy is the same CA)."""
    return a.subject == b.subject and _spki(a) == _spki(b)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject and _issued_by(cert, cert)


def _path(leaf: x509.Certificate, known: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """The leaf and the known certificates above it, each issued by the next, up to a
    self-signed one, one that issued nothing known, or ``MAX_DEPTH``."""
    path = [leaf]
    cert = leaf
    while len(path) <= MAX_DEPTH and not _self_signed(cert):
        issuer = next(
            (k for k in known if not any(k is p for p in path) and _issued_by(cert, k)), None
        )
        if issuer is None:
            break
        path.append(issuer)
        cert = issuer
    return path


def _subject(cert: x509.Certificate) -> str:
    return Described(cert).subject or "(an empty subject)"


def _check_usable(path: Sequence[x509.Certificate], now: datetime, judge: str) -> None:
    """What the library would refuse in its own words, refused here in ours."""
    for cert in path:
        key = cert.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            if key.key_size < MIN_RSA_BITS:
                raise CertificateRejected(
                    f"the certificate {_subject(cert)} has an RSA key of {key.key_size} bits; "
                    f"xrsim validates RSA keys of {MIN_RSA_BITS} bits or more",
                    judge,
                )
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if not isinstance(key.curve, _CURVES):
                raise CertificateRejected(
                    f"the certificate {_subject(cert)} has an ECDSA key on {key.curve.name}; "
                    "xrsim validates ECDSA keys on P-256, P-384 and P-521",
                    judge,
                )
        else:
            raise CertificateRejected(
                f"the certificate {_subject(cert)} has a key xrsim does not validate "
                "(RSA of 2048 bits or more, or ECDSA on P-256, P-384 or P-521)",
                judge,
            )
        if now < cert.not_valid_before_utc:
            raise CertificateRejected(
                f"the certificate {_subject(cert)} is not valid before "
                f"{xr_time(cert.not_valid_before_utc)}",
                judge,
            )
        if now > cert.not_valid_after_utc:
            raise CertificateRejected(
                f"the certificate {_subject(cert)} expired at {xr_time(cert.not_valid_after_utc)}",
                judge,
            )


def _ca_key_usage(
    policy: verification.Policy, cert: x509.Certificate, ku: x509.KeyUsage | None
) -> None:
    if ku is not None and not ku.key_cert_sign:
        raise ValueError("a CA certificate whose keyUsage lacks keyCertSign")


def _server_eku(
    policy: verification.Policy, cert: x509.Certificate, eku: x509.ExtendedKeyUsage | None
) -> None:
    allowed = {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}
    if eku is not None and not allowed & set(eku):
        raise ValueError("a server certificate whose extendedKeyUsage lacks serverAuth")


def _policies(server: bool) -> tuple[verification.ExtensionPolicy, verification.ExtensionPolicy]:
    agnostic = verification.Criticality.AGNOSTIC
    ca = (
        verification.ExtensionPolicy.permit_all()
        .require_present(x509.BasicConstraints, agnostic, None)
        .may_be_present(x509.KeyUsage, agnostic, _ca_key_usage)
    )
    ee = verification.ExtensionPolicy.permit_all()
    if server:
        ee = ee.require_present(x509.SubjectAlternativeName, agnostic, None).may_be_present(
            x509.ExtendedKeyUsage, agnostic, _server_eku
        )
    return ca, ee


def _subject_of(hostname: str) -> verification.Subject:
    try:
        return x509.IPAddress(ipaddress.ip_address(hostname))
    except ValueError:
        return x509.DNSName(hostname)


def _library_reason(e: verification.VerificationError) -> str:
    """The library's reason, without its leads (``validation failed:``, ``candidates
    exhausted:``, a validator's exception type) and the certificate's repr."""
    text = str(e).split(" (encountered processing", 1)[0]
    for lead in (
        "validation failed:",
        "candidates exhausted:",
        "Python extension validator failed:",
        "ValueError:",
    ):
        text = text.strip().removeprefix(lead)
    return text.strip() or "the chain does not verify"


def _verify_chain(
    leaf: x509.Certificate,
    anchors: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    *,
    hostname: str | None,
    now: datetime,
    judge: str,
) -> tuple[x509.Certificate, ...]:
    ca_policy, ee_policy = _policies(server=hostname is not None)
    builder = (
        verification.PolicyBuilder()
        .store(verification.Store(list(anchors)))
        .time(now)
        .max_chain_depth(MAX_DEPTH)
        .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
    )
    # The client verifier with the server's extension policy checks everything the server
    # verifier does but the name: what tells a name mismatch apart from other failures.
    client = builder.build_client_verifier()
    failure: verification.VerificationError
    if hostname is not None:
        if not _san(leaf):
            raise HostnameMismatch(
                f"the certificate {_subject(leaf)} names no host (it has no subjectAltName), "
                f"so it cannot be for {hostname}",
                judge,
            )
        try:
            server = builder.build_server_verifier(_subject_of(hostname))
        except ValueError:
            raise CertificateRejected(
                f"{hostname!r} is not a host name or address", judge
            ) from None
        try:
            return tuple(server.verify(leaf, list(intermediates)))
        except verification.VerificationError as e:
            failure = e
        try:
            client.verify(leaf, list(intermediates))
        except verification.VerificationError:
            pass
        else:
            raise HostnameMismatch(
                f"the certificate {_subject(leaf)} is for {_names(leaf)}, not {hostname}", judge
            )
    else:
        try:
            return tuple(client.verify(leaf, list(intermediates)).chain)
        except verification.VerificationError as e:
            failure = e
    raise CertificateRejected(
        f"the certificate {_subject(leaf)} does not validate against {_judge_name(judge)}: "
        f"{_library_reason(failure)}",
        judge,
    )


def _san(leaf: x509.Certificate) -> x509.SubjectAlternativeName | None:
    try:
        return leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def _names(leaf: x509.Certificate) -> str:
    san = _san(leaf)
    if san is None:
        return "no name"
    names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    names += [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    return ", ".join(names) or "no DNS name or IP address"


def _crl_urls(cert: x509.Certificate) -> list[str]:
    return [
        url
        for url in Described(cert).crl_distribution_points()
        if url.lower().startswith("http://")
    ]


def _load_crl(data: bytes) -> x509.CertificateRevocationList | None:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        return None


def _crl_problem(
    crl: x509.CertificateRevocationList, issuer: x509.Certificate, url: str, now: datetime
) -> str | None:
    """Why ``crl`` cannot be used for certificates of ``issuer``; None when it can."""
    if crl.issuer != issuer.subject:
        by = show_name(crl.issuer) or "(an empty name)"
        return f"the CRL at {url} is issued by {by}, not by the certificate's CA"
    try:
        ku = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        ku = None
    if ku is not None and not ku.crl_sign:
        return f"the CA {_subject(issuer)} may not sign CRLs (its keyUsage lacks cRLSign)"
    try:
        signed = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        signed = False
    if not signed:
        return f"the CRL at {url} is not signed by {_subject(issuer)}"
    if crl.last_update_utc > now:
        return f"the CRL at {url} is not valid before {xr_time(crl.last_update_utc)}"
    if crl.next_update_utc is not None and crl.next_update_utc < now:
        due = xr_time(crl.next_update_utc)
        return f"the CRL at {url} is out of date (its next update was due {due})"
    return None


def _check_revocation(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    now: datetime,
    fetch_crl: FetchCrl,
    judge: str,
) -> None:
    serial = Described(cert).serial
    who = f"the certificate {_subject(cert)} (serial {serial})"
    hint = f"'crl optional' in {_judge_name(judge)} accepts it unchecked"
    urls = _crl_urls(cert)
    if not urls:
        raise RevocationUnknown(
            f"{who} names no CRL distribution point over HTTP, so its revocation cannot be "
            f"checked ({hint})",
            judge,
        )
    problem = ""
    for url in urls:
        try:
            data = fetch_crl(url)
        except NetworkError as e:
            problem = f"the CRL at {url} could not be fetched: {e.reason.rstrip('.')}"
            continue
        crl = _load_crl(data)
        if crl is None:
            problem = f"what {url} sent is not a CRL"
            continue
        why = _crl_problem(crl, issuer, url, now)
        if why is not None:
            problem = why
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            raise CertificateRevoked(
                f"{who} is revoked (since {xr_time(entry.revocation_date_utc)}, CRL at {url}; "
                f"judged by {_judge_name(judge)})",
                judge,
                serial,
            )
        return
    raise RevocationUnknown(
        f"the revocation of {who} could not be checked: {problem} ({hint})", judge
    )


def validate(
    leaf: x509.Certificate,
    *,
    hostname: str | None,
    now: datetime,
    trustpoints: Sequence[TrustpointCa | tuple[str, x509.Certificate, bool]],
    pool: Sequence[x509.Certificate],
    pool_crl_optional: bool,
    fetch_crl: FetchCrl,
) -> Anchor:
    """Which CA validates ``leaf`` (a peer's certificate) at ``now``, and its policy: the
    ``Anchor``, or the reason it is refused as a ``CertificateValidationError`` kind (module
    docstring). ``hostname``: the server's name or address the leaf must be for (None: no name
    check, as for a client's certificate)."""
    tps = [TrustpointCa(*t) for t in trustpoints]
    known = [tp.ca for tp in tps] + list(pool)
    path = _path(leaf, known)
    # 1. which CA: the lowest certificate of the path a trustpoint holds, else the pool
    for depth, cert in enumerate(path):
        holder = next((tp for tp in tps if _same_ca(cert, tp.ca)), None)
        if holder is not None:
            _check_usable([*path[:depth], holder.ca], now, holder.name)
            chain = _verify_chain(
                leaf,
                [holder.ca],
                path[1:depth],
                hostname=hostname,
                now=now,
                judge=holder.name,
            )
            return _finish(chain, holder.name, holder.crl_optional, now, fetch_crl)
    in_pool = next((d for d, cert in enumerate(path) if any(_same_ca(cert, p) for p in pool)), None)
    if in_pool is None:
        raise UntrustedCertificate(
            f"the certificate {_subject(leaf)} is not issued by a CA the router trusts "
            f"(its issuer {Described(leaf).issuer or '(an empty name)'} is in no trustpoint "
            "and not in the trustpool)"
        )
    _check_usable(path[: in_pool + 1], now, TRUSTPOOL)
    chain = _verify_chain(
        leaf, list(pool), path[1:in_pool], hostname=hostname, now=now, judge=TRUSTPOOL
    )
    return _finish(chain, TRUSTPOOL, pool_crl_optional, now, fetch_crl)


def _finish(
    chain: tuple[x509.Certificate, ...],
    judge: str,
    crl_optional: bool,
    now: datetime,
    fetch_crl: FetchCrl,
) -> Anchor:
    if not crl_optional:
        for cert, issuer in itertools.pairwise(chain):
            _check_revocation(cert, issuer, now=now, fetch_crl=fetch_crl, judge=judge)
    return Anchor(judge, chain[-1], chain, not crl_optional)


class PeerValidator:
    """The router's validator: its trustpoints' CA certificates and the trustpool, read when
    a peer is judged; CRLs over HTTP inside the VRF's namespace, within ``timeout`` seconds."""

    def __init__(
        self,
        *,
        clock: SimClock,
        trustpoints: Callable[[], Sequence[TrustpointCa]],
        pool: Callable[[], Sequence[x509.Certificate]],
        pool_crl_optional: Callable[[], bool],
        netns_of: Callable[[str | None], str | None],
        timeout: float = http.DEFAULT_TIMEOUT,
    ) -> None:
        self._clock = clock
        self._trustpoints = trustpoints
        self._pool = pool
        self._pool_crl_optional = pool_crl_optional
        self._netns_of = netns_of
        self.timeout = timeout

    def fetch_crl(self, url: str, vrf: str | None = None) -> bytes:
        """The CRL at an ``http://`` URL, fetched inside ``vrf``'s namespace."""
        response = http.request(
            "GET", url, netns=self._netns_of(vrf), timeout=self.timeout
        ).raise_for_status(url)
        return response.body

    def validate(
        self, leaf: x509.Certificate, *, hostname: str | None, vrf: str | None = None
    ) -> Anchor:
        """``validate`` with the router's anchors and clock, CRLs fetched in ``vrf``."""
        return validate(
            leaf,
            hostname=hostname,
            now=self._clock.now(),
            trustpoints=self._trustpoints(),
            pool=self._pool(),
            pool_crl_optional=self._pool_crl_optional(),
            fetch_crl=lambda url: self.fetch_crl(url, vrf),
        )

    def verifier(self, vrf: str | None = None) -> Callable[[x509.Certificate, str], None]:
        """The ``verify`` callback of ``xrsim.net.http.request`` for a connection in ``vrf``:
        raises the ``CertificateValidationError`` that refuses the server's certificate."""

        def verify(leaf: x509.Certificate, hostname: str) -> None:
            self.validate(leaf, hostname=hostname, vrf=vrf)

        return verify

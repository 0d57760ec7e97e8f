"""The CA trustpool: the built-in CA certificates xrsim ships, the downloaded bundle that
replaces them, the ``crypto ca trustpool policy`` and its automatic update.

- ``builtin()``: the built-in bundle, package data (``xrsim/pki/data/trustpool-builtin.pem``,
  made by ``simulator/make_trustpool.py``: simulated vendor roots, never real vendor keys).
- ``parse_bundle(data)``: a CA bundle as IOS XR takes it: PKCS#7 certificates-only (DER, as
  ``ios.p7b``, or PEM) or concatenated PEM certificates. Empty, truncated or garbled data, a
  bundle without certificates, a certificate that is not a CA's, or two with the same issuer
  and subject (IOS's rule) raise ``InvalidBundle`` with the reason in words. A PKCS#7 whose
  certificate SET OF is in bundle order rather than DER order (``openssl crl2pkcs7`` writes
  them so) is BER: pyca reads it and warns; that one warning is silenced around the call.
- ``TrustpoolPolicy`` (``policy_of(tree)``): the ``crypto ca trustpool policy`` block:
  ``cabundle url URL``, ``crl optional``, ``description LINE`` and ``vrf NAME`` (the VRF the
  downloads go in; IOS XE's trustpool policy has it, the seed does not name it; a ``tftp://``
  URL's own ``;VRF`` comes first). ``POLICY`` holds the syntax of its lines, written once:
  ``xrsim.cli.commands.trustpool`` registers them.
- ``PoolEntry``: one certificate of the pool, whether it is built-in and whether it is active.
- ``TrustpoolNotice``: what the pool reports (``on_notice``): an automatic update that
  succeeded (``updated``, ``%SECURITY-CEPKI-6-TRUSTPOOL_DOWNLOAD_SUCCESS``) or failed
  (``update-failed``, ``-3-TRUSTPOOL_DOWNLOAD_FAIL``), and the warning that the pool is
  expiring with no bundle URL to update it from (``expiring``,
  ``-4-TRUSTPOOL_EXPIRATION_WARNING``). The mnemonics are IOS's PKI trustpool messages
  (``%PKI-6-TRUSTPOOL_DOWNLOAD_SUCCESS``, ``%PKI-4-TRUSTPOOL_EXPIRATION_WARNING``) under the
  facility and subsystem IOS XR gives its PKI messages (``SECURITY-CEPKI``); the router hands
  each notice to its notifier (syslog). ``pki`` does not import ``notify``.
- ``TrustPool``: one per router (``router.trustpool``). ``entries()``, ``active()``,
  ``policy()``, ``import_url(url, vrf)``, ``import_bundle(data)``, ``clean()``, ``apply(target)``
  (the datastore's ``on_apply`` chain), ``resume(running)`` (boot), ``next_event()``.

The pool is one entity: an import replaces every downloaded certificate in one state store
transaction (``StateStore.replace_trustpool``, format 6), ``clean`` removes them all; a refused
bundle or a failed write changes nothing, on disk or in memory. The built-in certificates are
never stored and cannot be removed; one is *inactive* while a downloaded certificate has the
same subject name (the seed: "rendered inactive after an update if its X.509 subject-name
attribute matches"). ``active()`` is the downloaded certificates, then the built-in ones still
active, each in bundle order.

Automatic update (the seed's "Automatic update", as read here). The timer is keyed to the
earliest ``notAfter`` of the active pool (``E``). With a ``cabundle url``, the update is tried
at E - 20 days; when it fails, again at E - 15, 10, 5, 4, 3, 2 and 1 days, then every hour (past
E too) until one succeeds. A success replaces the pool, as ``import_url`` does, and the timer is
keyed again to the new pool (a bundle that expires as soon continues at the next point of the
same schedule). Without a ``cabundle url``, a syslog warning goes out at the same points (20 ...
1 days before, then hourly) until E; once E has passed the timer is keyed to the next expiry
still ahead. A point already passed when the timer is armed (boot, an import, a policy change)
is skipped: the next one is the first point at or after now. IOS's "not explicitly disabled"
has no command on IOS XR, so nothing disables the warnings but a bundle URL. The schedule is
not persisted: after a restart the next point is computed again from now. Timers go through
the router's scheduler (``call_at``: ``clock set`` and ``router.advance`` move them); the
download runs in the scheduler's thread outside the pool's lock, and is dropped when the pool or
its policy changed meanwhile.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import ClassVar, Literal, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from xrsim.clock import SimClock, xr_time
from xrsim.config.tree import ConfigTree
from xrsim.errors import InvalidBundle, StateError, StorageError, XrsimError
from xrsim.pki.x509 import show_name
from xrsim.scheduler import Scheduler, Timer

__all__ = [
    "BUILTIN_FILE",
    "HOURLY",
    "POLICY",
    "RETRY_DAYS",
    "PoolEntry",
    "TrustPool",
    "TrustpoolNotice",
    "TrustpoolPolicy",
    "builtin",
    "next_point",
    "parse_bundle",
    "policy_of",
    "time_left_words",
]

#: The built-in bundle, in ``xrsim/pki/data``.
BUILTIN_FILE = "trustpool-builtin.pem"
#: Days before the earliest expiry at which the automatic update is tried (and, without a
#: bundle URL, the warning given); after the last, every ``HOURLY``.
RETRY_DAYS = (20, 15, 10, 5, 4, 3, 2, 1)
HOURLY = timedelta(hours=1)

_PEM_CERT = b"-----BEGIN CERTIFICATE-----"
_PEM_CERT_END = b"-----END CERTIFICATE-----"
_PEM_PKCS7 = (b"-----BEGIN PKCS7-----", b"-----BEGIN CERTIFICATE CHAIN-----")
#: pyca's warning for a PKCS#7 read as BER (a regular expression of ``warnings`` filters).
_BER_WARNING = "PKCS#7 certificates could not be parsed as DER"


# -- bundles ----------------------------------------------------------------------------------


def _is_ca(cert: x509.Certificate) -> bool:
    """A CA certificate: basic constraints say so (a v1 certificate without them: self-issued)."""
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return cert.issuer == cert.subject
    except ValueError:  # an extension that does not parse
        return False


def _load(data: bytes) -> list[x509.Certificate]:
    """The certificates of PKCS#7 (PEM or DER) or concatenated PEM, unchecked."""
    text = data.strip()
    if text.startswith(_PEM_PKCS7):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _BER_WARNING, UserWarning)
            return list(pkcs7.load_pem_pkcs7_certificates(text))
    if not text.startswith(b"-----BEGIN"):
        with warnings.catch_warnings():
            # ``openssl crl2pkcs7`` (and so many published bundles) writes the certificate
            # SET OF in bundle order, which is BER, not DER: pyca reads it, with a warning.
            warnings.filterwarnings("ignore", _BER_WARNING, UserWarning)
            return list(pkcs7.load_der_pkcs7_certificates(data))
    begins, ends = text.count(_PEM_CERT), text.count(_PEM_CERT_END)
    if begins == 0:
        raise InvalidBundle("the bundle holds no PEM certificate")
    if begins != ends:  # a block cut off: the PEM loader would skip it silently
        raise InvalidBundle("the bundle is truncated (a PEM certificate is incomplete)")
    certs = x509.load_pem_x509_certificates(text)
    if len(certs) != begins:
        raise InvalidBundle("the bundle holds a PEM block that is not a certificate")
    return certs


def _check(certs: Sequence[x509.Certificate]) -> None:
    """Every certificate a CA's, no issuer and subject pair twice (IOS's rule)."""
    seen: set[tuple[bytes, bytes]] = set()
    for n, cert in enumerate(certs, 1):
        try:
            subject = show_name(cert.subject)
            pair = (cert.issuer.public_bytes(), cert.subject.public_bytes())
        except ValueError:
            raise InvalidBundle(f"certificate {n} of the bundle has a malformed name") from None
        if not _is_ca(cert):
            raise InvalidBundle(
                f"certificate {n} of the bundle ({subject}) is not a CA certificate"
            )
        if pair in seen:
            raise InvalidBundle(
                f"certificate {n} of the bundle ({subject}) repeats the issuer and subject of "
                "another one"
            )
        seen.add(pair)


def parse_bundle(data: bytes) -> list[x509.Certificate]:
    """The certificates of a CA bundle, in bundle order; ``InvalidBundle`` for anything else."""
    data = bytes(data)
    if not data.strip():
        raise InvalidBundle("the bundle is empty")
    try:
        certs = _load(data)
    except InvalidBundle:
        raise
    except ValueError:
        raise InvalidBundle(
            "the bundle is not PKCS#7 (DER or PEM) or concatenated PEM certificates, or it is "
            "truncated"
        ) from None
    if not certs:
        raise InvalidBundle("the bundle holds no certificate")
    _check(certs)
    return certs


@functools.cache
def builtin() -> tuple[x509.Certificate, ...]:
    """The built-in trustpool, in bundle order (read once per process)."""
    raw = resources.files("xrsim.pki").joinpath("data", BUILTIN_FILE).read_bytes()
    return tuple(parse_bundle(raw))


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


# -- policy -----------------------------------------------------------------------------------


class POLICY:
    """The ``crypto ca trustpool policy`` line and the lines of its ``config-trustpool``
    submode. The argument names are what ``policy_of`` takes (``node.args["url"]``)."""

    POLICY = "crypto ca trustpool policy"
    CABUNDLE_URL = "cabundle url <url:WORD>"
    CRL_OPTIONAL = "crl optional"
    DESCRIPTION = "description <text:LINE>"
    VRF = "vrf <vrf:WORD>"


@dataclass(frozen=True)
class TrustpoolPolicy:
    """The trustpool policy: where the bundle is updated from (None: nowhere), whether
    revocation checking is skipped for certificates the pool validates, a description, and
    the VRF downloads go in (None: the default VRF)."""

    cabundle_url: str | None = None
    crl_optional: bool = False
    description: str | None = None
    vrf: str | None = None


def policy_of(tree: ConfigTree) -> TrustpoolPolicy:
    """The policy a configuration tree sets (IOS XR's defaults when it has no block)."""
    node = tree.get([POLICY.POLICY])
    if node is None:
        return TrustpoolPolicy()
    url: str | None = None
    crl = False
    description: str | None = None
    vrf: str | None = None
    for child in node.sorted_children():
        a = child.args
        match child.syntax:
            case POLICY.CABUNDLE_URL:
                url = str(a["url"])
            case POLICY.CRL_OPTIONAL:
                crl = True
            case POLICY.DESCRIPTION:
                description = str(a["text"])
            case POLICY.VRF:
                vrf = str(a["vrf"])
            case _:
                pass
    return TrustpoolPolicy(url, crl, description, vrf)


# -- entries and notices ----------------------------------------------------------------------


@dataclass(frozen=True)
class PoolEntry:
    """One certificate of the pool: built-in or downloaded, active or not."""

    certificate: x509.Certificate
    builtin: bool
    active: bool


def time_left_words(left: timedelta) -> str:
    """``1 days, 23 hours, 59 minutes, 41 seconds`` (the layout of IOS XR's PKI expiry
    messages; negative amounts as their size)."""
    total = abs(int(left.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{days} days, {hours} hours, {minutes} minutes, {seconds} seconds"


NoticeKind = Literal["updated", "update-failed", "expiring"]


@dataclass(frozen=True)
class TrustpoolNotice:
    """What the automatic update reports. ``not_after``: the earliest expiry the schedule is
    keyed to; ``time_left``: from the notice to it (negative once passed); ``url``: the bundle
    URL (None for ``expiring``); ``reason``: why an update failed; ``count``: certificates an
    update brought; ``next_at``: the next point of the schedule (None: none armed)."""

    FACILITY: ClassVar[str] = "SECURITY"
    SUBSYSTEM: ClassVar[str] = "CEPKI"
    _LEVELS: ClassVar[dict[str, tuple[int, str]]] = {
        "updated": (6, "TRUSTPOOL_DOWNLOAD_SUCCESS"),
        "update-failed": (3, "TRUSTPOOL_DOWNLOAD_FAIL"),
        "expiring": (4, "TRUSTPOOL_EXPIRATION_WARNING"),
    }

    kind: NoticeKind
    not_after: datetime
    time_left: timedelta
    url: str | None = None
    reason: str | None = None
    count: int = 0
    next_at: datetime | None = None

    @property
    def severity(self) -> int:
        """The syslog severity (0-7): 6 informational, 4 warning, 3 error."""
        return self._LEVELS[self.kind][0]

    @property
    def mnemonic(self) -> str:
        return self._LEVELS[self.kind][1]

    def _expiry(self) -> str:
        if self.time_left.total_seconds() > 0:
            return f"The Trustpool will expire in {time_left_words(self.time_left)}"
        return f"The Trustpool expired {time_left_words(self.time_left)} ago"

    def text(self) -> str:
        """The message text after ``%SECURITY-CEPKI-<severity>-<mnemonic> : ``."""
        nxt = f" Next attempt at {xr_time(self.next_at)}." if self.next_at is not None else ""
        if self.kind == "updated":
            return f"Trustpool download is successful: {self.count} CA certificates from {self.url}"
        if self.kind == "update-failed":
            return (
                f"Trustpool download from {self.url} failed: {self.reason}. {self._expiry()}.{nxt}"
            )
        return (
            f"{self._expiry()}. No CA bundle URL is configured (cabundle url in crypto ca "
            f"trustpool policy): the trustpool is not updated automatically.{nxt}"
        )


# -- the pool ---------------------------------------------------------------------------------


class _State(Protocol):
    """What the pool needs of the state store (``StateStore``, format 6)."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def trustpool(self) -> list[bytes]: ...

    def trustpool_import(self) -> tuple[str | None, str, int] | None: ...

    def replace_trustpool(
        self, ders: Sequence[bytes], *, source: str | None, when: str
    ) -> None: ...


#: ``fetch(url, vrf) -> bytes``: the download (``xrsim.pki.download.Downloader``).
Fetch = Callable[[str, str | None], bytes]


def next_point(key: datetime, now: datetime, *, after: bool) -> datetime:
    """The first point of the schedule keyed to ``key`` at (``after`` False) or strictly after
    (``after`` True) ``now``: ``key`` - 20, 15, 10, 5, 4, 3, 2, 1 days, then every hour."""
    for days in RETRY_DAYS:
        point = key - timedelta(days=days)
        if point > now or (point == now and not after):
            return point
    base = key - timedelta(days=RETRY_DAYS[-1])
    hours = (now - base) // HOURLY
    point = base + hours * HOURLY
    return point if point > now or (point == now and not after) else point + HOURLY


class TrustPool:
    """A router's CA trustpool (see the module docstring)."""

    def __init__(
        self,
        state: _State,
        clock: SimClock,
        scheduler: Scheduler,
        fetch: Fetch,
        on_notice: Callable[[TrustpoolNotice], None],
    ) -> None:
        self._state = state
        self._clock = clock
        self._scheduler = scheduler
        self._fetch = fetch
        self._on_notice = on_notice
        self._lock = threading.RLock()
        self._builtin = builtin()
        self._downloaded = [x509.load_der_x509_certificate(d) for d in state.trustpool()]
        self._policy = TrustpoolPolicy()
        self._timer: Timer | None = None
        self._generation = 0  # counts pool and policy changes: a stale download is dropped

    # -- reading ----------------------------------------------------------------------------

    def entries(self) -> list[PoolEntry]:
        """Every certificate: the built-in ones (active unless a downloaded one has their
        subject), then the downloaded ones, each in bundle order."""
        with self._lock:
            downloaded = list(self._downloaded)
        subjects = {c.subject for c in downloaded}
        return [
            *(PoolEntry(c, True, c.subject not in subjects) for c in self._builtin),
            *(PoolEntry(c, False, True) for c in downloaded),
        ]

    def active(self) -> list[x509.Certificate]:
        """The certificates that validate: downloaded ones first, then active built-in ones."""
        entries = self.entries()
        return [e.certificate for e in entries if not e.builtin] + [
            e.certificate for e in entries if e.builtin and e.active
        ]

    def downloaded(self) -> list[x509.Certificate]:
        with self._lock:
            return list(self._downloaded)

    def policy(self) -> TrustpoolPolicy:
        with self._lock:
            return self._policy

    def last_import(self) -> tuple[str | None, datetime, int] | None:
        """(source URL or None, time, count) of the downloaded bundle; None without one."""
        got = self._state.trustpool_import()
        if got is None:
            return None
        return got[0], datetime.fromisoformat(got[1]), got[2]

    def earliest_expiry(self, *, after: datetime | None = None) -> datetime | None:
        """The earliest ``notAfter`` of the active pool (of those later than ``after``)."""
        ends = [c.not_valid_after_utc for c in self.active()]
        if after is not None:
            ends = [e for e in ends if e > after]
        return min(ends, default=None)

    def next_event(self) -> datetime | None:
        """When the timer next fires (an update attempt, or a warning), None when unarmed."""
        with self._lock:
            timer = self._timer
            return timer.when if timer is not None and timer.pending else None

    # -- changing ---------------------------------------------------------------------------

    def import_bundle(self, data: bytes, *, source: str | None = None) -> int:
        """Replace the downloaded pool with the bundle ``data`` (one transaction); how many
        certificates it held. ``InvalidBundle`` or ``StorageError``: nothing changed."""
        certs = parse_bundle(data)
        self._replace(certs, source)
        return len(certs)

    def import_url(self, url: str, vrf: str | None = None) -> int:
        """Download the bundle at ``url`` (in ``vrf``, else the policy's VRF) and import it.
        The download's failure (``NetworkError`` kinds, ``InvalidInput``) changes nothing."""
        data = self._fetch(url, vrf if vrf is not None else self.policy().vrf)
        return self.import_bundle(data, source=url)

    def clean(self) -> int:
        """Remove every downloaded certificate (one transaction); how many went."""
        return self._replace([], None)

    def _replace(self, certs: Sequence[x509.Certificate], source: str | None) -> int:
        now = self._clock.now().replace(microsecond=0)
        with self._lock:
            gone = len(self._downloaded)
            self._state.replace_trustpool(
                [_der(c) for c in certs], source=source, when=now.isoformat()
            )
            self._downloaded = list(certs)
            self._generation += 1
            self._arm(after=False)
            return gone

    def apply(self, target: ConfigTree) -> Callable[[], None]:
        """Put the policy of ``target`` into effect (the datastore's ``on_apply``): the timer
        is armed again for it. Returns the undo."""
        new = policy_of(target)
        with self._lock:
            old = self._policy
            if new == old:
                return _nothing
            self._set_policy(new)

        def undo() -> None:
            with self._lock:
                self._set_policy(old)

        return undo

    def resume(self, running: ConfigTree) -> None:
        """At boot: the running configuration's policy, and the timer armed."""
        with self._lock:
            self._set_policy(policy_of(running))

    def _set_policy(self, policy: TrustpoolPolicy) -> None:
        self._policy = policy
        self._generation += 1
        self._arm(after=False)

    # -- the automatic update ---------------------------------------------------------------

    def _key(self, now: datetime) -> datetime | None:
        """The expiry the schedule is keyed to: with a bundle URL the earliest of the pool,
        without one the earliest still ahead."""
        if self._policy.cabundle_url:
            return self.earliest_expiry()
        return self.earliest_expiry(after=now)

    def _arm(self, *, after: bool) -> None:
        """(Re)arm the timer at the next point of the schedule (inside the lock)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock.now()
        key = self._key(now)
        if key is None:
            return
        when = next_point(key, now, after=after)
        if not self._policy.cabundle_url and when >= key:  # warnings stop at the expiry
            when = key
        generation = self._generation
        # Shut down meanwhile (StateError): nothing runs any more.
        with contextlib.suppress(StateError):
            self._timer = self._scheduler.call_at(
                when,
                lambda: self._due(generation, key),
                name="crypto ca trustpool: automatic update",
            )

    def _due(self, generation: int, key: datetime) -> None:
        """A point of the schedule keyed to ``key`` (a scheduler callback): try the update,
        or warn."""
        with self._lock:
            if generation != self._generation:
                return
            policy = self._policy
            now = self._clock.now()
        notice = (
            self._update(generation, policy, key, now)
            if policy.cabundle_url
            else (self._warn(generation, key, now))
        )
        if notice is not None:
            self._on_notice(notice)

    def _warn(self, generation: int, key: datetime, now: datetime) -> TrustpoolNotice | None:
        """No bundle URL: the warning, and the next point armed; at the expiry itself the
        timer keyed to the next expiry, without a warning."""
        with self._lock:
            if generation != self._generation:
                return None
            if now >= key:
                self._arm(after=False)
                return None
            self._arm(after=True)
            return TrustpoolNotice("expiring", key, key - now, next_at=self.next_event())

    def _update(
        self, generation: int, policy: TrustpoolPolicy, key: datetime, now: datetime
    ) -> TrustpoolNotice | None:
        """Download the bundle (outside the lock) and replace the pool with it; the notice of
        what came of it, None when the pool or its policy changed meanwhile."""
        url = policy.cabundle_url
        assert url is not None
        try:
            certs = parse_bundle(self._fetch(url, policy.vrf))
        except XrsimError as e:  # the network, the URL, the bundle: reported and retried
            reason = str(getattr(e, "reason", None) or e).rstrip(".")
            with self._lock:
                if generation != self._generation:
                    return None
                self._arm(after=True)
                return TrustpoolNotice(
                    "update-failed", key, key - now, url, reason, next_at=self.next_event()
                )
        with self._lock:
            if generation != self._generation:
                return None
            try:
                self._state.replace_trustpool(
                    [_der(c) for c in certs],
                    source=url,
                    when=now.replace(microsecond=0).isoformat(),
                )
            except StorageError as e:  # the pool stays as it was; retried
                self._arm(after=True)
                return TrustpoolNotice(
                    "update-failed",
                    key,
                    key - now,
                    url,
                    f"the bundle could not be saved: {e.reason}",
                    next_at=self.next_event(),
                )
            self._downloaded = list(certs)
            self._generation += 1
            self._arm(after=True)
            new_key = self._key(now) or key
            return TrustpoolNotice(
                "updated", new_key, new_key - now, url, count=len(certs), next_at=self.next_event()
            )


def _nothing() -> None:
    pass

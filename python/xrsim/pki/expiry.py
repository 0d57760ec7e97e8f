"""Certificate expiry notices: the seed's "Expiry Notification for PKI Certificate" (layer 3).

- ``ExpiryNotice``: one notice about one certificate (trustpoint, certificate type, serial,
  issuer, subject, end of validity, time left, warning or alert), with the syslog severity,
  mnemonic and text IOS XR gives it. ``xrsim.notify`` (layer 4) turns a notice into the syslog
  message (``%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT : ...``) and, with ``snmp-server traps pki``,
  the CISCO-PKI-MIB ``ciscoPkiCertExpiryAlert`` trap; this module never imports it: the router
  hands each notice on (``on_notice``).
- ``ExpiryMonitor``: watches the certificates of the router's ``CertStore`` and keeps, for each
  one it watches, one ``Scheduler.call_at`` timer for its next notice. ``start()`` (router boot)
  arms them and subscribes to the store (``CertStore.subscribe``), so that every committed
  change (an enrollment, an import, ``clear crypto ca certificates``) re-arms: timers of
  certificates that went are cancelled, new certificates get theirs, the others keep theirs.
  The store is read there only: a notice falling due checks its certificate against what the
  last re-arm found, so a notice costs the same however many trustpoints the router has.
  ``stop()`` (shutdown) cancels everything. ``upcoming()`` lists the next notice of each
  watched certificate.
- ``notice_times(not_after)``: the whole schedule of one certificate.

The schedule (seed, and IOS's "PKI Credentials Expiry Alerts" it comes from): the first
notice 60 days before the certificate's end (warning), then one every week while more than a
week is left (warning: 60, 53, 46, 39, 32, 25, 18 and 11 days before), then one every day
until the end (alert: 7, 6, 5, 4, 3, 2 and 1 day before): fifteen notices. A notice is an alert
when the time left is a week or less ("warning mode when the certificate is valid for more
than a week"), so the notice 7 days before is the first alert. An expired certificate gets no
more notices. The times are wall-clock times (``call_at``): ``clock set`` and
``router.advance`` move them, and setting the clock past several runs each of them, in
order, each with the time left as the clock then shows it. Nothing is persisted: after a
restart (or when a certificate arrives with less than 60 days left) the next notice is the
first of the schedule due at or after the time the monitor arms; the notices of the past are
not sent late.

Which certificates (seed, "Restrictions for PKI Credentials Expiry Alerts"):

- a trustpoint's general-purpose router certificate (certificate type ``ID``), and its CA
  certificate (type ``CA``) when the trustpoint holds such a router certificate: "CA
  certificates that do not have a router certificate associated with it" get none. CISCO-PKI-MIB
  names the types ``CA/ID/SUBCA/RA``; its install alert leaves RA certificates out, and so does
  xrsim for expiry (they are the CA's, used for enrollment only).
- not "certificates with key usage keys": a trustpoint whose keys are usage keys (a signing
  and an encryption router certificate) gets no notice, for either of them or for its CA.
- not SUDI certificates, nor the trustpool's: neither is in the ``CertStore`` (the SUDI lives in
  the chassis, the trustpool in ``xrsim.pki.trustpool``, which has its own expiry mechanism).
- not trustpoint clones. Cisco's pages list "Trustpoint clones" without defining them (IOS XE's
  "PKI Credentials Expiry Alerts" has the same line; CISCO-PKI-MIB says alerts stop when a
  shadow or rollover certificate is present). xrsim reads a clone as a trustpoint holding the
  very certificate (same DER) another trustpoint holds: the notice goes once, for the first
  trustpoint by name, not again for each copy.
- not trustpoints that are no longer configured (``crypto ca trustpoint NAME`` removed while
  its certificates stay in the store): checked when a notice falls due, so it resumes if the
  trustpoint comes back.

The message. The seed gives the alert only: ``%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT :
Certificate expiring WITHIN A WEEK. Trustpoint Name= check, Certificate Type= ID, Serial
Number= 02:EC, Issuer Name= CN=cacert,OU=SPBU,O=CSCO,L=BGL,ST=KA,C=IN, Subject name=
CN=cisco.com, Time Left= 1 days, 23 hours, 59 minutes, 41 seconds`` (severity 1, ``alerts``).
No Cisco page, MIB or public capture in reach gives the warning form (searched: IOS XR and IOS
XE configuration guides, CISCO-PKI-MIB, syslog captures). xrsim sends
``%SECURITY-CEPKI-4-CERT_EXPIRING_WARNING : Certificate expiring WITHIN 60 DAYS. ...`` with the
same fields: severity 4 (``warnings``) for the seed's "warning mode", as 1 is ``alerts`` for its
"alert mode", the mnemonic and the sentence made after the alert's. Names print as ``show
crypto ca certificates`` prints them (RFC 4514, last attribute first, as the seed's issuer);
the serial in colon hex; the time left always in all four units, ``days`` plural as in the seed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from xrsim.clock import SimClock
from xrsim.errors import StateError
from xrsim.pki.trustpoint import CertStore, Trustpoint
from xrsim.pki.x509 import Described
from xrsim.scheduler import Scheduler, Timer

__all__ = [
    "ALERT_MNEMONIC",
    "ALERT_SEVERITY",
    "ALERT_WINDOW",
    "FIRST_NOTICE",
    "WARNING_MNEMONIC",
    "WARNING_SEVERITY",
    "ExpiryMonitor",
    "ExpiryNotice",
    "Upcoming",
    "format_time_left",
    "notice_times",
]

_log = logging.getLogger("xrsim.pki")

#: The first notice: this long before the certificate's end.
FIRST_NOTICE = timedelta(days=60)
#: Weekly warnings while more than this is left; daily alerts within it.
ALERT_WINDOW = timedelta(days=7)
_WEEK = timedelta(days=7)
_DAY = timedelta(days=1)

ALERT_SEVERITY = 1  # alerts
WARNING_SEVERITY = 4  # warnings
ALERT_MNEMONIC = "CERT_EXPIRING_ALERT"
WARNING_MNEMONIC = "CERT_EXPIRING_WARNING"

#: The certificate types of the notices (CISCO-PKI-MIB ``certType``: CA/ID/SUBCA/RA).
ID, CA = "ID", "CA"


def notice_times(not_after: datetime) -> list[datetime]:
    """Every notice of a certificate ending at ``not_after``, in order: weekly from 60 days
    before while more than a week is left, then daily from 7 days before to 1 day before."""
    times: list[datetime] = []
    t = not_after - FIRST_NOTICE
    while not_after - t > ALERT_WINDOW:
        times.append(t)
        t += _WEEK
    days = ALERT_WINDOW // _DAY
    times.extend(not_after - n * _DAY for n in range(days, 0, -1))
    return times


def _next_time(not_after: datetime, at_or_after: datetime) -> datetime | None:
    return next((t for t in notice_times(not_after) if t >= at_or_after), None)


def format_time_left(left: timedelta) -> str:
    """``1 days, 23 hours, 59 minutes, 41 seconds`` (the seed's form; whole seconds)."""
    seconds = max(0, int(left.total_seconds()))
    minutes, s = divmod(seconds, 60)
    hours, m = divmod(minutes, 60)
    days, h = divmod(hours, 24)
    return f"{days} days, {h} hours, {m} minutes, {s} seconds"


@dataclass(frozen=True)
class ExpiryNotice:
    """One expiry notice of one certificate."""

    trustpoint: str
    #: ``ID`` (the router certificate) or ``CA``
    cert_type: str
    #: colon hex, as ``show crypto ca certificates`` prints it (``02:EC``)
    serial: str
    issuer: str
    subject: str
    not_after: datetime
    time_left: timedelta
    #: True when a week or less is left (alert mode), False before (warning mode)
    alert: bool

    @property
    def severity(self) -> int:
        return ALERT_SEVERITY if self.alert else WARNING_SEVERITY

    @property
    def mnemonic(self) -> str:
        return ALERT_MNEMONIC if self.alert else WARNING_MNEMONIC

    def text(self) -> str:
        """The message text after ``%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT : ``."""
        within = "WITHIN A WEEK" if self.alert else "WITHIN 60 DAYS"
        return (
            f"Certificate expiring {within}. Trustpoint Name= {self.trustpoint}, "
            f"Certificate Type= {self.cert_type}, Serial Number= {self.serial}, "
            f"Issuer Name= {self.issuer}, Subject name= {self.subject}, "
            f"Time Left= {format_time_left(self.time_left)}"
        )

    @classmethod
    def of(
        cls, trustpoint: str, cert_type: str, cert: x509.Certificate, now: datetime
    ) -> ExpiryNotice:
        d = Described(cert)
        left = d.not_after - now
        return cls(
            trustpoint=trustpoint,
            cert_type=cert_type,
            serial=d.serial,
            issuer=d.issuer,
            subject=d.subject,
            not_after=d.not_after,
            time_left=left,
            alert=left <= ALERT_WINDOW,
        )


@dataclass(frozen=True)
class Upcoming:
    """The next notice of a watched certificate (``ExpiryMonitor.upcoming``)."""

    trustpoint: str
    cert_type: str
    serial: str
    when: datetime


#: A watched certificate: (trustpoint, certificate type, SHA-256 of its DER).
_Key = tuple[str, str, str]


@dataclass(frozen=True)
class _Watched:
    trustpoint: str
    cert_type: str
    cert: x509.Certificate


@dataclass(frozen=True)
class _Armed:
    """A watched certificate's next notice: its timer and the token its callback carries."""

    timer: Timer
    w: _Watched
    token: object


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class ExpiryMonitor:
    """Expiry notices of one router's trustpoint certificates, on its scheduler. Thread
    safe; ``on_notice`` is called without the monitor's lock held, on the scheduler's
    thread."""

    def __init__(
        self,
        certs: CertStore,
        scheduler: Scheduler,
        clock: SimClock,
        trustpoint: Callable[[str], Trustpoint | None],
        on_notice: Callable[[ExpiryNotice], None],
    ) -> None:
        self._certs = certs
        self._scheduler = scheduler
        self._clock = clock
        self._trustpoint = trustpoint
        self._on_notice = on_notice
        self._lock = threading.Lock()
        #: each watched certificate's next notice
        self._timers: dict[_Key, _Armed] = {}
        #: what the store held at the last ``rearm`` (after every committed change): a notice
        #: falling due checks its certificate here instead of reading the whole store again
        self._current: dict[_Key, _Watched] = {}
        self._unsubscribe: Callable[[], None] | None = None

    # -- starting and stopping --------------------------------------------------------------

    def start(self) -> None:
        """Watch the store's certificates from now on (router boot; a second call does
        nothing)."""
        with self._lock:
            if self._unsubscribe is not None:
                return
            self._unsubscribe = self._certs.subscribe(self.rearm)
        self.rearm()

    def stop(self) -> None:
        """Cancel every timer and stop watching (router shutdown)."""
        with self._lock:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
            timers, self._timers = list(self._timers.values()), {}
            self._current = {}
        if unsubscribe is not None:
            unsubscribe()
        for armed in timers:
            armed.timer.cancel()

    @property
    def started(self) -> bool:
        return self._unsubscribe is not None

    # -- what is watched --------------------------------------------------------------------

    def _watched(self) -> dict[_Key, _Watched]:
        """The certificates that get notices, by key (see the module docstring)."""
        out: dict[_Key, _Watched] = {}
        seen: set[str] = set()
        for name in sorted(self._certs.names()):
            routers = self._certs.router(name)
            general = routers.get("general")
            if general is None or len(routers) > 1:  # no router certificate, or usage keys
                continue
            ca = self._certs.ca(name)
            for cert_type, cert in ((ID, general), (CA, ca)):
                if cert is None:
                    continue
                fp = _fingerprint(cert)
                if fp in seen:  # a clone of a trustpoint earlier by name
                    continue
                seen.add(fp)
                out[(name, cert_type, fp)] = _Watched(name, cert_type, cert)
        return out

    def rearm(self) -> None:
        """Bring the timers in line with the store (``CertStore.subscribe`` calls it after
        each change): cancel those of certificates no longer watched, arm those of new ones,
        keep the others."""
        if not self.started:
            return
        watched = self._watched()
        now = self._clock.now()
        with self._lock:
            if self._unsubscribe is None:
                return
            self._current = watched
            for key in [k for k in self._timers if k not in watched]:
                self._timers.pop(key).timer.cancel()
            for key, w in watched.items():
                if key not in self._timers:
                    self._arm(key, w, now)

    def _arm(self, key: _Key, w: _Watched, at_or_after: datetime) -> None:
        """Arm the first notice of ``w`` due at or after ``at_or_after`` (under the lock)."""
        when = _next_time(w.cert.not_valid_after_utc, at_or_after)
        if when is None:
            return
        token = object()  # tells this arming apart from any other of the same certificate
        try:
            timer = self._scheduler.call_at(
                when,
                partial(self._fire, key, w, when, token),
                name=f"certificate expiry notice: {w.trustpoint} {w.cert_type}",
            )
        except StateError:  # the scheduler is closed (shutdown): nothing runs any more
            return
        self._timers[key] = _Armed(timer, w, token)

    def _fire(self, key: _Key, w: _Watched, due: datetime, token: object) -> None:
        """A notice fell due: send it (unless the certificate is no longer watched or its
        trustpoint no longer configured) and arm the next one. Its entry stays while it
        runs, so a ``rearm`` meanwhile does not arm the same notice again."""
        with self._lock:
            armed = self._timers.get(key)
            if self._unsubscribe is None or armed is None or armed.token is not token:
                return
            still = key in self._current
        if still and self._trustpoint(w.trustpoint) is not None:
            notice = ExpiryNotice.of(w.trustpoint, w.cert_type, w.cert, self._clock.now())
            try:
                self._on_notice(notice)
            except Exception:
                _log.exception("expiry notice of %s %s not delivered", w.trustpoint, w.cert_type)
        with self._lock:
            armed = self._timers.get(key)
            if armed is None or armed.token is not token:
                return
            del self._timers[key]
            if still and self._unsubscribe is not None:
                self._arm(key, w, due + timedelta(microseconds=1))

    # -- looking ----------------------------------------------------------------------------

    def upcoming(self) -> list[Upcoming]:
        """The next notice of each watched certificate, soonest first."""
        with self._lock:
            items = list(self._timers.values())
        out = [
            Upcoming(a.w.trustpoint, a.w.cert_type, Described(a.w.cert).serial, a.timer.when)
            for a in items
            if a.timer.pending
        ]
        return sorted(out, key=lambda u: (u.when, u.trustpoint, u.cert_type))

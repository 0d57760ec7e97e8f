"""xrsim.pki.trustpool: the built-in bundle, bundles as PKCS#7 (made by ``openssl crl2pkcs7
-nocrl``) and concatenated PEM, refused bundles changing nothing, a built-in certificate
inactive while a downloaded one has its subject, the pool kept whole in the state store across
a reopen, a full database, and the automatic update's schedule on a frozen clock (warnings
without a bundle URL; attempts against a real HTTP server on loopback that fails, then
succeeds)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from pki_lab import T0, FileServer, p7b, pem, root
from xrsim.chassis.store import StateStore
from xrsim.clock import SimClock
from xrsim.errors import InvalidBundle, StorageError
from xrsim.pki.download import Downloader
from xrsim.pki.trustpool import (
    RETRY_DAYS,
    TrustPool,
    TrustpoolNotice,
    TrustpoolPolicy,
    builtin,
    next_point,
    parse_bundle,
    time_left_words,
)
from xrsim.pki.x509 import show_name
from xrsim.scheduler import Scheduler

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


class Pool:
    """A pool on a real state store, a frozen clock and a scheduler, downloading for real."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.clock = SimClock(T0, frozen=True)
        self.notices: list[TrustpoolNotice] = []
        self._open()

    def _open(self) -> None:
        self.store = StateStore.open(self.directory)
        self.scheduler = Scheduler(self.clock)
        self.pool = TrustPool(
            self.store,
            self.clock,
            self.scheduler,
            Downloader(lambda vrf: None, timeout=5),
            self.notices.append,
        )

    def reopen(self) -> None:
        self.close()
        self._open()

    def close(self) -> None:
        self.scheduler.close()
        self.store.close()


@pytest.fixture
def tp(tmp_path: Path) -> Iterator[Pool]:
    p = Pool(tmp_path / "state")
    yield p
    p.close()


def subjects(certs: list[x509.Certificate]) -> list[str]:
    return [show_name(c.subject) for c in certs]


# -- the built-in bundle ----------------------------------------------------------------------


def test_the_built_in_bundle_is_simulated_vendor_roots() -> None:
    roots = builtin()
    assert subjects(list(roots)) == [
        "CN=xrsim Root CA 2048,O=xrsim Systems",
        "CN=xrsim Root CA M1,O=xrsim",
        "CN=xrsim Root CA M2,O=xrsim",
        "CN=xrsim ECC Root CA,O=xrsim",
    ]
    for cert in roots:
        assert cert.issuer == cert.subject
        cert.verify_directly_issued_by(cert)  # self-signed
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert cert.not_valid_after_utc.year >= 2097  # long validities


def test_a_new_pool_is_the_built_in_bundle(tp: Pool) -> None:
    assert tp.pool.active() == list(builtin())
    assert all(e.builtin and e.active for e in tp.pool.entries())
    assert tp.pool.downloaded() == []
    assert tp.pool.last_import() is None


# -- bundles ----------------------------------------------------------------------------------


@pytest.fixture
def three() -> list[x509.Certificate]:
    return [root(f"Lab Root {n}", not_after=T0 + (n + 1) * 100 * DAY) for n in range(3)]


def test_bundles_as_pkcs7_der_pkcs7_pem_and_concatenated_pem(
    three: list[x509.Certificate], tmp_path: Path
) -> None:
    assert parse_bundle(pem(three)) == three
    assert parse_bundle(p7b(three, tmp_path)) == three
    assert parse_bundle(p7b(three, tmp_path, der=False)) == three


def test_bad_bundles_are_refused(three: list[x509.Certificate], tmp_path: Path) -> None:
    der = p7b(three, tmp_path)
    text = pem(three)
    leaf = root("a leaf", not_after=T0 + DAY, ca=False)
    bad = {
        "empty": b"",
        "blank": b" \n\t\n",
        "truncated DER": der[: len(der) // 2],
        "truncated PEM": text[: len(text) - 200],
        "garbage": b"\x30\x82\x01\x00not a bundle at all",
        "text": b"hello, this is not a bundle\n",
        "a PEM key": b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        "no certificates": p7b([], tmp_path),
        "a leaf": pem([three[0], leaf]),
        "a repeated CA": pem([three[0], three[1], three[0]]),
    }
    for what, data in bad.items():
        with pytest.raises(InvalidBundle) as e:
            parse_bundle(data)
        assert e.value.reason, what


# -- the pool ---------------------------------------------------------------------------------


def test_an_import_replaces_the_pool_whole_and_survives_a_reopen(
    tp: Pool, three: list[x509.Certificate], tmp_path: Path
) -> None:
    assert tp.pool.import_bundle(p7b(three, tmp_path), source="http://x/a.p7b") == 3
    assert tp.pool.downloaded() == three
    assert tp.pool.active() == [*three, *builtin()]
    other = [root("Other Root", not_after=T0 + 900 * DAY)]
    assert tp.pool.import_bundle(pem(other)) == 1
    assert tp.pool.downloaded() == other  # replaced, not added to
    tp.reopen()
    assert tp.pool.downloaded() == other
    source, when, count = tp.pool.last_import() or (None, None, 0)
    assert (source, when, count) == (None, T0, 1)
    assert tp.pool.clean() == 1
    tp.reopen()
    assert tp.pool.downloaded() == []
    assert tp.pool.active() == list(builtin())


def test_a_built_in_certificate_is_inactive_while_a_downloaded_one_has_its_subject(
    tp: Pool,
) -> None:
    m1 = builtin()[1]
    again = root("xrsim Root CA M1", org="xrsim", not_after=T0 + 3000 * DAY)
    assert again.subject == m1.subject
    assert again != m1
    tp.pool.import_bundle(pem([again]))
    by_cert = {e.certificate: e for e in tp.pool.entries()}
    assert by_cert[m1].builtin
    assert not by_cert[m1].active
    assert m1 not in tp.pool.active()
    assert again in tp.pool.active()
    assert len(tp.pool.active()) == len(builtin())  # three built-in, one downloaded
    tp.pool.clean()
    assert m1 in tp.pool.active()


def test_a_refused_bundle_changes_nothing(
    tp: Pool, three: list[x509.Certificate], tmp_path: Path
) -> None:
    tp.pool.import_bundle(pem(three))
    before, timer = tp.store.snapshot(), tp.pool.next_event()
    der = p7b([root("New", not_after=T0 + DAY)], tmp_path)
    for data in (b"", der[:-10], b"garbage"):
        with pytest.raises(InvalidBundle):
            tp.pool.import_bundle(data)
    assert tp.store.snapshot() == before
    assert tp.pool.downloaded() == three
    assert tp.pool.next_event() == timer


def test_a_full_database_keeps_the_old_pool(tp: Pool, three: list[x509.Certificate]) -> None:
    tp.pool.import_bundle(pem(three[:1]))
    before = tp.store.snapshot()
    db = tp.store._db
    assert db is not None
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    big = [root(f"Big Root {n}", not_after=T0 + 500 * DAY) for n in range(60)]
    with pytest.raises(StorageError) as e:
        tp.pool.import_bundle(pem(big))
    assert e.value.reason == "no space left on the device"
    assert tp.pool.downloaded() == three[:1]
    db.execute("PRAGMA max_page_count = 1073741823")
    assert tp.store.snapshot() == before


# -- the automatic update ---------------------------------------------------------------------


def test_the_schedule_points() -> None:
    key = T0 + 100 * DAY
    assert next_point(key, T0, after=False) == key - 20 * DAY
    points = []
    now = T0
    for _ in range(len(RETRY_DAYS) + 3):
        now = next_point(key, now, after=True)
        points.append(key - now)
    assert points == [*(d * DAY for d in RETRY_DAYS), DAY - HOUR, DAY - 2 * HOUR, DAY - 3 * HOUR]
    # a point already passed is skipped; the hourly points go on past the expiry
    assert next_point(key, key - 7 * DAY, after=False) == key - 5 * DAY
    assert next_point(key, key + 90 * dt.timedelta(minutes=1), after=True) == key + 2 * HOUR
    assert next_point(key, key - 20 * DAY, after=False) == key - 20 * DAY


def test_without_a_bundle_url_warnings_at_each_point_until_the_expiry(tp: Pool) -> None:
    soon = root("Soon Root", not_after=T0 + 30 * DAY)
    later = root("Later Root", not_after=T0 + 400 * DAY)
    tp.pool.import_bundle(pem([later, soon]))
    assert tp.pool.next_event() == T0 + 10 * DAY  # 20 days before the earliest expiry
    tp.scheduler.advance(30 * DAY)
    left = [n.time_left for n in tp.notices]
    assert [n.kind for n in tp.notices] == ["expiring"] * len(left)
    assert left[: len(RETRY_DAYS)] == [d * DAY for d in RETRY_DAYS]
    assert left[len(RETRY_DAYS) :] == [DAY - h * HOUR for h in range(1, 24)]
    first = tp.notices[0]
    assert (first.severity, first.mnemonic) == (4, "TRUSTPOOL_EXPIRATION_WARNING")
    assert first.text().startswith(
        "The Trustpool will expire in 20 days, 0 hours, 0 minutes, 0 seconds. No CA bundle URL"
    )
    # past the first expiry: keyed to the next one
    assert tp.pool.next_event() == T0 + 380 * DAY


def test_the_update_fails_on_schedule_then_succeeds(
    tp: Pool, three: list[x509.Certificate]
) -> None:
    soon = root("Soon Root", not_after=T0 + 30 * DAY)
    fresh = [root("Fresh Root", not_after=T0 + 800 * DAY)]
    with FileServer() as server:
        url = server.url("/ios.p7b")
        server.files["/ios.p7b"] = pem(fresh)
        server.status = 500
        tp.pool.import_bundle(pem([soon, *three]))
        tp.pool._set_policy(TrustpoolPolicy(cabundle_url=url))  # as a commit would
        tp.scheduler.advance(29 * DAY + 2 * HOUR)  # 20 ... 1 days, then two hours
        assert [n.kind for n in tp.notices] == ["update-failed"] * (len(RETRY_DAYS) + 2)
        assert [n.time_left for n in tp.notices] == [
            *(d * DAY for d in RETRY_DAYS),
            DAY - HOUR,
            DAY - 2 * HOUR,
        ]
        assert server.requests == ["/ios.p7b"] * (len(RETRY_DAYS) + 2)
        failed = tp.notices[0]
        assert (failed.severity, failed.mnemonic) == (3, "TRUSTPOOL_DOWNLOAD_FAIL")
        assert "HTTP 500" in (failed.reason or "")
        assert tp.pool.downloaded() == [soon, *three]
        server.status = 200
        tp.scheduler.advance(HOUR)
    done = tp.notices[-1]
    assert (done.kind, done.severity, done.mnemonic, done.count) == (
        "updated",
        6,
        "TRUSTPOOL_DOWNLOAD_SUCCESS",
        1,
    )
    assert tp.pool.downloaded() == fresh
    # the new pool's earliest expiry is a built-in root's: the next attempt 20 days before it
    earliest = min(c.not_valid_after_utc for c in (*fresh, *builtin()))
    assert tp.pool.next_event() == earliest - 20 * DAY
    tp.reopen()
    assert tp.pool.downloaded() == fresh


def test_time_left_words() -> None:
    left = dt.timedelta(days=1, hours=23, minutes=59, seconds=41)
    assert time_left_words(left) == "1 days, 23 hours, 59 minutes, 41 seconds"

"""The notification path (issue 14): SNMP v2c traps, remote syslog, the certificate expiry
sweep and trustpool bundle parsing, each beside what a user would otherwise use, in the same
run.

- ``notify snmp trap``: the CISCO-PKI-MIB ``ciscoPkiCertExpiryAlert`` of one expiry notice to
  a trap host on loopback. xrsim: a booted ``Router`` with ``snmp-server host 127.0.0.1 traps
  version 2c C udp-port P`` and ``snmp-server traps pki``, the notice handed to
  ``router.notify.expiry`` as the expiry monitor hands it (the CEPKI message into the logging
  buffer, then the trap), and ``router.notify.trap`` alone (the trap only). Beside it: net-snmp's
  ``snmptrap`` (Debian ``snmp``), one process per trap as a shell user runs it, with the same
  trap OID and varbinds; pysnmp's high-level API (``send_notification``, one ``SnmpEngine``
  and target, the traps awaited one after the other on one event loop) as a Python user
  writes it.
- ``notify syslog``: one CEPKI message to ``logging 127.0.0.1 port P`` through
  ``router.notify.log`` beside the stdlib's ``logging.handlers.SysLogHandler`` (UDP) logging
  the same text.
- ``notify expiry sweep``: a router with ``SWEEP_TRUSTPOINTS`` self-enrolled trustpoints
  (``enrollment url self``, ``lifetime certificate 61``, ECDSA keys) and ``logging 127.0.0.1
  port P``, booted on a frozen clock at the moment of enrollment; ``router.advance(days=61)``
  runs the whole schedule, 15 notices a certificate (8 weekly warnings, 7 daily alerts), each a
  syslog datagram; the same router with one trustpoint is the rest of the router's timed work
  over those days (hourly package fingerprints above all), so the difference is the notices'
  cost. Beside it: what a user might script instead, a daily check over the same
  certificates (PEM loaded with pyca each day, as a daily job would read them), sending the
  same number of syslog messages on the same days through ``SysLogHandler``.
- ``notify trustpool bundle``: ``xrsim.pki.trustpool.parse_bundle`` of a PKCS#7 bundle of
  ``BUNDLE_CERTS`` CA certificates made by ``openssl crl2pkcs7`` (``tests/pki_lab.py``) beside
  ``openssl pkcs7 -print_certs`` (a child process) and pyca's
  ``pkcs7.load_der_pkcs7_certificates``.

The receiver of every datagram is a UDP socket of this process on 127.0.0.1 (``Receiver``).
A round sends a batch; the round's setup (untimed, before the next round) receives exactly the
datagrams of the batch before, waiting at most ``RECEIVE_TIMEOUT`` for each: a contender that
drops one fails its benchmark. The traps and messages are decoded once per contender and
compared (trap OID, varbinds; message text). Rates and ratios go to the summary
(``bench_notes``); ``XRSIM_BENCH_SECONDS`` sets the measurement time of each benchmark.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import math
import os
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from pyasn1.codec.ber import decoder  # type: ignore[import-untyped]
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    NotificationType,
    ObjectIdentity,
    ObjectType,
    OctetString,
    SnmpEngine,
    UdpTransportTarget,
    send_notification,
)
from pysnmp.proto.api import v2c

from pki_lab import Ca, p7b, root
from xrsim.clock import SimClock
from xrsim.crypto import generate_key
from xrsim.notify import Message, snmp
from xrsim.pki.expiry import ExpiryNotice
from xrsim.pki.trustpool import parse_bundle
from xrsim.router import Router

#: Traps or messages a round sends.
BATCH = 50
#: ``snmptrap`` starts a process per trap: a smaller batch keeps its rounds comparable.
SNMPTRAP_BATCH = 10
SWEEP_TRUSTPOINTS = 30
SWEEP_SIZES = (1, SWEEP_TRUSTPOINTS)
#: Notices of one certificate over its last 60 days (60, 53, ..., 11 days; 7 ... 1 day).
NOTICES_PER_CERT = 15
SCHEDULE_DAYS = (60, 53, 46, 39, 32, 25, 18, 11, 7, 6, 5, 4, 3, 2, 1)
BUNDLE_CERTS = 150
RECEIVE_TIMEOUT = 10.0
#: Seconds of measurement per benchmark (after calibration), as the other benches.
TARGET_SECONDS = float(os.environ.get("XRSIM_BENCH_SECONDS", "2.0"))
COMMUNITY = "xrsim-bench"
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"

#: The receiver's socket buffer; Linux's SO_RCVBUFFORCE (socket.py of Python 3.11 lacks it).
RECEIVE_BUFFER = 8 << 20
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)

#: The fastest round of each xrsim sweep (noise only ever slows a round down).
_best: dict[int, float] = {}
_rates: dict[str, dict[str, float]] = {}


# -- the receiver ------------------------------------------------------------------------------


class Receiver:
    """A UDP socket on 127.0.0.1 that receives and counts datagrams."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:  # room for a whole sweep's datagrams, whatever net.core.rmem_max says (root)
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER)
        except PermissionError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.received = 0

    def take(self, n: int) -> list[bytes]:
        """The next ``n`` datagrams; fails when one has not come within ``RECEIVE_TIMEOUT``."""
        out: list[bytes] = []
        self.sock.settimeout(RECEIVE_TIMEOUT)
        for _ in range(n):
            try:
                data, _peer = self.sock.recvfrom(65535)
            except TimeoutError:
                pytest.fail(f"{len(out)} of {n} datagrams arrived (after {self.received} before)")
            out.append(data)
        self.received += n
        return out

    def nothing_more(self) -> bool:
        """Whether no datagram is waiting."""
        self.sock.setblocking(False)
        try:
            self.sock.recvfrom(65535)
        except BlockingIOError:
            return True
        finally:
            self.sock.setblocking(True)
        return False

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver()
    yield rx
    rx.close()


def _measure(
    benchmark: Any,
    rx: Receiver,
    *,
    group: str,
    name: str,
    batch: Callable[[], None],
    size: int,
    min_rounds: int = 3,
) -> list[bytes]:
    """Time ``batch`` (sends ``size`` datagrams to ``rx``) for about TARGET_SECONDS; every
    datagram of every round, the calibration and the warm-up included, must arrive. Returns
    the first batch's datagrams; records the rate (datagrams per second of the median round)."""
    t0 = time.perf_counter()
    batch()
    once = max(time.perf_counter() - t0, 1e-6)
    first = rx.take(size)
    rounds = max(min_rounds, round(TARGET_SECONDS / once))
    batches = 0

    def setup() -> tuple[tuple[()], dict[str, Any]]:
        nonlocal batches
        if batches:
            rx.take(size)
        batches += 1
        return (), {}

    benchmark.group = group
    benchmark.name = f"{group} [{name}]"
    benchmark.extra_info["datagrams_per_round"] = size
    benchmark.pedantic(batch, setup=setup, rounds=rounds, warmup_rounds=1)
    rx.take(size)
    assert rx.nothing_more(), "more datagrams arrived than were sent"
    assert rx.received == size * (batches + 1)
    _rates.setdefault(group, {})[name] = size / benchmark.stats.stats.median
    return first


def _ratio_lines(group: str, unit: str, ours: list[str]) -> list[str]:
    rates = _rates.get(group, {})
    lines = []
    for mine in ours:
        if mine not in rates:
            continue
        others = ", ".join(
            f"{other} {rate:,.0f} ({rates[mine] / rate:.2f}x)"
            for other, rate in rates.items()
            if other not in ours
        )
        lines.append(f"{group}: {mine} {rates[mine]:,.0f} {unit}; {others}")
    return lines


@pytest.fixture(scope="module", autouse=True)
def _ratio_notes(bench_notes: list[str]) -> Iterator[None]:
    yield
    bench_notes.extend(
        _ratio_lines("notify snmp trap", "traps/s", ["xrsim notify.expiry", "xrsim notify.trap"])
    )
    bench_notes.extend(_ratio_lines("notify syslog", "messages/s", ["xrsim notify.log"]))
    bench_notes.extend(_ratio_lines("notify trustpool bundle", "bundles/s", ["xrsim"]))
    sweep = _rates.get("notify expiry sweep", {})
    one, xr = sweep.get("xrsim 1"), sweep.get(f"xrsim {SWEEP_TRUSTPOINTS}")
    script = sweep.get("pyca daily loop")
    if one is not None and xr is not None and script is not None:
        extra = (SWEEP_TRUSTPOINTS - 1) * NOTICES_PER_CERT
        bench_notes.append(
            f"notify expiry sweep: {SWEEP_TRUSTPOINTS} certificates, 61 days, "
            f"{SWEEP_TRUSTPOINTS * NOTICES_PER_CERT} notices: xrsim router.advance "
            f"{1e3 / xr:.0f} ms (1 certificate: {1e3 / one:.0f} ms; from the best rounds, "
            f"{(_best[SWEEP_TRUSTPOINTS] - _best[1]) / extra * 1e6:.0f} us a notice), "
            "pyca daily loop "
            f"{1e3 / script:.0f} ms (xrsim / loop: {script / xr:.2f}x the time)"
        )


@pytest.fixture(scope="module")
def vendor_dir() -> Iterator[Path]:
    """The routers' vendor directory (SUDI roots), one for the module."""
    with (
        tempfile.TemporaryDirectory(prefix="xrsim-bench-notify-") as d,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setenv("XRSIM_VENDOR_DIR", str(Path(d) / "vendor"))
        yield Path(d)


# -- SNMP traps ------------------------------------------------------------------------------


def _issued_certificate() -> x509.Certificate:
    """A router certificate like a self-enrolled trustpoint's (for the notice's fields)."""
    ca = Ca("cacert", not_before=START, not_after=START + timedelta(days=3650))
    return ca.issue("cisco.com", not_before=START, not_after=START + timedelta(days=2)).cert


@dataclass(frozen=True)
class Trap:
    """What a contender sends: the trap OID and the varbinds after it."""

    oid: str
    varbinds: tuple[tuple[str, bytes], ...]


def _decode_trap(data: bytes) -> tuple[str, Trap]:
    """(community, trap) of one SNMPv2-Trap datagram."""
    msg, rest = decoder.decode(data, asn1Spec=v2c.Message())
    assert not rest
    pdu = v2c.apiMessage.get_pdu(msg)
    assert pdu.isSameTypeWith(v2c.TrapPDU())
    binds = [(str(o), v) for o, v in v2c.apiTrapPDU.get_varbinds(pdu)]
    assert [o for o, _ in binds[:2]] == [SYS_UPTIME, SNMP_TRAP_OID]
    trap = Trap(str(binds[1][1]), tuple((o, bytes(v)) for o, v in binds[2:]))
    return str(v2c.apiMessage.get_community(msg)), trap


@pytest.fixture(scope="module")
def notice() -> ExpiryNotice:
    now = START + timedelta(hours=1)
    return ExpiryNotice.of("check", "ID", _issued_certificate(), now)


def _expected_trap(notice: ExpiryNotice) -> Trap:
    index = snmp.chain_index(notice.trustpoint)
    values = {
        "serial": notice.serial,
        "subject": notice.subject,
        "issuer": notice.issuer,
        "cert_type": notice.cert_type,
        "trustpoint": notice.trustpoint,
        "time_left": str(int(notice.time_left.total_seconds())),
    }
    return Trap(
        snmp.PKI_EXPIRY_TRAP,
        tuple(
            (f"{oid}.{index}", values[field].encode()) for field, oid in snmp.PKI_OBJECTS.items()
        ),
    )


@pytest.fixture
def trap_router(vendor_dir: Path, receiver: Receiver, notice: ExpiryNotice) -> Iterator[Router]:
    r = Router.boot(
        state_dir=vendor_dir / f"trap-r{receiver.port}",
        clock=SimClock(START + timedelta(hours=1), frozen=True),
    )
    try:
        r.configure(
            [
                f"snmp-server community {COMMUNITY} RO",
                f"snmp-server host 127.0.0.1 traps version 2c {COMMUNITY} udp-port {receiver.port}",
                "snmp-server traps pki",
            ]
        )
        yield r
    finally:
        r.shutdown()


def _check_traps(first: list[bytes], notice: ExpiryNotice) -> None:
    want = _expected_trap(notice)
    for data in first:
        community, trap = _decode_trap(data)
        assert community == COMMUNITY
        assert trap == want


@pytest.mark.timeout(120)
def test_trap_xrsim_expiry(
    benchmark: Any, receiver: Receiver, trap_router: Router, notice: ExpiryNotice
) -> None:
    def batch() -> None:
        for _ in range(BATCH):
            trap_router.notify.expiry(notice)

    first = _measure(
        benchmark,
        receiver,
        group="notify snmp trap",
        name="xrsim notify.expiry",
        batch=batch,
        size=BATCH,
    )
    _check_traps(first, notice)
    assert trap_router.notify.counters().trap_drops == 0


@pytest.mark.timeout(120)
def test_trap_xrsim_trap(
    benchmark: Any, receiver: Receiver, trap_router: Router, notice: ExpiryNotice
) -> None:
    want = _expected_trap(notice)
    varbinds = [snmp.Varbind(oid, value.decode()) for oid, value in want.varbinds]

    def batch() -> None:
        for _ in range(BATCH):
            trap_router.notify.trap("pki", snmp.PKI_EXPIRY_TRAP, varbinds)

    first = _measure(
        benchmark,
        receiver,
        group="notify snmp trap",
        name="xrsim notify.trap",
        batch=batch,
        size=BATCH,
    )
    _check_traps(first, notice)


@pytest.mark.timeout(180)
def test_trap_snmptrap(benchmark: Any, receiver: Receiver, notice: ExpiryNotice) -> None:
    snmptrap = shutil.which("snmptrap")
    if snmptrap is None:
        pytest.fail("net-snmp's snmptrap is missing: 'make debs' installs it (Debian 'snmp')")
    want = _expected_trap(notice)
    # ``''``: snmptrap's own uptime; ``s``: an OCTET STRING, as CISCO-PKI-MIB's DisplayStrings.
    command = [snmptrap, "-v", "2c", "-c", COMMUNITY, f"127.0.0.1:{receiver.port}", "", want.oid]
    for oid, value in want.varbinds:
        command += [oid, "s", value.decode()]

    def batch() -> None:
        for _ in range(SNMPTRAP_BATCH):
            subprocess.run(command, check=True, capture_output=True, timeout=30)

    first = _measure(
        benchmark,
        receiver,
        group="notify snmp trap",
        name="snmptrap",
        batch=batch,
        size=SNMPTRAP_BATCH,
    )
    _check_traps(first, notice)


@pytest.mark.timeout(120)
def test_trap_pysnmp_hlapi(benchmark: Any, receiver: Receiver, notice: ExpiryNotice) -> None:
    want = _expected_trap(notice)
    with asyncio.Runner() as runner:
        engine = SnmpEngine()
        target = runner.run(UdpTransportTarget.create(("127.0.0.1", receiver.port)))
        auth = CommunityData(COMMUNITY, mpModel=1)  # v2c

        async def send(n: int) -> None:
            for _ in range(n):
                trap = NotificationType(ObjectIdentity(want.oid)).add_varbinds(
                    *(ObjectType(ObjectIdentity(oid), OctetString(v)) for oid, v in want.varbinds)
                )
                error, _status, _index, _binds = await send_notification(
                    engine, auth, target, ContextData(), "trap", trap
                )
                assert error is None, error

        try:
            first = _measure(
                benchmark,
                receiver,
                group="notify snmp trap",
                name="pysnmp hlapi",
                batch=lambda: runner.run(send(BATCH)),
                size=BATCH,
            )
        finally:
            engine.close_dispatcher()
    _check_traps(first, notice)


# -- remote syslog ---------------------------------------------------------------------------


def _message(notice: ExpiryNotice) -> Message:
    return Message("SECURITY", "CEPKI", notice.severity, notice.mnemonic, notice.text(), "cepki")


@pytest.mark.timeout(120)
def test_syslog_xrsim(
    benchmark: Any, receiver: Receiver, vendor_dir: Path, notice: ExpiryNotice
) -> None:
    msg = _message(notice)
    with Router.boot(
        state_dir=vendor_dir / "syslog-r", clock=SimClock(START, frozen=True)
    ) as router:
        router.configure([f"logging 127.0.0.1 port {receiver.port}"])

        def batch() -> None:
            for _ in range(BATCH):
                router.notify.log(msg)

        first = _measure(
            benchmark,
            receiver,
            group="notify syslog",
            name="xrsim notify.log",
            batch=batch,
            size=BATCH,
        )
        assert router.notify.counters().dropped == 0
    for data in first:
        assert data.decode().startswith("<185>")  # local7, alerts
        assert data.decode().endswith(f": {msg}")


@pytest.mark.timeout(120)
def test_syslog_stdlib(benchmark: Any, receiver: Receiver, notice: ExpiryNotice) -> None:
    text = str(_message(notice))
    handler = logging.handlers.SysLogHandler(
        address=("127.0.0.1", receiver.port),
        facility=logging.handlers.SysLogHandler.LOG_LOCAL7,
    )  # UDP by default
    logger = logging.getLogger("xrsim-bench.syslog")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:

        def batch() -> None:
            for _ in range(BATCH):
                logger.critical(text)

        first = _measure(
            benchmark,
            receiver,
            group="notify syslog",
            name="stdlib SysLogHandler",
            batch=batch,
            size=BATCH,
        )
    finally:
        logger.removeHandler(handler)
        handler.close()
    for data in first:
        assert data == f"<186>{text}\x00".encode()  # local7, critical; the handler's NUL


# -- the expiry sweep ------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepState:
    """A stored router with self-enrolled trustpoints, enrolled at START."""

    directory: Path
    certs: tuple[bytes, ...]  # the router certificates, PEM


@pytest.fixture(scope="module")
def sweep_states(vendor_dir: Path) -> dict[int, SweepState]:
    """The stored routers of the sweep: one trustpoint, and SWEEP_TRUSTPOINTS."""
    return {n: _sweep_state(vendor_dir / f"sweep-template-{n}", n) for n in SWEEP_SIZES}


def _sweep_state(directory: Path, trustpoints: int) -> SweepState:
    with Router.boot(
        state_dir=directory, hostname="sweep", clock=SimClock(START, frozen=True)
    ) as r:
        r.configure(["domain name example.com"])
        lines: list[str] = []
        for i in range(trustpoints):
            r.keys.put("ecdsa", f"tp{i}-root", generate_key("ecdsa"))
            r.keys.put("ecdsa", f"tp{i}-leaf", generate_key("ecdsa"))
            lines += [
                f"crypto ca trustpoint tp{i}",
                " enrollment url self",
                f" ca-keypair ecdsa tp{i}-root",
                f" keypair ecdsa tp{i}-leaf",
                f" subject-name CN=tp{i}.example.com",
                " lifetime certificate 61",
                " serial-number none",
                " ip-address none",
                "exit",
            ]
        r.configure(lines)
        certs = []
        for i in range(trustpoints):
            out = r.cli(f"crypto ca authenticate tp{i}")
            out += r.cli(f"crypto ca enroll tp{i}")
            cert = r.certs.router(f"tp{i}").get("general")
            assert cert is not None, out
            assert cert.not_valid_after_utc == START + timedelta(days=61), out
            certs.append(cert.public_bytes(serialization.Encoding.PEM))
    return SweepState(directory, tuple(certs))


@pytest.mark.timeout(300)
@pytest.mark.parametrize("trustpoints", SWEEP_SIZES)
def test_sweep_xrsim(
    benchmark: Any,
    receiver: Receiver,
    sweep_states: dict[int, SweepState],
    vendor_dir: Path,
    trustpoints: int,
) -> None:
    """The one-trustpoint row is the router's other timed work over the same 61 days (its
    hourly package fingerprint generations, above all) with 15 notices: what the
    SWEEP_TRUSTPOINTS row takes beyond it is the other notices' cost."""
    sweep_state = sweep_states[trustpoints]
    notices = trustpoints * NOTICES_PER_CERT
    copies = iter(range(1_000_000))
    routers: list[tuple[Router, Path]] = []

    def setup() -> tuple[tuple[Router], dict[str, Any]]:
        if routers:
            _finish(*routers.pop())
        directory = vendor_dir / f"sweep-{next(copies)}"
        shutil.copytree(sweep_state.directory, directory)
        router = Router.boot(state_dir=directory, clock=SimClock(START, frozen=True))
        routers.append((router, directory))
        router.configure([f"logging 127.0.0.1 port {receiver.port}"])
        first = [u.when for u in router.expiry.upcoming() if u.cert_type == "ID"]
        assert first == [START + timedelta(days=1)] * trustpoints
        return (router,), {}

    def _finish(router: Router, directory: Path) -> None:
        try:
            if router.clock.now() > START:  # it swept: every notice arrived
                got = receiver.take(notices)
                assert receiver.nothing_more()
                assert router.notify.counters().dropped == 0
                assert sum(b" : Certificate expiring WITHIN " in d for d in got) == notices
        finally:
            router.shutdown()
            shutil.rmtree(directory)

    def sweep(router: Router) -> None:
        router.advance(days=61)

    benchmark.group = "notify expiry sweep"
    benchmark.name = f"notify expiry sweep [xrsim, {trustpoints} trustpoint(s)]"
    benchmark.extra_info["notices"] = notices
    try:
        benchmark.pedantic(sweep, setup=setup, rounds=5, warmup_rounds=1)
    finally:
        while routers:
            _finish(*routers.pop())
    _rates.setdefault("notify expiry sweep", {})[f"xrsim {trustpoints}"] = (
        1 / benchmark.stats.stats.median
    )
    _best[trustpoints] = benchmark.stats.stats.min


@pytest.mark.timeout(300)
def test_sweep_pyca_loop(
    benchmark: Any, receiver: Receiver, sweep_states: dict[int, SweepState]
) -> None:
    """What a user might script: every day, load the certificates, and for each whose days
    left are on the schedule, log the notice to the syslog host."""
    sweep_state = sweep_states[SWEEP_TRUSTPOINTS]
    notices = SWEEP_TRUSTPOINTS * NOTICES_PER_CERT
    handler = logging.handlers.SysLogHandler(address=("127.0.0.1", receiver.port))
    logger = logging.getLogger("xrsim-bench.sweep")
    logger.propagate = False
    logger.addHandler(handler)
    schedule = set(SCHEDULE_DAYS)

    def sweep() -> None:
        for day in range(62):
            now = START + timedelta(days=day)
            for pem in sweep_state.certs:
                cert = x509.load_pem_x509_certificate(pem)
                left = cert.not_valid_after_utc - now
                if left.days in schedule and left.seconds == 0:
                    logger.warning(
                        "Certificate expiring: Subject name= %s, Time Left= %s days",
                        cert.subject.rfc4514_string(),
                        left.days,
                    )

    runs = 0

    def setup() -> tuple[tuple[()], dict[str, Any]]:
        nonlocal runs
        if runs:
            receiver.take(notices)
        runs += 1
        return (), {}

    benchmark.group = "notify expiry sweep"
    benchmark.name = f"notify expiry sweep [pyca daily loop, {SWEEP_TRUSTPOINTS} certificates]"
    try:
        benchmark.pedantic(sweep, setup=setup, rounds=5, warmup_rounds=1)
        receiver.take(notices)
        assert receiver.nothing_more()
    finally:
        logger.removeHandler(handler)
        handler.close()
    _rates.setdefault("notify expiry sweep", {})["pyca daily loop"] = (
        1 / benchmark.stats.stats.median
    )


# -- trustpool bundles -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(vendor_dir: Path) -> bytes:
    certs = [
        root(f"bench root {i}", not_after=START + timedelta(days=3650)) for i in range(BUNDLE_CERTS)
    ]
    return p7b(certs, vendor_dir / "bundle")


def _plan(run: Callable[[], Any]) -> tuple[int, int]:
    t0 = time.perf_counter()
    run()
    once = max(time.perf_counter() - t0, 1e-7)
    iterations = max(1, math.ceil(1e-3 / once))
    rounds = max(3, min(100_000, round(TARGET_SECONDS / (once * iterations))))
    return rounds, iterations


def _pyca(data: bytes) -> list[x509.Certificate]:
    with warnings.catch_warnings():
        # openssl crl2pkcs7 writes the SET OF in bundle order (BER): pyca warns, and the
        # suite's filterwarnings makes a warning an error.
        warnings.filterwarnings("ignore", "PKCS#7 certificates could not be parsed as DER")
        return list(pkcs7.load_der_pkcs7_certificates(data))


def _openssl(data: bytes) -> int:
    done = subprocess.run(
        ["openssl", "pkcs7", "-inform", "DER", "-print_certs"],
        input=data,
        check=True,
        capture_output=True,
        timeout=30,
    )
    return done.stdout.count(b"-----BEGIN CERTIFICATE-----")


BUNDLE_CONTENDERS: dict[str, Callable[[bytes], Any]] = {
    "xrsim": parse_bundle,
    "openssl pkcs7 -print_certs": _openssl,
    "pyca load_der_pkcs7_certificates": _pyca,
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("contender", list(BUNDLE_CONTENDERS))
def test_trustpool_bundle(benchmark: Any, bundle: bytes, contender: str) -> None:
    if contender.startswith("openssl") and shutil.which("openssl") is None:
        pytest.fail("the OpenSSL CLI is missing: 'make debs' installs it (Debian 'openssl')")
    fn = BUNDLE_CONTENDERS[contender]
    got = fn(bundle)
    assert (got if isinstance(got, int) else len(got)) == BUNDLE_CERTS
    rounds, iterations = _plan(lambda: fn(bundle))
    group = "notify trustpool bundle"
    benchmark.group = group
    benchmark.name = f"{group} [{contender}]"
    benchmark.extra_info["certificates"] = BUNDLE_CERTS
    benchmark.pedantic(fn, args=(bundle,), rounds=rounds, iterations=iterations, warmup_rounds=1)
    _rates.setdefault(group, {})[contender] = 1 / benchmark.stats.stats.median

"""SCEP enrollment against the Debian ``scep`` CA (micromdm scepserver 2.1.0): the latency of
``crypto ca authenticate`` + ``crypto ca enroll`` of one router beside Debian's ``scepclient``
doing the same enrollment, and 50 routers enrolling at once against one CA.

The network is ``xrsim.lab.netlab``'s (as root): the CA in namespace ``ca``, the clients in
namespace ``clients`` joined to it by a veth pair (198.18.1.1/24 to 198.18.1.2/24). The
routers' VRF ``mgmt`` is bound to ``clients``; each trustpoint has ``vrf mgmt`` and ``enrollment
url http://198.18.1.2:8080/scep``, ``subject-name CN=<hostname>,O=lab`` (the CA's index needs
a CN or O). The key is pre-generated in both rows: the router's default RSA key (2048 bits,
made at boot), a 2048-bit key file for ``scepclient`` (``-private-key``). ``scepclient`` runs as
a child process (``ip netns exec clients scepclient ...``): its row includes its process start,
the router's row the CLI dialogue (answers given at once). Each router round starts with
``clear crypto ca certificates`` (untimed), each ``scepclient`` round writes a new
certificate file; both do GetCACert, GetCACaps and a PKCSReq with the challenge password.

Group ``scep enroll``: pytest-benchmark's table reads as the ratio; the medians also go to the
summary (``bench_notes``). The 50-router row is the wall time of all 50 authenticate + enroll
dialogues run on 50 threads (the CLI's work is blocking I/O in worker threads); every router
must end with a certificate that ``openssl verify`` accepts against the CA.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from simulator.dialogue import enrollment_answers
from xrsim.lab.netlab import Lab, ScepServer, missing_tools
from xrsim.pki import DEFAULT_LABEL
from xrsim.router import Router

GROUP = "scep enroll"
TRUSTPOINT = "labca"
ROUTERS = 50
_medians: dict[str, float] = {}


@dataclass(frozen=True)
class CaNet:
    lab: Lab
    server: ScepServer
    clients: str
    url: str


@pytest.fixture(scope="module")
def ca_net() -> Iterator[CaNet]:
    if os.geteuid() != 0:
        pytest.skip("the SCEP benchmarks need root (network namespaces)")
    missing = missing_tools("ip", "scepserver", "scepclient", "openssl")
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    with Lab("bench") as lab:
        ca, clients = lab.namespace("ca"), lab.namespace("clients")
        lab.link(clients, ca, "198.18.1.1/24", "198.18.1.2/24")
        server = lab.scepserver(ca, "198.18.1.2")
        yield CaNet(lab, server, clients, server.url)


@pytest.fixture(scope="module", autouse=True)
def _ratio_notes(bench_notes: list[str]) -> Iterator[None]:
    yield
    xr, ref = _medians.get("xrsim"), _medians.get("scepclient")
    if xr is not None and ref is not None:
        bench_notes.append(
            f"scep: authenticate + enroll median xrsim {xr * 1e3:.1f} ms, "
            f"scepclient {ref * 1e3:.1f} ms (xrsim / scepclient = {xr / ref:.2f})"
        )


def _configure(router: Router, net: CaNet) -> None:
    router.configure(
        [
            "vrf mgmt",
            "domain name lab.example",
            f"crypto ca trustpoint {TRUSTPOINT}",
            " vrf mgmt",
            f" enrollment url {net.url}",
            f" subject-name CN={router.hostname()},O=lab",
        ]
    )


def _enroll(router: Router, challenge: str) -> str:
    reply = enrollment_answers(challenge)
    out = router.cli(f"crypto ca authenticate {TRUSTPOINT}", answers=reply)
    out += router.cli(f"crypto ca enroll {TRUSTPOINT}", answers=reply)
    return out


def _spki_der(holder: Any) -> bytes:
    """The SubjectPublicKeyInfo of a certificate's or a pyca key's public key."""
    der: bytes = holder.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def _router_spki(router: Router) -> bytes:
    """The SubjectPublicKeyInfo of the router's default RSA key (the trustpoints' key)."""
    entry = next(e for e in router.keys.entries("rsa") if e.label == DEFAULT_LABEL)
    der: bytes = router.keys.load(entry).public_key().to_der()
    return der


def _issued(router: Router) -> x509.Certificate:
    """The router's certificate of the trustpoint (general-purpose key)."""
    cert = router.certs.router(TRUSTPOINT).get("general")
    assert cert is not None, f"{router.hostname()} has no certificate:\n" + router.cli(
        "show crypto ca certificates"
    )
    return cert


def _verify(net: CaNet, certs: list[x509.Certificate], workdir: Path) -> None:
    """``openssl verify`` of every certificate (one file each) against the CA's."""
    paths = []
    for i, c in enumerate(certs):
        p = workdir / f"issued-{i}.pem"
        p.write_bytes(c.public_bytes(serialization.Encoding.PEM))
        paths.append(str(p))
    done = net.lab.run(None, ["openssl", "verify", "-CAfile", str(net.server.ca_pem), *paths])
    assert done.stdout.count(": OK") == len(certs), done.stdout


@pytest.mark.timeout(300)
def test_scepclient(benchmark: Any, ca_net: CaNet) -> None:
    work = ca_net.lab.workdir / "scepclient"
    work.mkdir()
    key_path = work / "client.key"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    issued: list[Path] = []

    def once() -> None:
        cert = work / f"client-{len(issued)}.pem"
        ca_net.lab.run(
            ca_net.clients,
            [
                "scepclient",
                "-server-url",
                ca_net.url,
                "-private-key",
                str(key_path),
                "-certificate",
                str(cert),
                "-challenge",
                ca_net.server.challenge,
                "-cn",
                f"control-{len(issued)}",
                "-organization",
                "lab",
            ],
            timeout=30,
        )
        issued.append(cert)

    benchmark.group = GROUP
    benchmark.name = f"{GROUP} [scepclient]"
    benchmark.pedantic(once, rounds=20, warmup_rounds=1)
    certs = [x509.load_pem_x509_certificate(p.read_bytes()) for p in issued]
    assert all(_spki_der(c) == _spki_der(key) for c in certs)
    _verify(ca_net, certs, work)
    _medians["scepclient"] = benchmark.stats.stats.median


@pytest.mark.timeout(300)
def test_router(benchmark: Any, ca_net: CaNet) -> None:
    work = ca_net.lab.workdir / "router"
    work.mkdir()
    with Router.boot(hostname="r0", vrfs={"mgmt": ca_net.clients}) as router:
        _configure(router, ca_net)
        issued: list[x509.Certificate] = []
        outputs: list[str] = []

        def clear() -> tuple[tuple[()], dict[str, Any]]:
            router.cli(f"clear crypto ca certificates {TRUSTPOINT}", answers={"": "yes"})
            return (), {}

        def once() -> None:
            outputs.append(_enroll(router, ca_net.server.challenge))
            issued.append(_issued(router))

        benchmark.group = GROUP
        benchmark.name = f"{GROUP} [xrsim]"
        benchmark.pedantic(once, setup=clear, rounds=20, warmup_rounds=1)
        assert all("Certificate request sent to Certificate Authority" in o for o in outputs)
        assert all(_spki_der(c) == _router_spki(router) for c in issued)
        _verify(ca_net, issued, work)
        _medians["xrsim"] = benchmark.stats.stats.median


def _duplicates(certs: list[x509.Certificate]) -> int:
    """How many certificates share their serial number with an earlier one."""
    return len(certs) - len({c.serial_number for c in certs})


@pytest.mark.timeout(600)
def test_50_routers_at_once(benchmark: Any, ca_net: CaNet, bench_notes: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="xrsim-bench-scep-") as root:
        routers = Router.boot_many(ROUTERS, state_root=root, prefix="r")
        try:
            for r in routers:
                r.vrfs.bind("mgmt", ca_net.clients)
                _configure(r, ca_net)
            latencies: list[float] = []

            def one(router: Router) -> float:
                t0 = time.perf_counter()
                _enroll(router, ca_net.server.challenge)
                return time.perf_counter() - t0

            def all_at_once() -> None:
                with ThreadPoolExecutor(max_workers=ROUTERS) as pool:
                    latencies.extend(pool.map(one, routers))

            benchmark.group = "scep 50 at once"
            benchmark.name = f"{ROUTERS} routers authenticate + enroll at once [xrsim]"
            benchmark.pedantic(all_at_once, rounds=1, iterations=1)
            certs = [_issued(r) for r in routers]
            for r, c in zip(routers, certs, strict=True):
                assert _spki_der(c) == _router_spki(r), r.hostname()
            assert len({c.subject for c in certs}) == ROUTERS
            _verify(ca_net, certs, Path(root))
            bench_notes.append(
                f"scep: {ROUTERS} routers enrolled at once in {benchmark.stats.stats.max:.2f} s "
                f"(all {ROUTERS} certificates verified), per router p50 "
                f"{statistics.median(latencies) * 1e3:.0f} ms, max {max(latencies) * 1e3:.0f} ms; "
                f"serial numbers the CA gave twice: {_duplicates(certs)}"
            )
        finally:
            for r in routers:
                r.shutdown()


@pytest.mark.timeout(300)
def test_50_scepclients_at_once(benchmark: Any, ca_net: CaNet, bench_notes: list[str]) -> None:
    """The control of the row above: 50 ``scepclient`` processes at once, each with its own
    directory (it writes ``csr.pem`` beside its key) and a pre-generated key."""
    work = ca_net.lab.workdir / "scepclients"
    work.mkdir()
    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(ROUTERS)]
    for i, key in enumerate(keys):
        (work / str(i)).mkdir()
        path = work / str(i) / "client.key"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)

    def one(i: int) -> None:
        ca_net.lab.run(
            ca_net.clients,
            [
                "scepclient", "-server-url", ca_net.url,
                "-private-key", str(work / str(i) / "client.key"),
                "-certificate", str(work / str(i) / "client.pem"),
                "-challenge", ca_net.server.challenge,
                "-cn", f"many-{i}", "-organization", "lab",
            ],
            timeout=120,
        )  # fmt: skip

    def all_at_once() -> None:
        with ThreadPoolExecutor(max_workers=ROUTERS) as pool:
            list(pool.map(one, range(ROUTERS)))

    benchmark.group = "scep 50 at once"
    benchmark.name = f"{ROUTERS} enrollments at once [scepclient]"
    benchmark.pedantic(all_at_once, rounds=1, iterations=1)
    certs = [
        x509.load_pem_x509_certificate((work / str(i) / "client.pem").read_bytes())
        for i in range(ROUTERS)
    ]
    for key, c in zip(keys, certs, strict=True):
        assert _spki_der(c) == _spki_der(key)
    _verify(ca_net, certs, work)
    bench_notes.append(
        f"scep: {ROUTERS} scepclient enrollments at once in {benchmark.stats.stats.max:.2f} s; "
        f"serial numbers the CA gave twice: {_duplicates(certs)}"
    )

"""The SSH front door (``xrsim.frontends.ssh.SshServer``): the latency of one client session
and 100 concurrent sessions on one router.

Latency: connect, log in, ``show version``, disconnect, with netmiko ``cisco_xr`` (what test
suites use) and, in the same run as references, the OpenSSH client (an exec request,
public-key authentication), a bare asyncssh client (an exec request, by password and by key)
and scrapli classic ``cisco_iosxr`` (``system`` and ``paramiko`` transports). They share the
group ``ssh show version``, so pytest-benchmark's table reads as a ratio: what netmiko costs
over the SSH exchange itself.

Concurrency: one asyncio client opens 100 connections at once, (a) each an exec request
``show version``, (b) each an interactive shell with a pty, all held open (``show ssh`` lists
100 incoming sessions) before each runs ``show version`` and exits. The wall time of a round is
the benchmark; per-session latencies go to the summary (``bench_notes``).

Every test gets its own ``SshServer`` configured with ``ssh server session-limit 128`` and
``ssh server rate-limit 600``: the rate limit counts connections per server over the last
minute, so no test comes near it. The clients run in this process (except OpenSSH and
scrapli's ``system`` transport, which run ``ssh``), so Python clients share the GIL with the
server's thread.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from netmiko import ConnectHandler
from scrapli import Scrapli

from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

USER, PASSWORD = "admin", "admin"
PROMPT = "RP/0/RP0/CPU0:router#"
BANNER = "Cisco IOS XR Software"
GROUP = "ssh show version"
#: Concurrent sessions of the concurrency benchmarks, and their rounds (3 x 100 connections
#: stay well under the rate limit of 600 a minute of one server).
SESSIONS = 100
CONCURRENT_ROUNDS = 3

#: Median seconds of each latency row, for the ratio notes at the end of the module.
_medians: dict[str, float] = {}


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An RSA-2048 client key: the OpenSSH private key file and the public key line."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("ssh-bench") / "id_rsa"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return path, public.decode()


@pytest.fixture(scope="module")
def router(client_key: tuple[Path, str]) -> Iterator[Router]:
    r = Router.boot(hostname="router")
    r.configure(["ssh server session-limit 128", "ssh server rate-limit 600"])
    lines = iter([client_key[1], ""])  # the key pasted, then a blank line
    r.cli("crypto key import authentication rsa", answers=lambda prompt: next(lines))
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router, users={USER: PASSWORD}).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The client side's event loop (the server runs its own in its thread)."""
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


@pytest.fixture(scope="module", autouse=True)
def _ratio_notes(bench_notes: list[str]) -> Iterator[None]:
    yield
    base = _medians.get("netmiko")
    if base is None:
        return
    others = ", ".join(
        f"{name} {base / t:.1f}x" for name, t in _medians.items() if name != "netmiko"
    )
    bench_notes.append(f"ssh: netmiko connect + show version + disconnect is slower than {others}")


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {_ms(q[49])}, p95 {_ms(q[94])}, max {_ms(max(samples))}"


def _asyncssh_options(server: SshServer, key: Path | None = None) -> dict[str, Any]:
    # The key is read once here: asyncssh parsing an RSA key file takes 40 ms (pyca checks
    # the private key), which is not the SSH exchange.
    auth: dict[str, Any] = (
        {"client_keys": [asyncssh.read_private_key(key)], "preferred_auth": "publickey"}
        if key is not None
        else {"password": PASSWORD, "client_keys": None, "preferred_auth": "password"}
    )
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "username": USER,
        "known_hosts": None,
        "agent_path": None,
        "config": None,
        **auth,
    }


def _latency(benchmark: Any, name: str, run: Callable[[], str], rounds: int) -> None:
    """Benchmark one connect + ``show version`` + disconnect; check the output."""
    outputs: list[str] = []

    def once() -> None:
        outputs.append(run())

    benchmark.group = GROUP
    benchmark.name = f"{GROUP} [{name}]"
    benchmark.pedantic(once, rounds=rounds, warmup_rounds=1)
    assert all(BANNER in out for out in outputs), outputs[-1]
    _medians[name] = benchmark.stats.stats.median


# -- latency of one session --------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_netmiko(benchmark: Any, server: SshServer, bench_notes: list[str]) -> None:
    phases: dict[str, list[float]] = {"connect": [], "show version": [], "disconnect": []}

    def run() -> str:
        t0 = time.perf_counter()
        conn = ConnectHandler(
            device_type="cisco_xr",
            host="127.0.0.1",
            port=server.port,
            username=USER,
            password=PASSWORD,
            timeout=20,
            conn_timeout=20,
        )
        t1 = time.perf_counter()
        out = conn.send_command("show version")
        t2 = time.perf_counter()
        conn.disconnect()
        t3 = time.perf_counter()
        for phase, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            phases[phase].append(seconds)
        return str(out)

    _latency(benchmark, "netmiko", run, rounds=20)
    bench_notes.append(
        "ssh: netmiko cisco_xr phases (median): "
        + ", ".join(f"{p} {_ms(statistics.median(s[1:]))}" for p, s in phases.items())
    )


@pytest.mark.timeout(120)
def test_openssh(benchmark: Any, server: SshServer, client_key: tuple[Path, str]) -> None:
    ssh = _require("ssh")
    argv = [
        ssh,
        "-p",
        str(server.port),
        "-i",
        str(client_key[0]),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "LogLevel=ERROR",
        "-F",
        "/dev/null",
        f"{USER}@127.0.0.1",
        "show version",
    ]

    def run() -> str:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True)
        return result.stdout

    _latency(benchmark, "openssh (key)", run, rounds=50)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("auth", ["password", "key"])
def test_asyncssh(
    benchmark: Any,
    server: SshServer,
    client_key: tuple[Path, str],
    loop: asyncio.AbstractEventLoop,
    auth: str,
) -> None:
    options = _asyncssh_options(server, client_key[0] if auth == "key" else None)

    async def exec_once() -> str:
        async with asyncssh.connect(**options) as conn:
            result = await conn.run("show version", check=True)
        return str(result.stdout)

    _latency(benchmark, f"asyncssh ({auth})", lambda: loop.run_until_complete(exec_once()), 50)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("transport", ["system", "paramiko"])
def test_scrapli(benchmark: Any, server: SshServer, transport: str) -> None:
    if transport == "system":
        _require("ssh")

    def run() -> str:
        conn = Scrapli(
            host="127.0.0.1",
            port=server.port,
            auth_username=USER,
            auth_password=PASSWORD,
            auth_strict_key=False,
            platform="cisco_iosxr",
            transport=transport,
            timeout_socket=15,
            timeout_transport=15,
            timeout_ops=15,
            ssh_config_file=False,
        )
        conn.open()
        try:
            response = conn.send_command("show version")
        finally:
            with warnings.catch_warnings():
                # scrapli's system transport drops its pty file object without closing it.
                warnings.simplefilter("ignore", ResourceWarning)
                conn.close()
        assert not response.failed
        return response.result

    _latency(benchmark, f"scrapli {transport}", run, rounds=20)


# -- 100 concurrent sessions -------------------------------------------------------------------


def _gathered(results: list[Any]) -> list[Any]:
    """The results of an ``asyncio.gather(..., return_exceptions=True)``; fails, counting them
    by kind, when any session raised."""
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        kinds: dict[str, int] = {}
        for e in errors:
            key = f"{type(e).__name__}: {e}"
            kinds[key] = kinds.get(key, 0) + 1
        pytest.fail(f"{len(errors)} of {len(results)} sessions failed: {kinds}")
    return results


@pytest.mark.timeout(300)
def test_concurrent_exec(
    benchmark: Any,
    server: SshServer,
    loop: asyncio.AbstractEventLoop,
    bench_notes: list[str],
) -> None:
    """100 connections at once, each an exec request ``show version``: every one answered."""
    options = _asyncssh_options(server)
    latencies: list[float] = []
    walls: list[float] = []

    async def one() -> tuple[float, str]:
        t0 = time.perf_counter()
        async with asyncssh.connect(**options) as conn:
            result = await conn.run("show version", check=True)
        return time.perf_counter() - t0, str(result.stdout)

    async def hundred() -> None:
        t0 = time.perf_counter()
        results = _gathered(
            await asyncio.gather(*(one() for _ in range(SESSIONS)), return_exceptions=True)
        )
        walls.append(time.perf_counter() - t0)
        assert len(results) == SESSIONS
        assert all(BANNER in out for _, out in results)
        latencies.extend(t for t, _ in results)

    benchmark.group = "ssh 100 concurrent sessions"
    benchmark.name = "100 concurrent exec show version"
    benchmark.pedantic(
        lambda: loop.run_until_complete(hundred()), rounds=CONCURRENT_ROUNDS, warmup_rounds=0
    )
    benchmark.extra_info["sessions"] = SESSIONS
    bench_notes.append(
        f"ssh: {SESSIONS} concurrent exec 'show version' (asyncssh, password), "
        f"{CONCURRENT_ROUNDS} rounds: all served; wall {', '.join(_ms(w) for w in walls)}; "
        f"per session connect+exec+close {_percentiles(latencies)}"
    )


class _Shell:
    """One interactive shell with a pty, as netmiko opens it."""

    def __init__(
        self, conn: asyncssh.SSHClientConnection, proc: asyncssh.SSHClientProcess[str]
    ) -> None:
        self.conn = conn
        self.proc = proc

    @classmethod
    async def open(cls, options: dict[str, Any]) -> tuple[_Shell, float]:
        t0 = time.perf_counter()
        conn = await asyncssh.connect(**options)
        proc = await conn.create_process(term_type="vt100", term_size=(200, 24))
        await proc.stdout.readuntil(PROMPT)
        return cls(conn, proc), time.perf_counter() - t0

    async def command(self, line: str) -> str:
        self.proc.stdin.write(line + "\r")
        return await self.proc.stdout.readuntil(PROMPT)

    async def show_version_and_exit(self) -> tuple[float, float, str]:
        """(seconds to the output of ``show version``, seconds to the closed connection after
        ``exit``, the output)."""
        t0 = time.perf_counter()
        out = await self.command("show version")
        t1 = time.perf_counter()
        self.proc.stdin.write("exit\r")
        await self.proc.wait_closed()
        self.conn.close()
        await self.conn.wait_closed()
        return t1 - t0, time.perf_counter() - t1, out


def _incoming_rows(show_ssh: str) -> list[list[str]]:
    """The rows of ``show ssh``'s ``Incoming sessions`` table."""
    text = show_ssh.replace("\r\n", "\n")
    incoming = text.split("Incoming sessions", 1)[1].split("Outgoing sessions", 1)[0]
    return [
        ln.split() for ln in incoming.splitlines() if ln.split()[:1] and ln.split()[0].isdigit()
    ]


@pytest.mark.timeout(300)
def test_concurrent_shells(
    benchmark: Any,
    server: SshServer,
    loop: asyncio.AbstractEventLoop,
    bench_notes: list[str],
) -> None:
    """100 interactive shells with a pty opened at once and held open together (``show ssh``
    lists them), then each runs ``show version`` and exits."""
    options = _asyncssh_options(server)
    opened: list[float] = []
    commands: list[float] = []
    exits: list[float] = []
    walls: list[tuple[float, float]] = []
    listed: list[int] = []

    async def hundred() -> None:
        t0 = time.perf_counter()
        results = _gathered(
            await asyncio.gather(
                *(_Shell.open(options) for _ in range(SESSIONS)), return_exceptions=True
            )
        )
        t1 = time.perf_counter()
        shells = [sh for sh, _ in results]
        opened.extend(t for _, t in results)
        rows = _incoming_rows(await shells[0].command("show ssh"))
        listed.append(len(rows))
        assert len(rows) == SESSIONS, rows
        assert {r[2] for r in rows} == {f"vty{n}" for n in range(SESSIONS)}
        assert all(r[-1] == "Command-Line-Interface" for r in rows)
        t2 = time.perf_counter()
        done = _gathered(
            await asyncio.gather(
                *(sh.show_version_and_exit() for sh in shells), return_exceptions=True
            )
        )
        t3 = time.perf_counter()
        assert all(BANNER in out for _, _, out in done)
        commands.extend(t for t, _, _ in done)
        exits.extend(t for _, t, _ in done)
        walls.append((t1 - t0, t3 - t2))
        for _ in range(100):  # the server notices the closes on its own loop
            if not server.sessions():
                break
            await asyncio.sleep(0.01)
        assert server.sessions() == []

    benchmark.group = "ssh 100 concurrent sessions"
    benchmark.name = "100 concurrent shells held open"
    benchmark.pedantic(
        lambda: loop.run_until_complete(hundred()), rounds=CONCURRENT_ROUNDS, warmup_rounds=0
    )
    benchmark.extra_info["sessions"] = SESSIONS
    bench_notes.append(
        f"ssh: {SESSIONS} concurrent pty shells (asyncssh, password), {CONCURRENT_ROUNDS} "
        f"rounds: all opened and held together (show ssh listed {listed}); "
        f"wall open-all {', '.join(_ms(a) for a, _ in walls)}, "
        f"show-version-and-exit-all {', '.join(_ms(b) for _, b in walls)}; "
        f"per session open to prompt {_percentiles(opened)}; "
        f"show version {_percentiles(commands)}; exit to closed {_percentiles(exits)}"
    )

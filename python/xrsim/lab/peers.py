"""The receivers a lab runs for what its routers send: a UDP syslog listener and Debian's
``snmptrapd`` (``xrsim.lab.network`` starts them; the SCEP CA and ``in.tftpd`` are
``xrsim.lab.netlab``'s).

- ``SyslogPeer(log, netns=None, address="127.0.0.1", port=0)``: a UDP socket bound in the
  lab process (inside ``netns`` when given, made there with ``xrsim.net.netns.socket_in``)
  and a daemon thread writing each datagram it receives as one line to ``log`` (decoded as
  UTF-8, bad bytes replaced, a trailing newline dropped, newlines inside escaped as ``\\n``),
  flushed per line. ``lines()`` reads them back; ``close()`` stops the thread and closes
  the socket.
- ``SnmpTrapd.start(workdir, netns=None, address=..., port=None, community=...)``:
  ``snmptrapd -f -n -C -c CONF -m "" -On -F FORMAT -Lf LOG udp:ADDR:PORT`` (INTEROP.md "Other
  peers"), inside ``netns`` through ``ip netns exec`` when given; ready once its startup line
  is in the log and its UDP port is bound in that namespace. ``community``: ``authCommunity
  log COMMUNITY`` (a trap with another community is dropped silently); None: ``disableAuthorization
  yes``. ``traps(n)`` waits for ``n`` traps in the log and returns them as ``Trap`` s;
  ``stop()`` ends it (SIGTERM to its process group, SIGKILL after 10 s). Its files are
  ``snmptrapd.conf``, ``snmptrapd.log``, ``snmptrapd.stderr`` and ``persistent/`` in
  ``workdir``.
- ``Trap``: one trap as snmptrapd logged it: the sender, the security line (version and
  community) and the varbinds by numeric OID with their type and value as printed.
- ``free_udp_port(netns, address)``: a UDP port free there now.

Failures to start are ``xrsim.errors.LabError`` with the reason (and the end of the log).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from xrsim.errors import LabError
from xrsim.net.netns import run_in, socket_in

__all__ = ["SnmpTrapd", "SyslogPeer", "Trap", "free_udp_port"]

READY_TIMEOUT = 20.0
RECEIVE_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
#: Between varbinds in the log (``%V``): a character no value here contains.
_SEP = "\x1f"
_FORMAT = f"TRAP\t%B\t%P\n%V{_SEP}%v\n"
_VARBIND = re.compile(r"(?P<oid>\.?[0-9.]+) = (?:(?P<type>[A-Za-z0-9 -]+): )?(?P<value>.*)", re.S)


def free_udp_port(netns: str | None = None, address: str = "127.0.0.1") -> int:
    """A UDP port free on ``address`` in ``netns`` right now."""

    def pick() -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((address, 0))
            port: int = s.getsockname()[1]
            return port

    return run_in(netns, pick)


def udp_bound(address: str, port: int) -> bool:
    """Whether a UDP socket of this thread's namespace is bound to ``address:port``."""
    want = f"{int(ipaddress.IPv4Address(address).packed[::-1].hex(), 16):08X}:{port:04X}"
    with open("/proc/thread-self/net/udp") as f:
        return any(line.split()[1] == want for line in list(f)[1:])


class SyslogPeer:
    """A UDP syslog listener writing each datagram as a line of ``log``."""

    def __init__(
        self, log: Path, *, netns: str | None = None, address: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.log = Path(log)
        self.netns, self.address = netns, address
        self._sock = socket_in(netns, socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.bind((address, port))
        except OSError as e:
            self._sock.close()
            raise LabError(f"syslog listener: cannot bind {address}:{port}: {e.strerror}") from None
        self.port: int = self._sock.getsockname()[1]
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._out = self.log.open("a", encoding="utf-8")
        self._thread = threading.Thread(
            target=self._serve, name=f"syslog-{address}:{self.port}", daemon=True
        )
        self._thread.start()

    def __repr__(self) -> str:
        return f"SyslogPeer({self.address}:{self.port} -> {self.log})"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            text = data.decode("utf-8", errors="replace").rstrip("\n").replace("\n", "\\n")
            self._out.write(text + "\n")
            self._out.flush()

    def lines(self) -> list[str]:
        """The datagrams received so far, one per line."""
        return self.log.read_text(encoding="utf-8").splitlines()

    def wait(self, n: int, *, timeout: float = RECEIVE_TIMEOUT) -> list[str]:
        """The lines once there are at least ``n`` (or after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.lines()
            if len(found) >= n or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def close(self) -> None:
        """Stops receiving; idempotent."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self._sock.close()
        self._out.close()


@dataclass(frozen=True)
class Trap:
    """One trap as snmptrapd logged it."""

    source: str
    security: str  # ``TRAP2, SNMP v2c, community public``
    varbinds: dict[str, tuple[str, str]]  # numeric OID (no leading dot) -> (type, value)

    @property
    def community(self) -> str:
        return self.security.rsplit("community ", 1)[-1]

    def string(self, oid: str) -> str:
        """The value of a STRING varbind, unquoted (``ValueError`` for another type)."""
        kind, value = self.varbinds[oid]
        if kind != "STRING" or len(value) < 2 or value[0] != '"' or value[-1] != '"':
            raise ValueError(f"{oid} is {kind} {value}, not a quoted STRING")
        return re.sub(r"\\(.)", r"\1", value[1:-1])


class SnmpTrapd:
    """A running ``snmptrapd`` that logs every trap it accepts to ``log``."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        log: Path,
        netns: str | None,
        address: str,
        port: int,
    ) -> None:
        self.process = process
        self.log = log
        self.netns = netns
        self.address = address
        self.port = port

    def __repr__(self) -> str:
        return f"SnmpTrapd(pid {self.process.pid}, {self.address}:{self.port})"

    @classmethod
    def start(
        cls,
        workdir: Path,
        *,
        netns: str | None = None,
        address: str = "127.0.0.1",
        port: int | None = None,
        community: str | None = None,
    ) -> SnmpTrapd:
        workdir.mkdir(parents=True, exist_ok=True)
        conf = workdir / "snmptrapd.conf"
        conf.write_text(
            f"authCommunity log {community}\n" if community else "disableAuthorization yes\n"
        )
        conf.chmod(0o600)
        persistent = workdir / "persistent"
        persistent.mkdir(exist_ok=True)
        log = workdir / "snmptrapd.log"
        port = port if port is not None else free_udp_port(netns, address)
        argv = [
            "snmptrapd",
            "-f",
            "-n",
            "-C",
            "-c",
            str(conf),
            "-m",
            "",
            "-On",
            "-F",
            _FORMAT,
            "-Lf",
            str(log),
            f"udp:{address}:{port}",
        ]
        if netns is not None:
            argv = ["ip", "netns", "exec", netns, *argv]
        env = {**os.environ, "SNMP_PERSISTENT_DIR": str(persistent)}
        stderr = workdir / "snmptrapd.stderr"
        try:
            with stderr.open("wb") as err:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    env=env,
                    start_new_session=True,
                )
        except OSError as e:
            raise LabError(f"snmptrapd cannot be started: {e.strerror}") from None
        trapd = cls(process, log, netns, address, port)
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                raise LabError(
                    f"snmptrapd exited with status {process.returncode}: {_tail(stderr)}"
                )
            started = log.exists() and "NET-SNMP version" in log.read_text(errors="replace")
            if started and run_in(netns, udp_bound, address, port):
                return trapd
            if time.monotonic() > deadline:
                trapd.stop()
                raise LabError(
                    f"snmptrapd did not become ready within {READY_TIMEOUT:g} s: {_tail(stderr)}"
                )
            time.sleep(0.05)

    def _parse(self) -> list[Trap]:
        text = self.log.read_text(errors="replace")
        traps: list[Trap] = []
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if not line.startswith("TRAP\t") or i + 1 >= len(lines):
                continue
            _, source, security = line.split("\t", 2)
            varbinds: dict[str, tuple[str, str]] = {}
            for part in lines[i + 1].split(_SEP):
                m = _VARBIND.fullmatch(part)
                if m is None:
                    continue
                varbinds[m["oid"].lstrip(".")] = (m["type"] or "", m["value"])
            traps.append(Trap(source, security, varbinds))
        return traps

    def traps(self, n: int, *, timeout: float = RECEIVE_TIMEOUT) -> list[Trap]:
        """The first ``n`` traps logged, waiting up to ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._parse()
            if len(found) >= n or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM to its process group, SIGKILL after ``STOP_TIMEOUT``; reaped. Idempotent."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return ""
    return " | ".join(text.splitlines()[-lines:]) or "(no output)"

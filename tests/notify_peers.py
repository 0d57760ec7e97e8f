"""Receivers of what the router's notifier sends (on ``sys.path`` through pytest's
``pythonpath``): a UDP syslog listener and Debian's ``snmptrapd`` logging to a file.

- ``SyslogListener(netns=None)``: a UDP socket bound in the test (inside ``netns`` when given,
  made there with ``xrsim.net.netns.socket_in``); ``receive(n)`` returns the next ``n``
  datagrams, decoded, waiting at most ``timeout`` seconds for each.
- ``SnmpTrapd.start(workdir, netns=None, address=..., community=None)``: ``snmptrapd -f -n -C
  -c CONF -m "" -On -F FORMAT -Lf LOG ADDR:PORT`` (INTEROP.md "Other peers"), in ``netns``
  through ``ip netns exec`` when given; ready when its startup line is in the log and its
  UDP port is bound in that namespace. ``community``: ``authCommunity log COMMUNITY`` (a trap
  with another community is dropped silently), else ``disableAuthorization yes``.
  ``traps(n)`` waits for ``n`` traps in the log and returns them as ``Trap`` s: the sender,
  the community, and the varbinds by numeric OID with their type and value as snmptrapd
  printed them. ``stop()`` ends it (SIGTERM, then SIGKILL).

A missing ``snmptrapd`` skips the test, or fails it under ``XRSIM_REQUIRE_PEERS=1`` (the
``require_tool`` fixture).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from xrsim.net.netns import run_in, socket_in

__all__ = ["SnmpTrapd", "SyslogListener", "Trap", "free_udp_port"]

READY_TIMEOUT = 20.0
RECEIVE_TIMEOUT = 10.0
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


class SyslogListener:
    """A UDP socket that receives syslog datagrams."""

    def __init__(self, netns: str | None = None, address: str = "127.0.0.1") -> None:
        self.sock = socket_in(netns, socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 0))
        self.address = address
        self.port: int = self.sock.getsockname()[1]

    def receive(self, n: int = 1, *, timeout: float = RECEIVE_TIMEOUT) -> list[str]:
        out: list[str] = []
        self.sock.settimeout(timeout)
        for _ in range(n):
            data, _peer = self.sock.recvfrom(65535)
            out.append(data.decode())
        return out

    def nothing_more(self, wait: float = 0.3) -> bool:
        """Whether no datagram is waiting (after ``wait`` seconds for a late one)."""
        self.sock.settimeout(wait)
        try:
            self.sock.recvfrom(65535)
        except TimeoutError:
            return True
        return False

    def close(self) -> None:
        self.sock.close()


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
        """The value of a STRING varbind, unquoted."""
        kind, value = self.varbinds[oid]
        assert kind == "STRING", (oid, kind, value)
        assert value.startswith('"'), value
        assert value.endswith('"'), value
        return re.sub(r"\\(.)", r"\1", value[1:-1])


def _udp_bound(address: str, port: int) -> bool:
    want = f"{int(ipaddress.IPv4Address(address).packed[::-1].hex(), 16):08X}:{port:04X}"
    with open("/proc/thread-self/net/udp") as f:
        return any(line.split()[1] == want for line in list(f)[1:])


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
        with (workdir / "snmptrapd.stderr").open("wb") as err:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
                start_new_session=True,
            )
        trapd = cls(process, log, netns, address, port)
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"snmptrapd exited with status {process.returncode}")
            started = log.exists() and "NET-SNMP version" in log.read_text(errors="replace")
            if started and run_in(netns, _udp_bound, address, port):
                return trapd
            if time.monotonic() > deadline:
                trapd.stop()
                raise RuntimeError(f"snmptrapd did not become ready within {READY_TIMEOUT} s")
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
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

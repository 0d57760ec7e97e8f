"""Receivers of what the router's notifier sends (on ``sys.path`` through pytest's
``pythonpath``): a UDP syslog listener of the test, and Debian's ``snmptrapd`` logging to a
file (``xrsim.lab.peers.SnmpTrapd``, the one labs run, re-exported here with ``Trap`` and
``free_udp_port``).

- ``SyslogListener(netns=None)``: a UDP socket bound in the test (inside ``netns`` when given,
  made there with ``xrsim.net.netns.socket_in``); ``receive(n)`` returns the next ``n``
  datagrams, decoded, waiting at most ``timeout`` seconds for each.
- ``SnmpTrapd``, ``Trap``, ``free_udp_port``: ``xrsim.lab.peers``'s (see there).

A missing ``snmptrapd`` skips the test, or fails it under ``XRSIM_REQUIRE_PEERS=1`` (the
``require_tool`` fixture).
"""

from __future__ import annotations

import socket

from xrsim.lab.peers import SnmpTrapd, Trap, free_udp_port
from xrsim.net.netns import socket_in

__all__ = ["SnmpTrapd", "SyslogListener", "Trap", "free_udp_port"]

RECEIVE_TIMEOUT = 10.0


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

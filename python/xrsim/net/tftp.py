"""TFTP transfers from inside a VRF (layer 3: imports ``xrsim.errors``, ``xrsim.net.netns``).

- ``get(host, port, filename, *, netns, timeout) -> bytes``: read one file (RFC 1350, octet
  mode) with tftpy's client.
- ``put(host, port, filename, data, *, netns, timeout)``: write one file.
- ``TftpUrl`` and ``parse_url(url)``: IOS XR's ``tftp://ADDRESS[:PORT][;VRF][/NAME]`` (FORMATS.md,
  "Manual enrollment over TFTP": ``enrollment url tftp://198.18.1.2;mgmt/ca``) as host, port,
  VRF (None: the default VRF) and path (``""`` when the URL names none).

The whole transfer runs inside the VRF's network namespace (``xrsim.net.netns.run_in``; None:
the process's own), so tftpy's UDP socket is made there. ``timeout`` is how long each packet is
waited for; the request is sent ``retries`` times in all before giving up.

Failures are typed, with the reason in words: ``TftpError`` for an error packet from the
server (``code``: 1 file not found, 2 access violation, 3 disk full, ...) or a broken transfer
(``code`` None); ``TransportTimeout`` when the server does not answer; ``TransportError`` for a
network that cannot be reached; ``VrfError`` for the namespace. tftpy's own log (every retry
logged as an error) is kept off the process's log handlers: the typed error says what failed.
"""

from __future__ import annotations

import errno
import io
import ipaddress
import logging
import re
import socket
from dataclasses import dataclass

import tftpy

from xrsim.errors import InvalidInput, TftpError, TransportError, TransportTimeout
from xrsim.net.netns import run_in

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "TftpUrl",
    "get",
    "parse_url",
    "put",
]

DEFAULT_PORT = 69
#: Seconds each packet is waited for (tftpy's default too).
DEFAULT_TIMEOUT = 5.0
#: Times the request (or the last packet) is sent before the transfer gives up.
DEFAULT_RETRIES = 3
#: Files larger than this are refused (a certificate or a request is a few kilobytes).
MAX_SIZE = 16 * 1024 * 1024

_tftpy_log = logging.getLogger("tftpy")
_tftpy_log.addHandler(logging.NullHandler())
_tftpy_log.propagate = False

#: RFC 1350 error codes in words (the server's own message is added after them).
_CODES = {
    0: "the server refused the transfer",
    1: "file not found",
    2: "access violation",
    3: "disk full or allocation exceeded",
    4: "illegal TFTP operation",
    5: "unknown transfer ID",
    6: "file already exists",
    7: "no such user",
    8: "option negotiation failed",
}


@dataclass(frozen=True)
class TftpUrl:
    """A parsed ``tftp://`` URL: ``vrf`` None for the default VRF, ``path`` without its
    leading ``/`` (``""`` when the URL has none)."""

    host: str
    port: int
    vrf: str | None
    path: str


_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*")
_VRF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}")


def parse_url(url: str) -> TftpUrl:
    """``tftp://ADDRESS[:PORT][;VRF][/PATH]`` (the scheme in any case); ``InvalidInput`` in
    words for anything else."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() != "tftp":
        raise InvalidInput(f"{url} is not a tftp:// URL")
    authority, slash, path = rest.partition("/")
    hostport, semi, vrf = authority.partition(";")
    if semi and not _VRF.fullmatch(vrf):
        raise InvalidInput(f"{url} has no valid VRF name after ';'")
    host, port_text = hostport, ""
    if hostport.startswith("["):
        host, bracket, tail = hostport[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise InvalidInput(f"{url} has a malformed IPv6 address")
        port_text = tail[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidInput(f"{url} has a malformed IPv6 address") from None
    elif ":" in hostport:
        host, _, port_text = hostport.partition(":")
    if not host:
        raise InvalidInput(f"{url} names no TFTP server")
    if not hostport.startswith("[") and not _HOSTNAME.fullmatch(host):
        raise InvalidInput(f"{url} has an invalid server address {host!r}")
    port = DEFAULT_PORT
    if port_text or hostport.endswith(":"):
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InvalidInput(f"{url} has a bad port number")
        port = int(port_text)
    if any(c.isspace() or ord(c) < 32 for c in path) or (slash and not path):
        raise InvalidInput(f"{url} has an invalid file name")
    return TftpUrl(host, port, vrf or None, path)


class _Errors:
    """The last error packet of a transfer (tftpy's packet hook sees every packet received)."""

    def __init__(self) -> None:
        self.code: int | None = None
        self.message = ""

    def __call__(self, pkt: object) -> None:
        if isinstance(pkt, tftpy.TftpPacketTypes.TftpPacketERR):
            self.code = int(pkt.errorcode)
            raw = pkt.errmsg
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
            self.message = text.strip("\x00").strip()


def _where(host: str, port: int) -> str:
    return f"the TFTP server {host} port {port}"


def _network_words(e: OSError, where: str) -> str:
    known = {
        errno.ENETUNREACH: f"{where} is unreachable (no route to its network)",
        errno.EHOSTUNREACH: f"{where} is unreachable (no route to the host)",
        errno.ECONNREFUSED: f"{where} refused the transfer (nothing listens on its port)",
        errno.EADDRNOTAVAIL: f"{where} cannot be reached from this VRF (no address to send from)",
        errno.EINVAL: f"{where} cannot be reached from this VRF (no address to send from)",
        errno.EACCES: f"{where} is a broadcast address (sending to it is not permitted)",
    }
    if isinstance(e, socket.gaierror):
        return f"the host name of {where} could not be resolved"
    return known.get(e.errno or 0, f"{where} could not be reached")


def _transfer(
    direction: str,
    host: str,
    port: int,
    filename: str,
    data: bytes | None,
    *,
    netns: str | None,
    timeout: float,
    retries: int,
) -> bytes:
    """One transfer inside ``netns``: what was read (``get``) or ``b""`` (``put``)."""
    if not filename or "\x00" in filename:
        raise InvalidInput(f"{filename!r} is not a TFTP file name")
    if timeout <= 0 or retries < 1:
        raise InvalidInput("a TFTP transfer needs a positive timeout and at least one try")
    where = _where(host, port)
    errors = _Errors()

    def run() -> bytes:
        client = tftpy.TftpClient(host, port, options={}, flock=False)
        if direction == "get":
            sink = _Limited(MAX_SIZE)
            client.download(filename, sink, packethook=errors, timeout=timeout, retries=retries)
            return sink.getvalue()
        assert data is not None
        client.upload(
            filename, io.BytesIO(data), packethook=errors, timeout=timeout, retries=retries
        )
        return b""

    try:
        return run_in(netns, run)
    except tftpy.TftpShared.TftpTimeout:
        raise TransportTimeout(
            f"{where} did not answer within {timeout:g} seconds ({retries} tries)"
        ) from None
    except (tftpy.TftpShared.TftpException, _TooLarge) as e:
        if isinstance(e, _TooLarge):
            raise TftpError(f"{filename} from {where} is larger than {MAX_SIZE} bytes") from None
        if errors.code is not None:
            words = _CODES.get(errors.code, f"error {errors.code}")
            said = f" ({errors.message})" if errors.message else ""
            verb = "reading" if direction == "get" else "writing"
            raise TftpError(
                f"{where} refused {verb} {filename}: {words}{said}", errors.code
            ) from None
        if isinstance(e, tftpy.TftpShared.TftpFileNotFoundError):
            raise TftpError(f"{where} refused reading {filename}: file not found", 1) from None
        raise TftpError(f"the transfer of {filename} with {where} broke off") from None
    except OSError as e:
        raise TransportError(_network_words(e, where)) from None


class _TooLarge(Exception):
    pass


class _Limited(io.BytesIO):
    """A sink that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def write(self, b: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(b) > self._limit:
            raise _TooLarge
        return super().write(b)


def get(
    host: str,
    port: int = DEFAULT_PORT,
    filename: str = "",
    *,
    netns: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
) -> bytes:
    """The contents of ``filename`` on the TFTP server ``host``:``port``, read from inside
    ``netns``."""
    return _transfer(
        "get", host, port, filename, None, netns=netns, timeout=timeout, retries=retries
    )


def put(
    host: str,
    port: int = DEFAULT_PORT,
    filename: str = "",
    data: bytes = b"",
    *,
    netns: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
) -> None:
    """Write ``data`` as ``filename`` on the TFTP server ``host``:``port``, from inside
    ``netns``."""
    _transfer(
        "put", host, port, filename, bytes(data), netns=netns, timeout=timeout, retries=retries
    )

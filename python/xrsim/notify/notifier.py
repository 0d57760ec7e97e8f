"""``Notifier``: the router's syslog and SNMP trap sender (layer 4: imports ``xrsim.errors``,
``xrsim.config.tree``, ``xrsim.net.netns``, ``xrsim.notify.syslog``, ``xrsim.notify.snmp``).

The router (layer 6) owns one (``router.notify``). Layer-3 modules (the PKI expiry monitor, the
trustpool) never import it: they report *notices* through a callback and the router hands each
one to ``expiry(notice)`` or ``trustpool(notice)``, which make the CEPKI syslog message (and,
for expiry, the CISCO-PKI-MIB trap). Anything else logs a ``Message`` with ``log``.

- ``apply(target)``: the datastore's ``on_apply`` (through the router's chain): reads the
  ``logging`` and ``snmp-server`` configuration of a tree being committed (``LoggingConfig``,
  ``SnmpConfig``) and returns the undo. Nothing is sent or opened there.
- ``log(message)``: the message is numbered and stamped (``LogEntry``), put in the buffer when
  its severity passes ``logging buffered LEVEL``, and sent over UDP to each ``logging HOST``
  whose ``severity`` (and ``logging trap LEVEL``; none after ``logging trap disable``) it
  passes, from a socket made inside the host's VRF's network namespace (``netns_of``). A send
  that fails (no route, VRF not bound, refused) is counted as a drop of that host (``show
  logging``) and never raised: a commit or a scheduler callback that logs is never held up or
  failed by the network.
- ``trap(kind, trap_oid, varbinds)``: one SNMP v2c trap (pysnmp's v2c protocol API,
  ``xrsim.notify.snmp``) to each ``snmp-server host ADDR traps version 2c COMMUNITY`` (in the
  default VRF, or under ``snmp-server vrf NAME``), when ``snmp-server traps KIND`` is
  configured; failures counted (``trap_drops``), never raised.
- ``buffer``, ``counters()``, ``clear()``: what ``show logging`` and ``clear logging`` read.
- ``close()``: the sockets closed (router shutdown).

Sockets: one UDP socket per namespace, made on first use and kept (``xrsim.net.netns.socket_in``
makes it inside; it stays there). Sends are non-blocking datagrams.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from xrsim.config.tree import ConfigNode, ConfigTree
from xrsim.errors import XrsimError
from xrsim.net.netns import socket_in
from xrsim.notify import snmp
from xrsim.notify.syslog import (
    DEFAULT_BUFFER_SIZE,
    FACILITIES,
    LEVELS,
    LogBuffer,
    LogEntry,
    Message,
    Severity,
    pid_of,
)

__all__ = [
    "BUFFERED_LEVEL",
    "BUFFERED_SIZE",
    "COMMUNITY",
    "DEFAULT_BUFFERED_LEVEL",
    "DEFAULT_TRAP_LEVEL",
    "FACILITY",
    "HOST",
    "HOST_SEVERITIES",
    "SNMP_CHASSIS_ID",
    "SNMP_CONTACT",
    "SNMP_HOST",
    "SNMP_LOCATION",
    "SNMP_TRAPS",
    "SNMP_VRF",
    "SNMP_VRF_HOST",
    "TRAP",
    "TRAP_KINDS",
    "ExpiryLike",
    "LoggingConfig",
    "Notice",
    "Notifier",
    "SnmpConfig",
    "SyslogHost",
    "TrapHost",
]

# -- configuration lines (the CLI registers them; ``LoggingConfig``/``SnmpConfig`` read them) --

#: ``logging HOST`` severities, as IOS XR spells them there (not the level names of
#: ``logging buffered``): the words and the severity each means.
HOST_SEVERITIES: dict[str, Severity] = {
    "emergencies": Severity.EMERGENCIES,
    "alerts": Severity.ALERTS,
    "critical": Severity.CRITICAL,
    "error": Severity.ERRORS,
    "warning": Severity.WARNINGS,
    "notifications": Severity.NOTIFICATIONS,
    "info": Severity.INFORMATIONAL,
    "debugging": Severity.DEBUGGING,
}
_HOST_LEVELS = " | ".join(HOST_SEVERITIES)
_LEVELS = " | ".join(LEVELS)

HOST = (
    f"logging <host:IPV4> [ vrf <vrf:NAME> ] [ severity <severity:{{ {_HOST_LEVELS} }}> ]"
    " [ port { <port:1-65535> | <port:{ default }> } ]"
)
BUFFERED_SIZE = "logging buffered <size:307200-125000000>"
BUFFERED_LEVEL = f"logging buffered <level:{{ {_LEVELS} }}>"
#: ``logging trap disable``: no message goes to any remote host.
TRAP = f"logging trap <level:{{ disable | {_LEVELS} }}>"
FACILITY = f"logging facility <facility:{{ {' | '.join(FACILITIES)} }}>"

#: SNMP trap kinds xrsim sends (``snmp-server traps KIND``).
TRAP_KINDS = ("pki",)
COMMUNITY = "snmp-server community <name:WORD> [ <access:{ ro | rw }> ]"
SNMP_HOST = (
    "snmp-server host <host:IPV4> traps version 2c <community:WORD> [ udp-port <port:1-65535> ]"
)
SNMP_TRAPS = f"snmp-server traps <kind:{{ {' | '.join(TRAP_KINDS)} }}>"
SNMP_VRF = "snmp-server vrf <vrf:NAME>"
#: The SNMPv2-MIB system objects the agent would serve (``sysContact``, ``sysLocation``) and
#: the chassis ID: stored, shown and served over NETCONF (xrsim has no SNMP agent to answer
#: gets with them).
SNMP_CONTACT = "snmp-server contact <text:LINE>"
SNMP_LOCATION = "snmp-server location <text:LINE>"
SNMP_CHASSIS_ID = "snmp-server chassis-id <text:LINE>"
#: Inside ``snmp-server vrf NAME`` (``(config-snmp-vrf)#``).
SNMP_VRF_HOST = "host <host:IPV4> traps version 2c <community:WORD> [ udp-port <port:1-65535> ]"

DEFAULT_BUFFERED_LEVEL = "debugging"
DEFAULT_TRAP_LEVEL = "informational"
DEFAULT_SYSLOG_PORT = 514
DEFAULT_TRAP_PORT = 162


def _syslog_port(port: object) -> int:
    """The UDP port of ``logging HOST ... [port P]``: ``port default`` (as Ansible's
    ``iosxr_logging_global`` sends it) and no port are both 514."""
    return DEFAULT_SYSLOG_PORT if port is None or port == "default" else int(str(port))


@dataclass(frozen=True)
class SyslogHost:
    """One ``logging HOST [vrf VRF] [severity S] [port P]``."""

    host: str
    vrf: str = "default"
    severity: Severity = Severity.INFORMATIONAL
    port: int = DEFAULT_SYSLOG_PORT


@dataclass(frozen=True)
class LoggingConfig:
    """The ``logging`` lines of a configuration."""

    hosts: tuple[SyslogHost, ...] = ()
    buffer_size: int = DEFAULT_BUFFER_SIZE
    buffer_level: Severity = Severity.DEBUGGING
    #: None: ``logging trap disable``.
    trap_level: Severity | None = Severity.INFORMATIONAL
    facility: str = "local7"

    @classmethod
    def from_tree(cls, tree: ConfigTree) -> LoggingConfig:
        hosts: list[SyslogHost] = []
        size, blevel = DEFAULT_BUFFER_SIZE, Severity.DEBUGGING
        tlevel: Severity | None = Severity.INFORMATIONAL
        facility = "local7"
        for node in tree.root.sorted_children():
            syntax = node.syntax
            if syntax == HOST:
                sev = node.args.get("severity")
                hosts.append(
                    SyslogHost(
                        host=str(node.args["host"]),
                        vrf=str(node.args.get("vrf", "default")),
                        severity=Severity.INFORMATIONAL
                        if sev is None
                        else HOST_SEVERITIES[str(sev)],
                        port=_syslog_port(node.args.get("port")),
                    )
                )
            elif syntax == BUFFERED_SIZE:
                size = int(node.args["size"])
            elif syntax == BUFFERED_LEVEL:
                blevel = Severity[str(node.args["level"]).upper()]
            elif syntax == TRAP:
                word = str(node.args["level"])
                tlevel = None if word == "disable" else Severity[word.upper()]
            elif syntax == FACILITY:
                facility = str(node.args["facility"])
        return cls(tuple(hosts), size, blevel, tlevel, facility)


@dataclass(frozen=True)
class TrapHost:
    """One ``snmp-server host ADDR traps version 2c COMMUNITY [udp-port P]`` (``vrf``: the
    ``snmp-server vrf`` it is under, else ``default``)."""

    host: str
    community: str
    port: int = DEFAULT_TRAP_PORT
    vrf: str = "default"


@dataclass(frozen=True)
class SnmpConfig:
    """The ``snmp-server`` lines of a configuration."""

    communities: dict[str, str] = field(default_factory=dict)  # name -> RO | RW
    hosts: tuple[TrapHost, ...] = ()
    traps: frozenset[str] = frozenset()

    @classmethod
    def from_tree(cls, tree: ConfigTree) -> SnmpConfig:
        communities: dict[str, str] = {}
        hosts: list[TrapHost] = []
        traps: set[str] = set()

        def host_of(node: ConfigNode, vrf: str) -> TrapHost:
            return TrapHost(
                host=str(node.args["host"]),
                community=str(node.args["community"]),
                port=int(node.args.get("port", DEFAULT_TRAP_PORT)),
                vrf=vrf,
            )

        for node in tree.root.sorted_children():
            syntax = node.syntax
            if syntax == COMMUNITY:
                communities[str(node.args["name"])] = str(node.args.get("access", "ro")).upper()
            elif syntax == SNMP_HOST:
                hosts.append(host_of(node, "default"))
            elif syntax == SNMP_TRAPS:
                traps.add(str(node.args["kind"]))
            elif syntax == SNMP_VRF:
                vrf = str(node.args["vrf"])
                hosts.extend(
                    host_of(child, vrf)
                    for child in node.sorted_children()
                    if child.syntax == SNMP_VRF_HOST
                )
        return cls(communities, tuple(hosts), frozenset(traps))


# -- what the PKI modules hand over (layer 3 does not import this module) ---------------------


class Notice(Protocol):
    """A notice a PKI module reports (``xrsim.pki.trustpool.TrustpoolNotice``): its syslog
    severity (0-7), mnemonic and text."""

    @property
    def severity(self) -> int: ...

    @property
    def mnemonic(self) -> str: ...

    def text(self) -> str: ...


class ExpiryLike(Notice, Protocol):
    """A certificate expiry notice (``xrsim.pki.expiry.ExpiryNotice``): the seed's fields."""

    @property
    def trustpoint(self) -> str: ...

    @property
    def cert_type(self) -> str: ...

    @property
    def serial(self) -> str: ...

    @property
    def issuer(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def not_after(self) -> datetime: ...

    @property
    def time_left(self) -> timedelta: ...


@dataclass
class _HostCount:
    logged: int = 0
    dropped: int = 0


@dataclass(frozen=True)
class Counters:
    """What ``show logging`` counts: ``logged`` messages in all, ``at_or_above[S]`` those of
    severity S or more severe, ``dropped`` (remote sends that failed), ``buffer_logged`` (into
    the buffer), ``overruns`` (dropped from the full buffer), ``trap_logged`` (that passed
    ``logging trap``), per configured host ``(logged, dropped)``, traps sent and dropped."""

    logged: int
    at_or_above: dict[Severity, int]
    dropped: int
    buffer_logged: int
    overruns: int
    trap_logged: int
    hosts: dict[SyslogHost, tuple[int, int]]
    traps_sent: int
    trap_drops: int


class Notifier:
    """A router's syslog buffer, remote syslog and SNMP trap sender."""

    def __init__(
        self,
        *,
        clock: _Clock,
        node: Callable[[], str],
        hostname: Callable[[], str],
        netns_of: Callable[[str | None], str | None],
        uptime: Callable[[], timedelta] | None = None,
    ) -> None:
        self._clock = clock
        self._node = node
        self._hostname = hostname
        self._netns_of = netns_of
        self._uptime = uptime if uptime is not None else clock.elapsed
        self._lock = threading.Lock()
        self._logging = LoggingConfig()
        self._snmp = SnmpConfig()
        self.buffer = LogBuffer()
        self._seq = itertools.count(1)
        self._request_ids = itertools.count(1)
        self._logged = 0
        self._by_severity = [0] * len(Severity)
        self._trap_logged = 0
        self._hosts: dict[SyslogHost, _HostCount] = {}
        self._traps_sent = 0
        self._trap_drops = 0
        self._sockets: dict[str | None, socket.socket] = {}
        self._closed = False
        self._listeners: list[Callable[[LogEntry], None]] = []

    # -- configuration ----------------------------------------------------------------------

    @property
    def logging_config(self) -> LoggingConfig:
        return self._logging

    @property
    def snmp_config(self) -> SnmpConfig:
        return self._snmp

    def apply(self, target: ConfigTree) -> Callable[[], None]:
        """Take the ``logging`` and ``snmp-server`` configuration of ``target`` (being
        committed); the return undoes it."""
        new_logging = LoggingConfig.from_tree(target)
        new_snmp = SnmpConfig.from_tree(target)
        with self._lock:
            old = (self._logging, self._snmp, self.buffer.size)
            self._logging, self._snmp = new_logging, new_snmp
            self.buffer.resize(new_logging.buffer_size)

        def undo() -> None:
            with self._lock:
                self._logging, self._snmp = old[0], old[1]
                self.buffer.resize(old[2])

        return undo

    # -- syslog -----------------------------------------------------------------------------

    def subscribe(self, fn: Callable[[LogEntry], None]) -> Callable[[], None]:
        """Call ``fn(entry)`` for each message logged from now on (a terminal monitor, a
        test); the return unsubscribes."""
        with self._lock:
            self._listeners.append(fn)

        def stop() -> None:
            with self._lock:
                if fn in self._listeners:
                    self._listeners.remove(fn)

        return stop

    def log(self, msg: Message) -> LogEntry:
        """Log ``msg``: the buffer, the remote hosts. Returns the entry (its number and time)."""
        sev = int(msg.severity)
        with self._lock:
            entry = LogEntry(
                seq=next(self._seq),
                time=self._clock.now(),
                node=self._node(),
                pid=pid_of(msg.process),
                message=msg,
            )
            self._logged += 1
            self._by_severity[sev] += 1
            cfg = self._logging
            if sev <= cfg.buffer_level:
                self.buffer.add(entry)
            targets: list[SyslogHost] = []
            if cfg.trap_level is not None and sev <= cfg.trap_level:
                self._trap_logged += 1
                targets = [h for h in cfg.hosts if sev <= h.severity]
            listeners = list(self._listeners)
            facility = FACILITIES[cfg.facility]
        if targets:
            data = entry.datagram(facility)
            for host in targets:
                ok = self._send(host.vrf, host.host, host.port, data)
                with self._lock:
                    count = self._hosts.setdefault(host, _HostCount())
                    if ok:
                        count.logged += 1
                    else:
                        count.dropped += 1
        for fn in listeners:
            fn(entry)
        return entry

    def _socket(self, netns: str | None) -> socket.socket:
        with self._lock:
            if self._closed:
                raise OSError("the notifier is closed")
            sock = self._sockets.get(netns)
        if sock is not None:
            return sock
        made = socket_in(netns, socket.AF_INET, socket.SOCK_DGRAM)
        made.setblocking(False)
        with self._lock:
            if self._closed:
                made.close()
                raise OSError("the notifier is closed")
            sock = self._sockets.setdefault(netns, made)
        if sock is not made:
            made.close()
        return sock

    def _send(self, vrf: str, host: str, port: int, data: bytes) -> bool:
        """One datagram from inside ``vrf``; False (never an exception) when it cannot go."""
        try:
            netns = self._netns_of(None if vrf == "default" else vrf)
            self._socket(netns).sendto(data, (host, port))
        except (OSError, XrsimError):
            return False
        return True

    def counters(self) -> Counters:
        with self._lock:
            hosts = {
                h: (self._hosts[h].logged, self._hosts[h].dropped) if h in self._hosts else (0, 0)
                for h in self._logging.hosts
            }
            return Counters(
                logged=self._logged,
                at_or_above={s: sum(self._by_severity[: int(s) + 1]) for s in Severity},
                dropped=sum(c.dropped for c in self._hosts.values()),
                buffer_logged=self.buffer.logged,
                overruns=self.buffer.overruns,
                trap_logged=self._trap_logged,
                hosts=hosts,
                traps_sent=self._traps_sent,
                trap_drops=self._trap_drops,
            )

    def clear(self) -> None:
        """``clear logging``: the buffer emptied."""
        self.buffer.clear()

    # -- SNMP -------------------------------------------------------------------------------

    def trap(self, kind: str, trap_oid: str, varbinds: Sequence[snmp.Varbind]) -> int:
        """Send one v2c trap of ``kind`` (``pki``) to every trap host when ``snmp-server traps
        KIND`` is configured. Returns how many hosts it went to."""
        with self._lock:
            cfg = self._snmp
            if kind not in cfg.traps or not cfg.hosts:
                return 0
            request_id = next(self._request_ids)
        uptime = int(self._uptime().total_seconds() * 100)
        sent = 0
        for host in cfg.hosts:
            data = snmp.encode_trap(
                host.community, uptime, trap_oid, varbinds, request_id=request_id
            )
            ok = self._send(host.vrf, host.host, host.port, data)
            with self._lock:
                if ok:
                    self._traps_sent += 1
                else:
                    self._trap_drops += 1
            sent += ok
        return sent

    # -- PKI notices ------------------------------------------------------------------------

    def _cepki(self, notice: Notice) -> None:
        """Log ``notice`` as IOS XR's ``cepki`` process does: ``%SECURITY-CEPKI-S-MNEMONIC``."""
        self.log(
            Message(
                facility="SECURITY",
                subsystem="CEPKI",
                severity=int(notice.severity),
                mnemonic=notice.mnemonic,
                text=notice.text(),
                process="cepki",
            )
        )

    def expiry(self, notice: ExpiryLike) -> None:
        """A certificate expiry notice: its CEPKI syslog message, and the CISCO-PKI-MIB
        ``ciscoPkiCertExpiryAlert`` trap when ``snmp-server traps pki`` is configured."""
        self._cepki(notice)
        index = snmp.chain_index(notice.trustpoint)
        seconds = max(0, int(notice.time_left.total_seconds()))
        values = {
            "serial": notice.serial,
            "subject": notice.subject,
            "issuer": notice.issuer,
            "cert_type": notice.cert_type,
            "trustpoint": notice.trustpoint,
            "time_left": str(seconds),
        }
        self.trap(
            "pki",
            snmp.PKI_EXPIRY_TRAP,
            [
                snmp.Varbind(f"{oid}.{index}", values[name])
                for name, oid in snmp.PKI_OBJECTS.items()
            ],
        )

    def trustpool(self, notice: Notice) -> None:
        """A trustpool notice: its syslog message (IOS XR's ``cepki`` process, CEPKI)."""
        self._cepki(notice)

    # -- shutdown ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the sockets; later sends count as drops. Idempotent."""
        with self._lock:
            self._closed = True
            sockets = list(self._sockets.values())
            self._sockets.clear()
        for sock in sockets:
            sock.close()


class _Clock(Protocol):
    def now(self) -> datetime: ...

    def elapsed(self) -> timedelta: ...

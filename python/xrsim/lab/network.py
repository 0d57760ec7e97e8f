"""A lab's networks and peers, made from its ``LabSpec`` and undone as one (the launcher's
``Lab.start`` / ``Lab.stop``; ``xrsim up`` / ``down``).

- ``LabNetwork(spec, workdir)``: ``start()`` makes, through ``xrsim.lab.netlab``, one network
  namespace per lab network holding a Linux bridge (``br0``, no address: the bridge only
  switches), one namespace per peer with a ``network`` (a veth to that bridge, the peer's
  address on its end), one namespace per node VRF (a veth whose far end is on the bridge and
  whose near end, unaddressed, the router binds as its interface), then starts the peers
  (``xrsim.lab.peers``) and returns the ``NetworkPlan``; ``syslog(name)`` and
  ``snmptrapd(name)`` are the running receivers (what they got). ``close()`` undoes all of it, last
  made first; also after a failed ``start`` (which raises ``LabError`` and leaves nothing).
- ``NetworkPlan``: what the launcher needs: per node a ``NodePlan``, the ``PeerEndpoint`` s,
  the namespaces and pids made (``lab.json`` records them for ``xrsim down`` after a kill -9),
  each network's namespace and subnet, and the CA challenges (in memory only).
- ``sweep_lab(namespaces, pids)``: what a lab killed with SIGKILL left, undone (``xrsim
  down``).
- ``NodePlan``: a node's ``vrfs`` (VRF name -> namespace) and ``links`` (interface -> the
  veth end in that namespace), as ``Router.boot(vrfs=, links=)`` takes them, and ``config``:
  the lines the lab adds at the node's first boot (``vrf NAME``, ``interface IF`` with ``vrf``,
  ``ipv4 address`` and ``no shutdown``).

Subnets come from 198.18.0.0/15: a network's own, else the next /24 (198.18.1.0/24 up) no
other network of the lab uses. Addresses given in the spec are kept; the others are the
subnet's next free hosts, peers first (in spec order), then node VRFs (in node order).

Root is needed for namespaces (a lab with a network, or a ``tftp`` peer, which drops to user
``tftp``): without it ``start`` raises ``LabError`` before making anything. A lab of nodes
only, or whose peers are a loopback ``syslog`` or ``snmptrapd``, needs no root and makes no
namespace. A ``scep-ca`` peer needs a network (``scepserver`` listens on every address of its
namespace; on the host that would be every interface).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import shutil
import signal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xrsim.errors import LabError
from xrsim.lab import peers as _peers
from xrsim.lab.netlab import LAB_NETWORK, Lab, NetlabError, delete_namespace, sweep
from xrsim.lab.spec import LabSpec, NetworkSpec, NodeSpec, PeerSpec
from xrsim.lab.status import PeerEndpoint

__all__ = ["BRIDGE", "PEER_PROGRAMS", "LabNetwork", "NetworkPlan", "NodePlan", "sweep_lab"]

#: The bridge's name inside each network's namespace.
BRIDGE = "br0"
_SCEP_PORT = 8080
_TFTP_PORT = 69
#: Debian packages of the programs a peer kind runs (for the error naming what is missing).
_PROGRAMS = {
    "scep-ca": ("scepserver", "scep"),
    "tftp": ("in.tftpd", "tftpd-hpa"),
    "snmptrapd": ("snmptrapd", "snmptrapd"),
}
#: The names (``/proc/PID/comm``) of the programs a lab starts: ``sweep_lab`` kills only those.
PEER_PROGRAMS = frozenset({"scepserver", "in.tftpd", "snmptrapd"})


@dataclass(frozen=True)
class NodePlan:
    """What the lab gives one node: VRF bindings, interface links, first-boot lines."""

    vrfs: Mapping[str, str] = field(default_factory=dict)  # VRF -> namespace
    links: Mapping[str, str] = field(default_factory=dict)  # interface -> veth end
    config: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkPlan:
    """What ``LabNetwork.start`` made."""

    nodes: Mapping[str, NodePlan]
    peers: tuple[PeerEndpoint, ...] = ()
    namespaces: tuple[str, ...] = ()
    pids: tuple[int, ...] = ()
    networks: Mapping[str, str] = field(default_factory=dict)  # network -> its namespace
    subnets: Mapping[str, str] = field(default_factory=dict)  # network -> 198.18.N.0/24
    #: scep-ca peer -> its challenge password (the spec's or a random one); memory only.
    challenges: Mapping[str, str] = field(default_factory=dict, repr=False)

    def peer(self, name: str) -> PeerEndpoint:
        for p in self.peers:
            if p.name == name:
                return p
        raise KeyError(name)


def _role(prefix: str, *names: str) -> str:
    """A namespace role (``xrsim.lab.netlab``: ``[a-z0-9][a-z0-9-]{0,15}``) from names."""
    text = re.sub(r"[^a-z0-9-]+", "-", "-".join(names).lower()).strip("-")
    return f"{prefix}-{text}"[:16].rstrip("-")


class _Addresses:
    """The hosts of one subnet, handed out once each."""

    def __init__(self, network: str, subnet: ipaddress.IPv4Network) -> None:
        self.network, self.subnet = network, subnet
        self.used: set[ipaddress.IPv4Address] = set()

    def claim(self, text: str, who: str) -> ipaddress.IPv4Interface:
        try:
            iface = ipaddress.IPv4Interface(
                text if "/" in text else f"{text}/{self.subnet.prefixlen}"
            )
        except ValueError:
            raise LabError(f"{who}: {text!r} is not an IPv4 address") from None
        if iface.network != self.subnet or iface.ip in (
            self.subnet.network_address,
            self.subnet.broadcast_address,
        ):
            raise LabError(f"{who}: {text} is not a host of network {self.network} ({self.subnet})")
        if iface.ip in self.used:
            raise LabError(f"{who}: address {iface.ip} is already used on network {self.network}")
        self.used.add(iface.ip)
        return iface

    def next(self, who: str) -> ipaddress.IPv4Interface:
        for host in self.subnet.hosts():
            if host not in self.used:
                self.used.add(host)
                return ipaddress.IPv4Interface(f"{host}/{self.subnet.prefixlen}")
        raise LabError(f"{who}: network {self.network} ({self.subnet}) has no free address")


def _subnets(networks: tuple[NetworkSpec, ...]) -> dict[str, ipaddress.IPv4Network]:
    out: dict[str, ipaddress.IPv4Network] = {}
    for net in networks:
        if net.subnet is None:
            continue
        try:
            subnet = ipaddress.IPv4Network(net.subnet)
        except ValueError:
            raise LabError(f"network {net.name}: {net.subnet!r} is not an IPv4 subnet") from None
        if not subnet.subnet_of(LAB_NETWORK):
            raise LabError(f"network {net.name}: {subnet} is outside the lab range {LAB_NETWORK}")
        if subnet.prefixlen > 30:
            raise LabError(f"network {net.name}: {subnet} is too small (at most /30)")
        for other, taken in out.items():
            if subnet.overlaps(taken):
                raise LabError(f"network {net.name}: {subnet} overlaps network {other} ({taken})")
        out[net.name] = subnet
    n = 0
    for net in networks:
        if net.name in out:
            continue
        while True:
            n += 1
            if n > 255:
                raise LabError(f"network {net.name}: no free /24 left in 198.18.0.0/16")
            candidate = ipaddress.IPv4Network(f"198.18.{n}.0/24")
            if not any(candidate.overlaps(s) for s in out.values()):
                break
        out[net.name] = candidate
    return out


class LabNetwork:
    """The networks and peers of ``spec``; peer files under ``workdir/<peer>/``."""

    def __init__(self, spec: LabSpec, workdir: Path) -> None:
        self.spec = spec
        self.workdir = Path(workdir)
        self.plan: NetworkPlan | None = None
        self._undo: list[Callable[[], None]] = []
        self._vrfs = 0
        self._closed = False
        self._syslog: dict[str, _peers.SyslogPeer] = {}
        self._snmptrapd: dict[str, _peers.SnmpTrapd] = {}

    def __repr__(self) -> str:
        return f"LabNetwork({self.spec.name!r}, {str(self.workdir)!r})"

    def __enter__(self) -> NetworkPlan:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what is needed ---------------------------------------------------------------------

    def needs_root(self) -> bool:
        """Whether ``start`` will make namespaces (or start ``in.tftpd``)."""
        s = self.spec
        return bool(
            s.networks
            or any(n.vrfs for n in s.nodes)
            or any(p.network is not None or p.kind == "tftp" for p in s.peers)
        )

    def _check(self) -> None:
        s = self.spec
        networks = {n.name for n in s.networks}
        for peer in s.peers:
            _check_peer(peer, networks)
        for node in s.nodes:
            interfaces: set[str] = set()
            names: set[str] = set()
            for vrf in node.vrfs:
                where = f"node {node.name} vrf {vrf.name}"
                if vrf.network not in networks:
                    raise LabError(f"{where}: network {vrf.network} is not in the lab")
                if vrf.name == "default":
                    raise LabError(f"{where}: the default VRF is the host's; name the VRF")
                if vrf.name in names:
                    raise LabError(f"{where}: the node has that VRF twice")
                if vrf.interface in interfaces:
                    raise LabError(f"{where}: interface {vrf.interface} is in another VRF")
                names.add(vrf.name)
                interfaces.add(vrf.interface)
        missing = [
            f"{_PROGRAMS[p.kind][0]} (Debian package {_PROGRAMS[p.kind][1]}) for peer {p.name}"
            for p in s.peers
            if p.kind in _PROGRAMS and shutil.which(_PROGRAMS[p.kind][0]) is None
        ]
        if self.needs_root() and shutil.which("ip") is None:
            missing.append("ip (Debian package iproute2)")
        if missing:
            raise LabError(f"lab {s.name}: missing " + ", ".join(missing))
        if self.needs_root() and os.geteuid() != 0:
            raise LabError(
                f"lab {s.name}: its networks, VRFs and peers on them need root (network "
                "namespaces: CAP_NET_ADMIN, CAP_SYS_ADMIN); a lab of loopback peers does not"
            )

    # -- start ------------------------------------------------------------------------------

    def start(self) -> NetworkPlan:
        """Makes the networks, starts the peers; the plan. ``LabError`` (nothing left made)
        when a step fails."""
        if self.plan is not None or self._closed:
            raise LabError(f"lab {self.spec.name}: its network was already started")
        self._check()
        try:
            self.plan = self._start()
        except BaseException as e:
            try:
                self.close()
            except LabError as undo:
                if isinstance(e, LabError):
                    raise LabError(f"{_reason(e)} (and {undo.reason})") from None
            if isinstance(e, NetlabError):
                raise LabError(f"lab {self.spec.name}: {e.reason}") from None
            raise
        return self.plan

    def _start(self) -> NetworkPlan:
        s = self.spec
        self.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        subnets = _subnets(s.networks)
        peer_addr, vrf_addr = _addresses(s, subnets)
        lab: Lab | None = None
        bridges: dict[str, str] = {}
        if self.needs_root():
            sweep()
            lab = Lab("lab", workdir=self.workdir)
            self._undo.append(lab.close)
            for i, net in enumerate(s.networks, 1):
                bridge_ns = lab.namespace(_role(f"n{i}", net.name))
                lab.bridge(bridge_ns, BRIDGE)
                bridges[net.name] = bridge_ns
        nodes = {
            node.name: self._node(lab, node, bridges, vrf_addr) if node.vrfs else NodePlan()
            for node in s.nodes
        }
        endpoints: list[PeerEndpoint] = []
        challenges: dict[str, str] = {}
        for i, peer in enumerate(s.peers, 1):
            directory = self.workdir / peer.name
            directory.mkdir(mode=0o700, exist_ok=True)
            ns: str | None = None
            address = "127.0.0.1"
            if peer.network is not None:
                assert lab is not None
                ns = lab.namespace(_role(f"p{i}", peer.name))
                iface = peer_addr[peer.name]
                lab.link(ns, bridges[peer.network], str(iface), None, bridge_b=BRIDGE)
                address = str(iface.ip)
            endpoints.append(
                self._peer(lab, peer, ns, address, directory=directory, challenges=challenges)
            )
        return NetworkPlan(
            nodes=nodes,
            peers=tuple(endpoints),
            namespaces=tuple(lab.namespaces) if lab is not None else (),
            pids=tuple(e.pid for e in endpoints if e.pid is not None),
            networks=bridges,
            subnets={name: str(net) for name, net in subnets.items()},
            challenges=challenges,
        )

    def _node(
        self,
        lab: Lab | None,
        node: NodeSpec,
        bridges: Mapping[str, str],
        addresses: Mapping[tuple[str, str], ipaddress.IPv4Interface],
    ) -> NodePlan:
        """A namespace per VRF of ``node``, a veth from it to its network's bridge; the near
        end (in the VRF's namespace) is the router's, left unaddressed."""
        assert lab is not None
        vrfs: dict[str, str] = {}
        links: dict[str, str] = {}
        config: list[str] = []
        for vrf in node.vrfs:
            self._vrfs += 1
            ns = lab.namespace(_role(f"v{self._vrfs}", node.name, vrf.name))
            link = lab.link(ns, bridges[vrf.network], None, None, bridge_b=BRIDGE)
            vrfs[vrf.name] = ns
            links[vrf.interface] = link.name_a
            address = addresses[node.name, vrf.name]
            config += [
                f"vrf {vrf.name}",
                f"interface {vrf.interface}",
                f" vrf {vrf.name}",
                f" ipv4 address {address.ip} {address.netmask}",
                " no shutdown",
            ]
        return NodePlan(vrfs, links, tuple(config))

    def _peer(
        self,
        lab: Lab | None,
        peer: PeerSpec,
        ns: str | None,
        address: str,
        *,
        directory: Path,
        challenges: dict[str, str],
    ) -> PeerEndpoint:
        """Starts ``peer`` in ``ns`` (None: the host's) on ``address``; its endpoint."""
        if peer.kind == "scep-ca":
            assert lab is not None
            assert ns is not None
            challenge = peer.challenge if peer.challenge is not None else secrets.token_urlsafe(12)
            ca = lab.scepserver(
                ns, address, port=peer.port or _SCEP_PORT, challenge=challenge, directory=directory
            )
            challenges[peer.name] = challenge
            return PeerEndpoint(
                peer.name, peer.kind, ns, address, ca.port, ca.url, str(ca.peer.log), ca.peer.pid
            )
        if peer.kind == "tftp":
            assert lab is not None
            port = peer.port or (_TFTP_PORT if ns is not None else _peers.free_udp_port())
            tftp = lab.tftpd(ns, address, port=port, directory=directory)
            url = f"tftp://{address}" if port == _TFTP_PORT else f"tftp://{address}:{port}"
            return PeerEndpoint(
                peer.name, peer.kind, ns, address, port, url, str(tftp.peer.log), tftp.peer.pid
            )
        if peer.kind == "syslog":
            listener = _peers.SyslogPeer(
                directory / "syslog.log", netns=ns, address=address, port=peer.port or 0
            )
            self._undo.append(listener.close)
            self._syslog[peer.name] = listener
            return PeerEndpoint(
                peer.name, peer.kind, ns, address, listener.port, None, str(listener.log), None
            )
        if peer.kind == "snmptrapd":
            trapd = _peers.SnmpTrapd.start(
                directory,
                netns=ns,
                address=address,
                port=peer.port,
                community=peer.community or "public",
            )
            self._undo.append(trapd.stop)
            self._snmptrapd[peer.name] = trapd
            pid = trapd.process.pid
            return PeerEndpoint(
                peer.name, peer.kind, ns, address, trapd.port, None, str(trapd.log), pid
            )
        raise LabError(f"peer {peer.name}: unknown kind {peer.kind!r}")

    def syslog(self, name: str) -> _peers.SyslogPeer:
        """The running ``syslog`` peer ``name`` (its ``lines()``, ``wait(n)``)."""
        return self._syslog[name]

    def snmptrapd(self, name: str) -> _peers.SnmpTrapd:
        """The running ``snmptrapd`` peer ``name`` (its ``traps(n)``)."""
        return self._snmptrapd[name]

    # -- close ------------------------------------------------------------------------------

    def close(self) -> None:
        """Stops the peers, deletes the namespaces (and their veths and bridges), last made
        first; every step runs even when one fails (the first failures raised as
        ``LabError`` at the end). Idempotent."""
        self._closed = True
        failures: list[str] = []
        while self._undo:
            step = self._undo.pop()
            try:
                step()
            except Exception as e:
                failures.append(_reason(e))
        if failures:
            raise LabError(f"lab {self.spec.name}: teardown: " + "; ".join(failures))


def sweep_lab(namespaces: Iterable[str], pids: Iterable[int]) -> list[str]:
    """Undoes what a lab process killed with SIGKILL left (``xrsim down`` after a crash, from
    ``lab.json``'s ``namespaces`` and ``pids``): each pid still running a peer program
    (``PEER_PROGRAMS``; another process that got the pid since is left alone) is killed, each
    namespace deleted with what runs in it. Returns what it could not undo, in words."""
    left: list[str] = []
    for pid in pids:
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue  # gone
        if comm not in PEER_PROGRAMS:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        except PermissionError:
            left.append(f"process {pid} ({comm}): not allowed to kill it")
    for name in namespaces:
        try:
            delete_namespace(name)
        except NetlabError as e:
            left.append(f"namespace {name}: {e.reason}")
    return left


def _check_peer(peer: PeerSpec, networks: set[str]) -> None:
    if peer.network is not None and peer.network not in networks:
        raise LabError(f"peer {peer.name}: network {peer.network} is not in the lab")
    if peer.kind == "scep-ca" and peer.network is None:
        raise LabError(
            f"peer {peer.name}: a scep-ca needs a network (scepserver listens on every "
            "address, which on the host would be every interface)"
        )
    if peer.network is None and peer.address not in (None, "127.0.0.1"):
        raise LabError(f"peer {peer.name}: without a network it listens on 127.0.0.1")


def _addresses(
    spec: LabSpec, subnets: Mapping[str, ipaddress.IPv4Network]
) -> tuple[dict[str, ipaddress.IPv4Interface], dict[tuple[str, str], ipaddress.IPv4Interface]]:
    """Each networked peer's and node VRF's address: the spec's first (so that the free ones
    never take them), then the next free hosts, peers before VRFs."""
    pools = {name: _Addresses(name, net) for name, net in subnets.items()}
    peers: dict[str, ipaddress.IPv4Interface] = {}
    vrfs: dict[tuple[str, str], ipaddress.IPv4Interface] = {}
    for peer in spec.peers:
        if peer.network is not None and peer.address is not None:
            peers[peer.name] = pools[peer.network].claim(peer.address, f"peer {peer.name}")
    for node in spec.nodes:
        for vrf in node.vrfs:
            if vrf.address is not None:
                where = f"node {node.name} vrf {vrf.name}"
                vrfs[node.name, vrf.name] = pools[vrf.network].claim(vrf.address, where)
    for peer in spec.peers:
        if peer.network is not None and peer.name not in peers:
            peers[peer.name] = pools[peer.network].next(f"peer {peer.name}")
    for node in spec.nodes:
        for vrf in node.vrfs:
            if (node.name, vrf.name) not in vrfs:
                where = f"node {node.name} vrf {vrf.name}"
                vrfs[node.name, vrf.name] = pools[vrf.network].next(where)
    return peers, vrfs


def _reason(e: BaseException) -> str:
    return str(getattr(e, "reason", None) or e)

"""``xrsim.lab.network`` and ``xrsim.lab.peers`` without namespaces: subnets and addresses as
the plan gives them, the lab files ``LabNetwork`` refuses (``LabError``, nothing made), a lab of
loopback peers (the syslog listener writing a line per datagram, Debian's ``snmptrapd``) that
needs no root, and the refusal of a lab with networks to a process without root (a forked child
that gave up root). Namespaces themselves: tests/integration/test_lab_peers.py."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from xrsim.errors import LabError
from xrsim.lab import network
from xrsim.lab.network import LabNetwork, NodePlan
from xrsim.lab.peers import SnmpTrapd, SyslogPeer, udp_bound
from xrsim.lab.spec import LabSpec, NetworkSpec, NodeSpec, PeerSpec, VrfSpec

pytestmark = pytest.mark.timeout(60)


def _spec(
    nodes: tuple[NodeSpec, ...] = (NodeSpec("r1"),),
    networks: tuple[NetworkSpec, ...] = (),
    peers: tuple[PeerSpec, ...] = (),
) -> LabSpec:
    return LabSpec("t", nodes, networks, peers)


# -- subnets and addresses ------------------------------------------------------------------


def test_subnets_given_kept_free_ones_skip_them() -> None:
    got = network._subnets(
        (
            NetworkSpec("a"),
            NetworkSpec("b", "198.18.1.0/24"),
            NetworkSpec("c"),
            NetworkSpec("d", "198.18.3.0/25"),
            NetworkSpec("e"),
        )
    )
    assert {k: str(v) for k, v in got.items()} == {
        "a": "198.18.2.0/24",
        "b": "198.18.1.0/24",
        "c": "198.18.4.0/24",
        "d": "198.18.3.0/25",
        "e": "198.18.5.0/24",
    }


@pytest.mark.parametrize(
    ("networks", "reason"),
    [
        ((NetworkSpec("a", "10.0.0.0/24"),), "outside the lab range 198.18.0.0/15"),
        ((NetworkSpec("a", "198.18.1.0/31"),), "too small"),
        ((NetworkSpec("a", "198.18.1.7/24"),), "not an IPv4 subnet"),
        (
            (NetworkSpec("a", "198.18.0.0/16"), NetworkSpec("b", "198.18.9.0/24")),
            "network b: 198.18.9.0/24 overlaps network a",
        ),
    ],
)
def test_bad_subnets_refused(networks: tuple[NetworkSpec, ...], reason: str) -> None:
    with pytest.raises(LabError, match=reason):
        network._subnets(networks)


def test_addresses_spec_first_then_free_hosts_peers_before_vrfs() -> None:
    spec = _spec(
        nodes=(
            NodeSpec("r1", vrfs=(VrfSpec("mgmt", "m"),)),
            NodeSpec("r2", vrfs=(VrfSpec("mgmt", "m", address="198.18.1.1/24"),)),
        ),
        networks=(NetworkSpec("m"),),
        peers=(PeerSpec("ca", "scep-ca", network="m"), PeerSpec("t", "tftp", network="m")),
    )
    peers, vrfs = network._addresses(spec, network._subnets(spec.networks))
    assert {k: str(v) for k, v in peers.items()} == {"ca": "198.18.1.2/24", "t": "198.18.1.3/24"}
    assert {k: str(v) for k, v in vrfs.items()} == {
        ("r1", "mgmt"): "198.18.1.4/24",
        ("r2", "mgmt"): "198.18.1.1/24",
    }


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("198.18.2.5/24", "not a host of network m"),
        ("198.18.1.0", "not a host of network m"),
        ("198.18.1.255/24", "not a host of network m"),
        ("banana", "not an IPv4 address"),
        ("198.18.1.9", "already used on network m"),
    ],
)
def test_bad_addresses_refused(address: str, reason: str) -> None:
    spec = _spec(
        nodes=(NodeSpec("r1", vrfs=(VrfSpec("mgmt", "m", address=address),)),),
        networks=(NetworkSpec("m", "198.18.1.0/24"),),
        peers=(PeerSpec("ca", "scep-ca", network="m", address="198.18.1.9"),),
    )
    with pytest.raises(LabError, match=reason):
        network._addresses(spec, network._subnets(spec.networks))


def test_a_full_subnet_is_refused() -> None:
    spec = _spec(
        nodes=tuple(NodeSpec(f"r{i}", vrfs=(VrfSpec("v", "m"),)) for i in range(3)),
        networks=(NetworkSpec("m", "198.18.1.0/30"),),
    )
    with pytest.raises(LabError, match=r"node r2 vrf v: network m \(198.18.1.0/30\) has no free"):
        network._addresses(spec, network._subnets(spec.networks))


# -- refusals before anything is made -------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (_spec(peers=(PeerSpec("ca", "scep-ca"),)), "peer ca: a scep-ca needs a network"),
        (_spec(peers=(PeerSpec("s", "syslog", network="x"),)), "network x is not in the lab"),
        (
            _spec(peers=(PeerSpec("s", "syslog", address="192.0.2.1"),)),
            "without a network it listens on 127.0.0.1",
        ),
        (
            _spec(nodes=(NodeSpec("r1", vrfs=(VrfSpec("mgmt", "x"),)),)),
            "node r1 vrf mgmt: network x is not in the lab",
        ),
        (
            _spec(
                nodes=(NodeSpec("r1", vrfs=(VrfSpec("default", "m"),)),),
                networks=(NetworkSpec("m"),),
            ),
            "the default VRF is the host's",
        ),
        (
            _spec(
                nodes=(NodeSpec("r1", vrfs=(VrfSpec("a", "m"), VrfSpec("b", "m"))),),
                networks=(NetworkSpec("m"),),
            ),
            "interface MgmtEth0/RP0/CPU0/0 is in another VRF",
        ),
    ],
)
def test_refused_specs_make_nothing(spec: LabSpec, reason: str, tmp_path: Path) -> None:
    net = LabNetwork(spec, tmp_path / "peers")
    with pytest.raises(LabError, match=reason):
        net.start()
    assert not (tmp_path / "peers").exists()


def test_a_missing_program_is_named_with_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    net = LabNetwork(_spec(peers=(PeerSpec("traps", "snmptrapd"),)), tmp_path / "peers")
    with pytest.raises(LabError, match=r"missing snmptrapd \(Debian package snmptrapd\)"):
        net.start()


# -- a lab of nodes only, and loopback peers ------------------------------------------------


def test_nodes_only_make_nothing(tmp_path: Path) -> None:
    net = LabNetwork(_spec(nodes=(NodeSpec("r1"), NodeSpec("r2"))), tmp_path / "peers")
    assert not net.needs_root()
    plan = net.start()
    assert plan.nodes == {"r1": NodePlan(), "r2": NodePlan()}
    assert (plan.peers, plan.namespaces, plan.pids) == ((), (), ())
    net.close()
    with pytest.raises(LabError, match="already started"):
        net.start()


def test_syslog_peer_writes_a_line_per_datagram(tmp_path: Path) -> None:
    peer = SyslogPeer(tmp_path / "syslog.log")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for data in (b"<185>1: first\n", b"<13>2: two\nlines", b"<13>3: \xff bad"):
                s.sendto(data, ("127.0.0.1", peer.port))
        assert peer.wait(3) == ["<185>1: first", "<13>2: two\\nlines", "<13>3: \ufffd bad"]
    finally:
        peer.close()
    assert not udp_bound("127.0.0.1", peer.port)
    peer.close()  # idempotent


def test_syslog_peer_port_in_use(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        with pytest.raises(LabError, match=f"cannot bind 127.0.0.1:{port}: Address already"):
            SyslogPeer(tmp_path / "syslog.log", port=port)


@pytest.mark.peer
def test_loopback_peers(require_tool: Callable[[str], str], tmp_path: Path) -> None:
    require_tool("snmptrapd")
    spec = _spec(peers=(PeerSpec("log", "syslog"), PeerSpec("traps", "snmptrapd")))
    net = LabNetwork(spec, tmp_path / "peers")
    assert not net.needs_root()
    plan = net.start()
    try:
        log, traps = plan.peers
        assert (log.kind, log.netns, log.address, log.pid, log.url) == (
            "syslog",
            None,
            "127.0.0.1",
            None,
            None,
        )
        assert log.log == str(tmp_path / "peers" / "log" / "syslog.log")
        assert plan.pids == (traps.pid,)
        assert plan.namespaces == ()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"<14>1: hello", (log.address, log.port))
        assert net.syslog("log").wait(1) == ["<14>1: hello"]
        conf = tmp_path / "peers" / "traps" / "snmptrapd.conf"
        assert conf.read_text() == "authCommunity log public\n"
        assert conf.stat().st_mode & 0o077 == 0
        assert udp_bound("127.0.0.1", traps.port)
        assert isinstance(net.snmptrapd("traps"), SnmpTrapd)
    finally:
        net.close()
    assert traps.pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(traps.pid, 0)
    assert not udp_bound("127.0.0.1", log.port)


def _as_nobody(fn: Callable[[], str]) -> str:
    """``fn()`` in a forked child that gave up root (uid/gid 65534), or here when this process
    has no root; its result or error."""
    if os.geteuid() != 0:
        try:
            return fn()
        except Exception as e:
            return f"{type(e).__name__}: {e}"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery, only the pipe
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            text = fn()
        except BaseException as e:
            text = f"{type(e).__name__}: {e}"
        os.write(write, text.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        out = f.read().decode()
    os.waitpid(pid, 0)
    return out


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A directory user nobody may write (under /tmp: pytest's are root's, mode 0700)."""
    path = Path(tempfile.mkdtemp(prefix="xrsim-test-nobody-"))
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
    yield path
    shutil.rmtree(path)


def test_without_root(nobody_dir: Path) -> None:
    work = nobody_dir

    def loopback() -> str:
        net = LabNetwork(_spec(peers=(PeerSpec("log", "syslog"),)), work / "a")
        plan = net.start()
        net.close()
        return f"ok {plan.peers[0].port}"

    def networked() -> str:
        spec = _spec(
            nodes=(NodeSpec("r1", vrfs=(VrfSpec("mgmt", "m"),)),), networks=(NetworkSpec("m"),)
        )
        LabNetwork(spec, work / "b").start()
        return "started"

    assert _as_nobody(loopback).startswith("ok ")
    refused = _as_nobody(networked)
    assert refused.startswith("LabError: lab t: its networks, VRFs and peers on them need root")
    assert not (work / "b").exists()

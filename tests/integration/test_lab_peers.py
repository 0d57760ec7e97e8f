"""A lab file's networks and peers as ``xrsim.lab.network.LabNetwork`` makes them, as root: a
network ``mgmt`` (a bridge in a namespace of its own), the Debian ``scep`` CA and ``in.tftpd`` on
it, a syslog listener on it and one on the host's loopback, Debian's ``snmptrapd`` on the
loopback, and a node whose VRF
``mgmt`` is a namespace joined to the bridge.

A router booted with the plan's ``vrfs`` and ``links`` and configured with its first-boot
lines then, through its CLI, inside VRF ``mgmt``: authenticates and enrolls over SCEP with the
CA (``crypto ca authenticate``/``enroll``, the certificate issued by the depot's CA), and
authenticates over TFTP with the CA certificate published on the TFTP peer and writes its
request there. Its clock moved to the certificate's last weeks, the expiry warnings reach the
syslog listener (one line per datagram in ``peers/syslog/syslog.log``) and snmptrapd logs the
CISCO-PKI-MIB trap. ``close()`` leaves no namespace, no veth and no process; the challenge is
in no file of the lab directory nor on any command line.

A lab process killed with SIGKILL leaves its peers and namespaces; ``sweep_lab`` with what
``lab.json`` would record removes all of them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from simulator.dialogue import enrollment_answers
from xrsim.clock import SimClock
from xrsim.errors import LabError
from xrsim.lab.network import LabNetwork, NetworkPlan, sweep_lab
from xrsim.lab.peers import udp_bound
from xrsim.lab.spec import LabSpec, NetworkSpec, NodeSpec, PeerSpec, VrfSpec
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(240)]

MGMT = "MgmtEth0/RP0/CPU0/0"
COMMUNITY = "lab-traps"
CHAIN = "1.3.6.1.4.1.9.9.854.2.2.1.1"  # CISCO-PKI-MIB certChainEntry
EXPIRY_TRAP = "1.3.6.1.4.1.9.9.854.1.2"


def _spec() -> LabSpec:
    return LabSpec(
        name="peers",
        nodes=(NodeSpec("r1", vrfs=(VrfSpec("mgmt", "mgmt", MGMT, "198.18.5.10/24"),)),),
        networks=(NetworkSpec("mgmt", "198.18.5.0/24"),),
        peers=(
            PeerSpec("ca", "scep-ca", network="mgmt"),  # a random challenge
            PeerSpec("tftp", "tftp", network="mgmt"),
            PeerSpec("nms", "syslog", network="mgmt"),
            PeerSpec("syslog", "syslog"),
            PeerSpec("traps", "snmptrapd", community=COMMUNITY),
        ),
    )


def _require(require_tool: Callable[[str], str]) -> None:
    for tool in ("ip", "scepserver", "in.tftpd", "snmptrapd"):
        require_tool(tool)
    if os.geteuid() != 0:
        message = "network namespaces need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)"
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires them")
        pytest.skip(message)


def _netns() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    return {line.split()[0] for line in out.stdout.splitlines() if line.strip()}


def _host_links() -> str:
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _left(plan: NetworkPlan) -> list[str]:
    """What of ``plan`` still exists."""
    out = [f"namespace {ns}" for ns in set(plan.namespaces) & _netns()]
    out += [f"pid {pid}" for pid in plan.pids if _running(pid)]
    links = _host_links()
    out += [
        f"link {name}" for n in plan.nodes.values() for name in n.links.values() if name in links
    ]
    return out


@pytest.fixture
def lab(require_tool: Callable[[str], str], tmp_path: Path) -> Iterator[tuple[LabNetwork, Path]]:
    _require(require_tool)
    root = tmp_path / "lab"
    root.mkdir(mode=0o700)
    net = LabNetwork(_spec(), root / "peers")
    yield net, root
    net.close()


def test_router_enrolls_logs_and_traps_through_the_lab(
    lab: tuple[LabNetwork, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net, root = lab
    plan = net.start()
    ca, tftp, syslog, traps = (plan.peer(n) for n in ("ca", "tftp", "syslog", "traps"))
    # The plan: peers on mgmt from its first free hosts, the node's VRF as the spec says.
    assert (ca.address, ca.port, ca.url) == ("198.18.5.1", 8080, "http://198.18.5.1:8080/scep")
    assert (tftp.address, tftp.url) == ("198.18.5.2", "tftp://198.18.5.2")
    assert (syslog.netns, syslog.address, syslog.pid) == (None, "127.0.0.1", None)
    nms = plan.peer("nms")
    assert (nms.address, nms.pid) == ("198.18.5.3", None)
    assert nms.netns in plan.namespaces
    assert traps.netns is None
    assert traps.pid in plan.pids
    node = plan.nodes["r1"]
    assert node.config == (
        "vrf mgmt",
        f"interface {MGMT}",
        " vrf mgmt",
        " ipv4 address 198.18.5.10 255.255.255.0",
        " no shutdown",
    )
    assert set(plan.namespaces) <= _netns()
    assert len(plan.namespaces) == 5  # the bridge's, the VRF's, the CA's, TFTP's, the NMS's
    challenge = plan.challenges["ca"]
    assert challenge not in repr(plan)

    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    router = Router.boot(
        state_dir=root / "nodes" / "r1",
        hostname="r1",
        clock=SimClock(datetime.now(UTC), frozen=True),
        vrfs=node.vrfs,
        links=node.links,
    )
    try:
        router.configure(list(node.config))
        router.configure(
            [
                "domain name lab.example",
                f"logging {syslog.address} port {syslog.port}",
                f"logging {nms.address} vrf mgmt port {nms.port}",
                f"snmp-server community {COMMUNITY} RO",
                f"snmp-server host {traps.address} traps version 2c {COMMUNITY} "
                f"udp-port {traps.port}",
                "snmp-server traps pki",
                "crypto ca trustpoint lab-scep",
                " vrf mgmt",
                f" enrollment url {ca.url}",
                " subject-name CN=r1,O=lab",
                "crypto ca trustpoint lab-tftp",
                " vrf mgmt",
                f" enrollment url tftp://{tftp.address};mgmt/lab-ca",
                " subject-name CN=r1,O=lab,OU=TFTP",
            ]
        )
        answers = enrollment_answers(challenge)

        # SCEP inside VRF mgmt: the CA of the depot the lab initialised.
        ca_pem = root / "peers" / "ca" / "depot" / "ca.pem"
        ca_cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
        auth = router.cli("crypto ca authenticate lab-scep", answers=answers)
        assert "Do you accept this certificate? [yes/no]: yes" in auth, auth
        enroll = router.cli("crypto ca enroll lab-scep", answers=answers)
        assert "Certificate request sent to Certificate Authority" in enroll, enroll
        assert challenge not in auth + enroll
        assert router.certs.ca("lab-scep") == ca_cert
        cert = router.certs.router("lab-scep").get("general")
        assert cert is not None, router.cli("show crypto ca certificates")
        assert cert.issuer == ca_cert.subject

        # TFTP inside VRF mgmt: the published CA certificate read, the request written.
        published = root / "peers" / "tftp" / "root" / "lab-ca.ca"
        shutil.copyfile(ca_pem, published)
        published.chmod(0o644)
        auth = router.cli("crypto ca authenticate lab-tftp", answers=answers)
        assert router.certs.ca("lab-tftp") == ca_cert, auth
        router.cli("crypto ca enroll lab-tftp", answers=answers)
        request = root / "peers" / "tftp" / "root" / "r1.lab.example.req"
        assert request.stat().st_size > 0

        # The certificate's last weeks: warnings as syslog lines and CISCO-PKI-MIB traps.
        left = cert.not_valid_after_utc - datetime.now(UTC)
        router.advance(days=left.days - 50)  # across the 60-days-left warning
        lines = net.syslog("syslog").wait(1)
        assert lines, router.cli("show logging")
        assert "%SECURITY-CEPKI-4-CERT_EXPIRING_WARNING" in lines[0]
        assert "Trustpoint Name= lab-scep" in lines[0]
        assert lines[0].startswith("<188>1: RP/0/RP0/CPU0:")
        assert Path(syslog.log or "").read_text().splitlines() == lines
        assert net.syslog("nms").wait(len(lines)) == lines  # the same, inside VRF mgmt
        trapd = net.snmptrapd("traps")
        (trap, *_) = trapd.traps(1)
        assert trap.community == COMMUNITY
        assert trap.varbinds["1.3.6.1.6.3.1.1.4.1.0"] == ("OID", "." + EXPIRY_TRAP)
        label = "8." + ".".join(str(b) for b in b"lab-scep")
        assert trap.string(f"{CHAIN}.8.{label}") == "lab-scep"
    finally:
        router.shutdown()

    # Secrets: the challenge is in no file of the lab and on no command line.
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert challenge.encode() not in path.read_bytes(), path
    for pid in plan.pids:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert challenge.encode() not in cmdline

    net.close()
    assert _left(plan) == []
    assert not udp_bound("127.0.0.1", syslog.port)
    net.close()  # idempotent


def test_a_failed_start_leaves_nothing(require_tool: Callable[[str], str], tmp_path: Path) -> None:
    _require(require_tool)
    ours = f"xl-{os.getpid()}-"  # other xdist workers make and delete theirs meanwhile
    before = {ns for ns in _netns() if ns.startswith(ours)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        # The CA, its namespace and the bridge are made before the syslog peer fails.
        spec = LabSpec(
            name="broken",
            nodes=(NodeSpec("r1", vrfs=(VrfSpec("mgmt", "mgmt"),)),),
            networks=(NetworkSpec("mgmt"),),
            peers=(
                PeerSpec("ca", "scep-ca", network="mgmt"),
                PeerSpec("traps", "snmptrapd"),
                PeerSpec("log", "syslog", port=port),
            ),
        )
        net = LabNetwork(spec, tmp_path / "peers")
        with pytest.raises(LabError, match=f"cannot bind 127.0.0.1:{port}"):
            net.start()
    assert {ns for ns in _netns() if ns.startswith(ours)} == before
    assert _processes_naming(tmp_path) == []
    assert (tmp_path / "peers" / "ca" / "scepserver.log").exists()  # the logs are kept


def _processes_naming(path: Path) -> list[int]:
    """Processes whose command line names a file under ``path``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if str(path).encode() in cmdline:
            found.append(int(proc.name))
    return found


KILLED_LAB = """
import json, sys, time
from pathlib import Path
from xrsim.lab.network import LabNetwork
from xrsim.lab.spec import LabSpec, NetworkSpec, NodeSpec, PeerSpec, VrfSpec
spec = LabSpec(
    name="killed",
    nodes=(NodeSpec("r1", vrfs=(VrfSpec("mgmt", "mgmt"),)),),
    networks=(NetworkSpec("mgmt"),),
    peers=(
        PeerSpec("ca", "scep-ca", network="mgmt"),
        PeerSpec("tftp", "tftp"),
        PeerSpec("traps", "snmptrapd"),
    ),
)
plan = LabNetwork(spec, Path(sys.argv[1])).start()
print(json.dumps({"namespaces": plan.namespaces, "pids": plan.pids}), flush=True)
time.sleep(600)
"""


def test_sweep_after_kill_9(require_tool: Callable[[str], str], tmp_path: Path) -> None:
    _require(require_tool)
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_LAB), str(tmp_path / "peers")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        made = json.loads(child.stdout.readline())
        namespaces, pids = tuple(made["namespaces"]), tuple(made["pids"])
        assert len(pids) == 3
        # Stopped first, so that what it made is checked while its pid still names a live lab:
        # another lab starting meanwhile (another xdist worker) sweeps a dead lab's namespaces.
        child.send_signal(signal.SIGSTOP)
        assert set(namespaces) <= _netns()
        assert all(_running(p) for p in pids)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    # SIGKILL ran no teardown: sweep_lab undoes it from what lab.json would hold.
    assert sweep_lab(namespaces, pids) == []
    assert not set(namespaces) & _netns()
    for pid in pids:  # the lab's peers were children of the killed process: reaped by init
        assert not Path(f"/proc/{pid}/comm").exists() or not _alive_not_zombie(pid)


def _alive_not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_peer_namespaces_have_no_way_out(lab: tuple[LabNetwork, Path]) -> None:
    """A peer's namespace has the bridge as its only link and no default route; the VRF's end
    is the router's to address (none until then)."""
    net, _ = lab
    plan = net.start()
    ca = plan.peer("ca")
    assert ca.netns is not None
    routes = subprocess.run(
        ["ip", "-n", ca.netns, "-4", "route"], capture_output=True, text=True, check=True
    ).stdout
    assert [line.strip() for line in routes.splitlines()] == [
        f"198.18.5.0/24 dev {routes.split()[2]} proto kernel scope link src 198.18.5.1"
    ]
    (vrf_ns,) = plan.nodes["r1"].vrfs.values()
    (ifname,) = plan.nodes["r1"].links.values()
    addrs = subprocess.run(
        ["ip", "-n", vrf_ns, "-4", "-o", "addr", "show", "dev", ifname],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert addrs == ""

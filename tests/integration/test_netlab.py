"""``xrsim.lab.netlab`` itself, as root: namespaces, veths, bridges and addresses as asked,
the peers up and serving across a link (the CA's challenge in its environment, not its command
line), and everything gone after a normal end, an exception, a SIGINT
(in a child process), and after a SIGKILL once the next lab sweeps.

Traffic goes only between namespaces these tests make (never from the host namespace).
"""

from __future__ import annotations

import io
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import tftpy
from pyroute2 import IPRoute

from netlab_fixtures import Attachment, Site
from xrsim.lab.netlab import Lab, NetlabError, sweep
from xrsim.net import http
from xrsim.net.netns import exists, run_in, socket_in

pytestmark = pytest.mark.peer

ROOT = Path(__file__).resolve().parents[2]


def _require_root() -> None:
    if os.geteuid() != 0:
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail("needs root; XRSIM_REQUIRE_PEERS=1 requires it")
        pytest.skip("needs root")


def _addresses_and_routes(ifname: str) -> tuple[list[str], list[str | None], str]:
    with IPRoute() as ipr:
        index = ipr.link_lookup(ifname=ifname)[0]
        addrs = [
            f"{a.get('IFA_ADDRESS')}/{a['prefixlen']}" for a in ipr.get_addr(index=index, family=2)
        ]
        routes = [r.get("RTA_DST") for r in ipr.get_routes(family=2, table=254)]
        state = ipr.get_links(index)[0].get("IFLA_OPERSTATE")
    return addrs, routes, state


def _gone(namespaces: list[str], workdir: Path | None, pids: list[int]) -> None:
    for ns in namespaces:
        assert not exists(ns), f"namespace {ns} left behind"
    if workdir is not None:
        assert not workdir.exists(), f"{workdir} left behind"
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} left behind"


def test_namespaces_links_and_teardown(netlab: Lab) -> None:
    a, b = netlab.namespace("left"), netlab.namespace("right")
    link = netlab.link(a, b, "198.18.7.1/30", "198.18.7.2/30")
    assert max(len(link.name_a), len(link.name_b)) <= 15
    addrs, routes, state = run_in(a, _addresses_and_routes, link.name_a)
    assert addrs == ["198.18.7.1/30"]
    assert routes == ["198.18.7.0"], "only the connected route: no default route"
    assert state == "UP"
    addrs, _, _ = run_in(b, _addresses_and_routes, link.name_b)
    assert addrs == ["198.18.7.2/30"]
    # The pair has no end in the host namespace.
    with IPRoute() as ipr:
        assert not ipr.link_lookup(ifname=link.name_a)
        assert not ipr.link_lookup(ifname=link.name_b)
    netlab.close()
    _gone([a, b], None, [])


def test_unaddressed_end_and_bad_addresses(netlab: Lab) -> None:
    a, b = netlab.namespace("left"), netlab.namespace("right")
    link = netlab.link(a, b, None, "198.18.8.2/24")
    assert run_in(a, _addresses_and_routes, link.name_a)[0] == []
    with pytest.raises(NetlabError):
        netlab.link(a, b, "10.0.0.1/24", None)  # outside 198.18.0.0/15
    with pytest.raises(NetlabError):
        netlab.link(a, "xl-not-a-lab-namespace", None, None)


def test_peers_serve_across_a_link(
    netlab: Lab,
    scep_ca: Site,
    tftp_server: Callable[..., tuple[Site, Attachment]],
) -> None:
    client = netlab.namespace("client")
    path = scep_ca.attach(client)
    reply = http.request("GET", path.url + "?operation=GetCACaps", netns=client, timeout=5)
    assert reply.status == 200
    assert b"POSTPKIOperation" in reply.body

    site, first = tftp_server(client, addressed=True)
    assert site.tftp is not None
    (site.tftp.root / "lab.ca").write_bytes(b"a CA certificate\n")

    def transfer() -> bytes:
        c = tftpy.TftpClient(first.remote, 69, flock=False)
        c.upload("router.lab.req", io.BytesIO(b"a request\n"), timeout=2)
        out = io.BytesIO()
        c.download("lab.ca", out, timeout=2)
        return out.getvalue()

    assert run_in(client, transfer) == b"a CA certificate\n"
    assert (site.tftp.root / "router.lab.req").read_bytes() == b"a request\n"

    peers = [p.pid for p in netlab.peers]
    namespaces, workdir = list(netlab.namespaces), netlab.workdir
    netlab.close()
    _gone(namespaces, workdir, peers)


def test_teardown_after_an_exception(require_tool: Callable[[str], str]) -> None:
    require_tool("scepserver")
    _require_root()
    lab = Lab("test")

    def fail() -> None:
        with lab:
            ns = lab.namespace("ca")
            lab.scepserver(ns, "127.0.0.1")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail()
    _gone(lab.namespaces, lab.workdir, [p.pid for p in lab.peers])


_CHILD = """
import sys, time
from xrsim.lab.netlab import Lab
with Lab("child") as lab:
    ns = lab.namespace("ca")
    server = lab.scepserver(ns, "127.0.0.1")
    print(ns, lab.workdir, server.peer.pid, flush=True)
    time.sleep(60)
"""


def _child(code: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "python")]))
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        child.wait(10)
        pytest.fail(f"the child lab did not start: {child.stderr.read() if child.stderr else ''}")
    return child, line.split()


@pytest.mark.timeout(60)
def test_teardown_after_sigint(require_tool: Callable[[str], str]) -> None:
    require_tool("scepserver")
    _require_root()
    child, (ns, workdir, pid) = _child(_CHILD)
    assert exists(ns)
    assert Path(f"/proc/{pid}").exists()
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert child.returncode != 0
    assert "KeyboardInterrupt" in err
    _gone([ns], Path(workdir), [int(pid)])


@pytest.mark.timeout(60)
def test_sweep_after_sigkill(require_tool: Callable[[str], str]) -> None:
    require_tool("scepserver")
    _require_root()
    child, (ns, workdir, pid) = _child(_CHILD)
    child.kill()
    child.communicate(timeout=10)
    assert exists(ns), "a SIGKILLed lab leaves its namespace"
    swept = sweep()
    assert ns in swept
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # the killed scepserver is reaped by init
    _gone([ns], Path(workdir), [int(pid)])


def _udp_echo(address: str) -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 0))
    sock.settimeout(5)
    return sock, sock.getsockname()[1]


def test_a_bridge_joins_namespaces(netlab: Lab) -> None:
    switch = netlab.namespace("switch")
    assert netlab.bridge(switch, "br0") == "br0"
    a, b = netlab.namespace("a"), netlab.namespace("b")
    la = netlab.link(a, switch, "198.18.9.1/24", None, bridge_b="br0")
    lb = netlab.link(b, switch, "198.18.9.2/24", None, bridge_b="br0")

    def ports() -> set[str]:
        with IPRoute() as ipr:
            master = ipr.link_lookup(ifname="br0")[0]
            return {
                link.get("IFLA_IFNAME")
                for link in ipr.get_links()
                if link.get("IFLA_MASTER") == master
            }

    assert run_in(switch, ports) == {la.name_b, lb.name_b}
    receiver, port = run_in(b, _udp_echo, "198.18.9.2")
    sender = socket_in(a, socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sender.sendto(b"across the bridge", ("198.18.9.2", port))
        data, (source, _) = receiver.recvfrom(100)
    finally:
        sender.close()
        receiver.close()
    assert (data, source) == (b"across the bridge", "198.18.9.1")
    with pytest.raises(NetlabError, match="bridge br9 is missing"):
        netlab.link(a, switch, None, None, bridge_b="br9")


def test_a_given_workdir_is_kept_and_the_challenge_is_off_the_command_line(
    require_tool: Callable[[str], str], tmp_path: Path
) -> None:
    require_tool("scepserver")
    _require_root()
    workdir = tmp_path / "lab"
    with Lab("test", workdir=workdir) as lab:
        ns = lab.namespace("ca")
        server = lab.scepserver(ns, "127.0.0.1", challenge="not-on-argv", directory=workdir / "ca")
        assert server.ca_pem == workdir / "ca" / "depot" / "ca.pem"
        assert server.peer.log == workdir / "ca" / "scepserver.log"
        pid = server.peer.pid
        assert b"not-on-argv" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        assert b"SCEP_CHALLENGE_PASSWORD=not-on-argv" in Path(f"/proc/{pid}/environ").read_bytes()
        assert "not-on-argv" not in repr(server)
    _gone([ns], None, [pid])
    assert server.ca_pem.exists()  # the caller's directory, kept


def test_subnets_are_distinct(netlab: Lab) -> None:
    nets = [netlab.subnet() for _ in range(3)]
    assert len(set(nets)) == 3
    assert all(n.subnet_of(ipaddress.IPv4Network("198.18.0.0/15")) for n in nets)

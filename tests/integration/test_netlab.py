"""``xrsim.lab.netlab`` itself, as root: namespaces, veths and addresses as asked, the peers
up and serving across a link, and everything gone after a normal end, an exception, a SIGINT
(in a child process), and after a SIGKILL once the next lab sweeps.

Traffic goes only between namespaces these tests make (never from the host namespace).
"""

from __future__ import annotations

import io
import ipaddress
import os
import signal
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
from xrsim.net.netns import exists, run_in

pytestmark = pytest.mark.peer

ROOT = Path(__file__).resolve().parents[2]


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
    if os.geteuid() != 0:
        pytest.skip("needs root")
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
    if os.geteuid() != 0:
        pytest.skip("needs root")
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
    if os.geteuid() != 0:
        pytest.skip("needs root")
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


def test_subnets_are_distinct(netlab: Lab) -> None:
    nets = [netlab.subnet() for _ in range(3)]
    assert len(set(nets)) == 3
    assert all(n.subnet_of(ipaddress.IPv4Network("198.18.0.0/15")) for n in nets)

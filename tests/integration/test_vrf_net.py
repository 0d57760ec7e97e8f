"""VRFs as real network namespaces: interface addresses on veths, TFTP and SSH inside a VRF.

Every test makes its own namespaces and veth pairs (``vrfnet-<pid>-...``, 198.18.0.0/15, no
default route) and removes them afterwards, also on failure; no test traffic leaves the host
namespace. The topology::

    router VRF mgmt (ns R) --veth-- peer (ns P: in.tftpd, SSH clients)
    router VRF other (ns O): no link at all (isolation)

- ``interface MgmtEth0/RP0/CPU0/0`` with ``vrf mgmt`` and ``ipv4 address`` typed in the CLI
  puts that address on the router's end of the veth inside ns R (``ip -n R addr``), ``no ipv4
  address`` removes it, ``shutdown`` sets the link down; a reboot with the same bindings sets it
  again; a commit that cannot be realised (VRF not bound, link elsewhere) is refused and changes
  nothing; without CAP_NET_ADMIN/CAP_SYS_ADMIN (a child process under ``capsh --drop``) the
  commit answers a ``%`` error naming the privilege.
- TFTP (``xrsim.net.tftp`` with tftpy) against tftpd-hpa in ns P, from the router's VRF, over
  the address the CLI set: read, write, file not found, permission denied, no answer
  (``TransportTimeout``), and from VRF ``other`` (no path: ``TransportError``).
- ``ssh server vrf mgmt``: the SSH server listens inside ns R; asyncssh connects from ns P over
  the veth (its socket made in ns P) and runs a command; from ns O it cannot connect; ``no ssh
  server vrf mgmt`` closes the listener.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pytest

from xrsim.errors import CommandError, TftpError, TransportError, TransportTimeout, VrfError
from xrsim.frontends.ssh import SshServer
from xrsim.net import tftp
from xrsim.net.netns import socket_in
from xrsim.router import Router

pytestmark = pytest.mark.timeout(90)

MGMT = "MgmtEth0/RP0/CPU0/0"
ROUTER_IP, PEER_IP = "198.18.212.1", "198.18.212.2"
PREFIX = 30


def ip(*args: str) -> str:
    return subprocess.run(
        ["ip", *args], check=True, capture_output=True, text=True, timeout=20
    ).stdout


@dataclass
class Net:
    """The test's namespaces and veth pair (see the module documentation)."""

    tag: str
    router_ns: str = ""
    peer_ns: str = ""
    other_ns: str = ""
    router_link: str = ""
    peer_link: str = ""
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def addresses(self, ns: str, link: str) -> list[str]:
        data = json.loads(ip("-j", "-n", ns, "-4", "addr", "show", "dev", link))
        return [f"{a['local']}/{a['prefixlen']}" for d in data for a in d.get("addr_info", [])]

    def is_up(self, ns: str, link: str) -> bool:
        data = json.loads(ip("-j", "-n", ns, "link", "show", "dev", link))
        return "UP" in data[0]["flags"]


@pytest.fixture
def net() -> Iterator[Net]:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    tag = f"vrfnet-{os.getpid()}-{time.monotonic_ns() % 100000}"
    short = f"{os.getpid() % 100000}{time.monotonic_ns() % 100}"
    n = Net(
        tag,
        router_ns=f"{tag}-r",
        peer_ns=f"{tag}-p",
        other_ns=f"{tag}-o",
        router_link=f"vnr{short}"[:15],
        peer_link=f"vnp{short}"[:15],
    )
    made: list[str] = []
    try:
        for ns in (n.router_ns, n.peer_ns, n.other_ns):
            ip("netns", "add", ns)
            made.append(ns)
        ip("link", "add", n.router_link, "type", "veth", "peer", "name", n.peer_link)
        ip("link", "set", n.router_link, "netns", n.router_ns)
        ip("link", "set", n.peer_link, "netns", n.peer_ns)
        ip("-n", n.peer_ns, "addr", "add", f"{PEER_IP}/{PREFIX}", "dev", n.peer_link)
        ip("-n", n.peer_ns, "link", "set", n.peer_link, "up")
        yield n
    finally:
        for p in n.procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for ns in made:  # a namespace takes its end of the veth pair with it
            subprocess.run(["ip", "netns", "del", ns], check=False, timeout=20)


@pytest.fixture
def router(net: Net, tmp_path: Path) -> Iterator[Router]:
    r = Router.boot(
        state_dir=tmp_path / "r1",
        hostname="r1",
        vrfs={"mgmt": net.router_ns, "other": net.other_ns},
        links={MGMT: net.router_link},
    )
    try:
        yield r
    finally:
        r.shutdown()


def address_lines(address: str = ROUTER_IP) -> list[str]:
    return [
        "vrf mgmt",
        "vrf other",
        f"interface {MGMT}",
        "vrf mgmt",
        f"ipv4 address {address} 255.255.255.252",
    ]


def cli_config(router: Router, lines: list[str]) -> str:
    """Type ``lines`` in configuration mode and commit, as a user would; the output (what a
    refused commit left is discarded on the way out)."""
    out = router.cli("configure")
    for ln in lines:
        out += router.cli(ln)
    out += router.cli("commit")
    out += router.cli("end", answers={"Uncommitted changes found": "no"})
    return out


# -- interfaces on veths --------------------------------------------------------------------


def test_cli_address_is_set_on_the_veth_and_removed(net: Net, router: Router) -> None:
    assert net.addresses(net.router_ns, net.router_link) == []
    out = cli_config(router, address_lines())
    assert "%" not in out
    assert net.addresses(net.router_ns, net.router_link) == [f"{ROUTER_IP}/{PREFIX}"]
    assert net.is_up(net.router_ns, net.router_link)

    cli_config(router, [f"interface {MGMT}", "shutdown"])
    assert not net.is_up(net.router_ns, net.router_link)
    cli_config(router, [f"interface {MGMT}", "no shutdown"])
    assert net.is_up(net.router_ns, net.router_link)

    # a new address replaces the old one
    cli_config(router, [f"interface {MGMT}", "ipv4 address 198.18.212.5/30"])
    assert net.addresses(net.router_ns, net.router_link) == ["198.18.212.5/30"]

    out = cli_config(router, [f"interface {MGMT}", "no ipv4 address"])
    assert "%" not in out
    assert net.addresses(net.router_ns, net.router_link) == []
    assert "ipv4 address" not in router.cli(f"show running-config interface {MGMT}")


def test_rollback_takes_the_address_back(net: Net, router: Router) -> None:
    cli_config(router, address_lines())
    cli_config(router, [f"interface {MGMT}", "ipv4 address 198.18.212.5/30"])
    out = router.cli("rollback configuration last 1")
    assert "successfully rolled back" in out
    assert net.addresses(net.router_ns, net.router_link) == [f"{ROUTER_IP}/{PREFIX}"]


def test_boot_applies_the_running_configuration(net: Net, tmp_path: Path) -> None:
    state = tmp_path / "r2"
    bindings = {"vrfs": {"mgmt": net.router_ns}, "links": {MGMT: net.router_link}}
    with Router.boot(state_dir=state, **bindings) as r:  # type: ignore[arg-type]
        r.configure(address_lines()[:1] + address_lines()[2:])
        assert net.addresses(net.router_ns, net.router_link) == [f"{ROUTER_IP}/{PREFIX}"]
    # shutdown withdrew it; a boot with the same wiring sets it again from the stored config
    assert net.addresses(net.router_ns, net.router_link) == []
    with Router.boot(state_dir=state, **bindings) as r:  # type: ignore[arg-type]
        assert net.addresses(net.router_ns, net.router_link) == [f"{ROUTER_IP}/{PREFIX}"]
        assert r.vrfs.netns_of("mgmt") == net.router_ns
    # without the wiring the stored configuration boots as plain configuration
    with Router.boot(state_dir=state) as r:
        assert f"ipv4 address {ROUTER_IP}" in r.cli("show running-config interface Mg0/RP0/CPU0/0")
        assert net.addresses(net.router_ns, net.router_link) == []


def test_commit_that_cannot_be_realised_is_refused_and_changes_nothing(
    net: Net, router: Router
) -> None:
    before = router.cli("show running-config")
    # the interface's VRF is not bound to a namespace
    lines = ["vrf blue", f"interface {MGMT}", "vrf blue", f"ipv4 address {ROUTER_IP}/30"]
    out = cli_config(router, lines)
    assert "% Failed to commit one or more configuration items" in out
    assert f"% interface {MGMT}: VRF blue is not bound to a network namespace" in out
    # the default VRF is the process's namespace, where the link is not
    with pytest.raises(CommandError) as err:
        router.configure([f"interface {MGMT}", f"ipv4 address {ROUTER_IP}/30"])
    assert f"link {net.router_link} is not in the process's namespace (VRF default)" in (
        err.value.output
    )
    assert router.cli("show running-config").splitlines()[1:] == before.splitlines()[1:]
    assert net.addresses(net.router_ns, net.router_link) == []
    assert router.vrfs.realised() == {}


def test_binding_errors_are_typed_and_change_nothing(net: Net, router: Router) -> None:
    with pytest.raises(VrfError, match="does not exist"):
        router.vrfs.bind("mgmt", f"{net.tag}-missing")
    assert router.vrfs.bindings["mgmt"] == net.router_ns
    router.configure(address_lines())
    with pytest.raises(VrfError, match="is not in network namespace"):
        router.vrfs.bind("mgmt", net.other_ns)  # the link is not there
    assert router.vrfs.bindings["mgmt"] == net.router_ns
    assert net.addresses(net.router_ns, net.router_link) == [f"{ROUTER_IP}/{PREFIX}"]


CHILD = textwrap.dedent(
    """
    import json, sys
    from xrsim.errors import CommandError
    from xrsim.router import Router
    state, links = sys.argv[1], json.loads(sys.argv[2])
    vrfs = json.loads(sys.argv[3])
    with Router.boot(state_dir=state, vrfs=vrfs, links=links) as r:
        try:
            r.configure(json.loads(sys.argv[4]))
            out = "committed"
        except CommandError as e:
            out = e.output
        print(json.dumps({"out": out, "running": r.cli("show running-config interface")}))
    """
)


def run_unprivileged(net: Net, tmp_path: Path, lines: list[str], *, inside: str | None) -> dict:
    """Run ``CHILD`` without CAP_NET_ADMIN and CAP_SYS_ADMIN (``capsh --drop``), in the
    namespace ``inside`` (None: this one); what it printed."""
    vrfs = {"mgmt": net.router_ns} if inside is None else {}
    cmd = [
        "capsh",
        "--drop=cap_net_admin,cap_sys_admin",
        "--",
        "-c",
        'exec "$0" "$@"',
        sys.executable,
        "-c",
        CHILD,
        str(tmp_path / "child"),
        json.dumps({MGMT: net.router_link}),
        json.dumps(vrfs),
        json.dumps(lines),
    ]
    if inside is not None:
        cmd = ["ip", "netns", "exec", inside, *cmd]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.peer
def test_without_privilege_the_commit_names_it_and_changes_nothing(
    net: Net, tmp_path: Path, require_tool: object
) -> None:
    assert callable(require_tool)
    require_tool("capsh")
    # VRF mgmt is a namespace: entering it needs CAP_SYS_ADMIN
    got = run_unprivileged(net, tmp_path, address_lines()[:1] + address_lines()[2:], inside=None)
    assert "% Failed to commit one or more configuration items" in got["out"]
    assert "CAP_SYS_ADMIN" in got["out"]
    assert "ipv4 address" not in got["running"]
    # the default VRF (the child runs inside ns R): setting an address needs CAP_NET_ADMIN
    lines = [f"interface {MGMT}", f"ipv4 address {ROUTER_IP}/30"]
    got = run_unprivileged(net, tmp_path, lines, inside=net.router_ns)
    assert (
        f"setting {ROUTER_IP}/30 on {net.router_link} needs the CAP_NET_ADMIN privilege"
        in (got["out"])
    )
    assert "ipv4 address" not in got["running"]
    assert net.addresses(net.router_ns, net.router_link) == []


# -- TFTP inside the VRF ---------------------------------------------------------------------


@pytest.fixture
def tftp_dir(net: Net, tmp_path: Path, require_tool: object) -> Path:
    assert callable(require_tool)
    tftpd = require_tool("in.tftpd")
    root = tmp_path / "tftpboot"
    root.mkdir()
    root.chmod(0o777)  # tftpd-hpa writes as nobody
    listen = f"{PEER_IP}:69"
    args = ["--foreground", "--listen", "--address", listen, "--secure", "--create", str(root)]
    net.procs.append(subprocess.Popen(["ip", "netns", "exec", net.peer_ns, tftpd, *args]))
    # ready when it listens (ss inside the namespace, not a packet from here)
    for _ in range(100):
        if listen in ip("netns", "exec", net.peer_ns, "ss", "-uln"):
            return root
        time.sleep(0.05)
    pytest.fail("in.tftpd did not start")


@pytest.mark.peer
def test_tftp_get_and_put_from_the_vrf(net: Net, router: Router, tftp_dir: Path) -> None:
    cli_config(router, address_lines())
    netns = router.vrfs.netns_of("mgmt")
    assert netns == net.router_ns
    blob = os.urandom(5000)  # several 512-byte blocks, the last one short
    (tftp_dir / "lab.ca").write_bytes(blob)
    (tftp_dir / "lab.ca").chmod(0o644)
    assert tftp.get(PEER_IP, 69, "lab.ca", netns=netns, timeout=5) == blob
    url = tftp.parse_url(f"tftp://{PEER_IP};mgmt/r1.example.com.req")
    assert (url.host, url.port, url.vrf, url.path) == (PEER_IP, 69, "mgmt", "r1.example.com.req")
    tftp.put(url.host, url.port, url.path, b"REQUEST" * 300, netns=netns, timeout=5)
    assert (tftp_dir / "r1.example.com.req").read_bytes() == b"REQUEST" * 300
    # an empty file and one exactly one block long
    tftp.put(PEER_IP, 69, "empty", b"", netns=netns, timeout=5)
    assert (tftp_dir / "empty").read_bytes() == b""
    (tftp_dir / "block").write_bytes(b"b" * 512)
    assert tftp.get(PEER_IP, 69, "block", netns=netns, timeout=5) == b"b" * 512


@pytest.mark.peer
def test_tftp_errors_are_typed(net: Net, router: Router, tftp_dir: Path) -> None:
    cli_config(router, address_lines())
    netns = router.vrfs.netns_of("mgmt")
    with pytest.raises(TftpError) as err:
        tftp.get(PEER_IP, 69, "missing.crt", netns=netns, timeout=5)
    assert err.value.code == 1
    assert err.value.reason.endswith("refused reading missing.crt: file not found (File not found)")
    secret = tftp_dir / "secret.ca"
    secret.write_bytes(b"x")
    secret.chmod(0o600)  # tftpd-hpa serves as nobody
    with pytest.raises(TftpError) as err:
        tftp.get(PEER_IP, 69, "secret.ca", netns=netns, timeout=5)
    assert err.value.code is not None  # tftpd-hpa answers EUNDEF (0) "Permission denied"
    assert "Permission denied" in err.value.reason
    # nothing listens on port 70 of the peer: the request is never answered
    with pytest.raises(TransportTimeout, match=r"did not answer within 0\.3 seconds"):
        tftp.get(PEER_IP, 70, "lab.ca", netns=netns, timeout=0.3, retries=2)
    # VRF other has no path to the peer at all
    with pytest.raises(TransportError, match="unreachable") as unreachable:
        tftp.get(PEER_IP, 69, "lab.ca", netns=router.vrfs.netns_of("other"), timeout=1)
    assert not isinstance(unreachable.value, TftpError)


def test_tftp_stays_quiet_on_stderr(
    net: Net, router: Router, capfd: pytest.CaptureFixture[str]
) -> None:
    cli_config(router, address_lines())
    with pytest.raises(TransportTimeout):
        tftp.get(PEER_IP, 70, "x", netns=router.vrfs.netns_of("mgmt"), timeout=0.2, retries=2)
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


# -- SSH inside the VRF ----------------------------------------------------------------------


async def ssh_from(netns: str, port: int, command: str) -> str:
    """Run ``command`` over SSH from a client socket made inside ``netns``."""
    sock = socket_in(netns)
    sock.settimeout(5)
    try:
        sock.connect((ROUTER_IP, port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    async with asyncssh.connect(
        sock=sock,
        username="admin",
        password="admin",
        known_hosts=None,
        client_keys=None,
        agent_path=None,
    ) as conn:
        result = await conn.run(command, check=False)
        return str(result.stdout)


def test_ssh_server_vrf_listens_inside_the_namespace(net: Net, router: Router) -> None:
    cli_config(router, address_lines())
    with SshServer(router, users={"admin": "admin"}) as server:
        assert server.vrf_listeners() == {}  # only ssh server vrf default so far
        cli_config(router, ["ssh server vrf mgmt"])
        listeners = server.vrf_listeners()
        assert listeners == {("ssh", "mgmt"): (net.router_ns, server.port)}
        assert f":{server.port}" in ip("netns", "exec", net.router_ns, "ss", "-ltn")

        out = asyncio.run(ssh_from(net.peer_ns, server.port, "show ssh"))
        assert "SESSION_OPEN" in out
        assert PEER_IP in out  # the client came over the veth

        # no path from another namespace: the server is reachable only in its VRF
        with pytest.raises(OSError) as unreachable:  # noqa: PT011 (told apart by errno)
            asyncio.run(ssh_from(net.other_ns, server.port, "show version"))
        assert unreachable.value.errno == errno.ENETUNREACH

        cli_config(router, ["no ssh server vrf mgmt"])
        assert server.vrf_listeners() == {}
        with pytest.raises(ConnectionRefusedError):
            asyncio.run(ssh_from(net.peer_ns, server.port, "show version"))

"""A small network lab: named namespaces, bridges, veth pairs, 198.18.0.0/15 addresses and the
peer programs (the Debian ``scep`` CA, ``tftpd-hpa``) running inside them, all torn down by one
context manager. ``xrsim.lab.network`` builds a lab file's networks with it; the labs under
``simulator/labs/``, the integration tests and the benchmarks use it directly.

INTEROP.md's lab networking rules hold here: every host of a lab is a network namespace made by
the lab (``ip netns add``), with its loopback up, joined to others by veth pairs addressed from
198.18.0.0/15, with no default route; nothing is sent from the host namespace, and peers are
started inside their namespace (``ip netns exec NS ...``).

- ``Lab(name, workdir=None)`` (a context manager): ``namespace(role)`` makes a namespace with
  a unique name, ``bridge(ns)`` a Linux bridge in one, ``link(a, b, address_a, address_b,
  bridge_b=None)`` a veth pair with one end in each (an end left without
  an address is for a router to address itself, as a VRF interface does), ``subnet()`` the
  next unused 198.18.N.0/24 of the lab, ``scepserver(...)`` initialises a CA depot and
  starts ``scepserver`` in a namespace (the challenge passed in its environment, never on
  its command line), ready once ``GetCACaps`` answers from inside it,
  ``tftpd(...)`` starts ``in.tftpd`` on a writable directory, ready
  once a probe file can be read back over TFTP from inside the namespace, ``spawn`` and
  ``run`` start other programs inside a namespace. ``close()`` (``__exit__``) undoes all of
  it in reverse order, also after an exception or Ctrl-C: processes killed and reaped,
  namespaces (and with them their veths and bridges) deleted, the temporary directory
  removed (a ``workdir`` given to the constructor is the caller's, and kept). SIGINT and
  SIGTERM are held back while it runs (in the main thread) and delivered afterwards.
- ``Link``, ``Peer`` (a started process and its log), ``ScepServer``, ``TftpServer``: what
  those calls return.
- ``Capture``: a scapy ``AsyncSniffer`` on an interface of a namespace (its socket opened
  inside the namespace), written to a pcap file when stopped.
- ``sweep()``: deletes what a lab process killed with SIGKILL left behind (namespaces named by
  a lab whose process no longer exists, and the processes still inside them);
  ``delete_namespace(name)`` one namespace and what runs inside it.
- ``NetlabError`` (an ``xrsim.errors.LabError``): a lab step that failed (a command, a peer
  that did not come up), with the reason and, for a peer, the end of its log.

Names are unique per lab (``xl-<pid>-<token>-<role>`` for namespaces, ``xl<token><n>a|b`` for
veths, within the kernel's 15 characters), so parallel runs and tests do not collide. Needs
root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and ``ip`` (iproute2).

The peers' secrets (the CA's key, the challenge password) stay in the lab's private temporary
directory (mode 0700) and out of every ``repr`` and command line.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from pyroute2 import IPRoute

from xrsim.errors import LabError, NetworkError
from xrsim.net import http
from xrsim.net.netns import NETNS_DIR, run_in

__all__ = [
    "LAB_NETWORK",
    "Capture",
    "Lab",
    "Link",
    "NetlabError",
    "Peer",
    "ScepServer",
    "TftpServer",
    "delete_namespace",
    "missing_tools",
    "sweep",
]

#: Every lab address comes from here (RFC 2544's benchmarking range).
LAB_NETWORK = ipaddress.IPv4Network("198.18.0.0/15")
#: Namespace names of a lab: ``xl-<pid>-<token>-<role>``.
_NS_NAME = re.compile(r"xl-(\d+)-([0-9a-f]{6})-[a-z0-9-]+")
#: What a lab step may wait for a peer to come up, and for a process to end when asked.
READY_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
#: The user in.tftpd serves as (Debian's tftpd-hpa makes it); it owns the TFTP directory.
_TFTP_USER = "tftp"
#: The pcap link type of Ethernet.
_DLT_EN10MB = 1
_TOOLS = {"ip": "iproute2", "scepserver": "scep", "in.tftpd": "tftpd-hpa"}


class NetlabError(LabError):
    """A lab step failed; ``reason`` says what, in words."""


def missing_tools(*names: str) -> list[str]:
    """Those of ``names`` (default: ``ip``, ``scepserver``, ``in.tftpd``) not on PATH."""
    return [n for n in names or tuple(_TOOLS) if shutil.which(n) is None]


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise NetlabError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _netns_pids(name: str) -> list[int]:
    done = subprocess.run(
        ["ip", "netns", "pids", name], capture_output=True, text=True, timeout=30, check=False
    )
    return [int(p) for p in done.stdout.split() if p.isdigit()]


def _delete_netns(name: str) -> None:
    """Kills what still runs inside ``name`` (a lab's own peers), then deletes it."""
    if not os.path.exists(os.path.join(NETNS_DIR, name)):
        return
    for pid in _netns_pids(name):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _ip("netns", "delete", name)


def delete_namespace(name: str) -> None:
    """Kills what still runs inside namespace ``name``, then deletes it (gone already: nothing
    to do); ``NetlabError`` when ``ip netns delete`` fails."""
    _delete_netns(name)


def sweep() -> list[str]:
    """Deletes the namespaces of labs whose process is gone (killed with SIGKILL, so their
    ``close`` never ran), the processes still inside them and those labs' temporary
    directories; returns the namespaces' names."""
    try:
        names = os.listdir(NETNS_DIR)
    except FileNotFoundError:
        return []
    gone = []
    for name in names:
        m = _NS_NAME.fullmatch(name)
        if m is not None and not _pid_alive(int(m.group(1))):
            with contextlib.suppress(NetlabError):
                _delete_netns(name)
                gone.append(name)
            for workdir in Path(tempfile.gettempdir()).glob(f"xrsim-*-{m.group(2)}-*"):
                shutil.rmtree(workdir, ignore_errors=True)
    return gone


# --------------------------------------------------------------------------------------------
# What a lab makes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A veth pair: ``name_a`` in ``netns_a`` (address ``address_a`` or None), ``name_b`` in
    ``netns_b``."""

    name_a: str
    netns_a: str
    address_a: ipaddress.IPv4Interface | None
    name_b: str
    netns_b: str
    address_b: ipaddress.IPv4Interface | None


@dataclass
class Peer:
    """A program started inside a namespace; its output goes to ``log``."""

    name: str
    netns: str | None  # None: the host's
    #: Out of ``repr``: a peer's arguments may carry a secret (scepserver's challenge).
    argv: list[str] = field(repr=False)
    process: subprocess.Popen[bytes] = field(repr=False)
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; reaped either way."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                self.process.wait()


@dataclass(frozen=True)
class ScepServer:
    """``scepserver`` in ``netns``, listening on ``port`` (its namespace's addresses); the CA
    certificate is ``ca_pem`` in ``depot``; ``url`` is the one path it serves, ``/scep``."""

    netns: str
    address: str
    port: int
    depot: Path
    peer: Peer
    challenge: str = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}/scep"

    @property
    def ca_pem(self) -> Path:
        return self.depot / "ca.pem"


@dataclass(frozen=True)
class TftpServer:
    """``in.tftpd`` in ``netns`` on ``address:port``, serving (and creating files in)
    ``root``."""

    netns: str | None  # None: the host's
    address: str
    port: int
    root: Path
    peer: Peer


class Capture:
    """Packets seen on ``iface`` of ``netns`` by a scapy ``AsyncSniffer`` whose socket was
    opened inside the namespace; ``stop()`` keeps them in ``packets`` and writes ``pcap``."""

    def __init__(self, netns: str, iface: str, pcap: Path, bpf: str | None = None) -> None:
        # Imported for their side effect: they register Ether, IP, TCP and UDP for dissection.
        import scapy.layers.inet
        import scapy.layers.l2  # noqa: F401
        from scapy.config import conf
        from scapy.sendrecv import AsyncSniffer

        self.netns, self.iface, self.pcap = netns, iface, pcap
        self.packets: list[Any] = []
        self._stopped = False
        self._socket = run_in(netns, lambda: conf.L2listen(iface=iface, filter=bpf))
        started = threading.Event()
        self._sniffer = AsyncSniffer(
            opened_socket=self._socket, store=True, started_callback=started.set
        )
        self._sniffer.start()
        if not started.wait(READY_TIMEOUT):
            self._socket.close()
            raise NetlabError(f"the capture on {iface} did not start")

    def stop(self) -> None:
        """Stops the sniffer (once), keeps what it saw in ``packets`` and writes ``pcap``
        (Ethernet link type)."""
        from scapy.utils import wrpcap

        if self._stopped:
            return
        self._stopped = True
        self._sniffer.stop(join=True)
        result = self._sniffer.results
        self.packets = list(result) if result is not None else []
        self._socket.close()
        wrpcap(str(self.pcap), self.packets, linktype=_DLT_EN10MB)


# --------------------------------------------------------------------------------------------
# The lab
# --------------------------------------------------------------------------------------------


class Lab:
    """Namespaces, veths, peers and directories made for one lab run; ``close`` removes them."""

    def __init__(self, name: str = "lab", *, workdir: Path | None = None) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,20}", name):
            raise ValueError(f"lab name {name!r}: lowercase letters, digits and dashes")
        self.name = name
        self.token = secrets.token_hex(3)
        self.pid = os.getpid()
        self._undo: list[Callable[[], None]] = []
        self._links = 0
        self._subnets = 0
        self._workdir: Path | None = None
        if workdir is not None:
            workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._workdir = workdir
        self._closed = False
        self.namespaces: list[str] = []
        self.links: list[Link] = []
        self.peers: list[Peer] = []

    # -- context ----------------------------------------------------------------------------

    def __enter__(self) -> Lab:
        sweep()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def workdir(self) -> Path:
        """The lab's private directory (mode 0700): the one given to the constructor (kept),
        else a temporary one made on first use and removed by ``close``."""
        if self._workdir is None:
            self._check_open()
            holder: list[Path] = []

            def remove() -> None:
                for path in holder:
                    shutil.rmtree(path, ignore_errors=True)

            self._undo.append(remove)
            holder.append(Path(tempfile.mkdtemp(prefix=f"xrsim-{self.name}-{self.token}-")))
            self._workdir = holder[0]
        return self._workdir

    def close(self) -> None:
        """Undoes everything, last made first. Every step runs even when one fails; the first
        failure is raised at the end as ``NetlabError``."""
        if self._closed:
            return
        self._closed = True
        main = threading.current_thread() is threading.main_thread()
        held = {signal.SIGINT, signal.SIGTERM}
        if main:
            signal.pthread_sigmask(signal.SIG_BLOCK, held)
        failures: list[str] = []
        try:
            while self._undo:
                step = self._undo.pop()
                try:
                    step()
                except Exception as e:
                    failures.append(str(getattr(e, "reason", e)))
        finally:
            if main:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, held)
        if failures:
            raise NetlabError("teardown: " + "; ".join(failures))

    def _check_open(self) -> None:
        if self._closed:
            raise NetlabError(f"lab {self.name} is closed")

    # -- namespaces and links ---------------------------------------------------------------

    def subnet(self) -> ipaddress.IPv4Network:
        """The next unused /24 of this lab: 198.18.1.0/24, 198.18.2.0/24, ... (for callers
        that do not choose their addresses; a lab's namespaces are its own, so two labs may
        use the same subnets)."""
        self._subnets += 1
        if self._subnets > 255:
            raise NetlabError("this lab has used all of its 255 subnets")
        return ipaddress.IPv4Network(f"198.18.{self._subnets}.0/24")

    def namespace(self, role: str) -> str:
        """A new namespace (loopback up, no other interface, no route); its name."""
        self._check_open()
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,15}", role):
            raise ValueError(f"namespace role {role!r}: lowercase letters, digits and dashes")
        name = f"xl-{self.pid}-{self.token}-{role}"
        if name in self.namespaces:
            raise NetlabError(f"this lab already has a namespace {role}")
        self._undo.append(lambda: _delete_netns(name))
        _ip("netns", "add", name)
        self.namespaces.append(name)
        run_in(name, _set_up, "lo", None)
        return name

    def bridge(self, netns: str, name: str = "br0") -> str:
        """A Linux bridge ``name`` in ``netns`` (a namespace of this lab), up, without an
        address; ``link(..., bridge_b=name)`` puts veth ends on it. Goes with the namespace."""
        self._check_open()
        if netns not in self.namespaces:
            raise NetlabError(f"{netns} is not a namespace of this lab")
        run_in(netns, _add_bridge, name)
        return name

    def link(
        self,
        netns_a: str,
        netns_b: str,
        address_a: str | None = None,
        address_b: str | None = None,
        *,
        bridge_b: str | None = None,
    ) -> Link:
        """A veth pair from ``netns_a`` to ``netns_b``, both ends up; an address (``A/len``
        in 198.18.0.0/15) on each end given one; with ``bridge_b``, end b is a port of that
        bridge of ``netns_b`` (``bridge``). The pair is made inside ``netns_a``: no end
        is ever in the host namespace."""
        self._check_open()
        for ns in (netns_a, netns_b):
            if ns not in self.namespaces:
                raise NetlabError(f"{ns} is not a namespace of this lab")
        a, b = _lab_address(address_a), _lab_address(address_b)
        self._links += 1
        stem = f"xl{self.token}{self._links}"
        name_a, name_b = f"{stem}a", f"{stem}b"
        run_in(netns_a, _add_veth, name_a, name_b, netns_b)
        run_in(netns_a, _set_up, name_a, a)
        run_in(netns_b, _set_up, name_b, b, bridge_b)
        link = Link(name_a, netns_a, a, name_b, netns_b, b)
        self.links.append(link)
        return link

    # -- processes --------------------------------------------------------------------------

    def spawn(
        self,
        netns: str | None,
        argv: Sequence[str],
        *,
        name: str,
        log: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> Peer:
        """``ip netns exec NETNS argv...`` (None: ``argv`` here, in the host's namespace) in a
        session of its own (Ctrl-C on the terminal reaches the lab, which stops it), output
        to ``log`` (default ``<workdir>/<name>.log``), ``env`` added to the environment;
        stopped and reaped by ``close``."""
        self._check_open()
        log = log if log is not None else self.workdir / f"{name}.log"
        argv = ["ip", "netns", "exec", netns, *argv] if netns is not None else list(argv)
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **env} if env else None,
            )
        peer = Peer(name, netns, argv, process, log)
        self.peers.append(peer)
        self._undo.append(peer.stop)
        return peer

    def run(
        self,
        netns: str | None,
        argv: Sequence[str],
        *,
        timeout: float = 60.0,
        check: bool = True,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Runs a program to its end inside ``netns`` (None: here, for programs that use no
        network, such as ``openssl``); ``NetlabError`` when it fails and ``check``."""
        full = ["ip", "netns", "exec", netns, *argv] if netns is not None else list(argv)
        try:
            done = subprocess.run(
                full,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise NetlabError(f"{argv[0]} did not finish within {timeout:g} s") from None
        if check and done.returncode != 0:
            output = (done.stderr or done.stdout).strip()
            raise NetlabError(f"{argv[0]} failed (exit {done.returncode}): {output}")
        return done

    def _wait_ready(self, peer: Peer, probe: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not peer.running():
                raise NetlabError(
                    f"{peer.name} exited with status {peer.process.returncode}:\n" + peer.log_tail()
                )
            if probe():
                return
            if time.monotonic() > deadline:
                raise NetlabError(
                    f"{peer.name} did not become ready within {timeout:g} s:\n" + peer.log_tail()
                )
            time.sleep(0.05)

    # -- peers ------------------------------------------------------------------------------

    def scepserver(
        self,
        netns: str,
        address: str,
        *,
        port: int = 8080,
        challenge: str | None = None,
        key_size: int = 2048,
        organization: str = "lab",
        ready_timeout: float = READY_TIMEOUT,
        directory: Path | None = None,
    ) -> ScepServer:
        """A new CA (``scepserver ca -init``, RSA ``key_size``) and ``scepserver`` serving it in
        ``netns`` with the challenge password (a random one when None; given through the
        environment, ``SCEP_CHALLENGE_PASSWORD``, never on a command line) and ``-allowrenew 0``
        (the same subject may enroll again); ready when ``GetCACaps`` answers on
        ``address:port`` from inside the namespace. The depot (CA key and certificate) and
        the log are ``directory/depot`` and ``directory/scepserver.log`` when given, else
        ``scep-depot-N`` and ``scepserver-N.log`` in the lab's ``workdir``."""
        n = len(self.peers)
        depot = directory / "depot" if directory is not None else self.workdir / f"scep-depot-{n}"
        log = directory / "scepserver.log" if directory is not None else None
        self.run(
            None,
            [
                "scepserver",
                "ca",
                "-init",
                "-depot",
                str(depot),
                "-keySize",
                str(key_size),
                "-organization",
                organization,
            ],
        )
        secret = challenge if challenge is not None else secrets.token_urlsafe(12)
        peer = self.spawn(
            netns,
            [
                "scepserver",
                "-depot",
                str(depot),
                "-port",
                str(port),
                "-allowrenew",
                "0",
            ],
            name=f"scepserver-{n}",
            log=log,
            env={"SCEP_CHALLENGE_PASSWORD": secret},
        )
        server = ScepServer(netns, address, port, depot, peer, secret)

        def answers() -> bool:
            try:
                reply = http.request(
                    "GET", server.url + "?operation=GetCACaps", netns=netns, timeout=2
                )
            except NetworkError:
                return False
            return reply.status == 200 and b"POSTPKIOperation" in reply.body

        self._wait_ready(peer, answers, ready_timeout)
        return server

    def tftpd(
        self,
        netns: str | None,
        address: str,
        *,
        port: int = 69,
        ready_timeout: float = READY_TIMEOUT,
        directory: Path | None = None,
    ) -> TftpServer:
        """``in.tftpd --foreground --listen --secure --create --user tftp`` on ``address:port``
        in ``netns`` (None: the host's, for a loopback address), serving a new directory owned
        by ``tftp`` (files the lab writes there must be readable by it); ready when a probe
        file reads back over TFTP from inside the namespace (the probe is then removed). The
        directory and the log are ``directory/root`` and ``directory/tftpd.log`` when given,
        else ``tftp-N`` and ``tftpd-N.log`` in the lab's ``workdir``."""
        n = len(self.peers)
        root = directory / "root" if directory is not None else self.workdir / f"tftp-{n}"
        root.mkdir(mode=0o755)
        try:
            shutil.chown(root, user=_TFTP_USER)
        except (LookupError, PermissionError) as e:
            raise NetlabError(
                f"the TFTP directory cannot be given to user {_TFTP_USER}: {e}"
            ) from None
        probe_name = f"probe-{self.token}"
        (root / probe_name).write_bytes(b"netlab probe\n")
        (root / probe_name).chmod(0o644)
        peer = self.spawn(
            netns,
            [
                "in.tftpd",
                "--foreground",
                "--listen",
                "--address",
                f"{address}:{port}",
                "--secure",
                "--create",
                "--user",
                _TFTP_USER,
                str(root),
            ],
            name=f"tftpd-{n}",
            log=directory / "tftpd.log" if directory is not None else None,
        )

        def answers() -> bool:
            if not run_in(netns, _udp_bound, address, port):
                return False
            try:
                data = run_in(netns, _tftp_read, address, port, probe_name)
            except Exception as e:  # tftpy raises its own types and OSError
                raise NetlabError(f"in.tftpd does not serve {probe_name}: {e}") from None
            return data == b"netlab probe\n"

        self._wait_ready(peer, answers, ready_timeout)
        (root / probe_name).unlink()
        return TftpServer(netns, address, port, root, peer)

    @contextlib.contextmanager
    def capture(
        self, netns: str, iface: str, pcap: Path, bpf: str | None = None
    ) -> Iterator[Capture]:
        """A ``Capture`` of ``iface`` in ``netns`` for the ``with`` block, written to
        ``pcap`` at its end (also when the block fails)."""
        cap = Capture(netns, iface, pcap, bpf)
        self._undo.append(cap.stop)
        try:
            yield cap
        finally:
            cap.stop()


# --------------------------------------------------------------------------------------------
# Work done inside a namespace (run by xrsim.net.netns.run_in on a thread that entered it)
# --------------------------------------------------------------------------------------------


def _lab_address(text: str | None) -> ipaddress.IPv4Interface | None:
    if text is None:
        return None
    try:
        address = ipaddress.IPv4Interface(text)
    except ValueError:
        raise NetlabError(f"{text!r} is not an IPv4 address with a prefix length") from None
    if address.ip not in LAB_NETWORK:
        raise NetlabError(f"{text} is outside the lab range {LAB_NETWORK}")
    return address


def _set_up(
    ifname: str, address: ipaddress.IPv4Interface | None, bridge: str | None = None
) -> None:
    with IPRoute() as ipr:
        found = ipr.link_lookup(ifname=ifname)
        if not found:
            raise NetlabError(f"interface {ifname} is missing")
        index = found[0]
        if bridge is not None:
            master = ipr.link_lookup(ifname=bridge)
            if not master:
                raise NetlabError(f"bridge {bridge} is missing")
            ipr.link("set", index=index, master=master[0])
        if address is not None:
            ipr.addr(
                "add", index=index, address=str(address.ip), prefixlen=address.network.prefixlen
            )
        ipr.link("set", index=index, state="up")


def _add_bridge(name: str) -> None:
    with IPRoute() as ipr:
        ipr.link("add", ifname=name, kind="bridge")
        ipr.link("set", index=ipr.link_lookup(ifname=name)[0], state="up")


def _add_veth(name_a: str, name_b: str, netns_b: str) -> None:
    with IPRoute() as ipr:
        ipr.link("add", ifname=name_a, kind="veth", peer={"ifname": name_b, "net_ns_fd": netns_b})


def _udp_bound(address: str, port: int) -> bool:
    """Whether a UDP socket of this thread's namespace is bound to ``address:port``."""
    want = f"{int(ipaddress.IPv4Address(address).packed[::-1].hex(), 16):08X}:{port:04X}"
    with open("/proc/thread-self/net/udp") as f:
        return any(line.split()[1] == want for line in list(f)[1:])


def _tftp_read(address: str, port: int, filename: str) -> bytes:
    import tftpy

    out = io.BytesIO()
    client = tftpy.TftpClient(address, port, flock=False)
    client.download(filename, out, timeout=1, retries=1)
    return out.getvalue()

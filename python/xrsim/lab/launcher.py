"""``Lab``: a lab running in this process (layer 6): what ``xrsim up`` serves, and what the pytest
plugin's fixtures hold.

``Lab(spec, root)`` runs the ``LabSpec`` ``spec`` with its state in the lab directory ``root``
(made 0700)::

    with Lab(spec, root) as lab:          # start() ... stop(keep=True)
        lab.routers["r1"].cli("show version")
        lab.status.node("r1").ssh_port

``start()`` does, in order, and on a failure undoes what it did (raising ``LabError``):

1. takes the lab's lock (``ROOT/lock``, ``xrsim.lab.registry.lock``: ``LabExists`` when
   another process or ``Lab`` holds it) and writes ``ROOT/lab.json`` (state ``starting``);
2. with networks or peers in the spec, starts them (``xrsim.lab.network.LabNetwork``, in
   ``ROOT/peers``): namespaces, bridges, veths, the peer programs; their namespaces and pids go
   into ``lab.json`` at once, so ``xrsim down`` can undo them even after a SIGKILL;
3. boots every node in one batch (``boot_nodes``, ``Router.boot_many``): its platform,
   hostname, release and serial (made from the lab and node names unless given), state in
   ``ROOT/nodes/<node>``, its VRFs bound to the network's namespaces;
4. on a node's first boot only (its state directory was new), in the same batch (the node's
   ``BootSpec.config``, committed as soon as its router is up), configures its users
   (``username``, ``group``, ``secret 10 HASH``: one SHA-512-crypt hash per distinct user and
   password in the lab, not per node; a node with only the default ``admin``/``admin`` gets
   none and the SSH server's default login applies), the network's VRF and interface lines,
   its startup configuration, and, when it has a NETCONF port, ``ssh server netconf vrf
   default`` and ``netconf-yang agent`` / ``ssh``;
5. starts every SSH server (``SshServer.start_many``) and console socket
   (``ROOT/console/<node>.sock``, ``xrsim.lab.console.ConsoleServer.start_many``);
6. writes ``ROOT/known_hosts`` (OpenSSH's format: ``[HOST]:PORT ssh-rsa AAAA...`` for each SSH
   and NETCONF port, the router's RSA key ``the_default``) and ``lab.json`` (state ``up``).

``stop(keep=True)`` (idempotent) writes state ``stopping`` and undoes the same in reverse:
consoles, SSH servers (``SshServer.stop_many``: all at once), routers (shut down in
parallel), the network; then, with ``keep``, writes state ``stopped`` (the node state stays
for the next ``start``) or removes ``ROOT`` whole.

``on_step(text, done, total)`` is told each step (``xrsim up`` draws its progress bar with
it). No password reaches ``lab.json``, ``known_hosts`` or a log.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import asyncssh

from xrsim import platforms
from xrsim.aaa import hash_secret
from xrsim.aaa.secret import SecretError
from xrsim.clock import SimClock
from xrsim.errors import LabError, StartupConfigError, XrsimError
from xrsim.frontends.ssh import SshServer
from xrsim.frontends.ssh.auth import DEFAULT_USERS, host_key
from xrsim.lab import labfile, registry
from xrsim.lab.console import ConsoleServer
from xrsim.lab.spec import LabSpec, NodeSpec, UserSpec
from xrsim.lab.status import LabState, LabStatus, NodeEndpoint, PeerEndpoint
from xrsim.router import BootSpec, Router

if TYPE_CHECKING:
    from xrsim.lab.network import LabNetwork, NetworkPlan, NodePlan

__all__ = ["NETCONF_LINES", "Lab", "OnStep", "boot_nodes", "default_serial"]

#: ``on_step(text, done, total)``.
OnStep = Callable[[str, int, int], None]

#: What a node with a NETCONF port gets at first boot, so that its NETCONF listener serves.
NETCONF_LINES = ("ssh server netconf vrf default", "netconf-yang agent", "ssh")

#: Threads the routers shut down in (their state stores close; file I/O overlaps).
_SHUTDOWN_WORKERS = 8


def default_serial(lab: str, node: NodeSpec) -> str:
    """The serial of a node given none (a ``NodeSpec`` made in Python: a lab file's nodes have
    theirs from ``labfile``): ``xrsim.lab.labfile.default_serial``, in its platform's format,
    made from the lab and node names (the same every time)."""
    platforms.load(node.platform)  # an unknown PID refused as the boot would refuse it
    return labfile.default_serial(lab, node.name, node.platform)


def boot_nodes(
    nodes: Sequence[BootSpec],
    *,
    clock: SimClock | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Router]:
    """Boot ``nodes`` in one batch (``Router.boot_many``: host keys generated together, the
    chassis opened in threads), ``progress(done, total)`` as each opens; on a failure those
    booted are shut down and the error raised. The one place the lab boots routers."""
    return Router.boot_many(nodes=nodes, clock=clock, progress=progress)


def _shutdown_all(routers: Sequence[Router]) -> None:
    if len(routers) <= 1:
        for r in routers:
            r.shutdown()
        return
    with ThreadPoolExecutor(_SHUTDOWN_WORKERS, thread_name_prefix="xrsim-lab-stop") as pool:
        for f in [pool.submit(r.shutdown) for r in routers]:
            f.result()


def _default_users(users: Sequence[UserSpec]) -> bool:
    """Whether ``users`` are only the SSH server's default login (admin/admin, root-lr)."""
    return tuple(users) == NodeSpec.__dataclass_fields__["users"].default


class _Secrets:
    """One hash per distinct (user, password) of the lab."""

    def __init__(self) -> None:
        self._hashes: dict[tuple[str, str], str] = {}

    def lines(self, users: Sequence[UserSpec]) -> list[str]:
        out: list[str] = []
        for u in users:
            out.append(f"username {u.name}")
            out.extend(f"group {g}" for g in u.groups)
            secret = u.secret
            if secret is None and u.password is not None:
                key = (u.name, u.password)
                secret = self._hashes.get(key)
                if secret is None:
                    try:
                        secret = self._hashes[key] = hash_secret(u.password)
                    except SecretError as e:
                        raise LabError(f"user {u.name}: the password is not usable: {e}") from None
            if secret is not None:
                out.append(f"secret 10 {secret}")
        return out


def _console_user(node: NodeSpec) -> str:
    """Who a console session runs as: the login user, else the first user, else admin."""
    login = node.login
    if login is not None:
        return login.name
    return node.users[0].name if node.users else "admin"


def _known_host(host: str, port: int, key: asyncssh.SSHKey) -> str:
    public = key.export_public_key("openssh").decode().split()
    where = host if port == 22 else f"[{host}]:{port}"
    return f"{where} {public[0]} {public[1]}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Lab:
    """A lab running in this process (see the module documentation)."""

    def __init__(
        self,
        spec: LabSpec,
        root: str | Path,
        clock: SimClock | None = None,
        on_step: OnStep | None = None,
    ) -> None:
        self.spec = spec
        self.root = Path(root).absolute()
        self.clock = clock
        self.on_step = on_step
        self.routers: dict[str, Router] = {}
        self.servers: dict[str, SshServer] = {}
        self.consoles: dict[str, ConsoleServer] = {}
        self.network: LabNetwork | None = None  # when the spec has networks or peers
        self._status: LabStatus | None = None
        self._lock_fd: int | None = None
        self._stack: contextlib.ExitStack | None = None
        self._starting = False
        self._plan: NetworkPlan | None = None
        self._done = 0
        self._total = 0

    # -- status -----------------------------------------------------------------------------

    @property
    def status(self) -> LabStatus:
        """The lab's status, as last written to ``ROOT/lab.json``."""
        if self._status is None:
            raise LabError(f"lab {self.spec.name} is not started")
        return self._status

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    def _write(self, status: LabStatus) -> None:
        self._status = status
        status.write(self.root / registry.STATUS)

    def _set_state(self, state: LabState, **changes: Any) -> None:
        self._write(dataclasses.replace(self.status, state=state, **changes))

    def _step(self, text: str, advance: int = 1) -> None:
        self._done += advance
        if self.on_step is not None:
            self.on_step(text, min(self._done, self._total), self._total)

    # -- start ------------------------------------------------------------------------------

    def start(self) -> LabStatus:
        """Start the lab (see the module documentation); ``LabError`` (nothing left behind)
        when it cannot."""
        if self._stack is not None:
            return self.status
        spec = self.spec
        nodes = spec.nodes
        self._done = 0
        self._total = 2 * len(nodes) + 3
        stack = contextlib.ExitStack()
        made_root = not self.root.exists()
        self._starting = True
        try:
            self._open_root(stack, made_root)
            self._start_network(stack)
            self._step("network" if self.network is not None else "no network")
            fresh = self._boot(stack, made_root)
            self._configure(fresh)
            self._serve(stack)
            self._set_state("up")
            self._step("up", 0)
            self._starting = False
        except LabError:
            raise
        except (XrsimError, OSError) as e:
            raise LabError(f"lab {spec.name}: {e}") from e
        finally:
            if self._starting:
                self._status = None
                self.routers, self.servers, self.consoles = {}, {}, {}
                self.network = None
                try:
                    stack.close()
                finally:
                    self._starting = False
                    self._unlock()
        self._stack = stack
        return self.status

    def _unlock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)

    def _if_failed(self, fn: Callable[[], object]) -> Callable[[], None]:
        """``fn``, run only while ``start`` fails (not by ``stop``)."""

        def undo() -> None:
            if self._starting:
                fn()

        return undo

    def _open_root(self, stack: contextlib.ExitStack, made_root: bool) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        if made_root:
            stack.callback(self._if_failed(lambda: shutil.rmtree(self.root, ignore_errors=True)))
        self._lock_fd = registry.lock(self.root, self.spec.name)
        if not made_root:  # a kept lab: the status of this start goes if it fails
            status = self.root / registry.STATUS
            previous = status.read_bytes() if status.exists() else None

            def restore() -> None:
                if previous is None:
                    status.unlink(missing_ok=True)
                else:
                    status.write_bytes(previous)

            stack.callback(self._if_failed(restore))
        for sub in ("nodes", "console"):
            d = self.root / sub
            if not d.exists():
                d.mkdir(mode=0o700)
                if not made_root:
                    stack.callback(self._if_failed(partial(shutil.rmtree, d, ignore_errors=True)))
        source = str(self.spec.source) if self.spec.source is not None else None
        self._write(
            LabStatus(
                name=self.spec.name,
                pid=os.getpid(),
                root=str(self.root),
                source=source,
                started=_now(),
                state="starting",
            )
        )

    def _start_network(self, stack: contextlib.ExitStack) -> None:
        if not self.spec.networks and not self.spec.peers:
            return
        from xrsim.lab.network import LabNetwork

        net = LabNetwork(self.spec, self.root / "peers")
        self.network = net
        stack.callback(net.close)
        plan = net.start()
        self._plan = plan
        peers: tuple[PeerEndpoint, ...] = tuple(plan.peers)
        self._set_state(
            "starting",
            peers=peers,
            namespaces=tuple(plan.namespaces),
            pids=tuple(plan.pids),
        )

    def _node_plan(self, name: str) -> NodePlan | None:
        if self._plan is None:
            return None
        return self._plan.nodes.get(name)

    def _boot(self, stack: contextlib.ExitStack, made_root: bool) -> list[bool]:
        """Boot every node, a new one with its first-boot configuration (``BootSpec.config``,
        committed in the batch); which ones were booted for the first time."""
        spec = self.spec
        boots: list[BootSpec] = []
        fresh: list[bool] = []
        secrets = _Secrets()
        for node in spec.nodes:
            state = self.root / "nodes" / node.name
            new = not state.exists()
            fresh.append(new)
            np = self._node_plan(node.name)
            boots.append(
                BootSpec(
                    state_dir=state,
                    platform=node.platform,
                    hostname=node.host_name if new else None,
                    release_version=node.release,
                    serial=node.serial or default_serial(spec.name, node),
                    vrfs=dict(np.vrfs) if np is not None else None,
                    links=dict(np.links) if np is not None else None,
                    config=tuple(self._first_lines(node, secrets)) if new else (),
                )
            )
        if not made_root:  # a kept lab: what this start made goes if it fails
            created = [b.state_dir for b, new in zip(boots, fresh, strict=True) if new]

            def remove_created() -> None:
                for d in created:
                    shutil.rmtree(d, ignore_errors=True)

            stack.callback(self._if_failed(remove_created))

        def progress(done: int, total: int) -> None:
            self._step(f"booted {done} of {total} routers")

        try:
            routers = boot_nodes(boots, clock=self.clock, progress=progress)
        except StartupConfigError as e:
            where = Path(e.state_dir).name
            raise LabError(f"node {where}: startup configuration refused: {e.__cause__}") from None
        stack.callback(_shutdown_all, routers)
        self.routers = {n.name: r for n, r in zip(spec.nodes, routers, strict=True)}
        return fresh

    def _configure(self, fresh: Sequence[bool]) -> None:
        """The first-boot configuration was committed in the boot batch (``_boot``): counted
        here for the progress bar."""
        self._step(f"configured {sum(fresh)} new routers", advance=len(fresh))

    def _first_lines(self, node: NodeSpec, secrets: _Secrets) -> list[str]:
        lines: list[str] = []
        if not _default_users(node.users):
            lines += secrets.lines(node.users)
        np = self._node_plan(node.name)
        if np is not None:
            lines += list(np.config)
        lines += list(node.config)
        if node.netconf_port is not None:
            lines += NETCONF_LINES
        return lines

    def _serve(self, stack: contextlib.ExitStack) -> None:
        spec = self.spec
        servers = []
        for node in spec.nodes:
            servers.append(
                SshServer(
                    self.routers[node.name],
                    host=node.address,
                    port=node.ssh_port,
                    users=DEFAULT_USERS if _default_users(node.users) else {},
                    netconf_port=node.netconf_port,
                )
            )
        SshServer.start_many(servers)
        stack.callback(SshServer.stop_many, servers)
        self.servers = {n.name: s for n, s in zip(spec.nodes, servers, strict=True)}
        self._step("SSH servers listening")
        consoles = [
            ConsoleServer(
                self.routers[node.name],
                self.root / "console" / f"{node.name}.sock",
                user=_console_user(node),
            )
            for node in spec.nodes
        ]
        ConsoleServer.start_many(consoles)
        stack.callback(ConsoleServer.stop_many, consoles)
        self.consoles = {n.name: c for n, c in zip(spec.nodes, consoles, strict=True)}
        self._step("consoles listening")
        endpoints, known = [], []
        for node, server, console in zip(spec.nodes, servers, consoles, strict=True):
            router = server.router
            key = host_key(router)
            known.append(_known_host(node.address, server.port, key))
            if server.netconf_port is not None:
                known.append(_known_host(node.address, server.netconf_port, key))
            chassis = router.chassis
            np = self._node_plan(node.name)
            login = node.login
            endpoints.append(
                NodeEndpoint(
                    name=node.name,
                    hostname=router.hostname(),
                    platform=chassis.platform.pid,
                    release=str(chassis.release),
                    serial=chassis.serial,
                    host=node.address,
                    ssh_port=server.port,
                    netconf_port=server.netconf_port,
                    console=str(console.path),
                    state_dir=str(self.root / "nodes" / node.name),
                    username=login.name if login is not None else None,
                    host_key_sha256=key.get_fingerprint("sha256"),
                    vrfs=dict(np.vrfs) if np is not None else {},
                )
            )
        text = "".join(line + "\n" for line in known)
        fd = os.open(self.known_hosts, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self._set_state("starting", nodes=tuple(endpoints))

    # -- stop -------------------------------------------------------------------------------

    def stop(self, keep: bool = True) -> None:
        """Stop the lab (see the module documentation); ``keep=False`` also removes ``ROOT``.
        Idempotent."""
        stack, self._stack = self._stack, None
        if stack is None:
            return
        try:
            with contextlib.suppress(OSError):
                self._set_state("stopping")
            stack.close()  # consoles, SSH servers, routers, network: in reverse
            self.routers, self.servers, self.consoles = {}, {}, {}
            self.network = None
            if keep:
                with contextlib.suppress(OSError):
                    self._set_state("stopped", pids=(), namespaces=(), peers=())
            else:
                registry.remove(self.root)
        finally:
            self._unlock()  # the lock stays until the state is final

    def __enter__(self) -> Lab:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop(keep=True)

    def __repr__(self) -> str:
        state = self._status.state if self._status is not None else "not started"
        return f"<Lab {self.spec.name} {state} at {self.root}>"

"""``Router``: one simulated IOS XR router, the object tests and labs hold (layer 6).

A router is a ``Chassis`` (nodes, per-node filesystems, SUDI, reboot history, the clock) with
its ``Datastore`` (running configuration, commits), its ``KeyStore``, ``CertStore`` and
``Enrollment`` (SCEP and TFTP enrollment, ``xrsim.pki.enrollment``), its ``Scheduler`` (timed
work on the chassis clock: the ``commit confirmed`` rollback, the SSH idle timeouts, the polls
of pending enrollment requests and the filesystem inventory's snapshots, re-armed at boot),
its ``FilesystemInventory`` (``router.fsinventory``), the CLI
registry (one per process, shared) and its ``SessionTable`` (the SSH and NETCONF sessions its
front doors record: ``show ssh``, ``clear ssh``, ``show netconf-yang clients``,
``kill-session``) and its VRF table (``Vrfs``: VRFs bound to network namespaces, interfaces
bound to links, which puts every configuration change into effect on the links before it is
saved), and its ``PackageManager`` (``router.packages``, ``xrsim.integrity.packages``: the
software packages as real RPMs, extracted on every XR node at first boot) with their
fingerprints (``router.fingerprints``) and the nodes' IMA measurement lists (``router.ima``,
``xrsim.integrity.ima``), its CA trustpool (``router.trustpool``, ``xrsim.pki.trustpool``:
the built-in bundle, the downloaded one, the policy's automatic update on the scheduler), its
``PeerValidator`` (``router.validator``, ``xrsim.pki.validate``: which CA validates an HTTPS
server, a trustpoint's CA and policy before the trustpool's), and its ``Notifier``
(``router.notify``, ``xrsim.notify``: the logging buffer, remote syslog and SNMP traps of the
running configuration; the PKI modules' notices become its messages and traps), among them
those of its ``ExpiryMonitor`` (``router.expiry``, ``xrsim.pki.expiry``: certificate expiry
notices on the scheduler, started at boot). It opens
``CliSession`` s for the front doors (console, SSH) and offers the Python
API:

    router = Router.boot(platform="NCS-55A1-24H", state_dir=tmp, hostname="r1")
    router.cli("show version")                      # the text IOS XR prints
    router.configure(["domain name example.com"])   # configure, commit, end
    router.cli("crypto key generate rsa k", answers={"modulus": "2048"})
    router.advance(days=60)                          # run what falls due on the way
    Router.boot(vrfs={"mgmt": "ns-mgmt"}, links={"MgmtEth0/RP0/CPU0/0": "veth-r"})
    router.shutdown()

    routers = Router.boot_many(1000, state_root=tmp)   # r1 ... r1000, host keys in parallel
    Router.boot_many(nodes=[BootSpec(tmp / "pe1", "ASR-9006", "pe1", "7.3.2"), ...])

``BootSpec`` is one router of ``Router.boot_many(nodes=...)`` (a lab's heterogeneous nodes:
state directory, platform, hostname, release, serial, VRF and link bindings); ``boot_many``
opens the chassis on a thread pool while the Rust core generates the host keys in batches.

Release-dependent boot behaviour goes through ``xrsim.release.supports``.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from types import TracebackType

from cryptography import x509

from xrsim import release
from xrsim.chassis import Chassis
from xrsim.cli import CliSession, Registry, default_registry
from xrsim.cli.commands.ssh import FACTORY_LINES
from xrsim.cli.registry import TYPES
from xrsim.clock import SimClock, as_timedelta
from xrsim.config.datastore import Datastore
from xrsim.config.tree import Change, ConfigTree
from xrsim.crypto import generate_key, generate_keys
from xrsim.errors import (
    CommandError,
    InvalidInput,
    StateError,
    StorageError,
    UnansweredPrompt,
)
from xrsim.integrity.fingerprint import Fingerprints
from xrsim.integrity.ima import ImaLogs
from xrsim.integrity.inventory import FilesystemInventory
from xrsim.integrity.packages import PackageManager
from xrsim.net.interfaces import factory_lines as interface_factory_lines
from xrsim.net.vrf import Vrfs
from xrsim.notify import Message, Notifier
from xrsim.pki import DEFAULT_LABEL, KeyStore
from xrsim.pki.download import Downloader
from xrsim.pki.enrollment import Enrollment
from xrsim.pki.expiry import ExpiryMonitor
from xrsim.pki.keystore import StoredKey
from xrsim.pki.trustpoint import CertStore, Trustpoint
from xrsim.pki.trustpool import TrustPool
from xrsim.pki.validate import PeerValidator, TrustpointCa
from xrsim.scheduler import Scheduler, Timer
from xrsim.sessions import SessionTable

__all__ = ["DEFAULT_HOSTNAME", "Answers", "BootSpec", "Router"]

#: The hostname of a router booted without one (the seed's examples use it).
DEFAULT_HOSTNAME = "router"

#: The size of the RSA host key boot generates (``the_default``, IOS XR's default modulus).
HOST_KEY_BITS = 2048

#: Threads ``Router.boot_many`` opens chassis in (their file I/O overlaps; measured best on
#: two cores, see benches/README.md).
BOOT_WORKERS = 3

#: Answers to interactive prompts: a mapping from a piece of the prompt text to the answer,
#: or a function of the prompt text (returning None when it has no answer).
Answers = Mapping[str, str] | Callable[[str], str | None]


def _answer(answers: Answers | None, prompt: str) -> str | None:
    if answers is None:
        return None
    if callable(answers):
        return answers(prompt)
    for piece, value in answers.items():
        if piece in prompt:
            return value
    return None


def _check_hostname(hostname: str | None) -> None:
    """Refuse a hostname ``hostname NAME`` would refuse (``InvalidInput``)."""
    if hostname is not None and (
        not isinstance(hostname, str) or not re.fullmatch(TYPES["HOSTNAME"], hostname)
    ):
        raise InvalidInput(
            f"not a hostname: {hostname!r} (a letter or digit, then up to 62 letters, "
            "digits or hyphens)"
        )


def _check_specs(specs: Sequence[BootSpec]) -> None:
    """Refuse what ``boot_many(nodes=...)`` cannot boot before anything is made on disk: not a
    ``BootSpec``, a bad hostname, two routers on one state directory (``InvalidInput``)."""
    seen: set[Path] = set()
    for spec in specs:
        if not isinstance(spec, BootSpec):
            raise InvalidInput(f"not a BootSpec: {spec!r}")
        _check_hostname(spec.hostname)
        where = Path(os.path.abspath(spec.state_dir))
        if where in seen:
            raise InvalidInput(f"two routers on one state directory: {spec.state_dir}")
        seen.add(where)


@dataclass(frozen=True)
class BootSpec:
    """One router of ``Router.boot_many(nodes=...)``: the arguments of ``Router.boot`` that
    differ from router to router (their meaning is ``boot``'s)."""

    state_dir: str | Path
    platform: str | None = None
    hostname: str | None = None
    release_version: str | None = None
    serial: str | None = None
    vrfs: Mapping[str, str] | None = None
    links: Mapping[str, str] | None = None


class Router:
    """A booted simulated router."""

    def __init__(
        self,
        chassis: Chassis,
        *,
        registry: Registry | None = None,
        owned_dir: tempfile.TemporaryDirectory[str] | None = None,
    ) -> None:
        self._chassis = chassis
        self._owned_dir = owned_dir
        self.registry = registry or default_registry()
        self._scheduler = Scheduler(chassis.clock, name=f"scheduler of {chassis.serial}")
        self._confirm_timer: Timer | None = None
        self._vrfs = Vrfs(chassis)
        self._fsinventory = FilesystemInventory(chassis, self._scheduler)
        # Syslog (buffer, remote hosts in their VRFs) and SNMP traps; PKI notices reach it
        # through the router (``router.notify``).
        self._notifier = Notifier(
            clock=chassis.clock,
            node=lambda: f"RP/{self._chassis.active_rp.name}",
            hostname=self.hostname,
            netns_of=self._vrfs.netns_of,
            uptime=chassis.uptime,
        )
        # The registry is the datastore's schema: stored lines are parsed again at load.
        # Every change of the running configuration is put into effect by the VRF table first
        # (interfaces bound to links; nothing is bound yet, so loading only seeds it), then
        # by the filesystem inventory (its snapshot schedule).
        self._datastore = Datastore(
            now=chassis.clock.now,
            storage=chassis.store,
            on_confirm=self._schedule_confirm_rollback,
            schema=self.registry,
            on_apply=self._apply,
        )
        self._vrfs.apply(self._datastore.running)
        self._notifier.apply(self._datastore.running)
        self._keys = KeyStore(chassis.store, chassis.clock)
        self._certs = CertStore(chassis.store)
        self._enrollment = Enrollment(
            certs=self._certs,
            keys=self._keys,
            scheduler=self._scheduler,
            clock=chassis.clock,
            trustpoint=self._trustpoint,
            netns_of=self._vrfs.netns_of,
            fqdn=self.fqdn,
        )
        # Which CA validates a peer (an HTTPS server): the trustpoints' CAs and their policy
        # before the trustpool and its policy, read when a peer is judged.
        self._validator = PeerValidator(
            clock=chassis.clock,
            trustpoints=self._trustpoint_cas,
            pool=self._pool_certificates,
            pool_crl_optional=self._pool_crl_optional,
            netns_of=self._vrfs.netns_of,
        )
        # The CA trustpool: the built-in bundle and the downloaded one, its policy and timer.
        self._trustpool = TrustPool(
            chassis.store,
            chassis.clock,
            self._scheduler,
            Downloader(self._vrfs.netns_of, verifier=self._validator.verifier),
            self._notifier.trustpool,  # its notices: syslog messages
        )
        # Certificate expiry notices: timers on the scheduler, re-armed on every certificate
        # change (started at boot); each notice becomes a CEPKI syslog message and a PKI trap.
        self._expiry = ExpiryMonitor(
            certs=self._certs,
            scheduler=self._scheduler,
            clock=chassis.clock,
            trustpoint=self._trustpoint,
            on_notice=self._notifier.expiry,
        )
        # The software packages: at first boot the platform's are extracted on every XR node.
        self._packages = PackageManager.open(chassis)
        # Their fingerprints: generated on the scheduler (at boot, ``start``; then every hour
        # and after every package change), in the worker pool.
        self._fingerprints = Fingerprints(self._packages, chassis, self._scheduler)
        self._ima = ImaLogs(chassis, self._packages)
        # The IMA lists measure what each generation finds changed or new on a node.
        self._fingerprints.subscribe_scan(self._ima.on_scan)
        self._api: CliSession | None = None
        self._lock = threading.Lock()
        self._sessions: list[CliSession] = []
        self._session_table = SessionTable()

    # -- boot -------------------------------------------------------------------------------

    @classmethod
    def boot(
        cls,
        platform: str | None = None,
        state_dir: str | Path | None = None,
        hostname: str | None = None,
        *,
        release_version: str | None = None,
        serial: str | None = None,
        clock: SimClock | None = None,
        registry: Registry | None = None,
        vrfs: Mapping[str, str] | None = None,
        links: Mapping[str, str] | None = None,
    ) -> Router:
        """Boot a router. ``state_dir`` keeps its state across boots (a temporary directory,
        removed at ``shutdown``, when omitted). A new router gets ``hostname`` (default
        ``router``; one ``hostname NAME`` would refuse, the empty one included, raises
        ``InvalidInput``, as does a ``platform`` that is not a PID or ``Platform``; a stored
        state that cannot be used raises ``StateError``); from IOS XR 7.0.1 boot generates the
        default RSA host key if missing.
        ``registry``: the CLI's commands (default: every router's); the stored configuration
        is parsed again with it.

        The router holds ``state_dir`` until ``shutdown``: a second boot on it, from this
        process or another, raises ``StateError`` naming the holder. A directory written by an
        older xrsim is migrated to the current format first.

        ``vrfs`` binds VRF names to existing network namespaces (``{"mgmt": "ns-mgmt"}``;
        ``default`` too, else the default VRF is the process's namespace) and ``links`` the
        router's interfaces to links in them (``{"MgmtEth0/RP0/CPU0/0": "veth-r"}``, the
        router's end of a veth pair): the running configuration's addresses of those
        interfaces are set on the links (``router.vrfs``, ``xrsim.net.vrf``). Bindings are host
        wiring, not stored. A binding that cannot be realised raises ``VrfError`` (or
        ``InvalidInput`` for an interface the router lacks) and the router is shut down."""
        router = cls._open(
            platform,
            state_dir,
            hostname,
            release_version=release_version,
            serial=serial,
            clock=clock,
            registry=registry,
        )
        try:
            if router.needs_host_key():
                router.keys.put("rsa", DEFAULT_LABEL, generate_key("rsa", bits=HOST_KEY_BITS))
            router._bind(vrfs, links)
            router.enrollment.resume()  # the polls of pending requests, once the VRFs are bound
            router.expiry.start()  # the certificates' next expiry notices
            router.fingerprints.start()  # the boot's generation, once every subscriber is in
        except BaseException:
            router.shutdown()  # the directory is let go: a later boot gets the same answer
            raise
        return router

    @classmethod
    def boot_many(
        cls,
        count: int | None = None,
        *,
        state_root: str | Path | None = None,
        platform: str | None = None,
        prefix: str = "r",
        release_version: str | None = None,
        clock: SimClock | None = None,
        registry: Registry | None = None,
        workers: int = BOOT_WORKERS,
        nodes: Sequence[BootSpec] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Router]:
        """Boot many routers at once, in one of two forms:

        - ``nodes=[BootSpec(...), ...]``: router ``i`` is what ``boot(**spec)`` would give for
          ``nodes[i]`` (its own state directory, platform, hostname, release, serial, VRF and
          link bindings), ``clock`` and ``registry`` shared by all;
        - ``count`` with ``state_root``: router ``i`` (from 1) is ``{prefix}{i}`` (its
          hostname when new; an existing one keeps its own) with its state in
          ``state_root/{prefix}{i}``, on ``platform`` and ``release_version``.

        The result is what one ``boot`` per router gives, in order, faster: the chassis open in
        ``workers`` threads (their file I/O overlaps) while the host keys the new routers need
        are generated in batches by the Rust core (``generate_keys``, on every core, GIL
        released). ``progress(done, total)`` is called (in the calling thread) as each router
        has opened. Names, hostnames and state directories are checked before anything is made
        on disk (``InvalidInput``); on a later failure the routers already booted are shut
        down and the error raised."""
        if nodes is not None:
            if count is not None or state_root is not None:
                raise InvalidInput("boot_many takes nodes or count and state_root, not both")
            specs = list(nodes)
        else:
            if count is None or state_root is None:
                raise InvalidInput("boot_many needs nodes, or count and state_root")
            if count < 0:
                raise InvalidInput(f"cannot boot {count} routers")
            root = Path(state_root)
            names = [f"{prefix}{i}" for i in range(1, count + 1)]
            if any(not n or any(c.isspace() for c in n) or "/" in n for n in names):
                raise InvalidInput(f"not a router name prefix: {prefix!r}")
            specs = [
                BootSpec(
                    root / name,
                    platform=platform,
                    # an existing router keeps its own hostname
                    hostname=None if (root / name).exists() else name,
                    release_version=release_version,
                )
                for name in names
            ]
        return cls._boot_specs(
            specs, clock=clock, registry=registry, workers=workers, progress=progress
        )

    @classmethod
    def _boot_specs(
        cls,
        specs: list[BootSpec],
        *,
        clock: SimClock | None,
        registry: Registry | None,
        workers: int,
        progress: Callable[[int, int], None] | None,
    ) -> list[Router]:
        """``boot_many`` of checked-in ``specs``."""
        _check_specs(specs)
        routers: list[Router] = []
        waiting: list[Router] = []
        stored: list[Future[StoredKey]] = []
        batch = 2 * (os.cpu_count() or 1)
        total = len(specs)

        with ThreadPoolExecutor(
            max_workers=max(1, workers), thread_name_prefix="xrsim-boot"
        ) as pool:

            def generate(needy: list[Router]) -> None:
                if not needy:
                    return
                keys = generate_keys(len(needy), "rsa", bits=HOST_KEY_BITS)
                # Stored on the pool too (each store waits on its own file writes), after
                # the opens already queued; waited for at the end.
                stored.extend(
                    pool.submit(r.keys.put, "rsa", DEFAULT_LABEL, key)
                    for r, key in zip(needy, keys, strict=True)
                )

            futures = [
                pool.submit(
                    cls._open,
                    spec.platform,
                    spec.state_dir,
                    spec.hostname,
                    release_version=spec.release_version,
                    serial=spec.serial,
                    clock=clock,
                    registry=registry,
                )
                for spec in specs
            ]
            try:
                pending = deque(futures)
                while pending:
                    # Take every open that finished (waiting for more while too few routers
                    # wait for a key to keep every core busy), then generate their keys in
                    # one batch while the pool opens the next ones: batches grow to what
                    # the opens deliver in the time of one batch.
                    while pending and (pending[0].done() or len(waiting) < batch):
                        router = pending.popleft().result()
                        routers.append(router)
                        if progress is not None:
                            progress(len(routers), total)
                        if router.needs_host_key():
                            waiting.append(router)
                    generate(waiting)
                    waiting = []
                for f in stored:
                    f.result()
                for router, spec in zip(routers, specs, strict=True):
                    router._bind(spec.vrfs, spec.links)
                for router in routers:
                    router.enrollment.resume()  # the polls of pending requests, VRFs bound
                    router.expiry.start()
                    router.fingerprints.start()
            except BaseException:
                for future in futures:
                    future.cancel()  # those not started; the running ones finish
                for put in stored:
                    put.cancel()
                left = [f.result() for f in futures if not f.cancelled() and not f.exception()]
                for router in {id(r): r for r in [*routers, *left]}.values():
                    router.shutdown()
                raise
        return routers

    @classmethod
    def _open(
        cls,
        platform: str | None,
        state_dir: str | Path | None,
        hostname: str | None,
        *,
        release_version: str | None = None,
        serial: str | None = None,
        clock: SimClock | None = None,
        registry: Registry | None = None,
    ) -> Router:
        """Everything of ``boot`` but the host key generation."""
        _check_hostname(hostname)  # before anything is made on disk
        owned = None
        if state_dir is None:
            owned = tempfile.TemporaryDirectory(prefix="xrsim-")
            state_dir = owned.name
        try:
            chassis = Chassis.open(
                Path(state_dir), platform, release=release_version, serial=serial, clock=clock
            )
        except BaseException:
            if owned is not None:
                owned.cleanup()
            raise
        router: Router | None = None
        try:
            router = cls(chassis, registry=registry, owned_dir=owned)
            router._first_boot(hostname)
            router._fsinventory.resume(router._datastore.running)  # its snapshots re-armed
            router._trustpool.resume(router._datastore.running)  # its update timer armed
        except BaseException:
            if router is not None:
                router._scheduler.close()
            chassis.close()
            if owned is not None:
                owned.cleanup()
            raise
        return router

    def _bind(self, vrfs: Mapping[str, str] | None, links: Mapping[str, str] | None) -> None:
        """Boot's VRF and link bindings (``boot``)."""
        for vrf, netns in (vrfs or {}).items():
            self._vrfs.bind(vrf, netns)
        for interface, link in (links or {}).items():
            self._vrfs.bind_interface(interface, link)

    def _first_boot(self, hostname: str | None) -> None:
        """Factory configuration, where the state lacks it (the host key: ``boot``)."""
        router = self
        ds = router.datastore
        fresh = ds.running.is_empty()
        current = router._running_value("hostname")
        factory: list[str] = []
        if current is None or (hostname is not None and current != hostname):
            name = hostname or DEFAULT_HOSTNAME
            if not name or any(c.isspace() for c in name):
                raise InvalidInput(f"not a hostname: {name!r}")
            factory.append(f"hostname {name}")
        if fresh:
            factory.extend(FACTORY_LINES)
            factory.extend(interface_factory_lines(self._chassis))
        if factory:
            ds.set_initial(router._changes_of(factory))

    def needs_host_key(self) -> bool:
        """Whether boot owes this router its RSA host key (IOS XR 7.0.1 on, none yet)."""
        return release.supports(self._chassis.release, "boot-host-key") and not self._keys.has(
            "rsa", DEFAULT_LABEL
        )

    def _changes_of(self, lines: Sequence[str]) -> list[Change]:
        """The configuration changes ``lines`` make, parsed by the CLI (not committed): how
        factory configuration gets the same items as typed configuration."""
        s = CliSession(self, self.registry, user="system", line="system", client="system")
        s.enter_config()
        try:
            refused = s.enter_lines(lines)
            if refused is not None:
                raise InvalidInput(f"factory configuration refused: {refused[0]!r}: {refused[1]}")
            assert s.candidate is not None
            return list(s.candidate.changes)
        finally:
            s.close()

    # -- Device protocol (what commands use) ------------------------------------------------

    @property
    def chassis(self) -> Chassis:
        return self._chassis

    @property
    def datastore(self) -> Datastore:
        return self._datastore

    @property
    def clock(self) -> SimClock:
        """The chassis clock; ``clock.set``/``clock.advance`` run what falls due."""
        return self._chassis.clock

    @property
    def scheduler(self) -> Scheduler:
        """Timed work of this router on its clock (``call_at``, ``call_later``)."""
        return self._scheduler

    @property
    def keys(self) -> KeyStore:
        """The key store (``crypto key``)."""
        return self._keys

    @property
    def certs(self) -> CertStore:
        """Trustpoint certificates (``crypto ca``)."""
        return self._certs

    @property
    def enrollment(self) -> Enrollment:
        """Enrollment with remote CAs (SCEP, TFTP) and the polls of pending requests."""
        return self._enrollment

    @property
    def fsinventory(self) -> FilesystemInventory:
        """The filesystem inventory (``filesystem-inventory``): snapshots of every node's
        filesystem on the scheduler, ``collect`` for the dossier."""
        return self._fsinventory

    @property
    def expiry(self) -> ExpiryMonitor:
        """Certificate expiry notices (``xrsim.pki.expiry``): the next one of each watched
        certificate (``upcoming()``); they go to ``notify.expiry``."""
        return self._expiry

    @property
    def trustpool(self) -> TrustPool:
        """The CA trustpool (``crypto ca trustpool``): the built-in and downloaded CA
        certificates, the trustpool policy and its automatic update (its notices go to
        ``router.notify``)."""
        return self._trustpool

    @property
    def notify(self) -> Notifier:
        """Syslog and SNMP traps (``xrsim.notify``): the logging buffer (``show logging``),
        the remote syslog hosts and trap hosts of the running configuration, and
        ``expiry``/``trustpool`` for the PKI notices."""
        return self._notifier

    def log(self, msg: Message) -> None:
        """Log ``msg`` as the router's processes do (buffer, remote syslog hosts)."""
        self._notifier.log(msg)

    def _apply(self, target: ConfigTree) -> Callable[[], None]:
        """The datastore's ``on_apply``: the VRF table, the filesystem inventory, the
        notifier, then the trustpool policy, put ``target`` into effect, each in turn; the undo
        undoes them all (in reverse order), and a failure undoes those already applied."""
        steps: list[Callable[[ConfigTree], Callable[[], None]]] = [
            self._vrfs.apply,
            self._fsinventory.apply,
            self._notifier.apply,
            self._trustpool.apply,
        ]
        undos: list[Callable[[], None]] = []

        def undo() -> None:
            for u in reversed(undos):
                u()

        try:
            for step in steps:
                undos.append(step(target))
        except BaseException:
            undo()
            raise
        return undo

    @property
    def packages(self) -> PackageManager:
        """The software packages (``show install``, ``install add/activate/commit``): real
        RPMs, active ones extracted on every node that runs IOS XR."""
        return self._packages

    @property
    def fingerprints(self) -> Fingerprints:
        """The packages' install-time and run-time fingerprints, their generation status and
        time (``xrsim.integrity.fingerprint``; NETCONF ``install/packages``, the dossier)."""
        return self._fingerprints

    @property
    def ima(self) -> ImaLogs:
        """The IMA measurement list of every node that runs IOS XR (``xrsim.integrity.ima``):
        the package files at the node's boot, then what the fingerprint generations find
        changed or new."""
        return self._ima

    @property
    def validator(self) -> PeerValidator:
        """Which CA validates a peer's certificate (``xrsim.pki.validate``): a trustpoint's CA
        and its ``crl optional`` before the trustpool and its policy; HTTPS downloads use it."""
        return self._validator

    def _trustpoint_cas(self) -> list[TrustpointCa]:
        """The configured trustpoints holding a CA certificate, by name, with their policy."""
        out = []
        for name in sorted(self._certs.names()):
            ca = self._certs.ca(name)
            tp = self._trustpoint(name)
            if ca is not None and tp is not None:
                out.append(TrustpointCa(name, ca, tp.crl_optional))
        return out

    def _pool_certificates(self) -> list[x509.Certificate]:
        return self._trustpool.active()

    def _pool_crl_optional(self) -> bool:
        return self._trustpool.policy().crl_optional

    def _trustpoint(self, name: str) -> Trustpoint | None:
        node = self._datastore.running.get([f"crypto ca trustpoint {name}"])
        return None if node is None else Trustpoint.from_config(name, node)

    @property
    def vrfs(self) -> Vrfs:
        """The VRF table: VRFs bound to network namespaces, interfaces bound to links
        (``bind``, ``bind_interface``, ``netns_of``)."""
        return self._vrfs

    @property
    def session_table(self) -> SessionTable:
        """The router's SSH and NETCONF sessions (``show ssh``, ``clear ssh``, ``show
        netconf-yang clients``, ``kill-session``), written by its front doors."""
        return self._session_table

    def _running_value(self, key: str) -> str | None:
        """The ``name`` argument of a top-level item (``hostname <name:HOSTNAME>``, ``domain
        name <name:DOMAIN>``), None when it is not configured."""
        node = self._datastore.running.get([key])
        if node is None or "name" not in node.args:
            return None
        return str(node.args["name"])

    def hostname(self) -> str:
        return self._running_value("hostname") or "ios"

    def domain_name(self) -> str | None:
        return self._running_value("domain name")

    def fqdn(self) -> str:
        domain = self.domain_name()
        return f"{self.hostname()}.{domain}" if domain else self.hostname()

    def prompt_base(self) -> str:
        return f"RP/{self._chassis.active_rp.name}:{self.hostname()}"

    # -- sessions ---------------------------------------------------------------------------

    def session(
        self, *, user: str = "admin", line: str = "con0_RP0_CPU0", client: str = "CLI"
    ) -> CliSession:
        """A new CLI session (what a console or SSH shell drives)."""
        s = CliSession(self, self.registry, user=user, line=line, client=client)
        with self._lock:
            self._sessions = [x for x in self._sessions if not x.closed]
            self._sessions.append(s)
        return s

    def _api_session(self) -> CliSession:
        if self._api is None or self._api.closed:
            self._api = self.session(line="vty0:node0_RP0_CPU0", client="CLI")
        return self._api

    def cli(self, command: str, *, answers: Answers | None = None) -> str:
        """Run one command in the API session and return what the router prints. Interactive
        prompts are answered from ``answers``; a prompt without an answer cancels the command
        and raises ``UnansweredPrompt``."""
        s = self._api_session()
        out = s.handle_line(command)
        while s.waiting:
            prompt = s.prompt
            reply = _answer(answers, prompt)
            if reply is None:
                s.cancel()
                raise UnansweredPrompt(f"no answer for the prompt {prompt.strip()!r}", out)
            out += prompt + ("" if s.hidden else reply) + "\n"
            out += s.handle_line(reply)
        return out

    def configure(
        self,
        lines: Sequence[str],
        *,
        commit: bool = True,
        label: str | None = None,
        comment: str | None = None,
    ) -> str:
        """Enter configuration lines in the API session and (by default) commit them and
        return to exec mode. A line IOS XR refuses discards the session's changes and raises
        ``CommandError``; so does a refused commit (locked, label in use). A commit that
        could not be saved discards them and raises ``StorageError`` (nothing changed; the same
        call can be made again). With ``commit=False`` the changes stay in the session's
        candidate (``router.cli("commit")`` commits them)."""
        s = self._api_session()
        out = ""
        if s.mode == "exec":
            out += self.cli("configure")
            if s.mode == "exec":  # refused (not authorized)
                raise CommandError("configuration mode refused", out)
        refused = s.enter_lines(lines)
        if refused is not None:
            line, text = refused
            if s.mode != "exec":
                s.leave_config()
            raise CommandError(f"configuration line refused: {line!r}", text)
        if commit:
            cmd = "commit"
            if label:
                cmd += f" label {label}"
            if comment:
                cmd += f" comment {comment}"
            text = self.cli(cmd)
            out += text
            failure = s.last_error
            if failure is not None:
                s.leave_config()
                if isinstance(failure, StorageError):
                    raise failure
                raise CommandError("commit failed", text) from failure
            out += self.cli("end")
        return out

    # -- time -------------------------------------------------------------------------------

    def advance(
        self,
        seconds: float | timedelta = 0,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
    ) -> None:
        """Move the router's clock forward by the sum of the amounts and run everything that
        falls due on the way, in time order, before returning (``router.advance(days=60)``).
        ``router.advance()`` runs what is due now. Negative or non-finite amounts raise
        ``InvalidInput`` and change nothing."""
        total = as_timedelta(seconds)
        units = (("days", days, 86400), ("hours", hours, 3600), ("minutes", minutes, 60))
        for what, amount, unit in units:
            part = as_timedelta(amount, what=what, unit=unit)
            try:
                total += part
            except OverflowError:
                raise InvalidInput(f"cannot advance by {total} and {part} more") from None
        self._scheduler.advance(total)

    def _schedule_confirm_rollback(self, commit_id: int | None, timeout: timedelta | None) -> None:
        """The datastore's ``on_confirm``: (re)schedule or cancel the rollback of an
        unconfirmed ``commit confirmed`` (called inside the datastore's lock)."""
        if self._confirm_timer is not None:
            self._confirm_timer.cancel()
            self._confirm_timer = None
        if commit_id is None or timeout is None:
            return
        try:
            self._confirm_timer = self._scheduler.call_later(
                timeout,
                partial(self._datastore.rollback_unconfirmed, commit_id),
                name=f"commit confirmed {commit_id}: rollback",
            )
        except StateError:  # shut down meanwhile: nothing runs any more
            self._confirm_timer = None

    # -- shutdown ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Close the scheduler (nothing more runs), every session, withdraw the addresses set
        on bound links, and release the state directory (closing the state store); a
        temporary state directory is removed.
        Idempotent."""
        self._expiry.stop()
        self._scheduler.close()
        self._confirm_timer = None
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()
        self._vrfs.withdraw()
        self._notifier.close()
        self._chassis.close()
        if self._owned_dir is not None:
            self._owned_dir.cleanup()
            self._owned_dir = None

    def __enter__(self) -> Router:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()

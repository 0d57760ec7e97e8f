"""The pytest plugin (entry point ``pytest11``: ``xrsim = "xrsim.lab.pytest_plugin"``): simulated
IOS XR routers as fixtures, booted the way ``xrsim up`` boots them (``xrsim.lab.launcher.Lab``).

- Fixtures: ``xr_router`` (one booted router with SSH and NETCONF on free 127.0.0.1 ports, torn
  down after the test), ``xr_router_factory`` (an ``XrRouterFactory``: any number of routers
  with options, all torn down after the test), ``xr_lab`` (an ``XrLab`` from a lab file named by
  ``@pytest.mark.xr_lab("lab.yml")`` or the ini option ``xrsim_lab``, torn down after the test)
  and ``xr_lab_session`` (the same lab booted once per session and lab file, shared).
- ``XrRouter``: what a test holds of one router: the ``Router`` itself, its endpoints (host,
  ports, login, ``known_hosts``), ``cli``/``configure``/``advance`` and the connection
  parameters of netmiko (``ConnectHandler(**r.netmiko)``), scrapli (``IOSXRDriver(**r.scrapli)``)
  and ncclient (``manager.connect(**r.ncclient)``), each checking the router's host key against
  ``known_hosts``: netmiko's ``ssh_strict``, scrapli's ``auth_strict_key``, and for ncclient
  its ``iosxr`` device handler with an ``unknown_host_cb`` that accepts only that key (ncclient's
  own accepts any; see ``XrRouter.ncclient``).
- ``XrRouterFactory``: ``factory(name=None, *, hostname=, platform=, release=, config=, users=,
  netconf=True, clock=, start=)`` boots one router (a one-node lab of its own); ``close`` stops
  every one it made.
- ``XrLab``: a started lab: ``lab[node]`` (an ``XrRouter``), ``peer(name)``, ``status``,
  ``spec``, ``root``, ``lab`` (the ``Lab``). ``xr_lab_session``'s labs are kept by a
  session-scoped pool, one per lab file, stopped at the end of the session.
- The marker ``xr_lab("lab.yml")`` (relative to the test file) or the ini option ``xrsim_lab``
  (relative to the ini file) names the lab file; a bad one fails the test with its line, field
  and reason.
- The marker ``xr_release("7.3.2")`` and the option ``--xr-release`` pick the release of the
  routers ``xr_router``/``xr_router_factory`` boot (a release given to the factory wins, then the
  marker, then the option, then the platform's own).

Every router's state lives under ``tmp_path_factory`` (per pytest-xdist worker) and every port
is a free one, so parallel workers never meet. Importing this module is cheap: the router, the
SSH server, the lab launcher and the lab file reader are imported inside the fixtures.
"""

from __future__ import annotations

import functools
import itertools
import re
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from xrsim.clock import SimClock
    from xrsim.lab.launcher import Lab
    from xrsim.lab.spec import LabSpec, NodeSpec, UserSpec
    from xrsim.lab.status import LabStatus, PeerEndpoint
    from xrsim.router import Answers, Router

__all__ = ["XrLab", "XrRouter", "XrRouterFactory"]

#: The ini option naming the lab file of ``xr_lab``/``xr_lab_session`` (relative to the
#: directory of the ini file, else the rootdir).
INI_LAB = "xrsim_lab"

_NODE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,30}")


# -- pytest hooks ----------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("xrsim", "xrsim simulated IOS XR routers")
    group.addoption(
        "--xr-release",
        dest="xr_release",
        default=None,
        metavar="RELEASE",
        help="IOS XR release (MAJOR.MINOR.PATCH) of the routers xr_router and "
        "xr_router_factory boot when neither the test's xr_release marker nor the factory "
        "call names one (default: the platform's release)",
    )
    parser.addini(
        INI_LAB,
        "lab file xr_lab and xr_lab_session boot when the test has no xr_lab marker "
        "(relative to the ini file's directory)",
        default=None,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "xr_release(release): the IOS XR release (such as '7.3.2') of the routers "
        "xr_router and xr_router_factory boot for this test",
    )
    config.addinivalue_line(
        "markers",
        "xr_lab(path): the lab file (YAML, relative to the test file) xr_lab and "
        "xr_lab_session boot for this test",
    )
    release = config.getoption("xr_release", None)
    if release is not None:
        problem = _release_problem(release)
        if problem is not None:
            raise pytest.UsageError(f"--xr-release: {problem}")


def _release_problem(value: object) -> str | None:
    """Why ``value`` is not an IOS XR release (None when it is one)."""
    from xrsim.errors import InvalidInput
    from xrsim.release import Release

    if not isinstance(value, str):
        return f"a release is text such as '7.3.2', got {value!r}"
    try:
        Release.parse(value)
    except InvalidInput as exc:
        return str(exc)
    return None


def _marked_release(request: pytest.FixtureRequest) -> str | None:
    """The release of the test's ``xr_release`` marker (the closest one), else the
    ``--xr-release`` option's, else None. A bad marker fails the test with the reason."""
    marker = request.node.get_closest_marker("xr_release")
    if marker is None:
        release: str | None = request.config.getoption("xr_release", None)
        return release
    if len(marker.args) != 1 or marker.kwargs:
        pytest.fail(
            "@pytest.mark.xr_release takes one release, such as "
            f"@pytest.mark.xr_release('7.3.2'); got args={marker.args!r} kwargs={marker.kwargs!r}",
            pytrace=False,
        )
    value = marker.args[0]
    problem = _release_problem(value)
    if problem is not None:
        pytest.fail(f"@pytest.mark.xr_release({value!r}): {problem}", pytrace=False)
    return str(value)


# -- what a test holds -------------------------------------------------------------------------


class XrRouter:
    """One booted router of a fixture, with its endpoints and client parameters."""

    def __init__(
        self,
        *,
        name: str,
        router: Router,
        host: str,
        ssh_port: int,
        netconf_port: int | None,
        username: str | None,
        password: str | None,
        known_hosts: Path,
        state_dir: Path,
        ncclient_config: Path,
    ) -> None:
        self.name = name
        self.router = router
        self.host = host
        self.ssh_port = ssh_port
        self.netconf_port = netconf_port
        self.username = username
        self.password = password
        #: An OpenSSH ``known_hosts`` file with this router's host key (``[HOST]:PORT ...``).
        self.known_hosts = known_hosts
        #: The router's state directory (removed at teardown).
        self.state_dir = state_dir
        self._ncclient_config = ncclient_config

    def __repr__(self) -> str:
        return (
            f"XrRouter(name={self.name!r}, host={self.host!r}, ssh_port={self.ssh_port}, "
            f"netconf_port={self.netconf_port}, username={self.username!r})"
        )

    # -- the router ------------------------------------------------------------------------

    @property
    def hostname(self) -> str:
        return self.router.hostname()

    def cli(self, command: str, *, answers: Answers | None = None) -> str:
        """``Router.cli``: one command, the text IOS XR prints."""
        return self.router.cli(command, answers=answers)

    def configure(self, lines: Sequence[str] | str, **kwargs: Any) -> str:
        """``Router.configure``: lines (a list, or text one line each) entered, committed."""
        if isinstance(lines, str):
            lines = lines.splitlines()
        return self.router.configure(lines, **kwargs)

    def advance(
        self,
        seconds: float | timedelta = 0,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
    ) -> None:
        """``Router.advance``: move the router's clock on, running what falls due."""
        self.router.advance(seconds, days=days, hours=hours, minutes=minutes)

    # -- client parameters -----------------------------------------------------------------

    def _login(self) -> tuple[str, str]:
        if self.username is None or self.password is None:
            from xrsim.errors import LabError

            raise LabError(
                f"router {self.name} has no user with a password to log in with "
                "(give one in users=, or a password in the lab file)"
            )
        return self.username, self.password

    @property
    def netmiko(self) -> dict[str, Any]:
        """``netmiko.ConnectHandler(**r.netmiko)``: ``cisco_xr``, the host key checked
        against ``known_hosts`` (``ssh_strict``)."""
        username, password = self._login()
        return {
            "device_type": "cisco_xr",
            "host": self.host,
            "port": self.ssh_port,
            "username": username,
            "password": password,
            "ssh_strict": True,
            "system_host_keys": False,
            "alt_host_keys": True,
            "alt_key_file": str(self.known_hosts),
            "conn_timeout": 20,
        }

    @property
    def scrapli(self) -> dict[str, Any]:
        """``scrapli.driver.core.IOSXRDriver(**r.scrapli)`` (or ``Scrapli(platform=
        "cisco_iosxr", **r.scrapli)``): scrapli's strict host key checking against
        ``known_hosts``."""
        username, password = self._login()
        return {
            "host": self.host,
            "port": self.ssh_port,
            "auth_username": username,
            "auth_password": password,
            "auth_strict_key": True,
            "ssh_known_hosts_file": str(self.known_hosts),
        }

    @property
    def ncclient(self) -> dict[str, Any]:
        """``ncclient.manager.connect(**r.ncclient)``: the NETCONF port, the ``iosxr`` device
        handler, the host key verified against ``known_hosts``.

        Two things of ncclient 0.7.1 shape this. Its ``iosxr`` device handler replaces the
        caller's ``unknown_host_cb`` with one that accepts any key, so ``device_params={"name":
        "iosxr"}`` alone connects to whatever answers. And given a ``known_hosts`` with an RSA
        key (``UserKnownHostsFile`` of an ``ssh_config``) it narrows the host key algorithms
        to ``ssh-rsa``, which paramiko 5 no longer has: the key exchange fails (``KeyError:
        'ssh-rsa'``; ncclient's pull request 661, unreleased). So the handler here is ncclient's
        ``iosxr`` one whose ``unknown_host_cb`` accepts only the key ``known_hosts`` has for
        this host and port (by ncclient's MD5 fingerprint), and ncclient itself reads no
        ``known_hosts`` (an ``ssh_config`` naming ``/dev/null``, so ``~/.ssh`` plays no part)."""
        username, password = self._login()
        if self.netconf_port is None:
            from xrsim.errors import LabError

            raise LabError(f"router {self.name} has no NETCONF listener (netconf=False)")
        return {
            "host": self.host,
            "port": self.netconf_port,
            "username": username,
            "password": password,
            "hostkey_verify": True,
            "ssh_config": str(self._ncclient_config),
            "look_for_keys": False,
            "allow_agent": False,
            "device_params": {
                "name": "iosxr",
                "handler": _checking_iosxr_handler(),
                "known_hosts": str(self.known_hosts),
                "port": self.netconf_port,
            },
            "timeout": 30,
        }


def _md5_fingerprints(known_hosts: str, entry: str) -> set[str]:
    """The MD5 fingerprints (``aa:bb:...``, as ncclient hands them to ``unknown_host_cb``) of
    the keys ``known_hosts`` has for ``entry`` (``HOST`` or ``[HOST]:PORT``)."""
    import base64
    import hashlib

    out: set[str] = set()
    for line in Path(known_hosts).read_text().splitlines():
        fields = line.split()
        if len(fields) >= 3 and not line.startswith("#") and entry in fields[0].split(","):
            digest = hashlib.md5(base64.b64decode(fields[2]), usedforsecurity=False).hexdigest()
            out.add(":".join(digest[i : i + 2] for i in range(0, len(digest), 2)))
    return out


@functools.cache
def _checking_iosxr_handler() -> type:
    """ncclient's ``iosxr`` device handler whose ``unknown_host_cb`` accepts only the host key
    of ``device_params["known_hosts"]`` (see ``XrRouter.ncclient``)."""
    from ncclient.devices.iosxr import IosxrDeviceHandler

    class CheckingIosxrDeviceHandler(IosxrDeviceHandler):  # type: ignore[misc]
        def add_additional_ssh_connect_params(self, kwargs: dict[str, Any]) -> None:
            known_hosts = str(self.device_params["known_hosts"])
            port = int(self.device_params["port"])

            def known(host: str, fingerprint: str) -> bool:
                return fingerprint in _md5_fingerprints(known_hosts, _host_entry(host, port))

            kwargs["unknown_host_cb"] = known

    return CheckingIosxrDeviceHandler


class XrLab:
    """A started lab of ``xr_lab``/``xr_lab_session``: ``lab["r1"]`` is an ``XrRouter``."""

    def __init__(self, spec: LabSpec, lab: Lab, routers: dict[str, XrRouter]) -> None:
        self.spec = spec
        #: The ``xrsim.lab.launcher.Lab`` (``lab.routers``, ``lab.servers``, ``lab.stop``).
        self.lab = lab
        self.routers = routers

    def __getitem__(self, node: str) -> XrRouter:
        try:
            return self.routers[node]
        except KeyError:
            known = ", ".join(self.routers)
            raise KeyError(f"lab {self.spec.name} has no node {node!r} (nodes: {known})") from None

    def __iter__(self) -> Iterator[XrRouter]:
        return iter(self.routers.values())

    def __len__(self) -> int:
        return len(self.routers)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def status(self) -> LabStatus:
        return self.lab.status

    @property
    def root(self) -> Path:
        return Path(self.status.root)

    @property
    def peers(self) -> dict[str, PeerEndpoint]:
        """The lab's peers by name (``url`` of a ``scep-ca``, ``port`` of a ``syslog``...)."""
        return {p.name: p for p in self.status.peers}

    def peer(self, name: str) -> PeerEndpoint:
        try:
            return self.peers[name]
        except KeyError:
            raise KeyError(f"lab {self.spec.name} has no peer {name!r}") from None

    def __repr__(self) -> str:
        return f"XrLab(name={self.spec.name!r}, nodes={list(self.routers)!r})"


# -- booting ----------------------------------------------------------------------------------


def _start(spec: LabSpec, root: Path, clock: SimClock | None) -> Lab:
    """Start ``spec`` in ``root`` (the lab directory) and return the running ``Lab``."""
    from xrsim.lab.launcher import Lab

    lab = Lab(spec, root, clock=clock)
    lab.start()
    return lab


def _host_entry(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def _routers_of(lab: Lab, spec: LabSpec, home: Path) -> dict[str, XrRouter]:
    """An ``XrRouter`` for each node of a started lab; ``home`` gets the ncclient config."""
    status = lab.status
    known_hosts = lab.known_hosts  # [HOST]:PORT of every SSH and NETCONF port
    ncclient_config = home / "ncclient.ssh_config"
    ncclient_config.write_text("Host *\n    UserKnownHostsFile /dev/null\n")
    out: dict[str, XrRouter] = {}
    for node in spec.nodes:
        endpoint = status.node(node.name)
        login = node.login
        out[node.name] = XrRouter(
            name=node.name,
            router=lab.routers[node.name],
            host=endpoint.host,
            ssh_port=endpoint.ssh_port,
            netconf_port=endpoint.netconf_port,
            username=login.name if login is not None else None,
            password=login.password if login is not None else None,
            known_hosts=known_hosts,
            ncclient_config=ncclient_config,
            state_dir=Path(endpoint.state_dir),
        )
    return out


def _users(users: Mapping[str, str] | Sequence[UserSpec] | None) -> tuple[UserSpec, ...] | None:
    from xrsim.errors import InvalidInput
    from xrsim.lab.spec import UserSpec

    if users is None:
        return None
    if isinstance(users, Mapping):
        made = tuple(UserSpec(str(n), password=str(p)) for n, p in users.items())
    else:
        made = tuple(users)
        for u in made:
            if not isinstance(u, UserSpec):
                raise InvalidInput(
                    "users= is a mapping of user names to passwords or a sequence of "
                    f"xrsim.lab.spec.UserSpec, got an item {u!r}"
                )
    if not made:
        raise InvalidInput("users= names no user: nobody could log in")
    return made


class XrRouterFactory:
    """Boots routers for one test (``xr_router_factory``); ``close`` stops them all."""

    def __init__(self, home: Callable[[str], Path], release: str | None = None) -> None:
        self._home = home
        self._release = release
        self._labs: list[tuple[Lab, Path]] = []
        self._names: set[str] = set()
        self.routers: list[XrRouter] = []

    def _next_name(self) -> str:
        """The first of ``r1``, ``r2``... not yet made."""
        return next(n for i in itertools.count(1) if (n := f"r{i}") not in self._names)

    def __call__(
        self,
        name: str | None = None,
        *,
        hostname: str | None = None,
        platform: str | None = None,
        release: str | None = None,
        config: Sequence[str] | str = (),
        users: Mapping[str, str] | Sequence[UserSpec] | None = None,
        netconf: bool = True,
        clock: SimClock | None = None,
        start: datetime | None = None,
    ) -> XrRouter:
        """Boot one router and return it. ``name``: the node's name (default ``r1``,
        ``r2``...), its hostname unless ``hostname``; ``platform``: a PID (default
        NCS-55A1-24H); ``release``: the IOS XR release (default: the test's ``xr_release``
        marker, then ``--xr-release``, then the platform's); ``config``: startup configuration
        lines; ``users``: ``{name: password}`` (or ``UserSpec`` s; default: the lab login
        admin/admin); ``netconf``: a NETCONF listener on a free port; ``clock``: the router's
        ``SimClock``, or ``start``: a frozen clock starting at that aware datetime."""
        from xrsim.clock import SimClock
        from xrsim.errors import InvalidInput
        from xrsim.lab.spec import LabSpec, NodeSpec

        if name is None:
            name = self._next_name()
        if not isinstance(name, str) or not _NODE_NAME.fullmatch(name):
            raise InvalidInput(
                f"xr_router_factory: name {name!r} is not a node name ([a-z0-9][a-z0-9-]{{0,30}})"
            )
        if name in self._names:
            raise InvalidInput(f"xr_router_factory: a router {name!r} was already made")
        if clock is not None and start is not None:
            raise InvalidInput("xr_router_factory: give clock= or start=, not both")
        if clock is not None and not isinstance(clock, SimClock):
            raise InvalidInput(
                f"xr_router_factory: clock= is an xrsim.clock.SimClock, got {clock!r} "
                "(start= takes a datetime)"
            )
        if start is not None:
            clock = SimClock(start, frozen=True)
        release = release if release is not None else self._release
        if release is not None:
            problem = _release_problem(release)
            if problem is not None:
                raise InvalidInput(f"xr_router_factory: release {release!r}: {problem}")
        lines = tuple(config.splitlines() if isinstance(config, str) else config)
        node = NodeSpec(
            name=name,
            hostname=hostname,
            release=release,
            config=lines,
            netconf_port=0 if netconf else None,
        )
        if platform is not None:
            node = _replace(node, platform=platform)
        made_users = _users(users)
        if made_users is not None:
            node = _replace(node, users=made_users)
        spec = LabSpec(name=f"xr-{name}", nodes=(node,))
        home = self._home(name)
        try:
            lab = _start(spec, home / "lab", clock)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        self._names.add(name)
        self._labs.append((lab, home))
        router = _routers_of(lab, spec, home)[name]
        self.routers.append(router)
        return router

    def close(self) -> None:
        """Stop every router made (SSH servers, routers) and remove their state."""
        labs, self._labs = self._labs, []
        errors: list[BaseException] = []
        for lab, home in reversed(labs):
            try:
                lab.stop(keep=False)
            except Exception as exc:  # every lab is stopped, the first failure raised
                errors.append(exc)
            shutil.rmtree(home, ignore_errors=True)
        self.routers.clear()
        if errors:
            raise errors[0]


def _replace(node: NodeSpec, **changes: Any) -> NodeSpec:
    from dataclasses import replace

    return replace(node, **changes)


# -- fixtures ---------------------------------------------------------------------------------


def _home(tmp_path_factory: pytest.TempPathFactory, prefix: str) -> Path:
    """A new directory ``PREFIX...`` (0700) under the session's base temporary directory
    (one per pytest-xdist worker); removed at teardown."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix=prefix, dir=tmp_path_factory.getbasetemp()))


@pytest.fixture
def xr_router_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[XrRouterFactory]:
    """``factory(name=None, *, hostname=, platform=, release=, config=, users=,
    netconf=True, clock=, start=)`` boots a router (an ``XrRouter``); all are stopped and their
    state removed after the test."""
    release = _marked_release(request)
    factory = XrRouterFactory(lambda name: _home(tmp_path_factory, f"xr-{name}-"), release)
    yield factory
    factory.close()


@pytest.fixture
def xr_router(xr_router_factory: XrRouterFactory) -> XrRouter:
    """A booted router ``r1`` (NCS-55A1-24H; the release of ``xr_release``/``--xr-release``)
    with SSH and NETCONF on free 127.0.0.1 ports, login admin/admin; torn down after the
    test."""
    return xr_router_factory()


def _lab_file(request: pytest.FixtureRequest) -> Path:
    """The lab file of the test's ``xr_lab`` marker (relative to the test's file), else of the
    ini option ``xrsim_lab`` (relative to the ini file's directory, else the rootdir)."""
    node = request.node
    marker = node.get_closest_marker("xr_lab") if isinstance(node, pytest.Item) else None
    if marker is not None:
        if len(marker.args) != 1 or marker.kwargs or not isinstance(marker.args[0], str | Path):
            pytest.fail(
                "@pytest.mark.xr_lab takes one lab file path, such as "
                f"@pytest.mark.xr_lab('lab.yml'); got args={marker.args!r} "
                f"kwargs={marker.kwargs!r}",
                pytrace=False,
            )
        path: Path = request.node.path.parent / marker.args[0]
        return path.resolve()
    value = request.config.getini(INI_LAB)
    if not value:
        pytest.fail(
            "xr_lab needs a lab file: mark the test @pytest.mark.xr_lab('lab.yml') or set "
            f"the ini option {INI_LAB}",
            pytrace=False,
        )
    config = request.config
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return (base / str(value)).resolve()


def _boot_lab(path: Path, home: Path) -> XrLab:
    """Read the lab file ``path`` and start its lab in ``home/lab``; on a failure nothing is
    left (a bad lab file fails the test with its line, field and reason)."""
    from xrsim.errors import LabFileError
    from xrsim.lab import labfile

    try:
        try:
            spec = labfile.load(path)
        except LabFileError as exc:
            pytest.fail(f"xr_lab: {exc}", pytrace=False)
        except OSError as exc:
            pytest.fail(f"xr_lab: {path}: {exc.strerror or exc}", pytrace=False)
        lab = _start(spec, home / "lab", None)
        try:
            return XrLab(spec, lab, _routers_of(lab, spec, home))
        except BaseException:
            lab.stop(keep=False)
            raise
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise


def _stop_lab(lab: XrLab, home: Path) -> None:
    try:
        lab.lab.stop(keep=False)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def xr_lab(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[XrLab]:
    """The lab of the test's ``xr_lab`` marker (or the ini option ``xrsim_lab``), started for
    this test and stopped after it (state removed)."""
    path = _lab_file(request)
    home = _home(tmp_path_factory, "xr-lab-")
    lab = _boot_lab(path, home)
    yield lab
    _stop_lab(lab, home)


class _LabPool:
    """The session's labs, one per lab file, started when first asked for."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._labs: dict[Path, tuple[XrLab, Path]] = {}

    def get(self, path: Path) -> XrLab:
        if path not in self._labs:
            home = _home(self._tmp, "xr-lab-session-")
            self._labs[path] = (_boot_lab(path, home), home)
        return self._labs[path][0]

    def close(self) -> None:
        labs, self._labs = list(self._labs.values()), {}
        for lab, home in reversed(labs):
            _stop_lab(lab, home)


@pytest.fixture(scope="session")
def _xr_lab_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_LabPool]:
    pool = _LabPool(tmp_path_factory)
    yield pool
    pool.close()


@pytest.fixture
def xr_lab_session(request: pytest.FixtureRequest, _xr_lab_pool: _LabPool) -> XrLab:
    """The lab of the test's ``xr_lab`` marker (or ``xrsim_lab``), started once per session
    (per pytest-xdist worker) and lab file, shared by every test that asks for it, stopped at
    the end of the session."""
    return _xr_lab_pool.get(_lab_file(request))

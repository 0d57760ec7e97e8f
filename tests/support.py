"""Helpers shared by test modules (on ``sys.path`` through pytest's ``pythonpath``)."""

from __future__ import annotations

import datetime
import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import paramiko
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from ncclient import manager
from ncclient.manager import Manager

from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

__all__ = [
    "Dialogue",
    "PtyShell",
    "ca_certificate_pem",
    "fill",
    "mounted_tmpfs",
    "netconf_manager",
    "netconf_sessions",
    "plugin_args",
    "scratch_netns",
    "ssh_client",
    "unmount",
    "xrsim_env",
]


class Dialogue:
    """Answers for ``Router.cli``: the pasted text line by line for the empty prompts (then a
    blank line ends the paste); other prompts by a piece of their text (a list answers in
    turn). Every prompt is recorded in ``prompts``."""

    def __init__(
        self, paste: str = "", answers: Mapping[str, str | Sequence[str]] | None = None
    ) -> None:
        self._lines = iter([*paste.splitlines(), ""])
        self._answers = {
            k: v if isinstance(v, str) else list(v) for k, v in (answers or {}).items()
        }
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str | None:
        self.prompts.append(prompt)
        if prompt == "":
            return next(self._lines, None)
        for piece, value in self._answers.items():
            if piece in prompt:
                if isinstance(value, str):
                    return value
                return value.pop(0) if value else None
        return None


def ca_certificate_pem(common_name: str = "xrsim test CA") -> str:
    """A self-signed CA certificate (RSA-2048, 30 days) in PEM, made with pyca."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def xrsim_env(**extra: str) -> dict[str, str]:
    """The environment for a child process that runs the xrsim under test (``python -m
    xrsim...``, a helper script): this one's, with the directory of the imported ``xrsim``
    package first on ``PYTHONPATH``, without ``XRSIM_CRASH_AT``, plus ``extra``."""
    import xrsim

    env = {k: v for k, v in os.environ.items() if k != "XRSIM_CRASH_AT"}
    package_root = str(Path(xrsim.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(
        [package_root, *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
    )
    env.update(extra)
    return env


def plugin_args() -> tuple[str, ...]:
    """What a pytest run needs on its command line to load xrsim's pytest plugin: nothing when
    its ``pytest11`` entry point is installed (``maturin develop``: pytest loads it, and ``-p``
    would register it twice), else ``-p xrsim.lab.pytest_plugin`` (a source tree)."""
    from importlib.metadata import entry_points

    if any(ep.value == "xrsim.lab.pytest_plugin" for ep in entry_points(group="pytest11")):
        return ()
    return ("-p", "xrsim.lab.pytest_plugin")


def ssh_client(port: int, user: str = "admin", password: str = "admin") -> paramiko.SSHClient:
    """A paramiko client logged in to ``127.0.0.1:port`` by password, as a user first runs it
    (no keys from ~/.ssh, no agent; the host key accepted on first sight)."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        "127.0.0.1",
        port=port,
        username=user,
        password=password,
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    return client


class PtyShell:
    """A pty shell over paramiko (``vt100``, 200 columns) read as raw bytes: what a terminal
    receives. ``until`` returns everything up to and including a marker (decoded, any byte
    that is not UTF-8 shown as U+FFFD), ``send`` writes raw bytes or text, ``run`` sends and
    reads up to the prompt."""

    def __init__(
        self,
        port: int,
        user: str = "admin",
        password: str = "admin",
        *,
        timeout: float = 20,
    ) -> None:
        self.client = ssh_client(port, user, password)
        self.chan = self.client.invoke_shell(term="vt100", width=200)
        self.chan.settimeout(timeout)
        self.raw = b""

    def until(self, marker: str) -> str:
        """Everything received up to and including ``marker``; ``EOFError`` if the channel
        closes first."""
        want = marker.encode()
        while want not in self.raw:
            data = self.chan.recv(1 << 16)
            if not data:
                raise EOFError(f"channel closed before {marker!r}; got {self.raw!r}")
            self.raw += data
        head, _, self.raw = self.raw.partition(want)
        return (head + want).decode("utf-8", "replace")

    def send(self, data: bytes | str) -> None:
        self.chan.sendall(data.encode() if isinstance(data, str) else data)

    def run(self, data: bytes | str, prompt: str) -> str:
        """Send ``data`` and return everything up to and including the next ``prompt``."""
        self.send(data)
        return self.until(prompt)

    @property
    def alive(self) -> bool:
        transport = self.client.get_transport()
        return transport is not None and transport.is_active() and not self.chan.closed

    def close(self) -> None:
        self.client.close()


def netconf_manager(
    port: int, user: str, password: str, *, timeout: int = 30, host: str = "127.0.0.1"
) -> Manager:
    """ncclient as IOS XR users call it (``device_params={"name": "iosxr"}``), logged in to
    ``host:port`` by password (no keys from ~/.ssh, no agent, the host key not checked)."""
    return manager.connect(
        host=host,
        port=port,
        username=user,
        password=password,
        hostkey_verify=False,
        device_params={"name": "iosxr"},
        look_for_keys=False,
        allow_agent=False,
        timeout=timeout,
    )


@contextmanager
def netconf_sessions(
    router: Router,
    passwords: Mapping[str, str],
    *,
    server_users: Mapping[str, str] | None = None,
) -> Iterator[Callable[..., Manager]]:
    """An SSH server for ``router`` (its users ``server_users``, else ``passwords``; ``{}``
    leaves logins to the router's own AAA) and ``make(user="admin")``, a ``netconf_manager``
    session logged in with ``passwords[user]``; every session still open is closed, then the
    server stopped, on the way out."""
    users = dict(passwords if server_users is None else server_users)
    server = SshServer(router, users=users).start()
    opened: list[Manager] = []

    def make(user: str = "admin") -> Manager:
        m = netconf_manager(server.port, user, passwords[user])
        opened.append(m)
        return m

    try:
        yield make
    finally:
        for m in opened:
            if m.connected:
                m.close_session()
        server.stop()


# -- real faults: small filesystems a test mounts ----------------------------------------------


def _sh(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def cannot_mount(message: str) -> None:
    """No small filesystem for the test: a skip, or a failure in CI (XRSIM_REQUIRE_PEERS=1)."""
    if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
        pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires the fault tests to run")
    pytest.skip(message)


def unmount(path: Path) -> None:
    """Unmount ``path`` if it is a mount point; lazily when still busy (a leaked handle)."""
    if _sh("mountpoint", "-q", str(path)).returncode != 0:
        return
    if _sh("umount", str(path)).returncode != 0:
        _sh("umount", "-l", str(path))


@contextmanager
def mounted_tmpfs(point: Path, size: str, mode: str = "0700") -> Iterator[Path]:
    """A tmpfs of ``size`` (mount(8)'s form: ``4m``, ``256k``) mounted on the directory
    ``point`` (made if missing) and unmounted at the end, always. It needs root and mount(8):
    without them the test is skipped, or failed under ``XRSIM_REQUIRE_PEERS=1``."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        cannot_mount("mounting a tmpfs needs root and mount(8)")
    point.mkdir(parents=True, exist_ok=True)
    result = _sh("mount", "-t", "tmpfs", "-o", f"size={size},mode={mode}", "tmpfs", str(point))
    if result.returncode != 0:
        cannot_mount(f"mount -t tmpfs failed: {result.stderr.strip()}")
    try:
        yield point
    finally:
        unmount(point)


def fill(mount: Path) -> Path:
    """A filler file that takes every free byte of ``mount`` (written until ENOSPC); a 4 KiB
    file written next to it fails with ENOSPC."""
    filler = mount / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            chunk = b"\0" * size
            while True:
                try:
                    os.write(fd, chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    probe = mount / "probe"
    code = None
    try:
        probe.write_bytes(b"x" * 4096)
    except OSError as e:
        code = e.errno
    finally:
        probe.unlink(missing_ok=True)
    assert code == errno.ENOSPC, f"{mount} is not full (4 KiB more: errno {code})"
    return filler


# -- a network namespace of the test's own ------------------------------------------------------


@contextmanager
def scratch_netns(stem: str) -> Iterator[str]:
    """A new network namespace ``STEM-PID-TOKEN`` with its loopback up, removed afterwards.
    Without root a skip, or a failure in CI (``XRSIM_REQUIRE_PEERS=1``)."""
    if os.geteuid() != 0:
        message = "network namespaces need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)"
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires them")
        pytest.skip(message)
    name = f"{stem}-{os.getpid()}-{os.urandom(3).hex()}"
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=20)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True, timeout=20)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=20)

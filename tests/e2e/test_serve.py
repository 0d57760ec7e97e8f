"""``xrsim serve`` as a container runs it: on a given address, a startup configuration at the
first boot, SIGTERM stopping it cleanly (also as PID 1 of its own PID namespace)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko
import pytest

from support import netconf_manager, xrsim_env
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

ADDRESS = "127.0.0.2"  # loopback, not 127.0.0.1: the listener must be where --address says

_LISTENING = re.compile(
    r"listening on (?P<host>\S+) port (?P<port>\d+)(?:, NETCONF port (?P<netconf>\d+))?"
)


def _serve_argv(state: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "xrsim.frontends.main", "serve", "--state", str(state), *extra]


@contextmanager
def _serving(argv: list[str]) -> Iterator[tuple[subprocess.Popen[str], re.Match[str]]]:
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=xrsim_env()
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = _LISTENING.search(line)
        if match is None:
            proc.kill()
            _, err = proc.communicate(timeout=20)
            pytest.fail(f"xrsim serve did not start: {line!r} {err!r}")
        yield proc, match
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=20)


def _exec(host: str, port: int, command: str, user: str, password: str) -> str:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        host,
        port=port,
        username=user,
        password=password,
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    try:
        _, stdout, _ = client.exec_command(command, timeout=20)
        return str(stdout.read().decode())
    finally:
        client.close()


STARTUP = """\
! a lab node's startup configuration, as xrsim export containerlab writes it
domain name lab.example
username ops
 group root-lr
 secret 10 {hash}
ssh server netconf vrf default
netconf-yang agent
 ssh
"""


def test_serve_on_an_address_applies_the_startup_config_once_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    from xrsim.aaa.secret import hash_secret

    state = tmp_path / "state"
    state.mkdir()  # empty, as a container's bind mount of a fresh host directory
    config = tmp_path / "startup.cfg"
    config.write_text(STARTUP.format(hash=hash_secret("ops-pass")))
    argv = _serve_argv(
        state,
        "--address",
        ADDRESS,
        "--netconf-port",
        "0",
        "--hostname",
        "pe1",
        "--serial",
        "FOC2222R1A1",
        "--startup-config",
        str(config),
    )
    with _serving(argv) as (proc, m):
        assert m["host"] == ADDRESS
        port, netconf = int(m["port"]), int(m["netconf"])
        # Not on 127.0.0.1: nothing listens there on that port.
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
            pass
        out = _exec(ADDRESS, port, "show running-config domain", "ops", "ops-pass")
        assert "domain name lab.example" in out
        assert "FOC2222R1A1" in _exec(ADDRESS, port, "show license udi", "ops", "ops-pass")
        with netconf_manager(netconf, "ops", "ops-pass", host=ADDRESS) as nc:
            assert nc.connected
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert "xrsim serve: stopping" in err
        assert "Traceback" not in err
    # The state directory is released: another process boots it at once.
    with Router.boot(state_dir=state) as router:
        assert router.hostname() == "pe1"
    # A later boot does not apply the startup configuration again.
    config.write_text("domain name other.example\n")
    with _serving(_serve_argv(state, "--startup-config", str(config))) as (proc, m):
        out = _exec("127.0.0.1", int(m["port"]), "show running-config domain", "ops", "ops-pass")
        assert "domain name lab.example" in out
        assert "other.example" not in out
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_a_refused_startup_config_leaves_the_state_directory_as_it_was(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    config = tmp_path / "startup.cfg"
    config.write_text("domain name lab.example\nno such command here\n")
    result = subprocess.run(
        _serve_argv(state, "--startup-config", str(config)),
        capture_output=True,
        text=True,
        timeout=60,
        env=xrsim_env(),
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"xrsim serve: {config}: configuration line refused: ")
    assert "'no such command here'" in lines[0]
    assert "% Invalid input detected" in lines[0]
    assert list(state.iterdir()) == []  # nothing left: the next boot is a first boot again

    missing = subprocess.run(
        _serve_argv(state, "--startup-config", str(tmp_path / "nope.cfg")),
        capture_output=True,
        text=True,
        timeout=60,
        env=xrsim_env(),
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        f"xrsim serve: cannot read the startup configuration {tmp_path / 'nope.cfg'}: "
        "No such file or directory"
    )
    assert list(state.iterdir()) == []


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("not-an-address", "argument --address: not an IP address: 'not-an-address'"),
        ("192.0.2.1", "xrsim serve: cannot listen on 192.0.2.1: "),  # TEST-NET-1: not ours
    ],
)
def test_an_address_it_cannot_listen_on_is_refused(
    tmp_path: Path, address: str, message: str
) -> None:
    result = subprocess.run(
        _serve_argv(tmp_path / "state", "--address", address),
        capture_output=True,
        text=True,
        timeout=60,
        env=xrsim_env(),
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_sigterm_stops_it_as_pid_1_of_a_pid_namespace(tmp_path: Path) -> None:
    """As a container's PID 1 (where the kernel drops a signal without a handler), SIGTERM
    from outside the namespace still stops it cleanly with exit 0."""
    if os.geteuid() != 0:
        message = "a PID namespace needs root (unshare --pid)"
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires it")
        pytest.skip(message)
    state = tmp_path / "state"
    argv = ["unshare", "--pid", "--fork", "--kill-child", *_serve_argv(state)]
    with _serving(argv) as (proc, m):
        (child,) = _children(proc.pid)  # unshare's child: PID 1 in its namespace
        status = Path(f"/proc/{child}/status").read_text()
        nspid = re.search(r"^NSpid:\s+(.+)$", status, re.M)
        assert nspid is not None
        assert nspid.group(1).split()[-1] == "1"
        _exec("127.0.0.1", int(m["port"]), "show version", "admin", "admin")
        os.kill(child, signal.SIGTERM)
        assert proc.wait(timeout=30) == 0  # unshare exits with its child's status
    with Router.boot(state_dir=state) as router:  # its lock went with it
        assert router.hostname() == "router"


def test_an_exported_node_serves_as_its_container_would(tmp_path: Path) -> None:
    """The command ``xrsim export containerlab`` gives a node, run with the host paths of its
    binds (as the container sees them) and free ports: the exported user logs in with its
    password, NETCONF answers, the vendor directory is the lab's."""
    import shlex

    from xrsim.lab import containerlab
    from xrsim.lab.spec import LabSpec, NodeSpec, UserSpec

    spec = LabSpec(
        "exp",
        (
            NodeSpec(
                "pe1",
                hostname="pe-one",
                serial="FOC2222R1A1",
                config=("domain name exp.example",),
                users=(UserSpec("ops", password="ops-pass"),),
            ),
        ),
    )
    out = tmp_path / "exp"
    containerlab.export(spec, out)
    node = containerlab.topology(spec)["topology"]["nodes"]["pe1"]
    mounts = {ctr: out / host for host, ctr, *_ in (b.split(":") for b in node["binds"])}
    argv = shlex.split(node["cmd"])
    for option, value in (
        ("--address", "127.0.0.1"),
        ("--port", "0"),
        ("--netconf-port", "0"),
        ("--state", str(mounts["/var/lib/xrsim"])),
        ("--startup-config", str(mounts["/etc/xrsim/startup.cfg"])),
    ):
        argv[argv.index(option) + 1] = value
    env = xrsim_env(XRSIM_VENDOR_DIR=str(mounts[node["env"]["XRSIM_VENDOR_DIR"]]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "xrsim.frontends.main", *argv[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        m = _LISTENING.search(proc.stdout.readline())
        assert m is not None, proc.stderr.read() if proc.stderr else ""
        port = int(m["port"])
        assert "domain name exp.example" in _exec(
            "127.0.0.1", port, "show running-config domain", "ops", "ops-pass"
        )
        assert "FOC2222R1A1" in _exec("127.0.0.1", port, "show license udi", "ops", "ops-pass")
        with netconf_manager(int(m["netconf"]), "ops", "ops-pass", host="127.0.0.1") as nc:
            assert nc.connected
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=20)
    assert any((out / "vendor").iterdir())  # the lab's simulated vendor, not ~/.local/share
    assert (out / "nodes" / "pe1" / "state.db").exists()

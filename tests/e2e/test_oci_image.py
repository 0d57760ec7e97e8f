"""The OCI image of ``xrsim export containerlab``, built and run with Debian's podman (rootful,
vfs storage): its base a Debian 12 root filesystem made by ``debootstrap`` and ``podman
import``ed (no registry needed), the Containerfile built with the wheel of this checkout, a
node run as containerlab would run it (its ``cmd``, ``binds``, ``env``, ``ports``), logged in to
over SSH and NETCONF, and ``podman stop`` (SIGTERM to PID 1) ending it with exit 0.

The base image is kept between runs (``localhost/xrsim-test-base:bookworm``, about a minute to
make); the built image and the container are removed. What this machine needs of podman:
``--runtime runc`` (crun refuses cgroups in hybrid mode) and ``--ulimit`` values within the
host's (podman's defaults raise them, which needs CAP_SYS_RESOURCE); see docs/labs.md.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest

from support import netconf_manager
from xrsim.lab import containerlab
from xrsim.lab.spec import LabSpec, NodeSpec, UserSpec

ROOT = Path(__file__).resolve().parents[2]
BASE = "localhost/xrsim-test-base:bookworm"
MIRROR = "http://deb.debian.org/debian"

pytestmark = [pytest.mark.timeout(1200), pytest.mark.peer]


def _podman(*argv: str, timeout: float = 600, check: bool = True) -> str:
    cmd = ["podman", "--storage-driver", "vfs", "--runtime", "runc", *argv]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        pytest.fail(f"{shlex.join(cmd)}: exit {result.returncode}\n{result.stderr[-3000:]}")
    return result.stdout


def _logs(name: str) -> str:
    """What the container wrote, stdout and stderr (podman logs gives them back apart)."""
    cmd = ["podman", "--storage-driver", "vfs", "logs", name]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    return result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _base_image(tmp_path: Path) -> None:
    exists = ["podman", "--storage-driver", "vfs", "image", "exists", BASE]
    if subprocess.run(exists, check=False, timeout=60).returncode:
        rootfs = tmp_path / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-venv,ca-certificates",
                "bookworm",
                str(rootfs),
                MIRROR,
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        try:
            imported = subprocess.run(
                ["podman", "--storage-driver", "vfs", "import", "-", BASE],
                stdin=tar.stdout,
                capture_output=True,
                timeout=600,
                check=False,
            )
        finally:
            assert tar.stdout is not None
            tar.stdout.close()
            tar.wait(timeout=60)
        assert imported.returncode == 0, imported.stderr
        shutil.rmtree(rootfs)


def _pip_configuration() -> list[str]:
    """``-v`` options giving the build this host's pip configuration (index, CA bundle), as
    pip on this host has it; nothing is kept in the image."""
    out: list[str] = []
    conf = Path("/etc/pip.conf")
    files = [conf] if conf.exists() else []
    cert = os.environ.get("PIP_CERT")
    if conf.exists():
        m = re.search(r"^\s*cert\s*=\s*(\S+)", conf.read_text(), re.M)
        cert = cert or (m.group(1) if m else None)
    if cert and Path(cert).exists():
        files.append(Path(cert))
    for f in files:
        out += ["-v", f"{f}:{f}:ro"]
    return out


def test_the_exported_image_builds_and_serves_under_podman(
    tmp_path: Path, require_tool: object
) -> None:
    for tool in ("podman", "runc", "debootstrap"):
        require_tool(tool)  # type: ignore[operator]
    if os.geteuid() != 0:
        message = "rootful podman and debootstrap need root"
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires it")
        pytest.skip(message)
    _base_image(tmp_path)

    ctx = tmp_path / "ctx"
    spec = LabSpec(
        "oci", (NodeSpec("r1", hostname="pe-oci", users=(UserSpec("ops", password="ops-pass"),)),)
    )
    token = os.urandom(3).hex()
    image = f"localhost/xrsim-test:{token}"
    containerlab.export(spec, ctx, image=image)
    maturin = shutil.which("maturin", path=str(Path(sys.executable).parent)) or "maturin"
    subprocess.run(
        [maturin, "build", "--release", "--locked", "-o", str(ctx), "-i", sys.executable],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=840,
    )
    name = f"xrsim-test-{token}"
    try:
        _podman(
            "build",
            "--network",
            "host",
            *_pip_configuration(),
            "--build-arg",
            f"BASE={BASE}",
            "-t",
            image,
            "-f",
            str(ctx / "Containerfile"),
            str(ctx),
            timeout=900,
        )
        node = containerlab.topology(spec, image=image)["topology"]["nodes"]["r1"]
        ssh, netconf = _free_port(), _free_port()
        run = ["run", "-d", "--name", name, "--ulimit", "nofile=4096:4096"]
        run += ["--ulimit", "nproc=1024:1024"]
        run += ["-p", f"127.0.0.1:{ssh}:22", "-p", f"127.0.0.1:{netconf}:830"]
        for bind in node["binds"]:
            host, rest = bind.split(":", 1)
            run += ["-v", f"{ctx / host}:{rest}"]
        for k, v in node["env"].items():
            run += ["-e", f"{k}={v}"]
        _podman(*run, image, *shlex.split(node["cmd"]))
        deadline = time.monotonic() + 180
        while "listening on 0.0.0.0 port 22" not in _logs(name):  # booted, configured
            if time.monotonic() > deadline or "running" not in _podman(
                "inspect", name, "--format", "{{.State.Status}}"
            ):
                pytest.fail(_logs(name))
            time.sleep(0.2)

        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect(
            "127.0.0.1",
            port=ssh,
            username="ops",
            password="ops-pass",
            look_for_keys=False,
            allow_agent=False,
            timeout=20,
        )
        try:
            _, out, _ = client.exec_command("show version", timeout=30)
            assert "Cisco IOS XR Software" in out.read().decode()
        finally:
            client.close()
        with netconf_manager(netconf, "ops", "ops-pass", host="127.0.0.1") as nc:
            assert nc.connected

        _podman("stop", "-t", "30", name, timeout=60)
        assert _podman("inspect", name, "--format", "{{.State.ExitCode}}").strip() == "0"
        assert "xrsim serve: stopping" in _logs(name)
        assert (ctx / "nodes" / "r1" / "state.db").exists()  # the state is the host's
    finally:
        _podman("rm", "-f", name, check=False, timeout=120)
        _podman("rmi", "-f", image, check=False, timeout=300)

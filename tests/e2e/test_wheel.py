"""The wheel: ``maturin build`` (reusing the checkout's cargo ``target/``, so it relinks at
most), installed into a fresh virtual environment with its runtime dependencies pinned by
``requirements/dev.lock`` (hashes required), serves a router that OpenSSH-style clients log in to.

The dependencies come from the package index pip is configured with (as ``make dev`` gets
them); the subset of ``dev.lock`` installed is the closure of the wheel's own ``Requires-Dist``
over the distributions of this environment (which ``dev.lock`` installed), and ``pip check``
in the new environment proves it complete.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import asyncssh
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "python" / "xrsim"

pytestmark = pytest.mark.timeout(900)


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock_blocks(lock: Path) -> dict[str, str]:
    """Name -> its ``NAME==VERSION \\`` block with the ``--hash`` lines, from a pip-compile
    lock file."""
    blocks: dict[str, str] = {}
    current: list[str] = []
    name = None
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+", line)
        if m:
            if name is not None:
                blocks[name] = "\n".join(current)
            name, current = _key(m.group(1)), [line]
        elif line.startswith("    --hash=") and name is not None:
            current.append(line)
        elif name is not None and not line.startswith("    "):
            blocks[name] = "\n".join(current)
            name, current = None, []
    if name is not None:
        blocks[name] = "\n".join(current)
    return blocks


def _closure(requires: list[str]) -> set[str]:
    """The distributions ``requires`` needs, transitively, as this environment has them."""
    out: set[str] = set()
    todo = list(requires)
    while todo:
        spec, _, marker = todo.pop().partition(";")
        if "extra" in marker:
            continue
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
        assert m, spec
        key = _key(m.group(1))
        if key in out:
            continue
        try:
            dist = metadata.distribution(key)
        except metadata.PackageNotFoundError:
            continue  # for another platform or Python: its marker excludes this one
        out.add(key)
        todo.extend(dist.requires or ())
    return out


def _package_data() -> set[str]:
    """The files of the source package that are not Python: its data (platform TOML, the
    trustpool PEM, the lab schema, the OCI recipe...), as wheel paths."""
    skip = {".py", ".pyi", ".so", ".pyc"}
    return {
        str(p.relative_to(PACKAGE.parent))
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in skip and "__pycache__" not in p.parts
    }


def test_the_wheel_installs_into_a_fresh_venv_and_serves_a_router(tmp_path: Path) -> None:
    maturin = shutil.which("maturin", path=str(Path(sys.executable).parent)) or shutil.which(
        "maturin"
    )
    assert maturin is not None, "maturin is not installed (requirements/dev.lock has it)"
    dist = tmp_path / "dist"
    build = subprocess.run(
        [maturin, "build", "--release", "--locked", "-o", str(dist), "-i", sys.executable],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = dist.glob("xrsim-*.whl")

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (meta_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(zf.read(meta_name).decode())
    data = _package_data()
    assert {
        "xrsim/platforms/data/ncs-55a1-24h.toml",
        "xrsim/lab/oci/Containerfile",
        "xrsim/py.typed",
    } <= data
    assert any(n.startswith("xrsim/pki/data/") and n.endswith(".pem") for n in data)
    assert data - names == set(), f"package data missing from the wheel: {data - names}"
    assert any(re.fullmatch(r"xrsim/_native\.abi3\.so", n) for n in names)
    assert "xrsim.frontends.main:main" in zf_entry_points(wheel)

    # The runtime dependencies, pinned and hashed by dev.lock.
    requires = meta.get_all("Requires-Dist") or []
    needed = _closure(requires)
    blocks = _lock_blocks(ROOT / "requirements" / "dev.lock")
    assert needed - blocks.keys() == set(), "runtime dependencies missing from dev.lock"
    subset = tmp_path / "runtime.lock"
    subset.write_text("".join(blocks[k] + "\n" for k in sorted(needed)))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for argv in (
        [py, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps", "-r", subset],
        [py, "-m", "pip", "install", "--quiet", "--no-deps", wheel],
        [py, "-m", "pip", "check"],
    ):
        step = subprocess.run(
            [str(a) for a in argv],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            check=False,
        )
        assert step.returncode == 0, f"{argv[3:]}: {step.stdout}{step.stderr}"
    where = subprocess.run(
        [py, "-c", "import xrsim; print(xrsim.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # not the checkout

    # The venv's own console script serves a router; a client logs in and runs show version.
    env["XRSIM_VENDOR_DIR"] = str(tmp_path / "vendor")
    proc = subprocess.Popen(
        [str(venv / "bin" / "xrsim"), "serve", "--port", "0", "--state", str(tmp_path / "s")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"listening on 127\.0\.0\.1 port (\d+)", line)
        assert m, line + (proc.stderr.read() if proc.stderr else "")

        async def show_version() -> str:
            async with asyncssh.connect(
                "127.0.0.1",
                int(m.group(1)),
                username="admin",
                password="admin",
                known_hosts=None,
                client_keys=None,
                agent_path=None,
            ) as conn:
                result = await conn.run("show version", check=True, timeout=30)
                return str(result.stdout)

        out = asyncio.run(show_version())
        assert "Cisco IOS XR Software" in out
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=20)


def zf_entry_points(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        return zf.read(name).decode()

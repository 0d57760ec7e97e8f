"""The ``xrsim`` command: help, argument errors and ``xrsim bench`` end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from xrsim.frontends.main import main


def _xrsim(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xrsim.frontends.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("argv", [["--help"], ["bench", "--help"]])
def test_every_command_has_help(argv: list[str]) -> None:
    proc = _xrsim(*argv)
    assert proc.returncode == 0
    assert "usage: xrsim" in proc.stdout


def test_no_command_is_a_usage_error() -> None:
    proc = _xrsim()
    assert proc.returncode == 2
    assert "usage: xrsim" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    for wid in ("rsa2048-sign-batch", "ed25519-sign", "sha256", "rsa2048-keygen-batch"):
        assert wid in out
    for wid in ("scale-100", "scale-1000"):
        assert f"{wid} " in out
        assert "only with --only" in out.split(wid, 1)[1].splitlines()[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "--only", "nope"], "unknown workload nope"),
        (["bench", "--sha-bytes", "0"], "must be positive"),
        (["bench", "--sha-bytes", "lots"], "not a size"),
        (["bench", "--min-time", "-1"], "must be positive"),
    ],
)
def test_bad_arguments_are_refused_cleanly(argv: list[str], message: str) -> None:
    proc = _xrsim(*argv)
    assert proc.returncode == 2
    assert message in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.timeout(120)
def test_bench_json(require_tool) -> None:
    require_tool("openssl")
    proc = _xrsim(
        "bench", "--json", "--only", "sha256", "--only", "ed25519-sign",
        "--sha-bytes", "1M", "--min-time", "0.05",
        timeout=110,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    ids = [w["id"] for w in doc["workloads"]]
    assert ids == ["ed25519-sign", "sha256"]
    refs = {(r["workload"], r["reference"]) for r in doc["ratios"]}
    assert ("sha256", "hashlib") in refs
    assert ("sha256", "openssl speed") in refs
    assert ("ed25519-sign", "pyca loop") in refs
    for r in doc["ratios"]:
        assert r["ratio"] > 0
    assert doc["machine"]["cpus"] >= 1


@pytest.mark.timeout(120)
def test_bench_table() -> None:
    proc = _xrsim(
        "bench", "--only", "sha256", "--sha-bytes", "1M", "--min-time", "0.05", "--no-openssl",
        timeout=110,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "ratio" in proc.stdout
    assert "hashlib" in proc.stdout
    assert "SHA-256 over 1 MiB" in proc.stdout

"""The SCEP/TFTP lab (``simulator/labs/scep-vrf/lab.py``, what ``make lab-scep`` runs) as a
user runs it, as root: it ends with both certificates verified by ``openssl verify`` and exit
status 0, and an interrupt (SIGINT, as Ctrl-C sends it) in the middle of the enrollment leaves
nothing behind and exits 130."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [pytest.mark.peer, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "simulator" / "labs" / "scep-vrf" / "lab.py"


def _lab(require_tool: Callable[[str], str]) -> subprocess.Popen[str]:
    for tool in ("ip", "scepserver", "in.tftpd", "openssl"):
        require_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("the lab needs root")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "python")]))
    return subprocess.Popen(
        [sys.executable, str(LAB)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _made(out: str) -> tuple[list[str], list[str]]:
    """The namespaces and the lab's temporary directories the lab's output names."""
    namespaces = re.findall(r"\b(xl-\d+-[0-9a-f]{6}-[a-z]+)\b", out)
    dirs = re.findall(r"(/tmp/xrsim-scep-vrf-[^/\s]+)", out)
    return namespaces, dirs


def _nothing_left(out: str) -> None:
    namespaces, dirs = _made(out)
    assert namespaces, out
    for ns in namespaces:
        assert not Path("/run/netns", ns).exists(), f"{ns} left behind"
    for d in dirs:
        assert not Path(d).exists(), f"{d} left behind"


def test_the_lab_ends_with_verified_certificates(require_tool: Callable[[str], str]) -> None:
    lab = _lab(require_tool)
    out, _ = lab.communicate(timeout=150)
    assert lab.returncode == 0, out
    assert "lab: openssl verify -CAfile lab-scep-ca.pem lab-scep.pem: OK" in out
    assert "lab: openssl verify -CAfile lab-tftp-ca.pem lab-tftp.pem: OK" in out
    assert "Do you accept this certificate? [yes/no]: yes" in out
    assert "% Certificate received from Certificate Authority" in out
    assert re.search(r"Status\s*:\s*Available", out)
    assert "is unreachable" in out  # the default VRF has no path to the CA
    assert "Traceback" not in out
    _nothing_left(out)


def test_an_interrupt_tears_the_lab_down(require_tool: Callable[[str], str]) -> None:
    lab = _lab(require_tool)
    assert lab.stdout is not None
    seen = []
    for line in lab.stdout:  # interrupted once the router is up and enrolling
        seen.append(line)
        if "crypto ca enroll lab-scep" in line:
            lab.send_signal(signal.SIGINT)
            break
    rest, _ = lab.communicate(timeout=60)
    out = "".join(seen) + rest
    assert lab.returncode == 130, out
    assert "lab: interrupted; everything the lab made is removed" in out
    assert "Traceback" not in out
    _nothing_left(out)

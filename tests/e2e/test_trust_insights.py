"""The seed's Crosswork Trust Insights flow end to end, over real SSH (netmiko, default
settings): the administrator sets up the seed's ``dossier-user`` (taskgroup
``alltasks-dossier``, usergroup ``dossier-group``), generates ``system-root-key`` and
``system-enroll-key``, configures ``system-trustpoint`` and runs ``crypto ca authenticate`` and
``crypto ca enroll``; ``dossier-user`` collects the dossier with a nonce, signed with
``| utility sign nonce N include-certificate``; the administrator saves the same with
``| file harddisk:...`` (``dossier-user`` may not write files), read back from the node
filesystem. ``xrsim verify-dossier`` (a real subprocess) verifies both against the SUDI root
and a KGV signed by the vendor root; ``evmctl ima_measurement`` judges the IMA list the dossier
carries against its PCRs. Then a package file on the active RP is changed, the periodic
fingerprint generation runs, and the next dossier fails verification naming the package and
the file; evmctl still accepts the (honest) list and refuses a tampered copy."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection

from support import xrsim_env
from xrsim.cli.session import NOT_AUTHORIZED
from xrsim.crypto import ima
from xrsim.frontends.ssh import SshServer
from xrsim.integrity import kgv
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(600)]

ADMIN = ("admin", "admin")
ADMIN_SECRET = "Adm1n-Trust"
DOSSIER_USER = ("dossier-user", "D0ssier-Collect")
BASE = "show platform security integrity dossier"
SELECTORS = "packages reboot-history rollback-history system-integrity-snapshot system-inventory"

SEED_AAA = [
    "taskgroup alltasks-dossier",
    "task read sysmgr",
    "task read system",
    "task read pkg-mgmt",
    "task read basic-services",
    "task read config-services",
    "task execute dossier",
    "task execute basic-services",
    "usergroup dossier-group",
    "taskgroup alltasks-dossier",
    f"username {DOSSIER_USER[0]}",
    "group dossier-group",
    f"secret {DOSSIER_USER[1]}",
    f"username {ADMIN[0]}",
    "group root-system",
    f"secret {ADMIN_SECRET}",
]
TRUSTPOINT = [
    "domain name domain1",
    "crypto ca trustpoint system-trustpoint",
    "keypair rsa system-enroll-key",
    "ca-keypair rsa system-root-key",
    "subject-name CN=lab1-ads,C=US,ST=CA,L=San Jose,O=cisco systems,OU=ASR",
    "subject-name ca-certificate CN=lab1-ca,C=US,ST=CA,L=San Jose,O=cisco systems,OU=ASR",
    "enrollment url self",
    "key-usage certificate digitalsignature keyagreement dataencipherment",
    "lifetime certificate 300",
    "message-digest sha256",
    "key-usage ca-certificate digitalsignature keycertsign crlsign",
    "lifetime ca-certificate 367",
]


@pytest.fixture
def vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "vendor"
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(directory))
    return directory


@pytest.fixture
def router(tmp_path: Path, vendor: Path) -> Iterator[Router]:
    r = Router.boot(state_dir=tmp_path / "r1", hostname="router")
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router, users=dict([ADMIN])).start()
    yield s
    s.stop()


def connect(server: SshServer, user: str, password: str) -> BaseConnection:
    return ConnectHandler(
        device_type="cisco_xr",
        host="127.0.0.1",
        port=server.port,
        username=user,
        password=password,
        timeout=60,
        conn_timeout=20,
    )


def configure(conn: BaseConnection, lines: list[str]) -> None:
    out = conn.send_config_set(lines)
    assert "% " not in out, out
    conn.commit()
    conn.exit_config_mode()


def generate_key(conn: BaseConnection, label: str) -> None:
    conn.send_command(f"crypto key generate rsa {label}", expect_string=r"modulus \[2048\]:")
    out = conn.send_command("2048", expect_string=r"#", read_timeout=120)
    assert "[OK]" in out, out


def setup_as_admin(server: SshServer) -> None:
    """The seed's set-up, typed by the administrator."""
    conn = connect(server, *ADMIN)
    try:
        configure(conn, SEED_AAA)
        generate_key(conn, "system-root-key")
        generate_key(conn, "system-enroll-key")
        configure(conn, TRUSTPOINT)
        out = conn.send_command("crypto ca authenticate system-trustpoint", read_timeout=60)
        assert "SHA1 Fingerprint" in out, out
        conn.send_command(
            "crypto ca enroll system-trustpoint", expect_string=r"serial number.*\[yes/no\]:"
        )
        conn.send_command("no", expect_string=r"IP address.*\[yes/no\]:")
        out = conn.send_command("no", expect_string=r"#", read_timeout=60)
        assert "Serial Number" in out, out
        shown = conn.send_command("show crypto ca certificates system-trustpoint")
        assert "Trustpoint       : system-trustpoint" in shown or "system-trustpoint" in shown
        assert "Router certificate" in shown
    finally:
        conn.disconnect()


def collect(server: SshServer, user: tuple[str, str], command: str) -> str:
    conn = connect(server, *user)
    try:
        return str(conn.send_command(command, read_timeout=300))
    finally:
        conn.disconnect()


def verify(
    file: Path, vendor: Path, kgv_file: Path, nonce: int
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "xrsim.frontends.main",
            "verify-dossier",
            str(file),
            "--sudi-root",
            str(vendor / "root.pem"),
            "--kgv",
            str(kgv_file),
            "--nonce",
            str(nonce),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=xrsim_env(),
        check=False,
    )


def dossier_of(envelope_text: str) -> dict[str, Any]:
    body = envelope_text[envelope_text.index("{") :]
    inner = json.loads(json.loads(body)["data"])
    assert isinstance(inner, dict)
    return inner


def evmctl(require_tool: Any, tmp_path: Path, node: dict[str, Any], name: str) -> int:
    """``evmctl ima_measurement`` on the node's list with PCR files of its reported values."""
    tool = require_tool("evmctl")
    listing = tmp_path / f"{name}.bin"
    listing.write_bytes(base64.b64decode(node["binary-runtime-measurements"]))
    args = [tool, "ima_measurement"]
    for bank, value in node["pcr-values"].items():
        pcrs = tmp_path / f"{name}-{bank}.pcrs"
        pcrs.write_text(ima.pcr_file(bytes.fromhex(value)))
        args += ["--pcrs", f"{bank},{pcrs}"]
    done = subprocess.run(
        [*args, str(listing)], capture_output=True, text=True, timeout=120, check=False
    )
    return done.returncode


def test_trust_insights_end_to_end(
    router: Router, server: SshServer, vendor: Path, tmp_path: Path, require_tool: Any
) -> None:
    setup_as_admin(server)
    active = router.chassis.active_rp.name

    # The vendor's Known Good Values of the packages the router runs.
    packages = router.packages.active()
    assert packages
    kgv_file = tmp_path / "kgv.json"
    kgv.write(
        kgv_file,
        kgv.make(
            packages,
            platform=router.chassis.platform.pid,
            family=router.chassis.platform.family,
            release=str(router.chassis.release),
            created=datetime.now(UTC),
        ),
    )

    # The boot's fingerprint generation, done before the collector asks.
    router.fingerprints.regenerate()
    assert router.fingerprints.status == "generation-up-to-date"

    # dossier-user collects; writing a file is not among its tasks.
    command = f"{BASE} include {SELECTORS} nonce 1580 | utility sign nonce 1580 include-certificate"
    collected = collect(server, DOSSIER_USER, command)
    refused = collect(server, DOSSIER_USER, f"{command} | file harddisk:dossier-1580.json")
    assert NOT_AUTHORIZED in refused
    (tmp_path / "collected.json").write_text(collected)

    # The administrator saves it on the router; the file is read from the node filesystem.
    saved = collect(server, (ADMIN[0], ADMIN_SECRET), f"{command} | file harddisk:d1580.json")
    assert "{" not in saved
    fetched = tmp_path / "fetched.json"
    fetched.write_bytes(router.chassis.fs().read("harddisk:d1580.json"))

    doc = dossier_of(collected)
    assert doc["model-name"] == "http://cisco.com/ns/yang/Cisco-IOS-XR-ama"
    assert doc["nonce"] == 1580
    for name in ("license-udi", "version", "platform", *SELECTORS.split()):
        assert doc[name]["result-code"] == "Success", name

    for file in (tmp_path / "collected.json", fetched):
        done = verify(file, vendor, kgv_file, 1580)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = done.stdout.splitlines()
        assert all(line.startswith("PASS ") for line in lines[:-1]), done.stdout
        for pkg in packages:
            assert any(line.startswith(f"PASS package {pkg.nvr}: ") for line in lines)
        assert f"PASS ima {active}: " in done.stdout
    wrong = verify(fetched, vendor, kgv_file, 1581)
    assert wrong.returncode == 1
    assert "FAIL nonce: the envelope is signed over nonce 1580, not 1581" in wrong.stdout

    (node,) = (
        n
        for n in doc["system-integrity-snapshot"]["system-integrity-snapshot"]
        if n["node-location"] == active
    )
    assert evmctl(require_tool, tmp_path, node, "before") == 0

    # A file of a package changes on the active RP; the periodic generation sees it.
    pkg = packages[0]
    target = next(f for f in pkg.files if f.size > 0)
    on_disk = router.packages.nodes_root(active) / target.path.lstrip("/")
    on_disk.write_bytes(on_disk.read_bytes() + b"\n# changed\n")
    router.advance(hours=1)
    assert router.fingerprints.status == "generation-up-to-date"
    assert router.fingerprints.run_time(pkg) != router.fingerprints.install_time(pkg)

    again = command.replace("1580", "1581")
    changed = tmp_path / "changed.json"
    changed.write_text(collect(server, DOSSIER_USER, again))
    done = verify(changed, vendor, kgv_file, 1581)
    assert done.returncode == 1, done.stdout
    (line,) = (ln for ln in done.stdout.splitlines() if ln.startswith(f"FAIL package {pkg.nvr}:"))
    assert f"changed {target.path} on {active}" in line
    others = [ln for ln in done.stdout.splitlines() if ln.startswith("FAIL ")]
    assert others == [line]

    (node,) = (
        n
        for n in dossier_of(changed.read_text())["system-integrity-snapshot"][
            "system-integrity-snapshot"
        ]
        if n["node-location"] == active
    )
    assert evmctl(require_tool, tmp_path, node, "after") == 0
    listing = bytearray(base64.b64decode(node["binary-runtime-measurements"]))
    listing[-5] ^= 0x01  # a byte of the last file name: its template hash no longer fits
    node["binary-runtime-measurements"] = base64.b64encode(bytes(listing)).decode()
    assert evmctl(require_tool, tmp_path, node, "tampered") != 0

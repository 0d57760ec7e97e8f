"""``xrsim.lab.inventory.render`` and ``write``: each format's structure, parsed back (YAML,
JSON), from a LabStatus and LabSpec made by hand; passwords only from the spec; the 0600 file;
an unknown format refused. The tools themselves read these in tests/e2e/test_inventories.py."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from xrsim.errors import LabError
from xrsim.lab import inventory
from xrsim.lab.spec import LabSpec, NodeSpec, UserSpec
from xrsim.lab.status import LabStatus, NodeEndpoint

KEY_B64 = "AAAAB3NzaC1yc2EAAAADAQABAAABAQDexample"
HASHED = "$6$salt$" + "x" * 86


def _endpoint(name: str, hostname: str, port: int, platform: str = "NCS-55A1-24H", **kw: Any):
    fields: dict[str, Any] = {
        "name": name,
        "hostname": hostname,
        "platform": platform,
        "release": "7.3.2",
        "serial": f"FOC{port}",
        "host": "127.0.0.1",
        "ssh_port": port,
        "netconf_port": port + 1000,
        "console": f"/lab/console/{name}.sock",
        "state_dir": f"/lab/nodes/{name}",
        "username": "admin",
        "host_key_sha256": "SHA256:abc",
    }
    fields.update(kw)
    return NodeEndpoint(**fields)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "known_hosts").write_text(
        f"[127.0.0.1]:2201 ssh-rsa {KEY_B64}\n[127.0.0.1]:3201 ssh-rsa {KEY_B64}\n"
    )
    return lab


@pytest.fixture
def status(root: Path) -> LabStatus:
    return LabStatus(
        name="core",
        pid=os.getpid(),
        root=str(root),
        source="/labs/core.yml",
        started="2024-01-01T00:00:00Z",
        state="up",
        nodes=(
            _endpoint("r1", "pe1", 2201),
            _endpoint("r2", "pe2", 2202, platform="ASR-9006", netconf_port=None),
            _endpoint("r3", "p3", 2203, platform="8201-SYS", username="ops"),
        ),
    )


@pytest.fixture
def spec() -> LabSpec:
    return LabSpec(
        name="core",
        nodes=(
            NodeSpec("r1", hostname="pe1", users=(UserSpec("admin", password="s3cret-1"),)),
            NodeSpec(
                "r2",
                hostname="pe2",
                platform="ASR-9006",
                users=(
                    UserSpec("viewer", password="v-pass", groups=("operator",)),
                    UserSpec("netops", password="n-pass"),
                ),
            ),
            NodeSpec("r3", hostname="p3", users=(UserSpec("ops", secret=HASHED),)),
        ),
    )


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


def test_ansible(status: LabStatus, spec: LabSpec, root: Path) -> None:
    text = inventory.render(status, spec, "ansible")
    doc = yaml.safe_load(text)
    assert doc["all"]["vars"] == {
        "ansible_connection": "ansible.netcommon.network_cli",
        "ansible_network_os": "cisco.iosxr.iosxr",
    }
    hosts = doc["all"]["hosts"]
    assert list(hosts) == ["r1", "r2", "r3"]
    assert hosts["r1"] == {
        "ansible_host": "127.0.0.1",
        "ansible_port": 2201,
        "ansible_user": "admin",
        "ansible_password": "s3cret-1",
    }
    # The login is the first user with a password in root-lr.
    assert (hosts["r2"]["ansible_user"], hosts["r2"]["ansible_password"]) == ("netops", "n-pass")
    # A user with only a hashed secret: no password, and a comment says why.
    assert hosts["r3"] == {"ansible_host": "127.0.0.1", "ansible_port": 2203, "ansible_user": "ops"}
    comments = "\n".join(_comments(text))
    assert "r3: user ops has only a hashed secret" in comments
    assert f"cat {root / 'known_hosts'} >> ~/.ssh/known_hosts" in comments
    assert HASHED not in text


def test_nornir(status: LabStatus, spec: LabSpec, root: Path) -> None:
    text = inventory.render(status, spec, "nornir")
    hosts = yaml.safe_load(text)
    assert list(hosts) == ["r1", "r2", "r3"]
    r1 = hosts["r1"]
    assert (r1["hostname"], r1["port"], r1["username"], r1["password"]) == (
        "127.0.0.1",
        2201,
        "admin",
        "s3cret-1",
    )
    assert r1["platform"] == "cisco_xr"
    assert r1["data"]["hostname"] == "pe1"
    options = r1["connection_options"]
    known = str(root / "known_hosts")
    assert options["netmiko"] == {
        "platform": "cisco_xr",
        "extras": {
            "ssh_strict": True,
            "system_host_keys": False,
            "alt_host_keys": True,
            "alt_key_file": known,
        },
    }
    assert options["scrapli"] == {
        "platform": "cisco_iosxr",
        "extras": {"ssh_known_hosts_file": known},
    }
    # NETCONF on its own port.
    assert options["napalm"] == {
        "platform": "iosxr_netconf",
        "extras": {"optional_args": {"port": 3201}},
    }
    # No NETCONF port: no napalm options.
    assert "napalm" not in hosts["r2"]["connection_options"]
    assert "password" not in hosts["r3"]
    assert hosts["r3"]["username"] == "ops"
    assert any("r3: user ops has only a hashed secret" in c for c in _comments(text))


def test_pyats(status: LabStatus, spec: LabSpec, root: Path) -> None:
    text = inventory.render(status, spec, "pyats")
    doc = yaml.safe_load(text)
    assert doc["testbed"]["name"] == "core"
    devices = doc["devices"]
    assert list(devices) == ["pe1", "pe2", "p3"]  # hostnames: Unicon's prompts expect them
    pe1 = devices["pe1"]
    assert (pe1["alias"], pe1["os"], pe1["platform"]) == ("r1", "iosxr", "ncs5k")
    assert pe1["credentials"] == {"default": {"username": "admin", "password": "s3cret-1"}}
    assert pe1["connections"]["cli"] == {
        "protocol": "ssh",
        "ip": "127.0.0.1",
        "port": 2201,
        "ssh_options": f"-o UserKnownHostsFile={root / 'known_hosts'}",
    }
    assert devices["pe2"]["platform"] == "asr9k"
    assert devices["p3"]["platform"] == "spitfire"
    assert devices["p3"]["credentials"] == {"default": {"username": "ops"}}
    assert any("r3: user ops has only a hashed secret" in c for c in _comments(text))


def test_netmiko(status: LabStatus, spec: LabSpec, root: Path) -> None:
    devices = json.loads(inventory.render(status, spec, "netmiko"))
    assert [d["port"] for d in devices] == [2201, 2202, 2203]
    assert devices[0] == {
        "device_type": "cisco_xr",
        "host": "127.0.0.1",
        "port": 2201,
        "username": "admin",
        "password": "s3cret-1",
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(root / "known_hosts"),
    }
    assert "password" not in devices[2]
    assert devices[2]["username"] == "ops"


@pytest.mark.parametrize("fmt", inventory.FORMATS)
def test_no_lab_file_no_password(status: LabStatus, fmt: str) -> None:
    """Passwords come only from the lab file: without it, none (lab.json has the user)."""
    text = inventory.render(status, None, fmt)
    assert "s3cret-1" not in text
    assert "admin" in text
    if fmt != "netmiko":
        assert any("r1: no lab file: no password known" in c for c in _comments(text))


@pytest.mark.parametrize("fmt", inventory.FORMATS)
def test_write_is_0600(status: LabStatus, spec: LabSpec, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = out / f"inventory.{fmt}"
    path.write_text("old\n")
    path.chmod(0o644)
    old = os.umask(0)
    try:
        inventory.write(path, inventory.render(status, spec, fmt))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "s3cret-1" in path.read_text()
    assert [p.name for p in out.iterdir()] == [path.name]  # no temporary file left


def test_unknown_format(status: LabStatus, spec: LabSpec) -> None:
    with pytest.raises(LabError, match="unknown inventory format 'csv'"):
        inventory.render(status, spec, "csv")


def test_cli_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from xrsim.frontends.main import main

    with pytest.raises(SystemExit) as exit_:
        main(["inventory", "core", "--format", "csv"])
    assert exit_.value.code == 2
    assert "invalid choice: 'csv'" in capsys.readouterr().err

"""``Lab``: a loopback lab started and stopped in this process (real SSH and NETCONF listeners,
real console sockets, OpenSSH's ``ssh-keygen`` reading the ``known_hosts`` it writes)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from support import netconf_manager, ssh_client
from xrsim.errors import LabError, LabExists
from xrsim.lab import launcher
from xrsim.lab.console import connect
from xrsim.lab.launcher import Lab, default_serial
from xrsim.lab.spec import LabSpec, NodeSpec, UserSpec
from xrsim.lab.status import LabStatus

OPS = UserSpec("ops", password="ops-pw-1")


def spec_of(*nodes: NodeSpec, name: str = "t") -> LabSpec:
    return LabSpec(name=name, nodes=nodes)


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def exec_command(port: int, command: str, user: str = "admin", password: str = "admin") -> str:
    client = ssh_client(port, user, password)
    try:
        _, out, _ = client.exec_command(command, timeout=20)
        return out.read().decode()
    finally:
        client.close()


def test_a_loopback_lab_serves_ssh_netconf_and_records_its_endpoints(
    tmp_path: Path, require_tool
) -> None:
    steps: list[tuple[str, int, int]] = []
    spec = spec_of(
        NodeSpec("r1"),
        NodeSpec(
            "r2",
            platform="ASR-9006",
            hostname="pe2",
            release="7.3.2",
            serial="FOC2222R1A1",
            users=(OPS,),
            config=("domain name lab.example",),
            netconf_port=None,
        ),
    )
    root = tmp_path / "lab"
    lab = Lab(spec, root, on_step=lambda t, d, n: steps.append((t, d, n)))
    status = lab.start()
    try:
        assert status.state == "up"
        assert LabStatus.read(root / "lab.json") == status
        assert root.stat().st_mode & 0o777 == 0o700
        r1, r2 = status.node("r1"), status.node("r2")
        assert (r1.hostname, r1.platform, r1.username) == ("r1", "NCS-55A1-24H", "admin")
        assert r1.serial == default_serial("t", spec.nodes[0])
        assert (r2.hostname, r2.platform, r2.release, r2.serial, r2.username) == (
            "pe2",
            "ASR-9006",
            "7.3.2",
            "FOC2222R1A1",
            "ops",
        )
        assert r2.netconf_port is None
        assert r1.netconf_port is not None
        assert r1.state_dir == str(root / "nodes" / "r1")
        # The default login on r1; only the lab file's user on r2.
        assert "pe2.lab.example" not in exec_command(r1.ssh_port, "show running-config")
        out = exec_command(r2.ssh_port, "show running-config domain name", "ops", "ops-pw-1")
        assert "domain name lab.example" in out
        with pytest.raises(Exception, match="Authentication failed"):
            exec_command(r2.ssh_port, "show version")
        with netconf_manager(r1.netconf_port or 0, "admin", "admin") as m:
            assert "<host-name>r1</host-name>" in m.get_config("running").data_xml
        # known_hosts as OpenSSH reads it: one line per SSH and NETCONF port.
        keygen = require_tool("ssh-keygen")
        listed = subprocess.run(
            [keygen, "-lf", str(root / "known_hosts")], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert [line.split()[1:3] for line in listed] == [
            [r1.host_key_sha256, f"[127.0.0.1]:{r1.ssh_port}"],
            [r1.host_key_sha256, f"[127.0.0.1]:{r1.netconf_port}"],
            [r2.host_key_sha256, f"[127.0.0.1]:{r2.ssh_port}"],
        ]
        assert Path(r1.console) == root / "console" / "r1.sock"
        with connect(r1.console) as c:
            assert c.recv(100).endswith(b"RP/0/RP0/CPU0:r1#")
        assert steps[-1][1] == steps[-1][2]
        assert [d for _, d, _ in steps] == sorted(d for _, d, _ in steps)
        # No password in any file the lab wrote (the router keeps a hash).
        for f in root.rglob("*"):
            if f.is_file():
                assert b"ops-pw-1" not in f.read_bytes(), f
        assert "ops-pw-1" not in repr(spec) + json.dumps(status.to_json())
    finally:
        lab.stop(keep=False)
    assert not root.exists()
    assert not listening(r1.ssh_port)
    assert not listening(r2.ssh_port)
    lab.stop(keep=False)  # idempotent


def test_one_hash_per_user_and_password_and_the_startup_config_first_boot_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []
    real = launcher.hash_secret

    def counting(password: str) -> str:
        hashed.append(password)
        return real(password)

    monkeypatch.setattr(launcher, "hash_secret", counting)
    admin2 = UserSpec("admin", password="admin2")
    nodes = [
        NodeSpec(f"r{i}", users=(OPS, admin2), config=("domain name lab.example",))
        for i in range(1, 4)
    ]
    root = tmp_path / "lab"
    with Lab(spec_of(*nodes), root) as lab:
        assert sorted(hashed) == ["admin2", "ops-pw-1"]
        secrets = {
            r.cli("show running-config username ops").split("secret 10 ")[1].split()[0]
            for r in lab.routers.values()
        }
        assert len(secrets) == 1
        lab.routers["r1"].configure(["no domain name", "no username ops"])
    assert LabStatus.read(root / "lab.json").state == "stopped"
    hashed.clear()
    with Lab(spec_of(*nodes), root) as lab:
        assert hashed == []  # not configured again: the state directories were there
        r1 = lab.routers["r1"]
        assert "domain name" not in r1.cli("show running-config domain name")
        assert "username ops" not in r1.cli("show running-config username")
        assert "domain name lab.example" in lab.routers["r2"].cli("show running-config")


def test_a_failed_start_leaves_nothing_behind(tmp_path: Path) -> None:
    root = tmp_path / "lab"
    bad = spec_of(NodeSpec("r1"), NodeSpec("r2", config=("no-such-command here",)))
    with pytest.raises(LabError, match="node r2: startup configuration refused"):
        Lab(bad, root).start()
    assert not root.exists()
    # A port taken by another socket: refused, the routers let go of their state.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LabError, match="lab t:"):
            Lab(spec_of(NodeSpec("r1"), NodeSpec("r2", ssh_port=port)), root).start()
    assert not root.exists()
    # A kept lab: a failed start keeps what it had and removes what it made.
    with Lab(spec_of(NodeSpec("r1")), root) as lab:
        port = lab.status.node("r1").ssh_port
    before = (root / "lab.json").read_bytes()
    with pytest.raises(LabError):
        Lab(spec_of(NodeSpec("r1"), NodeSpec("r2", config=("bogus",))), root).start()
    assert (root / "lab.json").read_bytes() == before
    assert sorted(p.name for p in (root / "nodes").iterdir()) == ["r1"]
    assert not listening(port)
    with Lab(spec_of(NodeSpec("r1")), root) as lab:  # the state directory is free again
        assert lab.status.state == "up"


def test_a_lab_root_is_held_by_one_lab(tmp_path: Path) -> None:
    root = tmp_path / "lab"
    with Lab(spec_of(NodeSpec("r1")), root) as lab:
        with pytest.raises(LabExists, match="lab t is already up"):
            Lab(spec_of(NodeSpec("r1")), root).start()
        assert lab.status.state == "up"
        assert exec_command(lab.status.node("r1").ssh_port, "show version")


def test_default_serials_are_stable_and_in_the_platform_format() -> None:
    from xrsim import platforms

    node = NodeSpec("edge7", platform="ASR-9006")
    serial = default_serial("big", node)
    assert serial == default_serial("big", node)
    assert serial != default_serial("big", NodeSpec("edge8", platform="ASR-9006"))
    assert platforms.load("ASR-9006").serial_format.matches(serial)


@pytest.mark.peer
def test_a_lab_network_joins_the_nodes_vrfs(tmp_path: Path) -> None:
    """Two routers' VRF mgmt on the lab network mgmt: r1's namespace reaches r2's SSH server
    in VRF mgmt through the bridge; stop deletes every namespace."""
    if os.geteuid() != 0:
        message = "network namespaces need root"
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires them")
        pytest.skip(message)
    from xrsim.lab.spec import NetworkSpec, VrfSpec
    from xrsim.net.netns import socket_in

    nodes = tuple(
        NodeSpec(
            f"r{i}",
            vrfs=(VrfSpec("mgmt", network="mgmt", address=f"198.18.7.{10 + i}/24"),),
            config=("ssh server vrf mgmt",),
        )
        for i in (1, 2)
    )
    spec = LabSpec("net", nodes, networks=(NetworkSpec("mgmt", subnet="198.18.7.0/24"),))
    lab = Lab(spec, tmp_path / "lab")
    status = lab.start()
    try:
        assert status.namespaces
        assert LabStatus.read(tmp_path / "lab" / "lab.json").namespaces == status.namespaces
        r1, r2 = status.node("r1"), status.node("r2")
        assert set(r1.vrfs) == {"mgmt"}
        assert "ipv4 address 198.18.7.12 255.255.255.0" in lab.routers["r2"].cli(
            "show running-config interface MgmtEth0/RP0/CPU0/0"
        )
        sock = socket_in(r1.vrfs["mgmt"], socket.AF_INET, socket.SOCK_STREAM)
        with sock:
            sock.settimeout(20)
            sock.connect(("198.18.7.12", r2.ssh_port))
            assert sock.recv(100).startswith(b"SSH-2.0-")
    finally:
        lab.stop(keep=False)
    left = set(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else set()
    assert not left & set(status.namespaces)

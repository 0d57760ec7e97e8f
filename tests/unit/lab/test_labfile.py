"""xrsim.lab.labfile: a full lab file read into a LabSpec, defaults and count, config files,
every refusal with its line, field and reason, YAML syntax errors, the schema itself, and
dumps/loads round trips of generated specs."""

from __future__ import annotations

import ipaddress
import json
import os
import tempfile
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xrsim.errors import LabError, LabFileError
from xrsim.lab import labfile
from xrsim.lab.spec import LabSpec, NetworkSpec, NodeSpec, PeerSpec, UserSpec, VrfSpec
from xrsim.platforms import catalog

SECRET = "$6$saltsalt$" + "A" * 86

FULL = f"""\
name: pki
defaults:
  platform: NCS-55A1-24H
  release: 7.3.2
  users:
    - {{name: admin, password: admin}}
    - {{name: ops, secret: "{SECRET}", groups: [operator]}}
nodes:
  r1:
    hostname: pe1
    serial: FOC2222R1A1
    ssh_port: 2201
    netconf_port: 8301
    address: 127.0.0.1
    config: |
      domain name lab.example

      logging console informational
    vrfs:
      mgmt: {{network: mgmt, interface: MgmtEth0/RP0/CPU0/0, address: 198.18.1.10/24}}
  r2:
    platform: asr-9006
    release: "7.1.1"
    config_file: cfg/r2.cfg
    netconf_port: null
    users:
      - {{name: bob, password: "s3cret", groups: [root-lr, operator]}}
    vrfs:
      mgmt: {{network: mgmt, address: 198.18.1.11}}
      data: {{network: data, interface: HundredGigE0/0/0/0}}
  edge:
    count: 3
    hostname: e
    ssh_port_base: 2300
    config: [hostname ignored-by-none, "domain name edge.example"]
networks:
  mgmt: {{subnet: 198.18.1.0/24}}
  data:
peers:
  ca:     {{kind: scep-ca, network: mgmt, address: 198.18.1.2, challenge: pw}}
  tftp:   {{kind: tftp, network: mgmt}}
  syslog: {{kind: syslog, port: 5514}}
  traps:  {{kind: snmptrapd}}
"""


def write_lab(tmp_path: Path, text: str = FULL) -> Path:
    (tmp_path / "cfg").mkdir(exist_ok=True)
    (tmp_path / "cfg" / "r2.cfg").write_text("hostname r2-cfg\n\n!\ninterface Loopback0\n")
    path = tmp_path / "lab.yml"
    path.write_text(text)
    return path


def test_full_lab_file(tmp_path: Path) -> None:
    path = write_lab(tmp_path)
    spec = labfile.load(path)
    assert spec.name == "pki"
    assert spec.source == path.resolve()
    assert [n.name for n in spec.nodes] == ["r1", "r2", "edge1", "edge2", "edge3"]
    admin = UserSpec("admin", password="admin")
    ops = UserSpec("ops", secret=SECRET, groups=("operator",))
    r1 = spec.node("r1")
    assert r1 == NodeSpec(
        name="r1",
        platform="NCS-55A1-24H",
        hostname="pe1",
        release="7.3.2",
        serial="FOC2222R1A1",
        config=("domain name lab.example", "logging console informational"),
        users=(admin, ops),
        address="127.0.0.1",
        ssh_port=2201,
        netconf_port=8301,
        vrfs=(VrfSpec("mgmt", "mgmt", "MgmtEth0/RP0/CPU0/0", "198.18.1.10/24"),),
    )
    assert r1.login == admin
    r2 = spec.node("r2")
    assert r2.platform == "ASR-9006"  # the catalog's PID, whatever the case in the file
    assert r2.release == "7.1.1"
    assert r2.hostname is None
    assert r2.host_name == "r2"
    assert r2.config == ("hostname r2-cfg", "!", "interface Loopback0")
    assert r2.users == (UserSpec("bob", password="s3cret", groups=("root-lr", "operator")),)
    assert r2.netconf_port is None
    assert r2.ssh_port == 0
    assert r2.vrfs == (
        VrfSpec("mgmt", "mgmt", "MgmtEth0/RP0/CPU0/0", "198.18.1.11/24"),
        VrfSpec("data", "data", "HundredGigE0/0/0/0", None),
    )
    assert catalog()["ASR-9006"].serial_format.matches(r2.serial or "")
    edges = spec.nodes[2:]
    assert [e.hostname for e in edges] == ["e1", "e2", "e3"]
    assert [e.ssh_port for e in edges] == [2301, 2302, 2303]
    assert all(e.netconf_port == 0 and e.release == "7.3.2" for e in edges)
    assert all(e.users == (admin, ops) for e in edges)
    assert all(e.config == ("hostname ignored-by-none", "domain name edge.example") for e in edges)
    serials = [n.serial for n in spec.nodes]
    assert len(set(serials)) == len(serials)
    assert spec.networks == (NetworkSpec("mgmt", "198.18.1.0/24"), NetworkSpec("data", None))
    assert spec.peers == (
        PeerSpec("ca", "scep-ca", "mgmt", "198.18.1.2", None, challenge="pw"),
        PeerSpec("tftp", "tftp", "mgmt"),
        PeerSpec("syslog", "syslog", None, None, 5514),
        PeerSpec("traps", "snmptrapd"),
    )
    # Secrets stay out of every repr.
    assert "s3cret" not in repr(spec)
    assert SECRET not in repr(spec)
    assert "'pw'" not in repr(spec)


def test_dumps_loads_round_trip(tmp_path: Path) -> None:
    spec = labfile.load(write_lab(tmp_path))
    again = labfile.loads(labfile.dumps(spec))
    assert again == LabSpec(spec.name, spec.nodes, spec.networks, spec.peers)


def test_default_serial_is_stable_and_in_the_platform_format() -> None:
    a = labfile.default_serial("lab", "r1")
    assert a == labfile.default_serial("lab", "r1")
    assert a != labfile.default_serial("lab", "r2")
    assert a != labfile.default_serial("lab2", "r1")
    assert len(a) == 11
    assert catalog()["NCS-55A1-24H"].serial_format.matches(a)
    b = labfile.default_serial("lab", "r1", "8201-SYS")
    assert catalog()["8201-SYS"].serial_format.matches(b)
    spec = labfile.loads("name: lab\nnodes: {r1: , r2: {platform: 8201-SYS}}\n")
    assert spec.node("r1").serial == a
    assert spec.node("r2").serial == labfile.default_serial("lab", "r2", "8201-SYS")


def test_minimal_lab_gets_the_node_defaults() -> None:
    spec = labfile.loads("name: one\nnodes:\n  r1:\n")
    (node,) = spec.nodes
    assert node == NodeSpec(name="r1", serial=node.serial)
    assert spec.networks == ()
    assert spec.peers == ()
    assert spec.source is None


def test_defaults_merge_and_the_nodes_own_win_whole(tmp_path: Path) -> None:
    (tmp_path / "own.cfg").write_text("hostname own\n")
    spec = labfile.loads(
        """\
name: d
defaults:
  release: 7.3.2
  netconf_port: null
  users: [{name: a, password: x}, {name: b, password: y}]
  config: [hostname from-defaults]
  vrfs: {mgmt: {network: m}}
nodes:
  plain: {}
  own:
    release: 7.1.1
    netconf_port: 8300
    users: [{name: c, password: z}]
    config_file: own.cfg
    vrfs: {other: {network: m, interface: Gi0/0/0/0}}
networks: {m: }
""",
        base=tmp_path,
    )
    plain, own = spec.nodes
    assert plain.release == "7.3.2"
    assert plain.netconf_port is None
    assert [u.name for u in plain.users] == ["a", "b"]
    assert plain.config == ("hostname from-defaults",)
    assert [v.name for v in plain.vrfs] == ["mgmt"]
    assert own.release == "7.1.1"
    assert own.netconf_port == 8300
    assert [u.name for u in own.users] == ["c"]  # replaced, not merged
    assert own.config == ("hostname own",)  # config_file of the node beats config of defaults
    assert [v.name for v in own.vrfs] == ["other"]


def test_count_expands_in_file_order_with_port_bases() -> None:
    spec = labfile.loads(
        """\
name: c
nodes:
  a: {}
  edge: {count: 3, netconf_port_base: 8400, ssh_port_base: 2400}
  z: {}
  one: {count: 1, ssh_port: 2222}
"""
    )
    assert [n.name for n in spec.nodes] == ["a", "edge1", "edge2", "edge3", "z", "one1"]
    assert [n.ssh_port for n in spec.nodes] == [0, 2401, 2402, 2403, 0, 2222]
    assert [n.netconf_port for n in spec.nodes] == [0, 8401, 8402, 8403, 0, 0]
    assert [n.hostname for n in spec.nodes] == [None] * 6


def test_a_thousand_nodes() -> None:
    spec = labfile.loads("name: big\nnodes:\n  r: {count: 1000}\n")
    assert len(spec.nodes) == 1000
    assert spec.nodes[-1].name == "r1000"
    assert len({n.serial for n in spec.nodes}) == 1000


def test_config_file_is_relative_to_the_lab_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_lab(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert labfile.load(path).node("r2").config[0] == "hostname r2-cfg"
    assert labfile.load(Path(os.path.relpath(path))).node("r2").config[0] == "hostname r2-cfg"
    # loads: relative to base, else to the current directory.
    text = "name: x\nnodes: {r1: {config_file: cfg/r2.cfg}}\n"
    assert labfile.loads(text, base=tmp_path).node("r1").config[0] == "hostname r2-cfg"
    with pytest.raises(LabFileError) as err:
        labfile.loads(text)
    assert err.value.field == "nodes.r1.config_file"
    monkeypatch.chdir(tmp_path)
    assert labfile.loads(text).node("r1").config[0] == "hostname r2-cfg"


def _refusal_as(uid: int | None, text: str, base: Path) -> str:
    """``line|field|reason`` of ``loads(text)``, read as user ``uid`` (a forked child that
    drops root for it) or as this process (None)."""
    if uid is None:
        with pytest.raises(LabFileError) as err:
            labfile.loads(text, base=base)
        return f"{err.value.line}|{err.value.field}|{err.value.reason}"
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest from here, only os._exit
        status = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            try:
                labfile.loads(text, base=base)
            except LabFileError as e:
                os.write(w, f"{e.line}|{e.field}|{e.reason}".encode())
                status = 0
        finally:
            os._exit(status)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        got = f.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, got
    return got


def test_config_file_unreadable() -> None:
    """A config_file without read permission: refused with its line. Root reads every file
    whatever its mode, so as root the check runs in a child that drops to nobody."""
    with tempfile.TemporaryDirectory(prefix="xrsim-labfile-") as d:
        base = Path(d)
        base.chmod(0o755)
        cfg = base / "r.cfg"
        cfg.write_text("hostname r\n")
        cfg.chmod(0)
        text = "name: x\nnodes:\n  r1: {config_file: r.cfg}\n"
        got = _refusal_as(65534 if os.geteuid() == 0 else None, text, base)
    assert got == f"3|nodes.r1.config_file|cannot read '{cfg}': Permission denied"


def test_config_file_a_directory_or_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "d.cfg").mkdir()
    (tmp_path / "bin.cfg").write_bytes(b"hostname \xff\n")
    text = "name: x\nnodes:\n  r1: {config_file: d.cfg}\n  r2: {config_file: bin.cfg}\n"
    with pytest.raises(LabFileError) as err:
        labfile.loads(text, base=tmp_path)
    assert (err.value.line, err.value.field) == (3, "nodes.r1.config_file")
    assert "Is a directory" in err.value.reason
    with pytest.raises(LabFileError) as err:
        labfile.loads(text.replace("d.cfg", "bin.cfg"), base=tmp_path)
    assert err.value.reason.endswith("is not UTF-8 text")


# -- refusals: (lab file, line, field, reason) ---------------------------------------------

H = "name: a\nnodes:\n  r1: {}\n"  # a valid head to add sections to

REFUSALS: list[tuple[str, str, int, str, str]] = [
    # schema: types and ranges
    (
        "port-type",
        "name: a\nnodes:\n  r1:\n    ssh_port: abc\n",
        4,
        "nodes.r1.ssh_port",
        "must be an integer from 0 to 65535, not 'abc'",
    ),
    (
        "port-range",
        "name: a\nnodes:\n  r1:\n    ssh_port: 70000\n",
        4,
        "nodes.r1.ssh_port",
        "must be an integer from 0 to 65535, not 70000",
    ),
    (
        "port-negative",
        "name: a\nnodes:\n  r1: {netconf_port: -1}\n",
        3,
        "nodes.r1.netconf_port",
        "must be an integer from 0 to 65535 or null, not -1",
    ),
    (
        "port-bool",
        "name: a\nnodes:\n  r1: {ssh_port: yes}\n",
        3,
        "nodes.r1.ssh_port",
        "must be an integer from 0 to 65535, not true",
    ),
    (
        "unknown-field",
        "name: a\nnodes:\n  r1:\n    sshport: 22\n",
        4,
        "nodes.r1.sshport",
        "unknown field 'sshport' (did you mean 'ssh_port'?)",
    ),
    (
        "unknown-top",
        "name: a\nnode:\n  r1: {}\n",
        2,
        "node",
        "unknown field 'node' (did you mean 'nodes'?)",
    ),
    (
        "unknown-far",
        "name: a\nnodes: {r1: {}}\nzzz: 1\n",
        3,
        "zzz",
        "unknown field 'zzz' (fields: name, defaults, nodes, networks, peers)",
    ),
    (
        "defaults-count",
        "name: a\ndefaults:\n  count: 2\nnodes: {r1: }\n",
        3,
        "defaults.count",
        "'count' is a node's own field, not one for defaults",
    ),
    ("missing-nodes", "name: a\n", 1, "nodes", "required field 'nodes' is missing"),
    ("missing-name", "\n\nnodes: {r1: }\n", 3, "name", "required field 'name' is missing"),
    (
        "missing-kind",
        H + "peers:\n  ca: {network: x}\n",
        5,
        "peers.ca.kind",
        "required field 'kind' is missing",
    ),
    (
        "missing-user-name",
        H.replace("{}", "{users: [{password: x}]}"),
        3,
        "nodes.r1.users[0].name",
        "required field 'name' is missing",
    ),
    (
        "bad-kind",
        H + "peers:\n  ca: {kind: ca}\n",
        5,
        "peers.ca.kind",
        "must be one of scep-ca, tftp, syslog, snmptrapd, not 'ca'",
    ),
    (
        "lab-name",
        "name: A_b\nnodes: {r1: }\n",
        1,
        "name",
        "must be a name of 1-31 lowercase letters, digits and '-' starting with a letter or digit, "
        "not 'A_b'",
    ),
    (
        "node-name",
        "name: a\nnodes:\n  r1: {}\n  R_1: {}\n",
        4,
        "nodes.R_1",
        "the name 'R_1' is not a node name of 1-63 letters, digits and '-' starting with a letter "
        "or digit",
    ),
    (
        "nodes-list",
        "name: a\nnodes:\n  - r1\n",
        2,
        "nodes",
        "must be a mapping of node names to nodes, at least one, not a list",
    ),
    (
        "nodes-empty",
        "name: a\nnodes: {}\n",
        2,
        "nodes",
        "must be a mapping of node names to nodes, at least one, not an empty mapping",
    ),
    (
        "not-a-mapping",
        "just text\n",
        1,
        "",
        "must be a mapping with name and nodes, not 'just text'",
    ),
    (
        "release-number",
        "name: a\nnodes:\n  r1: {release: 7.3}\n",
        3,
        "nodes.r1.release",
        "must be a release such as '7.3.2' (quoted), not 7.3",
    ),
    (
        "hostname",
        "name: a\nnodes:\n  r1: {hostname: pe_1}\n",
        3,
        "nodes.r1.hostname",
        "must be a hostname of 1-63 letters, digits and '-' starting with a letter or digit, "
        "not 'pe_1'",
    ),
    (
        "hostname-long",
        "name: a\nnodes:\n  r1: {hostname: " + "h" * 64 + "}\n",
        3,
        "nodes.r1.hostname",
        "must be a hostname of 1-63 letters, digits and '-' starting with a letter or digit, "
        "not '" + "h" * 37 + "...'",
    ),
    (
        "serial",
        "name: a\nnodes:\n  r1: {serial: FOC-1}\n",
        3,
        "nodes.r1.serial",
        "must be a serial of 1-32 letters and digits, not 'FOC-1'",
    ),
    (
        "secret",
        "name: a\nnodes:\n  r1:\n    users:\n      - {name: bob, secret: plain}\n",
        5,
        "nodes.r1.users[0].secret",
        "must be a SHA-512-crypt hash ($6$SALT$HASH), not 'plain'",
    ),
    (
        "groups-twice",
        "name: a\nnodes:\n  r1:\n    users:\n      - name: bob\n        password: x\n"
        "        groups: [a, a]\n",
        7,
        "nodes.r1.users[0].groups",
        "must not name the same item twice",
    ),
    (
        "config-newline",
        'name: a\nnodes:\n  r1:\n    config: ["a\\nb"]\n',
        4,
        "nodes.r1.config[0]",
        "must be a configuration line (one line, no line break), not 'a\\nb'",
    ),
    (
        "count-zero",
        "name: a\nnodes:\n  e: {count: 0}\n",
        3,
        "nodes.e.count",
        "must be an integer from 1 to 10000, not 0",
    ),
    (
        "vrf-no-network",
        "name: a\nnodes:\n  r1:\n    vrfs:\n      m: {}\n",
        5,
        "nodes.r1.vrfs.m.network",
        "required field 'network' is missing",
    ),
    (
        "earliest-wins",
        "name: a\nnodes:\n  r1: {ssh_port: x}\n  r2: {platform: 1}\n",
        3,
        "nodes.r1.ssh_port",
        "must be an integer from 0 to 65535, not 'x'",
    ),
    # YAML itself
    (
        "duplicate-key",
        "name: a\nnodes:\n  r1: {}\n  r1: {}\n",
        4,
        "nodes.r1",
        "field 'r1' given twice (first at line 3)",
    ),
    (
        "duplicate-field",
        "name: a\nnodes:\n  r1:\n    ssh_port: 1\n    ssh_port: 2\n",
        5,
        "nodes.r1.ssh_port",
        "field 'ssh_port' given twice (first at line 4)",
    ),
    (
        "yaml-flow",
        "name: a\nnodes:\n  r1: {\n  r2: ]\n",
        4,
        "",
        "YAML syntax: expected the node content, but found ']' (while parsing a flow node)",
    ),
    (
        "yaml-tab",
        "name: a\nnodes:\n\tr1: {}\n",
        3,
        "",
        "YAML syntax: found character '\\t' that cannot start any token (while scanning for the "
        "next token)",
    ),
    (
        "yaml-two-docs",
        "name: a\nnodes: {r1: }\n---\nname: b\n",
        3,
        "",
        "YAML syntax: but found another document (expected a single document in the stream)",
    ),
    (
        "yaml-tag",
        "name: a\nnodes: !!set {r1: }\n",
        2,
        "",
        "YAML tag tag:yaml.org,2002:set is not taken in a lab file",
    ),
    (
        "yaml-key",
        "name: a\nnodes:\n  [r1]: {}\n",
        3,
        "",
        "a field name must be text, not a list or mapping",
    ),
    (
        "yaml-control-char",
        "name: a\nnodes:\n  r1: {hostname: \x01}\n",
        3,
        "",
        "YAML syntax: character 0x0001 is not taken (special characters are not allowed)",
    ),
    ("empty", "", 0, "", "the lab file is empty"),
    ("comments-only", "# nothing\n", 0, "", "the lab file is empty"),
    # semantic: platform, release, users, address
    (
        "platform",
        "name: a\nnodes:\n  r1: {platform: NCS-5500}\n",
        3,
        "nodes.r1.platform",
        "unknown platform 'NCS-5500' (platforms: 8201-SYS, ASR-9006, NCS-55A1-24H)",
    ),
    (
        "release",
        "name: a\nnodes:\n  r1: {release: '7.x'}\n",
        3,
        "nodes.r1.release",
        "must be a release such as '7.3.2', not '7.x'",
    ),
    (
        "defaults-release",
        "name: a\ndefaults: {release: '7'}\nnodes: {r1: }\n",
        2,
        "defaults.release",
        "must be a release such as '7.3.2', not '7'",
    ),
    (
        "user-no-password",
        "name: a\nnodes:\n  r1:\n    users:\n      - {name: bob}\n",
        5,
        "nodes.r1.users[0]",
        "user 'bob' needs a password or a secret",
    ),
    (
        "user-both",
        "name: a\nnodes:\n  r1:\n    users:\n      - name: bob\n        password: x\n"
        f"        secret: '{SECRET}'\n",
        7,
        "nodes.r1.users[0].secret",
        "user 'bob': give password or secret, not both",
    ),
    (
        "user-twice",
        "name: a\nnodes:\n  r1:\n    users:\n      - {name: bob, password: x}\n"
        "      - {name: bob, password: y}\n",
        6,
        "nodes.r1.users[1].name",
        "user 'bob' given twice (first at line 5)",
    ),
    (
        "address",
        "name: a\nnodes:\n  r1: {address: localhost}\n",
        3,
        "nodes.r1.address",
        "must be an IP address such as '127.0.0.1', not 'localhost'",
    ),
    # semantic: ports
    (
        "ssh-vs-netconf",
        "name: a\nnodes:\n  r1: {ssh_port: 2201}\n  r2: {netconf_port: 2201}\n",
        4,
        "nodes.r2.netconf_port",
        "node r2's NETCONF port 2201 on 127.0.0.1 is also node r1's SSH port (at line 3)",
    ),
    (
        "same-node",
        "name: a\nnodes:\n  r1:\n    ssh_port: 22\n    netconf_port: 22\n",
        5,
        "nodes.r1.netconf_port",
        "node r1's NETCONF port 22 on 127.0.0.1 is also node r1's SSH port (at line 4)",
    ),
    (
        "wildcard",
        "name: a\nnodes:\n  r1: {ssh_port: 2201}\n  r2: {ssh_port: 2201, address: 0.0.0.0}\n",
        4,
        "nodes.r2.ssh_port",
        "node r2's SSH port 2201 on 0.0.0.0 is also node r1's SSH port (at line 3)",
    ),
    (
        "defaults-port",
        "name: a\ndefaults: {ssh_port: 2201}\nnodes: {r1: , r2: }\n",
        2,
        "defaults.ssh_port",
        "node r2's SSH port 2201 on 127.0.0.1 is also node r1's SSH port (at line 2)",
    ),
    (
        "peer-tcp",
        "name: a\nnodes:\n  r1: {ssh_port: 8080}\npeers:\n  ca: {kind: scep-ca, port: 8080}\n",
        5,
        "peers.ca.port",
        "peer ca's port 8080 on 127.0.0.1 is also node r1's SSH port (at line 3)",
    ),
    (
        "peer-udp",
        H + "peers:\n  s: {kind: syslog, port: 514}\n  t: {kind: snmptrapd, port: 514}\n",
        6,
        "peers.t.port",
        "peer t's port 514 on 127.0.0.1 is also peer s's port (at line 5)",
    ),
    # semantic: count
    (
        "count-fixed-port",
        "name: a\nnodes:\n  edge: {count: 2, ssh_port: 2201}\n",
        3,
        "nodes.edge.ssh_port",
        "a fixed ssh_port with count 2 would be every node's: leave it 0 (free ports) or give "
        "ssh_port_base",
    ),
    (
        "count-defaults-port",
        "name: a\ndefaults:\n  netconf_port: 830\nnodes:\n  e: {count: 2}\n",
        3,
        "defaults.netconf_port",
        "a fixed netconf_port with count 2 would be every node's: leave it 0 (free ports) or give "
        "netconf_port_base",
    ),
    (
        "count-serial",
        "name: a\nnodes:\n  e: {count: 2, serial: FOC2222R1A1}\n",
        3,
        "nodes.e.serial",
        "a fixed serial with count 2 would be every node's: leave it out",
    ),
    (
        "count-clash-later",
        "name: a\nnodes:\n  edge: {count: 2}\n  edge2: {}\n",
        3,
        "nodes.edge.count",
        "count 2 makes node 'edge2', also the name of the node at line 4",
    ),
    (
        "count-clash-earlier",
        "name: a\nnodes:\n  edge1: {}\n  edge: {count: 2}\n",
        4,
        "nodes.edge.count",
        "count 2 makes node 'edge1', also the name of the node at line 3",
    ),
    (
        "count-clash-count",
        "name: a\nnodes:\n  e1: {count: 2}\n  e: {count: 20}\n",
        4,
        "nodes.e.count",
        "count 20 makes node 'e11', also the name of the node at line 3",
    ),
    (
        "count-long-name",
        "name: a\nnodes:\n  " + "n" * 62 + ": {count: 10}\n",
        3,
        "nodes." + "n" * 62 + ".count",
        "node name '" + "n" * 62 + "10' is over 63 characters",
    ),
    (
        "count-long-hostname",
        "name: a\nnodes:\n  e: {count: 10, hostname: " + "h" * 62 + "}\n",
        3,
        "nodes.e.hostname",
        "with count 10 the hostname '" + "h" * 62 + "10' is over 63 characters",
    ),
    (
        "base-without-count",
        "name: a\nnodes:\n  r1: {ssh_port_base: 2000}\n",
        3,
        "nodes.r1.ssh_port_base",
        "ssh_port_base numbers the nodes of a count: this node has none",
    ),
    (
        "base-and-port",
        "name: a\nnodes:\n  e: {count: 2, ssh_port_base: 2000, ssh_port: 2001}\n",
        3,
        "nodes.e.ssh_port_base",
        "give ssh_port or ssh_port_base, not both",
    ),
    (
        "base-and-null",
        "name: a\nnodes:\n  e: {count: 2, netconf_port_base: 2000, netconf_port: null}\n",
        3,
        "nodes.e.netconf_port_base",
        "netconf_port_base with netconf_port null: give one",
    ),
    (
        "base-overflow",
        "name: a\nnodes:\n  e: {count: 10, ssh_port_base: 65530}\n",
        3,
        "nodes.e.ssh_port_base",
        "ssh_port_base 65530 + count 10 is over 65535",
    ),
    (
        "base-collides",
        "name: a\nnodes:\n  r1: {ssh_port: 2002}\n  e: {count: 3, ssh_port_base: 2000}\n",
        4,
        "nodes.e.ssh_port_base",
        "node e2's SSH port 2002 on 127.0.0.1 is also node r1's SSH port (at line 3)",
    ),
    (
        "serial-twice",
        "name: a\nnodes:\n  r1: {serial: FOC1}\n  r2: {serial: FOC1}\n",
        4,
        "nodes.r2.serial",
        "serial FOC1 is also the node's at line 3",
    ),
    # semantic: networks, VRFs, peers
    (
        "vrf-network",
        "name: a\nnodes:\n  r1:\n    vrfs:\n      mgmt: {network: mgmt}\n",
        5,
        "nodes.r1.vrfs.mgmt.network",
        "unknown network 'mgmt' (the lab has no networks)",
    ),
    (
        "peer-network",
        H + "networks: {m: }\npeers:\n  ca: {kind: scep-ca, network: mgmt}\n",
        6,
        "peers.ca.network",
        "unknown network 'mgmt' (networks: m)",
    ),
    (
        "vrf-outside",
        "name: a\nnetworks: {m: {subnet: 198.18.1.0/24}}\nnodes:\n  r1:\n    vrfs:\n"
        "      v: {network: m, address: 198.18.2.1/24}\n",
        6,
        "nodes.r1.vrfs.v.address",
        "198.18.2.1 is outside network m's subnet 198.18.1.0/24",
    ),
    (
        "vrf-prefix",
        "name: a\nnetworks: {m: {subnet: 198.18.1.0/24}}\nnodes:\n  r1:\n    vrfs:\n"
        "      v: {network: m, address: 198.18.1.5/16}\n",
        6,
        "nodes.r1.vrfs.v.address",
        "198.18.1.5/16 is not a /24 as network m (198.18.1.0/24) is",
    ),
    (
        "vrf-broadcast",
        "name: a\nnetworks: {m: {subnet: 198.18.1.0/24}}\nnodes:\n  r1:\n    vrfs:\n"
        "      v: {network: m, address: 198.18.1.255}\n",
        6,
        "nodes.r1.vrfs.v.address",
        "198.18.1.255 is the broadcast address of 198.18.1.0/24",
    ),
    (
        "vrf-not-ip",
        "name: a\nnetworks: {m: {subnet: 198.18.1.0/24}}\nnodes:\n  r1:\n    vrfs:\n"
        "      v: {network: m, address: mgmt}\n",
        6,
        "nodes.r1.vrfs.v.address",
        "must be an IPv4 address such as '198.18.1.10/24', not 'mgmt'",
    ),
    (
        "vrf-no-subnet",
        "name: a\nnetworks: {m: }\nnodes:\n  r1:\n    vrfs:\n"
        "      v: {network: m, address: 198.18.1.5}\n",
        6,
        "nodes.r1.vrfs.v.address",
        "a fixed address needs networks.m.subnet: network m has none",
    ),
    (
        "vrf-interface-twice",
        "name: a\nnetworks: {m: }\nnodes:\n  r1:\n    vrfs:\n"
        "      v: {network: m}\n      w: {network: m}\n",
        7,
        "nodes.r1.vrfs.w.interface",
        "interface MgmtEth0/RP0/CPU0/0 is already VRF v's",
    ),
    (
        "address-twice",
        "name: a\nnetworks: {m: {subnet: 198.18.1.0/24}}\nnodes:\n  r1:\n    vrfs:\n"
        "      v: {network: m, address: 198.18.1.5}\npeers:\n  ca: {kind: scep-ca, network: m, "
        "address: 198.18.1.5}\n",
        8,
        "peers.ca.address",
        "198.18.1.5 on network m is also node r1 VRF v's (at line 6)",
    ),
    (
        "address-count",
        "name: a\nnetworks: {m: {subnet: 198.18.1.0/24}}\nnodes:\n  e:\n    count: 2\n"
        "    vrfs: {v: {network: m, address: 198.18.1.5}}\n",
        6,
        "nodes.e.vrfs.v.address",
        "198.18.1.5 on network m is also node e1 VRF v's (at line 6)",
    ),
    (
        "peer-address-no-network",
        H + "peers:\n  s: {kind: syslog, address: 198.18.1.1}\n",
        5,
        "peers.s.address",
        "an address needs a network (without one the peer is on loopback)",
    ),
    (
        "challenge-kind",
        H + "peers:\n  t: {kind: tftp, challenge: x}\n",
        5,
        "peers.t.challenge",
        "only a scep-ca peer takes a challenge, not a tftp",
    ),
    (
        "subnet-outside",
        H + "networks: {m: {subnet: 10.0.0.0/24}}\n",
        4,
        "networks.m.subnet",
        "10.0.0.0/24 is not inside 198.18.0.0/15 (the range labs use)",
    ),
    (
        "subnet-host-bits",
        H + "networks: {m: {subnet: 198.18.1.1/24}}\n",
        4,
        "networks.m.subnet",
        "'198.18.1.1/24' has host bits set: the subnet address has them 0",
    ),
    (
        "subnet-not-ip",
        H + "networks: {m: {subnet: mgmt}}\n",
        4,
        "networks.m.subnet",
        "must be an IPv4 subnet such as '198.18.1.0/24', not 'mgmt'",
    ),
    (
        "subnet-small",
        H + "networks: {m: {subnet: 198.18.1.0/31}}\n",
        4,
        "networks.m.subnet",
        "198.18.1.0/31 is too small: a lab subnet is at most a /30",
    ),
    (
        "subnet-overlap",
        H + "networks:\n  a: {subnet: 198.18.0.0/16}\n  b: {subnet: 198.18.1.0/24}\n",
        6,
        "networks.b.subnet",
        "198.18.1.0/24 overlaps network a's 198.18.0.0/16 (line 5)",
    ),
    (
        "config-both",
        "name: a\nnodes:\n  r1:\n    config: [x]\n    config_file: r.cfg\n",
        5,
        "nodes.r1.config_file",
        "give config or config_file, not both",
    ),
    (
        "config-missing",
        "name: a\nnodes:\n  r1: {config_file: nope.cfg}\n",
        3,
        "nodes.r1.config_file",
        "cannot read '{base}/nope.cfg': No such file or directory",
    ),
    (
        "semantic-earliest",
        "name: a\nnodes:\n  r1: {platform: X}\n  r0: {release: bad}\n",
        3,
        "nodes.r1.platform",
        "unknown platform 'X' (platforms: 8201-SYS, ASR-9006, NCS-55A1-24H)",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "reason"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refusal(tmp_path: Path, text: str, line: int, field: str, reason: str) -> None:
    with pytest.raises(LabFileError) as err:
        labfile.loads(text, source="lab.yml", base=tmp_path)
    e = err.value
    assert (e.path, e.line, e.field, e.reason) == (
        "lab.yml",
        line,
        field,
        reason.replace("{base}", str(tmp_path)),
    )
    where = f"lab.yml:{line}" if line else "lab.yml"
    assert str(e) == (f"{where}: {field}: {e.reason}" if field else f"{where}: {e.reason}")
    assert isinstance(e, LabError)
    assert isinstance(e, ValueError)


def test_refusals_are_the_same_every_time() -> None:
    text = "name: Bad\nnodes:\n  r1: {ssh_port: x, sshport: 1, platform: 3}\n  R_2: 5\n"
    first = None
    for _ in range(5):
        with pytest.raises(LabFileError) as err:
            labfile.loads(text)
        got = (err.value.line, err.value.field, err.value.reason)
        assert first is None or got == first
        first = got
    assert first == (1, "name", first[2])


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(LabFileError) as err:
        labfile.load(tmp_path / "nope.yml")
    assert (err.value.line, err.value.field) == (0, "")
    assert err.value.reason == "cannot read the lab file: No such file or directory"
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"name: a\nnodes:\n  r1: {hostname: \xff}\n")
    with pytest.raises(LabFileError) as err:
        labfile.load(bad)
    assert (err.value.path, err.value.line, err.value.reason) == (str(bad), 3, "not UTF-8 text")
    with pytest.raises(LabFileError, match="Is a directory"):
        labfile.load(tmp_path)
    # The file's path names it in every refusal.
    lab = tmp_path / "lab.yml"
    lab.write_text("name: a\nnodes:\n  r1: {ssh_port: x}\n")
    with pytest.raises(LabFileError) as err:
        labfile.load(lab)
    assert str(err.value).startswith(f"{lab}:3: nodes.r1.ssh_port: ")


def test_anchors_aliases_and_merge_keys() -> None:
    spec = labfile.loads(
        """\
name: y
nodes:
  r0: &common {release: 7.3.2, netconf_port: null}
  r1:
    <<: *common
    release: 7.1.1
  r2: *common
"""
    )
    r0, r1, r2 = spec.nodes
    assert (r0.release, r0.netconf_port) == ("7.3.2", None)
    assert (r1.release, r1.netconf_port) == ("7.1.1", None)  # the node's own beats the merge
    assert (r2.release, r2.netconf_port) == ("7.3.2", None)


def test_alias_bombs_are_refused() -> None:
    lines = ["name: a", "nodes: {r1: }", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(LabFileError) as err:
        labfile.loads("\n".join(lines) + "\n")
    assert "too many or too deeply nested values" in err.value.reason


def test_the_schema_is_a_valid_draft_2020_12_schema_shipped_with_the_package() -> None:
    text = resources.files("xrsim.lab").joinpath("lab.schema.json").read_text()
    doc = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert labfile.schema() == doc
    pyproject = Path(__file__).parents[3] / "pyproject.toml"
    assert '"python/xrsim/lab/lab.schema.json"' in pyproject.read_text()

    # Every field the schema names has a description (docs/labs.md lists them).
    def walk(node: object) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert "description" in sub, name
            for sub in node.values():
                walk(sub)

    walk(doc)


def test_docs_list_every_schema_field() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "labs.md").read_text()
    doc = labfile.schema()
    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for sub in node.values():
                walk(sub)

    walk(doc)
    missing = sorted(n for n in names if f"`{n}`" not in docs)
    assert not missing


# -- property: generated specs dump and load back equal ------------------------------------

_name = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
# Lines and passwords: letters, digits, punctuation and symbols (blank lines are dropped).
_text = st.text(
    st.characters(categories=("L", "N", "P", "S"), max_codepoint=0x2FF), min_size=1, max_size=12
)
_pids = sorted(catalog())


@st.composite
def lab_specs(draw: st.DrawFn) -> LabSpec:
    lab = draw(_name)
    subnets = draw(st.lists(st.integers(0, 255), unique=True, max_size=3))
    networks = tuple(
        NetworkSpec(f"n{i}", f"198.18.{third}.0/24") for i, third in enumerate(subnets)
    )
    if draw(st.booleans()):
        networks += (NetworkSpec("auto", None),)
    hosts = {n.name: iter(range(2, 250)) for n in networks}
    node_names = draw(st.lists(_name, unique=True, min_size=1, max_size=4))
    ports = iter(draw(st.lists(st.integers(1, 65535), unique=True, min_size=8, max_size=8)))
    serials = iter(
        draw(
            st.lists(
                st.from_regex(r"[A-Z0-9]{1,32}", fullmatch=True),
                unique=True,
                min_size=4,
                max_size=4,
            )
        )
    )
    nodes = []
    for name in node_names:
        vrfs = []
        for j, net in enumerate(
            draw(st.lists(st.sampled_from(networks), max_size=2)) if networks else []
        ):
            fixed = net.subnet is not None and draw(st.booleans())
            address = None
            if fixed:
                prefix = ipaddress.IPv4Network(net.subnet)
                address = f"{prefix.network_address + next(hosts[net.name])}/24"
            vrfs.append(VrfSpec(f"v{j}", net.name, f"GigabitEthernet0/0/0/{j}", address))
        users = draw(
            st.lists(
                st.builds(
                    lambda n, pw, g: UserSpec(n, password=pw, groups=g),
                    _name,
                    _text,
                    st.lists(_name, unique=True, max_size=2).map(tuple),
                ),
                unique_by=lambda u: u.name,
                min_size=1,
                max_size=2,
            )
        )
        nodes.append(
            NodeSpec(
                name=name,
                platform=draw(st.sampled_from(_pids)),
                hostname=draw(st.none() | _name),
                release=draw(
                    st.none() | st.builds(lambda a, b, c: f"{a}.{b}.{c}", *[st.integers(0, 20)] * 3)
                ),
                serial=next(serials),
                config=tuple(draw(st.lists(_text, max_size=3))),
                users=tuple(users),
                address="127.0.0.1",
                ssh_port=draw(st.just(0) | st.just(next(ports))),
                netconf_port=draw(st.none() | st.just(0) | st.just(next(ports))),
                vrfs=tuple(vrfs),
            )
        )
    peers = []
    for k, kind in enumerate(
        draw(st.lists(st.sampled_from(["scep-ca", "tftp", "syslog", "snmptrapd"]), max_size=3))
    ):
        net = draw(st.none() | st.sampled_from(networks)) if networks else None
        address = None
        if net is not None and net.subnet is not None and draw(st.booleans()):
            address = str(ipaddress.IPv4Network(net.subnet).network_address + next(hosts[net.name]))
        challenge = draw(st.none() | _text) if kind == "scep-ca" else None
        port = None if net is None else draw(st.none() | st.integers(1, 65535))
        peers.append(
            PeerSpec(f"p{k}", kind, None if net is None else net.name, address, port, challenge)
        )  # type: ignore[arg-type]
    return LabSpec(lab, tuple(nodes), networks, tuple(peers))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lab_specs())
def test_generated_specs_dump_and_load_equal(spec: LabSpec) -> None:
    assert labfile.loads(labfile.dumps(spec)) == spec

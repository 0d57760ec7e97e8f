"""``xrsim.lab.containerlab``: the topology against containerlab's documented fields, the ports,
the files written and their modes, the command each node runs, the refusals."""

from __future__ import annotations

import json
import re
import shlex
import stat
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import xrsim
from support import xrsim_env
from xrsim.errors import LabError
from xrsim.frontends.main import build_parser
from xrsim.lab import containerlab
from xrsim.lab.launcher import NETCONF_LINES, default_serial
from xrsim.lab.spec import LabSpec, NetworkSpec, NodeSpec, PeerSpec, UserSpec, VrfSpec

# The fields xrsim writes, as containerlab documents them: the topology definition and node
# pages (https://containerlab.dev/manual/topo-def-file/, /manual/nodes/, /manual/kinds/linux/)
# and its published schema, https://github.com/srl-labs/containerlab/blob/main/schemas/
# clab.schema.json, read at v0.79.0 (commit 39ff2b7c, August 2026; JSON Schema draft-07). Not a
# copy of it: the subset xrsim emits, written from those pages, so anything else xrsim starts
# to write fails here until it is looked up and added.
_PORT = r"([0-9]{1,5})"
_IPV4 = r"([0-9]{1,3}\.){3}[0-9]{1,3}"
CLAB_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["name", "topology"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-zA-Z0-9][a-zA-Z0-9-._]*$"},
        "topology": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "nodes": {
                    "type": "object",
                    "additionalProperties": False,
                    "patternProperties": {
                        r"^[a-zA-Z0-9][a-zA-Z0-9-._|]*$": {"$ref": "#/definitions/node"}
                    },
                }
            },
        },
    },
    "definitions": {
        "node": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "image"],
            "properties": {
                "kind": {"type": "string", "enum": ["linux"]},
                "image": {"type": "string"},
                # "shell form", split into arguments by containerlab (not run by a shell)
                "cmd": {"type": "string"},
                # docker run -p forms: [IPV4:]HOSTPORT:CONTAINERPORT[/tcp|/udp|/sctp]
                "ports": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "pattern": rf"^({_IPV4}:)?{_PORT}:{_PORT}(/tcp|/udp|/sctp)?$",
                    },
                },
                # docker -v forms: HOSTPATH:CONTAINERPATH[:ro|:rw]; relative host paths are
                # relative to the topology file
                "binds": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "string", "pattern": r"^[^:]+:/[^:]*(:(ro|rw))?$"},
                },
                "env": {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "number", "boolean"]},
                },
                "labels": {
                    "type": "object",
                    "additionalProperties": {
                        "anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]
                    },
                },
            },
        }
    },
}

ADMIN = (UserSpec("admin", password="admin"),)


def _lab(**kw: Any) -> LabSpec:
    nodes = (
        NodeSpec("pe1", hostname="pe-one", serial="FOC2222R1A1", config=("domain name x.test",)),
        NodeSpec("pe2", ssh_port=2202, netconf_port=8301),  # fixed: the free ones go round
        NodeSpec("edge1", netconf_port=None, release="7.3.2"),
        NodeSpec(
            "edge2",
            address="0.0.0.0",
            users=(UserSpec("ops", password="ops-pass", groups=("root-lr", "sysadmin")),),
        ),
    )
    return LabSpec(name=kw.pop("name", "demo"), nodes=kw.pop("nodes", nodes), **kw)


def _ports(node: dict[str, Any]) -> dict[int, tuple[str | None, int]]:
    """container port -> (host address, host port)."""
    out = {}
    for p in node["ports"]:
        m = re.fullmatch(r"(?:(?P<ip>[0-9.]+):)?(?P<host>\d+):(?P<ctr>\d+)/tcp", p)
        assert m, p
        out[int(m["ctr"])] = (m["ip"], int(m["host"]))
    return out


def test_the_topology_has_only_documented_fields_of_their_documented_types() -> None:
    doc = containerlab.topology(_lab())
    jsonschema.Draft7Validator.check_schema(CLAB_SCHEMA)
    jsonschema.Draft7Validator(CLAB_SCHEMA).validate(doc)
    assert list(doc["topology"]["nodes"]) == ["pe1", "pe2", "edge1", "edge2"]
    for node in doc["topology"]["nodes"].values():
        assert node["kind"] == "linux"
        assert node["image"] == f"xrsim:{xrsim.__version__}"
        for port in node["ports"]:
            assert all(0 < int(n) <= 65535 for n in re.findall(r":(\d+)", ":" + port))
    # The schema is not a formality: what xrsim must not write is refused.
    bad = containerlab.topology(_lab())
    bad["topology"]["nodes"]["pe1"]["startup-config"] = "x.cfg"  # kind linux has none
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(CLAB_SCHEMA).validate(bad)
    bad = containerlab.topology(_lab())
    bad["topology"]["nodes"]["pe1"]["ports"] = ["[::1]:22:22"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(CLAB_SCHEMA).validate(bad)


def test_ports_are_the_lab_files_or_the_next_free_ones_in_node_order() -> None:
    nodes = containerlab.topology(_lab())["topology"]["nodes"]
    assert _ports(nodes["pe1"]) == {22: ("127.0.0.1", 2201), 830: ("127.0.0.1", 8302)}
    assert _ports(nodes["pe2"]) == {22: ("127.0.0.1", 2202), 830: ("127.0.0.1", 8301)}
    assert _ports(nodes["edge1"]) == {22: ("127.0.0.1", 2203)}  # no NETCONF listener
    assert _ports(nodes["edge2"]) == {22: (None, 2204), 830: (None, 8303)}  # every address
    assert containerlab.topology(_lab()) == containerlab.topology(_lab())  # deterministic
    many = _lab(nodes=tuple(NodeSpec(f"e{i}") for i in range(1, 501)))
    hosts = [
        hp
        for n in containerlab.topology(many)["topology"]["nodes"].values()
        for _, hp in _ports(n).values()
    ]
    assert len(hosts) == len(set(hosts)) == 1000


def test_each_node_runs_xrsim_serve_as_the_xrsim_command_parses_it() -> None:
    nodes = containerlab.topology(_lab(), image="registry.example/xrsim:test")["topology"]["nodes"]
    parser = build_parser()
    for name, node in nodes.items():
        assert node["image"] == "registry.example/xrsim:test"
        argv = shlex.split(node["cmd"])
        assert argv[:2] == ["xrsim", "serve"]
        args = parser.parse_args(argv[1:])
        assert args.address == "0.0.0.0"
        assert args.port == 22
        assert args.state == containerlab.STATE_DIR
        assert args.startup_config == "/etc/xrsim/startup.cfg"
        assert args.platform == "NCS-55A1-24H"
        assert node["binds"] == [
            f"nodes/{name}:/var/lib/xrsim",
            f"configs/{name}.cfg:/etc/xrsim/startup.cfg:ro",
            "vendor:/var/lib/xrsim-vendor",
        ]
        assert node["env"] == {"XRSIM_VENDOR_DIR": "/var/lib/xrsim-vendor"}
    pe1 = parser.parse_args(shlex.split(nodes["pe1"]["cmd"])[1:])
    assert (pe1.hostname, pe1.serial, pe1.netconf_port, pe1.release) == (
        "pe-one",
        "FOC2222R1A1",
        830,
        None,
    )
    edge1 = parser.parse_args(shlex.split(nodes["edge1"]["cmd"])[1:])
    assert (edge1.hostname, edge1.netconf_port, edge1.release) == ("edge1", None, "7.3.2")
    assert edge1.serial == default_serial("demo", _lab().node("edge1"))  # as under xrsim up


def test_startup_lines_carry_users_config_and_the_netconf_agent_as_xrsim_up() -> None:
    spec = _lab()
    secrets = {("ops", "ops-pass"): "$6$salt$hash"}
    assert containerlab.startup_lines(spec.node("pe1"), secrets) == [
        "domain name x.test",
        *NETCONF_LINES,
    ]
    assert containerlab.startup_lines(spec.node("edge1"), secrets) == []  # admin/admin: none
    assert containerlab.startup_lines(spec.node("edge2"), secrets) == [
        "username ops",
        "group root-lr",
        "group sysadmin",
        "secret 10 $6$salt$hash",
        *NETCONF_LINES,
    ]
    hashed = NodeSpec("r", netconf_port=None, users=(UserSpec("ro", secret="$6$a$b"),))
    assert containerlab.startup_lines(hashed, {}) == [
        "username ro",
        "group root-lr",
        "secret 10 $6$a$b",
    ]


def test_export_writes_the_files_with_their_modes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = containerlab.export(_lab(), out)
    assert set(written) == {
        out / "demo.clab.yml",
        out / "Containerfile",
        out / "constraints.txt",
        out / "README.md",
        out / "vendor",
        *(out / "nodes" / n for n in ("pe1", "pe2", "edge1", "edge2")),
        *(out / "configs" / f"{n}.cfg" for n in ("pe1", "pe2", "edge1", "edge2")),
    }
    doc = yaml.safe_load((out / "demo.clab.yml").read_text())
    assert doc == containerlab.topology(_lab())
    for node in doc["topology"]["nodes"].values():  # every bind's host path is there
        for bind in node["binds"]:
            assert (out / bind.split(":")[0]).exists(), bind
    for name in ("pe1", "pe2", "edge1", "edge2"):
        state = out / "nodes" / name
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        assert list(state.iterdir()) == []
        cfg = out / "configs" / f"{name}.cfg"
        assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "configs").stat().st_mode) == 0o700
    text = (out / "configs" / "edge2.cfg").read_text()
    assert "ops-pass" not in text  # only its hash
    (secret,) = re.findall(r"^secret 10 (\S+)$", text, re.M)
    from xrsim.aaa.secret import verify_secret

    assert verify_secret("ops-pass", secret)
    for path in written:
        if path.is_file():
            assert "ops-pass" not in path.read_text()

    readme = (out / "README.md").read_text()
    assert "| edge2 | edge2 | ops | 2204 | 8303 |" in readme
    assert "| pe1 | pe-one | admin | 127.0.0.1:2201 | 127.0.0.1:8302 |" in readme
    assert f"podman build -t xrsim:{xrsim.__version__} -f Containerfile ." in readme

    # Exporting again keeps a router's state (it is that router) and rewrites the rest.
    (out / "nodes" / "pe1" / "state.db").write_text("kept")
    containerlab.export(_lab(), out, image="other:1")
    assert (out / "nodes" / "pe1" / "state.db").read_text() == "kept"
    assert "image: other:1" in (out / "demo.clab.yml").read_text()


def test_the_containerfile_installs_the_wheel_and_serves_on_22_and_830(tmp_path: Path) -> None:
    containerlab.export(_lab(), tmp_path)
    lines = (tmp_path / "Containerfile").read_text().splitlines()
    joined = re.sub(r"\\\n\s*", " ", (tmp_path / "Containerfile").read_text())
    assert "ARG BASE=docker.io/library/debian:bookworm-slim" in lines
    assert "FROM ${BASE}" in lines
    assert "EXPOSE 22 830" in lines
    assert "STOPSIGNAL SIGTERM" in lines
    assert "COPY constraints.txt xrsim-*.whl /tmp/xrsim/" in lines
    assert (
        "pip install --no-cache-dir -c /tmp/xrsim/constraints.txt /tmp/xrsim/xrsim-*.whl" in joined
    )
    assert "pip check" in joined
    (cmd,) = [ln for ln in joined.splitlines() if ln.startswith("CMD ")]
    argv = json.loads(cmd.removeprefix("CMD "))
    args = build_parser().parse_args(argv[1:])
    assert argv[0] == "xrsim"
    assert (args.address, args.port, args.netconf_port, args.state) == (
        "0.0.0.0",
        22,
        830,
        "/var/lib/xrsim",
    )


def test_requirements_pin_xrsims_runtime_dependencies_as_installed(tmp_path: Path) -> None:
    pins = dict(line.split("==") for line in containerlab.runtime_requirements())
    for requirement in metadata.requires("xrsim") or ():
        if "extra" in requirement:
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert name is not None
        key = re.sub(r"[-_.]+", "-", name.group(0)).lower()
        assert pins[key] == metadata.version(key)
    assert pins["cffi"] == metadata.version("cffi")  # cryptography's own: the closure
    assert "pytest" not in pins


@pytest.mark.parametrize(
    ("extra", "what"),
    [
        ({"networks": (NetworkSpec("mgmt"),)}, "networks mgmt"),
        ({"peers": (PeerSpec("ca", "scep-ca"),)}, "peers ca"),
        (
            {"nodes": (NodeSpec("r1", vrfs=(VrfSpec("mgmt", "mgmt"),)),)},
            "VRFs on r1",
        ),
        ({"nodes": (NodeSpec("r1", address="::1"), NodeSpec("r2", address="nope"))}, "nope"),
    ],
)
def test_a_lab_it_cannot_export_is_refused_and_nothing_written(
    tmp_path: Path, extra: dict[str, Any], what: str
) -> None:
    with pytest.raises(LabError, match=re.escape(what)):
        containerlab.export(_lab(**extra), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_full_port_range_is_refused() -> None:
    nodes = tuple(NodeSpec(f"r{i}", ssh_port=65535 - i, netconf_port=None) for i in range(2))
    nodes += (NodeSpec("free", netconf_port=None),)
    spec = LabSpec("full", nodes)
    assert containerlab.topology(spec)["topology"]["nodes"]["free"]["ports"] == [
        "127.0.0.1:2201:22/tcp"
    ]
    crowded = LabSpec("crowded", tuple(NodeSpec(f"r{i}", netconf_port=None) for i in range(64000)))
    with pytest.raises(LabError, match="no free SSH port left for node r63335"):
        containerlab.topology(crowded)


LAB_FILE = """\
name: clab
defaults:
  users:
    - {name: ops, password: ops-pass}
nodes:
  pe1: {hostname: pe-one, ssh_port: 2301}
  edge: {count: 2, netconf_port: null}
"""


def _xrsim(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xrsim.frontends.main", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=xrsim_env(),
        check=False,
    )


def test_xrsim_export_containerlab_writes_the_lab_files_export(tmp_path: Path) -> None:
    (tmp_path / "lab.yml").write_text(LAB_FILE)
    result = _xrsim("export", "containerlab", "lab.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "clab-containerlab"
    assert f"wrote {out.name}/clab.clab.yml (3 nodes)" in result.stderr.replace("\n", " ")
    doc = yaml.safe_load((out / "clab.clab.yml").read_text())
    jsonschema.Draft7Validator(CLAB_SCHEMA).validate(doc)
    nodes = doc["topology"]["nodes"]
    assert list(nodes) == ["pe1", "edge1", "edge2"]
    assert _ports(nodes["pe1"]) == {22: ("127.0.0.1", 2301), 830: ("127.0.0.1", 8301)}
    assert _ports(nodes["edge2"]) == {22: ("127.0.0.1", 2202)}
    assert "username ops" in (out / "configs" / "edge1.cfg").read_text()

    other = _xrsim(
        "export", "containerlab", "lab.yml", "-o", "there", "--image", "r.example/x:1", cwd=tmp_path
    )
    assert other.returncode == 0, other.stderr
    assert "image: r.example/x:1" in (tmp_path / "there" / "clab.clab.yml").read_text()


def test_xrsim_export_refuses_a_bad_lab_file_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "lab.yml").write_text("name: bad\nnodes:\n  r1: {ssh_port: -4}\n")
    result = _xrsim("export", "containerlab", "lab.yml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("xrsim export: lab.yml:3: nodes.r1.ssh_port: ")
    assert list(tmp_path.iterdir()) == [tmp_path / "lab.yml"]

    (tmp_path / "lab.yml").write_text(
        "name: withca\nnodes:\n  r1: {}\npeers:\n  log: {kind: syslog}\n"
    )
    result = _xrsim("export", "containerlab", "lab.yml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("xrsim export: lab withca cannot be exported to containerlab")
    assert list(tmp_path.iterdir()) == [tmp_path / "lab.yml"]

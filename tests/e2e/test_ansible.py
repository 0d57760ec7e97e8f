"""Ansible against the router: the ``cisco.iosxr`` and ``ansible.netcommon`` modules with their
default settings, run by ``ansible-playbook`` from Ansible's own venv.

Ansible lives in ``.venv-ansible`` (``make ansible-venv``, from requirements/ansible.lock: the
``ansible`` package with its bundled cisco.iosxr and ansible.netcommon collections,
ansible-pylibssh, paramiko, ncclient; ``XRSIM_ANSIBLE_VENV`` names another venv). Each test
boots a router with NETCONF enabled, serves it with ``SshServer`` on 127.0.0.1, writes an
inventory and a playbook into its temporary directory and runs ``ansible-playbook`` as a
subprocess. Results are read from Ansible's JSON callback (``ANSIBLE_STDOUT_CALLBACK=json``),
task by task, and checked against the router's own state (running configuration, commit
records), not only against what Ansible reported.

Over ``network_cli`` both SSH transports run (``ansible_network_cli_ssh_type`` paramiko and
libssh): ``iosxr_command`` (``wait_for``), ``iosxr_facts`` (``min`` and ``all``),
``iosxr_config`` (``parents``/``lines``, idempotence, ``backup``), ``cli_command``,
``cli_config``, ``iosxr_hostname``, ``iosxr_user``, ``iosxr_logging_global`` (console; remote
hosts, buffer, trap level, facility) and ``iosxr_snmp_server`` (communities, trap hosts, in a
VRF too): merged, idempotent, gathered, the remote host Ansible configured then receiving the
router's syslog (a UDP listener of the test) or its PKI trap (Debian's ``snmptrapd``);
``iosxr_logging_global`` ``replaced``/``deleted`` and ``iosxr_snmp_server``
``overridden``/``deleted`` run on libssh only (about 10 s a test). Over
``ansible.netcommon.netconf``: ``netconf_get``, ``netconf_config``, ``netconf_rpc``, with the
examples of their documentation (the operation named by its namespace, see
``test_netconf_get_config_rpc``).

Nothing is written outside the test's directory: ``HOME``, ``ANSIBLE_HOME``, the local temp
and persistent-connection directories are in it. Host key checking is Ansible's default (on):
``test_unknown_host_key_is_refused`` shows that the default refuses the router's unknown key,
so the other tests first do what a user does, ``ssh-keyscan`` the router into
``~/.ssh/known_hosts``. libssh finds ``~`` through the password database, not ``$HOME``, so the
test's home is made the user's home there too with nss_wrapper (Debian ``libnss-wrapper``:
``LD_PRELOAD`` with ``NSS_WRAPPER_PASSWD``), which tells both transports the same home.
"""

from __future__ import annotations

import functools
import glob
import grp
import json
import os
import pwd
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from notify_peers import SnmpTrapd, SyslogListener
from xrsim.frontends.ssh import SshServer
from xrsim.notify import Message, Severity
from xrsim.notify.notifier import LoggingConfig, SyslogHost, TrapHost
from xrsim.router import Router

pytestmark = [pytest.mark.peer, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_VENV = Path(os.environ.get("XRSIM_ANSIBLE_VENV", str(ROOT / ".venv-ansible")))
REQUIRE_PEERS_ENV = "XRSIM_REQUIRE_PEERS"
USER, PASSWORD = "admin", "admin"
NETCONF = "ansible.netcommon.netconf"
BASE_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
HOST_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-cfg"
#: CISCO-PKI-MIB's certificate expiry notification (the trap ``snmp-server traps pki`` sends).
PKI_EXPIRY_TRAP = "1.3.6.1.4.1.9.9.854.1.2"
#: Seconds one ansible-playbook run may take.
RUN_TIMEOUT = 240

Result = dict[str, Any]


def _clean_environment() -> dict[str, str]:
    """The environment without what would lead Ansible's Python to ``.venv``, nor any
    ANSIBLE_ setting of the caller's."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LD_PRELOAD")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("ANSIBLE")}


@functools.cache
def _ansible_problem(venv: Path) -> str | None:
    """Why ``venv`` cannot run the tests (None: it can)."""
    playbook = venv / "bin" / "ansible-playbook"
    if not playbook.is_file():
        return f"{playbook} does not exist"
    probe = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import ansible_collections.cisco.iosxr, ansible_collections.ansible.netcommon, "
            "pylibsshext, paramiko, ncclient, jxmlease",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_clean_environment(),
    )
    if probe.returncode != 0:
        return f"{venv} lacks a package: {probe.stderr.strip()[-300:]}"
    return None


def _missing(message: str) -> None:
    if os.environ.get(REQUIRE_PEERS_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_PEERS_ENV}=1 requires every peer program")
    pytest.skip(message)


def require_ansible() -> Path:
    """Ansible's venv; skips the test when it is missing, or fails under
    ``XRSIM_REQUIRE_PEERS=1`` (as conftest's ``require_tool`` does for programs)."""
    problem = _ansible_problem(ANSIBLE_VENV)
    if problem is not None:
        _missing(f"Ansible is not installed: {problem} (make ansible-venv)")
    return ANSIBLE_VENV


#: Where Debian's libnss-wrapper puts the library.
_NSS_WRAPPER_GLOBS = ("/usr/lib/*/libnss_wrapper.so", "/usr/lib/libnss_wrapper.so")


def require_nss_wrapper() -> str:
    """The path of nss_wrapper's library (skips or fails as ``require_ansible``)."""
    for pattern in _NSS_WRAPPER_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    _missing("nss_wrapper is not installed (Debian libnss-wrapper)")
    raise AssertionError("unreachable")


class Ansible:
    """One test's Ansible: its home, inventory and ``ansible-playbook`` runs."""

    def __init__(self, root: Path, server: SshServer, venv: Path, nss_wrapper: str) -> None:
        self.root = root
        self.server = server
        self.venv = venv
        self.home = root / "home"
        (self.home / ".ssh").mkdir(parents=True, mode=0o700)
        self.known_hosts = self.home / ".ssh" / "known_hosts"
        me = pwd.getpwuid(os.getuid())
        group = grp.getgrgid(os.getgid()).gr_name
        (root / "passwd").write_text(
            f"{me.pw_name}:x:{me.pw_uid}:{me.pw_gid}:{me.pw_gecos}:{self.home}:/bin/sh\n"
        )
        (root / "group").write_text(f"{group}:x:{os.getgid()}:\n")
        self.nss_wrapper = nss_wrapper
        self.runs = 0

    def keyscan(self, ssh_keyscan: str) -> str:
        """What a user does before the first run: the router's host key into
        ``~/.ssh/known_hosts`` with ssh-keyscan."""
        scanned = subprocess.run(
            [ssh_keyscan, "-p", str(self.server.port), "127.0.0.1"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        assert f"[127.0.0.1]:{self.server.port} ssh-rsa " in scanned, scanned
        self.known_hosts.write_text(scanned)
        return scanned

    def environment(self) -> dict[str, str]:
        env = _clean_environment()
        env.update(
            HOME=str(self.home),
            ANSIBLE_HOME=str(self.home / ".ansible"),
            ANSIBLE_LOCAL_TEMP=str(self.root / "tmp"),
            ANSIBLE_PERSISTENT_CONTROL_PATH_DIR=str(self.root / "pc"),
            ANSIBLE_STDOUT_CALLBACK="json",
            ANSIBLE_NOCOLOR="1",
            LD_PRELOAD=self.nss_wrapper,
            NSS_WRAPPER_PASSWD=str(self.root / "passwd"),
            NSS_WRAPPER_GROUP=str(self.root / "group"),
        )
        return env

    def run(self, tasks: list[dict[str, Any]], **host_vars: str) -> dict[str, Result]:
        """Run one play of ``tasks`` (each with a unique ``name``) on the router; the result of
        each task by its name. The inventory sets what a user sets for IOS XR; ``host_vars``
        add to it (``ansible_network_cli_ssh_type``, ``ansible_connection``)."""
        self.runs += 1
        run_dir = self.root / f"run{self.runs}"
        run_dir.mkdir()
        variables = {
            "ansible_host": "127.0.0.1",
            "ansible_port": self.server.port,
            "ansible_user": USER,
            "ansible_password": PASSWORD,
            "ansible_network_os": "cisco.iosxr.iosxr",
            "ansible_connection": "ansible.netcommon.network_cli",
            **host_vars,
        }
        inventory = {"all": {"hosts": {"router": variables}}}
        # JSON is YAML: the files are written without a YAML library.
        (run_dir / "inventory.json").write_text(json.dumps(inventory))
        play = [{"hosts": "router", "gather_facts": False, "tasks": tasks}]
        (run_dir / "play.yml").write_text(json.dumps(play, indent=1))
        proc = subprocess.run(
            [
                str(self.venv / "bin" / "ansible-playbook"),
                "-i",
                str(run_dir / "inventory.json"),
                str(run_dir / "play.yml"),
            ],
            cwd=run_dir,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
            env=self.environment(),
        )
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            pytest.fail(
                f"ansible-playbook (status {proc.returncode}) printed no JSON:\n"
                f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            )
        results: dict[str, Result] = {}
        for play_report in report["plays"]:
            for task in play_report["tasks"]:
                results[task["task"]["name"]] = task["hosts"]["router"]
        self.last_stderr = proc.stderr
        return results


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="router")
    r.configure(["netconf-yang agent", "ssh"])
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router, users={USER: PASSWORD}).start()
    yield s
    s.stop()


@pytest.fixture
def ansible(server: SshServer, tmp_path: Path, require_tool: Callable[[str], str]) -> Ansible:
    """Ansible with the router's host key in its known_hosts (ssh-keyscan)."""
    lab = Ansible(tmp_path, server, require_ansible(), require_nss_wrapper())
    lab.keyscan(require_tool("ssh-keyscan"))
    return lab


TRANSPORTS = pytest.mark.parametrize("ssh_type", ["paramiko", "libssh"])


def ok(result: Result) -> Result:
    """``result`` after checking the task did not fail."""
    context = json.dumps(result)[:3000]
    assert not result.get("failed"), context
    assert not result.get("unreachable"), context
    return result


def running(router: Router) -> str:
    """The running configuration as ``show running-config`` prints it (without the exec
    timestamp line)."""
    return router.cli("show running-config").split("\n", 1)[1]


def _iosxr_text(text: str) -> str:
    """Configuration text as compared: lines without trailing blanks, no empty lines."""
    return "\n".join(ln.rstrip() for ln in text.splitlines() if ln.strip())


# -- host keys -------------------------------------------------------------------------------


@TRANSPORTS
def test_unknown_host_key_is_refused(server: SshServer, tmp_path: Path, ssh_type: str) -> None:
    """Ansible's default host key checking refuses a router it does not know: the reason the
    other tests keyscan the router first."""
    lab = Ansible(tmp_path, server, require_ansible(), require_nss_wrapper())
    results = lab.run(
        [{"name": "show", "cisco.iosxr.iosxr_command": {"commands": ["show version"]}}],
        ansible_network_cli_ssh_type=ssh_type,
    )
    result = results["show"]
    assert result.get("failed") or result.get("unreachable"), result
    assert "authenticity of host" in result["msg"], result["msg"]
    assert not server.sessions()


# -- network_cli -----------------------------------------------------------------------------


@TRANSPORTS
def test_iosxr_command_and_cli_command(router: Router, ansible: Ansible, ssh_type: str) -> None:
    results = ansible.run(
        [
            {
                "name": "show version",
                "cisco.iosxr.iosxr_command": {
                    "commands": ["show version"],
                    "wait_for": ["result[0] contains 'Cisco IOS XR Software'"],
                },
            },
            {
                "name": "two commands",
                "cisco.iosxr.iosxr_command": {
                    "commands": ["show running-config hostname", "show inventory"]
                },
            },
            {
                "name": "wait for what never comes",
                "cisco.iosxr.iosxr_command": {
                    "commands": ["show version"],
                    "wait_for": ["result[0] contains 'Junos'"],
                    "retries": 2,
                    "interval": 1,
                },
                "ignore_errors": True,
            },
            {
                "name": "bad command",
                "cisco.iosxr.iosxr_command": {"commands": ["show no-such-thing"]},
                "ignore_errors": True,
            },
            {
                "name": "cli_command",
                "ansible.netcommon.cli_command": {"command": "show running-config hostname"},
            },
        ],
        ansible_network_cli_ssh_type=ssh_type,
    )
    version = ok(results["show version"])
    assert not version["changed"]
    release = str(router.chassis.release)
    assert f"Cisco IOS XR Software, Version {release}" in version["stdout"][0]
    # What Ansible read is what the router prints, without the exec timestamp line Ansible
    # turned off (terminal exec prompt no-timestamp) and without the prompt.
    assert version["stdout"][0] == router.cli("show version").split("\n", 1)[1].strip()
    both = ok(results["two commands"])["stdout"]
    assert both[0] == "hostname router"
    assert f"SN: {router.chassis.serial}" in both[1]
    never = results["wait for what never comes"]
    assert never["failed"]
    assert "conditional" in never["msg"].lower(), never["msg"]
    bad = results["bad command"]
    assert bad["failed"]
    assert "% Invalid input detected at '^' marker." in bad["msg"]
    assert ok(results["cli_command"])["stdout"] == "hostname router"


@TRANSPORTS
def test_iosxr_facts_min_and_all(router: Router, ansible: Ansible, ssh_type: str) -> None:
    router.configure(
        [
            "interface MgmtEth0/RP0/CPU0/0",
            " description management",
            " ipv4 address 192.0.2.10 255.255.255.0",
        ]
    )
    results = ansible.run(
        [
            {"name": "min", "cisco.iosxr.iosxr_facts": {"gather_subset": "min"}},
            {"name": "all", "cisco.iosxr.iosxr_facts": {"gather_subset": "all"}},
        ],
        ansible_network_cli_ssh_type=ssh_type,
    )
    facts = ok(results["min"])["ansible_facts"]
    assert facts["ansible_net_system"] == "iosxr"
    assert facts["ansible_net_api"] == "cliconf"
    assert facts["ansible_net_version"] == str(router.chassis.release)
    assert facts["ansible_net_hostname"] == "router"
    assert facts["ansible_net_serialnum"] == router.chassis.serial
    assert facts["ansible_net_model"]
    assert facts["ansible_net_model"] in router.cli("show version")

    facts = ok(results["all"])["ansible_facts"]
    assert set(facts["ansible_net_gather_subset"]) == {
        "default",
        "hardware",
        "interfaces",
        "config",
    }
    assert _iosxr_text(facts["ansible_net_config"]) == _iosxr_text(running(router))
    interfaces = facts["ansible_net_interfaces"]
    shown = router.cli("show interfaces").splitlines()[1:]
    assert set(interfaces) == {ln.split()[0] for ln in shown if ln and not ln[0].isspace()}
    assert "MgmtEth0/RP0/CPU0/0" in interfaces
    assert "HundredGigE0/0/0/23" in interfaces
    mgmt = interfaces["MgmtEth0/RP0/CPU0/0"]
    assert mgmt["description"] == "management"
    assert mgmt["ipv4"] == {"address": "192.0.2.10", "masklen": 24}
    assert mgmt["operstatus"] == "up"
    assert mgmt["lineprotocol"] == "up"
    assert mgmt["mtu"]
    assert mgmt["bandwidth"]
    assert mgmt["ipv6"] == []
    assert facts["ansible_net_all_ipv4_addresses"] == ["192.0.2.10"]
    assert facts["ansible_net_all_ipv6_addresses"] == []
    # No LLDP, no CDP on the router: no neighbours, and the facts module got on with it.
    assert not facts.get("ansible_net_neighbors")
    assert "harddisk:" in " ".join(facts["ansible_net_filesystems"])
    assert int(facts["ansible_net_memtotal_mb"]) == router.chassis.platform.memory_mb
    assert 0 < int(facts["ansible_net_memfree_mb"]) <= router.chassis.platform.memory_mb
    assert set(facts["ansible_net_cpu_utilization"]) == {
        "one_minute",
        "five_minutes",
        "fifteen_minutes",
    }


@TRANSPORTS
def test_iosxr_config_lines_idempotent_backup(
    router: Router, ansible: Ansible, ssh_type: str
) -> None:
    before = running(router)
    commits = len(router.datastore.commits)
    lines = {"parents": ["username alice"], "lines": ["group operator"]}
    # The second run has no backup: Ansible reports a new backup file as a change of its own.
    results = ansible.run(
        [
            {"name": "first", "cisco.iosxr.iosxr_config": {**lines, "backup": True}},
            {"name": "second", "cisco.iosxr.iosxr_config": lines},
        ],
        ansible_network_cli_ssh_type=ssh_type,
    )
    first = ok(results["first"])
    assert first["changed"]
    assert first["commands"] == ["username alice", "group operator"]
    after = running(router)
    assert "username alice\n group operator\n" in after, after
    # One commit, with the comment iosxr_config gives it.
    assert len(router.datastore.commits) == commits + 1
    record = router.datastore.commits[-1]
    assert (record.user, record.comment) == (USER, "configured by iosxr_config")
    # The backup holds the running configuration as it was before the change.
    backup = Path(first["backup_path"])
    assert backup.is_file()
    assert backup.is_relative_to(ansible.root)
    assert _iosxr_text(backup.read_text()) == _iosxr_text(before)
    second = ok(results["second"])
    assert not second["changed"]
    assert "commands" not in second or not second["commands"]
    assert len(router.datastore.commits) == commits + 1
    assert running(router) == after


@TRANSPORTS
def test_cli_config(router: Router, ansible: Ansible, ssh_type: str) -> None:
    commits = len(router.datastore.commits)
    task = {"ansible.netcommon.cli_config": {"config": "domain name ansible.example"}}
    results = ansible.run(
        [{"name": "first", **task}, {"name": "second", **task}],
        ansible_network_cli_ssh_type=ssh_type,
    )
    assert ok(results["first"])["changed"]
    assert "domain name ansible.example" in running(router)
    assert router.domain_name() == "ansible.example"
    assert not ok(results["second"])["changed"]
    assert len(router.datastore.commits) == commits + 1


@TRANSPORTS
def test_iosxr_hostname_and_user(router: Router, ansible: Ansible, ssh_type: str) -> None:
    commits = len(router.datastore.commits)
    hostname = {"cisco.iosxr.iosxr_hostname": {"config": {"hostname": "xr-ansible"}}}
    user = {
        "cisco.iosxr.iosxr_user": {
            "name": "bob",
            "configured_password": "Bob-secret-1",
            "group": "sysadmin",
            "update_password": "on_create",
        }
    }
    results = ansible.run(
        [
            {"name": "hostname", **hostname},
            {"name": "hostname again", **hostname},
            {"name": "user", **user},
            {"name": "user again", **user},
            {"name": "gathered", "cisco.iosxr.iosxr_hostname": {"state": "gathered"}},
        ],
        ansible_network_cli_ssh_type=ssh_type,
    )
    assert ok(results["hostname"])["changed"]
    assert router.hostname() == "xr-ansible"
    assert not ok(results["hostname again"])["changed"]
    assert ok(results["gathered"])["gathered"] == {"hostname": "xr-ansible"}
    assert ok(results["user"])["changed"]
    config = running(router)
    assert "username bob\n" in config, config
    block = config.split("username bob\n", 1)[1].split("!", 1)[0]
    assert " group sysadmin" in block
    assert " secret " in block
    assert "Bob-secret-1" not in config
    assert not ok(results["user again"])["changed"]
    assert len(router.datastore.commits) == commits + 2


@TRANSPORTS
def test_iosxr_logging_global(router: Router, ansible: Ansible, ssh_type: str) -> None:
    """Console logging (``logging console LEVEL | disable``): merged, idempotent, gathered."""
    commits = len(router.datastore.commits)
    console = {
        "cisco.iosxr.iosxr_logging_global": {"config": {"console": {"severity": "critical"}}}
    }
    results = ansible.run(
        [
            {"name": "merged", **console},
            {"name": "merged again", **console},
            {"name": "gathered", "cisco.iosxr.iosxr_logging_global": {"state": "gathered"}},
        ],
        ansible_network_cli_ssh_type=ssh_type,
    )
    merged = ok(results["merged"])
    assert merged["changed"]
    assert merged["commands"] == ["logging console critical"]
    assert "logging console critical" in running(router)
    assert not ok(results["merged again"])["changed"]
    assert ok(results["gathered"])["gathered"] == {"console": {"severity": "critical"}}
    assert len(router.datastore.commits) == commits + 1


def _logging_lines(router: Router) -> list[str]:
    """``show running-config logging`` without its timestamp line."""
    return router.cli("show running-config logging").splitlines()[1:]


def _by_host(hosts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(hosts, key=lambda h: str(h["host"]))


@TRANSPORTS
def test_iosxr_logging_global_hosts_buffered_trap_facility(
    router: Router, ansible: Ansible, ssh_type: str
) -> None:
    """Remote syslog hosts as a user writes them first (the module's defaults ``vrf default``
    and ``port default``; a VRF, a severity, a port), the buffer's size and severity, the trap
    level and the facility: merged, idempotent, gathered; the host Ansible configured on
    127.0.0.1 then receives the router's messages that pass its severity."""
    listener = SyslogListener()
    try:
        commits = len(router.datastore.commits)
        config = {
            "hosts": [
                {"host": "127.0.0.1", "severity": "critical", "port": listener.port},
                {"host": "192.0.2.7"},
                {"host": "192.0.2.8", "vrf": "mgmt", "severity": "error"},
            ],
            "buffered": {"size": 307200, "severity": "warnings"},
            "trap": {"severity": "notifications"},
            "facility": "local3",
        }
        task = {"cisco.iosxr.iosxr_logging_global": {"config": config}}
        results = ansible.run(
            [
                {"name": "merged", **task},
                {"name": "merged again", **task},
                {"name": "gathered", "cisco.iosxr.iosxr_logging_global": {"state": "gathered"}},
            ],
            ansible_network_cli_ssh_type=ssh_type,
        )
        merged = ok(results["merged"])
        assert merged["changed"]
        port = listener.port
        assert sorted(merged["commands"]) == sorted(
            [
                "logging buffered 307200",
                "logging buffered warnings",
                "logging facility local3",
                "logging trap notifications",
                f"logging 127.0.0.1 vrf default severity critical port {port}",
                "logging 192.0.2.7 vrf default port default",
                "logging 192.0.2.8 vrf mgmt severity error port default",
            ]
        )
        assert _logging_lines(router) == [
            f"logging 127.0.0.1 vrf default severity critical port {port}",
            "logging 192.0.2.7 vrf default port default",
            "logging 192.0.2.8 vrf mgmt severity error port default",
            "logging buffered 307200",
            "logging buffered warnings",
            "logging trap notifications",
            "logging facility local3",
        ]
        assert router.notify.logging_config == LoggingConfig(
            hosts=(
                SyslogHost("127.0.0.1", "default", Severity.CRITICAL, port),
                SyslogHost("192.0.2.7", "default", Severity.INFORMATIONAL, 514),
                SyslogHost("192.0.2.8", "mgmt", Severity.ERRORS, 514),
            ),
            buffer_size=307200,
            buffer_level=Severity.WARNINGS,
            trap_level=Severity.NOTIFICATIONS,
            facility="local3",
        )
        again = ok(results["merged again"])
        assert not again["changed"], again
        assert len(router.datastore.commits) == commits + 1
        gathered = ok(results["gathered"])["gathered"]
        assert _by_host(gathered.pop("hosts")) == [
            {"host": "127.0.0.1", "vrf": "default", "severity": "critical", "port": str(port)},
            {"host": "192.0.2.7", "vrf": "default", "port": "default"},
            {"host": "192.0.2.8", "vrf": "mgmt", "severity": "error", "port": "default"},
        ]
        assert gathered == {
            "buffered": {"size": 307200, "severity": "warnings"},
            "trap": {"severity": "notifications"},
            "facility": "local3",
        }
        # The router logs to the host Ansible configured: facility local3, what passes
        # ``severity critical`` only.
        router.log(Message("SYS", "TEST", 3, "ERR", "an error", "tester"))
        router.log(Message("SECURITY", "CEPKI", 1, "CERT_EXPIRING_ALERT", "an alert", "cepki"))
        (datagram,) = listener.receive(1)
        assert datagram.startswith(f"<{19 * 8 + 1}>"), datagram
        assert "%SECURITY-CEPKI-1-CERT_EXPIRING_ALERT : an alert" in datagram
        assert listener.nothing_more()
    finally:
        listener.close()


def test_iosxr_logging_global_replaced_and_deleted(router: Router, ansible: Ansible) -> None:
    """``replaced`` on logging configured at the CLI (a host without a port, as IOS XR stores
    it; the trap level replaced by ``logging trap disable``), then ``deleted``: the removals in
    IOS XR's ``no`` forms. One transport (libssh,
    ``network_cli``'s default when installed): the other tests run both."""
    router.configure(
        [
            "logging 192.0.2.7 severity critical",
            "logging 192.0.2.8 vrf mgmt port 1514",
            "logging buffered 307200",
            "logging trap notifications",
            "logging facility local3",
        ]
    )
    commits = len(router.datastore.commits)
    replace = {
        "state": "replaced",
        "config": {
            "hosts": [{"host": "192.0.2.8", "vrf": "mgmt", "port": "1514"}],
            "buffered": {"severity": "errors"},
            "trap": {"state": "disabled"},
            "facility": "local4",
        },
    }
    results = ansible.run(
        [
            {"name": "replaced", "cisco.iosxr.iosxr_logging_global": replace},
            {"name": "replaced again", "cisco.iosxr.iosxr_logging_global": replace},
            {"name": "deleted", "cisco.iosxr.iosxr_logging_global": {"state": "deleted"}},
            {"name": "gathered", "cisco.iosxr.iosxr_logging_global": {"state": "gathered"}},
        ],
        ansible_network_cli_ssh_type="libssh",
    )
    replaced = ok(results["replaced"])
    assert replaced["changed"]
    # The module reads a host without a port as ``port default`` (its default) and removes it
    # with the words it read.
    assert sorted(replaced["commands"]) == sorted(
        [
            "no logging 192.0.2.7 vrf default severity critical port default",
            "no logging buffered 307200",
            "no logging trap notifications",
            "logging buffered errors",
            "logging trap disable",
            "logging facility local4",
        ]
    )
    assert replaced["after"] == {
        "hosts": [{"host": "192.0.2.8", "vrf": "mgmt", "port": "1514"}],
        "buffered": {"severity": "errors"},
        "trap": {"state": "disabled"},
        "facility": "local4",
    }
    assert not ok(results["replaced again"])["changed"]
    deleted = ok(results["deleted"])
    assert deleted["changed"]
    assert sorted(deleted["commands"]) == sorted(
        [
            "no logging 192.0.2.8 vrf mgmt port 1514",
            "no logging buffered errors",
            "no logging trap disable",
            "no logging facility local4",
        ]
    )
    assert _logging_lines(router) == ["% No such configuration item(s)"]
    assert router.notify.logging_config == LoggingConfig()
    assert ok(results["gathered"])["gathered"] == {}
    assert len(router.datastore.commits) == commits + 2


def _snmp_lines(router: Router) -> list[str]:
    return router.cli("show running-config snmp-server").splitlines()[1:]


@TRANSPORTS
def test_iosxr_snmp_server(
    router: Router,
    ansible: Ansible,
    ssh_type: str,
    tmp_path: Path,
    require_tool: Callable[[str], str],
) -> None:
    """Communities, a v2c trap host with its UDP port, and one in ``snmp-server vrf mgmt``:
    merged, idempotent, gathered. The module has no ``traps pki`` key (nor any
    key for a PKI trap): ``snmp-server traps pki`` is configured at the CLI, the module leaves
    it alone, and snmptrapd receives the PKI trap sent to the host Ansible configured."""
    require_tool("snmptrapd")
    trapd = SnmpTrapd.start(tmp_path / "trapd", community="xrsim-traps")
    try:
        router.configure(["snmp-server traps pki"])
        commits = len(router.datastore.commits)
        config = {
            "communities": [
                {"name": "xrsim-traps", "ro": True},
                {"name": "xrsim-rw", "rw": True},
            ],
            "hosts": [
                {
                    "host": "127.0.0.1",
                    "traps": True,
                    "version": "2c",
                    "community": "xrsim-traps",
                    "udp_port": trapd.port,
                }
            ],
            "vrfs": [
                {
                    "vrf": "mgmt",
                    "hosts": [
                        {
                            "host": "192.0.2.9",
                            "traps": True,
                            "version": "2c",
                            "community": "xrsim-traps",
                        }
                    ],
                }
            ],
        }
        task = {"cisco.iosxr.iosxr_snmp_server": {"config": config}}
        results = ansible.run(
            [
                {"name": "merged", **task},
                {"name": "merged again", **task},
                {"name": "gathered", "cisco.iosxr.iosxr_snmp_server": {"state": "gathered"}},
            ],
            ansible_network_cli_ssh_type=ssh_type,
        )
        merged = ok(results["merged"])
        assert merged["changed"]
        host = f"snmp-server host 127.0.0.1 traps version 2c xrsim-traps udp-port {trapd.port}"
        assert merged["commands"] == [
            "snmp-server community xrsim-traps RO",
            "snmp-server community xrsim-rw RW",
            host,
            "snmp-server vrf mgmt",
            "host 192.0.2.9 traps version 2c xrsim-traps",
        ]
        assert _snmp_lines(router) == [
            "snmp-server community xrsim-rw RW",
            "snmp-server community xrsim-traps RO",
            host,
            "snmp-server traps pki",
            "snmp-server vrf mgmt",
            " host 192.0.2.9 traps version 2c xrsim-traps",
            "!",
        ]
        snmp_config = router.notify.snmp_config
        assert snmp_config.communities == {"xrsim-traps": "RO", "xrsim-rw": "RW"}
        assert set(snmp_config.hosts) == {
            TrapHost("127.0.0.1", "xrsim-traps", trapd.port),
            TrapHost("192.0.2.9", "xrsim-traps", 162, "mgmt"),
        }
        again = ok(results["merged again"])
        assert not again["changed"], again
        assert len(router.datastore.commits) == commits + 1
        gathered = ok(results["gathered"])["gathered"]
        assert gathered == {
            "communities": [{"name": "xrsim-rw", "rw": True}, {"name": "xrsim-traps", "ro": True}],
            "hosts": [
                {
                    "host": "127.0.0.1",
                    "traps": True,
                    "version": "2c",
                    "community": "xrsim-traps",
                    "udp_port": trapd.port,
                }
            ],
            "vrfs": config["vrfs"],
        }
        # The host Ansible configured receives the router's PKI trap.
        assert router.notify.trap("pki", PKI_EXPIRY_TRAP, []) >= 1
        (trap,) = trapd.traps(1)
        assert trap.community == "xrsim-traps"
        assert trap.varbinds["1.3.6.1.6.3.1.1.4.1.0"] == ("OID", "." + PKI_EXPIRY_TRAP)
    finally:
        trapd.stop()


def test_iosxr_snmp_server_overridden_and_deleted(router: Router, ansible: Ansible) -> None:
    """``overridden`` on SNMP configured at the CLI, then ``deleted``: IOS XR's ``no`` forms
    (``no snmp-server vrf NAME`` for a VRF); ``snmp-server traps pki``, which the module has no
    key for, stays. One transport (libssh): ``test_iosxr_snmp_server`` runs both."""
    router.configure(
        [
            "snmp-server community old RO",
            "snmp-server community kept RW",
            "snmp-server host 192.0.2.9 traps version 2c old udp-port 1162",
            "snmp-server vrf mgmt",
            " host 192.0.2.10 traps version 2c old",
            "exit",
            "snmp-server traps pki",
        ]
    )
    commits = len(router.datastore.commits)
    override = {
        "state": "overridden",
        "config": {
            "communities": [{"name": "kept", "rw": True}, {"name": "new", "ro": True}],
            "hosts": [{"host": "192.0.2.11", "traps": True, "version": "2c", "community": "new"}],
        },
    }
    results = ansible.run(
        [
            {"name": "overridden", "cisco.iosxr.iosxr_snmp_server": override},
            {"name": "overridden again", "cisco.iosxr.iosxr_snmp_server": override},
            {"name": "deleted", "cisco.iosxr.iosxr_snmp_server": {"state": "deleted"}},
        ],
        ansible_network_cli_ssh_type="libssh",
    )
    overridden = ok(results["overridden"])
    assert overridden["changed"]
    assert sorted(overridden["commands"]) == sorted(
        [
            "no snmp-server community old RO",
            "no snmp-server host 192.0.2.9 traps version 2c old udp-port 1162",
            "no snmp-server vrf mgmt",
            "snmp-server community new RO",
            "snmp-server host 192.0.2.11 traps version 2c new",
        ]
    )
    assert overridden["after"] == override["config"]
    assert not ok(results["overridden again"])["changed"]
    deleted = ok(results["deleted"])
    assert deleted["changed"]
    assert sorted(deleted["commands"]) == sorted(
        [
            "no snmp-server community kept RW",
            "no snmp-server community new RO",
            "no snmp-server host 192.0.2.11 traps version 2c new",
        ]
    )
    assert _snmp_lines(router) == ["snmp-server traps pki"]
    snmp_config = router.notify.snmp_config
    assert (snmp_config.communities, snmp_config.hosts) == ({}, ())
    assert snmp_config.traps == frozenset({"pki"})
    assert len(router.datastore.commits) == commits + 2


# -- netconf ---------------------------------------------------------------------------------


def _hostname_config(name: str) -> str:
    return (
        '<config xmlns:xc="urn:ietf:params:xml:ns:netconf:base:1.0">'
        f'<host-names xmlns="{HOST_NS}"><host-name>{name}</host-name></host-names>'
        "</config>"
    )


def _unprefixed(value: Any) -> Any:
    """JSON from XML (jxmlease) with the namespace prefixes of its keys taken off
    (``nc:data`` -> ``data``)."""
    if isinstance(value, dict):
        return {k.rpartition(":")[2]: _unprefixed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unprefixed(v) for v in value]
    return value


def _rpc_tasks(name: str, args: dict[str, Any]) -> list[dict[str, Any]]:
    """A netconf_rpc task (no_log, registered) and a debug task named ``NAME reply`` that
    shows its reply as text."""
    var = "reply_" + name.replace(" ", "_")
    return [
        {
            "name": name,
            "ansible.netcommon.netconf_rpc": args,
            "register": var,
            "no_log": True,
            "ignore_errors": True,
        },
        {
            "name": f"{name} reply",
            "ansible.builtin.debug": {
                "msg": {
                    "failed": f"{{{{ {var}.failed }}}}",
                    "stdout": f"{{{{ {var}.stdout | default('') | string }}}}",
                    "output": f"{{{{ {var}.output | default(None) }}}}",
                    "error": f"{{{{ {var}.msg | default('') | string }}}}",
                }
            },
        },
    ]


def test_netconf_get_config_rpc(router: Router, ansible: Ansible) -> None:
    commits = len(router.datastore.commits)
    results = ansible.run(
        [
            {"name": "get", "ansible.netcommon.netconf_get": {}},
            {
                "name": "get running json",
                "ansible.netcommon.netconf_get": {
                    "source": "running",
                    "display": "json",
                    "filter": f'<host-names xmlns="{HOST_NS}"></host-names>',
                },
            },
            {
                "name": "config",
                "ansible.netcommon.netconf_config": {"content": _hostname_config("xr-nc")},
            },
            {
                "name": "config again",
                "ansible.netcommon.netconf_config": {"content": _hostname_config("xr-nc")},
            },
            # netconf_rpc returns its reply as bytes, which Ansible 2.19's JSON callback
            # cannot write (the whole report is lost): each rpc task is no_log and a debug
            # task shows its reply as text. As the docs show them: lock, discard-changes and
            # get with no namespace, unlock naming the base namespace.
            *_rpc_tasks(
                "lock",
                {
                    "rpc": "lock",
                    "content": {"target": {"candidate": None}},
                },
            ),
            *_rpc_tasks(
                "unlock",
                {
                    "rpc": "unlock",
                    "xmlns": BASE_NS,
                    "content": "{'target': {'candidate': None}}",
                },
            ),
            *_rpc_tasks("discard", {"rpc": "discard-changes"}),
            *_rpc_tasks(
                "rpc get json",
                {
                    "rpc": "get",
                    "content": f'<filter><host-names xmlns="{HOST_NS}"/></filter>',
                    "display": "json",
                },
            ),
        ],
        ansible_connection=NETCONF,
    )
    got = ok(results["get"])
    assert "<host-name>router</host-name>" in got["stdout"]
    assert router.chassis.serial in got["stdout"]
    data = _unprefixed(ok(results["get running json"])["output"])["data"]
    assert data["host-names"]["host-name"] == "router"
    assert ok(results["config"])["changed"]
    assert router.hostname() == "xr-nc"
    assert "hostname xr-nc" in running(router)
    assert not ok(results["config again"])["changed"]
    assert len(router.datastore.commits) == commits + 1
    for name in ("lock", "unlock", "discard", "rpc get json"):
        reply = ok(results[f"{name} reply"])["msg"]
        assert not reply["failed"], reply
        ok(results[name])
    for name in ("lock", "unlock", "discard"):
        stdout = results[f"{name} reply"]["msg"]["stdout"]
        assert ":ok/>" in stdout or "<ok/>" in stdout, stdout
    rpc_get = _unprefixed(results["rpc get json reply"]["msg"]["output"])
    assert rpc_get["rpc-reply"]["data"]["host-names"]["host-name"] == "xr-nc"

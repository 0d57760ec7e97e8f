"""NAPALM's ``iosxr_netconf`` driver with its default settings (``config_encoding="cli"``, no
lock on connect), against a router served by ``SshServer`` with NETCONF enabled.

NAPALM lives in ``.venv-napalm`` (``make napalm-venv``, requirements/napalm.lock;
``XRSIM_NAPALM_PYTHON`` names another Python): each test runs napalm_driver.py with that
Python, one scenario of NAPALM calls (open, getters with ``get_snmp_information``,
``load_merge_candidate``, ``load_replace_candidate`` with ``config=`` and ``filename=``,
``compare_config``, ``commit_config``, ``discard_config``, ``rollback``, close), and checks
what the router did on the router itself (running configuration, commit records), not only
what NAPALM returned.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tool_venv import ROOT, Driver, tool_python
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

DRIVER = Path(__file__).with_name("napalm_driver.py")
PYTHON = os.environ.get("XRSIM_NAPALM_PYTHON", str(ROOT / ".venv-napalm" / "bin" / "python"))
PROBE = "import napalm.iosxr_netconf, nornir_napalm, nornir_netmiko, nornir_scrapli"
USER, PASSWORD = "admin", "admin"


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="router")
    r.configure(["netconf-yang agent", " ssh", "username alice", " group operator"])
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router, users={USER: PASSWORD, "alice": "alice"}).start()
    yield s
    s.stop()


@pytest.fixture
def napalm(server: SshServer, tmp_path: Path) -> Iterator[Callable[..., Driver]]:
    """``napalm(scenario, *extra)`` starts the driver on one scenario."""
    drivers: list[Driver] = []

    def start(scenario: str, *extra: str) -> Driver:
        python = tool_python(PYTHON, PROBE, "napalm-venv")
        command = [python, str(DRIVER), "127.0.0.1", str(server.port), USER, PASSWORD, scenario]
        driver = Driver([*command, *extra], tmp_path / f"{scenario}.stderr")
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.stop()


def running(router: Router) -> str:
    """The running configuration without its timestamp line."""
    return router.cli("show running-config").split("\n", 1)[1]


def test_getters(router: Router, napalm: Callable[..., Driver]) -> None:
    router.configure(
        [
            "snmp-server community public RO",
            "snmp-server community private RW",
            "snmp-server community plain",
            "snmp-server contact NOC team, +1 555 0100",
            "snmp-server location Building 4, rack 12",
            "snmp-server chassis-id router-chassis",
            "snmp-server host 10.0.0.9 traps version 2c public",
        ]
    )
    steps = napalm("getters").finish()
    facts = steps["facts"]["result"]
    chassis = router.chassis
    assert facts["vendor"] == "Cisco"
    assert facts["hostname"] == facts["fqdn"] == "router"
    assert facts["model"] == chassis.platform.pid
    assert facts["serial_number"] == chassis.serial
    assert facts["os_version"] == str(chassis.release)
    assert 0 <= facts["uptime"] <= chassis.uptime().total_seconds()
    assert "MgmtEth0/RP0/CPU0/0" in facts["interface_list"]

    config = steps["config"]["result"]
    assert config["startup"] == ""
    text = config["running"]
    assert text.startswith(f"!! IOS XR Configuration {chassis.release}")
    assert text.endswith("end")
    # The same lines as show running-config, from its "!!" line on.
    assert text == running(router).split("\n", 1)[1].strip()
    assert "hostname router" in config["candidate"]
    assert steps["config-running"]["result"]["candidate"] == ""
    assert steps["config-candidate"]["result"]["running"] == ""

    users = steps["users"]["result"]
    assert users["alice"] == {"level": 5, "password": "", "sshkeys": []}

    interfaces = steps["interfaces"]["result"]
    mgmt = interfaces["MgmtEth0/RP0/CPU0/0"]
    assert mgmt["is_enabled"] is True
    assert mgmt["mac_address"]
    assert isinstance(mgmt["mtu"], int)
    assert set(interfaces) == set(facts["interface_list"])

    # Cisco-IOS-XR-snmp-agent-cfg's system and administration: what the CLI configured. A
    # community typed without RO/RW has no priviledge leaf, so NAPALM's mode for it is "".
    assert steps["snmp"]["result"] == {
        "chassis_id": "router-chassis",
        "contact": "NOC team, +1 555 0100",
        "location": "Building 4, rack 12",
        "community": {
            "plain": {"acl": "", "mode": ""},
            "private": {"acl": "", "mode": "rw"},
            "public": {"acl": "", "mode": "ro"},
        },
    }


def test_merge_compare_commit_rollback(router: Router, napalm: Callable[..., Driver]) -> None:
    before = running(router)
    commits = len(router.datastore.commits)
    driver = napalm("merge")
    steps = driver.until("checkpoint")
    assert steps["load"]["result"] is None
    assert "hostname napalm-merged" in steps["candidate"]["result"]
    diff = steps["compare"]["result"]
    assert "hostname napalm-merged" in diff
    assert "domain name napalm.example" in diff
    assert "hostname router" in diff  # the line that goes
    # Loaded, not committed: the router is as it was.
    assert running(router) == before
    assert len(router.datastore.commits) == commits

    driver.go_on()
    steps = driver.until("checkpoint-committed")
    assert steps["compare-after"]["result"] == ""
    assert steps["facts"]["result"]["hostname"] == "napalm-merged"
    after = running(router)
    assert "hostname napalm-merged" in after
    assert "domain name napalm.example" in after
    assert len(router.datastore.commits) == commits + 1
    last = router.datastore.commits[-1]
    assert (last.user, last.line, last.client) == (USER, "netconf", "netconf")

    driver.go_on()
    steps = driver.finish()
    assert steps["facts-after-rollback"]["result"]["hostname"] == "router"
    assert running(router).split("\n", 3)[3] == before.split("\n", 3)[3]  # after the "!!"s
    assert len(router.datastore.commits) == commits + 2
    assert router.datastore.commits[-1].client == "netconf"


def test_replace_with_config(router: Router, napalm: Callable[..., Driver]) -> None:
    router.configure(["domain name gone.example"])
    commits = len(router.datastore.commits)
    driver = napalm("replace")
    steps = driver.until("checkpoint")
    diff = steps["compare"]["result"]
    assert "hostname napalm-replaced" in diff
    assert "domain name gone.example" in diff  # removed by the replace
    assert "username alice" not in diff  # kept as it was: no change
    assert "domain name gone.example" in running(router)

    driver.go_on()
    steps = driver.finish()
    after = running(router)
    assert "hostname napalm-replaced" in after
    assert "domain name" not in after
    assert "username alice\n group operator" in after
    assert "netconf-yang agent" in after
    assert steps["running-after"]["result"] == after.split("\n", 1)[1].strip()
    assert len(router.datastore.commits) == commits + 1


def test_replace_from_file_and_merge_from_file_discarded(
    router: Router, napalm: Callable[..., Driver], tmp_path: Path
) -> None:
    # A configuration saved from the router, edited, loaded back by filename.
    saved = running(router).split("\n", 1)[1].replace("hostname router", "hostname from-file")
    replace_file = tmp_path / "replace.cfg"
    replace_file.write_text(saved)
    steps = napalm("replace-file", "--file", str(replace_file)).finish()
    assert "hostname from-file" in steps["compare"]["result"]
    assert "hostname from-file" in running(router)
    assert "hostname router" not in running(router)

    merge_file = tmp_path / "merge.cfg"
    merge_file.write_text("domain name discarded.example\n")
    before = running(router)
    commits = len(router.datastore.commits)
    driver = napalm("merge-file-discard", "--file", str(merge_file))
    steps = driver.until("checkpoint")
    assert "domain name discarded.example" in steps["compare"]["result"]
    driver.go_on()
    steps = driver.finish()
    assert steps["compare-after"]["result"] == ""
    assert "discarded.example" not in steps["candidate"]["result"]
    assert running(router) == before
    assert len(router.datastore.commits) == commits


def test_a_line_the_cli_refuses_fails_the_load(
    router: Router, napalm: Callable[..., Driver]
) -> None:
    before = running(router)
    steps = napalm("bad").finish()
    load = steps["load-bad"]
    assert load["raised"] == "MergeConfigException"
    assert "this is bogus" in load["message"]
    assert "% Invalid input detected at '^' marker." in load["message"]
    # rollback-on-error: nothing of the load stayed in the candidate.
    assert "hostname ok" not in steps["candidate"]["result"]
    assert running(router) == before

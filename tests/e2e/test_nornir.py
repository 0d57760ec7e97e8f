"""Nornir with nornir-napalm, nornir-netmiko and nornir-scrapli, each with its defaults,
against a router served by ``SshServer`` (SSH and NETCONF on one port, NETCONF enabled).

The test writes a SimpleInventory (hosts.yaml with the platform ``iosxr`` and per-plugin
``connection_options``: ``napalm`` platform ``iosxr_netconf``, ``netmiko`` ``cisco_xr``,
``scrapli`` ``cisco_iosxr``), then runs nornir_driver.py with the Python of ``.venv-napalm``
(``make napalm-venv``; nornir-scrapli needs the classic scrapli 2026.2, which lives there, not
in ``.venv-scrapli``). What the tasks did is checked on the router too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tool_venv import ROOT, Driver, tool_python
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

DRIVER = Path(__file__).with_name("nornir_driver.py")
PYTHON = os.environ.get("XRSIM_NAPALM_PYTHON", str(ROOT / ".venv-napalm" / "bin" / "python"))
PROBE = "import nornir, nornir_napalm, nornir_netmiko, nornir_scrapli"
USER, PASSWORD = "admin", "admin"


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="xr1")
    r.configure(["netconf-yang agent", " ssh", "username alice", " group operator"])
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router, users={USER: PASSWORD}).start()
    yield s
    s.stop()


def _inventory(directory: Path, port: int) -> Path:
    directory.mkdir()
    hosts = {
        "xr1": {
            "hostname": "127.0.0.1",
            "port": port,
            "platform": "iosxr",
            "groups": ["xr"],
            "connection_options": {
                "napalm": {
                    "platform": "iosxr_netconf",
                    "extras": {"optional_args": {"port": port}},
                },
                "netmiko": {"platform": "cisco_xr"},
                "scrapli": {"platform": "cisco_iosxr", "extras": {"auth_strict_key": False}},
            },
        }
    }
    groups = {"xr": {"data": {"site": "lab"}}}
    defaults = {"username": USER, "password": PASSWORD}
    for name, data in (("hosts", hosts), ("groups", groups), ("defaults", defaults)):
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(data))
    return directory


def test_nornir_napalm_netmiko_scrapli(router: Router, server: SshServer, tmp_path: Path) -> None:
    python = tool_python(PYTHON, PROBE, "napalm-venv")
    inventory = _inventory(tmp_path / "inventory", server.port)
    driver = Driver([python, str(DRIVER), str(inventory)], tmp_path / "stderr.txt")
    try:
        steps = driver.finish(timeout=100)
    finally:
        driver.stop()

    napalm = steps["napalm-get"]
    assert not napalm["failed"], driver.context()
    facts = napalm["result"]["facts"]
    assert facts["hostname"] == "xr1"
    assert facts["serial_number"] == router.chassis.serial
    assert napalm["result"]["users"]["alice"]["level"] == 5
    assert "hostname xr1" in napalm["result"]["config"]["running"]

    version = steps["netmiko-show-version"]
    assert not version["failed"]
    assert f"Cisco IOS XR Software, Version {router.chassis.release}" in version["result"]

    config = steps["netmiko-config"]
    assert not config["failed"], driver.context()
    assert "domain name nornir.example" in config["result"]
    assert not steps["netmiko-commit"]["failed"], driver.context()
    assert "domain name nornir.example" in router.cli("show running-config")
    last = router.datastore.commits[-1]
    assert (last.user, last.client) == (USER, "CLI")

    scrapli = steps["scrapli-show"]
    assert not scrapli["failed"], driver.context()
    assert "domain name nornir.example" in scrapli["result"]

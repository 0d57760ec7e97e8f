"""``netconf-yang agent`` / ``ssh`` configuration (submode prompt, running configuration,
removal, task authorization) and ``show netconf-yang clients`` fed by the router's session
table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.cli.commands.netconf import NetconfClient
from xrsim.cli.session import NOT_AUTHORIZED
from xrsim.router import Router

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(state_dir=tmp_path / "r1", hostname="r1")
    yield r
    r.shutdown()


def test_agent_submode_and_running_config(router: Router) -> None:
    s = router.session()
    s.handle_line("configure")
    assert s.handle_line("netconf-yang agent") == ""
    assert s.prompt == "RP/0/RP0/CPU0:r1(config-ncy-agent)#"
    assert s.handle_line("ssh") == ""
    assert "Uncommitted" not in s.handle_line("commit")
    s.handle_line("end")
    shown = router.cli("show running-config")
    assert "netconf-yang agent\n ssh\n!\n" in shown
    # after the SSH server items, as the family order puts it
    assert shown.index("ssh server v2") < shown.index("netconf-yang agent")
    router.configure(["no netconf-yang agent"])
    assert "netconf-yang" not in router.cli("show running-config")
    s.close()


def test_task_ids_declared(router: Router) -> None:
    tasks = {(c.mode, c.syntax): c.tasks for c in router.registry.commands}
    write = (("write", "config-services"),)
    assert tasks[("config", "netconf-yang agent")] == write
    assert tasks[("config", "no netconf-yang agent")] == write
    assert tasks[("config-ncy-agent", "ssh")] == write
    assert tasks[("exec", "show netconf-yang clients")] == (("read", "config-services"),)


def test_show_clients_refused_without_read(router: Router) -> None:
    router.configure(
        [
            "taskgroup ops",
            "task read crypto",
            "usergroup opsg",
            "taskgroup ops",
            "username op",
            "group opsg",
        ]
    )
    s = router.session(user="op")
    assert s.handle_line("show netconf-yang clients") == NOT_AUTHORIZED + "\n"
    s.close()


def test_show_clients_from_the_session_table(router: Router) -> None:
    now = router.clock.now()
    rows = [
        NetconfClient(12, "1.1", now - dt.timedelta(seconds=3725), now, "get-config", False),
        NetconfClient(3, "1.0", now, None, None, True),
    ]
    table = router.session_table
    for row in rows:
        table.add_netconf(row, close=lambda: None)
    try:
        out = router.cli("show netconf-yang clients").splitlines()
    finally:
        for row in rows:
            table.remove_netconf(row)
    assert out[1:3] == [
        "Netconf clients",
        "client session ID|     NC version|    client connect time|        last OP time|"
        "        last OP type|    <lock>|",
    ]
    assert out[3] == (
        f"{3:>17}|{'1.0':>15}|{'0d  0h  0m  0s':>23}|{'N/A':>20}|{'N/A':>20}|{'Yes':>10}|"
    )
    assert out[4] == (
        f"{12:>17}|{'1.1':>15}|{'0d  1h  2m  5s':>23}|{now.strftime('%H:%M:%S'):>20}|"
        f"{'get-config':>20}|{'No':>10}|"
    )
    assert len(router.cli("show netconf-yang clients").splitlines()) == 3

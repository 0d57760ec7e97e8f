"""``show users``, ``show configuration lock``, ``show ztp log``, ``show processes cpu``,
``show memory summary`` (``xrsim.cli.commands.system``), ``show install active [summary]``,
and the logging and line items Unicon sends at connect (``xrsim.cli.commands.logging``),
through a booted router. Expected values come from the router's state and this process."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.cli.commands.logging import console_level
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot("ASR-9006", tmp_path / "state", hostname="router")
    yield r
    r.shutdown()


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def test_configuration_lock_shows_the_exclusive_session_and_nothing_without_one(
    router: Router,
) -> None:
    assert body(router.cli("show configuration lock")) == []
    s = router.session()
    s.handle_line("configure exclusive")
    rows = body(router.cli("show configuration lock"))
    assert rows[2].split()[:2] == ["Exclusive", str(s.id)]
    s.handle_line("end")
    assert body(router.cli("show configuration lock")) == []


def test_ztp_log_ends_successfully_at_the_active_rp_boot(router: Router) -> None:
    lines = body(router.cli("show ztp log"))
    booted = router.chassis.node_booted_at(router.chassis.active_rp.name)
    assert lines[-1].endswith("Exiting SUCCESSFULLY")
    assert all(ln.startswith(f"{booted:%Y-%m-%d %H:%M:%S},") for ln in lines)
    assert all(f"{{{os.getpid()} : MainThread}}" in ln for ln in lines)


def test_processes_cpu_lists_this_process_threads(router: Router) -> None:
    lines = body(router.cli("show processes cpu"))
    m = re.fullmatch(
        r"CPU utilization for one minute: (\d+)%; five minutes: (\d+)%; fifteen minutes: (\d+)%",
        lines[1],
    )
    assert m is not None
    assert len(set(m.groups())) == 1
    rows = {int(ln.split()[0]): ln.split()[-1] for ln in lines[4:]}
    threads = {int(p.name) for p in Path("/proc/self/task").iterdir()}
    assert os.getpid() in rows
    assert set(rows) & threads  # a thread may end between the two reads, not all of them


def test_memory_summary_is_the_profile_memory_less_this_process(router: Router) -> None:
    lines = body(router.cli("show memory summary"))
    assert lines[0].startswith("Node 0/RSP0/CPU0, ")
    m = re.fullmatch(r"Physical Memory: (\d+)M total \((\d+)M available\)", lines[1])
    assert m is not None
    assert int(m.group(1)) == router.chassis.platform.memory_mb == 16384
    rss_mb = next(
        int(ln.split()[1]) // 1024
        for ln in Path("/proc/self/status").read_text().splitlines()
        if ln.startswith("VmRSS:")
    )
    assert abs(int(m.group(1)) - int(m.group(2)) - rss_mb) <= 64


def test_install_active_lists_the_release_packages_on_every_xr_node(router: Router) -> None:
    summary = body(router.cli("show install active summary"))
    assert summary[0] == "Label : 7.3.1"
    assert summary[2].strip() == "Active Packages: 7"
    assert summary[3].strip() == "asr9k-xr-7.3.1 version=7.3.1 [Boot image]"
    assert summary[4].strip() == "asr9k-mpls-2.0.0.0-r731"
    nodes = [ln for ln in body(router.cli("show install active")) if ln.startswith("Node ")]
    assert nodes == [
        "Node 0/RSP0/CPU0 [RP]",
        "Node 0/RSP1/CPU0 [RP]",
        "Node 0/0/CPU0 [LC]",
        "Node 0/1/CPU0 [LC]",
    ]


def test_users_marks_this_console_session(router: Router) -> None:
    s = router.session()
    lines = body(s.handle_line("show users"))
    assert lines[0].split() == ["Line", "User", "Service", "Conns", "Idle", "Location"]
    assert lines[1].split() == ["*", "con0/RP0/CPU0", "admin", "hardware", "0", "00:00:00"]


def test_unicon_connect_configuration_is_accepted_stored_and_shown(router: Router) -> None:
    router.configure(
        [
            "no logging console",
            "logging console disable",
            "line console",
            "exec-timeout 0 0",
            "absolute-timeout 0",
            "session-timeout 0",
            "line default",
            "exec-timeout 0 0",
            "absolute-timeout 0",
            "session-timeout 0",
        ]
    )
    running = router.datastore.running
    assert console_level(running) is None
    text = body(router.cli("show running-config"))
    assert "logging console disable" in text
    assert text.count(" absolute-timeout 0") == 2
    router.configure(["logging console warn"])
    assert console_level(router.datastore.running) == "warnings"
    assert body(router.cli("show running-config logging")) == ["logging console warnings"]
    router.configure(["no logging console"])
    assert console_level(router.datastore.running) == "informational"

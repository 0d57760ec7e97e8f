"""The chassis commands through a booted router: ``show version``, ``show platform``,
``show inventory``, ``show license udi``, ``reload`` (and ``location``) with the reboot history,
``redundancy switchover`` and ``show redundancy``, and the RP state every route processor holds.

Expected values come from the platform catalog (the profile is the oracle for what each row
must say) and from the seed (the NCS-55A1-24H rows and the UDI of its dossier example).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from xrsim import platforms
from xrsim.cli.session import CliSession
from xrsim.clock import SimClock
from xrsim.errors import UnansweredPrompt
from xrsim.platforms import Platform
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
PIDS = sorted(platforms.catalog())
START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
RELOAD_QUESTION = "Proceed with reload? [confirm]"
HISTORY_HEADER = "No  Time                          Reason"

Boot = Callable[..., Router]


@pytest.fixture
def boot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Boot]:
    """``boot("ASR-9006", name="a", ...)``: a router with its state in ``tmp_path/name`` and a
    frozen simulated clock (time moves only with ``router.advance``)."""
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    routers: list[Router] = []

    def start(platform: str | None = None, *, name: str = "state", **kwargs: Any) -> Router:
        kwargs.setdefault("clock", SimClock(START, frozen=True))
        r = Router.boot(platform, tmp_path / name, **kwargs)
        routers.append(r)
        return r

    yield start
    for r in routers:
        r.shutdown()


def body(text: str) -> list[str]:
    """Output lines without the timestamp line."""
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def run(s: CliSession, *lines: str) -> str:
    return "".join(s.handle_line(ln) for ln in lines)


def columns(lines: list[str]) -> list[tuple[str, str, str, str]]:
    """The rows of ``show platform`` cut at the header's column starts."""
    header = lines[0]
    starts = [header.index(h) for h in ("Node", "Type", "State", "Config state")]
    assert starts[0] == 0
    assert set(lines[1]) == {"-"}
    rows = []
    for ln in lines[2:]:
        cells = [ln[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


def expected_platform_rows(p: Platform) -> list[tuple[str, str, str, str]]:
    states = {
        "rp": ("IOS XR RUN", "NSHUT"),
        "lc": ("IOS XR RUN", "NSHUT"),
        "npu": ("UP", ""),
        "fan": ("OPERATIONAL", "NSHUT"),
        "power": ("OPERATIONAL", "NSHUT"),
    }
    rows = []
    for n in p.nodes:
        kind = n.card_type
        if n.kind == "rp":
            kind += "(Active)" if n.name == p.prompt_rp else "(Standby)"
        rows.append((n.name, kind, *states[n.kind]))
    return rows


def inventory(text: str) -> list[dict[str, str]]:
    """``show inventory`` as items: NAME, DESCR, PID, VID, SN."""
    lines = body(text)
    items = []
    for i, ln in enumerate(lines):
        m = re.fullmatch(r'NAME: "([^"]*)", DESCR: "([^"]*)"', ln)
        if m is None:
            continue
        ids = re.fullmatch(r"PID: (\S+)\s*, VID: (\S+), SN: (\S+)", lines[i + 1])
        assert ids is not None, lines[i + 1]
        items.append(
            {
                "NAME": m.group(1),
                "DESCR": m.group(2),
                "PID": ids.group(1),
                "VID": ids.group(2),
                "SN": ids.group(3),
            }
        )
    return items


# --------------------------------------------------------------------------------------------
# show version
# --------------------------------------------------------------------------------------------


def test_show_version_release_from_the_profile(boot: Boot) -> None:
    r = boot()
    r.advance(8 * 3600 + 7 * 60 + 30)
    out = body(r.cli("show version"))
    assert out[0] == "Cisco IOS XR Software, Version 7.3.1"
    assert out[out.index("Build Information:") + 1].startswith(" Built By")
    assert " Version      : 7.3.1" in out
    assert " Label        : 7.3.1" in out
    assert "cisco NCS-5500 () processor" in out
    assert "System uptime is 8 hours 7 minutes" in out  # the seed's dossier line
    # What scrapli reads to detect the platform.
    assert body(r.cli("show version | i Version")) == [
        "Cisco IOS XR Software, Version 7.3.1",
        " Version      : 7.3.1",
    ]


def test_show_version_release_override_is_kept(boot: Boot) -> None:
    r = boot(release_version="7.0.1")
    out = body(r.cli("show version"))
    assert out[0] == "Cisco IOS XR Software, Version 7.0.1"
    assert " Label        : 7.0.1" in out
    assert "!! IOS XR Configuration 7.0.1" in body(r.cli("show running-config"))
    r.shutdown()
    again = boot(name="state")  # same state, no override: the stored release
    assert body(again.cli("show version"))[0] == "Cisco IOS XR Software, Version 7.0.1"


@pytest.mark.parametrize("pid", PIDS)
def test_show_version_names_the_platform(boot: Boot, pid: str) -> None:
    p = platforms.load(pid)
    out = body(boot(pid).cli("show version"))
    assert out[0] == f"Cisco IOS XR Software, Version {p.release}"
    assert f"cisco {p.version_model} () processor" in out


# --------------------------------------------------------------------------------------------
# show platform, show inventory, show license udi
# --------------------------------------------------------------------------------------------


def test_show_platform_ncs55a1_as_in_the_seed(boot: Boot) -> None:
    lines = body(boot().cli("show platform"))
    assert columns(lines) == [
        ("0/RP0/CPU0", "NCS-55A1-24H(Active)", "IOS XR RUN", "NSHUT"),
        ("0/RP0/NPU0", "Slice", "UP", ""),
        ("0/RP0/NPU1", "Slice", "UP", ""),
        ("0/FT0", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"),
        ("0/FT1", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"),
        ("0/FT2", "NC55-A1-FAN-RV", "OPERATIONAL", "NSHUT"),
        ("0/PM0", "NC55-1100W-ACRV", "OPERATIONAL", "NSHUT"),
        ("0/PM1", "NC55-1100W-ACRV", "OPERATIONAL", "NSHUT"),
    ]


@pytest.mark.parametrize("pid", PIDS)
def test_show_platform_has_a_row_per_node(boot: Boot, pid: str) -> None:
    p = platforms.load(pid)
    lines = body(boot(pid).cli("show platform"))
    assert lines[0].split() == ["Node", "Type", "State", "Config", "state"]
    assert columns(lines) == expected_platform_rows(p)


@pytest.mark.parametrize("pid", PIDS)
def test_show_inventory_and_license_udi(boot: Boot, pid: str) -> None:
    p = platforms.load(pid)
    r = boot(pid)
    items = inventory(r.cli("show inventory"))
    boards = [n for n in p.nodes if n.kind != "npu"]  # NPUs are not inventory items
    assert [i["NAME"] for i in items] == [*(n.name for n in boards), "Rack 0"]
    assert [i["PID"] for i in items] == [*(n.pid for n in boards), p.pid]
    assert [i["DESCR"] for i in items] == [*(n.description for n in boards), p.description]
    assert [i["VID"] for i in items] == [*(n.vid for n in boards), p.vid]
    rack = items[-1]
    assert rack["SN"] == r.chassis.serial
    assert p.serial_format.matches(rack["SN"])
    for n, item in zip(boards, items, strict=False):
        if n.chassis_serial:
            assert item["SN"] == rack["SN"]
    others = [i["SN"] for i, n in zip(items, boards, strict=False) if not n.chassis_serial]
    assert len(set(others)) == len(others)
    assert rack["SN"] not in others
    assert body(r.cli("show license udi")) == ["", f"UDI: PID:{p.pid},SN:{rack['SN']}", ""]


def test_udi_of_the_seed_serial_and_reproducible_board_serials(boot: Boot) -> None:
    r = boot(serial="FOC2104R15R")
    assert "UDI: PID:NCS-55A1-24H,SN:FOC2104R15R" in body(r.cli("show license udi"))
    items = inventory(r.cli("show inventory"))
    assert items[0]["NAME"] == "0/RP0/CPU0"
    assert items[0]["SN"] == "FOC2104R15R"  # the fixed system's RP carries the chassis serial
    twin = boot(name="twin", serial="FOC2104R15R")
    assert inventory(twin.cli("show inventory")) == items
    other = boot(name="other", serial="FOC2104R15S")
    assert [i["SN"] for i in inventory(other.cli("show inventory"))] != [i["SN"] for i in items]


# --------------------------------------------------------------------------------------------
# reload and the reboot history
# --------------------------------------------------------------------------------------------


def test_reload_asks_and_no_keeps_running(boot: Boot) -> None:
    r = boot()
    r.advance(2 * 3600)
    s = r.session()
    assert body(s.handle_line("reload")) == []  # the timestamp, then the question
    assert s.prompt == RELOAD_QUESTION
    assert body(s.handle_line("n")) == []
    assert s.prompt == "RP/0/RP0/CPU0:router#"
    assert body(r.cli("show reboot history")) == [HISTORY_HEADER]
    assert "System uptime is 2 hours 0 minutes" in body(r.cli("show version"))


def test_reload_confirmed_is_recorded_and_resets_uptime(boot: Boot) -> None:
    r = boot()
    r.advance(2 * 3600)
    s = r.session()
    run(s, "reload")
    assert body(s.handle_line("")) == ["Reloading all nodes."]  # Enter confirms
    history = body(r.cli("show reboot history"))
    assert history == [
        HISTORY_HEADER,
        "1   14:00:00 UTC Fri Mar 01 2024  User Initiated Reload",
    ]
    assert "System uptime is 0 minutes" in body(r.cli("show version"))


def test_reload_location_of_the_only_rp_is_recorded(boot: Boot) -> None:
    r = boot()
    out = r.cli("reload location 0/RP0/CPU0", answers={"[confirm]": "y"})
    assert RELOAD_QUESTION in out
    assert "Reloading node 0/RP0/CPU0." in out
    for command in ("show reboot history", "show reboot history location 0/RP0/CPU0"):
        rows = body(r.cli(command))[1:]
        assert [row.split(None, 7)[-1] for row in rows] == ["User Initiated Reload"]


def test_reload_location_line_card_reloads_only_that_card(boot: Boot) -> None:
    r = boot("ASR-9006")
    r.advance(600)
    out = r.cli("reload location 0/0/CPU0", answers={"[confirm]": ""})
    assert "Reloading node 0/0/CPU0." in out
    assert len(body(r.cli("show reboot history location 0/0/CPU0"))) == 2
    assert body(r.cli("show reboot history location 0/1/CPU0")) == [HISTORY_HEADER]
    assert body(r.cli("show reboot history")) == [HISTORY_HEADER]  # the active RSP0
    assert "System uptime is 10 minutes" in body(r.cli("show version"))
    assert r.prompt_base() == "RP/0/RSP0/CPU0:router"


def test_reload_history_survives_a_restart(boot: Boot) -> None:
    r = boot()
    r.cli("reload", answers={"[confirm]": "yes"})
    r.shutdown()
    again = boot(name="state")
    assert len(body(again.cli("show reboot history"))) == 2


@pytest.mark.parametrize(
    "command", ["reload location 0/9/CPU0", "show reboot history location 0/9/CPU0"]
)
def test_unknown_node_is_an_error_without_a_question(boot: Boot, command: str) -> None:
    r = boot("ASR-9006")
    out = body(r.cli(command))  # no answers: a question would raise UnansweredPrompt
    assert len(out) == 1
    assert out[0].startswith("% ")
    assert "0/9/CPU0" in out[0]
    assert "0/RSP1/CPU0" in out[0]  # it names the nodes there are
    assert body(r.cli("show reboot history")) == [HISTORY_HEADER]


def test_node_that_cannot_reload_is_refused_before_the_question(boot: Boot) -> None:
    r = boot("ASR-9006")
    try:
        out = body(r.cli("reload location 0/FT0"))
    except UnansweredPrompt as e:
        pytest.fail(f"asked a question first: {e.output!r}")
    assert out == [out[0]]
    assert out[0].startswith("% ")
    assert "0/FT0" in out[0]


# --------------------------------------------------------------------------------------------
# Redundancy
# --------------------------------------------------------------------------------------------


def test_show_redundancy_and_switchover_on_asr9006(boot: Boot) -> None:
    r = boot("ASR-9006")
    assert body(r.cli("show redundancy"))[:5] == [
        "Redundancy information for node 0/RSP0/CPU0:",
        "=" * 42,
        "Node 0/RSP0/CPU0 is in ACTIVE role",
        "Partner node (0/RSP1/CPU0) is in STANDBY role",
        "Standby node in 0/RSP1/CPU0 is ready",
    ]
    s = r.session()
    run(s, "redundancy switchover")
    assert s.prompt == "Proceed with switchover 0/RSP0/CPU0 -> 0/RSP1/CPU0? [confirm]"
    run(s, "no")
    assert s.prompt == "RP/0/RSP0/CPU0:router#"
    run(s, "redundancy switchover")
    assert body(s.handle_line("")) == ["Initiating switch-over."]
    assert s.prompt == "RP/0/RSP1/CPU0:router#"
    red = body(r.cli("show redundancy"))
    assert red[0] == "Redundancy information for node 0/RSP1/CPU0:"
    assert "Node 0/RSP1/CPU0 is in ACTIVE role" in red
    assert "Partner node (0/RSP0/CPU0) is in STANDBY role" in red
    rows = {row[0]: row[1] for row in columns(body(r.cli("show platform")))}
    assert rows["0/RSP0/CPU0"] == "A9K-RSP880-SE(Standby)"
    assert rows["0/RSP1/CPU0"] == "A9K-RSP880-SE(Active)"
    old = body(r.cli("show reboot history location 0/RSP0/CPU0"))[1:]
    assert [row.split(None, 7)[-1] for row in old] == ["Redundancy switchover"]


@pytest.mark.parametrize("pid", [pid for pid in PIDS if not platforms.load(pid).redundant])
def test_switchover_refused_on_a_single_rp(boot: Boot, pid: str) -> None:
    r = boot(pid)
    out = body(r.cli("redundancy switchover"))  # no question is asked
    assert out == ["Switchover disallowed: Standby node is not present."]
    assert r.prompt_base() == "RP/0/RP0/CPU0:router"
    red = body(r.cli("show redundancy"))
    assert "Node 0/RP0/CPU0 is in ACTIVE role" in red
    assert "Node 0/RP0/CPU0 has no valid partner" in red
    assert not [ln for ln in red if ln.startswith(("Partner node", "Standby node"))]
    summary = body(r.cli("show redundancy summary"))
    assert summary[0].split() == ["Active", "Node", "Standby", "Node"]
    assert summary[2].split() == ["0/RP0/CPU0", "N/A"]
    assert len(summary) == 3


def test_show_redundancy_reload_and_boot_info_follow_the_chassis(boot: Boot) -> None:
    """The reload and boot lines carry the chassis' boot times and causes, in the simulated
    clock, with IOS XR's comma-separated spans; the switch-over count and the summary row
    follow a switchover."""
    r = boot("ASR-9006")
    r.advance(timedelta(days=9, hours=3, minutes=5))
    red = body(r.cli("show redundancy"))
    assert "Standby node in 0/RSP1/CPU0 is NSR-ready" in red
    info = red[red.index("Reload and boot info") + 2 :]
    assert (
        info[0]
        == "A9K-RSP880-SE reloaded Fri Mar  1 12:00:00 2024: 1 week, 2 days, 3 hours, 5 minutes ago"
    )
    assert (
        info[1]
        == "Active node booted Fri Mar  1 12:00:00 2024: 1 week, 2 days, 3 hours, 5 minutes ago"
    )
    assert "There have been 0 switch-overs since reload" in info
    s = r.session()
    run(s, "redundancy switchover")
    s.handle_line("")
    r.advance(timedelta(minutes=2))
    red = body(r.cli("show redundancy"))
    assert "Last switch-over Sun Mar 10 15:05:00 2024: 2 minutes ago" in red
    assert "Standby node boot Sun Mar 10 15:05:00 2024: 2 minutes ago" in red
    assert "There have been 1 switch-overs since reload" in red
    assert 'Standby node reload "Cause: Redundancy switchover"' in red
    summary = body(r.cli("show redundancy summary"))
    assert summary[2].split() == ["0/RSP1/CPU0", "0/RSP0/CPU0", "(Node", "Ready,", "NSR:", "Ready)"]


def state_files(rp_dir: Path) -> dict[str, bytes]:
    tree = rp_dir / "misc" / "config"
    return {
        str(p.relative_to(tree)): p.read_bytes() for p in sorted(tree.rglob("*")) if p.is_file()
    }


def test_standby_reads_the_same_config_and_keys(boot: Boot, tmp_path: Path) -> None:
    r = boot("ASR-9006")
    r.configure(["hostname pe1", "domain name lab.example"], label="first")
    key_entry = next(e for e in r.keys.entries("rsa") if e.label == "the_default")
    public = r.keys.load(key_entry).public_key().to_der()
    running = body(r.cli("show running-config"))

    nodes = tmp_path / "state" / "nodes"
    rsp0, rsp1 = nodes / "0_RSP0_CPU0", nodes / "0_RSP1_CPU0"
    # Both RPs read the one state store (mode 0600, outside the node trees): neither RP's
    # disk holds configuration or keys.
    assert state_files(rsp0) == state_files(rsp1) == {}
    assert (tmp_path / "state" / "state.db").stat().st_mode & 0o777 == 0o600

    r.cli("redundancy switchover", answers={"[confirm]": ""})
    assert r.prompt_base() == "RP/0/RSP1/CPU0:pe1"
    assert body(r.cli("show running-config")) == running
    assert r.keys.load(key_entry).public_key().to_der() == public  # read from RSP1 now

    r.configure(["hostname pe2"])  # made on RSP1: the new standby RSP0 reads it too
    assert state_files(rsp0) == state_files(rsp1) == {}
    r.shutdown()

    again = boot("ASR-9006", name="state")
    assert again.prompt_base() == "RP/0/RSP1/CPU0:pe2"
    assert again.domain_name() == "lab.example"
    assert [c.label for c in again.datastore.commits][:1] == ["first"]
    entry = next(e for e in again.keys.entries("rsa") if e.label == "the_default")
    assert again.keys.load(entry).public_key().to_der() == public

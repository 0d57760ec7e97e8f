"""``SessionTable``: router-wide SSH session ids, the lowest free vty line, ``clear ssh`` and
``kill-session`` through the closer a front door registered, and one table per router (two
routers never see each other's sessions)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from xrsim.cli.commands.netconf import NetconfClient
from xrsim.router import Router
from xrsim.sessions import SessionTable

pytestmark = pytest.mark.timeout(60)

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def open_shell(table: SessionTable, closed: list[int] | None = None, kind: str = "shell") -> int:
    holder: list[int] = []

    def close() -> None:
        if closed is not None:
            closed.append(holder[0])

    info = table.open_ssh(
        user="admin",
        host="127.0.0.1",
        authentication="password",
        kind=kind,
        started=NOW,
        close=close,
    )
    holder.append(info.id)
    return info.id


def test_ids_grow_and_vty_lines_are_the_lowest_free() -> None:
    table = SessionTable()
    a, b, c = (open_shell(table) for _ in range(3))
    assert [a, b, c] == [1, 2, 3]
    assert [s.pty for s in table.ssh()] == ["vty0", "vty1", "vty2"]
    table.close_ssh(table.ssh()[1])
    d = open_shell(table)
    assert d == 4  # ids are never reused
    assert [(s.id, s.pty) for s in table.ssh()] == [(1, "vty0"), (3, "vty2"), (4, "vty1")]
    n = open_shell(table, kind="netconf")
    assert next(s for s in table.ssh() if s.id == n).pty == ""


def test_clear_ssh_calls_the_closer_of_that_session_only() -> None:
    table = SessionTable()
    closed: list[int] = []
    ids = [open_shell(table, closed) for _ in range(3)]
    assert table.clear_ssh(ids[1]) is True
    assert closed == [ids[1]]
    assert table.clear_ssh(99) is False
    assert closed == [ids[1]]


def test_close_ssh_is_idempotent() -> None:
    table = SessionTable()
    open_shell(table)
    (info,) = table.ssh()
    table.close_ssh(info)
    table.close_ssh(info)
    assert table.ssh() == []


def test_netconf_rows_and_kill() -> None:
    table = SessionTable()
    killed: list[int] = []
    rows = [NetconfClient(i, "1.1", NOW, None, None, False) for i in (7, 3)]
    for row in rows:
        table.add_netconf(row, close=lambda row=row: killed.append(row.session_id))
    assert [c.session_id for c in table.netconf()] == [3, 7]
    assert table.kill_netconf(7) is True
    assert killed == [7]
    assert table.kill_netconf(5) is False
    table.remove_netconf(rows[1])
    assert [c.session_id for c in table.netconf()] == [7]


def test_ids_are_unique_under_threads() -> None:
    table = SessionTable()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(50):
            open_shell(table)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = table.ssh()
    assert len({s.id for s in rows}) == 400
    assert len({s.pty for s in rows}) == 400


def test_each_router_owns_its_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    with (
        Router.boot(state_dir=tmp_path / "a", hostname="a", release_version="6.6.3") as a,
        Router.boot(state_dir=tmp_path / "b", hostname="b", release_version="6.6.3") as b,
    ):
        closed: list[int] = []
        open_shell(a.session_table, closed)
        assert "vty0" in a.cli("show ssh")
        assert "vty0" not in b.cli("show ssh")
        assert b.cli("clear ssh 1").strip().endswith("% Session 1 not found")
        assert closed == []
        assert a.cli("clear ssh 1").strip().splitlines()[1:] == []
        assert closed == [1]

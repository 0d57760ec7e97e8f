"""The configuration CLI against the automation clients as installed, with their default
settings: scrapli_cfg (classic scrapli, ``cisco_iosxr``, paramiko transport) and netmiko
``cisco_xr``.

scrapli_cfg: ``load_config(replace=True)`` of a whole configuration (its ``!`` lines and the
header lines it turns into ``!``), ``diff_config`` (``show configuration changes diff``),
``commit_config`` (``commit replace`` and its question), ``abort_config``. netmiko:
``send_config_from_file`` of a configuration saved from the router, ``send_config_set`` then
``commit()`` plain, ``confirm=True``, ``label=``, ``comment=``, and a commit after another
session's commit (netmiko answers IOS XR's question ``no`` and raises). What the router did is
checked on the router itself (running configuration, commit records), not only in what the
client printed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection
from scrapli import Scrapli
from scrapli_cfg import ScrapliCfg

from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(90)

USER, PASSWORD = "admin", "admin"


def running(router: Router) -> str:
    """The running configuration (without the timestamp line)."""
    return router.cli("show running-config").split("\n", 1)[1]


@pytest.fixture
def scrapli_cfg(server: SshServer) -> Iterator[ScrapliCfg]:
    conn = Scrapli(
        host="127.0.0.1",
        port=server.port,
        auth_username=USER,
        auth_password=PASSWORD,
        auth_strict_key=False,
        platform="cisco_iosxr",
        transport="paramiko",
        timeout_socket=15,
        timeout_transport=15,
        timeout_ops=15,
        ssh_config_file=False,
    )
    conn.open()
    cfg = ScrapliCfg(conn=conn)
    cfg.prepare()
    yield cfg
    cfg.cleanup()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        conn.close()


@pytest.fixture
def netmiko_conn(server: SshServer) -> Iterator[BaseConnection]:
    conn = ConnectHandler(
        device_type="cisco_xr",
        host="127.0.0.1",
        port=server.port,
        username=USER,
        password=PASSWORD,
        timeout=20,
        conn_timeout=20,
    )
    yield conn
    conn.disconnect()


# -- scrapli_cfg -----------------------------------------------------------------------------


def test_scrapli_cfg_replace_diff_commit(router: Router, scrapli_cfg: ScrapliCfg) -> None:
    router.configure(["domain name old.example", "line default", "exec-timeout 5"])
    current = scrapli_cfg.get_config().result
    # The whole configuration, one item changed, one removed, one added.
    candidate = (
        current.replace("hostname router", "hostname replaced")
        .replace("domain name old.example\n", "")
        .replace("line default\n exec-timeout 5\n!", "line default\n exec-timeout 9\n!")
    )
    assert "!! IOS XR Configuration" in candidate
    loaded = scrapli_cfg.load_config(candidate, replace=True)
    assert not loaded.failed, loaded.scrapli_responses
    diff = scrapli_cfg.diff_config()
    assert not diff.failed
    assert "-  domain name old.example" in diff.device_diff
    assert "<- hostname router" in diff.device_diff
    assert "+> hostname replaced" in diff.device_diff
    assert "+>  exec-timeout 9" in diff.device_diff
    assert "domain name" in running(router)  # nothing committed yet
    committed = scrapli_cfg.commit_config()
    assert not committed.failed, committed.scrapli_responses
    shown = running(router)
    assert "hostname replaced" in shown
    assert "domain name" not in shown
    assert " exec-timeout 9" in shown
    assert "ssh server v2" in shown  # kept: it was in the candidate
    assert router.datastore.commits[-1].user == USER


def test_scrapli_cfg_replace_then_abort(router: Router, scrapli_cfg: ScrapliCfg) -> None:
    current = scrapli_cfg.get_config().result
    before = running(router)
    loaded = scrapli_cfg.load_config(current.replace("hostname router", "hostname x"), replace=True)
    assert not loaded.failed
    assert not scrapli_cfg.abort_config().failed
    assert running(router) == before
    assert router.datastore.commits == []


def test_scrapli_cfg_merge_with_comments(router: Router, scrapli_cfg: ScrapliCfg) -> None:
    config = "!\nline default\n ! a comment inside the block\n exec-timeout 12\n!\n"
    assert not scrapli_cfg.load_config(config, replace=False).failed
    diff = scrapli_cfg.diff_config()
    assert "+  line default" in diff.device_diff
    assert not scrapli_cfg.commit_config().failed
    assert " exec-timeout 12" in running(router)


# -- netmiko -----------------------------------------------------------------------------------


def test_netmiko_send_config_from_file_saved_from_the_router(
    router: Router, netmiko_conn: BaseConnection, tmp_path: Path
) -> None:
    router.configure(["domain name saved.example", "line default", "exec-timeout 6"])
    saved = netmiko_conn.send_command("show running-config")
    # The saved file, edited: another domain; its trailing ``end`` would leave configuration
    # mode (and ask about the uncommitted changes, as IOS XR does), so it is not sent.
    lines = saved.replace("saved.example", "from-file.example").splitlines()
    assert lines[-1] == "end"
    path = tmp_path / "router.cfg"
    path.write_text("\n".join(lines[:-1]) + "\n")
    router.configure(["no domain name", "no line default"])
    netmiko_conn.send_config_from_file(str(path))
    out = netmiko_conn.commit()
    assert "Failed" not in out
    netmiko_conn.exit_config_mode()
    shown = running(router)
    assert "domain name from-file.example" in shown
    assert "line default\n exec-timeout 6\n!" in shown


def test_netmiko_commit_forms(router: Router, netmiko_conn: BaseConnection) -> None:
    netmiko_conn.send_config_set(["domain name plain.example"])
    netmiko_conn.commit()
    netmiko_conn.send_config_set(["hostname labelled"])
    netmiko_conn.commit(label="nm-label")
    netmiko_conn.send_config_set(["domain name commented.example"])
    netmiko_conn.commit(comment="from-netmiko")
    netmiko_conn.send_config_set(["line default", "exec-timeout 3"])
    netmiko_conn.commit(confirm=True, confirm_delay=60)
    netmiko_conn.exit_config_mode()
    records = router.datastore.commits
    assert len(records) == 4
    assert records[1].label == "nm-label"
    assert records[2].comment == "from-netmiko"
    assert router.datastore.pending_confirm is not None
    assert router.datastore.pending_confirm[0] == records[3].commit_id
    # unconfirmed: the timeout rolls the last commit back
    router.advance(61)
    assert "exec-timeout 3" not in running(router)
    assert "domain name commented.example" in running(router)


def test_netmiko_commit_after_another_sessions_commit(
    router: Router, netmiko_conn: BaseConnection
) -> None:
    netmiko_conn.send_config_set(["domain name mine.example"])
    router.configure(["hostname theirs"])  # another session commits meanwhile
    with pytest.raises(ValueError, match="Other commits occurred"):
        netmiko_conn.commit()
    assert "domain name" not in running(router)
    # the changes are still the session's: a commit answered yes goes through
    out = netmiko_conn.send_command_timing("commit")
    assert "Do you wish to proceed with this commit anyway? [no]:" in out
    assert "One or more commits have occurred from other" in out
    netmiko_conn.send_command_timing("yes")
    netmiko_conn.exit_config_mode()
    shown = running(router)
    assert "domain name mine.example" in shown
    assert "hostname theirs" in shown

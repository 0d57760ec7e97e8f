"""The SSH front door against the clients test suites drive routers with, unchanged.

Each test boots a router, serves it with ``SshServer`` on 127.0.0.1 (a free port) and connects
with a real client: the OpenSSH client (public-key authentication with a key imported through
the CLI, one exec command), netmiko ``cisco_xr`` (commands, configuration, commits, leaving
config mode with uncommitted changes, interactive questions), scrapli classic ``cisco_iosxr``
over its ``system`` (OpenSSH) and ``paramiko`` transports, and scrapli_cfg; then the shell's
line discipline byte by byte (echo, CR LF, backspace, ``?``, Ctrl-C, hidden answers, ``exit``),
``show ssh`` and ``xrsim serve``. What the router did is checked on the router itself (running
configuration, commit records, key store), not only in what the client printed.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection
from scrapli import Scrapli
from scrapli_cfg import ScrapliCfg

from support import PtyShell, ca_certificate_pem
from xrsim.crypto import generate_key
from xrsim.errors import XrsimError
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

PROMPT = "RP/0/RP0/CPU0:router#"
USER, PASSWORD = "admin", "admin"
TIMESTAMP = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")


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


def running(router: Router) -> str:
    """The running configuration (without the timestamp line)."""
    return router.cli("show running-config").split("\n", 1)[1]


# -- OpenSSH ---------------------------------------------------------------------------------


def _import_key(router: Router, public_openssh: str) -> None:
    """``crypto key import authentication rsa``, the key pasted then a blank line."""
    lines = iter([public_openssh, ""])
    router.cli("crypto key import authentication rsa", answers=lambda prompt: next(lines))


def _ssh_command(ssh: str, port: int, key: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            ssh,
            "-p",
            str(port),
            "-i",
            str(key),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
            "-F",
            "/dev/null",
            f"{USER}@127.0.0.1",
            *command,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _key_files(tmp_path: Path) -> tuple[Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "id_rsa"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return path, public.decode()


def test_openssh_runs_a_command_with_an_imported_key(
    router: Router, server: SshServer, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    ssh = require_tool("ssh")
    key, public = _key_files(tmp_path)
    _import_key(router, public)
    result = _ssh_command(ssh, server.port, key, "show version")
    assert result.returncode == 0, result.stderr
    assert "Cisco IOS XR Software, Version" in result.stdout
    assert "\x1b" not in result.stdout


def test_openssh_refuses_a_key_that_was_not_imported(
    server: SshServer, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    ssh = require_tool("ssh")
    key, _ = _key_files(tmp_path)
    result = _ssh_command(ssh, server.port, key, "show version")
    assert result.returncode == 255
    assert "Permission denied" in result.stderr


def test_openssh_host_key_is_the_routers_rsa_key(
    router: Router, server: SshServer, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    keyscan = require_tool("ssh-keyscan")
    result = subprocess.run(
        [keyscan, "-p", str(server.port), "-t", "rsa", "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    lines = [ln for ln in result.stdout.splitlines() if not ln.startswith("#")]
    assert lines, result.stderr
    offered = lines[0].split()[2]
    entry = next(e for e in router.keys.entries("rsa") if e.label == "the_default")
    mine = serialization.load_pem_public_key(router.keys.load(entry).public_key().to_pem())
    expected = mine.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).split()[1]
    assert offered == expected.decode()


# -- netmiko cisco_xr --------------------------------------------------------------------------


def test_netmiko_show_version(netmiko_conn: BaseConnection) -> None:
    assert netmiko_conn.find_prompt() == PROMPT
    out = netmiko_conn.send_command("show version")
    assert "Cisco IOS XR Software, Version" in out
    assert netmiko_conn.send_command("show version | i Version").startswith(
        netmiko_conn.send_command("show clock")[:3]
    )


def test_netmiko_config_set_and_commit(router: Router, netmiko_conn: BaseConnection) -> None:
    out = netmiko_conn.send_config_set(["domain name example.com"])
    assert "(config)#" in out
    assert "domain name example.com" not in running(router)
    out = netmiko_conn.commit()
    assert "Failed to" not in out
    assert "domain name example.com" in running(router)
    netmiko_conn.exit_config_mode()
    assert netmiko_conn.find_prompt() == PROMPT
    last = router.datastore.commits[-1]
    assert (last.user, last.line, last.client) == (USER, "vty0", "CLI")


def test_netmiko_commit_label_and_comment(router: Router, netmiko_conn: BaseConnection) -> None:
    netmiko_conn.send_config_set(["domain name lab.example"])
    netmiko_conn.commit(label="change-1", comment="from netmiko")
    netmiko_conn.exit_config_mode()
    last = router.datastore.commits[-1]
    assert (last.label, last.comment) == ("change-1", "from netmiko")
    listing = netmiko_conn.send_command("show configuration commit list")
    assert "change-1" in listing


def test_netmiko_commit_confirmed_then_confirm(
    router: Router, netmiko_conn: BaseConnection
) -> None:
    netmiko_conn.send_config_set(["domain name confirm.example"])
    out = netmiko_conn.commit(confirm=True, confirm_delay=60)
    assert "Failed to" not in out
    assert "domain name confirm.example" in running(router)
    netmiko_conn.commit()  # confirms
    netmiko_conn.exit_config_mode()
    assert router.datastore.pending_confirm is None
    assert "domain name confirm.example" in running(router)


def test_netmiko_exit_config_mode_discards_uncommitted_changes(
    router: Router, netmiko_conn: BaseConnection
) -> None:
    netmiko_conn.send_config_set(["domain name never.example"])
    out = netmiko_conn.exit_config_mode()
    assert "Uncommitted changes found" in out
    assert netmiko_conn.find_prompt() == PROMPT
    assert "never.example" not in running(router)


def test_netmiko_interactive_key_generation(router: Router, netmiko_conn: BaseConnection) -> None:
    out = netmiko_conn.send_command(
        "crypto key generate rsa netmiko-key", expect_string=r"How many bits in the modulus"
    )
    assert "netmiko-key" in out
    out = netmiko_conn.send_command("1024", expect_string=re_prompt())
    assert router.keys.has("rsa", "netmiko-key")
    entry = next(e for e in router.keys.entries("rsa") if e.label == "netmiko-key")
    assert entry.bits == 1024


def test_netmiko_reload_answered_no(router: Router, netmiko_conn: BaseConnection) -> None:
    out = netmiko_conn.send_command("reload", expect_string=r"Proceed with reload\? \[confirm\]")
    assert "Proceed with reload" in out
    netmiko_conn.send_command("n", expect_string=re_prompt())
    assert netmiko_conn.find_prompt() == PROMPT


def test_netmiko_invalid_input_and_disconnect(
    server: SshServer, netmiko_conn: BaseConnection
) -> None:
    out = netmiko_conn.send_command("show bogus")
    assert "% Invalid input detected at '^' marker." in out
    assert len(server.sessions()) == 1
    assert server.sessions()[0].user == USER
    netmiko_conn.disconnect()
    for _ in range(100):
        if not server.sessions():
            break
        time.sleep(0.05)
    assert server.sessions() == []


def test_netmiko_wrong_password_refused(server: SshServer) -> None:
    from netmiko.exceptions import NetmikoAuthenticationException

    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(
            device_type="cisco_xr",
            host="127.0.0.1",
            port=server.port,
            username=USER,
            password="wrong",
            timeout=10,
            conn_timeout=10,
        )


def re_prompt() -> str:
    return r"RP/0/RP0/CPU0:router#"


# -- scrapli classic cisco_iosxr --------------------------------------------------------------


@pytest.fixture(params=["system", "paramiko"])
def scrapli_conn(
    request: pytest.FixtureRequest, server: SshServer, require_tool: Callable[[str], str]
) -> Iterator[Scrapli]:
    if request.param == "system":
        require_tool("ssh")
    conn = Scrapli(
        host="127.0.0.1",
        port=server.port,
        auth_username=USER,
        auth_password=PASSWORD,
        auth_strict_key=False,
        platform="cisco_iosxr",
        transport=request.param,
        timeout_socket=15,
        timeout_transport=15,
        timeout_ops=15,
        ssh_config_file=False,
    )
    conn.open()
    yield conn
    with warnings.catch_warnings():
        # scrapli's system transport drops its pty file object without closing it.
        warnings.simplefilter("ignore", ResourceWarning)
        conn.close()


def test_scrapli_send_command(scrapli_conn: Scrapli) -> None:
    assert scrapli_conn.get_prompt() == PROMPT
    response = scrapli_conn.send_command("show version")
    assert not response.failed
    assert "Cisco IOS XR Software, Version" in response.result


def test_scrapli_send_configs(router: Router, scrapli_conn: Scrapli) -> None:
    responses = scrapli_conn.send_configs(["domain name scrapli.example", "commit"])
    assert not responses.failed
    assert "domain name scrapli.example" in running(router)
    # scrapli stays in configuration mode; a command brings it back to exec with ``end``.
    assert not scrapli_conn.send_command("show clock").failed
    assert scrapli_conn.get_prompt() == PROMPT


def test_scrapli_send_configs_stop_on_failed_aborts(router: Router, scrapli_conn: Scrapli) -> None:
    before = running(router)
    responses = scrapli_conn.send_configs(
        ["domain name half.example", "this is not a command", "hostname never"],
        stop_on_failed=True,
    )
    assert responses.failed
    assert len(responses) == 2
    assert "% Invalid input detected" in responses[-1].result
    assert scrapli_conn.get_prompt() == PROMPT
    assert running(router) == before
    # The aborted candidate is gone: a commit from a new config session commits nothing.
    scrapli_conn.send_configs(["commit"])
    assert "half.example" not in running(router)


# -- scrapli_cfg ---------------------------------------------------------------------------


@pytest.fixture
def scrapli_cfg(scrapli_conn: Scrapli) -> Iterator[ScrapliCfg]:
    cfg = ScrapliCfg(conn=scrapli_conn)
    cfg.prepare()
    yield cfg
    cfg.cleanup()


@pytest.mark.parametrize("scrapli_conn", ["paramiko"], indirect=True)
def test_scrapli_cfg_get_config(scrapli_cfg: ScrapliCfg) -> None:
    response = scrapli_cfg.get_config()
    assert not response.failed
    assert "hostname router" in response.result


@pytest.mark.parametrize("scrapli_conn", ["paramiko"], indirect=True)
def test_scrapli_cfg_merge_diff_commit(router: Router, scrapli_cfg: ScrapliCfg) -> None:
    assert not scrapli_cfg.load_config("domain name cfg.example\n", replace=False).failed
    diff = scrapli_cfg.diff_config()
    assert not diff.failed
    assert "domain name cfg.example" in diff.device_diff
    assert not scrapli_cfg.commit_config().failed
    assert "domain name cfg.example" in running(router)


@pytest.mark.parametrize("scrapli_conn", ["paramiko"], indirect=True)
def test_scrapli_cfg_abort(router: Router, scrapli_cfg: ScrapliCfg) -> None:
    before = running(router)
    assert not scrapli_cfg.load_config("domain name abort.example\n", replace=False).failed
    assert not scrapli_cfg.abort_config().failed
    assert running(router) == before


# -- the shell's line discipline, byte by byte (paramiko channel with a pty) ----------------


@pytest.fixture
def shell(server: SshServer) -> Iterator[PtyShell]:
    sh = PtyShell(server.port, timeout=10)
    yield sh
    sh.close()


def test_shell_echo_output_and_prompt(shell: PtyShell) -> None:
    assert shell.until(PROMPT) == PROMPT
    shell.send("show version | i Version\r")
    text = shell.until(PROMPT)
    lines = text.split("\r\n")
    assert lines[0] == "show version | i Version"
    assert TIMESTAMP.match(lines[1])
    assert lines[2].startswith("Cisco IOS XR Software, Version ")
    assert lines[-1] == PROMPT
    assert "\x1b" not in text
    assert "\n" not in text.replace("\r\n", "")


def test_shell_empty_line_backspace_and_crlf(shell: PtyShell) -> None:
    shell.until(PROMPT)
    shell.send("\r")
    assert shell.until(PROMPT) == "\r\n" + PROMPT
    shell.send("\r\n")  # CR LF is one Enter
    assert shell.until(PROMPT) == "\r\n" + PROMPT
    assert shell.raw == b""
    shell.send("show clocx\x7fk\n")
    text = shell.until(PROMPT)
    assert text.startswith("show clocx\b \bk\r\n")
    assert "Invalid input" not in text


def test_shell_help_keeps_the_line(shell: PtyShell) -> None:
    shell.until(PROMPT)
    shell.send("show cl?")
    text = shell.until(PROMPT + "show cl")
    assert text.startswith("show cl?\r\n")
    assert "clock" in text
    shell.send("ock\r")
    assert "UTC" in shell.until(PROMPT)


def test_shell_ctrl_c_abandons_a_question(router: Router, shell: PtyShell) -> None:
    shell.until(PROMPT)
    shell.send("crypto key generate rsa abandoned\r")
    shell.until("How many bits in the modulus [2048]: ")
    shell.send("\x03")
    assert shell.until(PROMPT) == "^C\r\n" + PROMPT
    assert not router.keys.has("rsa", "abandoned")
    shell.send("half typed\x03")
    assert shell.until(PROMPT) == "half typed^C\r\n" + PROMPT


def test_shell_hidden_answers_are_not_echoed(router: Router, shell: PtyShell) -> None:
    router.configure(["crypto ca trustpoint lab", "enrollment terminal"])
    answers = iter([*ca_certificate_pem().splitlines(), "", "yes"])
    router.cli("crypto ca authenticate lab", answers=lambda prompt: next(answers))
    shell.until(PROMPT)
    shell.send("crypto ca enroll lab\r")
    shell.until("Password: ")
    shell.send("s3cret-Pw\r")
    assert shell.until("Re-enter Password: ") == "\r\nRe-enter Password: "
    shell.send("s3cret-Pw\r")
    assert "s3cret" not in shell.until("[yes/no]: ")
    shell.send("\x03")
    assert shell.until(PROMPT) == "^C\r\n" + PROMPT


def test_shell_exit_closes_the_channel(server: SshServer, shell: PtyShell) -> None:
    shell.until(PROMPT)
    shell.send("exit\r")
    assert shell.until("\r\n") == "exit\r\n"
    assert shell.chan.recv(100) == b""
    assert shell.chan.recv_exit_status() == 0


def test_show_ssh_lists_the_sessions(server: SshServer) -> None:
    first, second = PtyShell(server.port, timeout=10), PtyShell(server.port, timeout=10)
    try:
        first.until(PROMPT)
        second.until(PROMPT)
        first.send("show ssh\r")
        text = first.until(PROMPT).replace("\r\n", "\n")
        assert "SSH version : Cisco-2.0" in text
        rows = [ln.split() for ln in text.splitlines() if ln.split()[:1] in (["1"], ["2"])]
        assert [r[2] for r in rows] == ["vty0", "vty1"]
        assert all(
            r[4:10]
            == ["SESSION_OPEN", USER, "127.0.0.1", "v2", "password", "Command-Line-Interface"]
            for r in rows
        )
    finally:
        first.close()
        second.close()


# -- xrsim serve ------------------------------------------------------------------------------


def test_xrsim_serve_until_ctrl_c(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "xrsim.frontends.main", "serve", "--state", str(tmp_path / "s")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"listening on 127\.0\.0\.1 port (\d+)", line)
        assert match, line
        conn = ConnectHandler(
            device_type="cisco_xr",
            host="127.0.0.1",
            port=int(match.group(1)),
            username=USER,
            password=PASSWORD,
        )
        assert "Cisco IOS XR Software" in conn.send_command("show version")
        conn.disconnect()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_server_needs_the_routers_rsa_key() -> None:
    with Router.boot(release_version="6.6.3") as old:  # boot makes no host key before 7.0.1
        with pytest.raises(XrsimError, match="no RSA key 'the_default'"):
            SshServer(old).start()
        old.keys.put("rsa", "the_default", generate_key("rsa", bits=2048))
        with SshServer(old) as server:
            assert server.port > 0


@pytest.mark.timeout(60)
def test_configured_secret_logs_in_and_tasks_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user configured with the seed's dossier groups logs in with its secret over SSH and
    is refused what its task groups do not allow."""
    import netmiko

    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    with Router.boot(state_dir=tmp_path / "r") as router:
        router.configure(
            [
                "taskgroup alltasks-dossier",
                "task read sysmgr",
                "task read system",
                "task read basic-services",
                "task read config-services",
                "exit",
                "usergroup dossier-group",
                "taskgroup alltasks-dossier",
                "exit",
                "username dossier-user",
                "group dossier-group",
                "secret s3cret-Pass",
            ]
        )
        with SshServer(router) as server:
            conn = netmiko.ConnectHandler(
                device_type="cisco_xr",
                host="127.0.0.1",
                port=server.port,
                username="dossier-user",
                password="s3cret-Pass",
                fast_cli=False,
            )
            try:
                assert "Cisco IOS XR Software, Version" in conn.send_command("show version")
                out = conn.send_command("reload", expect_string=r"#")
                assert "% This command is not authorized" in out
            finally:
                conn.disconnect()
            with pytest.raises(netmiko.NetmikoAuthenticationException):
                netmiko.ConnectHandler(
                    device_type="cisco_xr",
                    host="127.0.0.1",
                    port=server.port,
                    username="dossier-user",
                    password="wrong",
                )

"""``xrsim up/down/ls/console/ssh`` end to end: the real commands as subprocesses, OpenSSH's
``ssh`` with its password from ``SSH_ASKPASS`` (as a script would), the console through a pty
(pexpect), a detached lab outliving the session that started it, and a lab process killed with
SIGKILL cleaned up by ``down``. Each test has its own ``XRSIM_HOME``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from support import ssh_client, xrsim_env
from xrsim.errors import LabFileError
from xrsim.lab import labfile

PASSWORD = "lab-pw-7"  # the lab file's, what OpenSSH is given by SSH_ASKPASS
LAB = f"""\
name: demo
defaults:
  users:
    - {{name: admin, password: {PASSWORD}}}
nodes:
  r1:
    hostname: pe1
    config: |
      domain name lab.example
  r2: {{}}
"""
PROMPT = "RP/0/RP0/CPU0:pe1#"

Xrsim = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return xrsim_env(XRSIM_HOME=str(home))


@pytest.fixture
def lab_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yml"
    path.write_text(LAB)
    return path


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "xrsim.frontends.main", *args]


@pytest.fixture
def xrsim(env: dict[str, str], home: Path) -> Iterator[Xrsim]:
    def run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command(*args),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    yield run
    # Whatever a failed test left running goes down.
    if (home / "labs" / "demo" / "lab.json").exists():
        run("down", "demo")


def ssh_password_env(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    """How a script gives OpenSSH a password without a terminal: SSH_ASKPASS."""
    askpass = tmp_path / "askpass"
    askpass.write_text(f"#!/bin/sh\necho {PASSWORD}\n")
    askpass.chmod(0o700)
    return {**env, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}


def pid_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


def parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def wait_for(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_up_detached_then_ls_ssh_console_and_down(
    xrsim: Xrsim, lab_file: Path, env: dict[str, str], tmp_path: Path, require_tool
) -> None:
    up = xrsim("up", str(lab_file), "--detach", "--json")
    assert up.returncode == 0, up.stderr
    status = json.loads(up.stdout)
    assert status["state"] == "up"
    root = tmp_path / "home" / "labs" / "demo"
    assert status["root"] == str(root)
    assert [n["hostname"] for n in status["nodes"]] == ["pe1", "r2"]
    assert PASSWORD not in up.stdout + (root / "lab.json").read_text()
    pid = status["pid"]
    assert os.getsid(pid) == pid  # a session of its own
    ls = xrsim("ls", "--json")
    assert [(s["name"], s["state"], s["pid"]) for s in json.loads(ls.stdout)] == [
        ("demo", "up", pid)
    ]
    table = xrsim("ls")
    assert "demo" in table.stdout
    assert "up" in table.stdout
    # OpenSSH, its host key checked against the lab's known_hosts, no question asked.
    require_tool("ssh")
    ssh = subprocess.run(
        command("ssh", "demo", "r1", "--", "-o", "StrictHostKeyChecking=yes", "show version"),
        env=ssh_password_env(tmp_path, env),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert ssh.returncode == 0, ssh.stderr
    assert "Cisco IOS XR Software" in ssh.stdout
    # The console, as a person at a terminal gets it.
    child = pexpect.spawn(
        sys.executable,
        ["-m", "xrsim.frontends.main", "console", "demo", "r1"],
        env=env,
        timeout=30,
        encoding="utf-8",
    )
    try:
        child.expect_exact("Ctrl-] quits")
        child.expect_exact(PROMPT)
        child.send("show running-config domain name\r")
        child.expect_exact("domain name lab.example\r\n")
        child.expect_exact(PROMPT)
        child.send("show versoin\x03")  # Ctrl-C: the line abandoned
        child.expect_exact("^C\r\n" + PROMPT)
        child.sendcontrol("]")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    # Piped standard input: a transcript.
    piped = subprocess.run(
        command("console", "demo", "r2"),
        env=env,
        input="show running-config hostname\r",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert "hostname r2" in piped.stdout
    down = xrsim("down", "demo")
    assert down.returncode == 0, down.stderr
    assert not root.exists()
    wait_for(lambda: pid_gone(pid), "the lab process to end")
    again = xrsim("down", "demo")
    assert again.returncode == 1
    assert again.stderr == "xrsim down: no lab demo (xrsim ls lists the labs)\n"


def test_a_detached_lab_survives_the_session_that_started_it(
    xrsim: Xrsim, lab_file: Path, home: Path, env: dict[str, str]
) -> None:
    up = " ".join(command("up", str(lab_file), "--detach", "--json"))
    shell = subprocess.Popen(  # a login shell's session: setsid makes bash its leader
        ["setsid", "bash", "-c", f"{up} > {lab_file.parent / 'up.json'}; sleep 300"],
        env=env,
        stdin=subprocess.DEVNULL,
    )
    try:
        status_file = lab_file.parent / "up.json"
        wait_for(lambda: status_file.exists() and parses(status_file.read_text()), "up")
        status = json.loads(status_file.read_text())
        wait_for(lambda: os.getsid(shell.pid) == shell.pid, "the shell's session")
        os.killpg(shell.pid, signal.SIGHUP)  # the terminal hangs up on the whole session
        shell.wait(10)
    finally:
        if shell.poll() is None:
            shell.kill()
            shell.wait(10)
    assert not pid_gone(status["pid"])
    client = ssh_client(status["nodes"][0]["ssh_port"], "admin", PASSWORD)
    try:
        _, out, _ = client.exec_command("show running-config hostname", timeout=20)
        assert "hostname pe1" in out.read().decode()
    finally:
        client.close()
    assert xrsim("down", str(lab_file)).returncode == 0  # by its lab file
    assert not (home / "labs" / "demo").exists()
    wait_for(lambda: pid_gone(status["pid"]), "the lab process to end")


def test_refusals_bad_lab_file_and_a_lab_already_up(
    xrsim: Xrsim, lab_file: Path, home: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("name: demo\nnodes:\n  r1:\n    ssh_port: seventy\n")
    with pytest.raises(LabFileError) as refused:
        labfile.load(bad)
    for args in (("up", str(bad)), ("up", str(bad), "--detach")):
        result = xrsim(*args)
        assert result.returncode == 1
        assert result.stderr == f"xrsim up: {refused.value}\n"
        assert "Traceback" not in result.stderr
    assert not (home / "labs" / "demo").exists()
    assert xrsim("up", str(lab_file), "--detach").returncode == 0
    before = (home / "labs" / "demo" / "lab.json").read_text()
    second = xrsim("up", str(lab_file), "--detach")
    assert second.returncode == 1
    assert second.stderr.startswith("xrsim up: lab demo is already up (pid ")
    assert (home / "labs" / "demo" / "lab.json").read_text() == before
    unknown = xrsim("console", "demo", "r9")
    assert unknown.returncode == 1
    assert unknown.stderr == "xrsim console: lab demo has no node 'r9' (its nodes: r1, r2)\n"
    assert xrsim("down", "demo").returncode == 0


def test_a_lab_process_that_dies_while_starting(
    lab_file: Path, home: Path, env: dict[str, str]
) -> None:
    """The lab process crashes at its first state commit (the store's fault injection):
    up says so with the end of its output and leaves nothing."""
    result = subprocess.run(
        command("up", str(lab_file), "--detach"),
        env={**env, "XRSIM_CRASH_AT": "before-commit"},
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "xrsim up: the lab process exited with status 86 before the lab was up"
    )
    assert "Traceback" not in result.stderr.splitlines()[0]
    assert not (home / "labs" / "demo").exists()


@pytest.mark.peer
def test_a_killed_lab_is_cleaned_up_by_down(
    xrsim: Xrsim, lab_file: Path, home: Path, require_tool
) -> None:
    require_tool("snmptrapd")
    lab_file.write_text(LAB + "peers:\n  traps: {kind: snmptrapd}\n")
    up = xrsim("up", str(lab_file), "--detach", "--json")
    assert up.returncode == 0, up.stderr
    status = json.loads(up.stdout)
    peer = status["peers"][0]["pid"]
    assert Path(f"/proc/{peer}/comm").read_text().strip() == "snmptrapd"
    os.kill(status["pid"], signal.SIGKILL)
    wait_for(lambda: json.loads(xrsim("ls", "--json").stdout)[0]["state"] == "gone", "gone")
    refused = xrsim("up", str(lab_file), "--detach")
    assert refused.returncode == 1
    assert "xrsim down demo cleans it up" in refused.stderr
    assert not pid_gone(peer)  # the peer outlived the lab process
    down = xrsim("down", "demo")
    assert down.returncode == 0, down.stderr
    assert not (home / "labs" / "demo").exists()
    wait_for(lambda: pid_gone(peer), "the peer to be killed")
    assert json.loads(xrsim("ls", "--json").stdout) == []
    # The name is free again, and its ports answer.
    up = xrsim("up", str(lab_file), "--detach")
    assert up.returncode == 0, up.stderr
    assert "peer traps (snmptrapd): 127.0.0.1:" in up.stdout
    assert xrsim("down", "demo").returncode == 0


def test_foreground_up_serves_until_sigint_and_keep_keeps_the_state(
    lab_file: Path, home: Path, env: dict[str, str], xrsim: Xrsim
) -> None:
    for keep in (False, True):
        proc = subprocess.Popen(
            command("up", str(lab_file), "--json", *(["--keep"] if keep else [])),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert proc.stdout is not None
            text, line = "", ""
            while line != "}\n":  # the end of the status document
                line = proc.stdout.readline()
                assert line, "up ended before printing the status"
                text += line
            status = json.loads(text)
            assert status["pid"] == proc.pid
            client = ssh_client(status["nodes"][1]["ssh_port"], "admin", PASSWORD)
            client.close()
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "xrsim up: stopping lab demo" in err
        root = home / "labs" / "demo"
        assert root.exists() == keep
    listed = json.loads(xrsim("ls", "--json").stdout)
    assert [(s["name"], s["state"]) for s in listed] == [("demo", "stopped")]
    kept = xrsim("down", "demo", "--keep")
    assert kept.returncode == 0
    assert (home / "labs" / "demo" / "nodes" / "r1").is_dir()
    assert xrsim("down", "demo").returncode == 0
    assert not (home / "labs" / "demo").exists()

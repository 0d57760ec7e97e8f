"""Make ``tests/data/state-v1/``: a state directory in xrsim's format 1 (``chassis.json`` and
the JSON/PEM files under each RP's ``misc/config/xrsim/``), and the expected outputs next to it
(``tests/data/state-v1-expected/``) that ``tests/integration/test_upgrade.py`` compares with.

This script ran on commit 6098c87 (the main of issue 9's start, before the state store), as

    git worktree add /work/wt-v1 6098c87 && cp <built _native*.so> /work/wt-v1/python/xrsim/
    XRSIM_VENDOR_DIR=$(mktemp -d) PYTHONPATH=/work/wt-v1/python python \\
        tests/data/make_state_v1.py tests/data

It is kept to say how the data was made; it is not meant to run on later code (which writes
the state store instead of these files).
"""

from __future__ import annotations

import base64
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from xrsim.clock import SimClock
from xrsim.crypto import generate_key
from xrsim.router import Router

START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SERIAL = "FOC2104R15R"

#: The time the upgrade test's frozen clock shows (the state was written before it).
SHOW_TIME = datetime(2024, 3, 1, 12, 9, tzinfo=UTC)
#: The rollback the upgrade test makes, and what it shows afterwards.
ROLLBACK = "rollback configuration last 2"
AFTER_ROLLBACK = {
    "after-rollback-running-config.txt": "show running-config",
    "after-rollback-commit-list.txt": "show configuration commit list",
}
#: What the upgrade test compares: file name -> command.
SHOWS = {
    "running-config.txt": "show running-config",
    "commit-list.txt": "show configuration commit list",
    "mypubkey-rsa.txt": "show crypto key mypubkey rsa",
    "mypubkey-ecdsa.txt": "show crypto key mypubkey ecdsa",
    "mypubkey-ed25519.txt": "show crypto key mypubkey ed25519",
    "authentication-rsa.txt": "show crypto key authentication rsa",
    "ca-certificates.txt": "show crypto ca certificates",
}


def main(out: Path) -> None:
    state = out / "state-v1"
    expected = out / "state-v1-expected"
    for d in (state, expected):
        if d.exists():
            shutil.rmtree(d)
    clock = SimClock(START, frozen=True)
    r = Router.boot("NCS-55A1-24H", state, "upgrade-r1", serial=SERIAL, clock=clock)
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        clock.set(START.replace(minute=step))

    tick()
    r.configure(["domain name example.com"], label="domain", comment="the lab domain")
    tick()
    r.configure(
        [
            "username alice",
            "group root-lr",
            "secret alice-secret-1",
            "username bob",
            "group sysadmin",
            "password bob-pass-2",
        ],
        comment="two users",
    )
    tick()
    r.configure(
        [
            "ssh server rate-limit 600",
            "ssh server session-limit 64",
            "ssh server netconf vrf default",
            "line default",
            "exec-timeout 5 30",
        ],
        label="ssh-limits",
    )
    tick()
    r.configure(["hostname wrong-name"], comment="to be rolled back")
    tick()
    r.cli("rollback configuration last 1")
    tick()
    answers = {"How many bits": "1024", "Do you really want to replace": "yes"}
    r.cli("crypto key generate rsa general-keys tp-root", answers=answers)
    r.cli("crypto key generate rsa tp-leaf", answers=answers)
    r.cli("crypto key generate rsa usage-keys uk", answers=answers)
    r.cli("crypto key generate ecdsa nistp256 ec1", answers=answers)
    r.cli("crypto key generate ecdsa nistp384 ec2", answers=answers)
    r.cli("crypto key generate ed25519 ed1", answers=answers)
    tick()
    public = generate_key("rsa", bits=1024).public_key()
    text = base64.b64encode(public.to_der()).decode()
    r.cli("configure")
    r.cli("end")  # the API session is in exec mode again
    s = r.session(user="alice", line="vty0:node0_RP0_CPU0")
    s.handle_line("crypto key import authentication rsa alice-key")
    for i in range(0, len(text), 64):
        s.handle_line(text[i : i + 64])
    s.handle_line("")
    assert not s.waiting
    s.close()
    tick()
    r.configure(
        [
            "crypto ca trustpoint lab-self",
            "enrollment url self",
            "ca-keypair rsa tp-root",
            "keypair rsa tp-leaf",
            "subject-name CN=upgrade-r1,O=xrsim lab,L=San Jose",
            "subject-name ca-certificate CN=upgrade-ca,O=xrsim lab",
            "lifetime certificate 300",
            "lifetime ca-certificate 700",
            "message-digest sha256",
            "key-usage certificate digitalsignature keyencipherment",
            "serial-number none",
            "ip-address none",
        ],
        label="trustpoint",
        comment="self-signed lab trustpoint",
    )
    tick()
    assert clock.now() == SHOW_TIME
    r.cli("crypto ca authenticate lab-self")
    r.cli("crypto ca enroll lab-self", answers={"yes/no": "no"})
    expected.mkdir(parents=True)
    for name, command in SHOWS.items():
        (expected / name).write_text(r.cli(command))
    r.shutdown()
    # The same rollback on a copy, so the test knows what it must show.
    copy = out / "state-v1-rollback"
    shutil.copytree(state, copy)
    r = Router.boot(None, copy, clock=SimClock(SHOW_TIME, frozen=True))
    r.cli(ROLLBACK)
    for name, command in AFTER_ROLLBACK.items():
        (expected / name).write_text(r.cli(command))
    r.shutdown()
    shutil.rmtree(copy)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""AAA through a booted router: the seed's ``taskgroup``/``usergroup``/``username``
configuration, a session as ``dossier-user`` allowed what its tasks allow and refused the rest
with IOS XR's message (nothing runs, nothing changes), built-in groups and inheritance, ``show
user [tasks|group]``, secrets never shown or stored in clear, and the registry table: every
command declares its task IDs or is deliberately open."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.aaa import PERMISSIONS, TASK_IDS, verify_secret
from xrsim.cli import default_registry
from xrsim.cli.messages import NO_SUCH_ITEMS
from xrsim.cli.session import NOT_AUTHORIZED, CliSession
from xrsim.errors import CommandError
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
REFUSED = NOT_AUTHORIZED + "\n"

#: The seed's configuration for the Crosswork Trust Insights user, exactly as written (each
#: block is typed after ``configure``).
SEED = [
    [
        "taskgroup alltasks-dossier",
        "task read sysmgr",
        "task read system",
        "task read pkg-mgmt",
        "task read basic-services",
        "task read config-services",
        "task execute dossier",
        "task execute basic-services",
        "commit",
    ],
    ["usergroup dossier-group", "taskgroup alltasks-dossier", "commit"],
    ["username dossier-user", "group dossier-group", "commit"],
]

#: Commands open to every user on purpose: session settings, leaving, the clock, what a user
#: may know about itself, and what every configuration mode offers (entering a configuration
#: mode already needed a grant; each item then needs its own).
DELIBERATELY_OPEN = {
    ("exec", "terminal length <lines:0-512>"),
    ("exec", "terminal exec prompt { timestamp | no-timestamp }"),
    ("exec", "terminal width <columns:0-512>"),
    ("exec", "exit"),
    ("exec", "show clock"),
    ("exec", "show user"),
    ("exec", "show user group"),
    ("exec", "show user tasks"),
}
CONFIG_GLOBALS_OPEN = {
    "commit [ label <label:WORD> ] [ confirmed [ <seconds:30-65535> ] ] [ comment <comment:LINE> ]",
    "commit replace",
    "commit show-error",
    "abort",
    "end",
    "exit",
    "root",
    "show configuration",
    "show configuration merge",
    "show commit changes diff",
    "show configuration changes diff",
}


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(state_dir=tmp_path / "r1")
    yield r
    r.shutdown()


def run(s: CliSession, *lines: str) -> str:
    return "".join(s.handle_line(ln) for ln in lines)


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def configure_seed(router: Router) -> str:
    s = router.session()
    out = ""
    for block in SEED:
        out += run(s, "configure", *block, "end")
    return out


@pytest.fixture
def dossier(router: Router) -> CliSession:
    configure_seed(router)
    return router.session(user="dossier-user", line="vty0", client="SSH")


def user_in(router: Router, name: str, *groups: str, extra: tuple[str, ...] = ()) -> CliSession:
    lines = [*extra, f"username {name}", *[f"group {g}" for g in groups]]
    router.configure(lines)
    return router.session(user=name)


# -- the seed's configuration --------------------------------------------------------------


def test_seed_configuration_is_accepted_as_written(router: Router) -> None:
    out = configure_seed(router)
    assert "%" not in out
    running = body(router.cli("show running-config"))
    start = running.index("taskgroup alltasks-dossier")
    assert running[start : start + 17] == [
        "taskgroup alltasks-dossier",
        " task execute basic-services",
        " task execute dossier",
        " task read basic-services",
        " task read config-services",
        " task read pkg-mgmt",
        " task read sysmgr",
        " task read system",
        "!",
        "usergroup dossier-group",
        " taskgroup alltasks-dossier",
        "!",
        "username dossier-user",
        " group dossier-group",
        "!",
        # the factory configuration follows (the interfaces family comes next)
        "interface HundredGigE0/0/0/0",
        " shutdown",
    ]


def test_prompts_of_the_aaa_submodes(router: Router) -> None:
    s = router.session()
    run(s, "configure")
    run(s, "taskgroup t")
    assert s.prompt.endswith("(config-tg)#")
    run(s, "usergroup g")
    assert s.prompt.endswith("(config-ug)#")
    run(s, "username u")
    assert s.prompt.endswith("(config-un)#")


def test_unknown_task_id_and_permission_are_refused_at_the_marker(router: Router) -> None:
    s = router.session()
    run(s, "configure", "taskgroup t")
    assert "% Invalid input" in s.handle_line("task read no-such-task")
    assert "% Invalid input" in s.handle_line("task admire sysmgr")
    assert s.candidate is not None
    assert not any("task" in ln for ln in s.candidate.change_lines() if "taskgroup" not in ln)


# -- the dossier user ------------------------------------------------------------------------


def test_dossier_user_sees_its_identity_groups_and_tasks(dossier: CliSession) -> None:
    assert body(dossier.handle_line("show user")) == ["dossier-user"]
    assert body(dossier.handle_line("show user group")) == ["dossier-group"]
    assert body(dossier.handle_line("show user tasks")) == [
        "Task:       basic-services  : READ             EXECUTE",
        "Task:      config-services  : READ",
        "Task:              dossier  :                  EXECUTE",
        "Task:             pkg-mgmt  : READ",
        "Task:               sysmgr  : READ",
        "Task:               system  : READ",
    ]


@pytest.mark.parametrize(
    "command",
    [
        "show version",
        "show platform",
        "show inventory",
        "show license udi",
        "show redundancy",
        "show running-config",
        "show configuration commit list",
        "show clock",
    ],
)
def test_dossier_user_runs_what_its_tasks_allow(dossier: CliSession, command: str) -> None:
    out = dossier.handle_line(command)
    assert NOT_AUTHORIZED not in out
    assert "%" not in out
    assert body(out)


@pytest.mark.parametrize(
    "command",
    [
        "configure",
        "configure terminal",
        "configure exclusive",
        "crypto key generate rsa",
        "crypto key zeroize rsa",
        "show crypto key mypubkey rsa",
        "reload",
        "reload location all",
        "redundancy switchover",
        "rollback configuration last 1",
        "dir",
        "mkdir harddisk:/x",
        "delete harddisk:/x",
        "copy harddisk:/a harddisk:/b",
        "show file harddisk:/a",
    ],
)
def test_dossier_user_is_refused_beyond_its_tasks(
    dossier: CliSession, router: Router, command: str
) -> None:
    before = (
        router.cli("show running-config"),
        router.cli("show reboot history"),
        router.cli("show crypto key mypubkey rsa"),
        router.cli("show redundancy"),
        len(router.datastore.commits),
    )
    assert dossier.handle_line(command) == REFUSED
    assert dossier.prompt == "RP/0/RP0/CPU0:router#"
    assert not dossier.waiting
    assert dossier.mode == "exec"
    assert dossier.candidate is None
    after = (
        router.cli("show running-config"),
        router.cli("show reboot history"),
        router.cli("show crypto key mypubkey rsa"),
        router.cli("show redundancy"),
        len(router.datastore.commits),
    )
    assert [body(x) if isinstance(x, str) else x for x in after] == [
        body(x) if isinstance(x, str) else x for x in before
    ]


def test_refusal_hides_commands_from_help(dossier: CliSession, router: Router) -> None:
    mine = dossier.handle_line("?")
    admins = router.session().handle_line("?")
    assert "crypto" in admins
    assert "crypto" not in mine
    assert "reload" in admins
    assert "reload" not in mine
    assert "configure" not in mine
    assert "show" in mine
    assert "terminal" in mine


# -- configuration commands ------------------------------------------------------------------


def test_config_items_need_their_own_write_grant(router: Router) -> None:
    cfg = [
        "taskgroup cfg-only",
        "task write config-services",
        "task read config-services",
        "task write ip-services",
        "usergroup cfg-only",
        "taskgroup cfg-only",
    ]
    s = user_in(router, "cfg", "cfg-only", extra=tuple(cfg))
    assert s.handle_line("configure") == ""
    assert s.prompt.endswith("(config)#")
    assert s.handle_line("hostname stolen") == REFUSED
    assert s.handle_line("username evil") == REFUSED
    assert s.handle_line("taskgroup mine") == REFUSED
    assert s.handle_line("crypto ca trustpoint tp") == REFUSED
    assert s.handle_line("line default") == REFUSED
    assert s.handle_line("do reload") == REFUSED
    assert s.prompt.endswith("(config)#")
    assert s.handle_line("domain name ok.example") == ""
    assert s.candidate is not None
    assert s.candidate.change_lines() == ["domain name ok.example"]
    assert "%" not in s.handle_line("commit")
    run(s, "end")
    assert router.fqdn() == "router.ok.example"


def test_api_configure_raises_on_a_refused_line(router: Router) -> None:
    router.configure(["usergroup ro", "taskgroup operator", "username admin", "group ro"])
    # The API session's user (admin) is now an operator: configuring is refused.
    with pytest.raises(CommandError) as err:
        router.configure(["hostname x"])
    assert NOT_AUTHORIZED in err.value.output
    assert router.hostname() == "router"


def test_unconfigured_user_keeps_root_system(router: Router) -> None:
    s = router.session(user="someone")
    assert body(s.handle_line("show user group")) == ["root-system, cisco-support"]
    tasks = body(s.handle_line("show user tasks"))
    assert len(tasks) == len(TASK_IDS)
    assert all(ln.endswith("READ    WRITE    EXECUTE    DEBUG") for ln in tasks)
    assert "Copyright" not in s.handle_line("reload")  # asks to confirm
    assert s.waiting
    s.cancel()


# -- built-in groups and inheritance -----------------------------------------------------------


def test_operator_reads_but_cannot_configure(router: Router) -> None:
    s = user_in(router, "op", "operator")
    assert "Cisco IOS XR Software" in s.handle_line("show version")
    assert s.handle_line("configure") == REFUSED
    assert s.handle_line("show running-config") == REFUSED
    assert body(s.handle_line("show user group")) == ["operator"]


def test_netadmin_configures_crypto_but_not_users_or_reload(router: Router) -> None:
    s = user_in(router, "net", "netadmin")
    out = s.handle_line("crypto key generate rsa netkey")
    assert out != REFUSED
    assert s.waiting
    s.cancel()
    assert s.handle_line("reload") == REFUSED
    run(s, "configure")
    assert s.handle_line("crypto ca trustpoint tp") == ""
    assert s.handle_line("root") == ""
    assert s.handle_line("username other") == REFUSED


def test_root_lr_may_reload(router: Router) -> None:
    s = user_in(router, "lr", "root-lr")
    s.handle_line("reload")
    assert s.waiting
    assert "reload" in s.prompt.lower()
    s.cancel()


def test_inherited_taskgroups_and_usergroups_grant_through_the_chain(router: Router) -> None:
    router.configure(
        [
            "taskgroup base",
            "task execute crypto",
            "description key operators",
            "taskgroup more",
            "inherit taskgroup base",
            "usergroup keys",
            "taskgroup more",
            "usergroup top",
            "inherit usergroup keys",
            "description everything of keys",
            "username k",
            "group top",
        ]
    )
    s = router.session(user="k")
    assert body(s.handle_line("show user tasks")) == [
        "Task:               crypto  :                  EXECUTE"
    ]
    s.handle_line("crypto key generate rsa inherited")
    assert s.waiting
    s.cancel()
    assert s.handle_line("show version") == REFUSED
    # Removing the inheritance removes the grant at once.
    router.configure(["usergroup top", "no inherit usergroup keys"])
    assert s.handle_line("crypto key generate rsa inherited") == REFUSED


def test_group_change_takes_effect_for_open_sessions(dossier: CliSession, router: Router) -> None:
    assert dossier.handle_line("configure") == REFUSED
    router.configure(["username dossier-user", "group root-lr"])
    assert dossier.handle_line("configure") == ""
    assert body(dossier.handle_line("do show user group")) == ["dossier-group, root-lr"]


# -- secrets --------------------------------------------------------------------------------


def test_secret_is_hashed_and_never_shown(
    router: Router, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clear = "Sup3r-S3cret-Pa55"
    s = router.session()
    seen = run(s, "configure", "username alice", "group operator", f"secret {clear}")
    seen += s.handle_line("show configuration")
    seen += s.handle_line("show commit changes diff")
    seen += s.handle_line("commit")
    seen += run(s, "end", "show running-config", "show running-config username alice")
    run(s, "configure", "username alice", f"password {clear}2")
    seen += s.handle_line("show configuration") + s.handle_line("commit")
    run(s, "end")
    seen += router.cli("show running-config")
    assert clear not in seen
    lines = body(router.cli("show running-config username alice"))
    assert lines[0] == "username alice"
    secret = [ln for ln in lines if ln.startswith(" secret")]
    assert len(secret) == 1
    assert re.fullmatch(r" secret 10 \$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}", secret[0])
    assert verify_secret(clear + "2", secret[0].split()[2])
    assert not verify_secret(clear, secret[0].split()[2])
    assert all(clear not in str(rec.to_data()) for rec in router.datastore.commits)
    assert clear not in caplog.text
    router.shutdown()
    for f in (tmp_path / "r1").rglob("*"):
        if f.is_file():
            assert clear.encode() not in f.read_bytes(), f


def test_secret_given_as_type_10_hash_is_kept_and_bad_ones_refused(router: Router) -> None:
    s = router.session()
    run(s, "configure", "username bob")
    from xrsim.aaa import hash_secret

    stored = hash_secret("pw")
    assert s.handle_line(f"secret 10 {stored}") == ""
    out = s.handle_line("secret 10 not-a-hash")
    assert out.startswith("% Invalid secret")
    assert "not-a-hash" not in (s.candidate.change_lines() if s.candidate else [])
    run(s, "commit", "end")
    assert f" secret 10 {stored}" in body(router.cli("show running-config username bob"))
    with pytest.raises(CommandError):
        router.configure(["username bob", "secret 10 $6$bad"])
    router.configure(["username bob", "no secret"])
    assert body(router.cli("show running-config username bob")) == ["username bob", "!"]


def test_internal_error_log_redacts_secrets(
    router: Router, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = router.session()
    run(s, "configure", "username carol")

    def boom(typed: str, keyword: str = "secret") -> str:
        raise RuntimeError("bug")

    monkeypatch.setattr("xrsim.cli.commands.aaa.secret_line", boom)
    with caplog.at_level(logging.ERROR, logger="xrsim.cli"):
        out = s.handle_line("secret HiddenValue99")
    assert "Internal error" in out
    assert "secret <removed>" in caplog.text
    assert "HiddenValue99" not in caplog.text


# -- the registry table ---------------------------------------------------------------------


def test_every_command_declares_tasks_or_is_deliberately_open() -> None:
    reg = default_registry()
    globals_ = {c.syntax for c in reg.config_globals}
    assert globals_ >= CONFIG_GLOBALS_OPEN
    undeclared = []
    for cmd in reg.commands:
        for perm, task in cmd.tasks:
            assert perm in PERMISSIONS, (cmd.syntax, perm)
            assert task in TASK_IDS, (cmd.syntax, task)
        if cmd.tasks:
            continue
        if (cmd.mode, cmd.syntax) in DELIBERATELY_OPEN:
            continue
        if cmd.syntax in CONFIG_GLOBALS_OPEN and reg.is_config_mode(cmd.mode):
            continue
        undeclared.append((cmd.mode, cmd.syntax))
    assert undeclared == []


def test_every_configuration_item_needs_a_write_grant() -> None:
    for cmd in default_registry().commands:
        if cmd.is_config:
            assert cmd.tasks, cmd.syntax
            assert all(perm == "write" for perm, _ in cmd.tasks), cmd.syntax


def test_deliberately_open_commands_exist() -> None:
    reg = default_registry()
    present = {(c.mode, c.syntax) for c in reg.commands}
    assert present >= DELIBERATELY_OPEN


def test_running_config_shows_only_what_the_user_may_read(router: Router) -> None:
    router.configure(
        [
            "taskgroup cfg-reader",
            "task read config-services",
            "task read root-lr",
            "usergroup readers",
            "taskgroup cfg-reader",
            "username reader",
            "group readers",
            "secret reader-pw",
        ]
    )
    full = body(router.cli("show running-config"))
    assert any(ln.startswith(" secret 10 ") for ln in full)
    s = router.session(user="reader")
    shown = body(s.handle_line("show running-config"))
    # hostname (root-lr) is readable; users, groups and their secrets (aaa) and the SSH
    # server (crypto) are not.
    assert "hostname router" in shown
    assert not any(ln.startswith(("username", "usergroup", "taskgroup", " secret")) for ln in shown)
    assert not any(ln.startswith("ssh server") for ln in shown)
    assert body(s.handle_line("show running-config username")) == [NO_SUCH_ITEMS]
    s.close()

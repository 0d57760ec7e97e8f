"""Issue 12 item 4: whole-configuration operations check the task IDs of every item they change.

``commit replace``, ``rollback configuration last N`` / ``to ID`` and NETCONF's replacing
``<edit-config>`` (``<default-operation>replace``, ``operation="replace"``) and rollback actions
make changes nobody typed. A user whose only task is write ``config-services`` (a custom
``taskgroup``/``usergroup`` configured over SSH by the administrator, as a lab would) may not
use them to remove the ``username`` and ``ssh server`` lines or undo an AAA commit: one
refused item refuses the whole operation with IOS XR's message and nothing changes (the
administrator's ``show running-config`` and commit list are the same before and after). The
administrator's own replace and a rollback the user may make still go through.

Driven as people do it: netmiko (``cisco_xr``) over real SSH for the CLI, ncclient for NETCONF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from lxml import etree
from ncclient.manager import Manager
from ncclient.operations import RPCError
from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection

from support import netconf_manager
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
CLI_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-cli-cfg"
AAA_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-lib-cfg"
LOCALD_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-locald-cfg"
ROLLBACK_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-cfgmgr-rollback-act"

#: The lab account, until the administrator configures its own secret.
LAB = ("admin", "admin")
PASSWORDS = {"admin": "Admin-pw-1", "mallory": "Mallory-pw-1", "bob": "Bob-pw-1"}

#: What the administrator configures: a task group with write (and read) config-services
#: only, a user group holding it, mallory in it, and the administrator's own account.
SETUP = [
    "taskgroup svc-only",
    "task read config-services",
    "task write config-services",
    "exit",
    "usergroup svc-users",
    "taskgroup svc-only",
    "exit",
    "username mallory",
    "group svc-users",
    f"secret {PASSWORDS['mallory']}",
    "exit",
    "username admin",
    "group root-system",
    f"secret {PASSWORDS['admin']}",
    "exit",
    "netconf-yang agent",
    "ssh",
    "exit",
]

COMMIT_FAILED = (
    "% Failed to commit one or more configuration items during a pseudo-atomic operation. "
    "All changes made have been reverted."
)
ROLLBACK_FAILED = (
    "% Rollback operation failed. Please use the command "
    "'show configuration failed rollback [inheritance]' to view the errors"
)
AUTHZ_HEADER = "!! SYNTAX/AUTHORIZATION ERRORS: This configuration failed due to"


def cli(server: SshServer, user: str, password: str | None = None) -> BaseConnection:
    return ConnectHandler(
        device_type="cisco_xr",
        host="127.0.0.1",
        port=server.port,
        username=user,
        password=password or PASSWORDS[user],
        timeout=20,
        conn_timeout=20,
    )


def nc(server: SshServer, user: str) -> Manager:
    return netconf_manager(server.port, user, PASSWORDS[user])


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="router")
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router, users=dict([LAB])).start()
    yield s
    s.stop()


@pytest.fixture
def admin(server: SshServer) -> Iterator[BaseConnection]:
    """The administrator over SSH, after configuring mallory and its own secret (the lab
    account then logs in with that secret)."""
    conn = cli(server, *LAB)
    conn.send_config_set(SETUP)
    conn.commit()
    conn.exit_config_mode()
    conn.disconnect()
    conn = cli(server, "admin")
    yield conn
    conn.disconnect()


@pytest.fixture
def mallory(admin: BaseConnection, server: SshServer) -> Iterator[BaseConnection]:
    conn = cli(server, "mallory")
    yield conn
    conn.disconnect()


def running(admin: BaseConnection) -> str:
    """The running configuration as the administrator reads it (without the timestamp)."""
    out = str(admin.send_command("show running-config"))
    return out.split("Building configuration...", 1)[1]


def commit_list(admin: BaseConnection) -> str:
    """``show configuration commit list`` from its header on (without the timestamp)."""
    out = str(admin.send_command("show configuration commit list"))
    return out[out.index("SNo.") :]


def snapshot(admin: BaseConnection) -> tuple[str, str]:
    return running(admin), commit_list(admin)


def commit_replace(conn: BaseConnection) -> str:
    """``commit replace``, answering IOS XR's question with ``yes``."""
    out = str(conn.send_command("commit replace", expect_string=r"\[no\]:"))
    return out + str(conn.send_command("yes", expect_string=r"#"))


# -- CLI: commit replace -----------------------------------------------------------------------


def test_commit_replace_by_a_config_services_user_is_refused_whole(
    admin: BaseConnection, mallory: BaseConnection, server: SshServer
) -> None:
    before = snapshot(admin)
    assert "username mallory" in before[0]
    assert "ssh server v2" in before[0]
    mallory.config_mode()
    mallory.send_command("netconf-yang agent", expect_string=r"#")  # an item it may write
    mallory.send_command("root", expect_string=r"#")
    out = commit_replace(mallory)
    assert COMMIT_FAILED in out
    failed = str(mallory.send_command("show configuration failed"))
    assert AUTHZ_HEADER in failed
    # It reads nothing but config-services: the refused items are not named to it.
    assert "username" not in failed
    assert "ssh server" not in failed
    mallory.send_command("abort", expect_string=r"#")
    assert snapshot(admin) == before
    # Every account still logs in.
    cli(server, "mallory").disconnect()

    # The administrator's replace goes through: the running configuration is what it typed.
    admin.config_mode()
    admin.send_config_set(
        [
            "hostname r2",
            "username admin",
            "group root-system",
            f"secret {PASSWORDS['admin']}",
            "root",
            "ssh server v2",
        ],
        exit_config_mode=False,
    )
    assert COMMIT_FAILED not in commit_replace(admin)
    admin.set_base_prompt()  # the hostname is r2 now
    admin.exit_config_mode()
    after = running(admin)
    assert "hostname r2" in after
    assert "username admin" in after
    assert "ssh server v2" in after
    assert "username mallory" not in after
    assert "taskgroup svc-only" not in after
    assert "interface HundredGigE0/0/0/0" not in after


def test_commit_replace_in_an_exclusive_session_is_refused(
    admin: BaseConnection, mallory: BaseConnection
) -> None:
    before = snapshot(admin)
    mallory.config_mode(config_command="configure exclusive")
    assert mallory.check_config_mode()
    out = commit_replace(mallory)
    assert COMMIT_FAILED in out
    mallory.send_command("end", expect_string=r"#")
    assert snapshot(admin) == before
    # The exclusive lock went with the session: the administrator commits again.
    admin.send_config_set(["domain name lab.example"])
    admin.commit()
    admin.exit_config_mode()
    assert "domain name lab.example" in running(admin)


def test_load_then_commit_replace_is_refused(
    admin: BaseConnection, mallory: BaseConnection
) -> None:
    # The administrator saves the configuration; mallory loads it (the lines it may not
    # type are refused by load) and would replace the running configuration with the rest.
    out = str(
        admin.send_command(
            "copy running-config harddisk:/lab.cfg", expect_string=r"\?", strip_prompt=False
        )
    )
    out += str(admin.send_command("", expect_string=r"#"))
    assert "[OK]" in out
    before = snapshot(admin)
    mallory.config_mode()
    loaded = str(mallory.send_command("load harddisk:/lab.cfg", expect_string=r"#"))
    assert "Syntax/Authorization errors in one or more commands." in loaded
    assert "netconf-yang agent" in str(mallory.send_command("show configuration"))
    assert COMMIT_FAILED in commit_replace(mallory)
    mallory.send_command("abort", expect_string=r"#")
    assert snapshot(admin) == before


# -- CLI: rollback ----------------------------------------------------------------------------


def test_rollback_of_an_aaa_commit_is_refused(
    admin: BaseConnection, mallory: BaseConnection, server: SshServer
) -> None:
    first = commit_list(admin).splitlines()[-1].split()[1]  # the oldest commit ID
    admin.send_config_set(["username bob", "group root-lr", f"secret {PASSWORDS['bob']}"])
    admin.commit()
    admin.exit_config_mode()
    before = snapshot(admin)
    for command in ("rollback configuration last 1", f"rollback configuration to {first}"):
        assert ROLLBACK_FAILED in str(mallory.send_command(command, expect_string=r"#"))
        assert snapshot(admin) == before
    failed = str(mallory.send_command("show configuration failed rollback"))
    assert AUTHZ_HEADER in failed
    assert "bob" not in failed
    cli(server, "bob").disconnect()  # bob's account is still there

    # A rollback of items it may change goes through.
    mallory.send_config_set(["no netconf-yang agent"])
    mallory.commit()
    mallory.exit_config_mode()
    assert "netconf-yang agent" not in running(admin)
    out = str(mallory.send_command("rollback configuration last 1", expect_string=r"#"))
    assert "Configuration successfully rolled back 1 commits." in out
    assert "netconf-yang agent" in running(admin)
    # And the administrator's own rollback of the AAA commit (and the two after it) works.
    out = str(admin.send_command("rollback configuration last 3", expect_string=r"#"))
    assert "Configuration successfully rolled back 3 commits." in out
    after = running(admin)
    assert "username bob" not in after
    assert "netconf-yang agent" in after


# -- NETCONF ----------------------------------------------------------------------------------


def _cli_config(text: str, op: str = "") -> str:
    attr = f' xmlns:nc="{NC}" nc:operation="{op}"' if op else ""
    return f'<config xmlns="{NC}"><cli xmlns="{CLI_NS}"{attr}>{text}</cli></config>'


def _aaa_replace(user: str) -> str:
    return (
        f'<config xmlns="{NC}"><aaa xmlns="{AAA_NS}" xmlns:nc="{NC}" nc:operation="replace">'
        f'<usernames xmlns="{LOCALD_NS}"><username><name>{user}</name></username></usernames>'
        "</aaa></config>"
    )


def _candidate(m: Manager) -> str:
    reply = m.get_config("candidate", filter=("subtree", f'<cli xmlns="{CLI_NS}"/>'))
    return "".join(etree.fromstring(reply.xml).itertext())


def _denied(call: Callable[[], object]) -> RPCError:
    with pytest.raises(RPCError) as err:
        call()
    assert err.value.tag == "access-denied", err.value
    return err.value


def test_netconf_replace_is_refused_and_changes_nothing(
    admin: BaseConnection, server: SshServer
) -> None:
    admin.send_config_set(["username bob", "group root-lr", f"secret {PASSWORDS['bob']}"])
    admin.commit()
    admin.exit_config_mode()
    before = snapshot(admin)
    with nc(server, "mallory") as m:
        # An edit it may make stays in its candidate through the refusals below.
        m.edit_config(target="candidate", config=_cli_config("no netconf-yang agent\n"))
        assert "netconf-yang agent" not in _candidate(m)
        _denied(
            lambda: m.edit_config(
                target="candidate",
                default_operation="replace",
                config=_cli_config("netconf-yang agent\n ssh\n"),
            )
        )
        _denied(
            lambda: m.edit_config(
                target="candidate", config=_cli_config("netconf-yang agent\n", op="replace")
            )
        )
        _denied(lambda: m.edit_config(target="candidate", config=_aaa_replace("mallory")))
        assert "netconf-yang agent" not in _candidate(m)
        m.discard_changes()
        m.commit()  # nothing of the refused edits is in the candidate
        assert snapshot(admin) == before

    # The administrator's replace over NETCONF goes through.
    text = running(admin).split("!\n", 1)[1].replace("username bob", "username carol")
    with nc(server, "admin") as m:
        m.edit_config(target="candidate", default_operation="replace", config=_cli_config(text))
        m.commit()
    after = running(admin)
    assert "username carol" in after
    assert "username bob" not in after


def test_netconf_rollback_actions_are_refused(admin: BaseConnection, server: SshServer) -> None:
    admin.send_config_set(["username bob", "group root-lr", f"secret {PASSWORDS['bob']}"])
    admin.commit()
    admin.exit_config_mode()
    before = snapshot(admin)
    with nc(server, "mallory") as m:
        # The rollback actions check every item they would change.
        for action in (
            "<roll-back-configuration-last><count>1</count></roll-back-configuration-last>",
            "<roll-back-configuration-to-exclude><commit-id>"
            + commit_list(admin).splitlines()[-1].split()[1]
            + "</commit-id></roll-back-configuration-to-exclude>",
        ):
            xml = action.replace(">", f' xmlns="{ROLLBACK_NS}">', 1)
            _denied(lambda xml=xml: m.dispatch(etree.fromstring(xml)))
            assert snapshot(admin) == before
    # The administrator's rollback of the AAA commit goes through.
    with nc(server, "admin") as m:
        m.dispatch(
            etree.fromstring(
                f'<roll-back-configuration-last xmlns="{ROLLBACK_NS}"><count>1</count>'
                "</roll-back-configuration-last>"
            )
        )
    assert "username bob" not in running(admin)

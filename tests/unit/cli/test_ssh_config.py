"""``ssh server`` configuration and the policy the SSH server reads from it (``SshPolicy``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xrsim.cli.commands.ssh import (
    DEFAULT_EXEC_TIMEOUT,
    DEFAULT_RATE_LIMIT,
    DEFAULT_SESSION_LIMIT,
    SshPolicy,
)
from xrsim.config.tree import ConfigTree
from xrsim.errors import CommandError
from xrsim.router import Router

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1")
    yield r
    r.shutdown()


def policy(router: Router) -> SshPolicy:
    return SshPolicy.from_tree(router.datastore.running_copy())


def test_factory_configuration_serves_ssh_in_the_default_vrf(router: Router) -> None:
    assert router.cli("show running-config ssh").splitlines()[1:] == [
        "ssh server v2",
        "ssh server vrf default",
    ]
    p = policy(router)
    assert p.serves("default")
    assert not p.serves("mgmt")
    assert not p.serves_netconf("default")
    assert (p.rate_limit, p.session_limit) == (DEFAULT_RATE_LIMIT, DEFAULT_SESSION_LIMIT)
    assert p.exec_timeout == DEFAULT_EXEC_TIMEOUT
    assert p.session_timeout is None


def test_factory_configuration_is_not_reapplied_after_a_user_removes_it(tmp_path: object) -> None:
    r = Router.boot(state_dir=str(tmp_path))
    r.configure(["no ssh server v2", "no ssh server vrf default"])
    r.shutdown()
    again = Router.boot(state_dir=str(tmp_path))
    try:
        assert "ssh server" not in again.cli("show running-config")
        assert not policy(again).serves("default")
    finally:
        again.shutdown()


def test_empty_configuration_serves_nothing() -> None:
    p = SshPolicy.from_tree(ConfigTree())
    assert not p.serves("default")
    assert not p.serves_netconf("default")


def test_vrf_lines_replace_the_v2_default(router: Router) -> None:
    router.configure(["no ssh server vrf default", "ssh server vrf mgmt"])
    p = policy(router)
    assert p.serves("mgmt")
    assert not p.serves("default")  # once VRFs are listed, only they are served


def test_limits_netconf_and_timeouts(router: Router) -> None:
    router.configure(
        [
            "ssh server rate-limit 600",
            "ssh server session-limit 1024",
            "ssh server netconf vrf default",
            "line default",
            "exec-timeout 5 30",
            "session-timeout 2",
        ]
    )
    p = policy(router)
    assert (p.rate_limit, p.session_limit) == (600, 1024)
    assert p.serves_netconf("default")
    assert p.exec_timeout == 330.0
    assert p.session_timeout == 120.0
    assert router.cli("show running-config ssh").splitlines()[1:] == [
        "ssh server v2",
        "ssh server vrf default",
        "ssh server netconf vrf default",
        "ssh server rate-limit 600",
        "ssh server session-limit 1024",
    ]
    router.configure(["no ssh server rate-limit", "line default", "exec-timeout 0 0"])
    p = policy(router)
    assert p.rate_limit == DEFAULT_RATE_LIMIT
    assert p.exec_timeout is None


@pytest.mark.parametrize(
    "line",
    [
        "ssh server rate-limit 0",
        "ssh server rate-limit 601",
        "ssh server session-limit 1025",
        "ssh server vrf",
        "ssh server v3",
    ],
)
def test_bad_lines_are_refused_and_change_nothing(router: Router, line: str) -> None:
    before = router.cli("show running-config").splitlines()[1:]
    with pytest.raises(CommandError):
        router.configure([line])
    assert router.cli("show running-config").splitlines()[1:] == before


def test_ssh_configuration_needs_the_crypto_task(router: Router) -> None:
    router.configure(["username op", "group operator"])
    s = router.session(user="op")
    assert "not authorized" in s.handle_line("show ssh")
    assert "not authorized" in s.handle_line("clear ssh 1")
    s.close()


def test_show_ssh_without_sessions(router: Router) -> None:
    lines = router.cli("show ssh").splitlines()[1:]
    assert lines[0] == "SSH version : Cisco-2.0"
    assert lines[2].split() == [
        "id",
        "chan",
        "pty",
        "location",
        "state",
        "userid",
        "host",
        "ver",
        "authentication",
        "connection",
        "type",
    ]
    assert lines[4] == "Incoming sessions"
    assert lines[5] == ""
    assert lines[6] == "Outgoing sessions"

"""The configuration grammar written once, through booted routers: readers take typed
arguments from the registry's parse; a stored configuration is parsed again at boot, so it
renders, authorizes and reads the same whatever the order commands were registered in; a
stored line no command parses any more is kept, sorted last and shown only to a user who may
read every task."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from xrsim.cli import build_registry
from xrsim.cli.commands import FAMILIES
from xrsim.cli.commands.ssh import SshPolicy
from xrsim.cli.registry import Item, Registry
from xrsim.clock import SimClock
from xrsim.pki.trustpoint import TP, Trustpoint
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")

CONFIG = [
    "hostname r9",
    "domain name example.net",
    "crypto ca trustpoint tp",
    "enrollment retry period 5",
    "enrollment url self",
    "keypair ecdsa ca-k",
    "lifetime certificate 300",
    "subject-name CN=r9,O=Example Corp,L=San  Jose",
    "serial-number none",
    "message-digest sha384",
    "exit",
    "line default",
    "exec-timeout 3 30",
    "exit",
    "ssh server rate-limit 30",
    "taskgroup cfg-reader",
    "task read config-services",
    "task read root-lr",
    "description reads the configuration",
    "usergroup readers",
    "taskgroup cfg-reader",
    "username reader",
    "group readers",
    "secret reader-pw",
]


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def running(router: Router, user: str | None = None) -> list[str]:
    """``show running-config`` without its timestamp lines, as the API user or ``user``."""
    if user is None:
        return body(router.cli("show running-config"))
    s = router.session(user=user)
    try:
        return body(s.handle_line("show running-config"))
    finally:
        s.close()


class Extra:
    """A family registered before every other one: it shifts every command's index."""

    @staticmethod
    def register(reg: Registry) -> None:
        w = (("write", "root-lr"),)
        reg.command("config", "banner motd <text:LINE>", tasks=w, item=Item(key_words=2))
        reg.command("exec", "show banner", lambda ctx: None, tasks=(("read", "root-lr"),))


class Later:
    """A family registered after every other one, with an item of the trustpoint submode (a
    command a later release has and this one does not)."""

    @staticmethod
    def register(reg: Registry) -> None:
        w = (("write", "crypto"),)
        reg.command("config", "telemetry model-driven", tasks=w, item=Item())
        reg.command("config-trustp", "auto-enroll <percent:1-100>", tasks=w, item=Item(key_words=1))


def test_readers_take_typed_arguments_from_the_parse(tmp_path: Path) -> None:
    with Router.boot(state_dir=tmp_path / "r") as router:
        router.configure(CONFIG)
        node = router.datastore.running.get(["crypto ca trustpoint tp"])
        assert node is not None
        period = node.children["enrollment retry period"]
        assert period.syntax == TP.RETRY_PERIOD
        assert period.args["minutes"] == 5
        assert isinstance(period.args["minutes"], int)
        # Items sharing a key are told apart by their syntax, not their text.
        assert node.children["enrollment"].syntax == TP.ENROLLMENT_URL
        assert node.children["keypair"].args == {"kind": "ecdsa", "label": "ca-k"}
        tp = Trustpoint.from_config("tp", node)
        assert (tp.retry_period, tp.enrollment, tp.url) == (5, "url", "self")
        assert tp.keypair == ("ecdsa", "ca-k")
        assert tp.subject == "CN=r9,O=Example Corp,L=San  Jose"  # spaces kept
        assert (tp.lifetime, tp.digest, tp.serial_number) == (300, "sha384", False)
        policy = SshPolicy.from_tree(router.datastore.running)
        assert (policy.rate_limit, policy.exec_timeout) == (30, 210.0)
        assert router.fqdn() == "r9.example.net"
    # After a restart the same readers read the same values from the stored lines.
    with Router.boot(state_dir=tmp_path / "r") as again:
        node = again.datastore.running.get(["crypto ca trustpoint tp"])
        assert node is not None
        assert node.children["enrollment retry period"].args["minutes"] == 5
        assert Trustpoint.from_config("tp", node) == tp
        assert SshPolicy.from_tree(again.datastore.running) == policy
        assert again.fqdn() == "r9.example.net"


def test_a_shifted_registry_renders_and_authorizes_a_stored_configuration_identically(
    tmp_path: Path,
) -> None:
    state = tmp_path / "r"
    with Router.boot(state_dir=state) as router:
        router.configure(CONFIG)
        router.configure(["no domain name"])
        full, limited = running(router), running(router, "reader")
        commits = body(router.cli("show configuration commit list"))
    shifted = build_registry((Extra, *FAMILIES))
    default = build_registry()
    # Every index moved (the test that failed when nodes stored their command's index).
    assert shifted.resolve("config", "hostname r9").order != (
        default.resolve("config", "hostname r9").order
    )
    with Router.boot(state_dir=state, registry=shifted) as router:
        assert running(router) == full
        # The reader may read config-services and root-lr only: the same items as before.
        assert running(router, "reader") == limited
        assert "hostname r9" in limited
        assert not any(ln.startswith(("username", "ssh server", "crypto ca")) for ln in limited)
        assert body(router.cli("show configuration commit list")) == commits
        # The commit history was parsed again too: undoing the last commit restores the
        # domain name where the schema puts it.
        router.cli("rollback configuration last 1")
        shown = running(router)
        assert shown.index("domain name example.net") == shown.index("hostname r9") + 1
        # New configuration goes in after the stored one as the schema orders it.
        router.configure(["banner motd hello"])
        shown = running(router)
        assert shown.index("banner motd hello") < shown.index("hostname r9")


def _noon() -> SimClock:
    return SimClock(datetime(2026, 12, 1, 12, tzinfo=UTC), frozen=True)


def test_unknown_stored_lines_are_kept_sorted_last_and_shown_to_every_task_only(
    tmp_path: Path,
) -> None:
    state = tmp_path / "r"
    later = build_registry((*FAMILIES, Later))
    with Router.boot(state_dir=state, registry=later, clock=_noon()) as router:
        router.configure([*CONFIG, "telemetry model-driven"])
        router.configure(["crypto ca trustpoint tp", "auto-enroll 80"])
        assert running(router)[-2:] == ["telemetry model-driven", "end"]
    # This release has neither command: boot keeps the lines as they were. (A frozen clock:
    # the rollback below is a commit of its own, stamped in the header it compares.)
    with Router.boot(state_dir=state, clock=_noon()) as router:
        shown = running(router)
        assert shown[-2:] == ["telemetry model-driven", "end"]
        start = shown.index("crypto ca trustpoint tp")
        block = shown[start : shown.index("!", start)]
        assert block[-1] == " auto-enroll 80"  # after every known line of the block
        assert router.datastore.running.get(["telemetry model-driven"]) is not None
        # A user who may not read every task does not see them (nothing says whose they are).
        limited = running(router, "reader")
        assert "hostname r9" in limited
        assert not any("telemetry" in ln or "auto-enroll" in ln for ln in limited)
        # The readers skip what they do not know; commits and rollbacks keep it.
        node = router.datastore.running.get(["crypto ca trustpoint tp"])
        tp = Trustpoint.from_config("tp", node)
        assert tp.retry_period == 5
        router.configure(["hostname r10"])
        router.cli("rollback configuration last 1")
        assert running(router) == shown
        # Typing the line is refused as any unknown command is.
        s = router.session()
        s.handle_line("configure")
        assert "% Invalid input detected at '^' marker." in s.handle_line("telemetry model-driven")
        s.close()
    # The release that has the commands again reads them as before.
    with Router.boot(state_dir=state, registry=later) as router:
        node = router.datastore.running.get(["crypto ca trustpoint tp"])
        assert node is not None
        assert node.children["auto-enroll"].args == {"percent": 80}
        top = router.datastore.running.get(["telemetry model-driven"])
        assert top is not None
        assert top.syntax == "telemetry model-driven"


def test_a_replace_that_removes_unknown_stored_lines_needs_every_task(tmp_path: Path) -> None:
    state = tmp_path / "r"
    with Router.boot(state_dir=state, registry=build_registry((*FAMILIES, Later))) as router:
        router.configure([*CONFIG, "telemetry model-driven"])
    with Router.boot(state_dir=state) as router:
        router.configure(["username netop", "group netadmin", "secret netop-pw"])
        before = running(router)
        changes = router.datastore.running.changes_to(router.datastore.running.section(["x"]))
        unknown = [c for c in changes if c.path[0].key == "telemetry model-driven"]
        # netadmin may not remove a line nothing tells the task of; root-system may.
        netop = router.session(user="netop")
        assert netop.refused_changes(unknown) == unknown
        assert router.session().refused_changes(unknown) == []
        netop.handle_line("configure")
        netop.handle_line("commit replace")
        assert "% Failed to commit" in netop.handle_line("yes")
        netop.close()
        assert running(router) == before

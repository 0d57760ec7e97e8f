"""Issue 12, item 6: reads hide what they should, as a low-privilege user finds them.

Each test boots a router with a state directory, serves it with ``SshServer`` on 127.0.0.1 and
has the lab administrator (``admin``/``admin``, the unconfigured router's account) configure,
over a real SSH shell (netmiko ``cisco_xr``), a task group, a user group and a user ``low``
who may read and write ``config-services`` but read only ``root-lr``, ``ip-services``,
``filesystem`` and ``basic-services`` (no ``aaa``, no ``crypto``, no filesystem ``execute``),
and ``admin`` itself with a secret (``root-system``). Then, logged in as ``low`` (netmiko,
ncclient):

- every configuration view (``show configuration merge``, ``show configuration changes
  [diff]``, ``show configuration commit changes``, ``show configuration rollback changes``,
  NETCONF ``<get-config>`` of the candidate and of running, ``<get>``) shows only the items
  ``show running-config`` shows ``low``: no ``username``/``taskgroup``/``usergroup`` block,
  no ``secret 10 $6$...`` hash, while the items ``low`` may read are there (and ``admin``
  still sees the hashes, as IOS XR shows them to a user with ``aaa`` read);
- ``| file PATH`` is refused as ``copy`` is (``% This command is not authorized``) and the
  file on disk keeps its bytes; ``admin`` still writes files with it;
- ``crypto key import authentication rsa LABEL PATH`` answers ``%Error opening PATH
  (Permission denied)`` for a path in the router's state tree (``/misc/config/xrsim``), also
  through a symbolic link on ``harddisk:``, and imports nothing; the same key from
  ``harddisk:`` imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from ncclient.manager import Manager
from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection

from support import netconf_manager
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(120)

ADMIN_PASSWORD = "admin-pw"
LOW_PASSWORD = "low-pw"
NOT_AUTHORIZED = "% This command is not authorized"
CLI_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-cli-cfg"
NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
AAA_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-lib-cfg"
HOST_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-cfg"

#: What the administrator configures: the low user, its groups, a secret for admin, NETCONF,
#: and ``hostname lab-r1`` (an item ``low`` may read) in the same commit as the AAA items.
SETUP = [
    "hostname lab-r1",
    "taskgroup low-tasks",
    "task read config-services",
    "task write config-services",
    "task read root-lr",
    "task read ip-services",
    "task write ip-services",
    "task read filesystem",
    "task read basic-services",
    "exit",
    "usergroup low-group",
    "taskgroup low-tasks",
    "exit",
    "username low",
    "group low-group",
    f"secret {LOW_PASSWORD}",
    "exit",
    "username admin",
    "group root-system",
    f"secret {ADMIN_PASSWORD}",
    "exit",
    "netconf-yang agent",
    "ssh",
]

#: A line of an AAA block, in any view: optional diff gutter, optional ``no``.
AAA_LINE = re.compile(r"^(?:[-+<> ]{3})?\s*(?:no )?(?:username|taskgroup|usergroup|secret)\b")
TIMESTAMP = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")


def _ssh(port: int, user: str, password: str) -> BaseConnection:
    return ConnectHandler(
        device_type="cisco_xr",
        host="127.0.0.1",
        port=port,
        username=user,
        password=password,
        timeout=30,
        conn_timeout=30,
    )


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot(hostname="router", state_dir=tmp_path / "state")
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router).start()
    # The administrator sets the lab up over the CLI (the unconfigured router's admin/admin).
    conn = _ssh(s.port, "admin", "admin")
    try:
        conn.send_config_set(SETUP)
        out = conn.commit()
        assert "%" not in out, out
        conn.exit_config_mode()
    finally:
        conn.disconnect()
    assert router.hostname() == "lab-r1"
    yield s
    s.stop()


@pytest.fixture
def login(server: SshServer) -> Iterator[Callable[[str], BaseConnection]]:
    opened: list[BaseConnection] = []

    def make(user: str) -> BaseConnection:
        password = LOW_PASSWORD if user == "low" else ADMIN_PASSWORD
        conn = _ssh(server.port, user, password)
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.disconnect()


def _body(text: str) -> list[str]:
    """Output lines without the timestamp line."""
    return [ln for ln in text.splitlines() if ln.strip() and not TIMESTAMP.match(ln)]


def _top_items(text: str, *, diff: bool = False) -> set[str]:
    """The top-level configuration items of a configuration text (``diff``: in the diff
    gutter, which is stripped), without the header lines and ``end``."""
    out = set()
    for ln in _body(text):
        if ln.startswith(("Building configuration", "!!")) or ln == "end":
            continue
        item = ln[3:] if diff else ln
        if not item.startswith((" ", "!")):
            out.add(item)
    return out


def _assert_hides_aaa(text: str) -> None:
    assert "$6$" not in text, text
    leaked = [ln for ln in _body(text) if AAA_LINE.match(ln)]
    assert leaked == [], text


# -- configuration views in a configuration session ------------------------------------------


@pytest.mark.parametrize(
    "command",
    ["show configuration merge", "show configuration changes", "show configuration changes diff"],
)
def test_candidate_views_show_only_what_running_config_shows(
    login: Callable[[str], BaseConnection], command: str
) -> None:
    admin = login("admin")
    admin.config_mode()
    assert "secret 10 $6$" in admin.send_command("show configuration merge")
    admin.exit_config_mode()

    low = login("low")
    readable = _top_items(low.send_command("show running-config"))
    assert "hostname lab-r1" in readable
    low.send_config_set(["domain name low.example"], exit_config_mode=False)
    out = low.send_command(command)
    _assert_hides_aaa(out)
    if command == "show configuration merge":
        assert _top_items(out) == readable | {"domain name low.example"}
    elif command.endswith("diff"):  # a commit replace: the user's item set, the rest removed
        items = _top_items(out, diff=True)
        assert items == readable | {"domain name low.example"}
        assert "+  domain name low.example" in out
        assert "-  hostname lab-r1" in out
    else:
        assert _top_items(out) == {"domain name low.example"} | {f"no {i}" for i in readable}
    low.send_command_timing("abort")


# -- the commit database ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "show configuration commit changes last 1",
        "show configuration commit changes last 1 diff",
        "show configuration rollback changes last 1",
        "show configuration rollback changes last 1 diff",
    ],
)
def test_commit_history_views_hide_unreadable_items(
    router: Router, login: Callable[[str], BaseConnection], command: str
) -> None:
    admin_view = login("admin").send_command(command)
    assert any(AAA_LINE.match(ln) for ln in _body(admin_view)), admin_view
    if command.endswith("diff") or "commit changes" in command:
        assert "secret 10 $6$" in admin_view  # the hashes are there to be hidden
    out = login("low").send_command(command)
    _assert_hides_aaa(out)
    # the commit's readable item is there: the hostname it set (a rollback sets it back)
    wanted = "hostname lab-r1" if "commit changes" in command else "hostname router"
    assert wanted in out, out
    assert router.datastore.commits[-1].user == "admin"


# -- NETCONF ----------------------------------------------------------------------------------


def test_netconf_get_config_shows_only_what_running_config_shows(
    router: Router, server: SshServer, login: Callable[[str], BaseConnection]
) -> None:
    shown = _top_items(login("low").send_command("show running-config"))
    m: Manager = netconf_manager(server.port, "low", LOW_PASSWORD)
    try:
        cli_filter = ("subtree", f'<cli xmlns="{CLI_NS}"/>')
        for reply in (
            m.get_config(source="candidate", filter=cli_filter),
            m.get_config(source="running", filter=cli_filter),
            m.get(filter=cli_filter),
        ):
            root = etree.fromstring(str(reply).encode())
            text = root.findtext(f"{{{NC_NS}}}data/{{{CLI_NS}}}cli") or ""
            _assert_hides_aaa(text)
            assert _top_items(text) == shown
        whole = str(m.get_config(source="running"))
        root = etree.fromstring(whole.encode())
        assert root.find(f"{{{NC_NS}}}data/{{{AAA_NS}}}aaa") is None
        assert "$6$" not in whole
        assert ">low<" not in whole
        assert root.findtext(f".//{{{HOST_NS}}}host-name") == "lab-r1"
    finally:
        m.close_session()


# -- | file ---------------------------------------------------------------------------------


def test_pipe_to_file_needs_what_copy_needs(
    router: Router, login: Callable[[str], BaseConnection]
) -> None:
    fs = router.chassis.fs()
    victim = fs.resolve("harddisk:/victim.txt")
    victim.write_bytes(b"keep me\n")
    low = login("low")
    assert NOT_AUTHORIZED in low.send_command_timing("copy harddisk:/victim.txt harddisk:/x")
    out = low.send_command("show running-config | file harddisk:/victim.txt")
    assert NOT_AUTHORIZED in out
    assert NOT_AUTHORIZED in low.send_command_timing("copy running-config harddisk:/victim.txt")
    assert victim.read_bytes() == b"keep me\n"
    assert not fs.resolve("harddisk:/x").exists()
    # the output is not shown either: the command did not run
    assert "hostname" not in out
    # a user who may copy files writes with the pipe
    admin = login("admin")
    assert _body(admin.send_command("show running-config | file harddisk:/saved.txt")) == []
    saved = fs.resolve("harddisk:/saved.txt").read_text()
    assert "hostname lab-r1" in saved
    assert "secret 10 $6$" in saved


# -- crypto key import from the state tree -------------------------------------------------------


def test_crypto_key_import_cannot_open_the_state_tree(
    router: Router, login: Callable[[str], BaseConnection]
) -> None:
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    fs = router.chassis.fs()
    planted = fs.resolve("/misc/config/xrsim/planted.pem")
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(pem)
    link = fs.resolve("harddisk:/state-link")
    link.symlink_to(planted.parent, target_is_directory=True)
    fs.resolve("harddisk:/ok.pem").write_bytes(pem)

    admin = login("admin")  # root-system: not even the administrator
    for label, path in (
        ("planted", "/misc/config/xrsim/planted.pem"),
        ("linked", "harddisk:/state-link/planted.pem"),
    ):
        out = admin.send_command_timing(f"crypto key import authentication rsa {label} {path}")
        assert f"%Error opening {path} (Permission denied)" in out, out
        assert router.keys.authentication_key(label) is None
    shown = admin.send_command("show crypto key authentication rsa all")
    assert "planted" not in shown
    assert "linked" not in shown
    # the same key from harddisk: imports
    out = admin.send_command_timing("crypto key import authentication rsa fine harddisk:/ok.pem")
    assert "%" not in out, out
    assert router.keys.authentication_key("fine") is not None

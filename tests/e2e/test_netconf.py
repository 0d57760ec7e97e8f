"""NETCONF over SSH with real clients: ncclient (``device_params={"name": "iosxr"}``, base:1.1
chunked framing) and a raw asyncssh client speaking base:1.0 end-of-message framing.

Each test boots a router with ``netconf-yang agent`` / ``ssh`` configured, serves it with
``SshServer`` on 127.0.0.1 and connects through the ``netconf`` SSH subsystem. What NETCONF did
is checked on the router itself (running configuration, CLI output) as well as in the replies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import asyncssh
import pytest
from lxml import etree
from ncclient.manager import Manager
from ncclient.operations import RPCError
from ncclient.transport.errors import SSHError

from support import netconf_manager
from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
HOST = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-cfg"
INV = "http://cisco.com/ns/yang/Cisco-IOS-XR-invmgr-oper"
NS = {"nc": NC, "h": HOST, "i": INV}
USERS = {"admin": "admin", "viewer": "viewer-pw"}


def nc_connect(port: int, user: str = "admin", timeout: int = 30) -> Manager:
    """ncclient as IOS XR users call it."""
    return netconf_manager(port, user, USERS[user], timeout=timeout)


def hostname_config(name: str) -> str:
    return (
        f'<config xmlns="{NC}"><host-names xmlns="{HOST}"><host-name>{name}</host-name>'
        "</host-names></config>"
    )


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1")
    r.configure(["netconf-yang agent", "ssh"])
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router, users=USERS).start()
    yield s
    s.stop()


@pytest.fixture
def connect(server: SshServer) -> Iterator[Callable[..., Manager]]:
    opened: list[Manager] = []

    def make(user: str = "admin") -> Manager:
        m = nc_connect(server.port, user)
        opened.append(m)
        return m

    yield make
    for m in opened:
        if m.connected:
            m.close_session()


def hostname_of(reply: object) -> str | None:
    root = etree.fromstring(str(reply).encode())
    return root.findtext("nc:data/h:host-names/h:host-name", namespaces=NS)


def test_hello_capabilities_and_session_id(connect: Callable[..., Manager]) -> None:
    m = connect()
    caps = list(m.server_capabilities)
    assert "urn:ietf:params:netconf:base:1.1" in caps
    assert "urn:ietf:params:netconf:capability:candidate:1.0" in caps
    assert "urn:ietf:params:netconf:capability:validate:1.1" in caps
    assert any(c.startswith(f"{HOST}?module=Cisco-IOS-XR-shellutil-cfg") for c in caps)
    assert int(m.session_id) > 0


def test_get_and_filtered_get_config(router: Router, connect: Callable[..., Manager]) -> None:
    m = connect()
    reply = m.get(filter=("subtree", f'<inventory xmlns="{INV}"/>'))
    root = etree.fromstring(str(reply).encode())
    names = root.xpath("//i:entity/i:name/text()", namespaces=NS)
    assert names == [row.name for row in router.chassis.inventory()]
    assert root.find("nc:data/h:host-names", NS) is None
    reply = m.get_config(source="running", filter=("subtree", f'<host-names xmlns="{HOST}"/>'))
    assert hostname_of(reply) == "r1"


def test_edit_validate_commit_discard(router: Router, connect: Callable[..., Manager]) -> None:
    m = connect()
    m.edit_config(target="candidate", config=hostname_config("nc1"))
    m.validate(source="candidate")
    assert hostname_of(m.get_config(source="candidate")) == "nc1"
    assert router.hostname() == "r1"
    m.commit()
    assert router.hostname() == "nc1"
    assert "hostname nc1" in router.cli("show running-config hostname")
    m.edit_config(target="candidate", config=hostname_config("nc2"))
    m.discard_changes()
    assert hostname_of(m.get_config(source="candidate")) == "nc1"
    router.configure(["hostname from-cli"])
    assert hostname_of(m.get_config(source="running")) == "from-cli"


def test_rpc_error_raised(router: Router, connect: Callable[..., Manager]) -> None:
    m = connect()
    with pytest.raises(RPCError) as info:
        m.edit_config(target="candidate", config=hostname_config("two words"))
    assert info.value.tag == "invalid-value"
    error_info = etree.fromstring((info.value.info or "<none/>").encode())
    assert error_info.findtext("nc:bad-element", namespaces=NS) == "host-name"
    assert "two words" in (info.value.message or "")
    assert router.hostname() == "r1"


def test_lock_unlock_and_kill_session(router: Router, connect: Callable[..., Manager]) -> None:
    a, b = connect(), connect()
    a.lock(target="running")
    with pytest.raises(RPCError) as info:
        b.lock(target="running")
    assert info.value.tag == "lock-denied"
    rows = [r for r in router.cli("show netconf-yang clients").splitlines() if "|" in r][1:]
    assert {r.split("|")[0].strip() for r in rows} == {a.session_id, b.session_id}
    a.unlock(target="running")
    b.lock(target="running")
    a.kill_session(b.session_id)
    for _ in range(100):
        if not b.connected:
            break
        time.sleep(0.05)
    assert not b.connected
    a.lock(target="running")  # the killed session's lock is gone
    a.unlock(target="running")


def test_close_session(connect: Callable[..., Manager]) -> None:
    m = connect()
    m.close_session()
    assert not m.connected


def test_access_denied_for_restricted_user(router: Router, connect: Callable[..., Manager]) -> None:
    router.configure(
        [
            "taskgroup nc-view",
            "task read crypto",
            "usergroup nc-viewers",
            "taskgroup nc-view",
            "username viewer",
            "group nc-viewers",
        ]
    )
    m = connect("viewer")
    assert hostname_of(m.get_config(source="running")) is None  # root-lr: not readable
    with pytest.raises(RPCError) as info:
        m.edit_config(target="candidate", config=hostname_config("evil"))
    assert info.value.tag == "access-denied"
    assert router.hostname() == "r1"


def test_subsystem_refused_without_agent(router: Router, server: SshServer) -> None:
    router.configure(["no netconf-yang agent"])
    with pytest.raises(SSHError, match="subsystem"):
        nc_connect(server.port, timeout=10)


async def _base10_exchange(port: int) -> tuple[str, str]:
    async with asyncssh.connect(
        "127.0.0.1",
        port,
        username="admin",
        password="admin",
        known_hosts=None,
        client_keys=None,
    ) as conn:
        writer, reader, _ = await conn.open_session(subsystem="netconf", encoding="utf-8")
        hello = await asyncio.wait_for(reader.readuntil("]]>]]>"), 10)
        writer.write(
            f'<hello xmlns="{NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.0'
            "</capability></capabilities></hello>]]>]]>"
        )
        writer.write(
            f'<rpc xmlns="{NC}" message-id="101"><get-config><source><running/></source>'
            f'<filter><host-names xmlns="{HOST}"/></filter></get-config></rpc>]]>]]>'
        )
        reply = await asyncio.wait_for(reader.readuntil("]]>]]>"), 10)
        writer.write(f'<rpc xmlns="{NC}" message-id="102"><close-session/></rpc>]]>]]>')
        await asyncio.wait_for(reader.readuntil("]]>]]>"), 10)
        return hello, reply


def test_base_1_0_client(server: SshServer) -> None:
    hello, reply = asyncio.run(_base10_exchange(server.port))
    assert "urn:ietf:params:netconf:base:1.1" in hello
    assert not reply.startswith("\n#")  # no chunked framing for a base:1.0 client
    root = etree.fromstring(reply.removesuffix("]]>]]>").encode())
    assert root.get("message-id") == "101"
    assert root.findtext("nc:data/h:host-names/h:host-name", namespaces=NS) == "r1"


def test_netconf_port(router: Router) -> None:
    with SshServer(router, users=USERS, netconf_port=0) as server:
        assert server.netconf_port is not None
        # Closed until ssh server netconf vrf names the server's VRF: the server disconnects
        # at once, which paramiko reports as SSHError or, when the disconnect meets its key
        # exchange init on the wire, as EOFError.
        with pytest.raises((SSHError, EOFError)):
            nc_connect(server.netconf_port, timeout=10)
        router.configure(["ssh server netconf vrf default"])
        with nc_connect(server.netconf_port) as m:
            assert hostname_of(m.get_config(source="running")) == "r1"

        # The NETCONF port offers the netconf subsystem only: no shell, no exec request.
        async def shell_refused() -> None:
            async with asyncssh.connect(
                "127.0.0.1",
                server.netconf_port,
                username="admin",
                password="admin",
                known_hosts=None,
                client_keys=None,
            ) as conn:
                with pytest.raises(asyncssh.ChannelOpenError):
                    await conn.run("show version", check=True, timeout=10)

        asyncio.run(shell_refused())

"""The interface models over NETCONF with ncclient (``device_params={"name": "iosxr"}``), in
the shapes NAPALM's ``iosxr_netconf`` driver reads: ``get_interfaces`` pairs
``interfaces/interfaces/interface`` with ``interface-xr/interface`` in order, ``get_facts``
lists the names, ``get_interfaces_ip`` reads ``ipv4-network``'s details. Each answer is
checked against the router's own state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree
from ncclient.manager import Manager

from support import netconf_manager
from xrsim.frontends.ssh import SshServer
from xrsim.net import interfaces as ifs
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

PFI = "http://cisco.com/ns/yang/Cisco-IOS-XR-pfi-im-cmd-oper"
IPV4 = "http://cisco.com/ns/yang/Cisco-IOS-XR-ipv4-io-oper"
NS = {"int": PFI, "v4": IPV4}

#: What NAPALM's get_interfaces asks for (its subtree filter's shape).
INTERFACES_FILTER = f"""
<interfaces xmlns="{PFI}">
  <interfaces><interface><interface-name/><description/></interface></interfaces>
  <interface-xr><interface>
    <interface-name/><line-state/><state/><mac-address><address/></mac-address>
    <bandwidth/><mtu/>
  </interface></interface-xr>
</interfaces>"""

IPV4_FILTER = f"""
<ipv4-network xmlns="{IPV4}"><nodes><node><interface-data><vrfs><vrf>
  <details><detail/></details>
</vrf></vrfs></interface-data></node></nodes></ipv4-network>"""


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1")
    r.configure(
        [
            "netconf-yang agent",
            "ssh",
            "interface Hu0/0/0/2",
            "description to r2",
            "ipv4 address 10.2.0.1/30",
            "no shutdown",
            "interface Loopback0",
            "ipv4 address 1.1.1.1 255.255.255.255",
        ]
    )
    yield r
    r.shutdown()


@pytest.fixture
def nc(router: Router) -> Iterator[Manager]:
    server = SshServer(router, users={"admin": "admin"}).start()
    m = netconf_manager(server.port, "admin", "admin")
    yield m
    m.close_session()
    server.stop()


def test_get_interfaces_shape(router: Router, nc: Manager) -> None:
    reply = etree.fromstring(nc.get(filter=("subtree", INTERFACES_FILTER)).xml.encode())
    summaries = reply.xpath(".//int:interfaces/int:interfaces/int:interface", namespaces=NS)
    details = reply.xpath(".//int:interfaces/int:interface-xr/int:interface", namespaces=NS)
    expected = ifs.interfaces(router.chassis, router.datastore.running_copy())
    names = [i.name for i in expected]
    assert [s.findtext("int:interface-name", namespaces=NS) for s in summaries] == names
    assert [d.findtext("int:interface-name", namespaces=NS) for d in details] == names
    by = {d.findtext("int:interface-name", namespaces=NS): d for d in details}
    hu2 = by["HundredGigE0/0/0/2"]
    assert hu2.findtext("int:state", namespaces=NS) == "im-state-up"
    assert hu2.findtext("int:line-state", namespaces=NS) == "im-state-up"
    assert hu2.findtext("int:bandwidth", namespaces=NS) == "100000000"
    assert hu2.findtext("int:mtu", namespaces=NS) == "1514"
    port = next(p for p in ifs.ports(router.chassis) if p.name == "HundredGigE0/0/0/2")
    mac = hu2.findtext("int:mac-address/int:address", namespaces=NS)
    assert mac is not None
    assert mac.replace(":", "") == port.mac.replace(".", "")
    assert by["HundredGigE0/0/0/3"].findtext("int:state", namespaces=NS) == "im-state-admin-down"
    assert hu2.find("int:interface-statistics", namespaces=NS) is None  # not asked for
    descriptions = {
        s.findtext("int:interface-name", namespaces=NS): s.findtext(
            "int:description", namespaces=NS
        )
        for s in summaries
    }
    assert descriptions["HundredGigE0/0/0/2"] == "to r2"


def test_get_interfaces_ip_shape(nc: Manager) -> None:
    reply = etree.fromstring(nc.get(filter=("subtree", IPV4_FILTER)).xml.encode())
    details = reply.xpath(
        ".//v4:ipv4-network/v4:nodes/v4:node/v4:interface-data/v4:vrfs/v4:vrf/v4:details/v4:detail",
        namespaces=NS,
    )
    got = {
        d.findtext("v4:interface-name", namespaces=NS): (
            d.findtext("v4:primary-address", namespaces=NS),
            d.findtext("v4:prefix-length", namespaces=NS),
        )
        for d in details
    }
    assert got == {"Loopback0": ("1.1.1.1", "32"), "HundredGigE0/0/0/2": ("10.2.0.1", "30")}


def test_counters_are_zero(nc: Manager) -> None:
    flt = (
        f'<interfaces xmlns="{PFI}"><interface-xr><interface><interface-name/>'
        "<interface-statistics/></interface></interface-xr></interfaces>"
    )
    reply = etree.fromstring(nc.get(filter=("subtree", flt)).xml.encode())
    stats = reply.xpath(".//int:interface-statistics/int:full-interface-stats/*", namespaces=NS)
    assert stats
    assert {s.text for s in stats} == {"0"}

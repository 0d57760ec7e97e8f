"""``Cisco-IOS-XR-ipv4-io-oper`` (2019-10-01): ``ipv4-network``, operational.

``IPV4_NETWORK``: ``ipv4-network/nodes/node[node-name]/interface-data/vrfs/vrf[vrf-name]``,
one node per location that owns an addressed interface (a port's node; the active RP for
loopbacks), one VRF per ``vrf`` the interfaces are in (``default`` otherwise), and in it
``briefs/brief`` (``interface-name``, ``primary-address``, ``vrf-id``, ``line-state``) and
``details/detail`` (``interface-name``, ``primary-address``, ``prefix-length``,
``line-state``, ``mtu``), what NAPALM's ``get_interfaces_ip`` reads. Only interfaces with an
``ipv4 address`` are listed. Tasks: read ``ipv4`` or read ``interface``.
"""

from __future__ import annotations

from lxml import etree

from xrsim.net.interfaces import Interface, interfaces
from xrsim.netconf.registry import Device, OperModel
from xrsim.netconf.xmlutil import Element

__all__ = ["IPV4_NETWORK", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-ipv4-io-oper"

_STATE = {"up": "im-state-up", "down": "im-state-down", "admin-down": "im-state-admin-down"}


def _sub(parent: Element, name: str, text: str | int | None = None) -> Element:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        el.text = str(text)
    return el


def _network(device: Device) -> Element | None:
    chassis = device.chassis
    grouped: dict[str, dict[str, list[Interface]]] = {}
    for i in interfaces(chassis, device.datastore.running_copy()):
        if i.ipv4 is None:
            continue
        node = i.node if i.node is not None else chassis.active_rp.name
        grouped.setdefault(node, {}).setdefault(i.vrf, []).append(i)
    top = etree.Element(f"{{{NAMESPACE}}}ipv4-network", nsmap={None: NAMESPACE})
    nodes = _sub(top, "nodes")
    for node_name, vrfs in grouped.items():
        node = _sub(nodes, "node")
        _sub(node, "node-name", node_name)
        vrfs_el = _sub(_sub(node, "interface-data"), "vrfs")
        for vrf_name, members in sorted(vrfs.items()):
            vrf = _sub(vrfs_el, "vrf")
            _sub(vrf, "vrf-name", vrf_name)
            briefs, details = _sub(vrf, "briefs"), _sub(vrf, "details")
            for i in members:
                assert i.ipv4 is not None
                brief = _sub(briefs, "brief")
                _sub(brief, "interface-name", i.name)
                _sub(brief, "primary-address", str(i.ipv4.ip))
                _sub(brief, "vrf-id", "1610612736" if vrf_name == "default" else "0")
                _sub(brief, "line-state", _STATE[i.line_state])
                detail = _sub(details, "detail")
                _sub(detail, "interface-name", i.name)
                _sub(detail, "primary-address", str(i.ipv4.ip))
                _sub(detail, "prefix-length", i.ipv4.network.prefixlen)
                _sub(detail, "line-state", _STATE[i.line_state])
                _sub(detail, "mtu", i.mtu - 14 if i.type.physical else i.mtu)
    return top


IPV4_NETWORK = OperModel(
    "Cisco-IOS-XR-ipv4-io-oper",
    NAMESPACE,
    "2019-10-01",
    "ipv4-network",
    (("read", "ipv4"), ("read", "interface")),
    _network,
)

"""``Cisco-IOS-XR-pfi-im-cmd-oper`` (2020-10-01): ``interfaces``, operational.

``INTERFACES``: every interface of the router (``xrsim.net.interfaces.interfaces`` of the
running configuration), twice, in one order, as IOS XR gives them and NAPALM reads them
(``get_facts`` lists ``interfaces/interface[interface-name]``; ``get_interfaces`` zips that
list with ``interface-xr/interface``):

- ``interfaces/interface``: ``interface-name``, ``state``, ``line-state`` (``im-state-up`` or
  ``im-state-admin-down``), ``actual-state``, ``actual-line-state``, ``encapsulation``,
  ``encapsulation-type-string``, ``mtu``, ``sub-interface-mtu-overhead``, ``l2-transport``,
  ``bandwidth`` and ``description``;
- ``interface-xr/interface``: ``interface-name``, ``interface-handle``, ``interface-type``,
  ``hardware-type-string``, ``state``, ``line-state``, ``mac-address/address`` and
  ``burned-in-address/address`` (colon form; physical ports only), ``mtu``, ``bandwidth`` (kbit/s),
  ``encapsulation``, ``description``, ``is-l2-transport-enabled`` and
  ``interface-statistics`` (``stats-type`` ``full``, every counter 0: xrsim forwards nothing).

Tasks: read ``interface``, as ``show interfaces``.
"""

from __future__ import annotations

from lxml import etree

from xrsim.net.interfaces import Interface, interfaces
from xrsim.netconf.registry import Device, OperModel
from xrsim.netconf.xmlutil import Element

__all__ = ["INTERFACES", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-pfi-im-cmd-oper"

_STATE = {"up": "im-state-up", "down": "im-state-down", "admin-down": "im-state-admin-down"}
#: IOS XR's interface type identifiers (``interface-type``).
_IFT = {
    "MgmtEth": "IFT_ETHERNET",
    "GigabitEthernet": "IFT_GETHERNET",
    "TenGigE": "IFT_TENGETHERNET",
    "TwentyFiveGigE": "IFT_TWENTYFIVEGE",
    "FortyGigE": "IFT_FORTYGETHERNET",
    "HundredGigE": "IFT_HUNDREDGE",
    "FourHundredGigE": "IFT_FOURHUNDREDGE",
    "Loopback": "IFT_LOOPBACK",
    "Null": "IFT_NULL",
}
_ENCAP = {"ARPA": "ether", "Loopback": "loopback", "Null": "null"}
_COUNTERS = (
    "packets-received",
    "bytes-received",
    "packets-sent",
    "bytes-sent",
    "multicast-packets-received",
    "broadcast-packets-received",
    "multicast-packets-sent",
    "broadcast-packets-sent",
    "output-drops",
    "output-queue-drops",
    "input-drops",
    "input-queue-drops",
    "runt-packets-received",
    "giant-packets-received",
    "throttled-packets-received",
    "parity-packets-received",
    "unknown-protocol-packets-received",
    "input-errors",
    "crc-errors",
    "input-overruns",
    "framing-errors-received",
    "input-ignored-packets",
    "input-aborts",
    "output-errors",
    "output-underruns",
    "output-buffer-failures",
    "output-buffers-swapped-out",
    "applique",
    "resets",
    "carrier-transitions",
)


def _leaf(parent: Element, name: str, text: str | int) -> Element:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    el.text = str(text)
    return el


def _colon(mac: str) -> str:
    h = mac.replace(".", "")
    return ":".join(h[i : i + 2] for i in range(0, 12, 2))


def _summary(parent: Element, i: Interface) -> None:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}interface")
    _leaf(el, "interface-name", i.name)
    _leaf(el, "state", _STATE[i.state])
    _leaf(el, "actual-state", _STATE[i.state])
    _leaf(el, "line-state", _STATE[i.line_state])
    _leaf(el, "actual-line-state", _STATE[i.line_state])
    _leaf(el, "encapsulation", _ENCAP[i.type.encapsulation])
    _leaf(el, "encapsulation-type-string", i.type.encapsulation)
    _leaf(el, "mtu", i.mtu)
    _leaf(el, "sub-interface-mtu-overhead", 0)
    _leaf(el, "l2-transport", "false")
    _leaf(el, "bandwidth", i.bandwidth)
    _leaf(el, "description", i.description)


def _detail(parent: Element, i: Interface) -> None:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}interface")
    _leaf(el, "interface-name", i.name)
    _leaf(el, "interface-handle", i.name)
    _leaf(el, "interface-type", _IFT[i.type.name])
    _leaf(el, "hardware-type-string", i.type.name)
    _leaf(el, "state", _STATE[i.state])
    _leaf(el, "line-state", _STATE[i.line_state])
    _leaf(el, "encapsulation", _ENCAP[i.type.encapsulation])
    _leaf(el, "encapsulation-type-string", i.type.encapsulation)
    _leaf(el, "mtu", i.mtu)
    _leaf(el, "is-l2-transport-enabled", "false")
    _leaf(el, "state-transition-count", 0)
    _leaf(el, "bandwidth", i.bandwidth)
    _leaf(el, "max-bandwidth", i.bandwidth)
    _leaf(el, "description", i.description)
    if i.mac is not None:
        for name in ("mac-address", "burned-in-address"):
            _leaf(etree.SubElement(el, f"{{{NAMESPACE}}}{name}"), "address", _colon(i.mac))
    stats = etree.SubElement(el, f"{{{NAMESPACE}}}interface-statistics")
    _leaf(stats, "stats-type", "full")
    full = etree.SubElement(stats, f"{{{NAMESPACE}}}full-interface-stats")
    for name in _COUNTERS:
        _leaf(full, name, 0)


def _interfaces(device: Device) -> Element | None:
    state = interfaces(device.chassis, device.datastore.running_copy())
    top = etree.Element(f"{{{NAMESPACE}}}interfaces", nsmap={None: NAMESPACE})
    summaries = etree.SubElement(top, f"{{{NAMESPACE}}}interfaces")
    details = etree.SubElement(top, f"{{{NAMESPACE}}}interface-xr")
    for i in state:
        _summary(summaries, i)
        _detail(details, i)
    return top


INTERFACES = OperModel(
    "Cisco-IOS-XR-pfi-im-cmd-oper",
    NAMESPACE,
    "2020-10-01",
    "interfaces",
    (("read", "interface"),),
    _interfaces,
)

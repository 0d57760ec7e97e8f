"""``Cisco-IOS-XR-invmgr-oper`` (2020-11-09): ``inventory``, operational.

``INVENTORY``: ``inventory/entities/entity[name]/attributes/inv-basic-bag/{name, description,
model-name, hardware-revision, serial-number}``, one entity per ``show inventory`` item (its
NAME, DESCR, PID, VID, SN, from the chassis); the chassis entity (``Rack 0``) also has
``software-revision``, the IOS XR release (NAPALM's ``get_facts`` reads its model, serial
number and release there). Tasks: read ``sysmgr`` or read ``system``, as
``show inventory``.
"""

from __future__ import annotations

from lxml import etree

from xrsim.chassis.chassis import CHASSIS_NAME
from xrsim.netconf.registry import Device, OperModel
from xrsim.netconf.xmlutil import Element

__all__ = ["INVENTORY", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-invmgr-oper"


def _inventory(device: Device) -> Element | None:
    ns = NAMESPACE
    top = etree.Element(f"{{{ns}}}inventory", nsmap={None: ns})
    entities = etree.SubElement(top, f"{{{ns}}}entities")
    for row in device.chassis.inventory():
        entity = etree.SubElement(entities, f"{{{ns}}}entity")
        etree.SubElement(entity, f"{{{ns}}}name").text = row.name
        attrs = etree.SubElement(entity, f"{{{ns}}}attributes")
        bag = etree.SubElement(attrs, f"{{{ns}}}inv-basic-bag")
        for name, value in (
            ("name", row.name),
            ("description", row.descr),
            ("model-name", row.pid),
            ("hardware-revision", row.vid),
            ("serial-number", row.sn),
        ):
            etree.SubElement(bag, f"{{{ns}}}{name}").text = value
        if row.name == CHASSIS_NAME:
            etree.SubElement(bag, f"{{{ns}}}software-revision").text = str(device.chassis.release)
    return top


INVENTORY = OperModel(
    "Cisco-IOS-XR-invmgr-oper",
    NAMESPACE,
    "2020-11-09",
    "inventory",
    (("read", "sysmgr"), ("read", "system")),
    _inventory,
)

"""``Cisco-IOS-XR-shellutil-oper`` (2019-04-05): ``system-time``, operational.

``SYSTEM_TIME``: ``system-time/clock/{year, month, day, hour, minute, second, millisecond,
wday, time-zone, time-source}`` from the router's clock (``show clock``: UTC; ``wday`` 0 is
Sunday; ``time-source`` ``calendar``, as a router without NTP reports), and
``system-time/uptime/{host-name, uptime}``: the configured hostname and the seconds since the
chassis booted (``show version``'s uptime). NAPALM's ``get_facts`` reads the hostname and the
uptime here. Tasks: none (every user may read the time, as ``show clock``).
"""

from __future__ import annotations

from lxml import etree

from xrsim.netconf.registry import Device, OperModel
from xrsim.netconf.xmlutil import Element

__all__ = ["NAMESPACE", "SYSTEM_TIME"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-oper"
#: The clock's time zone: the router's clock runs in UTC (``show clock``).
TIME_ZONE = "UTC"
#: Where the time comes from on a router with no NTP association.
TIME_SOURCE = "calendar"


def _system_time(device: Device) -> Element | None:
    ns = NAMESPACE
    now = device.clock.now()
    top = etree.Element(f"{{{ns}}}system-time", nsmap={None: ns})
    clock = etree.SubElement(top, f"{{{ns}}}clock")
    for name, value in (
        ("year", now.year),
        ("month", now.month),
        ("day", now.day),
        ("hour", now.hour),
        ("minute", now.minute),
        ("second", now.second),
        ("millisecond", now.microsecond // 1000),
        ("wday", now.isoweekday() % 7),
        ("time-zone", TIME_ZONE),
        ("time-source", TIME_SOURCE),
    ):
        etree.SubElement(clock, f"{{{ns}}}{name}").text = str(value)
    uptime = etree.SubElement(top, f"{{{ns}}}uptime")
    etree.SubElement(uptime, f"{{{ns}}}host-name").text = device.hostname()
    seconds = int(device.chassis.uptime().total_seconds())
    etree.SubElement(uptime, f"{{{ns}}}uptime").text = str(seconds)
    return top


SYSTEM_TIME = OperModel(
    "Cisco-IOS-XR-shellutil-oper",
    NAMESPACE,
    "2019-04-05",
    "system-time",
    (),
    _system_time,
)

"""SNMP server configuration: communities, trap hosts and the trap kinds xrsim sends (task
``snmp``, as on IOS XR). The notifier (``xrsim.notify``, ``router.notify``) reads them at each
commit and sends SNMP v2c traps to the hosts::

    snmp-server community NAME [RO | RW]                           stored and shown in clear,
                                                                   as IOS XR shows it
    snmp-server host ADDR traps version 2c COMMUNITY [udp-port P]  a trap host (default VRF)
    snmp-server vrf NAME                                           (config-snmp-vrf)#
     host ADDR traps version 2c COMMUNITY [udp-port P]             a trap host in VRF NAME
    snmp-server traps pki                                          the CISCO-PKI-MIB expiry
                                                                   traps (the seed's example)
    snmp-server contact LINE                                       sysContact, as typed
    snmp-server location LINE                                      sysLocation, as typed
    snmp-server chassis-id LINE                                    the chassis ID, as typed

A community without ``RO``/``RW`` is stored as typed (``snmp-server community public``), as
IOS XR shows it; its access is read-only, IOS XR's default (``SnmpConfig``). ``contact``,
``location`` and ``chassis-id`` take the rest of the line (one item each: a new line replaces
the old; ``no snmp-server contact`` removes it whatever its text). NETCONF serves these lines
as ``Cisco-IOS-XR-snmp-agent-cfg`` (``xrsim.netconf.models.snmp_agent_cfg``).

``show running-config snmp-server traps`` shows the ``snmp-server traps`` lines (the
running configuration's section filter).
"""

from __future__ import annotations

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Item, Registry
from xrsim.notify.notifier import (
    COMMUNITY,
    SNMP_CHASSIS_ID,
    SNMP_CONTACT,
    SNMP_HOST,
    SNMP_LOCATION,
    SNMP_TRAPS,
    SNMP_VRF,
    SNMP_VRF_HOST,
)

__all__ = ["register"]

SNMP_WRITE = (("write", "snmp"),)


def _community_line(ctx: Ctx) -> str:
    """IOS XR writes the access in capitals (``snmp-server community public RO``)."""
    line = f"snmp-server community {ctx.args['name']}"
    access = ctx.args.get("access")
    return line if access is None else f"{line} {str(access).upper()}"


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "snmp-server": "Modify SNMP engine parameters",
            "community": "Enable SNMP; set community string and access privs",
            "ro": "Only reads are permitted",
            "rw": "Read-write access",
            "host": "Specify hosts to receive SNMP notifications",
            "traps": "Enable SNMP notifications",
            "version": "SNMP version to use for notification messages",
            "2c": "Use 2c for SNMPv2c",
            "udp-port": "The notification host's UDP port number",
            "pki": "Enable SNMP PKI traps",
            "vrf": "Specify the VRF name",
            "contact": "Text for mib object sysContact",
            "location": "Text for mib object sysLocation",
            "chassis-id": "String to uniquely identify this chassis",
        }
    )
    reg.add_mode("config-snmp-vrf", "config", "config-snmp-vrf")
    w = SNMP_WRITE
    reg.command("config", COMMUNITY, tasks=w, item=Item(key_words=3, spell=_community_line))
    reg.command("config", SNMP_HOST, tasks=w, item=Item(key_words=7))
    reg.command("config", SNMP_TRAPS, tasks=w, item=Item())
    reg.command("config", SNMP_CONTACT, tasks=w, item=Item(key_words=2))
    reg.command("config", SNMP_LOCATION, tasks=w, item=Item(key_words=2))
    reg.command("config", SNMP_CHASSIS_ID, tasks=w, item=Item(key_words=2))
    reg.command("config", SNMP_VRF, tasks=w, item=Item(submode="config-snmp-vrf"))
    reg.command("config-snmp-vrf", SNMP_VRF_HOST, tasks=w, item=Item(key_words=6))

"""``Cisco-IOS-XR-snmp-agent-cfg`` (2019-10-31): ``snmp``, the ``snmp-server`` lines.

``SNMP``, from the module's tree:

- ``snmp/system/{contact,location,chassis-id}`` are ``snmp-server contact|location|chassis-id
  LINE`` (``string`` of 1..255 characters, the rest of the line);
- ``snmp/administration/default-communities/default-community[community-name]`` is
  ``snmp-server community NAME [RO|RW]``, its ``priviledge`` (the module's spelling) the
  ``Snmp-access-level`` ``read-only`` (``RO``) or ``read-write`` (``RW``); a community typed
  without either has no ``priviledge`` leaf (the line does not say it; IOS XR's default is
  read-only, which NAPALM then reports as mode ``""``). ``v4-access-list`` and the other
  community leaves are not modeled: xrsim has no access lists and no views;
- ``snmp/trap-hosts/trap-host[ip-address]/default-user-communities/
  default-user-community[community-name]`` is ``snmp-server host ADDR traps version 2c
  COMMUNITY [udp-port P]``: ``port`` the ``udp-port`` (absent when the line has none),
  ``version`` always ``2c`` and ``basic-trap-types``, ``advanced-trap-types1`` and
  ``advanced-trap-types2`` always ``0`` (the module's "all traps"): the module makes them
  mandatory and the CLI line implies them, so those are the only values written;
- ``snmp/vrfs/vrf[name]`` is ``snmp-server vrf NAME``, its ``trap-hosts`` the same list over
  its ``host ADDR traps version 2c COMMUNITY [udp-port P]`` lines.

Not here: ``snmp-server traps pki``. The module's ``notification`` container has only
``snmp`` (authentication, cold-start, warm-start, enable); no leaf of it, nor any augment of
it found, is the PKI trap, so that line stays CLI-only (``replace`` keeps it). The addresses
are ``inet:ip-address-no-zone`` in the module and IPv4 on the CLI: an IPv6 address is
``invalid-value``. Tasks: read and write ``snmp``, as the ``snmp-server`` commands.
"""

from __future__ import annotations

from collections.abc import Mapping

from xrsim.netconf.registry import ConfigModel
from xrsim.netconf.schema import (
    CISCO_IOS_XR_STRING,
    IPV4_ADDRESS_NO_ZONE,
    Container,
    Field,
    Leaf,
    LineGroup,
    LineList,
    ListNode,
    String,
    Uint32,
)
from xrsim.notify.notifier import COMMUNITY, SNMP_HOST, SNMP_VRF, SNMP_VRF_HOST

__all__ = ["NAMESPACE", "SNMP"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-snmp-agent-cfg"

#: ``system`` leaves: ``string { length "1..255"; }``.
_TEXT = String(length=(1, 255))
#: ``default-community/community-name``: ``string { length "1..128"; }``.
_COMMUNITY_NAME = String(length=(1, 128))
#: ``default-user-community/community-name``: an ``xr:Cisco-ios-xr-string`` of 1..128.
_USER_COMMUNITY = String(CISCO_IOS_XR_STRING.name, CISCO_IOS_XR_STRING.pattern, (1, 128))
#: ``xr:Cisco-ios-xr-port-number``.
_PORT = Uint32(1, 65535, name="xr:Cisco-ios-xr-port-number")


def _community_line(args: Mapping[str, str]) -> str:
    line = f"snmp-server community {args['name']}"
    return f"{line} {args['access'].upper()}" if "access" in args else line


def _host_tail(args: Mapping[str, str]) -> str:
    tail = f"{args['host']} traps version 2c {args['community']}"
    return f"{tail} udp-port {args['port']}" if "port" in args else tail


def _trap_hosts(syntax: str, prefix: str) -> Container:
    """``trap-hosts`` over the lines of ``syntax`` (``prefix`` + the host's words)."""
    communities = LineList(
        "default-user-community",
        "community-name",
        syntax,
        "community",
        (
            Field("port", arg="port", type=_PORT),
            Field("version", fixed="2c", mandatory=True),
            Field("basic-trap-types", fixed="0", mandatory=True),
            Field("advanced-trap-types1", fixed="0", mandatory=True),
            Field("advanced-trap-types2", fixed="0", mandatory=True),
        ),
        lambda args: prefix + _host_tail(args),
        key_type=_USER_COMMUNITY,
    )
    return Container(
        "trap-hosts",
        (
            LineGroup(
                "trap-host",
                "ip-address",
                syntax,
                "host",
                (Container("default-user-communities", (communities,)),),
                key_type=IPV4_ADDRESS_NO_ZONE,
            ),
        ),
    )


def _system_leaf(name: str, key: str) -> Leaf:
    return Leaf(name, key, f"{key} {{}}", arg="text", type=_TEXT)


SNMP = ConfigModel(
    "Cisco-IOS-XR-snmp-agent-cfg",
    NAMESPACE,
    "2019-10-31",
    Container(
        "snmp",
        (
            Container(
                "administration",
                (
                    Container(
                        "default-communities",
                        (
                            LineList(
                                "default-community",
                                "community-name",
                                COMMUNITY,
                                "name",
                                (
                                    Field(
                                        "priviledge",
                                        arg="access",
                                        enum=(("read-only", "ro"), ("read-write", "rw")),
                                    ),
                                ),
                                _community_line,
                                key_type=_COMMUNITY_NAME,
                            ),
                        ),
                    ),
                ),
            ),
            Container(
                "system",
                (
                    _system_leaf("chassis-id", "snmp-server chassis-id"),
                    _system_leaf("location", "snmp-server location"),
                    _system_leaf("contact", "snmp-server contact"),
                ),
            ),
            Container(
                "vrfs",
                (
                    ListNode(
                        "vrf",
                        "name",
                        (_trap_hosts(SNMP_VRF_HOST, "host "),),
                        syntax=SNMP_VRF,
                        arg="vrf",
                        line="snmp-server vrf {}",
                        key_type=CISCO_IOS_XR_STRING,
                    ),
                ),
            ),
            _trap_hosts(SNMP_HOST, "snmp-server host "),
        ),
    ),
    read_tasks=(("read", "snmp"),),
    write_tasks=(("write", "snmp"),),
)

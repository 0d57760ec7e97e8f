"""``Cisco-IOS-XR-ip-domain-cfg`` (2019-04-05): ``ip-domain``, the router's ``domain name``.

``IP_DOMAIN``: ``ip-domain/vrfs/vrf[vrf-name=default]/name`` is ``domain name NAME``; only the
``default`` VRF exists on the CLI (another ``vrf-name`` is ``invalid-value``). Types as the YANG
module's: ``name`` a ``string``, ``vrf-name`` an ``xr:Cisco-ios-xr-string``; a value must also
be the one argument of the ``domain name`` line (``xrsim.netconf.schema.cli_line``). Tasks: read
and write ``ip-services``, as the ``domain`` commands.
"""

from __future__ import annotations

from xrsim.netconf.registry import ConfigModel
from xrsim.netconf.schema import CISCO_IOS_XR_STRING, STRING, Container, Leaf, ListNode

__all__ = ["IP_DOMAIN", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-ip-domain-cfg"

IP_DOMAIN = ConfigModel(
    "Cisco-IOS-XR-ip-domain-cfg",
    NAMESPACE,
    "2019-04-05",
    Container(
        "ip-domain",
        (
            Container(
                "vrfs",
                (
                    ListNode(
                        "vrf",
                        "vrf-name",
                        (Leaf("name", "domain name", "domain name {}", arg="name", type=STRING),),
                        only="default",
                        key_type=CISCO_IOS_XR_STRING,
                    ),
                ),
            ),
        ),
    ),
    read_tasks=(("read", "ip-services"),),
    write_tasks=(("write", "ip-services"),),
)

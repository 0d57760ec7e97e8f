"""``Cisco-IOS-XR-shellutil-cfg`` (2019-04-05): ``host-names``, the router's ``hostname``.

``HOST_NAMES``: ``host-names/host-name`` is ``hostname NAME``. The YANG type is ``string``;
the value must also be the one argument of the ``hostname`` line, so only what ``hostname``
takes on the CLI is accepted (``r2 | file harddisk:a`` is ``invalid-value``). Tasks: read and write
``root-lr``, as the ``hostname`` command.
"""

from __future__ import annotations

from xrsim.netconf.registry import ConfigModel
from xrsim.netconf.schema import STRING, Container, Leaf

__all__ = ["HOST_NAMES", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-cfg"

HOST_NAMES = ConfigModel(
    "Cisco-IOS-XR-shellutil-cfg",
    NAMESPACE,
    "2019-04-05",
    Container(
        "host-names", (Leaf("host-name", "hostname", "hostname {}", arg="name", type=STRING),)
    ),
    read_tasks=(("read", "root-lr"),),
    write_tasks=(("write", "root-lr"),),
)

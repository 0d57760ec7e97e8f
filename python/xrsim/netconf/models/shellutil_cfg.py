"""``Cisco-IOS-XR-shellutil-cfg`` (2019-04-05): ``host-names``, the router's ``hostname``.

``HOST_NAMES``: ``host-names/host-name`` is ``hostname NAME``. Tasks: read and write
``root-lr``, as the ``hostname`` command.
"""

from __future__ import annotations

from xrsim.netconf.registry import ConfigModel
from xrsim.netconf.schema import Container, Leaf

__all__ = ["HOST_NAMES", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-cfg"

HOST_NAMES = ConfigModel(
    "Cisco-IOS-XR-shellutil-cfg",
    NAMESPACE,
    "2019-04-05",
    Container("host-names", (Leaf("host-name", "hostname", "hostname {}", arg="name"),)),
    read_tasks=(("read", "root-lr"),),
    write_tasks=(("write", "root-lr"),),
)

"""NETCONF (layer 5): NETCONF over SSH for the simulated router (RFC 6241, RFC 6242).

- ``framing``: base:1.0 end-of-message and base:1.1 chunked framing (``Framer``).
- ``xmlutil``: the XXE-safe XML parser and element helpers.
- ``filter``: subtree filtering (``subtree_filter``).
- ``models``: YANG-shaped configuration models mapped onto CLI lines, operational providers,
  and the ``ModelRegistry`` keyed by (namespace, top element).
- ``session``: ``NetconfSession``, the protocol engine of one session.

The transport (the SSH ``netconf`` subsystem) and the CLI session that edits a NETCONF
session's candidate live in layer 6 (``xrsim.frontends.ssh.netconf``): this package imports
neither ``xrsim.cli`` nor ``xrsim.router``.
"""

from __future__ import annotations

from xrsim.netconf.framing import Framer
from xrsim.netconf.models import (
    CliEdit,
    ConfigModel,
    Container,
    Device,
    Leaf,
    ListNode,
    ModelRegistry,
    OperModel,
    default_registry,
)
from xrsim.netconf.session import (
    BASE_1_0,
    BASE_1_1,
    ConfigEditor,
    EditRefusal,
    NetconfSession,
    server_capabilities,
)

__all__ = [
    "BASE_1_0",
    "BASE_1_1",
    "CliEdit",
    "ConfigEditor",
    "ConfigModel",
    "Container",
    "Device",
    "EditRefusal",
    "Framer",
    "Leaf",
    "ListNode",
    "ModelRegistry",
    "NetconfSession",
    "OperModel",
    "default_registry",
    "server_capabilities",
]

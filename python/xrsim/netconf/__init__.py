"""NETCONF (layer 5): NETCONF over SSH for the simulated router (RFC 6241, RFC 6242).

- ``framing``: base:1.0 end-of-message and base:1.1 chunked framing (``Framer``).
- ``xmlutil``: the XXE-safe XML parser and element helpers.
- ``filter``: subtree filtering (``subtree_filter``).
- ``schema``: the declarative model schema (``Leaf``, ``Container``, ``ListNode``, and
  ``LineList`` / ``LineGroup`` of ``Field`` s for leaves that are arguments of one line)
  mapped onto CLI lines, and its reader.
- ``edit``: the edit engine, an ``<edit-config>`` subtree turned into ``CliEdit`` s.
- ``registry``: ``ConfigModel``, ``CliTextModel``, ``OperModel``, ``ActionModel`` and the
  ``ModelRegistry`` keyed by (namespace, top element or action name).
- ``models``: one module per YANG module and ``MODELS``, the one list of what is served
  (``build_registry``).
- ``session``: ``NetconfSession``, the protocol engine of one session.

The transport (the SSH ``netconf`` subsystem) and the CLI session that edits a NETCONF
session's candidate live in layer 6 (``xrsim.frontends.ssh.netconf``): this package imports
neither ``xrsim.cli`` nor ``xrsim.router``.
"""

from __future__ import annotations

from xrsim.netconf.edit import CliEdit
from xrsim.netconf.framing import Framer
from xrsim.netconf.models import MODELS, build_registry
from xrsim.netconf.registry import (
    ActionModel,
    CliTextModel,
    ConfigModel,
    Device,
    Model,
    ModelRegistry,
    OperModel,
)
from xrsim.netconf.schema import Container, Field, Leaf, LineGroup, LineList, ListNode
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
    "MODELS",
    "ActionModel",
    "CliEdit",
    "CliTextModel",
    "ConfigEditor",
    "ConfigModel",
    "Container",
    "Device",
    "EditRefusal",
    "Field",
    "Framer",
    "Leaf",
    "LineGroup",
    "LineList",
    "ListNode",
    "Model",
    "ModelRegistry",
    "NetconfSession",
    "OperModel",
    "build_registry",
    "server_capabilities",
]

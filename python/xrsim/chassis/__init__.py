"""The chassis runtime (layer 2): what a platform profile becomes when a router boots.

- :mod:`xrsim.chassis.node`: node kinds (RP, LC, NPU, fan, power) and their registry, ``Node``.
- :mod:`xrsim.chassis.filesystem`: ``NodeFilesystem``, each node a real directory, safe paths,
  atomic writes.
- :mod:`xrsim.chassis.sudi`: the simulated vendor CA and per-RP SUDI identities.
- :mod:`xrsim.chassis.store`: ``StateStore``, the router's one transactional state store
  (SQLite, one file per state directory, held by one process), its format version and
  migrations, and the fault points crash tests use.
- :mod:`xrsim.chassis.chassis`: ``Chassis``: nodes, roles, reload and switchover history,
  inventory, the state store it opens.

Imports ``xrsim.errors``, ``xrsim.crypto``, ``xrsim.clock``, ``xrsim.release`` and
``xrsim.platforms`` only; ``config/``, ``cli/`` and ``router`` build on it.
"""

from __future__ import annotations

from xrsim.chassis.chassis import (
    STATE_FILE,
    STATE_TREE,
    Chassis,
    InventoryRow,
    RebootRecord,
    SwitchoverRecord,
    Udi,
)
from xrsim.chassis.filesystem import DirEntry, NodeFilesystem, atomic_write, copy_file
from xrsim.chassis.node import (
    FanTray,
    LineCard,
    Node,
    NodeKind,
    Npu,
    PowerModule,
    RouteProcessor,
    make_node,
    node_class,
    node_classes,
    register_node_class,
)
from xrsim.chassis.store import FAULT_POINTS, StateStore
from xrsim.chassis.sudi import SudiIdentity, VendorCA, nonce_bound_message, vendor_dir

__all__ = [
    "FAULT_POINTS",
    "STATE_FILE",
    "STATE_TREE",
    "Chassis",
    "DirEntry",
    "FanTray",
    "InventoryRow",
    "LineCard",
    "Node",
    "NodeFilesystem",
    "NodeKind",
    "Npu",
    "PowerModule",
    "RebootRecord",
    "RouteProcessor",
    "StateStore",
    "SudiIdentity",
    "SwitchoverRecord",
    "Udi",
    "VendorCA",
    "atomic_write",
    "copy_file",
    "make_node",
    "node_class",
    "node_classes",
    "nonce_bound_message",
    "register_node_class",
    "vendor_dir",
]

"""Integrity commands: the ``filesystem-inventory`` configuration (IOS XR 7.3.1).

Configuration (task ``filesystem`` write; the lines are ``xrsim.integrity.inventory.FSINV``,
which ``configured_interval`` reads)::

    RP/0/RP0/CPU0:router(config)#filesystem-inventory
    RP/0/RP0/CPU0:router(config-filesystem-inventory)#snapshot-interval 2

The router's ``FilesystemInventory`` (``router.fsinventory``) puts a commit of these lines into
effect (the datastore's ``on_apply``): snapshots on the router's scheduler every interval.
"""

from __future__ import annotations

from xrsim.cli.registry import Item, Registry
from xrsim.integrity.inventory import FSINV

__all__ = ["FEATURE", "MODE", "WRITE_TASKS", "register"]

#: The release feature of the filesystem inventory and the submode its line opens.
FEATURE = "filesystem-inventory"
MODE = "config-filesystem-inventory"
#: Configuring the inventory: write on the ``filesystem`` task.
WRITE_TASKS = (("write", "filesystem"),)


def register(reg: Registry) -> None:
    reg.add_mode(MODE, "config", MODE)
    reg.describe_words(
        {
            "filesystem-inventory": "Configure filesystem inventory",
            "snapshot-interval": "Snapshot interval in 15-minute blocks",
        }
    )
    reg.command("config", FSINV.ROOT, tasks=WRITE_TASKS, requires=FEATURE, item=Item(submode=MODE))
    reg.command(
        MODE,
        FSINV.SNAPSHOT_INTERVAL,
        tasks=WRITE_TASKS,
        requires=FEATURE,
        item=Item(key_words=1),
    )

"""Integrity (layer 4: imports ``xrsim.chassis``, ``xrsim.config``, ``xrsim.crypto``,
``xrsim.clock``, ``xrsim.scheduler`` and ``xrsim.errors``; never the CLI, NETCONF or the router).

- :mod:`xrsim.integrity.envelope`: the signed envelope of ``| utility sign`` (sign, parse,
  verify).
- :mod:`xrsim.integrity.inventory`: the filesystem inventory (``filesystem-inventory``
  snapshots on the scheduler, ``FilesystemInventory.collect`` for the dossier).
"""

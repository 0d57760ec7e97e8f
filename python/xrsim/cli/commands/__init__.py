"""Command families. Each module registers its modes and commands with ``register(registry)``;
``build_registry`` puts them together in a fixed order (``FAMILIES``, which is also the order
of top-level items in ``show running-config``). Nothing stored depends on that order: stored
lines are parsed again at load (``Registry.resolve``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Protocol

from xrsim.cli.commands import (
    aaa,
    basic,
    configuration,
    crypto_ca,
    crypto_keys,
    discovery,
    dossier,
    filesystem,
    install,
    integrity,
    interfaces,
    ipv6,
    logging,
    netconf,
    platform,
    snmp,
    ssh,
    system,
    trustpool,
    vrf,
)
from xrsim.cli.registry import Registry

__all__ = ["FAMILIES", "Family", "build_registry", "default_registry"]


class Family(Protocol):
    """A command family: a module (or any object) that registers its modes and commands."""

    def register(self, reg: Registry) -> None: ...


#: The families of the router CLI, in registration order.
FAMILIES: tuple[Family, ...] = (
    basic,
    configuration,
    aaa,
    vrf,
    interfaces,
    platform,
    install,
    filesystem,
    crypto_keys,
    crypto_ca,
    trustpool,
    ssh,
    netconf,
    logging,
    snmp,
    system,
    ipv6,
    discovery,
    integrity,
    dossier,
)


def build_registry(families: Sequence[Family] = FAMILIES) -> Registry:
    """A registry of the ``exec`` and ``config`` modes and ``families``' commands."""
    reg = Registry()
    reg.add_mode("exec", None, None)
    reg.add_mode("config", "exec", "config")
    for family in families:
        family.register(reg)
    return reg


@cache
def default_registry() -> Registry:
    """The registry every router shares (commands are static)."""
    return build_registry()

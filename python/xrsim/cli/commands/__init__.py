"""Command families. Each module registers its modes and commands with ``register(registry)``;
``build_registry`` puts them together in a fixed order (which is also the order of top-level
items in ``show running-config``)."""

from __future__ import annotations

from functools import cache

from xrsim.cli.registry import Registry

__all__ = ["build_registry", "default_registry"]


def build_registry() -> Registry:
    from xrsim.cli.commands import (
        aaa,
        basic,
        configuration,
        crypto_ca,
        crypto_keys,
        filesystem,
        netconf,
        platform,
        ssh,
    )

    reg = Registry()
    reg.add_mode("exec", None, None)
    reg.add_mode("config", "exec", "config")
    families = (
        basic,
        configuration,
        aaa,
        platform,
        filesystem,
        crypto_keys,
        crypto_ca,
        ssh,
        netconf,
    )
    for family in families:
        family.register(reg)
    return reg


@cache
def default_registry() -> Registry:
    """The registry every router shares (commands are static)."""
    return build_registry()

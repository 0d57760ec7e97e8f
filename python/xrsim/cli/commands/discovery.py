"""Neighbour discovery: ``show lldp ...`` and ``show cdp ...``.

xrsim runs neither LLDP nor CDP (no ``lldp`` or ``cdp`` configuration exists), so each show
answers as IOS XR does on a router where the protocol is off: ``% LLDP is not enabled`` and
``% CDP is not enabled``. Automation reads these words to tell a router without neighbour
discovery from a failure (Ansible cisco.iosxr's facts run ``show lldp`` and ``show cdp`` first).
Tasks: ``lldp`` / ``cdp`` (read).
"""

from __future__ import annotations

from xrsim.cli.context import Ctx
from xrsim.cli.registry import Registry

__all__ = ["register"]


def _lldp_off(ctx: Ctx) -> None:
    ctx.line("% LLDP is not enabled")


def _cdp_off(ctx: Ctx) -> None:
    ctx.line("% CDP is not enabled")


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "lldp": "Display LLDP information",
            "cdp": "Display CDP information",
            "neighbors": "Discovered neighbors",
            "detail": "Detailed information",
            "entry": "Information for a specific neighbor entry",
            "interface": "Interface information",
            "traffic": "Traffic statistics",
        }
    )
    for syntax in (
        "show lldp",
        "show lldp neighbors [ detail ]",
        "show lldp entry <name:WORD>",
        "show lldp interface [ <name:WORD> ]",
        "show lldp traffic",
    ):
        reg.command("exec", syntax, _lldp_off, tasks=(("read", "ethernet-services"),))
    for syntax in (
        "show cdp",
        "show cdp neighbors [ detail ]",
        "show cdp entry <name:WORD>",
        "show cdp interface [ <name:WORD> ]",
        "show cdp traffic",
    ):
        reg.command("exec", syntax, _cdp_off, tasks=(("read", "cdp"),))

"""Neighbour discovery: ``show lldp ...`` and ``show cdp ...``.

xrsim runs neither LLDP nor CDP (no ``lldp`` or ``cdp`` configuration exists), so each show
answers as IOS XR does on a router where the protocol is off: ``% LLDP is not enabled`` and
``% CDP is not enabled``. Automation reads these words to tell a router without neighbour
discovery from a failure (Ansible cisco.iosxr's facts run ``show lldp`` and ``show cdp`` first).
Tasks: ``ethernet-services`` / ``cdp`` (read).

The neighbour tables (``show lldp neighbors [detail]``, ``show cdp neighbors [detail]``) are not
declared yet, so they answer ``% Invalid input``: ntc-templates has ``cisco_xr`` templates for
them that refuse the not-enabled line (TextFSM's Error state), and tests/e2e/test_textfsm.py
parses every implemented command that has a template. They come with LLDP/CDP themselves.
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
            "entry": "Information for a specific neighbor entry",
            "interface": "Interface information",
            "traffic": "Traffic statistics",
        }
    )
    for syntax in (
        "show lldp",
        "show lldp entry <name:WORD>",
        "show lldp interface [ <name:WORD> ]",
        "show lldp traffic",
    ):
        reg.command("exec", syntax, _lldp_off, tasks=(("read", "ethernet-services"),))
    for syntax in (
        "show cdp",
        "show cdp entry <name:WORD>",
        "show cdp interface [ <name:WORD> ]",
        "show cdp traffic",
    ):
        reg.command("exec", syntax, _cdp_off, tasks=(("read", "cdp"),))

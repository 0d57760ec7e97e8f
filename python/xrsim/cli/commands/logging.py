"""Logging: the console part, ``logging console { disable | LEVEL }`` and its ``no`` form
(what Unicon's ``iosxr`` plugins send at connect: ``no logging console``, ``logging console
disable``). The line is stored and shown in the running configuration as IOS XR shows it;
``console_level(tree)`` reads it (None: console logging disabled).

Line templates: ``absolute-timeout MINUTES`` in ``line console|default|template`` (Unicon
sends ``absolute-timeout 0`` beside ``exec-timeout 0 0`` and ``session-timeout 0``); it is
stored and shown; the SSH frontend does not enforce it yet.
"""

from __future__ import annotations

from xrsim.cli.registry import Item, Registry
from xrsim.config.tree import ConfigTree
from xrsim.notify import LEVELS

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "CONSOLE",
    "DEFAULT_CONSOLE_LEVEL",
    "LEVELS",
    "console_level",
    "register",
]

#: IOS XR logs to the console at ``informational`` unless configured otherwise.
DEFAULT_CONSOLE_LEVEL = "informational"

CONSOLE = (
    "logging console <level:{ disable | emergencies | alerts | critical | errors | warnings |"
    " notifications | informational | debugging }>"
)
ABSOLUTE_TIMEOUT = "absolute-timeout <minutes:0-10000>"

#: Configuring logging; line templates take the tty-access task.
LOGGING_WRITE = (("write", "logging"),)
TTY_WRITE = (("write", "tty-access"),)


def console_level(tree: ConfigTree) -> str | None:
    """The console's severity threshold in ``tree``; None when console logging is off."""
    node = tree.get(["logging console"])
    if node is None:
        return DEFAULT_CONSOLE_LEVEL
    level = str(node.args["level"])
    return None if level == "disable" else level


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "logging": "Modify message logging facilities",
            "disable": "Disable console logging",
            "absolute-timeout": "Set absolute timeout for line disconnection",
            **{level: f"Console logging at {level} severity and above" for level in LEVELS},
        }
    )
    reg.command("config", CONSOLE, tasks=LOGGING_WRITE, item=Item(key_words=2))
    reg.command("config-line", ABSOLUTE_TIMEOUT, tasks=TTY_WRITE, item=Item(key_words=1))

"""The IOS XR CLI (layer 5): modes and the command registry (``registry``), parsing with
abbreviations, ``?`` and ``^`` errors (``parser``), sessions with interactive prompts and pipes
(``session``), what handlers see (``context``), and the commands (``commands/<family>.py``)."""

from __future__ import annotations

from xrsim.cli.commands import build_registry, default_registry
from xrsim.cli.context import Ctx, Device, Prompt
from xrsim.cli.registry import Command, Registry
from xrsim.cli.session import CliSession

__all__ = [
    "CliSession",
    "Command",
    "Ctx",
    "Device",
    "Prompt",
    "Registry",
    "build_registry",
    "default_registry",
]

"""xrsim: a simulated Cisco IOS XR router for tests, labs and benchmarks.

Layers (imports point down only; see docs/architecture.md):
``errors`` -> ``crypto`` (the only importer of ``xrsim._native``) -> ``bench`` -> ``frontends``.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

# A library logs to its own logger and leaves output to the application (no lastResort
# handler printing tracebacks on a router console).
logging.getLogger("xrsim").addHandler(logging.NullHandler())

try:
    __version__ = version("xrsim")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]

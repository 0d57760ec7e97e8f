"""``Listers``: rows that front doors lend to ``show`` commands (``show ssh``, ``show
netconf-yang clients``).

The CLI does not import the front doors (the SSH server, the NETCONF bridge: layer 6). A front
door serving a device *attaches* a lister (a function returning its current rows) while it runs
and detaches it when it stops; the ``show`` command collects the rows of every lister attached
to its device. Devices are held weakly, listers are called outside the lock.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Listers"]

T = TypeVar("T")


class Listers(Generic[T]):
    """The listers attached to each device, for one kind of row."""

    def __init__(self) -> None:
        self._attached: weakref.WeakKeyDictionary[object, list[Callable[[], list[T]]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def attach(self, device: object, lister: Callable[[], list[T]]) -> None:
        """Make ``lister``'s rows part of ``device``'s."""
        with self._lock:
            self._attached.setdefault(device, []).append(lister)

    def detach(self, device: object, lister: Callable[[], list[T]]) -> None:
        with self._lock:
            listers = self._attached.get(device, [])
            if lister in listers:
                listers.remove(lister)

    def rows(self, device: object) -> list[T]:
        """The rows of every lister attached to ``device``, lister by lister."""
        with self._lock:
            listers = list(self._attached.get(device, []))
        return [row for lister in listers for row in lister()]

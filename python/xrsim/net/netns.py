"""Linux network namespaces: work done inside one, from a short-lived thread (layer 3: imports
``xrsim.errors``).

A VRF of the router is a network namespace (INTEROP.md, lab networking). Python 3.11 has no
``os.setns`` and ``setns(2)`` moves only the calling thread, so ``run_in(netns, fn)`` starts a
thread, moves it into the namespace (``setns(fd, CLONE_NEWNET)`` through libc), calls ``fn``
there and returns its result (or raises its exception) to the caller; the thread then ends.
A socket made inside keeps its namespace when used from any thread afterwards, so a listener
or a connection is opened with ``socket_in`` and then served by the event loop as usual.
``netns=None`` is the process's own namespace: ``fn`` runs on the calling thread.

- ``run_in(netns, fn, *args)``: ``fn(*args)`` inside the namespace.
- ``socket_in(netns, family, type)``: a socket made inside the namespace.
- ``exists(netns)``: whether ``/run/netns/NAME`` is there.

Creating namespaces, veth pairs and addresses (the lab's work, and the router's interfaces in a
VRF) goes through pyroute2 elsewhere; this module only enters them. Errors:
``xrsim.errors.VrfError`` for a namespace that is missing or that this process may not enter
(no CAP_SYS_ADMIN), with the reason in words.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import socket
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from xrsim.errors import VrfError

__all__ = ["NETNS_DIR", "exists", "run_in", "socket_in"]

T = TypeVar("T")

#: Where ``ip netns add`` and pyroute2 keep named namespaces.
NETNS_DIR = "/run/netns"
_CLONE_NEWNET = 0x40000000


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _setns(fd: int) -> None:
    if _libc().setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        if err == errno.EPERM:
            raise VrfError(
                "entering a network namespace needs the CAP_SYS_ADMIN privilege (run as root)"
            )
        raise VrfError(f"the network namespace could not be entered ({os.strerror(err).lower()})")


def exists(netns: str) -> bool:
    """Whether the named namespace exists."""
    return os.path.exists(os.path.join(NETNS_DIR, netns))


def _open(netns: str) -> int:
    if not netns or "/" in netns or netns in (".", ".."):
        raise VrfError(f"{netns!r} is not a network namespace name")
    try:
        return os.open(os.path.join(NETNS_DIR, netns), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise VrfError(f"network namespace {netns} does not exist") from None
    except PermissionError:
        raise VrfError(
            f"network namespace {netns} cannot be opened: entering it needs root privileges"
        ) from None


def run_in(netns: str | None, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` inside ``netns`` (None: here, on this thread); its result or its exception."""
    if netns is None:
        return fn(*args)
    fd = _open(netns)
    result: list[T] = []
    failure: list[BaseException] = []

    def main() -> None:
        try:
            _setns(fd)
            result.append(fn(*args))
        except BaseException as e:  # handed to the caller's thread
            failure.append(e)

    try:
        thread = threading.Thread(target=main, name=f"netns-{netns}", daemon=True)
        thread.start()
        thread.join()
    finally:
        os.close(fd)
    if failure:
        raise failure[0]
    return result[0]


def socket_in(
    netns: str | None, family: int = socket.AF_INET, type: int = socket.SOCK_STREAM
) -> socket.socket:
    """A new socket of the namespace; it stays there whichever thread uses it."""
    return run_in(netns, socket.socket, family, type)

"""The router's VRF table (layer 3: imports ``xrsim.errors``, ``xrsim.chassis``,
``xrsim.config``, ``xrsim.net.interfaces``, ``xrsim.net.links``, ``xrsim.net.netns``).

A VRF of the router is a Linux network namespace: ``Vrfs`` (``router.vrfs``) binds VRF names
to namespaces and the router's interfaces to links (the router's end of a veth pair). The
bindings are host wiring, not router configuration: they are given at boot
(``Router.boot(..., vrfs={"mgmt": "ns-mgmt"}, links={"MgmtEth0/RP0/CPU0/0": "veth-r"})``) or
later (``router.vrfs.bind``, ``router.vrfs.bind_interface``), and are not stored in the state
store. The default VRF is the process's own namespace unless ``default`` is bound too.

- ``Vrfs.netns_of(vrf)``: the namespace a VRF's sockets are opened in (``None``/``"default"``:
  the default VRF's, None unless bound); ``VrfError`` in words for a VRF that the running
  configuration does not define (``vrf NAME``) or that is not bound.
- ``Vrfs.apply(target)``: the datastore's ``on_apply`` hook. For every interface bound to a
  link it realises the interface's configuration in ``target`` on the link
  (``xrsim.net.links.change``): the ``ipv4 address`` set inside the namespace of the
  interface's VRF, the link up (down with ``shutdown``), the address removed when the line goes.
  An interface without an address leaves its link as it is (the lab puts the link in the
  VRF's namespace before the configuration says which VRF the interface is in).
  It returns the undo (the datastore calls it when the commit cannot be saved); a failure
  (``VrfError``: no privilege, a link that is not there, a VRF not bound) undoes what it did and
  raises, and the commit is refused with nothing changed.
- ``Vrfs.withdraw()``: remove every address the router set (``router.shutdown``).
- ``Vrfs.watch(fn)``: ``fn()`` after every change of bindings or applied configuration (the
  SSH server keeps its listeners inside VRF namespaces in step with ``ssh server vrf``).

The table keeps the running configuration it last applied (for ``netns_of`` and to realise
again when a binding changes). Its lock is taken inside the datastore's (commits), never the
other way round.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping

from xrsim.chassis import Chassis
from xrsim.config.tree import ConfigTree
from xrsim.errors import InvalidInput, VrfError
from xrsim.net import interfaces as ifs
from xrsim.net import links
from xrsim.net.links import LinkState
from xrsim.net.netns import exists

__all__ = ["DEFAULT_VRF", "Vrfs", "configured_vrfs"]

_log = logging.getLogger("xrsim.net")

DEFAULT_VRF = ifs.DEFAULT_VRF
_LINK = re.compile(r"[^\s/]{1,15}")


def configured_vrfs(tree: ConfigTree) -> frozenset[str]:
    """The VRFs ``tree`` defines with ``vrf NAME`` (the default VRF always exists)."""
    return frozenset(
        str(n.args["name"]) for n in tree.root.children.values() if n.syntax == ifs.VRF_DEFINITION
    )


def _check_vrf_name(vrf: str) -> None:
    if not vrf or any(c.isspace() for c in vrf) or len(vrf) > 32:
        raise InvalidInput(f"{vrf!r} is not a VRF name")


class Vrfs:
    """The VRF table of one router (see the module documentation)."""

    def __init__(self, chassis: Chassis) -> None:
        self._chassis = chassis
        self._lock = threading.RLock()
        self._netns: dict[str, str] = {}
        self._links: dict[str, str] = {}
        self._tree = ConfigTree()
        #: What has been realised on each bound interface's link.
        self._applied: dict[str, LinkState] = {}
        self._watchers: list[Callable[[], None]] = []

    # -- watchers ---------------------------------------------------------------------------

    def watch(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` after each change of the bindings or of the configuration applied
        (also an undone one); returns the function that stops it. ``fn`` runs inside the
        datastore's lock: it must only hand the news on (an SSH server schedules its listeners'
        update on its loop)."""
        with self._lock:
            self._watchers.append(fn)

        def stop() -> None:
            with self._lock:
                if fn in self._watchers:
                    self._watchers.remove(fn)

        return stop

    def _changed(self) -> None:
        for fn in list(self._watchers):
            try:
                fn()
            except Exception:  # a watcher's failure is its own
                _log.exception("VRF table watcher")

    # -- bindings ---------------------------------------------------------------------------

    def bind(self, vrf: str, netns: str) -> None:
        """Bind ``vrf`` (``default`` too) to the existing network namespace ``netns``; its
        bound interfaces are realised there at once. ``VrfError`` (nothing changed) for a
        namespace that does not exist or a realisation that fails."""
        _check_vrf_name(vrf)
        if not exists(netns):
            raise VrfError(f"network namespace {netns} does not exist")
        with self._lock:
            before = dict(self._netns)
            self._netns[vrf] = netns
            try:
                self._realise(self._tree)
            except BaseException:
                self._netns = before
                raise
            self._changed()

    def unbind(self, vrf: str) -> None:
        """Forget ``vrf``'s namespace (addresses set there are withdrawn first)."""
        with self._lock:
            if vrf not in self._netns:
                return
            for name, state in list(self._applied.items()):
                if state.netns == self._netns[vrf]:
                    links.change(state, None)
                    del self._applied[name]
            del self._netns[vrf]
            self._changed()

    def bind_interface(self, interface: str, link: str) -> None:
        """Bind the router's ``interface`` (as typed: ``Mg0/RP0/CPU0/0`` is spelled out) to
        ``link``, a link in the namespace of the interface's VRF; its configuration is
        realised on it at once. ``InvalidInput`` for an interface the router does not have,
        ``VrfError`` (nothing changed) when it cannot be realised."""
        name = ifs.canonical_name(interface)
        if name is None or not ifs.exists(self._chassis, name):
            raise InvalidInput(f"{interface!r} is not an interface of this router")
        if not _LINK.fullmatch(link):
            raise InvalidInput(f"{link!r} is not a link name")
        with self._lock:
            if any(n != name and v == link for n, v in self._links.items()):
                raise InvalidInput(f"link {link} is bound to another interface")
            before = dict(self._links)
            self._links[name] = link
            try:
                self._realise(self._tree)
            except BaseException:
                self._links = before
                raise
            self._changed()

    def unbind_interface(self, interface: str) -> None:
        """Withdraw what was realised on ``interface``'s link and forget the binding."""
        name = ifs.canonical_name(interface) or interface
        with self._lock:
            state = self._applied.pop(name, None)
            self._links.pop(name, None)
            if state is not None:
                links.change(state, None)

    @property
    def bindings(self) -> dict[str, str]:
        """VRF name -> network namespace."""
        with self._lock:
            return dict(self._netns)

    @property
    def interface_links(self) -> dict[str, str]:
        """Interface name (spelled out) -> link name."""
        with self._lock:
            return dict(self._links)

    def realised(self) -> dict[str, LinkState]:
        """Interface name -> the state realised on its link."""
        with self._lock:
            return dict(self._applied)

    # -- lookups ----------------------------------------------------------------------------

    def configured(self) -> frozenset[str]:
        """The VRFs the running configuration defines (without ``default``)."""
        with self._lock:
            return configured_vrfs(self._tree)

    def netns_of(self, vrf: str | None) -> str | None:
        """The namespace ``vrf``'s sockets are opened in (None: the process's own)."""
        with self._lock:
            if vrf is None or vrf == DEFAULT_VRF:  # defined always: no need to read the tree
                return self._netns.get(DEFAULT_VRF)
            return self._netns_in(vrf, self._tree, configured_vrfs(self._tree))

    def _netns_in(self, vrf: str | None, tree: ConfigTree, defined: frozenset[str]) -> str | None:
        if vrf is None or vrf == DEFAULT_VRF:
            return self._netns.get(DEFAULT_VRF)
        if vrf not in defined:
            raise VrfError(f"VRF {vrf} is not configured (vrf {vrf})")
        netns = self._netns.get(vrf)
        if netns is None:
            raise VrfError(f"VRF {vrf} is not bound to a network namespace")
        return netns

    # -- realisation ------------------------------------------------------------------------

    def _desired(self, tree: ConfigTree) -> dict[str, LinkState]:
        if not self._links:
            return {}
        defined = configured_vrfs(tree)
        state = {i.name: i for i in ifs.interfaces(self._chassis, tree)}
        out: dict[str, LinkState] = {}
        for name, link in self._links.items():
            i = state[name]
            if i.ipv4 is None:
                continue  # nothing to put on the link: it is left as the lab made it
            try:
                netns = self._netns_in(i.vrf, tree, defined)
            except VrfError as e:
                raise VrfError(f"interface {name}: {e.reason}") from None
            out[name] = LinkState(netns, link, i.ipv4, not i.shutdown, i.vrf)
        return out

    def _move_to(self, desired: Mapping[str, LinkState]) -> None:
        """Realise ``desired`` (interfaces left out are withdrawn); on a failure go back to
        what was realised before and raise."""
        before = dict(self._applied)
        try:
            for name in sorted(set(before) | set(desired)):
                # while it changes, the link's state is unknown: a failure restores it whole
                old, new = self._applied.pop(name, None), desired.get(name)
                try:
                    links.change(old, new)
                except VrfError as e:
                    raise VrfError(f"interface {name}: {e.reason}") from None
                if new is not None:
                    self._applied[name] = new
        except BaseException:
            self._restore(before)
            raise

    def _restore(self, before: Mapping[str, LinkState]) -> None:
        for name in sorted(set(self._applied) | set(before)):
            try:
                links.change(self._applied.get(name), before.get(name))
            except VrfError as e:
                _log.warning("interface %s could not be restored: %s", name, e.reason)
        self._applied = dict(before)

    def _realise(self, tree: ConfigTree) -> None:
        self._move_to(self._desired(tree))

    def apply(self, target: ConfigTree) -> Callable[[], None]:
        """Realise ``target`` (the running configuration about to be installed); the undo."""
        with self._lock:
            previous_tree, previous = self._tree, dict(self._applied)
            self._realise(target)
            self._tree = target
            self._changed()

        def undo() -> None:
            with self._lock:
                self._restore(previous)
                self._tree = previous_tree
                self._changed()

        return undo

    def withdraw(self) -> None:
        """Remove what the router realised on its links (best effort: a namespace the lab
        already removed took its links with it)."""
        with self._lock:
            for name, state in sorted(self._applied.items()):
                try:
                    links.change(state, None)
                except VrfError as e:
                    _log.warning("interface %s: %s", name, e.reason)
            self._applied.clear()

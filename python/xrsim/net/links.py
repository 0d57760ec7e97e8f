"""The router's interfaces as real Linux links (layer 3: imports ``xrsim.errors``,
``xrsim.net.netns``; netlink through pyroute2).

An interface of the router bound to a link (the router's end of a veth pair, see
``xrsim.net.vrf.Vrfs.bind_interface``) is realised on that link, inside the network namespace
of the interface's VRF: its ``ipv4 address`` is the link's address, ``shutdown`` sets the link
down, otherwise it is up.

- ``LinkState``: what one interface asks of its link: namespace (None: the process's own),
  link name, IPv4 address (or None), whether it is up, and the VRF (for messages).
- ``change(old, new)``: move a link from the state ``old`` (what was realised, None: nothing)
  to ``new`` (None: withdraw what ``old`` set): the old address is removed, the new one added,
  the link set up or down. Pyroute2's ``IPRoute`` is opened inside the namespace from the
  short-lived thread of ``xrsim.net.netns.run_in`` (no fork).

Errors are ``VrfError`` in words: the namespace cannot be entered (CAP_SYS_ADMIN), the link is
not in the namespace, the address cannot be set (CAP_NET_ADMIN). An address already on the link
counts as set, one already gone as removed.
"""

from __future__ import annotations

import errno
import ipaddress
import os
from dataclasses import dataclass

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from xrsim.errors import VrfError
from xrsim.net.netns import run_in

__all__ = ["LinkState", "addresses", "change"]


@dataclass(frozen=True)
class LinkState:
    """One interface's link as it should be."""

    netns: str | None
    link: str
    address: ipaddress.IPv4Interface | None
    up: bool
    #: The VRF the namespace is (for the messages).
    vrf: str = "default"

    @property
    def where(self) -> str:
        ns = f"network namespace {self.netns}" if self.netns else "the process's namespace"
        return f"{ns} (VRF {self.vrf})"


def _words(e: NetlinkError, what: str) -> str:
    if e.code in (errno.EPERM, errno.EACCES):
        return f"{what} needs the CAP_NET_ADMIN privilege (run as root)"
    return f"{what} failed ({os.strerror(e.code).lower()})"


def _index(ipr: IPRoute, state: LinkState) -> int:
    found = ipr.link_lookup(ifname=state.link)
    if not found:
        raise VrfError(f"link {state.link} is not in {state.where}")
    return int(found[0])


def _withdraw(state: LinkState) -> None:
    """Remove ``state``'s address from its link (inside its namespace)."""
    address = state.address
    if address is None:
        return
    with IPRoute() as ipr:
        found = ipr.link_lookup(ifname=state.link)
        if not found:
            return  # the link went away with its address
        try:
            ipr.addr(
                "del",
                index=found[0],
                address=str(address.ip),
                prefixlen=address.network.prefixlen,
            )
        except NetlinkError as e:
            if e.code != errno.EADDRNOTAVAIL:
                raise VrfError(_words(e, f"removing {address} from {state.link}")) from None


def _realise(old: LinkState | None, new: LinkState) -> None:
    """Give ``new``'s link its address and state (inside its namespace)."""
    with IPRoute() as ipr:
        index = _index(ipr, new)
        if old is not None and old.address is not None and old.address != new.address:
            try:
                ipr.addr(
                    "del",
                    index=index,
                    address=str(old.address.ip),
                    prefixlen=old.address.network.prefixlen,
                )
            except NetlinkError as e:
                if e.code != errno.EADDRNOTAVAIL:
                    raise VrfError(_words(e, f"removing {old.address} from {new.link}")) from None
        if new.address is not None:
            try:
                ipr.addr(
                    "add",
                    index=index,
                    address=str(new.address.ip),
                    prefixlen=new.address.network.prefixlen,
                )
            except NetlinkError as e:
                if e.code != errno.EEXIST:
                    raise VrfError(_words(e, f"setting {new.address} on {new.link}")) from None
        try:
            ipr.link("set", index=index, state="up" if new.up else "down")
        except NetlinkError as e:
            raise VrfError(_words(e, f"setting {new.link} {'up' if new.up else 'down'}")) from None


def change(old: LinkState | None, new: LinkState | None) -> None:
    """Take a link from ``old`` to ``new`` (see the module documentation)."""
    if old == new:
        return
    same_link = (
        old is not None and new is not None and (old.netns, old.link) == (new.netns, new.link)
    )
    if old is not None and not same_link:
        run_in(old.netns, _withdraw, old)
    if new is not None:
        run_in(new.netns, _realise, old if same_link else None, new)


def addresses(netns: str | None, link: str) -> list[ipaddress.IPv4Interface]:
    """The IPv4 addresses on ``link`` inside ``netns`` (``show vrf`` and the tests)."""

    def read() -> list[ipaddress.IPv4Interface]:
        with IPRoute() as ipr:
            found = ipr.link_lookup(ifname=link)
            if not found:
                raise VrfError(f"link {link} is not in the namespace")
            return [
                ipaddress.IPv4Interface(f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}")
                for a in ipr.get_addr(index=found[0], family=2)
            ]

    return run_in(netns, read)

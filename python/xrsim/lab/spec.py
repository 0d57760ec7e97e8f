"""What a lab file describes, as frozen dataclasses (``xrsim.lab.labfile`` makes them from YAML).

- ``LabSpec``: the lab: its ``name``, its ``nodes`` (``count`` already expanded: a node
  ``edge`` with ``count: 3`` is ``edge1``, ``edge2``, ``edge3``), its ``networks`` and the
  ``peers`` the lab starts, and where it was read from (``source``, for the startup files and
  the inventories).
- ``NodeSpec``: one simulated router: platform PID, hostname, release, serial, startup
  configuration lines (applied at the node's first boot only, as containerlab's
  ``startup-config``), users, the address and ports its SSH and NETCONF servers listen on
  (``0``: a free port; ``netconf_port`` None: no NETCONF listener) and its VRFs.
- ``UserSpec``: a local user: ``password`` is what tools log in with (the router stores only
  its SHA-512-crypt hash, ``secret 10``); ``secret`` an already hashed one instead (then no
  inventory can carry a password for it).
- ``VrfSpec``: a VRF of a node bound to a network namespace the lab makes, joined by a veth to
  one of the lab's ``networks``; ``interface`` is the router's interface on it and ``address``
  its IPv4 address (``None``: the next free one of the network).
- ``NetworkSpec``: a lab network (a bridge in a namespace of its own), its IPv4 subnet from
  198.18.0.0/15 (``None``: the next free /24 of the lab).
- ``PeerSpec``: a program the lab starts: ``scep-ca`` (the Debian ``scep`` CA), ``tftp``
  (tftpd-hpa), ``syslog`` (a UDP syslog listener writing a file), ``snmptrapd`` (Debian's,
  logging to a file); on a ``network`` (in a namespace of its own with a veth to that
  network's bridge) or, with ``network`` None, on the host's loopback (free UDP port unless
  ``port``).

Nothing here reads files or starts anything: ``xrsim.lab.labfile`` parses and validates,
``xrsim.lab.launcher`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "PEER_KINDS",
    "LabSpec",
    "NetworkSpec",
    "NodeSpec",
    "PeerKind",
    "PeerSpec",
    "UserSpec",
    "VrfSpec",
]

PeerKind = Literal["scep-ca", "tftp", "syslog", "snmptrapd"]
PEER_KINDS: tuple[PeerKind, ...] = ("scep-ca", "tftp", "syslog", "snmptrapd")


@dataclass(frozen=True)
class UserSpec:
    name: str
    #: What tools log in with; the router keeps only its hash. Never in a ``repr``.
    password: str | None = field(default=None, repr=False)
    #: An already hashed secret (``$6$...``, ``secret 10``) instead of ``password``.
    secret: str | None = field(default=None, repr=False)
    groups: tuple[str, ...] = ("root-lr",)


@dataclass(frozen=True)
class VrfSpec:
    name: str
    network: str
    interface: str = "MgmtEth0/RP0/CPU0/0"
    #: ``198.18.1.10/24``; None: the network's next free address.
    address: str | None = None


@dataclass(frozen=True)
class NodeSpec:
    name: str
    platform: str = "NCS-55A1-24H"
    hostname: str | None = None  # None: the node's name
    release: str | None = None  # None: the platform's
    serial: str | None = None  # None: made from the lab and node names
    #: Startup configuration lines (a ``config_file`` is read into them), first boot only.
    config: tuple[str, ...] = ()
    #: The SSH server's default login (admin/admin) when a lab file names no user.
    users: tuple[UserSpec, ...] = (UserSpec("admin", password="admin"),)  # noqa: S106
    address: str = "127.0.0.1"
    ssh_port: int = 0
    netconf_port: int | None = 0
    vrfs: tuple[VrfSpec, ...] = ()

    @property
    def host_name(self) -> str:
        return self.hostname or self.name

    @property
    def login(self) -> UserSpec | None:
        """The user tools log in as: the first with a ``password`` in the root-lr group
        (else the first with a password)."""
        with_password = [u for u in self.users if u.password is not None]
        for u in with_password:
            if "root-lr" in u.groups:
                return u
        return with_password[0] if with_password else None


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    subnet: str | None = None  # 198.18.N.0/24; None: the lab's next free /24


@dataclass(frozen=True)
class PeerSpec:
    name: str
    kind: PeerKind
    network: str | None = None  # None: the host's loopback
    address: str | None = None  # on the network; None: its next free address
    port: int | None = None  # None: the kind's (scep-ca 8080, tftp 69) or a free UDP port
    #: scep-ca: the challenge password (None: a random one, kept out of every file).
    challenge: str | None = field(default=None, repr=False)
    #: snmptrapd: the community it accepts (``authCommunity log``; None: ``public``).
    community: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LabSpec:
    name: str
    nodes: tuple[NodeSpec, ...]
    networks: tuple[NetworkSpec, ...] = ()
    peers: tuple[PeerSpec, ...] = ()
    source: Path | None = None

    def node(self, name: str) -> NodeSpec:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

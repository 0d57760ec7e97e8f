"""What a running lab is, as ``lab.json`` records it (``xrsim ls``, ``xrsim inventory``,
``xrsim ssh``, ``xrsim down``, the pytest plugin's ``xr_lab``).

- ``LabStatus``: the lab's name, the process serving it (``pid``; the lab process of ``xrsim up``,
  or the test's own), its directory (``root``: node state, console sockets, peer logs,
  ``known_hosts``), the lab file it came from (``source``), when it came up, its ``state``
  (``starting``, ``up``, ``stopping``, ``stopped``; ``gone`` as the registry reports a lab
  whose process died), its nodes and peers, and what it made that ``down``
  must undo if the lab process is gone (``namespaces``, ``pids``).
- ``NodeEndpoint``: a node's name, hostname, platform, release, serial, SSH and NETCONF address
  and ports, console socket, state directory, the login user's name (never a password: those
  stay in the lab file), and the SHA256 fingerprint of its SSH host key (as OpenSSH prints it).
- ``PeerEndpoint``: a peer's name, kind, namespace (None: the host's), address and port, the URL
  a router uses (``scep-ca``: ``http://ADDR:PORT/scep``; ``tftp``: ``tftp://ADDR``), its log
  file and pid.

``to_json()`` / ``from_json()`` are exact inverses; ``lab.json`` is written atomically
(``write``: a temporary file renamed over it), mode 0600.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["LabState", "LabStatus", "NodeEndpoint", "PeerEndpoint"]

#: ``stopped``: a lab stopped with its directory kept (``Lab.stop(keep=True)``, ``xrsim down
#: --keep``); ``gone``: never written, what ``xrsim.lab.registry`` reports for a lab whose
#: process died without stopping it.
LabState = Literal["starting", "up", "stopping", "stopped", "gone"]


@dataclass(frozen=True)
class NodeEndpoint:
    name: str
    hostname: str
    platform: str
    release: str
    serial: str
    host: str
    ssh_port: int
    netconf_port: int | None
    console: str  # the console socket's path
    state_dir: str
    username: str | None
    host_key_sha256: str  # "SHA256:..." as ssh-keygen -l prints it
    vrfs: dict[str, str] = field(default_factory=dict)  # VRF -> namespace


@dataclass(frozen=True)
class PeerEndpoint:
    name: str
    kind: str
    netns: str | None
    address: str
    port: int
    url: str | None
    log: str | None
    pid: int | None


@dataclass(frozen=True)
class LabStatus:
    name: str
    pid: int
    root: str
    source: str | None
    started: str  # ISO 8601, UTC
    state: LabState
    nodes: tuple[NodeEndpoint, ...] = ()
    peers: tuple[PeerEndpoint, ...] = ()
    namespaces: tuple[str, ...] = ()
    pids: tuple[int, ...] = ()

    def node(self, name: str) -> NodeEndpoint:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["nodes"] = [asdict(n) for n in self.nodes]
        doc["peers"] = [asdict(p) for p in self.peers]
        doc["namespaces"] = list(self.namespaces)
        doc["pids"] = list(self.pids)
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> LabStatus:
        return cls(
            name=doc["name"],
            pid=int(doc["pid"]),
            root=doc["root"],
            source=doc.get("source"),
            started=doc["started"],
            state=doc["state"],
            nodes=tuple(NodeEndpoint(**n) for n in doc.get("nodes", ())),
            peers=tuple(PeerEndpoint(**p) for p in doc.get("peers", ())),
            namespaces=tuple(doc.get("namespaces", ())),
            pids=tuple(int(p) for p in doc.get("pids", ())),
        )

    def write(self, path: Path) -> None:
        """Write as JSON to ``path`` atomically, mode 0600."""
        fd, tmp = tempfile.mkstemp(prefix=".lab.", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(self.to_json(), f, indent=2)
                f.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def read(cls, path: Path) -> LabStatus:
        return cls.from_json(json.loads(path.read_text()))

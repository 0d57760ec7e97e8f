"""``DeviceState``: the parts of a router that the views of its state read and change (layer 4).

The CLI (``xrsim.cli``) and NETCONF (``xrsim.netconf``) are two views of one router and do not
import each other or ``xrsim.router``; both are written against this protocol, which
``xrsim.router.Router`` satisfies. The CLI adds the naming it needs for prompts
(``xrsim.cli.context.Device``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from xrsim.chassis import Chassis
    from xrsim.clock import SimClock
    from xrsim.config.datastore import Datastore
    from xrsim.integrity.fingerprint import Fingerprints
    from xrsim.integrity.ima import ImaLogs
    from xrsim.integrity.inventory import FilesystemInventory
    from xrsim.integrity.packages import PackageManager
    from xrsim.net.vrf import Vrfs
    from xrsim.notify import Notifier
    from xrsim.pki.enrollment import Enrollment
    from xrsim.pki.keystore import KeyStore
    from xrsim.pki.trustpoint import CertStore
    from xrsim.pki.trustpool import TrustPool
    from xrsim.scheduler import Scheduler
    from xrsim.sessions import SessionTable

__all__ = ["DeviceState"]


class DeviceState(Protocol):
    """A router's chassis, configuration datastore, clock, scheduler, key store, certificates
    and their remote enrollments, its CA trustpool, the table of its SSH and NETCONF sessions,
    its VRF table,
    its software packages and their fingerprints, its IMA measurement lists, its filesystem
    inventory, its syslog and SNMP notifier and its hostname."""

    @property
    def chassis(self) -> Chassis: ...

    @property
    def datastore(self) -> Datastore: ...

    @property
    def clock(self) -> SimClock: ...

    @property
    def scheduler(self) -> Scheduler: ...

    @property
    def keys(self) -> KeyStore: ...

    @property
    def certs(self) -> CertStore: ...

    @property
    def enrollment(self) -> Enrollment: ...

    @property
    def session_table(self) -> SessionTable: ...

    @property
    def trustpool(self) -> TrustPool:
        """The CA trustpool (built-in and downloaded certificates, policy, update timer)."""
        ...

    @property
    def fingerprints(self) -> Fingerprints:
        """The package fingerprints (``xrsim.integrity.fingerprint``)."""
        ...

    @property
    def ima(self) -> ImaLogs:
        """The IMA measurement list of every node that runs IOS XR."""
        ...

    @property
    def fsinventory(self) -> FilesystemInventory:
        """The filesystem inventory (``filesystem-inventory`` snapshots, ``collect``)."""
        ...

    @property
    def vrfs(self) -> Vrfs:
        """VRFs bound to network namespaces (``netns_of``) and interfaces bound to links."""
        ...

    @property
    def notify(self) -> Notifier:
        """Syslog (buffer, remote hosts) and SNMP traps (``xrsim.notify``)."""
        ...

    @property
    def packages(self) -> PackageManager:
        """The software packages (active, committed, install operations and their log)."""
        ...

    def hostname(self) -> str:
        """The configured ``hostname`` (IOS XR's default when none is)."""
        ...

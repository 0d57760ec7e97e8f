"""SNMP v2c traps: encoding with pysnmp's v2c protocol API (layer 4: imports ``pysnmp``,
``pyasn1``).

- ``Varbind``: an OID (dotted string) and a value: ``str`` (OctetString), ``int`` (Integer32),
  ``Counter``/``Gauge``/``TimeTicks``-like values through pysnmp's types, or an ``Oid``.
- ``encode_trap(community, uptime, trap_oid, varbinds, request_id)``: the BER of one SNMPv2-Trap
  PDU in a v2c message: ``sysUpTime.0`` (hundredths of a second), ``snmpTrapOID.0``, then the
  varbinds (RFC 3416 section 4.2.6).
- The PKI expiry notification of CISCO-PKI-MIB: ``PKI_EXPIRY_TRAP``
  (``ciscoPkiCertExpiryAlert``) and its objects (``PKI_OBJECTS``), instances of
  ``certChainTable`` rows (``chain_index``); see the note beside them for the source.

Sending is the notifier's (``xrsim.notify.notifier``): one UDP datagram per host, from a
socket made inside the VRF's namespace, never waiting for an answer (traps are unacknowledged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyasn1.codec.ber import encoder  # type: ignore[import-untyped]
from pysnmp.proto import rfc1902
from pysnmp.proto.api import v2c

__all__ = [
    "CERT_CHAIN_ENTRY",
    "PKI_EXPIRY_TRAP",
    "PKI_INSTALL_TRAP",
    "PKI_MIB",
    "PKI_OBJECTS",
    "Oid",
    "Varbind",
    "chain_index",
    "encode_trap",
]


@dataclass(frozen=True)
class Oid:
    """An OBJECT IDENTIFIER value of a varbind (as opposed to the varbind's own name)."""

    dotted: str


#: A varbind's value: text (OctetString), an integer (Integer32), an ``Oid``, or a pysnmp value.
Value = str | bytes | int | Oid | Any


@dataclass(frozen=True)
class Varbind:
    oid: str
    value: Value


def _asn1(value: Value) -> Any:
    if isinstance(value, Oid):
        return rfc1902.ObjectName(value.dotted)
    if isinstance(value, bool):
        raise TypeError("a varbind value cannot be a bool")
    if isinstance(value, int):
        return rfc1902.Integer32(value)
    if isinstance(value, str):
        return rfc1902.OctetString(value.encode())
    if isinstance(value, bytes):
        return rfc1902.OctetString(value)
    return value


def encode_trap(
    community: str,
    uptime: int,
    trap_oid: str,
    varbinds: Sequence[Varbind],
    *,
    request_id: int,
) -> bytes:
    """One SNMPv2-Trap in a v2c message: ``uptime`` in hundredths of a second."""
    pdu = v2c.TrapPDU()
    # The PDU's defaults (error status and index 0, no varbinds), not the trap API's, which
    # also encodes a stand-in sysUpTime and coldStart varbind list only to replace it.
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiTrapPDU.set_request_id(pdu, request_id)
    binds: list[tuple[Any, Any]] = [
        (v2c.apiTrapPDU.sysUpTime, rfc1902.TimeTicks(uptime % 2**32)),
        (v2c.apiTrapPDU.snmpTrapOID, rfc1902.ObjectName(trap_oid)),
    ]
    binds.extend((rfc1902.ObjectName(vb.oid), _asn1(vb.value)) for vb in varbinds)
    v2c.apiTrapPDU.set_varbinds(pdu, binds)
    msg = v2c.Message()
    v2c.apiMessage.set_defaults(msg)
    v2c.apiMessage.set_community(msg, community)
    v2c.apiMessage.set_pdu(msg, pdu)
    return bytes(encoder.encode(msg))


#: CISCO-PKI-MIB (``ciscoPkiMIB``, 1.3.6.1.4.1.9.9.854, revision 2014-10-15), the MIB whose
#: ``ciscoPkiCertExpiryAlert`` notification IOS XR sends for ``snmp-server traps pki``
#: (https://mibs.observium.org/mib/CISCO-PKI-MIB; its description is the seed's schedule: from
#: 60 days to a week at intervals, then daily). Its objects are columns of ``certChainTable``
#: (``certChainEntry`` 1.3.6.1.4.1.9.9.854.2.2.1.1, indexed by ``certChainLabel``, a
#: DisplayString, so an instance is the column's OID, the label's length and its bytes); every
#: one is a DisplayString. xrsim labels the chain by the trustpoint's name. The MIB gives the
#: remaining lifetime "in seconds": xrsim sends the whole seconds as decimal text.
PKI_MIB = "1.3.6.1.4.1.9.9.854"
PKI_EXPIRY_TRAP = f"{PKI_MIB}.1.2"  # ciscoPkiCertExpiryAlert
PKI_INSTALL_TRAP = f"{PKI_MIB}.1.1"  # ciscoPkiCertInstallAlert (not sent by xrsim)
CERT_CHAIN_ENTRY = f"{PKI_MIB}.2.2.1.1"
#: The notification's objects in the MIB's order (its ``OBJECTS`` clause), by the field of
#: the expiry notice each carries.
PKI_OBJECTS: dict[str, str] = {
    "serial": f"{CERT_CHAIN_ENTRY}.2",  # certSerialNum
    "subject": f"{CERT_CHAIN_ENTRY}.9",  # certSubName
    "issuer": f"{CERT_CHAIN_ENTRY}.3",  # certIssuerName
    "cert_type": f"{CERT_CHAIN_ENTRY}.6",  # certType
    "trustpoint": f"{CERT_CHAIN_ENTRY}.8",  # certTpLabel
    "time_left": f"{CERT_CHAIN_ENTRY}.7",  # certRemainingLife
}


def chain_index(label: str) -> str:
    """The instance suffix of a ``certChainTable`` row: the label's length, then its bytes."""
    data = label.encode()
    return ".".join(str(b) for b in (len(data), *data))

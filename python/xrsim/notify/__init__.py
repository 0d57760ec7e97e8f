"""Syslog and SNMP notifications (layer 4): what the router tells the outside world.

- :mod:`xrsim.notify.syslog`: ``Severity`` and ``LEVELS`` (IOS XR's names), ``Message`` (a
  process's ``%FACILITY-SUBSYSTEM-SEVERITY-MNEMONIC : text``), ``LogEntry`` (the line of
  ``show logging`` and the remote syslog datagram), ``LogBuffer`` (``logging buffered``).
- :mod:`xrsim.notify.snmp`: SNMP v2c trap encoding (pysnmp) and the CISCO-PKI-MIB expiry
  notification's OIDs.
- :mod:`xrsim.notify.notifier`: ``Notifier`` (``router.notify``): reads the ``logging`` and
  ``snmp-server`` configuration at each commit, logs messages to the buffer and the remote
  hosts (inside their VRFs), sends traps, and turns PKI notices into both.
"""

from __future__ import annotations

from xrsim.notify.notifier import (
    Counters,
    ExpiryLike,
    LoggingConfig,
    Notice,
    Notifier,
    SnmpConfig,
    SyslogHost,
    TrapHost,
)
from xrsim.notify.snmp import Varbind
from xrsim.notify.syslog import LEVELS, LogBuffer, LogEntry, Message, Severity, level

__all__ = [
    "LEVELS",
    "Counters",
    "ExpiryLike",
    "LogBuffer",
    "LogEntry",
    "LoggingConfig",
    "Message",
    "Notice",
    "Notifier",
    "Severity",
    "SnmpConfig",
    "SyslogHost",
    "TrapHost",
    "Varbind",
    "level",
]

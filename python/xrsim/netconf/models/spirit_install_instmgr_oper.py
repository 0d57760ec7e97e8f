"""``Cisco-IOS-XR-spirit-install-instmgr-oper`` (2020-10-06, IOS XR 7.3.1): ``install``,
operational: the packages with their fingerprints (``router.fingerprints``,
``xrsim.integrity.fingerprint``).

``INSTALL``: ``install/packages/active`` and ``install/packages/committed``, each (as the YANG's
``NODE-TABLE`` and ``SUMMARY`` groupings) with

- ``nodes/node[node]`` per node that runs IOS XR: ``rpm-fingerprint-status``,
  ``rpm-fingerprint-timestamp`` and ``package`` (``name``, ``version``, ``release``,
  ``gpg-key-id``, ``rpm-fingerprint/{rpm-fingerprint-install-time, rpm-fingerprint-run-time}``,
  ``architecture``) with that node's run-time fingerprints;
- ``summary``: the same leaves for the router, the run-time fingerprints of the active route
  processor: the seed's shape.

``rpm-fingerprint-status`` is the YANG ``Inst-fp-request-status`` (``generation-up-to-date``,
``generation-in-progress``); ``rpm-fingerprint-timestamp`` the router clock's time of the last
generation as ``Mon Jun 15 15:58:22 2020`` (absent before the first); a run-time fingerprint
``0`` means none has been generated yet; ``gpg-key-id`` is the signing key's ID (16 hex
digits) or ``0`` for an unsigned package, as the YANG says. Committed packages that are not
active have run-time ``0``. Tasks: read ``pkg-mgmt``, as ``show install``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from xrsim.integrity.fingerprint import FingerprintReport, PackageFingerprint
from xrsim.netconf.registry import Device, OperModel
from xrsim.netconf.xmlutil import Element

__all__ = ["INSTALL", "NAMESPACE", "fingerprint_time"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-spirit-install-instmgr-oper"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fingerprint_time(dt: datetime) -> str:
    """``rpm-fingerprint-timestamp``: ``Mon Jun 15 15:58:22 2020`` (UTC; a one-digit day
    space-padded, as ``ctime`` prints it)."""
    t = dt.astimezone(UTC)
    return (
        f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day:2d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} {t.year}"
    )


def _leaf(parent: Element, name: str, text: str) -> Element:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    el.text = text
    return el


def _bag(parent: Element, report: FingerprintReport, rows: tuple[PackageFingerprint, ...]) -> None:
    """The status, timestamp and package list (``INST-PACKAGES-BAG``/``-SUMMARY-``)."""
    _leaf(parent, "rpm-fingerprint-status", report.status)
    if report.timestamp is not None:
        _leaf(parent, "rpm-fingerprint-timestamp", fingerprint_time(report.timestamp))
    for row in rows:
        p = row.package
        el = etree.SubElement(parent, f"{{{NAMESPACE}}}package")
        _leaf(el, "name", p.name)
        _leaf(el, "version", p.version)
        _leaf(el, "release", p.release)
        _leaf(el, "gpg-key-id", p.gpg_key_id or "0")
        fp = etree.SubElement(el, f"{{{NAMESPACE}}}rpm-fingerprint")
        _leaf(fp, "rpm-fingerprint-install-time", row.install_time)
        _leaf(fp, "rpm-fingerprint-run-time", row.run_time)
        _leaf(el, "architecture", p.arch)


def _set(parent: Element, tag: str, report: FingerprintReport) -> None:
    top = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    nodes = etree.SubElement(top, f"{{{NAMESPACE}}}nodes")
    for name, rows in report.nodes.items():
        node = etree.SubElement(nodes, f"{{{NAMESPACE}}}node")
        _leaf(node, "node", name)
        _bag(node, report, rows)
    _bag(etree.SubElement(top, f"{{{NAMESPACE}}}summary"), report, report.packages)


def _install(device: Device) -> Element | None:
    fingerprints = device.fingerprints
    top = etree.Element(f"{{{NAMESPACE}}}install", nsmap={None: NAMESPACE})
    packages = etree.SubElement(top, f"{{{NAMESPACE}}}packages")
    _set(packages, "active", fingerprints.report("active"))
    _set(packages, "committed", fingerprints.report("committed"))
    return top


INSTALL = OperModel(
    "Cisco-IOS-XR-spirit-install-instmgr-oper",
    NAMESPACE,
    "2020-10-06",
    "install",
    (("read", "pkg-mgmt"),),
    _install,
)

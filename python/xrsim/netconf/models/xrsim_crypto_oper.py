"""``xrsim-crypto-oper`` (``urn:xrsim:yang:xrsim-crypto-oper``, 2026-11-27): keys and
certificates, operational, in a namespace of xrsim's own.

The IOS XR module behind ``show crypto key mypubkey`` and ``show crypto ca certificates`` could
not be identified, so the leaves are named after the show commands' fields:

- ``CRYPTO_KEYS``: ``crypto-keys/key/{label, key-type, usage, size, created, data}`` from the
  router's key store (``data``: the public key as ``show crypto key mypubkey`` prints it, in
  upper-case hex; an unreadable key is left out).
- ``TRUSTPOINTS``: ``trustpoints/trustpoint[name]/ca-certificate/{serial-number, subject,
  issuer, validity-start, validity-end, sha1-fingerprint}`` and ``router-certificate/{usage,
  ..., status}`` from the certificate store, in IOS XR's forms (``xrsim.pki.x509.Described``);
  ``status`` is ``available`` or ``expired`` on the router's clock.

Tasks: read ``crypto``, as the show commands.
"""

from __future__ import annotations

from cryptography import x509
from lxml import etree

from xrsim.errors import XrsimError
from xrsim.netconf.registry import Device, OperModel
from xrsim.netconf.xmlutil import Element
from xrsim.pki.keystore import public_data
from xrsim.pki.x509 import Described

__all__ = ["CRYPTO_KEYS", "NAMESPACE", "TRUSTPOINTS"]

NAMESPACE = "urn:xrsim:yang:xrsim-crypto-oper"
MODULE = "xrsim-crypto-oper"
REVISION = "2026-11-27"


def _crypto_keys(device: Device) -> Element | None:
    ns = NAMESPACE
    top = etree.Element(f"{{{ns}}}crypto-keys", nsmap={None: ns})
    store = device.keys
    for entry in store.entries():
        try:
            data = public_data(store.load(entry))
        except (XrsimError, OSError):
            continue  # an unreadable key is left out, as show crypto key mypubkey reports it
        el = etree.SubElement(top, f"{{{ns}}}key")
        for name, value in (
            ("label", entry.label),
            ("key-type", entry.key_type),
            ("usage", entry.usage),
            ("size", str(entry.bits)),
            ("created", entry.created.isoformat()),
            ("data", data.hex().upper()),
        ):
            etree.SubElement(el, f"{{{ns}}}{name}").text = value
    return top if len(top) else None


def _certificate(parent: Element, ns: str, name: str, cert: x509.Certificate) -> Element:
    d = Described(cert)
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    for leaf, value in (
        ("serial-number", d.serial),
        ("subject", d.subject),
        ("issuer", d.issuer),
        ("validity-start", d.not_before.isoformat()),
        ("validity-end", d.not_after.isoformat()),
        ("sha1-fingerprint", d.sha1),
    ):
        etree.SubElement(el, f"{{{ns}}}{leaf}").text = value
    return el


def _trustpoints(device: Device) -> Element | None:
    ns = NAMESPACE
    top = etree.Element(f"{{{ns}}}trustpoints", nsmap={None: ns})
    certs = device.certs
    now = device.clock.now()
    for name in certs.names():
        ca = certs.ca(name)
        routers = certs.router(name)
        if ca is None and not routers:
            continue
        tp = etree.SubElement(top, f"{{{ns}}}trustpoint")
        etree.SubElement(tp, f"{{{ns}}}name").text = name
        if ca is not None:
            _certificate(tp, ns, "ca-certificate", ca)
        for usage, cert in routers.items():
            el = _certificate(tp, ns, "router-certificate", cert)
            el.insert(0, etree.Element(f"{{{ns}}}usage"))
            el[0].text = usage
            status = etree.SubElement(el, f"{{{ns}}}status")
            status.text = "available" if cert.not_valid_after_utc > now else "expired"
    return top if len(top) else None


CRYPTO_KEYS = OperModel(
    MODULE, NAMESPACE, REVISION, "crypto-keys", (("read", "crypto"),), _crypto_keys
)
TRUSTPOINTS = OperModel(
    MODULE, NAMESPACE, REVISION, "trustpoints", (("read", "crypto"),), _trustpoints
)

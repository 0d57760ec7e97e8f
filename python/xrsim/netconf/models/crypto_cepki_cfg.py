"""``Cisco-IOS-XR-crypto-cepki-cfg`` (2020-11-24): ``crypto-ca``, the PKI trustpoints.

``CRYPTO_CA``: ``crypto-ca/certificate-authority/trustpoints/trustpoint[name]`` is ``crypto ca
trustpoint NAME``, its leaves the ``(config-trustp)`` lines ``enrollment url``, ``enrollment
retry period|count``, ``query url``, ``rsakeypair``, ``crl optional``, ``vrf``, ``ip-address``
(an address or ``none``), ``serial-number`` (``none`` when false) and ``subject-name``
(docs/netconf.md has the table). The trustpoint lines the IOS XR module has no leaf for
(``enrollment terminal``, ``keypair``, ``lifetime``...) stay CLI-only: ``replace`` keeps them.
Leaf and key types are the YANG module's (``retry/period`` a ``uint32`` of 1..60, ``address``
an ``inet:ipv4-address-no-zone``, ``vrf`` an ``xr:Cisco-ios-xr-string`` of 1..32...), and a
value must also be the one argument of its CLI line. Tasks: read and write ``crypto``, as
the ``crypto ca`` commands.
"""

from __future__ import annotations

from xrsim.netconf.registry import ConfigModel
from xrsim.netconf.schema import (
    CISCO_IOS_XR_STRING,
    IPV4_ADDRESS_NO_ZONE,
    STRING,
    Container,
    Leaf,
    ListNode,
    String,
    Uint32,
)
from xrsim.pki.trustpoint import TP

__all__ = ["CRYPTO_CA", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-crypto-cepki-cfg"

#: ``vrf-table/vrf``: an ``xr:Cisco-ios-xr-string`` of 1..32 characters.
_VRF_NAME = String(CISCO_IOS_XR_STRING.name, CISCO_IOS_XR_STRING.pattern, (1, 32))

#: ``trustpoint/attribute``: what the router's certificate subject holds.
_ATTRIBUTE = Container(
    "attribute",
    (
        Container(
            "ip-address",
            (
                Leaf(
                    "address",
                    "ip-address",
                    "ip-address {}",
                    arg="address",
                    type=IPV4_ADDRESS_NO_ZONE,
                ),
                Leaf("no-address", "ip-address", "ip-address none", kind="empty", keyword="none"),
            ),
        ),
        Leaf(
            "serial-number",
            "serial-number",
            "serial-number",
            kind="bool",
            keyword="none",
            false_line="serial-number none",
        ),
        Leaf("subject-name", "subject-name", "subject-name {}", arg="dn", type=STRING),
    ),
)

_ENROLLMENT = Container(
    "enrollment",
    (
        Container(
            "retry",
            (
                Leaf(
                    "period",
                    "enrollment retry period",
                    "enrollment retry period {}",
                    arg="minutes",
                    type=Uint32(1, 60),
                ),
                Leaf(
                    "count",
                    "enrollment retry count",
                    "enrollment retry count {}",
                    arg="count",
                    type=Uint32(1, 100),
                ),
            ),
        ),
        Leaf("url", "enrollment", "enrollment url {}", arg="url", type=STRING),
    ),
)

_TRUSTPOINT = ListNode(
    "trustpoint",
    "name",
    (
        _ATTRIBUTE,
        Leaf("rsa-key-pair", "rsakeypair", "rsakeypair {}", arg="label", type=STRING),
        Container("crl", (Leaf("optional", "crl optional", "crl optional", kind="empty"),)),
        _ENROLLMENT,
        Container("vrf-table", (Leaf("vrf", "vrf", "vrf {}", arg="vrf", type=_VRF_NAME),)),
        Container("query", (Leaf("url", "query url", "query url {}", arg="url", type=STRING),)),
    ),
    syntax=TP.TRUSTPOINT,
    arg="name",
    line="crypto ca trustpoint {}",
    key_type=CISCO_IOS_XR_STRING,
)

CRYPTO_CA = ConfigModel(
    "Cisco-IOS-XR-crypto-cepki-cfg",
    NAMESPACE,
    "2020-11-24",
    Container(
        "crypto-ca",
        (Container("certificate-authority", (Container("trustpoints", (_TRUSTPOINT,)),)),),
    ),
    read_tasks=(("read", "crypto"),),
    write_tasks=(("write", "crypto"),),
)

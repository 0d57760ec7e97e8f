"""``Cisco-IOS-XR-crypto-cepki-cfg`` (2020-11-24): ``crypto-ca``, the PKI trustpoints.

``CRYPTO_CA``: ``crypto-ca/certificate-authority/trustpoints/trustpoint[name]`` is ``crypto ca
trustpoint NAME``, its leaves the ``(config-trustp)`` lines ``enrollment url``, ``enrollment
retry period|count``, ``query url``, ``rsakeypair``, ``crl optional``, ``vrf``, ``ip-address``
(an address or ``none``), ``serial-number`` (``none`` when false) and ``subject-name``
(docs/netconf.md has the table). The trustpoint lines the IOS XR module has no leaf for
(``enrollment terminal``, ``keypair``, ``lifetime``...) stay CLI-only: ``replace`` keeps them.
Tasks: read and write ``crypto``, as the ``crypto ca`` commands.
"""

from __future__ import annotations

from xrsim.netconf.registry import ConfigModel
from xrsim.netconf.schema import Container, Leaf, ListNode

__all__ = ["CRYPTO_CA", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-crypto-cepki-cfg"

_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"

CRYPTO_CA = ConfigModel(
    "Cisco-IOS-XR-crypto-cepki-cfg",
    NAMESPACE,
    "2020-11-24",
    Container(
        "crypto-ca",
        (
            Container(
                "certificate-authority",
                (
                    Container(
                        "trustpoints",
                        (
                            ListNode(
                                "trustpoint",
                                "name",
                                "crypto ca trustpoint {}",
                                (
                                    Container(
                                        "attribute",
                                        (
                                            Container(
                                                "ip-address",
                                                (
                                                    Leaf(
                                                        "address",
                                                        "ip-address {}",
                                                        pattern=_IPV4,
                                                    ),
                                                    Leaf(
                                                        "no-address",
                                                        "ip-address none",
                                                        key="ip-address",
                                                        kind="empty",
                                                    ),
                                                ),
                                            ),
                                            Leaf(
                                                "serial-number",
                                                "serial-number",
                                                kind="bool",
                                                false_line="serial-number none",
                                            ),
                                            Leaf("subject-name", "subject-name {}"),
                                        ),
                                    ),
                                    Leaf("rsa-key-pair", "rsakeypair {}"),
                                    Container(
                                        "crl", (Leaf("optional", "crl optional", kind="empty"),)
                                    ),
                                    Container(
                                        "enrollment",
                                        (
                                            Container(
                                                "retry",
                                                (
                                                    Leaf("period", "enrollment retry period {}"),
                                                    Leaf("count", "enrollment retry count {}"),
                                                ),
                                            ),
                                            Leaf(
                                                "url",
                                                "enrollment url {}",
                                                key="enrollment",
                                                pattern=r"\S+",
                                            ),
                                        ),
                                    ),
                                    Container("vrf-table", (Leaf("vrf", "vrf {}"),)),
                                    Container("query", (Leaf("url", "query url {}"),)),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    read_tasks=(("read", "crypto"),),
    write_tasks=(("write", "crypto"),),
)

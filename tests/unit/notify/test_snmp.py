"""``xrsim.notify.snmp``: a v2c trap decoded back by pysnmp's own decoder, and the
CISCO-PKI-MIB OIDs."""

from __future__ import annotations

import pytest
from pyasn1.codec.ber import decoder
from pysnmp.proto import api

from xrsim.notify import snmp

pytestmark = pytest.mark.timeout(30)


def _decode(data: bytes) -> tuple[str, list[tuple[str, object]], int]:
    version = api.decodeMessageVersion(data)
    assert version == api.SNMP_VERSION_2C
    module = api.PROTOCOL_MODULES[version]
    msg, rest = decoder.decode(data, asn1Spec=module.Message())
    assert rest == b""
    pdu = module.apiMessage.get_pdu(msg)
    assert pdu.isSameTypeWith(module.TrapPDU())
    binds = [(str(o), v) for o, v in module.apiTrapPDU.get_varbinds(pdu)]
    return (
        str(module.apiMessage.get_community(msg)),
        binds,
        int(module.apiTrapPDU.get_request_id(pdu)),
    )


def test_trap_decodes_to_what_was_encoded() -> None:
    data = snmp.encode_trap(
        "public",
        4242,
        snmp.PKI_EXPIRY_TRAP,
        [
            snmp.Varbind("1.3.6.1.4.1.9.9.854.2.2.1.1.2.1.97", "02:EC"),
            snmp.Varbind("1.3.6.1.2.1.1.7.0", 72),
        ],
        request_id=99,
    )
    community, binds, request_id = _decode(data)
    assert (community, request_id) == ("public", 99)
    assert [o for o, _ in binds] == [
        "1.3.6.1.2.1.1.3.0",
        "1.3.6.1.6.3.1.1.4.1.0",
        "1.3.6.1.4.1.9.9.854.2.2.1.1.2.1.97",
        "1.3.6.1.2.1.1.7.0",
    ]
    assert int(binds[0][1]) == 4242  # type: ignore[call-overload]
    assert str(binds[1][1]) == "1.3.6.1.4.1.9.9.854.1.2"
    assert bytes(binds[2][1]) == b"02:EC"  # type: ignore[call-overload]
    assert int(binds[3][1]) == 72  # type: ignore[call-overload]


def test_pki_mib_oids() -> None:
    assert snmp.PKI_EXPIRY_TRAP == "1.3.6.1.4.1.9.9.854.1.2"  # ciscoPkiCertExpiryAlert
    # The notification's OBJECTS, in the MIB's order: certSerialNum, certSubName,
    # certIssuerName, certType, certTpLabel, certRemainingLife.
    assert [o.rsplit(".", 1)[1] for o in snmp.PKI_OBJECTS.values()] == [
        "2",
        "9",
        "3",
        "6",
        "8",
        "7",
    ]
    assert snmp.chain_index("check") == "5.99.104.101.99.107"


def test_bool_values_are_refused() -> None:
    with pytest.raises(TypeError):
        snmp.encode_trap(
            "c", 0, "1.3.6.1.6.3.1.1.5.1", [snmp.Varbind("1.3.6.1.2.1.1.7.0", True)], request_id=1
        )

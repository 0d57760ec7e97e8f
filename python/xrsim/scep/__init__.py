"""SCEP client (RFC 8894), transport-independent (layer 4: imports ``xrsim.errors``,
``xrsim.net``).

- ``xrsim.scep.message``: the CMS pieces (SignedData with the SCEP attributes, EnvelopedData,
  certs-only PKCS#7), usable by a client and by a CA or RA alike.
- ``xrsim.scep.client``: ``Capabilities``, ``CaCertificates``, the ``Transport`` protocol,
  ``ScepClient`` (GetCACaps, GetCACert, PKCSReq/RenewalReq, CertPoll, GetCRL) and its
  ``Outcome``/``Pending``.
- ``xrsim.scep.http``: ``HttpTransport``, SCEP over HTTP from inside a VRF.

The names most callers need are re-exported here.
"""

from xrsim.scep.client import (
    CaCertificates,
    Capabilities,
    Outcome,
    Pending,
    Reply,
    ScepClient,
    Transport,
    transaction_id_for,
)
from xrsim.scep.http import HttpTransport

__all__ = [
    "CaCertificates",
    "Capabilities",
    "HttpTransport",
    "Outcome",
    "Pending",
    "Reply",
    "ScepClient",
    "Transport",
    "transaction_id_for",
]

"""Public key infrastructure (layer 3): the key store (``keystore``), trustpoint configuration
and the certificate store with its pending requests (``trustpoint``), certificates and CSRs in
IOS XR's terms (``x509``), and enrollment with remote CAs over SCEP and TFTP (``enrollment``,
the one module here that builds on ``xrsim.scep`` and ``xrsim.net``), and the certificate
expiry monitor (``expiry``: notices on the router's scheduler, handed to a callback)."""

from __future__ import annotations

from xrsim.pki.keystore import (
    DEFAULT_LABEL,
    AuthenticationKey,
    KeyStore,
    StoredKey,
    check_label,
    decode_authentication_key,
)

__all__ = [
    "DEFAULT_LABEL",
    "AuthenticationKey",
    "KeyStore",
    "StoredKey",
    "check_label",
    "decode_authentication_key",
]

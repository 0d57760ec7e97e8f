"""Public key infrastructure (layer 3): the key store (``keystore``), trustpoint configuration
and the certificate store with its pending requests (``trustpoint``), certificates and CSRs in
IOS XR's terms (``x509``), enrollment with remote CAs over SCEP and TFTP (``enrollment``,
which builds on ``xrsim.scep`` and ``xrsim.net``), downloads by URL inside a VRF
(``download``, on ``xrsim.net``) and the CA trustpool with its built-in bundle (``data/``) and
automatic update (``trustpool``), and the certificate expiry monitor (``expiry``: notices on
the router's scheduler, handed to a callback)."""

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

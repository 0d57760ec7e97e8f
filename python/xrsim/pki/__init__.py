"""Public key infrastructure (layer 3): the key store now; trustpoints, certificates, CSRs,
the trustpool and the expiry monitor with the PKI issue."""

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

"""SSH authentication of a router's users: passwords and public keys (layer 6).

- ``check_password(router, users, username, password)``: the ``username NAME secret`` of the
  running configuration when there is one (only its hash is stored, ``verify_secret``), else the
  server's own user table (``DEFAULT_USERS``, ``admin``/``admin``, for unconfigured labs).
- ``check_public_key(router, username, key)``: whether ``key`` is one of the public keys
  ``username`` imported with ``crypto key import authentication rsa`` (a key is accepted for the
  user who imported it only; a key imported without an owner for every user).
- ``host_key(router)``: the router's RSA key ``the_default`` as the SSH host key (``crypto key
  generate rsa``; boot makes it from IOS XR 7.0.1 on, ``Router.boot_many`` for many routers at
  once). A router without one cannot serve SSH.

``SshServer`` holds the policy hooks (its ``check_password`` / ``check_public_key`` call these);
the connection (``xrsim.frontends.ssh.connection``) asks the server.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping

import asyncssh

from xrsim.aaa import AaaConfig, verify_secret
from xrsim.errors import StateError, XrsimError
from xrsim.pki import DEFAULT_LABEL
from xrsim.router import Router

__all__ = ["DEFAULT_USERS", "check_password", "check_public_key", "host_key"]

#: The user table of a server created without one (the AAA configuration replaces it).
DEFAULT_USERS: Mapping[str, str] = {"admin": "admin"}

_log = logging.getLogger("xrsim.ssh")


def check_password(router: Router, users: Mapping[str, str], username: str, password: str) -> bool:
    """Whether ``password`` is the password of ``username`` (see the module documentation)."""
    user = AaaConfig.from_tree(router.datastore.running_copy()).users.get(username)
    if user is not None and user.secret is not None:
        return verify_secret(password, user.secret)
    expected = users.get(username)
    return expected is not None and hmac.compare_digest(expected, password)


def check_public_key(router: Router, username: str, key: asyncssh.SSHKey) -> bool:
    """Whether ``username`` imported ``key`` (see the module documentation)."""
    offered = key.public_data
    keys = router.keys
    for entry in keys.authentication_keys():
        if entry.owner is not None and entry.owner != username:
            continue
        try:
            stored = asyncssh.import_public_key(keys.load_authentication(entry).to_der())
        except (OSError, XrsimError, asyncssh.KeyImportError):
            _log.warning("cannot load the authentication key %s", entry.label)
            continue
        if stored.public_data == offered:
            return True
    return False


def host_key(router: Router) -> asyncssh.SSHKey:
    """The router's SSH host key; ``StateError`` when its state holds none."""
    keys = router.keys
    for entry in keys.entries("rsa"):
        if entry.label == DEFAULT_LABEL:
            # The key store's own key, loaded by the Rust core, which checks it (a pairwise
            # sign and verify test). pyca's RSA key validation, which asyncssh runs by
            # default, costs 50 ms a key (primality checks): more than the whole rest of
            # booting a router.
            return asyncssh.import_private_key(
                keys.load(entry).to_pkcs8_der(), unsafe_skip_rsa_key_validation=True
            )
    raise StateError(
        f"the router has no RSA key {DEFAULT_LABEL!r} for SSH (crypto key generate rsa creates it)"
    )

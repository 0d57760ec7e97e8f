"""SSH authentication of a router's users: passwords and public keys (layer 6).

- ``check_password(router, users, username, password)``: the ``username NAME secret`` of the
  running configuration when there is one (only its hash is stored, ``verify_secret``). The
  server's own lab table (``DEFAULT_USERS``, ``admin``/``admin``) is consulted only while no
  configured ``username`` has a secret: once one is committed the lab account is gone, also
  after a restart (the running configuration is what is read). A password longer than
  ``MAX_SECRET_LENGTH`` is refused before anything is hashed or compared (whoever the user).
  Otherwise every call hashes the password exactly once: against the user's hash, or, for a
  user without a secret (unknown, or only in the lab table), against ``dummy_hash()``, a hash
  of a random password made like every secret (``hash_secret``), so that a failed login costs
  the same whether the user exists or not and user names cannot be told apart by the answer's
  time. Hashing costs CPU: the connection runs this in the runtime's worker pool, never on the
  event loop.
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

import functools
import hmac
import logging
import secrets
from collections.abc import Mapping

import asyncssh

from xrsim.aaa import MAX_SECRET_LENGTH, AaaConfig, hash_secret, verify_secret
from xrsim.errors import StateError, XrsimError
from xrsim.pki import DEFAULT_LABEL
from xrsim.router import Router

__all__ = ["DEFAULT_USERS", "check_password", "check_public_key", "dummy_hash", "host_key"]

#: The lab user table of a server created without one: used only while no configured
#: ``username`` has a secret.
DEFAULT_USERS: Mapping[str, str] = {"admin": "admin"}

_log = logging.getLogger("xrsim.ssh")


@functools.cache
def dummy_hash() -> str:
    """The hash a password of a user without a secret is checked against: of a random
    password nobody knows, made once per process as every secret is (same scheme, rounds)."""
    return hash_secret(secrets.token_urlsafe(24))


def check_password(router: Router, users: Mapping[str, str], username: str, password: str) -> bool:
    """Whether ``password`` is the password of ``username`` (see the module documentation).
    Blocking (a hash): call it from a worker thread."""
    if len(password) > MAX_SECRET_LENGTH:
        return False
    configured = AaaConfig.from_tree(router.datastore.running_copy()).users
    user = configured.get(username)
    if user is not None and user.secret is not None:
        return verify_secret(password, user.secret)
    verify_secret(password, dummy_hash())  # the same work as for a user with a secret
    if any(u.secret is not None for u in configured.values()):
        return False  # the lab table is gone once a user has a secret
    expected = users.get(username)
    # bytes: compare_digest refuses str with non-ASCII characters (TypeError)
    return expected is not None and hmac.compare_digest(expected.encode(), password.encode())


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

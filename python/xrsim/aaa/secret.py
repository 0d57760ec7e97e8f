"""User secrets as IOS XR stores them: ``secret 10 $6$<salt>$<hash>``, SHA-512-crypt (type 10).

``hash_secret`` makes a salted hash of a clear-text password (the clear text is never kept);
``verify_secret`` checks a password against a stored hash in constant time; ``secret_line``
turns what a user typed after ``secret`` (``0 <clear>``, ``10 $6$...``, or the clear text
alone) into the configuration line IOS XR shows; ``stored_hash`` reads the hash back out of a
stored value.

The hashing is libpass's ``passlib.hash.sha512_crypt`` (its builtin backend), 5000 rounds as
``openssl passwd -6`` and IOS XR make them. Its cost grows with the password's length, so a
clear text longer than ``MAX_SECRET_LENGTH`` (IOS XR's limit for a secret) is refused before
anything is hashed: ``SecretTooLong`` from ``hash_secret`` and ``secret_line`` (the CLI
answers IOS XR's invalid-input error), a plain False from ``verify_secret`` (a login).

Hashing a password takes milliseconds of CPU: callers on an event loop run it in a worker
thread (the SSH front door does, ``xrsim.frontends.ssh.connection``).
"""

from __future__ import annotations

import re

from passlib.hash import sha512_crypt

__all__ = [
    "MAX_SECRET_LENGTH",
    "SecretError",
    "SecretTooLong",
    "hash_secret",
    "secret_line",
    "stored_hash",
    "verify_secret",
]

#: The longest clear-text secret IOS XR takes, in characters (the upper bound of ``aaa
#: password-policy ... max-length``, 2-253, in Cisco's System Security Command Reference).
MAX_SECRET_LENGTH = 253
_ROUNDS = 5000
#: More rounds than this would let a configured hash stall every login: refused.
_MAX_ROUNDS = 100_000
#: A SHA-512-crypt hash as libpass reads it (hash64 salt of at most 16 characters, rounds
#: without leading zeros).
_HASH = re.compile(
    r"\$6\$(?:rounds=([1-9][0-9]{0,8})\$)?([./0-9A-Za-z]{0,16})\$([./0-9A-Za-z]{86})"
)

_SHA512 = sha512_crypt.using(rounds=_ROUNDS)
_SHA512.set_backend("builtin")


class SecretError(ValueError):
    """What a user typed after ``secret`` is not a usable secret."""


class SecretTooLong(SecretError):
    """The clear text is longer than ``MAX_SECRET_LENGTH``: refused before it is hashed."""


def _usable_hash(stored: str) -> bool:
    m = _HASH.fullmatch(stored)
    return m is not None and 1000 <= int(m.group(1) or _ROUNDS) <= _MAX_ROUNDS


def hash_secret(password: str) -> str:
    """A new salted SHA-512-crypt hash of ``password`` (``$6$<16-character salt>$...``);
    ``SecretTooLong`` over ``MAX_SECRET_LENGTH`` characters, ``SecretError`` for a clear text
    SHA-512-crypt cannot hash (a NUL character)."""
    if len(password) > MAX_SECRET_LENGTH:
        raise SecretTooLong(f"a secret has at most {MAX_SECRET_LENGTH} characters")
    if "\0" in password:
        raise SecretError("a secret cannot hold a NUL character")
    return str(_SHA512.hash(password))


def verify_secret(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (a ``$6$`` hash), in constant time; False for
    anything else, and False without hashing for a password over ``MAX_SECRET_LENGTH``."""
    if len(password) > MAX_SECRET_LENGTH or "\0" in password or not _usable_hash(stored):
        return False
    try:
        return bool(_SHA512.verify(password, stored))
    except ValueError:  # libpass refuses what it cannot read: no match
        return False


def secret_line(typed: str, keyword: str = "secret") -> str:
    """The configuration line for ``secret <typed>``: ``secret 10 $6$...``. ``0 <clear>`` and
    bare clear text are hashed (``SecretTooLong`` over ``MAX_SECRET_LENGTH``); ``10 <hash>``
    is kept when it is a SHA-512-crypt hash."""
    text = typed.strip()
    kind, _, rest = text.partition(" ")
    rest = rest.strip()
    if kind == "10" and rest:
        if not _usable_hash(rest):
            raise SecretError("a type 10 secret is a SHA-512-crypt hash ($6$salt$hash)")
        return f"{keyword} 10 {rest}"
    if kind == "0" and rest:
        text = rest
    if not text:
        raise SecretError("the secret is empty")
    return f"{keyword} 10 {hash_secret(text)}"


def stored_hash(value: str) -> str | None:
    """The hash in a stored secret value (what ``secret_line`` puts after ``secret``:
    ``10 $6$...``); None for anything else."""
    kind, _, rest = value.strip().partition(" ")
    return rest.strip() if kind == "10" and rest.strip() else None

"""User secrets as IOS XR stores them: ``secret 10 $6$<salt>$<hash>``, SHA-512-crypt (type 10).

``hash_secret`` makes a salted hash of a clear-text password (the clear text is never kept);
``verify_secret`` checks a password against a stored hash in constant time; ``secret_line``
turns what a user typed after ``secret`` (``0 <clear>``, ``10 $6$...``, or the clear text
alone) into the configuration line IOS XR shows.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = [
    "SecretError",
    "hash_secret",
    "secret_line",
    "sha512_crypt",
    "stored_hash",
    "verify_secret",
]

_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ROUNDS = 5000
#: More rounds than this would let a configured hash stall every login: refused.
_MAX_ROUNDS = 100_000
#: The byte order of the SHA-512-crypt encoding (Drepper's specification).
_ORDER = (
    (0, 21, 42),
    (22, 43, 1),
    (44, 2, 23),
    (3, 24, 45),
    (25, 46, 4),
    (47, 5, 26),
    (6, 27, 48),
    (28, 49, 7),
    (50, 8, 29),
    (9, 30, 51),
    (31, 52, 10),
    (53, 11, 32),
    (12, 33, 54),
    (34, 55, 13),
    (56, 14, 35),
    (15, 36, 57),
    (37, 58, 16),
    (59, 17, 38),
    (18, 39, 60),
    (40, 61, 19),
    (62, 20, 41),
)
_HASH = re.compile(r"\$6\$(?:rounds=(\d+)\$)?([^$]{0,16})\$([./0-9A-Za-z]{86})")


class SecretError(ValueError):
    """What a user typed after ``secret`` is not a usable secret."""


def _b64(b2: int, b1: int, b0: int, n: int) -> str:
    w = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _ in range(n):
        out.append(_ALPHABET[w & 0x3F])
        w >>= 6
    return "".join(out)


def _repeat(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def sha512_crypt(password: str, salt: str, rounds: int = _ROUNDS) -> str:
    """SHA-512-crypt (``$6$``) of ``password`` with ``salt`` (at most 16 characters used)."""
    p = password.encode()
    s = salt.encode()[:16]
    b = hashlib.sha512(p + s + p).digest()
    a = hashlib.sha512(p + s)
    a.update(_repeat(b, len(p)))
    n = len(p)
    while n:
        a.update(b if n & 1 else p)
        n >>= 1
    c = a.digest()
    p_seq = _repeat(hashlib.sha512(p * len(p)).digest(), len(p))
    s_seq = _repeat(hashlib.sha512(s * (16 + c[0])).digest(), len(s))
    for i in range(rounds):
        h = hashlib.sha512(p_seq if i & 1 else c)
        if i % 3:
            h.update(s_seq)
        if i % 7:
            h.update(p_seq)
        h.update(c if i & 1 else p_seq)
        c = h.digest()
    encoded = "".join(_b64(c[x], c[y], c[z], 4) for x, y, z in _ORDER) + _b64(0, 0, c[63], 2)
    prefix = "$6$" if rounds == _ROUNDS else f"$6$rounds={rounds}$"
    return f"{prefix}{s.decode()}${encoded}"


def hash_secret(password: str) -> str:
    """A new salted SHA-512-crypt hash of ``password``."""
    salt = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return sha512_crypt(password, salt)


def verify_secret(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (a ``$6$`` hash); False for anything else."""
    m = _HASH.fullmatch(stored)
    if m is None:
        return False
    rounds = int(m.group(1)) if m.group(1) else _ROUNDS
    if not 1000 <= rounds <= _MAX_ROUNDS:
        return False
    return hmac.compare_digest(sha512_crypt(password, m.group(2), rounds), stored)


def secret_line(typed: str, keyword: str = "secret") -> str:
    """The configuration line for ``secret <typed>``: ``secret 10 $6$...``. ``0 <clear>`` and
    bare clear text are hashed; ``10 <hash>`` is kept when it is a SHA-512-crypt hash."""
    text = typed.strip()
    kind, _, rest = text.partition(" ")
    rest = rest.strip()
    if kind == "10" and rest:
        m = _HASH.fullmatch(rest)
        if m is None or not 1000 <= int(m.group(1) or _ROUNDS) <= _MAX_ROUNDS:
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

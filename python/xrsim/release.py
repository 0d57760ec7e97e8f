"""IOS XR release gating, in one place (layer 1: imports only ``xrsim.errors``).

- ``Release``: an IOS XR software release ``major.minor.patch`` (``Release.parse("7.3.1")``),
  ordered, printed as IOS XR prints it.
- ``FEATURES``: the first release in which each release-dependent behaviour appears.
- ``supports(release, feature)``: the one question the rest of xrsim asks. The chassis holds the
  release (platform profile default, overridable); commands, boot and services call
  ``supports(chassis.release, "ed25519")`` and never compare versions themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from xrsim.errors import InvalidInput

__all__ = ["FEATURES", "Release", "feature_names", "supports"]

_RELEASE = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})")


@dataclass(frozen=True, order=True)
class Release:
    """An IOS XR release such as 7.3.1; compares in release order (7.10.1 > 7.9.2)."""

    major: int
    minor: int
    patch: int

    def __post_init__(self) -> None:
        for part in (self.major, self.minor, self.patch):
            if not isinstance(part, int) or isinstance(part, bool) or part < 0:
                raise InvalidInput(f"release parts must be integers >= 0, got {part!r}")

    @classmethod
    def parse(cls, text: str) -> Release:
        """``"7.3.1"`` -> ``Release(7, 3, 1)``; anything else raises ``InvalidInput``."""
        if not isinstance(text, str):
            raise InvalidInput(f"a release is text such as '7.3.1', got {type(text).__name__}")
        match = _RELEASE.fullmatch(text.strip())
        if match is None:
            raise InvalidInput(f"invalid IOS XR release {text!r}: expected MAJOR.MINOR.PATCH")
        major, minor, patch = (int(g) for g in match.groups())
        return cls(major, minor, patch)

    @classmethod
    def of(cls, value: Release | str) -> Release:
        """A ``Release`` as given, or parsed from text."""
        return value if isinstance(value, Release) else cls.parse(value)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


#: Feature name -> the first release that has it. Sources: the seed chapter (security in the base
#: image and boot-time host keys from 7.0.1, PKI expiry alerts from 7.1.1, Ed25519, RPM
#: fingerprints and filesystem inventory from 7.3.1).
FEATURES: Mapping[str, Release] = MappingProxyType(
    {
        # Before 7.0.1 the k9sec security package must be installed for crypto commands, and
        # no keys are generated at boot.
        "security-in-base-image": Release(7, 0, 1),
        # Boot generates the default RSA host key when none exists.
        "boot-host-key": Release(7, 0, 1),
        "pki-expiry-alerts": Release(7, 1, 1),
        "ed25519": Release(7, 3, 1),
        "rpm-fingerprints": Release(7, 3, 1),
        "filesystem-inventory": Release(7, 3, 1),
        "incremental-ima": Release(7, 3, 1),
        "sudi-signature": Release(7, 3, 1),
        # "The software does not support CA server public keys greater than 2048 bits" (the
        # seed's restriction): no simulated release lifts it.
        "ca-keys-over-2048": Release(99, 0, 0),
    }
)


def feature_names() -> tuple[str, ...]:
    """Every gated feature name, sorted."""
    return tuple(sorted(FEATURES))


def supports(release: Release | str, feature: str) -> bool:
    """Whether ``release`` has ``feature``; an unknown feature name raises ``InvalidInput``."""
    try:
        first = FEATURES[feature]
    except KeyError:
        known = ", ".join(feature_names())
        raise InvalidInput(f"unknown release feature {feature!r} (known: {known})") from None
    return Release.of(release) >= first

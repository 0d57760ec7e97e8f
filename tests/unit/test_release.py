"""xrsim.release: parsing and ordering releases, the feature table, ``supports``, and the rule
that no other module compares versions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import xrsim
from xrsim.errors import InvalidInput
from xrsim.release import FEATURES, Release, feature_names, supports

PACKAGE = Path(xrsim.__file__).parent


def test_parse_and_print() -> None:
    release = Release.parse("7.3.1")
    assert release == Release(7, 3, 1)
    assert (release.major, release.minor, release.patch) == (7, 3, 1)
    assert str(release) == "7.3.1"
    assert str(Release.parse(" 24.1.10 ")) == "24.1.10"


@pytest.mark.parametrize(
    "text", ["", " ", "7.3", "7.3.1.1", "v7.3.1", "7.a.1", "7.3.-1", "7..1", "7.3.1a", "7,3,1"]
)
def test_parse_refuses_bad_text(text: str) -> None:
    with pytest.raises(InvalidInput, match="release"):
        Release.parse(text)


def test_parse_refuses_non_text() -> None:
    with pytest.raises(InvalidInput):
        Release.parse(731)  # type: ignore[arg-type]


def test_parts_must_be_non_negative_integers() -> None:
    with pytest.raises(InvalidInput):
        Release(7, -1, 0)
    with pytest.raises(InvalidInput):
        Release(7, True, 0)


def test_order_is_numeric_not_textual() -> None:
    assert Release.parse("7.10.1") > Release.parse("7.9.2")
    assert Release.parse("6.6.3") < Release.parse("7.0.1") < Release.parse("7.1.1")
    assert sorted(map(Release.parse, ["7.3.1", "7.0.1", "24.1.1", "7.3.0"])) == [
        Release(7, 0, 1),
        Release(7, 3, 0),
        Release(7, 3, 1),
        Release(24, 1, 1),
    ]


def test_release_is_hashable_and_frozen() -> None:
    release = Release(7, 3, 1)
    assert {release: 1}[Release.parse("7.3.1")] == 1
    with pytest.raises(AttributeError):
        release.major = 8  # type: ignore[misc]


def test_feature_table_has_the_seed_releases() -> None:
    expected = {
        "security-in-base-image": "7.0.1",
        "boot-host-key": "7.0.1",
        "pki-expiry-alerts": "7.1.1",
        "ed25519": "7.3.1",
        "rpm-fingerprints": "7.3.1",
        "filesystem-inventory": "7.3.1",
    }
    for feature, first in expected.items():
        assert str(FEATURES[feature]) == first, feature
    assert feature_names() == tuple(sorted(FEATURES))


@pytest.mark.parametrize(
    ("feature", "before", "first"),
    [
        ("security-in-base-image", "6.6.3", "7.0.1"),
        ("boot-host-key", "7.0.0", "7.0.1"),
        ("pki-expiry-alerts", "7.0.2", "7.1.1"),
        ("ed25519", "7.3.0", "7.3.1"),
        ("rpm-fingerprints", "7.2.2", "7.3.1"),
        ("filesystem-inventory", "7.2.1", "7.3.1"),
    ],
)
def test_supports_switches_at_the_first_release(feature: str, before: str, first: str) -> None:
    assert not supports(before, feature)
    assert supports(first, feature)
    assert supports(Release.parse(first), feature)
    assert supports("24.1.1", feature)


def test_supports_refuses_an_unknown_feature() -> None:
    with pytest.raises(InvalidInput, match=r"unknown release feature 'ed448'.*ed25519"):
        supports("7.3.1", "ed448")


def test_supports_refuses_a_bad_release() -> None:
    with pytest.raises(InvalidInput):
        supports("seven", "ed25519")


def _version_comparisons(tree: ast.AST) -> list[int]:
    """Lines comparing something named like a release (``chassis.release``, ``Release(...)``,
    ``release_version``) with < <= > >=."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        if not any(isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in node.ops):
            continue
        if "release" in ast.unparse(node).lower():
            lines.append(node.lineno)
    return lines


def test_the_detector_finds_a_version_comparison() -> None:
    assert _version_comparisons(ast.parse("if chassis.release >= Release(7, 3, 1): pass")) == [1]
    assert _version_comparisons(ast.parse("if release_version < '7.0.1': pass")) == [1]
    assert _version_comparisons(ast.parse("if supports(chassis.release, 'ed25519'): pass")) == []
    assert _version_comparisons(ast.parse("ok = 0 <= version < 2**32")) == []


def test_no_other_module_compares_releases() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "release.py" and path.parent == PACKAGE:
            continue
        lines = _version_comparisons(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[str(path.relative_to(PACKAGE))] = lines
    assert offenders == {}, "compare releases only through xrsim.release.supports"

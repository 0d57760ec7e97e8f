"""Chassis tests never touch the real home directory: every test runs with ``XRSIM_VENDOR_DIR``
pointing at one vendor directory shared by the session (its CA is made once, on first use) and
``XDG_DATA_HOME`` at an empty temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vendor directory most tests share (one simulated CA for the whole run)."""
    return tmp_path_factory.mktemp("vendor")


@pytest.fixture(autouse=True)
def _isolated_vendor_dir(
    monkeypatch: pytest.MonkeyPatch,
    shared_vendor_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(shared_vendor_dir))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))

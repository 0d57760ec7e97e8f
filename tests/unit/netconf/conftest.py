"""Fixtures of the NETCONF unit tests: ``router``, a booted router with its own state and
vendor directories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.router import Router


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(state_dir=tmp_path / "r1", hostname="r1")
    yield r
    r.shutdown()

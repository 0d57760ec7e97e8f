"""Fixtures of the security tests: a router and its SSH server on 127.0.0.1, as the end-to-end
tests have them (``tests/e2e/conftest.py``): ``router`` boots a fresh router (hostname
``router``, state in a temporary directory) and ``server`` serves it on a free port with the lab
user ``admin``/``admin``. A test module that needs another router (NETCONF enabled, users with
secrets, a recording server) defines its own fixtures of the same names.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xrsim.frontends.ssh import SshServer
from xrsim.router import Router

#: The user and password ``server`` accepts.
LAB_USER = ("admin", "admin")


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="router")
    yield r
    r.shutdown()


@pytest.fixture
def server(router: Router) -> Iterator[SshServer]:
    s = SshServer(router, users=dict([LAB_USER])).start()
    yield s
    s.stop()

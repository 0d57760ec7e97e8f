"""Fixtures for tests that need a small network (``xrsim.lab.netlab``): namespaces, a SCEP CA,
a TFTP server, and a directory for the artefacts a test keeps (pcap files).

``tests/integration/conftest.py`` and ``benches/conftest.py`` import them by name (the
suite runs with ``--import-mode=importlib``; ``tests/`` and the checkout's root are on
pytest's ``pythonpath``, so ``netlab_fixtures`` and ``simulator`` import as top-level
modules)::

    from netlab_fixtures import artefacts, netlab, scep_ca, tftp_server  # noqa: F401

- ``netlab``: a ``xrsim.lab.netlab.Lab`` for the test, torn down after it (namespaces, veths,
  processes, directories). Skips unless the test runs as root with ``ip``; under
  ``XRSIM_REQUIRE_PEERS=1`` a missing program fails instead.
- ``scep_ca``: a ``Site``: namespace ``ca`` running the Debian ``scep`` CA (``scepserver``,
  2048-bit CA key, a random challenge ``scep_ca.scep.challenge``, ``-allowrenew 0``).
  ``scep_ca.attach(ns)`` joins a namespace of the lab to the CA by a veth pair on a subnet
  of its own (198.18.N.0/24, the CA's end .2, the other end .1, or left unaddressed with
  ``addressed=False`` for a router to address from its CLI) and returns an ``Attachment``
  with the URL of the CA from there.
- ``tftp_server(ns)``: ``in.tftpd`` in namespace ``tftp`` joined to ``ns``, listening on its
  end of that link; ``(site, attachment)``.
- ``artefacts``: a directory for files a test keeps; copied under ``$XRSIM_ARTEFACTS/<test>``
  when that variable is set.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from xrsim.lab.netlab import Lab, Link, ScepServer, TftpServer

#: Where a test's artefacts are copied when set (CI keeps that directory).
ARTEFACTS_ENV = "XRSIM_ARTEFACTS"


@dataclass(frozen=True)
class Attachment:
    """A namespace joined to a site: its veth end ``link.name_a`` (address ``local``, set
    unless the test's router addresses it), the site's end ``link.name_b`` with ``remote``."""

    netns: str
    link: Link
    local: str
    remote: str
    url: str


@dataclass
class Site:
    """A namespace hosting a peer; ``attach`` joins other namespaces to it."""

    lab: Lab
    netns: str
    url_of: Callable[[str], str]
    scep: ScepServer | None = None
    tftp: TftpServer | None = None
    attachments: list[Attachment] = field(default_factory=list)

    def attach(self, netns: str, *, addressed: bool = True) -> Attachment:
        """A veth pair from ``netns`` (a namespace of the lab) to the site, on the lab's next
        /24: the site's end .2, ``netns``'s end .1 (left unaddressed unless ``addressed``)."""
        hosts = list(self.lab.subnet().hosts())
        local, remote = str(hosts[0]), str(hosts[1])
        link = self.lab.link(
            netns, self.netns, f"{local}/24" if addressed else None, f"{remote}/24"
        )
        found = Attachment(netns, link, local, remote, self.url_of(remote))
        self.attachments.append(found)
        return found


def _require_root() -> None:
    if os.geteuid() != 0:
        message = "network namespaces need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)"
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires them")
        pytest.skip(message)


@pytest.fixture
def netlab(require_tool: Callable[[str], str]) -> Iterator[Lab]:
    """A lab for this test, torn down after it."""
    _require_root()
    require_tool("ip")
    with Lab("test") as lab:
        yield lab


@pytest.fixture
def scep_ca(netlab: Lab, require_tool: Callable[[str], str]) -> Site:
    """The Debian ``scep`` CA in namespace ``ca`` (ready: GetCACaps answered from inside the
    namespace, on its loopback); ``scep_ca.attach(ns)`` gives ``ns`` a path to it."""
    require_tool("scepserver")
    ns = netlab.namespace("ca")
    server = netlab.scepserver(ns, "127.0.0.1")
    return Site(netlab, ns, lambda address: f"http://{address}:{server.port}/scep", scep=server)


@pytest.fixture
def tftp_server(
    netlab: Lab, require_tool: Callable[[str], str]
) -> Callable[..., tuple[Site, Attachment]]:
    """``tftp_server(ns, addressed=False)``: ``in.tftpd`` in a new namespace ``tftp``, joined
    to ``ns`` and listening on its end of that link (``in.tftpd`` binds one address); the
    site and the attachment. Once per test."""
    require_tool("in.tftpd")

    def start(netns: str, *, addressed: bool = False) -> tuple[Site, Attachment]:
        ns = netlab.namespace("tftp")
        site = Site(netlab, ns, lambda address: f"tftp://{address}")
        first = site.attach(netns, addressed=addressed)
        site.tftp = netlab.tftpd(ns, first.remote)
        return site, first

    return start


@pytest.fixture
def artefacts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A directory for the files this test keeps (pcaps); copied to ``$XRSIM_ARTEFACTS``."""
    path = tmp_path / "artefacts"
    path.mkdir()
    yield path
    target = os.environ.get(ARTEFACTS_ENV)
    if target:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        shutil.copytree(path, Path(target) / name, dirs_exist_ok=True)

"""Fixtures of the integration tests: the network lab of ``tests/netlab_fixtures.py``
(``netlab``, ``scep_ca``, ``tftp_server``, ``artefacts``)."""

from netlab_fixtures import artefacts, netlab, scep_ca, tftp_server

__all__ = ["artefacts", "netlab", "scep_ca", "tftp_server"]

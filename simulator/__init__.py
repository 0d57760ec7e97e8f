"""Lab tooling around xrsim (not part of the ``xrsim`` package, never imported by it).

- :mod:`simulator.netlab`: network namespaces, veth pairs and 198.18.0.0/15 addresses, with
  peer programs (the Debian ``scep`` CA, ``tftpd-hpa``) started inside them, all torn down by
  one context manager (``Lab``). Used by the labs under ``simulator/labs/`` and by the
  integration tests and benchmarks (``tests/netlab_fixtures.py``).
- ``simulator/labs/scep-vrf/lab.py``: the SCEP and TFTP enrollment lab (``make lab-scep``).
"""

"""Lab tooling around xrsim (not part of the ``xrsim`` package, never imported by it).

- :mod:`simulator.dialogue`: the answers to the router's enrollment questions.
- ``simulator/labs/scep-vrf/lab.py``: the SCEP and TFTP enrollment lab (``make lab-scep``).

The network library they use (namespaces, veths, the peers) is ``xrsim.lab.netlab``.
"""

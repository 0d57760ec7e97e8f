"""The router's network side (layer 3: imports ``xrsim.errors``, ``xrsim.platforms``,
``xrsim.chassis`` and ``xrsim.config``; netlink through pyroute2, TFTP through tftpy).

- :mod:`xrsim.net.interfaces`: the router's interfaces: the platform's ports (management
  Ethernet on each RP, the line-card ports) and the virtual ones (``Loopback``, ``Null0``),
  their names as IOS XR abbreviates them, their configuration lines and their state as the
  running configuration makes it.
- :mod:`xrsim.net.vrf`: ``Vrfs``, the router's VRF table (``router.vrfs``): VRFs bound to Linux
  network namespaces, interfaces bound to links, ``netns_of``; it puts each configuration
  change into effect on the links (the datastore's ``on_apply``).
- :mod:`xrsim.net.links`: one interface's address and state set on its link with pyroute2,
  inside the namespace.
- :mod:`xrsim.net.netns`: work and sockets inside a namespace (``run_in``, ``socket_in``).
- :mod:`xrsim.net.http`, :mod:`xrsim.net.tftp`: the enrollment transports, run inside a VRF's
  namespace; ``tftp.parse_url`` reads IOS XR's ``tftp://ADDRESS;VRF/NAME``.
"""

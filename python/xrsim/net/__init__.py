"""The router's network side (layer 3: imports ``xrsim.errors``, ``xrsim.platforms``,
``xrsim.chassis`` and ``xrsim.config``).

- :mod:`xrsim.net.interfaces`: the router's interfaces: the platform's ports (management
  Ethernet on each RP, the line-card ports) and the virtual ones (``Loopback``, ``Null0``),
  their names as IOS XR abbreviates them, their configuration lines and their state as the
  running configuration makes it. Binding ports to veths in VRF namespaces comes later.
"""

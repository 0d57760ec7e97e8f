"""Front doors: the ``xrsim`` command (``main``), the console (``console``), the SSH server
(``ssh``) and its NETCONF subsystem (``netconf_bridge``)."""

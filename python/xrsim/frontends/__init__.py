"""Front doors: the ``xrsim`` command (``main``), the console (``console``), the SSH server
(``ssh``, a package split by concern, with its NETCONF subsystem ``ssh.netconf``)."""

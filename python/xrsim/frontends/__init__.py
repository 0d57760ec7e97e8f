"""Front doors: the ``xrsim`` command (and, with later issues, the console and SSH server)."""

"""The SSH front door of a router: an asyncssh server running the CLI and NETCONF (layer 6).

``SshServer(router)`` (``server``) is what callers hold; the rest is split by concern, as
asyncssh separates server, connection, channel and session:

- ``server``: ``SshServer``, its listeners (the SSH port, optionally the NETCONF port 830) on
  the process's one event loop (``xrsim.runtime.shared()``, shared by every router), its policy
  hooks and its rows in the router's session table.
- ``admission``: ``Admission``, which connections get in (``ssh server v2`` / ``vrf`` /
  ``netconf vrf``, ``rate-limit``, ``session-limit``); the login abuse rules (identification
  strings, ``LoginPenalties`` per source address, ``MAX_AUTH_TRIES``).
- ``auth``: passwords (``username NAME secret``; the server's lab table, default
  ``admin``/``admin``, only while no configured user has a secret; checked in the worker
  pool, off the loop), public keys (``crypto key import authentication rsa``), the host key
  (the router's RSA key ``the_default``).
- ``connection``: ``Connection``, one SSH connection asking the server at each step (and its
  login grace time, ``ssh timeout``).
- ``channel``: ``SessionChannel``, one session channel; the client's request picks its kind:
  ``shell`` (``shell.run_shell``: a CLI session behind the line discipline, idle sessions closed
  by ``exec-timeout`` / ``session-timeout``), ``exec`` (``command.run_command``: one command,
  exit status 0), the ``netconf`` subsystem (``netconf.run_netconf``: a ``NetconfSession``,
  while ``netconf-yang agent`` / ``ssh`` is configured).
- ``line``: ``LineDiscipline``, echo, erase, escape sequences, interrupt and CR LF.

What it does is what IOS XR does for the clients that matter (netmiko ``cisco_xr``, scrapli
``cisco_iosxr``, OpenSSH, ncclient).
"""

from __future__ import annotations

from xrsim.frontends.ssh.auth import DEFAULT_USERS
from xrsim.frontends.ssh.server import SshServer
from xrsim.sessions import SshSessionInfo

__all__ = ["DEFAULT_USERS", "SshServer", "SshSessionInfo"]

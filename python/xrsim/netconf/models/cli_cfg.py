"""``Cisco-IOS-XR-cli-cfg`` (2019-04-05): ``cli``, the configuration as CLI text.

``CLI``: ``<cli>`` holds the configuration as ``show running-config`` prints it (from its
``!! IOS XR Configuration`` line to ``end``); on the candidate, as ``show configuration merge``
prints it. Both are read through the NETCONF session's CLI session, so the same renderer and
the same per-item task filter apply. An ``<edit-config>`` of ``<cli>`` types its lines into
that CLI session (``!`` lines are comments, ``end`` ends the text, one space of indentation per
submode), so the one CLI parser, its checks and its task authorization apply; with
``operation="replace"`` (or ``copy-config``) the candidate becomes exactly the text. NAPALM's
``iosxr_netconf`` driver configures through this model. Served only when a filter names it
(as IOS XR does). Tasks: read and write ``config-services``, as ``show running-config`` and
``configure``.
"""

from __future__ import annotations

from xrsim.netconf.registry import CliTextModel

__all__ = ["CLI", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-cli-cfg"

CLI = CliTextModel(
    "Cisco-IOS-XR-cli-cfg",
    NAMESPACE,
    "2019-04-05",
    "cli",
    read_tasks=(("read", "config-services"),),
    write_tasks=(("write", "config-services"),),
    running_command="show running-config",
    candidate_command="show configuration merge",
)

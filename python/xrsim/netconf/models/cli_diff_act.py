"""``Cisco-IOS-XR-cli-diff-act`` (2019-04-05): the ``get-cli-config-diff`` action.

``GET_CLI_CONFIG_DIFF``: answers ``<cli>`` holding what ``show commit changes diff`` prints in
the NETCONF session's CLI session: the candidate against the running configuration, in IOS
XR's diff gutter (``+`` added, ``-`` removed). NAPALM's ``compare_config`` reads it. Tasks:
read ``config-services``.
"""

from __future__ import annotations

from lxml import etree

from xrsim.netconf.registry import ActionContext, ActionModel
from xrsim.netconf.xmlutil import Element

__all__ = ["GET_CLI_CONFIG_DIFF", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-cli-diff-act"
#: The CLI command whose output the action returns.
DIFF_COMMAND = "show commit changes diff"


def _diff(context: ActionContext, el: Element) -> list[Element]:
    out = etree.Element(f"{{{NAMESPACE}}}cli", nsmap={None: NAMESPACE})
    out.text = context.show(DIFF_COMMAND)
    return [out]


GET_CLI_CONFIG_DIFF = ActionModel(
    "Cisco-IOS-XR-cli-diff-act",
    NAMESPACE,
    "2019-04-05",
    "get-cli-config-diff",
    (("read", "config-services"),),
    _diff,
)

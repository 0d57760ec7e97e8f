"""``Cisco-IOS-XR-aaa-lib-cfg`` (2019-04-05): ``aaa``, with the local users that
``Cisco-IOS-XR-aaa-locald-cfg`` (2019-04-05) augments into it.

``AAA``: ``aaa/usernames/username[name]`` (``usernames`` and below in the locald namespace) is
``username NAME``; ``username/usergroup-under-usernames/usergroup-under-username[name]`` is its
``group NAME`` lines. NAPALM's ``get_users`` reads these. The secret is not modeled: IOS XR's
leaf holds the hash alone while the CLI item is ``secret 10 HASH``, and the value is not split
out of the line (it stays CLI-only). Key types as the YANG modules': a user's ``name`` a
``string``, a group's an ``xr:Cisco-ios-xr-string``. Tasks: read and write ``aaa``, as
``username``.
"""

from __future__ import annotations

from xrsim.aaa.tasks import GROUP, USERNAME
from xrsim.netconf.registry import ConfigModel
from xrsim.netconf.schema import CISCO_IOS_XR_STRING, STRING, Container, ListNode

__all__ = ["AAA", "LOCALD_NAMESPACE", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-lib-cfg"
LOCALD_NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-aaa-locald-cfg"

AAA = ConfigModel(
    "Cisco-IOS-XR-aaa-lib-cfg",
    NAMESPACE,
    "2019-04-05",
    Container(
        "aaa",
        (
            Container(
                "usernames",
                (
                    ListNode(
                        "username",
                        "name",
                        (
                            Container(
                                "usergroup-under-usernames",
                                (
                                    ListNode(
                                        "usergroup-under-username",
                                        "name",
                                        (),
                                        syntax=GROUP,
                                        arg="name",
                                        line="group {}",
                                        key_type=CISCO_IOS_XR_STRING,
                                    ),
                                ),
                            ),
                        ),
                        syntax=USERNAME,
                        arg="name",
                        line="username {}",
                        key_type=STRING,
                    ),
                ),
                ns=LOCALD_NAMESPACE,
            ),
        ),
    ),
    read_tasks=(("read", "aaa"),),
    write_tasks=(("write", "aaa"),),
    augments=(("Cisco-IOS-XR-aaa-locald-cfg", LOCALD_NAMESPACE, "2019-04-05"),),
)

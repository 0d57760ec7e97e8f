"""IOS XR task-based authorization: task IDs, permissions, task groups, user groups, users.

A *grant* is a ``(permission, task ID)`` pair, ``("read", "sysmgr")``. A *task group* holds
grants and may inherit other task groups; a *user group* holds task groups and may inherit
other user groups; a *user* belongs to user groups. The built-in groups (``root-system``,
``root-lr``, ``netadmin``, ``sysadmin``, ``operator``, ``serviceadmin``, ``cisco-support``)
exist as both a task group and a user group of the same name, as on IOS XR.

Every CLI command declares the grants that authorize it; ``authorize`` says whether a user's
grants allow it (any one of the command's grants suffices; a command without grants is open to
every user). ``AaaConfig.from_tree`` reads ``taskgroup``/``usergroup``/``username`` from the
running configuration; ``user_tasks`` resolves a user's grants through the groups.

The configuration lines are written once, here (``TASKGROUP``, ``TASK``...: the syntax strings
``xrsim.cli.commands.aaa`` registers); ``AaaConfig.from_tree`` tells them apart by each node's
parse (``node.syntax``) and takes their typed arguments (``node.args``).

Layer 4: depends on ``xrsim.config`` only (never on the CLI).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from xrsim.aaa.secret import stored_hash
from xrsim.config.tree import ConfigNode, ConfigTree

__all__ = [
    "BUILTIN_GROUPS",
    "DESCRIPTION",
    "GROUP",
    "INHERIT_TASKGROUP",
    "INHERIT_USERGROUP",
    "PASSWORD",
    "PERMISSIONS",
    "SECRET",
    "TASK",
    "TASKGROUP",
    "TASK_IDS",
    "USERGROUP",
    "USERGROUP_TASKGROUP",
    "USERNAME",
    "AaaConfig",
    "Grant",
    "Grants",
    "TaskGroup",
    "User",
    "UserGroup",
    "all_grants",
    "authorize",
    "format_tasks",
]

#: ``(permission, task ID)``.
Grant = tuple[str, str]
Grants = frozenset[Grant]

PERMISSIONS: tuple[str, ...] = ("read", "write", "execute", "debug")

#: The task IDs of IOS XR (``task read ?``); commands declare theirs from this list.
TASK_IDS: tuple[str, ...] = (
    "aaa",
    "acl",
    "admin",
    "atm",
    "basic-services",
    "bcdl",
    "bfd",
    "bgp",
    "boot",
    "bundle",
    "call-home",
    "cdp",
    "cef",
    "cgn",
    "cisco-support",
    "config-mgmt",
    "config-services",
    "crypto",
    "diag",
    "disallowed",
    "dossier",
    "drivers",
    "dwdm",
    "eem",
    "eigrp",
    "ethernet-services",
    "ext-access",
    "fabric",
    "fault-mgr",
    "filesystem",
    "firewall",
    "fr",
    "hdlc",
    "host-services",
    "hsrp",
    "interface",
    "inventory",
    "ip-services",
    "ipv4",
    "ipv6",
    "isis",
    "l2vpn",
    "li",
    "logging",
    "lpts",
    "monitor",
    "mpls-ldp",
    "mpls-static",
    "mpls-te",
    "multicast",
    "netconf",
    "netflow",
    "network",
    "ospf",
    "ouni",
    "pkg-mgmt",
    "pos-dpt",
    "ppp",
    "qos",
    "rib",
    "rip",
    "root-lr",
    "root-system",
    "route-map",
    "route-policy",
    "sbc",
    "snmp",
    "sonet-sdh",
    "static",
    "sysmgr",
    "system",
    "transport",
    "tty-access",
    "tunnel",
    "universal",
    "vlan",
    "vrrp",
)


# -- the configuration lines (registered by xrsim.cli.commands.aaa) ----------------------------

#: ``taskgroup NAME`` (config) opens ``config-tg``.
TASKGROUP = "taskgroup <name:NAME>"
#: ``task PERMISSION TASK-ID`` (config-tg): ``args["permission"]``, ``args["task"]``.
TASK = f"task <permission:{{ {' | '.join(PERMISSIONS)} }}> <task:{{ {' | '.join(TASK_IDS)} }}>"
#: ``inherit taskgroup NAME`` (config-tg).
INHERIT_TASKGROUP = "inherit taskgroup <name:NAME>"
#: ``description TEXT`` (config-tg, config-ug).
DESCRIPTION = "description <text:LINE>"
#: ``usergroup NAME`` (config) opens ``config-ug``.
USERGROUP = "usergroup <name:NAME>"
#: ``taskgroup NAME`` (config-ug).
USERGROUP_TASKGROUP = "taskgroup <name:NAME>"
#: ``inherit usergroup NAME`` (config-ug).
INHERIT_USERGROUP = "inherit usergroup <name:NAME>"
#: ``username NAME`` (config) opens ``config-un``.
USERNAME = "username <name:WORD>"
#: ``group NAME`` (config-un).
GROUP = "group <name:NAME>"
#: ``secret VALUE`` (config-un): stored as ``secret 10 $6$...`` (``xrsim.aaa.secret``).
SECRET = "secret <secret:LINE>"  # noqa: S105 - a syntax, not a secret
#: ``password VALUE`` (config-un): taken as a ``secret`` (stored as a ``SECRET`` line).
PASSWORD = "password <secret:LINE>"  # noqa: S105 - a syntax


def all_grants(tasks: Iterable[str], perms: Sequence[str] = PERMISSIONS) -> Grants:
    """Every permission in ``perms`` on every task of ``tasks``."""
    return frozenset((p, t) for t in tasks for p in perms)


_ALL = frozenset(TASK_IDS)
#: Tasks only the owner SDR / system administrator touches.
_RESERVED = frozenset({"aaa", "admin", "root-lr", "root-system", "cisco-support", "disallowed"})
_SYSADMIN = frozenset(
    {
        "aaa",
        "basic-services",
        "boot",
        "config-mgmt",
        "config-services",
        "crypto",
        "diag",
        "ext-access",
        "fault-mgr",
        "filesystem",
        "host-services",
        "inventory",
        "logging",
        "monitor",
        "pkg-mgmt",
        "snmp",
        "sysmgr",
        "system",
        "tty-access",
    }
)

#: The built-in groups: each is a task group and a user group of the same name.
BUILTIN_GROUPS: dict[str, Grants] = {
    # Everything, on the whole system.
    "root-system": all_grants(_ALL),
    # Everything of the logical router: all but the system-wide root-system task.
    "root-lr": all_grants(_ALL - {"root-system"}),
    # Network administration: every task but the reserved ones, which it may only read
    # (aaa, root-lr); no admin plane.
    "netadmin": all_grants(_ALL - _RESERVED) | all_grants(("aaa", "root-lr"), ("read",)),
    # System administration: users, files, packages, logging, keys; read everything else.
    "sysadmin": all_grants(_SYSADMIN) | all_grants(_ALL - _RESERVED, ("read",)),
    # Day-to-day monitoring.
    "operator": all_grants(("basic-services",))
    | all_grants(("cdp", "diag", "logging"), ("read",))
    | all_grants(("ext-access",), ("read", "execute")),
    # Service administration (firewalls, border controllers, CGN).
    "serviceadmin": all_grants(("cgn", "firewall", "sbc")),
    # Cisco support personnel: the cisco-support task (debug and troubleshooting).
    "cisco-support": all_grants(("cisco-support",)),
}


def authorize(user_tasks: Grants, required: Iterable[Grant]) -> bool:
    """Whether grants ``user_tasks`` allow a command requiring ``required`` (any one pair
    suffices; a command that requires nothing is allowed)."""
    needed = tuple(required)
    return not needed or any(g in user_tasks for g in needed)


def format_tasks(grants: Grants) -> list[str]:
    """``show user tasks``: one line per task ID, permissions in READ WRITE EXECUTE DEBUG
    columns (a column is blank when the permission is missing)."""
    by_task: dict[str, set[str]] = {}
    for perm, task in grants:
        by_task.setdefault(task, set()).add(perm)
    lines = []
    for task in sorted(by_task):
        cols = [p.upper() if p in by_task[task] else " " * len(p) for p in PERMISSIONS]
        lines.append(f"Task: {task:>20}  : {'    '.join(cols)}".rstrip())
    return lines


@dataclass
class TaskGroup:
    name: str
    grants: set[Grant] = field(default_factory=set)
    inherits: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class UserGroup:
    name: str
    taskgroups: list[str] = field(default_factory=list)
    inherits: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class User:
    name: str
    groups: list[str] = field(default_factory=list)
    #: The stored hash (``$6$...``), never clear text; None without a secret.
    secret: str | None = None


@dataclass
class AaaConfig:
    """The AAA part of a configuration."""

    taskgroups: dict[str, TaskGroup] = field(default_factory=dict)
    usergroups: dict[str, UserGroup] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    @classmethod
    def from_tree(cls, tree: ConfigTree) -> AaaConfig:
        """Read ``taskgroup``, ``usergroup`` and ``username`` blocks."""
        cfg = cls()
        for node in tree.root.children.values():
            subs = node.sorted_children()
            if node.syntax == TASKGROUP:
                cfg._taskgroup(str(node.args["name"]), subs)
            elif node.syntax == USERGROUP:
                cfg._usergroup(str(node.args["name"]), subs)
            elif node.syntax == USERNAME:
                cfg._user(str(node.args["name"]), subs)
        return cfg

    def _taskgroup(self, name: str, subs: list[ConfigNode]) -> None:
        tg = self.taskgroups.setdefault(name, TaskGroup(name))
        for n in subs:
            if n.syntax == TASK:
                tg.grants.add((str(n.args["permission"]), str(n.args["task"])))
            elif n.syntax == INHERIT_TASKGROUP:
                tg.inherits.append(str(n.args["name"]))
            elif n.syntax == DESCRIPTION:
                tg.description = str(n.args["text"])

    def _usergroup(self, name: str, subs: list[ConfigNode]) -> None:
        ug = self.usergroups.setdefault(name, UserGroup(name))
        for n in subs:
            if n.syntax == USERGROUP_TASKGROUP:
                ug.taskgroups.append(str(n.args["name"]))
            elif n.syntax == INHERIT_USERGROUP:
                ug.inherits.append(str(n.args["name"]))
            elif n.syntax == DESCRIPTION:
                ug.description = str(n.args["text"])

    def _user(self, name: str, subs: list[ConfigNode]) -> None:
        user = self.users.setdefault(name, User(name))
        for n in subs:
            if n.syntax == GROUP:
                user.groups.append(str(n.args["name"]))
            elif n.syntax == SECRET:
                secret = stored_hash(str(n.args["secret"]))
                if secret is not None:
                    user.secret = secret

    # -- resolution -------------------------------------------------------------------------

    def taskgroup_grants(self, name: str, _seen: frozenset[str] = frozenset()) -> Grants:
        """A task group's grants with everything it inherits (cycles are cut)."""
        if name in _seen:
            return frozenset()
        seen = _seen | {name}
        out: set[Grant] = set(BUILTIN_GROUPS.get(name, frozenset()))
        tg = self.taskgroups.get(name)
        if tg is not None:
            out |= tg.grants
            for parent in tg.inherits:
                out |= self.taskgroup_grants(parent, seen)
        return frozenset(out)

    def usergroup_grants(self, name: str, _seen: frozenset[str] = frozenset()) -> Grants:
        """A user group's grants: its task groups' and its inherited user groups'."""
        if name in _seen:
            return frozenset()
        seen = _seen | {name}
        out: set[Grant] = set(BUILTIN_GROUPS.get(name, frozenset()))
        ug = self.usergroups.get(name)
        if ug is not None:
            for tg in ug.taskgroups:
                out |= self.taskgroup_grants(tg)
            for parent in ug.inherits:
                out |= self.usergroup_grants(parent, seen)
        return frozenset(out)

    def user_tasks(self, name: str) -> Grants | None:
        """The grants of a configured user; None when ``name`` is not configured."""
        user = self.users.get(name)
        if user is None:
            return None
        out: set[Grant] = set()
        for g in user.groups:
            out |= self.usergroup_grants(g)
        return frozenset(out)

    def user_groups(self, name: str) -> list[str] | None:
        """The groups of a configured user, as configured; None when not configured."""
        user = self.users.get(name)
        return None if user is None else list(user.groups)

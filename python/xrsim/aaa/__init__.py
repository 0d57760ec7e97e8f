"""AAA (layer 4): IOS XR task-based authorization (``tasks``), what a user may read of a
configuration (``readable``: the one filter of every configuration view) and user secrets
(``secret``).

Built on the running configuration (``taskgroup``, ``usergroup``, ``username``); the CLI asks
``authorize`` before it runs a command. ``FILE_WRITE`` is what writing a file on a router
filesystem takes (``copy``, ``delete``, ``mkdir``, ``copy running-config``, the ``| file``
pipe). No CLI imports here.
"""

from __future__ import annotations

from xrsim.aaa.readable import may_read, readable_changes, readable_tree
from xrsim.aaa.secret import (
    MAX_SECRET_LENGTH,
    SecretError,
    SecretTooLong,
    hash_secret,
    secret_line,
    verify_secret,
)
from xrsim.aaa.tasks import (
    BUILTIN_GROUPS,
    PERMISSIONS,
    TASK_IDS,
    AaaConfig,
    Grant,
    Grants,
    TaskGroup,
    User,
    UserGroup,
    all_grants,
    authorize,
    format_tasks,
)

__all__ = [
    "BUILTIN_GROUPS",
    "DEFAULT_GROUPS",
    "DEFAULT_TASKS",
    "FILE_WRITE",
    "MAX_SECRET_LENGTH",
    "PERMISSIONS",
    "TASK_IDS",
    "AaaConfig",
    "Grant",
    "Grants",
    "SecretError",
    "SecretTooLong",
    "TaskGroup",
    "User",
    "UserGroup",
    "all_grants",
    "authorize",
    "format_tasks",
    "hash_secret",
    "may_read",
    "readable_changes",
    "readable_tree",
    "secret_line",
    "verify_secret",
]

#: A user that is not configured (the console and API default ``admin``): the first user of
#: an IOS XR router, root-system with cisco-support.
DEFAULT_GROUPS: tuple[str, ...] = ("root-system", "cisco-support")
DEFAULT_TASKS: Grants = BUILTIN_GROUPS["root-system"] | BUILTIN_GROUPS["cisco-support"]

#: Writing files on a router filesystem (``copy``, ``delete``, ``mkdir``, ``copy
#: running-config``, ``| file``): execute ``filesystem``, as IOS XR's ``copy``.
FILE_WRITE: tuple[Grant, ...] = (("execute", "filesystem"),)

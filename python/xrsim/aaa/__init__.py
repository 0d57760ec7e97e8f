"""AAA (layer 4): IOS XR task-based authorization (``tasks``) and user secrets (``secret``).

Built on the running configuration (``taskgroup``, ``usergroup``, ``username``); the CLI asks
``authorize`` before it runs a command. No CLI imports here.
"""

from __future__ import annotations

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
    "secret_line",
    "verify_secret",
]

#: A user that is not configured (the console and API default ``admin``): the first user of
#: an IOS XR router, root-system with cisco-support.
DEFAULT_GROUPS: tuple[str, ...] = ("root-system", "cisco-support")
DEFAULT_TASKS: Grants = BUILTIN_GROUPS["root-system"] | BUILTIN_GROUPS["cisco-support"]

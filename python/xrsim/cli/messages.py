"""The IOS XR message strings the CLI prints, in one place.

Constants are printed as they are; functions fill in a detail (``ambiguous(line)``). The
configuration datastore (``xrsim.config.datastore``, below the CLI) raises typed
``CommitError`` s that carry their details; ``commit_error`` renders each as IOS XR prints it.
Texts are byte-identical to what IOS XR (and the tests, and scripts such as netmiko's) expect:
change one only with the IOS XR output that shows it.
"""

from __future__ import annotations

from xrsim.config.datastore import (
    CommitError,
    CommitNotFound,
    ConfigurationLocked,
    LabelInUse,
    RollbackUnavailable,
)

__all__ = [
    "CERTS_NOT_CLEARED",
    "CERT_NOT_SAVED",
    "COMMIT_FAILED",
    "CONFIG_NOT_SAVED",
    "EXCLUSIVE_REFUSED",
    "INCOMPLETE",
    "INVALID",
    "KEYS_NOT_REMOVED",
    "KEY_NOT_SAVED",
    "NOTHING_TO_COMMIT",
    "NOT_AUTHORIZED",
    "PLEASE_ANSWER_YES_NO",
    "PLEASE_ANSWER_YES_NO_CANCEL",
    "UNCOMMITTED",
    "ambiguous",
    "commit_error",
    "internal_error",
    "nothing_after",
    "rolled_back",
]

# -- state that cannot be saved ({reason} is StorageError.reason) ------------------------------

COMMIT_FAILED = (
    "% Failed to commit one or more configuration items during a pseudo-atomic operation. "
    "All changes made have been reverted."
)
CONFIG_NOT_SAVED = "% The configuration could not be saved: {reason}."
KEY_NOT_SAVED = "% Key operation failed: the keys could not be saved: {reason}."
KEYS_NOT_REMOVED = "% Key zeroize failed: the keys were not removed: {reason}."
CERT_NOT_SAVED = "% Failed to store the certificate: {reason}."
CERTS_NOT_CLEARED = "% Failed to clear the certificates: {reason}."


# -- parsing and authorization ------------------------------------------------------------------

#: A word the mode does not know, under the ``^`` marker.
INVALID = "% Invalid input detected at '^' marker."
#: The line stops before a command is complete.
INCOMPLETE = "% Incomplete command."
#: What IOS XR answers to a command the user's task IDs do not allow.
NOT_AUTHORIZED = "% This command is not authorized"


def ambiguous(line: str) -> str:
    """An abbreviation that names more than one keyword (two spaces after the colon)."""
    return f'% Ambiguous command:  "{line.strip()}"'


def internal_error(kind: str) -> str:
    """A bug met while running a command (``kind``: the exception's type name)."""
    return f"% Internal error while processing the command ({kind})."


# -- questions ----------------------------------------------------------------------------------

PLEASE_ANSWER_YES_NO = "% Please answer 'yes' or 'no'."
PLEASE_ANSWER_YES_NO_CANCEL = "% Please answer 'yes', 'no' or 'cancel'."

# -- configuration sessions, commits and rollback -----------------------------------------------

EXCLUSIVE_REFUSED = (
    "% Failed to enter the exclusive configuration mode: "
    "the configuration is locked by another session."
)
UNCOMMITTED = "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"
NOTHING_TO_COMMIT = "% No configuration changes to commit."
COMMIT_REPLACE_WARNING = (
    "This commit will replace or remove the entire running configuration. This "
    "operation can be service affecting."
)
COMMIT_REPLACE_QUESTION = "Do you wish to proceed? [no]: "


def commit_error(err: CommitError) -> str:
    """The IOS XR text of a refused commit or rollback."""
    if isinstance(err, ConfigurationLocked):
        if err.action == "rollback":
            return "% Failed to roll back: the configuration is locked by another session."
        return (
            "% Failed to commit one or more configuration items. The configuration is "
            "locked by another session ('configure exclusive')."
        )
    if isinstance(err, LabelInUse):
        return f"% Failed to commit: label '{err.label}' is already in use."
    if isinstance(err, RollbackUnavailable):
        return (
            f"% Rollback of {err.count} commits is not possible: "
            f"{err.available} rollback points exist."
        )
    if isinstance(err, CommitNotFound):
        return f"% Commit ID '{err.ident}' was not found in the rollback database."
    return f"% {err}"


def rolled_back(items: int, target: str | None, count: int) -> list[str]:
    """What ``rollback configuration`` prints after rolling ``count`` commits back (to
    ``target``, a commit ID or label, when one was named); ``items``: the changes made."""
    return [
        "Loading Rollback Changes.",
        "Loaded Rollback Changes in 1 sec ",
        "Committing.",
        f"{items} items committed in 1 sec ({items})items/sec",
        "Updating.",
        "Updated Commit database in 1 sec ",
        f"Configuration successfully rolled back {count} commits."
        if target is None
        else f"Configuration successfully rolled back to '{target}'.",
    ]


def nothing_after(target: str) -> str:
    """``rollback configuration to`` the latest commit."""
    return f"% No commits were made after '{target}': nothing to roll back."

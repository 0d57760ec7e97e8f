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
    NotAuthorized,
    RollbackUnavailable,
)

__all__ = [
    "BUILDING",
    "CERTS_NOT_CLEARED",
    "CERT_NOT_SAVED",
    "COMMIT_FAILED",
    "CONCURRENT_COMMITS",
    "CONCURRENT_QUESTION",
    "CONFIG_NOT_SAVED",
    "COPY_OK",
    "EXCLUSIVE_REFUSED",
    "FAILED_SEMANTIC",
    "FAILED_SYNTAX",
    "INCOMPLETE",
    "INVALID",
    "KEYS_NOT_REMOVED",
    "KEY_NOT_SAVED",
    "LOADING",
    "LOAD_ERRORS",
    "NOTHING_TO_COMMIT",
    "NOT_AUTHORIZED",
    "NOT_AUTHORIZED_ITEM",
    "NO_SUCH_ITEMS",
    "OVERWRITE_QUESTION",
    "PLEASE_ANSWER_YES_NO",
    "PLEASE_ANSWER_YES_NO_CANCEL",
    "ROLLBACK_FAILED",
    "TRUSTPOOL_NOT_CLEANED",
    "TRUSTPOOL_NOT_SAVED",
    "UNCOMMITTED",
    "ambiguous",
    "cannot_open",
    "commit_error",
    "commits_unavailable",
    "destination_question",
    "internal_error",
    "lines_built",
    "loaded",
    "not_authorized",
    "nothing_after",
    "rolled_back",
]

# -- state that cannot be saved ({reason} is StorageError.reason) ------------------------------

COMMIT_FAILED = (
    "% Failed to commit one or more configuration items during a pseudo-atomic operation. "
    "All changes made have been reverted. Please issue 'show configuration failed "
    "[inheritance]' from this session to view the errors"
)
CONFIG_NOT_SAVED = "% The configuration could not be saved: {reason}."
KEY_NOT_SAVED = "% Key operation failed: the keys could not be saved: {reason}."
KEYS_NOT_REMOVED = "% Key zeroize failed: the keys were not removed: {reason}."
CERT_NOT_SAVED = "% Failed to store the certificate: {reason}."
CERTS_NOT_CLEARED = "% Failed to clear the certificates: {reason}."
TRUSTPOOL_NOT_SAVED = "% Trustpool import failed: the trustpool could not be saved: {reason}."
TRUSTPOOL_NOT_CLEANED = "% Trustpool clean failed: the trustpool could not be saved: {reason}."


# -- parsing and authorization ------------------------------------------------------------------

#: A word the mode does not know, under the ``^`` marker.
INVALID = "% Invalid input detected at '^' marker."
#: The line stops before a command is complete.
INCOMPLETE = "% Incomplete command."
#: What IOS XR answers to a command the user's task IDs do not allow.
NOT_AUTHORIZED = "% This command is not authorized"
#: ``show configuration failed``: the note after an item a ``commit replace`` or a rollback
#: would have changed and the user's task IDs do not allow.
NOT_AUTHORIZED_ITEM = "!!" + NOT_AUTHORIZED


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
#: Other sessions committed since this one started (or last committed): the warning, printed
#: as IOS XR wraps it, and the question (netmiko's ``commit()`` reads both).
CONCURRENT_COMMITS = (
    "",
    "One or more commits have occurred from other",
    "configuration sessions since this session started",
    "or since the last commit was made from this session.",
    "You can use the 'show configuration commit changes'",
    "command to browse the changes.",
)
CONCURRENT_QUESTION = "Do you wish to proceed with this commit anyway? [no]: "
#: A rollback refused whole (nothing changed): IOS XR's failure line, which points to
#: ``show configuration failed rollback``.
ROLLBACK_FAILED = (
    "% Rollback operation failed. Please use the command "
    "'show configuration failed rollback [inheritance]' to view the errors"
)

#: ``show configuration failed``: the header of what a failed commit refused (IOS XR ends
#: its first three lines with a space).
FAILED_SEMANTIC = (
    "!! SEMANTIC ERRORS: This configuration was rejected by ",
    "!! the system due to semantic errors. The individual ",
    "!! errors with each failed configuration command can be ",
    "!! found below.",
    "",
    "",
)
#: ``show configuration failed load``: the header of the lines ``load`` refused.
FAILED_SYNTAX = (
    "!! SYNTAX/AUTHORIZATION ERRORS: This configuration failed due to",
    "!! one or more of the following reasons:",
    "!!  - the entered commands do not exist,",
    "!!  - the entered commands have errors in their syntax,",
    "!!  - the software packages containing the commands are not active,",
    "!!  - the current user is not a member of a task-group that has",
    "!!    permissions to use the commands.",
    "",
)

# -- show running-config, load, copy running-config -------------------------------------------

#: ``show running-config SECTION`` that matches nothing.
NO_SUCH_ITEMS = "% No such configuration item(s)"
LOADING = "Loading."
LOAD_ERRORS = (
    "Syntax/Authorization errors in one or more commands. Please use "
    "'show configuration failed load [detail]' to view errors."
)
OVERWRITE_QUESTION = "The destination file already exists. Do you want to overwrite? [no]: "
BUILDING = "Building configuration."
COPY_OK = "[OK]"


def loaded(size: int) -> str:
    """What ``load`` prints after parsing a file of ``size`` bytes (IOS XR rounds the time up
    to a second)."""
    return f"{size} bytes parsed in 1 sec ({size})bytes/sec"


def cannot_open(path: str, reason: str) -> str:
    """``load`` of a file that cannot be read."""
    return f"% Couldn't open file {path}: {reason}"


def destination_question(default: str) -> str:
    """``copy running-config FILE``: the destination, ``default`` its path on the device."""
    return f"Destination file name (control-c to abort): [{default}]?"


def lines_built(count: int) -> str:
    return f"{count} lines built in 1 second"


def commits_unavailable(count: int, available: int) -> str:
    """``show configuration commit changes last N`` beyond the commit database."""
    return f"% Only {available} commits exist in the commit database: {count} were asked for."


def commit_error(err: CommitError) -> str:
    """The IOS XR text of a refused commit or rollback (``not_authorized`` for a
    ``NotAuthorized``)."""
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


def not_authorized(err: NotAuthorized) -> str:
    """A ``commit replace`` or a rollback refused for the items the user may not change: IOS
    XR's pseudo-atomic commit failure, or its rollback failure."""
    return ROLLBACK_FAILED if err.action == "rollback" else COMMIT_FAILED


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

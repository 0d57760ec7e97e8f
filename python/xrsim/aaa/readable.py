"""What a user may read of a configuration: the one filter every reader of configuration
text applies, so that no view shows a user more than ``show running-config`` does.

IOS XR filters configuration output by task ID: a top-level item is shown to a user with read
permission on one of the task IDs its command is written with (``username``, ``taskgroup``
and ``usergroup`` write ``aaa``, so their blocks and the ``secret 10 $6$...`` hashes in them
are shown to a user who may read ``aaa`` and left out for everybody else); everything below a
shown item belongs to it and is shown with it. An item whose command declares no task is shown
to every user. A stored line no command parses any more (a command a later release dropped)
is shown only to a user who may read every task ID: nothing tells which task it belongs to.
The task IDs come from the registry's parse of each line (``Parsed.tasks``), never from where
a command was registered.

- ``may_read(grants, path)``: whether a user with ``grants`` may see the item at ``path``
  (its top-level item first; ``Parsed`` s, as ``PathItem`` s and ``ConfigNode`` s carry them).
- ``readable_tree(tree, grants)``: a copy of ``tree`` without what the user may not read.
- ``readable_changes(changes, grants)``: the changes (a candidate's, a commit's) whose items
  the user may read, in their order.

Who applies it: the CLI's configuration views (``xrsim.cli.commands.configuration``: ``show
running-config``, ``show configuration [merge]``, ``show configuration changes [diff]``,
``show commit changes diff``, ``show configuration commit changes``, ``show configuration
rollback changes``, ``copy running-config``) and NETCONF's ``<get-config>`` / ``<get>``
(``xrsim.netconf.session``), so both views of the one configuration hide the same items.

Layer 4: depends on ``xrsim.config`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from xrsim.aaa.tasks import TASK_IDS, Grants
from xrsim.config.tree import Change, ConfigNode, ConfigTree, Parsed

__all__ = ["EVERY_TASK_READ", "may_read", "readable_changes", "readable_tree"]

#: Reading a stored line no command parses any more: read on every task ID.
EVERY_TASK_READ: frozenset[tuple[str, str]] = frozenset(("read", task) for task in TASK_IDS)


class _HasParse(Protocol):
    @property
    def parsed(self) -> Parsed: ...


def _reads_all(grants: Grants) -> bool:
    return grants.issuperset(EVERY_TASK_READ)


def _top_readable(grants: Grants, parsed: Parsed) -> bool:
    if not parsed.known:
        return _reads_all(grants)
    return not parsed.tasks or any(("read", task) in grants for _, task in parsed.tasks)


def may_read(grants: Grants, path: Iterable[_HasParse]) -> bool:
    """Whether a user with ``grants`` may see the item at ``path`` (top-level item first):
    read on a task ID of the top-level item's command, and read on every task ID for any
    line of the path no command parses."""
    for depth, item in enumerate(path):
        parsed = item.parsed
        if depth == 0:
            if not _top_readable(grants, parsed):
                return False
        elif not parsed.known and not _reads_all(grants):
            return False
    return True


def _prune(node: ConfigNode, grants: Grants) -> None:
    """Drop the lines below ``node`` no command parses (unless every task is readable)."""
    for key, child in list(node.children.items()):
        if not child.parsed.known and not _reads_all(grants):
            del node.children[key]
        else:
            _prune(child, grants)


def readable_tree(tree: ConfigTree, grants: Grants) -> ConfigTree:
    """A copy of ``tree`` holding only what a user with ``grants`` may read (``tree`` itself
    is not changed)."""
    out = ConfigTree()
    for key, node in tree.root.children.items():
        if _top_readable(grants, node.parsed):
            kept = node.copy()
            _prune(kept, grants)
            out.root.children[key] = kept
    return out


def readable_changes(changes: Sequence[Change], grants: Grants) -> list[Change]:
    """The ``changes`` whose items a user with ``grants`` may read, in their order."""
    return [c for c in changes if may_read(grants, c.path)]

"""``Cisco-IOS-XR-cfgmgr-rollback-act`` (2019-04-05): the configuration rollback actions.

- ``ROLL_BACK_CONFIGURATION_LAST``: ``<count>`` N, as ``rollback configuration last N``
  (NAPALM's ``rollback`` sends it with 1);
- ``ROLL_BACK_CONFIGURATION_TO``: ``<commit-id>`` (an ID or a label), as ``rollback
  configuration to ID``: back to the configuration just after that commit;
- ``ROLL_BACK_CONFIGURATION_TO_EXCLUDE``: ``<commit-id>``, back to the configuration just
  before that commit.

Each is one new commit on the router's datastore (user, line ``netconf``, client ``netconf``),
as the CLI's rollback. A count beyond the commit history or an unknown commit is
``invalid-value``; a held ``configure exclusive`` or NETCONF ``running`` lock ``in-use``; a
rollback that cannot be saved ``operation-failed`` (nothing changed). Tasks: write
``config-services``, as ``rollback configuration``; and, as for the CLI's rollback, every item
the rollback would add, change or remove needs the user's task IDs for it
(``ActionContext.refused_changes``): one refused item is ``access-denied`` for the whole
rollback, and nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable

from xrsim.config.datastore import (
    CommitError,
    CommitNotFound,
    ConfigurationLocked,
    NotAuthorized,
    RollbackUnavailable,
)
from xrsim.errors import NetconfError, StorageError
from xrsim.netconf.registry import ActionContext, ActionModel, leaf_text
from xrsim.netconf.xmlutil import Element

__all__ = [
    "NAMESPACE",
    "ROLL_BACK_CONFIGURATION_LAST",
    "ROLL_BACK_CONFIGURATION_TO",
    "ROLL_BACK_CONFIGURATION_TO_EXCLUDE",
]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-cfgmgr-rollback-act"
MODULE = "Cisco-IOS-XR-cfgmgr-rollback-act"
REVISION = "2019-04-05"
TASKS = (("write", "config-services"),)
#: What rollbacks record as line and client (``show configuration commit list``).
LINE = CLIENT = "netconf"
#: ``rollback configuration last`` takes 1 to 100.
MAX_COUNT = 100


def _required(el: Element, name: str) -> str:
    text = leaf_text(el, name)
    if text is None:
        raise NetconfError(
            "missing-element",
            f"{name} is required",
            error_type="protocol",
            info=(("bad-element", name),),
        )
    return text


def _rollback(context: ActionContext, count: int) -> list[Element]:
    try:
        context.device.datastore.rollback(
            count, user=context.user, line=LINE, client=CLIENT, authorize=context.refused_changes
        )
    except NotAuthorized as e:
        raise NetconfError(
            "access-denied",
            f"{context.user} may not change {len(e.refused)} of the items this rollback changes",
        ) from None
    except RollbackUnavailable as e:
        raise NetconfError("invalid-value", str(e), info=(("bad-element", "count"),)) from None
    except ConfigurationLocked as e:
        raise NetconfError("in-use", str(e), error_type="protocol") from None
    except CommitError as e:
        raise NetconfError("operation-failed", str(e)) from None
    except StorageError as e:
        raise NetconfError(
            "operation-failed", f"the configuration could not be saved: {e.reason}"
        ) from None
    return []


def _last(context: ActionContext, el: Element) -> list[Element]:
    text = _required(el, "count")
    if not text.isdigit() or not 1 <= int(text) <= MAX_COUNT:
        raise NetconfError(
            "invalid-value",
            f"count {text!r} is not 1 to {MAX_COUNT}",
            info=(("bad-element", "count"),),
        )
    return _rollback(context, int(text))


def _to(exclude: bool) -> Callable[[ActionContext, Element], list[Element]]:
    def run(context: ActionContext, el: Element) -> list[Element]:
        ident = _required(el, "commit-id")
        ds = context.device.datastore
        try:
            count = ds.commits_after(ds.find(ident).commit_id)
        except CommitNotFound:
            raise NetconfError(
                "invalid-value", f"no commit {ident!r}", info=(("bad-element", "commit-id"),)
            ) from None
        count += 1 if exclude else 0
        if count == 0:
            return []  # the running configuration is already that commit's
        return _rollback(context, count)

    return run


ROLL_BACK_CONFIGURATION_LAST = ActionModel(
    MODULE, NAMESPACE, REVISION, "roll-back-configuration-last", TASKS, _last
)
ROLL_BACK_CONFIGURATION_TO = ActionModel(
    MODULE, NAMESPACE, REVISION, "roll-back-configuration-to", TASKS, _to(exclude=False)
)
ROLL_BACK_CONFIGURATION_TO_EXCLUDE = ActionModel(
    MODULE, NAMESPACE, REVISION, "roll-back-configuration-to-exclude", TASKS, _to(exclude=True)
)

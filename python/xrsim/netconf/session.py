"""``NetconfSession``: the NETCONF protocol engine of one session (RFC 6241), transport-free.

The SSH front door (``xrsim.frontends.ssh`` through ``xrsim.frontends.ssh.netconf``) sends
``hello()`` first, then passes what the client sends to ``feed(data)`` (from a worker thread,
one call at a time) and writes back the framed replies it returns; ``closed`` says when to end
the channel (``<close-session>``, a ``<kill-session>`` from another session, a framing or
hello error); ``close()`` releases the session's locks and drops its candidate.

Who does what:

- ``Framer`` (``framing``) cuts the input into messages; base:1.1 chunked framing starts after
  both hellos advertise it.
- The session parses each ``<rpc>`` (``xmlutil.parse``, XXE-safe), dispatches on the operation
  and answers an ``<rpc-reply>`` carrying every attribute of the ``<rpc>`` (``message-id``...),
  or an ``<rpc-error>`` built from the ``NetconfError`` an operation raised.
- Data: the session's ``ModelRegistry`` (its own, built from ``xrsim.netconf.models.MODELS``
  unless one is given) renders the running configuration or the session's candidate
  (``get-config``) and the operational providers the device state (``get``); subtree filters
  (``filter``) cut the result. Models the user's task grants may not read are left out of the
  reply, as NACM does, and the models read the configuration through the filter of ``show
  running-config`` (``xrsim.aaa.readable``: items of task IDs the user may not read are not
  there); writing a model needs its write grants, else ``access-denied``.
- Changes: an ``<edit-config>`` becomes CLI lines (``ConfigModel.edit``) that the session's
  ``ConfigEditor`` types into a real CLI configuration session, so the CLI parser, its checks
  and its task authorization apply. Each value is first checked against its YANG type and,
  through the editor's command registry (``ConfigEditor.schema``), as the one argument of its
  line (``xrsim.netconf.schema.cli_line``): a value never becomes other CLI text; the candidate
  is that CLI session's (one per NETCONF session, as on IOS XR), ``commit`` commits it to the
  shared ``Datastore``. An edit that replaces (``<default-operation>replace``, or
  ``operation="replace"`` anywhere in it) is all or nothing whatever the ``error-option``: when
  one of its lines is refused (an item the user's task IDs do not allow is ``access-denied``),
  the candidate is as it was before.
- Locks: ``<lock>`` needs ``LOCK_TASKS`` (write ``config-services``, as ``configure
  exclusive``), else ``access-denied``; ``<lock>`` of ``running`` takes the datastore's
  exclusive lock (what ``configure exclusive`` takes, so CLI commits and ``configure exclusive``
  are refused meanwhile); locks of either datastore are also kept in the router's session table
  (``device.session_table.netconf_locks``, shared by its NETCONF sessions), so a lock held by
  another session, or a ``configure exclusive`` CLI session (session-id 0, as RFC 6241
  prescribes for a non-NETCONF holder), is ``lock-denied``. ``<kill-session>`` needs
  ``KILL_TASKS`` (execute ``config-services``, as IOS XR's ``clear configuration sessions``). A
  commit refused for a lock (``ConfigurationLocked``) is ``in-use``, any other refused commit
  ``operation-failed``.
- ``copy-config`` onto the candidate replaces the whole configuration (the CLI lines ``no``
  of every top-level item, then the new content); YANG actions (``ActionModel``, an RPC in a
  model's namespace: the rollback actions, ``get-cli-config-diff``) run with the session as
  their ``ActionContext`` once the user's grants allow them. The CLI text model
  (``CliTextModel``, ``Cisco-IOS-XR-cli-cfg``) is read through ``ConfigEditor.show`` and
  written as typed lines, with ``replace`` as ``copy-config``.
- Namespaces: operations in base:1.0's or base:1.1's namespace, their parameters in either or
  none, as IOS XR accepts them; every message declares ``<?xml version="1.0"?>`` without an
  encoding, as IOS XR's do (lxml refuses a ``str`` that declares one: NAPALM parses reply
  text so).
- ``close()`` also takes the session out of ``device.session_table`` (whoever opened it, the
  SSH front door through ``xrsim.frontends.ssh.netconf.open_netconf``, listed it there).

Capabilities: base:1.0 and base:1.1, ``:candidate``, ``:validate:1.1``/``:validate:1.0``,
``:confirmed-commit:1.0`` (``<confirmed/>`` and ``<confirm-timeout>``; no persist, no
``<cancel-commit>``), ``:rollback-on-error``, and every module of the registry's models as
``namespace?module=NAME&revision=DATE``. No ``:writable-running``, no ``:xpath``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from lxml import etree

from xrsim.aaa import Grant, Grants, authorize, readable_tree
from xrsim.config.datastore import Candidate, CommitError, ConfigurationLocked
from xrsim.config.tree import Change, ConfigTree
from xrsim.config.tree import Schema as CliSchema
from xrsim.errors import FramingError, NetconfError, StorageError
from xrsim.netconf.edit import OP_ATTR, nested_lines
from xrsim.netconf.filter import subtree_filter
from xrsim.netconf.framing import Framer
from xrsim.netconf.models import build_registry
from xrsim.netconf.registry import ActionModel, CliTextModel, Device, ModelRegistry
from xrsim.netconf.xmlutil import (
    BASE_NS,
    Element,
    child,
    children,
    graft,
    local,
    namespace,
    parse,
)
from xrsim.netconf.xmlutil import text_of as _text

__all__ = [
    "BASE_1_0",
    "BASE_1_1",
    "KILL_TASKS",
    "LOCK_TASKS",
    "ConfigEditor",
    "EditRefusal",
    "NetconfSession",
    "server_capabilities",
]

BASE_1_0 = "urn:ietf:params:netconf:base:1.0"
BASE_1_1 = "urn:ietf:params:netconf:base:1.1"
#: The namespace of base:1.1 (RFC 6241's YANG module); IOS XR takes operations and their
#: parameters in it as in base:1.0's (NAPALM sends ``<get xmlns="...:base:1.1">``).
BASE_1_1_NS = "urn:ietf:params:xml:ns:netconf:base:1.1"
#: Where an operation and its parameters may be: either base namespace, and for parameters
#: also none (ncclient sends a ``<config>`` string unqualified).
#: Where a base operation may be: either base namespace, or none (Ansible's netconf_rpc, as its
#: docs show it, sends ``<lock>`` or ``<get>`` with no namespace of its own).
OPERATION_NAMESPACES = (BASE_NS, BASE_1_1_NS, None)
PARAMETER_NAMESPACES = (BASE_NS, BASE_1_1_NS, None)
_CAP = "urn:ietf:params:netconf:capability:"
PROTOCOL_CAPABILITIES = (
    BASE_1_0,
    BASE_1_1,
    f"{_CAP}candidate:1.0",
    f"{_CAP}validate:1.0",
    f"{_CAP}validate:1.1",
    f"{_CAP}confirmed-commit:1.0",
    f"{_CAP}rollback-on-error:1.0",
)
#: ``<confirm-timeout>`` when a confirmed commit gives none (RFC 6241: 600 seconds).
DEFAULT_CONFIRM_TIMEOUT = 600
#: ``<lock>`` (of either datastore: each blocks other sessions' commits) needs what ``configure
#: exclusive`` needs; ``<kill-session>`` what ending another configuration session needs
#: (IOS XR's ``clear configuration sessions``: config-services execute).
LOCK_TASKS: tuple[Grant, ...] = (("write", "config-services"),)
KILL_TASKS: tuple[Grant, ...] = (("execute", "config-services"),)
#: What NETCONF commits record as line and client (``show configuration commit list``).
COMMIT_LINE = "netconf"
COMMIT_CLIENT = "netconf"


def server_capabilities(registry: ModelRegistry) -> list[str]:
    """What the server hello advertises."""
    return [*PROTOCOL_CAPABILITIES, *registry.capabilities()]


@dataclass(frozen=True)
class EditRefusal:
    """A configuration line the CLI refused: the line, what IOS XR printed, and whether it
    was an authorization refusal."""

    line: str
    text: str
    denied: bool = False


class ConfigEditor(Protocol):
    """Types CLI configuration lines into the session's candidate (layer 6 provides it:
    ``xrsim.frontends.ssh.netconf.CliEditor``)."""

    @property
    def candidate(self) -> Candidate: ...

    @property
    def schema(self) -> CliSchema:
        """The command registry ``apply`` parses lines with: edits check each value's line
        against it before typing it."""
        ...

    def apply(self, lines: Sequence[str]) -> EditRefusal | None:
        """Enter ``lines`` (nested by submode; ``no ...`` deletes); the first refusal stops."""
        ...

    def grants(self) -> Grants:
        """The session user's task grants."""
        ...

    def show(self, command: str) -> str:
        """What the CLI session prints for ``command`` (a ``show`` command of config mode),
        without the timestamp line."""
        ...

    def refused_changes(self, changes: Sequence[Change]) -> list[Change]:
        """The changes of ``changes`` the session user's task IDs do not allow (what a
        rollback checks each item it would change with)."""
        ...

    def close(self) -> None: ...


_error = NetconfError


class NetconfSession:
    """One NETCONF session on a device."""

    def __init__(
        self,
        device: Device,
        editor: ConfigEditor,
        *,
        user: str,
        session_id: int,
        kill: Callable[[int], bool],
        registry: ModelRegistry | None = None,
    ) -> None:
        self.device = device
        self.editor = editor
        self.user = user
        self.session_id = session_id
        self._kill = kill
        self.registry = registry if registry is not None else build_registry()
        self._framer = Framer()
        self._hello_done = False
        self._closed = False
        self._close_lock = threading.Lock()
        self._released = False
        #: "1.0" or "1.1" once the hellos are exchanged.
        self.version = "1.0"
        self.started: datetime = device.clock.now()
        self.last_op: str | None = None
        self.last_op_time: datetime | None = None
        self._ops: dict[str, Callable[[Element, Element], None]] = {
            "get": self._get,
            "get-config": self._get_config,
            "edit-config": self._edit_config,
            "copy-config": self._copy_config,
            "commit": self._commit,
            "discard-changes": self._discard,
            "validate": self._validate,
            "lock": self._lock,
            "unlock": self._unlock,
            "close-session": self._close_session,
            "kill-session": self._kill_session,
        }

    # -- transport side ---------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def locks(self) -> list[str]:
        """The datastores this session holds locked."""
        locks = self.device.session_table.netconf_locks
        with locks.guard:
            return sorted(t for t, holder in locks.held.items() if holder == self.session_id)

    @property
    def locked(self) -> bool:
        """Whether this session holds a datastore locked (``show netconf-yang clients``)."""
        return bool(self.locks)

    @property
    def connected(self) -> datetime:
        """When the session started (``show netconf-yang clients``)."""
        return self.started

    def hello(self) -> str:
        """The server hello, framed (end-of-message framing, as every hello)."""
        hello = etree.Element(f"{{{BASE_NS}}}hello", nsmap={None: BASE_NS})
        caps = etree.SubElement(hello, f"{{{BASE_NS}}}capabilities")
        for cap in server_capabilities(self.registry):
            etree.SubElement(caps, f"{{{BASE_NS}}}capability").text = cap
        etree.SubElement(hello, f"{{{BASE_NS}}}session-id").text = str(self.session_id)
        return self._framer.frame(_xml(hello))

    def feed(self, data: str) -> list[str]:
        """Take client input; return the framed messages to send, in order."""
        if self._closed:
            return []
        out: list[str] = []
        try:
            self._framer.push(data)
            while not self._closed:
                message = self._framer.next_message()
                if message is None:
                    break
                reply = self._message(message)
                if reply is not None:
                    out.append(self._framer.frame(reply))
        except FramingError:
            self.close()
        return out

    def close(self) -> None:
        """End the session: release its locks and drop its candidate (idempotent)."""
        self._closed = True
        with self._close_lock:
            if self._released:
                return
            self._released = True
        ds = self.device.datastore
        locks = self.device.session_table.netconf_locks
        with locks.guard:
            mine = [t for t, holder in locks.held.items() if holder == self.session_id]
            for t in mine:
                del locks.held[t]
        if "running" in mine:
            ds.unlock_exclusive(self.editor.candidate.session_id)
        self.editor.close()
        self.device.session_table.remove_netconf(self)

    # -- messages ---------------------------------------------------------------------------

    def _message(self, data: bytes) -> str | None:
        if not self._hello_done:
            self._client_hello(data)
            return None
        try:
            rpc = parse(data)
        except NetconfError as e:
            return _xml(_reply_error(e))
        if local(rpc) != "rpc" or namespace(rpc) != BASE_NS:
            return _xml(
                _reply_error(
                    _error(
                        "unknown-element",
                        f"expected an rpc, got {local(rpc)}",
                        error_type="rpc",
                        info=(("bad-element", local(rpc)),),
                    ),
                )
            )
        reply = etree.Element(f"{{{BASE_NS}}}rpc-reply", nsmap=rpc.nsmap)
        for name, value in rpc.attrib.items():
            reply.set(name, value)
        try:
            if rpc.get("message-id") is None:
                raise _error(
                    "missing-attribute",
                    "the rpc has no message-id",
                    error_type="rpc",
                    info=(("bad-attribute", "message-id"), ("bad-element", "rpc")),
                )
            ops = children(rpc)
            if len(ops) != 1:
                raise _error(
                    "malformed-message" if ops else "missing-element",
                    "an rpc holds exactly one operation",
                    error_type="rpc",
                    info=(("bad-element", "rpc"),),
                )
            op = ops[0]
            handler = self._ops.get(local(op)) if namespace(op) in OPERATION_NAMESPACES else None
            action = self.registry.action(op) if handler is None else None
            if action is not None:
                handler = self._action(action)
            if handler is None:
                raise _error(
                    "operation-not-supported",
                    f"operation {local(op)!r} is not supported",
                    error_type="protocol",
                    info=(("bad-element", local(op)),),
                )
            self.last_op = local(op)
            self.last_op_time = self.device.clock.now()
            handler(op, reply)
        except NetconfError as e:
            for c in list(reply):
                reply.remove(c)
            reply.append(_error_element(e))
        if not len(reply):
            etree.SubElement(reply, f"{{{BASE_NS}}}ok")
        return _xml(reply)

    def _client_hello(self, data: bytes) -> None:
        try:
            hello = parse(data)
        except NetconfError:
            self.close()
            return
        caps_el = child(hello, "capabilities")
        if local(hello) != "hello" or namespace(hello) != BASE_NS or caps_el is None:
            self.close()
            return
        if child(hello, "session-id") is not None:  # RFC 6241 8.1: a client sends none
            self.close()
            return
        caps = {_text(c) for c in children(caps_el) if local(c) == "capability"}
        if BASE_1_1 in caps:
            self.version = "1.1"
            self._framer.use_chunked()
        elif BASE_1_0 not in caps:
            self.close()
            return
        self._hello_done = True

    # -- helpers ----------------------------------------------------------------------------

    def _grants(self) -> Grants:
        return self.editor.grants()

    def show(self, command: str) -> str:
        """What the session's CLI prints for ``command`` (``ActionContext``)."""
        return self.editor.show(command)

    def refused_changes(self, changes: Sequence[Change]) -> list[Change]:
        """The changes the session's user may not make (``ActionContext``)."""
        return self.editor.refused_changes(changes)

    def _datastore_name(self, op: Element, which: str, allowed: tuple[str, ...]) -> str:
        holder = _param(op, which)
        if holder is None or not children(holder):
            raise _error(
                "missing-element",
                f"{local(op)} needs a {which}",
                error_type="protocol",
                info=(("bad-element", which),),
            )
        name = local(children(holder)[0])
        if name not in allowed:
            raise _error(
                "invalid-value",
                f"{which} {name!r} is not supported here",
                error_type="protocol",
                info=(("bad-element", name),),
            )
        return name

    def _held_by_other(self, target: str) -> int | None:
        """Who else holds ``target`` locked: a NETCONF session id, 0 for a CLI ``configure
        exclusive`` session, None for nobody."""
        locks = self.device.session_table.netconf_locks
        with locks.guard:
            holder = locks.held.get(target)
            running_holder = locks.held.get("running")
        if holder is not None and holder != self.session_id:
            return holder
        owner = self.device.datastore.exclusive_owner
        if owner is None or owner == self.editor.candidate.session_id:
            return None
        if running_holder is not None and running_holder != self.session_id:
            return None  # another NETCONF session's running lock: not this target's
        return 0

    def _not_in_use(self, target: str) -> None:
        holder = self._held_by_other(target)
        if holder is not None:
            raise _error(
                "in-use",
                f"the {target} configuration is locked by another session",
                error_type="protocol",
                info=(("session-id", str(holder)),),
            )

    def _data(
        self,
        reply: Element,
        filter_el: Element | None,
        tree: ConfigTree,
        *,
        oper: bool,
        source: str = "running",
    ) -> None:
        """``<data>``: the configuration models' data in ``tree`` (of ``source``) and, with
        ``oper``, the operational providers' (models the user may not read left out), cut by
        the filter. The models read ``tree`` as the user may read it (``xrsim.aaa.readable``,
        the filter of ``show running-config``), so no model shows an item the CLI would hide.
        Only models a filter can select are built; the CLI text model only when a filter
        names it."""
        wanted = _filter_tops(filter_el)
        grants = self._grants()
        tree = readable_tree(tree, grants)
        data = etree.SubElement(reply, f"{{{BASE_NS}}}data")
        for (ns, top), model in self.registry.config.items():
            if not (_wanted(wanted, ns, top) and authorize(grants, model.read_tasks)):
                continue
            if isinstance(model, CliTextModel):
                if wanted is not None:
                    command = (
                        model.running_command if source == "running" else model.candidate_command
                    )
                    graft(data, model.render(self.editor.show(command)))
                continue
            el = model.read(tree)
            if el is not None:
                graft(data, el)
        if oper:
            for (ns, top), provider in self.registry.oper.items():
                if _wanted(wanted, ns, top) and authorize(grants, provider.read_tasks):
                    el = provider.build(self.device)
                    if el is not None:
                        graft(data, el)
        if filter_el is not None:
            cut = subtree_filter(filter_el, data)
            reply.remove(data)
            reply.append(cut)

    # -- operations -------------------------------------------------------------------------

    def _get(self, op: Element, reply: Element) -> None:
        self._data(reply, _filter(op), self.device.datastore.running_copy(), oper=True)

    def _get_config(self, op: Element, reply: Element) -> None:
        source = self._datastore_name(op, "source", ("running", "candidate"))
        if source == "running":
            tree = self.device.datastore.running_copy()
        else:
            tree = self.editor.candidate.merged()
        self._data(reply, _filter(op), tree, oper=False, source=source)

    def _edit_config(self, op: Element, reply: Element) -> None:
        target = _param(op, "target")
        if target is not None and _param(target, "running") is not None:
            raise _error(
                "operation-not-supported",
                "the running configuration is not writable: edit the candidate and commit",
                error_type="protocol",
                info=(("bad-element", "running"),),
            )
        self._datastore_name(op, "target", ("candidate",))
        self._not_in_use("candidate")
        default_op = _option(op, "default-operation", ("merge", "replace", "none"))
        error_option = _option(op, "error-option", ("stop-on-error", "rollback-on-error"))
        test_option = _option(op, "test-option", ("test-then-set", "set", "test-only"))
        config = _param(op, "config")
        if config is None:
            url = _param(op, "url")
            raise _error(
                "operation-not-supported" if url is not None else "missing-element",
                "edit-config needs a config (url is not supported)",
                error_type="protocol",
                info=(("bad-element", "url" if url is not None else "config"),),
            )
        candidate = self.editor.candidate
        saved = list(candidate.changes)
        try:
            self._apply_config(config, default_op)
        except NetconfError:
            if error_option == "rollback-on-error" or _replaces(config, default_op):
                candidate.changes[:] = saved
            raise
        finally:
            if test_option == "test-only":
                candidate.changes[:] = saved

    def _apply_config(self, config: Element, default_op: str) -> None:
        grants = self._grants()
        for top in children(config):
            model = self.registry.config_model(top)
            if not authorize(grants, model.write_tasks):
                raise _error(
                    "access-denied",
                    f"{self.user} may not change {model.module}",
                    info=(("bad-element", local(top)),),
                )
            if isinstance(model, CliTextModel):
                lines = model.lines(top)
                if str(top.get(OP_ATTR, default_op)) == "replace":
                    lines = [*self._remove_all_lines(), *lines]
            else:
                edits = model.edit(
                    top, self.editor.candidate.merged(), default_op, self.editor.schema
                )
                lines = nested_lines(edits)
            if not lines:
                continue
            refusal = self.editor.apply(lines)
            if refusal is not None:
                raise _error(
                    "access-denied" if refusal.denied else "invalid-value",
                    f"{refusal.line.strip()}: {refusal.text.strip()}",
                    info=(("bad-element", local(top)),),
                )

    def _remove_all_lines(self) -> list[str]:
        """The CLI lines that empty the candidate (``no`` of every top-level item): what a
        replace types before the new configuration, so the candidate becomes exactly that."""
        self.editor.candidate.clear()
        return [
            f"no {node.line}"
            for node in self.device.datastore.running_copy().root.sorted_children()
        ]

    def _copy_config(self, op: Element, reply: Element) -> None:
        """``copy-config`` onto the candidate: from ``running`` (the candidate's changes go),
        or from an inline ``<config>``, which replaces the whole configuration (RFC 6241
        section 7.3): every top-level item is removed, then the new content is set, all
        typed into the session's CLI; nothing changes when a line is refused."""
        self._datastore_name(op, "target", ("candidate",))
        self._not_in_use("candidate")
        source = _param(op, "source")
        config = _param(source, "config") if source is not None else None
        if config is None:
            self._datastore_name(op, "source", ("running",))
            self.editor.candidate.clear()
            return
        candidate = self.editor.candidate
        saved = list(candidate.changes)
        try:
            removal = self._remove_all_lines()
            refusal = self.editor.apply(removal)
            if refusal is not None:
                raise _error(
                    "access-denied" if refusal.denied else "operation-failed",
                    f"{refusal.line.strip()}: {refusal.text.strip()}",
                    info=(("bad-element", "config"),),
                )
            self._apply_config(config, "merge")
        except NetconfError:
            candidate.changes[:] = saved
            raise

    def _action(self, action: ActionModel) -> Callable[[Element, Element], None]:
        """The handler of a YANG action: the user needs its grants (else access-denied)."""

        def run(op: Element, reply: Element) -> None:
            if not authorize(self._grants(), action.tasks):
                raise _error(
                    "access-denied",
                    f"{self.user} may not run {action.name}",
                    info=(("bad-element", action.name),),
                )
            for el in action.run(self, op):
                graft(reply, el)

        return run

    def _commit(self, op: Element, reply: Element) -> None:
        self._not_in_use("candidate")
        self._not_in_use("running")
        confirmed: int | None = None
        if _param(op, "persist") is not None or _param(op, "persist-id") is not None:
            raise _error(
                "operation-not-supported",
                "persist is not supported (confirmed-commit:1.0)",
                error_type="protocol",
                info=(("bad-element", "persist"),),
            )
        if _param(op, "confirmed") is not None:
            timeout_el = _param(op, "confirm-timeout")
            text = _text(timeout_el) if timeout_el is not None else str(DEFAULT_CONFIRM_TIMEOUT)
            if not text.isdigit() or not 0 < int(text) < 2**32:
                raise _error(
                    "invalid-value",
                    f"confirm-timeout {text!r}",
                    error_type="protocol",
                    info=(("bad-element", "confirm-timeout"),),
                )
            confirmed = int(text)
        try:
            self.device.datastore.commit(
                self.editor.candidate,
                user=self.user,
                line=COMMIT_LINE,
                client=COMMIT_CLIENT,
                confirmed=confirmed,
            )
        except ConfigurationLocked as e:
            raise _error("in-use", str(e).lstrip("% "), error_type="protocol") from None
        except CommitError as e:
            raise _error(
                "operation-failed", str(e).lstrip("% "), error_type="application"
            ) from None
        except StorageError as e:  # nothing changed: the candidate keeps its changes
            raise _error(
                "operation-failed",
                f"the configuration could not be saved: {e.reason}",
                error_type="application",
            ) from None

    def _discard(self, op: Element, reply: Element) -> None:
        self.editor.candidate.clear()

    def _validate(self, op: Element, reply: Element) -> None:
        source = _param(op, "source")
        config = _param(source, "config") if source is not None else None
        if config is None:
            self._datastore_name(op, "source", ("candidate", "running"))
            return  # every line of a candidate was checked by the CLI parser when typed
        candidate = self.editor.candidate
        saved = list(candidate.changes)
        try:
            self._apply_config(config, "merge")
        finally:
            candidate.changes[:] = saved

    def _permit(self, operation: str, tasks: tuple[Grant, ...], what: str) -> None:
        """``access-denied`` unless the user's task grants allow ``tasks``."""
        if not authorize(self._grants(), tasks):
            raise _error(
                "access-denied",
                f"{self.user} may not {what}",
                error_type="protocol",
                info=(("bad-element", operation),),
            )

    def _lock(self, op: Element, reply: Element) -> None:
        target = self._datastore_name(op, "target", ("running", "candidate"))
        self._permit("lock", LOCK_TASKS, f"lock the {target} configuration")
        ds = self.device.datastore
        locks = self.device.session_table.netconf_locks
        holder = self._held_by_other(target)
        if holder is None and target == "candidate" and self.editor.candidate.has_changes():
            raise _error(
                "lock-denied",
                "the candidate has uncommitted changes: commit or discard them first",
                error_type="protocol",
                info=(("session-id", str(self.session_id)),),
            )
        with locks.guard:
            if holder is None and locks.held.get(target) == self.session_id:
                holder = self.session_id  # already held by this session: a second lock fails
            if holder is None:
                if target == "running" and not ds.lock_exclusive(self.editor.candidate.session_id):
                    holder = 0
                else:
                    locks.held[target] = self.session_id
        if holder is not None:
            raise _error(
                "lock-denied",
                f"the {target} configuration is already locked",
                error_type="protocol",
                info=(("session-id", str(holder)),),
            )

    def _unlock(self, op: Element, reply: Element) -> None:
        target = self._datastore_name(op, "target", ("running", "candidate"))
        ds = self.device.datastore
        locks = self.device.session_table.netconf_locks
        with locks.guard:
            holder = locks.held.get(target, 0)
            mine = holder == self.session_id
            if mine:
                del locks.held[target]
        if not mine:
            raise _error(
                "operation-failed",
                f"the {target} configuration is not locked by this session",
                error_type="protocol",
                info=(("session-id", str(holder)),),
            )
        if target == "running":
            ds.unlock_exclusive(self.editor.candidate.session_id)

    def _close_session(self, op: Element, reply: Element) -> None:
        self.close()

    def _kill_session(self, op: Element, reply: Element) -> None:
        el = _param(op, "session-id")
        if el is None:
            raise _error(
                "missing-element",
                "kill-session needs a session-id",
                error_type="protocol",
                info=(("bad-element", "session-id"),),
            )
        text = _text(el)
        if not text.isdigit():
            raise _error(
                "invalid-value", f"session-id {text!r}", info=(("bad-element", "session-id"),)
            )
        target = int(text)
        self._permit("kill-session", KILL_TASKS, "kill another session")
        if target == self.session_id:
            raise _error(
                "invalid-value",
                "a session cannot kill itself: use close-session",
                info=(("bad-element", "session-id"),),
            )
        if not self._kill(target):
            raise _error(
                "invalid-value",
                f"no NETCONF session {target}",
                info=(("bad-element", "session-id"),),
            )


# -- module helpers ---------------------------------------------------------------------------


def _xml(el: Element) -> str:
    """A message as IOS XR writes it: the declaration names no encoding (lxml refuses to parse
    a ``str`` that declares one, and NAPALM parses ncclient's reply text as a ``str``)."""
    return '<?xml version="1.0"?>\n' + str(etree.tostring(el, encoding="unicode"))


def _param(op: Element | None, name: str) -> Element | None:
    """The parameter ``name`` of an operation, in either base namespace or none."""
    if op is None:
        return None
    for c in children(op):
        if local(c) == name and namespace(c) in PARAMETER_NAMESPACES:
            return c
    return None


def _option(op: Element, name: str, allowed: tuple[str, ...]) -> str:
    el = _param(op, name)
    if el is None:
        return allowed[0]
    value = _text(el)
    if value not in allowed:
        raise _error(
            "operation-not-supported" if name == "error-option" else "invalid-value",
            f"{name} {value!r} is not supported",
            error_type="protocol",
            info=(("bad-element", name),),
        )
    return value


def _filter(op: Element) -> Element | None:
    f = _param(op, "filter")
    if f is None:
        return None
    kind = f.get("type", "subtree")
    if kind != "subtree":
        raise _error(
            "invalid-value" if kind != "xpath" else "operation-not-supported",
            f"filter type {kind!r} is not supported (subtree filters only)",
            error_type="protocol",
            info=(("bad-attribute", "type"), ("bad-element", "filter")),
        )
    return f


def _filter_tops(filter_el: Element | None) -> list[tuple[str | None, str]] | None:
    """The (namespace, name) of the filter's top elements; None without a filter."""
    if filter_el is None:
        return None
    return [(namespace(c), local(c)) for c in children(filter_el)]


def _wanted(wanted: list[tuple[str | None, str]] | None, ns: str, top: str) -> bool:
    if wanted is None:
        return True
    return any(name == top and (fns is None or fns == ns) for fns, name in wanted)


def _error_element(e: NetconfError) -> Element:
    err = etree.Element(f"{{{BASE_NS}}}rpc-error")
    for name, value in (
        ("error-type", e.error_type),
        ("error-tag", e.tag),
        ("error-severity", e.severity),
    ):
        etree.SubElement(err, f"{{{BASE_NS}}}{name}").text = value
    msg = etree.SubElement(err, f"{{{BASE_NS}}}error-message")
    msg.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    msg.text = e.message
    if e.info:
        info = etree.SubElement(err, f"{{{BASE_NS}}}error-info")
        for name, value in e.info:
            etree.SubElement(info, f"{{{BASE_NS}}}{name}").text = value
    return err


def _reply_error(e: NetconfError) -> Element:
    """A reply to a message that could not be read as an rpc (no attributes to copy)."""
    reply = etree.Element(f"{{{BASE_NS}}}rpc-reply", nsmap={None: BASE_NS})
    reply.append(_error_element(e))
    return reply


def _replaces(config: Element, default_op: str) -> bool:
    """Whether an edit-config replaces: its default operation, or an ``operation`` attribute
    anywhere in its ``<config>``."""
    return default_op == "replace" or any(el.get(OP_ATTR) == "replace" for el in config.iter("*"))

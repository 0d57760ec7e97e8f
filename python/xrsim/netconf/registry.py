"""Models and the registry a NETCONF session serves them from.

- ``ConfigModel``: a configuration model, one top element (a ``Container`` schema,
  ``xrsim.netconf.schema``) of one YANG module mapped onto CLI lines, with its AAA task grants
  (read and write: those of the equivalent CLI commands). ``read(tree)`` renders a
  configuration tree (running, or a session's candidate) as XML for ``<get-config>`` /
  ``<get>``; ``edit(element, tree, default_operation, cli)`` turns an ``<edit-config>`` top
  element into ``CliEdit`` s (``xrsim.netconf.edit``), each value checked against its YANG
  type and as the one argument of its line in ``cli``, the command registry.
- ``CliTextModel``: the configuration as CLI text in one element (``Cisco-IOS-XR-cli-cfg``'s
  ``cli``): read through the session's CLI (``show running-config``, ``show configuration
  merge``), written by typing its lines into that CLI session (``lines``), so the one parser
  and its task checks apply. It is served only when a filter names it, as IOS XR does.
- ``OperModel``: an operational data provider, ``build(device)`` giving the XML of its top
  element (or None), with its read grants.
- ``ActionModel``: a YANG action (an RPC of its own namespace: ``roll-back-configuration-last``,
  ``get-cli-config-diff``), ``run(context, element)`` giving the reply's output elements, with
  the grants the equivalent CLI command needs; ``ActionContext`` is what an action may use of
  the session (device, user, its CLI).
- ``ModelRegistry``: built from a sequence of models (``xrsim.netconf.models.MODELS`` is the
  list xrsim serves); keys them by (namespace, top element), keeps their order (the order of
  ``<data>``), finds the model of an edit-config element and lists the capabilities the hello
  advertises. It is immutable once built and cheap to build, so each session builds its own
  (``xrsim.netconf.models.build_registry``): there is no process-wide registry to change.
- ``Device``: what NETCONF reads of a router (``xrsim.router.Router`` satisfies it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from lxml import etree

from xrsim.aaa import Grant
from xrsim.config.tree import Change, ConfigTree
from xrsim.config.tree import Schema as CliSchema
from xrsim.device import DeviceState
from xrsim.errors import NetconfError, XrsimError
from xrsim.netconf.edit import CliEdit, SchemaEdit
from xrsim.netconf.schema import Container, read_into
from xrsim.netconf.xmlutil import Element, local, namespace, text_of

__all__ = [
    "TOP_LINE_END",
    "ActionContext",
    "ActionModel",
    "CliTextModel",
    "ConfigModel",
    "Device",
    "Model",
    "ModelRegistry",
    "OperModel",
]

#: What NETCONF reads of a router (``xrsim.router.Router`` satisfies it).
Device = DeviceState


@dataclass(frozen=True)
class ConfigModel:
    """A configuration model: one top element of one YANG module, mapped onto CLI lines."""

    module: str
    namespace: str
    revision: str
    top: Container
    read_tasks: tuple[Grant, ...]
    write_tasks: tuple[Grant, ...]
    #: The modules that augment the top element in the schema, as (module, namespace,
    #: revision): advertised with it (``Cisco-IOS-XR-aaa-locald-cfg`` in ``aaa``).
    augments: tuple[tuple[str, str, str], ...] = ()

    @property
    def capability(self) -> str:
        return f"{self.namespace}?module={self.module}&revision={self.revision}"

    @property
    def capabilities(self) -> list[str]:
        """The model's module and the modules augmenting it."""
        return [self.capability, *(f"{ns}?module={m}&revision={r}" for m, ns, r in self.augments)]

    def read(self, tree: ConfigTree) -> Element | None:
        """The model's data in ``tree`` as its top element; None when there is none."""
        holder = etree.Element("x", nsmap={None: self.namespace})
        read_into(self.top, self.namespace, holder, tree.root)
        if not len(holder):
            return None
        el = holder[0]
        holder.remove(el)  # lxml moves the default namespace declaration onto el
        return el

    def edit(
        self, el: Element, tree: ConfigTree, default_operation: str, cli: CliSchema
    ) -> list[CliEdit]:
        """The CLI edits an edit-config top element asks for (``NetconfError`` when the
        request does not fit the model or the data, or a value its type or, as a line of
        ``cli``, the command's argument)."""
        e = SchemaEdit(self.namespace, cli)
        e.edit(self.top, el, tree.root, (), default_operation)
        return e.out


@dataclass(frozen=True)
class OperModel:
    """An operational data provider: ``build(device)`` gives the top element or None."""

    module: str
    namespace: str
    revision: str
    top: str
    read_tasks: tuple[Grant, ...]
    build: Callable[[Device], Element | None]

    @property
    def capability(self) -> str:
        return f"{self.namespace}?module={self.module}&revision={self.revision}"


#: The line that ends a configuration text (``show running-config`` ends with it).
TOP_LINE_END = "end"


@dataclass(frozen=True)
class CliTextModel:
    """The configuration as CLI text in one element (``<cli>``), read through the session's
    CLI with ``running_command`` / ``candidate_command`` and written as typed CLI lines."""

    module: str
    namespace: str
    revision: str
    top: str
    read_tasks: tuple[Grant, ...]
    write_tasks: tuple[Grant, ...]
    running_command: str
    candidate_command: str

    @property
    def capability(self) -> str:
        return f"{self.namespace}?module={self.module}&revision={self.revision}"

    def render(self, shown: str) -> Element:
        """The element holding what the CLI showed, from the configuration's first ``!!``
        line on (IOS XR's NETCONF text has no ``Building configuration...`` line)."""
        lines = shown.splitlines()
        start = next((i for i, ln in enumerate(lines) if ln.startswith("!!")), 0)
        el = etree.Element(f"{{{self.namespace}}}{self.top}", nsmap={None: self.namespace})
        el.text = "\n" + "\n".join(lines[start:]) + "\n\n"
        return el

    def lines(self, el: Element) -> list[str]:
        """The configuration lines of an edit's text, as typed: ``!`` lines are comments,
        ``end`` ends the text, indentation gives the submode depth (one space a level)."""
        if len(el):
            raise NetconfError(
                "invalid-value",
                f"{self.top} holds configuration text, not elements",
                info=(("bad-element", self.top),),
            )
        out: list[str] = []
        for raw in (el.text or "").splitlines():
            line = raw.rstrip()
            if not line.strip() or line.lstrip().startswith("!"):
                continue
            if line == TOP_LINE_END:
                break
            out.append(line)
        return out


class ActionContext(Protocol):
    """What an action may use of the NETCONF session that runs it."""

    @property
    def device(self) -> Device: ...

    @property
    def user(self) -> str: ...

    def show(self, command: str) -> str:
        """What the session's CLI prints for ``command`` (no timestamp line)."""
        ...

    def refused_changes(self, changes: Sequence[Change]) -> list[Change]:
        """The changes of ``changes`` the session's user may not make (the datastore's
        ``ChangeCheck`` for a rollback)."""
        ...


@dataclass(frozen=True)
class ActionModel:
    """A YANG action: the RPC ``name`` in ``namespace``; ``run(context, element)`` does it
    and gives the reply's output elements (none: ``<ok/>``), or raises ``NetconfError``."""

    module: str
    namespace: str
    revision: str
    name: str
    tasks: tuple[Grant, ...]
    run: Callable[[ActionContext, Element], list[Element]]

    @property
    def capability(self) -> str:
        return f"{self.namespace}?module={self.module}&revision={self.revision}"


def leaf_text(el: Element, name: str) -> str | None:
    """The text of the child ``name`` of ``el`` in ``el``'s namespace (None when absent)."""
    for c in el:
        if isinstance(c.tag, str) and local(c) == name and namespace(c) == namespace(el):
            return text_of(c)
    return None


Model = ConfigModel | CliTextModel | OperModel | ActionModel


class ModelRegistry:
    """Configuration models and operational providers by (namespace, top element), in the
    order given."""

    def __init__(self, models: Iterable[Model]) -> None:
        config: dict[tuple[str, str], ConfigModel | CliTextModel] = {}
        oper: dict[tuple[str, str], OperModel] = {}
        actions: dict[tuple[str, str], ActionModel] = {}
        for model in models:
            if isinstance(model, ConfigModel | CliTextModel):
                key = (model.namespace, model.top if isinstance(model.top, str) else model.top.name)
                if key in config:
                    raise XrsimError(f"configuration model {key} registered twice")
                config[key] = model
            elif isinstance(model, ActionModel):
                key = (model.namespace, model.name)
                if key in actions:
                    raise XrsimError(f"action {key} registered twice")
                actions[key] = model
            else:
                key = (model.namespace, model.top)
                if key in oper:
                    raise XrsimError(f"operational model {key} registered twice")
                oper[key] = model
        self.config: Mapping[tuple[str, str], ConfigModel | CliTextModel] = MappingProxyType(config)
        self.oper: Mapping[tuple[str, str], OperModel] = MappingProxyType(oper)
        self.actions: Mapping[tuple[str, str], ActionModel] = MappingProxyType(actions)

    def action(self, el: Element) -> ActionModel | None:
        """The action an RPC element asks for (None when no model has it)."""
        return self.actions.get((namespace(el) or "", local(el)))

    def config_model(self, el: Element) -> ConfigModel | CliTextModel:
        """The configuration model of an edit-config top element (``NetconfError`` when no
        model has it)."""
        ns, name = namespace(el), local(el)
        model = self.config.get((ns or "", name))
        if model is not None:
            return model
        if not any(k[0] == ns for k in self.config):
            raise NetconfError(
                "unknown-namespace",
                f"no configuration model has the namespace {ns!r}",
                error_type="protocol",
                info=(("bad-element", name), ("bad-namespace", ns or "")),
            )
        raise NetconfError(
            "unknown-element",
            f"{name!r} is not a configuration element of {ns}",
            info=(("bad-element", name),),
        )

    def capabilities(self) -> list[str]:
        """One capability per module, sorted."""
        caps = {m.capability for m in self.config.values()}
        caps |= {
            c for m in self.config.values() if isinstance(m, ConfigModel) for c in m.capabilities
        }
        caps |= {m.capability for m in self.oper.values()}
        caps |= {m.capability for m in self.actions.values()}
        return sorted(caps)

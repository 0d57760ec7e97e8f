"""Models and the registry a NETCONF session serves them from.

- ``ConfigModel``: a configuration model, one top element (a ``Container`` schema,
  ``xrsim.netconf.schema``) of one YANG module mapped onto CLI lines, with its AAA task grants
  (read and write: those of the equivalent CLI commands). ``read(tree)`` renders a
  configuration tree (running, or a session's candidate) as XML for ``<get-config>`` /
  ``<get>``; ``edit(element, tree, default_operation)`` turns an ``<edit-config>`` top element
  into ``CliEdit`` s (``xrsim.netconf.edit``).
- ``OperModel``: an operational data provider, ``build(device)`` giving the XML of its top
  element (or None), with its read grants.
- ``ModelRegistry``: built from a sequence of models (``xrsim.netconf.models.MODELS`` is the
  list xrsim serves); keys them by (namespace, top element), keeps their order (the order of
  ``<data>``), finds the model of an edit-config element and lists the capabilities the hello
  advertises. It is immutable once built and cheap to build, so each session builds its own
  (``xrsim.netconf.models.build_registry``): there is no process-wide registry to change.
- ``Device``: what NETCONF reads of a router (``xrsim.router.Router`` satisfies it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lxml import etree

from xrsim.aaa import Grant
from xrsim.config.tree import ConfigTree
from xrsim.device import DeviceState
from xrsim.errors import NetconfError, XrsimError
from xrsim.netconf.edit import CliEdit, SchemaEdit
from xrsim.netconf.schema import Container, read_into
from xrsim.netconf.xmlutil import Element, local, namespace

__all__ = ["ConfigModel", "Device", "Model", "ModelRegistry", "OperModel"]

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

    @property
    def capability(self) -> str:
        return f"{self.namespace}?module={self.module}&revision={self.revision}"

    def read(self, tree: ConfigTree) -> Element | None:
        """The model's data in ``tree`` as its top element; None when there is none."""
        holder = etree.Element("x", nsmap={None: self.namespace})
        read_into(self.top, self.namespace, holder, tree.root)
        if not len(holder):
            return None
        el = holder[0]
        holder.remove(el)  # lxml moves the default namespace declaration onto el
        return el

    def edit(self, el: Element, tree: ConfigTree, default_operation: str) -> list[CliEdit]:
        """The CLI edits an edit-config top element asks for (``NetconfError`` when the
        request does not fit the model or the data)."""
        e = SchemaEdit(self.namespace)
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


Model = ConfigModel | OperModel


class ModelRegistry:
    """Configuration models and operational providers by (namespace, top element), in the
    order given."""

    def __init__(self, models: Iterable[Model]) -> None:
        config: dict[tuple[str, str], ConfigModel] = {}
        oper: dict[tuple[str, str], OperModel] = {}
        for model in models:
            if isinstance(model, ConfigModel):
                key = (model.namespace, model.top.name)
                if key in config:
                    raise XrsimError(f"configuration model {key} registered twice")
                config[key] = model
            else:
                key = (model.namespace, model.top)
                if key in oper:
                    raise XrsimError(f"operational model {key} registered twice")
                oper[key] = model
        self.config: Mapping[tuple[str, str], ConfigModel] = MappingProxyType(config)
        self.oper: Mapping[tuple[str, str], OperModel] = MappingProxyType(oper)

    def config_model(self, el: Element) -> ConfigModel:
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
        caps |= {m.capability for m in self.oper.values()}
        return sorted(caps)

"""YANG-shaped models: configuration mapped onto IOS XR CLI lines, and operational data.

A ``ConfigModel`` is a small declarative schema (``Container``, ``ListNode``, ``Leaf``) under
one top element of one namespace, where every leaf names the CLI configuration line that holds
its value (``Leaf("host-name", "hostname {}")``) and every keyed list the CLI block line of an
entry (``ListNode("trustpoint", "name", "crypto ca trustpoint {}")``). The same schema works
both ways:

- ``read(tree)`` renders the items of a configuration tree (running, or a session's candidate)
  as XML for ``<get-config>`` / ``<get>``;
- ``edit(element, tree, default_operation)`` turns an ``<edit-config>`` subtree, with its
  ``operation`` attributes (merge, replace, create, delete, remove, none; RFC 6241 section
  7.2), into ``CliEdit`` s: CLI lines (``no ...`` for deletes) inside their submode blocks, which
  the session's editor types into a real CLI session. ``create`` of existing data is
  ``data-exists``, ``delete`` of missing data ``data-missing``. ``replace`` removes the modeled
  items the new content leaves out and keeps CLI items the model does not cover.

An ``OperModel`` is an operational data provider: a function from the device to the XML of its
top element. ``ModelRegistry`` keys both kinds by (namespace, top element), gives each model
its AAA task grants (read and, for configuration, write; the task IDs of the equivalent CLI
commands), and lists the capabilities the hello advertises. A later provider (the seed's
``Cisco-IOS-XR-spirit-install-instmgr-oper`` ``install`` tree with package fingerprints) plugs
in with one ``register_oper`` call.

``default_registry()`` holds the models xrsim covers (see docs/netconf.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal

from cryptography import x509
from lxml import etree

from xrsim.aaa import Grant
from xrsim.config.tree import ConfigNode, ConfigTree
from xrsim.device import DeviceState
from xrsim.errors import NetconfError, XrsimError
from xrsim.netconf.xmlutil import BASE_NS, Element, children, local, namespace, text_of
from xrsim.pki.keystore import public_data
from xrsim.pki.x509 import Described

if TYPE_CHECKING:
    pass

__all__ = [
    "OPERATIONS",
    "CliEdit",
    "ConfigModel",
    "Container",
    "Device",
    "Leaf",
    "ListNode",
    "ModelRegistry",
    "OperModel",
    "default_registry",
    "nested_lines",
]

#: The ``operation`` attribute values of edit-config (RFC 6241 section 7.2).
OPERATIONS = ("merge", "replace", "create", "delete", "remove", "none")
OP_ATTR = f"{{{BASE_NS}}}operation"
_BAD_VALUE = re.compile(r"[\x00-\x1f\x7f]")


#: What NETCONF reads of a router (``xrsim.router.Router`` satisfies it).
Device = DeviceState


# -- schema -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A leaf held by one CLI line. ``line`` has ``{}`` where the value goes (``kind``
    ``value``); an ``empty`` leaf is the fixed ``line``; a ``bool`` leaf is ``line`` when true
    and ``false_line`` when false. ``key`` is the CLI item key (default: the line's words
    before the value); ``pattern`` restricts the values read back."""

    name: str
    line: str
    key: str | None = None
    kind: Literal["value", "empty", "bool"] = "value"
    false_line: str | None = None
    pattern: str = r".+"

    @property
    def cli_key(self) -> str:
        return self.key or self.line.split("{}")[0].strip()

    def read(self, parent: ConfigNode | None) -> str | None:
        """The leaf's XML text ("" for an empty leaf), None when absent."""
        node = parent.children.get(self.cli_key) if parent is not None else None
        if node is None:
            return None
        if self.kind == "empty":
            return "" if node.line == self.line else None
        if self.kind == "bool":
            if node.line == self.line:
                return "true"
            return "false" if node.line == self.false_line else None
        head, _, tail = self.line.partition("{}")
        m = re.fullmatch(re.escape(head) + f"({self.pattern})" + re.escape(tail), node.line)
        return m.group(1) if m else None

    def cli_line(self, text: str) -> str:
        """The CLI line that sets the leaf to ``text`` (checked)."""
        if self.kind == "empty":
            if text:
                raise _bad_value(self.name, "an empty leaf takes no value")
            return self.line
        if self.kind == "bool":
            if text not in ("true", "false"):
                raise _bad_value(self.name, f"{text!r} is not a boolean")
            if text == "true":
                return self.line
            assert self.false_line is not None
            return self.false_line
        if not text or _BAD_VALUE.search(text) or not re.fullmatch(self.pattern, text):
            raise _bad_value(self.name, f"{text!r} is not a valid value")
        return self.line.replace("{}", text)


@dataclass(frozen=True)
class Container:
    name: str
    children: tuple[Schema, ...]


@dataclass(frozen=True)
class ListNode:
    """A keyed list. ``line`` is the CLI block line of an entry (``{}`` is the key); None for
    a list whose entries live at the parent's CLI level, where ``only`` is the one key value
    the CLI has (the ``default`` VRF of ``domain name``)."""

    name: str
    key: str
    line: str | None
    children: tuple[Schema, ...]
    only: str | None = None

    def entries(self, parent: ConfigNode | None) -> Iterator[tuple[str, ConfigNode | None]]:
        if self.line is None:
            assert self.only is not None
            yield self.only, parent
            return
        if parent is None:
            return
        head, _, tail = self.line.partition("{}")
        rx = re.compile(re.escape(head) + r"(\S+)" + re.escape(tail))
        for node in parent.sorted_children():
            m = rx.fullmatch(node.line)
            if m:
                yield m.group(1), node


Schema = Leaf | Container | ListNode


def _bad_value(name: str, why: str) -> NetconfError:
    return NetconfError("invalid-value", why, info=(("bad-element", name),))


@dataclass(frozen=True)
class CliEdit:
    """One CLI configuration line inside its submode blocks (``block``: the block lines from
    the top, such as ``("crypto ca trustpoint tp1",)``)."""

    block: tuple[str, ...]
    line: str


def nested_lines(edits: list[CliEdit]) -> list[str]:
    """Edits as CLI lines nested by submode (one space per level), as a person pastes them:
    a block line is repeated only when the block changes."""
    out: list[str] = []
    current: tuple[str, ...] = ()
    for e in edits:
        common = 0
        while common < min(len(current), len(e.block)) and current[common] == e.block[common]:
            common += 1
        if common < len(current):
            out.append("root")  # back to the top of config mode, then into the new block
            common = 0
        for depth in range(common, len(e.block)):
            out.append(" " * depth + e.block[depth])
        out.append(" " * len(e.block) + e.line)
        current = e.block
    return out


# -- reading ----------------------------------------------------------------------------------


def _read(schema: Schema, ns: str, parent_el: Element, node: ConfigNode | None) -> None:
    if isinstance(schema, Leaf):
        text = schema.read(node)
        if text is not None:
            el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
            if text:
                el.text = text
        return
    if isinstance(schema, Container):
        el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
        for c in schema.children:
            _read(c, ns, el, node)
        if not len(el):
            parent_el.remove(el)
        return
    for key, entry in schema.entries(node):
        el = etree.SubElement(parent_el, f"{{{ns}}}{schema.name}")
        etree.SubElement(el, f"{{{ns}}}{schema.key}").text = key
        for c in schema.children:
            _read(c, ns, el, entry)
        if schema.line is None and len(el) == 1:
            parent_el.remove(el)


def _exists(schema: Schema, ns: str, node: ConfigNode | None) -> bool:
    holder = etree.Element("x")
    _read(schema, ns, holder, node)
    return len(holder) > 0


# -- editing ----------------------------------------------------------------------------------


class _Edit:
    """One edit-config subtree turned into CLI edits."""

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.out: list[CliEdit] = []

    def op(self, el: Element, inherited: str) -> str:
        value = el.get(OP_ATTR)
        if value is None:
            return inherited
        if value not in OPERATIONS:
            raise NetconfError(
                "bad-attribute",
                f"unknown operation {value!r}",
                error_type="protocol",
                info=(("bad-attribute", "operation"), ("bad-element", local(el))),
            )
        return str(value)

    def spec_of(self, schema: Container | ListNode, el: Element) -> Schema:
        if namespace(el) != self.ns:
            raise NetconfError(
                "unknown-namespace",
                f"{namespace(el)!r} is not the namespace of {schema.name}",
                error_type="protocol",
                info=(("bad-element", local(el)), ("bad-namespace", namespace(el) or "")),
            )
        for c in schema.children:
            if c.name == local(el):
                return c
        raise NetconfError(
            "unknown-element",
            f"{local(el)!r} is not an element of {schema.name}",
            info=(("bad-element", local(el)),),
        )

    def delete_all(self, schema: Schema, node: ConfigNode | None, block: tuple[str, ...]) -> None:
        """Edits removing every modeled item of ``schema`` under ``node``."""
        if isinstance(schema, Leaf):
            current = node.children.get(schema.cli_key) if node is not None else None
            if current is not None and schema.read(node) is not None:
                self.out.append(CliEdit(block, f"no {current.line}"))
            return
        if isinstance(schema, Container):
            for c in schema.children:
                self.delete_all(c, node, block)
            return
        for _key, entry in schema.entries(node):
            if schema.line is None:
                for c in schema.children:
                    self.delete_all(c, entry, block)
            elif entry is not None:
                self.out.append(CliEdit(block, f"no {entry.line}"))

    def edit(
        self,
        schema: Schema,
        el: Element,
        node: ConfigNode | None,
        block: tuple[str, ...],
        inherited: str,
    ) -> None:
        op = self.op(el, inherited)
        if isinstance(schema, Leaf):
            self.leaf(schema, el, node, block, op)
        elif isinstance(schema, Container):
            self.container(schema, el, node, block, op)
        else:
            self.entry(schema, el, node, block, op)

    def leaf(
        self, schema: Leaf, el: Element, node: ConfigNode | None, block: tuple[str, ...], op: str
    ) -> None:
        if children(el):
            raise _bad_value(schema.name, "a leaf has no child elements")
        present = schema.read(node) is not None
        if op in ("delete", "remove"):
            if not present:
                if op == "delete":
                    raise _missing(schema.name)
                return
            assert node is not None
            self.out.append(CliEdit(block, f"no {node.children[schema.cli_key].line}"))
            return
        if op == "none":
            return
        if op == "create" and present:
            raise _exists_error(schema.name)
        self.out.append(CliEdit(block, schema.cli_line(text_of(el))))

    def container(
        self,
        schema: Container,
        el: Element,
        node: ConfigNode | None,
        block: tuple[str, ...],
        op: str,
    ) -> None:
        present = _exists(schema, self.ns, node)
        if op in ("delete", "remove"):
            if not present and op == "delete":
                raise _missing(schema.name)
            self.delete_all(schema, node, block)
            return
        if op == "create" and present:
            raise _exists_error(schema.name)
        specs = [(self.spec_of(schema, c), c) for c in children(el)]
        self.children(schema, specs, node, block, op)

    def key_of(self, schema: ListNode, el: Element) -> Element:
        """The key element of a list entry (checked)."""
        key_el = next(
            (c for c in children(el) if local(c) == schema.key and namespace(c) == self.ns), None
        )
        if key_el is None:
            raise NetconfError(
                "missing-element",
                f"{schema.name} needs its key {schema.key}",
                error_type="protocol",
                info=(("bad-element", schema.key),),
            )
        key = text_of(key_el)
        if schema.only is not None and key != schema.only:
            raise _bad_value(schema.key, f"only {schema.key} {schema.only!r} is supported")
        return key_el

    def entry(
        self,
        schema: ListNode,
        el: Element,
        node: ConfigNode | None,
        block: tuple[str, ...],
        op: str,
    ) -> None:
        key_el = self.key_of(schema, el)
        key = text_of(key_el)
        if schema.line is None:
            entry, entry_block, entry_line = node, block, None
        else:
            entry_line = Leaf(schema.key, schema.line).cli_line(key)
            entry = node.children.get(entry_line) if node is not None else None
            entry_block = (*block, entry_line)
        present = (
            entry is not None
            if schema.line is not None
            else any(_exists(c, self.ns, entry) for c in schema.children)
        )
        if op in ("delete", "remove"):
            if not present and op == "delete":
                raise _missing(schema.name)
            if present and entry_line is not None:
                self.out.append(CliEdit(block, f"no {entry_line}"))
            elif present:
                for c in schema.children:
                    self.delete_all(c, entry, block)
            return
        if op == "create" and present:
            raise _exists_error(schema.name)
        body = [c for c in children(el) if c is not key_el]
        specs = [(self.spec_of(schema, c), c) for c in body]
        if op != "none" and entry_line is not None and not present:
            self.out.append(CliEdit(block, entry_line))
        self.children(schema, specs, entry, entry_block, op)

    def children(
        self,
        schema: Container | ListNode,
        specs: list[tuple[Schema, Element]],
        node: ConfigNode | None,
        block: tuple[str, ...],
        op: str,
    ) -> None:
        """Edit the children of a container or list entry (``replace`` first removes the
        modeled children the new content leaves out)."""
        if op == "replace":
            given = {s.name for s, _ in specs}
            for c in schema.children:
                if c.name not in given:
                    self.delete_all(c, node, block)
                elif isinstance(c, ListNode) and c.line is not None:
                    keys = {text_of(self.key_of(c, e)) for s, e in specs if s is c}
                    for key, entry in c.entries(node):
                        if key not in keys and entry is not None:
                            self.out.append(CliEdit(block, f"no {entry.line}"))
        child_op = "merge" if op == "create" else op
        for spec, c in specs:
            self.edit(spec, c, node, block, child_op)


def _missing(name: str) -> NetconfError:
    return NetconfError(
        "data-missing", f"{name}: no such data to delete", info=(("bad-element", name),)
    )


def _exists_error(name: str) -> NetconfError:
    return NetconfError(
        "data-exists", f"{name}: the data already exists", info=(("bad-element", name),)
    )


# -- models -----------------------------------------------------------------------------------


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
        _read(self.top, self.namespace, holder, tree.root)
        if not len(holder):
            return None
        el = holder[0]
        holder.remove(el)  # lxml moves the default namespace declaration onto el
        return el

    def edit(self, el: Element, tree: ConfigTree, default_operation: str) -> list[CliEdit]:
        """The CLI edits an edit-config top element asks for (``NetconfError`` when the
        request does not fit the model or the data)."""
        e = _Edit(self.namespace)
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


@dataclass
class ModelRegistry:
    """Configuration models and operational providers by (namespace, top element)."""

    config: dict[tuple[str, str], ConfigModel] = field(default_factory=dict)
    oper: dict[tuple[str, str], OperModel] = field(default_factory=dict)

    def register_config(self, model: ConfigModel) -> None:
        key = (model.namespace, model.top.name)
        if key in self.config:
            raise XrsimError(f"configuration model {key} registered twice")
        self.config[key] = model

    def register_oper(self, model: OperModel) -> None:
        key = (model.namespace, model.top)
        if key in self.oper:
            raise XrsimError(f"operational model {key} registered twice")
        self.oper[key] = model

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


# -- the models xrsim covers ------------------------------------------------------------------

SHELLUTIL_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-shellutil-cfg"
DOMAIN_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-ip-domain-cfg"
CEPKI_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-crypto-cepki-cfg"
INVMGR_NS = "http://cisco.com/ns/yang/Cisco-IOS-XR-invmgr-oper"
CRYPTO_OPER_NS = "urn:xrsim:yang:xrsim-crypto-oper"

HOSTNAME = ConfigModel(
    "Cisco-IOS-XR-shellutil-cfg",
    SHELLUTIL_NS,
    "2019-04-05",
    Container("host-names", (Leaf("host-name", "hostname {}"),)),
    read_tasks=(("read", "root-lr"),),
    write_tasks=(("write", "root-lr"),),
)

DOMAIN = ConfigModel(
    "Cisco-IOS-XR-ip-domain-cfg",
    DOMAIN_NS,
    "2019-04-05",
    Container(
        "ip-domain",
        (
            Container(
                "vrfs",
                (
                    ListNode(
                        "vrf",
                        "vrf-name",
                        None,
                        (Leaf("name", "domain name {}"),),
                        only="default",
                    ),
                ),
            ),
        ),
    ),
    read_tasks=(("read", "ip-services"),),
    write_tasks=(("write", "ip-services"),),
)

_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"

TRUSTPOINTS = ConfigModel(
    "Cisco-IOS-XR-crypto-cepki-cfg",
    CEPKI_NS,
    "2020-11-24",
    Container(
        "crypto-ca",
        (
            Container(
                "certificate-authority",
                (
                    Container(
                        "trustpoints",
                        (
                            ListNode(
                                "trustpoint",
                                "name",
                                "crypto ca trustpoint {}",
                                (
                                    Container(
                                        "attribute",
                                        (
                                            Container(
                                                "ip-address",
                                                (
                                                    Leaf(
                                                        "address",
                                                        "ip-address {}",
                                                        pattern=_IPV4,
                                                    ),
                                                    Leaf(
                                                        "no-address",
                                                        "ip-address none",
                                                        key="ip-address",
                                                        kind="empty",
                                                    ),
                                                ),
                                            ),
                                            Leaf(
                                                "serial-number",
                                                "serial-number",
                                                kind="bool",
                                                false_line="serial-number none",
                                            ),
                                            Leaf("subject-name", "subject-name {}"),
                                        ),
                                    ),
                                    Leaf("rsa-key-pair", "rsakeypair {}"),
                                    Container(
                                        "crl", (Leaf("optional", "crl optional", kind="empty"),)
                                    ),
                                    Container(
                                        "enrollment",
                                        (
                                            Container(
                                                "retry",
                                                (
                                                    Leaf("period", "enrollment retry period {}"),
                                                    Leaf("count", "enrollment retry count {}"),
                                                ),
                                            ),
                                            Leaf(
                                                "url",
                                                "enrollment url {}",
                                                key="enrollment",
                                                pattern=r"\S+",
                                            ),
                                        ),
                                    ),
                                    Container("vrf-table", (Leaf("vrf", "vrf {}"),)),
                                    Container("query", (Leaf("url", "query url {}"),)),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    read_tasks=(("read", "crypto"),),
    write_tasks=(("write", "crypto"),),
)


def _inventory(device: Device) -> Element | None:
    ns = INVMGR_NS
    top = etree.Element(f"{{{ns}}}inventory", nsmap={None: ns})
    entities = etree.SubElement(top, f"{{{ns}}}entities")
    for row in device.chassis.inventory():
        entity = etree.SubElement(entities, f"{{{ns}}}entity")
        etree.SubElement(entity, f"{{{ns}}}name").text = row.name
        attrs = etree.SubElement(entity, f"{{{ns}}}attributes")
        bag = etree.SubElement(attrs, f"{{{ns}}}inv-basic-bag")
        for name, value in (
            ("name", row.name),
            ("description", row.descr),
            ("model-name", row.pid),
            ("hardware-revision", row.vid),
            ("serial-number", row.sn),
        ):
            etree.SubElement(bag, f"{{{ns}}}{name}").text = value
    return top


def _crypto_keys(device: Device) -> Element | None:
    ns = CRYPTO_OPER_NS
    top = etree.Element(f"{{{ns}}}crypto-keys", nsmap={None: ns})
    store = device.keys
    for entry in store.entries():
        try:
            data = public_data(store.load(entry))
        except (XrsimError, OSError):
            continue  # an unreadable key is left out, as show crypto key mypubkey reports it
        el = etree.SubElement(top, f"{{{ns}}}key")
        for name, value in (
            ("label", entry.label),
            ("key-type", entry.key_type),
            ("usage", entry.usage),
            ("size", str(entry.bits)),
            ("created", entry.created.isoformat()),
            ("data", data.hex().upper()),
        ):
            etree.SubElement(el, f"{{{ns}}}{name}").text = value
    return top if len(top) else None


def _certificate(parent: Element, ns: str, name: str, cert: x509.Certificate) -> Element:
    d = Described(cert)
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    for leaf, value in (
        ("serial-number", d.serial),
        ("subject", d.subject),
        ("issuer", d.issuer),
        ("validity-start", d.not_before.isoformat()),
        ("validity-end", d.not_after.isoformat()),
        ("sha1-fingerprint", d.sha1),
    ):
        etree.SubElement(el, f"{{{ns}}}{leaf}").text = value
    return el


def _trustpoints(device: Device) -> Element | None:
    ns = CRYPTO_OPER_NS
    top = etree.Element(f"{{{ns}}}trustpoints", nsmap={None: ns})
    certs = device.certs
    now = device.clock.now()
    for name in certs.names():
        ca = certs.ca(name)
        routers = certs.router(name)
        if ca is None and not routers:
            continue
        tp = etree.SubElement(top, f"{{{ns}}}trustpoint")
        etree.SubElement(tp, f"{{{ns}}}name").text = name
        if ca is not None:
            _certificate(tp, ns, "ca-certificate", ca)
        for usage, cert in routers.items():
            el = _certificate(tp, ns, "router-certificate", cert)
            el.insert(0, etree.Element(f"{{{ns}}}usage"))
            el[0].text = usage
            status = etree.SubElement(el, f"{{{ns}}}status")
            status.text = "available" if cert.not_valid_after_utc > now else "expired"
    return top if len(top) else None


INVENTORY = OperModel(
    "Cisco-IOS-XR-invmgr-oper",
    INVMGR_NS,
    "2020-11-09",
    "inventory",
    (("read", "sysmgr"), ("read", "system")),
    _inventory,
)
CRYPTO_KEYS = OperModel(
    "xrsim-crypto-oper",
    CRYPTO_OPER_NS,
    "2026-11-27",
    "crypto-keys",
    (("read", "crypto"),),
    _crypto_keys,
)
TRUSTPOINT_CERTS = OperModel(
    "xrsim-crypto-oper",
    CRYPTO_OPER_NS,
    "2026-11-27",
    "trustpoints",
    (("read", "crypto"),),
    _trustpoints,
)


def build_registry() -> ModelRegistry:
    reg = ModelRegistry()
    for model in (HOSTNAME, DOMAIN, TRUSTPOINTS):
        reg.register_config(model)
    for oper in (INVENTORY, CRYPTO_KEYS, TRUSTPOINT_CERTS):
        reg.register_oper(oper)
    return reg


@cache
def default_registry() -> ModelRegistry:
    """The models every router serves (a session may be given its own registry)."""
    return build_registry()

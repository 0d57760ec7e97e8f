"""xrsim.netconf.models: one module per YANG module, every model in the one ``MODELS`` list,
named by the package's rule, importing no other model; the hello advertises what the list
holds, and a session's data follows the list's order."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from lxml import etree

import xrsim.netconf.models as models_pkg
from xrsim.frontends.ssh.netconf import open_netconf
from xrsim.netconf import (
    MODELS,
    ActionModel,
    CliTextModel,
    ConfigModel,
    Model,
    OperModel,
    build_registry,
)
from xrsim.netconf.framing import Framer
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
PKG_DIR = Path(models_pkg.__file__).parent


def _model_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(PKG_DIR)]))


def _file_name(yang_module: str) -> str:
    """The package's naming rule."""
    return yang_module.removeprefix("Cisco-IOS-XR-").replace("-", "_")


def test_every_model_object_is_listed_once() -> None:
    found: list[Model] = []
    kinds = ConfigModel | CliTextModel | OperModel | ActionModel
    for name in _model_modules():
        mod = importlib.import_module(f"xrsim.netconf.models.{name}")
        objs = [v for v in vars(mod).values() if isinstance(v, kinds)]
        assert objs, f"{name} defines no model"
        for obj in objs:
            assert _file_name(obj.module) == name, (obj.module, name)
            assert obj.namespace == mod.NAMESPACE
        found.extend(objs)
    assert sorted(map(id, found)) == sorted(map(id, MODELS))
    assert len(set(map(id, MODELS))) == len(MODELS)


def test_model_modules_import_no_other_model() -> None:
    for name in _model_modules():
        tree = ast.parse((PKG_DIR / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("xrsim.netconf.models"), (name, node)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("xrsim.netconf.models"), (name, alias.name)


def test_build_registry_is_new_each_time() -> None:
    a, b = build_registry(), build_registry()
    assert a is not b
    assert list(a.config.values()) == [
        m for m in MODELS if isinstance(m, ConfigModel | CliTextModel)
    ]
    assert list(a.oper.values()) == [m for m in MODELS if isinstance(m, OperModel)]
    assert list(a.actions.values()) == [m for m in MODELS if isinstance(m, ActionModel)]


def test_hello_advertises_one_capability_per_listed_module(router: Router) -> None:
    session = open_netconf(router, user="admin", session_id=1, kill=lambda _sid: False)
    try:
        hello = etree.fromstring(Framer().feed(session.hello())[0])
    finally:
        session.close()
    caps = [c.text for c in hello.iterfind(f".//{{{NC}}}capability")]
    model_caps = [c for c in caps if c and "?module=" in c]
    expected = {f"{m.namespace}?module={m.module}&revision={m.revision}" for m in MODELS}
    augments = {
        f"{ns}?module={mod}&revision={rev}"
        for m in MODELS
        if isinstance(m, ConfigModel)
        for mod, ns, rev in m.augments
    }
    assert model_caps == sorted(expected | augments)
    assert len(expected) == len({m.module for m in MODELS}) == 15
    assert len(augments) == 1

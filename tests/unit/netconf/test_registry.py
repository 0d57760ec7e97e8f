"""xrsim.netconf.registry: a ``ModelRegistry`` is built from a sequence of models, refuses a
top element given twice, keeps the order given, cannot be changed afterwards, finds the model of
an edit-config element (``unknown-namespace`` / ``unknown-element`` otherwise); a session given
a registry with one more model serves and advertises it, and other sessions do not."""

from __future__ import annotations

import pytest
from lxml import etree

from xrsim.errors import NetconfError, XrsimError
from xrsim.frontends.ssh.netconf import CliEditor, open_netconf
from xrsim.netconf import MODELS, ModelRegistry, NetconfSession, OperModel
from xrsim.netconf.framing import Framer
from xrsim.netconf.models import shellutil_cfg
from xrsim.netconf.registry import Device
from xrsim.netconf.xmlutil import Element
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
EXTRA_NS = "urn:test:extra-oper"


def _chassis(device: Device) -> Element | None:
    top = etree.Element(f"{{{EXTRA_NS}}}chassis", nsmap={None: EXTRA_NS})
    etree.SubElement(top, f"{{{EXTRA_NS}}}serial").text = device.chassis.serial
    return top


EXTRA = OperModel(
    "test-extra-oper", EXTRA_NS, "2026-01-01", "chassis", (("read", "system"),), _chassis
)


def test_duplicate_top_element_refused() -> None:
    with pytest.raises(XrsimError):
        ModelRegistry([shellutil_cfg.HOST_NAMES, shellutil_cfg.HOST_NAMES])
    with pytest.raises(XrsimError):
        ModelRegistry([EXTRA, EXTRA])


def test_order_kept_and_registry_immutable() -> None:
    reg = ModelRegistry([EXTRA, *MODELS])
    assert next(iter(reg.oper.values())) is EXTRA
    with pytest.raises(TypeError):
        reg.oper[("x", "y")] = EXTRA  # type: ignore[index]


def test_config_model_lookup() -> None:
    reg = ModelRegistry(MODELS)
    ok = etree.Element(f"{{{shellutil_cfg.NAMESPACE}}}host-names")
    assert reg.config_model(ok) is shellutil_cfg.HOST_NAMES
    with pytest.raises(NetconfError) as e:
        reg.config_model(etree.Element(f"{{{shellutil_cfg.NAMESPACE}}}other"))
    assert e.value.tag == "unknown-element"
    with pytest.raises(NetconfError) as e:
        reg.config_model(etree.Element("{urn:nowhere}host-names"))
    assert e.value.tag == "unknown-namespace"


def _exchange(session: NetconfSession, body: str) -> tuple[list[str], etree._Element]:
    framer = Framer()
    hello = etree.fromstring(framer.feed(session.hello())[0])
    caps = [c.text or "" for c in hello.iterfind(f".//{{{NC}}}capability")]
    session.feed(
        f'<hello xmlns="{NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.0'
        "</capability></capabilities></hello>]]>]]>"
    )
    out = session.feed(f'<rpc xmlns="{NC}" message-id="1">{body}</rpc>]]>]]>')
    return caps, etree.fromstring(framer.feed(out[0])[0])


def test_session_with_an_added_model_serves_it(router: Router) -> None:
    extra = NetconfSession(
        router,
        CliEditor(router, "admin"),
        user="admin",
        session_id=1,
        kill=lambda _sid: False,
        registry=ModelRegistry([*MODELS, EXTRA]),
    )
    plain = open_netconf(router, user="admin", session_id=2, kill=lambda _sid: False)
    try:
        get = f'<get><filter><chassis xmlns="{EXTRA_NS}"/></filter></get>'
        caps, reply = _exchange(extra, get)
        assert f"{EXTRA_NS}?module=test-extra-oper&revision=2026-01-01" in caps
        serial = reply.findtext(f".//{{{EXTRA_NS}}}serial")
        assert serial == router.chassis.serial
        caps, reply = _exchange(plain, get)
        assert not any(EXTRA_NS in c for c in caps)
        assert reply.find(f".//{{{EXTRA_NS}}}chassis") is None
        assert extra.registry is not plain.registry
    finally:
        extra.close()
        plain.close()

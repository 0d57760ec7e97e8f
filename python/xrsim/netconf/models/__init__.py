"""The YANG models xrsim serves over NETCONF: one module per YANG module, listed once here.

Naming rule: a YANG module's file is its name without the ``Cisco-IOS-XR-`` prefix, hyphens
as underscores (``Cisco-IOS-XR-shellutil-cfg`` is ``shellutil_cfg.py``; a module of xrsim's own,
``xrsim-crypto-oper``, is ``xrsim_crypto_oper.py``). Each defines its ``NAMESPACE`` and one
model object per top element (a ``ConfigModel`` or an ``OperModel``,
``xrsim.netconf.registry``), named after the element (``host-names`` is ``HOST_NAMES``). It
imports the schema, the registry types and what it reads, never another model.

``MODELS`` is the one list of what is served: the order of ``<data>`` in a reply is its order
(configuration models, then operational ones), and the hello's model capabilities come from it.
``build_registry()`` makes a ``ModelRegistry`` of the list: each NETCONF session builds its own
(six dictionary entries), so no registry is shared or cached between routers.

Adding a model (the install models, ``Cisco-IOS-XR-spirit-install-instmgr-oper``, say) is one
new file here and one line in ``MODELS``.
"""

from __future__ import annotations

from xrsim.netconf.models import (
    crypto_cepki_cfg,
    invmgr_oper,
    ip_domain_cfg,
    ipv4_io_oper,
    pfi_im_cmd_oper,
    shellutil_cfg,
    xrsim_crypto_oper,
)
from xrsim.netconf.registry import Model, ModelRegistry

__all__ = ["MODELS", "build_registry"]

#: Every model xrsim serves, in the order of ``<data>``.
MODELS: tuple[Model, ...] = (
    shellutil_cfg.HOST_NAMES,
    ip_domain_cfg.IP_DOMAIN,
    crypto_cepki_cfg.CRYPTO_CA,
    invmgr_oper.INVENTORY,
    pfi_im_cmd_oper.INTERFACES,
    ipv4_io_oper.IPV4_NETWORK,
    xrsim_crypto_oper.CRYPTO_KEYS,
    xrsim_crypto_oper.TRUSTPOINTS,
)


def build_registry() -> ModelRegistry:
    """A registry of ``MODELS`` (a new one at each call)."""
    return ModelRegistry(MODELS)

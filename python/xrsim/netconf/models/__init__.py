"""The YANG models xrsim serves over NETCONF: one module per YANG module, listed once here.

Naming rule: a YANG module's file is its name without the ``Cisco-IOS-XR-`` prefix, hyphens
as underscores (``Cisco-IOS-XR-shellutil-cfg`` is ``shellutil_cfg.py``; a module of xrsim's own,
``xrsim-crypto-oper``, is ``xrsim_crypto_oper.py``). Each defines its ``NAMESPACE`` and one
model object per top element (a ``ConfigModel``, ``CliTextModel`` or ``OperModel``,
``xrsim.netconf.registry``), named after the element (``host-names`` is ``HOST_NAMES``), or per
action (an ``ActionModel``, named after the RPC: ``roll-back-configuration-last`` is
``ROLL_BACK_CONFIGURATION_LAST``). It
imports the schema, the registry types and what it reads, never another model.

``MODELS`` is the one list of what is served: the order of ``<data>`` in a reply is its order
(configuration models, then operational ones), and the hello's model capabilities come from it.
``build_registry()`` makes a ``ModelRegistry`` of the list: each NETCONF session builds its own
(a few dictionary entries), so no registry is shared or cached between routers.

Adding a model (the install models, ``Cisco-IOS-XR-spirit-install-instmgr-oper``, say) is one
new file here and one line in ``MODELS``.
"""

from __future__ import annotations

from xrsim.netconf.models import (
    aaa_lib_cfg,
    cfgmgr_rollback_act,
    cli_cfg,
    cli_diff_act,
    crypto_cepki_cfg,
    invmgr_oper,
    ip_domain_cfg,
    ipv4_io_oper,
    pfi_im_cmd_oper,
    remote_attestation_act,
    shellutil_cfg,
    shellutil_oper,
    snmp_agent_cfg,
    spirit_install_instmgr_oper,
    xrsim_crypto_oper,
)
from xrsim.netconf.registry import Model, ModelRegistry

__all__ = ["MODELS", "build_registry"]

#: Every model xrsim serves, in the order of ``<data>``.
MODELS: tuple[Model, ...] = (
    shellutil_cfg.HOST_NAMES,
    ip_domain_cfg.IP_DOMAIN,
    crypto_cepki_cfg.CRYPTO_CA,
    aaa_lib_cfg.AAA,
    snmp_agent_cfg.SNMP,
    cli_cfg.CLI,
    shellutil_oper.SYSTEM_TIME,
    invmgr_oper.INVENTORY,
    pfi_im_cmd_oper.INTERFACES,
    ipv4_io_oper.IPV4_NETWORK,
    spirit_install_instmgr_oper.INSTALL,
    xrsim_crypto_oper.CRYPTO_KEYS,
    xrsim_crypto_oper.TRUSTPOINTS,
    cli_diff_act.GET_CLI_CONFIG_DIFF,
    cfgmgr_rollback_act.ROLL_BACK_CONFIGURATION_LAST,
    cfgmgr_rollback_act.ROLL_BACK_CONFIGURATION_TO,
    cfgmgr_rollback_act.ROLL_BACK_CONFIGURATION_TO_EXCLUDE,
    remote_attestation_act.GET_PLATFORM_IMA_EVENT_LOGS,
)


def build_registry() -> ModelRegistry:
    """A registry of ``MODELS`` (a new one at each call)."""
    return ModelRegistry(MODELS)

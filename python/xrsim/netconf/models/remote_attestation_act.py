"""``Cisco-IOS-XR-remote-attestation-act`` (2020-07-10): the ``get-platform-ima-event-logs``
RPC, the IMA measurement lists of the router's nodes (``router.ima``, ``xrsim.integrity.ima``).

``GET_PLATFORM_IMA_EVENT_LOGS``: input ``location`` (a node; absent: every node that runs IOS
XR), ``start-event-number`` (only events numbered greater), ``end-event-number`` (only events
numbered up to it; the model's ``must``: given with ``start-event-number`` and not below it).
Output, as the model's ``system-ima`` grouping::

    <system-ima>
      <node-data>                    (one per node, key node-location)
        <node-location>0/RP0/CPU0</node-location>
        <up-time>SECONDS</up-time>
        <ima-event-log>              (key event-number; boot_aggregate is event 1)
          <event-number/> <ima-template/> <filename-hint/> <filedata-hash/>
          <template-hash-algorithm/> <template-hash/> <pcr-index/> <signature/>

``filedata-hash``, ``template-hash`` and ``signature`` are YANG ``binary`` (base64): the file's
SHA-256, the SHA-1 template hash of the binary list (``template-hash-algorithm`` ``sha1``) and
the empty signature of ``ima-ng``. An unknown node, a node without IOS XR or a number that is
not a uint64 is ``invalid-value`` (with its ``bad-element``); an ``end-event-number`` without
or below ``start-event-number`` is ``invalid-value`` too; a list that cannot be saved (a reload
starts it afresh) ``operation-failed``. Tasks: execute ``dossier`` (the Trust Insights
collector's task) or read ``crypto``.
"""

from __future__ import annotations

import base64

from lxml import etree

from xrsim.errors import ChassisError, InvalidInput, NetconfError, StorageError
from xrsim.integrity.ima import ImaEvent
from xrsim.netconf.registry import ActionContext, ActionModel, leaf_text
from xrsim.netconf.xmlutil import Element

__all__ = ["GET_PLATFORM_IMA_EVENT_LOGS", "NAMESPACE"]

NAMESPACE = "http://cisco.com/ns/yang/Cisco-IOS-XR-remote-attestation-act"
MODULE = "Cisco-IOS-XR-remote-attestation-act"
REVISION = "2020-07-10"
TASKS = (("execute", "dossier"), ("read", "crypto"))
UINT64_MAX = 2**64 - 1
UINT32_MAX = 2**32 - 1


def _uint64(el: Element, name: str) -> int | None:
    text = leaf_text(el, name)
    if text is None:
        return None
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) > UINT64_MAX:
        raise NetconfError(
            "invalid-value", f"{name} {text!r} is not a uint64", info=(("bad-element", name),)
        )
    return int(value)


def _leaf(parent: Element, name: str, text: str) -> None:
    etree.SubElement(parent, f"{{{NAMESPACE}}}{name}").text = text


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _event(parent: Element, event: ImaEvent) -> None:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}ima-event-log")
    _leaf(el, "event-number", str(event.event_number))
    _leaf(el, "ima-template", event.ima_template)
    _leaf(el, "filename-hint", event.filename_hint)
    _leaf(el, "filedata-hash", _b64(event.filedata_hash))
    _leaf(el, "template-hash-algorithm", event.template_hash_algorithm)
    _leaf(el, "template-hash", _b64(event.template_hash))
    _leaf(el, "pcr-index", str(event.pcr_index))
    _leaf(el, "signature", _b64(event.signature))


def _ima_event_logs(context: ActionContext, el: Element) -> list[Element]:
    device = context.device
    location = leaf_text(el, "location")
    start = _uint64(el, "start-event-number")
    end = _uint64(el, "end-event-number")
    if end is not None and (start is None or end < start):
        raise NetconfError(
            "invalid-value",
            "end-event-number must be used with and be greater than or equal to start-event-number",
            info=(("bad-element", "end-event-number"),),
        )
    ima = device.ima
    try:
        if location is not None and location.strip():
            logs = [ima.log(location.strip())]
        else:
            logs = [ima.log(node) for node in ima.nodes()]
        snapshots = [log.snapshot(start or 0) for log in logs]
    except (ChassisError, InvalidInput) as e:
        raise NetconfError("invalid-value", str(e), info=(("bad-element", "location"),)) from None
    except StorageError as e:
        raise NetconfError(
            "operation-failed", f"the IMA list could not be saved: {e.reason}"
        ) from None
    top = etree.Element(f"{{{NAMESPACE}}}system-ima", nsmap={None: NAMESPACE})
    for snap in snapshots:
        node = etree.SubElement(top, f"{{{NAMESPACE}}}node-data")
        _leaf(node, "node-location", snap.node)
        uptime = int(device.chassis.node_uptime(snap.node).total_seconds())
        _leaf(node, "up-time", str(min(uptime, UINT32_MAX)))
        for event in snap.events:
            if end is not None and event.event_number > end:
                break
            _event(node, event)
    return [top]


GET_PLATFORM_IMA_EVENT_LOGS = ActionModel(
    MODULE, NAMESPACE, REVISION, "get-platform-ima-event-logs", TASKS, _ima_event_logs
)

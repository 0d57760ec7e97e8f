"""``show platform security integrity dossier`` through a booted router: the seed's keys, the
text sections equal to the router's own ``show`` output, the selectors' sections with their
``result-code``, the seed's ``dossier-user`` allowed and a user without ``execute dossier``
refused, sections a user may not read marked ``Not authorized``, bad selectors, nonces and JSON
options refused with IOS XR's ``%`` errors (nothing collected), ``| file`` saving the JSON."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xrsim.cli.session import NOT_AUTHORIZED, CliSession
from xrsim.crypto import ima
from xrsim.integrity import dossier, envelope
from xrsim.integrity.verify import verify_dossier
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC\n")
BASE = "show platform security integrity dossier"
SEED_USER = [
    "taskgroup alltasks-dossier",
    "task read sysmgr",
    "task read system",
    "task read pkg-mgmt",
    "task read basic-services",
    "task read config-services",
    "task execute dossier",
    "task execute basic-services",
    "usergroup dossier-group",
    "taskgroup alltasks-dossier",
    "username dossier-user",
    "group dossier-group",
]


@pytest.fixture
def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))
    r = Router.boot(state_dir=tmp_path / "r1")
    yield r
    r.shutdown()


def doc_of(out: str) -> dict[str, Any]:
    body = TS.sub("", out, count=1)
    assert body.count("\n") == 1, out  # one JSON line
    parsed = json.loads(body)
    assert isinstance(parsed, dict)
    return parsed


def text_of(router: Router, command: str) -> str:
    return TS.sub("", router.cli(command), count=1).strip("\n") + "\n"


def test_seed_keys_and_text_sections_are_the_routers_show_output(router: Router) -> None:
    router.chassis.reload(reason="test reload")
    d = doc_of(router.cli(f"{BASE} include reboot-history system-inventory nonce 1580"))
    assert list(d)[:7] == [
        "collection-start-time",
        "model-name",
        "model-revision",
        "nonce",
        "license-udi",
        "version",
        "platform",
    ]
    assert d["model-name"] == "http://cisco.com/ns/yang/Cisco-IOS-XR-ama"
    assert d["model-revision"] == dossier.MODEL_REVISION
    assert d["nonce"] == 1580
    assert d["collection-start-time"] == pytest.approx(router.clock.now().timestamp(), abs=60)
    for key, command in [
        ("license-udi", "show license udi"),
        ("version", "show version"),
        ("platform", "show platform"),
        ("system-inventory", "show inventory"),
    ]:
        assert d[key] == {"result-code": "Success", key: text_of(router, command)}
    assert d["license-udi"]["license-udi"] == f"{router.chassis.udi()}\n"
    history = d["reboot-history"]
    assert history["result-code"] == "Success"
    (rp,) = history["reboot-history"]
    assert rp["node-location"] == "0/RP0/CPU0"
    assert [r["reason"] for r in rp["reboots"]] == ["test reload"]
    assert "packages" not in d
    assert "filesystem-inventory" not in d


def test_sections_follow_the_selector_order_whatever_the_typed_order(router: Router) -> None:
    d = doc_of(router.cli(f"{BASE} include system-inv reboot"))
    assert [k for k in d if k in dossier.SELECTORS] == ["reboot-history", "system-inventory"]
    assert "nonce" not in d


def test_output_is_one_line_with_the_seed_spacing(router: Router) -> None:
    out = TS.sub("", router.cli(f"{BASE} include reboot-history"), count=1)
    assert out.startswith('{"collection-start-time":')
    assert '"license-udi":{"result-code": "Success", "license-udi": "UDI: PID:' in out


def test_sections_without_their_source_say_error(router: Router) -> None:
    # A router without an IMA log or filesystem inventory (an older build) reports the
    # section as failed rather than leaving it out.
    request = dossier.Request(("system-integrity-snapshot", "filesystem-inventory"))
    sources = dossier.Sources(
        chassis=router.chassis,
        now=router.clock.now,
        show=lambda _command: "text\n",
        allowed=frozenset(dossier.SELECTORS),
    )
    d = dossier.collect(sources, request)
    for name in request.selectors:
        assert d[name]["result-code"] == "Error"
        assert d[name]["error"]


def configure_seed(router: Router) -> None:
    router.configure(SEED_USER)


def test_seed_dossier_user_collects_and_a_user_without_execute_dossier_cannot(
    router: Router,
) -> None:
    configure_seed(router)
    router.configure(
        [
            "taskgroup readers",
            "task read sysmgr",
            "task read system",
            "usergroup readers",
            "taskgroup readers",
            "username reader",
            "group readers",
        ]
    )
    user = router.session(user="dossier-user")
    d = doc_of(user.handle_line(f"{BASE} include reboot-history system-inventory nonce 7"))
    assert d["reboot-history"]["result-code"] == "Success"
    assert d["system-inventory"]["result-code"] == "Success"
    assert d["version"]["result-code"] == "Success"

    reader = router.session(user="reader")
    out = reader.handle_line(f"{BASE} include reboot-history")
    assert out == NOT_AUTHORIZED + "\n"
    assert reader.denied


def test_a_section_the_user_may_not_read_is_not_authorized(router: Router) -> None:
    router.configure(
        [
            "taskgroup only-dossier",
            "task execute dossier",
            "task read basic-services",
            "usergroup only-dossier",
            "taskgroup only-dossier",
            "username narrow",
            "group only-dossier",
        ]
    )
    s = router.session(user="narrow")
    d = doc_of(s.handle_line(f"{BASE} include reboot-history system-inventory"))
    assert d["version"]["result-code"] == "Success"  # read basic-services
    for name in ("platform", "license-udi", "reboot-history", "system-inventory"):
        assert d[name] == {"result-code": "Not authorized"}, name


@pytest.mark.parametrize(
    ("rest", "reason"),
    [
        ("packages bogus", "unknown selector 'bogus'"),
        ("packages packages", "given twice"),
        ("packages nonce x", "nonce must be"),
        ("packages nonce 18446744073709551616", "nonce must be"),
        ("packages nonce 1 nonce 2", "nonce given twice"),
        (
            'filesystem-inventory filesystem-inventory-options \'{"0/RP0/CPU0": {"count": 0}}\'',
            "count must be an integer >= 1",
        ),
        (
            "filesystem-inventory filesystem-inventory-options '{\"0/RP9/CPU0\": {}}'",
            "no node 0/RP9/CPU0",
        ),
        (
            "filesystem-inventory filesystem-inventory-options '{\"0/FT0\": {}}'",
            "does not run IOS XR",
        ),
        (
            'filesystem-inventory filesystem-inventory-options \'{"0/RP0/CPU0": {"x": 1}}\'',
            "unknown option 'x'",
        ),
        ("filesystem-inventory filesystem-inventory-options '{not json}'", "not JSON"),
        ("filesystem-inventory filesystem-inventory-options '[1]'", "expected an object"),
        ('filesystem-inventory filesystem-inventory-options \'{"a": 1', "unterminated"),
        (
            "packages filesystem-inventory-options '{\"0/RP0/CPU0\": {}}'",
            "needs the filesystem-inventory selector",
        ),
    ],
)
def test_bad_lines_are_refused_with_the_marker_under_the_bad_word(
    router: Router, rest: str, reason: str
) -> None:
    s = router.session()
    line = f"{BASE} include {rest}"
    out = TS.sub("", s.handle_line(line), count=1)
    marker, invalid, why = out.splitlines()
    assert invalid == "% Invalid input detected at '^' marker."
    assert reason in why
    assert why.startswith("% ")
    column = marker.index("^") - len(s.prompt)
    assert line[column:].strip(), line
    assert "Traceback" not in out
    assert "{" not in marker


@pytest.mark.parametrize("rest", ["", "nonce 5", "packages nonce"])
def test_incomplete_lines(router: Router, rest: str) -> None:
    out = TS.sub("", router.cli(f"{BASE} include {rest}".rstrip()), count=1)
    assert out.splitlines()[0] == "% Incomplete command."


def test_filesystem_inventory_options_in_the_seed_forms_parse(router: Router) -> None:
    chassis = router.chassis
    req = dossier.parse_include(
        "filesystem-inventory filesystem-inventory-options "
        '\'{"0/RP0/CPU0": {"block_start": 0, "count": 1}}\'',
        0,
        chassis,
    )
    assert req.fs_options == {"0/RP0/CPU0": {"block_start": 0, "count": 1}}
    bare = dossier.parse_include(
        'filesystem-inventory filesystem-inventory-options {"0/RP0/CPU0": {"block_start": 5}}',
        0,
        chassis,
    )
    assert bare.fs_options == {"0/RP0/CPU0": {"block_start": 5}}


def test_incremental_ima_takes_the_seed_form(router: Router) -> None:
    seed = (
        "\"{'ima_start': [{'0/RP0/CPU0': {'start_event': 1000, "
        "'start_time': 'Tue Feb 16 09:15:17 2021'}}]}\""
    )
    (start,) = dossier.parse_incremental_ima(seed, 0, router.chassis)
    assert start.node == "0/RP0/CPU0"
    assert start.start_event == 1000
    assert start.start_time is not None
    assert start.start_time.isoformat() == ("2021-02-16T09:15:17+00:00")
    d = doc_of(router.cli(f"{BASE} incremental-ima {seed}"))
    assert "incremental-ima" in d
    assert d["license-udi"]["result-code"] == "Success"


@pytest.mark.parametrize(
    "rest",
    [
        "\"{'ima_start': []}\"",
        "\"{'ima_start': [{'0/RP0/CPU0': {'start_event': -1}}]}\"",
        "\"{'ima_start': [{'0/RP0/CPU0': {'start_time': 'yesterday'}}]}\"",
        "\"{'ima_start': [{'0/RP0/CPU0': {'stop': 1}}]}\"",
        "\"{'other': 1}\"",
        '\'{"ima_start": [{"0/RP0/CPU0": {}}]}\' extra',
        "{'ima_start':",
    ],
)
def test_bad_incremental_ima_json_is_refused(router: Router, rest: str) -> None:
    out = router.cli(f"{BASE} incremental-ima {rest}")
    assert "% Invalid input detected at '^' marker." in out
    assert "Traceback" not in out
    assert "collection-start-time" not in out


def test_file_pipe_saves_the_json_for_a_user_who_may_write_files(router: Router) -> None:
    out = router.cli(f"{BASE} include reboot-history nonce 9 | file harddisk:dossier.json")
    assert TS.sub("", out, count=1) == ""
    saved = router.chassis.fs().read("harddisk:dossier.json").decode()
    assert json.loads(saved)["nonce"] == 9


def test_the_seed_user_cannot_pipe_to_a_file_without_filesystem_write(router: Router) -> None:
    configure_seed(router)
    s: CliSession = router.session(user="dossier-user")
    out = s.handle_line(f"{BASE} include reboot-history | file harddisk:x.json")
    assert out == NOT_AUTHORIZED + "\n"


# -- the IMA sections, from real measurement lists -------------------------------------------


def test_snapshot_and_incremental_ima_from_the_nodes_lists(router: Router) -> None:
    router.fingerprints.regenerate()  # the boot's generation done: it measures nothing later
    logs = router.ima
    path = next(f.path for f in router.packages.active()[0].files if f.digest)
    changed = hashlib.sha256(b"changed").hexdigest()
    logs.measure("0/RP0/CPU0", {path: changed})
    count = len(logs.log("0/RP0/CPU0").events())
    sources = dossier.Sources(
        chassis=router.chassis,
        now=router.clock.now,
        show=lambda _command: "text\n",
        allowed=frozenset([*dossier.SELECTORS, "incremental-ima"]),
        ima=logs,
    )
    doc = dossier.collect(sources, dossier.Request(("system-integrity-snapshot",), nonce=4))
    (node,) = doc["system-integrity-snapshot"]["system-integrity-snapshot"]
    log = logs.log("0/RP0/CPU0")
    assert node["node-location"] == "0/RP0/CPU0"
    assert base64.b64decode(node["binary-runtime-measurements"]) == log.binary()
    assert node["pcr-values"] == {b: v.hex() for b, v in log.pcrs().items()}
    assert ima.replay(log.binary()) == log.pcrs()
    assert [e["event-number"] for e in node["events"]] == list(range(1, count + 1))
    assert node["events"][0]["filename-hint"] == "boot_aggregate"
    assert node["events"][-1]["filename-hint"] == path
    assert node["events"][-1]["filedata-hash"] == changed
    assert node["event-count"] == count

    starts = dossier.parse_incremental_ima(
        f"\"{{'ima_start': [{{'0/RP0/CPU0': {{'start_event': {count - 2}}}}}]}}\"",
        0,
        router.chassis,
    )
    inc = dossier.collect_incremental_ima(sources, starts)["incremental-ima"]
    assert inc["result-code"] == "Success"
    (only,) = inc["incremental-ima"]
    assert [e["event-number"] for e in only["events"]] == [count - 1, count]
    assert only["event-count"] == count
    assert only["pcr-values"] == node["pcr-values"]

    # Signed with the router's SUDI key, the verifier replays the list to those PCRs.
    text = envelope.sign(
        dossier.render(doc).encode(),
        nonce=4,
        identity=router.chassis.sudi(),
        include_certificate=True,
    )
    root = router.chassis.sudi().root_cert
    report = verify_dossier(text, root, nonce=4)
    assert "ima 0/RP0/CPU0" in [c.what for c in report.checks if c.passed]

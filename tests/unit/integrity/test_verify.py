"""The dossier verifier (``xrsim.integrity.verify`` and ``xrsim verify-dossier``): a dossier
signed on a router with ``| utility sign nonce N include-certificate`` against its SUDI root;
damaged input told apart (truncated JSON, wrong nonce, a chain from another vendor root, data
changed after signing, signed data that is no dossier, a missing section) with a clear line
and exit code; and, on dossiers made from real IMA lists and fingerprints and signed with the
router's SUDI key, the IMA replay against the reported PCRs, the fingerprints against the KGV
and the changed or added file named."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from xrsim.chassis import VendorCA
from xrsim.frontends.main import main
from xrsim.integrity import dossier, envelope
from xrsim.integrity.verify import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, verify_dossier
from xrsim.router import Router

BASE = "show platform security integrity dossier"
SIGN = "utility sign nonce {n} include-certificate"


@pytest.fixture
def vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "vendor"
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(directory))
    return directory


@pytest.fixture
def router(tmp_path: Path, vendor: Path) -> Iterator[Router]:
    r = Router.boot(state_dir=tmp_path / "r1")
    yield r
    r.shutdown()


def root_of(vendor: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((vendor / "root.pem").read_bytes())


def signed(router: Router, command: str, nonce: int) -> str:
    """What the router prints for ``command | utility sign nonce N include-certificate``."""
    return router.cli(f"{command} | {SIGN.format(n=nonce)}")


def failed_lines(report: Any) -> list[str]:
    return [c.line() for c in report.failures]


# -- the envelope, the nonce, the sections ---------------------------------------------------


def test_a_dossier_without_its_sections_fails_on_the_missing_ones(
    router: Router, vendor: Path
) -> None:
    text = signed(router, f"{BASE} include reboot-history nonce 1580", 1580)
    report = verify_dossier(text, root_of(vendor), nonce=1580)
    passed = {c.what for c in report.checks if c.passed}
    assert {"chain", "signature", "nonce", "dossier nonce"} <= passed
    assert failed_lines(report) == [
        "FAIL section packages: missing: the dossier was collected without it",
        "FAIL section system-integrity-snapshot: missing: the dossier was collected without it",
    ]
    assert report.exit_code == EXIT_FAILED
    assert report.lines()[-1] == "dossier NOT verified: 4 passed, 2 failed"


def test_wrong_nonce(router: Router, vendor: Path) -> None:
    text = signed(router, f"{BASE} include reboot-history nonce 1580", 1580)
    report = verify_dossier(text, root_of(vendor), nonce=1581)
    assert "FAIL nonce: the envelope is signed over nonce 1580, not 1581" in failed_lines(report)
    assert report.exit_code == EXIT_FAILED


def test_the_dossier_nonce_must_be_the_envelopes(router: Router, vendor: Path) -> None:
    text = signed(router, f"{BASE} include reboot-history nonce 5", 6)
    report = verify_dossier(text, root_of(vendor), nonce=6)
    assert (
        "FAIL dossier nonce: the dossier was collected for nonce 5, signed over 6"
        in failed_lines(report)
    )
    unbound = signed(router, f"{BASE} include reboot-history", 6)
    report = verify_dossier(unbound, root_of(vendor), nonce=6)
    assert "FAIL dossier nonce: the dossier was collected without a nonce" in failed_lines(report)


@pytest.mark.parametrize("keep", [0, 1, 200, -2])
def test_truncated_input_is_unusable(router: Router, vendor: Path, keep: int) -> None:
    text = signed(router, f"{BASE} include reboot-history nonce 1", 1)
    report = verify_dossier(text[:keep], root_of(vendor))
    assert report.exit_code == EXIT_UNUSABLE
    (line,) = failed_lines(report)
    assert line.startswith("FAIL envelope: not a signed envelope: ")


def test_a_chain_from_another_vendor_root_is_refused(
    router: Router, vendor: Path, tmp_path: Path
) -> None:
    text = signed(router, f"{BASE} include reboot-history nonce 1", 1)
    other = VendorCA.open(tmp_path / "other-vendor").root_cert
    report = verify_dossier(text, other, nonce=1)
    (line,) = failed_lines(report)
    assert line.startswith("FAIL chain: ")
    assert "is not the SUDI root" in line
    assert report.exit_code == EXIT_FAILED


def test_data_changed_after_signing_fails_the_signature(router: Router, vendor: Path) -> None:
    text = signed(router, f"{BASE} include reboot-history nonce 1", 1)
    body = text[text.index("{") :]
    env = json.loads(body)
    env["data"] = env["data"].replace("NCS-55A1-24H", "NCS-55A1-36H", 1)
    report = verify_dossier(json.dumps(env), root_of(vendor), nonce=1)
    (line,) = failed_lines(report)
    assert line.startswith("FAIL signature: ")


def test_signed_output_that_is_no_dossier_is_unusable(router: Router, vendor: Path) -> None:
    text = signed(router, "show version", 3)
    report = verify_dossier(text, root_of(vendor), nonce=3)
    assert report.exit_code == EXIT_UNUSABLE
    assert failed_lines(report) == ["FAIL dossier: the signed data is not JSON: not a dossier"]


def test_a_section_that_failed_on_the_router_fails(router: Router, vendor: Path) -> None:
    router.configure(
        [
            "taskgroup only-dossier",
            "task execute dossier",
            "task execute basic-services",
            "usergroup only-dossier",
            "taskgroup only-dossier",
            "username narrow",
            "group only-dossier",
        ]
    )
    s = router.session(user="narrow")
    text = s.handle_line(f"{BASE} include reboot-history nonce 2 | {SIGN.format(n=2)}")
    report = verify_dossier(text, root_of(vendor), nonce=2)
    assert "FAIL section reboot-history: result-code Not authorized" in failed_lines(report)


# -- the command -----------------------------------------------------------------------------


def test_the_command_prints_one_line_per_check_and_exits_by_verdict(
    router: Router, vendor: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dossier.json"
    path.write_text(signed(router, f"{BASE} include reboot-history nonce 9", 9))
    root = str(vendor / "root.pem")
    assert main(["verify-dossier", str(path), "--sudi-root", root, "--nonce", "9"]) == EXIT_FAILED
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("PASS chain: ")
    assert "FAIL section packages: missing: the dossier was collected without it" in out
    assert out[-1].startswith("dossier NOT verified: ")

    path.write_text("{")
    assert main(["verify-dossier", str(path), "--sudi-root", root]) == EXIT_UNUSABLE
    assert main(["verify-dossier", str(tmp_path / "none"), "--sudi-root", root]) == EXIT_UNUSABLE
    err = capsys.readouterr().err
    assert "cannot read" in err
    assert "Traceback" not in err
    assert main(["verify-dossier", str(path), "--sudi-root", str(path)]) == EXIT_UNUSABLE
    assert "is not a certificate" in capsys.readouterr().err


# -- IMA and fingerprints, on dossiers made from real lists ----------------------------------

PREFIX = "/opt/cisco/XR/packages/demo-1.0.0-r731"
FILES = {f"{PREFIX}/bin/tool": b"tool v1", f"{PREFIX}/lib/libdemo.so": b"lib v1"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def made_dossier(
    router: Router, nonce: int, *, changed: dict[str, bytes] | None = None
) -> dict[str, Any]:
    """A dossier of one package and one node's IMA list, made with the Rust core as the router
    makes them: the list measures the package files at boot, then the files ``changed``."""
    from xrsim.crypto import ima, tree

    log = ima.ImaLog()
    for path, data in sorted(FILES.items()):
        log.append(path, hashlib.sha256(data).digest())
    run_files = dict(FILES)
    for path, data in (changed or {}).items():
        log.append(path, hashlib.sha256(data).digest())
        run_files[path] = data
    install = tree.fingerprint((p, sha(d)) for p, d in FILES.items())
    run = tree.fingerprint((p, sha(d)) for p, d in run_files.items())
    entries = ima.parse(log.binary())
    events = [
        {
            "event-number": i,
            "template-hash": e.template_hash.hex(),
            "filename-hint": e.path,
            "filedata-hash": e.digest.hex(),
        }
        for i, e in enumerate(entries, 1)
    ]
    return {
        "collection-start-time": 0.0,
        "model-name": dossier.MODEL_NAME,
        "model-revision": dossier.MODEL_REVISION,
        "nonce": nonce,
        "packages": {
            "result-code": "Success",
            "packages": [
                {
                    "name": "demo",
                    "nvr": "demo-1.0.0-r731",
                    "prefix": PREFIX,
                    "rpm-fingerprint-install-time": install,
                    "rpm-fingerprint-run-time": run,
                    "rpm-fingerprint-status": "generation-up-to-date",
                    "files": [{"path": p, "sha256": sha(d)} for p, d in sorted(FILES.items())],
                }
            ],
        },
        "system-integrity-snapshot": {
            "result-code": "Success",
            "system-integrity-snapshot": [
                {
                    "node-location": "0/RP0/CPU0",
                    "pcr-values": {b: v.hex() for b, v in log.pcrs().items()},
                    "binary-runtime-measurements": base64.b64encode(log.binary()).decode(),
                    "events": events,
                }
            ],
        },
    }


def sign_doc(router: Router, doc: dict[str, Any], nonce: int) -> str:
    data = dossier.render(doc).encode()
    return envelope.sign(
        data, nonce=nonce, identity=router.chassis.sudi(), include_certificate=True
    )


def kgv_of(doc: dict[str, Any]) -> dict[str, str]:
    pkg = doc["packages"]["packages"][0]
    return {pkg["nvr"]: pkg["rpm-fingerprint-install-time"]}


def test_an_untouched_system_verifies(router: Router, vendor: Path) -> None:
    doc = made_dossier(router, 7)
    report = verify_dossier(sign_doc(router, doc, 7), root_of(vendor), kgv=kgv_of(doc), nonce=7)
    assert report.failures == []
    assert report.exit_code == EXIT_OK
    whats = [c.what for c in report.checks]
    assert "ima 0/RP0/CPU0" in whats
    assert "package demo-1.0.0-r731" in whats


def test_a_changed_and_an_added_file_are_named(router: Router, vendor: Path) -> None:
    good = made_dossier(router, 7)
    added = f"{PREFIX}/bin/implant"
    doc = made_dossier(router, 7, changed={f"{PREFIX}/bin/tool": b"tool v2", added: b"implant"})
    report = verify_dossier(sign_doc(router, doc, 7), root_of(vendor), kgv=kgv_of(good), nonce=7)
    (line,) = failed_lines(report)
    assert line.startswith("FAIL package demo-1.0.0-r731: run-time fingerprint ")
    assert f"changed {PREFIX}/bin/tool on 0/RP0/CPU0" in line
    assert f"added {added} on 0/RP0/CPU0" in line
    assert report.exit_code == EXIT_FAILED


def test_fingerprints_against_the_kgv(router: Router, vendor: Path) -> None:
    doc = made_dossier(router, 7)
    text = sign_doc(router, doc, 7)
    other = verify_dossier(text, root_of(vendor), kgv={"demo-1.0.0-r731": "ab" * 20}, nonce=7)
    assert any("is not the KGV" in ln for ln in failed_lines(other))
    missing = verify_dossier(text, root_of(vendor), kgv={}, nonce=7)
    assert any("not in the Known Good Values" in ln for ln in failed_lines(missing))


def test_pcrs_that_the_list_does_not_replay_to_fail(router: Router, vendor: Path) -> None:
    doc = made_dossier(router, 7)
    node = doc["system-integrity-snapshot"]["system-integrity-snapshot"][0]
    node["pcr-values"]["sha256"] = "00" * 32
    report = verify_dossier(sign_doc(router, doc, 7), root_of(vendor), nonce=7)
    (line,) = failed_lines(report)
    assert line.startswith("FAIL ima 0/RP0/CPU0: replaying 3 events does not give the reported")
    assert "sha256 bank" in line


def test_events_that_are_not_the_lists_entries_fail(router: Router, vendor: Path) -> None:
    doc = made_dossier(router, 7)
    node = doc["system-integrity-snapshot"]["system-integrity-snapshot"][0]
    node["events"][1]["filename-hint"] = "/elsewhere"
    report = verify_dossier(sign_doc(router, doc, 7), root_of(vendor), nonce=7)
    assert failed_lines(report) == [
        "FAIL ima 0/RP0/CPU0: the events listed are not the measurement list's entries"
    ]


def test_a_damaged_package_entry_is_reported_not_raised(router: Router, vendor: Path) -> None:
    doc = made_dossier(router, 7)
    doc["packages"]["packages"][0]["files"] = [{"path": 1}]
    doc["system-integrity-snapshot"]["system-integrity-snapshot"][0][
        "binary-runtime-measurements"
    ] = "!!"
    report = verify_dossier(sign_doc(router, doc, 7), root_of(vendor), nonce=7)
    assert failed_lines(report) == [
        "FAIL ima 0/RP0/CPU0: the node's measurement list, PCR values or events are missing",
        "FAIL package demo-1.0.0-r731: the package's file list is damaged",
    ]

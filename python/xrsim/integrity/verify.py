"""The dossier verifier: what a Trust Insights collector checks of a signed dossier (layer 4).

Imports ``xrsim.integrity.envelope`` (the envelope's signature and chain), ``xrsim.crypto.ima``
(the IMA replay) and ``xrsim.crypto.tree`` (the fingerprint rule), ``xrsim.errors``; the
``xrsim verify-dossier`` command (``xrsim.frontends.main``) reads the files and prints the
``Report``.

``verify_dossier(text, sudi_root, kgv=, nonce=)`` checks, in order, and stops at the first
failure that leaves nothing to trust:

1. the envelope (``| utility sign nonce N include-certificate``): the chain leads to the SUDI
   root, the signature verifies over the nonce, the chain and the data
   (``envelope.verify``);
2. the nonce: the envelope's is the one the collector asked for (``nonce=``) and the dossier's
   own ``nonce`` is the envelope's;
3. the signed data is a dossier (``model-name`` of ``Cisco-IOS-XR-ama``) whose sections say
   ``Success``; ``packages`` and ``system-integrity-snapshot`` must be there;
4. per node of ``system-integrity-snapshot``: the binary measurement list replays to the
   reported PCR 10 values (SHA-1 and SHA-256 banks) and the listed events are its entries;
5. per active package: the install-time fingerprint is the one its file list gives, is the
   Known Good Value (``kgv=``: name-version-release -> fingerprint), and the run-time
   fingerprint is the install-time one. When it is not, the files that differ are named: the
   IMA events of the package's directory whose last measurement is not the file's install-time
   digest (a changed file) or that the package does not list (an added file).

- ``Check``: one line of the report (``PASS``/``FAIL``, what, detail).
- ``Report``: the checks, ``ok``, ``exit_code`` (0 all passed, 1 a check failed, 2 the input is
  not a signed dossier at all), ``lines()``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509

from xrsim.crypto import ima, tree
from xrsim.errors import (
    EnvelopeError,
    MalformedEnvelope,
    NonceMismatch,
    UntrustedChain,
    XrsimError,
)
from xrsim.integrity import envelope
from xrsim.integrity.dossier import MODEL_NAME

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_UNUSABLE", "Check", "Report", "verify_dossier"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNUSABLE = 2
#: The sections a dossier must carry to be verified.
REQUIRED = ("packages", "system-integrity-snapshot")


@dataclass(frozen=True)
class Check:
    """One verification step: ``what`` was checked, whether it ``passed``, and the detail."""

    what: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.what}: {self.detail}"


@dataclass
class Report:
    """The checks made, in order; ``unusable``: the input was not a signed dossier."""

    checks: list[Check] = field(default_factory=list)
    unusable: bool = False

    def passed(self, what: str, detail: str) -> None:
        self.checks.append(Check(what, True, detail))

    def failed(self, what: str, detail: str) -> None:
        self.checks.append(Check(what, False, detail))

    @property
    def ok(self) -> bool:
        return not self.unusable and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def exit_code(self) -> int:
        if self.unusable:
            return EXIT_UNUSABLE
        return EXIT_OK if self.ok else EXIT_FAILED

    def lines(self) -> list[str]:
        out = [c.line() for c in self.checks]
        good = sum(c.passed for c in self.checks)
        verdict = "verified" if self.ok else "NOT verified"
        out.append(f"dossier {verdict}: {good} passed, {len(self.checks) - good} failed")
        return out


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def _envelope(
    report: Report, text: str | bytes, root: x509.Certificate, at: datetime | None
) -> envelope.Verified | None:
    try:
        verified = envelope.verify(text, root, at=at)
    except MalformedEnvelope as e:
        report.unusable = True
        report.failed("envelope", f"not a signed envelope: {e}")
        return None
    except UntrustedChain as e:
        report.failed("chain", str(e))
        return None
    except EnvelopeError as e:
        report.failed("signature", str(e))
        return None
    report.passed("chain", f"{_subject(verified.device)} <- sub-CA <- SUDI root {_subject(root)}")
    report.passed("signature", "RSA PKCS#1 v1.5 SHA-256 over the nonce, chain and data verifies")
    return verified


def _nonce(
    report: Report, verified: envelope.Verified, doc: Mapping[str, Any], nonce: int | None
) -> None:
    if nonce is not None:
        if verified.nonce == nonce:
            report.passed("nonce", f"the envelope is signed over nonce {nonce}")
        else:
            report.failed(
                "nonce",
                str(
                    NonceMismatch(
                        f"the envelope is signed over nonce {verified.nonce}, not {nonce}"
                    )
                ),
            )
    inner = doc.get("nonce")
    if inner is None:
        if nonce is not None:
            report.failed("dossier nonce", "the dossier was collected without a nonce")
    elif inner != verified.nonce:
        report.failed(
            "dossier nonce",
            f"the dossier was collected for nonce {inner}, signed over {verified.nonce}",
        )
    else:
        report.passed("dossier nonce", f"collected for nonce {inner}, the envelope's")


def _dossier(report: Report, data: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        report.unusable = True
        report.failed("dossier", "the signed data is not JSON: not a dossier")
        return None
    if not isinstance(doc, dict) or doc.get("model-name") != MODEL_NAME:
        report.unusable = True
        report.failed("dossier", f"the signed data is not a dossier (model-name {MODEL_NAME})")
        return None
    return doc


def _sections(report: Report, doc: Mapping[str, Any]) -> None:
    for name, section in doc.items():
        if not isinstance(section, dict):
            continue
        code = section.get("result-code")
        if code != "Success":
            why = f": {section['error']}" if "error" in section else ""
            report.failed(f"section {name}", f"result-code {code}{why}")
    for name in REQUIRED:
        if name not in doc:
            report.failed(f"section {name}", "missing: the dossier was collected without it")


def _section_data(doc: Mapping[str, Any], name: str) -> Any:
    section = doc.get(name)
    if isinstance(section, dict) and section.get("result-code") == "Success":
        return section.get(name)
    return None


@dataclass(frozen=True)
class _Measured:
    """The last measurement of a file in a node's IMA list."""

    node: str
    digest: str


def _ima(report: Report, doc: Mapping[str, Any]) -> dict[str, dict[str, _Measured]]:
    """Replay each node's list against its PCRs; returns node -> path -> last measurement
    (of the lists that replay)."""
    measured: dict[str, dict[str, _Measured]] = {}
    nodes = _section_data(doc, "system-integrity-snapshot")
    if nodes is None:
        return measured

    if not isinstance(nodes, list):
        report.failed("ima", "system-integrity-snapshot is not a list of nodes")
        return measured
    for item in nodes:
        node = str(item.get("node-location", "?")) if isinstance(item, dict) else "?"
        what = f"ima {node}"
        try:
            binary = base64.b64decode(str(item["binary-runtime-measurements"]), validate=True)
            reported = {b: bytes.fromhex(str(v)) for b, v in dict(item["pcr-values"]).items()}
            events = list(item["events"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            report.failed(what, "the node's measurement list, PCR values or events are missing")
            continue
        try:
            entries = ima.parse(binary)
            replayed = ima.replay(binary)
        except XrsimError as exc:
            report.failed(what, f"the measurement list does not parse: {exc}")
            continue
        bad = [b for b in ("sha1", "sha256") if replayed.get(b) != reported.get(b)]
        if bad:
            report.failed(
                what,
                f"replaying {len(entries)} events does not give the reported PCR 10 "
                f"({', '.join(bad)} bank)",
            )
            continue
        listed = [
            (
                e.get("event-number"),
                e.get("template-hash"),
                e.get("filename-hint"),
                e.get("filedata-hash"),
            )
            for e in events
            if isinstance(e, dict)
        ]
        actual = [
            (i, e.template_hash.hex(), e.path, e.digest.hex()) for i, e in enumerate(entries, 1)
        ]
        if listed != actual:
            report.failed(what, "the events listed are not the measurement list's entries")
            continue
        report.passed(what, f"{len(entries)} events replay to the reported PCR 10 (sha1, sha256)")
        last = measured.setdefault(node, {})
        for entry in entries:
            if not entry.violation:
                last[entry.path] = _Measured(node, entry.digest.hex())
    return measured


def _changed_files(
    pkg: Mapping[str, Any], measured: Mapping[str, Mapping[str, _Measured]]
) -> list[str]:
    """What the IMA lists say differs under the package's directory from its install-time
    file digests: ``changed PATH on NODE`` and ``added PATH on NODE``."""
    prefix = str(pkg.get("prefix", "")).rstrip("/") + "/"
    installed = {str(f.get("path")): str(f.get("sha256")) for f in pkg.get("files", [])}
    out = []
    for node, files in measured.items():
        for path, m in sorted(files.items()):
            if not path.startswith(prefix):
                continue
            if path not in installed:
                out.append(f"added {path} on {node}")
            elif installed[path] != m.digest:
                out.append(f"changed {path} on {node}")
    return out


def _problems(
    pkg: Mapping[str, Any],
    listed: str,
    kgv: Mapping[str, str] | None,
    measured: Mapping[str, Mapping[str, _Measured]],
) -> list[str]:
    """What is wrong with one package entry (``listed``: its file list's fingerprint)."""
    nvr = str(pkg.get("nvr", "?"))
    install = str(pkg.get("rpm-fingerprint-install-time", ""))
    run = str(pkg.get("rpm-fingerprint-run-time", ""))
    problems = []
    if listed != install:
        problems.append(f"install-time fingerprint {install} is not its file list's {listed}")
    if kgv is not None:
        known = kgv.get(nvr)
        if known is None:
            problems.append("not in the Known Good Values")
        elif known != install:
            problems.append(f"install-time fingerprint {install} is not the KGV {known}")
    if run in ("", "0"):
        problems.append(f"no run-time fingerprint yet (status {pkg.get('rpm-fingerprint-status')})")
    elif run != install:
        files = _changed_files(pkg, measured)
        named = "; ".join(files) if files else "no IMA event names the file (removed?)"
        problems.append(f"run-time fingerprint {run} differs from install-time {install}: {named}")
    return problems


def _packages(
    report: Report,
    doc: Mapping[str, Any],
    kgv: Mapping[str, str] | None,
    measured: Mapping[str, Mapping[str, _Measured]],
) -> None:
    packages = _section_data(doc, "packages")
    if packages is None:
        return

    if not isinstance(packages, list):
        report.failed("packages", "the packages section is not a list")
        return
    for pkg in packages:
        if not isinstance(pkg, dict):
            report.failed("packages", "a package entry is not an object")
            continue
        nvr = str(pkg.get("nvr", "?"))
        what = f"package {nvr}"
        install = str(pkg.get("rpm-fingerprint-install-time", ""))
        try:
            # The fingerprint rule covers regular files: entries with a digest (directories
            # and symlinks have none), as integrity.fingerprint.install_fingerprint.
            listed_files = [(str(f["path"]), str(f["sha256"])) for f in pkg.get("files", [])]
            records = [(path, digest) for path, digest in listed_files if digest]
            listed = tree.fingerprint(records)
        except (KeyError, TypeError, XrsimError):
            report.failed(what, "the package's file list is damaged")
            continue
        problems = _problems(pkg, listed, kgv, measured)
        if problems:
            report.failed(what, "; ".join(problems))
        else:
            kgv_part = " = KGV" if kgv is not None else ""
            report.passed(what, f"run-time = install-time{kgv_part} {install}")


def verify_dossier(
    text: str | bytes,
    sudi_root: x509.Certificate,
    *,
    kgv: Mapping[str, str] | None = None,
    nonce: int | None = None,
    at: datetime | None = None,
) -> Report:
    """Verify a signed dossier (the envelope text ``| utility sign ... include-certificate``
    printed) against the SUDI root; see the module docstring. Never raises for bad input: the
    report says what failed."""
    report = Report()
    verified = _envelope(report, text, sudi_root, at)
    if verified is None:
        return report
    doc = _dossier(report, verified.text)
    if doc is None:
        return report
    _nonce(report, verified, doc, nonce)
    _sections(report, doc)
    measured = _ima(report, doc)
    _packages(report, doc, kgv, measured)
    return report

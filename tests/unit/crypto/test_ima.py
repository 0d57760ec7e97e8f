"""xrsim.crypto.ima: measurement lists judged by ``evmctl ima_measurement`` (ima-evm-utils)
with PCR files, and checked byte for byte against an independent construction of the kernel's
formats (struct + hashlib, written here from FORMATS.md)."""

from __future__ import annotations

import hashlib
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xrsim.crypto import ima
from xrsim.errors import InvalidInput


def _sha256(i: int) -> bytes:
    return hashlib.sha256(f"file content {i}".encode()).digest()


def _template_data(path: str, digest: bytes | None) -> bytes:
    """ima-ng template data: d-ng then n-ng, each u32 length + bytes; a violation's d-ng holds
    20 zero bytes."""
    d = b"sha256:\0" + (digest if digest is not None else bytes(20))
    n = path.replace(" ", "_").encode() + b"\0"
    return struct.pack("<I", len(d)) + d + struct.pack("<I", len(n)) + n


def _expected(events: list[tuple[str, bytes | None]]) -> tuple[bytes, bytes, bytes, list[str]]:
    """(binary list, PCR-10 SHA-1, PCR-10 SHA-256, ASCII lines) for boot_aggregate followed by
    ``events`` (digest None = violation)."""
    out = b""
    p1, p256 = bytes(20), bytes(32)
    lines = []
    for path, digest in [("boot_aggregate", bytes(32)), *events]:
        data = _template_data(path, digest)
        if digest is None:
            h1, e1, e256 = bytes(20), b"\xff" * 20, b"\xff" * 32
            shown = bytes(20)
        else:
            h1 = hashlib.sha1(data).digest()
            e1, e256 = h1, hashlib.sha256(data).digest()
            shown = digest
        p1 = hashlib.sha1(p1 + e1).digest()
        p256 = hashlib.sha256(p256 + e256).digest()
        out += struct.pack("<I", 10) + h1 + struct.pack("<I", 6) + b"ima-ng"
        out += struct.pack("<I", len(data)) + data
        lines.append(f"10 {h1.hex()} ima-ng sha256:{shown.hex()} {path.replace(' ', '_')}")
    return out, p1, p256, lines


EVENTS: list[tuple[str, bytes | None]] = [
    ("/opt/cisco/XR/packages/xr-core-7.3.1-r1/bin/show_install", _sha256(1)),
    ("/opt/cisco/XR/packages/xr-core-7.3.1-r1/lib/libxr name.so", _sha256(2)),
    ("/misc/scratch/changed", None),
    ("/opt/cisco/XR/packages/xr-core-7.3.1-r1/etc/é", _sha256(3)),
]


def _build(events: list[tuple[str, bytes | None]]) -> ima.ImaLog:
    log = ima.ImaLog()
    for path, digest in events:
        if digest is None:
            log.append_violation(path)
        else:
            log.append(path, digest)
    return log


def test_new_log_is_boot_aggregate() -> None:
    log = ima.ImaLog()
    assert len(log) == 1
    e = log.event(0)
    assert e == ima.ImaEntry(
        pcr=10,
        template="ima-ng",
        template_hash=bytes.fromhex("0adefe762c149c7cec19da62f0da1297fcfbffff"),
        template_hash_sha256=hashlib.sha256(_template_data("boot_aggregate", bytes(32))).digest(),
        digest_algorithm="sha256",
        digest=bytes(32),
        path="boot_aggregate",
        violation=False,
    )


def test_binary_ascii_and_pcrs_match_an_independent_construction() -> None:
    log = _build(EVENTS)
    binary, p1, p256, lines = _expected(EVENTS)
    assert log.binary() == binary
    assert log.pcrs() == {"sha1": p1, "sha256": p256}
    assert log.ascii() == "".join(line + "\n" for line in lines)
    assert len(log) == 5
    assert log.event(2).path == "/opt/cisco/XR/packages/xr-core-7.3.1-r1/lib/libxr_name.so"
    v = log.event(3)
    assert v.violation
    assert v.template_hash == bytes(20)
    assert v.template_hash_sha256 == bytes(32)
    assert v.digest == bytes(20)


def test_append_returns_the_index_and_batch_equals_single() -> None:
    events = [(f"/opt/p/f{i}", _sha256(i)) for i in range(3000)]
    one = ima.ImaLog()
    assert [one.append(p, d) for p, d in events[:3]] == [1, 2, 3]
    for p, d in events[3:]:
        one.append(p, d)
    batch = ima.ImaLog()
    batch.append_many(events[:1000])
    batch.append_many(events[1000:])
    assert batch.binary() == one.binary()
    assert batch.pcrs() == one.pcrs()
    assert batch.append_violation("/v") == 3001
    assert batch.entries(2999) == [batch.event(2999), batch.event(3000), batch.event(3001)]
    assert batch.entries(5000) == []
    assert _expected(events)[0] == one.binary()


def test_parse_replay_and_from_binary_round_trip() -> None:
    log = _build(EVENTS)
    log.append_many([(f"/opt/p/f{i}", _sha256(i)) for i in range(1000)])
    binary = log.binary()
    assert ima.parse(binary) == log.entries()
    assert ima.replay(binary) == log.pcrs()
    assert ima.replay(binary, pcr=11) == {"sha1": bytes(20), "sha256": bytes(32)}
    again = ima.ImaLog.from_binary(binary)
    assert again.binary() == binary
    assert again.pcrs() == log.pcrs()
    assert again.entries() == log.entries()
    again.append("/opt/p/next", _sha256(5))
    log.append("/opt/p/next", _sha256(5))
    assert again.pcrs() == log.pcrs()


def test_tampered_and_truncated_lists_are_refused() -> None:
    log = _build(EVENTS)
    binary = log.binary()
    entry1 = binary.index(b"sha256:\0" + _sha256(1))
    tampered = bytearray(binary)
    tampered[entry1 + 8] ^= 0x01  # first byte of the file digest
    with pytest.raises(InvalidInput):
        ima.replay(bytes(tampered))
    with pytest.raises(InvalidInput):
        ima.ImaLog.from_binary(bytes(tampered))
    for cut in (1, 27, len(binary) - 1):
        with pytest.raises(InvalidInput):
            ima.parse(binary[:cut])
        with pytest.raises(InvalidInput):
            ima.replay(binary[:cut])
    other_template = binary.replace(b"ima-ng", b"ima-xx", 1)
    with pytest.raises(InvalidInput):
        ima.parse(other_template)
    assert ima.parse(b"") == []
    with pytest.raises(InvalidInput):
        ima.ImaLog.from_binary(b"")


def test_bad_events_change_nothing() -> None:
    log = _build(EVENTS)
    before = log.binary(), log.pcrs(), len(log)
    with pytest.raises(InvalidInput):
        log.append("/x", b"\0" * 31)
    with pytest.raises(InvalidInput):
        log.append("/x\0y", _sha256(0))
    with pytest.raises(InvalidInput):
        log.append_violation("")
    with pytest.raises(InvalidInput):
        log.append_many([("/ok", _sha256(0)), ("/bad", b"short")])
    with pytest.raises(TypeError):
        log.append_many([("/ok", _sha256(0)), (b"/bytes", _sha256(0))])  # type: ignore[list-item]
    assert (log.binary(), log.pcrs(), len(log)) == before
    with pytest.raises(IndexError):
        log.event(len(log))
    with pytest.raises(IndexError):
        log.event(-1)


def test_pcr_file_lines() -> None:
    text = ima.pcr_file(b"\xab" * 20)
    lines = text.splitlines()
    assert len(lines) == 24
    assert lines[0] == "PCR-00: " + "00" * 20
    assert lines[10] == "PCR-10: " + "ab" * 20
    assert lines[23] == "PCR-23: " + "00" * 20
    assert ima.pcr_file(b"\x01" * 32, pcr=0).splitlines()[0] == "PCR-00: " + "01" * 32
    for bad in (b"", b"\0" * 31):
        with pytest.raises(InvalidInput):
            ima.pcr_file(bad)
    with pytest.raises(InvalidInput):
        ima.pcr_file(bytes(20), pcr=24)
    with pytest.raises(InvalidInput):
        ima.replay(b"", pcr=-1)


def test_append_many_releases_the_gil(gil_probe: Any) -> None:
    events = [(f"/opt/p/file{i:07}", _sha256(i)) for i in range(300_000)]
    logs: list[ima.ImaLog] = []

    def append() -> None:
        logs.append(ima.ImaLog())
        logs[-1].append_many(events)

    gil_probe(append).assert_released(min_increments=100)
    assert len(logs[-1]) == 300_001


# -- evmctl as the judge ------------------------------------------------------------------------


def _evmctl(
    evmctl: str, tmp: Path, binary: bytes, pcrs: dict[str, bytes], *extra: str
) -> subprocess.CompletedProcess[str]:
    (tmp / "list").write_bytes(binary)
    (tmp / "pcrs-sha1").write_text(ima.pcr_file(pcrs["sha1"]))
    (tmp / "pcrs-sha256").write_text(ima.pcr_file(pcrs["sha256"]))
    return subprocess.run(
        [evmctl, "ima_measurement", *extra,
         "--pcrs", f"sha1,{tmp / 'pcrs-sha1'}", "--pcrs", f"sha256,{tmp / 'pcrs-sha256'}",
         str(tmp / "list")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture
def evmctl(require_tool: Callable[[str], str]) -> str:
    return require_tool("evmctl")


@pytest.mark.peer
def test_evmctl_accepts_a_list_and_refuses_tampered_copies(evmctl: str, tmp_path: Path) -> None:
    log = ima.ImaLog()
    log.append_many([(f"/opt/cisco/XR/packages/xr-7.3.1-r1/f{i}", _sha256(i)) for i in range(2000)])
    log.append("/opt/cisco/XR/packages/xr-7.3.1-r1/with space", _sha256(9999))
    binary, pcrs = log.binary(), log.pcrs()
    good = _evmctl(evmctl, tmp_path, binary, pcrs)
    assert good.returncode == 0, good.stdout + good.stderr

    digest_at = binary.index(b"sha256:\0" + _sha256(1234)) + 8
    template_hash_at = binary.index(b"sha256:\0" + _sha256(77)) - 4 - 4 - 6 - 4 - 20
    for at in (digest_at, template_hash_at):
        tampered = bytearray(binary)
        tampered[at] ^= 0x40
        bad = _evmctl(evmctl, tmp_path, bytes(tampered), pcrs)
        assert bad.returncode == 1, bad.stdout + bad.stderr

    # A list cut short of the events the PCRs hold (the last entry dropped) is refused too.
    # (evmctl accepts a list that runs past the PCRs: the kernel may have measured more
    # since the TPM was read.)
    log.append("/opt/extra", _sha256(1))
    cut = _evmctl(evmctl, tmp_path, binary, log.pcrs())
    assert cut.returncode == 1, cut.stdout + cut.stderr


@pytest.mark.peer
def test_evmctl_passes_violations_only_when_told(evmctl: str, tmp_path: Path) -> None:
    log = _build(EVENTS)
    refused = _evmctl(evmctl, tmp_path, log.binary(), log.pcrs())
    assert refused.returncode == 1, refused.stdout + refused.stderr
    accepted = _evmctl(evmctl, tmp_path, log.binary(), log.pcrs(), "--ignore-violations")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


@pytest.mark.peer
def test_evmctl_accepts_a_rebuilt_log(evmctl: str, tmp_path: Path) -> None:
    log = ima.ImaLog.from_binary(_build(EVENTS[:2]).binary())
    log.append_many([(f"/bin/f{i}", _sha256(i)) for i in range(600)])
    ok = _evmctl(evmctl, tmp_path, log.binary(), ima.replay(log.binary()))
    assert ok.returncode == 0, ok.stdout + ok.stderr

"""``| utility sign nonce N [include-certificate]`` and the ``filesystem-inventory``
configuration through a booted router: the envelope of any command's output verified against
the SUDI root, chained with other pipes (``| file`` saves it), its task and release gates,
IOS XR errors for bad input; the submode, its prompt, ``show running-config`` and the
scheduled snapshots a commit arms."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.cli.session import CliSession
from xrsim.clock import SimClock
from xrsim.errors import CommandError
from xrsim.integrity import envelope
from xrsim.router import Router

TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
INVALID = "% Invalid input detected at '^' marker."


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vendor")


@pytest.fixture
def router(tmp_path: Path, vendor: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))
    r = Router.boot(state_dir=tmp_path / "r1", clock=SimClock(frozen=True))
    yield r
    r.shutdown()


@pytest.fixture
def s(router: Router) -> CliSession:
    return router.session()


def without_timestamp(text: str) -> str:
    lines = text.splitlines(keepends=True)
    assert lines, text
    assert TS.match(lines[0].rstrip("\n")), text
    return "".join(lines[1:])


def marker(out: str) -> int:
    """The column of the ``^`` of an invalid-input error."""
    lines = out.splitlines()
    assert lines[-1] == INVALID, out
    return lines[-2].index("^")


# --------------------------------------------------------------------------------------------
# | utility sign
# --------------------------------------------------------------------------------------------


def test_any_command_output_signed_and_verified(router: Router, s: CliSession) -> None:
    plain = without_timestamp(s.handle_line("show version"))
    out = s.handle_line("show version | utility sign nonce 1580 include-certificate")
    text = without_timestamp(out)
    assert text.endswith("}\n")
    assert text.count("\n") == 1
    result = envelope.verify(text, router.chassis.sudi().root_cert, nonce=1580)
    assert result.text == plain
    assert result.device == router.chassis.sudi().device_cert
    # the whole output as the terminal shows it (timestamp line first) verifies too
    assert envelope.verify(out, router.chassis.sudi().root_cert).nonce == 1580


def test_without_include_certificate_no_chain_is_printed(router: Router, s: CliSession) -> None:
    text = without_timestamp(s.handle_line("show clock | utility sign nonce 7"))
    assert "certificates" not in json.loads(text)
    sudi = router.chassis.sudi()
    result = envelope.verify(text, sudi.root_cert, chain=[sudi.subca_cert, sudi.device_cert])
    assert result.nonce == 7


def test_pipes_before_sign_are_signed_and_file_after_it_saves_it(
    router: Router, s: CliSession
) -> None:
    out = s.handle_line("show version | include Version | utility sign nonce 3 include-c")
    signed = envelope.verify(without_timestamp(out), router.chassis.sudi().root_cert)
    assert signed.text
    assert all("Version" in ln for ln in signed.text.splitlines())
    saved = s.handle_line(
        "show version | utility sign nonce 1580 include-certificate | file harddisk:dossier.json"
    )
    assert without_timestamp(saved) == ""
    data = router.chassis.fs().read("harddisk:dossier.json")
    assert envelope.verify(data, router.chassis.sudi().root_cert, nonce=1580).text.startswith(
        "Cisco IOS XR Software"
    )
    # and what a pipe after it sees is the envelope
    counted = s.handle_line("show version | utility sign nonce 1 | utility wc lines")
    assert without_timestamp(counted) == "1\n"


def test_abbreviations_and_option_order(router: Router, s: CliSession) -> None:
    text = without_timestamp(s.handle_line("show clock | util s include-certificate n 42"))
    result = envelope.verify(text, router.chassis.sudi().root_cert, nonce=42)
    assert result.nonce == 42


@pytest.mark.parametrize(
    ("line", "bad"),
    [
        ("show clock | utility sign nonce x", "x"),
        ("show clock | utility sign nonce 18446744073709551616", "18446744073709551616"),
        ("show clock | utility sign nonce 1 nonce 2", "nonce 2"),
        ("show clock | utility sign nonce 1 bogus", "bogus"),
        (
            "show clock | utility sign include-certificate include-certificate nonce 1",
            "include-certificate nonce",
        ),
    ],
)
def test_bad_sign_options_are_refused_at_the_marker(s: CliSession, line: str, bad: str) -> None:
    out = s.handle_line(line)
    assert marker(out) == len(s.prompt) + line.rindex(bad)


@pytest.mark.parametrize(
    "line",
    [
        "show clock | utility sign",
        "show clock | utility sign nonce",
        "show clock | utility sign include-certificate",
    ],
)
def test_a_nonce_is_required(s: CliSession, line: str) -> None:
    assert s.handle_line(line) == "% Incomplete command.\n"


def test_the_largest_nonce(router: Router, s: CliSession) -> None:
    text = without_timestamp(s.handle_line(f"show clock | utility sign nonce {2**64 - 1}"))
    sudi = router.chassis.sudi()
    chain = [sudi.subca_cert, sudi.device_cert]
    assert envelope.verify(text, sudi.root_cert, chain=chain).nonce == 2**64 - 1


def test_sign_needs_execute_basic_services(router: Router) -> None:
    router.configure(
        [
            "taskgroup readers",
            "task read basic-services",
            "task execute filesystem",
            "usergroup readers",
            "taskgroup readers",
            "username reader",
            "group readers",
            "taskgroup signers",
            "task read basic-services",
            "task execute basic-services",
            "usergroup signers",
            "taskgroup signers",
            "username signer",
            "group signers",
        ]
    )
    reader = router.session(user="reader")
    assert without_timestamp(reader.handle_line("show version")).startswith("Cisco IOS XR")
    refused = reader.handle_line("show version | utility sign nonce 1 | file harddisk:r.json")
    assert refused == "% This command is not authorized\n"
    assert reader.denied
    assert not router.chassis.fs().exists("harddisk:r.json")
    signer = router.session(user="signer")
    text = without_timestamp(signer.handle_line("show version | utility sign nonce 1"))
    assert envelope.parse(text).nonce == 1


def test_before_731_there_is_no_utility_sign(
    tmp_path: Path, vendor: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))
    with Router.boot(state_dir=tmp_path / "old", release_version="7.2.1") as old:
        s = old.session()
        line = "show clock | utility sign nonce 5"
        out = s.handle_line(line)
        assert marker(out) == len(s.prompt) + line.index("sign")
        assert without_timestamp(s.handle_line("show clock | utility wc lines")) == "1\n"


def test_after_a_switchover_the_new_active_rp_signs(
    tmp_path: Path, vendor: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))
    with Router.boot("ASR-9006", tmp_path / "asr") as asr:
        first = asr.chassis.sudi("0/RSP0/CPU0")
        asr.chassis.switchover()
        second = asr.chassis.sudi("0/RSP1/CPU0")
        assert first.device_cert != second.device_cert
        text = without_timestamp(
            asr.session().handle_line("show clock | utility sign nonce 9 include-certificate")
        )
        assert envelope.verify(text, second.root_cert).device == second.device_cert


# --------------------------------------------------------------------------------------------
# filesystem-inventory
# --------------------------------------------------------------------------------------------


def test_the_submode_and_running_config(router: Router, s: CliSession) -> None:
    assert s.handle_line("configure") == ""
    assert s.handle_line("filesystem-inventory") == ""
    assert s.prompt == "RP/0/RP0/CPU0:router(config-filesystem-inventory)#"
    assert s.handle_line("snapshot-interval 2") == ""
    assert without_timestamp(s.handle_line("commit")) == ""
    assert s.handle_line("end") == ""
    shown = without_timestamp(s.handle_line("show running-config filesystem-inventory"))
    assert shown == "filesystem-inventory\n snapshot-interval 2\n!\n"
    assert "filesystem-inventory\n snapshot-interval 2\n!" in s.handle_line("show running-config")
    assert router.fsinventory.interval == 2


@pytest.mark.parametrize("value", ["0", "97", "x"])
def test_out_of_range_intervals_are_refused(router: Router, s: CliSession, value: str) -> None:
    s.handle_line("configure")
    s.handle_line("filesystem-inventory")
    line = f"snapshot-interval {value}"
    out = s.handle_line(line)
    assert marker(out) == len(s.prompt) + line.index(value)
    with pytest.raises(CommandError):
        router.configure(["filesystem-inventory", line])
    assert router.fsinventory.interval is None


def test_a_commit_arms_the_snapshots_and_no_stops_them(router: Router) -> None:
    assert router.fsinventory.next_snapshot is None
    router.configure(["filesystem-inventory", "snapshot-interval 4"])
    assert router.fsinventory.next_snapshot == router.clock.now()  # the first one: at once
    router.advance()
    blocks = router.fsinventory.collect()["0/RP0/CPU0"]["blocks"]
    assert [b["type"] for b in blocks] == ["full"]
    due = router.fsinventory.next_snapshot
    assert due is not None
    assert (due - router.clock.now()).total_seconds() == 4 * 15 * 60
    router.configure(["no filesystem-inventory"])
    assert router.fsinventory.next_snapshot is None
    assert router.fsinventory.interval is None
    router.advance(hours=5)
    assert router.fsinventory.collect()["0/RP0/CPU0"]["last-block"] == 0


def test_without_snapshot_interval_the_default_is_one_block(router: Router) -> None:
    router.configure(["filesystem-inventory"])
    router.advance()
    assert router.fsinventory.interval == 1
    router.advance(minutes=15)
    assert router.fsinventory.collect()["0/RP0/CPU0"]["last-block"] == 1


def test_before_731_there_is_no_filesystem_inventory(
    tmp_path: Path, vendor: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))
    with Router.boot(state_dir=tmp_path / "old", release_version="7.2.1") as old:
        s = old.session()
        s.handle_line("configure")
        out = s.handle_line("filesystem-inventory")
        assert marker(out) == len(s.prompt)

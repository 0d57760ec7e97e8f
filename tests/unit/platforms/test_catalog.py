"""xrsim.platforms: the packaged catalog (the seed's NCS-55A1-24H layout, an ASR 9006, a Cisco
8201), PID lookup, serial formats, validation of platform files, and packaging of the data."""

from __future__ import annotations

import fnmatch
import random
import re
import tomllib
from pathlib import Path

import pytest

import xrsim.platforms
from xrsim.errors import InvalidInput
from xrsim.platforms import DEFAULT_PID, NODE_KINDS, Platform, catalog, load, load_file
from xrsim.release import Release

DATA = Path(xrsim.platforms.__file__).parent / "data"
PYPROJECT = Path(__file__).parents[3] / "pyproject.toml"

#: ``show platform`` of the seed chapter's NCS-55A1-24H (node, kind, Type column).
SEED_NCS_LAYOUT = [
    ("0/RP0/CPU0", "rp", "NCS-55A1-24H"),
    ("0/RP0/NPU0", "npu", "Slice"),
    ("0/RP0/NPU1", "npu", "Slice"),
    ("0/FT0", "fan", "NC55-A1-FAN-RV"),
    ("0/FT1", "fan", "NC55-A1-FAN-RV"),
    ("0/FT2", "fan", "NC55-A1-FAN-RV"),
    ("0/PM0", "power", "NC55-1100W-ACRV"),
    ("0/PM1", "power", "NC55-1100W-ACRV"),
]

VALID = """
pid = "TEST-1"
description = "Test chassis"
family = "test"
version_model = "TEST"
vid = "V01"
release = "7.3.1"
prompt_rp = "0/RP0/CPU0"

[serial]
factories = ["FOC"]
years = [21, 25]

[[node]]
name = "0/RP0/CPU0"
kind = "rp"
card_type = "TEST-1"
description = "Route processor"
chassis_serial = true

[[node]]
name = "0/FT0"
kind = "fan"
card_type = "TEST-FAN"
description = "Fan"
"""


def write(tmp_path: Path, text: str, name: str = "test-1.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# The packaged catalog
# --------------------------------------------------------------------------------------------


def test_catalog_has_the_three_families() -> None:
    platforms = catalog()
    assert {"NCS-55A1-24H", "ASR-9006", "8201-SYS"} <= set(platforms)
    assert DEFAULT_PID == "NCS-55A1-24H"
    assert all(isinstance(p, Platform) and p.pid == pid for pid, p in platforms.items())


def test_ncs_55a1_24h_is_the_seed_layout() -> None:
    ncs = load("NCS-55A1-24H")
    assert [(n.name, n.kind, n.card_type) for n in ncs.nodes] == SEED_NCS_LAYOUT
    assert ncs.prompt_rp == "0/RP0/CPU0"
    assert not ncs.redundant
    assert [n.name for n in ncs.rps] == ["0/RP0/CPU0"]
    assert ncs.node("0/RP0/CPU0").chassis_serial
    assert ncs.node("0/rp0/cpu0").pid == "NCS-55A1-24H"


def test_asr_9006_is_modular_with_two_route_processors() -> None:
    asr = load("ASR-9006")
    kinds = {n.name: (n.kind, n.card_type) for n in asr.nodes}
    assert kinds["0/RSP0/CPU0"] == ("rp", "A9K-RSP880-SE")
    assert kinds["0/RSP1/CPU0"] == ("rp", "A9K-RSP880-SE")
    assert kinds["0/0/CPU0"][0] == "lc"
    assert kinds["0/1/CPU0"][0] == "lc"
    assert kinds["0/FT0"][0] == kinds["0/FT1"][0] == "fan"
    assert [n.kind for n in asr.nodes].count("power") >= 2
    assert asr.redundant
    assert asr.prompt_rp == "0/RSP0/CPU0"
    assert not any(n.chassis_serial for n in asr.nodes)  # every board has its own serial


def test_8201_is_a_fixed_cisco_8000() -> None:
    c8k = load("8201-SYS")
    kinds = [n.kind for n in c8k.nodes]
    assert kinds.count("rp") == 1
    assert {"npu", "fan", "power"} <= set(kinds)
    assert c8k.node("0/RP0/CPU0").card_type == "8201-SYS"


@pytest.mark.parametrize("pid", sorted(catalog()))
def test_every_platform_is_well_formed(pid: str) -> None:
    platform = load(pid)
    assert platform.release == Release(7, 3, 1)
    assert re.fullmatch(r"V\d\d", platform.vid)
    assert platform.description
    assert platform.family
    assert platform.version_model
    assert platform.source.endswith(".toml")
    for node in platform.nodes:
        assert node.kind in NODE_KINDS
        assert node.has_filesystem == (node.kind in ("rp", "lc"))
        assert node.slug == node.name.replace("/", "_")
        assert re.fullmatch(r"V\d\d", node.vid)
        assert node.description
    rng = random.Random(7)
    for _ in range(50):
        serial = platform.serial_format.generate(rng)
        assert len(serial) == 11
        assert re.fullmatch(r"[A-Z]{3}\d{4}[0-9A-Z]{4}", serial)
        assert platform.serial_format.matches(serial)


def test_serial_format_recognises_the_seed_serial() -> None:
    fmt = load("NCS-55A1-24H").serial_format
    assert fmt.matches("FOC2104R15R")
    assert not fmt.matches("FOX2104R15R")  # another factory
    assert not fmt.matches("FOC2104R15")  # short
    assert not fmt.matches("FOC2154R15R")  # week 54
    assert not fmt.matches("FOC9904R15R")  # year code out of range
    assert not fmt.matches("FOC2104r15r")
    assert "FOC" in str(fmt)


def test_random_serials_differ() -> None:
    fmt = load("NCS-55A1-24H").serial_format
    assert len({fmt.generate() for _ in range(20)}) == 20


def test_load_is_case_insensitive() -> None:
    assert load("ncs-55a1-24h") is load("NCS-55A1-24H")
    assert load(" asr-9006 ").pid == "ASR-9006"


def test_unknown_pid_names_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match=r"unknown platform 'NCS-5501'.*8201-SYS.*NCS-55A1-24H"):
        load("NCS-5501")


def test_unknown_node_of_a_platform() -> None:
    with pytest.raises(InvalidInput, match="0/RP1/CPU0"):
        load("NCS-55A1-24H").node("0/RP1/CPU0")


def test_data_files_are_shipped_as_package_data() -> None:
    maturin = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["maturin"]
    includes = [(i["path"], i["format"]) for i in maturin["include"] if isinstance(i, dict)]
    files = sorted(DATA.iterdir())
    assert files, "no platform data files"
    for file in files:
        relative = str(file.relative_to(PYPROJECT.parent))
        formats = [f for pattern, f in includes if fnmatch.fnmatch(relative, pattern)]
        assert formats, f"{relative} is not in [tool.maturin] include"
        assert "wheel" in formats[0]
        assert "sdist" in formats[0]


def test_catalog_of_a_directory(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    platforms = catalog(tmp_path)
    assert list(platforms) == ["TEST-1"]
    test = load("test-1", tmp_path)
    assert [n.name for n in test.nodes] == ["0/RP0/CPU0", "0/FT0"]
    assert test.node("0/FT0").pid == "TEST-FAN"  # pid defaults to the card type
    assert test.node("0/FT0").vid == "V01"  # vid defaults to the platform's
    assert test.serial_format.years == (21, 25)


# --------------------------------------------------------------------------------------------
# Validation: every problem is an InvalidInput naming the file
# --------------------------------------------------------------------------------------------

_RP1 = '\n[[node]]\nname = "0/RP1/CPU0"\nkind = "rp"\ncard_type = "X"\ndescription = "d"\n'
_RP2 = _RP1.replace("RP1", "RP2")

BROKEN = {
    "unknown-kind": (VALID.replace('kind = "fan"', 'kind = "fabric"'), "unknown kind 'fabric'"),
    "duplicate-node": (VALID.replace('name = "0/FT0"', 'name = "0/RP0/CPU0"'), "duplicate node"),
    "no-rp": (
        VALID.replace('kind = "rp"', 'kind = "lc"').replace("chassis_serial = true", ""),
        "no route processor",
    ),
    "three-rps": (VALID + _RP1 + _RP2, "3 route processors"),
    "unknown-key": (VALID.replace('family = "test"', 'family = "test"\ncolour = "red"'), "colour"),
    "unknown-node-key": (VALID.replace('description = "Fan"', 'descr = "Fan"'), "descr"),
    "bad-release": (VALID.replace('release = "7.3.1"', 'release = "7.3"'), "release"),
    "missing-pid": (VALID.replace('pid = "TEST-1"', ""), "missing 'pid'"),
    "prompt-rp-not-rp": (VALID.replace('prompt_rp = "0/RP0/CPU0"', 'prompt_rp = "0/FT0"'), "0/FT0"),
    "bad-node-name": (VALID.replace('name = "0/FT0"', 'name = "FT0"'), "FT0"),
    "bad-vid": (VALID.replace('vid = "V01"', 'vid = "1"'), "'vid'"),
    "bad-factory": (VALID.replace('["FOC"]', '["FO"]'), "factories"),
    "bad-years": (VALID.replace("[21, 25]", "[25, 21]"), "years"),
    "no-serial-table": (VALID.replace("[serial]", "[serials]"), "serials"),
    "two-chassis-serials": (
        VALID.replace('description = "Fan"', 'description = "Fan"\nchassis_serial = true'),
        "chassis serial",
    ),
    "no-nodes": (VALID.split("[[node]]", maxsplit=1)[0], "no [[node]]"),
    "not-toml": ("pid = ", "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_are_refused_naming_the_file(tmp_path: Path, case: str) -> None:
    text, fragment = BROKEN[case]
    path = write(tmp_path, text, f"{case}.toml")
    with pytest.raises(InvalidInput) as info:
        load_file(path)
    message = str(info.value)
    assert str(path) in message
    assert fragment in message


def test_the_valid_base_of_the_broken_cases_loads(tmp_path: Path) -> None:
    assert load_file(write(tmp_path, VALID)).pid == "TEST-1"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        load_file(tmp_path / "absent.toml")


def test_duplicate_pid_across_files(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.toml")
    write(tmp_path, VALID.replace("TEST-1", "test-1"), "b.toml")
    with pytest.raises(InvalidInput, match=r"b\.toml.*PID test-1 also in .*a\.toml"):
        catalog(tmp_path)

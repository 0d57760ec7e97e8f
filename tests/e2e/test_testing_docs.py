"""The examples of docs/testing.md, run as a user runs them.

Each ```` ```python ```` block of the page is a test file named by its first line
(``# test_netmiko.py``); each ```` ```yaml ```` block so named is a lab file. Every example is
written, with the lab files, into a pytester directory of its own and run by pytest in a child
process with the plugin loaded as an installed xrsim loads it (its entry point) or, in a source
tree, with ``-p xrsim.lab.pytest_plugin``. Each must pass with exactly its tests; a broken copy
of the netmiko example must fail (the harness can fail); the releases example runs under
``pytest -n 2`` with both xdist workers running tests and no router's state left afterwards.

The page and this file agree on the examples (``EXAMPLES``): a new block without an entry here,
or an entry whose block is gone, fails. The SCEP lab example needs root and ``scepserver``:
without them it skips, or fails under ``XRSIM_REQUIRE_PEERS=1``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import plugin_args

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.timeout(300)

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


@dataclass(frozen=True)
class Example:
    passed: int  # the tests it has
    root: bool = False  # needs root (network namespaces)
    tools: tuple[str, ...] = ()  # programs it needs


EXAMPLES = {
    "test_netmiko.py": Example(2),
    "test_scrapli.py": Example(2, tools=("ssh",)),
    "test_ncclient.py": Example(2),
    "test_releases.py": Example(5),
    "test_expiry.py": Example(1),
    "test_scep_lab.py": Example(1, root=True, tools=("ip", "scepserver")),
}

_BLOCK = re.compile(r"^```(python|yaml)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_NAME = re.compile(r"# ([\w.-]+\.(?:py|yml|yaml))\n")


def blocks() -> dict[str, str]:
    """The page's named blocks: file name -> text."""
    out: dict[str, str] = {}
    for kind, text in _BLOCK.findall(DOC.read_text()):
        m = _NAME.match(text)
        assert m, f"a ```{kind} block of {DOC.name} does not start with '# FILE': {text[:60]!r}"
        assert m[1] not in out, f"two blocks named {m[1]}"
        out[m[1]] = text
    return out


def lay_out(pytester: pytest.Pytester, example: str, text: str | None = None) -> Path:
    """The lab files and the example (``text`` instead of its own) in ``pytester.path``."""
    files = blocks()
    for name, body in files.items():
        if name.endswith((".yml", ".yaml")):
            (pytester.path / name).write_text(body)
    path = pytester.path / example
    path.write_text(files[example] if text is None else text)
    return path


def run(pytester: pytest.Pytester, path: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        *plugin_args(), "-p", "no:cacheprovider", "--timeout=240", *args, str(path), timeout=280
    )


def test_the_page_and_this_harness_name_the_same_examples() -> None:
    assert {n for n in blocks() if n.endswith(".py")} == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_passes(
    pytester: pytest.Pytester, name: str, require_tool: Callable[[str], str]
) -> None:
    example = EXAMPLES[name]
    for tool in example.tools:
        require_tool(tool)
    if example.root and os.geteuid() != 0:
        message = f"{name} needs root (network namespaces)"
        if os.environ.get("XRSIM_REQUIRE_PEERS") == "1":
            pytest.fail(f"{message}; XRSIM_REQUIRE_PEERS=1 requires it")
        pytest.skip(message)
    result = run(pytester, lay_out(pytester, name))
    result.assert_outcomes(passed=example.passed)
    assert result.ret == pytest.ExitCode.OK


def test_a_broken_example_fails(pytester: pytest.Pytester) -> None:
    text = blocks()["test_netmiko.py"]
    broken = text.replace('"RP/0/RP0/CPU0:r1#"', '"RP/0/RP0/CPU0:r2#"')
    assert broken != text
    result = run(pytester, lay_out(pytester, "test_netmiko.py", broken))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_an_example_under_xdist(pytester: pytest.Pytester) -> None:
    """``-n 2``: both workers run tests, each with its own routers (state under its own base
    directory, nothing left there afterwards)."""
    result = run(pytester, lay_out(pytester, "test_releases.py"), "-n", "2", "-v")
    result.assert_outcomes(passed=EXAMPLES["test_releases.py"].passed)
    out = result.stdout.str()
    passed_on = {w for w in ("gw0", "gw1") if re.search(rf"\[{w}\].*PASSED", out)}
    assert passed_on == {"gw0", "gw1"}, out
    bases = list(pytester.path.glob("runpytest-*/popen-gw*"))
    assert {b.name for b in bases} == {"popen-gw0", "popen-gw1"}
    for base in bases:
        assert not [p.name for p in base.iterdir() if p.name.startswith("xr-")], base

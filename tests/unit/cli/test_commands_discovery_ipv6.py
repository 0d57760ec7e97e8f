"""``show ipv6 interface [brief]`` (cli/commands/ipv6.py), ``show lldp ...`` / ``show cdp ...``
(cli/commands/discovery.py), ``dir /all``, and a ``|`` inside double quotes on a piped line,
through a booted router.

The interfaces expected are those ``show interfaces`` prints (the router's own list is the
oracle); the texts are IOS XR's for an interface without IPv6 and a router without LLDP/CDP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xrsim.router import Router


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1")
    yield r
    r.shutdown()


def _body(text: str) -> list[str]:
    """The output lines after the exec timestamp."""
    return text.split("\n", 1)[1].splitlines()


def _interfaces(router: Router) -> list[str]:
    lines = _body(router.cli("show interfaces"))
    return [ln.split()[0] for ln in lines if ln and not ln[0].isspace()]


def test_show_ipv6_interface_lists_every_interface_but_null(router: Router) -> None:
    router.configure(["interface HundredGigE0/0/0/1", " no shutdown", "vrf red"])
    router.configure(["interface HundredGigE0/0/0/2", " vrf red"])
    lines = _body(router.cli("show ipv6 interface"))
    heads = [ln for ln in lines if not ln.startswith(" ")]
    names = [ln.split()[0] for ln in heads]
    assert names == [n for n in _interfaces(router) if not n.startswith("Null")]
    assert len(lines) == 3 * len(heads)
    by_name = dict(zip(names, heads, strict=True))
    assert by_name["MgmtEth0/RP0/CPU0/0"] == (
        "MgmtEth0/RP0/CPU0/0 is Up, ipv6 protocol is Down, Vrfid is default (0x60000000)"
    )
    assert by_name["HundredGigE0/0/0/1"].startswith("HundredGigE0/0/0/1 is Up,")
    # A line-card port is shut down at first boot.
    assert by_name["HundredGigE0/0/0/3"].startswith("HundredGigE0/0/0/3 is Shutdown,")
    assert by_name["HundredGigE0/0/0/2"].endswith("Vrfid is red (0x60000001)")
    i = lines.index(by_name["MgmtEth0/RP0/CPU0/0"])
    assert lines[i + 1 : i + 3] == [
        "  IPv6 is disabled, link-local address unassigned",
        "  No global unicast address is configured",
    ]


def test_show_ipv6_interface_brief(router: Router) -> None:
    lines = _body(router.cli("show ipv6 interface brief"))
    assert lines[0] == "MgmtEth0/RP0/CPU0/0    [Up/Down]"
    assert lines[1] == "    unassigned"
    assert "HundredGigE0/0/0/0     [Shutdown/Down]" in lines
    assert len(lines) == 2 * (len(_interfaces(router)) - 1)


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("show lldp", "% LLDP is not enabled"),
        ("show lldp traffic", "% LLDP is not enabled"),
        ("show lldp entry r2", "% LLDP is not enabled"),
        ("show cdp", "% CDP is not enabled"),
        ("show cdp interface Hu0/0/0/0", "% CDP is not enabled"),
        ("sh cdp traf", "% CDP is not enabled"),
    ],
)
def test_lldp_and_cdp_are_not_enabled(router: Router, command: str, answer: str) -> None:
    assert _body(router.cli(command)) == [answer]


def test_show_lldp_bad_word_is_invalid_input(router: Router) -> None:
    out = router.cli("show lldp bogus")
    assert "% Invalid input detected at '^' marker." in out
    assert "LLDP is not enabled" not in out


def test_dir_all_lists_as_dir(router: Router) -> None:
    # The last line is the real disk's total and free space, which other processes change.
    plain = _body(router.cli("dir harddisk:"))
    assert "kbytes free" in plain[-1]
    assert _body(router.cli("dir /all harddisk:"))[:-1] == plain[:-1]
    assert _body(router.cli("dir /all"))[:-1] == plain[:-1]
    assert "Directory of harddisk:" in plain


def test_pipe_inside_quotes_stays_in_its_segment(router: Router) -> None:
    # The quoted "|" does not start a new pipe: the line is one include of a pattern.
    out = router.cli('show running-config | include "hostname|nothing"')
    assert "% Invalid input" not in out
    unquoted = router.cli("show running-config | include hostname|nothing")
    assert "% Invalid input" in unquoted

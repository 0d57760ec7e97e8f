"""The install family (``xrsim.cli.commands.install``) through a booted router: the show
layouts, install add / activate / deactivate / commit / rollback with IOS XR's messages and
operation IDs, refusals in ``% ...`` form that change nothing, and the ``pkg-mgmt`` task.
Expected values come from ``router.packages``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrsim.cli.messages import NOT_AUTHORIZED
from xrsim.crypto import rpm
from xrsim.integrity.packages import PACKAGES_ROOT
from xrsim.router import Router

STARTED = re.compile(r"^\w{3} \d\d \d\d:\d\d:\d\d Install operation (\d+) started by (\S+):$")


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vendor")


@pytest.fixture
def router(tmp_path: Path, vendor: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Router]:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))
    r = Router.boot("NCS-55A1-24H", tmp_path / "r", "r1")
    yield r
    r.shutdown()


def body(out: str) -> list[str]:
    return out.splitlines()[1:]  # after the timestamp line


def put_rpm(
    router: Router, name: str, nvr: tuple[str, str, str] = ("owner-tool", "1.0", "1")
) -> None:
    n, v, r = nvr
    prefix = f"{PACKAGES_ROOT}/{n}-{v}-{r}"
    data = rpm.build(
        name=n,
        version=v,
        release=r,
        arch="x86_64",
        summary="tool",
        files=[rpm.FileSpec(f"{prefix}/bin/tool", b"#!/bin/sh\n", 0o755)],
        dirs=[rpm.DirSpec(prefix)],
    )
    router.chassis.fs().write_atomic(f"harddisk:/{name}", data)


def test_show_install_active_summary_and_per_node(router: Router) -> None:
    active = router.packages.active()
    lines = body(router.cli("show install active summary"))
    assert lines[0] == "Label : 7.3.1"
    assert lines[2] == f"    Active Packages: {len(active)}"
    assert lines[3] == "        ncs5500-xr-7.3.1 version=7.3.1 [Boot image]"
    assert [ln.strip() for ln in lines[3 : 3 + len(active)]] == [p.label for p in active]
    per_node = body(router.cli("show install active"))
    xr = [n for n in router.chassis.nodes if n.runs_xr]
    assert [ln for ln in per_node if ln.startswith("Node ")] == [
        f"Node {n.name} [{'RP' if n.is_rp else 'LC'}]" for n in xr
    ]
    committed = body(router.cli("show install committed summary"))
    assert committed[2] == f"    Committed Packages: {len(active)}"
    assert body(router.cli("show install inactive summary"))[0] == "    Inactive Packages: 0"


def test_add_activate_commit_deactivate_rollback_on_the_cli(router: Router) -> None:
    put_rpm(router, "owner-tool-1.0-1.x86_64.rpm")
    out = body(router.cli("install add source harddisk: owner-tool-1.0-1.x86_64.rpm"))
    m = STARTED.match(out[0])
    assert m is not None
    assert m.groups() == ("1", "admin")
    assert out[1] == "  install add source harddisk: owner-tool-1.0-1.x86_64.rpm"
    assert out[-1].endswith("Install operation 1 finished successfully")
    assert body(router.cli("show install inactive summary"))[1] == "        owner-tool-1.0-1"

    out = body(router.cli("install activate owner-tool-1.0-1"))
    assert out[-1].endswith("Install operation 2 finished successfully")
    assert any(ln.endswith("    owner-tool-1.0-1") for ln in out)  # the package list
    assert "        owner-tool-1.0-1" in body(router.cli("show install active summary"))
    assert "        owner-tool-1.0-1" not in body(router.cli("show install committed summary"))
    assert body(router.cli("install commit"))[-1].endswith(
        "Install operation 3 finished successfully"
    )
    assert "        owner-tool-1.0-1" in body(router.cli("show install committed summary"))
    assert body(router.cli("install deactivate owner-tool"))[-1].endswith(
        "Install operation 4 finished successfully"
    )
    assert "        owner-tool-1.0-1" not in body(router.cli("show install active summary"))
    assert body(router.cli("install rollback to 3"))[-1].endswith(
        "Install operation 5 finished successfully"
    )
    assert "        owner-tool-1.0-1" in body(router.cli("show install active summary"))

    log = body(router.cli("show install log"))
    ids = [int(m.group(1)) for ln in log if (m := STARTED.match(ln))]
    assert ids == [1, 2, 3, 4, 5]
    assert [ln for ln in log if ln.endswith("Ending operation 5")]
    one = body(router.cli("show install log 2"))
    assert STARTED.match(one[0]).group(1) == "2"  # type: ignore[union-attr]
    assert one[1] == "  install activate owner-tool-1.0-1"
    request = body(router.cli("show install request"))
    assert request[0] == "No install operation in progress"
    assert request[-1] == "The last install operation 5 finished successfully"


def test_show_install_package(router: Router) -> None:
    pkg = router.packages.find("ncs5500-mpls")
    lines = body(router.cli("show install package ncs5500-mpls-2.1.0.0-r731"))
    assert lines[0] == pkg.nvr
    fields = dict(ln.strip().split(" : ", 1) for ln in lines[1:] if " : " in ln)
    fields = {k.strip(): v for k, v in fields.items()}
    assert fields["Name"] == "ncs5500-mpls"
    assert fields["Version"] == "2.1.0.0"
    assert fields["Release"] == "r731"
    assert fields["Architecture"] == "x86_64"
    assert fields["GPG Key ID"] == pkg.gpg_key_id
    assert fields["State"] == "Active"
    assert fields["Files"] == str(sum(1 for f in pkg.files if f.digest))
    listed = [ln.strip() for ln in lines if ln.startswith("        /")]
    assert listed == [f.path for f in pkg.files if f.digest]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("install add source harddisk: nothing.rpm", "% Cannot read harddisk:nothing.rpm"),
        ("install add source tftp://x/ a.rpm", "% Invalid source tftp://x/"),
        (
            "install activate nothing-such",
            "% package nothing-such is not in the install repository",
        ),
        ("install deactivate ncs5500-xr", "% package ncs5500-xr-7.3.1-r731 is the boot image"),
        ("install rollback to 7", "% no install operation 7"),
        ("show install package nothing", "% package nothing is not in the install repository"),
        ("show install log 3", "% no install operation 3"),
    ],
)
def test_refusals_print_an_error_and_change_nothing(
    router: Router, command: str, message: str
) -> None:
    before = router.chassis.store.snapshot()
    out = body(router.cli(command))
    assert out, command
    assert out[0].startswith(message), out
    assert router.chassis.store.snapshot() == before


def test_a_damaged_file_on_harddisk_is_refused(router: Router) -> None:
    router.chassis.fs().write_atomic("harddisk:/junk.rpm", b"\xed\xab\xee\xdb junk")
    before = router.chassis.store.snapshot()
    out = body(router.cli("install add source harddisk: junk.rpm"))
    assert out[0].startswith('% Package "harddisk:/junk.rpm" is invalid')
    assert router.chassis.store.snapshot() == before


def test_pkg_mgmt_read_shows_but_does_not_install(router: Router) -> None:
    router.configure(
        [
            "taskgroup pkg-readers",
            "task read pkg-mgmt",
            "usergroup pkg-readers",
            "taskgroup pkg-readers",
            "username reader",
            "group pkg-readers",
        ]
    )
    put_rpm(router, "t.rpm")
    s = router.session(user="reader")
    assert "Active Packages" in s.handle_line("show install active summary")
    assert "No install operation in progress" in s.handle_line("show install request")
    before = router.chassis.store.snapshot()
    for command in (
        "install add source harddisk: t.rpm",
        "install activate ncs5500-mpls",
        "install commit",
        "install rollback to 1",
    ):
        assert NOT_AUTHORIZED in s.handle_line(command)
    assert router.chassis.store.snapshot() == before

"""xrsim.integrity.packages through a booted router: the platform's packages as real RPMs in
the vendor directory, extracted on every XR node at first boot (and not again at a restart),
install add / activate / deactivate / commit / rollback with their log, the trust rule, and
refusals that change nothing. Expected values come from the RPM headers and hashlib over the
files on disk."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import mounted_tmpfs
from xrsim.crypto import rpm
from xrsim.errors import FileAccessError, InstallError, InvalidPackage, UntrustedPackage
from xrsim.integrity.packages import (
    PACKAGES_ROOT,
    PUBLIC_KEY_FILE,
    SECRET_KEY_FILE,
    Package,
    PackageManager,
    VendorRepository,
    catalog,
    release_tag,
)
from xrsim.platforms import load
from xrsim.router import Router


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vendor")


@pytest.fixture(autouse=True)
def _vendor_env(vendor: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot("ASR-9006", tmp_path / "r1", "r1")
    yield r
    r.shutdown()


def user_rpm(
    name: str = "owner-tool",
    version: str = "1.0",
    release: str = "1",
    *,
    key: rpm.SigningKey | None = None,
    outside: bool = False,
) -> bytes:
    nvr = f"{name}-{version}-{release}"
    prefix = f"{PACKAGES_ROOT}/{nvr}"
    path = "/opt/elsewhere/tool" if outside else f"{prefix}/bin/tool"
    return rpm.build(
        name=name,
        version=version,
        release=release,
        arch="x86_64",
        summary="a user's tool",
        files=[rpm.FileSpec(path, f"#!/bin/sh\necho {nvr}\n".encode(), 0o755)],
        dirs=[] if outside else [rpm.DirSpec(prefix)],
        signing_key=key,
    )


def files_on(router: Router, node: str, pkg: Package) -> dict[str, str]:
    """Node path -> sha256 of every regular file under the package's directory on a node."""
    root = router.packages.nodes_root(node)
    base = root / pkg.prefix.lstrip("/")
    out = {}
    for p in sorted(base.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out["/" + str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def header_files(pkg: Package) -> dict[str, str]:
    return {f.path: f.digest for f in pkg.files if f.digest}


# -- the catalog and the vendor repository ---------------------------------------------------


def test_catalog_names_the_base_image_and_the_profile_packages() -> None:
    platform = load("NCS-55A1-24H")
    defs = catalog(platform, "7.3.1")
    assert [d.nvr for d in defs] == [
        "ncs5500-xr-7.3.1-r731",
        *(f"{p}-r731" for p in platform.packages),
    ]
    assert defs[0].boot
    assert not any(d.boot for d in defs[1:])
    assert release_tag("7.11.2") == "r7112"
    for d in defs:
        dirs, files = d.specs()
        assert 5 <= len(files) <= 15
        assert all(f.path.startswith(d.prefix + "/") for f in files)
        assert all(1024 <= len(f.content) <= 8192 for f in files)
        assert dirs[0].path == d.prefix


def test_vendor_key_and_rpms_are_kept_in_the_vendor_directory(router: Router, vendor: Path) -> None:
    assert stat.S_IMODE((vendor / SECRET_KEY_FILE).stat().st_mode) == 0o600
    public = (vendor / PUBLIC_KEY_FILE).read_text()
    key_id = rpm.key_id_of(public)
    for pkg in router.packages.active():
        assert Path(pkg.rpm_path).parent == vendor / "packages" / "v1"
        assert Path(pkg.rpm_path).name == pkg.filename
        header = rpm.verify(Path(pkg.rpm_path).read_bytes(), [public])
        assert header.key_id == key_id == pkg.gpg_key_id
        assert header.nvr == pkg.nvr


def test_a_second_router_reuses_the_built_rpms(router: Router, tmp_path: Path) -> None:
    stamps = {p.rpm_path: os.stat(p.rpm_path).st_mtime_ns for p in router.packages.active()}
    with Router.boot("ASR-9006", tmp_path / "r2") as other:
        assert {p.rpm_path for p in other.packages.active()} == set(stamps)
    assert {p: os.stat(p).st_mtime_ns for p in stamps} == stamps


def test_processes_booting_at_once_share_one_vendor_key(tmp_path: Path) -> None:
    """Two processes make the vendor directory at the same time: one key, one set of RPMs."""
    vendor = tmp_path / "fresh-vendor"
    script = textwrap.dedent(
        """
        import sys
        from xrsim.router import Router
        with Router.boot("NCS-55A1-24H", sys.argv[1]) as r:
            print(r.packages.active()[0].gpg_key_id)
        """
    )
    env = {**os.environ, "XRSIM_VENDOR_DIR": str(vendor)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / f"s{i}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    outs = [p.communicate(timeout=100) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    ids = {o[0].strip() for o in outs}
    assert ids == {rpm.key_id_of((vendor / PUBLIC_KEY_FILE).read_text())}


# -- first boot, restart ---------------------------------------------------------------------


def test_first_boot_extracts_every_active_package_on_every_xr_node(router: Router) -> None:
    pm = router.packages
    platform = router.chassis.platform
    assert [p.nvr for p in pm.active()] == [d.nvr for d in catalog(platform, "7.3.1")]
    assert pm.committed() == pm.active()
    assert pm.inactive() == []
    xr_nodes = [n.name for n in router.chassis.nodes if n.runs_xr]
    assert pm.xr_nodes() == xr_nodes
    assert len(xr_nodes) == 4
    for node in xr_nodes:
        assert pm.extracted(node) == {p.nvr for p in pm.active()}
        for pkg in pm.active():
            assert files_on(router, node, pkg) == header_files(pkg)
            mode = (pm.nodes_root(node) / pkg.prefix.lstrip("/") / "etc").stat().st_mode
            assert stat.S_IMODE(mode) == 0o755


def test_a_restart_does_not_extract_again(tmp_path: Path) -> None:
    state = tmp_path / "r"
    with Router.boot("ASR-9006", state) as r:
        pkg = r.packages.active()[1]
        target = r.packages.nodes_root("0/0/CPU0") / pkg.prefix.lstrip("/") / "etc"
        changed = next(target.iterdir())
        changed.write_bytes(b"changed on the node")
        records = r.chassis.store.snapshot()["node_packages"]
    with Router.boot("ASR-9006", state) as again:
        assert changed.read_bytes() == b"changed on the node"
        assert again.chassis.store.snapshot()["node_packages"] == records


def test_a_node_without_its_record_gets_the_files_at_the_next_boot(tmp_path: Path) -> None:
    state = tmp_path / "r"
    with Router.boot("ASR-9006", state) as r:
        pkg = r.packages.active()[2]
        r.chassis.store.delete_node_packages([("0/1/CPU0", pkg.nvr)])
        gone = r.packages.nodes_root("0/1/CPU0") / pkg.prefix.lstrip("/")
        for p in sorted(gone.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() else p.unlink()
    with Router.boot("ASR-9006", state) as again:
        assert files_on(again, "0/1/CPU0", pkg) == header_files(pkg)
        assert pkg.nvr in again.packages.extracted("0/1/CPU0")


# -- operations ------------------------------------------------------------------------------


def test_add_activate_commit_and_their_log(router: Router) -> None:
    pm = router.packages
    calls: list[list[str]] = []
    pm.subscribe(lambda: calls.append([p.nvr for p in pm.active()]))
    added = pm.add([("harddisk:/owner-tool-1.0-1.x86_64.rpm", user_rpm())], user="lab")
    tool = pm.find("owner-tool")
    assert [p.nvr for p in pm.inactive()] == ["owner-tool-1.0-1"]
    assert tool.gpg_key_id == ""
    assert tool.source == "harddisk:/owner-tool-1.0-1.x86_64.rpm"
    assert Path(tool.rpm_path).read_bytes() == user_rpm()
    assert calls == []  # adding does not change the active set
    for node in pm.xr_nodes():
        assert files_on(router, node, tool) == {}

    activated = pm.activate(["owner-tool-1.0-1"], user="lab")
    assert calls == [[*(p.nvr for p in pm.committed()), "owner-tool-1.0-1"]]
    for node in pm.xr_nodes():
        assert files_on(router, node, tool) == header_files(tool)
    assert tool.nvr not in {p.nvr for p in pm.committed()}
    committed = pm.commit(user="lab")
    assert pm.committed() == pm.active()
    assert [r.id for r in pm.log()] == [added.id, activated.id, committed.id] == [1, 2, 3]
    assert [r.operation for r in pm.log()] == ["add", "activate", "commit"]
    assert activated.packages == ("owner-tool-1.0-1",)
    assert activated.active[-1] == "owner-tool-1.0-1"
    assert activated.user == "lab"
    assert committed.committed == committed.active

    pm.deactivate(["owner-tool"])
    for node in pm.xr_nodes():
        assert not (pm.nodes_root(node) / tool.prefix.lstrip("/")).exists()
        assert tool.nvr not in pm.extracted(node)
    assert len(calls) == 2
    pm.rollback(committed.id)
    assert "owner-tool-1.0-1" in {p.nvr for p in pm.active()}
    assert files_on(router, "0/RSP1/CPU0", tool) == header_files(tool)
    assert pm.log()[-1].operation == "rollback"
    assert len(calls) == 3


def test_activating_another_version_replaces_the_active_one(router: Router) -> None:
    pm = router.packages
    pm.add(
        [("harddisk:a.rpm", user_rpm(version="1.0")), ("harddisk:b.rpm", user_rpm(version="2.0"))]
    )
    pm.activate(["owner-tool-1.0-1"])
    pm.activate(["owner-tool-2.0-1"])
    active = [p.nvr for p in pm.active()]
    assert "owner-tool-2.0-1" in active
    assert "owner-tool-1.0-1" not in active
    old, new = pm.find("owner-tool-1.0-1"), pm.find("owner-tool-2.0-1")
    root = pm.nodes_root("0/RSP0/CPU0")
    assert not (root / old.prefix.lstrip("/")).exists()
    assert files_on(router, "0/RSP0/CPU0", new) == header_files(new)


def test_vendor_signed_packages_are_trusted(router: Router, vendor: Path) -> None:
    key = VendorRepository.open(vendor).key
    router.packages.add([("harddisk:x.rpm", user_rpm("asr9k-extra", key=key))])
    assert router.packages.find("asr9k-extra").gpg_key_id == key.key_id


def test_a_power_on_boots_the_committed_software(tmp_path: Path) -> None:
    state = tmp_path / "r"
    with Router.boot("ASR-9006", state) as r:
        r.packages.add([("harddisk:t.rpm", user_rpm())])
        r.packages.activate(["owner-tool"])
        tool = r.packages.find("owner-tool")
        where = r.packages.nodes_root("0/RSP0/CPU0") / tool.prefix.lstrip("/")
        assert where.is_dir()
    with Router.boot("ASR-9006", state) as again:
        pm = again.packages
        assert pm.active() == pm.committed()
        assert [p.nvr for p in pm.inactive()] == ["owner-tool-1.0-1"]
        assert not where.exists()
        assert [r.operation for r in pm.log()] == ["add", "activate"]


# -- refusals change nothing -----------------------------------------------------------------


@pytest.fixture(scope="module")
def stranger() -> rpm.SigningKey:
    return rpm.generate_signing_key("a stranger <s@example.invalid>")


def _refusals(stranger: rpm.SigningKey) -> list[tuple[bytes, type[Exception]]]:
    damaged = bytearray(user_rpm())
    damaged[-30] ^= 0xFF
    return [
        (user_rpm("asr9k-tool"), UntrustedPackage),  # unsigned, not an owner RPM
        (user_rpm("asr9k-tool", key=stranger), UntrustedPackage),  # another key
        (bytes(damaged), InvalidPackage),
        (b"not an rpm", InvalidPackage),
        (user_rpm(outside=True), InvalidPackage),  # files outside its directory
    ]


def test_refused_packages_change_nothing(router: Router, stranger: rpm.SigningKey) -> None:
    pm = router.packages
    before = router.chassis.store.snapshot()
    repo = router.chassis.state_dir / "install_repo"
    for data, error in _refusals(stranger):
        with pytest.raises(error):
            pm.add([("harddisk:good.rpm", user_rpm()), ("harddisk:x.rpm", data)])
    assert router.chassis.store.snapshot() == before
    assert pm.inactive() == []
    assert pm.log() == []
    assert not repo.exists() or list(repo.iterdir()) == []


def test_operations_that_cannot_be_done(router: Router) -> None:
    pm = router.packages
    pm.add([("harddisk:t.rpm", user_rpm())])
    before = router.chassis.store.snapshot()
    base = pm.active()[0]
    cases = [
        lambda: pm.add([("harddisk:again.rpm", user_rpm())]),  # already added
        lambda: pm.activate(["nothing-such"]),
        lambda: pm.activate([base.nvr]),  # already active
        lambda: pm.deactivate(["owner-tool"]),  # not active
        lambda: pm.deactivate([base.nvr]),  # the boot image
        lambda: pm.rollback(99),
    ]
    for case in cases:
        with pytest.raises(InstallError):
            case()
    assert router.chassis.store.snapshot() == before


def test_manager_of_a_reopened_store(tmp_path: Path) -> None:
    with Router.boot("NCS-55A1-24H", tmp_path / "r") as r:
        r.packages.add([("harddisk:t.rpm", user_rpm())])
        first = (r.packages.packages(), r.packages.log())
    with Router.boot("NCS-55A1-24H", tmp_path / "r") as again:
        assert (again.packages.packages(), again.packages.log()) == first
        assert isinstance(again.packages, PackageManager)


# -- a real fault: the node filesystem fills up during an activation -------------------------


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 32 MiB tmpfs (root and mount(8) needed: skipped otherwise, failed under
    XRSIM_REQUIRE_PEERS=1)."""
    with mounted_tmpfs(tmp_path / "mnt", "32m") as point:
        yield point


def test_a_full_disk_during_activation_changes_nothing(small_tmpfs: Path) -> None:
    big = rpm.build(
        name="owner-big",
        version="1",
        release="1",
        arch="x86_64",
        summary="big",
        files=[
            rpm.FileSpec(f"{PACKAGES_ROOT}/owner-big-1-1/lib/blob{i}", os.urandom(1 << 20))
            for i in range(3)
        ],
        dirs=[rpm.DirSpec(f"{PACKAGES_ROOT}/owner-big-1-1")],
    )
    with Router.boot("ASR-9006", small_tmpfs / "state") as r:
        pm = r.packages
        pm.add([("harddisk:big.rpm", big)])
        # Leave room for about one node's copy: the second node's extraction fails.
        filler = small_tmpfs / "filler"
        free = os.statvfs(small_tmpfs).f_bavail * os.statvfs(small_tmpfs).f_frsize
        filler.write_bytes(b"\0" * max(free - (4 << 20), 0))
        before = (r.chassis.store.snapshot(), [p.nvr for p in pm.active()], pm.log())
        with pytest.raises(FileAccessError):  # no space left on the device
            pm.activate(["owner-big"])
        assert (r.chassis.store.snapshot(), [p.nvr for p in pm.active()], pm.log()) == before
        for node in pm.xr_nodes():
            assert not (pm.nodes_root(node) / f"{PACKAGES_ROOT}/owner-big-1-1".lstrip("/")).exists()
        filler.unlink()
        pm.activate(["owner-big"])  # with room again it goes through
        assert "owner-big-1-1" in {p.nvr for p in pm.active()}

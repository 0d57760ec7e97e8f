"""Debian's rpm 4.18 judges xrsim's packages, and packages rpmbuild makes go through xrsim.

- ``rpm -K`` accepts every platform package with the vendor key imported into a scratch
  database (``--dbpath``) and refuses a tampered copy, as xrsim does.
- ``rpm -qp --qf '[%{FILEDIGESTS}  %{FILENAMES}\\n]'`` gives the digests xrsim reads and the
  files xrsim extracted on the nodes.
- ``rpm --root R -i --nodeps`` installs a package and ``rpm --root R -V --nodeps`` finds every
  file as the header says.
- A user's package built with ``rpmbuild`` (``AutoReqProv: no``) goes through ``install add
  source harddisk:``, ``install activate`` and ``install commit`` on the CLI; an unsigned
  package that is not an owner RPM is refused with nothing changed.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from xrsim.crypto import rpm
from xrsim.errors import InvalidPackage
from xrsim.integrity.packages import PUBLIC_KEY_FILE, Package
from xrsim.router import Router

pytestmark = pytest.mark.peer

TIMEOUT = 60


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vendor")


@pytest.fixture(autouse=True)
def _vendor_env(vendor: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(vendor))


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = Router.boot("NCS-55A1-24H", tmp_path / "r1", "r1")
    yield r
    r.shutdown()


@pytest.fixture(scope="module")
def rpm_cmd(require_tool: Callable[[str], str]) -> str:
    return require_tool("rpm")


def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    if check:
        assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture
def keyring(rpm_cmd: str, vendor: Path, tmp_path: Path, router: Router) -> Path:
    """A scratch rpm database holding the vendor key (the router made it)."""
    db = tmp_path / "rpmdb"
    db.mkdir()
    run(rpm_cmd, "--dbpath", db, "--initdb")
    run(rpm_cmd, "--dbpath", db, "--import", vendor / PUBLIC_KEY_FILE)
    return db


def test_rpm_checks_every_platform_package(rpm_cmd: str, keyring: Path, router: Router) -> None:
    for pkg in router.packages.active():
        done = run(rpm_cmd, "--dbpath", keyring, "-Kv", pkg.rpm_path)
        assert f"key ID {pkg.gpg_key_id[-8:]}: OK" in done.stdout, done.stdout
        assert "NOKEY" not in done.stdout + done.stderr
        assert done.stdout.splitlines()[0].endswith(":")
        assert (
            run(rpm_cmd, "--dbpath", keyring, "-K", pkg.rpm_path)
            .stdout.strip()
            .endswith("digests signatures OK")
        )


def test_rpm_reads_the_digests_xrsim_reads_and_extracted(rpm_cmd: str, router: Router) -> None:
    for pkg in router.packages.active():
        done = run(
            rpm_cmd, "-qp", "--nosignature", "--qf", "[%{FILEDIGESTS}  %{FILENAMES}\\n]",
            pkg.rpm_path,
        )  # fmt: skip
        theirs = [tuple(line.split("  ", 1)) for line in done.stdout.splitlines()]
        ours = [(f.digest, f.path) for f in pkg.files]
        assert sorted(theirs) == sorted(ours)
        algo = run(rpm_cmd, "-qp", "--nosignature", "--qf", "%{FILEDIGESTALGO}", pkg.rpm_path)
        assert algo.stdout == "8"
        for node in router.packages.xr_nodes():
            root = router.packages.nodes_root(node)
            for digest, path in theirs:
                if digest:
                    content = (root / path.lstrip("/")).read_bytes()
                    assert hashlib.sha256(content).hexdigest() == digest


def test_rpm_installs_and_verifies_a_package(rpm_cmd: str, router: Router, tmp_path: Path) -> None:
    pkg = router.packages.find("ncs5500-mgbl")
    root = tmp_path / "rpmroot"
    root.mkdir()
    run(rpm_cmd, "--root", root, "--initdb")
    run(rpm_cmd, "--root", root, "--import", router.packages.repository.public_key_path)
    run(rpm_cmd, "--root", root, "-i", "--nodeps", pkg.rpm_path)
    verified = run(rpm_cmd, "--root", root, "-V", "--nodeps", pkg.name)
    assert verified.stdout == ""
    for f in pkg.files:
        if f.digest:
            real = root / f.path.lstrip("/")
            assert hashlib.sha256(real.read_bytes()).hexdigest() == f.digest
    # A file changed after installation is what rpm -V reports.
    changed = next(f for f in pkg.files if f.digest)
    (root / changed.path.lstrip("/")).write_bytes(b"tampered")
    report = run(rpm_cmd, "--root", root, "-V", "--nodeps", pkg.name, check=False)
    assert report.returncode != 0
    assert changed.path in report.stdout


def _tampered(pkg: Package, tmp_path: Path) -> Path:
    data = bytearray(Path(pkg.rpm_path).read_bytes())
    data[-64] ^= 0x01  # inside the gzip payload
    out = tmp_path / Path(pkg.rpm_path).name
    out.write_bytes(bytes(data))
    return out


def test_a_tampered_package_is_refused_by_rpm_and_by_xrsim(
    rpm_cmd: str, keyring: Path, router: Router, tmp_path: Path
) -> None:
    pkg = router.packages.find("ncs5500-k9sec")
    bad = _tampered(pkg, tmp_path)
    assert run(rpm_cmd, "--dbpath", keyring, "-K", bad, check=False).returncode != 0
    with pytest.raises(InvalidPackage):
        rpm.verify(bad.read_bytes(), router.packages.public_keys())
    harddisk = router.chassis.fs().resolve("harddisk:")
    harddisk.mkdir(parents=True, exist_ok=True)
    (harddisk / "bad.rpm").write_bytes(bad.read_bytes())
    before = router.chassis.store.snapshot()
    out = router.cli("install add source harddisk: bad.rpm")
    assert '% Package "harddisk:/bad.rpm" is invalid' in out
    assert router.chassis.store.snapshot() == before


SPEC = """\
Name:           {name}
Version:        1.0
Release:        1
Summary:        A user's tool, built with rpmbuild
License:        MIT
BuildArch:      x86_64
AutoReqProv:    no
%define debug_package %{{nil}}
%define _build_id_links none
%define prefix /opt/cisco/XR/packages/%{{name}}-%{{version}}-%{{release}}

%description
A user's tool for xrsim's install tests.

%install
mkdir -p %{{buildroot}}%{{prefix}}/bin %{{buildroot}}%{{prefix}}/etc
printf '#!/bin/sh\\necho hello from %{{name}}\\n' > %{{buildroot}}%{{prefix}}/bin/hello
chmod 0755 %{{buildroot}}%{{prefix}}/bin/hello
printf 'greeting = hello\\n' > %{{buildroot}}%{{prefix}}/etc/hello.conf

%files
%dir %{{prefix}}
%{{prefix}}/bin/hello
%config %{{prefix}}/etc/hello.conf
"""


def rpmbuild(require_tool: Callable[[str], str], top: Path, name: str) -> Path:
    tool = require_tool("rpmbuild")
    spec = top / f"{name}.spec"
    top.mkdir(parents=True, exist_ok=True)
    spec.write_text(SPEC.format(name=name))
    run(tool, "--define", f"_topdir {top}", "-bb", spec)
    (built,) = (top / "RPMS" / "x86_64").glob(f"{name}-1.0-1.x86_64.rpm")
    return built


def test_a_users_rpmbuild_package_through_install_add_activate_commit(
    require_tool: Callable[[str], str], rpm_cmd: str, router: Router, tmp_path: Path
) -> None:
    built = rpmbuild(require_tool, tmp_path / "build", "owner-hello")
    harddisk = router.chassis.fs().resolve("harddisk:")
    harddisk.mkdir(parents=True, exist_ok=True)
    (harddisk / built.name).write_bytes(built.read_bytes())

    out = router.cli(f"install add source harddisk: {built.name}")
    assert "Install operation 1 started by admin:" in out
    assert f"install add source harddisk: {built.name}" in out
    assert "Install operation 1 finished successfully" in out
    assert "owner-hello-1.0-1" in router.cli("show install inactive summary")

    out = router.cli("install activate owner-hello-1.0-1")
    assert "Install operation 2 finished successfully" in out
    summary = router.cli("show install active summary")
    assert "        owner-hello-1.0-1" in summary.splitlines()
    assert "owner-hello-1.0-1" not in router.cli("show install committed summary")
    out = router.cli("install commit")
    assert "Install operation 3 finished successfully" in out
    assert "owner-hello-1.0-1" in router.cli("show install committed summary")

    # What rpm says the package holds is on every XR node.
    listing = run(
        rpm_cmd, "-qp", "--nosignature", "--qf", "[%{FILEDIGESTS}  %{FILENAMES}\\n]", built
    )  # fmt: skip
    files = [line.split("  ", 1) for line in listing.stdout.splitlines()]
    regular = [(d, p) for d, p in files if d]
    assert len(regular) == 2
    for node in router.packages.xr_nodes():
        root = router.packages.nodes_root(node)
        for digest, path in regular:
            assert hashlib.sha256((root / path.lstrip("/")).read_bytes()).hexdigest() == digest
    shown = router.cli("show install package owner-hello")
    assert "GPG Key ID   : (unsigned)" in shown
    assert "/opt/cisco/XR/packages/owner-hello-1.0-1/bin/hello" in shown
    log = router.cli("show install log")
    assert [ln for ln in log.splitlines() if "finished successfully" in ln][-1].endswith(
        "Install operation 3 finished successfully"
    )


def test_an_unsigned_package_that_is_not_an_owner_rpm_is_refused(
    require_tool: Callable[[str], str], router: Router, tmp_path: Path
) -> None:
    built = rpmbuild(require_tool, tmp_path / "build", "ncs5500-hello")
    harddisk = router.chassis.fs().resolve("harddisk:")
    harddisk.mkdir(parents=True, exist_ok=True)
    (harddisk / built.name).write_bytes(built.read_bytes())
    before = router.chassis.store.snapshot()
    out = router.cli(f"install add source harddisk: {built.name}")
    assert "% Package signature verification failed:" in out
    assert "is not signed" in out
    assert router.chassis.store.snapshot() == before
    assert "Install operation" not in out

"""``Cisco-IOS-XR-spirit-install-instmgr-oper`` over NETCONF with ncclient (as IOS XR users call
it: ``device_params={"name": "iosxr"}``, default settings): the seed's
``install/packages/active/summary`` shape with subtree filters, every fingerprint checked
against an independent hashlib computation over the node's files; a file of one package
tampered on the node's disk shows, after regeneration, as that package's run-time fingerprint
differing from its install-time one, and the KGV check names it; a user without read
``pkg-mgmt`` gets nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree
from ncclient.manager import Manager

from support import netconf_sessions
from xrsim.chassis.sudi import ROOT_CERT, VendorCA
from xrsim.clock import SimClock
from xrsim.integrity import kgv
from xrsim.integrity.packages import Package
from xrsim.router import Router

pytestmark = pytest.mark.timeout(90)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
INST = "http://cisco.com/ns/yang/Cisco-IOS-XR-spirit-install-instmgr-oper"
NS = {"nc": NC, "i": INST}
USERS = {"admin": "admin", "viewer": "viewer-pw"}
START = datetime(2020, 6, 15, 15, 58, 22, tzinfo=UTC)

SUMMARY_FILTER = (
    f'<install xmlns="{INST}"><packages><active><summary/></active></packages></install>'
)


def hashlib_fingerprint(root: Path, prefix: str) -> str:
    """docs/formats.md's rule over the regular files under ``prefix`` on the node, with
    hashlib and pathlib only."""
    records = []
    for path in (root / prefix.lstrip("/")).rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        node_path = "/" + path.relative_to(root).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        records.append(node_path.encode() + b"\0" + digest.encode() + b"\n")
    return hashlib.sha1(b"".join(sorted(records))).hexdigest()


def header_fingerprint(package: Package) -> str:
    records = sorted(
        f.path.encode() + b"\0" + f.digest.encode() + b"\n" for f in package.files if f.digest
    )
    return hashlib.sha1(b"".join(records)).hexdigest()


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1", clock=SimClock(START, frozen=True))
    r.configure(["netconf-yang agent", "ssh"])
    yield r
    r.shutdown()


@pytest.fixture
def connect(router: Router) -> Iterator[Callable[..., Manager]]:
    with netconf_sessions(router, USERS) as make:
        yield make


def summary_of(m: Manager) -> etree._Element:
    root = etree.fromstring(str(m.get(filter=("subtree", SUMMARY_FILTER))).encode())
    install = root.find("nc:data/i:install", NS)
    assert install is not None
    packages = install.find("i:packages", NS)
    assert packages is not None
    # the filter selected the summary only: no per-node table, no committed set
    assert [etree.QName(c).localname for c in packages] == ["active"]
    active = packages.find("i:active", NS)
    assert active is not None
    assert [etree.QName(c).localname for c in active] == ["summary"]
    summary = active.find("i:summary", NS)
    assert summary is not None
    return summary


def fingerprints_of(summary: etree._Element) -> dict[str, tuple[str, str]]:
    """NVR -> (install-time, run-time) as the reply gives them."""
    out = {}
    for p in summary.findall("i:package", NS):
        nvr = "-".join(
            p.findtext(f"i:{leaf}", namespaces=NS) or "" for leaf in ("name", "version", "release")
        )
        out[nvr] = (
            p.findtext("i:rpm-fingerprint/i:rpm-fingerprint-install-time", namespaces=NS) or "",
            p.findtext("i:rpm-fingerprint/i:rpm-fingerprint-run-time", namespaces=NS) or "",
        )
    return out


def test_summary_shape_and_values_before_and_after_a_generation(
    router: Router, connect: Callable[..., Manager]
) -> None:
    m = connect()
    packages = router.packages.active()
    root = router.packages.nodes_root(router.chassis.active_rp.name)

    before = summary_of(m)
    assert before.findtext("i:rpm-fingerprint-status", namespaces=NS) == "generation-in-progress"
    assert before.find("i:rpm-fingerprint-timestamp", NS) is None
    assert fingerprints_of(before) == {p.nvr: (header_fingerprint(p), "0") for p in packages}

    router.advance(30)  # the generation due since boot runs on the scheduler, at its due time
    summary = summary_of(m)
    assert summary.findtext("i:rpm-fingerprint-status", namespaces=NS) == "generation-up-to-date"
    # the router clock's time it ran at (the boot), in the seed's format
    assert (
        summary.findtext("i:rpm-fingerprint-timestamp", namespaces=NS) == "Mon Jun 15 15:58:22 2020"
    )
    assert [etree.QName(c).localname for c in summary][:2] == [
        "rpm-fingerprint-status",
        "rpm-fingerprint-timestamp",
    ]
    for p, el in zip(packages, summary.findall("i:package", NS), strict=True):
        assert [etree.QName(c).localname for c in el][:5] == [
            "name",
            "version",
            "release",
            "gpg-key-id",
            "rpm-fingerprint",
        ]
        assert el.findtext("i:gpg-key-id", namespaces=NS) == (p.gpg_key_id or "0")
    expected = {
        p.nvr: (header_fingerprint(p), hashlib_fingerprint(root, p.prefix)) for p in packages
    }
    assert fingerprints_of(summary) == expected
    assert all(install == run for install, run in expected.values())


def test_nodes_table_and_a_content_match_filter(
    router: Router, connect: Callable[..., Manager]
) -> None:
    router.fingerprints.regenerate()
    m = connect()
    first = router.packages.active()[0]
    flt = (
        f'<install xmlns="{INST}"><packages><active><nodes><node><node/>'
        f"<package><name>{first.name}</name></package></node></nodes></active></packages>"
        "</install>"
    )
    root = etree.fromstring(str(m.get(filter=("subtree", flt))).encode())
    nodes = root.findall("nc:data/i:install/i:packages/i:active/i:nodes/i:node", NS)
    xr = [n.name for n in router.chassis.nodes if n.runs_xr]
    assert [n.findtext("i:node", namespaces=NS) for n in nodes] == xr
    for node in nodes:
        (pkg,) = node.findall("i:package", NS)  # only the package the content match named
        assert pkg.findtext("i:name", namespaces=NS) == first.name
        node_root = router.packages.nodes_root(node.findtext("i:node", namespaces=NS) or "")
        assert pkg.findtext(
            "i:rpm-fingerprint/i:rpm-fingerprint-run-time", namespaces=NS
        ) == hashlib_fingerprint(node_root, first.prefix)


def test_a_tampered_file_is_a_mismatch_of_that_package_and_the_kgv_names_it(
    router: Router,
    connect: Callable[..., Manager],
    tmp_path: Path,
) -> None:
    vendor = tmp_path / "vendor"
    VendorCA.open(vendor)
    packages = router.packages.active()
    signed = kgv.make(
        packages,
        platform=router.chassis.platform.pid,
        family=router.chassis.platform.family,
        release=str(router.chassis.release),
        created=router.clock.now(),
        vendor_dir=vendor,
    )
    kgv.write(tmp_path / "kgv.json", signed)
    known = kgv.load(
        tmp_path / "kgv.json",
        root=x509.load_pem_x509_certificate((vendor / ROOT_CERT).read_bytes()),
    )
    router.fingerprints.regenerate()
    assert all(c.ok for c in known.check_report(router.fingerprints.report()))

    victim = packages[len(packages) // 2]
    node_root = router.packages.nodes_root(router.chassis.active_rp.name)
    target = node_root / next(f.path for f in victim.files if f.digest).lstrip("/")
    with target.open("ab") as f:  # a real write to the file on the node's filesystem
        f.write(b"\n# implant\n")

    m = connect()
    stale = fingerprints_of(summary_of(m))
    assert stale[victim.nvr][0] == stale[victim.nvr][1]  # not regenerated yet

    router.advance(router.fingerprints.period)  # the periodic generation
    now = fingerprints_of(summary_of(m))
    mismatched = {nvr for nvr, (install, run) in now.items() if install != run}
    assert mismatched == {victim.nvr}
    assert now[victim.nvr] == (
        header_fingerprint(victim),
        hashlib_fingerprint(node_root, victim.prefix),
    )
    checks = known.check_report(router.fingerprints.report())
    assert [(c.nvr, c.install, c.run) for c in checks if not c.ok] == [
        (victim.nvr, kgv.Verdict.MATCH, kgv.Verdict.MISMATCH)
    ]


def test_a_user_without_pkg_mgmt_gets_nothing(
    router: Router, connect: Callable[..., Manager]
) -> None:
    router.configure(
        [
            "taskgroup nc-view",
            "task read crypto",
            "usergroup nc-viewers",
            "taskgroup nc-view",
            "username viewer",
            "group nc-viewers",
        ]
    )
    reply = etree.fromstring(
        str(connect("viewer").get(filter=("subtree", SUMMARY_FILTER))).encode()
    )
    assert reply.find("nc:data/i:install", NS) is None
    reply = etree.fromstring(str(connect().get(filter=("subtree", SUMMARY_FILTER))).encode())
    assert reply.find("nc:data/i:install", NS) is not None

"""The integrity rows of the ratio table (tree-small, tree-large, ima-100k), at small sizes:
both contenders of a row compute the same answer, and that answer is right."""

from __future__ import annotations

import hashlib
import os

import pytest

from xrsim.bench import workloads
from xrsim.bench.workloads import TREE_PREFIX, bench_tree, hashlib_ima, hashlib_tree_fingerprint
from xrsim.crypto import ima, tree

SMALL = {
    w.id: w
    for w in workloads(tree_bytes=1 << 20, tree_files=300, ima_events=700)
    if w.suite == "integrity"
}


def test_integrity_rows_and_their_targets() -> None:
    assert list(SMALL) == ["tree-small", "tree-large", "ima-100k"]
    targets = {w.id: [(t.versus, t.min_ratio) for t in w.targets] for w in SMALL.values()}
    assert targets == {
        "tree-small": [("hashlib", 2.0)],
        "tree-large": [("hashlib", 1.7)],
        "ima-100k": [("hashlib", 10.0)],
    }
    assert SMALL["tree-small"].items == 300
    assert SMALL["ima-100k"].items == 700


@pytest.mark.parametrize("wid", ["tree-small", "tree-large", "ima-100k"])
def test_contenders_agree(wid: str) -> None:
    answers = []
    for c in SMALL[wid].contenders:
        job = c.setup()
        try:
            answers.append(job.run())
        finally:
            job.close()
    assert len(answers) == 2
    assert answers[0] == answers[1]


def test_trees_hold_what_the_rows_say() -> None:
    small = bench_tree("small", 300 * 4096, 300)
    scan = tree.scan(small, TREE_PREFIX)
    assert len(scan.files) == 300
    assert {os.path.getsize(small / p.lstrip("/")) for p in scan.files} == {4096}
    large = bench_tree("large", 1 << 20, 16)
    sizes = [os.path.getsize(large / p.lstrip("/")) for p in tree.scan(large, TREE_PREFIX).files]
    assert len(sizes) == 16
    assert sum(sizes) == 1 << 20
    assert bench_tree("small", 300 * 4096, 300) == small  # written once per process


def test_python_contenders_follow_the_formats() -> None:
    events = [(f"/bin/f {i}", hashlib.sha256(bytes([i])).digest()) for i in range(50)]
    log = ima.ImaLog()
    log.append_many(events)
    assert hashlib_ima(events) == log.pcrs()
    root = bench_tree("small", 300 * 4096, 300)
    assert hashlib_tree_fingerprint(root, TREE_PREFIX) == tree.scan(root, TREE_PREFIX).fingerprint

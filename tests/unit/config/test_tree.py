"""xrsim.config.tree: items by key, rendering, sections, diffs and change sets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from xrsim.cli import default_registry
from xrsim.config.tree import Change, ConfigTree, Parsed, PathItem
from xrsim.pki.trustpoint import TP


def item(key: str, line: str | None = None, order: int = 0) -> PathItem:
    """A path item ranked ``order`` (what the command registry's parse would say)."""
    return PathItem(key, line or key, Parsed(syntax=key, order=order))


def test_set_replaces_by_key_and_renders_in_schema_order() -> None:
    t = ConfigTree()
    t.apply(Change("set", (item("domain name", "domain name a.com", 2),)))
    t.apply(Change("set", (item("hostname", "hostname r1", 1),)))
    t.apply(Change("set", (item("hostname", "hostname r2", 1),)))
    tp = item("crypto ca trustpoint tp", order=3)
    t.apply(Change("set", (tp, item("enrollment url", "enrollment url self", 4))))
    t.apply(Change("set", (tp, item("rsakeypair", "rsakeypair k", 5))))
    assert t.lines() == [
        "hostname r2",
        "domain name a.com",
        "crypto ca trustpoint tp",
        " enrollment url self",
        " rsakeypair k",
        "!",
    ]
    assert t.section(["crypto", "ca"]).lines()[0] == "crypto ca trustpoint tp"
    t.apply(Change("delete", (tp, item("rsakeypair"))))
    assert " rsakeypair k" not in t.lines()
    t.apply(Change("delete", (tp,)))
    assert t.lines() == ["hostname r2", "domain name a.com"]


def test_diff_marks_added_and_removed() -> None:
    a = ConfigTree()
    a.apply(Change("set", (item("hostname", "hostname r1"),)))
    b = a.copy()
    b.apply(Change("set", (item("hostname", "hostname r2"),)))
    b.apply(Change("set", (item("x", "x", 1), item("y", "y", 2))))
    # IOS XR's gutter: ``<-``/``+>`` a changed line, ``+`` a new one, the ``!`` unmarked.
    assert a.diff_lines(b) == ["<- hostname r1", "+> hostname r2", "+  x", "+   y", "   !"]


def test_data_round_trip() -> None:
    t = ConfigTree()
    t.apply(Change("set", (item("a", "a 1", 1), item("b", "b 2", 2))))
    assert ConfigTree.from_data(t.to_data()) == t
    c = Change("set", (item("a", "a 1", 1),))
    assert Change.from_data(c.to_data()) == c


_keys = st.sampled_from(["a", "b", "c", "d"])
_paths = st.lists(st.tuples(_keys, st.sampled_from(["1", "2"])), min_size=1, max_size=3)
_changes = st.lists(st.tuples(st.sampled_from(["set", "delete"]), _paths), max_size=12)


def _tree(ops: list) -> ConfigTree:
    t = ConfigTree()
    for op, path in ops:
        t.apply(Change(op, tuple(item(k, f"{k} {v}", ord(k)) for k, v in path)))
    return t


@settings(max_examples=200, deadline=None)
@given(_changes, _changes)
def test_changes_to_turns_one_tree_into_the_other(ops_a: list, ops_b: list) -> None:
    a, b = _tree(ops_a), _tree(ops_b)
    moved = a.copy()
    moved.apply_all(a.changes_to(b))
    assert moved == b


# -- stored data: keys and lines only, parsed again with the schema -----------------------

STORED = [
    # Old data carried each command's registry index ("order"); it is ignored.
    {"key": "ssh server v2", "line": "ssh server v2", "order": 0},
    {
        "key": "crypto ca trustpoint tp",
        "line": "crypto ca trustpoint tp",
        "order": 1,
        "children": [
            {"key": "rsakeypair", "line": "rsakeypair k", "order": 2},
            {"key": "enrollment", "line": "enrollment terminal", "order": 3},
            {"key": "enrollment retry period", "line": "enrollment retry period 7"},
        ],
    },
    {"key": "hostname", "line": "hostname r1", "order": 99},
]


def test_stored_tree_without_order_loads_in_schema_order() -> None:
    tree = ConfigTree.from_data(STORED, default_registry())
    assert tree.lines() == [
        "hostname r1",
        "crypto ca trustpoint tp",
        " enrollment terminal",
        " enrollment retry period 7",
        " rsakeypair k",
        "!",
        "ssh server v2",
    ]
    period = tree.get(["crypto ca trustpoint tp", "enrollment retry period"])
    assert period is not None
    assert period.args == {"minutes": 7}
    assert period.syntax == TP.RETRY_PERIOD
    # What is stored again is only keys, lines and children.
    data = tree.to_data()
    assert all(set(d) <= {"key", "line", "children"} for d in data)
    assert ConfigTree.from_data(data, default_registry()).lines() == tree.lines()


def test_stored_changes_are_parsed_again_in_their_submode() -> None:
    old = {"op": "set", "path": [["crypto ca trustpoint tp", "crypto ca trustpoint tp", 5],
                                 ["keypair", "keypair rsa k", 6]]}  # fmt: skip
    change = Change.from_data(old, default_registry())
    assert [p.syntax for p in change.path] == [TP.TRUSTPOINT, TP.KEYPAIR]
    assert change.path[1].args == {"kind": "rsa", "label": "k"}
    assert change.to_data()["path"] == [
        ["crypto ca trustpoint tp", "crypto ca trustpoint tp"],
        ["keypair", "keypair rsa k"],
    ]


def test_unknown_stored_lines_are_kept_and_sorted_last() -> None:
    stored = [
        {"key": "banner motd", "line": "banner motd hello"},
        {"key": "hostname", "line": "hostname r1"},
        {
            "key": "crypto ca trustpoint tp",
            "line": "crypto ca trustpoint tp",
            "children": [
                {"key": "auto-enroll", "line": "auto-enroll 80"},
                {"key": "rsakeypair", "line": "rsakeypair k"},
            ],
        },
    ]
    tree = ConfigTree.from_data(stored, default_registry())
    assert tree.lines() == [
        "hostname r1",
        "crypto ca trustpoint tp",
        " rsakeypair k",
        " auto-enroll 80",
        "!",
        "banner motd hello",
    ]
    banner = tree.get(["banner motd"])
    assert banner is not None
    assert not banner.parsed.known
    assert tree.to_data()[0] == {"key": "banner motd", "line": "banner motd hello"}
    # Without a schema every line is unknown, and the tree still loads and renders.
    assert sorted(ConfigTree.from_data(stored).lines()) == sorted(tree.lines())

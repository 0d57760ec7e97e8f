"""xrsim.aaa.readable: the one filter of configuration views, on trees the registry parsed."""

from __future__ import annotations

from xrsim.aaa import BUILTIN_GROUPS, all_grants, may_read, readable_changes, readable_tree
from xrsim.aaa.readable import EVERY_TASK_READ
from xrsim.cli import default_registry
from xrsim.config.tree import Change, ConfigTree

#: A stored configuration: one item per task family, and lines no command parses.
DATA = [
    {"key": "hostname", "line": "hostname r1"},
    {"key": "domain name", "line": "domain name lab.example"},
    {
        "key": "username bob",
        "line": "username bob",
        "children": [
            {"key": "group", "line": "group g"},
            {"key": "secret", "line": "secret 10 $6$salt$hash"},
        ],
    },
    {"key": "feature gone", "line": "feature gone 1"},
    {
        "key": "line default",
        "line": "line default",
        "children": [{"key": "old knob", "line": "old knob 5"}],
    },
]


def _tree() -> ConfigTree:
    return ConfigTree.from_data(DATA, default_registry())


def test_items_are_shown_by_read_on_their_commands_task() -> None:
    tree = _tree()
    grants = all_grants(("root-lr", "ip-services"), ("read",))
    shown = readable_tree(tree, grants)
    assert shown.lines() == ["hostname r1", "domain name lab.example"]
    # the input is not changed
    assert tree.lines() == _tree().lines()


def test_aaa_read_shows_users_with_their_secrets() -> None:
    grants = all_grants(("aaa",), ("read",))
    assert readable_tree(_tree(), grants).lines() == [
        "username bob",
        " group g",
        " secret 10 $6$salt$hash",
        "!",
    ]


def test_unparsed_lines_need_read_on_every_task() -> None:
    tty = all_grants(("tty-access",), ("read",))
    assert readable_tree(_tree(), tty).lines() == ["line default", "!"]
    assert readable_tree(_tree(), BUILTIN_GROUPS["root-system"]).lines() == _tree().lines()
    assert "feature gone 1" in readable_tree(_tree(), EVERY_TASK_READ).lines()


def test_changes_are_filtered_by_their_top_level_item() -> None:
    tree = _tree()
    paths = {tuple(p.key for p in path): path for path, _ in tree.leaves()}
    changes = [
        Change("set", paths[("username bob", "secret")]),
        Change("delete", paths[("hostname",)]),
        Change("set", paths[("line default", "old knob")]),
    ]
    root_lr = all_grants(("root-lr", "tty-access"), ("read",))
    assert readable_changes(changes, root_lr) == [changes[1]]
    assert readable_changes(changes, all_grants(("aaa",), ("read",))) == [changes[0]]
    assert may_read(EVERY_TASK_READ, changes[2].path)
    # write alone does not make an item readable
    assert not may_read(all_grants(("aaa",), ("write",)), changes[0].path)

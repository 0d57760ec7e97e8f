"""xrsim.aaa: task grants and ``authorize``, the built-in groups, task/user group resolution
with inheritance (and cycles), ``show user tasks`` formatting, and type 10 secrets
(SHA-512-crypt checked against the specification's vectors and OpenSSL)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xrsim.aaa import (
    BUILTIN_GROUPS,
    DEFAULT_TASKS,
    MAX_SECRET_LENGTH,
    PERMISSIONS,
    TASK_IDS,
    AaaConfig,
    SecretError,
    SecretTooLong,
    all_grants,
    authorize,
    format_tasks,
    hash_secret,
    secret_line,
    verify_secret,
)
from xrsim.cli import default_registry
from xrsim.config.tree import ConfigTree

SEED_TASKS = frozenset(
    {
        ("read", "sysmgr"),
        ("read", "system"),
        ("read", "pkg-mgmt"),
        ("read", "basic-services"),
        ("read", "config-services"),
        ("execute", "dossier"),
        ("execute", "basic-services"),
    }
)


def tree(blocks: dict[str, list[str]]) -> ConfigTree:
    """A configuration tree of top-level blocks and their lines, as stored data loads (each
    line parsed by the command registry: readers take its typed arguments)."""
    data = [
        {"key": head, "line": head, "children": [{"key": ln, "line": ln} for ln in lines]}
        for head, lines in blocks.items()
    ]
    return ConfigTree.from_data(data, default_registry())


def seed_tree() -> ConfigTree:
    return tree(
        {
            "taskgroup alltasks-dossier": [f"task {p} {t}" for p, t in sorted(SEED_TASKS)],
            "usergroup dossier-group": ["taskgroup alltasks-dossier"],
            "username dossier-user": ["group dossier-group"],
        }
    )


# -- authorize ----------------------------------------------------------------------------


def test_authorize_any_one_grant_suffices() -> None:
    have = frozenset({("read", "crypto")})
    assert authorize(have, [("execute", "crypto"), ("read", "crypto")])
    assert not authorize(have, [("execute", "crypto")])
    assert not authorize(have, [("write", "crypto")])
    assert not authorize(frozenset(), [("read", "basic-services")])


def test_a_command_without_tasks_is_open_to_everyone() -> None:
    assert authorize(frozenset(), ())


@given(
    have=st.frozensets(st.tuples(st.sampled_from(PERMISSIONS), st.sampled_from(TASK_IDS))),
    need=st.lists(st.tuples(st.sampled_from(PERMISSIONS), st.sampled_from(TASK_IDS)), max_size=4),
)
def test_authorize_is_set_membership(
    have: frozenset[tuple[str, str]], need: list[tuple[str, str]]
) -> None:
    assert authorize(have, need) == (not need or bool(have & set(need)))


# -- built-in groups ----------------------------------------------------------------------


def test_builtin_groups_use_only_known_permissions_and_tasks() -> None:
    assert set(BUILTIN_GROUPS) == {
        "root-system",
        "root-lr",
        "netadmin",
        "sysadmin",
        "operator",
        "serviceadmin",
        "cisco-support",
    }
    for grants in BUILTIN_GROUPS.values():
        assert grants
        for perm, task in grants:
            assert perm in PERMISSIONS
            assert task in TASK_IDS


def test_root_system_has_everything_root_lr_all_but_root_system() -> None:
    assert BUILTIN_GROUPS["root-system"] == all_grants(TASK_IDS)
    root_lr = BUILTIN_GROUPS["root-lr"]
    assert ("execute", "root-lr") in root_lr
    assert ("write", "aaa") in root_lr
    assert not any(t == "root-system" for _, t in root_lr)
    assert all_grants(TASK_IDS) == DEFAULT_TASKS


def test_netadmin_sysadmin_operator_serviceadmin_cisco_support() -> None:
    net = BUILTIN_GROUPS["netadmin"]
    assert ("write", "crypto") in net
    assert ("execute", "crypto") in net
    assert ("write", "config-services") in net
    assert ("read", "aaa") in net
    assert ("write", "aaa") not in net
    assert ("execute", "root-lr") not in net
    assert not any(t in ("root-system", "admin", "cisco-support") for _, t in net)

    sysadmin = BUILTIN_GROUPS["sysadmin"]
    assert ("write", "aaa") in sysadmin
    assert ("execute", "filesystem") in sysadmin
    assert ("read", "bgp") in sysadmin
    assert ("write", "bgp") not in sysadmin

    op = BUILTIN_GROUPS["operator"]
    assert ("read", "basic-services") in op
    assert ("write", "config-services") not in op
    assert ("execute", "crypto") not in op
    assert all(p == "read" for p, t in op if t not in ("basic-services", "ext-access"))

    assert {t for _, t in BUILTIN_GROUPS["serviceadmin"]} == {"cgn", "firewall", "sbc"}
    assert BUILTIN_GROUPS["cisco-support"] == all_grants(["cisco-support"])


# -- resolution ---------------------------------------------------------------------------


def test_seed_configuration_resolves_to_the_seed_tasks() -> None:
    cfg = AaaConfig.from_tree(seed_tree())
    assert cfg.taskgroups["alltasks-dossier"].grants == SEED_TASKS
    assert cfg.usergroups["dossier-group"].taskgroups == ["alltasks-dossier"]
    assert cfg.user_groups("dossier-user") == ["dossier-group"]
    assert cfg.user_tasks("dossier-user") == SEED_TASKS
    assert cfg.user_tasks("nobody") is None
    assert cfg.user_groups("nobody") is None


def test_taskgroup_inheritance_is_transitive_and_cycles_end() -> None:
    cfg = AaaConfig.from_tree(
        tree(
            {
                "taskgroup a": ["task read bgp", "inherit taskgroup b"],
                "taskgroup b": ["task write ospf", "inherit taskgroup c"],
                "taskgroup c": ["task debug isis", "inherit taskgroup a"],
                "usergroup g": ["taskgroup a"],
                "username u": ["group g"],
            }
        )
    )
    assert cfg.user_tasks("u") == frozenset({("read", "bgp"), ("write", "ospf"), ("debug", "isis")})
    assert cfg.taskgroup_grants("c") == cfg.taskgroup_grants("a")


def test_usergroup_inheritance_and_builtin_groups() -> None:
    cfg = AaaConfig.from_tree(
        tree(
            {
                "taskgroup mine": ["task execute dossier", "inherit taskgroup operator"],
                "usergroup base": ["taskgroup mine"],
                "usergroup top": ["inherit usergroup base", "inherit usergroup top"],
                "usergroup ops": ["taskgroup netadmin", "description network operators"],
                "username u": ["group top"],
                "username n": ["group ops", "group cisco-support"],
                "username r": ["group root-lr"],
                "username lost": ["group no-such-group"],
            }
        )
    )
    assert cfg.user_tasks("u") == frozenset({("execute", "dossier")}) | BUILTIN_GROUPS["operator"]
    assert cfg.usergroups["ops"].description == "network operators"
    assert cfg.user_tasks("n") == BUILTIN_GROUPS["netadmin"] | BUILTIN_GROUPS["cisco-support"]
    assert cfg.user_tasks("r") == BUILTIN_GROUPS["root-lr"]
    assert cfg.user_tasks("lost") == frozenset()


@given(
    st.dictionaries(
        st.sampled_from(["g0", "g1", "g2", "g3"]),
        st.tuples(
            st.frozensets(st.tuples(st.sampled_from(PERMISSIONS), st.sampled_from(TASK_IDS))),
            st.lists(st.sampled_from(["g0", "g1", "g2", "g3"]), max_size=3),
        ),
        min_size=1,
    )
)
def test_taskgroup_grants_are_the_union_over_reachable_groups(
    groups: dict[str, tuple[frozenset[tuple[str, str]], list[str]]],
) -> None:
    blocks = {
        f"taskgroup {name}": [f"task {p} {t}" for p, t in grants]
        + [f"inherit taskgroup {i}" for i in inherits]
        for name, (grants, inherits) in groups.items()
    }
    cfg = AaaConfig.from_tree(tree(blocks))
    for start in groups:
        reach, todo = set(), [start]
        while todo:
            g = todo.pop()
            if g in reach or g not in groups:
                continue
            reach.add(g)
            todo.extend(groups[g][1])
        expected = frozenset().union(*(groups[g][0] for g in reach))
        assert cfg.taskgroup_grants(start) == expected


def test_format_tasks_columns() -> None:
    lines = format_tasks(SEED_TASKS)
    assert lines == [
        "Task:       basic-services  : READ             EXECUTE",
        "Task:      config-services  : READ",
        "Task:              dossier  :                  EXECUTE",
        "Task:             pkg-mgmt  : READ",
        "Task:               sysmgr  : READ",
        "Task:               system  : READ",
    ]
    full = format_tasks(all_grants(["aaa"]))
    assert full == ["Task:                  aaa  : READ    WRITE    EXECUTE    DEBUG"]


# -- secrets ------------------------------------------------------------------------------


#: Drepper's SHA-512-crypt specification vectors (the second with 10000 rounds and its salt
#: cut to 16 characters).
SPEC_VECTORS = (
    (
        "Hello world!",
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdc"
        "bYEdFCoEOfaS35inz1",
    ),
    (
        "Hello world!",
        "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/Urj"
        "mM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
    ),
)


def test_sha512_crypt_specification_vectors() -> None:
    for password, stored in SPEC_VECTORS:
        assert verify_secret(password, stored)
        assert not verify_secret(password + " ", stored)
        # One character of the checksum changed: no match.
        flipped = stored[:-1] + ("a" if stored[-1] != "a" else "b")
        assert not verify_secret(password, flipped)


@pytest.mark.peer
def test_hash_secret_is_what_openssl_computes(require_tool: Callable[[str], str]) -> None:
    openssl = require_tool("openssl")
    password = "c0mpl3x pass wörd with a long tail to cross the 64-byte block boundary!"
    stored = hash_secret(password)
    salt = stored.split("$")[2]
    out = subprocess.run(
        [openssl, "passwd", "-6", "-salt", salt, "-stdin"],
        input=password.encode(),
        capture_output=True,
        check=True,
    )
    assert out.stdout.decode().strip() == stored


def test_hash_secret_is_salted_and_verifies() -> None:
    a, b = hash_secret("lab"), hash_secret("lab")
    assert a != b
    assert a.startswith("$6$")
    assert len(a.split("$")[2]) == 16
    assert verify_secret("lab", a)
    assert verify_secret("lab", b)
    assert not verify_secret("lab2", a)
    assert not verify_secret("lab", "lab")
    assert not verify_secret("lab", "$1$abc$def")
    # More rounds than a login may cost: refused without hashing (the checksum is a dummy).
    assert not verify_secret("lab", "$6$rounds=999999999$salt$" + "a" * 86)


def test_secret_line_forms() -> None:
    assert secret_line("cisco").startswith("secret 10 $6$")
    assert verify_secret("cisco", secret_line("cisco").split()[2])
    assert verify_secret("two words", secret_line("0 two words").split()[2])
    stored = hash_secret("x")
    assert secret_line(f"10 {stored}") == f"secret 10 {stored}"
    for bad in ("", "   ", "10 notahash", f"10 {stored[:-1]}"):
        with pytest.raises(SecretError):
            secret_line(bad)


def test_a_secret_longer_than_ios_xr_takes_is_refused_before_hashing() -> None:
    assert MAX_SECRET_LENGTH == 253
    longest = "p" * MAX_SECRET_LENGTH
    stored = hash_secret(longest)
    assert verify_secret(longest, stored)
    for typed in ("p" * 254, "0 " + "p" * 254):
        with pytest.raises(SecretTooLong):
            secret_line(typed)
    with pytest.raises(SecretTooLong):
        hash_secret("p" * 254)
    # At login: a plain mismatch, whatever follows the first 253 characters.
    assert not verify_secret(longest + "p", stored)
    assert not verify_secret("p" * (48 * 1024), stored)
    # A NUL cannot be hashed by SHA-512-crypt: refused at configuration, a mismatch at login.
    with pytest.raises(SecretError):
        secret_line("a\0b")
    assert not verify_secret("a\0b", stored)

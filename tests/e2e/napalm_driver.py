"""Drives a router's NETCONF server with NAPALM's ``iosxr_netconf`` driver, default settings.

Run by tests/e2e/test_napalm.py with the Python of ``.venv-napalm`` (``make napalm-venv``):
NAPALM pins an ncclient that ``.venv`` does not have, so this file imports nothing from xrsim
or the tests.

    python napalm_driver.py HOST PORT USER PASSWORD SCENARIO [--file PATH]

Prints one JSON object per line, one per operation: ``step`` and ``result`` (what NAPALM
returned), or ``raised`` (the exception's type name) and ``message`` for an operation the
scenario expects to fail, or ``error`` for one that raised unexpectedly (then the script exits
with status 1). At a step named ``checkpoint...`` it waits for a line on standard input, so the
test can look at the router meanwhile. The last line is ``{"step": "done"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from napalm import get_network_driver
from napalm.base.exceptions import MergeConfigException, ReplaceConfigException

Op = Callable[[Any], Any]
EXPECTED = (MergeConfigException, ReplaceConfigException)

MERGE = "hostname napalm-merged\ndomain name napalm.example\n"


def _checkpoint(_d: Any) -> None:
    """A pause: the step is printed, then the driver waits for a line on standard input."""


def _scenarios(args: argparse.Namespace) -> dict[str, list[tuple[str, Op]]]:
    return {
        "getters": [
            ("facts", lambda d: d.get_facts()),
            ("config", lambda d: d.get_config()),
            ("config-running", lambda d: d.get_config(retrieve="running")),
            ("config-candidate", lambda d: d.get_config(retrieve="candidate")),
            ("users", lambda d: d.get_users()),
            ("interfaces", lambda d: d.get_interfaces()),
            ("snmp", lambda d: d.get_snmp_information()),
        ],
        "merge": [
            ("load", lambda d: d.load_merge_candidate(config=MERGE)),
            ("candidate", lambda d: d.get_config(retrieve="candidate")["candidate"]),
            ("compare", lambda d: d.compare_config()),
            ("checkpoint", _checkpoint),
            ("commit", lambda d: d.commit_config()),
            ("compare-after", lambda d: d.compare_config()),
            ("facts", lambda d: d.get_facts()),
            ("checkpoint-committed", _checkpoint),
            ("rollback", lambda d: d.rollback()),
            ("facts-after-rollback", lambda d: d.get_facts()),
        ],
        "replace": [
            ("running", lambda d: d.get_config(retrieve="running")["running"]),
            (
                "load",
                lambda d: d.load_replace_candidate(
                    config=args.config_text
                    or _replaced(d.get_config(retrieve="running")["running"])
                ),
            ),
            ("compare", lambda d: d.compare_config()),
            ("checkpoint", _checkpoint),
            ("commit", lambda d: d.commit_config()),
            ("running-after", lambda d: d.get_config(retrieve="running")["running"]),
        ],
        "replace-file": [
            ("load", lambda d: d.load_replace_candidate(filename=args.file)),
            ("compare", lambda d: d.compare_config()),
            ("commit", lambda d: d.commit_config()),
            ("running-after", lambda d: d.get_config(retrieve="running")["running"]),
        ],
        "merge-file-discard": [
            ("load", lambda d: d.load_merge_candidate(filename=args.file)),
            ("compare", lambda d: d.compare_config()),
            ("checkpoint", _checkpoint),
            ("discard", lambda d: d.discard_config()),
            ("compare-after", lambda d: d.compare_config()),
            ("candidate", lambda d: d.get_config(retrieve="candidate")["candidate"]),
        ],
        "bad": [
            ("load-bad", lambda d: d.load_merge_candidate(config="hostname ok\nthis is bogus\n")),
            ("candidate", lambda d: d.get_config(retrieve="candidate")["candidate"]),
            ("discard", lambda d: d.discard_config()),
        ],
    }


def _replaced(running: str) -> str:
    """The running configuration with its hostname changed and its ``domain name`` line left
    out (a replace must remove it)."""
    out = []
    for line in running.splitlines():
        if line.startswith("domain name "):
            continue
        out.append("hostname napalm-replaced" if line.startswith("hostname ") else line)
    return "\n".join(out) + "\n"


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, default=str), flush=True)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("scenario")
    p.add_argument("--file")
    p.add_argument("--config-text")
    args = p.parse_args()
    driver = get_network_driver("iosxr_netconf")(
        args.host, args.user, args.password, optional_args={"port": args.port}
    )
    steps = [("open", lambda d: d.open()), *_scenarios(args)[args.scenario]]
    steps.append(("close", lambda d: d.close()))
    for name, op in steps:
        if op is _checkpoint:
            _emit({"step": name})
            sys.stdin.readline()
            continue
        try:
            result = op(driver)
        except EXPECTED as e:
            _emit({"step": name, "raised": type(e).__name__, "message": str(e)})
            continue
        except Exception as e:  # anything else is a failure of the router
            _emit({"step": name, "error": f"{type(e).__name__}: {e}"})
            return 1
        _emit({"step": name, "result": result})
    _emit({"step": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main())

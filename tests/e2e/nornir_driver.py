"""Runs Nornir tasks against a router: nornir-napalm (``napalm_get``), nornir-netmiko
(``netmiko_send_command``, ``netmiko_send_config`` then ``netmiko_commit``: IOS XR commits
only on ``commit``) and nornir-scrapli (``send_command``), each
with its plugin's defaults, over a SimpleInventory the test wrote (hosts.yaml, groups.yaml,
defaults.yaml in INVENTORY_DIR).

Run by tests/e2e/test_nornir.py with the Python of ``.venv-napalm``; imports nothing from
xrsim or the tests.

    python nornir_driver.py INVENTORY_DIR

Prints one JSON object per line, one per task: ``step``, ``failed`` and ``result`` (the host's
result), or ``error`` for a task that raised. The last line is ``{"step": "done"}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nornir import InitNornir
from nornir_napalm.plugins.tasks import napalm_get
from nornir_netmiko.tasks import netmiko_commit, netmiko_send_command, netmiko_send_config
from nornir_scrapli.tasks import send_command

HOST = "xr1"


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, default=str), flush=True)


def main() -> int:
    inventory = Path(sys.argv[1])
    nr = InitNornir(
        runner={"plugin": "serial"},
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(inventory / "hosts.yaml"),
                "group_file": str(inventory / "groups.yaml"),
                "defaults_file": str(inventory / "defaults.yaml"),
            },
        },
        logging={"enabled": False},
    )
    tasks: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
        ("napalm-get", napalm_get, {"getters": ["facts", "users", "config"]}),
        ("netmiko-show-version", netmiko_send_command, {"command_string": "show version"}),
        (
            "netmiko-config",
            netmiko_send_config,
            {"config_commands": ["domain name nornir.example"]},
        ),
        ("netmiko-commit", netmiko_commit, {}),
        ("scrapli-show", send_command, {"command": "show running-config domain name"}),
    ]
    for name, task, kwargs in tasks:
        try:
            result = nr.run(task=task, **kwargs)
        except Exception as e:
            _emit({"step": name, "error": f"{type(e).__name__}: {e}"})
            return 1
        host = result[HOST]
        exc = host[0].exception
        record = {"step": name, "failed": host.failed, "result": host[0].result}
        if exc is not None:
            record["error"] = f"{type(exc).__name__}: {exc}"
        _emit(record)
    nr.close_connections()
    _emit({"step": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main())

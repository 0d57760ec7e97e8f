"""pyATS, Unicon and Genie against one router, run by the Python of ``.venv-pyats``.

tests/e2e/test_pyats.py writes a testbed YAML and runs this script; it prints one JSON line
per step (``{"step": NAME, ...}``; ``"error"`` with the exception's type and text when pyATS
raised), so the test reads each operation's result and checks it against the router.

    python pyats_driver.py TESTBED parsers          # Genie's iosxr show commands (no arguments)
    python pyats_driver.py TESTBED session CMDS...  # connect, execute, configure, parse CMDS,
                                                    # learn('platform'), disconnect

``session`` connects with pyATS's defaults (only ``log_stdout`` off): Unicon's plugin for the
device's ``os`` and ``platform`` runs its own connect sequence (its init exec and config
commands, the spitfire plugin's checks) exactly as for a user.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEVICE = "router"


def emit(step: str, **fields: Any) -> None:
    print(json.dumps({"step": step, **fields}, default=str), flush=True)


def attempt(step: str, action: Callable[[], dict[str, Any]]) -> bool:
    """Run one operation; its fields, or its exception, as one JSON line."""
    try:
        fields = action()
    except Exception as exc:  # the test reports what pyATS raised
        emit(
            step,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc()[-4000:],
        )
        return False
    emit(step, **fields)
    return True


def parsers() -> None:
    import genie.libs.parser

    # Genie's parser index: each command with the OS folders that have a parser for it.
    index = Path(genie.libs.parser.__file__).with_name("parsers.json")
    data = json.loads(index.read_text())
    commands = sorted(
        command
        for command, entry in data.items()
        if isinstance(entry, dict) and "{" not in command and "iosxr" in entry.get("folders", {})
    )
    emit("parsers", commands=commands)


def session(testbed_file: str, commands: list[str]) -> int:
    from genie.testbed import load

    testbed = load(testbed_file)
    device = testbed.devices[DEVICE]
    if not attempt("connect", lambda: _connect(device)):
        return 1
    attempt("execute", lambda: {"output": device.execute("show version")})
    attempt(
        "configure",
        lambda: {"output": device.configure(["domain name x.example"])},
    )
    for command in commands:
        attempt(f"parse:{command}", lambda c=command: {"parsed": device.parse(c)})
    attempt("learn", lambda: _learn(device))
    attempt("disconnect", lambda: _disconnect(device))
    emit("done")
    return 0


def _connect(device: Any) -> dict[str, Any]:
    device.connect(log_stdout=False)
    return {
        "connected": device.is_connected(),
        "state": device.state_machine.current_state,
        "plugin": type(device.default).__module__,
    }


def _learn(device: Any) -> dict[str, Any]:
    learned = device.learn("platform")
    return {
        "attributes": {
            name: getattr(learned, name)
            for name in (
                "chassis",
                "chassis_sn",
                "rtr_type",
                "os",
                "version",
                "image",
                "installed_packages",
                "config_register",
                "main_mem",
                "dir",
                "redundancy_mode",
                "redundancy_communication",
                "swstack",
                "slot",
                "virtual_device",
            )
            if hasattr(learned, name)
        }
    }


def _disconnect(device: Any) -> dict[str, Any]:
    device.disconnect()
    return {"connected": device.is_connected()}


def netmiko_genie(port: str, username: str, password: str, commands: list[str]) -> int:
    """netmiko ``cisco_xr`` with its defaults, ``send_command(..., use_genie=True)`` of each
    command: one JSON line each (netmiko returns the raw text when Genie cannot parse it)."""
    from netmiko import ConnectHandler

    conn = ConnectHandler(
        device_type="cisco_xr", host="127.0.0.1", port=int(port), username=username,
        password=password,
    )  # fmt: skip
    try:
        for command in commands:
            attempt(
                f"genie:{command}",
                lambda c=command: {"parsed": conn.send_command(c, use_genie=True)},
            )
    finally:
        conn.disconnect()
    return 0


def main() -> int:
    testbed_file, scenario, *rest = sys.argv[1:]
    if scenario == "parsers":
        parsers()
        return 0
    if scenario == "netmiko":
        port, username, password, *commands = rest
        return netmiko_genie(port, username, password, commands)
    return session(testbed_file, rest)


if __name__ == "__main__":
    sys.exit(main())

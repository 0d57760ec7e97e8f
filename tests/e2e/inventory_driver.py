"""Reads an inventory ``xrsim inventory`` wrote and drives every device in it, as a user's
script would, with the tool's defaults. Run by tests/e2e/test_inventories.py with the Python
of the tool's venv; imports nothing from xrsim or the tests.

    python inventory_driver.py nornir HOSTS_FILE   # .venv-napalm: InitNornir(SimpleInventory),
                                                   # netmiko_send_command, scrapli send_command,
                                                   # napalm_get facts
    python inventory_driver.py pyats TESTBED       # .venv-pyats: pyats.topology.loader.load,
                                                   # connect() + execute('show version')

Prints one JSON object per line (``{"step": ..., ...}``; ``error`` when the tool raised); the
last is ``{"step": "done"}``. Other lines (pyATS's logs) are the tool's own.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any


def emit(step: str, **fields: Any) -> None:
    print(json.dumps({"step": step, **fields}, default=str), flush=True)


def nornir(host_file: str) -> None:
    from nornir import InitNornir
    from nornir_napalm.plugins.tasks import napalm_get
    from nornir_netmiko.tasks import netmiko_send_command
    from nornir_scrapli.tasks import send_command

    nr = InitNornir(
        inventory={"plugin": "SimpleInventory", "options": {"host_file": host_file}},
        logging={"enabled": False},
    )
    emit("hosts", hosts=sorted(nr.inventory.hosts))
    tasks = [
        ("netmiko", netmiko_send_command, {"command_string": "show version"}),
        ("scrapli", send_command, {"command": "show version"}),
    ]
    for name, task, kwargs in tasks:
        result = nr.run(task=task, **kwargs)
        for host, multi in result.items():
            record: dict[str, Any] = {"host": host, "failed": multi.failed}
            record["result"] = str(multi[0].result)
            if multi[0].exception is not None:
                record["exception"] = f"{type(multi[0].exception).__name__}: {multi[0].exception}"
            emit(f"{name}:{host}", **record)
    # napalm: the hosts with a NETCONF port (the others have no napalm options).
    with_netconf = nr.filter(filter_func=lambda h: "napalm" in h.connection_options)
    result = with_netconf.run(task=napalm_get, getters=["facts"])
    for host, multi in result.items():
        record = {"host": host, "failed": multi.failed, "result": multi[0].result}
        if multi[0].exception is not None:
            record["exception"] = f"{type(multi[0].exception).__name__}: {multi[0].exception}"
        emit(f"napalm:{host}", **record)
    nr.close_connections()


def pyats(testbed_file: str) -> None:
    from pyats.topology.loader import load

    testbed = load(testbed_file)
    emit("devices", devices=sorted(testbed.devices))
    for name, device in testbed.devices.items():
        try:
            device.connect()
            output = device.execute("show version")
            device.disconnect()
        except Exception as exc:  # the test reports what pyATS raised
            emit(
                f"device:{name}",
                error=f"{type(exc).__name__}: {exc}",
                traceback=traceback.format_exc()[-3000:],
            )
            continue
        emit(f"device:{name}", output=output)


def main() -> int:
    tool, path = sys.argv[1], sys.argv[2]
    {"nornir": nornir, "pyats": pyats}[tool](path)
    emit("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())

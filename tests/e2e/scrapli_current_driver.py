"""Drives a router's SSH shell with the current scrapli (libscrapli's ``scrapli.Cli``).

Run by tests/e2e/test_scrapli_current.py with the Python of ``.venv-scrapli`` (``make
scrapli-venv``), never with ``.venv``'s: scrapli-cfg there needs the classic scrapli, and both
are the package ``scrapli``. So this file imports nothing from xrsim or the tests.

    python scrapli_current_driver.py HOST PORT USER PASSWORD SCENARIO [--transport bin|ssh2]
        [--timeout SECONDS] [--record FILE]

Prints one JSON object per line, one for each operation of the scenario: ``step`` (its name),
``inputs``, ``results`` (and ``result``, them joined), ``failed`` and ``failed_indicator``
(what libscrapli saw), or ``error`` when the operation raised (then the script exits with
status 1). At a step named ``checkpoint`` it waits for a line on standard input, so the test
can look at the router in the middle of the session. The last line is ``{"step": "done"}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from typing import Any

from scrapli import AuthOptions, Cli, SessionOptions, TransportBinOptions, TransportSsh2Options
from scrapli.cli_result import Result

CONFIG = "configuration"
EXEC = "privileged_exec"

Step = tuple[str, Callable[[Cli], Result | None]]


def _configs(lines: list[str], *, stop: bool = True) -> Callable[[Cli], Result]:
    """scrapli 2026's ``send_configs``: inputs sent in the ``configuration`` mode."""
    return lambda c: c.send_inputs(lines, requested_mode=CONFIG, stop_on_indicated_failure=stop)


def _config(line: str) -> Callable[[Cli], Result]:
    return lambda c: c.send_input(line, requested_mode=CONFIG)


def _exec(line: str) -> Callable[[Cli], Result]:
    return lambda c: c.send_input(line, requested_mode=EXEC)


def _abort(c: Cli) -> Result:
    """``abort``: the candidate is discarded and the shell is back in exec mode. libscrapli
    keeps the mode it last entered and trusts it when asked for that same mode again, so it is
    told with ``enter_mode``, which reads the prompt (real IOS XR's ``abort`` leaves the mode
    the same way)."""
    result = c.send_input("abort", requested_mode=CONFIG)
    c.enter_mode(EXEC)
    return result


def _prompt(c: Cli) -> Result:
    return c.get_prompt()


def _checkpoint(c: Cli) -> None:
    return None


SCENARIOS: dict[str, list[Step]] = {
    "show": [
        ("prompt", _prompt),
        ("show-version", lambda c: c.send_input("show version")),
        ("show-bogus", lambda c: c.send_input("show bogus")),
    ],
    "configs": [
        (
            "configs",
            _configs(
                [
                    "domain name current.example",
                    "ssh server rate-limit 100",
                    "username alice",
                    "group operator",
                    "exit",
                    "hostname xr-current",
                ]
            ),
        ),
        ("checkpoint", _checkpoint),
        ("commit", _config("commit")),
        ("prompt-after-commit", _prompt),
        ("show-domain", _exec("show running-config domain")),
        ("prompt-exec", _prompt),
    ],
    "stop_on_failed": [
        (
            "configs",
            _configs(["domain name half.example", "this is not a command", "hostname never"]),
        ),
        ("prompt-after-failure", _prompt),
        ("show-candidate", _config("show configuration")),
        ("checkpoint", _checkpoint),
        ("abort", _abort),
        ("prompt-after-abort", _prompt),
        ("commit-nothing", _configs(["commit"])),
    ],
    "abort": [
        ("configs", _configs(["domain name aborted.example", "hostname aborted"])),
        ("checkpoint", _checkpoint),
        ("abort", _abort),
        ("prompt-after-abort", _prompt),
        ("commit-nothing", _configs(["commit"])),
        ("show-domain", _exec("show running-config domain")),
    ],
}


def _record(step: str, result: Result) -> dict[str, Any]:
    return {
        "step": step,
        "inputs": result.inputs,
        "results": result.results,
        "result": result.result,
        "failed": result.failed,
        "failed_indicator": result.results_failed_indicator,
    }


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _transport(kind: str) -> TransportBinOptions | TransportSsh2Options:
    if kind == "ssh2":
        return TransportSsh2Options()
    # The OpenSSH client: no user configuration, no known-hosts file, any host key.
    return TransportBinOptions(
        ssh_config_path="/dev/null", known_hosts_path="/dev/null", enable_strict_key=False
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--transport", choices=["bin", "ssh2"], default="ssh2")
    parser.add_argument("--timeout", type=int, default=15, help="seconds per operation")
    parser.add_argument("--record", help="write the session's bytes, as received, to this file")
    args = parser.parse_args()

    cli = Cli(
        args.host,
        port=args.port,
        definition_file_or_name="cisco_iosxr",
        auth_options=AuthOptions(username=args.user, password=args.password),
        session_options=SessionOptions(operation_timeout_s=args.timeout, recorder_path=args.record),
        transport_options=_transport(args.transport),
    )
    steps: list[Step] = [
        ("open", lambda c: c.open()),
        *SCENARIOS[args.scenario],
        ("close", lambda c: c.close()),
    ]
    opened = False
    for name, run in steps:
        try:
            result = run(cli)
        except Exception as exc:  # reported to the test, which fails with it
            _emit({"step": name, "error": f"{type(exc).__name__}: {exc}"})
            if opened:
                with contextlib.suppress(Exception):  # the error above is the one that matters
                    cli.close(force=True)
            return 1
        opened = opened or name == "open"
        if name == "close":
            opened = False
        if result is None:  # a checkpoint: the test looks at the router, then says go on
            _emit({"step": name})
            if not sys.stdin.readline():
                return 1
        else:
            _emit(_record(name, result))
    _emit({"step": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A router in a process of its own, for the durability tests (``test_durability.py``,
``test_state_ownership.py``); not a test module.

    python durability_child.py STATE_DIR ACTION

boots a router on STATE_DIR and does ACTION; ``XRSIM_CRASH_AT`` (read by the state store) may
end the process with status 86 anywhere on the way. Exit status 0: the action was done and the
router shut down; 1: the action did not do what it should (the reason on standard error); 3:
``Router.boot`` raised ``StateError`` (its message on standard output, as ``StateError: ...``).

Actions (the names the tests use):

- ``boot``: boot and shut down (a state directory of an older format is migrated on the way).
- ``commit``: commit ``domain name after.example`` and a ``line template crash`` item together,
  with the label ``after``.
- ``keygen``: ``crypto key generate rsa crash-key`` (1024 bits).
- ``zeroize``: ``crypto key zeroize ecdsa zkey``.
- ``enroll``: ``crypto ca enroll tp1`` (an ``enrollment url self`` trustpoint, its CA already
  authenticated).
- ``clear``: ``clear crypto ca certificates tp2``.
- ``hold``: print ``ready PID`` once booted, then wait until standard input closes.
- ``race``: wait for a line on standard input, then boot: print ``won PID`` and hold as
  ``hold`` does, or print the ``StateError`` and exit 3.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from xrsim.errors import StateError
from xrsim.router import Router

#: What ``commit`` configures (the tests compare against it).
COMMIT_LINES = ("domain name after.example", "line template crash", "exec-timeout 7 0")


def _yes(prompt: str) -> str:
    return "1024" if "modulus" in prompt else "yes"


def _check(ok: bool, what: str, output: str) -> None:
    if not ok:
        print(f"{what} failed:\n{output}", file=sys.stderr)
        raise SystemExit(1)


def _act(router: Router, action: str) -> None:
    if action == "boot":
        return
    if action == "commit":
        out = router.configure(list(COMMIT_LINES), label="after")
        _check("%" not in out, "commit", out)
    elif action == "keygen":
        out = router.cli("crypto key generate rsa crash-key", answers=_yes)
        _check("[OK]" in out, "crypto key generate", out)
    elif action == "zeroize":
        out = router.cli("crypto key zeroize ecdsa zkey", answers=_yes)
        _check(not router.keys.has("ecdsa", "zkey"), "crypto key zeroize", out)
    elif action == "enroll":
        out = router.cli("crypto ca enroll tp1", answers=_yes)
        _check("Router certificate" in router.cli("show crypto ca certificates tp1"), "enroll", out)
    elif action == "clear":
        out = router.cli("clear crypto ca certificates tp2", answers=_yes)
        _check("tp2" not in router.cli("show crypto ca certificates tp2"), "clear", out)
    else:
        raise SystemExit(f"unknown action {action!r}")


def main(state_dir: str, action: str) -> int:
    if action == "race":
        sys.stdin.readline()
    try:
        router = Router.boot(state_dir=Path(state_dir))
    except StateError as e:
        print(f"StateError: {e}", flush=True)
        return 3
    try:
        if action in ("hold", "race"):
            print(f"{'won' if action == 'race' else 'ready'} {os.getpid()}", flush=True)
            sys.stdin.read()
        else:
            _act(router, action)
    finally:
        router.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))

"""Where labs live on this machine and which are up (layer 6): what ``xrsim up`` records and
``xrsim ls``, ``down``, ``console``, ``ssh`` and ``inventory`` read.

- ``home()``: the directory of every lab's directory: ``$XRSIM_HOME/labs`` when
  ``XRSIM_HOME`` is set (tests: each its own), else ``$XDG_STATE_HOME/xrsim/labs``, else
  ``~/.local/state/xrsim/labs``; made mode 0700.
- ``root_of(name)``: a lab's directory, ``home()/NAME`` (``LabError`` for a name that is not a
  lab name).
- ``find(name_or_lab_file)``: the ``LabStatus`` of a lab (its ``lab.json``), by name or by the
  lab file it was started from (the file is read for its ``name``; a bad one raises its
  ``LabFileError``); ``LabNotFound`` when there is none, up or kept.
- ``labs()``: every lab with a ``lab.json``, by name. A lab whose process is gone (killed) is
  reported with state ``gone``; ``down`` cleans it up.
- ``alive(status)``: whether the lab's process still holds the lab. The lab process holds an
  exclusive ``flock`` on ``ROOT/lock`` from ``Lab.start`` until ``Lab.stop`` (the kernel drops
  it when the process dies, even by SIGKILL): a recycled pid cannot pass for a lab.
- ``lock(root)``: take that lock (``Lab.start``); ``LabExists`` when another holds it.
- ``remove(root, wait=None)``: remove a lab directory fast: renamed out of the way first (the
  name is free at once), then its node directories deleted on threads (a 1,000-node lab holds
  some 80,000 files and directories; unlinking them one after the other takes several times
  longer). With ``wait`` (``xrsim down``) a process of its own deletes them and is waited for
  that long; what it has not deleted by then it deletes after the caller has returned.
- ``cleanup(status, keep=...)``: what ``down`` does once the lab process is gone without
  stopping (SIGKILL): kill the peer processes it recorded and delete the network namespaces it
  recorded (``xrsim.lab.network.sweep_lab``), then remove the lab directory, or with ``keep``
  leave it with state ``stopped``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from xrsim.errors import LabError, LabExists, LabNotFound
from xrsim.lab.status import LabStatus

__all__ = [
    "LOCK",
    "NAME",
    "STATUS",
    "alive",
    "cleanup",
    "find",
    "home",
    "labs",
    "lock",
    "remove",
    "root_of",
]

#: What a lab's name may be (the lab file schema's rule).
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,30}")
#: The file names inside a lab directory.
STATUS = "lab.json"
LOCK = "lock"


def home() -> Path:
    """The directory holding every lab's directory (made 0700; see the module docs)."""
    base = os.environ.get("XRSIM_HOME")
    if base:
        path = Path(base) / "labs"
    else:
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        path = Path(state) / "xrsim" / "labs"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def root_of(name: str) -> Path:
    """The directory of lab ``name`` (not created)."""
    if not NAME.fullmatch(name):
        raise LabError(
            f"not a lab name: {name!r} (a lowercase letter or digit, then up to 30 lowercase "
            "letters, digits or hyphens)"
        )
    return home() / name


def _is_lab_file(arg: str) -> bool:
    return arg.endswith((".yml", ".yaml")) or os.sep in arg or Path(arg).is_file()


def name_of(name_or_lab_file: str) -> str:
    """The lab name ``name_or_lab_file`` stands for: a name as it is, a lab file's ``name``."""
    if _is_lab_file(name_or_lab_file):
        from xrsim.lab import labfile

        name: str = labfile.load(Path(name_or_lab_file)).name
        return name
    return name_or_lab_file


def find(name_or_lab_file: str) -> LabStatus:
    """The status of the lab named (or started from the lab file) ``name_or_lab_file``."""
    name = name_of(name_or_lab_file)
    path = root_of(name) / STATUS
    try:
        status = LabStatus.read(path)
    except FileNotFoundError:
        raise LabNotFound(f"no lab {name} (xrsim ls lists the labs)") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise LabError(f"lab {name}: cannot read {path}: {e}") from None
    return _reported(status)


def labs() -> list[LabStatus]:
    """Every lab with a readable ``lab.json``, by name (see the module docs)."""
    found = []
    for entry in sorted(home().iterdir()):
        if entry.name.startswith("."):  # a lab directory being removed
            continue
        path = entry / STATUS
        if not path.is_file():
            continue
        try:
            found.append(_reported(LabStatus.read(path)))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def _reported(status: LabStatus) -> LabStatus:
    if status.state in ("starting", "up", "stopping") and not alive(status):
        return dataclasses.replace(status, state="gone")
    return status


def alive(status: LabStatus) -> bool:
    """Whether a process still holds lab ``status`` (its lock; see the module docs)."""
    path = Path(status.root) / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases the lock if it was taken here
    return False


def lock(root: Path, name: str) -> int:
    """Take lab ``name``'s lock in ``root`` (an open descriptor: the lock lives as long as it
    does); ``LabExists`` when another process (or another ``Lab``) holds it."""
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        holder = ""
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            holder = f" (pid {LabStatus.read(root / STATUS).pid})"
        raise LabExists(f"lab {name} is already up{holder}: xrsim down {name} stops it") from None
    return fd


#: Threads ``remove`` deletes node directories on.
_REMOVE_WORKERS = 16


def _delete(doomed: Path) -> None:
    parts = [
        p for sub in ("nodes", "peers") if (doomed / sub).is_dir() for p in (doomed / sub).iterdir()
    ]
    if len(parts) > 1:
        with ThreadPoolExecutor(_REMOVE_WORKERS, thread_name_prefix="xrsim-lab-rm") as pool:
            for _ in pool.map(partial(shutil.rmtree, ignore_errors=True), parts):
                pass
    shutil.rmtree(doomed, ignore_errors=True)


def remove(root: Path, *, wait: float | None = None) -> bool:
    """Remove the lab directory ``root`` and everything in it (see the module docs). With
    ``wait``, the files are deleted by a process of their own (a new session: it outlives the
    caller) waited for at most ``wait`` seconds; False when it is still at work (``root`` is
    gone already: renamed to a hidden name beside it)."""
    if not root.exists():
        return True
    doomed = root.with_name(f".{root.name}.removed-{os.getpid()}-{time.monotonic_ns()}")
    try:
        root.rename(doomed)
    except OSError:
        doomed = root
    if wait is None:
        _delete(doomed)
        return True
    remover = subprocess.Popen(  # this Python, this module, the renamed directory
        [sys.executable, "-m", "xrsim.lab.registry", "--remove", str(doomed)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        remover.wait(wait)
    except subprocess.TimeoutExpired:
        # Reaped when it ends, should this process still be there.
        threading.Thread(target=remover.wait, name="xrsim-lab-rm-wait", daemon=True).start()
        return False
    return remover.returncode == 0 and not doomed.exists()


def cleanup(status: LabStatus, *, keep: bool = False) -> list[str]:
    """Undo what the (gone) lab process of ``status`` left: its recorded peer processes and
    network namespaces (``xrsim.lab.network.sweep_lab``: a recorded pid now running another
    program is left alone), then its directory (``keep``: marked ``stopped``). Returns what
    could not be undone, in words; then the directory and its ``lab.json`` stay, so that a
    later ``down`` can try again."""
    from xrsim.lab.network import sweep_lab

    pids = {*status.pids, *(p.pid for p in status.peers if p.pid is not None)}
    left = sweep_lab(status.namespaces, sorted(pids))
    root = Path(status.root)
    if left:
        return left
    if keep:
        if root.is_dir():
            stopped = dataclasses.replace(status, state="stopped", pids=(), namespaces=(), peers=())
            stopped.write(root / STATUS)
    else:
        remove(root)
    return []


if __name__ == "__main__":  # ``remove(root, wait=...)``'s remover process
    if len(sys.argv) == 3 and sys.argv[1] == "--remove":
        _delete(Path(sys.argv[2]))

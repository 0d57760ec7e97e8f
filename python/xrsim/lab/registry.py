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
- ``cleanup(status, keep=...)``: what ``down`` does once the lab process is gone: kill the
  processes it recorded (peers), delete the network namespaces it recorded, then remove the
  lab directory, or with ``keep`` leave it with state ``stopped``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import re
import shutil
import signal
import subprocess
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
        from xrsim.lab import labfile  # type: ignore[attr-defined,unused-ignore]

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


def _pid_gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")  # a zombie holds nothing


def kill_pid(pid: int) -> None:
    """SIGKILL ``pid`` if it is still there."""
    if pid <= 1 or pid == os.getpid() or _pid_gone(pid):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def delete_namespace(netns: str) -> None:
    """Delete network namespace ``netns`` if it is still there (``ip netns delete``)."""
    if not (Path("/run/netns") / netns).exists():
        return
    ip = shutil.which("ip") or "/usr/sbin/ip"
    subprocess.run([ip, "netns", "delete", netns], capture_output=True, check=False, timeout=30)


def cleanup(status: LabStatus, *, keep: bool = False) -> None:
    """Undo what the (gone) lab process of ``status`` left: its recorded processes (and its
    peers'), its network namespaces, then its directory (``keep``: marked ``stopped``)."""
    for pid in {*status.pids, *(p.pid for p in status.peers if p.pid is not None)}:
        kill_pid(pid)
    for netns in status.namespaces:
        delete_namespace(netns)
    root = Path(status.root)
    if keep:
        if root.is_dir():
            stopped = dataclasses.replace(status, state="stopped", pids=(), namespaces=())
            stopped.write(root / STATUS)
    else:
        shutil.rmtree(root, ignore_errors=True)

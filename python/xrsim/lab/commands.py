"""The lab subcommands of ``xrsim``: ``up``, ``down``, ``ls``, ``console LAB NODE``, ``ssh``
(layer 6; ``register(sub)`` adds them to ``xrsim.frontends.main``'s parser).

- ``xrsim up LAB [--detach] [--json] [--keep]``: reads the lab file ``LAB``
  (``xrsim.lab.labfile``) and runs it as a ``Lab`` in the lab's directory
  (``xrsim.lab.registry.root_of``): a progress bar on stderr while it boots (rich), then the
  table of endpoints (node, hostname, SSH address and port, NETCONF port, console socket, login
  user) or with ``--json`` the ``LabStatus`` on stdout. In the foreground it serves until
  Ctrl-C or SIGTERM, then stops, removing the lab's directory unless ``--keep``. With
  ``--detach`` it starts the lab process (``python -m xrsim.frontends.main up LAB
  --serve-fd FD``: in a new session, SIGHUP ignored, stdin from /dev/null, stdout and stderr
  to ``ROOT/lab.log``), follows its progress through a pipe (JSON lines: ``step``, then
  ``up`` with the status or ``error`` with the reason), prints the table and exits 0 once the
  lab is up, or 1 with the reason. A lab of that name already up (or killed and not cleaned
  up): exit 1, nothing changed.
- ``xrsim down NAME|LAB [--keep]``: SIGTERM to the lab process, SIGKILL if it has not let go
  of the lab after 5 s; then, if it did not stop cleanly, the processes and namespaces it
  recorded are killed and deleted (``registry.cleanup``); the directory is removed unless
  ``--keep`` (then the next ``up`` boots the same routers, without their startup
  configuration).
- ``xrsim ls [--json]``: the labs of this machine (``registry.labs``).
- ``xrsim console LAB NODE``: relays the terminal (raw mode; Ctrl-] quits) or standard input
  to the node's console socket (``xrsim.lab.console``). ``xrsim console`` without LAB is still
  the single-router console of ``xrsim.frontends.main``.
- ``xrsim ssh LAB NODE [-- ARGS]``: execs OpenSSH: ``ssh -p PORT -o
  UserKnownHostsFile=ROOT/known_hosts -l USER HOST ARGS...``; OpenSSH asks for the password
  (the lab file's; ``SSH_ASKPASS`` with ``SSH_ASKPASS_REQUIRE=force`` for scripts).

Every refusal is ``xrsim CMD: REASON`` on stderr and exit status 1 (2 for usage), never a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xrsim.errors import LabError, LabExists, XrsimError
from xrsim.lab import registry
from xrsim.lab.spec import LabSpec
from xrsim.lab.status import LabStatus

__all__ = ["DOWN_GRACE", "DOWN_REMOVE_WAIT", "register"]

#: Seconds ``down`` waits for the lab process after SIGTERM (and after SIGKILL).
DOWN_GRACE = 5.0
#: Seconds ``down`` waits for the lab directory's files to be deleted (a 1,000-node lab holds
#: some 80,000); the rest is deleted by a process of its own after ``down`` has returned.
DOWN_REMOVE_WAIT = 1.0
#: Lines of ``lab.log`` shown when the lab process died before it was up.
_LOG_TAIL = 20
#: Ctrl-]: leaves ``xrsim console``.
_ESCAPE = b"\x1d"


class _Fail(Exception):
    """A refusal: printed as ``xrsim CMD: REASON``, exit status 1."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``up``, ``down``, ``ls``, ``ssh`` to ``sub`` and ``LAB NODE`` to ``console``."""
    up = sub.add_parser(
        "up",
        help="start a lab from a lab file",
        description=(
            "Start the lab a lab file describes: boot its routers, start their SSH, NETCONF "
            "and console servers (and the lab's networks and peers), then print their "
            "endpoints. In the foreground the lab runs until Ctrl-C; --detach leaves it "
            "running in the background until 'xrsim down'."
        ),
    )
    up.add_argument("lab", metavar="LAB", help="the lab file (YAML)")
    up.add_argument("--detach", action="store_true", help="run the lab in the background")
    up.add_argument("--json", action="store_true", help="print the lab's status as JSON")
    up.add_argument(
        "--keep", action="store_true", help="keep the lab's state when it stops (foreground)"
    )
    up.add_argument("--serve-fd", type=int, default=None, help=argparse.SUPPRESS)
    up.set_defaults(func=_guarded("up", _up))

    down = sub.add_parser(
        "down",
        help="stop a lab",
        description=(
            "Stop a lab (by name or by its lab file): its process, its peers and network "
            "namespaces; its directory is removed unless --keep."
        ),
    )
    down.add_argument("lab", metavar="NAME|LAB", help="the lab's name or its lab file")
    down.add_argument("--keep", action="store_true", help="keep the lab's state")
    down.set_defaults(func=_guarded("down", _down))

    ls = sub.add_parser("ls", help="list the labs", description="List the labs of this machine.")
    ls.add_argument("--json", action="store_true", help="print the labs' status as JSON")
    ls.set_defaults(func=_guarded("ls", _ls))

    ssh = sub.add_parser(
        "ssh",
        help="log in to a lab node with OpenSSH",
        description=(
            "Run OpenSSH's ssh to a lab node, checking its host key against the lab's "
            "known_hosts; arguments after -- go to ssh (a command to run, options)."
        ),
    )
    ssh.add_argument("lab", metavar="NAME|LAB", help="the lab's name or its lab file")
    ssh.add_argument("node", metavar="NODE", help="the node")
    ssh.add_argument("args", nargs=argparse.REMAINDER, help="arguments for ssh (after --)")
    ssh.set_defaults(func=_guarded("ssh", _ssh))

    console = sub.choices.get("console")
    if console is not None:  # xrsim console [--state DIR]: the single router's console
        console.add_argument(
            "lab", nargs="?", metavar="LAB", help="a lab's name or lab file: its NODE's console"
        )
        console.add_argument("node", nargs="?", metavar="NODE", help="the lab node")
        single = console.get_default("func")

        def console_func(args: argparse.Namespace) -> int:
            if args.lab is None:
                return int(single(args))
            return _guarded("console", _console)(args)

        console.set_defaults(func=console_func)


def _guarded(
    command: str, fn: Callable[[argparse.Namespace], int]
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (_Fail, XrsimError) as e:
            print(f"xrsim {command}: {e}", file=sys.stderr)
            return 1
        except OSError as e:
            print(f"xrsim {command}: {e.strerror or e}", file=sys.stderr)
            return 1

    return run


def _load(path: str) -> LabSpec:
    from xrsim.lab import labfile

    spec: LabSpec = labfile.load(Path(path))
    return spec


# -- tables -----------------------------------------------------------------------------------


def _endpoints(status: LabStatus) -> Table:
    table = Table(title=f"lab {status.name} ({status.state})", title_justify="left")
    for column in ("node", "hostname", "SSH", "NETCONF", "console", "user"):
        table.add_column(column, no_wrap=column in ("SSH", "console"))
    for n in status.nodes:
        table.add_row(
            n.name,
            n.hostname,
            f"{n.host}:{n.ssh_port}",
            str(n.netconf_port) if n.netconf_port is not None else "-",
            n.console,
            n.username or "-",
        )
    return table


def _stdout() -> Console:
    console = Console()
    if not console.is_terminal:
        console.width = 200  # a pipe or a file: do not wrap the table
    return console


def _print_up(status: LabStatus, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(status.to_json(), indent=2) + "\n")
        sys.stdout.flush()
    else:
        _stdout().print(_endpoints(status))
        for p in status.peers:
            where = p.url or f"{p.address}:{p.port}"
            print(f"peer {p.name} ({p.kind}): {where}")


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    console = Console(stderr=True)
    with Progress(
        TextColumn("[progress.description]{task.description:32}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # a pipe or a file gets no bar (nor its blank line)
    ) as progress:
        task = progress.add_task("starting", total=None, count="")

        def step(text: str, done: int, total: int) -> None:
            progress.update(
                task, description=text, completed=done, total=total, count=f"{done}/{total}"
            )

        yield step


# -- up ---------------------------------------------------------------------------------------


def _check_free(name: str) -> None:
    """Refuse a lab whose name is held: up, or killed and not cleaned up."""
    try:
        status = registry.find(name)
    except LabError:
        return
    if status.state == "gone":
        raise LabExists(
            f"lab {name} was not stopped (its process {status.pid} is gone): "
            f"xrsim down {name} cleans it up"
        )
    if status.state != "stopped":
        raise LabExists(f"lab {name} is already up (pid {status.pid}): xrsim down {name} stops it")


def _up(args: argparse.Namespace) -> int:
    if args.serve_fd is not None:
        return _serve_detached(args)
    spec = _load(args.lab)
    _check_free(spec.name)
    root = registry.root_of(spec.name)
    if args.detach:
        return _detach(args, spec, root)
    return _foreground(args, spec, root)


def _stop_signals(detached: bool) -> threading.Event:
    """An event set by SIGTERM and SIGINT (and SIGHUP in the foreground; ignored detached)."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGHUP, signal.SIG_IGN if detached else handler)
    return stop


def _foreground(args: argparse.Namespace, spec: LabSpec, root: Path) -> int:
    from xrsim.lab.launcher import Lab

    stop = _stop_signals(detached=False)
    with _progress() as step:
        lab = Lab(spec, root, on_step=step)
        status = lab.start()
    try:
        _print_up(status, args.json)
        print(f"xrsim up: lab {spec.name} is up; Ctrl-C stops it", file=sys.stderr, flush=True)
        while not stop.wait(1.0):
            pass
        print(f"xrsim up: stopping lab {spec.name}", file=sys.stderr, flush=True)
    finally:
        lab.stop(keep=args.keep)
    return 0


def _serve_detached(args: argparse.Namespace) -> int:
    """The lab process of ``up --detach``: reports on ``--serve-fd``, serves until SIGTERM."""
    from xrsim.lab.launcher import Lab

    stop = _stop_signals(detached=True)
    report: IO[str] = os.fdopen(args.serve_fd, "w", buffering=1)

    def send(doc: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # the parent gone: the lab goes on
            report.write(json.dumps(doc) + "\n")
            report.flush()

    try:
        spec = _load(args.lab)
        lab = Lab(
            spec,
            registry.root_of(spec.name),
            on_step=lambda t, d, n: send({"step": t, "done": d, "total": n}),
        )
        status = lab.start()
    except XrsimError as e:
        send({"error": str(e)})
        with contextlib.suppress(OSError):
            report.close()
        return 1
    try:
        send({"up": status.to_json()})
        with contextlib.suppress(OSError):
            report.close()
        print(f"xrsim up: lab {spec.name} is up (pid {os.getpid()})", flush=True)
        while not stop.wait(1.0):
            pass
        print(f"xrsim up: stopping lab {spec.name}", flush=True)
    finally:
        lab.stop(keep=True)  # down removes the directory unless --keep
    print(f"xrsim up: lab {spec.name} stopped", flush=True)
    return 0


def _detach(args: argparse.Namespace, spec: LabSpec, root: Path) -> int:
    made_root = not root.exists()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_path = root / "lab.log"
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    log = os.fdopen(fd, "wb")
    r, w = os.pipe()
    lab_file = str(Path(args.lab).absolute())
    argv = [sys.executable, "-m", "xrsim.frontends.main", "up", lab_file, "--serve-fd", str(w)]
    try:
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(w,),
            start_new_session=True,
            cwd=root,
        )
    finally:
        os.close(w)
        log.close()
    status: LabStatus | None = None
    error: str | None = None
    try:
        with os.fdopen(r, "r") as pipe, _progress() as step:
            for line in pipe:
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if "step" in doc:
                    step(str(doc["step"]), int(doc["done"]), int(doc["total"]))
                elif "up" in doc:
                    status = LabStatus.from_json(doc["up"])
                    break
                elif "error" in doc:
                    error = str(doc["error"])
    except KeyboardInterrupt:
        with contextlib.suppress(ProcessLookupError):
            child.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(DOWN_GRACE * 2)
        raise
    if status is not None:
        _print_up(status, args.json)
        return 0
    code = child.wait()
    if error is None:  # it died without a word (a crash): its last output says why
        tail = ""
        with contextlib.suppress(OSError):
            lines = log_path.read_text(errors="replace").splitlines()[-_LOG_TAIL:]
            tail = "".join(f"\n  {line}" for line in lines)
        error = f"the lab process exited with status {code} before the lab was up{tail}"
    if made_root:
        registry.remove(root)
    raise _Fail(error)


# -- down, ls ---------------------------------------------------------------------------------


def _wait_gone(status: LabStatus, seconds: float) -> bool:
    """Whether the lab process of ``status`` let go of its lab within ``seconds``: waited for
    on a pidfd of the process (readable when it exits), no polling."""
    if not registry.alive(status):
        return True
    try:
        fd = os.pidfd_open(status.pid)
    except ProcessLookupError:  # exited since
        return not registry.alive(status)
    try:
        select.select([fd], [], [], seconds)
    finally:
        os.close(fd)
    return not registry.alive(status)


def _down(args: argparse.Namespace) -> int:
    status = registry.find(args.lab)
    root = Path(status.root)
    clean = status.state == "stopped"
    if status.state != "gone" and registry.alive(status):
        with contextlib.suppress(ProcessLookupError):
            os.kill(status.pid, signal.SIGTERM)
        if not _wait_gone(status, DOWN_GRACE):
            with contextlib.suppress(ProcessLookupError):
                os.kill(status.pid, signal.SIGKILL)
            if not _wait_gone(status, DOWN_GRACE):
                raise _Fail(f"lab {status.name}: process {status.pid} does not stop")
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            clean = LabStatus.read(root / registry.STATUS).state == "stopped"
        clean = clean or not root.exists()  # a foreground lab removed its own directory
    if not clean:  # killed: undo its processes and namespaces here
        left = registry.cleanup(status, keep=True)
        if left:
            raise _Fail(f"lab {status.name}: could not undo: {'; '.join(left)}")
    if args.keep:
        print(f"xrsim down: lab {status.name} stopped (its state kept in {root})")
    elif registry.remove(root, wait=DOWN_REMOVE_WAIT):
        print(f"xrsim down: lab {status.name} stopped")
    else:
        print(f"xrsim down: lab {status.name} stopped; its files are being deleted")
    return 0


def _ls(args: argparse.Namespace) -> int:
    labs = registry.labs()
    if args.json:
        sys.stdout.write(json.dumps([s.to_json() for s in labs], indent=2) + "\n")
        return 0
    table = Table(title_justify="left")
    for column in ("name", "state", "nodes", "pid", "started", "directory"):
        table.add_column(column, no_wrap=column == "directory")
    for s in labs:
        table.add_row(s.name, s.state, str(len(s.nodes)), str(s.pid), s.started, s.root)
    _stdout().print(table)
    return 0


# -- console, ssh -----------------------------------------------------------------------------


def _node(status: LabStatus, node: str) -> Any:
    try:
        return status.node(node)
    except KeyError:
        known = ", ".join(n.name for n in status.nodes) or "none"
        raise _Fail(f"lab {status.name} has no node {node!r} (its nodes: {known})") from None


def _up_status(name_or_file: str) -> LabStatus:
    status = registry.find(name_or_file)
    if status.state != "up":
        raise _Fail(f"lab {status.name} is not up ({status.state})")
    return status


def _console(args: argparse.Namespace) -> int:
    from xrsim.lab.console import connect

    if args.node is None:
        raise _Fail("console LAB NODE: which node?")
    status = _up_status(args.lab)
    endpoint = _node(status, args.node)
    try:
        sock = connect(endpoint.console)
    except OSError as e:
        raise _Fail(f"cannot open the console of {args.node}: {e.strerror or e}") from None
    with sock:
        _relay(sock, endpoint.name)
    return 0


def _relay(sock: socket.socket, name: str) -> None:
    """The terminal (raw) or standard input to ``sock``, ``sock`` to standard output."""
    fd_in, fd_out = sys.stdin.fileno(), sys.stdout.fileno()
    terminal = os.isatty(fd_in)
    saved = None
    if terminal:
        import termios
        import tty

        print(f"Connected to the console of {name}; Ctrl-] quits.", file=sys.stderr, flush=True)
        saved = termios.tcgetattr(fd_in)
        tty.setraw(fd_in)
    try:
        reading = True
        while True:
            watched = [sock, fd_in] if reading else [sock]
            ready, _, _ = select.select(watched, [], [])
            if sock in ready:
                data = sock.recv(1 << 16)
                if not data:
                    break
                os.write(fd_out, data)
            if fd_in in ready:
                data = os.read(fd_in, 1 << 12)
                if not data:
                    reading = False
                    sock.shutdown(socket.SHUT_WR)  # the console ends the session
                    continue
                if terminal and _ESCAPE in data:
                    sock.sendall(data.split(_ESCAPE, 1)[0])
                    break
                sock.sendall(data)
    finally:
        if saved is not None:
            import termios

            termios.tcsetattr(fd_in, termios.TCSADRAIN, saved)
            print("", file=sys.stderr)


def _ssh(args: argparse.Namespace) -> int:
    status = _up_status(args.lab)
    endpoint = _node(status, args.node)
    program = shutil.which("ssh")
    if program is None:
        raise _Fail("OpenSSH's ssh is not installed (not found on PATH)")
    rest = list(args.args)
    if rest[:1] == ["--"]:
        rest = rest[1:]
    argv = [
        program,
        "-p",
        str(endpoint.ssh_port),
        "-o",
        f"UserKnownHostsFile={Path(status.root) / 'known_hosts'}",
        "-l",
        endpoint.username or "admin",
        endpoint.host,
        *rest,
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(program, argv)  # noqa: S606 - OpenSSH, as the user asked

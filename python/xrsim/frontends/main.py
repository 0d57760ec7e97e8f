"""The ``xrsim`` command: argument parsing and the subcommands.

- ``xrsim up``, ``down``, ``ls``, ``ssh``, ``console LAB NODE``: labs from lab files
  (``xrsim.lab.commands``).
- ``xrsim console``: boot a router (state kept in ``--state``) and attach its console.
- ``xrsim serve``: boot a router and serve its CLI over SSH (and NETCONF, ``--netconf-port``) on
  ``--address`` (default 127.0.0.1; ``0.0.0.0`` or ``::`` in a container) until Ctrl-C or
  SIGTERM (it can run as a container's PID 1); ``--startup-config FILE`` is applied when the
  state directory is new (its first boot), as a lab node's startup configuration.
- ``xrsim export containerlab``: ``xrsim.lab.containerlab`` (registered here by one call).
- ``xrsim kgv``: the vendor side of package fingerprints: the signed Known Good Values of a
  platform's packages (or of given RPM files), written as ``FILE`` and ``FILE.sig``
  (``xrsim.integrity.kgv``).
- ``xrsim bench``: signing, key generation, hashing, package-tree fingerprint and IMA
  throughput against pyca/cryptography, hashlib (and a straightforward Python fingerprint and
  IMA implementation) and ``openssl speed``, as a ratio table or ``--json``; on request (``--only
  scale-100``, ``--only scale-1000``) the scale rows, N routers serving SSH in this process.
- ``xrsim verify-dossier FILE --sudi-root ROOT [--kgv KGV] [--nonce N]``: check a signed
  dossier as a Trust Insights collector would (``xrsim.integrity.verify``): one ``PASS``/``FAIL``
  line per check; exit 0 when every check passed, 1 when one failed, 2 when the input is not a
  signed dossier or a file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

import xrsim
from xrsim import bench
from xrsim.lab import commands as lab_commands
from xrsim.lab import containerlab, inventory


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    mult = units.get(t[-1:], 1)
    number = t[:-1] if t[-1:] in units else t
    try:
        value = int(number) * mult
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 64M or 1G)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _address(text: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an IP address: {text!r} (127.0.0.1; 0.0.0.0 or :: for every address)"
        ) from None


def _router_arguments(p: argparse.ArgumentParser) -> None:
    """The options of every subcommand that boots a router."""
    p.add_argument(
        "--platform",
        default=None,
        metavar="PID",
        help="platform PID (default: NCS-55A1-24H, or the one already in --state)",
    )
    p.add_argument(
        "--state",
        default=".xrsim",
        metavar="DIR",
        help="state directory (default: ./.xrsim)",
    )
    p.add_argument("--hostname", default=None, help="hostname of a new router (default: router)")
    p.add_argument("--release", default=None, metavar="X.Y.Z", help="IOS XR release to simulate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xrsim",
        description="xrsim: a simulated Cisco IOS XR router for tests, labs and benchmarks.",
    )
    parser.add_argument("--version", action="version", version=f"xrsim {xrsim.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser(
        "console",
        help="boot a simulated router and attach its console",
        description=(
            "Boot a simulated IOS XR router and attach its console. The router's state "
            "(configuration, keys, node filesystems) lives in --state and survives restarts."
        ),
    )
    _router_arguments(c)
    c.add_argument("--list-platforms", action="store_true", help="list the platforms and exit")
    c.set_defaults(func=_console)

    sv = sub.add_parser(
        "serve",
        help="boot a simulated router and serve its CLI over SSH",
        description=(
            "Boot a simulated IOS XR router and serve its CLI over SSH on --address until "
            "Ctrl-C or SIGTERM. Log in with a configured username and secret (admin/admin on a "
            "router where no user has a secret), or with a public key imported with 'crypto key "
            "import authentication rsa'. The host key is the router's RSA key the_default."
        ),
    )
    _router_arguments(sv)
    sv.add_argument(
        "--address",
        type=_address,
        default="127.0.0.1",
        metavar="ADDR",
        help=(
            "IP address the SSH and NETCONF ports listen on (default: 127.0.0.1; 0.0.0.0 for "
            "every IPv4 address, :: for every IPv6 one, as in a container)"
        ),
    )
    sv.add_argument(
        "--port",
        type=int,
        default=0,
        metavar="PORT",
        help="TCP port of SSH (default: 0, a free port, printed at start)",
    )
    sv.add_argument(
        "--netconf-port",
        type=int,
        default=None,
        metavar="PORT",
        help=(
            "also listen on this port for NETCONF only, as IOS XR's port 830 (0 picks a free "
            "port); open when 'ssh server netconf vrf default' and 'netconf-yang agent' with "
            "its 'ssh' are configured"
        ),
    )
    sv.add_argument(
        "--serial",
        default=None,
        metavar="SN",
        help="chassis serial number of a new router (default: one in the platform's format)",
    )
    sv.add_argument(
        "--startup-config",
        default=None,
        metavar="FILE",
        help=(
            "configuration lines committed at the first boot of --state (a new or empty "
            "directory), as a lab node's startup configuration; ignored on later boots"
        ),
    )
    sv.set_defaults(func=_serve)

    b = sub.add_parser(
        "bench",
        help="measure signing, key generation, hashing, fingerprint and IMA throughput",
        description=(
            "Measure xrsim's signing, key generation and SHA-256 throughput side by side with "
            "pyca/cryptography (in a loop and on a thread pool), hashlib and 'openssl speed' "
            "(the per-core limit), its package-tree fingerprints (20,000 files of 4 KiB; "
            "--tree-bytes in 16 large files) and IMA list build and replay (100,000 events) "
            "beside straightforward Python hashlib implementations, and print the ratios. The "
            "scale workloads (scale-100, scale-1000: N routers booted in this process, all "
            "serving SSH, a sample answering netmiko) run only when named with --only."
        ),
    )
    b.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    b.add_argument(
        "--min-time",
        type=_positive_float,
        default=1.0,
        metavar="SECONDS",
        help="time each contender at least this long (default: 1.0)",
    )
    b.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="WORKLOAD",
        help="run only this workload (repeatable); see --list",
    )
    b.add_argument(
        "--sha-bytes",
        type=_size,
        default=1 << 30,
        metavar="SIZE",
        help="bytes hashed by the SHA-256 workload (default: 1G)",
    )
    b.add_argument(
        "--tree-bytes",
        type=_size,
        default=1 << 30,
        metavar="SIZE",
        help="bytes of the large-file tree fingerprinted by tree-large (default: 1G)",
    )
    b.add_argument("--no-openssl", action="store_true", help="skip 'openssl speed'")
    b.add_argument(
        "--one-by-one",
        action="store_true",
        help="scale workloads: boot the routers one Router.boot after the other, not in a batch",
    )
    b.add_argument("--list", action="store_true", help="list the workloads and exit")
    b.set_defaults(func=_bench)

    k = sub.add_parser(
        "kgv",
        help="write the signed Known Good Values of a platform's packages",
        description=(
            "Write the Known Good Values (KGV) of a platform's packages as the simulated vendor "
            "publishes them: a JSON file mapping each package's name-version-release to its "
            "fingerprint, and FILE.sig, its RSA PKCS#1 v1.5 SHA-512 signature by the simulated "
            "vendor root key (check it with 'openssl dgst -sha512 -verify'; see docs/formats.md)."
        ),
    )
    k.add_argument(
        "--platform",
        default=None,
        metavar="PID",
        help="platform PID (default: NCS-55A1-24H)",
    )
    k.add_argument(
        "--release", default=None, metavar="X.Y.Z", help="IOS XR release (default: the platform's)"
    )
    k.add_argument(
        "--rpm",
        action="append",
        default=None,
        metavar="FILE",
        help="make the KGV of this RPM file instead of the platform's packages (repeatable)",
    )
    k.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE",
        help="where to write (default: kgv-<PID>-<release>.json; the signature goes to FILE.sig)",
    )
    k.add_argument(
        "--vendor-dir",
        default=None,
        metavar="DIR",
        help=(
            "the simulated vendor directory (default: $XRSIM_VENDOR_DIR, else "
            "~/.local/share/xrsim/vendor)"
        ),
    )
    k.set_defaults(func=_kgv)

    v = sub.add_parser(
        "verify-dossier",
        help="verify a signed dossier against the SUDI root and Known Good Values",
        description=(
            "Verify a dossier signed with '| utility sign nonce N include-certificate': the "
            "certificate chain to the SUDI root, the signature, the nonce, each package's "
            "fingerprints against the Known Good Values, and each node's IMA measurement list "
            "against its reported PCRs. Prints one PASS/FAIL line per check; exits 0 when all "
            "passed, 1 when one failed, 2 when the input is unusable."
        ),
    )
    v.add_argument("file", metavar="FILE", help="the signed dossier (the envelope JSON)")
    v.add_argument(
        "--sudi-root",
        required=True,
        metavar="ROOT",
        help="the SUDI root CA certificate (PEM or DER) the chain must lead to",
    )
    v.add_argument(
        "--kgv",
        default=None,
        metavar="KGV",
        help="the signed Known Good Values file (its signature checked with the SUDI root)",
    )
    v.add_argument(
        "--nonce", type=int, default=None, metavar="N", help="the nonce the dossier was asked for"
    )
    v.set_defaults(func=_verify_dossier)
    lab_commands.register(sub)  # up, down, ls, ssh; console LAB NODE
    inventory.register(sub)
    containerlab.register(sub)  # export containerlab
    return parser


def _console(args: argparse.Namespace) -> int:
    from xrsim import platforms
    from xrsim.errors import XrsimError
    from xrsim.frontends.console import run_console
    from xrsim.router import Router

    if args.list_platforms:
        for pid, p in sorted(platforms.catalog().items()):
            print(f"{pid:16} {p.description}")
        return 0
    state = Path(args.state)
    try:
        router = Router.boot(args.platform, state, args.hostname, release_version=args.release)
    except XrsimError as e:
        print(f"xrsim console: {e}", file=sys.stderr)
        return 2
    try:
        run_console(router, history_file=state / "console_history")
    finally:
        router.shutdown()
    return 0


class _Terminated(Exception):
    """SIGTERM arrived: stop serving as on Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the cleanup short
    raise _Terminated


def _is_new(state: Path) -> bool:
    """Whether ``state`` has never held a router: missing, or an empty directory (what a
    container's bind mount of a fresh host directory gives)."""
    return not state.exists() or (state.is_dir() and not any(state.iterdir()))


def _forget(state: Path, existed: bool) -> None:
    """Undo a refused first boot: the state it made goes (the directory itself stays when it
    was there before, as a container's bind mount is)."""
    import shutil

    if not existed:
        shutil.rmtree(state, ignore_errors=True)
        return
    for entry in state.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _serve(args: argparse.Namespace) -> int:
    import signal

    # SIGTERM stops as Ctrl-C does; as a container's PID 1 the kernel would otherwise ignore it
    # (no default action for PID 1) and the runtime would SIGKILL it after its grace period.
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _serve_until_stopped(args)
    except _Terminated:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _serve_until_stopped(args: argparse.Namespace) -> int:
    import threading

    from xrsim.errors import XrsimError
    from xrsim.frontends.ssh import SshServer
    from xrsim.router import Router

    def fail(reason: str) -> int:
        print(f"xrsim serve: {reason}", file=sys.stderr)
        return 2

    state = Path(args.state)
    lines: list[str] = []
    if args.startup_config is not None:
        try:
            text = Path(args.startup_config).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
            return fail(f"cannot read the startup configuration {args.startup_config}: {reason}")
        lines = [ln.strip() for ln in text.splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("!")]
    first_boot = _is_new(state)
    existed = state.exists()
    try:
        router = Router.boot(
            args.platform,
            state,
            args.hostname,
            release_version=args.release,
            serial=args.serial,
        )
    except XrsimError as e:
        return fail(str(e))
    try:
        if first_boot and lines:
            try:
                router.configure(lines, comment="startup configuration")
            except XrsimError as e:  # a refused line or commit: the new state goes
                router.shutdown()
                _forget(state, existed)
                said = [ln.strip() for ln in getattr(e, "output", "").splitlines() if ln.strip()]
                reason = (e.args[0] if e.args else type(e).__name__) + (
                    f" ({said[-1]})" if said else ""
                )
                return fail(f"{args.startup_config}: {reason}")
        server = SshServer(
            router, host=args.address, port=args.port, netconf_port=args.netconf_port
        )
        try:
            server.start()
        except (XrsimError, OSError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            return fail(f"cannot listen on {args.address}: {reason}")
        try:
            print(
                f"xrsim serve: {router.hostname()} listening on {server.host} port {server.port}"
                + (
                    f", NETCONF port {server.netconf_port}"
                    if server.netconf_port is not None
                    else ""
                )
                + " (Ctrl-C stops)",
                flush=True,
            )
            threading.Event().wait()
        except (KeyboardInterrupt, _Terminated):
            print("xrsim serve: stopping", file=sys.stderr, flush=True)
        finally:
            server.stop()
    finally:
        router.shutdown()
    return 0


def _bench(args: argparse.Namespace) -> int:
    console = Console(stderr=args.json)
    if not console.is_terminal:
        console.width = 110  # a file or a pipe: do not wrap the table at 80 columns
    all_w = bench.workloads(sha_bytes=args.sha_bytes, tree_bytes=args.tree_bytes)
    all_scale = bench.scale_workloads()
    if args.list:
        for w in all_w:
            console.print(f"{w.id:22} {w.title}")
        for sw in all_scale:
            console.print(f"{sw.id:22} {sw.title} (only with --only)")
        return 0
    selected = all_w
    scale: list[bench.ScaleWorkload] = []
    if args.only:
        known = {w.id for w in all_w} | {sw.id for sw in all_scale}
        unknown = [o for o in args.only if o not in known]
        if unknown:
            console.print(f"xrsim bench: unknown workload {', '.join(unknown)}; see --list")
            return 2
        selected = [w for w in all_w if w.id in args.only]
        scale = [sw for sw in all_scale if sw.id in args.only]
    with_openssl = not args.no_openssl
    results: list[bench.ScaleResult] = []
    with Progress(
        TextColumn("[progress.description]{task.description:40}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        total = bench.steps(selected, with_openssl=with_openssl) + 3 * len(scale)
        task = progress.add_task("starting", total=total)

        def step(text: str) -> None:
            progress.update(task, advance=1, description=text)

        report = bench.run(
            selected, min_time=args.min_time, with_openssl=with_openssl, on_step=step
        )
        for sw in scale:
            results.append(bench.measure_scale(sw, batch=not args.one_by_one, on_step=step))
    if args.json:
        doc = report.to_json()
        doc["scale"] = [r.to_json() for r in results]
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        if selected:
            report.print(console)
        if results:
            console.print(bench.scale_table(results))
    return 0


def _kgv(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from xrsim import platforms
    from xrsim.errors import XrsimError
    from xrsim.integrity import kgv
    from xrsim.integrity.packages import VendorRepository, catalog
    from xrsim.release import Release

    try:
        platform = platforms.load(args.platform or platforms.DEFAULT_PID)
        release = Release.of(args.release) if args.release else platform.release
        if args.rpm:
            paths = [Path(p) for p in args.rpm]
        else:
            repository = VendorRepository.open(args.vendor_dir)
            paths = [repository.package(d)[0] for d in catalog(platform, release)]
        headers = kgv.read_rpms(paths)
        signed = kgv.make(
            headers,
            platform=platform.pid,
            family=platform.family,
            release=str(release),
            created=datetime.now(UTC),
            vendor_dir=args.vendor_dir,
        )
        output = Path(args.output or f"kgv-{platform.pid}-{release}.json")
        path, sig = kgv.write(output, signed)
    except XrsimError as e:
        print(f"xrsim kgv: {e}", file=sys.stderr)
        return 2
    count = len(signed.kgv.packages)
    print(f"xrsim kgv: wrote {path} ({count} package{'s' if count != 1 else ''}) and {sig}")
    return 0


def _verify_dossier(args: argparse.Namespace) -> int:
    from xrsim.errors import XrsimError
    from xrsim.integrity.verify import EXIT_UNUSABLE, verify_dossier

    def fail(message: str) -> int:
        print(f"xrsim verify-dossier: {message}", file=sys.stderr)
        return EXIT_UNUSABLE

    try:
        text = Path(args.file).read_bytes()
        root_bytes = Path(args.sudi_root).read_bytes()
    except OSError as e:
        return fail(f"cannot read {e.filename}: {e.strerror}")
    try:
        from cryptography import x509

        root = (
            x509.load_pem_x509_certificate(root_bytes)
            if b"-----BEGIN" in root_bytes
            else x509.load_der_x509_certificate(root_bytes)
        )
    except ValueError:
        return fail(f"{args.sudi_root} is not a certificate (PEM or DER)")
    known = None
    if args.kgv is not None:
        from xrsim.integrity import kgv as kgv_file

        try:
            known = dict(kgv_file.load(Path(args.kgv), root=root).packages)
        except XrsimError as e:  # unreadable, not signed by the root, not a KGV document
            return fail(f"{args.kgv}: {e}")
    report = verify_dossier(text, root, kgv=known, nonce=args.nonce)
    for line in report.lines():
        print(line)
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

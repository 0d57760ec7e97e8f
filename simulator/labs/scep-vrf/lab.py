#!/usr/bin/env python3
"""The SCEP and TFTP enrollment lab (``make lab-scep``; docs/labs.md): a router enrolls over
SCEP with the Debian ``scep`` CA and over TFTP with a CA operator, both inside its VRF
``mgmt``, and the issued certificates are checked with ``openssl verify``.

The network (``xrsim.lab.netlab``, as root; every host a namespace, 198.18.0.0/15, no default
route)::

    ns ca (scepserver :8080)          ns tftp (in.tftpd :69)
         198.18.1.2/24                     198.18.2.2/24
              |  veth                           |  veth
         198.18.1.1/24                     198.18.2.1/24
    MgmtEth0/RP0/CPU0/0               HundredGigE0/0/0/0
              +------ ns mgmt: the router's VRF mgmt ------+

    ns default: the router's default VRF, with no interface but its loopback

The router (``xrsim.router.Router``, VRF ``mgmt`` bound to ``ns mgmt``, ``default`` to ``ns
default``, the two interfaces bound to the router's ends of the veths) is configured through
its CLI; the addresses typed there are the ones set on the veths. Then, as a user at the
console would: ``crypto ca authenticate`` and ``crypto ca enroll`` of trustpoint ``lab-scep``
(``vrf mgmt``, ``enrollment url http://198.18.1.2:8080/scep``) and of ``lab-tftp``
(``enrollment url tftp://198.18.2.2;mgmt/lab-ca``), where the lab plays the CA operator: it
publishes its CA certificate as ``lab-ca.ca``, signs the router's ``FQDN.req`` with
``openssl x509 -req`` and leaves ``FQDN.crt``, which the router picks up when its clock passes
the enrollment retry period. Last, the SCEP URL from the default VRF, which has no path to the
CA, must fail with a ``%`` error and store nothing.

What is printed: the router's CLI transcript (prompts, commands, answers; passwords hidden as
the router hides them) and ``lab:`` lines for what the lab itself does. The exit status is 0
when every step did what it must, 1 on the first step that did not (with the reason), 130
after Ctrl-C (SIGINT or SIGTERM); everything the lab made is torn down in every case.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TextIO

ROOT = Path(__file__).resolve().parents[3]
for _path in (ROOT, ROOT / "python"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    # SIGTERM as Ctrl-C, from the start: the lab tears down on either.
    signal.signal(signal.SIGTERM, _interrupt)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from simulator.dialogue import enrollment_answers
    from xrsim.errors import XrsimError
    from xrsim.lab.netlab import Lab, NetlabError, missing_tools
    from xrsim.router import Router
except KeyboardInterrupt:  # nothing was made yet
    sys.exit(130)

HOSTNAME = "lab-router"
DOMAIN = "lab.example"
SCEP_PORT = 8080
CA_ADDRESS, CA_ROUTER_END = "198.18.1.2", "198.18.1.1"
TFTP_ADDRESS, TFTP_ROUTER_END = "198.18.2.2", "198.18.2.1"
MGMT_PORT, TFTP_PORT = "MgmtEth0/RP0/CPU0/0", "HundredGigE0/0/0/0"
TFTP_CA_NAME = "lab-ca"


class LabFailure(Exception):
    """A lab step did not do what it must; the message says which and why."""


class Console:
    """The router's CLI as a user types it: every prompt, command and answer is printed."""

    def __init__(self, router: Router, out: TextIO) -> None:
        self.session = router.session(line="con0_RP0_CPU0", client="console")
        self.out = out

    def type(self, line: str, answers: Callable[[str], str | None] | None = None) -> str:
        s = self.session
        self.out.write(f"{s.prompt}{line}\n")
        self.out.flush()
        text = s.handle_line(line)
        self.out.write(text)
        while s.waiting:
            prompt = s.prompt
            reply = answers(prompt) if answers is not None else None
            if reply is None:
                s.cancel()
                raise LabFailure(f"{line!r}: unexpected question {prompt.strip()!r}")
            self.out.write(prompt + ("" if s.hidden else reply) + "\n")
            more = s.handle_line(reply)
            self.out.write(more)
            text += more
        self.out.flush()
        return text

    def lines(self, lines: list[str]) -> str:
        return "".join(self.type(line) for line in lines)


class Operator:
    """The TFTP CA's operator: a CA of the lab's own (``openssl``), signing requests."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.dir = lab.workdir / "tftp-ca"
        self.dir.mkdir(mode=0o700)
        self.key, self.cert = self.dir / "ca.key", self.dir / "ca.pem"
        self.lab.run(
            None,
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", str(self.key), "-out", str(self.cert), "-days", "3650",
                "-subj", "/O=lab/OU=TFTP operator/CN=lab TFTP CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ],
        )  # fmt: skip

    def sign(self, request: Path, certificate: Path) -> None:
        ext = self.dir / "router.ext"
        ext.write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
        )
        der = not request.read_bytes().lstrip().startswith(b"-----BEGIN")
        signed = self.dir / certificate.name
        self.lab.run(
            None,
            [
                "openssl", "x509", "-req", "-in", str(request),
                *(["-inform", "DER"] if der else []),
                "-CA", str(self.cert), "-CAkey", str(self.key), "-CAcreateserial",
                "-days", "365", "-sha256", "-extfile", str(ext), "-out", str(signed),
            ],
        )  # fmt: skip
        certificate.write_bytes(signed.read_bytes())
        certificate.chmod(0o644)


def _verify(lab: Lab, ca: Path, cert: x509.Certificate, name: str) -> str:
    """``openssl verify -CAfile NAME-ca.pem NAME.pem`` in the lab's directory; its answer."""
    (lab.workdir / f"{name}-ca.pem").write_bytes(ca.read_bytes())
    (lab.workdir / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    argv = ["openssl", "verify", "-CAfile", f"{name}-ca.pem", f"{name}.pem"]
    done = lab.run(None, argv, check=False, cwd=lab.workdir)
    result = (done.stdout or done.stderr).strip()
    if done.returncode != 0 or result != f"{name}.pem: OK":
        raise LabFailure(f"openssl verify refused the {name} certificate: {result}")
    return f"{' '.join(argv)}: {result.split(': ', 1)[1]}"


def _step(cli: Console, command: str, answers: Callable[[str], str | None]) -> str:
    """Types ``command``; ``LabFailure`` when the router answers that it failed."""
    text = cli.type(command, answers)
    errors = [line for line in text.splitlines() if line.startswith("% ") and "fail" in line]
    if errors:
        raise LabFailure(f"{command}: {errors[0]}")
    return text


def run(lab: Lab, out: TextIO) -> None:
    """The whole lab, inside ``lab``; raises ``LabFailure`` at the first step that fails."""

    def say(text: str) -> None:
        out.write(f"lab: {text}\n")
        out.flush()

    ns_ca, ns_tftp = lab.namespace("ca"), lab.namespace("tftp")
    ns_mgmt, ns_default = lab.namespace("mgmt"), lab.namespace("default")
    to_ca = lab.link(ns_mgmt, ns_ca, None, f"{CA_ADDRESS}/24")
    to_tftp = lab.link(ns_mgmt, ns_tftp, None, f"{TFTP_ADDRESS}/24")
    say(f"namespaces {ns_ca} (CA), {ns_tftp} (TFTP), {ns_mgmt} (VRF mgmt),")
    say(f"           {ns_default} (default VRF: loopback only)")
    say(f"veth {to_ca.name_a} (router, {MGMT_PORT}) <-> {to_ca.name_b} ({CA_ADDRESS}/24)")
    say(f"veth {to_tftp.name_a} (router, {TFTP_PORT}) <-> {to_tftp.name_b} ({TFTP_ADDRESS}/24)")
    scep = lab.scepserver(ns_ca, CA_ADDRESS, port=SCEP_PORT)
    say(f"scepserver (2048-bit CA, organization lab) answers GetCACaps at {scep.url}")
    tftp = lab.tftpd(ns_tftp, TFTP_ADDRESS)
    say(f"in.tftpd serves {tftp.root} on {TFTP_ADDRESS}:69")
    operator = Operator(lab)
    published = tftp.root / f"{TFTP_CA_NAME}.ca"
    published.write_bytes(operator.cert.read_bytes())
    published.chmod(0o644)
    say(f"the TFTP CA operator made a CA (openssl) and published it as {published.name}")

    with tempfile.TemporaryDirectory(prefix="xrsim-lab-router-") as state:
        router = Router.boot(
            state_dir=Path(state),
            hostname=HOSTNAME,
            vrfs={"mgmt": ns_mgmt, "default": ns_default},
            links={MGMT_PORT: to_ca.name_a, TFTP_PORT: to_tftp.name_a},
        )
        try:
            say(f"router {HOSTNAME} booted, VRFs mgmt and default bound to their namespaces")
            cli = Console(router, out)
            answers = enrollment_answers(scep.challenge)
            _configure(cli, scep.url)
            scep_cert = _enroll_scep(cli, router, answers)
            tftp_cert = _enroll_tftp(cli, router, answers, tftp.root, operator, say=say)
            _isolated(cli, router, answers)
            say(_verify(lab, scep.ca_pem, scep_cert, "lab-scep"))
            say(_verify(lab, operator.cert, tftp_cert, "lab-tftp"))
        finally:
            router.shutdown()
    say("done: both certificates verified")


def _configure(cli: Console, url: str) -> None:
    config = cli.lines(
        [
            "configure",
            f"domain name {DOMAIN}",
            "vrf mgmt",
            f"interface {MGMT_PORT}",
            " vrf mgmt",
            f" ipv4 address {CA_ROUTER_END} 255.255.255.0",
            f"interface {TFTP_PORT}",
            " vrf mgmt",
            f" ipv4 address {TFTP_ROUTER_END} 255.255.255.0",
            " no shutdown",
            "crypto ca trustpoint lab-scep",
            " vrf mgmt",
            f" enrollment url {url}",
            f" subject-name CN={HOSTNAME},O=lab,OU=SCEP",
            "crypto ca trustpoint lab-tftp",
            f" enrollment url tftp://{TFTP_ADDRESS};mgmt/{TFTP_CA_NAME}",
            f" subject-name CN={HOSTNAME},O=lab,OU=TFTP",
            "crypto ca trustpoint lab-isolated",
            f" enrollment url {url}",
            "commit",
            "end",
        ]
    )
    if "% " in config:
        raise LabFailure("the configuration was refused:\n" + config)
    cli.type("show ipv4 vrf mgmt interface brief")


def _enroll_scep(
    cli: Console, router: Router, answers: Callable[[str], str | None]
) -> x509.Certificate:
    """SCEP inside VRF mgmt, against scepserver."""
    _step(cli, "crypto ca authenticate lab-scep", answers)
    if router.certs.ca("lab-scep") is None:
        raise LabFailure("crypto ca authenticate lab-scep stored no CA certificate")
    _step(cli, "crypto ca enroll lab-scep", answers)
    cert = router.certs.router("lab-scep").get("general")
    if cert is None:
        raise LabFailure("crypto ca enroll lab-scep stored no certificate")
    return cert


def _enroll_tftp(
    cli: Console,
    router: Router,
    answers: Callable[[str], str | None],
    root: Path,
    operator: Operator,
    *,
    say: Callable[[str], None],
) -> x509.Certificate:
    """TFTP inside VRF mgmt, the lab as the CA operator."""
    _step(cli, "crypto ca authenticate lab-tftp", answers)
    if router.certs.ca("lab-tftp") is None:
        raise LabFailure("crypto ca authenticate lab-tftp stored no CA certificate")
    _step(cli, "crypto ca enroll lab-tftp", answers)
    fqdn = f"{HOSTNAME}.{DOMAIN}"
    request = root / f"{fqdn}.req"
    if not request.exists():
        raise LabFailure(f"the router did not write {request.name} to the TFTP server")
    operator.sign(request, root / f"{fqdn}.crt")
    say(f"the TFTP CA operator signed {request.name} and left {fqdn}.crt")
    say("the router's clock passes the enrollment retry period (1 minute)")
    router.advance(minutes=1)
    cert = router.certs.router("lab-tftp").get("general")
    cli.type("show crypto ca certificates")
    if cert is None:
        raise LabFailure(f"the router did not pick up {fqdn}.crt")
    return cert


def _isolated(cli: Console, router: Router, answers: Callable[[str], str | None]) -> None:
    """The SCEP URL from the default VRF, which has no path to the CA: a % error."""
    text = cli.type("crypto ca authenticate lab-isolated", answers)
    if "% " not in text or router.certs.ca("lab-isolated") is not None:
        raise LabFailure("the default VRF reached the CA: the VRFs are not isolated")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    out = sys.stdout
    missing = missing_tools("ip", "scepserver", "in.tftpd", "openssl")
    if missing:
        print(f"lab: not installed: {', '.join(missing)} (make debs)", file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print("lab: needs root (network namespaces and veth pairs)", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            with Lab("scep-vrf") as lab:
                run(lab, out)
        finally:
            # Torn down: a signal from here on has nothing left to stop.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except KeyboardInterrupt:
        print("\nlab: interrupted; everything the lab made is removed", file=sys.stderr)
        return 130
    except (LabFailure, NetlabError, XrsimError) as e:
        print(f"lab: FAILED: {getattr(e, 'reason', e)}", file=sys.stderr)
        print("lab: everything the lab made is removed", file=sys.stderr)
        return 1
    print("lab: torn down (namespaces, veths, processes, files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

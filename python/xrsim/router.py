"""``Router``: one simulated IOS XR router, the object tests and labs hold (layer 6).

A router is a ``Chassis`` (nodes, per-node filesystems, SUDI, reboot history) with its
``Datastore`` (running configuration, commits), its ``KeyStore`` and the CLI registry. It opens
``CliSession`` s for the front doors (console, SSH) and offers the Python API:

    router = Router.boot(platform="NCS-55A1-24H", state_dir=tmp, hostname="r1")
    router.cli("show version")                      # the text IOS XR prints
    router.configure(["domain name example.com"])   # configure, commit, end
    router.cli("crypto key generate rsa k", answers={"modulus": "2048"})
    router.shutdown()

Release-dependent boot behaviour goes through ``xrsim.release.supports``.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from xrsim import release
from xrsim.chassis import Chassis
from xrsim.cli import CliSession, Registry, default_registry
from xrsim.cli.commands.ssh import FACTORY_LINES
from xrsim.clock import SimClock
from xrsim.config.datastore import Datastore
from xrsim.config.tree import Change
from xrsim.crypto import generate_key
from xrsim.errors import CommandError, InvalidInput, StorageError, UnansweredPrompt
from xrsim.pki import DEFAULT_LABEL, KeyStore
from xrsim.pki.trustpoint import CertStore

__all__ = ["DEFAULT_HOSTNAME", "Answers", "Router"]

#: The hostname of a router booted without one (the seed's examples use it).
DEFAULT_HOSTNAME = "router"

#: Answers to interactive prompts: a mapping from a piece of the prompt text to the answer,
#: or a function of the prompt text (returning None when it has no answer).
Answers = Mapping[str, str] | Callable[[str], str | None]


def _answer(answers: Answers | None, prompt: str) -> str | None:
    if answers is None:
        return None
    if callable(answers):
        return answers(prompt)
    for piece, value in answers.items():
        if piece in prompt:
            return value
    return None


class Router:
    """A booted simulated router."""

    def __init__(
        self,
        chassis: Chassis,
        *,
        registry: Registry | None = None,
        owned_dir: tempfile.TemporaryDirectory[str] | None = None,
    ) -> None:
        self._chassis = chassis
        self._owned_dir = owned_dir
        self.registry = registry or default_registry()
        self._datastore = Datastore(
            now=chassis.clock.now,
            storage=chassis.store,
            on_confirm_pending=self._arm_confirm_timer,
        )
        self._keys = KeyStore(chassis.store, chassis.clock)
        self._certs = CertStore(chassis.store)
        self._api: CliSession | None = None
        self._lock = threading.Lock()
        self._confirm_timer: threading.Timer | None = None
        self._sessions: list[CliSession] = []

    # -- boot -------------------------------------------------------------------------------

    @classmethod
    def boot(
        cls,
        platform: str | None = None,
        state_dir: str | Path | None = None,
        hostname: str | None = None,
        *,
        release_version: str | None = None,
        serial: str | None = None,
        clock: SimClock | None = None,
    ) -> Router:
        """Boot a router. ``state_dir`` keeps its state across boots (a temporary directory,
        removed at ``shutdown``, when omitted). A new router gets ``hostname`` (default
        ``router``); from IOS XR 7.0.1 boot generates the default RSA host key if missing.

        The router holds ``state_dir`` until ``shutdown``: a second boot on it, from this
        process or another, raises ``StateError`` naming the holder. A directory written by an
        older xrsim is migrated to the current format first."""
        owned = None
        if state_dir is None:
            owned = tempfile.TemporaryDirectory(prefix="xrsim-")
            state_dir = owned.name
        try:
            chassis = Chassis.open(
                Path(state_dir), platform, release=release_version, serial=serial, clock=clock
            )
        except BaseException:
            if owned is not None:
                owned.cleanup()
            raise
        try:
            router = cls(chassis, owned_dir=owned)
            router._first_boot(hostname)
        except BaseException:
            chassis.close()
            if owned is not None:
                owned.cleanup()
            raise
        return router

    def _first_boot(self, hostname: str | None) -> None:
        """Factory configuration and the boot host key, where the state lacks them."""
        router, chassis = self, self._chassis
        ds = router.datastore
        fresh = ds.running.is_empty()
        current = ds.running.get(["hostname"])
        factory: list[str] = []
        if current is None or (hostname is not None and current.line != f"hostname {hostname}"):
            name = hostname or DEFAULT_HOSTNAME
            if not name or any(c.isspace() for c in name):
                raise InvalidInput(f"not a hostname: {name!r}")
            factory.append(f"hostname {name}")
        if fresh:
            factory.extend(FACTORY_LINES)
        if factory:
            ds.set_initial(router._changes_of(factory))
        if release.supports(chassis.release, "boot-host-key") and not router.keys.has(
            "rsa", DEFAULT_LABEL
        ):
            router.keys.put("rsa", DEFAULT_LABEL, generate_key("rsa", bits=2048))

    def _changes_of(self, lines: Sequence[str]) -> list[Change]:
        """The configuration changes ``lines`` make, parsed by the CLI (not committed): how
        factory configuration gets the same items as typed configuration."""
        s = CliSession(self, self.registry, user="system", line="system", client="system")
        s.enter_config()
        try:
            refused = s.enter_lines(lines)
            if refused is not None:
                raise InvalidInput(f"factory configuration refused: {refused[0]!r}: {refused[1]}")
            assert s.candidate is not None
            return list(s.candidate.changes)
        finally:
            s.close()

    # -- Device protocol (what commands use) ------------------------------------------------

    @property
    def chassis(self) -> Chassis:
        return self._chassis

    @property
    def datastore(self) -> Datastore:
        return self._datastore

    @property
    def clock(self) -> SimClock:
        return self._chassis.clock

    @property
    def keys(self) -> KeyStore:
        """The key store (``crypto key``)."""
        return self._keys

    @property
    def certs(self) -> CertStore:
        """Trustpoint certificates (``crypto ca``)."""
        return self._certs

    def _running_value(self, key: str) -> str | None:
        node = self._datastore.running.get([key])
        if node is None:
            return None
        return node.line.split()[-1]

    def hostname(self) -> str:
        return self._running_value("hostname") or "ios"

    def domain_name(self) -> str | None:
        return self._running_value("domain name")

    def fqdn(self) -> str:
        domain = self.domain_name()
        return f"{self.hostname()}.{domain}" if domain else self.hostname()

    def prompt_base(self) -> str:
        return f"RP/{self._chassis.active_rp.name}:{self.hostname()}"

    # -- sessions ---------------------------------------------------------------------------

    def session(
        self, *, user: str = "admin", line: str = "con0_RP0_CPU0", client: str = "CLI"
    ) -> CliSession:
        """A new CLI session (what a console or SSH shell drives)."""
        s = CliSession(self, self.registry, user=user, line=line, client=client)
        with self._lock:
            self._sessions = [x for x in self._sessions if not x.closed]
            self._sessions.append(s)
        return s

    def _api_session(self) -> CliSession:
        if self._api is None or self._api.closed:
            self._api = self.session(line="vty0:node0_RP0_CPU0", client="CLI")
        return self._api

    def cli(self, command: str, *, answers: Answers | None = None) -> str:
        """Run one command in the API session and return what the router prints. Interactive
        prompts are answered from ``answers``; a prompt without an answer cancels the command
        and raises ``UnansweredPrompt``."""
        s = self._api_session()
        out = s.handle_line(command)
        while s.waiting:
            prompt = s.prompt
            reply = _answer(answers, prompt)
            if reply is None:
                s.cancel()
                raise UnansweredPrompt(f"no answer for the prompt {prompt.strip()!r}", out)
            out += prompt + ("" if s.hidden else reply) + "\n"
            out += s.handle_line(reply)
        return out

    def configure(
        self,
        lines: Sequence[str],
        *,
        commit: bool = True,
        label: str | None = None,
        comment: str | None = None,
    ) -> str:
        """Enter configuration lines in the API session and (by default) commit them and
        return to exec mode. A line IOS XR refuses discards the session's changes and raises
        ``CommandError``; so does a refused commit (locked, label in use). A commit that
        could not be saved discards them and raises ``StorageError`` (nothing changed; the same
        call can be made again). With ``commit=False`` the changes stay in the session's
        candidate (``router.cli("commit")`` commits them)."""
        s = self._api_session()
        out = ""
        if s.mode == "exec":
            out += self.cli("configure")
            if s.mode == "exec":  # refused (not authorized)
                raise CommandError("configuration mode refused", out)
        refused = s.enter_lines(lines)
        if refused is not None:
            line, text = refused
            if s.mode != "exec":
                s.leave_config()
            raise CommandError(f"configuration line refused: {line!r}", text)
        if commit:
            cmd = "commit"
            if label:
                cmd += f" label {label}"
            if comment:
                cmd += f" comment {comment}"
            text = self.cli(cmd)
            out += text
            failure = s.last_error
            if failure is not None:
                s.leave_config()
                if isinstance(failure, StorageError):
                    raise failure
                raise CommandError("commit failed", text) from failure
            out += self.cli("end")
        return out

    # -- time -------------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the router's clock forward and run what came due (``commit confirmed``)."""
        self.clock.advance(seconds)
        self._datastore.tick()

    def _arm_confirm_timer(self) -> None:
        pending = self._datastore.pending_confirm
        if pending is None or self._confirm_timer is not None:
            return
        delay = max(0.0, (pending[1] - self.clock.now()).total_seconds())

        def fire() -> None:
            self._confirm_timer = None
            self._datastore.tick()
            self._arm_confirm_timer()

        self._confirm_timer = threading.Timer(delay + 0.01, fire)
        self._confirm_timer.daemon = True
        self._confirm_timer.start()

    # -- shutdown ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Close every session, stop timers and release the state directory (closing the
        state store); a temporary state directory is removed. Idempotent."""
        if self._confirm_timer is not None:
            self._confirm_timer.cancel()
            self._confirm_timer = None
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()
        self._chassis.close()
        if self._owned_dir is not None:
            self._owned_dir.cleanup()
            self._owned_dir = None

    def __enter__(self) -> Router:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()

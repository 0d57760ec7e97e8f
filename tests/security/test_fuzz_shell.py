"""Issue 12 item 9: a bounded fuzz of the SSH shell.

2,000 fuzz lines go over ONE real SSH shell (paramiko, a pty) to a router served by
``SshServer``, in blocks across every CLI mode (exec, config, config-if, config-trustp,
config-vrf, config-vrf-af, config-un, config-tg, config-ug, config-line, config-ncy-agent),
each mode entered with real commands between the fuzz lines. The lines mix random bytes,
invalid UTF-8, escape sequences (whole, cut short, interrupted), control characters, valid but
unusual Unicode, ``?`` help, keyword salad from the mode's own vocabulary with odd arguments
and pipes, and lines of 100 KB. After every line a Ctrl-C and a marker line (an unknown word:
the invalid-input answer, then the prompt) bring the shell to a known point; the test asserts
that the connection never drops, that nothing the router sends holds a traceback, a Python
exception name or ``Internal error`` (or bytes that are not UTF-8), that the router logged no
error, and that ``show version`` works on the same shell afterwards.

Lines that would end the session on purpose (``exit`` and ``reload`` in exec mode, ``clear``,
``redundancy``) or arm an idle timer on it (``line`` / ``exec-timeout`` / ``session-timeout``)
are left out: each candidate is put through the line discipline and the parser offline, in
every mode, and regenerated when it would parse as one of those.

The RNG is seeded from ``XRSIM_FUZZ_SEED`` when set (to replay a failure), else at random; the
seed is in every failure message.
"""

from __future__ import annotations

import logging
import os
import random
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support import PtyShell
from xrsim.cli import default_registry
from xrsim.cli.parser import ParseError, parse, tokenize
from xrsim.cli.registry import Registry, TokenNode
from xrsim.frontends.ssh import SshServer
from xrsim.frontends.ssh.line import LineDiscipline
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)

USER, PASSWORD = "admin", "admin"
LINES = 2000
PER_BLOCK = 20
#: Fuzz lines between two marker lines.
SYNC_EVERY = 10
HUGE = 100 * 1024
INVALID = "% Invalid input detected at '^' marker."
#: What must never reach the user: a traceback, a Python exception's name, a bug's answer.
FORBIDDEN = re.compile(r"Traceback|Internal error|\b[A-Z]\w*(?:Error|Exception):")

#: Each mode and the real commands that enter it from exec mode.
MODES: list[tuple[str, list[str]]] = [
    ("exec", []),
    ("config", ["configure terminal"]),
    ("config-if", ["configure terminal", "interface MgmtEth0/RP0/CPU0/0"]),
    ("config-trustp", ["configure terminal", "crypto ca trustpoint fz"]),
    ("config-vrf", ["configure terminal", "vrf fz"]),
    ("config-vrf-af", ["configure terminal", "vrf fz", "address-family ipv4 unicast"]),
    ("config-un", ["configure terminal", "username fzuser"]),
    ("config-tg", ["configure terminal", "taskgroup fztg"]),
    ("config-ug", ["configure terminal", "usergroup fzug"]),
    ("config-line", ["configure terminal", "line default"]),
    ("config-ncy-agent", ["configure terminal", "netconf-yang agent"]),
    ("config", ["configure exclusive"]),
]

#: Commands whose first words end or time out the session on purpose: never typed.
DANGEROUS = {
    "exit",
    "reload",
    "clear",
    "redundancy",
    "line",
    "exec-timeout",
    "session-timeout",
    "absolute-timeout",
}

BAD_UTF8 = [
    b"\xff",
    b"\xfe",
    b"\x80",
    b"\xc3",
    b"\xc0\xaf",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xf0\x9f\x98",
    b"\xf8\x88\x80\x80\x80",
]
ODD_TEXT = [
    "\u00e9",
    "\u0301",
    "\u200b",
    "\u202e",
    "\u2028",
    "\u0085",
    "\u00a0",
    "\u3000",
    "\ufeff",
    "\U0001f600",
    "\ufffd",
    "\u0000",
    "\uffff",
    "\U0010ffff",
]
PIPES = [
    "| include a",
    "| exclude (",
    "| begin [",
    "| utility wc",
    "| utility head -n 0",
    "| utility egrep *",
    "| file harddisk:/fz.txt",
    "| file harddisk:/" + "n" * 300,
    "| file /etc/passwd",
    "| file harddisk:/../../x",
    "|",
    "| | |",
]


def _vocabulary(registry: Registry) -> dict[str, list[str]]:
    """Every keyword of each mode's command tree."""

    def walk(node: TokenNode, seen: set[str]) -> None:
        for word, child in node.keywords.items():
            seen.add(word)
            walk(child, seen)
        for _, child in node.params:
            walk(child, seen)

    words: dict[str, list[str]] = {}
    for mode, tree in registry.trees.items():
        seen: set[str] = set()
        walk(tree, seen)
        words[mode] = sorted(seen - DANGEROUS)
    return words


class _Offline:
    """The line discipline with nobody behind it: what lines a chunk of input makes."""

    prompt = ""
    hidden = False
    waiting = False
    partial_input = ""

    def cancel(self) -> None:
        return None


class Fuzzer:
    def __init__(self, seed: int, registry: Registry) -> None:
        self.rng = random.Random(seed)
        self.registry = registry
        self.words = _vocabulary(registry)
        self.huge_left = 8

    # -- what would run ----------------------------------------------------------------------

    def dangerous(self, data: bytes) -> bool:
        """Whether ``data`` typed into the shell could run a DANGEROUS command in any mode."""
        ld = LineDiscipline(_Offline())
        for ch in data.decode("utf-8", "surrogateescape"):
            request = ld.feed(ch)
            if request is None or request.help:
                continue
            if self._dangerous_line(request.text):
                return True
        return False

    def _dangerous_line(self, line: str) -> bool:
        tokens = tokenize(line)
        if tokens and tokens[0].text.lower() == "do":
            line = line[tokens[1].start :] if len(tokens) > 1 else ""
        for tree in self.registry.trees.values():
            try:
                match = parse(tree, line)
            except ParseError:
                continue
            words = match.command.syntax.split()
            if words[0] == "no" and len(words) > 1:
                words = words[1:]
            if words[0] in DANGEROUS:
                return True
        return False

    # -- the kinds of line --------------------------------------------------------------------

    def printable(self, n: int) -> str:
        return "".join(chr(self.rng.randrange(0x20, 0x7F)) for _ in range(n))

    def token(self) -> str:
        r = self.rng
        return r.choice(
            [
                lambda: str(r.randrange(-5, 70000)),
                lambda: str(r.randrange(0, 2**70)),
                lambda: self.printable(r.randint(1, 12)).replace(" ", ""),
                lambda: ".".join(str(r.randrange(0, 300)) for _ in range(4)),
                lambda: f"harddisk:/{self.printable(r.randint(1, 20)).replace(' ', '')}",
                lambda: "x" * r.randint(200, 3000),
                lambda: r.choice(ODD_TEXT) * r.randint(1, 4),
                lambda: r.choice(["fz", "fzuser", "fztg", "fzug", "default", "ipv4", "rsa"]),
                lambda: r.choice(['""', "'", '"', "\\", "%s", "{0}", "$(id)", "`id`", "*", "^"]),
            ]
        )()

    def salad(self, mode: str) -> str:
        r = self.rng
        vocab = self.words[mode] or self.words["exec"]
        parts = []
        for _ in range(r.randint(1, 7)):
            parts.append(r.choice(vocab) if r.random() < 0.6 else self.token())
        if r.random() < 0.15:
            parts.append(r.choice(PIPES))
        if r.random() < 0.1:
            parts.insert(0, "do")
        return " ".join(parts)

    def kind_random_bytes(self, mode: str) -> bytes:
        return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 160)))

    def kind_invalid_utf8(self, mode: str) -> bytes:
        data = bytearray(self.salad(mode).encode())
        for _ in range(self.rng.randint(1, 3)):
            at = self.rng.randint(0, len(data))
            data[at:at] = self.rng.choice(BAD_UTF8)
        return bytes(data)

    def escape(self) -> bytes:
        r = self.rng
        params = ";".join(str(r.randrange(0, 200)) for _ in range(r.randint(0, 4)))
        return r.choice(
            [
                b"\x1b[" + params.encode() + bytes([r.randrange(0x40, 0x7F)]),
                b"\x1b[?" + params.encode() + b"h",
                b"\x1b[" + bytes([r.randrange(0x20, 0x30)]) + bytes([r.randrange(0x40, 0x7F)]),
                b"\x1bO" + bytes([r.randrange(0x20, 0x7F)]),
                b"\x1b" + bytes([r.randrange(0x20, 0x7F)]),
                b"\x1b",
                b"\x1b[",
                b"\x1b[" + params.encode(),
                b"\x1bO",
                b"\x1b\x1b[A",
                b"\x1b]0;title\x07",
                b"\xc2\x9b" + params.encode() + b"m",
                b"\x1b[" + r.choice(BAD_UTF8),
                b"\x1b[\x03",
                b"\x1b[200~" + self.printable(8).encode() + b"\x1b[201~",
            ]
        )

    def kind_escapes(self, mode: str) -> bytes:
        text = self.salad(mode).encode()
        out = bytearray()
        for chunk in re.split(rb"( )", text):
            out += chunk
            if self.rng.random() < 0.4:
                out += self.escape()
        return bytes(out)

    def kind_control(self, mode: str) -> bytes:
        data = bytearray(self.salad(mode).encode())
        for _ in range(self.rng.randint(1, 6)):
            at = self.rng.randint(0, len(data))
            data[at:at] = bytes([self.rng.choice([*range(0x00, 0x20), 0x7F])])
        return bytes(data)

    def kind_unicode(self, mode: str) -> bytes:
        words = self.salad(mode).split(" ")
        return " ".join(w + self.rng.choice(ODD_TEXT) for w in words).encode()

    def kind_help(self, mode: str) -> bytes:
        text = self.salad(mode)
        at = self.rng.randint(0, len(text))
        return (text[:at] + "?" + text[at:]).encode()

    def kind_salad(self, mode: str) -> bytes:
        return self.salad(mode).encode()

    def kind_huge(self, mode: str) -> bytes:
        r = self.rng
        shape = r.randrange(5)
        if shape == 0:
            return b"a" * HUGE
        if shape == 1:
            return (r.choice(self.words[mode] or ["show"]) + " " + "x" * HUGE).encode()
        if shape == 2:
            return bytes(r.choice(b"abcdefghij \t\x1b[;0123456789") for _ in range(HUGE))
        if shape == 3:
            return b" " * HUGE + b"show"
        return (b"\xff" + b"z" * 99) * (HUGE // 100)

    def line(self, mode: str, index: int) -> bytes:
        """One fuzz line (with its ending) for ``mode``, never a DANGEROUS one."""
        kinds: list[tuple[Callable[[str], bytes], int]] = [
            (self.kind_random_bytes, 3),
            (self.kind_invalid_utf8, 3),
            (self.kind_escapes, 3),
            (self.kind_control, 3),
            (self.kind_unicode, 2),
            (self.kind_help, 2),
            (self.kind_salad, 4),
        ]
        while True:
            if self.huge_left and index % 250 == 125:
                self.huge_left -= 1
                body = self.kind_huge(mode)
            else:
                (make,) = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])
                body = make(mode)
            body += self.rng.choice([b"\r", b"\r", b"\r", b"\n", b"\r\n", b""])
            if not self.dangerous(body):
                return body


class Shell(PtyShell):
    """One paramiko pty shell; ``sync`` brings it to a prompt and returns what came."""

    def __init__(self, port: int, seed: int) -> None:
        super().__init__(port, timeout=30)
        self.seed = seed
        self.marks = 0

    def check(self, what: str, ok: bool, detail: Any = "") -> None:
        if not ok:
            pytest.fail(f"{what} (XRSIM_FUZZ_SEED={self.seed}): {detail!r}"[:4000])

    def send(self, data: bytes) -> None:
        self.check("the connection dropped", self.alive)
        try:
            self.chan.sendall(data)
        except (OSError, EOFError) as e:  # paramiko: EOFError once the server hung up
            self.check("the connection dropped while sending", False, repr(e))

    def sync(self) -> str:
        """Ctrl-C and a marker line; everything received up to the prompt after its
        invalid-input answer (checked for what must never be shown)."""
        self.marks += 1
        mark = f"zzsync{self.marks}"
        self.send(b"\x03" + mark.encode() + b"\r")
        tail = re.compile(
            re.escape(mark) + r"\r\n *\^\r\n" + re.escape(INVALID) + r"\r\n[^\r\n]*#$"
        )
        while True:
            try:
                data = self.chan.recv(1 << 20)
            except TimeoutError as e:
                self.check("no answer to the marker line", False, (e, self.raw[-500:]))
            self.check("the connection dropped", bool(data), self.raw[-500:])
            self.raw += data
            if self.raw.endswith(b"#"):
                try:
                    text = self.raw.decode()
                except UnicodeDecodeError as e:
                    self.check("the router sent bytes that are not UTF-8", False, (e, self.raw))
                if tail.search(text[-4000:]):
                    break
        self.raw = b""
        found = FORBIDDEN.search(text)
        self.check("the router showed an error it must not", found is None, text[-3000:])
        return text

    def prompt_after(self, text: str) -> str:
        return text.rsplit("\r\n", 1)[-1]


class _Errors(logging.Handler):
    """Every record of level ERROR or above logged in this process (the server runs here)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[_Errors]:
    handler = _Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_fuzz_one_shell_across_every_mode(errors: _Errors) -> None:
    seed = int(os.environ.get("XRSIM_FUZZ_SEED") or random.randrange(2**32))
    print(f"XRSIM_FUZZ_SEED={seed}")
    registry = default_registry()
    fuzzer = Fuzzer(seed, registry)
    with (
        Router.boot(hostname="router") as router,
        SshServer(router, users={USER: PASSWORD}) as server,
    ):
        shell = Shell(server.port, seed)
        try:
            shell.sync()
            sent = 0
            block = 0
            seen_modes: set[str] = set()
            while sent < LINES:
                mode, entry = MODES[block % len(MODES)]
                block += 1
                shell.send(b"\x03abort\r")  # back to exec mode, uncommitted changes dropped
                for command in entry:
                    shell.send(command.encode() + b"\r")
                prompt = shell.prompt_after(shell.sync())
                found = re.search(r"\((config[-\w]*)\)#$", prompt)
                shell.check(
                    f"entering {mode}",
                    (found.group(1) if found else "exec") == mode,
                    prompt,
                )
                seen_modes.add(mode)
                for i in range(min(PER_BLOCK, LINES - sent)):
                    # Ctrl-C after each line: the next starts afresh (a question is dropped)
                    shell.send(fuzzer.line(mode, sent) + b"\x03")
                    sent += 1
                    if i % SYNC_EVERY == SYNC_EVERY - 1:
                        shell.sync()
                shell.sync()
            shell.check("every mode was fuzzed", seen_modes == {m for m, _ in MODES})
            shell.send(b"\x03abort\r")
            shell.sync()
            shell.send(b"show version\r")
            text = shell.sync()  # the version's answer comes before the marker's
            shell.check(
                "show version after the fuzz", "Cisco IOS XR Software, Version" in text, text
            )
            shell.check("the router logged errors", not errors.records, errors.records[:3])
            shell.check("the connection dropped", shell.alive)
        finally:
            shell.close()

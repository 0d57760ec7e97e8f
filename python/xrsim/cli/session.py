"""One CLI session: the same object behind the console, an SSH shell and the Python API.

``CliSession.handle_line(line)`` takes one line as a user typed it and returns the text the
router prints in answer (without the echo and without the next prompt); ``prompt`` is what to
print next: the mode prompt (``RP/0/RP0/CPU0:router(config)#``) or, while a command waits for
an answer, its question (``How many bits in the modulus [2048]: ``; ``hidden`` says whether to
echo the answer). The session keeps the mode, the submode path, the candidate configuration,
``terminal length``/``width`` and the pending interactive command (a generator that yields
``Prompt`` s). Errors are printed as IOS XR prints them, with the ``^`` under the bad token;
nothing a user types raises out of ``handle_line``. A line holding a character that is not
text (a surrogate: the SSH front door carries bytes that were not UTF-8 as surrogate escapes)
is refused with the ``^`` under the first one, before anything parses it, also as the answer
to a question (which then waits on). A line starting with ``!`` is a comment in
every configuration mode. ``Pipe`` is one output modifier after ``|`` (``include``, ...,
``utility``: ``Utility`` is IOS XR's ``head``/``tail``/``egrep``/``wc``, ``Sign`` its ``utility
sign nonce N [include-certificate]``, the output signed by the active RP's SUDI key into the
JSON envelope of ``xrsim.integrity.envelope``, for a user with ``execute basic-services``, on
releases with ``sudi-signature``; ``file`` writes the output to a file, for a user who may
write files as ``copy`` does; pipes apply in order, so ``| utility sign nonce 1 | file
harddisk:x.json`` saves the envelope); ``FailedConfig``
what ``show configuration failed [load]`` shows of the session's last failed commit or load.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import GeneratorType
from typing import TYPE_CHECKING

from xrsim.aaa import (
    DEFAULT_GROUPS,
    DEFAULT_TASKS,
    FILE_WRITE,
    TASK_IDS,
    AaaConfig,
    Grants,
    authorize,
)
from xrsim.cli import messages
from xrsim.cli.context import Ctx, Device, Interaction, Prompt
from xrsim.cli.parser import Match, ParseError, Token, help_at, parse, tokenize
from xrsim.cli.registry import Keyword
from xrsim.clock import xr_timestamp
from xrsim.config.tree import Change, PathItem
from xrsim.errors import XrsimError
from xrsim.integrity import envelope

if TYPE_CHECKING:
    from xrsim.cli.registry import Command, Registry, TokenNode
    from xrsim.config.datastore import Candidate

__all__ = [
    "INVALID",
    "NOT_AUTHORIZED",
    "UTILITY_SIGN",
    "CliSession",
    "FailedConfig",
    "Pipe",
    "Sign",
    "Utility",
    "error_text",
]

#: Kept here for the front doors that import them (the texts live in ``xrsim.cli.messages``).
INVALID = messages.INVALID
NOT_AUTHORIZED = messages.NOT_AUTHORIZED
#: Changing a stored line no command parses any more: write on every task (nothing tells
#: which task it belongs to; root-system has them all).
_EVERY_WRITE = tuple(("write", task) for task in TASK_IDS)
_SECRET_WORDS = re.compile(r"\b(secret|password)\b.*", re.IGNORECASE)
_log = logging.getLogger("xrsim.cli")
_ids = itertools.count(1)
#: ``| utility sign``: IOS XR's task for it (the seed's dossier task group grants it with
#: ``task execute basic-services`` beside ``task execute dossier``).
UTILITY_SIGN: tuple[tuple[str, str], ...] = (("execute", "basic-services"),)
#: The release feature ``| utility sign`` needs.
SIGN_FEATURE = "sudi-signature"
#: A character no text holds (a byte that was not UTF-8, as a surrogate escape).
_NOT_TEXT = re.compile("[\ud800-\udfff]")


def error_text(err: ParseError, column_offset: int) -> str:
    """The IOS XR error for a parse failure; ``column_offset`` is the prompt's length."""
    if err.kind == "incomplete":
        return messages.INCOMPLETE + "\n"
    if err.kind == "ambiguous":
        return messages.ambiguous(err.line) + "\n"
    return " " * (column_offset + err.pos) + "^\n" + messages.INVALID + "\n"


@dataclass(frozen=True)
class Utility:
    """``| utility NAME ...``: IOS XR's Unix-style filters. ``name`` is ``head``, ``tail``,
    ``egrep`` or ``wc``; ``flags`` the options given (spelled as their long names: ``count``,
    ``ignore-case``, ``lines``...), ``count`` the line count of head and tail, ``pattern``
    egrep's expression."""

    name: str
    flags: frozenset[str] = frozenset()
    count: int = 10
    pattern: str = ""

    def apply(self, lines: list[str]) -> str:
        if self.name == "head":
            return "".join(lines[: self.count])
        if self.name == "tail":
            return "".join(lines[max(0, len(lines) - self.count) :] if self.count else [])
        if self.name == "wc":
            return self._wc(lines)
        return self._egrep(lines)

    def _egrep(self, lines: list[str]) -> str:
        body = self.pattern
        if "line-exact" in self.flags:
            body = f"^(?:{body})$"
        elif "word-exact" in self.flags:
            body = rf"\b(?:{body})\b"
        rx = re.compile(body, re.IGNORECASE if "ignore-case" in self.flags else 0)
        invert = "invert-match" in self.flags
        picked = [
            (n, ln) for n, ln in enumerate(lines, 1) if bool(rx.search(ln.rstrip("\n"))) != invert
        ]
        if "count" in self.flags:
            return f"{len(picked)}\n"
        if "line-number" in self.flags:
            return "".join(f"{n}:{ln}" for n, ln in picked)
        return "".join(ln for _, ln in picked)

    def _wc(self, lines: list[str]) -> str:
        text = "".join(lines)
        counts = {
            "lines": text.count("\n"),
            "words": len(text.split()),
            "bytes": len(text.encode()),
        }
        chosen = [k for k in counts if k in self.flags] or list(counts)
        if len(chosen) == 1:
            return f"{counts[chosen[0]]}\n"
        return " ".join(f"{counts[k]:>7}" for k in chosen) + "\n"


@dataclass(frozen=True)
class Sign:
    """``| utility sign nonce N [include-certificate]``: the output (as UTF-8; a character
    that is not text becomes ``?``) signed by the active RP's SUDI key over ``nonce``, printed
    as the envelope (``xrsim.integrity.envelope.sign``). ``column`` is where ``sign`` was
    typed (the ``^`` of a release without it)."""

    nonce: int
    include_certificate: bool = False
    column: int = 0

    def apply(self, text: str, session: CliSession) -> str:
        identity = session.device.chassis.sudi()
        data = text.encode("utf-8", "replace")
        signed = envelope.sign(
            data,
            nonce=self.nonce,
            identity=identity,
            include_certificate=self.include_certificate,
        )
        return signed + "\n"


#: ``utility sign``'s keywords.
_SIGN_WORDS = ("nonce", "include-certificate")


def _parse_sign(text: str, toks: list[Token], col: int) -> Sign:
    """``sign nonce N [include-certificate]`` (either order; ``toks[0]`` is ``sign``)."""
    nonce: int | None = None
    include = False
    i = 1
    while i < len(toks):
        tok = toks[i]
        words = [w for w in _SIGN_WORDS if w.startswith(tok.text.lower())]
        if len(words) != 1:
            raise ParseError("invalid", col + tok.start, text)
        if words[0] == "include-certificate":
            if include:
                raise ParseError("invalid", col + tok.start, text)
            include = True
            i += 1
            continue
        if nonce is not None:
            raise ParseError("invalid", col + tok.start, text)
        if i + 1 == len(toks):
            raise ParseError("incomplete", col + len(text), text)
        value = toks[i + 1]
        if not value.text.isdigit() or int(value.text) > envelope.MAX_NONCE:
            raise ParseError("invalid", col + value.start, text)
        nonce = int(value.text)
        i += 2
    if nonce is None:
        raise ParseError("incomplete", col + len(text), text)
    return Sign(nonce, include, col + toks[0].start)


#: The options of each utility: short and long spelling to the long name, and whether a
#: number follows.
_UTILITY_OPTIONS: dict[str, dict[str, tuple[str, bool]]] = {
    "head": {"-n": ("count", True), "count": ("count", True)},
    "tail": {"-n": ("count", True), "count": ("count", True)},
    "egrep": {
        "-i": ("ignore-case", False),
        "ignore-case": ("ignore-case", False),
        "-v": ("invert-match", False),
        "invert-match": ("invert-match", False),
        "-c": ("count", False),
        "count": ("count", False),
        "-n": ("line-number", False),
        "line-number": ("line-number", False),
        "-w": ("word-exact", False),
        "word-exact": ("word-exact", False),
        "-x": ("line-exact", False),
        "line-exact": ("line-exact", False),
    },
    "wc": {
        "-l": ("lines", False),
        "lines": ("lines", False),
        "-w": ("words", False),
        "words": ("words", False),
        "-c": ("bytes", False),
        "bytes": ("bytes", False),
    },
}


def _parse_utility(text: str, col: int) -> Utility | Sign:
    """``utility NAME [options] [PATTERN]`` (``text`` without ``utility``; ``col`` its column)."""
    toks = tokenize(text)
    if not toks:
        raise ParseError("incomplete", col + len(text), text)
    word = toks[0].text.lower()
    names = [n for n in (*_UTILITY_OPTIONS, "sign") if n.startswith(word)]
    if len(names) != 1:
        raise ParseError("invalid", col + toks[0].start, text)
    if names[0] == "sign":
        return _parse_sign(text, toks, col)
    return _parse_filter(names[0], text, toks, col)


def _parse_filter(name: str, text: str, toks: list[Token], col: int) -> Utility:
    """``head``/``tail``/``egrep``/``wc`` and their options (``toks[0]`` is the name)."""
    options = _UTILITY_OPTIONS[name]
    flags: set[str] = set()
    count = 10
    i = 1
    while i < len(toks):
        tok = toks[i]
        option = options.get(tok.text.lower())
        if option is None:
            long = [o for o in options if not o.startswith("-") and o.startswith(tok.text.lower())]
            option = options[long[0]] if len(long) == 1 else None
        if option is None:
            break
        flag, numeric = option
        flags.add(flag)
        i += 1
        if numeric:
            if i == len(toks):
                raise ParseError("incomplete", col + len(text), text)
            if not toks[i].text.isdigit():
                raise ParseError("invalid", col + toks[i].start, text)
            count = int(toks[i].text)
            i += 1
    pattern = text[toks[i].start :].strip() if i < len(toks) else ""
    if name == "egrep":
        if not pattern:
            raise ParseError("incomplete", col + len(text), text)
        try:
            re.compile(pattern)
        except re.error:
            raise ParseError("invalid", col + toks[i].start, text) from None
    elif pattern:
        raise ParseError("invalid", col + toks[i].start, text)
    return Utility(name, frozenset(flags), count, pattern)


@dataclass(frozen=True)
class Pipe:
    """An output modifier after ``|``: include, exclude, begin, file, count, utility."""

    kind: str
    arg: str
    utility: Utility | None = None
    sign: Sign | None = None

    def apply(self, text: str, session: CliSession) -> str:
        lines = text.splitlines(keepends=True)
        if self.kind == "file":
            return self._to_file(text, session)
        if self.sign is not None:
            return self.sign.apply(text, session)
        if self.kind == "count":
            return f"Number of lines which match regexp = {len(lines)}\n"
        if self.utility is not None:
            return self.utility.apply(lines)
        return self._filter(lines)

    def _filter(self, lines: list[str]) -> str:
        """include, exclude and begin."""
        rx = re.compile(self.arg)
        if self.kind == "include":
            return "".join(ln for ln in lines if rx.search(ln))
        if self.kind == "exclude":
            return "".join(ln for ln in lines if not rx.search(ln))
        for i, ln in enumerate(lines):  # begin
            if rx.search(ln):
                return "".join(lines[i:])
        return ""

    def _to_file(self, text: str, session: CliSession) -> str:
        fs = session.device.chassis.fs()
        try:
            fs.check_user_path(self.arg)
            fs.write_atomic(self.arg, text.encode())
        except XrsimError as e:
            reason = str(e).removeprefix(f"{self.arg}: ")
            return f"%Error opening {self.arg} ({reason})\n"
        return ""


_PIPES = ("include", "exclude", "begin", "file", "count", "utility")


def _parse_pipes(segments: list[tuple[str, int]]) -> list[Pipe]:
    """Parse ``| include X`` segments; raise ParseError with the column of a bad one."""
    out = []
    for text, col in segments:
        toks = tokenize(text)
        if not toks:
            raise ParseError("incomplete", col, text)
        word = toks[0].text.lower()
        kinds = [k for k in _PIPES if k.startswith(word)]
        if len(kinds) != 1:
            raise ParseError("invalid", col + toks[0].start, text)
        kind = kinds[0]
        arg = text[toks[1].start :].strip() if len(toks) > 1 else ""
        if kind != "count" and not arg:
            raise ParseError("incomplete", col + len(text), text)
        if kind == "utility":
            offset = toks[1].start
            parsed = _parse_utility(text[offset:], col + offset)
            if isinstance(parsed, Sign):
                out.append(Pipe(kind, arg, sign=parsed))
            else:
                out.append(Pipe(kind, arg, parsed))
            continue
        if kind in ("include", "exclude", "begin"):
            # IOS XR takes the expression in double quotes too (``| include "a b"``): the
            # quotes delimit it and are not part of it; an unclosed quote is refused.
            if arg.startswith('"'):
                if len(arg) < 2 or not arg.endswith('"'):
                    raise ParseError("invalid", col + toks[1].start, text)
                arg = arg[1:-1]
            try:
                re.compile(arg)
            except re.error:
                raise ParseError("invalid", col + toks[1].start, text) from None
        out.append(Pipe(kind, arg))
    return out


def _split_pipes(line: str) -> tuple[str, list[tuple[str, int]]]:
    """The command before the first ``|`` and each pipe segment with its column; a ``|``
    inside double quotes is part of an expression (``| include "a|b"``), not a pipe."""
    parts, start, quoted = [], 0, False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "|" and not quoted:
            parts.append(line[start:i])
            start = i + 1
    parts.append(line[start:])
    head = parts[0]
    segments = []
    col = len(head) + 1
    for part in parts[1:]:
        segments.append((part, col))
        col += len(part) + 1
    return head, segments


@dataclass(frozen=True)
class FailedConfig:
    """What the session's last failed commit (``semantic``), its last ``load`` (``syntax``),
    or a ``commit replace`` or rollback its task IDs refused (``authorization``) refused: the
    configuration lines as ``show configuration failed`` prints them below its header (with
    the ``!!%`` reason after each refused item)."""

    kind: str
    lines: tuple[str, ...]


@dataclass
class _Pending:
    gen: Interaction
    ctx: Ctx
    pipes: list[Pipe]
    prompt: Prompt


class CliSession:
    """A user's CLI session on a router."""

    def __init__(
        self,
        device: Device,
        registry: Registry,
        *,
        user: str = "admin",
        line: str = "con0_RP0_CPU0",
        client: str = "CLI",
    ) -> None:
        self.id = next(_ids)
        self.device = device
        self.registry = registry
        self.user = user
        self.line_name = line
        self.client = client
        self.mode = "exec"
        self.config_path: tuple[PathItem, ...] = ()
        self._stack: list[tuple[str, tuple[PathItem, ...]]] = []
        self.candidate: Candidate | None = None
        self.exclusive = False
        self.term_length = 24
        self.term_width = 80
        #: ``terminal exec prompt [no-]timestamp``: the timestamp line before exec output.
        self.exec_timestamp = True
        self.closed = False
        self.partial_input = ""
        #: Whether the last line was refused by task authorization (``NOT_AUTHORIZED``): how
        #: callers tell that refusal from others without reading the text.
        self.denied = False
        #: Length of the prompt the current command was typed after (for ``^`` markers).
        self.command_prompt_len = 0
        self._pending: _Pending | None = None
        #: The failure of the last command entered (an error its handler reported, such as a
        #: commit that was refused or could not be saved), None when it went through: how
        #: ``Router.configure`` tells a failed commit by type rather than by its text.
        self.last_error: XrsimError | None = None
        self._grants: tuple[int, Grants] | None = None
        #: ``show configuration failed``: what the last failed commit of this session refused.
        self.failed_commit: FailedConfig | None = None
        #: ``show configuration failed load``: the lines the last ``load`` refused.
        self.failed_load: FailedConfig | None = None
        #: ``show configuration failed rollback``: what the last refused rollback refused.
        self.failed_rollback: FailedConfig | None = None
        #: A ``load`` is reading a file (a ``load`` inside it is refused).
        self.loading = False

    # -- prompt -----------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        if self._pending is not None:
            return self._pending.prompt.text
        suffix = self.registry.modes[self.mode].prompt
        return f"{self.device.prompt_base()}{f'({suffix})' if suffix else ''}#"

    @property
    def hidden(self) -> bool:
        return self._pending is not None and self._pending.prompt.hidden

    @property
    def waiting(self) -> bool:
        """A command waits for an answer."""
        return self._pending is not None

    # -- modes ------------------------------------------------------------------------------

    def enter_config(self, *, exclusive: bool = False) -> bool:
        if exclusive and not self.device.datastore.lock_exclusive(self.id):
            return False
        self.exclusive = exclusive
        self.candidate = self.device.datastore.candidate(self.id)
        self.mode = "config"
        self.config_path = ()
        self._stack = []
        return True

    def enter_submode(self, mode: str, path: tuple[PathItem, ...]) -> None:
        self._stack.append((self.mode, self.config_path))
        self.mode = mode
        self.config_path = path

    def exit_submode(self) -> None:
        self.mode, self.config_path = self._stack.pop()

    def to_config_root(self) -> None:
        while self._stack:
            self.exit_submode()

    def leave_config(self) -> None:
        if self.exclusive:
            self.device.datastore.unlock_exclusive(self.id)
        self.exclusive = False
        self.candidate = None
        self.mode = "exec"
        self.config_path = ()
        self._stack = []

    def enter_lines(self, lines: Sequence[str], *, nested: bool = False) -> tuple[str, str] | None:
        """Type configuration ``lines`` in this session's configuration mode, as a person or a
        script would, and stop at the first one IOS XR refuses: a configuration line prints
        nothing when it is accepted, so anything printed, a question (abandoned) or leaving
        configuration mode is a refusal. Returns the refused line and what was printed, or
        None. ``nested``: leading spaces give the submode depth of a line (one per level, as
        ``show running-config`` prints), so a line at a lower depth leaves submodes first;
        otherwise lines are flat and IOS XR's parent-mode fallback places them."""
        for raw in lines:
            text = raw.strip()
            if not text:
                continue
            if self.mode == "exec" or self.closed:
                return raw, ""
            if nested:
                depth = len(raw) - len(raw.lstrip(" "))
                while len(self.config_path) > depth and self._stack:
                    self.exit_submode()
            out = self.handle_line(text)
            if self.waiting:
                self.cancel()
                return raw, out
            if out.strip() or self.mode == "exec":
                return raw, out
        return None

    def cancel(self) -> None:
        """Abandon the command that waits for an answer (as Ctrl-C would)."""
        if self._pending is not None:
            self._pending.gen.close()
            self._pending = None

    def close(self) -> None:
        if self.mode != "exec":
            self.leave_config()
        if self._pending is not None:
            self._pending.gen.close()
            self._pending = None
        self.closed = True

    # -- lines ------------------------------------------------------------------------------

    def handle_line(self, line: str) -> str:
        """Run one line; returns what the router prints (no echo, no prompt)."""
        try:
            line = line.rstrip("\r\n")
            bad = None if self.closed else _NOT_TEXT.search(line)
            if bad is not None:  # the marker under it, before anything parses the line
                column = len(self.prompt.rsplit("\n", 1)[-1])
                return error_text(ParseError("invalid", bad.start(), line), column)
            return self._handle(line)
        except Exception as e:  # a bug must not kill the session: log it, say so briefly
            _log.exception("internal error on %r", _SECRET_WORDS.sub(r"\1 <removed>", line))
            self._pending = None
            return messages.internal_error(type(e).__name__) + "\n"

    def _handle(self, line: str) -> str:
        self.denied = False
        if self.closed:
            return ""
        if self._pending is not None:
            return self._resume(line)
        self.partial_input = ""
        if not line.strip() or (self.mode != "exec" and line.lstrip().startswith("!")):
            return ""  # nothing, or a comment (in every configuration mode)
        column = len(self.prompt)
        self.command_prompt_len = column
        if line.rstrip().endswith("?"):
            return self._help(line.rstrip()[:-1], column)
        head, segments = _split_pipes(line)
        try:
            pipes = _parse_pipes(segments)
            match, via_do = self._parse(head)
            if not self._exists(match.command):
                # The command does not exist on this release: refused like an unknown one.
                raise ParseError("invalid", self._missing_column(match, head, via_do), head)
            for p in pipes:  # so is ``utility sign`` before the release that has it
                if p.sign is not None and not self.device.chassis.supports(SIGN_FEATURE):
                    raise ParseError("invalid", p.sign.column, line)
        except ParseError as e:
            return error_text(e, column)
        return self._execute(match, via_do, pipes)

    def _execute(self, match: Match, via_do: bool, pipes: list[Pipe]) -> str:
        """Run a parsed command the user is authorized for, with pipes the user is authorized
        for (``| file`` writes a file: what ``copy`` takes, ``FILE_WRITE``; ``| utility sign``
        signs with the SUDI key: ``UTILITY_SIGN``); nothing runs otherwise."""
        self.last_error = None
        writes = any(p.kind == "file" for p in pipes)
        signs = any(p.sign is not None for p in pipes)
        if (
            not self.authorized(match.command)
            or (writes and not authorize(self.user_tasks(), FILE_WRITE))
            or (signs and not authorize(self.user_tasks(), UTILITY_SIGN))
        ):
            self.denied = True
            return messages.NOT_AUTHORIZED + "\n"
        ctx = Ctx(self, match)
        stamp = ""
        if (match.command.timestamp or via_do) and self.exec_timestamp:
            stamp = xr_timestamp(self.device.clock.now()) + "\n"
        return stamp + self._run(ctx, pipes)

    # -- authorization (AAA) -----------------------------------------------------------------

    def _aaa(self) -> AaaConfig | None:
        """The AAA configuration when the session's user is configured, else None (an
        unconfigured user, like the console and API ``admin``, keeps root-system rights)."""
        running = self.device.datastore.running
        if f"username {self.user}" not in running.root.children:
            return None
        return AaaConfig.from_tree(running)

    def user_tasks(self) -> Grants:
        """The session user's task grants, from the running configuration (resolved again
        only after it changed: every command asks)."""
        generation = self.device.datastore.generation
        if self._grants is None or self._grants[0] != generation:
            aaa = self._aaa()
            tasks = aaa.user_tasks(self.user) if aaa is not None else None
            self._grants = (generation, DEFAULT_TASKS if tasks is None else tasks)
        return self._grants[1]

    def user_groups(self) -> list[str]:
        """The session user's groups (``show user group``)."""
        aaa = self._aaa()
        groups = aaa.user_groups(self.user) if aaa is not None else None
        return list(DEFAULT_GROUPS) if groups is None else groups

    def authorized(self, command: Command) -> bool:
        """Whether the session's user may run ``command`` (any one of its task grants)."""
        return not command.tasks or authorize(self.user_tasks(), command.tasks)

    def refused_changes(self, changes: Sequence[Change]) -> list[Change]:
        """The changes of ``changes`` (a ``commit replace`` or a rollback: items added,
        changed or removed) the session's user may not make (``ChangeCheck``). A change is
        checked as typing it would be: every item on its path (the submode lines entered
        to reach it, then the item or its ``no`` form) needs one of its command's grants; a
        line no command parses needs write on every task."""
        grants = self.user_tasks()

        def allowed(item: PathItem) -> bool:
            command = self.registry.item_command(item.parsed)
            if command is None:
                return all(g in grants for g in _EVERY_WRITE)
            return authorize(grants, command.tasks)

        return [c for c in changes if not all(allowed(item) for item in c.path)]

    def _exists(self, command: Command) -> bool:
        """Whether the router's release has every feature the command requires."""
        return all(self.device.chassis.supports(f) for f in command.features)

    def _reachable(self, node: TokenNode) -> bool:
        """Whether a command of this release lies at or below a token tree node."""
        if node.command is not None and self._exists(node.command):
            return True
        children = [*node.keywords.values(), *(child for _, child in node.params)]
        return any(self._reachable(child) for child in children)

    def _missing_column(self, match: Match, head: str, via_do: bool) -> int:
        """Where the ``^`` goes for a command this release lacks: under the first word after
        which no command of this release continues (``ed25519`` of ``crypto key generate
        ed25519`` on 7.0.1, ``crypto`` before 7.0.1)."""
        tokens = tokenize(head)[1 if via_do else 0 :]
        node = self.registry.trees[match.command.mode]
        for token, element in zip(tokens, match.elements, strict=False):
            if isinstance(element, Keyword):
                node = node.keywords[element.word]
            else:
                node = next(child for p, child in node.params if p == element)
            if not self._reachable(node):
                return token.start
        return tokens[0].start

    def _parse(self, line: str) -> tuple[Match, bool]:
        toks = tokenize(line)
        if self.mode != "exec" and toks and toks[0].text.lower() == "do":
            if len(toks) == 1:
                raise ParseError("incomplete", len(line), line)
            offset = toks[1].start
            try:
                return parse(self.registry.trees["exec"], line[offset:]), True
            except ParseError as e:
                raise ParseError(e.kind, e.pos + offset, line) from None
        first_error: ParseError | None = None
        for depth, mode in enumerate(self.registry.lineage(self.mode)):
            if mode == "exec" and self.mode != "exec":
                break
            try:
                match = parse(self.registry.trees[mode], line)
            except ParseError as e:
                if first_error is None:
                    first_error = e
                continue
            for _ in range(depth):  # a parent mode's command leaves the submode(s)
                self.exit_submode()
            return match, False
        assert first_error is not None
        raise first_error

    def _run(self, ctx: Ctx, pipes: list[Pipe]) -> str:
        try:
            result = ctx.match.command.handler(ctx)
        except XrsimError as e:
            self.last_error = e
            ctx.line(f"% {e}")
            result = None
        if isinstance(result, GeneratorType):
            return self._advance(result, ctx, pipes, None)
        return self._finish(ctx, pipes)

    def _advance(self, gen: Interaction, ctx: Ctx, pipes: list[Pipe], answer: str | None) -> str:
        try:
            prompt = next(gen) if answer is None else gen.send(answer)
        except StopIteration:
            self._pending = None
            return self._finish(ctx, pipes)
        except XrsimError as e:
            self._pending = None
            self.last_error = e
            ctx.line(f"% {e}")
            return self._finish(ctx, pipes)
        self._pending = _Pending(gen, ctx, pipes, prompt)
        out = "".join(ctx.out)
        ctx.out.clear()
        return out

    def _resume(self, answer: str) -> str:
        pending = self._pending
        assert pending is not None
        return self._advance(pending.gen, pending.ctx, pending.pipes, answer)

    def _finish(self, ctx: Ctx, pipes: list[Pipe]) -> str:
        text = "".join(ctx.out)
        ctx.out.clear()
        try:
            for p in pipes:
                text = p.apply(text, self)
        except XrsimError as e:
            return f"% {e}\n"
        return text

    def available(self, command: Command) -> bool:
        """Whether the command exists on this router's release."""
        return all(self.device.chassis.supports(f) for f in command.features)

    def _help(self, line: str, column: int) -> str:
        self.partial_input = line
        try:
            grants = self.user_tasks()  # once: ``?`` looks at many commands
            choices = help_at(
                self.registry,
                self.mode,
                line,
                lambda c: self.available(c) and authorize(grants, c.tasks),
            )
        except ParseError as e:
            return error_text(e, column)
        if not choices:
            return error_text(ParseError("invalid", len(line), line), column)
        width = max(len(w) for w, _ in choices)
        return "".join(f"  {w.ljust(width)}  {h}".rstrip() + "\n" for w, h in choices)

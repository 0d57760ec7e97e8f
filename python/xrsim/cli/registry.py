"""The command registry: modes, command syntax, and the token tree the parser walks.

``Mode`` is a CLI mode (``exec``, ``config``, ``config-trustp``...) with its parent and prompt
suffix. ``Command`` is one registered command: its mode, its syntax, its handler, its help, the
task IDs that authorize it (AAA), and for configuration items the key that identifies the item
among its siblings. ``Registry`` keeps the modes and, per mode, a token tree (``TokenNode``)
built by expanding every syntax; ``config_item`` registers a configuration line (and its
``no`` form) with a generic handler that edits the session's candidate.

Syntax language::

    crypto key generate rsa [ { usage-keys | general-keys } ] [ <label:WORD> ]

- a lower-case word is a keyword, matched by unique prefix (``conf t``);
- ``<name:TYPE>`` is a parameter: ``WORD`` (one token), ``LINE`` (the rest of the line, last),
  ``LO-HI`` (an integer in that range), or a named type of ``TYPES`` (``HOSTNAME``...);
  ``<name>`` alone is a ``WORD``;
- ``[ ... ]`` is optional, ``{ a | b }`` picks one alternative.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from xrsim.cli.context import Ctx, Interaction

__all__ = [
    "Command",
    "Handler",
    "Keyword",
    "Mode",
    "Param",
    "Registry",
    "TokenNode",
    "expand",
]

#: A command handler: returns None, or is a generator that yields ``Prompt`` s and receives
#: the user's answers.
Handler = Callable[["Ctx"], "Interaction | None"]


@dataclass(frozen=True)
class Mode:
    """A CLI mode. ``prompt`` is the suffix in parentheses (``config-trustp``); exec has none."""

    name: str
    parent: str | None
    prompt: str | None


@dataclass(frozen=True)
class Keyword:
    word: str


#: Named parameter types: a token must match the pattern (``<name:HOSTNAME>``).
TYPES: dict[str, str] = {
    "HOSTNAME": r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})",
    "DOMAIN": r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})",
    "NAME": r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
    "IPV4": r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)",
}


@dataclass(frozen=True)
class Param:
    name: str
    kind: Literal["WORD", "LINE", "INT", "TYPED"]
    lo: int = 0
    hi: int = 0
    type_name: str = ""

    def accepts(self, token: str) -> bool:
        if self.kind == "INT":
            return token.isdigit() and self.lo <= int(token) <= self.hi
        if self.kind == "TYPED":
            return re.fullmatch(TYPES[self.type_name], token) is not None
        return True

    def describe(self) -> str:
        if self.kind == "INT":
            return f"<{self.lo}-{self.hi}>"
        if self.kind == "TYPED":
            return "WORD"
        return self.kind


Element = Keyword | Param


@dataclass
class Command:
    """A registered command."""

    mode: str
    syntax: str
    handler: Callable[[Ctx], Interaction | None]
    help: str = ""
    #: AAA: ``("read", "sysmgr")`` pairs; any one of them suffices (``xrsim.aaa.authorize``,
    #: checked by the session before the handler runs). Empty: open to every user.
    tasks: tuple[tuple[str, str], ...] = ()
    #: Print the IOS XR timestamp line before the output (exec commands).
    timestamp: bool = True
    #: Configuration item: how many leading tokens identify it (None: the whole line).
    key_words: int | None = None
    #: Configuration item that opens a submode.
    submode: str | None = None
    order: int = 0
    is_config: bool = False
    negate: bool = False
    #: The release feature(s) (``xrsim.release.FEATURES``) without which the command does not
    #: exist on the router: it is then refused at the ``^`` marker like any unknown command.
    #: A tuple needs every feature in it (``("security-in-base-image", "ed25519")``).
    requires: str | tuple[str, ...] | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """``requires`` as a tuple (empty when the command exists on every release)."""
        if self.requires is None:
            return ()
        return (self.requires,) if isinstance(self.requires, str) else self.requires


@dataclass
class TokenNode:
    """A node of a mode's token tree."""

    keywords: dict[str, TokenNode] = field(default_factory=dict)
    params: list[tuple[Param, TokenNode]] = field(default_factory=list)
    command: Command | None = None
    elements: tuple[Element, ...] = ()

    def child_for_param(self, p: Param) -> TokenNode:
        for q, node in self.params:
            if q == p:
                return node
        node = TokenNode()
        self.params.append((p, node))
        return node


_TOKEN = re.compile(r"\[|\]|\{|\}|\||<[^>]+>|[^\s\[\]{}|<>]+")


def _parse_param(text: str) -> Param:
    inner = text[1:-1]
    name, _, kind = inner.partition(":")
    kind = kind or "WORD"
    if kind in ("WORD", "LINE"):
        return Param(name, kind)  # type: ignore[arg-type]
    if kind in TYPES:
        return Param(name, "TYPED", type_name=kind)
    m = re.fullmatch(r"(\d+)-(\d+)", kind)
    if not m:
        raise ValueError(f"bad parameter type in {text!r}")
    return Param(name, "INT", int(m.group(1)), int(m.group(2)))


def expand(syntax: str) -> list[tuple[Element, ...]]:
    """Every token sequence a syntax string allows."""
    tokens = _TOKEN.findall(syntax)
    pos = 0

    def seq(stop: set[str]) -> list[tuple[Element, ...]]:
        nonlocal pos
        results: list[tuple[Element, ...]] = [()]
        while pos < len(tokens) and tokens[pos] not in stop:
            tok = tokens[pos]
            if tok in ("]", "}", "|"):
                raise ValueError(f"unbalanced {tok!r} in {syntax!r}")
            if tok == "[":
                pos += 1
                inner = alts("]")
                results = [r + i for r in results for i in [(), *inner]]
            elif tok == "{":
                pos += 1
                inner = alts("}")
                results = [r + i for r in results for i in inner]
            elif tok.startswith("<"):
                pos += 1
                p = _parse_param(tok)
                results = [(*r, p) for r in results]
            else:
                pos += 1
                results = [(*r, Keyword(tok)) for r in results]
        return results

    def alts(close: str) -> list[tuple[Element, ...]]:
        nonlocal pos
        out: list[tuple[Element, ...]] = []
        while True:
            out.extend(seq({"|", close}))
            if pos >= len(tokens):
                raise ValueError(f"unbalanced {close!r} in {syntax!r}")
            if tokens[pos] == close:
                pos += 1
                return out
            pos += 1  # "|"

    result = seq(set())
    if pos != len(tokens):
        raise ValueError(f"unbalanced brackets in {syntax!r}")
    # de-duplicate, keep order
    seen: set[tuple[Element, ...]] = set()
    unique = []
    for r in result:
        if r and r not in seen:
            seen.add(r)
            unique.append(r)
    return unique


class Registry:
    """Modes, commands and keyword help; one per CLI (the default is ``REGISTRY``)."""

    def __init__(self) -> None:
        self.modes: dict[str, Mode] = {}
        self.trees: dict[str, TokenNode] = {}
        self.commands: list[Command] = []
        self.keyword_help: dict[str, str] = {}
        self.config_globals: list[Command] = []

    def add_mode(self, name: str, parent: str | None, prompt: str | None) -> Mode:
        mode = Mode(name, parent, prompt)
        self.modes[name] = mode
        self.trees.setdefault(name, TokenNode())
        if self.is_config_mode(name):
            for g in self.config_globals:
                self.add(replace(g, mode=name))
        return mode

    def is_config_mode(self, mode: str) -> bool:
        return "config" in self.lineage(mode)

    def config_global(
        self,
        syntax: str,
        *,
        help: str = "",
        timestamp: bool = False,
        tasks: tuple[tuple[str, str], ...] = (),
    ) -> Callable[[Callable[[Ctx], Interaction | None]], Callable[[Ctx], Interaction | None]]:
        """Decorator: a command of every configuration mode (``commit``, ``end``, ``exit``,
        ``show configuration``...), including submodes registered later."""

        def deco(
            fn: Callable[[Ctx], Interaction | None],
        ) -> Callable[[Ctx], Interaction | None]:
            cmd = Command("config", syntax, fn, help=help, tasks=tasks, timestamp=timestamp)
            self.config_globals.append(cmd)
            for mode in list(self.modes):
                if self.is_config_mode(mode):
                    self.add(replace(cmd, mode=mode))
            return fn

        return deco

    def describe_words(self, words: dict[str, str]) -> None:
        """Help text shown by ``?`` for keywords (the first description of a word wins)."""
        for word, text in words.items():
            self.keyword_help.setdefault(word, text)

    def add(self, command: Command) -> Command:
        if command.mode not in self.modes:
            raise ValueError(f"unknown mode {command.mode!r}")
        command.order = len(self.commands)
        self.commands.append(command)
        root = self.trees[command.mode]
        for elements in expand(command.syntax):
            node = root
            for el in elements:
                if isinstance(el, Keyword):
                    node = node.keywords.setdefault(el.word, TokenNode())
                else:
                    node = node.child_for_param(el)
            if node.command is not None and node.command.syntax != command.syntax:
                raise ValueError(
                    f"{command.mode}: {command.syntax!r} clashes with {node.command.syntax!r}"
                )
            node.command = command
            node.elements = elements
        return command

    def command(
        self,
        mode: str,
        syntax: str,
        *,
        help: str = "",
        tasks: tuple[tuple[str, str], ...] = (),
        timestamp: bool | None = None,
        requires: str | tuple[str, ...] | None = None,
    ) -> Callable[[Callable[[Ctx], Interaction | None]], Callable[[Ctx], Interaction | None]]:
        """Decorator registering a handler."""

        def deco(
            fn: Callable[[Ctx], Interaction | None],
        ) -> Callable[[Ctx], Interaction | None]:
            ts = timestamp if timestamp is not None else mode == "exec"
            self.add(
                Command(mode, syntax, fn, help=help, tasks=tasks, timestamp=ts, requires=requires)
            )
            return fn

        return deco

    def config_item(
        self,
        mode: str,
        syntax: str,
        *,
        key_words: int | None = None,
        submode: str | None = None,
        help: str = "",
        tasks: tuple[tuple[str, str], ...] = (),
        no_syntax: str | None = None,
        check: Callable[[Ctx], str | None] | None = None,
        requires: str | tuple[str, ...] | None = None,
        key: str | None = None,
    ) -> Command:
        """Register a configuration line and its ``no`` form. ``key_words`` leading tokens
        identify the item (``hostname`` for ``hostname <name>``); ``check`` may refuse the
        line with an IOS XR error message. ``no_syntax`` defaults to the key words followed by
        the rest of the syntax made optional."""
        from xrsim.cli.context import config_handler

        cmd = self.add(
            Command(
                mode,
                syntax,
                config_handler(check, key),
                help=help,
                tasks=tasks,
                timestamp=False,
                key_words=key_words,
                submode=submode,
                is_config=True,
                requires=requires,
            )
        )
        if no_syntax is None:
            parts = _TOKEN.findall(syntax)
            if key_words is None:
                no_syntax = "no " + syntax
            else:
                head = " ".join(parts[:key_words])
                rest = " ".join(parts[key_words:])
                no_syntax = f"no {head}" + (f" [ {rest} ]" if rest else "")
        neg = Command(
            mode,
            no_syntax,
            config_handler(None, key),
            help=help,
            tasks=tasks,
            timestamp=False,
            key_words=key_words,
            is_config=True,
            negate=True,
            requires=requires,
        )
        neg_order = cmd.order
        self.add(neg)
        neg.order = neg_order
        return cmd

    def lineage(self, mode: str) -> list[str]:
        """The mode and its ancestors, innermost first."""
        out = []
        m: str | None = mode
        while m is not None:
            out.append(m)
            m = self.modes[m].parent
        return out

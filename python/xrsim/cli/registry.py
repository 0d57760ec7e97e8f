"""The command registry: modes, command syntax, and the token tree the parser walks.

``Mode`` is a CLI mode (``exec``, ``config``, ``config-trustp``...) with its parent and prompt
suffix. ``Command`` is one registered command: its mode, its syntax, its handler, its help, the
task IDs that authorize it (AAA), the release features it needs, and for configuration items
(``Item``) how a line becomes an item of the candidate. ``Registry`` keeps the modes and, per
mode, a token tree (``TokenNode``) built by expanding every syntax.

Commands are declared one way: each family's ``register(reg)`` is a table of
``reg.command(mode, syntax, handler, tasks=..., requires=...)`` calls, a syntax string with its
task IDs and its release gate. A configuration item passes ``item=Item(...)`` instead of a
handler: the generic handler then edits the session's candidate, and the ``no`` form is
registered with it. ``ANY_CONFIG`` as the mode makes a command of every configuration mode
(``commit``, ``end``...), including submodes added later.

The registry is also the configuration ``Schema`` (``xrsim.config.tree``): ``resolve(mode,
line)`` parses a stored line again and says which item it is, with its typed named arguments
(``Parsed``), so that nothing stored depends on the order of registration and configuration
readers never re-split text.

Syntax language::

    crypto key generate rsa [ { usage-keys | general-keys } ] [ <label:WORD> ]

- a lower-case word is a keyword, matched by unique prefix (``conf t``);
- ``<name:TYPE>`` is a parameter: ``WORD`` (one token), ``LINE`` (the rest of the line, last),
  ``LO-HI`` (an integer in that range), or a named type of ``TYPES`` (``HOSTNAME``...);
  ``<name>`` alone is a ``WORD``;
- ``[ ... ]`` is optional, ``{ a | b }`` picks one alternative;
- ``<name:{ a | b }>`` picks one keyword and names the choice: the match's ``args[name]`` is
  the keyword (``keypair <kind:{ rsa | dsa }> <label:WORD>`` gives ``{"kind": "rsa", ...}``);
  it matches, abbreviates and is listed by ``?`` exactly as ``{ a | b }`` is.

The names of parameters are the stable interface of configuration readers (``node.args``):
renaming one is a change of every reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from xrsim.config.tree import UNKNOWN, Parsed

if TYPE_CHECKING:
    from xrsim.cli.context import Ctx, Interaction

__all__ = [
    "ANY_CONFIG",
    "Command",
    "Handler",
    "Item",
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

#: The mode of a command of every configuration mode (``commit``, ``end``, ``exit``...).
ANY_CONFIG = "*config"


@dataclass(frozen=True)
class Mode:
    """A CLI mode. ``prompt`` is the suffix in parentheses (``config-trustp``); exec has none."""

    name: str
    parent: str | None
    prompt: str | None


@dataclass(frozen=True)
class Keyword:
    """A keyword; ``arg`` names the choice it belongs to (``<kind:{ rsa | dsa }>``)."""

    word: str
    arg: str | None = None


#: Named parameter types: a token must match the pattern (``<name:HOSTNAME>``).
TYPES: dict[str, str] = {
    "HOSTNAME": r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})",
    "DOMAIN": r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})",
    "NAME": r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
    "IPV4": r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)",
    # An interface name, its type perhaps abbreviated (``Hu0/0/0/0``, ``Loopback0``), a type
    # alone (``mgmtEth`` of ``mgmtEth 0/RP0/CPU0/0``) and a location (xrsim.net.interfaces).
    "IFNAME": r"[A-Za-z][A-Za-z-]*\d+(?:/[A-Za-z]*\d+)*",
    "IFTYPE": r"[A-Za-z][A-Za-z-]*",
    "IFID": r"\d+(?:/[A-Za-z]*\d+)*",
    "IPV4PREFIX": r"\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}",
    # ``clock set``: a time of day and a month name (its first three letters at least).
    "HHMMSS": r"(?:[01]?\d|2[0-3]):[0-5]?\d:[0-5]?\d",
    "MONTH": "(?i:"
    + "|".join(
        m[:3] + "".join(f"(?:{c}" for c in m[3:]) + ")?" * (len(m) - 3)
        for m in (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        )
    )
    + ")",
}


#: How ``?`` shows a named type other than ``WORD``.
_TYPE_SHOWN = {"HHMMSS": "hh:mm:ss", "MONTH": "MONTH"}


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
            return _TYPE_SHOWN.get(self.type_name, "WORD")
        return self.kind


Element = Keyword | Param


@dataclass(frozen=True)
class Item:
    """What makes a command a configuration item.

    ``key_words`` leading words identify the item among its siblings (``hostname`` for
    ``hostname <name:HOSTNAME>``; None: the whole line); ``key`` overrides that for items that
    exclude each other (``enrollment url`` and ``enrollment terminal`` share ``enrollment``;
    ``no X`` then removes the item only when it is an X). ``submode``: the mode the line
    opens. ``check`` may refuse the line: it prints the error (``ctx.invalid_at``) and returns
    a non-empty string. ``spell`` gives the line as stored and shown when it is not the words
    as typed (canonical spelling, a hashed secret), or None after printing why it is refused.
    ``canonical`` gives the canonical words of the line (without ``no``) for the line and for
    its ``no`` form alike, or None after printing why it is refused: an abbreviated interface
    name spelled out, so ``no interface Hu0/0/0/0`` finds ``interface HundredGigE0/0/0/0``.
    ``stores_as``: the syntax of the item whose line ``spell`` produces, when it is another
    one (``password`` is stored as a ``secret`` line). ``no_syntax`` defaults to ``no``, the
    key words, and the rest of the syntax made optional."""

    key_words: int | None = None
    key: str | None = None
    submode: str | None = None
    check: Callable[[Ctx], str | None] | None = None
    spell: Callable[[Ctx], str | None] | None = None
    stores_as: str | None = None
    no_syntax: str | None = None
    canonical: Callable[[Ctx], list[str] | None] | None = None


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
    #: The release feature(s) (``xrsim.release.FEATURES``) without which the command does not
    #: exist on the router: it is then refused at the ``^`` marker like any unknown command.
    #: A tuple needs every feature in it (``("security-in-base-image", "ed25519")``).
    requires: str | tuple[str, ...] | None = None
    #: Configuration item (its ``no`` form too).
    item: Item | None = None
    negate: bool = False
    #: The ``no`` form's item.
    positive: Command | None = None
    #: Rank: registration position (a ``no`` form has its item's). Never persisted.
    order: int = 0

    @property
    def is_config(self) -> bool:
        return self.item is not None

    @property
    def key_words(self) -> int | None:
        return self.item.key_words if self.item is not None else None

    @property
    def submode(self) -> str | None:
        return self.item.submode if self.item is not None and not self.negate else None

    def item_key(self, words: list[str]) -> str:
        """The key of the item a configuration line of this command makes (``words``: its
        canonical words, without ``no``)."""
        assert self.item is not None
        if self.item.key is not None:
            return self.item.key
        return " ".join(words[: self.item.key_words] if self.item.key_words else words)

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


def _parse_choice(text: str) -> list[Keyword] | None:
    """``<name:{ a | b }>``: the keywords of a named choice (None for a parameter)."""
    name, _, kind = text[1:-1].partition(":")
    kind = kind.strip()
    if not kind.startswith("{"):
        return None
    if not kind.endswith("}"):
        raise ValueError(f"bad keyword choice in {text!r}")
    words = [w.strip() for w in kind[1:-1].split("|")]
    if not name or not all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*", w) for w in words):
        raise ValueError(f"bad keyword choice in {text!r}")
    return [Keyword(w, name) for w in words]


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
                choice = _parse_choice(tok)
                if choice is not None:
                    results = [(*r, k) for r in results for k in choice]
                else:
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
    """Modes, commands and keyword help; one per CLI (``default_registry()`` is shared)."""

    #: Stored lines resolved (``resolve``) kept at most.
    RESOLVED_CACHE = 4096

    def __init__(self) -> None:
        self.modes: dict[str, Mode] = {}
        self.trees: dict[str, TokenNode] = {}
        self.commands: list[Command] = []
        self.keyword_help: dict[str, str] = {}
        self.config_globals: list[Command] = []
        self._items: dict[tuple[str, str], Command] = {}
        self._resolved: dict[tuple[str, str], Parsed] = {}

    def add_mode(self, name: str, parent: str | None, prompt: str | None) -> Mode:
        mode = Mode(name, parent, prompt)
        self.modes[name] = mode
        self.trees.setdefault(name, TokenNode())
        if self.is_config_mode(name):
            for g in self.config_globals:
                self._add(replace(g, mode=name))
        return mode

    def is_config_mode(self, mode: str) -> bool:
        return "config" in self.lineage(mode)

    def describe_words(self, words: dict[str, str]) -> None:
        """Help text shown by ``?`` for keywords (the first description of a word wins)."""
        for word, text in words.items():
            self.keyword_help.setdefault(word, text)

    # -- declaring commands -------------------------------------------------------------------

    def command(
        self,
        mode: str,
        syntax: str,
        handler: Handler | None = None,
        *,
        tasks: tuple[tuple[str, str], ...] = (),
        requires: str | tuple[str, ...] | None = None,
        timestamp: bool | None = None,
        help: str = "",
        item: Item | None = None,
    ) -> Command:
        """Declare a command: ``syntax`` in ``mode`` (``ANY_CONFIG``: every configuration
        mode) runs ``handler``, or, with ``item``, is a configuration item (and its ``no``
        form). ``tasks``: the grants of which any one authorizes it; ``requires``: the
        release features it needs; ``timestamp``: print the timestamp line first (default:
        exec commands do)."""
        if (handler is None) == (item is None):
            raise ValueError(f"{syntax!r}: a command has a handler or is an item, not both")
        if item is not None:
            return self._item(mode, syntax, item, tasks=tasks, requires=requires, help=help)
        assert handler is not None
        ts = timestamp if timestamp is not None else mode == "exec"
        cmd = Command(
            mode, syntax, handler, help=help, tasks=tasks, timestamp=ts, requires=requires
        )
        if mode != ANY_CONFIG:
            return self._add(cmd)
        self.config_globals.append(cmd)
        for name in list(self.modes):
            if self.is_config_mode(name):
                self._add(replace(cmd, mode=name))
        return cmd

    def _item(
        self,
        mode: str,
        syntax: str,
        item: Item,
        *,
        tasks: tuple[tuple[str, str], ...],
        requires: str | tuple[str, ...] | None,
        help: str,
    ) -> Command:
        from xrsim.cli.context import config_handler

        cmd = self._add(
            Command(
                mode,
                syntax,
                config_handler(item),
                help=help,
                tasks=tasks,
                timestamp=False,
                requires=requires,
                item=item,
            )
        )
        self._items[(mode, syntax)] = cmd
        no_syntax = item.no_syntax
        if no_syntax is None:
            parts = _TOKEN.findall(syntax)
            if item.key_words is None:
                no_syntax = "no " + syntax
            else:
                head = " ".join(parts[: item.key_words])
                rest = " ".join(parts[item.key_words :])
                no_syntax = f"no {head}" + (f" [ {rest} ]" if rest else "")
        neg = Command(
            mode,
            no_syntax,
            config_handler(item),
            help=help,
            tasks=tasks,
            timestamp=False,
            requires=requires,
            item=item,
            negate=True,
            positive=cmd,
        )
        self._add(neg)
        neg.order = cmd.order
        return cmd

    def _add(self, command: Command) -> Command:
        if command.mode not in self.modes:
            raise ValueError(f"unknown mode {command.mode!r}")
        command.order = len(self.commands)
        self.commands.append(command)
        self._resolved.clear()
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

    # -- the configuration schema -----------------------------------------------------------

    def resolve(self, mode: str, line: str) -> Parsed:
        """The parse of a stored configuration ``line`` in ``mode`` (``Schema``): which item
        it is, its typed arguments, rank and submode; ``UNKNOWN`` when no configuration item
        of ``mode`` parses it."""
        cached = self._resolved.get((mode, line))
        if cached is not None:
            return cached
        from xrsim.cli.parser import ParseError, parse

        parsed = UNKNOWN
        tree = self.trees.get(mode)
        if tree is not None:
            try:
                match = parse(tree, line)
            except ParseError:
                match = None
            if match is not None and match.command.is_config and not match.command.negate:
                parsed = match.parsed(match.command.item_key(match.words))
        if len(self._resolved) >= self.RESOLVED_CACHE:
            self._resolved.clear()
        self._resolved[(mode, line)] = parsed
        return parsed

    def item_command(self, parsed: Parsed) -> Command | None:
        """The configuration item a parsed line is an instance of (None when unknown)."""
        if parsed.mode is None or parsed.syntax is None:
            return None
        return self._items.get((parsed.mode, parsed.syntax))

    def lineage(self, mode: str) -> list[str]:
        """The mode and its ancestors, innermost first."""
        out = []
        m: str | None = mode
        while m is not None:
            out.append(m)
            m = self.modes[m].parent
        return out

"""Parsing a command line against a mode's token tree.

``tokenize`` splits a line into ``Token`` s with their columns; ``parse`` walks the tree with
IOS XR's rules (a keyword matches by unique prefix, an exact keyword wins, keywords win over
parameters, ``LINE`` takes the rest of the line) and returns a ``Match`` or raises
``ParseError`` carrying the column of the offending token (for the ``^`` marker). A match's
``args`` hold the typed parameters and the keywords of named choices; ``Match.parsed`` is what
a configuration line keeps of it (``xrsim.config.tree.Parsed``). ``help_at`` answers ``?``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import MappingProxyType

from xrsim.cli.registry import Command, Element, Keyword, Registry, TokenNode
from xrsim.config.tree import Parsed

__all__ = ["Match", "ParseError", "Token", "help_at", "parse", "tokenize"]


@dataclass(frozen=True)
class Token:
    text: str
    start: int


@dataclass
class Match:
    """A parsed command: the command, its parameters by name, the canonical words (keywords
    spelled out, parameters as typed) and the keywords present."""

    command: Command
    args: dict[str, str | int]
    words: list[str]
    keywords: set[str] = field(default_factory=set)
    elements: tuple[Element, ...] = ()
    #: The line as typed and the column where each word starts (for ``^`` markers).
    line: str = ""
    columns: list[int] = field(default_factory=list)

    def parsed(self, key: str) -> Parsed:
        """What the configuration line of this match (an item's) keeps: the command's
        identity, rank, submode and task grants, the typed arguments and the keywords;
        ``key`` its item key."""
        cmd = self.command
        return Parsed(
            syntax=cmd.syntax,
            mode=cmd.mode,
            order=cmd.order,
            args=MappingProxyType(dict(self.args)),
            keywords=frozenset(self.keywords),
            key=key,
            submode=cmd.submode,
            tasks=cmd.tasks,
        )


class ParseError(Exception):
    """``kind`` is ``invalid``, ``incomplete`` or ``ambiguous``; ``pos`` the column."""

    def __init__(self, kind: str, pos: int, line: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.pos = pos
        self.line = line


def tokenize(line: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            break
        j = i
        while j < n and not line[j].isspace():
            j += 1
        out.append(Token(line[i:j], i))
        i = j
    return out


def _keyword(node: TokenNode, text: str, line: str, pos: int) -> str | None:
    low = text.lower()
    if low in node.keywords:
        return low
    candidates = [k for k in node.keywords if k.startswith(low)]
    if len(candidates) > 1:
        raise ParseError("ambiguous", pos, line)
    return candidates[0] if candidates else None


def parse(tree: TokenNode, line: str) -> Match:
    tokens = tokenize(line)
    if not tokens:
        raise ParseError("incomplete", 0, line)
    best: list[ParseError] = []

    def fail(kind: str, pos: int) -> None:
        err = ParseError(kind, pos, line)
        if not best or pos > best[0].pos:
            best[:] = [err]

    def walk(  # noqa: PLR0911 - one exit per IOS XR matching rule
        node: TokenNode, i: int, args: dict[str, str | int], words: list[str], kws: set[str]
    ) -> Match | None:
        if i == len(tokens):
            if node.command is None:
                fail("incomplete", len(line))
                return None
            return Match(node.command, dict(args), list(words), set(kws), node.elements)
        tok = tokens[i]
        try:
            kw = _keyword(node, tok.text, line, tok.start)
        except ParseError as e:
            if not best or e.pos >= best[0].pos:
                best[:] = [e]
            return None
        if kw is not None:
            found = walk(node.keywords[kw], i + 1, args, [*words, kw], kws | {kw})
            if found is not None:
                return found
        for p, child in node.params:
            if p.kind == "LINE":
                value = line[tok.start :].rstrip()
                if child.command is not None:
                    return Match(
                        child.command,
                        {**args, p.name: value},
                        [*words, value],
                        set(kws),
                        child.elements,
                    )
                continue
            if not p.accepts(tok.text):
                continue
            value2: str | int = int(tok.text) if p.kind == "INT" else tok.text
            found = walk(child, i + 1, {**args, p.name: value2}, [*words, tok.text], kws)
            if found is not None:
                return found
        fail("invalid", tok.start)
        return None

    found = walk(tree, 0, {}, [], set())
    if found is None:
        raise best[0] if best else ParseError("invalid", 0, line)
    found.line = line
    for element, word in zip(found.elements, found.words, strict=False):
        if isinstance(element, Keyword) and element.arg is not None:
            found.args[element.arg] = word
    found.columns = [t.start for t in tokens][: len(found.words)]
    return found


def _commands_below(node: TokenNode) -> Iterator[Command]:
    if node.command is not None:
        yield node.command
    for child in node.keywords.values():
        yield from _commands_below(child)
    for _, child in node.params:
        yield from _commands_below(child)


def help_at(
    registry: Registry,
    mode: str,
    line: str,
    available: Callable[[Command], bool] | None = None,
) -> list[tuple[str, str]]:
    """Choices for ``line?``: (word, help) pairs; ``("<cr>", "")`` when the command could end
    here. A partial last word (``conf?``) lists the keywords it abbreviates. ``available``
    hides what leads only to commands this router does not have (its release). Raises
    ``ParseError`` when the words before are not a command prefix."""

    def shown(node: TokenNode) -> bool:
        return available is None or any(available(c) for c in _commands_below(node))

    tree = registry.trees[mode]
    partial = "" if (not line or line[-1].isspace()) else tokenize(line)[-1].text
    before = line[: len(line) - len(partial)] if partial else line
    node = tree
    for tok in tokenize(before):
        kw = _keyword(node, tok.text, before, tok.start)
        if kw is not None:
            node = node.keywords[kw]
            continue
        nxt = None
        for p, child in node.params:
            if p.kind == "LINE" or p.accepts(tok.text):
                nxt = child
                break
        if nxt is None:
            raise ParseError("invalid", tok.start, line)
        node = nxt
    out: list[tuple[str, str]] = []
    for word in sorted(node.keywords):
        if word.startswith(partial.lower()) and shown(node.keywords[word]):
            out.append((word, registry.keyword_help.get(word, "")))
    if not partial:
        for p, child in node.params:
            if shown(child):
                out.append((p.describe(), p.name.replace("_", " ").capitalize()))
        if node.command is not None and (available is None or available(node.command)):
            out.append(("<cr>", ""))
    return out

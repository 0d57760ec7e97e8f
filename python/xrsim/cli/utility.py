"""The ``| utility`` output modifier: IOS XR's text utilities after a pipe.

``show version | utility head -n 20`` (what Ansible's cisco.iosxr sends at the start of every
task), ``| utility tail -n 5``, ``| utility egrep -i PATTERN``, ``| utility fgrep -v TEXT``,
``| utility wc -l``, ``| utility sort -r``, ``| utility uniq``. Options are accepted in both
forms the router takes: the POSIX ones (``-n 20``, ``-i``, ``-v``, ``-l``) and the keywords
(``count 20``, ``ignore-case``, ``invert-match``, ``lines``).

``parse_utility(text, column)`` reads the words after ``utility`` (raising the parser's
``ParseError`` with the column of a bad word, so the session prints the ``^`` under it) and
returns a ``Utility``; ``Utility.apply(text)`` is the filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xrsim.cli.parser import ParseError, Token, tokenize

__all__ = ["UTILITIES", "Utility", "parse_utility"]

#: The utilities, with what ``?`` says of them.
UTILITIES = {
    "egrep": "Extended regular expression grep",
    "fgrep": "Fixed string grep",
    "head": "Print the first lines",
    "sort": "Sort lines",
    "tail": "Print the last lines",
    "uniq": "Discard repeated adjacent lines",
    "wc": "Count lines, words and characters",
}

#: Lines ``head`` and ``tail`` print without a count.
_DEFAULT_LINES = 10
#: Option words of each utility, each with the flag it stands for.
_FLAGS = {
    "egrep": {"-i": "i", "ignore-case": "i", "-v": "v", "invert-match": "v", "-c": "c"},
    "fgrep": {"-i": "i", "ignore-case": "i", "-v": "v", "invert-match": "v", "-c": "c"},
    "wc": {"-l": "l", "lines": "l", "-w": "w", "words": "w", "-c": "c", "bytes": "c"},
    "sort": {"-r": "r", "reverse": "r", "-u": "u", "unique": "u"},
    "uniq": {"-c": "c", "count": "c"},
    "head": {},
    "tail": {},
}


@dataclass(frozen=True)
class Utility:
    """One ``| utility NAME ...``: its name, flags, line count and pattern."""

    name: str
    flags: frozenset[str] = frozenset()
    count: int = _DEFAULT_LINES
    pattern: str = ""

    def apply(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        if self.name == "head":
            return "".join(lines[: self.count])
        if self.name == "tail":
            return "".join(lines[-self.count :] if self.count else [])
        if self.name in ("egrep", "fgrep"):
            return self._grep(lines)
        if self.name == "wc":
            return self._wc(text, lines)
        if self.name == "sort":
            out = sorted(set(lines) if "u" in self.flags else lines, reverse="r" in self.flags)
            return "".join(out)
        return self._uniq(lines)

    def _grep(self, lines: list[str]) -> str:
        pattern = self.pattern if self.name == "egrep" else re.escape(self.pattern)
        rx = re.compile(pattern, re.IGNORECASE if "i" in self.flags else 0)
        invert = "v" in self.flags
        kept = [ln for ln in lines if bool(rx.search(ln)) != invert]
        if "c" in self.flags:
            return f"{len(kept)}\n"
        return "".join(kept)

    def _wc(self, text: str, lines: list[str]) -> str:
        counts = {"l": len(lines), "w": len(text.split()), "c": len(text.encode())}
        chosen = [f for f in "lwc" if f in self.flags] or ["l", "w", "c"]
        if len(chosen) == 1:
            return f"{counts[chosen[0]]}\n"
        return (
            "".join(
                f"{counts[f]:>7}" if i == 0 else f" {counts[f]:>7}" for i, f in enumerate(chosen)
            )
            + "\n"
        )

    def _uniq(self, lines: list[str]) -> str:
        runs: list[tuple[str, int]] = []
        for ln in lines:
            if runs and runs[-1][0] == ln:
                runs[-1] = (ln, runs[-1][1] + 1)
            else:
                runs.append((ln, 1))
        if "c" in self.flags:
            return "".join(f"{n:>7} {ln}" for ln, n in runs)
        return "".join(ln for ln, _ in runs)


def _count(tok: Token | None, text: str, col: int) -> int:
    if tok is None:
        raise ParseError("incomplete", col + len(text), text)
    if not tok.text.isdigit():
        raise ParseError("invalid", col + tok.start, text)
    return int(tok.text)


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return word


def parse_utility(text: str, col: int) -> Utility:
    """The utility of ``text`` (the words after ``utility``; ``col`` is where ``text`` starts
    on the line)."""
    toks = tokenize(text)
    if not toks:
        raise ParseError("incomplete", col + len(text), text)
    word = toks[0].text.lower()
    names = [n for n in UTILITIES if n.startswith(word)]
    if len(names) != 1:
        raise ParseError("ambiguous" if names else "invalid", col + toks[0].start, text)
    name = names[0]
    flags: set[str] = set()
    count = _DEFAULT_LINES
    rest = toks[1:]
    i = 0
    while i < len(rest):
        tok = rest[i]
        low = tok.text.lower()
        if name in ("head", "tail") and low in ("-n", "count"):
            count = _count(rest[i + 1] if i + 1 < len(rest) else None, text, col)
            i += 2
            continue
        if name in ("head", "tail") and re.fullmatch(r"-\d+", low):
            count = int(low[1:])
            i += 1
            continue
        if low in _FLAGS[name]:
            flags.add(_FLAGS[name][low])
            i += 1
            continue
        if name in ("egrep", "fgrep"):
            pattern = _unquote(text[tok.start :].strip())
            if name == "egrep":
                try:
                    re.compile(pattern)
                except re.error:
                    raise ParseError("invalid", col + tok.start, text) from None
            return Utility(name, frozenset(flags), count, pattern)
        raise ParseError("invalid", col + tok.start, text)
    if name in ("egrep", "fgrep"):
        raise ParseError("incomplete", col + len(text), text)
    return Utility(name, frozenset(flags), count)

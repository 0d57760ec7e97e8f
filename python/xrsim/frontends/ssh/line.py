"""``LineDiscipline``: what an SSH shell does with typed characters before the CLI sees a line.

IOS XR's vty line discipline as the clients that matter (netmiko, scrapli, OpenSSH, a person)
expect it: typed characters are echoed (not the answers to hidden questions such as a
password), backspace or DEL erases the last character, CR, LF or CR LF end a line (one Enter),
Ctrl-C (or an SSH break) abandons a question or the line being typed and shows the prompt
again, ``?`` asks for help at once and leaves the line as typed, other control characters do
nothing. Output goes out with ``\\n`` as ``\\r\\n``; no ANSI escapes.

Escape sequences (the cursor keys, Home, End, Delete, function keys) are discarded whole: the
line editor has no cursor movement or history. A CSI (``ESC [``) sequence ends at its final
byte (``@`` to ``~``) after any parameter and intermediate bytes, an SS3 (``ESC O``) one at
the character after it, and an ``ESC`` followed by any other printable character is discarded
with it. A control character (CR, LF, Ctrl-C, backspace, another ``ESC``, ...) or a
non-ASCII character ends a pending sequence and is then acted upon as if typed alone, so an
unfinished sequence never swallows Enter or Ctrl-C nor glues two lines together.

A line holds at most ``MAX_LINE`` characters (1 Mi): typing is linear in its length, and a
client that never sends Enter cannot grow it without bound; once it is full, what is typed
is dropped (backspace takes those back first) until Enter, and the CLI refuses the line at
the place where the dropped characters began (a surrogate stands there, refused as below).

Bytes that are not UTF-8 reach the discipline as surrogate escapes (the channel decodes with
``surrogateescape``): each is one character of the line, echoed as U+FFFD, and the CLI answers
a line holding one with its invalid-input marker under it (``CliSession.handle_line``).

The discipline does no I/O and runs no command: ``feed(ch)`` takes one character and returns a
``LineRequest`` when a line (or a help request) is ready for the CLI; the shell channel
(``xrsim.frontends.ssh.shell``) runs it and hands the CLI's answer back with ``answer``.
Everything to send (echo, new lines, answers, prompts) collects in the discipline until the
channel takes it with ``output()``, so the echo of one input chunk leaves in one packet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

__all__ = ["CTRL_C", "MAX_LINE", "LineDiscipline", "LineRequest", "Terminal", "crlf"]

CTRL_C = "\x03"
#: The most characters a line holds: those typed past it are dropped (not echoed) and the line
#: is refused at Enter, with the ``^`` where the dropped ones began.
MAX_LINE = 1 << 20
#: What stands for the dropped characters in the line handed on: a lone surrogate, which the
#: CLI refuses at its position as it refuses a byte that was not UTF-8.
_OVERFLOW = "\udcff"
_ERASE = ("\x7f", "\x08")
_ESC = "\x1b"
#: What a byte that was not UTF-8 (a surrogate escape) echoes as.
_REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Characters that are only typed into the line (``feed_text`` takes runs of them at once).
_PLAIN = re.compile("[ ->@-~\u00a0-\U0010ffff]+")
# Where the discipline is in an escape sequence: none, after ESC, in a CSI or an SS3 sequence.
_NONE, _AFTER_ESC, _CSI, _SS3 = range(4)


def crlf(text: str) -> str:
    """``text`` with every line ending as ``\\r\\n``."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _shown(text: str) -> str:
    """``text`` as echoed: each surrogate escape (a byte that was not UTF-8) as U+FFFD."""
    return _SURROGATE.sub(_REPLACEMENT, text)


class Terminal(Protocol):
    """What the discipline needs of the CLI session behind it (a ``CliSession``)."""

    @property
    def prompt(self) -> str: ...

    @property
    def hidden(self) -> bool: ...  # the question waiting for an answer hides it

    @property
    def waiting(self) -> bool: ...  # a question waits for an answer

    partial_input: str

    def cancel(self) -> None: ...


@dataclass(frozen=True)
class LineRequest:
    """A line for the CLI: ``text`` to run; ``help``: a ``?`` request (the line stays typed)."""

    text: str
    help: bool = False


class LineDiscipline:
    """Echo, erase, escape sequences, interrupt and line endings of one shell."""

    def __init__(self, terminal: Terminal) -> None:
        self._term = terminal
        self._chars: list[str] = []  # the line typed so far (a list: typing is O(1))
        self._dropped = 0  # characters typed past MAX_LINE (dropped, not echoed)
        self._last_cr = False
        self._esc = _NONE
        self._out: list[str] = []

    @property
    def line(self) -> str:
        """The line typed so far."""
        return "".join(self._chars)

    def _take(self) -> str:
        """The line typed (and a fresh one to type)."""
        line = self.line + (_OVERFLOW if self._dropped else "")
        self._chars, self._dropped = [], 0
        return line

    def output(self) -> str:
        """Everything to send since the last call (and forget it)."""
        text = "".join(self._out)
        self._out.clear()
        return text

    def feed_text(self, text: str) -> Iterator[tuple[int, LineRequest]]:
        """``feed`` of each character of ``text``, runs of ordinary characters at once; yields
        (offset of the rest of ``text``, request) for each request. The caller answers each
        request before the next is fed, as with ``feed``."""
        i, n = 0, len(text)
        while i < n:
            run = None if self._esc != _NONE else _PLAIN.match(text, i)
            if run is not None:
                room = MAX_LINE - len(self._chars)
                chunk = run.group()[:room]
                self._chars.extend(chunk)
                self._dropped += len(run.group()) - len(chunk)
                if not self._term.hidden:
                    self._out.append(_shown(chunk))
                self._last_cr = False
                i = run.end()
                continue
            request = self.feed(text[i])
            i += 1
            if request is not None:
                yield i, request

    def feed(self, ch: str) -> LineRequest | None:
        """One typed character; a ``LineRequest`` when the CLI has something to run."""
        was_cr, self._last_cr = self._last_cr, ch == "\r"
        if self._esc != _NONE and self._escape(ch):
            return None
        if ch in "\r\n":
            if not (ch == "\n" and was_cr):  # CR LF is one Enter
                line = self._take()
                self._out.append("\r\n")  # the echo and the new line go before the command runs
                return LineRequest(line)
        elif ch == CTRL_C:
            self.interrupt()
        elif ch in _ERASE:
            self._erase()
        elif ch == _ESC:
            self._esc = _AFTER_ESC
        elif ch == "?" and not self._term.waiting:
            self._out.append("?")
            return LineRequest(self.line + "?", help=True)
        elif ch >= " " and ch != "\x7f" and not "\x80" <= ch <= "\x9f":
            self._type(ch)
        # other control characters (Tab, Ctrl-D, ...) do nothing here
        return None

    def answer(self, request: LineRequest, out: str, *, closed: bool = False) -> None:
        """What the CLI printed for ``request``, then the prompt (none once the session is
        ``closed``; after help, the prompt and the line as typed)."""
        if request.help:
            self._out.append("\r\n" + crlf(out) + self._term.prompt + _shown(self.line))
        else:
            self._out.append(crlf(out) + ("" if closed else self._term.prompt))

    def interrupt(self) -> None:
        """Ctrl-C: abandon the question or the line being typed; the prompt again."""
        self._take()
        self._term.cancel()
        self._term.partial_input = ""
        self._out.append("^C\r\n" + self._term.prompt)

    def _type(self, ch: str) -> None:
        if len(self._chars) >= MAX_LINE:
            self._dropped += 1  # not echoed; the line is refused at Enter
            return
        self._chars.append(ch)
        if not self._term.hidden:
            self._out.append(_shown(ch))

    def _erase(self) -> None:
        if self._dropped:  # a dropped character goes first (it was never echoed)
            self._dropped -= 1
        elif self._chars:
            self._chars.pop()
            if not self._term.hidden:
                self._out.append("\b \b")

    def _escape(self, ch: str) -> bool:
        """``ch`` inside a pending escape sequence: True when it is part of the sequence (and
        discarded with it); False when it ends the sequence without belonging to it (a control
        or non-ASCII character), and is then to be acted upon."""
        if not " " <= ch <= "~":
            self._esc = _NONE
            return False
        if self._esc == _AFTER_ESC:
            self._esc = {"[": _CSI, "O": _SS3}.get(ch, _NONE)
        elif self._esc == _SS3 or ch >= "@":  # SS3: one character; CSI: up to its final byte
            self._esc = _NONE
        return True

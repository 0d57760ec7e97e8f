"""``LineDiscipline``: what an SSH shell does with typed characters before the CLI sees a line.

IOS XR's vty line discipline as the clients that matter (netmiko, scrapli, OpenSSH, a person)
expect it: typed characters are echoed (not the answers to hidden questions such as a
password), backspace or DEL erases the last character, CR, LF or CR LF end a line (one Enter),
Ctrl-C (or an SSH break) abandons a question or the line being typed and shows the prompt
again, ``?`` asks for help at once and leaves the line as typed, escape sequences (cursor keys)
are swallowed, other control characters do nothing. Output goes out with ``\\n`` as ``\\r\\n``;
no ANSI escapes.

The discipline does no I/O and runs no command: ``feed(ch)`` takes one character and returns a
``LineRequest`` when a line (or a help request) is ready for the CLI; the shell channel
(``xrsim.frontends.ssh.shell``) runs it and hands the CLI's answer back with ``answer``.
Everything to send (echo, new lines, answers, prompts) collects in the discipline until the
channel takes it with ``output()``, so the echo of one input chunk leaves in one packet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["CTRL_C", "LineDiscipline", "LineRequest", "Terminal", "crlf"]

CTRL_C = "\x03"
_ERASE = ("\x7f", "\x08")
_ESC = "\x1b"


def crlf(text: str) -> str:
    """``text`` with every line ending as ``\\r\\n``."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


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
        #: The line typed so far.
        self.line = ""
        self._last_cr = False
        self._esc = 0  # 0: none, 1: after ESC, 2: inside a CSI sequence
        self._out: list[str] = []

    def output(self) -> str:
        """Everything to send since the last call (and forget it)."""
        text = "".join(self._out)
        self._out.clear()
        return text

    def feed(self, ch: str) -> LineRequest | None:
        """One typed character; a ``LineRequest`` when the CLI has something to run."""
        was_cr, self._last_cr = self._last_cr, ch == "\r"
        if self._esc:
            self._escape(ch)
        elif ch in "\r\n":
            if not (ch == "\n" and was_cr):  # CR LF is one Enter
                line, self.line = self.line, ""
                self._out.append("\r\n")  # the echo and the new line go before the command runs
                return LineRequest(line)
        elif ch == CTRL_C:
            self.interrupt()
        elif ch in _ERASE:
            if self.line:
                self.line = self.line[:-1]
                if not self._term.hidden:
                    self._out.append("\b \b")
        elif ch == _ESC:
            self._esc = 1
        elif ch == "?" and not self._term.waiting:
            self._out.append("?")
            return LineRequest(self.line + "?", help=True)
        elif ch >= " ":
            self.line += ch
            if not self._term.hidden:
                self._out.append(ch)
        # other control characters (Tab, Ctrl-D, ...) do nothing here
        return None

    def answer(self, request: LineRequest, out: str, *, closed: bool = False) -> None:
        """What the CLI printed for ``request``, then the prompt (none once the session is
        ``closed``; after help, the prompt and the line as typed)."""
        if request.help:
            self._out.append("\r\n" + crlf(out) + self._term.prompt + self.line)
        else:
            self._out.append(crlf(out) + ("" if closed else self._term.prompt))

    def interrupt(self) -> None:
        """Ctrl-C: abandon the question or the line being typed; the prompt again."""
        self.line = ""
        self._term.cancel()
        self._term.partial_input = ""
        self._out.append("^C\r\n" + self._term.prompt)

    def _escape(self, ch: str) -> None:
        # Cursor keys and the like are swallowed (no line editing beyond backspace).
        if self._esc == 1:
            self._esc = 2 if ch in "[O" else 0
        elif "@" <= ch <= "~":
            self._esc = 0

"""``xrsim console``: a router's console on the terminal.

``run_console`` boots nothing itself: it drives one ``CliSession`` of a booted ``Router``. On a
terminal it uses prompt_toolkit (line editing, history, tab completion from the command
registry, hidden entry for passwords); with a pipe or file on standard input it reads plain
lines and echoes each after the prompt, so a transcript reads like a session.

``SecretFreeHistory`` is the history (in memory and in the history file, mode 0600): a typed
``secret``/``password`` argument never enters it. The command is kept without its argument
(``username u secret X`` is recalled as ``username u secret``), so recalling it cannot set a
secret by accident and the file holds neither the clear text nor a hash. Answers to a
command's questions (passwords included) never enter any history.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import DummyHistory, FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from xrsim.cli import CliSession
from xrsim.cli.parser import ParseError, help_at
from xrsim.router import Router

__all__ = ["RegistryCompleter", "SecretFreeHistory", "run_console", "without_secrets"]

#: Keywords whose argument is a secret (matched as IOS XR abbreviations: ``sec``, ``pass``).
SECRET_KEYWORDS = ("secret", "password")


def without_secrets(line: str) -> str:
    """``line`` with everything after a ``secret``/``password`` keyword (or an abbreviation of
    one, two letters or more) removed: ``username u secret X`` -> ``username u secret``."""
    words = line.split()
    for i, word in enumerate(words):
        low = word.lower()
        if len(low) >= 2 and any(k.startswith(low) for k in SECRET_KEYWORDS):
            if i + 1 < len(words):
                return " ".join(words[: i + 1])
            break
    return line


class SecretFreeHistory(History):
    """A history that stores every line ``without_secrets`` (wrapping the real history)."""

    def __init__(self, inner: History) -> None:
        super().__init__()
        self._inner = inner

    def load_history_strings(self) -> Iterable[str]:
        return self._inner.load_history_strings()

    def append_string(self, string: str) -> None:
        super().append_string(without_secrets(string))

    def store_string(self, string: str) -> None:
        self._inner.store_string(without_secrets(string))


def _history_file(path: Path) -> FileHistory:
    """The history file, created 0600 (whatever the umask) before anything is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return FileHistory(str(path))


class RegistryCompleter(Completer):
    """Tab completion of keywords from the session's mode."""

    def __init__(self, session: CliSession) -> None:
        self.session = session

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        s = self.session
        if s.waiting:
            return
        text = document.text_before_cursor
        if "|" in text:
            return
        partial = "" if not text or text[-1].isspace() else text.split()[-1]
        try:
            choices = help_at(s.registry, s.mode, text, s.available)
        except ParseError:
            return
        for word, help_text in choices:
            if word.startswith("<") or word in ("WORD", "LINE"):
                continue
            yield Completion(word, start_position=-len(partial), display_meta=help_text)


def _plain(session: CliSession, stdin: TextIO, stdout: TextIO) -> None:
    while not session.closed:
        stdout.write(session.prompt)
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return
        text = line.rstrip("\r\n")
        stdout.write(("" if session.hidden else text) + "\n")
        stdout.write(session.handle_line(text))
    stdout.flush()


def run_console(router: Router, *, history_file: Path | None = None) -> None:
    """Drive a console session of ``router`` until ``exit`` or end of input."""
    session = router.session(line="con0_RP0_CPU0")
    if not sys.stdin.isatty():
        _plain(session, sys.stdin, sys.stdout)
        return
    history = SecretFreeHistory(_history_file(history_file) if history_file else InMemoryHistory())
    keys = KeyBindings()

    @keys.add("?")
    def _help(event: KeyPressEvent) -> None:
        # As on a router: '?' answers at once and leaves the line as it was.
        buf = event.app.current_buffer
        if session.waiting:
            buf.insert_text("?")
            return
        text = session.prompt + buf.text + "?\n" + session.handle_line(buf.text + "?")
        run_in_terminal(lambda: sys.stdout.write(text))

    ui: PromptSession[str] = PromptSession(
        history=history,
        completer=RegistryCompleter(session),
        complete_while_typing=False,
        key_bindings=keys,
    )
    # Answers to a command's questions (passwords, pasted certificates, yes/no) are never
    # written to the history file.
    answers: PromptSession[str] = PromptSession(history=DummyHistory())
    while not session.closed:
        try:
            if session.waiting:
                text = answers.prompt(session.prompt, is_password=session.hidden)
            else:
                text = ui.prompt(session.prompt)
        except KeyboardInterrupt:
            session.cancel()
            session.partial_input = ""
            continue
        except EOFError:
            break
        out = session.handle_line(text)
        if out:
            sys.stdout.write(out)
            sys.stdout.flush()
    session.close()

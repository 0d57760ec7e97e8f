"""What a command handler sees: ``Ctx`` (the session, the parsed match, the output), ``Prompt``
(a question a handler yields to get an answer from the same session), the ``Device`` protocol
(what a router offers to commands), and the generic handler of configuration items
(``config_handler``)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from xrsim.cli import messages
from xrsim.config.tree import PathItem
from xrsim.device import DeviceState

if TYPE_CHECKING:
    from xrsim.cli.parser import Match
    from xrsim.cli.registry import Item
    from xrsim.cli.session import CliSession

__all__ = [
    "PASTE_END",
    "Ctx",
    "Device",
    "Interaction",
    "Prompt",
    "ask_yes_no",
    "config_handler",
    "read_paste",
]

#: How IOS XR asks for pasted base64 (certificates, public keys).
PASTE_END = 'End with a blank line or the word "quit" on a line by itself'
#: Questions asked again at most this many times before counting as "no".
MAX_ATTEMPTS = 3
#: More pasted lines than this is not a certificate or a key.
MAX_PASTE_LINES = 400


class Device(DeviceState, Protocol):
    """What commands may use of a router: its state and its names."""

    def hostname(self) -> str: ...

    def domain_name(self) -> str | None: ...

    def fqdn(self) -> str: ...

    def prompt_base(self) -> str: ...


@dataclass(frozen=True)
class Prompt:
    """A question to the user. ``hidden``: do not echo the answer (passwords)."""

    text: str
    hidden: bool = False


#: What an interactive handler is: a generator that yields questions and receives answers.
Interaction = Generator["Prompt", str, None]


@dataclass
class Ctx:
    """One command's execution."""

    session: CliSession
    match: Match
    out: list[str] = field(default_factory=list)

    @property
    def device(self) -> Device:
        return self.session.device

    @property
    def args(self) -> dict[str, str | int]:
        return self.match.args

    def has(self, keyword: str) -> bool:
        return keyword in self.match.keywords

    def write(self, text: str) -> None:
        self.out.append(text)

    def line(self, text: str = "") -> None:
        self.out.append(text + "\n")

    def invalid_at(self, column: int) -> None:
        """Print IOS XR's invalid-input error with the ``^`` under ``column`` of the line."""
        self.line(" " * (self.session.command_prompt_len + column) + "^")
        self.line(messages.INVALID)


def ask_yes_no(ctx: Ctx, question: str) -> Generator[Prompt, str, bool]:
    """``yes``/``no`` (or their prefixes); anything else asks again, up to ``MAX_ATTEMPTS``
    times, then counts as ``no``."""
    for _ in range(MAX_ATTEMPTS):
        answer = (yield Prompt(question)).strip().lower()
        if answer and "yes".startswith(answer):
            return True
        if answer and "no".startswith(answer):
            return False
        ctx.line(messages.PLEASE_ANSWER_YES_NO)
    return False


def read_paste(ctx: Ctx, what: str) -> Generator[Prompt, str, str | None]:
    """Read pasted lines after IOS XR's two-line introduction, up to an empty line or
    ``quit``; None (with the reason printed) when nothing usable was pasted."""
    ctx.line(f"Enter the base 64 encoded {what}.")
    ctx.line(PASTE_END)
    lines: list[str] = []
    while True:
        line = (yield Prompt("")).strip()
        if not line or line.lower() == "quit":
            break
        if len(lines) >= MAX_PASTE_LINES:
            ctx.line(f"% Too many lines: a {what} has fewer than {MAX_PASTE_LINES}.")
            return None
        lines.append(line)
    if not lines:
        ctx.line(f"% No {what} was entered: nothing imported.")
        return None
    return "\n".join(lines)


def _line_words(item: Item, ctx: Ctx) -> list[str] | None:
    """The canonical words of the item's line, without ``no``: ``item.canonical``'s, else the
    words as typed; None when the line was refused (the error printed)."""
    words = ctx.match.words[1:] if ctx.match.command.negate else ctx.match.words
    return words if item.canonical is None else item.canonical(ctx)


def _delete(item: Item, ctx: Ctx, words: list[str]) -> None:
    """The ``no`` form: remove the item ``words`` (canonical, without ``no``) make."""
    session = ctx.session
    candidate = session.candidate
    assert candidate is not None
    positive = ctx.match.command.positive
    assert positive is not None
    item_key = positive.item_key(words)
    path = (*session.config_path, PathItem(item_key, item_key))
    if item.key is not None:
        # Items sharing a key (enrollment url / enrollment terminal): "no X" removes the
        # item only when it is X.
        node = candidate.merged().get([p.key for p in path])
        if node is None or node.syntax != (item.stores_as or positive.syntax):
            return
    candidate.delete(path)


def config_handler(item: Item) -> Callable[[Ctx], Interaction | None]:
    """The handler of a configuration item (``xrsim.cli.registry.Item``) and of its ``no``
    form: edit the session's candidate (and enter the item's submode). The new node keeps the
    match's parse (typed arguments, identity, rank); a line ``spell`` rewrote is parsed again
    as stored, so a node reads the same before and after a reload."""

    def handle(ctx: Ctx) -> None:
        session = ctx.session
        candidate = session.candidate
        if candidate is None:  # pragma: no cover - config modes always have one
            raise RuntimeError("configuration command outside a configuration session")
        cmd = ctx.match.command
        words = _line_words(item, ctx)
        if words is None:
            return
        if cmd.negate:
            _delete(item, ctx, words)
            return
        if item.check is not None:
            err = item.check(ctx)
            if err:
                if not ctx.out:
                    ctx.line(err)
                return
        text = " ".join(words)
        item_key = cmd.item_key(words)
        parsed = ctx.match.parsed(item_key)
        if words != ctx.match.words:  # spelled out by item.canonical
            parsed = session.registry.resolve(cmd.mode, text)
            item_key = parsed.key or item_key
        if item.spell is not None:
            spelled = item.spell(ctx)
            if spelled is None:
                return
            if spelled != text:
                text = spelled
                parsed = session.registry.resolve(cmd.mode, text)
                item_key = parsed.key or item_key
        path = (*session.config_path, PathItem(item_key, text, parsed))
        candidate.set(path)
        if cmd.submode is not None:
            session.enter_submode(cmd.submode, path)

    return handle

"""The shell channel kind: a CLI session behind the line discipline (layer 6).

The shell shows the prompt, passes what the client types through ``LineDiscipline``
(``xrsim.frontends.ssh.line``) and runs each line it completes in the channel's CLI session (a
vty line, client ``CLI``), one at a time, in the worker pool. After Enter comes ``\\r\\n``, the
output, then the next prompt; ``exit`` in exec mode closes the session and the channel.

Idle sessions are closed as ``line default`` configures (``SshPolicy``): ``exec-timeout`` (10
minutes unless configured; ``0 0`` never) is the time a session may wait at its prompt,
``session-timeout`` (off unless configured) the time since its last input. Both count on the
router's clock (its monotonic time): each wait for input registers one timer with the router's
scheduler (``SessionChannel.read``), so ``router.advance(minutes=10)`` closes a shell idle at
its prompt at once, and in real time the timer fires by itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xrsim.cli.commands.ssh import SshPolicy
from xrsim.errors import StateError
from xrsim.frontends.ssh.line import LineDiscipline

if TYPE_CHECKING:
    from xrsim.frontends.ssh.channel import SessionChannel

__all__ = ["idle_limit", "run_shell"]

_log = logging.getLogger("xrsim.ssh")


def idle_limit(policy: SshPolicy, since_input: float) -> float | None:
    """Seconds a shell may still wait for input: ``exec-timeout`` at the prompt,
    ``session-timeout`` since the last input (None: no limit)."""
    limits = []
    if policy.exec_timeout is not None:
        limits.append(policy.exec_timeout)
    if policy.session_timeout is not None:
        limits.append(policy.session_timeout - since_input)
    return max(0.0, min(limits)) if limits else None


async def run_shell(channel: SessionChannel) -> None:
    cli = channel.cli
    assert cli is not None
    clock = channel.server.router.clock
    discipline = LineDiscipline(cli)
    pending = cli.prompt
    last_input = clock.elapsed()
    try:
        while not cli.closed:
            since = (clock.elapsed() - last_input).total_seconds()
            try:
                # The idle timer is armed before the prompt goes out: a client that has seen
                # the prompt finds the wait already counting.
                data = await channel.read(
                    idle_after=idle_limit(channel.server.policy(), since), then_write=pending
                )
            except StateError:  # the router shut down (its scheduler is closed)
                break
            pending = ""  # written by read
            if channel.timed_out:
                _log.info("vty session %s idle: closed", channel.info and channel.info.id)
            if data is None:
                break
            last_input = clock.elapsed()
            for _, request in discipline.feed_text(data):
                channel.write(discipline.output())  # the echo goes before the command runs
                out = await channel.call(cli.handle_line, request.text)
                discipline.answer(request, out, closed=cli.closed)
                if cli.closed:
                    break
            pending = discipline.output()  # the echo of this chunk, in one packet
        channel.write(pending)
    finally:
        cli.close()
    channel.exit(0)

"""The exec channel kind: ``ssh router show version`` runs one command (layer 6).

The command runs in the channel's CLI session (a vty line of its own, client ``CLI``); its
output goes back (with CR LF when the client asked for a pty) and the channel exits with status
0. A command that asks a question has nobody to answer it: the question is shown and the
command abandoned, as IOS XR does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xrsim.frontends.ssh.line import crlf

if TYPE_CHECKING:
    from xrsim.frontends.ssh.channel import SessionChannel

__all__ = ["run_command"]


async def run_command(channel: SessionChannel) -> None:
    cli = channel.cli
    assert cli is not None
    assert channel.command is not None
    try:
        out = await channel.call(cli.handle_line, channel.command)
        if cli.waiting:  # nobody is there to answer a question: abandon the command
            out += cli.prompt + "\n"
            cli.cancel()
        channel.write(crlf(out) if channel.pty else out)
    finally:
        cli.close()
    channel.exit(0)

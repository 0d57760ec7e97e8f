"""NETCONF over SSH message framing (RFC 6242).

``Framer`` turns the text an SSH channel delivers (``str`` pieces, split anywhere) into whole
NETCONF messages (``bytes``, UTF-8 as sent), and frames outgoing messages. It starts in
base:1.0 end-of-message framing (``...]]>]]>``), which the hellos always use; after both hellos
advertise base:1.1, ``use_chunked()`` switches both directions to chunked framing
(``\\n#<size>\\n<data>...\\n##\\n``, sizes in bytes). The parser keeps its state between calls,
so any split of the input (inside a delimiter, a chunk header or a multi-byte character)
gives the same messages.

Malformed framing (a bad chunk header, a zero or oversized chunk) and a message longer than
``max_message`` raise ``FramingError``: the session then ends, as RFC 6242 requires. The limits
keep a client from making the server buffer without bound.
"""

from __future__ import annotations

from xrsim.errors import FramingError

__all__ = ["EOM", "MAX_MESSAGE_BYTES", "Framer"]

#: The base:1.0 end-of-message delimiter.
EOM = b"]]>]]>"
#: The largest message accepted (bytes); more is a framing error that ends the session.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
#: A chunk-size line is at most "\n#" + 10 digits + "\n" (RFC 6242: 1..4294967295).
_MAX_HEADER = 2 + 10 + 1
_MAX_CHUNK = 4294967295


class Framer:
    """Incremental NETCONF framing for one session (input parser and output framer)."""

    def __init__(self, max_message: int = MAX_MESSAGE_BYTES) -> None:
        self.max_message = max_message
        self.chunked = False
        self._buf = bytearray()
        # Chunked state: the message so far and the bytes left of the current chunk.
        self._message = bytearray()
        self._left = 0

    def use_chunked(self) -> None:
        """Switch to base:1.1 chunked framing (after the hello exchange)."""
        self.chunked = True

    # -- output -------------------------------------------------------------------------------

    def frame(self, message: str) -> str:
        """``message`` framed for sending: one chunk (sized in UTF-8 bytes) or ``]]>]]>``."""
        if not self.chunked:
            return message + EOM.decode()
        size = len(message.encode("utf-8"))
        if size == 0:
            return ""
        return f"\n#{size}\n{message}\n##\n"

    # -- input --------------------------------------------------------------------------------

    def push(self, data: str | bytes) -> None:
        """Add input (``str`` is re-encoded as UTF-8: chunk sizes count bytes)."""
        self._buf += data.encode("utf-8") if isinstance(data, str) else data

    def next_message(self) -> bytes | None:
        """The next complete message, or None until more input arrives. One at a time: the
        caller may switch framing (after the hello) before the rest is parsed."""
        return self._next_chunked() if self.chunked else self._next_eom()

    def feed(self, data: str | bytes) -> list[bytes]:
        """Add input and return every message it completes, in the current framing."""
        self.push(data)
        out: list[bytes] = []
        while (message := self.next_message()) is not None:
            out.append(message)
        return out

    def _next_eom(self) -> bytes | None:
        at = self._buf.find(EOM)
        if at < 0:
            # Only the tail that could still begin a delimiter is unknown; the rest counts.
            if len(self._buf) > self.max_message + len(EOM):
                raise FramingError(f"message longer than {self.max_message} bytes")
            return None
        if at > self.max_message:
            raise FramingError(f"message longer than {self.max_message} bytes")
        message = bytes(self._buf[:at])
        del self._buf[: at + len(EOM)]
        return message

    def _next_chunked(self) -> bytes | None:
        while True:
            if self._left:
                take = min(self._left, len(self._buf))
                if not take:
                    return None
                self._message += self._buf[:take]
                del self._buf[:take]
                self._left -= take
                if self._left:
                    return None
                continue
            header = self._header()
            if header is None:
                return None
            if header == 0:  # end of chunks
                if not self._message:
                    raise FramingError("end-of-chunks marker without a chunk")
                message = bytes(self._message)
                self._message.clear()
                return message
            if len(self._message) + header > self.max_message:
                raise FramingError(f"message longer than {self.max_message} bytes")
            self._left = header

    def _header(self) -> int | None:
        """The next chunk header: its size, 0 for ``\\n##\\n``, None when incomplete."""
        buf = self._buf
        if len(buf) < 3:
            if not b"\n#".startswith(bytes(buf)):
                raise FramingError("expected a chunk header")
            return None
        if buf[:2] != b"\n#":
            raise FramingError("expected a chunk header")
        if buf[2:3] == b"#":
            if len(buf) < 4:
                return None
            if buf[3:4] != b"\n":
                raise FramingError("bad end-of-chunks marker")
            del buf[:4]
            return 0
        end = buf.find(b"\n", 2)
        if end < 0:
            if len(buf) > _MAX_HEADER or not bytes(buf[2:]).isdigit():
                raise FramingError("bad chunk header")
            return None
        digits = bytes(buf[2:end])
        if not digits.isdigit() or digits.startswith(b"0") or len(digits) > 10:
            raise FramingError("bad chunk size")
        size = int(digits)
        if size > _MAX_CHUNK:
            raise FramingError("chunk size out of range")
        del buf[: end + 1]
        return size

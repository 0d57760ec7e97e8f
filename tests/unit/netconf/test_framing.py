"""NETCONF framing (RFC 6242): end-of-message and chunked input cut at every possible place
gives the same messages, chunk sizes count UTF-8 bytes, and malformed framing or oversized
messages raise ``FramingError``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xrsim.errors import FramingError, NetconfError
from xrsim.netconf.framing import EOM, Framer

pytestmark = pytest.mark.timeout(60)

MESSAGES = ["<rpc message-id='1'><get/></rpc>", "<rpc message-id='2'>é ☃ 𝄞</rpc>", "<x/>"]


def chunked_bytes(text: str, sizes: list[int] | None = None) -> bytes:
    """``text`` as chunks of ``sizes`` bytes (one chunk by default)."""
    data = text.encode()
    sizes = sizes or [len(data)]
    out, at = [], 0
    for n in sizes:
        part = data[at : at + n]
        out.append(f"\n#{len(part)}\n".encode() + part)
        at += n
    return b"".join(out) + b"\n##\n"


def chunked(text: str, sizes: list[int] | None = None) -> str:
    """``text`` in chunks cut between characters, as ``str`` (what asyncssh delivers)."""
    return chunked_bytes(text, sizes).decode()


def split_everywhere(stream: str) -> list[list[str]]:
    return [[stream[:i], stream[i:]] for i in range(len(stream) + 1)]


def test_end_of_message_messages_in_order() -> None:
    f = Framer()
    stream = "".join(m + EOM.decode() for m in MESSAGES)
    assert f.feed(stream) == [m.encode() for m in MESSAGES]


def test_end_of_message_any_split() -> None:
    stream = "".join(m + EOM.decode() for m in MESSAGES)
    for pieces in split_everywhere(stream):
        f = Framer()
        got = [m for p in pieces for m in f.feed(p)]
        assert got == [m.encode() for m in MESSAGES]


def test_chunked_any_split_of_text() -> None:
    text = MESSAGES[1]
    stream = chunked(text)  # the size counts the UTF-8 bytes of é, ☃ and 𝄞
    assert stream.startswith(f"\n#{len(text.encode())}\n")
    for pieces in split_everywhere(stream):
        f = Framer()
        f.use_chunked()
        assert [m for p in pieces for m in f.feed(p)] == [text.encode()]


def test_chunks_cutting_characters() -> None:
    text = MESSAGES[1]
    # One chunk per 3 bytes cuts through the multi-byte characters: the framing is bytes.
    stream = chunked_bytes(text, [3] * (len(text.encode()) // 3 + 1))
    for i in range(len(stream) + 1):
        f = Framer()
        f.use_chunked()
        assert f.feed(stream[:i]) + f.feed(stream[i:]) == [text.encode()]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=20))
def test_chunked_random_splits(cuts: list[int]) -> None:
    stream = chunked(MESSAGES[0], [5, 7, 100]) + chunked(MESSAGES[1])
    f = Framer()
    f.use_chunked()
    got: list[bytes] = []
    at = 0
    for n in cuts:
        got += f.feed(stream[at : at + n])
        at += n
    got += f.feed(stream[at:])
    assert got == [MESSAGES[0].encode(), MESSAGES[1].encode()]


def test_frame_counts_utf8_bytes() -> None:
    f = Framer()
    f.use_chunked()
    framed = f.frame("é")
    assert framed == "\n#2\né\n##\n"
    assert Framer().frame("<a/>") == "<a/>]]>]]>"


@pytest.mark.parametrize(
    "bad",
    [
        "#5\nhello\n##\n",  # no leading newline
        "\n#0\n\n##\n",  # zero size
        "\n#05\nhello\n##\n",  # leading zero
        "\n#x\n",  # not a number
        "\n#99999999999\n",  # over 4294967295
        "\n##\n",  # end of chunks before any chunk
        "\n#3\nabcXX",  # data after a chunk that is not a header
        "\n#3\nabc\n#!",  # bad end marker
    ],
)
def test_malformed_chunks(bad: str) -> None:
    f = Framer()
    f.use_chunked()
    with pytest.raises(FramingError) as info:
        f.feed(bad)
    assert isinstance(info.value, NetconfError)
    assert info.value.tag == "malformed-message"


def test_size_limits() -> None:
    f = Framer(max_message=100)
    with pytest.raises(FramingError):
        f.feed("x" * 200)  # no delimiter in sight: buffering stops at the limit
    f = Framer(max_message=100)
    f.use_chunked()
    with pytest.raises(FramingError):
        f.feed("\n#60\n" + "a" * 60 + "\n#60\n")  # the second chunk would pass the limit
    f = Framer(max_message=100)
    assert f.feed("y" * 100 + "]]>]]>") == [b"y" * 100]


def test_switch_after_hello_parses_rest_chunked() -> None:
    f = Framer()
    f.push("<hello/>]]>]]>" + chunked("<rpc/>"))
    assert f.next_message() == b"<hello/>"
    f.use_chunked()
    assert f.next_message() == b"<rpc/>"
    assert f.next_message() is None

"""The SSE decoder against hostile byte streams: every split of the input gives the same events."""

from __future__ import annotations

import pytest
from relaykit._sse import SSEDecoder

Event = tuple[str | None, bytes]


def decode(chunks: list[bytes], decoder: SSEDecoder | None = None) -> list[Event]:
    decoder = decoder or SSEDecoder()
    events = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    decoder.flush()
    return events


def every_split(data: bytes) -> list[list[bytes]]:
    """The input as one chunk, byte by byte, and cut at every position into two."""
    splits = [[data], [data[i : i + 1] for i in range(len(data))]]
    splits += [[data[:i], data[i:]] for i in range(1, len(data))]
    return splits


STREAM = (
    b": keep-alive\r\n"
    b"\r\n"
    b"event: message\r\n"
    b"data: {\"a\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}\r\n"
    b"\r\n"
    b"data: line one\n"
    b"data: line two\n"
    b"\n"
    b"data\rid: 7\r\r"
    b"event: empty\n\n"
    b"data: [DONE]\n\n"
)
EXPECTED = [
    ("message", '{"a": "é€😀"}'.encode()),
    (None, b"line one\nline two"),
    (None, b""),
    (None, b"[DONE]"),
]


@pytest.mark.parametrize("chunks", every_split(STREAM), ids=lambda c: f"{len(c)}-chunks-{len(c[0])}")
def test_every_split_gives_the_same_events(chunks: list[bytes]) -> None:
    decoder = SSEDecoder()
    assert decode(chunks, decoder) == EXPECTED
    assert decoder.last_id == "7"


def test_comment_only_and_empty_events_are_not_dispatched() -> None:
    assert decode([b": ping\n\n:\n\nevent: x\n\n\n\n"]) == []


def test_field_without_space_and_unknown_fields() -> None:
    decoder = SSEDecoder()
    assert decode([b"data:{}\nfoo: bar\nretry: 1500\nretry: soon\n\n"], decoder) == [(None, b"{}")]
    assert decoder.retry == 1500


def test_unterminated_last_event_is_discarded() -> None:
    assert decode([b"data: complete\n\ndata: cut off"]) == [(None, b"complete")]


def test_cr_at_chunk_end_then_lf_is_one_line_break() -> None:
    assert decode([b"data: x\r", b"\n\r", b"\n"]) == [(None, b"x")]


def test_id_with_nul_is_ignored() -> None:
    decoder = SSEDecoder()
    assert decode([b"id: a\x00b\ndata: 1\n\n"], decoder) == [(None, b"1")]
    assert decoder.last_id is None


LF_STREAM = b": ping\n\nevent: delta\ndata: {\"x\": \"\xc3\xa9\"}\n\n\n\ndata: a\ndata: b\nid: 3\n\nretry: 20\ndata: [DONE]\n\n"
LF_EXPECTED = [("delta", b'{"x": "\xc3\xa9"}'), (None, b"a\nb"), (None, b"[DONE]")]


@pytest.mark.parametrize("chunks", every_split(LF_STREAM), ids=lambda c: f"{len(c)}-chunks-{len(c[0])}")
def test_lf_only_fast_path_matches_the_rules(chunks: list[bytes]) -> None:
    decoder = SSEDecoder()
    assert decode(chunks, decoder) == LF_EXPECTED
    assert (decoder.last_id, decoder.retry) == ("3", 20)


def test_switch_to_line_mode_mid_stream() -> None:
    # LF events first, then a CRLF keep-alive: both halves decode.
    events = decode([b"data: 1\n\n", b"data: 2\n", b"\r\n", b": ka\r\n\r\ndata: 3\r\n\r\n"])
    assert [data for _, data in events] == [b"1", b"2", b"3"]

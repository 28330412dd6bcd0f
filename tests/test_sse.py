"""The SSE decoder against hostile byte streams: every split of the input gives the same events."""

from __future__ import annotations

import pytest

from relaykit._sse import ServerSentEvent, SSEDecoder


def decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
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
    ServerSentEvent('{"a": "é€😀"}', "message"),
    ServerSentEvent("line one\nline two"),
    ServerSentEvent("", None, "7"),
    ServerSentEvent("[DONE]", None, "7"),
]


@pytest.mark.parametrize("chunks", every_split(STREAM), ids=lambda c: f"{len(c)}-chunks-{len(c[0])}")
def test_every_split_gives_the_same_events(chunks: list[bytes]) -> None:
    assert decode(chunks) == EXPECTED


def test_comment_only_and_empty_events_are_not_dispatched() -> None:
    assert decode([b": ping\n\n:\n\nevent: x\n\n\n\n"]) == []


def test_field_without_space_and_unknown_fields() -> None:
    events = decode([b"data:{}\nfoo: bar\nretry: 1500\nretry: soon\n\n"])
    assert events == [ServerSentEvent("{}", None, None, 1500)]


def test_unterminated_last_event_is_discarded() -> None:
    assert decode([b"data: complete\n\ndata: cut off"]) == [ServerSentEvent("complete")]


def test_cr_at_chunk_end_then_lf_is_one_line_break() -> None:
    assert decode([b"data: x\r", b"\n\r", b"\n"]) == [ServerSentEvent("x")]


def test_id_with_nul_is_ignored() -> None:
    assert decode([b"id: a\x00b\ndata: 1\n\n"]) == [ServerSentEvent("1")]

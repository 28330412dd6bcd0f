"""Typed streams over hostile SSE, for each protocol: keep-alive comments, empty events, CRLF,
multi-line data, UTF-8 split across chunks, [DONE], error events and unknown events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import relaykit
from relaykit import types

from .conftest import Recorder, make_async_client, make_client, sse, stream_response


def chunk(i: int, text: str, **extra: Any) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}], **extra}


def split_everywhere(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


CHAT_BODY = (
    b": keep-alive\r\n\r\n"
    + sse((None, chunk(0, "h\u00e9")), (None, chunk(1, "llo \U0001f600"))).replace(b"\n", b"\r\n")
    + b"data:\n\n"  # an empty event: skipped
    + b"event: ping\n\n"  # an event without data: not dispatched
    + sse((None, chunk(2, "!")))
    + b"data: [DONE]\n\n"
    + b"data: {\"after\": \"done\"}\n\n"  # anything after [DONE] is ignored
)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, len(CHAT_BODY)])
def test_chat_stream_survives_any_chunking(size: int) -> None:
    rec = Recorder(stream_response(split_everywhere(CHAT_BODY, size)))
    client = make_client(rec)
    with client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True) as stream:
        texts = [c.choices[0].delta.content for c in stream]
    assert texts == ["h\u00e9", "llo \U0001f600", "!"]
    assert rec.requests[0].headers["accept"] == "text/event-stream"
    assert rec.json()["stream"] is True


def test_chat_stream_multi_line_data_is_joined() -> None:
    payload = json.dumps(chunk(0, "a"), indent=1).encode()
    body = b"".join(b"data: " + line + b"\n" for line in payload.splitlines()) + b"\n" + b"data: [DONE]\n\n"
    with make_client(Recorder(stream_response(body))).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True) as stream:
        assert [c.choices[0].delta.content for c in stream] == ["a"]


def test_chat_stream_error_chunk_raises_with_the_payload() -> None:
    error = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [], "error": {"message": "upstream died", "code": 502}}
    body = sse((None, chunk(0, "partial")), (None, error))
    stream = make_client(Recorder(stream_response(body))).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
    seen = []
    with pytest.raises(relaykit.StreamError, match="upstream died") as info:
        for c in stream:
            seen.append(c)
    assert len(seen) == 1 and info.value.code == 502 and info.value.event["error"]["message"] == "upstream died"


def test_chat_stream_text_mentioning_error_is_not_an_error() -> None:
    body = sse((None, chunk(0, 'the "error" word')), (None, "[DONE]"))
    with make_client(Recorder(stream_response(body))).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True) as stream:
        assert [c.choices[0].delta.content for c in stream] == ['the "error" word']


def test_chat_stream_garbage_event_raises_stream_error() -> None:
    body = sse((None, chunk(0, "a"))) + b"data: {not json\n\n"
    stream = make_client(Recorder(stream_response(body))).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
    with pytest.raises(relaykit.StreamError, match="not JSON"):
        list(stream)


def resp_event(kind: str, **fields: Any) -> tuple[str, dict[str, Any]]:
    return kind, {"type": kind, "sequence_number": 0, **fields}


def test_responses_stream_yields_unknown_events_and_raises_on_error() -> None:
    body = sse(
        resp_event("response.output_text.delta", item_id="m1", output_index=0, content_index=0, delta="Hi"),
        resp_event("response.brand_new_event", payload={"x": 1}),
        resp_event("error", code="server_error", message="boom", param=None),
    )
    stream = make_client(Recorder(stream_response(body))).responses.create(model="m", input="x", stream=True)
    events: list[Any] = []
    with pytest.raises(relaykit.StreamError, match="boom"):
        for event in stream:
            events.append(event)
    assert isinstance(events[0], types.ResponseOutputTextDeltaEvent) and events[0].delta == "Hi"
    assert isinstance(events[1], relaykit.UnknownEvent)
    assert events[1].type == "response.brand_new_event" and events[1].data["payload"] == {"x": 1}


def test_anthropic_stream_skips_ping_and_raises_error_events() -> None:
    body = sse(
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}}),
        ("future_event", {"type": "future_event", "thing": 1}),
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    )
    stream = make_client(Recorder(stream_response(body))).messages.create(model="claude", max_tokens=10, messages=[{"role": "user", "content": "x"}], stream=True)
    events: list[Any] = []
    with pytest.raises(relaykit.StreamError, match="Overloaded"):
        for event in stream:
            events.append(event)
    assert [type(e).__name__ for e in events] == ["ContentBlockDeltaEvent", "UnknownEvent"]


def test_gemini_stream_ends_at_eof_and_uses_alt_sse() -> None:
    part = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}, "index": 0}]}
    rec = Recorder(stream_response(sse((None, part), (None, part))))
    client = make_client(rec)
    stream = client.gemini.stream_generate_content("gemini-2.5-flash", contents=[{"role": "user", "parts": [{"text": "x"}]}])
    texts = [c.candidates[0].content.parts[0].text for c in stream if c.candidates and c.candidates[0].content and c.candidates[0].content.parts]
    assert texts == ["Hi", "Hi"]
    request = rec.requests[0]
    assert request.url.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert request.url.params["alt"] == "sse"
    assert request.headers["x-goog-api-key"] == "sk-test-secret-123"


def test_gemini_stream_error_payload_raises() -> None:
    body = sse((None, {"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}))
    stream = make_client(Recorder(stream_response(body))).gemini.stream_generate_content("g", contents=[{"role": "user", "parts": [{"text": "x"}]}])
    with pytest.raises(relaykit.StreamError, match="Resource exhausted"):
        list(stream)


def test_async_stream_with_split_utf8() -> None:
    async def run() -> list[str]:
        rec = Recorder(stream_response(split_everywhere(CHAT_BODY, 1)))
        client = make_async_client(rec)
        stream = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
        async with stream:
            return [c.choices[0].delta.content async for c in stream]

    assert asyncio.run(run()) == ["h\u00e9", "llo \U0001f600", "!"]


def test_stream_closes_the_response_when_left_early() -> None:
    rec = Recorder(stream_response(CHAT_BODY))
    stream = make_client(rec).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
    with stream:
        next(iter(stream))
    assert stream.response.is_closed



DONE_CASES = {
    "responses": (
        sse(resp_event("response.output_text.delta", item_id="m1", output_index=0, content_index=0, delta="Hi")),
        lambda c: c.responses.create(model="m", input="x", stream=True),
    ),
    "anthropic": (
        sse(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}})),
        lambda c: c.messages.create(model="c", max_tokens=5, messages=[{"role": "user", "content": "x"}], stream=True),
    ),
    "gemini": (
        sse((None, {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}, "index": 0}]})),
        lambda c: c.gemini.stream_generate_content("g", contents=[{"role": "user", "parts": [{"text": "x"}]}]),
    ),
}


@pytest.mark.parametrize("protocol", list(DONE_CASES))
def test_done_marker_ends_every_protocol(protocol: str) -> None:
    """Relays append OpenAI's [DONE] to every stream: it ends the iteration, whatever follows."""
    body, call = DONE_CASES[protocol]
    client = make_client(Recorder(stream_response(split_everywhere(body + b"data: [DONE]\n\ndata: {not json\n\n", 5))))
    with call(client) as stream:
        assert len(list(stream)) == 1


def test_image_stream_yields_typed_and_unknown_events_and_survives_keep_alives() -> None:
    partial = {"type": "image_generation.partial_image", "b64_json": "AAAA", "created_at": 1, "size": "1024x1024", "quality": "low", "background": "opaque", "output_format": "png", "partial_image_index": 0}
    body = b": keep-alive\n\n" + sse(
        ("image_generation.partial_image", partial),
        ("image_generation.progress", {"type": "image_generation.progress", "percent": 50}),
        ("image_generation.completed", {**{k: v for k, v in partial.items() if k != "partial_image_index"}, "type": "image_generation.completed", "b64_json": "BBBB"}),
    ) + b"data: [DONE]\n\n"
    with make_client(Recorder(stream_response(body))).images.generate(model="gpt-image-1", prompt="x", stream=True) as stream:
        events = list(stream)
    assert isinstance(events[0], types.ImageGenerationPartialImageEvent) and events[0].b64_json == "AAAA"
    assert isinstance(events[1], relaykit.UnknownEvent) and events[1].data["percent"] == 50
    assert isinstance(events[2], types.ImageGenerationCompletedEvent) and events[2].b64_json == "BBBB"

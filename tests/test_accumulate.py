"""Accumulators: recorded streams fold into the object the call would have returned without
streaming; hostile streams (split, interleaved indexes, unknown blocks, early end, errors) too."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import relaykit
from relaykit import types

from .conftest import FIXTURES, Recorder, make_async_client, make_client, stream_response
from .strict import assert_round_trip

RECORDED = FIXTURES / "recorded"
USER = [{"role": "user", "content": "x"}]


def lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (RECORDED / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def body_of(events: list[dict[str, Any]]) -> bytes:
    out = []
    for line in events:
        data = line["data"] if isinstance(line["data"], str) else json.dumps(line["data"])
        out.append((f"event: {line['event']}\n" if line.get("event") else "") + f"data: {data}\n\n")
    return "".join(out).encode()


def split(body: bytes, size: int = 7) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def chat_stream(events: list[dict[str, Any]]) -> relaykit.Stream[Any, types.ChatCompletion]:
    client = make_client(Recorder(stream_response(split(body_of(events)))))
    return client.chat.completions.create(model="m", messages=USER, stream=True)


# -- chat ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pyd-openai-chat-stream-usage.jsonl", "pyd-openai-chat-stream-moderation.jsonl", "oai-chat-stream.jsonl", "pyd-openrouter-chat-reasoning-stream.jsonl"])
def test_recorded_chat_stream_folds_into_a_completion(name: str) -> None:
    events = lines(f"chat/{name}")
    completion = chat_stream(events).final()
    chunks = [e["data"] for e in events if e["data"] != "[DONE]"]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    message = completion.choices[0].message
    assert message.content == ("".join(d.get("content") or "" for d in deltas) or None)
    calls = [tc for d in deltas for tc in d.get("tool_calls") or []]
    got = [(c.id, c.function.name if c.function else None, c.function.arguments if c.function else None) for c in message.tool_calls or []]
    want = {}
    for tc in calls:
        slot = want.setdefault(tc["index"], [None, None, ""])
        slot[0] = tc.get("id") or slot[0]
        slot[1] = slot[1] or tc.get("function", {}).get("name")
        slot[2] += tc.get("function", {}).get("arguments") or ""
    assert got == [tuple(want[i]) for i in sorted(want)]
    usage = [c["usage"] for c in chunks if c.get("usage")]
    if usage:
        assert completion.usage is not None and completion.usage.to_dict() == usage[-1]
    finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0].get("finish_reason")]
    assert completion.choices[0].finish_reason == (finish[-1] if finish else None)
    assert_round_trip("ChatCompletion", completion.to_dict(), name)


def test_text_iterator_then_final() -> None:
    events = lines("chat/pyd-openrouter-chat-reasoning-stream.jsonl")
    stream = chat_stream(events)
    pieces = list(stream.text())
    final = stream.final()
    assert "".join(pieces) == final.choices[0].message.content and pieces


def test_chat_tool_call_fragments_with_interleaved_indexes() -> None:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"data": {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}}

    events = [
        chunk({"role": "assistant", "tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "time", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "weather", "arguments": '{"ci'}}]}),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": '{"tz": "UTC"}'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Paris"}'}}]}),
        chunk({}, "tool_calls"),
        {"data": "[DONE]"},
    ]
    message = chat_stream(events).final().choices[0].message
    calls = message.tool_calls or []
    assert [c.id for c in calls] == ["call_a", "call_b"]
    assert [json.loads(c.function.arguments) for c in calls if c.function] == [{"city": "Paris"}, {"tz": "UTC"}]


def test_chat_error_mid_stream_carries_what_arrived() -> None:
    stream = chat_stream(lines("chat/pyd-openrouter-chat-stream-error.jsonl"))
    with pytest.raises(relaykit.StreamError) as info:
        stream.final()
    partial = info.value.partial
    assert isinstance(partial, types.ChatCompletion)
    assert partial.choices and partial.choices[0].message.reasoning  # what the model said before failing


def test_chat_stream_cut_before_the_end_raises_with_partial() -> None:
    events = [e for e in lines("chat/pyd-openai-chat-stream-usage.jsonl") if e["data"] != "[DONE]"][:3]
    for e in events:
        for choice in e["data"]["choices"]:
            choice["finish_reason"] = None
    with pytest.raises(relaykit.StreamError, match="ended before it was complete") as info:
        chat_stream(events).final()
    assert isinstance(info.value.partial, types.ChatCompletion)


def test_final_after_manual_iteration_is_refused() -> None:
    stream = chat_stream(lines("chat/pyd-openai-chat-stream-usage.jsonl"))
    next(iter(stream))
    with pytest.raises(relaykit.RelaykitError, match="before iterating"):
        stream.final()


# -- responses -------------------------------------------------------------------------------

RESPONSE_STREAMS = ["pyd-resp-stream-usage.jsonl", "pyd-resp-stream-web-search.jsonl", "pyd-resp-stream-reasoning-summary.jsonl", "pyd-resp-stream-mcp.jsonl", "pyd-resp-stream-code-interpreter.jsonl"]


def responses_stream(events: list[dict[str, Any]]) -> relaykit.Stream[Any, types.Response]:
    client = make_client(Recorder(stream_response(split(body_of(events), 64))))
    return client.responses.create(model="m", input="x", stream=True)


@pytest.mark.parametrize("name", RESPONSE_STREAMS)
def test_recorded_responses_stream_final_is_the_completed_response(name: str) -> None:
    events = lines(f"responses-stream/{name}")
    completed = next(e["data"]["response"] for e in events if e["data"]["type"] == "response.completed")
    final = responses_stream(events).final()
    assert isinstance(final, types.Response)
    assert final.to_dict() == completed


@pytest.mark.parametrize("name", RESPONSE_STREAMS)
def test_responses_output_is_rebuilt_from_items_when_the_end_is_missing(name: str) -> None:
    events = lines(f"responses-stream/{name}")
    cut = next(i for i, e in enumerate(events) if e["data"]["type"] == "response.completed")
    completed = events[cut]["data"]["response"]
    with pytest.raises(relaykit.StreamError, match="ended before") as info:
        responses_stream(events[:cut]).final()
    partial = info.value.partial
    rebuilt = partial.to_dict()["output"] if isinstance(partial, types.Response) else partial["output"]
    # The gateway re-encrypts reasoning between the item event and the final response.
    def comparable(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in item.items() if k != "encrypted_content"} for item in items]

    assert comparable(rebuilt) == comparable(completed["output"])


def test_responses_text_deltas_rebuild_a_message_without_item_done() -> None:
    events = lines("responses-stream/pyd-resp-stream-web-search.jsonl")
    kept = [e for e in events if e["data"]["type"] not in ("response.output_item.done", "response.content_part.done", "response.output_text.done", "response.completed")]
    with pytest.raises(relaykit.StreamError) as info:
        responses_stream(kept).final()
    expected = "".join(e["data"]["delta"] for e in events if e["data"]["type"] == "response.output_text.delta")
    partial = info.value.partial
    output = partial.to_dict()["output"] if isinstance(partial, types.Response) else partial["output"]
    texts = [part["text"] for item in output for part in item.get("content") or [] if part and part.get("type") == "output_text"]
    assert "".join(texts) == expected and expected


def test_responses_failed_event_raises_with_the_failed_response() -> None:
    failed = json.loads((RECORDED / "responses-stream/oai-schema-response-failed-event.json").read_text())
    events = [{"event": failed["type"], "data": failed}]
    with pytest.raises(relaykit.StreamError, match="response failed") as info:
        responses_stream(events).final()
    assert isinstance(info.value.partial, types.Response) and info.value.partial.status == "failed"


# -- anthropic -------------------------------------------------------------------------------

CLAUDE_STREAMS = ["pyd-claude-stream-thinking.jsonl", "pyd-claude-stream-web-search.jsonl", "pyd-claude-stream-mcp.jsonl"]


def claude_stream(events: list[dict[str, Any]], size: int = 5) -> relaykit.Stream[Any, types.Message]:
    client = make_client(Recorder(stream_response(split(body_of(events), size))))
    return client.messages.create(model="claude", max_tokens=100, messages=USER, stream=True)


def fold_texts(events: list[dict[str, Any]]) -> dict[int, dict[str, str]]:
    """The per-block text, thinking and tool input JSON, read straight off the raw events."""
    out: dict[int, dict[str, str]] = {}
    for e in events:
        d = e["data"]
        if d["type"] == "content_block_delta":
            slot = out.setdefault(d["index"], {})
            delta = d["delta"]
            for key, field in (("text_delta", "text"), ("thinking_delta", "thinking"), ("input_json_delta", "partial_json")):
                if delta["type"] == key:
                    slot[field] = slot.get(field, "") + delta[field]
    return out


@pytest.mark.parametrize("name", CLAUDE_STREAMS)
def test_recorded_claude_stream_folds_into_a_message(name: str) -> None:
    events = lines(f"claude-stream/{name}")
    message = claude_stream(events).final()
    assert isinstance(message, types.Message)
    blocks = message.to_dict()["content"]
    for index, expected in fold_texts(events).items():
        block = blocks[index]
        if "text" in expected:
            assert block["text"] == expected["text"]
        if "thinking" in expected:
            assert block["thinking"] == expected["thinking"] and block.get("signature")
        if "partial_json" in expected:
            assert block["input"] == json.loads(expected["partial_json"])
    last_delta = [e["data"] for e in events if e["data"]["type"] == "message_delta"][-1]
    assert message.stop_reason == last_delta["delta"]["stop_reason"]
    assert message.usage is not None and message.usage.output_tokens == last_delta["usage"]["output_tokens"]
    assert_round_trip("Message", message.to_dict(), name)


def claude_events(*specs: dict[str, Any]) -> list[dict[str, Any]]:
    start = {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "content": [], "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 1}}}
    return [{"event": s["type"], "data": s} for s in (start, *specs)]


def test_claude_interleaved_blocks_unknown_blocks_and_tool_json() -> None:
    events = claude_events(
        {"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": '{"city": "Pa'}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Let me "}},
        {"type": "content_block_start", "index": 2, "content_block": {"type": "hologram", "data": "?"}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": 'ris"}'}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "check."}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_stop", "index": 2},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": {"output_tokens": 20}},
        {"type": "message_stop"},
    )
    stream = claude_stream(events, size=3)
    message = stream.final()
    assert [b.type for b in message.content] == ["text", "tool_use", "hologram"]
    assert isinstance(message.content[2], relaykit.UnknownVariant) and message.content[2].data == "?"  # kept, not dropped
    assert message.to_dict()["content"][0]["text"] == "Let me check."
    assert message.to_dict()["content"][1]["input"] == {"city": "Paris"}
    assert message.stop_reason == "tool_use" and message.usage is not None and message.usage.output_tokens == 20


def test_claude_stream_without_message_stop_raises_with_partial() -> None:
    events = claude_events(
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Half a sen"}},
    )
    with pytest.raises(relaykit.StreamError, match="ended before") as info:
        claude_stream(events).final()
    assert isinstance(info.value.partial, types.Message)
    assert info.value.partial.to_dict()["content"][0]["text"] == "Half a sen"


def test_claude_error_event_raises_with_partial() -> None:
    events = claude_events(
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    )
    with pytest.raises(relaykit.StreamError, match="Overloaded") as info:
        claude_stream(events).final()
    assert info.value.partial.to_dict()["content"][0]["text"] == "Hi"


# -- gemini ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pyd-gemini-stream-function-call.jsonl", "pyd-gemini-stream-code-execution.jsonl"])
def test_recorded_gemini_stream_folds_into_one_response(name: str) -> None:
    events = lines(f"gemini/{name}")
    client = make_client(Recorder(stream_response(split(body_of(events), 11))))
    final = client.gemini.stream_generate_content("gemini-2.5-flash", contents=[{"role": "user", "parts": [{"text": "x"}]}]).final()
    assert isinstance(final, types.GenerateContentResponse)
    chunks = [e["data"] for e in events]
    raw_parts = [p for c in chunks for cand in c.get("candidates") or [] for p in (cand.get("content") or {}).get("parts") or []]
    parts = final.to_dict()["candidates"][0]["content"]["parts"]
    assert "".join(p.get("text", "") for p in parts) == "".join(p.get("text", "") for p in raw_parts)
    non_text = [p for p in raw_parts if not set(p) <= {"text", "thought"}]
    assert [p for p in parts if not set(p) <= {"text", "thought"}] == non_text
    assert final.to_dict()["usageMetadata"] == [c for c in chunks if "usageMetadata" in c][-1]["usageMetadata"]
    assert_round_trip("GenerateContentResponse", final.to_dict(), name)


def test_gemini_text_iterator_async() -> None:
    chunk = lambda text, finish=None: {"data": {"candidates": [{"index": 0, "content": {"role": "model", "parts": [{"text": text}]}, **({"finishReason": finish} if finish else {})}]}}  # noqa: E731
    events = [chunk("Hel"), chunk("lo"), chunk("!", "STOP")]

    async def run() -> tuple[list[str], Any]:
        client = make_async_client(Recorder(stream_response(split(body_of(events), 4))))
        stream = await client.gemini.stream_generate_content("g", contents=[{"role": "user", "parts": [{"text": "x"}]}])
        pieces = [p async for p in stream.text()]
        return pieces, await stream.final()

    pieces, final = asyncio.run(run())
    assert pieces == ["Hel", "lo", "!"]
    assert final.to_dict()["candidates"][0]["content"]["parts"] == [{"text": "Hello!"}]
    assert final.candidates[0].finish_reason == "STOP"


def test_async_claude_final() -> None:
    events = lines("claude-stream/pyd-claude-stream-thinking.jsonl")

    async def run() -> types.Message:
        client = make_async_client(Recorder(stream_response(split(body_of(events), 9))))
        stream = await client.messages.create(model="claude", max_tokens=10, messages=USER, stream=True)
        return await stream.final()

    assert isinstance(asyncio.run(run()), types.Message)


# -- images ----------------------------------------------------------------------------------

PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg=="
IMAGE_SETTINGS = {"created_at": 1761820000, "size": "1024x1024", "quality": "low", "background": "opaque", "output_format": "png"}
IMAGE_USAGE = {"total_tokens": 300, "input_tokens": 28, "output_tokens": 272, "input_tokens_details": {"text_tokens": 28, "image_tokens": 0}}


def image_events(prefix: str, partials: int, completed: bool = True) -> list[dict[str, Any]]:
    events = [{"type": f"{prefix}.partial_image", "b64_json": f"partial{i}", "partial_image_index": i, **IMAGE_SETTINGS} for i in range(partials)]
    if completed:
        events.append({"type": f"{prefix}.completed", "b64_json": PNG_B64, **IMAGE_SETTINGS, "usage": IMAGE_USAGE})
    return [{"event": e["type"], "data": e} for e in events]


def test_image_generation_stream_folds_into_images_response() -> None:
    rec = Recorder(stream_response(split(body_of(image_events("image_generation", 2)), 13)))
    stream = make_client(rec).images.generate(model="gpt-image-1", prompt="otter", stream=True, partial_images=2)
    seen = list(stream.collect())
    final = stream.final()
    assert [type(e).__name__ for e in seen] == ["ImageGenerationPartialImageEvent"] * 2 + ["ImageGenerationCompletedEvent"]
    assert [e.b64_json for e in seen[:2]] == ["partial0", "partial1"]  # the partial images, as they came
    assert isinstance(final, types.ImagesResponse)
    assert final.created == 1761820000 and [d.b64_json for d in final.data or []] == [PNG_B64]
    assert final.usage is not None and final.usage.total_tokens == 300 and final.size == "1024x1024"
    assert rec.json() == {"model": "gpt-image-1", "prompt": "otter", "stream": True, "partial_images": 2}
    assert rec.requests[0].headers["accept"] == "text/event-stream"
    assert_round_trip("ImagesResponse", final.to_dict(), "image stream")


def test_image_edit_stream_is_multipart_and_folds_async() -> None:
    async def run() -> tuple[bytes, types.ImagesResponse]:
        rec = Recorder(stream_response(split(body_of(image_events("image_edit", 1)), 9)))
        client = make_async_client(rec)
        stream = await client.images.edit(model="gpt-image-1", image=b"\x89PNG\r\n\x1a\n", prompt="hat", stream=True)
        final = await stream.final()
        return rec.requests[0].content, final

    content, final = asyncio.run(run())
    assert b'name="stream"\r\n\r\ntrue' in content and b'name="image"' in content
    assert [d.b64_json for d in final.data or []] == [PNG_B64]


def test_image_stream_cut_before_completion_keeps_the_last_partial() -> None:
    rec = Recorder(stream_response(body_of(image_events("image_generation", 2, completed=False))))
    stream = make_client(rec).images.generate(model="gpt-image-1", prompt="otter", stream=True, partial_images=2)
    with pytest.raises(relaykit.StreamError, match="ended before") as info:
        stream.final()
    partial = info.value.partial
    assert isinstance(partial, types.ImagesResponse)
    assert [d.b64_json for d in partial.data or []] == ["partial1"] and partial.usage is None


def test_image_stream_error_event_raises_with_partial() -> None:
    events = image_events("image_generation", 1, completed=False) + [{"event": "error", "data": {"type": "error", "error": {"message": "moderation_blocked", "code": "moderation_blocked"}}}]
    stream = make_client(Recorder(stream_response(body_of(events)))).images.generate(model="gpt-image-1", prompt="x", stream=True)
    with pytest.raises(relaykit.StreamError, match="moderation_blocked") as info:
        stream.final()
    assert [d.b64_json for d in info.value.partial.data] == ["partial0"]


def test_image_stream_done_marker_without_completed_image_is_not_complete() -> None:
    events = image_events("image_generation", 1, completed=False) + [{"data": "[DONE]"}]
    stream = make_client(Recorder(stream_response(body_of(events)))).images.generate(model="gpt-image-1", prompt="x", stream=True)
    with pytest.raises(relaykit.StreamError, match="ended before"):
        stream.final()


def test_image_generate_without_stream_is_plain_json() -> None:
    body = {"created": 1, "data": [{"b64_json": PNG_B64}]}
    rec = Recorder(httpx.Response(200, json=body))
    result = make_client(rec).images.generate(model="gpt-image-1", prompt="x")
    assert isinstance(result, types.ImagesResponse) and rec.requests[0].headers["accept"] != "text/event-stream"


def test_image_stream_with_several_completed_images_keeps_each() -> None:
    events = image_events("image_generation", 1) + image_events("image_generation", 0)
    events[-1]["data"] = {**events[-1]["data"], "b64_json": "second", "size": "1536x1024"}
    stream = make_client(Recorder(stream_response(body_of(events)))).images.generate(model="gpt-image-1", prompt="x", n=2, stream=True)
    final = stream.final()
    assert [d.b64_json for d in final.data or []] == [PNG_B64, "second"]
    assert final.size == "1536x1024"  # the settings of the last image

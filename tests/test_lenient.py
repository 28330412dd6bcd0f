"""Lenient where gateways differ, strict on request: dropped required fields, union variants the
spec does not list (responses, streams, accumulators, requests), bodies of the wrong kind, and
``strict_response_validation``."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import httpx
import pydantic
import pytest
import relaykit
from relaykit import types

from .conftest import Recorder, make_async_client, make_client, sse, stream_response
from .payloads import CHAT_OK, MESSAGES
from .strict import strict_parse

HOLOGRAM_CALL = {"type": "hologram_call", "id": "sh_1", "call_id": "call_1", "action": {"commands": ["ls -la"]}, "status": "completed"}
MESSAGE_ITEM = {
    "type": "message",
    "id": "msg_1",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "Done.", "annotations": []}],
}
RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1760000000,
    "status": "completed",
    "model": "gpt-5",
    "output": [MESSAGE_ITEM],
    "tool_choice": "auto",
    "tools": [],
}


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def without(body: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """A deep copy of ``body`` with the field at ``path`` removed."""
    out = copy.deepcopy(body)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def chat(body: Any, **client: Any) -> Any:
    return make_client(Recorder(ok(body)), **client).chat.completions.create(model="m", messages=MESSAGES)


def response(body: Any, **client: Any) -> Any:
    return make_client(Recorder(ok(body)), **client).responses.create(model="gpt-5", input="x")


# -- missing required fields ----------------------------------------------------------------


def test_dropped_required_field_is_absent_not_an_error() -> None:
    body = without(without(CHAT_OK, "created"), "choices", 0, "index")
    result = chat(body)
    assert isinstance(result, types.ChatCompletion)
    assert result.created is None and "created" not in result.model_fields_set
    assert result.choices[0].index is None and "index" not in result.choices[0].model_fields_set
    assert result.choices[0].message.content == "Hello"  # the rest is typed as usual
    assert result.to_dict() == body  # dumped back without inventing the field


def test_strict_mode_raises_for_a_dropped_required_field_with_the_raw_body() -> None:
    body = without(CHAT_OK, "created")
    with pytest.raises(relaykit.ResponseValidationError, match="created") as info:
        chat(body, strict_response_validation=True)
    assert json.loads(info.value.body) == body
    assert [e["loc"] for e in info.value.errors] == [("created",)]


def test_the_round_trip_machinery_stays_strict() -> None:
    with pytest.raises(pydantic.ValidationError, match="created"):
        strict_parse("ChatCompletion", without(CHAT_OK, "created"))
    with pytest.raises(pydantic.ValidationError, match="hologram_call"):
        strict_parse("Response", {**RESPONSE, "output": [HOLOGRAM_CALL]})


def test_with_options_keeps_strict_mode() -> None:
    client = make_client(Recorder(ok(without(CHAT_OK, "created"))), strict_response_validation=True)
    assert client.with_options(max_retries=0).strict_response_validation is True
    with pytest.raises(relaykit.ResponseValidationError):
        client.with_options(timeout=3.0).chat.completions.create(model="m", messages=MESSAGES)


@pytest.mark.parametrize(
    "raw",
    [
        b'[{"id": "chatcmpl-1"}]',  # a list where an object belongs
        b'"chatcmpl-1"',  # a string where an object belongs
        b"<html><body>502 Bad Gateway</body></html>",  # a proxy's HTML page
        b"{}",  # an object with none of the required fields: not a completion at all
        b'{"status": "queued", "task": 7}',
        b'{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "choices": "none"}',  # a field of the wrong type
    ],
)
def test_a_body_of_the_wrong_kind_still_raises_with_the_raw_body(raw: bytes) -> None:
    rec = Recorder(httpx.Response(200, content=raw, headers={"content-type": "application/json"}))
    with pytest.raises(relaykit.ResponseValidationError) as info:
        make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.body == raw and info.value.status_code == 200


def test_an_error_envelope_with_http_200_is_still_a_typed_error() -> None:
    raw = {"error": {"message": "upstream quota", "type": "new_api_error", "code": "quota"}}
    with pytest.raises(relaykit.APIStatusError) as info:
        chat(raw)
    assert info.value.code == "quota" and json.loads(info.value.body) == raw


def test_request_cast_to_is_lenient_too() -> None:
    model = {"id": "m1", "created": 1, "owned_by": "x"}  # `object` left out
    rec = Recorder(ok({"object": "list", "data": [model]}))
    result = make_client(rec).request("GET", "/v1/models", cast_to=types.ModelList)
    assert result.data[0].id == "m1" and result.data[0].object is None
    with pytest.raises(relaykit.ResponseValidationError):
        make_client(rec, strict_response_validation=True).request("GET", "/v1/models", cast_to=types.ModelList)


# -- unknown union variants in responses ----------------------------------------------------


def test_unknown_output_item_arrives_as_an_unknown_variant() -> None:
    body = {**RESPONSE, "output": [HOLOGRAM_CALL, MESSAGE_ITEM]}
    result = response(body)
    item = result.output[0]
    assert isinstance(item, relaykit.UnknownVariant)
    assert item.type == "hologram_call" and item.call_id == "call_1" and item.action == {"commands": ["ls -la"]}
    assert item.to_dict() == HOLOGRAM_CALL
    assert isinstance(result.output[1], types.ResponseOutputMessage)  # known variants stay typed
    assert result.to_dict() == body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tools", [{"type": "hologram"}, {"type": "function", "name": "f", "parameters": {}, "strict": True}]),
        ("tool_choice", {"type": "hologram_choice"}),
    ],
)
def test_unknown_tool_and_tool_choice_in_a_response(field: str, value: Any) -> None:
    body = {**RESPONSE, field: value}
    result = response(body)
    got = getattr(result, field)
    first, expected = (got[0], value[0]) if isinstance(value, list) else (got, value)
    assert isinstance(first, relaykit.UnknownVariant) and first.type == expected["type"]
    if isinstance(value, list):
        assert isinstance(got[1], types.ResponseFunctionTool)
    assert result.to_dict() == body
    with pytest.raises(relaykit.ResponseValidationError):
        response(body, strict_response_validation=True)


def test_strict_mode_refuses_an_unknown_variant() -> None:
    body = {**RESPONSE, "output": [HOLOGRAM_CALL]}
    with pytest.raises(relaykit.ResponseValidationError, match="hologram_call") as info:
        response(body, strict_response_validation=True)
    assert json.loads(info.value.body) == body


def test_known_tag_with_a_bad_body_is_not_taken_for_an_unknown_variant() -> None:
    bad = {**MESSAGE_ITEM, "content": "not a list"}
    with pytest.raises(relaykit.ResponseValidationError) as info:
        response({**RESPONSE, "output": [bad]})
    assert "known variant" not in str(info.value)
    assert info.value.errors and all(e["loc"][:2] == ("output", 0) for e in info.value.errors)
    # A known tag whose body only lacks a required field is repaired like any other model.
    repaired = response({**RESPONSE, "output": [without(MESSAGE_ITEM, "role")]})
    assert isinstance(repaired.output[0], types.ResponseOutputMessage) and repaired.output[0].role is None
    with pytest.raises(relaykit.ResponseValidationError):
        response({**RESPONSE, "output": [without(MESSAGE_ITEM, "role")]}, strict_response_validation=True)


def test_an_object_without_a_tag_is_not_an_unknown_variant() -> None:
    with pytest.raises(relaykit.ResponseValidationError):
        response({**RESPONSE, "output": [{"id": "x"}]})
    with pytest.raises(relaykit.ResponseValidationError):
        response({**RESPONSE, "output": ["hologram_call"]})


# -- streams and accumulators ---------------------------------------------------------------


def resp_events(*items: dict[str, Any], completed: bool = True) -> bytes:
    events: list[tuple[str | None, Any]] = [("response.created", {"type": "response.created", "sequence_number": 0, "response": {**RESPONSE, "status": "in_progress", "output": []}})]
    for i, item in enumerate(items):
        events.append(("response.output_item.added", {"type": "response.output_item.added", "sequence_number": 1, "output_index": i, "item": item}))
        events.append(("response.output_item.done", {"type": "response.output_item.done", "sequence_number": 2, "output_index": i, "item": item}))
    if completed:
        done = {**RESPONSE, "output": list(items)}
        events.append(("response.completed", {"type": "response.completed", "sequence_number": 3, "response": done}))
    return sse(*events)


def responses_stream(body: bytes, **client: Any) -> Any:
    return make_client(Recorder(stream_response(body)), **client).responses.create(model="gpt-5", input="x", stream=True)


@pytest.mark.parametrize("completed", [True, False])
def test_unknown_output_item_in_stream_events_and_the_accumulated_response(completed: bool) -> None:
    stream = responses_stream(resp_events(HOLOGRAM_CALL, MESSAGE_ITEM, completed=completed))
    events = list(stream.collect())
    added = events[1]
    assert isinstance(added, types.ResponseOutputItemAddedEvent)  # the event stays typed
    assert isinstance(added.item, relaykit.UnknownVariant) and added.item.type == "hologram_call"
    if completed:
        final = stream.final()
    else:
        with pytest.raises(relaykit.StreamError) as info:
            stream.final()
        final = info.value.partial  # rebuilt from the items: the unknown one included
    assert isinstance(final, types.Response)
    assert isinstance(final.output[0], relaykit.UnknownVariant) and final.output[0].to_dict() == HOLOGRAM_CALL
    assert isinstance(final.output[1], types.ResponseOutputMessage)


def test_strict_stream_refuses_an_unknown_output_item() -> None:
    stream = responses_stream(resp_events(HOLOGRAM_CALL), strict_response_validation=True)
    with pytest.raises(relaykit.StreamError, match="hologram_call"):
        list(stream)


def test_unknown_event_type_is_an_unknown_event_and_strict_refuses_it() -> None:
    body = sse(("response.program.delta", {"type": "response.program.delta", "sequence_number": 1, "delta": "x"}))
    events = list(responses_stream(body))
    assert isinstance(events[0], relaykit.UnknownEvent) and events[0].type == "response.program.delta"
    with pytest.raises(relaykit.StreamError, match="response.program.delta"):
        list(responses_stream(body, strict_response_validation=True))


def test_stream_event_with_a_dropped_required_field() -> None:
    delta = {"type": "response.output_text.delta", "sequence_number": 1, "output_index": 0, "content_index": 0, "delta": "Hi"}  # no item_id
    events = list(responses_stream(sse(("response.output_text.delta", delta))))
    assert isinstance(events[0], types.ResponseOutputTextDeltaEvent)
    assert events[0].delta == "Hi" and events[0].item_id is None and "item_id" not in events[0].model_fields_set
    with pytest.raises(relaykit.StreamError, match="item_id"):
        list(responses_stream(sse(("response.output_text.delta", delta)), strict_response_validation=True))


def chat_chunks(*chunks: dict[str, Any]) -> bytes:
    return sse(*[(None, c) for c in chunks], "data: [DONE]\n\n")


def test_chat_chunks_without_created_accumulate_without_it() -> None:
    base = {"id": "c1", "object": "chat.completion.chunk", "model": "m"}  # `created` left out by the upstream
    body = chat_chunks(
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]},
        {**base, "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}]},
    )
    stream = make_client(Recorder(stream_response(body))).chat.completions.create(model="m", messages=MESSAGES, stream=True)
    final = stream.final()
    assert isinstance(final, types.ChatCompletion)
    assert final.choices[0].message.content == "Hello" and final.created is None and "created" not in final.model_fields_set
    strict = make_client(Recorder(stream_response(body)), strict_response_validation=True)
    with pytest.raises(relaykit.StreamError, match="created"):
        strict.chat.completions.create(model="m", messages=MESSAGES, stream=True).final()


def test_async_client_is_lenient_and_strict_on_request() -> None:
    async def run() -> None:
        body = {**RESPONSE, "output": [HOLOGRAM_CALL]}
        lenient = make_async_client(Recorder(ok(body)))
        result = await lenient.responses.create(model="gpt-5", input="x")
        assert isinstance(result.output[0], relaykit.UnknownVariant)
        strict = make_async_client(Recorder(ok(body)), strict_response_validation=True)
        with pytest.raises(relaykit.ResponseValidationError):
            await strict.responses.create(model="gpt-5", input="x")
        stream = await make_async_client(Recorder(stream_response(resp_events(HOLOGRAM_CALL)))).responses.create(model="gpt-5", input="x", stream=True)
        final = await stream.final()
        assert isinstance(final.output[0], relaykit.UnknownVariant)
        strict_stream = await make_async_client(Recorder(stream_response(resp_events(HOLOGRAM_CALL))), strict_response_validation=True).responses.create(
            model="gpt-5", input="x", stream=True
        )
        with pytest.raises(relaykit.StreamError):
            await strict_stream.final()

    asyncio.run(run())


# -- requests -------------------------------------------------------------------------------


def test_unknown_tool_in_a_chat_request_is_sent_verbatim() -> None:
    vendor = {"type": "vendor_search", "vendor_search": {"depth": 2, "sites": ["a.example"]}, "Extra-Key": None}
    function = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    rec = Recorder(ok(CHAT_OK))
    make_client(rec).chat.completions.create(model="m", messages=MESSAGES, tools=[vendor, function])
    assert rec.json()["tools"] == [vendor, function]


def test_unknown_content_part_and_tool_in_a_responses_request_are_sent_verbatim() -> None:
    part = {"type": "input_video", "video_url": "https://example.com/v.mp4"}
    tool = {"type": "hologram", "environment": {"kind": "sandbox"}}
    rec = Recorder(ok(RESPONSE))
    make_client(rec).responses.create(model="gpt-5", input=[{"role": "user", "content": [part]}], tools=[tool])
    sent = rec.json()
    assert sent["tools"] == [tool] and sent["input"][0]["content"] == [part]


def test_known_request_variant_with_a_bad_body_is_refused_before_the_network() -> None:
    rec = Recorder(ok(CHAT_OK))
    with pytest.raises(relaykit.ArgumentError) as info:
        make_client(rec).chat.completions.create(model="m", messages=MESSAGES, tools=[{"type": "function", "function": {"parameters": {}}}])
    assert info.value.fields == ("tools",) and "name" in str(info.value) and "known variant" not in str(info.value)
    with pytest.raises(relaykit.ArgumentError):
        make_client(rec).chat.completions.create(model="m", messages=MESSAGES, tools=[{"function": {"name": "f"}}])  # no tag at all
    assert rec.requests == []

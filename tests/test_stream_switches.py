"""Streams switched on by something other than a JSON `stream: true`: speech with
`stream_format: "sse"` (a string value), transcriptions with a multipart `stream` field, and a
stored response re-streamed with the `stream` query parameter. Each yields typed events and folds
into its result, sync and async; a form never carries null."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
import relaykit
from relaykit import types

from .conftest import Recorder, make_async_client, make_client, sse, stream_response
from .strict import assert_round_trip
from .test_generator import family, run, write_spec
from .test_media import form_parts

AUDIO = [b"ID3\x04\x00\x00", b"\xff\xf3@\xc4\x00\x00", b"\x00\x01\x02"]
SPEECH_USAGE = {"input_tokens": 14, "output_tokens": 101, "total_tokens": 115}


def speech_events(chunks: list[bytes] = AUDIO, done: bool = True) -> list[tuple[str | None, Any]]:
    events: list[tuple[str | None, Any]] = [
        ("speech.audio.delta", {"type": "speech.audio.delta", "audio": base64.b64encode(c).decode()}) for c in chunks
    ]
    if done:
        events.append(("speech.audio.done", {"type": "speech.audio.done", "usage": SPEECH_USAGE}))
    return events


def split(body: bytes, size: int = 5) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


SPEECH_ARGS: dict[str, Any] = {"model": "gpt-4o-mini-tts", "input": "Hello", "voice": "alloy"}


# -- speech ------------------------------------------------------------------------------------


def test_speech_sse_is_a_typed_stream_folding_into_the_audio() -> None:
    rec = Recorder(stream_response(split(sse(*speech_events()))))
    stream = make_client(rec).audio.speech.create(**SPEECH_ARGS, stream_format="sse")
    assert isinstance(stream, relaykit.Stream)
    events = list(stream.collect())
    final = stream.final()
    assert [type(e).__name__ for e in events] == ["SpeechAudioDeltaEvent"] * 3 + ["SpeechAudioDoneEvent"]
    assert isinstance(final, types.SpeechAudio)
    # Each chunk is base64 on its own: the result is the decoded audio, joined, encoded again.
    assert base64.b64decode(final.audio) == b"".join(AUDIO)
    assert final.usage is not None and final.usage.total_tokens == 115
    assert rec.json() == {**SPEECH_ARGS, "stream_format": "sse"}
    assert rec.requests[0].headers["accept"] == "text/event-stream"
    assert_round_trip("SpeechAudio", final.to_dict(), "speech stream")


def test_speech_sse_async() -> None:
    async def run() -> tuple[list[Any], types.SpeechAudio]:
        client = make_async_client(Recorder(stream_response(split(sse(*speech_events()), 3))))
        stream = await client.audio.speech.create(**SPEECH_ARGS, stream_format="sse")
        assert isinstance(stream, relaykit.AsyncStream)
        events = [e async for e in stream.collect()]
        return events, await stream.final()

    events, final = asyncio.run(run())
    assert len(events) == 4 and base64.b64decode(final.audio) == b"".join(AUDIO)


def test_speech_without_sse_is_the_audio_file() -> None:
    for kwargs in ({}, {"stream_format": "audio"}):
        rec = Recorder(httpx.Response(200, content=b"ID3audio", headers={"content-type": "audio/mpeg"}))
        result = make_client(rec).audio.speech.create(**SPEECH_ARGS, **kwargs)
        assert isinstance(result, relaykit.BinaryResponse) and result.content == b"ID3audio"
        assert rec.requests[0].headers["accept"] != "text/event-stream"


def test_speech_stream_cut_short_keeps_the_audio_so_far() -> None:
    rec = Recorder(stream_response(sse(*speech_events(AUDIO[:2], done=False))))
    stream = make_client(rec).audio.speech.create(**SPEECH_ARGS, stream_format="sse")
    with pytest.raises(relaykit.StreamError, match="ended before") as info:
        stream.final()
    assert isinstance(info.value.partial, types.SpeechAudio)
    assert base64.b64decode(info.value.partial.audio) == AUDIO[0] + AUDIO[1]


def test_speech_chunk_that_is_not_base64_is_a_stream_error() -> None:
    events = speech_events(AUDIO[:1], done=False) + [("speech.audio.delta", {"type": "speech.audio.delta", "audio": "not base64!"})]
    stream = make_client(Recorder(stream_response(sse(*events)))).audio.speech.create(**SPEECH_ARGS, stream_format="sse")
    with pytest.raises(relaykit.StreamError, match="not base64") as info:
        stream.final()
    assert base64.b64decode(info.value.partial.audio) == AUDIO[0]


def test_speech_stream_error_event_and_unknown_events() -> None:
    events = speech_events(AUDIO[:1], done=False) + [("speech.audio.note", {"type": "speech.audio.note", "x": 1})]
    events += [(None, {"type": "error", "error": {"message": "upstream gave up", "code": "server_error"}})]
    stream = make_client(Recorder(stream_response(sse(*events)))).audio.speech.create(**SPEECH_ARGS, stream_format="sse")
    seen: list[Any] = []
    with pytest.raises(relaykit.StreamError, match="upstream gave up"):
        for event in stream:
            seen.append(event)
    assert isinstance(seen[1], relaykit.UnknownEvent) and seen[1].type == "speech.audio.note"


def test_speech_stream_format_outside_its_values_is_refused() -> None:
    rec = Recorder(httpx.Response(500))
    with pytest.raises(relaykit.ArgumentError, match="stream_format"):
        make_client(rec).audio.speech.create(**SPEECH_ARGS, stream_format="mp3")  # type: ignore[call-overload]
    assert rec.requests == []


# -- transcriptions ------------------------------------------------------------------------------

LOGPROB = {"token": "I", "logprob": -0.5, "bytes": [73]}
TRANSCRIPT_USAGE = {"type": "tokens", "input_tokens": 14, "input_token_details": {"text_tokens": 0, "audio_tokens": 14}, "output_tokens": 4, "total_tokens": 18}


def transcript_events(done: bool = True) -> list[tuple[str | None, Any]]:
    events: list[tuple[str | None, Any]] = [
        (None, {"type": "transcript.text.delta", "delta": "I", "logprobs": [LOGPROB]}),
        (None, {"type": "transcript.text.delta", "delta": " see \"skies\".", "logprobs": [{**LOGPROB, "token": " see"}]}),
    ]
    if done:
        events.append((None, {"type": "transcript.text.done", "text": 'I see "skies".', "usage": TRANSCRIPT_USAGE, "languages": [{"code": "en"}]}))
    return events


def test_transcription_stream_is_multipart_and_folds_into_the_transcription() -> None:
    rec = Recorder(stream_response(split(sse(*transcript_events()), 11)))
    stream = make_client(rec).audio.transcriptions.create(file=("a.mp3", b"ID3"), model="gpt-4o-mini-transcribe", stream=True, include=["logprobs"])
    pieces = list(stream.text())
    final = stream.final()
    assert pieces == ["I", ' see "skies".']  # a quoted word in the text is not taken for an error
    assert isinstance(final, types.Transcription)
    assert final.text == 'I see "skies".' and final.usage is not None and final.usage.total_tokens == 18
    assert [p.token for p in final.logprobs or []] == ["I", " see"]
    assert [lang.code for lang in final.languages or []] == ["en"]
    fields = {name: body for name, filename, body in form_parts(rec.requests[0]) if filename is None}
    assert fields["stream"] == b"true" and fields["include[]"] == b"logprobs"
    assert rec.requests[0].headers["accept"] == "text/event-stream"
    assert_round_trip("Transcription", final.to_dict(), "transcription stream")


def test_diarized_transcription_stream_async_keeps_the_segments() -> None:
    events: list[tuple[str | None, Any]] = [
        (None, {"type": "transcript.text.delta", "delta": "Thanks.", "segment_id": "seg_1"}),
        (None, {"type": "transcript.text.segment", "id": "seg_1", "start": 0.0, "end": 1.5, "text": "Thanks.", "speaker": "agent"}),
        (None, {"type": "transcript.text.segment", "id": "seg_2", "start": 1.6, "end": 2.0, "text": "Hi.", "speaker": "A"}),
        (None, {"type": "transcript.text.done", "text": "Thanks. Hi.", "usage": {"type": "duration", "seconds": 2}}),
        "data: [DONE]\n\n",
    ]

    async def run() -> types.Transcription:
        client = make_async_client(Recorder(stream_response(sse(*events))))
        stream = await client.audio.transcriptions.create(file=b"RIFF", model="gpt-4o-transcribe-diarize", response_format="diarized_json", stream=True)
        return await stream.final()

    final = asyncio.run(run())
    assert final.text == "Thanks. Hi."
    assert [(s.id, s.speaker, s.end) for s in final.segments or []] == [("seg_1", "agent", 1.5), ("seg_2", "A", 2.0)]


def test_transcription_stream_cut_short_keeps_the_text_so_far() -> None:
    stream = make_client(Recorder(stream_response(sse(*transcript_events(done=False))))).audio.transcriptions.create(
        file=b"ID3", model="gpt-4o-transcribe", stream=True
    )
    with pytest.raises(relaykit.StreamError, match="ended before") as info:
        stream.final()
    assert isinstance(info.value.partial, types.Transcription) and info.value.partial.text == 'I see "skies".'


def test_null_form_fields_are_left_out() -> None:
    """A form has no null: None (which OpenAI's spec allows for these fields) is not sent at all,
    neither as an empty field nor as the text 'None'; stream=None does not stream."""
    rec = Recorder(httpx.Response(200, json={"text": "hi"}))
    result = make_client(rec).audio.transcriptions.create(file=b"ID3", model="whisper-1", stream=None)
    assert isinstance(result, types.Transcription)
    assert [name for name, _, _ in form_parts(rec.requests[0])] == ["model", "file"]

    rec = Recorder(httpx.Response(200, json={"created": 1, "data": []}))
    make_client(rec).images.edit(image=b"\x89PNG", prompt="hat", n=None, quality=None, background=None, output_compression=None, stream=None)
    assert [name for name, _, _ in form_parts(rec.requests[0])] == ["prompt", "image"]
    with pytest.raises(relaykit.ArgumentError, match="prompt"):
        make_client(rec).images.edit(image=b"\x89PNG", prompt=None)  # type: ignore[arg-type]


def test_json_image_edit_sends_a_null_model() -> None:
    rec = Recorder(httpx.Response(200, json={"created": 1, "data": [{"url": "https://img.example/1.png"}]}))
    make_client(rec).images.edit(model=None, images=[{"image_url": "https://img.example/a.png"}], prompt="hat")
    assert rec.requests[0].headers["content-type"] == "application/json"
    assert rec.json() == {"model": None, "images": [{"image_url": "https://img.example/a.png"}], "prompt": "hat"}


# -- responses.retrieve with stream=true -----------------------------------------------------------

MESSAGE = {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant", "content": [{"type": "output_text", "annotations": [], "text": "Four."}]}
RESPONSE = {
    "id": "resp_1", "object": "response", "created_at": 1772611588, "status": "completed", "model": "gpt-4.1-nano",
    "output": [MESSAGE], "tools": [], "parallel_tool_calls": True, "tool_choice": "auto",
}


def resumed_events() -> list[tuple[str | None, Any]]:
    return [
        ("response.output_text.delta", {"type": "response.output_text.delta", "sequence_number": 4, "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": "Four.", "logprobs": []}),
        ("response.output_item.done", {"type": "response.output_item.done", "sequence_number": 5, "output_index": 0, "item": MESSAGE}),
        ("response.completed", {"type": "response.completed", "sequence_number": 6, "response": RESPONSE}),
    ]


def test_retrieve_streams_with_the_query_parameter() -> None:
    rec = Recorder(stream_response(split(sse(*resumed_events()), 17)))
    stream = make_client(rec).responses.retrieve("resp_1", stream=True, starting_after=3, include_obfuscation=False)
    assert isinstance(stream, relaykit.Stream)
    events = list(stream.collect())
    final = stream.final()
    assert [e.sequence_number for e in events] == [4, 5, 6]
    assert isinstance(final, types.Response) and final.id == "resp_1" and final.status == "completed"
    request = rec.requests[0]
    assert request.method == "GET" and request.content == b""
    assert dict(request.url.params) == {"stream": "true", "starting_after": "3", "include_obfuscation": "false"}
    assert request.headers["accept"] == "text/event-stream"


def test_retrieve_streams_async_and_plain_retrieve_is_json() -> None:
    async def run() -> tuple[types.Response, Any, list[httpx.Request]]:
        rec = Recorder(stream_response(sse(*resumed_events())), httpx.Response(200, json=RESPONSE))
        client = make_async_client(rec)
        stream = await client.responses.retrieve("resp_1", stream=True)
        final = await stream.final()
        plain = await client.responses.retrieve("resp_1", stream=False)
        return final, plain, rec.requests

    final, plain, requests = asyncio.run(run())
    assert final.output and final.output[0].content[0].text == "Four."  # type: ignore[union-attr]
    assert isinstance(plain, types.Response) and plain.id == "resp_1"
    assert dict(requests[1].url.params) == {"stream": "false"} and requests[1].headers["accept"] == "application/json"


def test_retrieve_stream_flag_must_be_a_boolean() -> None:
    rec = Recorder(httpx.Response(500))
    with pytest.raises(relaykit.ArgumentError, match="stream: expected boolean"):
        make_client(rec).responses.retrieve("resp_1", stream=1)  # type: ignore[call-overload]
    assert rec.requests == []


# -- the generator: x-relaykit-stream switches --------------------------------------------------


def stream_family(**stream: Any) -> dict[str, Any]:
    fam = family(**{"x-relaykit-stream": {"protocol": "openai-speech", "event": "Widget", **stream}})
    fam["components"]["schemas"]["WidgetRequest"]["properties"]["mode"] = {"type": "string", "enum": ["sse", "file"]}
    responses = fam["paths"]["/v1/shops/{shopId}/widgets"]["post"]["responses"]["200"]["content"]
    responses["text/event-stream"] = {"schema": {"type": "string"}, "examples": {"one": {"value": 'data: {"id": "w1"}\n\n'}}}
    return fam


BROKEN = [
    ({"param": "mode", "value": "stream"}, "post/x-relaykit-stream/value: 'stream' must be true or one of the values 'mode' lists in its enum"),
    ({"param": "name", "value": "sse"}, "post/x-relaykit-stream/value: 'sse' must be true or one of the values 'name' lists"),
    ({"param": "missing"}, "post/x-relaykit-stream/param: 'missing' is not a body field or query parameter"),
    ({"param": "mode", "value": "sse", "final": "Nope"}, "post/x-relaykit-stream/final: stream final schema 'Nope' is not a component schema"),
]


@pytest.mark.parametrize(("stream", "message"), BROKEN, ids=["value outside the enum", "value without an enum", "unknown param", "unknown final"])
def test_a_broken_stream_switch_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], stream: dict[str, Any], message: str) -> None:
    assert run(tmp_path, write_spec(tmp_path, stream_family(**stream))) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert not (tmp_path / "out").exists()


def test_a_string_switch_gets_literal_overloads(tmp_path: Path) -> None:
    assert run(tmp_path, write_spec(tmp_path, stream_family(param="mode", value="sse", final="WidgetRequest"))) == 0
    code = (tmp_path / "out" / "relaykit" / "resources" / "widgets.py").read_text()
    assert 'mode: Literal["file"] | NotGiven = NOT_GIVEN,\n' in code and 'mode: Literal["sse"],\n' in code
    assert "Stream[types.Widget, types.WidgetRequest]" in code
    assert 'stream_value="sse"' in code and "stream_final=types.WidgetRequest" in code

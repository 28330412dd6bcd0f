"""Multipart uploads and binary responses: file inputs in every accepted form, form field
naming, body-format choice, text/JSON response alternatives, and binary streaming in flat memory."""

from __future__ import annotations

import asyncio
import io
import json
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import relaykit
from relaykit import types

from .conftest import Recorder, make_async_client, make_client

IMAGES = {"created": 1, "data": [{"url": "https://img.example/1.png"}]}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def form_parts(request: httpx.Request) -> list[tuple[str, str | None, bytes]]:
    """(field name, filename, content) of every part of a multipart request."""
    ctype = request.headers["content-type"]
    boundary = ctype.split("boundary=")[1].encode()
    parts = []
    for chunk in request.content.split(b"--" + boundary)[1:-1]:
        head, _, body = chunk.strip(b"\r\n").partition(b"\r\n\r\n")
        disposition = head.split(b"\r\n")[0].decode()
        name = disposition.split('name="')[1].split('"')[0]
        filename = disposition.split('filename="')[1].split('"')[0] if "filename=" in disposition else None
        parts.append((name, filename, body))
    return parts


@pytest.mark.parametrize(
    "make_file",
    [
        lambda tmp: PNG,
        lambda tmp: str(tmp),
        lambda tmp: tmp,
        lambda tmp: open(tmp, "rb"),  # noqa: SIM115 - the client reads it
        lambda tmp: ("photo.png", PNG),
        lambda tmp: ("photo.png", io.BytesIO(PNG), "image/png"),
    ],
    ids=["bytes", "str-path", "pathlib", "open-file", "tuple", "tuple-with-mime"],
)
def test_file_inputs_in_every_form(tmp_path: Path, make_file: Any) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    rec = Recorder(httpx.Response(200, json=IMAGES))
    result = make_client(rec).images.edit(image=make_file(path), prompt="add a hat", model="gpt-image-1", n=2)
    assert isinstance(result, types.ImagesResponse)
    parts = form_parts(rec.requests[0])
    files = [p for p in parts if p[1] is not None]
    assert [(name, content) for name, _, content in files] == [("image", PNG)]
    fields = {name: body.decode() for name, filename, body in parts if filename is None}
    assert fields == {"prompt": "add a hat", "model": "gpt-image-1", "n": "2"}


def test_several_files_use_the_array_field_name() -> None:
    rec = Recorder(httpx.Response(200, json=IMAGES))
    make_client(rec).images.edit(image=[("a.png", PNG), ("b.png", PNG)], prompt="merge", model="gpt-image-1")
    names = [(name, filename) for name, filename, _ in form_parts(rec.requests[0]) if filename]
    assert names == [("image[]", "a.png"), ("image[]", "b.png")]


def test_multipart_scalar_arrays_and_text_response() -> None:
    rec = Recorder(httpx.Response(200, text="1\n00:00:00,000 --> 00:00:01,000\nHello\n", headers={"content-type": "application/x-subrip"}))
    result = make_client(rec).audio.transcriptions.create(
        file=("talk.mp3", b"ID3audio"), model="whisper-1", response_format="srt", timestamp_granularities=["word", "segment"], temperature=0.0
    )
    assert result == "1\n00:00:00,000 --> 00:00:01,000\nHello\n"
    parts = form_parts(rec.requests[0])
    assert [(n, b.decode()) for n, f, b in parts if n == "timestamp_granularities[]"] == [("timestamp_granularities[]", "word"), ("timestamp_granularities[]", "segment")]
    assert ("response_format", None, b"srt") in parts


def test_transcription_json_is_typed() -> None:
    rec = Recorder(httpx.Response(200, json={"text": "Hello", "usage": {"type": "duration", "seconds": 1}}))
    result = make_client(rec).audio.transcriptions.create(file=b"ID3", model="whisper-1")
    assert isinstance(result, types.Transcription) and result.text == "Hello"


def test_missing_file_and_bad_path_are_refused_before_the_network(tmp_path: Path) -> None:
    rec = Recorder(httpx.Response(200, json=IMAGES))
    client = make_client(rec)
    with pytest.raises(relaykit.ArgumentError) as info:
        client.images.edit(prompt="x", model="gpt-image-1")
    assert "image" in info.value.fields
    with pytest.raises(relaykit.ArgumentError, match="no such file"):
        client.images.edit(image=tmp_path / "missing.png", prompt="x", model="gpt-image-1")
    with pytest.raises(relaykit.ArgumentError, match="binary mode"):
        with open(tmp_path / "t.txt", "w+") as text_file:
            client.images.edit(image=text_file, prompt="x", model="gpt-image-1")  # type: ignore[arg-type]
    assert rec.requests == []


def test_json_body_is_chosen_when_the_arguments_fit_it() -> None:
    rec = Recorder(httpx.Response(200, json=IMAGES))
    body_input = {"messages": [{"role": "user", "content": [{"image": "https://img.example/a.png"}, {"text": "add a hat"}]}]}
    make_client(rec).images.edit(model="qwen-image-edit-plus", input=body_input)
    request = rec.requests[0]
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"model": "qwen-image-edit-plus", "input": body_input}
    with pytest.raises(relaykit.ArgumentError, match="different request formats"):
        make_client(rec).images.edit(model="m", input=body_input, image=PNG)


def test_async_file_reads_run_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    threads: list[Any] = []
    import relaykit._base_client as base

    original = base._to_thread

    async def spy(func: Any) -> Any:
        threads.append(getattr(func, "__name__", func))
        return await original(func)

    monkeypatch.setattr(base, "_to_thread", spy)

    async def run() -> Any:
        rec = Recorder(httpx.Response(200, json=IMAGES))
        result = await make_async_client(rec).images.edit(image=path, prompt="x", model="gpt-image-1")
        return rec, result

    rec, result = asyncio.run(run())
    assert isinstance(result, types.ImagesResponse) and threads == ["load_files"]
    assert [c for n, f, c in form_parts(rec.requests[0]) if f] == [PNG]


# -- binary responses --------------------------------------------------------------------------


def test_speech_returns_the_audio_bytes(tmp_path: Path) -> None:
    rec = Recorder(httpx.Response(200, content=b"ID3" + b"\x01" * 100, headers={"content-type": "audio/mpeg", "x-request-id": "r9"}))
    audio = make_client(rec).audio.speech.create(model="tts-1", input="Hello", voice="alloy")
    assert audio.content == b"ID3" + b"\x01" * 100
    assert audio.content_type == "audio/mpeg" and audio.request_id == "r9"
    assert audio.write_to_file(tmp_path / "out.mp3") == 103
    assert (tmp_path / "out.mp3").read_bytes() == audio.content
    assert json.loads(rec.requests[0].content) == {"model": "tts-1", "input": "Hello", "voice": "alloy"}


CHUNK = 1 << 16
TOTAL = 64 << 20  # 64 MiB


class BigBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A large audio body produced chunk by chunk, never held whole."""

    def __iter__(self) -> Iterator[bytes]:
        block = b"\x00" * CHUNK
        for _ in range(TOTAL // CHUNK):
            yield block

    async def __aiter__(self) -> AsyncIterator[bytes]:
        block = b"\x00" * CHUNK
        for _ in range(TOTAL // CHUNK):
            yield block


def test_streaming_a_large_binary_body_keeps_memory_flat(tmp_path: Path) -> None:
    rec = Recorder(lambda request: httpx.Response(200, headers={"content-type": "audio/wav"}, stream=BigBody()))
    client = make_client(rec)
    tracemalloc.start()
    try:
        with client.audio.speech.with_streaming_response.create(model="tts-1", input="long", voice="alloy") as audio:
            written = audio.write_to_file(tmp_path / "big.wav")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == TOTAL and (tmp_path / "big.wav").stat().st_size == TOTAL
    assert peak < 4 << 20, f"peak {peak / 2**20:.1f} MiB while streaming {TOTAL >> 20} MiB"


def test_async_streaming_binary_body(tmp_path: Path) -> None:
    async def run() -> int:
        rec = Recorder(lambda request: httpx.Response(200, headers={"content-type": "audio/wav"}, stream=BigBody()))
        client = make_async_client(rec)
        async with await client.audio.speech.with_streaming_response.create(model="tts-1", input="x", voice="alloy") as audio:
            total = 0
            async for chunk in audio.iter_bytes():
                total += len(chunk)
            return total

    assert asyncio.run(run()) == TOTAL


# -- media through chat and responses ------------------------------------------------------------


def example(path: str, where: str, name: str) -> Any:
    from .spec_index import dist

    op = dist()["paths"][path]["post"]
    content = op["requestBody"]["content"] if where == "request" else op["responses"]["200"]["content"]
    return content["application/json"]["examples"][name]["value"]


def call_chat_with(request_example: str, response_example: str) -> tuple[types.ChatCompletion, dict[str, Any]]:
    rec = Recorder(httpx.Response(200, json=example("/v1/chat/completions", "response", response_example)))
    completion = make_client(rec).chat.completions.create(**example("/v1/chat/completions", "request", request_example))
    return completion, rec.json()


def test_chat_generated_image_seed_example() -> None:
    completion, sent = call_chat_with("key4u_chat_image_generation", "key4u_chat_image_generation")
    assert sent == example("/v1/chat/completions", "request", "key4u_chat_image_generation")
    assert sent["model"] == "gpt-4o-image-vip" and sent["messages"][0]["content"][1]["type"] == "image_url"
    assert isinstance(completion, types.ChatCompletion) and completion.choices


def test_gpts_conversation_through_chat() -> None:
    _, sent = call_chat_with("gpts_conversation", "default")
    assert sent["model"].startswith("gpt-4-gizmo-")


def test_web_search_through_chat_has_typed_citations() -> None:
    completion, sent = call_chat_with("web_search", "default")
    assert "web_search_options" in sent or "search" in sent["model"]
    recorded = json.loads((Path(__file__).parent / "fixtures/recorded/chat/pyd-openai-chat-web-search-annotations.json").read_text())
    citation = {"type": "url_citation", "url_citation": {"start_index": 0, "end_index": 7, "title": "Weather", "url": "https://weather.example/utrecht"}}
    recorded["choices"][0]["message"]["annotations"] = [citation]
    rec = Recorder(httpx.Response(200, json=recorded))
    result = make_client(rec).chat.completions.create(model="gpt-4o-search-preview", messages=[{"role": "user", "content": "news?"}], web_search_options={})
    annotations = result.choices[0].message.annotations or []
    assert [a.url_citation.url for a in annotations if a.url_citation] == ["https://weather.example/utrecht"]


def test_web_search_preview_through_responses() -> None:
    rec = Recorder(httpx.Response(200, json=example("/v1/responses", "response", "web_search_citations")))
    response = make_client(rec).responses.create(**example("/v1/responses", "request", "seed004_web_search_preview"))
    assert rec.json()["tools"][0]["type"] == "web_search_preview"
    kinds = [item.type for item in response.output]
    assert "web_search_call" in kinds and "message" in kinds


def test_audio_in_and_out_through_chat() -> None:
    import base64

    completion, sent = call_chat_with("audio_output", "audio_output")
    assert sent["modalities"] == ["text", "audio"] and sent["audio"] == {"voice": "alloy", "format": "wav"}
    audio = completion.choices[0].message.audio
    assert audio is not None and base64.b64decode(audio.data).startswith(b"RIFF") and audio.transcript
    recorded = Path(__file__).parent / "fixtures/recorded/chat/pyd-openai-chat-input-audio.request.json"
    request = json.loads(recorded.read_text())
    rec = Recorder(httpx.Response(200, json=example("/v1/chat/completions", "response", "audio_input_usage")))
    make_client(rec).chat.completions.create(**request)
    assert rec.json()["messages"] == request["messages"]  # input_audio parts sent unchanged


def test_multimodal_embeddings_send_text_and_image_items() -> None:
    body = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}, {"object": "embedding", "index": 1, "embedding": [0.3, 0.4]}], "model": "jina-clip-v2"}
    rec = Recorder(httpx.Response(200, json=body))
    result = make_client(rec).embeddings.create(**example("/v1/embeddings", "request", "multimodal"))
    assert rec.json()["input"] == [{"text": "A photo of a red fox"}, {"image": "https://img.example/fox.jpg"}]
    assert rec.json()["normalized"] is True
    assert [d.index for d in result.data] == [0, 1]


def test_a_tuple_of_open_files_is_several_files(tmp_path: Path) -> None:
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(PNG)
    rec = Recorder(httpx.Response(200, json=IMAGES))
    with open(tmp_path / "a.png", "rb") as a, open(tmp_path / "b.png", "rb") as b:
        make_client(rec).images.edit(image=(a, b), prompt="merge", model="gpt-image-1")
    assert [(n, f) for n, f, _ in form_parts(rec.requests[0]) if f] == [("image[]", "a.png"), ("image[]", "b.png")]

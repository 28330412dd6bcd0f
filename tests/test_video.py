"""Video tasks against the fake task gateway on 127.0.0.1 (the clock is replaced, so nothing
sleeps for real): the unified format, the relay unified create/query format, the OpenAI video
format and xAI's Grok format each walk a task to its end with their own status words, and a
finished video downloads to a file in chunks."""

from __future__ import annotations

import asyncio
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import relaykit
from relaykit import types

from .fake_tasks import FakeClock, FakeTaskServer, answers, client


def test_unified_generation_waits_through_queued_and_processing(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/v1/video/generations",)
    server.fetch_prefixes = ("/v1/video/generations/",)
    server.submit = (200, {}, {"id": "video_1", "object": "video", "model": "kling-v1", "task_id": "t-1", "status": "queued"})
    server.fetches = answers(
        {"task_id": "t-1", "status": "queued"},
        {"task_id": "t-1", "status": "processing", "progress": "40%"},
        {"task_id": "t-1", "status": "succeeded", "progress": "100%", "url": "https://cdn.example/v.mp4", "format": "mp4"},
    )
    seen: list[str] = []
    with client(server) as c:
        task = c.video.generations.create_and_wait(model="kling-v1", prompt="a fox", duration=5, on_progress=lambda t: seen.append(t.status))
    assert isinstance(task, types.UnifiedVideoTask)
    assert task.url == "https://cdn.example/v.mp4"
    assert seen == ["queued", "processing", "succeeded"]
    assert server.paths() == ["POST /v1/video/generations"] + ["GET /v1/video/generations/t-1"] * 3
    assert clock.sleeps[0] == 5  # the spec's first interval


def test_unified_generation_failure_carries_the_error_message(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/v1/video/generations",)
    server.fetch_prefixes = ("/v1/video/generations/",)
    server.submit = (200, {}, {"task_id": "t-2", "status": "queued"})
    server.fetches = answers({"task_id": "t-2", "status": "failed", "error": {"code": "policy", "message": "image refused"}})
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.video.generations.create_and_wait(model="kling-v1", prompt="x")
    assert info.value.reason == "image refused" and info.value.task_id == "t-2"


def test_relay_unified_create_is_fetched_by_query_parameter(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/v1/video/create",)
    server.fetch_prefixes = ("/v1/video/query",)
    server.submit = (200, {}, {"id": "omni-flash:abc", "status": "queued"})
    server.fetches = answers({"id": "omni-flash:abc", "status": "processing"}, {"id": "omni-flash:abc", "status": "completed", "video_url": "https://cdn.example/o.mp4"})
    with client(server) as c:
        task = c.video.create_and_wait(model="omni-flash", prompt="a sunset", seconds="8")
    assert task.video_url == "https://cdn.example/o.mp4"
    assert server.paths()[1] == "GET /v1/video/query?id=omni-flash%3Aabc"


def test_relay_unified_failure_reason_is_a_plain_string(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/v1/video/extend",)
    server.fetch_prefixes = ("/v1/video/query",)
    server.submit = (200, {}, {"id": "grok:1", "status": "queued"})
    server.fetches = answers({"id": "grok:1", "status": "failed", "error": "Video generation failed"})
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.video.extend_and_wait(model="grok-video-3", prompt="more", task_id="grok:0", start_time=3)
    assert info.value.reason == "Video generation failed"


def sora(status: str, progress: int, **more: Any) -> dict[str, Any]:
    return {"id": "video_9", "object": "video", "model": "sora-2", "status": status, "progress": progress, **more}


def test_openai_video_multipart_create_and_wait(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/v1/videos",)
    server.fetch_prefixes = ("/v1/videos/",)
    server.submit = (200, {}, sora("queued", 0))
    server.fetches = answers(sora("in_progress", 35), sora("in_progress", 80), sora("completed", 100, video_url="https://cdn.example/s.mp4"))
    progress: list[float | None] = []
    with client(server) as c:
        video = c.videos.create_and_wait(
            model="sora-2", prompt="a cat", seconds="4", input_reference=("first.png", b"\x89PNG....", "image/png"),
            on_progress=lambda v: progress.append(v.progress),
        )
    assert isinstance(video, types.Video) and video.status == "completed" and video.video_url == "https://cdn.example/s.mp4"
    assert progress == [35, 80, 100]
    method, path, raw_headers = server.requests[0]
    headers = {k.lower(): v for k, v in raw_headers.items()}
    assert (method, path) == ("POST", "/v1/videos") and headers["content-type"].startswith("multipart/form-data")


def test_openai_video_failure_and_async_resume(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetch_prefixes = ("/v1/videos/",)
    server.fetches = answers(sora("failed", 0, error={"code": "moderation_blocked", "message": "blocked"}))
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.videos.wait("video_9")
    assert info.value.reason == "blocked" and isinstance(info.value.task, types.Video)

    server.fetches = answers(sora("queued", 0), sora("completed", 100))

    async def run() -> types.Video:
        async with relaykit.AsyncClient(api_key="sk-test", base_url=server.url, max_retries=0) as c:
            return await c.videos.wait("video_9")  # type: ignore[no-any-return]

    assert asyncio.run(run()).status == "completed"


def test_xai_generation_is_polled_by_request_id(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/v1/videos/generations",)
    server.fetch_prefixes = ("/v1/videos/r-1",)
    server.submit = (200, {}, {"request_id": "r-1"})
    server.fetches = answers({"status": "pending"}, {"status": "done", "model": "grok-imagine-video", "video": {"url": "https://cdn.example/g.mp4", "duration": 6}})
    with client(server) as c:
        video = c.videos.generations.create_and_wait(model="grok-imagine-video", prompt="a lake", duration=6, resolution="480p", aspect_ratio="16:9")
    assert video.video is not None and video.video.url == "https://cdn.example/g.mp4"
    assert server.paths()[1:] == ["GET /v1/videos/r-1", "GET /v1/videos/r-1"]


SIZE = 24 << 20


def test_content_streams_to_a_file_in_constant_memory(server: FakeTaskServer, tmp_path: Path) -> None:
    server.downloads["/v1/videos/video_9/content?variant=video"] = SIZE
    target = tmp_path / "video.mp4"
    tracemalloc.start()
    try:
        with client(server) as c, c.videos.with_streaming_response.content("video_9", variant="video") as video:
            assert video.content_type == "video/mp4"
            written = video.write_to_file(target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == SIZE and target.stat().st_size == SIZE
    assert target.read_bytes()[:512] == bytes(range(256)) * 2
    assert peak < 4 << 20, f"peak {peak / 2**20:.1f} MiB while streaming {SIZE >> 20} MiB"


def test_content_async_streaming_and_plain_download(server: FakeTaskServer, tmp_path: Path) -> None:
    server.downloads["/v1/videos/video_9/content"] = 3 << 20

    async def run() -> int:
        async with relaykit.AsyncClient(api_key="sk-test", base_url=server.url, max_retries=0) as c:
            async with await c.videos.with_streaming_response.content("video_9") as video:
                return await video.write_to_file(tmp_path / "a.mp4")

    assert asyncio.run(run()) == 3 << 20 == (tmp_path / "a.mp4").stat().st_size
    with client(server) as c:
        whole = c.videos.content("video_9")
    assert len(whole.content) == 3 << 20


def test_content_refuses_an_unknown_variant_before_the_network(server: FakeTaskServer) -> None:
    with client(server) as c, pytest.raises(relaykit.ArgumentError) as info:
        c.videos.content("video_9", variant="poster")
    assert "variant" in str(info.value)
    assert server.paths() == []


def minimax(status: str, **more: Any) -> dict[str, Any]:
    return {"task_id": "m-1", "status": status, "base_resp": {"status_code": 0, "status_msg": "success"}, **more}


def test_minimax_waits_from_queueing_to_success_and_gives_the_file_id(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/minimax/v1/video_generation",)
    server.fetch_prefixes = ("/minimax/v1/query/video_generation",)
    server.submit = (200, {}, {"task_id": "m-1", "base_resp": {"status_code": 0, "status_msg": "success"}})
    server.fetches = answers(minimax("Queueing"), minimax("Processing"), minimax("Success", file_id="f-9"))
    with client(server) as c:
        task = c.minimax.videos.create_and_wait(model="MiniMax-Hailuo-02", prompt="a girl grows up", duration=6)
    assert task.file_id == "f-9"
    assert server.paths()[1:] == ["GET /minimax/v1/query/video_generation?task_id=m-1"] * 3


def test_minimax_refusal_in_base_resp_is_an_envelope_error_before_any_fetch(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/minimax/v1/video_generation",)
    server.submit = (200, {}, {"task_id": "", "base_resp": {"status_code": 1008, "status_msg": "insufficient balance"}})
    with client(server) as c, pytest.raises(relaykit.EnvelopeError) as info:
        c.minimax.videos.create_and_wait(model="MiniMax-Hailuo-02", prompt="x")
    assert info.value.code == 1008 and "insufficient balance" in str(info.value)
    assert server.paths() == ["POST /minimax/v1/video_generation"]


def test_minimax_failed_task_raises(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetch_prefixes = ("/minimax/v1/query/video_generation",)
    server.fetches = answers(minimax("Fail"))
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.minimax.videos.wait("m-1")
    assert info.value.task_id == "m-1" and info.value.status == "Fail"


def test_minimax_speech_task_numeric_ids_and_the_file_lookup(server: FakeTaskServer, clock: FakeClock) -> None:
    # The asynchronous speech API sends its ids as JSON numbers.
    server.submit_prefixes = ("/minimax/v1/t2a_async_v2",)
    server.fetch_prefixes = ("/minimax/v1/query/t2a_async_query_v2",)
    ok = {"status_code": 0, "status_msg": "success"}
    server.submit = (200, {}, {"task_id": 95157322514444, "base_resp": ok})
    server.fetches = answers({"task_id": 95157322514444, "status": "Processing", "base_resp": ok}, {"task_id": 95157322514444, "status": "Success", "file_id": 777, "base_resp": ok})
    with client(server) as c:
        task = c.minimax.speech_tasks.create_and_wait(model="speech-02-hd", text="hello", voice_setting={"voice_id": "male-qn-qingse"})
    assert task.file_id == 777
    assert server.paths()[1] == "GET /minimax/v1/query/t2a_async_query_v2?task_id=95157322514444"


def test_gemini_interaction_in_the_background_then_the_file_download(server: FakeTaskServer, clock: FakeClock, tmp_path: Path) -> None:
    server.submit_prefixes = ("/v1beta/interactions",)
    server.fetch_prefixes = ("/v1beta/interactions/",)
    server.submit = (200, {}, {"id": "i-1", "status": "in_progress", "object": "interaction"})
    uri = f"{server.url}/v1beta/files/f-1:download?alt=media"
    done = {"id": "i-1", "status": "completed", "steps": [{"type": "model_output", "content": [{"type": "video", "mime_type": "video/mp4", "uri": uri}]}]}
    server.fetches = answers({"id": "i-1", "status": "in_progress"}, done)
    server.downloads["/v1beta/files/f-1:download?alt=media"] = 2 << 20
    with client(server) as c:
        interaction = c.gemini.interactions.create_and_wait(model="gemini-omni-flash-preview", input="a city", background=True)
        assert interaction.steps is not None and interaction.steps[0].content is not None
        assert interaction.steps[0].content[0].uri == uri
        with c.gemini.files.with_streaming_response.download("f-1") as video:
            assert video.write_to_file(tmp_path / "omni.mp4") == 2 << 20
    assert server.paths()[-1] == "GET /v1beta/files/f-1:download?alt=media"

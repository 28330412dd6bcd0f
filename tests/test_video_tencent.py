"""Tencent Cloud VOD AIGC video tasks (/tencent-vod) against the fake task gateway on 127.0.0.1,
with the clock replaced: a task walks WAITING -> PROCESSING -> FINISH and the final typed task
carries the video's `FileUrl`; a task that finished with an error code raises EnvelopeError
with Tencent's message, an aborted one TaskFailedError; sync and async."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import relaykit
from relaykit import types

from .fake_tasks import FakeClock, FakeTaskServer, client

QUERY = "/tencent-vod/v1/query/"
TASK_ID = "251007502-AigcVideoTask-5c0e1d2f3a4b5c6d7e8f90a1b2c3d4e5t"
VIDEO = "http://251007502.vod2.myqcloud.com/1a168d62vodcq251007502/5f3e2d1c5145403710877804273/aigcVideoGenFile.mp4"


@pytest.fixture(autouse=True)
def routes(server: FakeTaskServer) -> None:
    """The fake gateway answers this vendor's submit and query paths."""
    server.submit_prefixes = ("/tencent-vod/v1/aigc-video", "/tencent-vod/v1/template-effect")
    server.fetch_prefixes = (QUERY,)
    server.submit = (200, {}, {"Response": {"TaskId": TASK_ID, "RequestId": "f50d7667-72d8-46bb-a7e3-0613588971b6"}})


def detail(status: str, video: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"Status": status, "TaskType": "AigcVideoTask", "RequestId": "r-1", "CreateTime": "2026-03-02T08:10:12Z"}
    if video is not None:
        body["AigcVideoTask"] = {"TaskId": TASK_ID, "ErrCode": 0, "Message": "", **video}
    return {"Response": body}


def finished() -> dict[str, Any]:
    files = [{"FileUrl": VIDEO, "FileType": "mp4", "StorageMode": "Temporary", "ExpireTime": "2026-03-09T08:12:47Z"}]
    return detail("FINISH", {"Status": "FINISH", "Progress": 100, "Output": {"FileInfos": files}})


def test_waits_from_waiting_to_finish_and_gives_the_file_url(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetches = [(200, {}, detail("WAITING")), (200, {}, detail("PROCESSING", {"Status": "PROCESSING", "Progress": 40})), (200, {}, finished())]
    seen: list[tuple[str, int | None]] = []

    def progress(task: types.TencentVodTask) -> None:
        sub = task.response.aigc_video_task
        seen.append((task.response.status, sub.progress if sub is not None else None))

    with client(server) as c:
        done = c.tencent_vod.videos.create_and_wait(
            model_name="Kling", model_version="1.6", prompt="A car driving on a highway, sunny weather",
            output_config={"storage_mode": "Temporary", "duration": 5, "resolution": "720P"}, on_progress=progress,
        )
    assert isinstance(done, types.TencentVodTask)
    video = done.response.aigc_video_task
    assert video is not None and video.output is not None and video.output.file_infos is not None
    assert video.output.file_infos[0].file_url == VIDEO
    assert seen == [("WAITING", None), ("PROCESSING", 40), ("FINISH", 100)]
    assert server.paths() == ["POST /tencent-vod/v1/aigc-video"] + [f"GET {QUERY}{TASK_ID}"] * 3
    assert clock.sleeps[0] == 10  # the spec's first interval


def test_a_task_that_finished_with_an_error_code_raises_the_message(server: FakeTaskServer, clock: FakeClock) -> None:
    failed = detail("FINISH", {"Status": "FINISH", "ErrCode": 40000, "ErrCodeExt": "InvalidInput", "Message": "The input image is larger than 10 MB.", "Progress": 0})
    server.fetches = [(200, {}, detail("PROCESSING", {"Status": "PROCESSING", "Progress": 0})), (200, {}, failed)]
    with client(server) as c, pytest.raises(relaykit.EnvelopeError) as info:
        c.tencent_vod.videos.create_and_wait(
            model_name="Vidu", model_version="q2-pro", prompt="The kitten jumps",
            file_infos=[{"type": "Url", "category": "Image", "url": "https://cdn.example/huge.png"}],
        )
    assert info.value.code == 40000 and info.value.message == "The input image is larger than 10 MB."
    assert b"InvalidInput" in info.value.body
    assert len(server.paths()) == 3  # the wait stopped at the failed answer


def test_template_effect_waits_async_and_an_aborted_task_fails(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetches = [(200, {}, detail("PROCESSING", {"Status": "PROCESSING", "Progress": 70})), (200, {}, finished())]

    async def effect() -> types.TencentVodTask:
        async with relaykit.AsyncClient(api_key="sk-test", base_url=server.url, max_retries=0) as c:
            return await c.tencent_vod.template_effects.create_and_wait(
                scene_type="template_effect", prompt="The subject explodes into particles",
                file_infos=[{"type": "Url", "category": "Image", "url": "https://cdn.example/a.jpeg"}],
                ext_info={"AdditionalParameters": {"template": "morphlab"}},
            )

    done = asyncio.run(effect())
    assert done.response.aigc_video_task is not None and done.response.aigc_video_task.output is not None
    assert server.paths()[0] == "POST /tencent-vod/v1/template-effect"

    server.fetches = [(200, {}, detail("ABORTED", {"Status": "FINISH", "Message": "The task was stopped."}))]

    async def resume() -> Any:
        async with relaykit.AsyncClient(api_key="sk-test", base_url=server.url, max_retries=0) as c:
            return await c.tencent_vod.tasks.wait(TASK_ID)

    with pytest.raises(relaykit.TaskFailedError) as info:
        asyncio.run(resume())
    assert info.value.status == "ABORTED" and info.value.reason == "The task was stopped." and info.value.task_id == TASK_ID


def test_template_effect_needs_its_template(server: FakeTaskServer) -> None:
    with client(server) as c, pytest.raises(relaykit.ArgumentError) as info:
        c.tencent_vod.template_effects.create(scene_type="template_effect", ext_info={"AdditionalParameters": {}})
    assert "template" in str(info.value)
    assert server.paths() == []

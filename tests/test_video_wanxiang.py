"""Tongyi Wanxiang video tasks (DashScope's format under /alibailian) against the fake task gateway
on 127.0.0.1, with the clock replaced: the submission carries DashScope's async header, the task
walks PENDING -> RUNNING -> SUCCEEDED and the final typed task carries `output.video_url`; a
failed one raises with DashScope's message; sync and async."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import relaykit
from relaykit import types

from .fake_tasks import FakeClock, FakeTaskServer, client

SUBMIT = "/alibailian/api/v1/services/aigc/video-generation/video-synthesis"
TASKS = "/alibailian/api/v1/tasks/"
VIDEO = "https://dashscope-result-bj.oss-cn-beijing.aliyuncs.com/wan/t-1.mp4?Expires=1760266939"


@pytest.fixture(autouse=True)
def routes(server: FakeTaskServer) -> None:
    """The fake gateway answers this vendor's submit and query paths."""
    server.submit_prefixes = (SUBMIT,)
    server.fetch_prefixes = (TASKS,)
    server.submit = (200, {}, {"request_id": "r-0", "output": {"task_id": "t-1", "task_status": "PENDING"}})


def task(status: str, **output: Any) -> dict[str, Any]:
    return {"request_id": "r-1", "output": {"task_id": "t-1", "task_status": status, "submit_time": "2026-04-20 10:12:03.114", **output}}


def test_waits_from_pending_to_succeeded_and_sends_the_async_header(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetches = [
        (200, {}, task("PENDING")),
        (200, {}, task("RUNNING")),
        (200, {}, {**task("SUCCEEDED", video_url=VIDEO, end_time="2026-04-20 10:14:40.002"), "usage": {"SR": 480, "duration": 5, "video_count": 1}}),
    ]
    seen: list[str] = []
    with client(server) as c:
        done = c.bailian.videos.create_and_wait(
            model="wan2.5-i2v-preview",
            input={"prompt": "Change the lighting", "img_url": "https://cdn.example/first.png"},
            parameters={"resolution": "480P", "prompt_extend": True},
            on_progress=lambda t: seen.append(t.output.task_status),
        )
    assert isinstance(done, types.BailianVideoTask)
    assert done.output.video_url == VIDEO and done.usage is not None and done.usage.video_count == 1
    assert seen == ["PENDING", "RUNNING", "SUCCEEDED"]
    assert server.paths() == [f"POST {SUBMIT}"] + [f"GET {TASKS}t-1"] * 3
    headers = {k.lower(): v for k, v in server.requests[0][2].items()}
    assert headers["x-dashscope-async"] == "enable"
    assert "x-dashscope-async" not in {k.lower() for k in server.requests[1][2]}  # the query does not take it
    assert clock.sleeps[0] == 10  # the spec's first interval


def test_failed_task_raises_with_dashscopes_message(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetches = [(200, {}, task("RUNNING")), (200, {}, task("FAILED", code="DataInspectionFailed", message="Input data may contain inappropriate content."))]
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.bailian.videos.create_and_wait(model="wan2.2-t2v-plus", input={"prompt": "a storm"})
    assert info.value.reason == "Input data may contain inappropriate content."
    assert info.value.task_id == "t-1" and info.value.status == "FAILED"
    assert isinstance(info.value.task, types.BailianVideoTask) and info.value.task.output.code == "DataInspectionFailed"


def test_async_wait_and_an_unknown_task(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetches = [(200, {}, task("PENDING")), (200, {}, task("SUCCEEDED", video_url=VIDEO))]

    async def submit_and_wait() -> types.BailianVideoTask:
        async with relaykit.AsyncClient(api_key="sk-test", base_url=server.url, max_retries=0) as c:
            return await c.bailian.videos.create_and_wait(
                model="happyhorse-1.0-video-edit",
                input={"prompt": "Wear the striped sweater", "media": [{"type": "video", "url": "https://cdn.example/in.mp4"}]},
            )

    assert asyncio.run(submit_and_wait()).output.video_url == VIDEO

    # An id DashScope does not know (or no longer keeps) ends the wait instead of polling forever.
    server.fetches = [(200, {}, {"request_id": "r-2", "output": {"task_id": "t-9", "task_status": "UNKNOWN"}})]

    async def resume() -> Any:
        async with relaykit.AsyncClient(api_key="sk-test", base_url=server.url, max_retries=0) as c:
            return await c.bailian.tasks.wait("t-9")

    with pytest.raises(relaykit.TaskFailedError) as info:
        asyncio.run(resume())
    assert info.value.status == "UNKNOWN" and info.value.task_id == "t-9"
    assert server.paths()[-1] == f"GET {TASKS}t-9"

"""Doubao Seedance video tasks (Volcengine Ark's format, under /api/v3, /volc/v1 and /volc/v3)
against the fake task gateway on 127.0.0.1, with the clock replaced so nothing sleeps for real:
a task walks queued -> running -> succeeded and the final typed task carries
`content.video_url`; a failed one raises with Ark's error message; both sync and async."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import relaykit
from relaykit import types

from .fake_tasks import FakeClock, FakeTaskServer, async_client, client

VIDEO = "https://ark-content-generation-cn-beijing.tos-cn-beijing.volces.com/seedance/cgt-1.mp4"
CONTENT = [
    {"type": "text", "text": "A girl holds a fox and looks into the camera"},
    {"type": "image_url", "image_url": {"url": "https://cdn.example/first.png"}, "role": "first_frame"},
]


def task(status: str, **more: Any) -> dict[str, Any]:
    return {"id": "cgt-1", "model": "doubao-seedance-1-5-pro-251215", "status": status, "created_at": 1778317019, "updated_at": 1778317100, **more}


def walk_to_success(server: FakeTaskServer, prefix: str) -> None:
    server.submit_prefixes = (prefix,)
    server.fetch_prefixes = (prefix + "/",)
    server.submit = (200, {}, {"id": "cgt-1", "status": "submitted"})
    server.fetches = [
        (200, {}, task("queued")),
        (200, {}, task("running")),
        (200, {}, task("succeeded", content={"video_url": VIDEO}, usage={"completion_tokens": 108900, "total_tokens": 108900})),
    ]


def test_ark_task_waits_from_queued_to_succeeded_and_gives_the_video(server: FakeTaskServer, clock: FakeClock) -> None:
    walk_to_success(server, "/api/v3/contents/generations/tasks")
    seen: list[str] = []
    with client(server) as c:
        done = c.doubao.videos.create_and_wait(
            model="doubao-seedance-1-5-pro-251215", content=CONTENT, ratio="adaptive", duration=5,
            on_progress=lambda t: seen.append(t.status),
        )
    assert isinstance(done, types.SeedanceVideoTask)
    assert done.status == "succeeded" and done.content is not None and done.content.video_url == VIDEO
    assert done.usage is not None and done.usage.total_tokens == 108900
    assert seen == ["queued", "running", "succeeded"]
    assert server.paths() == ["POST /api/v3/contents/generations/tasks"] + ["GET /api/v3/contents/generations/tasks/cgt-1"] * 3
    assert clock.sleeps[0] == 5  # the spec's first interval


def test_volc_v1_task_waits_async_by_task_id(server: FakeTaskServer, clock: FakeClock) -> None:
    walk_to_success(server, "/volc/v1/contents/generations/tasks")

    async def run() -> types.SeedanceVideoTask:
        async with async_client(server) as c:
            return await c.volc.v1.videos.create_and_wait(model="doubao-seedance-1-0-lite-i2v-250428", content=CONTENT)

    done = asyncio.run(run())
    assert done.content is not None and done.content.video_url == VIDEO
    assert server.paths()[1:] == ["GET /volc/v1/contents/generations/tasks/cgt-1"] * 3


def test_failed_task_raises_with_arks_error_message(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/api/v3/contents/generations/tasks",)
    server.fetch_prefixes = ("/api/v3/contents/generations/tasks/",)
    server.submit = (200, {}, {"id": "cgt-2"})
    error = {"code": "OutputVideoSensitiveContentDetected", "message": "The generated video may contain sensitive content."}
    server.fetches = [(200, {}, task("queued", id="cgt-2")), (200, {}, task("failed", id="cgt-2", error=error))]
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.doubao.videos.create_and_wait(model="doubao-seedance-1-0-pro-250528", content=CONTENT[:1])
    assert info.value.reason == "The generated video may contain sensitive content."
    assert info.value.task_id == "cgt-2" and info.value.status == "failed"
    assert isinstance(info.value.task, types.SeedanceVideoTask) and info.value.task.error is not None
    assert info.value.task.error.code == "OutputVideoSensitiveContentDetected"


def test_failed_and_cancelled_tasks_raise_async_on_resume(server: FakeTaskServer, clock: FakeClock) -> None:
    # Waiting on a task submitted earlier (CometAPI's /volc/v3 prefix), without submitting again.
    server.fetch_prefixes = ("/volc/v3/contents/generations/tasks/",)

    async def wait(task_id: str) -> Any:
        async with async_client(server) as c:
            return await c.volc.v3.videos.wait(task_id)

    server.fetches = [(200, {}, task("running")), (200, {}, task("failed", error={"code": "InternalServiceError", "message": "upstream timed out"}))]
    with pytest.raises(relaykit.TaskFailedError) as info:
        asyncio.run(wait("cgt-1"))
    assert info.value.reason == "upstream timed out" and info.value.task_id == "cgt-1"

    server.fetches = [(200, {}, task("cancelled", error=None))]
    with pytest.raises(relaykit.TaskFailedError) as info:
        asyncio.run(wait("cgt-1"))
    assert info.value.status == "cancelled" and info.value.reason is None
    assert all(p.startswith("GET /volc/v3/contents/generations/tasks/cgt-1") for p in server.paths())


def test_an_image_without_its_url_is_refused_before_the_network(server: FakeTaskServer) -> None:
    with client(server) as c, pytest.raises(relaykit.ArgumentError) as info:
        c.doubao.videos.create(model="doubao-seedance-1-5-pro-251215", content=[{"type": "image_url", "role": "first_frame"}])
    assert "content" in str(info.value) and "image_url" in str(info.value)
    assert server.paths() == []


def test_list_sends_each_task_id_and_pages(server: FakeTaskServer) -> None:
    server.fetch_prefixes = ("/api/v3/contents/generations/tasks",)
    server.fetches = [(200, {}, {"items": [task("succeeded", content={"video_url": VIDEO}), task("running", id="cgt-3")], "total": 2})]
    with client(server) as c:
        page = c.doubao.videos.list(filter_task_ids=["cgt-1", "cgt-3"], page_size=10)
        assert [t.id for t in page.items] == ["cgt-1", "cgt-3"] and page.total == 2
        assert not page.has_next_page()
    path = server.paths()[0]
    assert path.startswith("GET /api/v3/contents/generations/tasks?")
    assert "filter.task_ids=cgt-1&filter.task_ids=cgt-3" in path and "page_size=10" in path

"""Luma, Runway and Jimeng video tasks against the fake task gateway on 127.0.0.1 (the clock is
replaced, so nothing sleeps): each format walks a task from queued to done in its own status
words, sync and async, and a failed task raises with the vendor's reason. Runway's reverse
format and Volcengine's visual API fetch with a POST that carries the id in the body."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import relaykit
from relaykit import types

from .fake_tasks import FakeClock, FakeTaskServer, answers, async_client, client


def sent(server: FakeTaskServer, index: int) -> Any:
    return json.loads(server.bodies[index])


# -- Luma ----------------------------------------------------------------------------------------

LUMA_ID = "4665a07c-7641-4809-a133-10786201bb56"


def luma(state: str, **more: Any) -> dict[str, Any]:
    return {"id": LUMA_ID, "prompt": "", "state": state, "queue_state": None, "video": None, **more}


LUMA_DONE = luma("completed", video={"url": "https://cdn.example/l.mp4", "download_url": "https://cdn.example/l.mp4?dl=1", "width": 1360, "height": 752},
                 last_frame={"url": "https://cdn.example/last.jpg", "width": 1360, "height": 752, "palette": None, "media_type": "image"})


def luma_routes(server: FakeTaskServer) -> None:
    server.submit_prefixes = ("/luma/generations",)
    server.fetch_prefixes = ("/luma/generations/",)
    server.submit = (200, {}, luma("pending"))


def test_luma_generation_waits_through_pending_and_processing(server: FakeTaskServer, clock: FakeClock) -> None:
    luma_routes(server)
    server.fetches = answers(luma("pending"), luma("processing"), LUMA_DONE)
    seen: list[str | None] = []
    with client(server) as c:
        task = c.luma.generations.create_and_wait(user_prompt="A veil in the wind", model_name="ray-v2", duration="5s",
                                                  on_progress=lambda t: seen.append(t.state))
    assert isinstance(task, types.LumaGeneration)
    assert task.video is not None and task.video.download_url == "https://cdn.example/l.mp4?dl=1"
    assert task.last_frame is not None and task.last_frame.url == "https://cdn.example/last.jpg"
    assert seen == ["pending", "processing", "completed"]
    assert server.paths() == ["POST /luma/generations"] + [f"GET /luma/generations/{LUMA_ID}"] * 3
    assert sent(server, 0) == {"user_prompt": "A veil in the wind", "model_name": "ray-v2", "duration": "5s"}
    assert clock.sleeps[0] == 5


def test_luma_extend_failure_carries_the_reason_async(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/luma/generations/",)
    server.fetch_prefixes = ("/luma/generations/",)
    server.submit = (200, {}, luma("pending", id="749d328e"))
    server.fetches = answers(luma("processing", id="749d328e"), luma("failed", id="749d328e", failure_reason="moderation: the prompt was rejected"))

    async def run() -> None:
        async with async_client(server) as c:
            await c.luma.generations.extend_and_wait(LUMA_ID, user_prompt="add cat", expand_prompt=True)

    with pytest.raises(relaykit.TaskFailedError) as info:
        asyncio.run(run())
    assert info.value.reason == "moderation: the prompt was rejected" and info.value.task_id == "749d328e"
    assert isinstance(info.value.task, types.LumaGeneration)
    assert server.paths()[:2] == [f"POST /luma/generations/{LUMA_ID}/extend", "GET /luma/generations/749d328e"]


def test_luma_resume_by_id_sync_and_async_and_batch(server: FakeTaskServer, clock: FakeClock) -> None:
    luma_routes(server)
    server.fetches = answers(luma("processing"), LUMA_DONE)
    with client(server) as c:
        assert c.luma.generations.wait(LUMA_ID).state == "completed"

    server.fetches = answers(luma("pending"), LUMA_DONE)

    async def run() -> types.LumaGeneration:
        async with async_client(server) as c:
            return await c.luma.generations.wait(LUMA_ID)  # type: ignore[no-any-return]

    assert asyncio.run(run()).state == "completed"

    server.submit_prefixes = ("/luma/tasks",)
    server.submit = (200, {}, [LUMA_DONE, luma("processing", id="other")])
    with client(server) as c:
        tasks = c.luma.generations.batch_retrieve(ids=[LUMA_ID, "other"])
    assert [t.state for t in tasks.root] == ["completed", "processing"]
    assert sent(server, len(server.bodies) - 1) == {"ids": [LUMA_ID, "other"]}


# -- Runway (official format) --------------------------------------------------------------------

RUNWAY_ID = "497f6eca-6276-4993-bfeb-53cbbbba6f08"


def runway(status: str, **more: Any) -> dict[str, Any]:
    return {"id": RUNWAY_ID, "status": status, "createdAt": "2024-12-22T13:38:40.139Z", **more}


def runway_routes(server: FakeTaskServer) -> None:
    server.submit_prefixes = ("/runwayml/v1/image_to_video",)
    server.fetch_prefixes = ("/runwayml/v1/tasks/",)
    server.submit = (200, {}, {"id": RUNWAY_ID})


def test_runway_image_to_video_waits_pending_running_succeeded(server: FakeTaskServer, clock: FakeClock) -> None:
    runway_routes(server)
    server.fetches = answers(runway("PENDING"), runway("THROTTLED"), runway("RUNNING", progress=0.5), runway("SUCCEEDED", output=["https://cdn.example/r.mp4"]))
    progress: list[Any] = []
    with client(server) as c:
        task = c.runway.image_to_video_and_wait(prompt_image="https://cdn.example/first.png", model="gen4_turbo", ratio="1280:768",
                                                prompt_text="cat dance", duration=5, x_runway_version="2024-11-06",
                                                on_progress=lambda t: progress.append((t.status, t.progress)))
    assert isinstance(task, types.RunwayTask) and task.output == ["https://cdn.example/r.mp4"]
    assert progress == [("PENDING", None), ("THROTTLED", None), ("RUNNING", 0.5), ("SUCCEEDED", None)]
    assert sent(server, 0) == {"promptImage": "https://cdn.example/first.png", "model": "gen4_turbo", "ratio": "1280:768", "promptText": "cat dance", "duration": 5}
    headers = {k.lower(): v for k, v in server.requests[0][2].items()}
    assert headers["x-runway-version"] == "2024-11-06"
    assert server.paths()[1:] == [f"GET /runwayml/v1/tasks/{RUNWAY_ID}"] * 4


def test_runway_failure_and_cancel_async(server: FakeTaskServer, clock: FakeClock) -> None:
    runway_routes(server)
    server.fetches = answers(runway("RUNNING", progress=0.2), runway("FAILED", failure="The image did not pass moderation.", failureCode="SAFETY.INPUT.IMAGE"))

    async def submit() -> None:
        async with async_client(server) as c:
            await c.runway.image_to_video_and_wait(prompt_image="data:image/png;base64,iVBORw0KGgo=", model="gen3a_turbo", ratio="768:1280")

    with pytest.raises(relaykit.TaskFailedError) as info:
        asyncio.run(submit())
    assert info.value.reason == "The image did not pass moderation." and info.value.task_id == RUNWAY_ID
    assert info.value.task.failure_code == "SAFETY.INPUT.IMAGE"

    server.fetches = answers(runway("CANCELLED"))
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as cancelled:
        c.runway.tasks.wait(RUNWAY_ID)
    assert cancelled.value.reason is None and cancelled.value.task.status == "CANCELLED"


def test_runway_refuses_a_bad_field_before_sending(server: FakeTaskServer) -> None:
    with client(server) as c, pytest.raises(relaykit.ArgumentError) as info:
        c.runway.image_to_video_and_wait(prompt_image="https://cdn.example/first.png", model="gen4_turbo", ratio="1280:768", duration="ten")  # type: ignore[arg-type]
    assert "duration" in str(info.value)
    assert server.requests == []


# -- Runway (CometAPI's reverse format) ----------------------------------------------------------

FEED_ID = "573772da-c2ec-4a60-987f-80b5ecc79b20"


def feed(status: str, **more: Any) -> dict[str, Any]:
    return {"code": 200, "msg": "成功", "data": {"task_id": FEED_ID, "status": status, "video_url": None, "msg": None, **more}, "exec_time": 0.03}


def reverse_routes(server: FakeTaskServer) -> None:
    server.submit_prefixes = ("/runway/pro/",)
    server.fetch_prefixes = ("/runway/feed",)
    server.submit = (200, {}, {"code": 200, "msg": "成功", "data": {"task_id": FEED_ID}, "exec_time": 0.6})


def test_runway_reverse_generate_polls_the_feed_with_the_id_in_the_body(server: FakeTaskServer, clock: FakeClock) -> None:
    reverse_routes(server)
    server.fetches = answers(feed("0"), feed("1"), feed("3", video_url="https://cdn.example/rev.mp4", poster="https://cdn.example/p.png", refund="0"))
    with client(server) as c:
        task = c.runway.reverse.generate_and_wait(prompt="A little cat", model="gen3", options={"seconds": 10})
    assert isinstance(task, types.RunwayReverseTask)
    assert task.data is not None and task.data.video_url == "https://cdn.example/rev.mp4" and task.data.poster == "https://cdn.example/p.png"
    assert server.paths() == ["POST /runway/pro/generate"] + ["POST /runway/feed"] * 3
    assert sent(server, 0) == {"prompt": "A little cat", "model": "gen3", "options": {"seconds": 10}}
    assert all(sent(server, i) == {"task_id": FEED_ID} for i in (1, 2, 3))


def test_runway_reverse_failure_refusal_and_async_resume(server: FakeTaskServer, clock: FakeClock) -> None:
    reverse_routes(server)
    server.fetches = answers(feed("1"), feed("2", msg="The prompt did not pass review.", refund="1"))
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.runway.reverse.generate_and_wait(prompt="x", image="https://cdn.example/a.jpg")
    assert info.value.reason == "The prompt did not pass review." and info.value.task_id == FEED_ID

    server.submit = (200, {}, {"code": 400, "msg": "insufficient points", "data": None})
    with client(server) as c, pytest.raises(relaykit.EnvelopeError) as refused:
        c.runway.reverse.generate_and_wait(prompt="x")
    assert refused.value.code == 400 and refused.value.message == "insufficient points"

    server.fetches = answers(feed("1"), feed("3", video_url="https://cdn.example/rev.mp4"))

    async def run() -> types.RunwayReverseTask:
        async with async_client(server) as c:
            return await c.runway.reverse.wait(FEED_ID)  # type: ignore[no-any-return]

    done = asyncio.run(run())
    assert done.data is not None and done.data.status == "3"
    assert server.paths()[-1] == "POST /runway/feed" and sent(server, len(server.bodies) - 1) == {"task_id": FEED_ID}


# -- Jimeng (the relays' task format) ------------------------------------------------------------

JIMENG_ID = "cgt-20250829165122-qkwch"


def jimeng(status: str, progress: str, **more: Any) -> dict[str, Any]:
    return {"code": "success", "message": "", "data": {"task_id": JIMENG_ID, "action": "jimeng-videos", "status": status, "fail_reason": "", "progress": progress, "data": None, **more}}


def jimeng_routes(server: FakeTaskServer) -> None:
    server.submit_prefixes = ("/jimeng/submit/",)
    server.fetch_prefixes = ("/jimeng/fetch/",)
    server.submit = (200, {}, {"code": "success", "message": "", "data": JIMENG_ID})


JIMENG_DONE = jimeng("SUCCESS", "100%", data={"code": "success", "message": "", "data": {
    "task_id": JIMENG_ID, "status": "SUCCESS", "platform": "jimeng",
    "data": {"video": "https://cdn.example/j.mp4", "status": "SUCCESS", "created_at": "2025-08-29T16:52:26.472319"}}})


def test_jimeng_video_waits_from_not_start_to_success(server: FakeTaskServer, clock: FakeClock) -> None:
    jimeng_routes(server)
    server.fetches = answers(jimeng("NOT_START", "0%"), jimeng("SUBMITTED", "0%"), jimeng("QUEUED", "0%"), jimeng("IN_PROGRESS", "60%"), JIMENG_DONE)
    seen: list[tuple[Any, Any]] = []
    with client(server) as c:
        task = c.jimeng.videos.submit_and_wait(prompt="A little pig running on the highway", duration=5, aspect_ratio="21:9", cfg_scale=0.5,
                                               on_progress=lambda t: seen.append((t.data.status, t.data.progress)))
    assert isinstance(task, types.JimengTaskResponse)
    assert task.data is not None and task.data.data is not None and task.data.data.data is not None
    assert task.data.data.data.data is not None and task.data.data.data.data.video == "https://cdn.example/j.mp4"
    assert [s for s, _ in seen] == ["NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS", "SUCCESS"]
    assert server.paths() == ["POST /jimeng/submit/videos"] + [f"GET /jimeng/fetch/{JIMENG_ID}"] * 5


def test_jimeng_video_failure_reason_async_and_refusal(server: FakeTaskServer, clock: FakeClock) -> None:
    jimeng_routes(server)
    server.fetches = answers(jimeng("IN_PROGRESS", "30%"), jimeng("FAILURE", "100%", fail_reason="The prompt did not pass review."))

    async def run() -> None:
        async with async_client(server) as c:
            await c.jimeng.videos.submit_and_wait(prompt="x")

    with pytest.raises(relaykit.TaskFailedError) as info:
        asyncio.run(run())
    assert info.value.reason == "The prompt did not pass review." and info.value.task_id == JIMENG_ID

    server.submit = (200, {}, {"code": "error", "message": "no channel for this model", "data": None})
    with client(server) as c, pytest.raises(relaykit.EnvelopeError) as refused:
        c.jimeng.videos.submit_and_wait(prompt="x")
    assert refused.value.message == "no channel for this model"


# -- Jimeng (Volcengine's visual API: one path, the action in the query) -------------------------

VISUAL_ID = "7392616336519610409"
SUBMIT = "/jimeng/?Action=CVSync2AsyncSubmitTask&Version=2022-08-31"
RESULT = "/jimeng/?Action=CVSync2AsyncGetResult&Version=2022-08-31"


def visual(data: Any, code: int = 10000, message: str = "Success") -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": "req-1", "status": code, "data": data}


def visual_routes(server: FakeTaskServer) -> None:
    server.submit_prefixes = (SUBMIT,)
    server.fetch_prefixes = (RESULT,)
    server.submit = (200, {}, visual({"task_id": VISUAL_ID}))


def test_visual_submit_then_get_result_on_the_same_path(server: FakeTaskServer, clock: FakeClock) -> None:
    visual_routes(server)
    server.fetches = answers(visual({"task_id": VISUAL_ID, "status": "in_queue"}), visual({"task_id": VISUAL_ID, "status": "generating"}),
                             visual({"task_id": VISUAL_ID, "status": "done", "video_url": "https://cdn.example/v.mp4"}))
    seen: list[Any] = []
    with client(server) as c:
        task = c.jimeng.visual.submit_and_wait(req_key="jimeng_vgfm_t2v_l20", prompt="Sunlight through the curtains", aspect_ratio="16:9",
                                               on_progress=lambda t: seen.append(t.data.status))
    assert isinstance(task, types.JimengVisualResponse)
    assert task.data is not None and task.data.video_url == "https://cdn.example/v.mp4"
    assert seen == ["in_queue", "generating", "done"]
    assert server.paths() == [f"POST {SUBMIT}"] + [f"POST {RESULT}"] * 3
    assert sent(server, 0) == {"req_key": "jimeng_vgfm_t2v_l20", "prompt": "Sunlight through the curtains", "aspect_ratio": "16:9"}
    assert all(sent(server, i) == {"task_id": VISUAL_ID} for i in (1, 2, 3))


def test_visual_result_once_and_resume_async(server: FakeTaskServer, clock: FakeClock) -> None:
    visual_routes(server)
    server.fetches = answers(visual({"task_id": VISUAL_ID, "status": "generating"}), visual({"task_id": VISUAL_ID, "status": "done", "video_url": "https://cdn.example/v.mp4"}))
    with client(server) as c:
        once = c.jimeng.visual.get_result(task_id=VISUAL_ID)
        again = c.jimeng.visual.call(action="CVSync2AsyncGetResult", task_id=VISUAL_ID)  # the operation itself, action given
    assert once.data is not None and once.data.status == "generating" and again.data is not None
    assert server.paths() == [f"POST {RESULT}"] * 2

    async def run() -> types.JimengVisualResponse:
        async with async_client(server) as c:
            return await c.jimeng.visual.wait(VISUAL_ID)  # type: ignore[no-any-return]

    assert asyncio.run(run()).data.video_url == "https://cdn.example/v.mp4"  # type: ignore[union-attr]
    assert server.paths()[-1] == f"POST {RESULT}" and sent(server, len(server.bodies) - 1) == {"task_id": VISUAL_ID}


def test_visual_failures_name_their_reason(server: FakeTaskServer, clock: FakeClock) -> None:
    visual_routes(server)
    server.fetches = answers(visual({"task_id": VISUAL_ID, "status": "generating"}), visual({"task_id": VISUAL_ID, "status": "expired"}))
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.jimeng.visual.call_and_wait(req_key="jimeng_vgfm_t2v_l20", prompt="x")  # `call` submits by default
    assert info.value.task_id == VISUAL_ID and info.value.task.data.status == "expired"

    # Volcengine reports a refused generation with its own code and message, even on a result.
    server.fetches = answers(visual(None, code=50413, message="Post Text Risk Not Pass"))
    with client(server) as c, pytest.raises(relaykit.EnvelopeError) as refused:
        c.jimeng.visual.wait(VISUAL_ID)
    assert refused.value.code == 50413 and refused.value.message == "Post Text Risk Not Pass"


def test_visual_refuses_an_unknown_action_before_sending(server: FakeTaskServer) -> None:
    with client(server) as c, pytest.raises(relaykit.ArgumentError) as info:
        c.jimeng.visual.call(action="CVProcess", req_key="x")  # type: ignore[arg-type]
    assert "action" in str(info.value)
    assert server.requests == []

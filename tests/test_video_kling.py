"""Kling video tasks against the fake task gateway on 127.0.0.1 (the clock is replaced, so nothing
sleeps for real): Kling's envelope (`code` 0) around a task that goes submitted, processing,
then succeed or failed; lip-sync followed through the fetch path shared by every kind of task;
sync and async."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import relaykit
from relaykit import types

from .conftest import FIXTURES
from .fake_tasks import FakeClock, FakeTaskServer, async_client, client


def kling(task_id: str, status: str, **more: Any) -> dict[str, Any]:
    """Kling's answer around one task."""
    return {"code": 0, "message": "SUCCEED", "request_id": f"req-{task_id}-{status}", "data": {"task_id": task_id, "task_status": status, "created_at": 1766374262370, "updated_at": 1766374262370, **more}}


def succeed(task_id: str, *urls: str) -> dict[str, Any]:
    videos = [{"id": f"v{i}", "url": url, "duration": "5.1"} for i, url in enumerate(urls)]
    return kling(task_id, "succeed", task_status_msg="", task_result={"videos": videos})


def script(server: FakeTaskServer, submit: str, fetch: str, *bodies: dict[str, Any], accepted: dict[str, Any] | None = None) -> None:
    server.submit_prefixes = (submit,)
    server.fetch_prefixes = (fetch,)
    server.submit = (200, {}, accepted or kling("831922345719271433", "submitted"))
    server.fetches = [(200, {}, body) for body in bodies]


def test_text2video_walks_from_submitted_to_succeed_with_the_video_urls(server: FakeTaskServer, clock: FakeClock) -> None:
    tid = "831922345719271433"
    script(
        server, "/kling/v1/videos/text2video", "/kling/v1/videos/text2video/",
        kling(tid, "submitted"), kling(tid, "processing"), succeed(tid, "https://cdn.example/a.mp4", "https://cdn.example/b.mp4"),
    )
    seen: list[str] = []
    with client(server) as c:
        task = c.kling.text2video.create_and_wait(
            model_name="kling-v2-6", prompt="a fox in the snow", duration="5", sound="on",
            on_progress=lambda t: seen.append(t.data.task_status),
        )
    assert isinstance(task, types.KlingTaskResponse)
    assert task.data is not None and task.data.task_status == "succeed"
    assert task.data.task_result is not None and task.data.task_result.videos is not None
    assert [v.url for v in task.data.task_result.videos] == ["https://cdn.example/a.mp4", "https://cdn.example/b.mp4"]
    assert seen == ["submitted", "processing", "succeed"]
    assert server.paths() == ["POST /kling/v1/videos/text2video"] + [f"GET /kling/v1/videos/text2video/{tid}"] * 3
    assert clock.sleeps[:2] == [10, 15]  # the spec's first interval, then half as long again


def test_a_failed_task_raises_with_kling_s_status_message(server: FakeTaskServer, clock: FakeClock) -> None:
    tid = "831922345719271435"
    script(
        server, "/kling/v1/videos/image2video", "/kling/v1/videos/image2video/",
        kling(tid, "processing"), kling(tid, "failed", task_status_msg="Failure to pass the risk control system"),
        accepted=kling(tid, "submitted"),
    )
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.kling.image2video.create_and_wait(image="https://cdn.example/first.png", duration=5, prompt="waves")
    assert info.value.reason == "Failure to pass the risk control system"
    assert info.value.task_id == tid
    assert isinstance(info.value.task, types.KlingTaskResponse) and info.value.task.data.task_status == "failed"


def test_a_refusal_in_the_envelope_is_an_envelope_error_before_any_fetch(server: FakeTaskServer, clock: FakeClock) -> None:
    refusal = {"code": 1201, "message": "Invalid request parameters: duration", "request_id": "CjMT7WdSwWcAAAAAALvB3h"}
    script(server, "/kling/v1/videos/multi-image2video", "/kling/v1/videos/multi-image2video/", kling("x", "succeed"), accepted=refusal)
    with client(server) as c, pytest.raises(relaykit.EnvelopeError) as info:
        c.kling.multi_image2video.create_and_wait(model_name="kling-v1-6", image_list=[{"image": "https://cdn.example/1.png"}], duration="7")
    assert info.value.code == 1201
    assert info.value.message == "Invalid request parameters: duration"
    assert json.loads(info.value.body) == refusal
    assert server.paths() == ["POST /kling/v1/videos/multi-image2video"]  # nothing fetched
    assert clock.sleeps == []


def test_lip_sync_waits_through_the_shared_fetch_path(server: FakeTaskServer, clock: FakeClock) -> None:
    tid = "817067112967086149"
    script(
        server, "/kling/v1/videos/lip-sync", "/kling/v1/videos/lip-sync/",
        kling(tid, "processing"), succeed(tid, "https://cdn.example/talk.mp4"), accepted=kling(tid, "submitted"),
    )
    with client(server) as c:
        task = c.kling.lip_sync.create_and_wait(input={"video_id": "827964097668337738", "mode": "text2video", "text": "hello", "voice_id": "girlfriend_1_speech02", "voice_language": "en"})
        assert task.data.task_result.videos[0].url == "https://cdn.example/talk.mp4"
        # Resuming by id names the kind of task on the shared fetch.
        again = c.kling.tasks.wait(tid, action="videos", action2="lip-sync")
    assert again.data.task_status == "succeed"
    assert server.paths() == ["POST /kling/v1/videos/lip-sync"] + [f"GET /kling/v1/videos/lip-sync/{tid}"] * 3


def test_lip_sync_on_a_chosen_face_after_identifying_the_faces(server: FakeTaskServer, clock: FakeClock) -> None:
    faces = {"code": 0, "message": "SUCCEED", "request_id": "r", "data": {"session_id": "825465778199224380", "face_data": [{"face_id": "0", "start_time": 0, "end_time": 5100}]}}
    tid = "829000000000000001"
    with client(server) as c:
        script(server, "/kling/v1/videos/identify-face", "/none/", accepted=faces)
        found = c.kling.lip_sync.identify_face(video_url="https://cdn.example/talk.mp4")
        assert found.data is not None and found.data.face_data is not None
        script(server, "/kling/v1/videos/advanced-lip-sync", "/kling/v1/videos/advanced-lip-sync/", succeed(tid, "https://cdn.example/synced.mp4"), accepted=kling(tid, "submitted"))
        task = c.kling.advanced_lip_sync.create_and_wait(
            session_id=found.data.session_id,
            face_choose=[{"face_id": found.data.face_data[0].face_id, "audio_id": "825451760499568680", "sound_start_time": 0, "sound_end_time": 5000, "sound_insert_time": 0}],
        )
    assert task.data.task_result.videos[0].url == "https://cdn.example/synced.mp4"
    assert server.paths()[-2:] == ["POST /kling/v1/videos/advanced-lip-sync", f"GET /kling/v1/videos/advanced-lip-sync/{tid}"]


def test_async_submit_and_wait_and_resume_on_the_shared_fetch(server: FakeTaskServer, clock: FakeClock) -> None:
    tid = "831922345719271440"
    script(
        server, "/kling/v1/videos/omni-video", "/kling/v1/",
        kling(tid, "processing"), succeed(tid, "https://cdn.example/omni.mp4"), accepted=kling(tid, "submitted"),
    )

    async def run() -> tuple[types.KlingTaskResponse, types.KlingTaskResponse]:
        async with async_client(server) as c:
            first = await c.kling.omni_video.create_and_wait(model_name="kling-v3-omni", prompt="a jazz band", duration=8, sound="on")
            resumed = await c.kling.tasks.wait(tid, action="videos", action2="omni-video")
            return first, resumed

    first, resumed = asyncio.run(run())
    assert first.data.task_result.videos[0].url == "https://cdn.example/omni.mp4"
    assert resumed.data.task_status == "succeed"
    assert server.paths() == ["POST /kling/v1/videos/omni-video"] + [f"GET /kling/v1/videos/omni-video/{tid}"] * 3


def test_async_failure_carries_the_reason(server: FakeTaskServer, clock: FakeClock) -> None:
    tid = "817067112967086151"
    script(server, "/kling/v1/videos/lip-sync", "/kling/v1/videos/lip-sync/", kling(tid, "failed", task_status_msg="No face was found in the video"), accepted=kling(tid, "submitted"))

    async def run() -> None:
        async with async_client(server) as c:
            await c.kling.lip_sync.create_and_wait(input={"video_url": "https://cdn.example/talk.mp4", "mode": "audio2video", "audio_type": "url", "audio_url": "https://cdn.example/a.mp3"})

    with pytest.raises(relaykit.TaskFailedError) as info:
        asyncio.run(run())
    assert info.value.reason == "No face was found in the video" and info.value.task_id == tid


def test_the_relay_s_wrapped_answer_is_not_a_refusal_and_keeps_kling_s_task(server: FakeTaskServer) -> None:
    wrapped = json.loads((FIXTURES / "recorded" / "video" / "relay-kling-task-fetch-wrapped.json").read_text(encoding="utf-8"))
    script(server, "/none", "/kling/v1/videos/text2video/", wrapped)
    with client(server) as c:
        task = c.kling.text2video.retrieve("842250903629086785")
    assert task.code == "success" and task.data.status == "SUCCESS"
    inner = task.data.data
    assert inner is not None and inner.code == 0 and inner.data.task_status == "succeed"
    assert inner.data.task_result.videos[0].duration == "5.0"


def test_a_callback_body_parses_into_the_task() -> None:
    body = json.dumps(succeed("t1", "https://cdn.example/cb.mp4")["data"]).encode()
    task = relaykit.parse_webhook(types.KlingTask, body)
    assert task.task_status == "succeed" and task.task_result.videos[0].url == "https://cdn.example/cb.mp4"


def turbo(task_id: str, status: str, **more: Any) -> dict[str, Any]:
    """Kling 3.0 Turbo's answer: the id in `data.id`, the status in `data.status`."""
    return {"code": 0, "message": "SUCCEED", "request_id": "r", "data": {"id": task_id, "status": status, "message": "", "create_time": 1783065388949, **more}}


def test_turbo_image_to_video_follows_data_id_and_status(server: FakeTaskServer, clock: FakeClock) -> None:
    tid = "901930004609634396"
    script(
        server, "/kling/image-to-video/kling-3.0-turbo", "/kling/image-to-video/kling-3.0-turbo/",
        turbo(tid, "processing"), turbo(tid, "succeed", task_result={"videos": [{"url": "https://cdn.example/turbo.mp4"}]}),
        accepted=turbo(tid, "submitted"),
    )
    with client(server) as c:
        task = c.kling.turbo_image2video.create_and_wait(
            contents=[{"type": "first_frame", "url": "https://cdn.example/first.png"}, {"type": "prompt", "text": "waves"}],
            settings={"resolution": "720p", "duration": 5},
        )
    assert isinstance(task, types.KlingTurboTaskResponse)
    assert task.data.task_result.videos[0].url == "https://cdn.example/turbo.mp4"
    assert server.paths() == ["POST /kling/image-to-video/kling-3.0-turbo"] + [f"GET /kling/image-to-video/kling-3.0-turbo/{tid}"] * 2
    script(server, "/kling/text-to-video/kling-3.0-turbo", "/kling/text-to-video/kling-3.0-turbo/", turbo("t9", "failed", message="Failure to pass the risk control system"), accepted=turbo("t9", "submitted"))
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.kling.turbo_text2video.create_and_wait(prompt="a fox")
    assert info.value.reason == "Failure to pass the risk control system" and info.value.task_id == "t9"


def test_multimodal_editing_opens_a_session_then_waits_for_the_edit(server: FakeTaskServer, clock: FakeClock) -> None:
    session = {"code": 0, "message": "SUCCEED", "request_id": "r", "data": {"status": 0, "session_id": "828033558945619987", "total_frame": 153}}
    tid = "829400000000000001"
    with client(server) as c:
        script(server, "/kling/v1/videos/multi-elements/init-selection", "/none/", accepted=session)
        opened = c.kling.multi_elements.init_selection(video_id="828013548709777428")
        assert opened.data is not None and opened.data.session_id == "828033558945619987"
        script(server, "/kling/v1/videos/multi-elements", "/kling/v1/videos/multi-elements/", kling(tid, "processing"), succeed(tid, "https://cdn.example/edited.mp4"), accepted=kling(tid, "submitted"))
        task = c.kling.multi_elements.create_and_wait(session_id=opened.data.session_id, edit_mode="removal", prompt="remove the car")
    assert task.data.task_result.videos[0].url == "https://cdn.example/edited.mp4"
    assert server.paths()[-3:] == ["POST /kling/v1/videos/multi-elements"] + [f"GET /kling/v1/videos/multi-elements/{tid}"] * 2


def relay(task_id: str, status: str, inner: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    """A new-api relay's answer: its own task record around Kling's answer."""
    return {"code": "success", "message": "", "data": {"task_id": task_id, "status": status, "progress": "50%", "data": inner, **more}}


def test_the_wait_follows_a_relay_that_wraps_kling_s_answer(server: FakeTaskServer, clock: FakeClock) -> None:
    tid = "842250903629086785"
    script(
        server, "/kling/v1/videos/text2video", "/kling/v1/videos/text2video/",
        relay(tid, "IN_PROGRESS"), relay(tid, "SUCCESS", succeed(tid, "https://cdn.example/relayed.mp4")),
        accepted=kling(tid, "submitted"),
    )
    with client(server) as c:
        task = c.kling.text2video.create_and_wait(prompt="a fox", duration="5")
    assert task.data.status == "SUCCESS"
    assert task.data.data.data.task_result.videos[0].url == "https://cdn.example/relayed.mp4"
    assert len(server.paths()) == 3
    script(server, "/kling/v1/videos/text2video", "/kling/v1/videos/text2video/", relay(tid, "FAILURE", None, fail_reason="upstream quota exhausted"), accepted=kling(tid, "submitted"))
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.kling.text2video.create_and_wait(prompt="a fox", duration="5")
    assert info.value.reason == "upstream quota exhausted"

"""Veo (Gemini native) and Vidu tasks against the fake task gateway on 127.0.0.1 (the clock is
replaced, so nothing sleeps for real): a Veo operation is fetched by its slash-containing name
until `done`, an `error` fails it; Vidu tasks walk from created to success with the creations'
URLs, or fail with their error code. Also the multi-segment path parameter on the wire and
the generator's checks of the two spec extensions these families need."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import relaykit
from relaykit import types

from .fake_tasks import FakeClock, FakeTaskServer, answers, async_client, client
from .test_generator import JOB, _set_task, run, task_family, write_spec

OPERATION = "models/veo-3.1-generate-preview/operations/abc123"


# -- Veo ------------------------------------------------------------------------------------------


def veo_server(server: FakeTaskServer, *fetches: Any) -> None:
    server.submit_prefixes = ("/v1beta/models/veo-3.1-generate-preview:predictLongRunning",)
    server.fetch_prefixes = ("/v1beta/models/veo-3.1-generate-preview/operations/",)
    server.submit = (200, {}, {"name": OPERATION})
    server.fetches = answers(*fetches)


DONE = {
    "name": OPERATION,
    "done": True,
    "response": {"generateVideoResponse": {"generatedSamples": [{"video": {"uri": "https://cdn.example/veo.mp4"}}, {"video": {"uri": "https://cdn.example/veo-2.mp4"}}]}},
}
FAILED = {"name": OPERATION, "done": True, "error": {"code": 3, "message": "The prompt was refused by the safety filters."}}


def video_uris(operation: types.VeoOperation) -> list[str | None]:
    assert operation.response is not None and operation.response.generate_video_response is not None
    return [s.video.uri if s.video else None for s in operation.response.generate_video_response.generated_samples or []]


def test_veo_operation_is_polled_by_its_name_until_done(server: FakeTaskServer, clock: FakeClock) -> None:
    veo_server(server, {"name": OPERATION}, {"name": OPERATION, "done": False, "metadata": {"progressPercent": 40}}, DONE)
    seen: list[bool | None] = []
    with client(server) as c:
        operation = c.gemini.videos.create_and_wait(
            model="veo-3.1-generate-preview", instances=[{"prompt": "A paper boat in the rain"}],
            parameters={"aspectRatio": "9:16", "durationSeconds": 8}, on_progress=lambda op: seen.append(op.done),
        )
    assert isinstance(operation, types.VeoOperation) and operation.done is True
    assert video_uris(operation) == ["https://cdn.example/veo.mp4", "https://cdn.example/veo-2.mp4"]
    assert seen == [None, False, True]
    # The name's slashes go on the wire as they are (the raw request line the server saw).
    assert server.paths() == ["POST /v1beta/models/veo-3.1-generate-preview:predictLongRunning"] + [f"GET /v1beta/{OPERATION}"] * 3
    headers = {k.lower(): v for k, v in server.requests[1][2].items()}
    assert headers["x-goog-api-key"] == "sk-test"
    assert clock.sleeps[0] == 10  # the spec's first interval


def test_veo_failed_operation_raises_with_the_error_message(server: FakeTaskServer, clock: FakeClock) -> None:
    veo_server(server, {"name": OPERATION}, FAILED)
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.gemini.videos.create_and_wait(model="veo-3.1-generate-preview", instances=[{"prompt": "x"}])
    assert info.value.reason == "The prompt was refused by the safety filters."
    assert info.value.task_id == OPERATION and info.value.status is True
    assert isinstance(info.value.task, types.VeoOperation) and info.value.task.error is not None
    assert info.value.task.error.code == 3


def test_veo_error_without_a_message_is_the_reason_as_json(server: FakeTaskServer, clock: FakeClock) -> None:
    # `failed_if_present` fails the task on the marker alone, even before `done`, and the
    # reason falls back to the marker itself when the `error` pointer finds nothing.
    veo_server(server, {"name": OPERATION, "error": {"code": 13}})
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.gemini.operations.wait(OPERATION)
    assert info.value.reason == '{"code": 13}' and info.value.status is None


def test_veo_async_wait_and_failure(server: FakeTaskServer, clock: FakeClock) -> None:
    veo_server(server, {"name": OPERATION, "done": False}, DONE)

    async def done() -> types.VeoOperation:
        async with async_client(server) as c:
            return await c.gemini.videos.create_and_wait(model="veo-3.1-generate-preview", instances=[{"prompt": "a fox"}])  # type: ignore[no-any-return]

    assert video_uris(asyncio.run(done()))[0] == "https://cdn.example/veo.mp4"
    assert server.paths()[1:] == [f"GET /v1beta/{OPERATION}"] * 2

    server.fetches = answers({"name": OPERATION}, FAILED)

    async def resume() -> None:
        async with async_client(server) as c:
            await c.gemini.operations.wait(OPERATION)

    with pytest.raises(relaykit.TaskFailedError, match="refused by the safety filters"):
        asyncio.run(resume())


# -- the multi-segment path parameter ---------------------------------------------------------------


def wire(name: Any) -> list[bytes]:
    """The raw paths the client sends for gemini.operations.retrieve(name)."""
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.raw_path)
        return httpx.Response(200, json={"name": str(name), "done": False})

    with relaykit.Client(api_key="sk-test", base_url="https://relay.example", max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))) as c:
        c.gemini.operations.retrieve(name)
    return sent


def test_multi_segment_name_keeps_its_slashes_and_escapes_the_rest() -> None:
    assert wire(OPERATION) == [b"/v1beta/models/veo-3.1-generate-preview/operations/abc123"]
    assert wire("models/a b/operations/x?y#z") == [b"/v1beta/models/a%20b/operations/x%3Fy%23z"]


@pytest.mark.parametrize("name", [
    "models/veo/../../v1/chat/completions",
    "..",
    "models/./operations/x",
    "/models/veo/operations/x",
    "models/veo/operations/x/",
    "models//operations/x",
    "https://evil.example/operations/x",
    "//evil.example/x",
    "",
])
def test_multi_segment_name_refuses_traversal_and_urls_before_the_network(name: str) -> None:
    with pytest.raises(relaykit.ArgumentError) as info:
        wire(name)
    assert info.value.fields == ("name",)


def test_a_single_segment_parameter_still_escapes_slashes_and_refuses_dot_segments(server: FakeTaskServer) -> None:
    server.fetch_prefixes = ("/ent/v2/tasks/",)
    server.fetches = answers({"state": "processing"})
    with client(server) as c:
        c.vidu.tasks.retrieve("a/b")
        for bad in ("..", "."):
            with pytest.raises(relaykit.ArgumentError, match="id"):
                c.vidu.tasks.retrieve(bad)
    assert server.paths() == ["GET /ent/v2/tasks/a%2Fb/creations"]


# -- Vidu -----------------------------------------------------------------------------------------


def vidu(state: str, **more: Any) -> dict[str, Any]:
    return {"id": "911026047460327424", "state": state, "err_code": "", "credits": 35, "payload": "", **more}


CREATIONS = [{"id": "c-1", "url": "https://cdn.example/vidu.mp4", "cover_url": "https://cdn.example/vidu.jpg", "watermarked_url": "https://cdn.example/vidu-wm.mp4"}]


def vidu_server(server: FakeTaskServer, *fetches: Any) -> None:
    server.submit_prefixes = ("/ent/v2/",)
    server.fetch_prefixes = ("/ent/v2/tasks/",)
    server.submit = (200, {}, {"task_id": "911026047460327424", "type": "text2video", "state": "created", "model": "viduq2", "credits": 35})
    server.fetches = answers(*fetches)


def test_vidu_waits_from_created_to_success_with_the_creation_urls(server: FakeTaskServer, clock: FakeClock) -> None:
    vidu_server(server, vidu("created"), vidu("queueing"), vidu("processing"), vidu("success", creations=CREATIONS))
    seen: list[str | None] = []
    with client(server) as c:
        task = c.vidu.text_to_video_and_wait(model="viduq2", prompt="A kitten in the garden", duration=5, on_progress=lambda t: seen.append(t.state))
    assert isinstance(task, types.ViduCreations) and task.state == "success"
    assert [(x.url, x.cover_url, x.watermarked_url) for x in task.creations or []] == [("https://cdn.example/vidu.mp4", "https://cdn.example/vidu.jpg", "https://cdn.example/vidu-wm.mp4")]
    assert seen == ["created", "queueing", "processing", "success"]
    assert server.paths() == ["POST /ent/v2/text2video"] + ["GET /ent/v2/tasks/911026047460327424/creations"] * 4
    assert clock.sleeps[:3] == [10, 15, 15]  # 10 s, then half as long again, capped at 15 s


def test_vidu_failure_carries_the_error_code(server: FakeTaskServer, clock: FakeClock) -> None:
    vidu_server(server, vidu("queueing"), vidu("failed", err_code="AuditSubmitIllegal", creations=[]))
    with client(server) as c, pytest.raises(relaykit.TaskFailedError) as info:
        c.vidu.image_to_video_and_wait(model="viduq2-pro", images=["https://cdn.example/first.png"], prompt="The camera pushes in")
    assert info.value.reason == "AuditSubmitIllegal" and info.value.status == "failed"
    assert info.value.task_id == "911026047460327424"
    assert server.paths()[0] == "POST /ent/v2/img2video"


def test_vidu_async_submit_and_resume(server: FakeTaskServer, clock: FakeClock) -> None:
    vidu_server(server, vidu("processing"), vidu("success", creations=CREATIONS))

    async def run_both() -> tuple[types.ViduCreations, types.ViduCreations]:
        async with async_client(server) as c:
            first = await c.vidu.text_to_audio_and_wait(model="audio1.0", prompt="Rain on a window", duration=5)
            server.fetches = answers(vidu("queueing"), vidu("failed", err_code="CreditInsufficient"))
            with pytest.raises(relaykit.TaskFailedError, match="CreditInsufficient"):
                await c.vidu.tasks.wait("911026047460327424")
            server.fetches = answers(vidu("success", creations=CREATIONS))
            again = await c.vidu.tasks.wait("911026047460327424")
            return first, again  # type: ignore[return-value]

    first, again = asyncio.run(run_both())
    assert (first.creations or [])[0].url == (again.creations or [])[0].url == "https://cdn.example/vidu.mp4"
    assert server.paths()[0] == "POST /ent/v2/text2audio"


def test_vidu_relay_format_waits_until_completed(server: FakeTaskServer, clock: FakeClock) -> None:
    server.submit_prefixes = ("/vidu-native/video/generations",)
    server.fetch_prefixes = ("/vidu-native/video/generations/",)
    server.submit = (200, {}, {"id": "tc:1", "status": "pending", "status_update_time": 1})
    server.fetches = answers({"id": "tc:1", "status": "processing"}, {"id": "tc:1", "status": "completed", "video_url": "https://cdn.example/tc.mp4"})
    with client(server) as c:
        task = c.vidu.generations.create_and_wait(model="TC-Vidu", prompt="a kitten", settings={"duration": 4})
    assert isinstance(task, types.ViduNativeVideoTask) and task.video_url == "https://cdn.example/tc.mp4"
    assert server.paths()[1:] == ["GET /vidu-native/video/generations/tc%3A1"] * 2

    server.fetches = answers({"id": "tc:2", "status": "failed", "error": "content rejected"})
    with client(server) as c, pytest.raises(relaykit.TaskFailedError, match="content rejected"):
        c.vidu.generations.wait("tc:2")


# -- the generator's checks ------------------------------------------------------------------------


def _multi(fam: dict[str, Any], **param: Any) -> None:
    fam["paths"][JOB]["get"]["parameters"][0].update(param)


GENERATOR_BROKEN = [
    ("failed_if_present not in the fetch schema", lambda f: _set_task(f, failed_if_present="/data/problem", failed=[]),
     "post/x-relaykit-task/failed_if_present: /data/problem does not exist in the response schema of getWidgetJob"),
    ("empty failed without failed_if_present", lambda f: _set_task(f, failed=[]),
     "post/x-relaykit-task/failed: `failed` must be a non-empty list of status values (it may be empty or left out with `failed_if_present`)"),
    ("multi-segment not true", lambda f: _multi(f, **{"x-relaykit-multi-segment": "yes"}),
     "get/parameters/0/x-relaykit-multi-segment: must be `true`"),
    ("multi-segment on a number", lambda f: _multi(f, schema={"type": "integer"}, **{"x-relaykit-multi-segment": True}),
     "get/parameters/0/x-relaykit-multi-segment: a multi-segment path parameter must be a string"),
    ("multi-segment on a query parameter", lambda f: f["paths"][JOB]["get"]["parameters"].append({"name": "at", "in": "query", "schema": {"type": "string"}, "x-relaykit-multi-segment": True}),
     "get/parameters/1/x-relaykit-multi-segment: only a path parameter can span several segments"),
]


@pytest.mark.parametrize(("name", "breaker", "message"), GENERATOR_BROKEN, ids=[b[0] for b in GENERATOR_BROKEN])
def test_broken_extension_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, breaker: Any, message: str) -> None:
    fam = task_family()
    breaker(fam)
    assert run(tmp_path, write_spec(tmp_path, fam)) == 2
    err = capsys.readouterr().err
    assert "family.yaml#/paths/~1v1~1widgets~1jobs" in err and message in err, err
    assert not (tmp_path / "out").exists()


def test_multi_segment_placeholder_must_fill_whole_segments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fam = task_family()
    _multi(fam, **{"x-relaykit-multi-segment": True})
    fam["paths"]["/v1/widgets/jobs/job-{jobId}"] = fam["paths"].pop(JOB)
    assert run(tmp_path, write_spec(tmp_path, fam)) == 2
    err = capsys.readouterr().err
    assert "{jobId} must fill whole segments of /v1/widgets/jobs/job-{jobId}" in err, err


def test_failed_if_present_alone_is_accepted(tmp_path: Path) -> None:
    fam = task_family()
    _set_task(fam, failed=None, failed_if_present="/data/why")
    _multi(fam, **{"x-relaykit-multi-segment": True})
    assert run(tmp_path, write_spec(tmp_path, fam)) == 0
    source = (tmp_path / "out" / "relaykit" / "resources" / "widgets.py").read_text()
    assert "failed_if_present='/data/why'" in source.replace('"', "'") and "multi_segment=True" in source

"""Long-running tasks: in-body envelopes, submit-and-wait, resume by id and webhooks, on
Midjourney's operations. The clock is replaced, so no test sleeps for real."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import relaykit
from relaykit import _tasks, types

from .conftest import FIXTURES, Recorder, make_async_client, make_client
from .fake_tasks import FakeClock, FakeTaskServer, task

SUBMITTED = {"code": 1, "description": "Submit success", "result": "1001"}


def ok(body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers)


def router(submit: httpx.Response | Exception, *fetches: httpx.Response | Exception) -> Recorder:
    """Answers submissions with ``submit`` and fetches with the next of ``fetches``."""
    queue = list(fetches)

    def answer(request: httpx.Request) -> httpx.Response:
        item: httpx.Response | Exception = submit if "/submit/" in request.url.path else (queue.pop(0) if len(queue) > 1 else queue[0])
        if isinstance(item, Exception):
            raise item
        return item

    return Recorder(answer)


def paths(recorder: Recorder) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in recorder.requests]


# -- a real socket: the fake task gateway -------------------------------------------------------


def test_imagine_and_wait_walks_a_task_to_success_over_a_real_socket(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetches = [
        (200, {}, task("1001", "NOT_START", "0%")),
        (200, {}, task("1001", "SUBMITTED", "0%")),
        (200, {}, task("1001", "IN_PROGRESS", "45%")),
        (200, {}, task("1001", "SUCCESS", "100%", imageUrl="https://cdn.example/grid.png", buttons=[{"customId": "MJ::JOB::upsample::1::abc", "emoji": "", "label": "U1", "type": 2, "style": 2}])),
    ]
    seen: list[tuple[str, str]] = []
    with relaykit.Client(api_key="sk-task-secret", base_url=server.url) as client:
        done = client.midjourney.imagine_and_wait(prompt="a cat", on_progress=lambda t: seen.append((str(t.status), str(t.progress))))
        assert isinstance(done, types.MidjourneyTask)
        assert done.status == "SUCCESS" and done.image_url == "https://cdn.example/grid.png"
        assert seen == [("NOT_START", "0%"), ("SUBMITTED", "0%"), ("IN_PROGRESS", "45%"), ("SUCCESS", "100%")]
        # Backoff from the spec's 2 s interval, half again each time.
        assert clock.sleeps == [2.0, 3.0, 4.5]
        assert server.paths() == ["POST /mj/submit/imagine"] + ["GET /mj/task/1001/fetch"] * 4
        assert all(headers.get("authorization") == "Bearer sk-task-secret" for _, _, headers in server.requests)
        # A button of the finished task drives the next action.
        server.submit = (200, {}, {"code": 1, "description": "Submit success", "result": "1002"})
        assert done.buttons is not None
        submitted = client.midjourney.action(custom_id=done.buttons[0].custom_id, task_id=done.id)
        assert submitted.result == "1002"


def test_async_wait_over_a_real_socket_with_a_502_and_a_429_in_between(server: FakeTaskServer, clock: FakeClock) -> None:
    server.fetches = [
        (200, {}, task("1001", "SUBMITTED", "0%")),
        (502, {}, {"error": {"message": "bad gateway"}}),
        (429, {"retry-after": "7"}, {"error": {"message": "slow down"}}),
        (200, {}, task("1001", "SUCCESS", "100%")),
    ]

    async def run() -> types.MidjourneyTask:
        async with relaykit.AsyncClient(api_key="sk-task-secret", base_url=server.url) as client:
            return await client.midjourney.imagine_and_wait(prompt="a cat")

    done = asyncio.run(run())
    assert done.status == "SUCCESS"
    assert clock.sleeps == [2.0, 3.0, 7.0]  # the 429's Retry-After replaces the backoff once
    assert server.paths().count("POST /mj/submit/imagine") == 1


# -- outcomes -----------------------------------------------------------------------------------


def test_failure_raises_task_failed_error_with_the_typed_task_and_reason(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "IN_PROGRESS", "10%")), ok(task("1001", "FAILURE", "10%", failReason="Banned prompt detected")))
    with make_client(recorder) as client, pytest.raises(relaykit.TaskFailedError) as info:
        client.midjourney.imagine_and_wait(prompt="a cat")
    err = info.value
    assert err.task_id == "1001" and err.reason == "Banned prompt detected" and err.status == "FAILURE"
    assert isinstance(err.task, types.MidjourneyTask) and err.task.progress == "10%"
    assert "Banned prompt detected" in str(err)


def test_cancel_is_a_failure_too(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "CANCEL", "0%")))
    with make_client(recorder) as client, pytest.raises(relaykit.TaskFailedError) as info:
        client.midjourney.blend_and_wait(base64_array=["data:image/png;base64,AA", "data:image/png;base64,BB"])
    assert info.value.status == "CANCEL" and info.value.reason is None


def test_a_task_that_never_finishes_times_out_with_the_last_task(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "IN_PROGRESS", "99%")))
    with make_client(recorder) as client, pytest.raises(relaykit.TaskTimeoutError) as info:
        client.midjourney.imagine_and_wait(prompt="a cat", timeout=60, poll_interval=1)
    err = info.value
    assert err.task_id == "1001" and isinstance(err.task, types.MidjourneyTask) and err.task.progress == "99%"
    assert sum(clock.sleeps) == pytest.approx(60)
    assert max(clock.sleeps) <= 15.0  # the cap
    assert clock.sleeps[:4] == [1.0, 1.5, 2.25, 3.375]
    assert isinstance(err, TimeoutError)


def test_spec_defaults_apply_when_no_options_are_given(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "IN_PROGRESS", "1%")))
    with make_client(recorder) as client, pytest.raises(relaykit.TaskTimeoutError):
        client.midjourney.imagine_and_wait(prompt="a cat")
    assert sum(clock.sleeps) == pytest.approx(900)  # x-relaykit-task timeout
    assert clock.sleeps[0] == 2.0 and max(clock.sleeps) == 15.0


def test_unknown_status_means_still_running(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "WAITING_FOR_GPU", "0%")), ok(task("1001", "SUCCESS", "100%")))
    with make_client(recorder) as client:
        done = client.midjourney.imagine_and_wait(prompt="a cat")
    assert done.status == "SUCCESS" and len(clock.sleeps) == 1


def test_modal_and_missing_status_mean_still_running(clock: FakeClock) -> None:
    no_status = {"id": "1001", "progress": "0%"}
    recorder = router(ok(SUBMITTED), ok(task("1001", "MODAL", "0%")), ok(no_status), ok(task("1001", "SUCCESS", "100%")))
    with make_client(recorder) as client:
        assert client.midjourney.imagine_and_wait(prompt="a cat").status == "SUCCESS"
    assert len(clock.sleeps) == 2


def test_connection_errors_and_5xx_while_polling_are_waited_out(clock: FakeClock) -> None:
    recorder = router(
        ok(SUBMITTED),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(503, json={"error": {"message": "busy"}}),
        ok(task("1001", "SUCCESS", "100%")),
    )
    with make_client(recorder, max_retries=5) as client:
        assert client.midjourney.imagine_and_wait(prompt="a cat").status == "SUCCESS"
    # One fetch per poll: the client's own retries are off while polling; the loop retries.
    assert paths(recorder).count("GET /mj/task/1001/fetch") == 4
    assert len(clock.sleeps) == 3


def test_retry_after_on_a_successful_fetch_is_honoured(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "IN_PROGRESS", "5%"), **{"retry-after": "9"}), ok(task("1001", "SUCCESS", "100%")))
    with make_client(recorder) as client:
        client.midjourney.imagine_and_wait(prompt="a cat")
    assert clock.sleeps == [9.0]


def test_a_non_transient_fetch_error_is_raised(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), httpx.Response(404, json={"error": {"message": "task_not_exist"}}))
    with make_client(recorder) as client, pytest.raises(relaykit.NotFoundError):
        client.midjourney.imagine_and_wait(prompt="a cat")
    assert clock.sleeps == []


def test_quota_429_while_polling_is_raised(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), httpx.Response(429, json={"error": {"message": "no", "code": "insufficient_quota"}}))
    with make_client(recorder) as client, pytest.raises(relaykit.QuotaExceededError):
        client.midjourney.imagine_and_wait(prompt="a cat")


# -- the submission -----------------------------------------------------------------------------


def test_envelope_error_on_submit_stops_before_any_fetch(clock: FakeClock) -> None:
    body = json.loads((FIXTURES / "recorded" / "midjourney" / "mjproxy-submit-banned-word.json").read_bytes())
    recorder = router(httpx.Response(200, json=body, headers={"x-request-id": "req-42"}), ok(task("1001", "SUCCESS", "100%")))
    with make_client(recorder) as client, pytest.raises(relaykit.EnvelopeError) as info:
        client.midjourney.imagine_and_wait(prompt="nude body")
    err = info.value
    assert err.code == 24 and err.message == "可能包含敏感词" and err.status_code == 200 and err.request_id == "req-42"
    assert json.loads(err.body or b"") == body
    assert isinstance(err, relaykit.APIStatusError)
    assert paths(recorder) == ["POST /mj/submit/imagine"]


def test_a_billable_submission_is_sent_once_even_on_a_5xx(clock: FakeClock) -> None:
    recorder = router(httpx.Response(502, json={"error": {"message": "upstream"}}), ok(task("1001", "SUCCESS", "100%")))
    with make_client(recorder, max_retries=3) as client, pytest.raises(relaykit.InternalServerError):
        client.midjourney.imagine_and_wait(prompt="a cat")
    assert paths(recorder) == ["POST /mj/submit/imagine"]


def test_numeric_task_id_and_code_21_are_accepted(clock: FakeClock) -> None:
    recorder = router(ok({"code": 21, "description": "exists", "result": 1320098173412546}), ok(task("1320098173412546", "SUCCESS", "100%")))
    with make_client(recorder) as client:
        assert client.midjourney.change_and_wait(task_id="1", action="UPSCALE", index=2).id == "1320098173412546"
    assert paths(recorder)[-1] == "GET /mj/task/1320098173412546/fetch"


def test_an_accepted_submission_without_a_task_id_is_an_error_with_the_body(clock: FakeClock) -> None:
    recorder = router(ok({"code": 1, "description": "ok"}), ok(task("1", "SUCCESS", "100%")))
    with make_client(recorder) as client, pytest.raises(relaykit.ResponseValidationError) as info:
        client.midjourney.imagine_and_wait(prompt="a cat")
    assert "/result" in str(info.value) and json.loads(info.value.body or b"") == {"code": 1, "description": "ok"}


@pytest.mark.parametrize(("kwargs", "field"), [({"poll_interval": 0}, "poll_interval"), ({"timeout": -1}, "timeout"), ({"on_progress": 3}, "on_progress")])
def test_bad_wait_options_are_refused_before_the_network(clock: FakeClock, kwargs: dict[str, Any], field: str) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "SUCCESS", "100%")))
    with make_client(recorder) as client, pytest.raises(relaykit.ArgumentError) as info:
        client.midjourney.imagine_and_wait(prompt="a cat", **kwargs)
    assert info.value.fields == (field,) and recorder.requests == []


def test_the_submission_carries_the_callers_extras(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "SUCCESS", "100%")))
    with make_client(recorder) as client:
        client.midjourney.imagine_and_wait(prompt="a cat", notify_hook="https://hooks.example/mj", extra_headers={"x-trace": "t1"}, extra_body={"accountFilter": {"instanceId": "7"}})
    submit = recorder.requests[0]
    assert submit.headers["x-trace"] == "t1" and "x-relaykit-raw-response" not in submit.headers
    assert json.loads(submit.content) == {"prompt": "a cat", "notifyHook": "https://hooks.example/mj", "accountFilter": {"instanceId": "7"}}


# -- resume by id -------------------------------------------------------------------------------


def test_resume_by_id(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("77", "IN_PROGRESS", "50%")), ok(task("77", "SUCCESS", "100%")))
    with make_client(recorder) as client:
        done = client.midjourney.tasks.wait("77", poll_interval=5)
    assert done.id == "77" and clock.sleeps == [5.0]
    assert paths(recorder) == ["GET /mj/task/77/fetch"] * 2


def test_resume_after_a_timeout_uses_the_error_task_id(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "IN_PROGRESS", "50%")))
    with make_client(recorder) as client:
        with pytest.raises(relaykit.TaskTimeoutError) as info:
            client.midjourney.imagine_and_wait(prompt="a cat", timeout=5)
        recorder.responses = [lambda r: ok(task("1001", "SUCCESS", "100%"))]
        assert client.midjourney.tasks.wait(info.value.task_id).status == "SUCCESS"


@pytest.mark.parametrize("bad", ["", None, 3.5])
def test_resume_refuses_a_bad_task_id(clock: FakeClock, bad: Any) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1", "SUCCESS", "100%")))
    with make_client(recorder) as client, pytest.raises(relaykit.ArgumentError) as info:
        client.midjourney.tasks.wait(bad)
    assert info.value.fields == ("task_id",) and recorder.requests == []


# -- async --------------------------------------------------------------------------------------


def test_async_and_wait_and_resume(clock: FakeClock) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "IN_PROGRESS", "10%")), ok(task("1001", "SUCCESS", "100%")))
    seen: list[str] = []

    async def run() -> None:
        async with make_async_client(recorder) as client:
            done = await client.midjourney.describe_and_wait(base64="data:image/png;base64,AA", on_progress=lambda t: seen.append(str(t.status)))
            assert isinstance(done, types.MidjourneyTask) and done.status == "SUCCESS"
            again = await client.midjourney.tasks.wait("1001")
            assert again.status == "SUCCESS"

    asyncio.run(run())
    assert seen == ["IN_PROGRESS", "SUCCESS"]


def test_async_failure_and_timeout(clock: FakeClock) -> None:
    async def run() -> None:
        failing = router(ok(SUBMITTED), ok(task("1001", "FAILURE", "0%", failReason="nope")))
        async with make_async_client(failing) as client:
            with pytest.raises(relaykit.TaskFailedError):
                await client.midjourney.imagine_and_wait(prompt="a cat")
        endless = router(ok(SUBMITTED), ok(task("1001", "IN_PROGRESS", "3%")))
        async with make_async_client(endless) as client:
            with pytest.raises(relaykit.TaskTimeoutError):
                await client.midjourney.imagine_and_wait(prompt="a cat", timeout=30)

    asyncio.run(run())


def test_async_cancellation_stops_the_wait_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = router(ok(SUBMITTED), ok(task("1001", "IN_PROGRESS", "10%")))

    class SlowClock(FakeClock):
        async def async_sleep(self, seconds: float) -> None:
            self.sleeps.append(seconds)
            await asyncio.Event().wait()  # never set: only a cancellation ends it

    monkeypatch.setattr(_tasks, "clock", SlowClock())

    async def run() -> None:
        async with make_async_client(recorder) as client:
            waiting = asyncio.create_task(client.midjourney.imagine_and_wait(prompt="a cat"))
            while len(recorder.requests) < 2:
                await asyncio.sleep(0)
            await asyncio.sleep(0)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            assert waiting.cancelled()
            # Nothing else runs on, and the client still works.
            assert len(recorder.requests) == 2
            recorder.responses = [lambda r: ok(task("1001", "SUCCESS", "100%"))]
            assert (await client.midjourney.tasks.retrieve("1001")).status == "SUCCESS"
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []

    asyncio.run(run())


# -- the envelope on plain calls ------------------------------------------------------------------


@pytest.mark.parametrize("code", [1, 21, 22])
def test_success_codes_parse(code: int) -> None:
    recorder = Recorder(ok({"code": code, "description": "fine", "result": "9"}))
    with make_client(recorder) as client:
        assert client.midjourney.imagine(prompt="a cat").code == code


@pytest.mark.parametrize(("code", "description"), [(4, "validation error: prompt is empty"), (23, "queue is full"), (24, "banned word"), (0, "unknown"), ("1", "a string is not the number 1")])
def test_other_codes_raise_envelope_error(code: Any, description: str) -> None:
    body = {"code": code, "description": description, "result": None}
    recorder = Recorder(ok(body))
    with make_client(recorder) as client, pytest.raises(relaykit.EnvelopeError) as info:
        client.midjourney.imagine(prompt="a cat")
    assert info.value.code == code and info.value.message == description and json.loads(info.value.body or b"") == body
    assert len(recorder.requests) == 1


def test_envelope_error_keeps_a_message_when_the_description_is_missing() -> None:
    recorder = Recorder(ok({"code": 23}))
    with make_client(recorder) as client, pytest.raises(relaykit.EnvelopeError) as info:
        client.midjourney.shorten(prompt="x")
    assert info.value.message and "23" in str(info.value)


def test_a_body_without_the_code_parses_normally() -> None:
    with make_client(Recorder(ok({}))) as client:
        assert client.midjourney.upload_images(base64_array=["data:image/png;base64,AA"]).result is None


def test_envelope_on_the_raw_response_too() -> None:
    recorder = Recorder(ok({"code": 24, "description": "banned"}))
    with make_client(recorder) as client:
        raw = client.midjourney.with_raw_response.imagine(prompt="a cat")
        assert raw.status_code == 200
        with pytest.raises(relaykit.EnvelopeError):
            raw.parse()


def test_async_envelope_error() -> None:
    async def run() -> None:
        async with make_async_client(Recorder(ok({"code": 23, "description": "queue full"}))) as client:
            with pytest.raises(relaykit.EnvelopeError) as info:
                await client.midjourney.video(prompt="waves", image="https://cdn.example/a.png")
            assert info.value.code == 23

    asyncio.run(run())


def test_the_key_is_not_in_envelope_or_task_errors(clock: FakeClock) -> None:
    recorder = router(ok({"code": 24, "description": "banned"}), ok(task("1", "SUCCESS", "100%")))
    with make_client(recorder) as client, pytest.raises(relaykit.EnvelopeError) as info:
        client.midjourney.imagine_and_wait(prompt="a cat")
    assert "sk-test-secret-123" not in repr(info.value) + str(info.value) + repr(info.value.__dict__)


# -- webhooks -----------------------------------------------------------------------------------


def test_webhook_bodies_parse_into_the_task_model() -> None:
    raw = (FIXTURES / "recorded" / "midjourney" / "newapi-mj-task-fetch-schema-example.json").read_bytes()
    for body in (raw, raw.decode(), json.loads(raw)):
        parsed = relaykit.parse_webhook(types.MidjourneyTask, body)
        assert isinstance(parsed, types.MidjourneyTask) and parsed.status == "NOT_START"
        assert parsed.buttons is not None and parsed.buttons[0].custom_id == "string"


def test_a_webhook_body_that_does_not_fit_is_an_error_with_the_body() -> None:
    with pytest.raises(relaykit.WebhookError) as info:
        relaykit.parse_webhook(types.MidjourneyTask, b'{"status": "SUCCESS"}')
    assert "id" in str(info.value) and info.value.body == b'{"status": "SUCCESS"}'
    with pytest.raises(relaykit.WebhookError) as info:
        relaykit.parse_webhook(types.MidjourneyTask, b"<html>")
    assert info.value.body == b"<html>"
    assert isinstance(info.value, ValueError)

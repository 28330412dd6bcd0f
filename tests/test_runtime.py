"""The client runtime against an in-process transport: configuration, auth, retries, errors,
raw responses and argument checks."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import threading
import time
from typing import Any

import httpx
import pytest
import relaykit
from relaykit import types

from .conftest import Recorder, make_async_client, make_client
from .payloads import CHAT_OK, MESSAGES


def ok(body: Any = CHAT_OK, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers)


def err(status: int, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {"error": {"message": f"status {status}"}}, headers=headers)


# -- configuration -------------------------------------------------------------------------


def test_key_and_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYKIT_API_KEY", "sk-env")
    monkeypatch.setenv("RELAYKIT_BASE_URL", "https://relay.example/v1/")
    client = relaykit.Client()
    assert client.api_key == "sk-env"
    assert client.base_url == "https://relay.example"


def test_missing_key_and_url_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELAYKIT_API_KEY", raising=False)
    monkeypatch.delenv("RELAYKIT_BASE_URL", raising=False)
    with pytest.raises(relaykit.RelaykitError, match="RELAYKIT_API_KEY"):
        relaykit.Client(base_url="https://x.example")
    with pytest.raises(relaykit.RelaykitError, match="gateway="):
        relaykit.Client(api_key="sk")
    with pytest.raises(relaykit.RelaykitError, match="unknown gateway 'nope'"):
        relaykit.Client(api_key="sk", gateway="nope")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.key4u.shop", "https://api.key4u.shop"),
        ("https://api.key4u.shop/", "https://api.key4u.shop"),
        ("https://api.cometapi.com/v1", "https://api.cometapi.com"),
        ("https://api.cometapi.com/v1/", "https://api.cometapi.com"),
        ("http://127.0.0.1:4010/relay/v1", "http://127.0.0.1:4010/relay"),
    ],
)
def test_base_url_normalisation(given: str, expected: str) -> None:
    rec = Recorder(ok())
    client = make_client(rec, base_url=given)
    assert client.base_url == expected
    client.chat.completions.create(model="m", messages=MESSAGES)
    assert str(rec.requests[0].url) == expected + "/v1/chat/completions"


def test_gateway_presets_come_from_the_spec() -> None:
    assert relaykit.GATEWAYS == {"key4u": "https://api.key4u.shop", "cometapi": "https://api.cometapi.com"}
    assert relaykit.Client(api_key="sk", gateway="cometapi").base_url == "https://api.cometapi.com"


def test_repr_and_errors_never_show_the_key() -> None:
    rec = Recorder(err(401, {"error": {"message": "bad key"}}))
    client = make_client(rec, api_key="sk-very-secret-key")
    assert "sk-very-secret-key" not in repr(client)
    with pytest.raises(relaykit.AuthenticationError) as info:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert "secret" not in str(info.value) and "secret" not in repr(info.value)


def test_default_timeout_is_bounded() -> None:
    client = relaykit.Client(api_key="sk", gateway="key4u")
    assert isinstance(client.timeout, httpx.Timeout)
    assert client.timeout.read == 600 and client.timeout.connect == 5


# -- requests -------------------------------------------------------------------------------


def test_request_carries_auth_headers_query_and_extras() -> None:
    rec = Recorder(ok())
    client = make_client(rec, default_headers={"x-team": "a"}, default_query={"tenant": "t1"})
    result = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        temperature=0.5,
        extra_headers={"x-trace": "1"},
        extra_query={"debug": "yes"},
        extra_body={"vendor_flag": True},
    )
    assert isinstance(result, types.ChatCompletion)
    assert result.choices[0].message.content == "Hello"
    request = rec.requests[0]
    assert request.headers["authorization"] == "Bearer sk-test-secret-123"
    assert request.headers["x-team"] == "a" and request.headers["x-trace"] == "1"
    assert request.url.params["tenant"] == "t1" and request.url.params["debug"] == "yes"
    assert rec.json() == {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.5, "vendor_flag": True}


def test_bad_argument_is_refused_before_the_network_naming_the_field() -> None:
    rec = Recorder(ok())
    client = make_client(rec)
    with pytest.raises(relaykit.ArgumentError) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user"}])
    assert "messages" in info.value.fields and "messages[0].user.content" in str(info.value)
    with pytest.raises(relaykit.ArgumentError) as info:
        client.chat.completions.create(model="m", messages=MESSAGES, n="many")  # type: ignore[arg-type]
    assert info.value.fields == ("n",)
    with pytest.raises(relaykit.ArgumentError, match="model"):
        client.chat.completions.create(model=None, messages=MESSAGES)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="model"):
        client.chat.completions.create(messages=MESSAGES)  # type: ignore[call-overload]
    assert rec.requests == []


def test_python_names_map_to_wire_names() -> None:
    rec = Recorder(ok())
    make_client(rec).chat.completions.create(model="m", messages=MESSAGES, max_completion_tokens=5, stream_options={"include_usage": True})
    assert rec.json()["max_completion_tokens"] == 5


def test_with_options_shares_the_pool_and_overrides() -> None:
    rec = Recorder(ok())
    client = make_client(rec)
    other = client.with_options(max_retries=0, timeout=3.0)
    assert other._http is client._http and other.max_retries == 0 and other.timeout == 3.0
    assert client.max_retries == 2
    with pytest.raises(relaykit.ArgumentError):
        client.with_options(bogus=1)


def test_raw_response_gives_status_headers_request_id_and_parse() -> None:
    rec = Recorder(ok(**{"x-request-id": "req-42"}))
    raw = make_client(rec).chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    assert raw.status_code == 200 and raw.request_id == "req-42"
    assert raw.json()["id"] == "chatcmpl-1"
    assert raw.parse().id == "chatcmpl-1"
    assert "x-relaykit-raw-response" not in rec.requests[0].headers


def test_request_reaches_undocumented_endpoints() -> None:
    rec = Recorder(ok({"balance": 12.5}), err(404, {"message": "no such route", "code": "not_found"}))
    client = make_client(rec)
    assert client.request("GET", "/v1/balance", query={"x": 1}) == {"balance": 12.5}
    assert rec.requests[0].headers["authorization"].startswith("Bearer ")
    with pytest.raises(relaykit.NotFoundError) as info:
        client.request("POST", "v1/unknown", body={"a": 1})
    assert info.value.code == "not_found" and info.value.message == "no such route"


# -- responses and errors -------------------------------------------------------------------


def test_unknown_fields_and_enum_values_are_kept() -> None:
    body = {**CHAT_OK, "gateway_extra": {"cost": 1}, "choices": [{**CHAT_OK["choices"][0], "finish_reason": "brand_new"}]}
    result = make_client(Recorder(ok(body))).chat.completions.create(model="m", messages=MESSAGES)
    assert result.choices[0].finish_reason == "brand_new"
    assert result.model_extra == {"gateway_extra": {"cost": 1}}


def test_body_that_does_not_fit_raises_with_the_raw_body() -> None:
    raw = b'{"id": 5, "choices": "nope"}'
    rec = Recorder(httpx.Response(200, content=raw))
    with pytest.raises(relaykit.ResponseValidationError) as info:
        make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.body == raw and info.value.status_code == 200


def test_error_sent_with_http_200_is_a_typed_error() -> None:
    rec = Recorder(ok({"error": {"message": "model not available", "type": "new_api_error", "code": "model_not_found"}}))
    with pytest.raises(relaykit.APIStatusError) as info:
        make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.code == "model_not_found" and "model not available" in str(info.value)


@pytest.mark.parametrize(
    ("status", "body", "cls", "message", "code"),
    [
        (400, {"error": {"message": "bad", "type": "invalid_request_error", "param": "n", "code": "x"}}, relaykit.BadRequestError, "bad", "x"),
        (401, {"error": {"message": "invalid token", "type": "new_api_error"}}, relaykit.AuthenticationError, "invalid token", None),
        (403, {"code": 403, "message": "forbidden group"}, relaykit.PermissionDeniedError, "forbidden group", 403),
        (404, {"type": "error", "error": {"type": "not_found_error", "message": "model: x"}}, relaykit.NotFoundError, "model: x", None),
        (404, {"error": {"code": 404, "message": "models/x is not found", "status": "NOT_FOUND"}}, relaykit.NotFoundError, "models/x is not found", 404),
        (409, {"error": "conflict"}, relaykit.ConflictError, "conflict", None),
        (413, "too big", relaykit.PayloadTooLargeError, "too big", None),
        (422, {"detail": "unprocessable"}, relaykit.UnprocessableEntityError, "unprocessable", None),
        (429, {"error": {"message": "quota", "code": "insufficient_quota"}}, relaykit.QuotaExceededError, "quota", "insufficient_quota"),
        (500, {"code": 1, "description": "mj failed"}, relaykit.InternalServerError, "mj failed", 1),
        (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, relaykit.OverloadedError, "Overloaded", None),
        (418, b"<html>teapot</html>", relaykit.APIStatusError, "<html>teapot</html>", None),
    ],
)
def test_error_envelopes_map_to_typed_errors(status: int, body: Any, cls: type, message: str, code: Any) -> None:
    content = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else None)
    response = httpx.Response(status, content=content, headers={"x-request-id": "rid-1"}) if content is not None else err(status, body, **{"x-request-id": "rid-1"})
    client = make_client(Recorder(response), max_retries=0)
    with pytest.raises(cls) as info:
        client.chat.completions.create(model="m", messages=MESSAGES)
    error = info.value
    assert type(error) is cls
    assert error.message == message and error.code == code
    assert error.status_code == status and error.request_id == "rid-1"
    assert error.body  # the raw body is kept


# -- retries --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_retryable_statuses_are_retried(status: int, sleeps: list[float]) -> None:
    rec = Recorder(err(status), ok())
    assert make_client(rec).chat.completions.create(model="m", messages=MESSAGES).id == "chatcmpl-1"
    assert len(rec.requests) == 2 and len(sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_client_errors_are_not_retried(status: int, sleeps: list[float]) -> None:
    rec = Recorder(err(status), ok())
    with pytest.raises(relaykit.APIStatusError):
        make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert len(rec.requests) == 1 and sleeps == []


def test_quota_429_is_not_retried(sleeps: list[float]) -> None:
    rec = Recorder(err(429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota"}}), ok())
    with pytest.raises(relaykit.QuotaExceededError):
        make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert len(rec.requests) == 1


def test_max_retries_then_the_last_error(sleeps: list[float]) -> None:
    rec = Recorder(err(503))
    with pytest.raises(relaykit.InternalServerError):
        make_client(rec, max_retries=3).chat.completions.create(model="m", messages=MESSAGES)
    assert len(rec.requests) == 4
    # Exponential backoff from 0.5 s, with up to 25 % jitter below.
    for attempt, wait in enumerate(sleeps):
        assert 0.5 * 2**attempt * 0.75 <= wait <= 0.5 * 2**attempt


def test_backoff_is_capped(sleeps: list[float]) -> None:
    rec = Recorder(err(500))
    with pytest.raises(relaykit.InternalServerError):
        make_client(rec, max_retries=6).chat.completions.create(model="m", messages=MESSAGES)
    assert max(sleeps) <= 8.0 and sleeps[-1] >= 6.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "0.5"}, 0.5),
    ],
)
def test_retry_after_is_honoured(headers: dict[str, str], expected: float, sleeps: list[float]) -> None:
    rec = Recorder(err(429, **headers), ok())
    make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert sleeps == [pytest.approx(expected)]


def test_retry_after_http_date(sleeps: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    rec = Recorder(err(503, **{"retry-after": when}), ok())
    make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert 3.0 <= sleeps[0] <= 5.5


def test_unreasonable_retry_after_falls_back_to_backoff(sleeps: list[float]) -> None:
    rec = Recorder(err(429, **{"retry-after": "3600"}), ok())
    make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert sleeps[0] <= 0.5


def test_x_should_retry_header_wins(sleeps: list[float]) -> None:
    rec = Recorder(err(400, **{"x-should-retry": "true"}), err(503, **{"x-should-retry": "false"}), ok())
    with pytest.raises(relaykit.InternalServerError):
        make_client(rec).chat.completions.create(model="m", messages=MESSAGES)
    assert len(rec.requests) == 2


def test_connection_errors_are_retried_then_raised(sleeps: list[float]) -> None:
    rec = Recorder(httpx.ConnectError("refused"), ok())
    assert make_client(rec).chat.completions.create(model="m", messages=MESSAGES).id == "chatcmpl-1"
    rec = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(relaykit.APIConnectionError):
        make_client(rec, max_retries=1).chat.completions.create(model="m", messages=MESSAGES)
    assert len(rec.requests) == 2


def test_timeouts_are_retried_then_raised(sleeps: list[float]) -> None:
    rec = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(relaykit.APITimeoutError):
        make_client(rec, max_retries=2).chat.completions.create(model="m", messages=MESSAGES)
    assert len(rec.requests) == 3


def test_async_retries_and_errors(sleeps: list[float]) -> None:
    async def run() -> None:
        rec = Recorder(err(502), ok())
        client = make_async_client(rec)
        result = await client.chat.completions.create(model="m", messages=MESSAGES)
        assert result.id == "chatcmpl-1" and len(rec.requests) == 2
        rec = Recorder(err(401))
        with pytest.raises(relaykit.AuthenticationError):
            await make_async_client(rec).chat.completions.create(model="m", messages=MESSAGES)
        raw = await make_async_client(Recorder(ok(**{"x-request-id": "a1"}))).chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        assert raw.request_id == "a1" and raw.parse().id == "chatcmpl-1"

    asyncio.run(run())


# -- a real socket that never answers ---------------------------------------------------------


@pytest.fixture
def silent_server() -> Any:
    """A loopback server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_read_timeout_against_a_silent_server(silent_server: str) -> None:
    client = relaykit.Client(api_key="sk", base_url=silent_server, timeout=0.2, max_retries=1)
    with pytest.raises(relaykit.APITimeoutError, match="timed out"):
        client.chat.completions.create(model="m", messages=MESSAGES)
    per_call = client.with_options(max_retries=0)
    with pytest.raises(relaykit.APITimeoutError):
        per_call.chat.completions.create(model="m", messages=MESSAGES, timeout=0.1)
    client.close()


# -- billable submissions -----------------------------------------------------------------------

IMAGES_OK = {"created": 1, "data": [{"url": "https://img.example/1.png"}]}


def test_billable_submission_is_not_retried_once_it_may_have_run(sleeps: list[float]) -> None:
    for failure in (err(500), err(503), err(504), httpx.ReadTimeout("slow")):
        rec = Recorder(failure, ok(IMAGES_OK))
        with pytest.raises((relaykit.InternalServerError, relaykit.APITimeoutError)):
            make_client(rec).images.generate(model="dall-e-3", prompt="a fox")
        assert len(rec.requests) == 1


def test_billable_submission_is_retried_when_it_never_ran(sleeps: list[float]) -> None:
    rec = Recorder(httpx.ConnectError("refused"), err(429, {"error": {"message": "slow down", "type": "rate_limit"}}), ok(IMAGES_OK))
    result = make_client(rec).images.generate(model="dall-e-3", prompt="a fox")
    assert isinstance(result, types.ImagesResponse) and len(rec.requests) == 3


def test_parameters_are_checked_before_the_network() -> None:
    rec = Recorder(ok())
    client = make_client(rec)
    contents = [{"role": "user", "parts": [{"text": "x"}]}]
    with pytest.raises(relaykit.ArgumentError, match="alt: must be one of 'sse'") as info:
        client.gemini.stream_generate_content("gemini-2.5-flash", contents=contents, alt="json")  # type: ignore[arg-type]
    assert info.value.fields == ("alt",)
    with pytest.raises(relaykit.ArgumentError, match="model: expected string"):
        client.gemini.generate_content(25, contents=contents)  # type: ignore[arg-type]
    with pytest.raises(relaykit.ArgumentError, match="anthropic_version: expected string"):
        client.messages.create(model="c", max_tokens=1, messages=[{"role": "user", "content": "x"}], anthropic_version=2023)  # type: ignore[arg-type]
    assert rec.requests == []


def test_header_parameter_defaults_are_sent() -> None:
    body = {"id": "msg_1", "type": "message", "role": "assistant", "model": "c", "content": [], "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}
    rec = Recorder(ok(body))
    make_client(rec).messages.create(model="c", max_tokens=1, messages=[{"role": "user", "content": "x"}])
    headers = rec.requests[0].headers
    assert headers["anthropic-version"] == "2023-06-01"
    assert headers["x-api-key"] == "sk-test-secret-123" and headers["authorization"] == "Bearer sk-test-secret-123"


def test_request_casts_to_a_model() -> None:
    rec = Recorder(ok({"object": "list", "data": [{"id": "m1", "object": "model", "created": 1, "owned_by": "x"}]}))
    models = make_client(rec).request("GET", "/v1/models", cast_to=types.ModelList)
    assert isinstance(models, types.ModelList) and models.data[0].id == "m1"
    rec = Recorder(ok({"object": "list", "data": "nope"}))
    with pytest.raises(relaykit.ResponseValidationError):
        make_client(rec).request("GET", "/v1/models", cast_to=types.ModelList)


# -- 200 bodies that do not fit ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "cls", "text"),
    [
        ({"error": {"message": "no channel", "code": "model_not_found"}}, relaykit.APIStatusError, "no channel"),
        ({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, relaykit.APIStatusError, "Overloaded"),
        ({"code": 500, "message": "upstream failed", "data": None, "success": False}, relaykit.APIStatusError, "upstream failed"),
        ({"error": "plain text error"}, relaykit.APIStatusError, "plain text error"),
        # Not envelopes: an object of its own that failed validation, or a success envelope.
        ({**CHAT_OK, "choices": "none", "error": {"message": "hiccup"}}, relaykit.ResponseValidationError, "choices"),
        ({"code": 0, "message": "ok", "data": {"items": []}}, relaykit.ResponseValidationError, "does not fit"),
        ({"success": True, "message": "done", "code": 1}, relaykit.ResponseValidationError, "does not fit"),
        ({"id": "x", "error": None, "choices": "none"}, relaykit.ResponseValidationError, "does not fit"),
    ],
)
def test_error_envelope_in_200_versus_a_body_that_does_not_fit(body: Any, cls: type, text: str) -> None:
    with pytest.raises(relaykit.APIError) as info:
        make_client(Recorder(ok(body))).chat.completions.create(model="m", messages=MESSAGES)
    assert type(info.value) is cls and text in str(info.value)
    assert info.value.body is not None and httpx.Response(200, content=info.value.body).json() == body


def test_empty_bodies() -> None:
    deleted = {"id": "resp_1", "object": "response", "deleted": True}
    client = make_client(Recorder(httpx.Response(204), httpx.Response(200, content=b" "), ok(deleted), httpx.Response(200)))
    assert client.responses.delete("resp_1") is None
    assert client.responses.delete("resp_1") is None
    assert client.responses.delete("resp_1").deleted is True  # type: ignore[union-attr]
    with pytest.raises(relaykit.ResponseValidationError, match="empty body where ChatCompletion was expected") as info:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.body == b"" and info.value.status_code == 200
    assert make_client(Recorder(httpx.Response(204))).request("POST", "/v1/anything") is None
    with pytest.raises(relaykit.ResponseValidationError, match="empty body"):
        make_client(Recorder(httpx.Response(204))).request("GET", "/v1/models", cast_to=types.ModelList)


def test_html_error_page_message_is_its_title() -> None:
    page = b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center></body></html>"
    client = make_client(Recorder(httpx.Response(502, content=page, headers={"content-type": "text/html"})), max_retries=0)
    with pytest.raises(relaykit.InternalServerError) as info:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.message == "502 Bad Gateway" and info.value.body == page

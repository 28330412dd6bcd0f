"""No secret anywhere: one known key and one known token go through every auth scheme, error
path, retry and stream, with debug logging on, and must appear in no log line, repr, exception
(str, repr, args, pickle, traceback) of what comes out."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import relaykit

from .conftest import ROOT, Recorder, make_async_client, make_client, sse, stream_response
from .payloads import CHAT_OK, GEMINI_OK, MESSAGE_OK, MESSAGES

KEY = "sk-canary-4f9a1c7e2b8d6035"
TOKEN = "tok_canary_9e8d7c6b5a4f3e2d"  # an access token the application adds as a header
SECRETS = (KEY, TOKEN, KEY[3:], TOKEN[4:])  # also without the recognisable prefixes



def chunk(text: str, **extra: Any) -> dict[str, Any]:
    delta = {"index": 0, "delta": {"content": text}, "finish_reason": None}
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [delta], **extra}


class _Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks after its first chunk."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield self.first
        raise httpx.ReadError("connection reset by peer")


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    headers.setdefault("x-request-id", "req-1")
    return httpx.Response(status, json=body, headers=headers)


def error(status: int, message: str, code: str | None = None) -> httpx.Response:
    return json_response(status, {"error": {"message": message, "type": "error", "code": code}}, **{"set-cookie": f"session={TOKEN}"})


@dataclass
class Case:
    name: str
    responses: Callable[[], list[Any]]
    call: str  # chat | messages | gemini | chat_stream | responses_stream | bad_argument
    raises: type[Exception] | None = None
    expected_requests: int = 1
    echoes: bool = False  # the gateway's answer contains a secret


CASES = [
    Case("bearer", lambda: [json_response(200, CHAT_OK)], "chat"),
    Case("x-api-key", lambda: [json_response(200, MESSAGE_OK)], "messages"),
    Case("x-goog-api-key", lambda: [json_response(200, GEMINI_OK)], "gemini"),
    # Some gateways echo the key they refused.
    Case("401", lambda: [error(401, f"Invalid token {KEY} (request id: x)", "invalid_api_key")], "chat", relaykit.AuthenticationError, echoes=True),
    Case("403", lambda: [error(403, f"token {TOKEN} may not use this model")], "messages", relaykit.PermissionDeniedError, echoes=True),
    Case("429-quota", lambda: [error(429, "You exceeded your current quota", "insufficient_quota")], "gemini", relaykit.QuotaExceededError),
    Case("500-retried", lambda: [error(500, "upstream error")], "chat", relaykit.InternalServerError, 3),
    Case("429-then-ok", lambda: [error(429, "slow down"), json_response(200, CHAT_OK)], "chat", None, 2),
    Case("connection-error", lambda: [httpx.ConnectError("connection refused")], "chat", relaykit.APIConnectionError, 3),
    Case("timeout", lambda: [httpx.ReadTimeout("read timed out")], "messages", relaykit.APITimeoutError, 3),
    Case("response-validation", lambda: [json_response(200, {"choices": "not a list", "echo": KEY})], "chat", relaykit.ResponseValidationError, echoes=True),
    Case("argument-error", lambda: [json_response(200, CHAT_OK)], "bad_argument", relaykit.ArgumentError, 0),
    Case("stream-ok", lambda: [stream_response(sse((None, chunk("Hel")), (None, chunk("lo")), "data: [DONE]\n\n"))], "chat_stream"),
    Case(
        "stream-error-event",
        lambda: [stream_response(sse((None, chunk("Hel")), (None, {**chunk(""), "error": {"message": "upstream died", "code": 502}})))],
        "chat_stream", relaykit.StreamError,
    ),
    Case(
        "stream-responses-error",
        lambda: [stream_response(sse(("error", {"type": "error", "code": "server_error", "message": "failed", "sequence_number": 1})))],
        "responses_stream", relaykit.StreamError,
    ),
    Case(
        "stream-broken",
        lambda: [httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=_Broken(sse((None, chunk("Hel")))))],
        "chat_stream", relaykit.APIConnectionError,
    ),
]


def sync_call(client: relaykit.Client, call: str) -> Any:
    if call == "chat":
        return client.chat.completions.create(model="m", messages=MESSAGES)
    if call == "messages":
        return client.messages.create(model="m", max_tokens=8, messages=MESSAGES)
    if call == "gemini":
        return client.gemini.generate_content("gemini-x", contents=[{"role": "user", "parts": [{"text": "Hi"}]}])
    if call == "chat_stream":
        with client.chat.completions.create(model="m", messages=MESSAGES, stream=True) as stream:
            return stream.final()
    if call == "responses_stream":
        with client.responses.create(model="m", input="Hi", stream=True) as events:
            return list(events)
    assert call == "bad_argument"
    return client.chat.completions.create(model="m", messages=[{"role": "user"}])


async def async_call(client: relaykit.AsyncClient, call: str) -> Any:
    if call == "chat":
        return await client.chat.completions.create(model="m", messages=MESSAGES)
    if call == "messages":
        return await client.messages.create(model="m", max_tokens=8, messages=MESSAGES)
    if call == "gemini":
        return await client.gemini.generate_content("gemini-x", contents=[{"role": "user", "parts": [{"text": "Hi"}]}])
    if call == "chat_stream":
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        async with stream:
            return await stream.final()
    if call == "responses_stream":
        events = await client.responses.create(model="m", input="Hi", stream=True)
        async with events:
            return [event async for event in events]
    assert call == "bad_argument"
    return await client.chat.completions.create(model="m", messages=[{"role": "user"}])


CLIENT_SETTINGS: dict[str, Any] = {
    "api_key": KEY,
    "default_headers": {"proxy-authorization": f"Bearer {TOKEN}", "x-auth-token": TOKEN, "cookie": f"session={TOKEN}"},
}


def assert_clean(label: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{label} shows a secret: ...{text[max(0, text.find(secret) - 200):text.find(secret) + 50]}..."


def exception_surfaces(exc: BaseException, with_locals: bool = True) -> dict[str, str]:
    """Everything an application might print, log or ship about an exception. The frames'
    locals are left out when the gateway echoed a secret: the frame that read the answer holds
    it as received."""
    surfaces = {
        "str": str(exc),
        "repr": repr(exc),
        "args": repr(exc.args) + "".join(str(a) for a in exc.args),
        "traceback": "".join(traceback.format_exception(exc)),
        "body": repr(getattr(exc, "body", None)) + repr(getattr(exc, "event", None)),
    }
    if with_locals:
        surfaces["traceback with locals"] = "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    data = pickle.dumps(exc)
    surfaces["pickle"] = data.decode("latin-1")
    restored = pickle.loads(data)
    assert type(restored) is type(exc) and str(restored) == str(exc)
    for name in ("status_code", "request_id", "code", "body", "fields"):
        assert getattr(restored, name, None) == getattr(exc, name, None), name
    return surfaces


def check_outcome(case: Case, rec: Recorder, outcome: Any, logs: str) -> None:
    assert len(rec.requests) == case.expected_requests
    for request in rec.requests:  # the secrets really travelled, so their absence below means something
        sent = {k.lower(): v for k, v in request.headers.items()}
        assert KEY in (sent.get("authorization", "") + sent.get("x-api-key", "") + sent.get("x-goog-api-key", ""))
        assert TOKEN in sent["x-auth-token"]
    if case.raises is None:
        assert not isinstance(outcome, BaseException), outcome
        assert_clean("result", repr(outcome))
    else:
        assert isinstance(outcome, case.raises), repr(outcome)
        for label, text in exception_surfaces(outcome, with_locals=not case.echoes).items():
            assert_clean(f"{type(outcome).__name__} {label}", text)
    if case.expected_requests:
        assert "->" in logs or "failed after" in logs, f"nothing was logged:\n{logs}"
    assert_clean("log", logs)


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG, logger="relaykit")
    yield caplog


def all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    """The formatted lines and each record's raw arguments."""
    return caplog.text + "".join(repr(r.args) + r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_sync_call_leaks_nothing(case: Case, debug_log: pytest.LogCaptureFixture, sleeps: list[float]) -> None:
    rec = Recorder(*case.responses())
    client = make_client(rec, **CLIENT_SETTINGS)
    try:
        outcome = sync_call(client, case.call)
    except Exception as exc:  # noqa: BLE001 - the outcome is checked below
        outcome = exc
    check_outcome(case, rec, outcome, all_log_text(debug_log))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_async_call_leaks_nothing(case: Case, debug_log: pytest.LogCaptureFixture, sleeps: list[float]) -> None:
    async def run() -> tuple[Recorder, Any]:
        rec = Recorder(*case.responses())
        async with make_async_client(rec, **CLIENT_SETTINGS) as client:
            try:
                return rec, await async_call(client, case.call)
            except Exception as exc:  # noqa: BLE001
                return rec, exc

    rec, outcome = asyncio.run(run())
    check_outcome(case, rec, outcome, all_log_text(debug_log))


def test_logs_show_what_happened_without_the_secrets(debug_log: pytest.LogCaptureFixture, sleeps: list[float]) -> None:
    rec = Recorder(error(503, "busy"), json_response(200, CHAT_OK, **{"x-request-id": "req-42"}))
    client = make_client(rec, **CLIENT_SETTINGS, default_query={"key": KEY, "group": "vip"})
    client.chat.completions.create(model="m", messages=MESSAGES)
    text = debug_log.text
    assert "POST http://127.0.0.1:9/v1/chat/completions?key=***&group=vip -> 503 Service Unavailable" in text
    assert "retrying POST" in text and "(retry 1 of 2)" in text
    assert "-> 200 OK in" in text and "(request id req-42)" in text and "(attempt 2)" in text
    assert "'authorization': '***'" in text and "'x-auth-token': '***'" in text and "'cookie': '***'" in text
    assert "'set-cookie': '***'" in text
    assert '"content":"Hi"' in text  # the request body, truncated when long
    assert_clean("log", all_log_text(debug_log))


def test_info_level_logs_one_line_per_response_and_no_headers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="relaykit")
    client = make_client(Recorder(json_response(200, CHAT_OK)), **CLIENT_SETTINGS)
    client.chat.completions.create(model="m", messages=MESSAGES)
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "headers" not in caplog.text


def test_nothing_is_logged_when_the_logger_is_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="relaykit")
    client = make_client(Recorder(json_response(200, CHAT_OK)), **CLIENT_SETTINGS)
    client.chat.completions.create(model="m", messages=MESSAGES)
    assert relaykit._logs.trace(KEY) is None
    assert not caplog.records


ENV_SCRIPT = f"""
import logging, httpx, relaykit
from tests.conftest import Recorder, make_client
assert not logging.getLogger().handlers, "the root logger was configured"
rec = Recorder(httpx.Response(401, json={{"error": {{"message": "bad key {KEY}"}}}}))
client = make_client(rec, api_key={KEY!r}, default_headers={{"x-auth-token": {TOKEN!r}}})
try:
    client.gemini.generate_content("g", contents=[{{"role": "user", "parts": [{{"text": "Hi"}}]}}])
except relaykit.AuthenticationError as exc:
    print("raised", exc)
"""


@pytest.mark.parametrize("level", ["debug", "info", ""])
def test_env_variable_adds_a_stderr_handler_that_redacts(level: str) -> None:
    env = {**os.environ, "RELAYKIT_LOG": level, "PYTHONPATH": f"{ROOT / 'generated'}{os.pathsep}{ROOT}"}
    proc = subprocess.run([sys.executable, "-c", ENV_SCRIPT], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "raised HTTP 401: bad key ***" in proc.stdout
    if level:
        assert "POST http://127.0.0.1:9/v1beta/models/g:generateContent -> 401 Unauthorized" in proc.stderr
        assert ("'x-goog-api-key': '***'" in proc.stderr) is (level == "debug")
    else:
        assert proc.stderr == ""
    assert_clean("stderr", proc.stderr + proc.stdout)


def test_client_reprs_and_pickling_show_no_secret() -> None:
    client = make_client(Recorder(json_response(200, CHAT_OK)), **CLIENT_SETTINGS)
    clone = client.with_options(timeout=5.0, max_retries=0)
    for label, obj in [("client", client), ("with_options", clone), ("resource", client.chat.completions)]:
        assert_clean(label, repr(obj) + str(obj))
    # A client is not picklable (it holds a pool and the key): a clear TypeError, not a leak.
    for obj in (client, clone, relaykit.Client(api_key=KEY, base_url="http://127.0.0.1:9")):
        with pytest.raises(TypeError, match="cannot be pickled") as info:
            pickle.dumps(obj)
        assert_clean("pickle error", str(info.value))


def test_every_exception_class_is_picklable_without_the_request_credentials() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/x", headers={"authorization": f"Bearer {KEY}", "x-auth-token": TOKEN}, content=b"{}")
    response = httpx.Response(418, json={"error": {"message": "teapot"}}, request=request)
    made: list[Exception] = [
        relaykit.ArgumentError("bad", ("model",)),
        relaykit.APIConnectionError("down", request=request),
        relaykit.APITimeoutError("slow", request=request),
        relaykit.ResponseValidationError("odd", response=response, body=b"{}", errors=[]),
        relaykit.StreamError("broke", event={"x": 1}, partial=None, code=3),
    ]
    made += [cls("no", response=response, body=b"{}") for cls in _status_error_classes()]
    for exc in made:
        for label, text in exception_surfaces(exc).items():
            assert_clean(f"{type(exc).__name__} {label}", text)
        restored = pickle.loads(pickle.dumps(exc))
        if getattr(exc, "request", None) is not None:
            assert restored.request.url == request.url and restored.request.headers["authorization"] == "***"
        if hasattr(exc, "response"):
            assert restored.response.status_code == 418 and restored.response.json() == {"error": {"message": "teapot"}}


def _status_error_classes() -> list[type[relaykit.APIStatusError]]:
    found = []
    stack: list[type[Any]] = [relaykit.APIStatusError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    assert len(found) >= 12
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
        ("key sk-proj-AbCdEf0123456789 refused", "key *** refused"),
        ("https://relay.example/v1beta/models/g?key=AIzaSyA-0123456789abcdefghij&alt=sse", "https://relay.example/v1beta/models/g?key=***&alt=sse"),
        ("google key AIzaSyA-0123456789abcdefghij", "google key ***"),
        ("https://x.example/cb?access_token=abc123&x=1", "https://x.example/cb?access_token=***&x=1"),
        (f"echoed {TOKEN}", "echoed ***"),
        # ordinary text stays as it is
        ("ask-me-anything about desk-organisers", "ask-me-anything about desk-organisers"),
        ("a monkey=banana and a key to success", "a monkey=banana and a key to success"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert relaykit._redact.scrub(text, [TOKEN]) == expected


def test_header_names() -> None:
    secret = ["authorization", "Proxy-Authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie", "set-cookie", "x-auth-token", "mj-api-secret", "x-session-id"]
    plain = ["content-type", "x-request-id", "x-ratelimit-remaining-tokens", "anthropic-version", "keep-alive", "user-agent"]
    assert [n for n in secret if not relaykit._redact.is_secret_name(n)] == []
    assert [n for n in plain if relaykit._redact.is_secret_name(n)] == []


def test_short_keys_do_not_mask_ordinary_words() -> None:
    request = httpx.Request("GET", "http://127.0.0.1:9/", headers={"authorization": "Bearer test"})
    response = httpx.Response(500, content=b"test failed", request=request)
    exc = relaykit.APIStatusError("test failed", response=response, body=b"test failed")
    assert str(exc) == "HTTP 500: test failed" and exc.body == b"test failed"

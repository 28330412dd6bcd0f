"""Fault injection: what real gateways and proxies do to a client, from a misbehaving server on
127.0.0.1 (tests/faultserver.py). Every case runs with the sync and the async client and must end
quickly in its required outcome: a value, or a relaykit error (never an httpx, JSON or Unicode
exception), with the raw body kept and a stream's partial result kept.

The README's "Reliability" section lists these cases.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import pytest
import relaykit
from relaykit import types

from .conftest import FIXTURES, ROOT
from .faultserver import (
    FaultServer,
    Script,
    brotli_stored,
    chunked,
    close,
    drip,
    gzipped,
    head,
    redirect,
    reply,
    reset,
    response,
    send,
    send_then,
)
from .payloads import CHAT_OK, GEMINI_OK, MESSAGE_OK, MESSAGES

KEY = "sk-fault-secret-42"
CONTENTS = [{"role": "user", "parts": [{"text": "Hi"}]}]
CREDENTIALS = ("authorization", "x-api-key", "x-goog-api-key")

# -- bodies -----------------------------------------------------------------------------------

CHAT_BYTES = json.dumps(CHAT_OK).encode()
DELETED = {"id": "resp_1", "object": "response", "deleted": True}


def html(title: str, size: int = 0) -> bytes:
    filler = "<p>" + "x" * size + "</p>" if size else ""
    return f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body><h1>{title}</h1>{filler}<hr>nginx</body></html>".encode()


def events(*items: tuple[str | None, Any]) -> bytes:
    out = b""
    for name, payload in items:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        out += (f"event: {name}\n".encode() if name else b"") + b"data: " + data + b"\n\n"
    return out


def chat_chunk(text: str, finish: str | None = None) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


DONE = b"data: [DONE]\n\n"
CHAT_HALF = events((None, chat_chunk("Hel")), (None, chat_chunk("lo")))
CHAT_FULL = CHAT_HALF + events((None, chat_chunk("", "stop"))) + DONE


def claude_events(complete: bool) -> bytes:
    start = {"type": "message_start", "message": {**MESSAGE_OK, "content": [], "stop_reason": None}}
    items: list[dict[str, Any]] = [
        start,
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "lo"}},
    ]
    if complete:
        items += [
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 2}},
            {"type": "message_stop"},
        ]
    return events(*((item["type"], item) for item in items))


def recorded(name: str) -> list[tuple[str | None, Any]]:
    lines = (FIXTURES / "recorded" / name).read_text(encoding="utf-8").splitlines()
    return [(e.get("event"), e["data"]) for e in map(json.loads, filter(str.strip, lines))]


RESPONSES_EVENTS = recorded("responses-stream/pyd-resp-stream-web-search.jsonl")
GEMINI_EVENTS = recorded("gemini/pyd-gemini-stream-function-call.jsonl")
RESPONSES_FULL = events(*RESPONSES_EVENTS)
RESPONSES_HALF = events(*RESPONSES_EVENTS[: len(RESPONSES_EVENTS) // 2])
GEMINI_FULL = events(*GEMINI_EVENTS)
GEMINI_HALF = events(*GEMINI_EVENTS[:1])

SSE_HEAD = [("content-type", "text/event-stream"), ("connection", "close")]


def sse_chunked(body: bytes, end: bool = True, **headers: str) -> bytes:
    """An event stream in chunked transfer encoding, two events' worth per chunk."""
    pieces = [p + b"\n\n" for p in body.split(b"\n\n") if p]
    grouped = [b"".join(pieces[i : i + 2]) for i in range(0, len(pieces), 2)]
    extra = [(k.replace("_", "-"), v) for k, v in headers.items()]
    return head(200, [*SSE_HEAD, ("transfer-encoding", "chunked"), *extra]) + chunked(*grouped, end=end)


def sse_whole(body: bytes, content_type: str = "text/event-stream", **headers: str) -> bytes:
    return response(200, body, content_type, **headers)


def error_json(message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "upstream_error", "code": code}}


# -- calls ------------------------------------------------------------------------------------

CALLS: dict[str, tuple[str, dict[str, Any], str]] = {
    "chat": ("chat.completions.create", {"model": "m", "messages": MESSAGES}, "value"),
    "chat_stream": ("chat.completions.create", {"model": "m", "messages": MESSAGES, "stream": True}, "final"),
    "chat_events": ("chat.completions.create", {"model": "m", "messages": MESSAGES, "stream": True}, "events"),
    "responses_stream": ("responses.create", {"model": "m", "input": "x", "stream": True}, "final"),
    "claude": ("messages.create", {"model": "c", "max_tokens": 10, "messages": MESSAGES}, "value"),
    "claude_stream": ("messages.create", {"model": "c", "max_tokens": 10, "messages": MESSAGES, "stream": True}, "final"),
    "gemini": ("gemini.generate_content", {"model": "g", "contents": CONTENTS}, "value"),
    "gemini_stream": ("gemini.stream_generate_content", {"model": "g", "contents": CONTENTS}, "final"),
    "delete": ("responses.delete", {"response_id": "resp_1"}, "value"),
    "request": ("request", {"method": "GET", "path": "/v1/balance"}, "value"),
    "speech": ("audio.speech.create", {"model": "tts-1", "voice": "alloy", "input": "Hi"}, "content"),
}


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    events: list[Any] = field(default_factory=list)  # what a plain iteration received
    gateway: FaultServer | None = None
    other: FaultServer | None = None
    sleeps: list[float] = field(default_factory=list)

    @property
    def seen(self) -> list[Any]:
        assert self.gateway is not None
        return self.gateway.seen

    @property
    def other_seen(self) -> list[Any]:
        assert self.other is not None
        return self.other.seen


@dataclass
class Case:
    id: str
    call: str
    gateway: tuple[Script, ...]
    raises: type[BaseException] | None = None
    match: str | None = None  # searched in str(error)
    check: Callable[[Outcome], None] | None = None
    hits: int | None = None  # requests the gateway received
    other: tuple[Script, ...] = (reply(200, CHAT_OK),)
    options: dict[str, Any] = field(default_factory=dict)
    outcome: str = ""  # the required outcome, as the README's table says it


def run_sync(case: Case, url: str) -> Outcome:
    path, kwargs, mode = CALLS[case.call]
    out = Outcome()
    options = {"timeout": 2.0, **case.options}
    with relaykit.Client(api_key=KEY, base_url=url, **options) as client:
        try:
            result = attrgetter(path)(client)(**kwargs)
            if mode == "final":
                result = result.final()
            elif mode == "events":
                with result:
                    for event in result:
                        out.events.append(event)
                result = out.events
            elif mode == "content":
                result = result.content
            out.value = result
        except Exception as exc:  # every exception is examined by the test
            out.error = exc
    return out


async def run_async(case: Case, url: str) -> Outcome:
    path, kwargs, mode = CALLS[case.call]
    out = Outcome()
    options = {"timeout": 2.0, **case.options}
    async with relaykit.AsyncClient(api_key=KEY, base_url=url, **options) as client:
        try:
            result = await attrgetter(path)(client)(**kwargs)
            if mode == "final":
                result = await result.final()
            elif mode == "events":
                async with result:
                    async for event in result:
                        out.events.append(event)
                result = out.events
            elif mode == "content":
                result = result.content
            out.value = result
        except Exception as exc:
            out.error = exc
    return out


# -- checks -----------------------------------------------------------------------------------


def chat_text(out: Outcome) -> None:
    assert isinstance(out.value, types.ChatCompletion) and out.value.choices[0].message.content == "Hello"


def body_is(raw: bytes) -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        assert isinstance(out.error, relaykit.APIError) and out.error.body == raw

    return check


def partial_chat(text: str) -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        assert isinstance(out.error, relaykit.StreamError)
        partial = out.error.partial
        assert isinstance(partial, types.ChatCompletion), partial
        assert partial.choices[0].message.content == text

    return check


def partial_message(out: Outcome) -> None:
    assert isinstance(out.error, relaykit.StreamError)
    partial = out.error.partial
    assert isinstance(partial, types.Message), partial
    assert partial.to_dict()["content"][0]["text"] == "Hello"


def partial_present(out: Outcome) -> None:
    assert isinstance(out.error, relaykit.StreamError) and out.error.partial is not None, out.error


def events_before(n: int) -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        assert len(out.events) == n, out.events

    return check


def no_credentials_at_other(out: Outcome) -> None:
    assert out.other_seen, "the redirect was not followed"
    for seen in out.other_seen:
        leaked = [name for name in seen.headers if name in CREDENTIALS or KEY in seen.headers[name]]
        assert not leaked, f"credentials sent to another origin: {leaked}"
    assert any(KEY in out.seen[0].headers.get(name, "") for name in CREDENTIALS), "the gateway got no credentials"


def sleeps_are(expected: list[float]) -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        assert out.sleeps == pytest.approx(expected)

    return check


def that(predicate: Callable[[Outcome], Any], what: str = "") -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        assert out.error is None or what == "error", out.error
        assert predicate(out), what or (out.value, out.error)

    return check


def every(*checks: Callable[[Outcome], None]) -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        for one in checks:
            one(out)

    return check


def brotli_installed() -> bool:
    try:
        import brotli  # noqa: F401
    except ImportError:
        try:
            import brotlicffi  # noqa: F401
        except ImportError:
            return False
    return True


def brotli_outcome(out: Outcome) -> None:
    """Decoded when brotli is installed; else a clear error naming the package."""
    if brotli_installed():
        assert out.error is None, out.error
    else:
        assert isinstance(out.error, (relaykit.ResponseValidationError, relaykit.StreamError)), out.error
        assert "cannot decode" in str(out.error) and "brotli" in str(out.error)
        assert out.error.body


def retry_after_date(seconds: int) -> str:
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


def cut_json(out: Outcome) -> None:
    assert isinstance(out.error, relaykit.ResponseValidationError) and out.error.body == CHAT_BYTES[:60]


def replaced_utf8(out: Outcome) -> None:
    assert out.error is None, out.error
    assert out.value.choices[0].message.content == "caf\ufffd\ufffd!"


def redirected_path(path: str, method: str = "POST") -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        second = out.seen[1]
        assert second.path == path and second.method == method
        assert second.headers["authorization"] == f"Bearer {KEY}"  # same origin: credentials kept
        assert second.json() == out.seen[0].json()

    return check


HUGE_TEXT = "relay " * 1_400_000  # 8.4 MB
CHAT_HUGE = json.dumps({**CHAT_OK, "choices": [{**CHAT_OK["choices"][0], "message": {"role": "assistant", "content": HUGE_TEXT}}]}).encode()
SSE_HUGE_TEXT = "relay " * 350_000  # 2.1 MB in one event
CHAT_UTF8_BAD = json.dumps(CHAT_OK).replace("Hello", "caf\udcc3\udca9!").encode("utf-8", "surrogateescape").replace(b"\xc3\xa9", b"\xc3\xff")
SSE_UTF8_BAD = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"caf\xc3"},"finish_reason":null}]}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"\xa9!"},"finish_reason":"stop"}]}\n\n'
) + DONE


def huge_value(out: Outcome) -> None:
    assert out.error is None, out.error
    assert out.value.choices[0].message.content == HUGE_TEXT


def huge_stream(out: Outcome) -> None:
    assert out.error is None, out.error
    assert out.value.choices[0].message.content == SSE_HUGE_TEXT


def huge_html(out: Outcome) -> None:
    error = out.error
    assert isinstance(error, relaykit.InternalServerError)
    assert error.message == "500 Internal Server Error" and len(error.body or b"") > 2_000_000


# -- the cases ----------------------------------------------------------------------------------

RETRIED = {"max_retries": 2}
ONCE = {"max_retries": 0}
STALL = {"timeout": 0.3, "max_retries": 0}
# A whole JSON response with its headers, then a cut or a stall, scripted below.
CHAT_HEAD_LONG = head(200, [("content-type", "application/json"), ("content-length", str(len(CHAT_BYTES) + 500)), ("connection", "close")])

CASES = [
    # -- the connection --
    Case("reset before the status line", "chat", (reset(),), relaykit.APIConnectionError, hits=3, options=RETRIED,
         outcome="APIConnectionError after 2 retries"),
    Case("close before the status line", "chat", (close(),), relaykit.APIConnectionError, hits=3, options=RETRIED,
         outcome="APIConnectionError after 2 retries"),
    Case("reset, then an answer", "chat", (reset(), reply(200, CHAT_OK)), check=chat_text, hits=2,
         outcome="retried: the ChatCompletion"),
    Case("not HTTP at all", "chat", (send(b"SSH-2.0-OpenSSH_9.6\r\n"),), relaykit.APIConnectionError, hits=1, options=ONCE,
         outcome="APIConnectionError"),
    Case("reset mid-body", "chat", (send_then(CHAT_HEAD_LONG + CHAT_BYTES[:40], "reset"),), relaykit.APIConnectionError, hits=3,
         outcome="APIConnectionError after 2 retries"),
    Case("close mid-body (short of content-length)", "chat", (send(CHAT_HEAD_LONG + CHAT_BYTES),), relaykit.APIConnectionError, hits=3,
         outcome="APIConnectionError after 2 retries"),
    Case("close-delimited body without content-length", "chat",
         (send(head(200, [("content-type", "application/json"), ("connection", "close")]) + CHAT_BYTES),), check=chat_text,
         outcome="the ChatCompletion"),
    # -- streams that break --
    Case("chat stream reset mid-stream, final()", "chat_stream", (send_then(sse_chunked(CHAT_HALF, end=False), "reset", 0.3),),
         relaykit.StreamConnectionError, check=partial_chat("Hello"), outcome="StreamConnectionError, .partial = the text so far"),
    Case("chat stream reset mid-stream, iterated", "chat_events", (send_then(sse_chunked(CHAT_HALF, end=False), "reset", 0.3),),
         relaykit.StreamConnectionError, check=events_before(2), outcome="StreamConnectionError after the events that arrived"),
    Case("chat stream closed mid-chunk", "chat_stream", (send(sse_chunked(CHAT_HALF, end=False)),),
         relaykit.StreamConnectionError, check=partial_chat("Hello"), outcome="StreamConnectionError, .partial"),
    Case("chat stream ends cleanly without [DONE] or finish", "chat_stream",
         (send(head(200, SSE_HEAD) + CHAT_HALF),), relaykit.StreamError, match="ended before",
         check=partial_chat("Hello"), outcome="StreamError 'ended before it was complete', .partial"),
    Case("Claude stream reset mid-stream", "claude_stream", (send_then(sse_chunked(claude_events(False), end=False), "reset", 0.3),),
         relaykit.StreamConnectionError, check=partial_message, outcome="StreamConnectionError, .partial Message"),
    Case("Responses stream reset mid-stream", "responses_stream", (send_then(sse_chunked(RESPONSES_HALF, end=False), "reset", 0.3),),
         relaykit.StreamConnectionError, check=partial_present, outcome="StreamConnectionError, .partial Response"),
    Case("Gemini stream reset mid-stream", "gemini_stream", (send_then(sse_chunked(GEMINI_HALF, end=False), "reset", 0.3),),
         relaykit.StreamConnectionError, check=partial_present, outcome="StreamConnectionError, .partial"),
    # -- bodies that are not what the spec promised --
    Case("truncated JSON", "chat", (reply(200, CHAT_BYTES[:60]),), relaykit.ResponseValidationError, match="not JSON",
         check=cut_json, outcome="ResponseValidationError with the raw body"),
    Case("empty 200 where JSON is promised", "chat", (reply(200, b""),), relaykit.ResponseValidationError, match="empty body",
         check=body_is(b""), outcome="ResponseValidationError 'empty body'"),
    Case("204 to a DELETE", "delete", (reply(204, b"", None),), check=that(lambda out: out.value is None),
         outcome="None"),
    Case("empty 200 to a DELETE", "delete", (reply(200, b""),), check=that(lambda out: out.value is None),
         outcome="None"),
    Case("DELETE with its JSON body", "delete", (reply(200, DELETED),), check=that(lambda out: out.value.deleted is True),
         outcome="ResponseDeleted"),
    Case("204 to client.request()", "request", (reply(204, b"", None),), check=that(lambda out: out.value is None),
         outcome="None"),
    Case("HTML 502 from a proxy", "chat", (reply(502, html("502 Bad Gateway"), "text/html"),), relaykit.InternalServerError,
         match="502 Bad Gateway", check=body_is(html("502 Bad Gateway")), hits=3, outcome="InternalServerError (page title as message, raw body) after 2 retries"),
    Case("HTML 504 from a proxy", "chat", (reply(504, html("504 Gateway Time-out"), "text/html"),), relaykit.InternalServerError,
         match="504 Gateway Time-out", hits=3, outcome="InternalServerError after 2 retries"),
    Case("HTML 524 from Cloudflare", "chat", (reply(524, html("api.example | 524: A timeout occurred"), "text/html"),),
         relaykit.InternalServerError, match="524: A timeout occurred", hits=3, outcome="InternalServerError after 2 retries"),
    Case("HTML page with 200 (captive portal)", "chat", (reply(200, html("Sign in to the network"), "text/html"),),
         relaykit.ResponseValidationError, match=r"not JSON \(text/html.*Sign in to the network",
         check=body_is(html("Sign in to the network")), outcome="ResponseValidationError naming the page, raw body"),
    Case("error envelope inside a 200", "chat", (reply(200, error_json("model not available", "model_not_found")),),
         relaykit.APIStatusError, match="model not available",
         check=that(lambda out: out.error.code == "model_not_found" and type(out.error) is relaykit.APIStatusError, "error"),
         outcome="APIStatusError with code and message"),
    Case("code/message envelope inside a 200", "chat", (reply(200, {"code": "fail", "message": "token quota used up", "data": None}),),
         relaykit.APIStatusError, match="token quota used up", outcome="APIStatusError"),
    Case("200 object with an error field that does not fit", "chat",
         (reply(200, {"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": "none", "error": {"message": "upstream hiccup"}}),),
         relaykit.ResponseValidationError, match=r"choices.*the body also says: upstream hiccup",
         outcome="ResponseValidationError naming the field (and the error text)"),
    Case("JSON sent as text/plain", "chat", (reply(200, CHAT_OK, "text/plain"),), check=chat_text, outcome="the ChatCompletion"),
    Case("JSON without content-type", "chat", (reply(200, CHAT_OK, None),), check=chat_text, outcome="the ChatCompletion"),
    Case("stream answered with a JSON error and 200", "chat_stream", (reply(200, error_json("no channel", "model_not_found")),),
         relaykit.APIStatusError, match="no channel", outcome="APIStatusError with the code"),
    Case("stream answered with a JSON error, no content-type", "chat_stream", (reply(200, error_json("no channel"), None),),
         relaykit.APIStatusError, match="no channel", outcome="APIStatusError"),
    Case("stream answered with an HTML page and 200", "chat_stream", (reply(200, html("Maintenance"), "text/html"),),
         relaykit.StreamError, match="expected an event stream.*Maintenance", check=body_is(html("Maintenance")),
         outcome="StreamError with the raw body"),
    Case("event stream labelled application/json", "chat_stream", (send(sse_whole(CHAT_FULL, content_type="application/json")),),
         check=chat_text, outcome="the folded ChatCompletion"),
    # -- encodings --
    Case("gzip body", "chat", (send(response(200, gzipped(CHAT_BYTES), content_encoding="gzip")),), check=chat_text,
         outcome="the ChatCompletion"),
    Case("gzip event stream", "chat_stream", (send(sse_whole(gzipped(CHAT_FULL), content_encoding="gzip")),),
         check=chat_text, outcome="the folded ChatCompletion"),
    Case("corrupt gzip body", "chat", (send(response(200, b"\x1f\x8b\x08garbage!", content_encoding="gzip")),),
         relaykit.APIConnectionError, match="could not decode", hits=1, options=ONCE, outcome="APIConnectionError 'could not decode'"),
    Case("brotli body", "chat", (send(response(200, brotli_stored(CHAT_BYTES), content_encoding="br")),), check=brotli_outcome,
         outcome="decoded if brotli is installed, else ResponseValidationError 'install brotli'"),
    Case("brotli event stream", "chat_stream", (send(sse_whole(brotli_stored(CHAT_FULL), content_encoding="br")),),
         check=brotli_outcome, outcome="decoded if brotli is installed, else StreamError 'install brotli'"),
    Case("unknown content-encoding", "chat", (send(response(200, b"\x00\x01compressed", content_encoding="x-custom")),),
         relaykit.ResponseValidationError, match="'x-custom', which this installation cannot decode",
         outcome="ResponseValidationError naming the encoding"),
    # -- slowness --
    Case("slow drip past the read timeout", "chat", (drip(CHAT_BYTES, head(200, [("content-length", str(len(CHAT_BYTES))), ("connection", "close")]), 0.6),),
         relaykit.APITimeoutError, hits=1, options={"timeout": 0.2, "max_retries": 0}, outcome="APITimeoutError"),
    Case("status line never comes", "chat", (send_then(b"", "stall", 2.0),), relaykit.APITimeoutError, hits=2,
         options={"timeout": 0.2, "max_retries": 1}, outcome="APITimeoutError after 1 retry"),
    Case("stream stalls between events, final()", "chat_stream", (send_then(sse_chunked(CHAT_HALF, end=False), "stall", 2.0),),
         relaykit.StreamTimeoutError, check=partial_chat("Hello"), options=STALL,
         outcome="StreamTimeoutError (an APITimeoutError), .partial"),
    Case("stream stalls between events, iterated", "chat_events", (send_then(sse_chunked(CHAT_HALF, end=False), "stall", 2.0),),
         relaykit.APITimeoutError, check=events_before(2), options=STALL, outcome="StreamTimeoutError after the events that arrived"),
    # -- bytes --
    Case("invalid UTF-8 inside SSE", "chat_stream", (send(sse_whole(SSE_UTF8_BAD)),), check=replaced_utf8,
         outcome="the events, with U+FFFD for the bad bytes"),
    Case("invalid UTF-8 inside a JSON body", "chat", (reply(200, CHAT_UTF8_BAD),), check=replaced_utf8,
         outcome="the ChatCompletion, with U+FFFD for the bad bytes"),
    Case("huge JSON body (8 MB)", "chat", (reply(200, CHAT_HUGE),), check=huge_value, outcome="the ChatCompletion, intact"),
    Case("huge SSE event (2 MB)", "chat_stream", (send(sse_chunked(events((None, chat_chunk(SSE_HUGE_TEXT, "stop"))) + DONE)),),
         check=huge_stream, outcome="the folded ChatCompletion, intact"),
    Case("huge HTML error page (2 MB)", "chat", (reply(500, html("500 Internal Server Error", 2_000_000), "text/html"),),
         relaykit.InternalServerError, check=huge_html, options=ONCE, outcome="InternalServerError, short message, whole body"),
    # -- retry-after and 429 --
    Case("Retry-After in seconds", "chat", (reply(503, error_json("busy"), retry_after="1"), reply(200, CHAT_OK)),
         check=every(chat_text, sleeps_are([1.0])), hits=2, outcome="waits 1 s, then the ChatCompletion"),
    Case("retry-after-ms", "chat", (reply(429, error_json("slow down"), retry_after_ms="150"), reply(200, CHAT_OK)),
         check=every(chat_text, sleeps_are([0.15])), hits=2, outcome="waits 0.15 s, then the ChatCompletion"),
    Case("Retry-After as an HTTP date", "chat", (lambda conn: send(response(503, b"{}", retry_after=retry_after_date(3)))(conn), reply(200, CHAT_OK)),
         check=every(chat_text, that(lambda out: 1.0 <= out.sleeps[0] <= 3.5)), hits=2,
         outcome="waits until the date, then the ChatCompletion"),
    Case("Retry-After past the cap (1 h)", "chat", (reply(429, error_json("later"), retry_after="3600"), reply(200, CHAT_OK)),
         check=every(chat_text, that(lambda out: out.sleeps[0] <= 0.5)), hits=2,
         outcome="own backoff (0.5 s), then the ChatCompletion"),
    Case("429 quota exhausted", "chat", (reply(429, error_json("You exceeded your current quota", "insufficient_quota")),),
         relaykit.QuotaExceededError, check=sleeps_are([]), hits=1, outcome="QuotaExceededError, not retried"),
    Case("429 rate limit, then an answer", "chat", (reply(429, error_json("rate limited", "rate_limit_exceeded")), reply(200, CHAT_OK)),
         check=chat_text, hits=2, outcome="retried: the ChatCompletion"),
    Case("429 rate limit that persists", "chat", (reply(429, error_json("rate limited", "rate_limit_exceeded")),),
         relaykit.RateLimitError, check=that(lambda out: type(out.error) is relaykit.RateLimitError, "error"), hits=3,
         outcome="RateLimitError after 2 retries"),
    # -- redirects --
    Case("307 within the origin", "chat", (redirect(307, "/v1/chat/completions-moved"), reply(200, CHAT_OK)),
         check=every(chat_text, redirected_path("/v1/chat/completions-moved")), hits=2,
         outcome="followed with method, body and credentials"),
    Case("308 to an absolute URL of the same origin", "chat",
         (lambda conn: redirect(308, conn.server.url + "/v2/chat")(conn), reply(200, CHAT_OK)),
         check=every(chat_text, redirected_path("/v2/chat")), hits=2, outcome="followed with credentials"),
    Case("307 to another origin (Bearer)", "chat", (redirect(307, "other:/v1/chat/completions"),),
         check=every(chat_text, no_credentials_at_other, that(lambda out: out.other_seen[0].json()["model"] == "m")), hits=1,
         outcome="followed; no credential header reaches the other origin"),
    Case("307 to another origin (x-api-key)", "claude", (redirect(307, "other:/v1/messages"),), other=(reply(200, MESSAGE_OK),),
         check=every(no_credentials_at_other, that(lambda out: out.other_seen[0].headers["anthropic-version"] == "2023-06-01")),
         outcome="the Message; no x-api-key or Authorization at the other origin"),
    Case("307 to another origin (x-goog-api-key)", "gemini", (redirect(307, "other:/v1beta/models/g:generateContent"),),
         other=(reply(200, GEMINI_OK),), check=no_credentials_at_other, outcome="the answer; no x-goog-api-key at the other origin"),
    Case("302 to another origin turns POST into GET", "chat", (redirect(302, "other:/result"),),
         check=every(chat_text, no_credentials_at_other, that(lambda out: (out.other_seen[0].method, out.other_seen[0].body) == ("GET", b""))),
         outcome="GET without body or credentials"),
    Case("redirected stream to another origin", "claude_stream", (redirect(307, "other:/v1/messages"),),
         other=(send(sse_whole(claude_events(True))),), check=no_credentials_at_other, outcome="the folded Message; no credentials"),
    Case("own secret header to another origin", "chat", (redirect(307, "other:/v1/chat/completions"),),
         check=every(no_credentials_at_other, that(lambda out: "x-relay-token" not in out.other_seen[0].headers)),
         options={"default_headers": {"x-relay-token": "tok-1"}}, outcome="the custom credential header is not sent either"),
    Case("away and back again", "chat", (redirect(307, "other:/hop"), reply(200, CHAT_OK)), other=(redirect(307, "other:/back"),),
         check=every(chat_text, that(lambda out: out.seen[1].path == "/back" and "authorization" not in out.seen[1].headers)), hits=2,
         outcome="credentials, once dropped, are not sent again"),
    Case("redirect loop", "chat", (redirect(307, "/v1/loop"),), relaykit.APIStatusError, match="more than 10 redirects", hits=11,
         outcome="APIStatusError after 10 redirects"),
    Case("redirect to a non-HTTP scheme", "chat", (redirect(302, "ftp://files.example/x"),), relaykit.APIStatusError,
         match="unsupported location", hits=1, outcome="APIStatusError"),
    # -- [DONE] on protocols that do not define it --
    Case("[DONE] after a Responses stream", "responses_stream", (send(sse_chunked(RESPONSES_FULL + DONE)),),
         check=that(lambda out: out.value.status == "completed"), outcome="the Response"),
    Case("[DONE] after a Claude stream", "claude_stream", (send(sse_chunked(claude_events(True) + DONE)),),
         check=that(lambda out: out.value.stop_reason == "end_turn"), outcome="the Message"),
    Case("[DONE] after a Gemini stream", "gemini_stream", (send(sse_chunked(GEMINI_FULL + DONE)),),
         check=that(lambda out: isinstance(out.value, types.GenerateContentResponse)), outcome="the GenerateContentResponse"),
    Case("[DONE] after a cut Claude stream", "claude_stream", (send(sse_chunked(claude_events(False) + DONE)),),
         relaykit.StreamError, match="ended before", check=partial_message,
         outcome="StreamError 'ended before it was complete', .partial"),
]


@pytest.fixture
def servers() -> Iterator[tuple[FaultServer, FaultServer]]:
    gateway, other = FaultServer().start(), FaultServer().start()
    gateway.other_url, other.other_url = other.url, gateway.url
    try:
        yield gateway, other
    finally:
        gateway.stop()
        other.stop()


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault(case: Case, mode: str, servers: tuple[FaultServer, FaultServer], sleeps: list[float]) -> None:
    gateway, other = servers
    gateway.play(*case.gateway)
    other.play(*case.other)
    out = run_sync(case, gateway.url) if mode == "sync" else asyncio.run(run_async(case, gateway.url))
    out.gateway, out.other, out.sleeps = gateway, other, sleeps
    error = out.error
    if error is not None:
        assert isinstance(error, relaykit.RelaykitError), f"untyped {type(error).__module__}.{type(error).__name__}: {error}"
        assert KEY not in str(error) and KEY not in repr(error)
    if case.raises is None:
        assert error is None or case.check is brotli_outcome, f"{type(error).__name__}: {error}"
    else:
        assert isinstance(error, case.raises), f"expected {case.raises.__name__}, got {type(error).__name__}: {error}"
        if case.match:
            assert re.search(case.match, str(error)), str(error)
        if isinstance(error, relaykit.StreamConnectionError) and CALLS[case.call][2] == "final":
            assert error.partial is not None
    if case.hits is not None:
        assert len(gateway.seen) == case.hits
    if case.check is not None:
        case.check(out)


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)
    assert all(c.outcome for c in CASES)


def test_the_readme_table_lists_every_case() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Reliability\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", section, re.M)
    assert rows[1:] == [(c.id, c.outcome) for c in CASES]
    assert f"{len(CASES)} cases" in section and f"{2 * len(CASES)} tests" in section

"""Deterministic response bodies and SSE streams for the fake gateway.

Every body is valid for relaykit's models (relaykit.types) *and* for openai-python's /
anthropic's types; ``python tests/bench/payloads.py`` checks that (run.py checks it too, before
timing). Shapes follow the recorded payloads in tests/fixtures/recorded/.

Routing is by the ``model`` field of the request body (see ``MODEL_*``), so every client makes
the same call through its normal API:
  bench-small / bench-large      non-stream ~1.5 KB / ~100 KB bodies
  bench-sse-<N>                  an SSE stream of N events (text deltas plus a few framing events)
"""

from __future__ import annotations

import json
from typing import Any

MODEL_SMALL = "bench-small"
MODEL_LARGE = "bench-large"
SSE_PREFIX = "bench-sse-"

ENDPOINTS = ("chat", "responses", "messages")
PATHS = {
    "chat": "/v1/chat/completions",
    "responses": "/v1/responses",
    "messages": "/v1/messages",
}
CREATED = 1760000000
LARGE_TARGET = 100_000  # bytes


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


_WORDS = (
    "the relay gateway forwards each request to an upstream model and streams the answer back "
    "while counting tokens for billing so that latency stays low and errors stay typed "
).split()


def text(n_words: int, seed: int = 0) -> str:
    return " ".join(_WORDS[(seed + i * 7) % len(_WORDS)] for i in range(n_words))


def delta_text(i: int) -> str:
    """The i-th streamed text fragment (1-3 short words, like real token deltas)."""
    w = _WORDS[i % len(_WORDS)]
    return (" " + w) if i % 3 else w[:3]


# --------------------------------------------------------------------------- chat completions


def _chat_usage(p: int, c: int) -> dict[str, Any]:
    return {
        "prompt_tokens": p,
        "completion_tokens": c,
        "total_tokens": p + c,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def chat_small() -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench-small-0001",
        "object": "chat.completion",
        "created": CREATED,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": text(130),
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": _chat_usage(19, 150),
        "service_tier": "default",
        "system_fingerprint": "fp_bench0001",
    }


def _token_logprob(i: int, top: int) -> dict[str, Any]:
    tok = delta_text(i)
    b = list(tok.encode())
    return {
        "token": tok,
        "logprob": -0.001 * (i % 97) - 0.0001,
        "bytes": b,
        "top_logprobs": [
            {"token": delta_text(i + k), "logprob": -0.5 * (k + 1), "bytes": list(delta_text(i + k).encode())}
            for k in range(top)
        ],
    }


def chat_large(target: int = LARGE_TARGET) -> dict[str, Any]:
    """Several choices, each with tool calls and token logprobs, grown to ~target bytes."""

    def build(n_tokens: int) -> dict[str, Any]:
        choices = []
        for c in range(4):
            choices.append(
                {
                    "index": c,
                    "message": {
                        "role": "assistant",
                        "content": text(60, seed=c),
                        "refusal": None,
                        "annotations": [],
                        "tool_calls": [
                            {
                                "id": f"call_bench_{c}_{k}",
                                "type": "function",
                                "function": {
                                    "name": f"lookup_{k}",
                                    "arguments": json.dumps({"query": text(8, seed=k), "limit": k + 1, "exact": bool(k % 2)}),
                                },
                            }
                            for k in range(6)
                        ],
                    },
                    "logprobs": {"content": [_token_logprob(c * 1000 + i, 3) for i in range(n_tokens)], "refusal": None},
                    "finish_reason": "tool_calls",
                }
            )
        return {
            "id": "chatcmpl-bench-large-0001",
            "object": "chat.completion",
            "created": CREATED,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": choices,
            "usage": _chat_usage(412, 4 * n_tokens),
            "service_tier": "default",
            "system_fingerprint": "fp_bench0001",
        }

    return _grow(build, target)


def _grow(build: Any, target: int) -> dict[str, Any]:
    one, two = len(dumps(build(1))), len(dumps(build(2)))
    n = max(1, round((target - one) / max(1, two - one)) + 1)
    return build(n)  # type: ignore[no-any-return]


def chat_chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench-sse-0001",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_bench0001",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def chat_stream(n_events: int) -> list[tuple[str | None, bytes]]:
    """(event name, data) pairs; the stream ends with ``data: [DONE]`` (not counted)."""
    deltas = n_events - 3
    out: list[tuple[str | None, bytes]] = [(None, dumps(chat_chunk({"role": "assistant", "content": ""})))]
    out += [(None, dumps(chat_chunk({"content": delta_text(i)}))) for i in range(deltas)]
    out.append((None, dumps(chat_chunk({}, "stop"))))
    usage_chunk = chat_chunk({})
    usage_chunk["choices"] = []
    usage_chunk["usage"] = _chat_usage(19, deltas)
    out.append((None, dumps(usage_chunk)))
    out.append((None, b"[DONE]"))
    return out


# --------------------------------------------------------------------------- responses


def _response(output: list[dict[str, Any]], status: str = "completed", out_tokens: int = 150) -> dict[str, Any]:
    return {
        "id": "resp_bench0001",
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "completed_at": CREATED + 1 if status == "completed" else None,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": "gpt-5-mini-2025-08-07",
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "low", "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": 19,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": out_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 19 + out_tokens,
        }
        if status == "completed"
        else None,
        "user": None,
        "metadata": {},
    }


def _resp_message(i: int, body: str, annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"msg_bench{i:04d}",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": body, "annotations": annotations or [], "logprobs": []}],
    }


def responses_small() -> dict[str, Any]:
    return _response([_resp_message(0, text(90))])


def responses_large(target: int = LARGE_TARGET) -> dict[str, Any]:
    """Many output items: reasoning summaries, function calls, and messages with citations."""

    def build(n_groups: int) -> dict[str, Any]:
        output: list[dict[str, Any]] = []
        for g in range(n_groups):
            output.append(
                {
                    "type": "reasoning",
                    "id": f"rs_bench{g:04d}",
                    "summary": [{"type": "summary_text", "text": text(25, seed=g)}],
                }
            )
            output.append(
                {
                    "type": "function_call",
                    "id": f"fc_bench{g:04d}",
                    "call_id": f"call_bench{g:04d}",
                    "name": "get_weather",
                    "arguments": json.dumps({"city": text(2, seed=g), "unit": "celsius"}),
                    "status": "completed",
                }
            )
            body = text(40, seed=g)
            output.append(
                _resp_message(
                    g,
                    body,
                    [
                        {"type": "url_citation", "start_index": k * 10, "end_index": k * 10 + 9, "url": f"https://example.com/doc/{g}/{k}", "title": f"Source {g}.{k}"}
                        for k in range(2)
                    ],
                )
            )
        return _response(output, out_tokens=60 * n_groups)

    return _grow(build, target)


def responses_stream(n_events: int) -> list[tuple[str | None, bytes]]:
    deltas = n_events - 8
    item_id = "msg_bench_sse"
    seq = 0
    out: list[tuple[str | None, bytes]] = []

    def ev(obj: dict[str, Any]) -> None:
        nonlocal seq
        obj = {"type": obj["type"], "sequence_number": seq, **{k: v for k, v in obj.items() if k != "type"}}
        seq += 1
        out.append((obj["type"], dumps(obj)))

    full = "".join(delta_text(i) for i in range(deltas))
    ev({"type": "response.created", "response": _response([], status="in_progress")})
    ev({"type": "response.in_progress", "response": _response([], status="in_progress")})
    empty_item = {"type": "message", "id": item_id, "status": "in_progress", "role": "assistant", "content": []}
    ev({"type": "response.output_item.added", "output_index": 0, "item": empty_item})
    ev({"type": "response.content_part.added", "item_id": item_id, "output_index": 0, "content_index": 0,
        "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []}})
    for i in range(deltas):
        ev({"type": "response.output_text.delta", "item_id": item_id, "output_index": 0, "content_index": 0,
            "delta": delta_text(i), "logprobs": []})
    ev({"type": "response.output_text.done", "item_id": item_id, "output_index": 0, "content_index": 0,
        "text": full, "logprobs": []})
    part = {"type": "output_text", "text": full, "annotations": [], "logprobs": []}
    ev({"type": "response.content_part.done", "item_id": item_id, "output_index": 0, "content_index": 0, "part": part})
    item = {"type": "message", "id": item_id, "status": "completed", "role": "assistant", "content": [part]}
    ev({"type": "response.output_item.done", "output_index": 0, "item": item})
    ev({"type": "response.completed", "response": _response([item], out_tokens=deltas)})
    return out


# --------------------------------------------------------------------------- messages


def _message(content: list[dict[str, Any]], out_tokens: int, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_bench0001",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 23,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": out_tokens,
            "service_tier": "standard",
        },
    }


def messages_small() -> dict[str, Any]:
    return _message([{"type": "text", "text": text(140)}], 150)


def messages_large(target: int = LARGE_TARGET) -> dict[str, Any]:
    """Many content blocks: thinking, text and tool_use."""

    def build(n_groups: int) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        for g in range(n_groups):
            content.append({"type": "thinking", "thinking": text(30, seed=g), "signature": "EqQBCgIYAhIM" + "a" * 40})
            content.append({"type": "text", "text": text(35, seed=g + 1)})
            content.append(
                {
                    "type": "tool_use",
                    "id": f"toolu_bench{g:04d}",
                    "name": "retrieve_entity_info",
                    "input": {"name": text(2, seed=g), "fields": ["age", "city", "role"], "depth": g % 4},
                }
            )
        return _message(content, 60 * n_groups, stop="tool_use")

    return _grow(build, target)


def messages_stream(n_events: int) -> list[tuple[str | None, bytes]]:
    deltas = n_events - 6
    out: list[tuple[str | None, bytes]] = []

    def ev(obj: dict[str, Any]) -> None:
        out.append((obj["type"], dumps(obj)))

    start = _message([], 1)
    start["stop_reason"] = None
    ev({"type": "message_start", "message": start})
    ev({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
    ev({"type": "ping"})
    for i in range(deltas):
        ev({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": delta_text(i)}})
    ev({"type": "content_block_stop", "index": 0})
    ev({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": deltas}})
    ev({"type": "message_stop"})
    return out


# --------------------------------------------------------------------------- tables

BODIES = {
    ("chat", "small"): chat_small,
    ("chat", "large"): chat_large,
    ("responses", "small"): responses_small,
    ("responses", "large"): responses_large,
    ("messages", "small"): messages_small,
    ("messages", "large"): messages_large,
}
STREAMS = {"chat": chat_stream, "responses": responses_stream, "messages": messages_stream}


def stream_text_chars(endpoint: str, n_events: int) -> int:
    """Total characters of streamed text deltas: every client must count exactly this many."""
    n = n_events - {"chat": 3, "responses": 8, "messages": 6}[endpoint]
    return sum(len(delta_text(i)) for i in range(n))


def sse_bytes(events: list[tuple[str | None, bytes]]) -> list[bytes]:
    """One SSE event per element (the server sends each as one HTTP chunk)."""
    out = []
    for name, data in events:
        head = b"event: " + name.encode() + b"\n" if name else b""
        out.append(head + b"data: " + data + b"\n\n")
    return out


def check_all(n_events: int = 200) -> list[str]:
    """Validate every body and stream event with relaykit's, openai's and anthropic's models.
    Returns the problems found (empty = all valid)."""
    import pydantic

    problems: list[str] = []

    def check(label: str, model: Any, data: bytes) -> None:
        try:
            pydantic.TypeAdapter(model).validate_json(data)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{label}: {str(exc)[:300]}")

    import relaykit.types as rk

    sdk: dict[str, tuple[Any, Any]] = {}
    try:
        import openai.types.chat as oc
        import openai.types.responses as orr

        sdk["chat"] = (oc.ChatCompletion, oc.ChatCompletionChunk)
        sdk["responses"] = (orr.Response, orr.ResponseStreamEvent)
    except ImportError:
        pass
    try:
        import anthropic.types as at

        sdk["messages"] = (at.Message, at.RawMessageStreamEvent)
    except ImportError:
        pass
    ours = {
        "chat": (rk.ChatCompletion, rk.ChatCompletionChunk),
        "responses": (rk.Response, rk.ResponseStreamEvent),
        "messages": (rk.Message, rk.MessageStreamEvent),
    }
    for (ep, size), fn in BODIES.items():
        data = dumps(fn())
        check(f"relaykit {ep}/{size}", ours[ep][0], data)
        if ep in sdk:
            check(f"sdk {ep}/{size}", sdk[ep][0], data)
    for ep, fn in STREAMS.items():
        for name, data in fn(n_events):
            if data == b"[DONE]":
                continue
            check(f"relaykit {ep} stream {name}", ours[ep][1], data)
            if ep in sdk and name != "ping":  # the SDK's stream drops pings before parsing
                check(f"sdk {ep} stream {name}", sdk[ep][1], data)
    return problems


if __name__ == "__main__":
    for (ep, size), fn in BODIES.items():
        print(f"{ep:10s} {size:6s} {len(dumps(fn())):7d} bytes")
    for ep, fn in STREAMS.items():
        evs = fn(20_000)
        print(f"{ep:10s} sse    {sum(map(len, sse_bytes(evs))):7d} bytes, {len(evs)} events")
    found = check_all()
    print("\n".join(found) if found else "all bodies and events valid for relaykit, openai and anthropic")

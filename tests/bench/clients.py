"""The clients compared, each behind the same tiny interface.

Every client makes the same request (same JSON body fields) through its normal public API and
does the same work with the answer:
  - ``call(ep, model)``: one non-stream request; returns the parsed body (raw: ``json.loads``).
  - ``stream(ep, model)``: one SSE request; touches the text of every event and returns
    (events seen, text characters seen), so the harness can check every client saw everything.
Async twins: ``acall`` / ``astream``.

Clients: raw (httpx + json.loads, the floor), relaykit, openai (chat, responses), anthropic
(messages), plus ``socket`` (a blocking socket with a pre-built request: the server + loopback
floor, used only to show the server is not the bottleneck).
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import payloads

API_KEY = "bench-key"
PROMPT = "Say hello to the benchmark."


def request_kwargs(ep: str, model: str, stream: bool) -> dict[str, Any]:
    """Keyword arguments of the call, identical for every client (and the raw JSON body)."""
    if ep == "chat":
        kw: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 64}
    elif ep == "responses":
        kw = {"model": model, "input": PROMPT, "max_output_tokens": 64}
    elif ep == "messages":
        kw = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": PROMPT}]}
    else:
        raise ValueError(ep)
    if stream:
        kw["stream"] = True
    return kw


# --------------------------------------------------------------------------- event touching
# The same work for every client: read the text of every event.


def touch_raw(ep: str, obj: dict[str, Any]) -> int:
    if ep == "chat":
        n = 0
        for c in obj["choices"]:
            t = c["delta"].get("content")
            if t:
                n += len(t)
        return n
    if ep == "responses":
        return len(obj["delta"]) if obj["type"] == "response.output_text.delta" else 0
    if obj["type"] == "content_block_delta" and obj["delta"]["type"] == "text_delta":
        return len(obj["delta"]["text"])
    return 0


def touch_typed(ep: str, ev: Any) -> int:
    if ep == "chat":
        n = 0
        for c in ev.choices:
            t = c.delta.content
            if t:
                n += len(t)
        return n
    if ep == "responses":
        return len(ev.delta) if ev.type == "response.output_text.delta" else 0
    if ev.type == "content_block_delta" and ev.delta.type == "text_delta":
        return len(ev.delta.text)
    return 0


# --------------------------------------------------------------------------- raw httpx


def _raw_headers(ep: str) -> dict[str, str]:
    if ep == "messages":
        return {"x-api-key": API_KEY, "anthropic-version": "2023-06-01"}
    return {"authorization": f"Bearer {API_KEY}"}


class RawSync:
    name, mode = "raw", "sync"

    def __init__(self, base_url: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=base_url, timeout=60.0)
        self.headers = {ep: _raw_headers(ep) for ep in payloads.ENDPOINTS}

    def call(self, ep: str, model: str) -> Any:
        r = self.http.post(payloads.PATHS[ep], json=request_kwargs(ep, model, False), headers=self.headers[ep])
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
        return json.loads(r.content)

    def stream(self, ep: str, model: str) -> tuple[int, int]:
        events = chars = 0
        with self.http.stream("POST", payloads.PATHS[ep], json=request_kwargs(ep, model, True), headers=self.headers[ep]) as r:
            if r.status_code != 200:
                raise RuntimeError(f"HTTP {r.status_code}")
            for line in r.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    chars += touch_raw(ep, json.loads(data))
                    events += 1
        return events, chars

    def close(self) -> None:
        self.http.close()


class RawAsync:
    name, mode = "raw", "async"

    def __init__(self, base_url: str) -> None:
        import httpx

        self.http = httpx.AsyncClient(base_url=base_url, timeout=60.0)
        self.headers = {ep: _raw_headers(ep) for ep in payloads.ENDPOINTS}

    async def acall(self, ep: str, model: str) -> Any:
        r = await self.http.post(payloads.PATHS[ep], json=request_kwargs(ep, model, False), headers=self.headers[ep])
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
        return json.loads(r.content)

    async def astream(self, ep: str, model: str) -> tuple[int, int]:
        events = chars = 0
        async with self.http.stream("POST", payloads.PATHS[ep], json=request_kwargs(ep, model, True), headers=self.headers[ep]) as r:
            if r.status_code != 200:
                raise RuntimeError(f"HTTP {r.status_code}")
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    chars += touch_raw(ep, json.loads(data))
                    events += 1
        return events, chars

    async def aclose(self) -> None:
        await self.http.aclose()


# --------------------------------------------------------------------------- typed clients


def _resource(client: Any, ep: str) -> Any:
    if ep == "chat":
        return client.chat.completions
    return getattr(client, ep)


class _TypedSync:
    name = "?"
    mode = "sync"
    client: Any

    def call(self, ep: str, model: str) -> Any:
        return _resource(self.client, ep).create(**request_kwargs(ep, model, False))

    def stream(self, ep: str, model: str) -> tuple[int, int]:
        events = chars = 0
        with _resource(self.client, ep).create(**request_kwargs(ep, model, True)) as s:
            for ev in s:
                chars += touch_typed(ep, ev)
                events += 1
        return events, chars

    def close(self) -> None:
        self.client.close()


class _TypedAsync:
    name = "?"
    mode = "async"
    client: Any

    async def acall(self, ep: str, model: str) -> Any:
        return await _resource(self.client, ep).create(**request_kwargs(ep, model, False))

    async def astream(self, ep: str, model: str) -> tuple[int, int]:
        events = chars = 0
        s = await _resource(self.client, ep).create(**request_kwargs(ep, model, True))
        async with s:
            async for ev in s:
                chars += touch_typed(ep, ev)
                events += 1
        return events, chars

    async def aclose(self) -> None:
        await self.client.close()


class RelaykitSync(_TypedSync):
    name = "relaykit"

    def __init__(self, base_url: str) -> None:
        import relaykit

        self.client = relaykit.Client(api_key=API_KEY, base_url=base_url, max_retries=0)


class RelaykitAsync(_TypedAsync):
    name = "relaykit"

    def __init__(self, base_url: str) -> None:
        import relaykit

        self.client = relaykit.AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0)


class OpenAISync(_TypedSync):
    name = "openai"

    def __init__(self, base_url: str) -> None:
        import openai

        self.client = openai.OpenAI(api_key=API_KEY, base_url=base_url + "/v1", max_retries=0)


class OpenAIAsync(_TypedAsync):
    name = "openai"

    def __init__(self, base_url: str) -> None:
        import openai

        self.client = openai.AsyncOpenAI(api_key=API_KEY, base_url=base_url + "/v1", max_retries=0)


class AnthropicSync(_TypedSync):
    name = "anthropic"

    def __init__(self, base_url: str) -> None:
        import anthropic

        self.client = anthropic.Anthropic(api_key=API_KEY, base_url=base_url, max_retries=0)


class AnthropicAsync(_TypedAsync):
    name = "anthropic"

    def __init__(self, base_url: str) -> None:
        import anthropic

        self.client = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=base_url, max_retries=0)


SDK_FOR = {"chat": "openai", "responses": "openai", "messages": "anthropic"}
SYNC = {"raw": RawSync, "relaykit": RelaykitSync, "openai": OpenAISync, "anthropic": AnthropicSync}
ASYNC = {"raw": RawAsync, "relaykit": RelaykitAsync, "openai": OpenAIAsync, "anthropic": AnthropicAsync}


# --------------------------------------------------------------------------- socket floor

_CL = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


class SocketFloor:
    """A blocking keep-alive socket sending a pre-built request and reading exactly the
    content-length: what the server and loopback cost with (almost) no client at all."""

    name, mode = "socket", "sync"

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host = f"{host}:{port}"
        self.requests: dict[tuple[str, str], bytes] = {}

    def _request(self, ep: str, model: str) -> bytes:
        key = (ep, model)
        req = self.requests.get(key)
        if req is None:
            body = payloads.dumps(request_kwargs(ep, model, False))
            req = (
                f"POST {payloads.PATHS[ep]} HTTP/1.1\r\nhost: {self.host}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\n\r\n"
            ).encode() + body
            self.requests[key] = req
        return req

    def call(self, ep: str, model: str) -> bytes:
        self.sock.sendall(self._request(ep, model))
        buf = b""
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                m = _CL.search(buf, 0, end)
                total = end + 4 + int(m.group(1))  # type: ignore[union-attr]
                while len(buf) < total:
                    buf += self.sock.recv(262144)
                return buf[end + 4 : total]
            chunk = self.sock.recv(262144)
            if not chunk:
                raise RuntimeError("server closed")
            buf += chunk

    def close(self) -> None:
        self.sock.close()

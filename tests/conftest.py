from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import relaykit
from relaykit import _tasks

from .fake_tasks import FakeClock, FakeTaskServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """An in-process transport: answers from a queue of responses (or a handler) and keeps
    every request it saw."""

    def __init__(self, *responses: httpx.Response | Handler | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        if callable(item):
            return item(request)
        return item

    def json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr("relaykit._base_client.time.sleep", waits.append)

    async def fake_sleep(delay: float) -> None:
        waits.append(delay)

    monkeypatch.setattr("relaykit._base_client._sleep", fake_sleep)
    return waits


def make_client(recorder: Recorder, **kwargs: Any) -> relaykit.Client:
    kwargs.setdefault("api_key", "sk-test-secret-123")
    kwargs.setdefault("base_url", "http://127.0.0.1:9")
    return relaykit.Client(http_client=httpx.Client(transport=httpx.MockTransport(recorder)), **kwargs)


def make_async_client(recorder: Recorder, **kwargs: Any) -> relaykit.AsyncClient:
    kwargs.setdefault("api_key", "sk-test-secret-123")
    kwargs.setdefault("base_url", "http://127.0.0.1:9")
    return relaykit.AsyncClient(http_client=httpx.AsyncClient(transport=httpx.MockTransport(recorder)), **kwargs)


def sse(*events: tuple[str | None, Any] | str) -> bytes:
    """An SSE body; each event is (name, payload) or a raw string."""
    out = []
    for event in events:
        if isinstance(event, str):
            out.append(event)
            continue
        name, payload = event
        data = payload if isinstance(payload, str) else json.dumps(payload)
        out.append((f"event: {name}\n" if name else "") + f"data: {data}\n\n")
    return "".join(out).encode()


def stream_response(body: bytes | list[bytes], status: int = 200) -> httpx.Response:
    chunks = body if isinstance(body, list) else [body]
    return httpx.Response(status, headers={"content-type": "text/event-stream"}, stream=httpx.ByteStream(b"".join(chunks)) if len(chunks) == 1 else _Chunks(chunks))


class _Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for chunk in self.chunks:
            yield chunk


# -- Prism mock server ------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_prism(spec: Path, log_name: str = "prism.log") -> Iterator[str]:
    """Prism serving ``spec`` on 127.0.0.1 until the block ends; it validates every request
    against the spec and answers with the spec's examples."""
    import subprocess
    import time

    binary = ROOT / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        pytest.fail("Prism is not installed: run `make install` (npm ci)")
    port = _free_port()
    log = open(ROOT / ".pytest_cache" / log_name, "w") if (ROOT / ".pytest_cache").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen(
        [str(binary), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Prism exited with {proc.returncode}")
            try:
                httpx.get(url + "/__ready", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("Prism did not start within 60 s")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def every_body_form(doc: dict[str, Any]) -> dict[str, Any]:
    """The published spec with the request body forms it lists under x-relaykit-alternative-bodies
    (generator/publish.py) back in requestBody, where the client may send them."""
    for item in doc["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "x-relaykit-alternative-bodies" in op:
                op["requestBody"]["content"].update(op.pop("x-relaykit-alternative-bodies"))
    return doc


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism serving the published spec, spec/dist/openapi.json, with every body form the client
    sends (see every_body_form). Stopped when the session ends. tests/test_consumers.py serves
    the published spec exactly as it is, for other languages' clients."""
    spec = tmp_path_factory.mktemp("prism") / "openapi.json"
    published = json.loads((ROOT / "spec" / "dist" / "openapi.json").read_text(encoding="utf-8"))
    spec.write_text(json.dumps(every_body_form(published)), encoding="utf-8")
    with serve_prism(spec) as url:
        yield url


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The task runtime's clock, replaced: waits return at once and their sleeps are recorded."""
    fake = FakeClock()
    monkeypatch.setattr(_tasks, "clock", fake)
    return fake


@pytest.fixture
def server() -> Iterator[FakeTaskServer]:
    """The fake task gateway, started on 127.0.0.1 and stopped after the test."""
    fake = FakeTaskServer().start()
    try:
        yield fake
    finally:
        fake.stop()

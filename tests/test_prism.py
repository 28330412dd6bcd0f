"""Every operation, sync and async, against Prism serving the bundled spec. Prism rejects a
request that does not match the spec (wrong path, missing auth, invalid body), and answers
with the spec's examples, which must parse into the declared models."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pydantic
import pytest
import relaykit
from relaykit._operation import Operation

from generator.operations import snake

from .spec_index import SpecOp, spec_ops

pytestmark = pytest.mark.prism


def descriptor(op: SpecOp) -> Operation:
    module = importlib.import_module(f"relaykit.resources.{op.spec['x-relaykit-resource'].split('.')[0]}")
    return getattr(module, "_" + snake(op.spec["operationId"]).upper())  # type: ignore[no-any-return]


def method_of(client: Any, op: SpecOp) -> Any:
    target = client
    for attr in op.spec["x-relaykit-resource"].split("."):
        target = getattr(target, attr)
    return getattr(target, op.spec["x-relaykit-method"])


def arguments(op: SpecOp) -> tuple[list[Any], dict[str, Any]]:
    """Positional path arguments and keyword arguments built from the spec's own examples."""
    desc = descriptor(op)
    positional: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in op.spec.get("parameters", []):
        schema = param.get("schema", {})
        value = param.get("example", schema.get("example", schema.get("default")))
        if param["in"] == "path":
            positional.append(value or "test-id")
        elif param.get("required") and value is not None:
            kwargs[snake(param["name"])] = value
    content = (op.spec.get("requestBody") or {}).get("content", {})
    for index, media in enumerate(content.values()):
        if not media.get("examples"):
            continue
        body = dict(next(iter(media["examples"].values()))["value"])
        params = {p.wire: p for p in desc.bodies[index].params}
        extra = {k: v for k, v in body.items() if k not in params}
        for wire, value in body.items():
            if wire not in params:
                continue
            if params[wire].file:  # the example holds a placeholder: send real bytes
                upload = ("upload.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
                # The published spec gives one file for a one-or-many file field as a
                # one-element list; the client takes the file itself (a list goes out as image[]).
                value = [upload for _ in value] if isinstance(value, list) and len(value) > 1 else upload
            kwargs[params[wire].py] = value
        if extra:
            kwargs["extra_body"] = extra
        break
    return positional, kwargs


def multi_segment_routes(op: SpecOp) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, parameter) of the operations a test of ``op`` calls (it and its
    task's fetch) whose path parameter spans several segments (x-relaykit-multi-segment)."""
    ops = {o.spec["operationId"]: o for o in spec_ops()}
    called = [op] + ([ops[op.spec["x-relaykit-task"]["fetch"]]] if op.spec.get("x-relaykit-task") else [])
    routes = []
    for o in called:
        for param in o.spec.get("parameters", []):
            if param.get("x-relaykit-multi-segment"):
                pattern = "".join(
                    f"(?P<{m[1]}>.+)" if m[1] == param["name"] else "[^/]+" if m[1] else re.escape(m[0])
                    for m in re.finditer(r"\{([^}]+)\}|[^{]+", o.path)
                )
                routes.append((o.method.upper(), re.compile(pattern), param["name"]))
    return routes


def prism_hooks(op: SpecOp, is_async: bool) -> dict[str, Any]:
    """httpx event hooks for Prism. The client sends a multi-segment name with its slashes, as
    the gateways want; Prism follows OpenAPI, where a path parameter is one segment, so for it
    the slashes of that parameter are escaped (tests/test_video_veo_vidu.py checks the raw wire)."""
    routes = multi_segment_routes(op)
    if not routes:
        return {}

    def escape(request: httpx.Request) -> None:
        path = request.url.path
        for method, pattern, name in routes:
            match = pattern.fullmatch(path)
            if request.method == method and match:
                start, end = match.span(name)
                raw = path[:start] + match[name].replace("/", "%2F") + path[end:]
                request.url = request.url.copy_with(raw_path=raw.encode() + (b"?" + request.url.query if request.url.query else b""))
                return

    async def async_escape(request: httpx.Request) -> None:
        escape(request)

    return {"event_hooks": {"request": [async_escape if is_async else escape]}}


PRISM_CLIENT = {"api_key": "sk-prism", "access_token": "at-prism", "user_id": 1, "max_retries": 0}


@contextlib.contextmanager
def prism_client(prism_url: str, op: SpecOp) -> Iterator[relaykit.Client]:
    hooks = prism_hooks(op, False)
    http = httpx.Client(timeout=60, **hooks) if hooks else None
    try:
        with relaykit.Client(base_url=prism_url, http_client=http, **PRISM_CLIENT) as client:
            yield client
    finally:
        if http is not None:
            http.close()


@contextlib.asynccontextmanager
async def async_prism_client(prism_url: str, op: SpecOp) -> AsyncIterator[relaykit.AsyncClient]:
    hooks = prism_hooks(op, True)
    http = httpx.AsyncClient(timeout=60, **hooks) if hooks else None
    try:
        async with relaykit.AsyncClient(base_url=prism_url, http_client=http, **PRISM_CLIENT) as client:
            yield client
    finally:
        if http is not None:
            await http.aclose()


def stream_modes(op: SpecOp) -> list[bool | None]:
    stream = op.spec.get("x-relaykit-stream")
    if not stream:
        return [None]
    if not stream.get("param"):
        return [True]
    return [False, True]


CASES = [pytest.param(op, mode, id=f"{op.spec['operationId']}-{'stream' if mode else 'plain'}") for op in spec_ops() for mode in stream_modes(op)]


def prepare(op: SpecOp, mode: bool | None) -> tuple[list[Any], dict[str, Any]]:
    positional, kwargs = arguments(op)
    stream = op.spec.get("x-relaykit-stream") or {}
    if stream.get("param"):
        py = snake(stream["param"])
        if mode:
            kwargs[py] = stream.get("value", True)
        else:
            kwargs.pop(py, None)
    return positional, kwargs


def check_result(op: SpecOp, mode: bool | None, result: Any, events: list[Any]) -> None:
    if mode:
        assert events, f"{op.label}: the stream yielded no events"
        for event in events:
            assert isinstance(event, relaykit.BaseModel)
    elif isinstance(result, (relaykit.BinaryResponse, relaykit.AsyncBinaryResponse)):
        assert result.status_code == 200 and result.content
    elif op.spec.get("x-relaykit-page"):
        assert isinstance(result, (relaykit.SyncPage, relaykit.AsyncPage)) and isinstance(result.result, relaykit.BaseModel)
        assert result.items and all(isinstance(item, relaykit.BaseModel) for item in result.items)
    elif op.response_schema:
        assert isinstance(result, (relaykit.BaseModel, pydantic.RootModel, str))


@pytest.mark.parametrize(("op", "mode"), CASES)
def test_sync(prism_url: str, op: SpecOp, mode: bool | None) -> None:
    positional, kwargs = prepare(op, mode)
    with prism_client(prism_url, op) as client:
        result = method_of(client, op)(*positional, **kwargs)
        events = []
        if mode:
            with result as stream:
                events = list(stream)
        check_result(op, mode, result, events)


@pytest.mark.parametrize(("op", "mode"), CASES)
def test_async(prism_url: str, op: SpecOp, mode: bool | None) -> None:
    positional, kwargs = prepare(op, mode)

    async def run() -> None:
        async with async_prism_client(prism_url, op) as client:
            result = await method_of(client, op)(*positional, **kwargs)
            events = []
            if mode:
                async with result as stream:
                    events = [event async for event in stream]
            check_result(op, mode, result, events)

    asyncio.run(run())


def test_prism_rejects_a_request_the_spec_forbids(prism_url: str) -> None:
    # The mock really validates: a body the spec does not allow is refused.
    with relaykit.Client(api_key="sk-prism", access_token="at-prism", user_id=1, base_url=prism_url, max_retries=0) as client:
        with pytest.raises(relaykit.APIStatusError) as info:
            client.request("POST", "/v1/chat/completions", body={"messages": "not a list"})
        assert info.value.status_code in (400, 422)


def test_prism_rejects_a_multipart_body_without_its_file(prism_url: str) -> None:
    # Multipart bodies are validated too: a transcription without its file is refused.
    response = httpx.post(
        prism_url + "/v1/audio/transcriptions",
        headers={"authorization": "Bearer sk-prism"},
        files={"model": (None, "whisper-1")},
    )
    assert response.status_code == 422


TASK_OPS = [pytest.param(op, id=op.spec["operationId"]) for op in spec_ops() if op.spec.get("x-relaykit-task")]


@pytest.mark.parametrize("op", TASK_OPS)
def test_and_wait_sync_and_async(prism_url: str, op: SpecOp) -> None:
    # The submission and the fetches both pass Prism's validation; its first fetch example is final.
    positional, kwargs = arguments(op)
    name = op.spec["x-relaykit-method"] + "_and_wait"
    with prism_client(prism_url, op) as client:
        done = getattr(method_of(client, op).__self__, name)(*positional, **kwargs)
        assert isinstance(done, relaykit.BaseModel)

    async def run() -> None:
        async with async_prism_client(prism_url, op) as client:
            done = await getattr(method_of(client, op).__self__, name)(*positional, **kwargs)
            assert isinstance(done, relaykit.BaseModel)

    asyncio.run(run())


def test_prism_refuses_the_account_api_without_the_user_header(prism_url: str) -> None:
    # The management API's security is checked too: the access token alone is not enough for
    # new-api's /api/user/self, which also needs New-Api-User.
    response = httpx.get(prism_url + "/api/user/self", headers={"authorization": "Bearer at-prism"})
    assert response.status_code == 401
    response = httpx.get(prism_url + "/api/user/self", headers={"authorization": "Bearer at-prism", "new-api-user": "1"})
    assert response.status_code == 200

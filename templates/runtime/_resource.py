"""Base classes of the generated resources, and the raw-response wrappers."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from ._base_client import RAW_RESPONSE_HEADER, STREAM_BODY_HEADER
from ._response import RawResponse

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient

P = ParamSpec("P")
R = TypeVar("R")


class SyncResource:
    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client


class AsyncResource:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client


def _mark(kwargs: dict[str, Any], header: str) -> None:
    headers = dict(kwargs.get("extra_headers") or {})
    headers[header] = "1"
    kwargs["extra_headers"] = headers


def to_raw(method: Callable[P, R]) -> Callable[P, RawResponse[R]]:
    """The same method, returning a RawResponse (status, headers, request id, ``parse()``)."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        _mark(kwargs, RAW_RESPONSE_HEADER)
        return method(*args, **kwargs)  # type: ignore[return-value]

    return wrapped


def to_raw_async(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[RawResponse[R]]]:
    """The async twin of ``to_raw``."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        _mark(kwargs, RAW_RESPONSE_HEADER)
        return await method(*args, **kwargs)  # type: ignore[return-value]

    return wrapped


def to_streaming(method: Callable[P, R]) -> Callable[P, R]:
    """The same method, returning before a binary body is read (stream it yourself)."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        _mark(kwargs, STREAM_BODY_HEADER)
        return method(*args, **kwargs)

    return wrapped


def to_streaming_async(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """The async twin of ``to_streaming``."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        _mark(kwargs, STREAM_BODY_HEADER)
        return await method(*args, **kwargs)

    return wrapped

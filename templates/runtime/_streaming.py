"""Typed event streams over SSE responses, for the four stream protocols the gateways speak.

- ``openai-chat``: data-only events ending with ``[DONE]``; a chunk may carry an ``error``.
- ``openai-responses``: events named by ``type``; an ``error`` event raises.
- ``anthropic``: named events; ``ping`` is skipped, ``error`` raises.
- ``gemini``: data-only ``alt=sse`` chunks until the connection closes.

An event of a type this version does not know is yielded as ``UnknownEvent``, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx
import pydantic

from ._errors import APIConnectionError, APITimeoutError, StreamError, describe_error, request_id_of
from ._models import UnknownEvent
from ._sse import ServerSentEvent, SSEDecoder

T = TypeVar("T")

_SKIP = object()
_STOP = object()


class EventDecoder:
    """Turns one SSE event into a typed event, ``_SKIP``, ``_STOP``, or raises StreamError."""

    __slots__ = ("protocol", "_validate", "_is_union")

    def __init__(self, protocol: str, adapter: pydantic.TypeAdapter[Any], is_union: bool) -> None:
        self.protocol = protocol
        self._validate = adapter.validate_json
        self._is_union = is_union

    def __call__(self, sse: ServerSentEvent) -> Any:
        data = sse.data
        if not data.strip():
            return _SKIP  # an empty data field is not an event
        protocol = self.protocol
        if protocol == "openai-chat":
            if data == "[DONE]":
                return _STOP
            if '"error"' in data:
                self._raise_if_error(data, sse.event)
        elif protocol == "anthropic":
            if sse.event == "ping":
                return _SKIP
            if sse.event == "error":
                self._raise_if_error(data, sse.event, always=True)
        elif protocol == "openai-responses":
            if sse.event == "error" or data.startswith('{"type":"error"'):
                self._raise_if_error(data, sse.event, always=True)
        elif '"error"' in data:
            self._raise_if_error(data, sse.event)
        try:
            return self._validate(data)
        except pydantic.ValidationError as exc:
            return self._unknown_or_raise(sse, exc)

    def _raise_if_error(self, data: str, event: str | None, always: bool = False) -> None:
        try:
            payload = json.loads(data)
        except ValueError:
            if always:
                raise StreamError(f"stream error event: {data[:500]}", event=data) from None
            return
        if not isinstance(payload, dict):
            return
        inner = payload.get("error")
        is_error = always or payload.get("type") == "error" or (inner and not payload.get("choices"))
        if not is_error:
            return
        message, code, _type, _param = describe_error(payload)
        if message is None and payload.get("type") == "error":
            message = payload.get("message")
        raise StreamError(f"stream error: {message or data[:500]}", event=payload, code=code or payload.get("code"))

    def _unknown_or_raise(self, sse: ServerSentEvent, exc: pydantic.ValidationError) -> Any:
        try:
            payload = json.loads(sse.data)
        except ValueError:
            raise StreamError(f"stream event is not JSON: {sse.data[:200]!r}", event=sse.data) from None
        if self._is_union and any(e["type"] == "union_tag_invalid" for e in exc.errors()):
            etype = payload.get("type") if isinstance(payload, dict) else None
            return UnknownEvent(event=sse.event, type=etype, data=payload)
        raise StreamError(f"stream event does not fit its schema: {exc}", event=payload) from None


class Stream(Generic[T]):
    """An iterator of typed events over an open HTTP response. Use it in a ``with`` block (or
    iterate to the end) so the connection is released."""

    def __init__(self, response: httpx.Response, decoder: EventDecoder) -> None:
        self.response = response
        self._decoder = decoder
        self._iterator = self._events()

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.response.headers)

    def __iter__(self) -> Iterator[T]:
        return self._iterator

    def __next__(self) -> T:
        return next(self._iterator)

    def _events(self) -> Iterator[T]:
        decode = self._decoder
        sse = SSEDecoder()
        try:
            for chunk in self.response.iter_bytes():
                for event in sse.feed(chunk):
                    item = decode(event)
                    if item is _SKIP:
                        continue
                    if item is _STOP:
                        return
                    yield item
            sse.flush()
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"stream timed out: {exc}", request=self.response.request) from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(f"stream broke: {exc}", request=self.response.request) from exc
        finally:
            self.response.close()

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncStream(Generic[T]):
    """The async twin of ``Stream``: ``async for`` over it, inside ``async with``."""

    def __init__(self, response: httpx.Response, decoder: EventDecoder) -> None:
        self.response = response
        self._decoder = decoder
        self._iterator = self._events()

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.response.headers)

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterator

    async def __anext__(self) -> T:
        return await self._iterator.__anext__()

    async def _events(self) -> AsyncIterator[T]:
        decode = self._decoder
        sse = SSEDecoder()
        try:
            async for chunk in self.response.aiter_bytes():
                for event in sse.feed(chunk):
                    item = decode(event)
                    if item is _SKIP:
                        continue
                    if item is _STOP:
                        return
                    yield item
            sse.flush()
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"stream timed out: {exc}", request=self.response.request) from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(f"stream broke: {exc}", request=self.response.request) from exc
        finally:
            await self.response.aclose()

    async def close(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> AsyncStream[T]:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()


StreamFactory = Callable[[httpx.Response], Any]

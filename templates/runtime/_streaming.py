"""Typed event streams over SSE responses, for the stream protocols the gateways speak.

- ``openai-chat``: data-only events ending with ``[DONE]``; a chunk may carry an ``error``.
- ``openai-responses``: events named by ``type``; an ``error`` event raises.
- ``openai-images``: image events named by ``type`` (partial images, then the completed
  image); an ``error`` event or payload raises, a trailing ``[DONE]`` ends the stream.
- ``openai-speech``, ``openai-transcription``: audio and transcript events named by ``type``,
  read as image events are.
- ``anthropic``: named events; ``ping`` is skipped, ``error`` raises.
- ``gemini``: data-only ``alt=sse`` chunks until the connection closes.

An event of a type this version does not know is yielded as ``UnknownEvent``, never dropped.
Relays append ``data: [DONE]`` to every protocol: it ends any stream (and completes only a chat
stream, whose protocol defines it). A connection that breaks or stalls mid-stream raises
``StreamConnectionError`` / ``StreamTimeoutError``, which are StreamErrors, so the events
folded so far are on ``.partial``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic

import httpx
import pydantic
from typing_extensions import TypeVar

from ._bodies import looks_like_events, not_a_stream, stream_body_error
from ._errors import (
    RelaykitError,
    StreamConnectionError,
    StreamError,
    StreamTimeoutError,
    describe_error,
    error_in_body,
    request_id_of,
)
from ._sse import SSEDecoder

if TYPE_CHECKING:
    from ._accumulate import Accumulator
    from ._validation import Validators

# The models and accumulators are imported on first use: importing relaykit stays cheap.

T = TypeVar("T")
F = TypeVar("F", default=Any)  # what the stream accumulates into

_SKIP = object()
_STOP = object()


class EventDecoder:
    """Turns one SSE event into a typed event, ``_SKIP``, ``_STOP``, or raises StreamError.
    ``decode`` is the protocol's own method, chosen once: it runs for every event."""

    __slots__ = ("protocol", "_validators", "_validate", "_is_union", "final", "strict", "decode")

    def __init__(self, protocol: str, validators: Validators, is_union: bool, final: Validators, strict: bool = False) -> None:
        self.protocol = protocol
        self._validators = validators
        self._validate = validators.strict.validate_json if strict else validators.adapter.validate_json
        self._is_union = is_union
        self.final = final  # the accumulated object's validators
        self.strict = strict
        self.decode = {
            "openai-chat": self._chat,
            "anthropic": self._anthropic,
            "openai-responses": self._responses,
            "openai-images": self._typed_events,
            "openai-speech": self._typed_events,
            "openai-transcription": self._typed_events,
            "gemini": self._gemini,
        }[protocol]

    # One method per protocol, each validating inline: they run once per event.

    def _chat(self, event: str | None, data: bytes) -> Any:
        if data == b"[DONE]":
            return _STOP
        if b'"error"' in data:
            self._raise_if_error(data)
        try:
            return self._validate(data)
        except pydantic.ValidationError as exc:
            return self._fallback(event, data, exc)

    def _anthropic(self, event: str | None, data: bytes) -> Any:
        if event == "ping":
            return _SKIP
        if event == "error":
            self._raise_if_error(data, always=True)
        try:
            return self._validate(data)
        except pydantic.ValidationError as exc:
            return self._fallback(event, data, exc)

    def _responses(self, event: str | None, data: bytes) -> Any:
        if event == "error" or data.startswith(b'{"type":"error"'):
            self._raise_if_error(data, always=True)
        try:
            return self._validate(data)
        except pydantic.ValidationError as exc:
            return self._fallback(event, data, exc)

    def _typed_events(self, event: str | None, data: bytes) -> Any:
        """Events tagged by their ``type``, error events, and ``[DONE]`` at the end."""
        if data == b"[DONE]":
            return _STOP
        if event == "error":
            self._raise_if_error(data, always=True)
        if b'"error"' in data:  # base64 data never holds a quote, and text has its quotes escaped
            self._raise_if_error(data)
        try:
            return self._validate(data)
        except pydantic.ValidationError as exc:
            return self._fallback(event, data, exc)

    def _gemini(self, event: str | None, data: bytes) -> Any:
        if b'"error"' in data:
            self._raise_if_error(data)
        try:
            return self._validate(data)
        except pydantic.ValidationError as exc:
            return self._fallback(event, data, exc)

    def _fallback(self, event: str | None, data: bytes, exc: pydantic.ValidationError) -> Any:
        """An event that did not validate: nothing (empty data), the end (``[DONE]``, which
        relays add to every protocol), the event again with bytes that are not UTF-8 replaced,
        the event with the fields the gateway left out absent (lenient), an UnknownEvent (a type
        this version does not know), or a StreamError carrying the payload."""
        if not data or data.isspace():
            return _SKIP
        if data.strip() == b"[DONE]":
            return _STOP
        try:
            payload = json.loads(data)
        except UnicodeDecodeError:
            # A relay that cut a character in two: keep the event, with U+FFFD in its place.
            return self.decode(event, data.decode("utf-8", "replace").encode())
        except ValueError:
            raise StreamError(f"stream event is not JSON: {data[:200]!r}", event=data) from None
        if not self.strict:
            try:
                return self._validators.repair_json(data, exc)
            except pydantic.ValidationError:
                pass
        if self._is_union and not self.strict and any(e["type"] == "union_tag_invalid" and not e["loc"] for e in exc.errors()):
            from ._models import UnknownEvent

            etype = payload.get("type") if isinstance(payload, dict) else None
            return UnknownEvent(event=event, type=etype, data=payload)
        raise StreamError(f"stream event does not fit its schema: {_describe(exc)}", event=payload) from None

    def _raise_if_error(self, data: bytes, always: bool = False) -> None:
        try:
            payload = json.loads(data)
        except ValueError:
            if always:
                raise StreamError(f"stream error event: {data[:500].decode('utf-8', 'replace')}", event=data) from None
            return
        if not isinstance(payload, dict):
            return
        inner = payload.get("error")
        is_error = always or payload.get("type") == "error" or bool(inner)
        if not is_error:
            return
        message, code, _type, _param = describe_error(payload)
        if message is None and payload.get("type") == "error":
            message = payload.get("message")
        raise StreamError(f"stream error: {message or data[:500].decode('utf-8', 'replace')}", event=payload, code=code or payload.get("code"))


def _broken(cls: type[StreamConnectionError], what: str, exc: Exception, response: httpx.Response) -> StreamConnectionError:
    error = cls(f"{what}: {exc or type(exc).__name__}")
    error.request = response.request
    return error


def _check_leftover(response: httpx.Response, rest: bytes) -> None:
    """The bytes left without an event at the end. A JSON error envelope there is a gateway
    that answered a streaming request with a plain error body (and no content type)."""
    if rest[:1] == b"{":
        envelope = error_in_body(response, rest)
        if envelope is not None:
            raise envelope


def _describe(exc: pydantic.ValidationError) -> str:
    from ._models import error_list

    errors = error_list(exc)
    lines = [f"{'.'.join(map(str, e['loc'])) or '(event)'}: {e['msg']}" for e in errors[:5]]
    return f"{len(errors)} problem(s): " + "; ".join(lines)


class _Folding:
    """Accumulation shared by Stream and AsyncStream."""

    _decoder: EventDecoder
    _acc: Accumulator | None
    _started: bool
    _marker_seen: bool

    def _attach(self) -> Accumulator:
        if self._acc is None:
            if self._started:
                raise RelaykitError("call final(), text() or collect() before iterating the stream yourself")
            from ._accumulate import ACCUMULATORS

            self._acc = ACCUMULATORS[self._decoder.protocol]()
        return self._acc

    def _partial(self) -> Any:
        """What arrived so far: the final model if it validates, else the raw dict."""
        assert self._acc is not None
        data = self._acc.result()
        try:
            return self._decoder.final.validate_python(data, self._decoder.strict)
        except pydantic.ValidationError:
            return data

    def _fail(self, exc: StreamError) -> StreamError:
        if self._acc is not None and exc.partial is None:
            exc.partial = self._partial()
        return exc

    def _finish(self) -> Any:
        from ._accumulate import ResponsesAccumulator

        acc = self._acc
        assert acc is not None
        if self._marker_seen:
            acc.mark_done()
        if isinstance(acc, ResponsesAccumulator) and acc.failed is not None:
            error = acc.failed.get("error") or {}
            raise StreamError(f"response failed: {error.get('message') or error or 'no reason given'}", partial=self._partial(), code=error.get("code"))
        if not acc.finished:
            raise StreamError("the stream ended before it was complete", partial=self._partial())
        data = acc.result()
        try:
            return self._decoder.final.validate_python(data, self._decoder.strict)
        except pydantic.ValidationError as exc:
            raise StreamError(f"the accumulated stream does not fit its model: {_describe(exc)}", partial=data) from None


class Stream(_Folding, Generic[T, F]):
    """An iterator of typed events over an open HTTP response. Use it in a ``with`` block (or
    iterate to the end) so the connection is released.

    ``final()`` drains the stream into the object the call would have returned without
    streaming; ``text()`` yields just the text; ``collect()`` yields every event and keeps the
    final object for ``final()``. Call these before iterating the stream yourself.
    """

    def __init__(self, response: httpx.Response, decoder: EventDecoder) -> None:
        self.response = response
        self._decoder = decoder
        self._iterator = self._events()
        self._acc = None
        self._started = False
        self._marker_seen = False

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.response.headers)

    def __iter__(self) -> Iterator[T]:
        self._started = True
        return self._iterator

    def __next__(self) -> T:
        self._started = True
        return next(self._iterator)

    def _events(self) -> Iterator[T]:
        decode = self._decoder.decode
        sse = SSEDecoder()
        try:
            if not_a_stream(self.response.headers):
                # Mislabelled events are still events (the loop below reads the cached body).
                body = self.response.read()
                if not looks_like_events(body):
                    raise stream_body_error(self.response, body)
            for chunk in self.response.iter_bytes():
                for name, data in sse.feed(chunk):
                    item = decode(name, data)
                    if item is _SKIP:
                        continue
                    if item is _STOP:
                        self._marker_seen = True
                        return
                    yield item
            _check_leftover(self.response, sse.unterminated)
            sse.flush()
        except httpx.TimeoutException as exc:
            raise _broken(StreamTimeoutError, "the stream stalled: no data within the read timeout", exc, self.response) from exc
        except httpx.RequestError as exc:
            raise _broken(StreamConnectionError, "the stream broke", exc, self.response) from exc
        finally:
            self.response.close()

    def collect(self) -> Iterator[T]:
        """Yield every event while accumulating them for ``final()``."""
        acc = self._attach()
        self._started = True
        try:
            for event in self._iterator:
                acc.add(event)
                yield event
        except StreamError as exc:
            self._fail(exc)
            raise

    def text(self) -> Iterator[str]:
        """Yield the text pieces of the answer as they arrive (accumulating for ``final()``)."""
        acc = self._attach()
        for event in self.collect():
            piece = acc.text_of(event)
            if piece:
                yield piece

    def final(self) -> F:
        """Drain the stream and return the accumulated final object. Raises StreamError
        (with ``partial``) if the stream carried an error or ended before completing."""
        for _ in self.collect():
            pass
        return self._finish()  # type: ignore[no-any-return]

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> Stream[T, F]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncStream(_Folding, Generic[T, F]):
    """The async twin of ``Stream``: ``async for`` over it, inside ``async with``;
    ``await stream.final()``, ``async for piece in stream.text()``."""

    def __init__(self, response: httpx.Response, decoder: EventDecoder) -> None:
        self.response = response
        self._decoder = decoder
        self._iterator = self._events()
        self._acc = None
        self._started = False
        self._marker_seen = False

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.response.headers)

    def __aiter__(self) -> AsyncIterator[T]:
        self._started = True
        return self._iterator

    async def __anext__(self) -> T:
        self._started = True
        return await self._iterator.__anext__()

    async def _events(self) -> AsyncIterator[T]:
        decode = self._decoder.decode
        sse = SSEDecoder()
        try:
            if not_a_stream(self.response.headers):
                # Mislabelled events are still events (the loop below reads the cached body).
                body = await self.response.aread()
                if not looks_like_events(body):
                    raise stream_body_error(self.response, body)
            async for chunk in self.response.aiter_bytes():
                for name, data in sse.feed(chunk):
                    item = decode(name, data)
                    if item is _SKIP:
                        continue
                    if item is _STOP:
                        self._marker_seen = True
                        return
                    yield item
            _check_leftover(self.response, sse.unterminated)
            sse.flush()
        except httpx.TimeoutException as exc:
            raise _broken(StreamTimeoutError, "the stream stalled: no data within the read timeout", exc, self.response) from exc
        except httpx.RequestError as exc:
            raise _broken(StreamConnectionError, "the stream broke", exc, self.response) from exc
        finally:
            await self.response.aclose()

    async def collect(self) -> AsyncIterator[T]:
        """Yield every event while accumulating them for ``final()``."""
        acc = self._attach()
        self._started = True
        try:
            async for event in self._iterator:
                acc.add(event)
                yield event
        except StreamError as exc:
            self._fail(exc)
            raise

    async def text(self) -> AsyncIterator[str]:
        """Yield the text pieces of the answer as they arrive (accumulating for ``final()``)."""
        acc = self._attach()
        async for event in self.collect():
            piece = acc.text_of(event)
            if piece:
                yield piece

    async def final(self) -> F:
        """Drain the stream and return the accumulated final object (see ``Stream.final``)."""
        async for _ in self.collect():
            pass
        return self._finish()  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> AsyncStream[T, F]:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

"""Raw access to an HTTP response: status, headers, request id, and the parsed body on demand."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Generic, TypeVar

import httpx

from ._errors import request_id_of

T = TypeVar("T")


class _ResponseInfo:
    """Status, headers and request id of an HTTP response."""

    def __init__(self, response: httpx.Response) -> None:
        self.http_response = response

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.http_response.headers)


class RawResponse(_ResponseInfo, Generic[T]):
    """What ``with_raw_response`` methods return. ``parse()`` gives what the normal method would
    have returned (a model, or a stream for streaming calls)."""

    def __init__(self, response: httpx.Response, parse: Callable[[], Any]) -> None:
        super().__init__(response)
        self._parse = parse
        self._parsed: Any = None
        self._done = False

    @property
    def content(self) -> bytes:
        return self.http_response.content

    @property
    def text(self) -> str:
        return self.http_response.text

    def json(self) -> Any:
        return self.http_response.json()

    def parse(self) -> T:
        if not self._done:
            self._parsed = self._parse()
            self._done = True
        return self._parsed  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {self.http_response.request.method} {self.http_response.request.url.path}>"


class _BinaryBase(_ResponseInfo):
    @property
    def content_type(self) -> str:
        value: str = self.http_response.headers.get("content-type", "application/octet-stream")
        return value

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] {self.content_type}>"


class BinaryResponse(_BinaryBase):
    """A binary body (audio, images). From a normal call it is already read: ``content``.
    From ``with_streaming_response`` it is not: ``iter_bytes()`` or ``write_to_file()`` stream
    it chunk by chunk, so a large body never sits in memory; use it in a ``with`` block."""

    @property
    def content(self) -> bytes:
        return self.http_response.read()

    def iter_bytes(self, chunk_size: int | None = 65536) -> Iterator[bytes]:
        try:
            yield from self.http_response.iter_bytes(chunk_size)
        finally:
            self.http_response.close()

    def write_to_file(self, path: str | os.PathLike[str]) -> int:
        """Write the body to ``path``; returns the number of bytes written."""
        written = 0
        with open(path, "wb") as f:
            for chunk in self.iter_bytes():
                f.write(chunk)
                written += len(chunk)
        return written

    def close(self) -> None:
        self.http_response.close()

    def __enter__(self) -> BinaryResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncBinaryResponse(_BinaryBase):
    """The async twin of ``BinaryResponse``."""

    @property
    def content(self) -> bytes:
        return self.http_response.content  # read by the call unless streaming was asked for

    async def read(self) -> bytes:
        return await self.http_response.aread()

    async def iter_bytes(self, chunk_size: int | None = 65536) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.http_response.aiter_bytes(chunk_size):
                yield chunk
        finally:
            await self.http_response.aclose()

    async def write_to_file(self, path: str | os.PathLike[str]) -> int:
        """Write the body to ``path`` (file writes run in a worker thread)."""
        import asyncio

        written = 0
        f = await asyncio.to_thread(open, path, "wb")
        try:
            async for chunk in self.iter_bytes():
                await asyncio.to_thread(f.write, chunk)
                written += len(chunk)
        finally:
            await asyncio.to_thread(f.close)
        return written

    async def close(self) -> None:
        await self.http_response.aclose()

    async def __aenter__(self) -> AsyncBinaryResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

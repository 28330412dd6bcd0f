"""Raw access to an HTTP response: status, headers, request id, and the parsed body on demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

from ._errors import request_id_of

T = TypeVar("T")


class RawResponse(Generic[T]):
    """What ``with_raw_response`` methods return. ``parse()`` gives what the normal method would
    have returned (a model, or a stream for streaming calls)."""

    def __init__(self, response: httpx.Response, parse: Callable[[], Any]) -> None:
        self.http_response = response
        self._parse = parse
        self._parsed: Any = None
        self._done = False

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.http_response.headers)

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

"""Paged list operations (``x-relaykit-page``): a page of items, and iteration over every item
of every page, fetching the next page only when the items before it are used up.

``for item in page`` (``async for`` on the async client) walks all items from this page on;
``page.items`` is this page's items only, ``page.result`` the whole typed body.
``with_raw_response`` gives the first page's RawResponse, whose ``parse()`` is the page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import pydantic

from ._base_client import RAW_RESPONSE_HEADER
from ._envelope import MISSING, unescape
from ._errors import RelaykitError
from ._response import RawResponse
from ._types import NOT_GIVEN

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient
    from ._operation import Operation

T = TypeVar("T")


@dataclass(frozen=True)
class Paging:
    """Where a list operation keeps its paging: the page-number and page-size arguments (Python
    names) and JSON pointers (wire names) to the items and the total in the response."""

    page_arg: str
    size_arg: str | None
    items: str
    total: str | None = None
    first: int = 1


def model_lookup(node: Any, pointer: str) -> Any:
    """The value at a JSON pointer (wire names) inside a parsed model, or ``MISSING``."""
    for raw in pointer[1:].split("/") if pointer else []:
        token = unescape(raw)
        if isinstance(node, pydantic.BaseModel):
            fields = type(node).model_fields
            name = next((n for n, f in fields.items() if (f.alias or n) == token), None)
            if name is not None:
                node = getattr(node, name)
            elif token in (node.model_extra or {}):
                node = (node.model_extra or {})[token]
            else:
                return MISSING
        elif isinstance(node, dict):
            node = node.get(token, MISSING)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return MISSING
        if node is MISSING:
            return MISSING
    return node


class _Page(Generic[T]):
    def __init__(self, paging: Paging, op: Operation, args: dict[str, Any], result: Any, number: int, seen: int) -> None:
        self._paging = paging
        self._op = op
        self._args = args
        self.result = result
        self.page = number
        items = model_lookup(result, paging.items)
        self.items: list[T] = [] if items is MISSING or items is None else list(items)
        total = model_lookup(result, paging.total) if paging.total else MISSING
        self.total: int | None = total if isinstance(total, int) and not isinstance(total, bool) else None
        if not seen and number > paging.first:  # started further on: count the pages skipped
            size = args.get(paging.size_arg) if paging.size_arg else None
            per_page = size if isinstance(size, int) and not isinstance(size, bool) else len(self.items)
            seen = (number - paging.first) * per_page
        self._seen = seen + len(self.items)

    def has_next_page(self) -> bool:
        """Whether another page may hold items: this one was not empty and, when the gateway
        says how many there are, not all have been seen; without a total, a full page."""
        if not self.items:
            return False
        if self.total is not None:
            return self._seen < self.total
        size = self._args.get(self._paging.size_arg) if self._paging.size_arg else None
        if isinstance(size, int) and not isinstance(size, bool):
            return len(self.items) >= size
        return True

    def _next_args(self) -> dict[str, Any]:
        if not self.has_next_page():
            raise RelaykitError("this is the last page")
        return {**self._args, self._paging.page_arg: self.page + 1}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(page={self.page}, items={len(self.items)}, total={self.total})"


class SyncPage(_Page[T]):
    """One page of a list operation; iterating it walks every item of this and later pages."""

    _client: SyncAPIClient

    def get_next_page(self) -> SyncPage[T]:
        return cast("SyncPage[T]", paginate(self._client, self._op, self._paging, self._next_args(), self._seen))

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.items


class AsyncPage(_Page[T]):
    """The async twin of SyncPage: ``async for item in page`` walks every item."""

    _client: AsyncAPIClient

    async def get_next_page(self) -> AsyncPage[T]:
        return cast("AsyncPage[T]", await async_paginate(self._client, self._op, self._paging, self._next_args(), self._seen))

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item


def _start(paging: Paging, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], int, bool]:
    """The arguments to send, the ones later pages repeat (without the raw-response marker:
    they are fetched parsed), this page's number, and whether a raw response was asked for."""
    send = {k: v for k, v in args.items() if k != "self"}
    number = send.get(paging.page_arg, NOT_GIVEN)
    if number is NOT_GIVEN or number is None:
        number = paging.first
    headers = dict(send.get("extra_headers") or {})
    raw = headers.pop(RAW_RESPONSE_HEADER, None) is not None
    return send, {**send, "extra_headers": headers or None}, number, raw


def paginate(client: SyncAPIClient, op: Operation, paging: Paging, args: dict[str, Any], seen: int = 0) -> Any:
    """Fetch one page; a SyncPage (or the RawResponse, from ``with_raw_response``)."""
    send, keep, number, raw = _start(paging, args)
    result = client._call(op, send)
    if raw:  # parse() gives the page
        return RawResponse(result.http_response, lambda: _sync_page(client, op, paging, keep, result.parse(), number, seen))
    return _sync_page(client, op, paging, keep, result, number, seen)


def _sync_page(client: SyncAPIClient, op: Operation, paging: Paging, args: dict[str, Any], result: Any, number: int, seen: int) -> SyncPage[Any]:
    page: SyncPage[Any] = SyncPage(paging, op, args, result, number, seen)
    page._client = client
    return page


async def async_paginate(client: AsyncAPIClient, op: Operation, paging: Paging, args: dict[str, Any], seen: int = 0) -> Any:
    """The async twin of ``paginate``."""
    send, keep, number, raw = _start(paging, args)
    result = await client._call(op, send)
    if raw:
        return RawResponse(result.http_response, lambda: _async_page(client, op, paging, keep, result.parse(), number, seen))
    return _async_page(client, op, paging, keep, result, number, seen)


def _async_page(client: AsyncAPIClient, op: Operation, paging: Paging, args: dict[str, Any], result: Any, number: int, seen: int) -> AsyncPage[Any]:
    page: AsyncPage[Any] = AsyncPage(paging, op, args, result, number, seen)
    page._client = client
    return page


__all__ = ["AsyncPage", "Paging", "SyncPage", "async_paginate", "model_lookup", "paginate"]

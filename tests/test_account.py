"""The account API: paging over a fake gateway (no page, one page, many pages; sync and async),
new-api's envelope refusing with HTTP 200, and the credentials each security scheme sends,
never shown in a repr, an error or a log."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
import relaykit

from .conftest import Recorder, make_async_client, make_client

ACCESS = "at-secret-access-456"
KEY = "sk-test-secret-123"


def token(i: int) -> dict[str, Any]:
    return {"id": i, "name": f"key-{i}", "key": f"sk-k{i}", "status": 1, "remain_quota": 500000, "unlimited_quota": False}


class TokenPages:
    """A fake /api/token: `count` keys served `size` per page from p=1, with or without a total."""

    def __init__(self, count: int, size: int, with_total: bool = True) -> None:
        self.keys = [token(i) for i in range(1, count + 1)]
        self.size = size
        self.with_total = with_total
        self.pages: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/token"
        page = int(request.url.params.get("p", "1"))
        size = int(request.url.params.get("pageSize", str(self.size)))
        self.pages.append(page)
        data: dict[str, Any] = {"items": self.keys[(page - 1) * size : page * size], "page": page, "page_size": size}
        if self.with_total:
            data["total"] = len(self.keys)
        return httpx.Response(200, json={"success": True, "message": "", "data": data})


def account_client(recorder: Recorder, **kwargs: Any) -> relaykit.Client:
    kwargs.setdefault("access_token", ACCESS)
    kwargs.setdefault("user_id", 42)
    return make_client(recorder, **kwargs)


def async_account_client(recorder: Recorder, **kwargs: Any) -> relaykit.AsyncClient:
    kwargs.setdefault("access_token", ACCESS)
    kwargs.setdefault("user_id", 42)
    return make_async_client(recorder, **kwargs)


# -- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "size", "pages"), [(0, 3, [1]), (2, 3, [1]), (3, 3, [1]), (7, 3, [1, 2, 3])], ids=["none", "one", "one-full", "many"])
def test_iterating_a_page_walks_every_key(count: int, size: int, pages: list[int]) -> None:
    server = TokenPages(count, size)
    client = account_client(Recorder(server))
    page = client.tokens.list(page_size=size)
    assert isinstance(page, relaykit.SyncPage)
    assert [t.id for t in page.items] == list(range(1, min(count, size) + 1))
    assert page.total == count and page.page == 1
    assert isinstance(page.result, relaykit.types.TokenListResponse)
    assert server.pages == [1]  # nothing more fetched until the items run out
    assert [t.id for t in page] == list(range(1, count + 1))
    assert server.pages == pages
    assert page.has_next_page() == (len(pages) > 1)


def test_pages_are_fetched_lazily_and_keep_the_filters() -> None:
    server = TokenPages(7, 3)
    recorder = Recorder(server)
    client = account_client(recorder)
    walked = iter(client.tokens.list(page_size=3, keyword="key"))
    assert [next(walked).id for _ in range(3)] == [1, 2, 3]
    assert server.pages == [1]
    assert next(walked).id == 4
    assert server.pages == [1, 2]
    assert recorder.requests[1].url.params["keyword"] == "key"
    assert recorder.requests[1].url.params["pageSize"] == "3"
    assert "p" not in recorder.requests[0].url.params  # the first page is the gateway's default


def test_pages_one_by_one_and_a_start_page() -> None:
    server = TokenPages(7, 3)
    client = account_client(Recorder(server))
    pages = list(client.tokens.list(page_size=3, p=2).iter_pages())
    assert [[t.id for t in p.items] for p in pages] == [[4, 5, 6], [7]]
    assert [p.page for p in pages] == [2, 3]
    with pytest.raises(relaykit.RelaykitError, match="last page"):
        pages[-1].get_next_page()


def test_without_a_total_a_short_or_empty_page_ends_the_walk() -> None:
    server = TokenPages(5, 2, with_total=False)
    client = account_client(Recorder(server))
    assert [t.id for t in client.tokens.list(page_size=2)] == [1, 2, 3, 4, 5]
    assert server.pages == [1, 2, 3]
    server = TokenPages(4, 2, with_total=False)
    client = account_client(Recorder(server))
    assert [t.id for t in client.tokens.list()] == [1, 2, 3, 4]  # no size given: until an empty page
    assert server.pages == [1, 2, 3]


def test_logs_page_with_their_own_parameter_names() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("p", "1"))
        items = [{"id": page, "quota": 318, "model_name": "gpt-4o-mini"}] if page <= 2 else []
        return httpx.Response(200, json={"success": True, "message": "", "data": {"items": items, "total": 2, "page": page, "page_size": 1}})

    recorder = Recorder(handler)
    client = account_client(recorder)
    logs = list(client.logs.usage(page_size=1, model_name="gpt-4o-mini"))
    assert [(log.id, log.quota) for log in logs] == [(1, 318), (2, 318)]
    assert [r.url.params.get("p") for r in recorder.requests] == [None, "2"]
    assert all(r.url.params["page_size"] == "1" for r in recorder.requests)


@pytest.mark.parametrize(("count", "size", "pages"), [(0, 3, [1]), (3, 3, [1]), (7, 3, [1, 2, 3])], ids=["none", "one", "many"])
def test_async_pages(count: int, size: int, pages: list[int]) -> None:
    server = TokenPages(count, size)

    async def run() -> None:
        async with async_account_client(Recorder(server)) as client:
            page = await client.tokens.list(page_size=size)
            assert isinstance(page, relaykit.AsyncPage)
            assert len(page.items) == min(count, size) and server.pages == [1]
            assert [t.id async for t in page] == list(range(1, count + 1))
            assert server.pages == pages
            walked = [p.page async for p in page.iter_pages()]
            assert walked == pages

    asyncio.run(run())


def test_a_page_error_midway_is_raised_with_the_message() -> None:
    first = httpx.Response(200, json={"success": True, "message": "", "data": {"items": [token(1)], "total": 2}})
    refused = httpx.Response(200, json={"success": False, "message": "rate limited by the admin"})
    client = account_client(Recorder(first, refused))
    page = client.tokens.list()
    with pytest.raises(relaykit.EnvelopeError, match="rate limited by the admin"):
        list(page)


def test_raw_response_of_a_paged_operation() -> None:
    server = TokenPages(2, 3)
    client = account_client(Recorder(server))
    raw = client.tokens.with_raw_response.list(page_size=1)
    assert raw.status_code == 200 and raw.request_id is None
    page = raw.parse()
    assert isinstance(page, relaykit.SyncPage) and page.total == 2
    assert [t.id for t in page] == [1, 2] and server.pages == [1, 2]  # the next page is parsed normally


# -- the envelope ---------------------------------------------------------------------------


FAILED = {"success": False, "message": "Token does not exist"}


def test_success_false_with_http_200_is_an_envelope_error() -> None:
    client = account_client(Recorder(httpx.Response(200, json=FAILED)))
    with pytest.raises(relaykit.EnvelopeError) as info:
        client.tokens.retrieve(999)
    assert str(info.value.message) == "Token does not exist" and info.value.code is False
    assert info.value.status_code == 200 and json.loads(info.value.body) == FAILED


def test_success_false_async_and_on_a_non_paged_list() -> None:
    async def run() -> None:
        async with async_account_client(Recorder(httpx.Response(200, json=FAILED))) as client:
            with pytest.raises(relaykit.EnvelopeError, match="Token does not exist"):
                await client.tokens.search(keyword="x")
            with pytest.raises(relaykit.EnvelopeError, match="Token does not exist"):
                await client.tokens.list()

    asyncio.run(run())


def test_success_true_parses_into_the_model() -> None:
    body = {"success": True, "message": "", "data": {"id": 42, "username": "alice", "quota": 5000000, "used_quota": 0}}
    client = account_client(Recorder(httpx.Response(200, json=body)))
    user = client.user.retrieve()
    assert user.success is True and user.data is not None and user.data.quota == 5000000


def test_key_usage_refusal_uses_its_code_field() -> None:
    client = make_client(Recorder(httpx.Response(200, json={"code": False, "message": "token expired", "data": None})))
    with pytest.raises(relaykit.EnvelopeError, match="token expired"):
        client.usage.token()


# -- credentials ----------------------------------------------------------------------------


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"success": True, "message": "", "data": []})


def test_management_calls_send_the_access_token_and_user_id_not_the_key() -> None:
    recorder = Recorder(ok)
    client = account_client(recorder, api_key=KEY)
    client.tokens.search(keyword="a")
    headers = recorder.requests[-1].headers
    assert headers["authorization"] == f"Bearer {ACCESS}" and headers["new-api-user"] == "42"
    assert KEY not in str(headers)


def test_relay_key_calls_send_the_key_not_the_access_token() -> None:
    recorder = Recorder(httpx.Response(200, json={"key": "k4u-1", "used": 2.35, "balance": 47.65}))
    client = account_client(recorder, api_key=KEY)
    balance = client.balance.retrieve()
    assert balance.balance == 47.65
    headers = recorder.requests[-1].headers
    assert headers["authorization"] == f"Bearer {KEY}" and "new-api-user" not in headers


def test_user_id_is_optional_where_the_docs_allow_and_required_where_new_api_needs_it() -> None:
    recorder = Recorder(ok)
    client = account_client(recorder, user_id=None)
    client.tokens.list_all()  # Key4U's routes take the access token alone
    assert recorder.requests[-1].headers["authorization"] == f"Bearer {ACCESS}"
    assert "new-api-user" not in recorder.requests[-1].headers
    with pytest.raises(relaykit.RelaykitError, match="user_id.*RELAYKIT_USER_ID"):
        client.user.retrieve()
    assert len(recorder.requests) == 1  # refused before the network


def test_a_management_call_without_an_access_token_is_refused_before_the_network() -> None:
    recorder = Recorder(ok)
    client = make_client(recorder)
    with pytest.raises(relaykit.RelaykitError, match="access_token.*RELAYKIT_ACCESS_TOKEN"):
        client.tokens.list_all()
    assert recorder.requests == []


def test_a_public_route_goes_without_credentials() -> None:
    recorder = Recorder(ok)
    client = make_client(recorder)  # relay key only
    client.uptime.retrieve()
    assert "authorization" not in recorder.requests[-1].headers


def test_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELAYKIT_API_KEY", raising=False)
    monkeypatch.setenv("RELAYKIT_ACCESS_TOKEN", ACCESS)
    monkeypatch.setenv("RELAYKIT_USER_ID", "7")
    recorder = Recorder(ok)
    client = relaykit.Client(base_url="http://127.0.0.1:9", http_client=httpx.Client(transport=httpx.MockTransport(recorder)))
    client.tokens.search()
    assert recorder.requests[-1].headers["new-api-user"] == "7"
    assert client.user_id == "7"
    with pytest.raises(relaykit.RelaykitError, match="api_key.*RELAYKIT_API_KEY"):
        client.billing.subscription()  # the relay key was not given
    clone = client.with_options(timeout=5.0)
    clone.tokens.search()
    assert recorder.requests[-1].headers["authorization"] == f"Bearer {ACCESS}"


@pytest.mark.parametrize("user_id", ["alice", True, "4 2"])
def test_a_user_id_that_is_not_a_number_is_refused(user_id: Any) -> None:
    with pytest.raises(relaykit.RelaykitError, match="user_id"):
        relaykit.Client(access_token=ACCESS, user_id=user_id, base_url="http://127.0.0.1:9")


def test_no_credential_at_all_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELAYKIT_API_KEY", raising=False)
    monkeypatch.delenv("RELAYKIT_ACCESS_TOKEN", raising=False)
    with pytest.raises(relaykit.RelaykitError, match="RELAYKIT_ACCESS_TOKEN"):
        relaykit.Client(base_url="http://127.0.0.1:9")


def test_secrets_are_never_in_a_repr_an_error_or_a_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(httpx.Response(401, json={"success": False, "message": "access token invalid"}))
    client = account_client(recorder, api_key=KEY)
    with pytest.raises(relaykit.APIStatusError) as info:
        client.tokens.list()
    refused = account_client(Recorder(httpx.Response(200, json=FAILED)), api_key=KEY)
    with pytest.raises(relaykit.EnvelopeError) as envelope:
        refused.tokens.retrieve(1)
    page = account_client(Recorder(TokenPages(1, 1)), api_key=KEY).tokens.list()
    shown = " ".join([repr(client), str(client), repr(info.value), str(info.value), repr(envelope.value), str(envelope.value), repr(page), caplog.text])
    assert ACCESS not in shown and KEY not in shown
    assert recorder.requests[-1].headers["authorization"] == f"Bearer {ACCESS}"  # it was sent


def test_async_raw_response_of_a_paged_operation() -> None:
    server = TokenPages(3, 2)

    async def run() -> None:
        async with async_account_client(Recorder(server)) as client:
            raw = await client.tokens.with_raw_response.list(page_size=2)
            page = raw.parse()
            assert isinstance(page, relaykit.AsyncPage) and raw.status_code == 200
            assert [t.id async for t in page] == [1, 2, 3]

    asyncio.run(run())

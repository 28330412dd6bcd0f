"""Credentials stay with the gateway: the redirect rules and the header filter that a download
of a result file from another host uses too."""

from __future__ import annotations

import httpx
import pytest
import relaykit
from relaykit._redirects import (
    MAX_REDIRECTS,
    headers_for,
    is_credential,
    redirect_request,
    same_origin,
)
from relaykit._security import AUTH_SCHEMES

from .conftest import Recorder

CHAT_OK = {"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": []}
SECRET = {"authorization": "Bearer sk-1", "x-api-key": "sk-1", "x-goog-api-key": "sk-1", "x-relay-token": "t", "cookie": "s=1"}
PLAIN = {"accept": "application/json", "anthropic-version": "2023-06-01", "user-agent": "relaykit-python"}


def test_every_auth_header_the_client_adds_is_a_credential() -> None:
    for name, *_ in AUTH_SCHEMES.values():
        assert is_credential(name)
    assert not any(is_credential(name) for name in PLAIN)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://relay.example/v1/x", "https://relay.example/files/y?q=1", True),
        ("https://relay.example", "https://relay.example:443/", True),
        ("http://relay.example", "http://relay.example:80/", True),
        ("http://relay.example", "https://relay.example", False),
        ("https://relay.example", "https://cdn.relay.example", False),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8001", False),
    ],
)
def test_origin_is_scheme_host_and_port(a: str, b: str, same: bool) -> None:
    assert same_origin(httpx.URL(a), httpx.URL(b)) is same


def test_headers_for_another_origin_drop_every_credential() -> None:
    headers = {**SECRET, **PLAIN}
    assert headers_for("https://relay.example/v1/files/1", "https://relay.example", headers) == headers
    assert headers_for("https://cdn.example/img.png", "https://relay.example", headers) == PLAIN


def redirect(status: int, location: str) -> httpx.Response:
    return httpx.Response(status, headers={"location": location})


def test_redirect_request_rewrites_method_and_body_like_browsers() -> None:
    post = httpx.Request("POST", "https://relay.example/v1/x", headers={**SECRET, **PLAIN}, json={"a": 1})
    trusted = post.url
    same = redirect_request(post, redirect(307, "/v1/y"), trusted)
    assert same is not None and same.method == "POST" and same.read() == post.read()
    assert same.url == "https://relay.example/v1/y" and same.headers["authorization"] == "Bearer sk-1"
    away = redirect_request(post, redirect(302, "https://other.example/r"), trusted)
    assert away is not None and away.method == "GET" and away.read() == b""
    assert away.headers["host"] == "other.example" and "content-length" not in away.headers
    assert not [name for name in away.headers if is_credential(name)]
    assert redirect_request(post, httpx.Response(200), trusted) is None
    assert redirect_request(post, httpx.Response(301), trusted) is None  # no location


def test_a_users_client_that_follows_redirects_itself_is_overridden() -> None:
    """httpx alone would send x-api-key to the other host; the client follows redirects itself."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "relay.example":
            return redirect(307, "https://elsewhere.example/v1/messages")
        return httpx.Response(200, json={**CHAT_OK, "object": "x"})

    http = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    client = relaykit.Client(api_key="sk-secret", base_url="https://relay.example", http_client=http)
    client.request("POST", "/v1/messages", body={"a": 1}, auth=("bearerAuth", "anthropicApiKey", "googleApiKey"))
    assert [r.url.host for r in seen] == ["relay.example", "elsewhere.example"]
    assert seen[0].headers["x-api-key"] == "sk-secret"
    assert not [name for name, value in seen[1].headers.items() if is_credential(name) or "sk-secret" in value]


def test_redirect_limit() -> None:
    rec = Recorder(redirect(308, "/again"))
    http = httpx.Client(transport=httpx.MockTransport(rec))
    client = relaykit.Client(api_key="sk", base_url="https://relay.example", http_client=http)
    with pytest.raises(relaykit.APIStatusError, match="more than 10 redirects") as info:
        client.request("GET", "/v1/x")
    assert len(rec.requests) == MAX_REDIRECTS + 1 and info.value.status_code == 308

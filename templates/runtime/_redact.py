"""Credential redaction for everything relaykit shows: log lines, error messages and pickled
errors. A value is hidden when its header or query name says it is a credential, when it
contains a known secret (the client's key), or when it looks like a key or a token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import httpx

MASK = "***"
MIN_SECRET = 8  # shorter values (test keys like "sk") would mask ordinary words

# Header and query names that carry credentials, besides those matched by SECRET_NAME.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# A name part (between - or _) that marks a credential: x-api-key, api-key, x-auth-token,
# access_token, mj-api-secret, a key= query parameter, session ids, passwords.
SECRET_NAME = re.compile(r"(?:^|[-_])(?:key|apikey|token|secret|password|passwd|auth|session|sessionid|signature|sig|credential|credentials)(?:$|[-_])", re.I)
# Key-like values anywhere in text: provider keys, Bearer tokens, credential query parameters.
SECRET_VALUE = re.compile(
    r"(?P<scheme>\b(?:Bearer|Basic)\s+)[^\s\"',;]+"
    r"|(?P<param>(?<=[?&])(?:key|api_key|api-key|apikey|access_token|token)=)[^&#\s\"']+"
    r"|\bsk-[A-Za-z0-9_\-]{8,}"  # the common `sk-` key shape (sk-ant-..., sk-proj-..., relay keys)
    r"|\bAIza[A-Za-z0-9_\-]{20,}",  # the `AIza...` key shape
    re.I,
)


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_HEADERS or SECRET_NAME.search(lowered) is not None


def _mask_match(match: re.Match[str]) -> str:
    return (match.group("scheme") or match.group("param") or "") + MASK


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret and every key-like value replaced by ``***``."""
    return SECRET_VALUE.sub(_mask_match, scrub_known(text, secrets))


def scrub_known(text: str, secrets: Iterable[str]) -> str:
    """``text`` with the given secrets masked, and nothing else changed."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET and secret in text:
            text = text.replace(secret, MASK)
    return text


def scrub_known_bytes(body: bytes | None, secrets: Iterable[str]) -> bytes | None:
    if not body:
        return body
    for secret in secrets:
        raw = secret.encode()
        if len(raw) >= MIN_SECRET and raw in body:
            body = body.replace(raw, MASK.encode())
    return body


def scrub_known_values(value: Any, secrets: list[str]) -> Any:
    """A JSON-like value (pydantic's error list) with the given secrets masked in its strings."""
    if not secrets:
        return value
    if isinstance(value, str):
        return scrub_known(value, secrets)
    if isinstance(value, dict):
        return {k: scrub_known_values(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_known_values(v, secrets) for v in value)
    return value


def headers(items: httpx.Headers, secrets: Iterable[str] = ()) -> dict[str, str]:
    """A header mapping safe to show: credential headers masked, other values scrubbed."""
    secrets = tuple(secrets)
    return {name: MASK if is_secret_name(name) else scrub(value, secrets) for name, value in items.multi_items()}


def url(value: httpx.URL, secrets: Iterable[str] = ()) -> str:
    """A URL safe to show: credential query parameters and userinfo masked."""
    if value.userinfo:
        value = value.copy_with(username=MASK, password=None)
    if value.query:
        params = [(k, MASK if is_secret_name(k) else v) for k, v in value.params.multi_items()]
        value = value.copy_with(params=params)
    return scrub(str(value), secrets)


def secrets_of(request: httpx.Request | None) -> list[str]:
    """The credential values a request carries (its auth headers, without the scheme name)."""
    if request is None:
        return []
    found = []
    for name, value in request.headers.multi_items():
        if is_secret_name(name):
            found.append(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.isalpha():
                found.append(token)
            if "cookie" in name.lower():  # each cookie's value on its own
                found.extend(part.partition("=")[2] for part in value.split(";"))
    return sorted(found, key=len, reverse=True)


def request_copy(request: httpx.Request) -> httpx.Request:
    """A copy of ``request`` without its credentials, for pickling an error."""
    secrets = secrets_of(request)
    try:
        content: bytes | None = request.content
    except httpx.RequestNotRead:
        content = None
    return httpx.Request(
        request.method,
        url(request.url, secrets),
        headers=[(k, v) for k, v in headers(request.headers, secrets).items() if k.lower() != "content-length"],
        content=content,
    )


def response_copy(response: httpx.Response, request: httpx.Request | None) -> httpx.Response:
    """A copy of ``response`` without credentials (cookies, an echoed key), for pickling."""
    secrets = secrets_of(response._request)
    try:
        content = scrub_known_bytes(response.content, secrets) or b""
    except httpx.ResponseNotRead:
        content = b""
    shown = [(k, v) for k, v in headers(response.headers, secrets).items() if k.lower() not in ("content-length", "content-encoding")]
    return httpx.Response(response.status_code, headers=shown, content=content, request=request)

"""Redirects without leaking credentials.

httpx, following redirects itself, strips only ``Authorization`` when a redirect leaves the
origin; the gateways also take the key in headers of their own. So the client
follows redirects here: a request to another origin (scheme, host and port) carries no
credential header at all, whatever its name. ``headers_for`` applies the same rule to any
other request that leaves the gateway, such as downloading a result file from a CDN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import httpx

MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# Headers that carry a credential. Any header whose name contains one of the markers counts
# too, so a key a caller puts in default_headers under its own name is covered; so does every
# header a security scheme of the spec puts on a request (registered by the client).
CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "cookie"}
CREDENTIAL_MARKERS = ("auth", "key", "token", "secret", "session", "cookie", "password")

# Headers that describe the connection or the old body, recomputed for the new request.
_HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "content-type"})


def register_credentials(names: Iterable[str]) -> None:
    CREDENTIAL_HEADERS.update(name.lower() for name in names)


def is_credential(name: str) -> bool:
    lowered = name.lower()
    return lowered in CREDENTIAL_HEADERS or any(marker in lowered for marker in CREDENTIAL_MARKERS)


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port, with the scheme's default port made explicit."""
    port = url.port if url.port is not None else {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, port


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return origin(a) == origin(b)


def headers_for(url: httpx.URL | str, trusted: httpx.URL | str, headers: Mapping[str, str]) -> dict[str, str]:
    """The headers that may go to ``url`` when credentials belong to ``trusted``: all of them
    for the same origin, none of the credential headers for any other."""
    if same_origin(httpx.URL(url), httpx.URL(trusted)):
        return dict(headers)
    return {name: value for name, value in headers.items() if not is_credential(name)}


class RedirectError(Exception):
    """A redirect that cannot be followed (the client turns it into a typed API error)."""


def redirect_request(request: httpx.Request, response: httpx.Response, trusted: httpx.URL) -> httpx.Request | None:
    """The request that follows ``response``, or None when it is not a redirect. Credentials
    go only to ``trusted``'s origin; 301/302 turn a POST into a GET and 303 turns anything but
    HEAD into a GET, as browsers and httpx do."""
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("location")
    if not location:
        return None
    try:
        url = request.url.join(location)
    except (httpx.InvalidURL, ValueError) as exc:
        raise RedirectError(f"redirect to an invalid location {location!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise RedirectError(f"redirect to an unsupported location {location!r}")
    method = request.method
    status = response.status_code
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
    keep_body = method == request.method
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in _HOP_HEADERS or (keep_body and name.lower() != "host")
    }
    headers = headers_for(url, trusted, headers)
    headers["host"] = url.netloc.decode("ascii")
    return httpx.Request(
        method,
        url,
        headers=headers,
        stream=request.stream if keep_body else None,
        extensions=request.extensions,
    )

"""The HTTP core shared by every operation: configuration, auth, retries, error mapping and
response parsing, for the sync and the async client.
"""

from __future__ import annotations

import email.utils
import gc
import os
import random
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, overload

import httpx
import pydantic

from . import _logs
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ArgumentError,
    RelaykitError,
    error_in_body,
    is_quota_error,
    status_error,
)
from ._redirects import MAX_REDIRECTS, RedirectError, redirect_request, register_credentials
from ._security import AUTH_SCHEMES, DEFAULT_AUTH
from ._types import NOT_GIVEN, NotGiven, Timeout

if TYPE_CHECKING:
    from ._operation import Operation, Payload

# Operations, streams and responses are imported at the first call, not with the package.

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0  # a server asking for a longer wait gets our own backoff instead
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})
RAW_RESPONSE_HEADER = "x-relaykit-raw-response"
STREAM_BODY_HEADER = "x-relaykit-stream-body"  # binary body left unread for the caller to stream
API_KEY_ENV = "RELAYKIT_API_KEY"
ACCESS_TOKEN_ENV = "RELAYKIT_ACCESS_TOKEN"
USER_ID_ENV = "RELAYKIT_USER_ID"
BASE_URL_ENV = "RELAYKIT_BASE_URL"
USER_AGENT = "relaykit-python"

# Every header a security scheme of the spec puts on a request (the table is generated from
# the spec) carries a credential: none of them may follow a redirect to another origin.
register_credentials(header for header, _, _ in AUTH_SCHEMES.values())
# Where each setting comes from when the constructor is not given it.
CREDENTIAL_ENV = {"api_key": API_KEY_ENV, "access_token": ACCESS_TOKEN_ENV, "user_id": USER_ID_ENV}
LARGE_BODY = 32 * 1024

_logs.setup_from_env()


def normalise_base_url(url: str) -> str:
    """The host root: paths in the spec carry their own /v1 or /v1beta, so a base URL copied
    from a gateway's OpenAI-SDK instructions (ending in /v1) is trimmed, not doubled."""
    url = url.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    if not url.startswith(("http://", "https://")):
        raise RelaykitError(f"base_url must start with http:// or https:// (got {url!r})")
    return url


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """The wait the server asks for: retry-after-ms, or retry-after in seconds or as a date."""
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return email.utils.mktime_tz(parsed) - time.time()


def retry_delay(attempt: int, headers: httpx.Headers | None) -> float:
    if headers is not None:
        wait = retry_after_seconds(headers)
        if wait is not None and 0 <= wait <= MAX_RETRY_AFTER:
            return wait
    delay = min(INITIAL_RETRY_DELAY * (2.0**attempt), MAX_RETRY_DELAY)
    return delay * (1.0 - 0.25 * random.random())


def _backoff(trace: _logs.Trace | None, attempt: int, headers: httpx.Headers | None, max_retries: int) -> float:
    delay = retry_delay(attempt, headers)
    if trace is not None:
        trace.retry(delay, attempt, max_retries)
    return delay


def should_retry_response(response: httpx.Response, body: bytes, op_billable: bool) -> bool:
    explicit = response.headers.get("x-should-retry")
    if explicit == "true":
        return True
    if explicit == "false":
        return False
    status = response.status_code
    if status not in RETRY_STATUSES:
        return False
    if status == 429:
        return not is_quota_error(body)
    # A billable submission may already be running upstream: retrying could pay twice.
    return not op_billable


class BaseClient:
    """Configuration shared by ``Client`` and ``AsyncClient``."""

    _gateways: Mapping[str, str] = {}

    def __init__(
        self,
        *,
        api_key: str | None = None,
        access_token: str | None = None,
        user_id: int | str | None = None,
        base_url: str | None = None,
        gateway: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        strict_response_validation: bool = False,
    ) -> None:
        api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        access_token = access_token if access_token is not None else os.environ.get(ACCESS_TOKEN_ENV)
        if user_id is None:
            user_id = os.environ.get(USER_ID_ENV) or None
        if isinstance(user_id, bool) or not (user_id is None or isinstance(user_id, int) or (isinstance(user_id, str) and user_id.strip().isdigit())):
            raise RelaykitError(f"user_id must be the numeric id of the user (got {user_id!r})")
        if not api_key and not access_token:
            raise RelaykitError(
                f"no API key: pass api_key= or set {API_KEY_ENV} (for the account API: access_token= or {ACCESS_TOKEN_ENV})"
            )
        if base_url is None:
            if gateway is not None:
                if gateway not in self._gateways:
                    known = ", ".join(sorted(self._gateways))
                    raise RelaykitError(f"unknown gateway {gateway!r}; known: {known}")
                base_url = self._gateways[gateway]
            else:
                base_url = os.environ.get(BASE_URL_ENV)
        if not base_url:
            known = ", ".join(sorted(self._gateways))
            raise RelaykitError(f"no base URL: pass base_url= or gateway= ({known}), or set {BASE_URL_ENV}")
        if max_retries < 0:
            raise RelaykitError("max_retries must be >= 0")
        self._api_key = api_key or ""
        self._credentials = {
            "api_key": self._api_key,
            "access_token": access_token or "",
            "user_id": "" if user_id is None else str(user_id).strip(),
        }
        self.base_url = normalise_base_url(base_url)
        self.timeout: Timeout = DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else timeout
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})
        self.default_query = dict(default_query or {})
        # Lenient by default: a field a gateway left out is absent, an unknown union variant is
        # kept as UnknownVariant. Strict: the body must fit the spec exactly, or it raises.
        self.strict_response_validation = strict_response_validation
        self._auth_cache: dict[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], dict[str, str]] = {}

    @property
    def api_key(self) -> str:
        return self._api_key

    def __repr__(self) -> str:
        # Never show the key, not even a part of it.
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key='***')"

    def __reduce__(self) -> Any:
        # A client holds the key and a connection pool: neither belongs in a pickle.
        raise TypeError(f"{type(self).__name__} cannot be pickled; create a client from its settings where it is needed")
    @property
    def user_id(self) -> str | None:
        return self._credentials["user_id"] or None

    def _options(self, **overrides: Any) -> dict[str, Any]:
        options = {
            "api_key": self._api_key,
            "access_token": self._credentials["access_token"],
            "user_id": self._credentials["user_id"] or None,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self.default_headers,
            "default_query": self.default_query,
            "strict_response_validation": self.strict_response_validation,
        }
        for key, value in overrides.items():
            if key not in options:
                raise ArgumentError(f"with_options() got an unknown option {key!r}", (key,))
            if value is not NOT_GIVEN:
                options[key] = value
        return options

    def _auth_headers(self, schemes: tuple[str, ...], alternatives: tuple[tuple[str, ...], ...] = ()) -> dict[str, str]:
        """The auth headers of an operation: every scheme whose setting is configured. All of
        ``schemes`` are needed, or, when the spec offers ``alternatives``, one of them complete;
        a missing setting is refused before the request is sent."""
        cached = self._auth_cache.get((schemes, alternatives))
        if cached is None:
            unknown = [s for s in schemes if s not in AUTH_SCHEMES]
            if unknown:
                known = ", ".join(AUTH_SCHEMES)
                raise ArgumentError(f"auth: unknown security scheme {unknown[0]!r}; known: {known}", ("auth",))
            have = {s for s in schemes if self._credentials[AUTH_SCHEMES[s][2]]}
            if not any(have.issuperset(alt) for alt in alternatives or (schemes,)):
                missing = next(AUTH_SCHEMES[s][2] for s in (alternatives or (schemes,))[0] if s not in have)
                raise RelaykitError(f"this call needs {missing}: pass {missing}= to the client or set {CREDENTIAL_ENV[missing]}")
            cached = {}
            for scheme in schemes:
                if scheme in have:
                    name, template, setting = AUTH_SCHEMES[scheme]
                    cached[name] = template.format(value=self._credentials[setting])
            self._auth_cache[(schemes, alternatives)] = cached
        return cached

    def _build_request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        payload: Payload | None,
        auth: tuple[str, ...],
        stream: bool,
        timeout: Timeout | NotGiven,
        accept: str = "application/json",
        auth_any: tuple[tuple[str, ...], ...] = (),
    ) -> httpx.Request:
        merged_headers = {"user-agent": USER_AGENT, "accept": "text/event-stream" if stream else accept}
        merged_headers.update(self._auth_headers(auth, auth_any))
        merged_headers.update(self.default_headers)
        if headers:
            merged_headers.update(headers)
        params: dict[str, Any] = dict(self.default_query)
        if query:
            params.update(query)
        content = None
        data = files = None
        if payload is not None:
            if payload.files is not None:
                data, files = payload.data, payload.files
            else:
                content = payload.json_bytes()
                merged_headers["content-type"] = "application/json"
        return client.build_request(
            method,
            self.base_url + path,
            params=params or None,
            headers=merged_headers,
            content=content,
            data=data,
            files=files,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
        )

    def _prepare(
        self,
        op: Operation,
        args: dict[str, Any],
    ) -> tuple[str, dict[str, Any], dict[str, str], Payload | None, bool, dict[str, bool]]:
        path, query, headers, body, streaming = op.build(args)
        extra_query = args.get("extra_query")
        if extra_query:
            query.update(extra_query)
        extra_headers = args.get("extra_headers")
        modes = {"raw": False, "stream_body": False}
        if extra_headers:
            headers.update(extra_headers)
            modes["raw"] = headers.pop(RAW_RESPONSE_HEADER, None) is not None
            modes["stream_body"] = headers.pop(STREAM_BODY_HEADER, None) is not None
        extra_body = args.get("extra_body")
        if extra_body:
            if body is None:
                body = _json_payload({})
            body.merge(dict(extra_body))
        return path, query, headers, body, streaming, modes

    def _parse(self, op: Operation, response: httpx.Response, body: bytes) -> Any:
        if op.envelope is not None:
            op.envelope.check(response, body)
        if op.response_text and not _is_json(response, body):
            return response.text
        validators = op.response_validators
        if validators is None:
            return None
        # The fast path is the models' own validator; the lenient retry runs only when it fails.
        validate = validators.strict.validate_json if self.strict_response_validation else validators.adapter.validate_json
        try:
            if len(body) < LARGE_BODY or not gc.isenabled():
                return validate(body)
            # Validation makes many small objects and no cycles; the collector's passes over
            # them cost up to a fifth of the time on large bodies, so it waits until the end.
            gc.disable()
            try:
                return validate(body)
            finally:
                gc.enable()
        except pydantic.ValidationError as exc:
            if op.method == "DELETE" and not body.strip():
                return None  # a deletion answered with 204 or an empty 200: done, nothing to read
            if not self.strict_response_validation and error_in_body(response, body) is None:
                try:
                    return validators.repair_json(body, exc)
                except pydantic.ValidationError:
                    pass
            from ._bodies import recover

            return recover(validators.adapter, response, body, exc, getattr(op.response_model, "__name__", str(op.response_model)))


def _json_payload(body: Any) -> Payload:
    from ._operation import Payload

    return Payload(json=body)


async def _sleep(delay: float) -> None:
    import asyncio  # imported when first needed: it costs sync users import time

    await asyncio.sleep(delay)


async def _to_thread(func: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(func)


def _is_json(response: httpx.Response, body: bytes) -> bool:
    ctype = response.headers.get("content-type", "")
    if "json" in ctype:
        return True
    return not ctype and body.lstrip()[:1] in (b"{", b"[")


class SyncAPIClient(BaseClient):
    def __init__(self, *, http_client: httpx.Client | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(timeout=self.timeout)

    def with_options(self, **overrides: Any) -> Self:
        """A copy with some settings changed, sharing this client's connection pool."""
        clone = type(self)(http_client=self._http, **self._options(**overrides))
        clone._owns_http = False
        return clone

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, op: Operation, args: dict[str, Any]) -> Any:
        path, query, headers, body, streaming, modes = self._prepare(op, args)
        if body is not None and body.files:
            body.load_files()
        request = self._build_request(
            self._http, op.method, path, query=query, headers=headers, payload=body,
            auth=op.auth, stream=streaming, timeout=args.get("timeout", NOT_GIVEN),
            accept="*/*" if op.response_binary or op.response_text else "application/json", auth_any=op.auth_any,
        )
        lazy = streaming or op.response_binary
        response = self._send(request, stream=lazy, billable=op.billable)
        if op.response_binary and not streaming and not modes["stream_body"]:
            response.read()
            response.close()
        if modes["raw"]:
            from ._response import RawResponse

            return RawResponse(response, lambda: self._finish(op, response, streaming))
        return self._finish(op, response, streaming)

    def _finish(self, op: Operation, response: httpx.Response, streaming: bool) -> Any:
        if streaming:
            from ._streaming import Stream

            return Stream(response, op.event_decoder(self.strict_response_validation))
        if op.response_binary:
            from ._response import BinaryResponse

            return BinaryResponse(response)
        return self._parse(op, response, response.content)

    def _follow(self, request: httpx.Request, response: httpx.Response, stream: bool) -> httpx.Response:
        """Follow redirects, keeping credentials with the gateway's origin (see _redirects)."""
        trusted = request.url
        hops = 0
        while True:
            try:
                following = redirect_request(request, response, trusted)
            except RedirectError as exc:
                raise APIStatusError(str(exc), response=response, body=response.read()) from None
            if following is None:
                return response
            body = response.read()
            response.close()
            if hops == MAX_REDIRECTS:
                raise APIStatusError(f"more than {MAX_REDIRECTS} redirects, the last to {following.url.copy_with(query=None)}", response=response, body=body)
            hops += 1
            request = following
            response = self._http.send(request, stream=stream, follow_redirects=False)

    def _send(self, request: httpx.Request, *, stream: bool, billable: bool) -> httpx.Response:
        trace = _logs.trace(self._api_key)  # None unless the relaykit logger is enabled
        attempt = 0
        while True:
            if trace is not None:
                trace.request(request, attempt)
            try:
                response = self._http.send(request, stream=stream, follow_redirects=False)
                if 300 <= response.status_code < 400:
                    response = self._follow(request, response, stream)
            except httpx.TimeoutException as exc:
                if trace is not None:
                    trace.failed(exc)
                if attempt < self.max_retries and not billable:
                    time.sleep(_backoff(trace, attempt, None, self.max_retries))
                    attempt += 1
                    continue
                raise APITimeoutError(f"request timed out: {request.method} {request.url.copy_with(query=None)}", request=request) from exc
            except httpx.RequestError as exc:
                if trace is not None:
                    trace.failed(exc)
                # A refused connection never reached the server: safe to retry even when billable.
                if attempt < self.max_retries and (not billable or isinstance(exc, httpx.ConnectError)):
                    time.sleep(_backoff(trace, attempt, None, self.max_retries))
                    attempt += 1
                    continue
                what = "could not decode the body" if isinstance(exc, httpx.DecodingError) else "connection error"
                raise APIConnectionError(f"{what}: {exc}", request=request) from exc
            if trace is not None:
                trace.response(response)
            if response.status_code < 400:
                return response
            body = response.read()
            response.close()
            if trace is not None:
                trace.error_body(body)
            if attempt < self.max_retries and should_retry_response(response, body, billable):
                time.sleep(_backoff(trace, attempt, response.headers, self.max_retries))
                attempt += 1
                continue
            raise status_error(response, body)

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cast_to: type[T],
        timeout: Timeout | NotGiven = NOT_GIVEN,
        auth: tuple[str, ...] = DEFAULT_AUTH,
    ) -> T: ...

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cast_to: None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        auth: tuple[str, ...] = DEFAULT_AUTH,
    ) -> Any: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cast_to: type[T] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        auth: tuple[str, ...] = DEFAULT_AUTH,
    ) -> Any:
        """Call an endpoint the spec does not describe yet, with auth, retries and typed errors.
        Returns ``cast_to`` validated from the JSON body when given, else the decoded JSON
        (or the text when the body is not JSON). ``auth`` names the spec's security schemes to
        send (``components.securitySchemes``; by default the spec's own default)."""
        request = self._build_request(
            self._http, method.upper(), "/" + path.lstrip("/"), query=query, headers=headers,
            payload=None if body is None else _json_payload(body), auth=auth, stream=False, timeout=timeout,
        )
        response = self._send(request, stream=False, billable=False)
        return decode_any(response, cast_to, self.strict_response_validation)


class AsyncAPIClient(BaseClient):
    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient(timeout=self.timeout)

    def with_options(self, **overrides: Any) -> Self:
        """A copy with some settings changed, sharing this client's connection pool."""
        clone = type(self)(http_client=self._http, **self._options(**overrides))
        clone._owns_http = False
        return clone

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _call(self, op: Operation, args: dict[str, Any]) -> Any:
        path, query, headers, body, streaming, modes = self._prepare(op, args)
        if body is not None and body.files:
            await _to_thread(body.load_files)  # file reads must not block the event loop
        request = self._build_request(
            self._http, op.method, path, query=query, headers=headers, payload=body,
            auth=op.auth, stream=streaming, timeout=args.get("timeout", NOT_GIVEN),
            accept="*/*" if op.response_binary or op.response_text else "application/json", auth_any=op.auth_any,
        )
        lazy = streaming or op.response_binary
        response = await self._send(request, stream=lazy, billable=op.billable)
        if op.response_binary and not streaming and not modes["stream_body"]:
            await response.aread()
            await response.aclose()
        if modes["raw"]:
            from ._response import RawResponse

            return RawResponse(response, lambda: self._finish(op, response, streaming))
        return self._finish(op, response, streaming)

    def _finish(self, op: Operation, response: httpx.Response, streaming: bool) -> Any:
        if streaming:
            from ._streaming import AsyncStream

            return AsyncStream(response, op.event_decoder(self.strict_response_validation))
        if op.response_binary:
            from ._response import AsyncBinaryResponse

            return AsyncBinaryResponse(response)
        return self._parse(op, response, response.content)

    async def _follow(self, request: httpx.Request, response: httpx.Response, stream: bool) -> httpx.Response:
        """Follow redirects, keeping credentials with the gateway's origin (see _redirects)."""
        trusted = request.url
        hops = 0
        while True:
            try:
                following = redirect_request(request, response, trusted)
            except RedirectError as exc:
                raise APIStatusError(str(exc), response=response, body=await response.aread()) from None
            if following is None:
                return response
            body = await response.aread()
            await response.aclose()
            if hops == MAX_REDIRECTS:
                raise APIStatusError(f"more than {MAX_REDIRECTS} redirects, the last to {following.url.copy_with(query=None)}", response=response, body=body)
            hops += 1
            request = following
            response = await self._http.send(request, stream=stream, follow_redirects=False)

    async def _send(self, request: httpx.Request, *, stream: bool, billable: bool) -> httpx.Response:
        trace = _logs.trace(self._api_key)  # None unless the relaykit logger is enabled
        attempt = 0
        while True:
            if trace is not None:
                trace.request(request, attempt)
            try:
                response = await self._http.send(request, stream=stream, follow_redirects=False)
                if 300 <= response.status_code < 400:
                    response = await self._follow(request, response, stream)
            except httpx.TimeoutException as exc:
                if trace is not None:
                    trace.failed(exc)
                if attempt < self.max_retries and not billable:
                    await _sleep(_backoff(trace, attempt, None, self.max_retries))
                    attempt += 1
                    continue
                raise APITimeoutError(f"request timed out: {request.method} {request.url.copy_with(query=None)}", request=request) from exc
            except httpx.RequestError as exc:
                if trace is not None:
                    trace.failed(exc)
                if attempt < self.max_retries and (not billable or isinstance(exc, httpx.ConnectError)):
                    await _sleep(_backoff(trace, attempt, None, self.max_retries))
                    attempt += 1
                    continue
                what = "could not decode the body" if isinstance(exc, httpx.DecodingError) else "connection error"
                raise APIConnectionError(f"{what}: {exc}", request=request) from exc
            if trace is not None:
                trace.response(response)
            if response.status_code < 400:
                return response
            body = await response.aread()
            await response.aclose()
            if trace is not None:
                trace.error_body(body)
            if attempt < self.max_retries and should_retry_response(response, body, billable):
                await _sleep(_backoff(trace, attempt, response.headers, self.max_retries))
                attempt += 1
                continue
            raise status_error(response, body)

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cast_to: type[T],
        timeout: Timeout | NotGiven = NOT_GIVEN,
        auth: tuple[str, ...] = DEFAULT_AUTH,
    ) -> T: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cast_to: None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        auth: tuple[str, ...] = DEFAULT_AUTH,
    ) -> Any: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cast_to: type[T] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        auth: tuple[str, ...] = DEFAULT_AUTH,
    ) -> Any:
        """Call an endpoint the spec does not describe yet (see ``Client.request``)."""
        request = self._build_request(
            self._http, method.upper(), "/" + path.lstrip("/"), query=query, headers=headers,
            payload=None if body is None else _json_payload(body), auth=auth, stream=False, timeout=timeout,
        )
        response = await self._send(request, stream=False, billable=False)
        return decode_any(response, cast_to, self.strict_response_validation)


def decode_any(response: httpx.Response, cast_to: Any, strict: bool = False) -> Any:
    body = response.content
    if cast_to is not None:
        from ._validation import Validators

        validators = Validators(cast_to)
        try:
            return validators.validate_json(body, strict)
        except pydantic.ValidationError as exc:
            from ._bodies import recover

            return recover(validators.adapter, response, body, exc, getattr(cast_to, "__name__", repr(cast_to)))
    if not body.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return response.text

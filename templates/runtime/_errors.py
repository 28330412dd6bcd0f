"""The exceptions relaykit raises, and the mapping from a gateway's error response to them.

Gateways answer errors in several envelopes; ``describe_error`` reads all of them so the user
gets the message, code and type wherever the gateway put them. Every API error keeps the raw
body, so nothing the gateway said is lost.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from . import _redact

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-oneapi-request-id", "x-newapi-request-id")


class RelaykitError(Exception):
    """Base class of every relaykit error."""


class ArgumentError(RelaykitError, ValueError):
    """A caller's argument was refused before anything was sent. ``fields`` names the culprits."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


class APIError(RelaykitError):
    """Something went wrong talking to the gateway."""

    def __init__(self, message: str, *, request: httpx.Request | None = None, body: bytes | None = None) -> None:
        # Some gateways echo the key they refused: the request's own credentials are masked in
        # the message and the body, which are otherwise kept as the gateway sent them.
        secrets = _redact.secrets_of(request)
        if secrets:
            message = _redact.scrub_known(message, secrets)
            body = _redact.scrub_known_bytes(body, secrets)
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body

    @property
    def text(self) -> str:
        """The raw body as text (empty when there was none)."""
        return (self.body or b"").decode("utf-8", "replace")

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled without the credentials the request carried; the keyword-only arguments of
        # the subclasses are restored from the state, not passed to __init__.
        state = dict(self.__dict__)
        request = state.get("request")
        if isinstance(request, httpx.Request):
            state["request"] = _redact.request_copy(request)
        response = state.get("response")
        if isinstance(response, httpx.Response):
            state["response"] = _redact.response_copy(response, state["request"])
            if "headers" in state:
                state["headers"] = state["response"].headers
        return _restore, (type(self), self.args, state)


def _restore(cls: type[APIError], args: tuple[Any, ...], state: dict[str, Any]) -> APIError:
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class APIConnectionError(APIError):
    """The request did not get an HTTP answer (DNS, refused connection, reset...)."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIStatusError(APIError):
    """The gateway answered with an error. ``status_code``, ``code``, ``type``, ``param``,
    ``request_id`` and the raw ``body`` tell what it said."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: bytes | None,
        code: str | int | None = None,
        type: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.code = code
        self.type = type
        self.param = param
        self.request_id = request_id_of(response.headers)

    def __str__(self) -> str:
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"HTTP {self.status_code}: {self.message}{rid}"


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or disabled."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class PayloadTooLargeError(APIStatusError):
    """413."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically."""


class QuotaExceededError(RateLimitError):
    """429 with an exhausted quota or balance: not retried, since waiting does not help."""


class InternalServerError(APIStatusError):
    """5xx."""


class OverloadedError(InternalServerError):
    """529: the upstream model is overloaded."""


class ResponseValidationError(APIError):
    """The gateway answered 2xx but the body does not fit the expected shape. ``body`` holds
    it untouched; ``errors`` are pydantic's findings."""

    def __init__(self, message: str, *, response: httpx.Response, body: bytes, errors: Any = None) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.errors = _redact.scrub_known_values(errors, _redact.secrets_of(response.request))


class StreamError(APIError):
    """A stream carried an error event, or ended before it was complete. ``event`` is the
    offending payload (if any) and ``partial`` what had been accumulated so far (if known)."""

    def __init__(self, message: str, *, event: Any = None, partial: Any = None, code: str | int | None = None) -> None:
        super().__init__(message)
        self.event = event
        self.partial = partial
        self.code = code


class StreamConnectionError(StreamError, APIConnectionError):
    """The connection broke in the middle of a stream. ``partial`` holds what had been
    accumulated (when the stream was being folded by ``final()``, ``text()`` or ``collect()``)."""


class StreamTimeoutError(StreamConnectionError, APITimeoutError):
    """A stream stalled: no data arrived within the read timeout."""


class EnvelopeError(APIStatusError):
    """The gateway answered HTTP 200 with an in-body code that means failure (the operation's
    envelope in the spec says which codes mean success). ``code`` and ``message`` are what the
    body said; ``body`` is the raw body."""

    def __str__(self) -> str:
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"code {self.code!r}: {self.message}{rid}"


class TaskFailedError(RelaykitError):
    """A task ended in a failed status. ``task`` is the last fetched task (typed), ``reason``
    the failure reason the gateway gave (if any), ``task_id`` its id."""

    def __init__(self, task: Any, reason: str | None, task_id: str, status: Any = None) -> None:
        super().__init__(f"task {task_id} failed" + (f" ({status})" if status is not None else "") + (f": {reason}" if reason else ""))
        self.task = task
        self.reason = reason
        self.task_id = task_id
        self.status = status


class TaskTimeoutError(RelaykitError, TimeoutError):
    """A task did not finish within the wait's time limit. ``task`` is the last task fetched
    (None when no fetch succeeded), ``task_id`` its id: wait on it again to resume."""

    def __init__(self, task: Any, task_id: str, waited: float) -> None:
        super().__init__(f"task {task_id} did not finish within {waited:g} s")
        self.task = task
        self.task_id = task_id
        self.waited = waited


class WebhookError(RelaykitError, ValueError):
    """A webhook body that is not JSON or does not fit the expected model. ``body`` holds it;
    ``errors`` are pydantic's findings."""

    def __init__(self, message: str, *, body: bytes, errors: Any = None) -> None:
        super().__init__(message)
        self.body = body
        self.errors = errors


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    529: OverloadedError,
}

QUOTA_MARKERS = ("insufficient_quota", "quota_exceeded", "insufficient_user_quota", "pre_consume_token_quota_failed")


def request_id_of(headers: httpx.Headers) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value: str | None = headers.get(name)
        if value:
            return value
    return None


def describe_error(payload: Any) -> tuple[str | None, str | int | None, str | None, str | None]:
    """(message, code, type, param) from any of the gateways' error envelopes, or Nones."""
    if not isinstance(payload, dict):
        return None, None, None, None
    inner = payload.get("error")
    if isinstance(inner, dict):
        message = inner.get("message") or inner.get("msg")
        code = inner.get("code") if inner.get("code") is not None else inner.get("status")
        etype = inner.get("type") or inner.get("status")
        param = inner.get("param")
        return _text(message), code, _text(etype), _text(param)
    if isinstance(inner, str):
        return inner, payload.get("code"), _text(payload.get("type")), None
    message = payload.get("message") or payload.get("msg") or payload.get("description") or payload.get("detail")
    if message is None:
        return None, None, None, None
    return _text(message), payload.get("code"), _text(payload.get("type")), None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def is_quota_error(body: bytes) -> bool:
    lowered = body[:4096].lower()
    return any(marker.encode() in lowered for marker in QUOTA_MARKERS)


def status_error(response: httpx.Response, body: bytes) -> APIStatusError:
    """The typed error for an error response whose body has been read."""
    message, code, etype, param = describe_error(_decode(body))
    if message is None:
        message = html_title(body) or body[:500].decode("utf-8", "replace").strip() or response.reason_phrase or "error"
    status = response.status_code
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIStatusError
    if cls is RateLimitError and is_quota_error(body):
        cls = QuotaExceededError
    return cls(message, response=response, body=body, code=code, type=etype, param=param)


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def html_title(body: bytes) -> str | None:
    """The title of an HTML page (a proxy's error page), as its message."""
    head = body[:8192]
    if head.lstrip()[:1] != b"<":
        return None
    match = _TITLE.search(head)
    if match is None:
        return None
    return " ".join(match.group(1).decode("utf-8", "replace").split()) or None


# The keys an error envelope is made of. A body with other keys is an object that did not fit
# its model, even when it also holds an "error" field.
_ENVELOPE_KEYS = frozenset({
    "error", "errors", "type", "object", "code", "status", "message", "msg", "detail", "description",
    "param", "success", "data", "request_id", "requestId", "error_code", "error_msg", "error_message",
})


def error_in_body(response: httpx.Response, body: bytes) -> APIStatusError | None:
    """Some gateways report failures with HTTP 200. Called only when the body did not fit the
    expected model: a body that is an error envelope and nothing else becomes the typed error
    instead of a parse error."""
    payload = _decode(body)
    if not isinstance(payload, dict) or not payload.keys() <= _ENVELOPE_KEYS:
        return None
    if payload.get("success") is True or payload.get("data") not in (None, "", [], {}):
        return None  # a success envelope whose data did not fit
    inner = payload.get("error")
    has_message = "message" in payload or "msg" in payload
    if not (isinstance(inner, (dict, str)) and inner) and not ("code" in payload and has_message):
        return None
    message, code, etype, param = describe_error(payload)
    return APIStatusError(message or "error", response=response, body=body, code=code, type=etype, param=param)

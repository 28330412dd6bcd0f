"""What a 2xx body that is not what the spec promised turns into: a value after all (a body that
is not valid UTF-8), the typed error of an error envelope sent with HTTP 200, or an error
saying what did not fit (empty, not JSON, compressed in a way this installation cannot read,
the wrong shape), always with the raw body.

Only failure paths come here: a body that validates never pays for these checks.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pydantic

from ._errors import (
    APIError,
    ResponseValidationError,
    StreamError,
    describe_error,
    error_in_body,
    html_title,
)
from ._models import error_list

# Content encodings httpx decodes with the packages it finds installed.
try:
    from httpx._decoders import SUPPORTED_DECODERS as _DECODERS

    DECODABLE = frozenset(_DECODERS)
except ImportError:  # pragma: no cover - httpx moved it
    DECODABLE = frozenset({"identity", "gzip", "deflate"})
_PACKAGE_FOR = {"br": "brotli (pip install brotli)", "zstd": "zstandard (pip install zstandard)"}


def undecoded_encoding(headers: httpx.Headers) -> str | None:
    """A content encoding the gateway used that httpx could not undo here, if any."""
    for value in headers.get_list("content-encoding", split_commas=True):
        value = value.strip().lower()
        if value and value not in DECODABLE:
            return value
    return None


def _describe(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}"


def _snippet(body: bytes) -> str:
    return html_title(body) or body[:200].decode("utf-8", "replace").strip()


def _not_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def recover(adapter: pydantic.TypeAdapter[Any], response: httpx.Response, body: bytes, exc: pydantic.ValidationError, expected: str) -> Any:
    """The value of a body that did not validate, or the error that says why there is none."""
    errors = error_list(exc)
    json_invalid = errors[0]["type"] == "json_invalid"
    if json_invalid and body and not body.isspace() and _not_utf8(body):
        # Not UTF-8: decode it as the content type declares (UTF-8 by default), replacing
        # what cannot be read, rather than losing the whole answer.
        try:
            return adapter.validate_json(body.decode(response.charset_encoding or "utf-8", "replace"))
        except pydantic.ValidationError as again:
            errors = error_list(again)  # readable now: say what did not fit
        except LookupError:
            pass  # a charset Python does not know
    raise body_error(response, body, errors, expected) from None


def body_error(response: httpx.Response, body: bytes, errors: list[Any], expected: str) -> APIError:
    status = _describe(response)
    if not body.strip():
        return ResponseValidationError(
            f"{status} has an empty body where {expected} was expected", response=response, body=body, errors=errors
        )
    envelope = error_in_body(response, body)
    if envelope is not None:
        return envelope
    encoding = undecoded_encoding(response.headers)
    if encoding is not None:
        needs = _PACKAGE_FOR.get(encoding)
        fix = f"; install {needs} to read it" if needs else ""
        return ResponseValidationError(
            f"{status} body is compressed with {encoding!r}, which this installation cannot decode{fix}",
            response=response, body=body, errors=errors,
        )
    first = errors[0]
    if first["type"] == "json_invalid":
        ctype = response.headers.get("content-type") or "no content-type"
        return ResponseValidationError(
            f"{status} body is not JSON ({ctype}; {first['msg']}), where {expected} was expected: "
            f"{_snippet(body)!r}; the raw body is on .body",
            response=response, body=body, errors=errors,
        )
    where = ".".join(map(str, first["loc"]))
    message = f"{status} body does not fit {expected}: {len(errors)} problem(s), first: {where}: {first['msg']}"
    payload = _json(body)
    hint = describe_error(payload)[0] if isinstance(payload, dict) and payload.get("error") else None
    if hint:
        message += f" (the body also says: {hint})"
    return ResponseValidationError(message + "; the raw body is on .body", response=response, body=body, errors=errors)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def not_a_stream(headers: httpx.Headers) -> bool:
    """A response to a streaming request that is plainly not an event stream: a JSON or HTML
    body, or one compressed in a way that cannot be decoded here."""
    ctype = headers.get("content-type", "")
    return "json" in ctype or "html" in ctype or ("content-encoding" in headers and undecoded_encoding(headers) is not None)


def looks_like_events(body: bytes) -> bool:
    """A body that starts like an event stream, whatever its content type says."""
    return body.lstrip()[:6].startswith((b"data:", b"event:", b"id:", b"retry:", b":"))


def stream_body_error(response: httpx.Response, body: bytes) -> APIError:
    """The error for a streaming request answered with something other than events: the typed
    error of an error envelope, else a StreamError carrying the body."""
    envelope = error_in_body(response, body)
    if envelope is not None:
        return envelope
    encoding = undecoded_encoding(response.headers)
    if encoding is not None:
        needs = _PACKAGE_FOR.get(encoding)
        reason = f"compressed with {encoding!r}, which this installation cannot decode" + (f"; install {needs} to read it" if needs else "")
    else:
        reason = f"{response.headers.get('content-type') or 'no content-type'}: {_snippet(body)!r}"
    error = StreamError(f"{_describe(response)}: expected an event stream, got {reason}", event=body)
    error.body = body
    error.request = response.request
    return error

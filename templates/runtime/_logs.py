"""Opt-in logging of requests, responses and retry decisions, with credentials redacted.

Records go to the ``relaykit`` logger. ``RELAYKIT_LOG=info`` logs a line per response, failure
and retry; ``RELAYKIT_LOG=debug`` adds the request and response headers and bodies (truncated).
The variable sets the logger's level and, when the application has configured no handler, adds
one writing to stderr; the root logger is never touched. An application can also just enable the
``relaykit`` logger itself. With logging off, a call costs one ``isEnabledFor`` check.
"""

from __future__ import annotations

import logging
import os
import time

import httpx

from . import _redact
from ._errors import request_id_of

logger = logging.getLogger("relaykit")

LOG_ENV = "RELAYKIT_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
BODY_LIMIT = 2000  # characters of a body shown in a debug line
SCRUB_LIMIT = 64 * 1024  # bytes of a body looked at


def setup_from_env() -> None:
    level = LEVELS.get(os.environ.get(LOG_ENV, "").strip().lower())
    if level is None:
        return
    logger.setLevel(level)
    if not logger.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s %(name)s] %(message)s"))
        logger.addHandler(handler)


def trace(api_key: str) -> Trace | None:
    """A Trace for one call, or None (the common case) when the logger is off."""
    if not logger.isEnabledFor(logging.INFO):
        return None
    return Trace(api_key)


class Trace:
    """Logs one call: each attempt's request and response, failures and retry waits."""

    __slots__ = ("_secrets", "_debug", "_started", "_label", "_attempt")

    def __init__(self, api_key: str) -> None:
        self._secrets: tuple[str, ...] = (api_key,)
        self._debug = logger.isEnabledFor(logging.DEBUG)
        self._started = 0.0
        self._label = ""
        self._attempt = 0

    def __repr__(self) -> str:
        return "Trace()"

    def request(self, request: httpx.Request, attempt: int) -> None:
        self._started = time.monotonic()
        self._attempt = attempt
        if attempt == 0:  # the key and whatever else the request carries as a credential
            self._secrets = (*_redact.secrets_of(request), *self._secrets)
        self._label = f"{request.method} {_redact.url(request.url, self._secrets)}"
        if self._debug:
            logger.debug(
                "request%s: %s headers=%s body=%s",
                f" (attempt {attempt + 1})" if attempt else "", self._label,
                _redact.headers(request.headers, self._secrets), self._request_body(request),
            )

    def response(self, response: httpx.Response) -> None:
        rid = request_id_of(response.headers)
        logger.info(
            "%s -> %s %s in %.3f s%s%s", self._label, response.status_code, response.reason_phrase,
            time.monotonic() - self._started, f" (request id {rid})" if rid else "",
            f" (attempt {self._attempt + 1})" if self._attempt else "",
        )
        if self._debug:
            logger.debug("response headers=%s", _redact.headers(response.headers, self._secrets))
            if response.status_code >= 400:
                return  # the body is logged by error_body once it has been read
            try:
                body = response.content
            except httpx.ResponseNotRead:  # a stream or a binary body read later by the caller
                return
            logger.debug("response body=%s", self._text(body))

    def error_body(self, body: bytes) -> None:
        if self._debug:
            logger.debug("error body=%s", self._text(body))

    def failed(self, exc: Exception) -> None:
        message = _redact.scrub(str(exc), self._secrets)
        logger.info("%s failed after %.3f s: %s: %s", self._label, time.monotonic() - self._started, type(exc).__name__, message)

    def retry(self, delay: float, attempt: int, max_retries: int) -> None:
        logger.info("retrying %s in %.2f s (retry %d of %d)", self._label, delay, attempt + 1, max_retries)

    def _request_body(self, request: httpx.Request) -> str:
        try:
            content = request.content
        except httpx.RequestNotRead:  # multipart with files: streamed, never held whole
            return f"<{request.headers.get('content-type', 'streamed').split(';')[0]} body>"
        return self._text(content) if content else "<none>"

    def _text(self, body: bytes) -> str:
        # Scrubbed before it is cut, so that a cut never leaves a piece of a key.
        text = _redact.scrub(body[:SCRUB_LIMIT].decode("utf-8", "replace"), self._secrets)
        more = " ..." if len(text) > BODY_LIMIT or len(body) > SCRUB_LIMIT else ""
        return f"({len(body)} bytes) {text[:BODY_LIMIT]}{more}"



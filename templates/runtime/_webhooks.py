"""Webhook bodies: the task a gateway posts to the callback URL given at submission is the same
object its fetch operation answers, so it parses into the same typed model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

import pydantic

from ._errors import WebhookError

T = TypeVar("T")


def parse_webhook(model: type[T], body: bytes | bytearray | str | Mapping[str, Any] | list[Any]) -> T:
    """Parse a webhook body (the raw bytes or text of the request, or the already decoded
    JSON) into ``model``, e.g. ``relaykit.parse_webhook(relaykit.types.<FetchResult>, body)``.
    Raises WebhookError, carrying the body, when it is not JSON or does not fit."""
    if isinstance(body, (bytes, bytearray, str)):
        raw = bytes(body, "utf-8") if isinstance(body, str) else bytes(body)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise WebhookError(f"the webhook body is not JSON: {exc}", body=raw) from None
    else:
        data = body
        raw = json.dumps(body, ensure_ascii=False, default=str).encode()
    try:
        return pydantic.TypeAdapter(model).validate_python(data)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(map(str, first["loc"])) or "(body)"
        raise WebhookError(
            f"the webhook body does not fit {getattr(model, '__name__', model)}: {where}: {first['msg']}",
            body=raw, errors=exc.errors(include_url=False),
        ) from None


__all__ = ["parse_webhook"]

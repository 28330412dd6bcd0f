"""In-body success codes (``x-relaykit-envelope``) and JSON pointers into response bodies.

Some gateways answer HTTP 200 for a refused request and say so in a code inside the body
(``{"code": 24, "description": ...}``). An operation whose spec declares where the
code is and which values mean success has every 200 body checked before it is parsed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from ._errors import EnvelopeError, describe_error

MISSING: Any = object()


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def lookup(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer, or ``MISSING`` when there is none."""
    if pointer == "":
        return document
    node = document
    for raw in pointer[1:].split("/"):
        token = unescape(raw)
        if isinstance(node, dict):
            if token not in node:
                return MISSING
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                return MISSING
            node = node[int(token)]
        else:
            return MISSING
    return node


def same_value(a: Any, b: Any) -> bool:
    """JSON equality: ``1`` is not ``true`` and not ``"1"``."""
    return a == b and isinstance(a, bool) == isinstance(b, bool) and isinstance(a, str) == isinstance(b, str)


@dataclass(frozen=True, slots=True)
class Envelope:
    code: str  # pointer to the code
    message: str | None  # pointer to the human message
    success: tuple[Any, ...]  # code values meaning success

    def check(self, response: httpx.Response, body: bytes) -> None:
        """Raise EnvelopeError when the body's code is present and not a success value."""
        try:
            payload = json.loads(body)
        except ValueError:
            return  # not JSON: the response model decides
        code = lookup(payload, self.code)
        if code is MISSING or any(same_value(code, ok) for ok in self.success):
            return
        message = lookup(payload, self.message) if self.message else MISSING
        if message is MISSING or message is None or message == "":
            message = describe_error(payload)[0] or "the gateway refused the request"
        if not isinstance(message, str):
            message = json.dumps(message, ensure_ascii=False)
        raise EnvelopeError(message, response=response, body=body, code=code)


__all__ = ["MISSING", "Envelope", "lookup"]

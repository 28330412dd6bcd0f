"""What a generated method knows about its endpoint, and how its arguments become a request.

Generated methods pass their ``locals()`` and a static ``Operation``; everything else (argument
validation, serialisation, auth, parsing) happens here, once, for every endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import quote

import pydantic

from ._errors import ArgumentError
from ._streaming import EventDecoder
from ._types import NOT_GIVEN

# The auth headers each security scheme of the spec puts on a request.
AUTH_HEADERS = {
    "bearer": ("authorization", "Bearer {key}"),
    "x-api-key": ("x-api-key", "{key}"),
    "x-goog-api-key": ("x-goog-api-key", "{key}"),
}


@dataclass(frozen=True, slots=True)
class Param:
    py: str  # keyword argument name
    wire: str  # name on the wire
    default: Any = NOT_GIVEN  # sent when the caller gives nothing (spec default)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    path_params: tuple[Param, ...] = ()
    query_params: tuple[Param, ...] = ()
    header_params: tuple[Param, ...] = ()
    body_params: tuple[Param, ...] = ()
    body_model: type[pydantic.BaseModel] | None = None
    response_model: Any = None  # a model class, or None when there is no JSON body
    stream_protocol: str | None = None
    stream_event: Any = None
    stream_param: str | None = None  # wire name of the body flag that turns streaming on
    stream_union: bool = False
    auth: tuple[str, ...] = ("bearer",)
    billable: bool = False  # never retried once it may have reached the server

    @cached_property
    def response_adapter(self) -> pydantic.TypeAdapter[Any] | None:
        if self.response_model is None:
            return None
        return pydantic.TypeAdapter(self.response_model)

    @cached_property
    def event_decoder(self) -> EventDecoder:
        assert self.stream_protocol is not None
        final = pydantic.TypeAdapter(self.response_model if self.response_model is not None else self.stream_event)
        return EventDecoder(self.stream_protocol, pydantic.TypeAdapter(self.stream_event), self.stream_union, final)

    def build(self, args: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, str], Any, bool]:
        """(path, query, headers, body, streaming) from a method's arguments. Raises
        ArgumentError, naming the argument, before anything is sent."""
        path = self.path
        for p in self.path_params:
            value = args[p.py]
            if value is NOT_GIVEN or value is None or value == "":
                raise ArgumentError(f"{p.py} is required and must not be empty", (p.py,))
            path = path.replace("{" + p.wire + "}", quote(str(value), safe=""))
        query = {}
        for p in self.query_params:
            value = args[p.py]
            if value is NOT_GIVEN:
                value = p.default
            if value is not NOT_GIVEN and value is not None:
                query[p.wire] = _query_value(value)
        headers = {}
        for p in self.header_params:
            value = args[p.py]
            if value is NOT_GIVEN:
                value = p.default
            if value is not NOT_GIVEN and value is not None:
                headers[p.wire] = str(value)
        body = None
        streaming = self.stream_protocol is not None and self.stream_param is None
        if self.body_model is not None:
            given = {p.wire: args[p.py] for p in self.body_params if args[p.py] is not NOT_GIVEN}
            body = self.validate_body(given)
            if self.stream_param is not None:
                streaming = given.get(self.stream_param) is True
        return path, query, headers, body, streaming

    def validate_body(self, given: dict[str, Any]) -> dict[str, Any]:
        assert self.body_model is not None
        try:
            model = self.body_model.model_validate(given)
        except pydantic.ValidationError as exc:
            raise _argument_error(exc, self.body_params) from None
        return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [_query_value(v) for v in value]
    return value


def _argument_error(exc: pydantic.ValidationError, params: tuple[Param, ...]) -> ArgumentError:
    py_names = {p.wire: p.py for p in params}
    lines = []
    fields = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        if loc and isinstance(loc[0], str):
            loc[0] = py_names.get(loc[0], loc[0])
        where = "".join(f"[{x}]" if isinstance(x, int) else (f".{x}" if i else str(x)) for i, x in enumerate(loc))
        fields.append(str(loc[0]) if loc else "")
        lines.append(f"  {where or '(body)'}: {err['msg']}")
    names = tuple(dict.fromkeys(fields))
    return ArgumentError(f"invalid argument {', '.join(names)}:\n" + "\n".join(lines), names)

"""What a generated method knows about its endpoint, and how its arguments become a request.

Generated methods pass their ``locals()`` and a static ``Operation``; everything else (argument
validation, serialisation, auth, parsing) happens here, once, for every endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import quote

import pydantic

from ._errors import ArgumentError
from ._files import is_file_list, read_file
from ._models import error_list
from ._streaming import EventDecoder
from ._types import NOT_GIVEN
from ._validation import Validators


@dataclass(frozen=True, slots=True)
class Param:
    py: str  # keyword argument name
    wire: str  # name on the wire
    default: Any = NOT_GIVEN  # sent when the caller gives nothing (spec default)
    file: bool = False  # a file upload (multipart)
    array_form_name: str | None = None  # form field name for a list of files
    kind: str | None = None  # JSON type of a path, query or header parameter
    choices: tuple[Any, ...] | None = None  # the values the spec allows, if it lists them
    multi_segment: bool = False  # a path parameter holding a name of several segments (a/b/c)

    def path_value(self, value: Any) -> str:
        """The parameter as it goes into the path: percent-encoded, with the slashes of a
        multi-segment name kept. A segment that is empty, ``.`` or ``..`` is refused: it would
        move the request elsewhere on the server (or, with ``//``, to another host)."""
        text = str(self.check(value))
        segments = text.split("/") if self.multi_segment else [text]
        if any(s in ("", ".", "..") for s in segments):
            shape = "a name of non-empty segments separated by '/', without '.' or '..'" if self.multi_segment else "a value other than '.' or '..'"
            raise ArgumentError(f"{self.py}: expected {shape}, got {text!r}", (self.py,))
        return "/".join(quote(s, safe="") for s in segments)

    def check(self, value: Any) -> Any:
        """Refuse a parameter value of the wrong type or outside the spec's list."""
        expected = _KINDS.get(self.kind or "")
        if expected is not None and (not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected)):
            raise ArgumentError(f"{self.py}: expected {self.kind}, got {type(value).__name__} {value!r}", (self.py,))
        if self.choices is not None and value not in self.choices:
            raise ArgumentError(f"{self.py}: must be one of {', '.join(map(repr, self.choices))} (got {value!r})", (self.py,))
        return value


_KINDS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
}


@dataclass(frozen=True)
class Body:
    """One request body format of an operation: its content type, model and fields."""

    content_type: str
    model: type[pydantic.BaseModel]
    params: tuple[Param, ...]

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset(p.py for p in self.params)

    @cached_property
    def attrs(self) -> dict[str, str]:
        """Model attribute name of each wire field."""
        return {(field.alias or name): name for name, field in self.model.model_fields.items()}


@dataclass(slots=True)
class Payload:
    """A validated request body, ready for httpx: a model (serialised straight to JSON bytes),
    a JSON value, or multipart form data and files."""

    json: Any = None
    data: dict[str, Any] | None = None
    files: list[tuple[str, Any]] | None = None  # file arguments, loaded by ``load_files``
    model: pydantic.BaseModel | None = None

    def json_bytes(self) -> bytes:
        if self.model is not None:
            return self.model.model_dump_json(by_alias=True, exclude_unset=True).encode()
        return json.dumps(self.json, ensure_ascii=False, separators=(",", ":")).encode()

    def merge(self, extra: dict[str, Any]) -> None:
        """Add ``extra_body`` fields (unvalidated, as the caller asked)."""
        if self.files is not None:
            assert self.data is not None
            self.data.update({k: _form_value(v) for k, v in extra.items()})
            return
        if self.model is not None:
            self.json = self.model.model_dump(mode="json", by_alias=True, exclude_unset=True)
            self.model = None
        self.json.update(extra)

    def load_files(self) -> None:
        """Read the file arguments (blocking I/O: the async client calls this in a thread)."""
        if self.files:
            self.files = [(name, read_file(value, name)) for name, value in self.files]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    path_params: tuple[Param, ...] = ()
    query_params: tuple[Param, ...] = ()
    header_params: tuple[Param, ...] = ()
    bodies: tuple[Body, ...] = ()
    response_model: Any = None  # a model class, or None when there is no JSON body
    response_binary: bool = False
    response_text: bool = False
    stream_protocol: str | None = None
    stream_event: Any = None
    stream_param: str | None = None  # wire name of the body field or query parameter that turns streaming on
    stream_union: bool = False
    stream_value: Any = True  # the value of stream_param that streams (a flag, or e.g. "sse")
    stream_final: Any = None  # the model a stream folds into, when not response_model
    auth: tuple[str, ...] = ()  # security scheme names of the spec (keys of _security.AUTH_SCHEMES)
    # The spec's alternative requirements, when it offers several: the schemes of ``auth`` whose
    # setting is configured are sent, and one alternative must be complete.
    auth_any: tuple[tuple[str, ...], ...] = ()
    billable: bool = False  # never retried once it may have reached the server
    envelope: Any = None  # an _envelope.Envelope: in-body success code checked on 2xx bodies

    @cached_property
    def response_validators(self) -> Validators | None:
        if self.response_model is None:
            return None
        return Validators(self.response_model)

    @cached_property
    def _decoders(self) -> dict[bool, EventDecoder]:
        return {}

    def event_decoder(self, strict: bool = False) -> EventDecoder:
        """The stream's event decoder, validating leniently or (``strict``) to the letter."""
        decoder = self._decoders.get(strict)
        if decoder is None:
            assert self.stream_protocol is not None
            final = Validators(next(m for m in (self.stream_final, self.response_model, self.stream_event) if m is not None))
            decoder = EventDecoder(self.stream_protocol, Validators(self.stream_event), self.stream_union, final, strict)
            self._decoders[strict] = decoder
        return decoder

    @cached_property
    def _body_params(self) -> tuple[Param, ...]:
        seen: dict[str, Param] = {}
        for body in self.bodies:
            for p in body.params:
                seen.setdefault(p.py, p)
        return tuple(seen.values())

    def build(self, args: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, str], Payload | None, bool]:
        """(path, query, headers, body, streaming) from a method's arguments. Raises
        ArgumentError, naming the argument, before anything is sent."""
        path = self.path
        for p in self.path_params:
            value = args[p.py]
            if value is NOT_GIVEN or value is None or value == "":
                raise ArgumentError(f"{p.py} is required and must not be empty", (p.py,))
            path = path.replace("{" + p.wire + "}", p.path_value(value))
        streaming = self.stream_protocol is not None and self.stream_param is None
        query = {}
        for p in self.query_params:
            value = args[p.py]
            if value is NOT_GIVEN:
                value = p.default
            elif value is not None:
                p.check(value)
            if value is not NOT_GIVEN and value is not None:
                query[p.wire] = _query_value(value)
                if p.wire == self.stream_param:
                    streaming = self._streams(value)
        headers = {}
        for p in self.header_params:
            value = args[p.py]
            if value is NOT_GIVEN:
                value = p.default
            elif value is not None:
                p.check(value)
            if value is not NOT_GIVEN and value is not None:
                headers[p.wire] = str(value)
        payload = None
        if self.bodies:
            given = {p.py: args[p.py] for p in self._body_params if args[p.py] is not NOT_GIVEN}
            body = self._choose(given)
            if body.content_type == "multipart/form-data":
                payload = _multipart(body, given)
                if self.stream_param is not None:
                    flag = next((given.get(p.py) for p in body.params if p.wire == self.stream_param), None)
                    streaming = self._streams(flag)
            else:
                payload = Payload(model=_validate(body, {p.wire: given[p.py] for p in body.params if p.py in given}))
                if self.stream_param is not None and self.stream_param in body.attrs:
                    streaming = self._streams(getattr(payload.model, body.attrs[self.stream_param]))
        return path, query, headers, payload, streaming

    def _streams(self, value: Any) -> bool:
        """Whether the stream parameter's value turns streaming on (``True`` only by identity:
        1 is not a yes)."""
        if self.stream_value is True:
            return value is True
        return value is not None and value == self.stream_value

    def _choose(self, given: dict[str, Any]) -> Body:
        if len(self.bodies) == 1:
            return self.bodies[0]
        for body in self.bodies:
            if given.keys() <= body.names:
                return body
        formats = "; ".join(f"{b.content_type}: {', '.join(sorted(given.keys() & b.names))}" for b in self.bodies)
        raise ArgumentError(f"these arguments belong to different request formats ({formats})", tuple(sorted(given)))


def _validate(body: Body, wire_values: dict[str, Any]) -> pydantic.BaseModel:
    try:
        return body.model.model_validate(wire_values)
    except pydantic.ValidationError as exc:
        raise _argument_error(exc, body.params) from None



def _multipart(body: Body, given: dict[str, Any]) -> Payload:
    files: list[tuple[str, Any]] = []
    values: dict[str, Any] = {}
    for p in body.params:
        if given.get(p.py) is None:
            continue  # a form has no null: a field given as None is left out, as if not given
        value = given[p.py]
        if p.file:
            several = is_file_list(value)
            items = list(value) if several else [value]
            name = p.array_form_name if (p.array_form_name and several) else p.wire
            files.extend((name, item) for item in items)
            values[p.wire] = [b""] * len(items) if several else b""  # validated for presence only
        else:
            values[p.wire] = value
    data = _validate(body, values).model_dump(mode="json", by_alias=True, exclude_unset=True)
    form: dict[str, Any] = {}
    for p in body.params:
        if p.file or p.wire not in data:
            continue
        value = data[p.wire]
        form[p.array_form_name if (p.array_form_name and isinstance(value, list)) else p.wire] = _form_value(value)
    return Payload(data=form, files=files)


def _form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_form_value(v) for v in value]
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


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
    for err in error_list(exc):
        loc = list(err["loc"])
        if loc and isinstance(loc[0], str):
            loc[0] = py_names.get(loc[0], loc[0])
        where = "".join(f"[{x}]" if isinstance(x, int) else (f".{x}" if i else str(x)) for i, x in enumerate(loc))
        fields.append(str(loc[0]) if loc else "")
        lines.append(f"  {where or '(body)'}: {err['msg']}")
    names = tuple(dict.fromkeys(fields))
    return ArgumentError(f"invalid argument {', '.join(names)}:\n" + "\n".join(lines), names)


__all__ = ["Body", "Operation", "Param", "Payload"]

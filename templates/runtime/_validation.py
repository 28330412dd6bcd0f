"""How a response body becomes a model: as the models say (the fast path, every call), leniently
when that fails, or strictly when the client asks for it.

Lenient: a required field the gateway left out is absent (it reads as ``None`` and is not in
``model_fields_set``) instead of failing the whole body. Only an object missing every field its
model requires is refused, as not being that model at all.

Strict: the spec exactly. Required fields must be there, and an open union takes only the tags
it lists (an unknown tag fails instead of becoming ``UnknownVariant``).

Both are derived from the type's own core schema, once, the first time they are needed: the fast
path is the plain pydantic validator, so a body that fits costs nothing more.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pydantic
from pydantic_core import SchemaValidator

from ._models import OPEN_UNION


class Validators:
    """The validators of one type: ``adapter`` (fast), ``lenient`` and ``strict``."""

    def __init__(self, tp: Any) -> None:
        self.type = tp
        self.adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(tp)

    @cached_property
    def lenient(self) -> SchemaValidator:
        return SchemaValidator(_derive(self._core_schema(), strict=False), _use_prebuilt=False)

    @cached_property
    def strict(self) -> SchemaValidator:
        return SchemaValidator(_derive(self._core_schema(), strict=True), _use_prebuilt=False)

    def _core_schema(self) -> dict[str, Any]:
        self.adapter.rebuild()  # a deferred schema becomes the real one
        return dict(self.adapter.core_schema)

    def validate_json(self, body: bytes | str, strict: bool = False) -> Any:
        if strict:
            return self.strict.validate_json(body)
        try:
            return self.adapter.validate_json(body)
        except pydantic.ValidationError as exc:
            return self.repair_json(body, exc)

    def validate_python(self, data: Any, strict: bool = False) -> Any:
        if strict:
            return self.strict.validate_python(data)
        try:
            return self.adapter.validate_python(data)
        except pydantic.ValidationError as exc:
            try:
                value = self.lenient.validate_python(data)
            except pydantic.ValidationError:
                raise exc from None
            return self._accept(value, exc)

    def repair_json(self, body: bytes | str, exc: pydantic.ValidationError) -> Any:
        """After the fast path failed with ``exc``: the lenient result, or ``exc`` raised again."""
        try:
            value = self.lenient.validate_json(body)
        except pydantic.ValidationError:
            raise exc from None
        return self._accept(value, exc)

    @staticmethod
    def _accept(value: Any, exc: pydantic.ValidationError) -> Any:
        """Refuse an object that has none of the fields its model requires: it is some other
        kind of object (an error envelope, a status message), not a result with gaps."""
        if isinstance(value, pydantic.BaseModel):
            required = [name for name, field in type(value).model_fields.items() if field.is_required()]
            if required and not value.model_fields_set.intersection(required):
                raise exc
        return value


def _derive(schema: dict[str, Any], strict: bool) -> dict[str, Any]:
    """A copy of a core schema where every required model field may be missing (lenient), or
    where every open union is closed (strict). Shared sub-schemas stay shared."""
    memo: dict[int, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, (list, tuple)):
            return type(node)(walk(x) for x in node)
        if not isinstance(node, dict):
            return node
        done = memo.get(id(node))
        if done is not None:
            return done
        if strict and node.get("type") == "union" and (node.get("metadata") or {}).get(OPEN_UNION):
            known = node["choices"][0]
            out = walk(known[0] if isinstance(known, tuple) else known)
        else:
            out = {key: (value if key == "metadata" else walk(value)) for key, value in node.items()}
            if not strict and out.get("type") == "model-fields":
                out["fields"] = {name: _may_be_missing(field) for name, field in out["fields"].items()}
        memo[id(node)] = out
        return out

    result: dict[str, Any] = walk(schema)
    return result


def _may_be_missing(field: dict[str, Any]) -> dict[str, Any]:
    inner = field["schema"]
    if inner.get("type") == "default":
        return field
    return {**field, "schema": {"type": "default", "schema": inner, "default": None}}

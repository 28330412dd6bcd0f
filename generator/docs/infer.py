"""JSON schemas from what a documentation page gives: its field tables and its examples.

Objects with properties become named component schemas through `name_object`, so the drafts
already follow the spec's rule that every object with properties is a component with a title.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from generator.docs.parse import Field

Schema = dict[str, Any]
NameObject = Callable[[str, Schema], Schema]  # (suggested name, object schema) -> $ref schema

_SCALARS = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


def pascal(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(w[:1].upper() + w[1:] for w in words)


def from_field(f: Field, name: str, name_object: NameObject, request: bool) -> Schema:
    """Schema of one table field (its children, anyOf rows and enum values included)."""
    kind = f.type.strip().lower()
    array = kind.startswith("[") or kind.startswith("array[")
    inner = re.sub(r"^(array)?\[(.*)\]$", r"\2", kind) if array else kind
    if f.variants:
        schema: Schema = {"anyOf": [from_field(v, name, name_object, request) for v in f.variants]}
    elif inner == "object" or f.children:
        schema = object_schema(f.children, name, name_object, request)
    else:
        m = re.fullmatch(r"(\w+)(?:\((\w+)\))?", inner)
        base, fmt = (m.group(1), m.group(2)) if m else ("", None)
        schema = {"type": _SCALARS[base]} if base in _SCALARS else {}
        if fmt:
            schema["format"] = fmt
        if f.enum:
            values = [_enum_value(v, schema.get("type")) for v in f.enum]
            schema = {**schema, "enum": values} if request else {
                "anyOf": [{**schema, "enum": values}, dict(schema)]}
    if array:
        schema = {"type": "array", "items": schema}
    if f.description:
        schema = {**schema, "description": f.description}
    return schema


def _enum_value(value: str, kind: str | None) -> Any:
    try:
        return int(value) if kind == "integer" else float(value) if kind == "number" else value
    except ValueError:
        return value


def object_schema(fields: list[Field], name: str, name_object: NameObject, request: bool) -> Schema:
    if not fields:
        return {"type": "object"}
    props = {f.name: from_field(f, name + pascal(f.name), name_object, request) for f in fields}
    schema: Schema = {"type": "object", "properties": props}
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return name_object(name, schema)


def from_example(value: Any, name: str, name_object: NameObject) -> Schema:
    """Schema inferred from one example value: a null makes a field nullable, arrays take the
    merged shape of their items, objects become named components."""
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, list):
        if not value:
            return {"type": "array"}
        if all(isinstance(v, dict) for v in value):
            merged: dict[str, Any] = {}
            for v in value:
                for k, sub in v.items():
                    merged.setdefault(k, sub)
            return {"type": "array", "items": from_example(merged, name + "Item", name_object)}
        return {"type": "array", "items": from_example(value[0], name + "Item", name_object)}
    if not value:
        return {"type": "object"}
    props = {}
    for key, sub in value.items():
        schema = from_example(sub, name + pascal(key), name_object)
        props[key] = {"type": ["string", "null"]} if schema == {"type": "null"} else schema
    return name_object(name, {"type": "object", "properties": props, "required": list(value)})


def add_example_fields(schema: Schema, value: Any, name: str, name_object: NameObject,
                       components: dict[str, Schema]) -> None:
    """Declare fields an example shows that the field table left out (top level only)."""
    target = components.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
    if not isinstance(value, dict) or "properties" not in target:
        return
    for key, sub in value.items():
        if key not in target["properties"]:
            target["properties"][key] = from_example(sub, name + pascal(key), name_object)

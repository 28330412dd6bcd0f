"""Strict parsing for tests: a payload must fit its model with no unknown field anywhere, no
required field missing and no union variant the spec does not list (the runtime's strict
validator), and dump back to the same JSON."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import relaykit.types as types
from relaykit._sse import SSEDecoder
from relaykit._validation import Validators


def unknown_fields(value: Any, path: str = "$") -> list[str]:
    """Paths of fields the models did not declare (kept by extra="allow")."""
    found: list[str] = []
    if isinstance(value, pydantic.BaseModel):
        for key in value.model_extra or {}:
            found.append(f"{path}.{key}")
        for name in type(value).model_fields:
            found.extend(unknown_fields(value.__dict__.get(name), f"{path}.{name}"))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found.extend(unknown_fields(item, f"{path}[{i}]"))
    elif isinstance(value, dict):
        for key, item in value.items():
            found.extend(unknown_fields(item, f"{path}.{key}"))
    return found


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: numbers compare by value (1 == 1.0), but a bool is not a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


_VALIDATORS: dict[str, Validators] = {}


def validators(schema_name: str) -> Validators:
    found = _VALIDATORS.get(schema_name)
    if found is None:
        found = _VALIDATORS[schema_name] = Validators(getattr(types, schema_name))
    return found


def strict_parse(schema_name: str, payload: Any) -> Any:
    """``payload`` validated strictly into ``schema_name``; raises pydantic's ValidationError."""
    return validators(schema_name).strict.validate_json(json.dumps(payload))


def assert_round_trip(schema_name: str, payload: Any, label: str = "", normalised: bool = False) -> Any:
    """``normalised``: the payload uses alternate (snake_case) spellings that the models accept
    and send back in the canonical spelling; then the dump must be a fixed point instead."""
    ta = validators(schema_name).adapter
    parsed = strict_parse(schema_name, payload)
    extra = unknown_fields(parsed)
    assert not extra, f"{label}: fields not declared in {schema_name}: {extra[:10]}"
    dumped = ta.dump_python(parsed, mode="json", by_alias=True, exclude_unset=True)
    if normalised:
        assert not same_json(dumped, payload), f"{label}: marked normalised but already canonical"
        again = ta.dump_python(validators(schema_name).strict.validate_python(dumped), mode="json", by_alias=True, exclude_unset=True)
        assert same_json(again, dumped), f"{label}: {schema_name} dump is not stable"
    else:
        assert same_json(dumped, payload), f"{label}: {schema_name} does not dump back to the original JSON"
    return parsed


def sse_payloads(body: str) -> list[tuple[str | None, Any]]:
    """(event name, JSON payload) for every event of an SSE body, skipping `[DONE]`."""
    decoder = SSEDecoder()
    events = decoder.feed(body.encode("utf-8") + b"\n\n")
    return [(name, json.loads(data)) for name, data in events if data.strip() and data != b"[DONE]"]

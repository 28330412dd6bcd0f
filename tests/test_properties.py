"""Property tests over the bundled spec: generated instances of every response and stream-event
schema parse strictly into the models and dump back equal; generated instances of every request
body schema, serialised the way the client sends them, still validate against the spec.

Instances come from hypothesis-jsonschema. Resolving and generating the big schemas whole (the
Responses API inlines hundreds of them) takes minutes, so each component is turned into a
strategy once and a ``$ref`` reuses it: hypothesis-jsonschema generates every schema without a
reference in it, and this file only walks the structure around the references (objects, arrays,
unions). Generated objects carry only declared properties, as the strict round-trip requires.
Every instance is checked against the spec schema with jsonschema before it is used.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from relaykit import types
from relaykit._operation import Payload

from .spec_index import dist, ref_name, spec_ops
from .strict import assert_round_trip, same_json

# A few examples per schema keep the suite fast; RELAYKIT_PROPERTY_EXAMPLES=200 searches deeper.
SETTINGS = settings(
    max_examples=int(os.environ.get("RELAYKIT_PROPERTY_EXAMPLES", "8")),
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_ITEMS = 3  # list and map sizes: enough to vary, small enough to stay fast

# Schemas not covered, each with the reason. Empty means every schema is covered; a schema that
# starts failing must be fixed or listed here with its reason, never skipped silently.
SKIPPED: dict[str, str] = {}

# Keywords that only document a schema; left out before hypothesis-jsonschema sees it.
DOC_KEYS = {"description", "title", "examples", "example", "deprecated", "discriminator", "default"}


def components() -> dict[str, Any]:
    return dict(dist()["components"]["schemas"])


@cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    root = {"$ref": f"#/components/schemas/{name}", "components": dist()["components"]}
    return jsonschema.Draft202012Validator(root)


def _clean(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {k: _clean(v) for k, v in schema.items() if k not in DOC_KEYS and not k.startswith("x-")}
        if "properties" in schema:
            out["properties"] = {k: _clean(v) for k, v in schema["properties"].items()}
            out.setdefault("additionalProperties", False)  # declared fields only: strict
        return out
    if isinstance(schema, list):
        return [_clean(v) for v in schema]
    return schema


def _has_ref(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "$ref" in schema or any(_has_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_ref(v) for v in schema)
    return False


@cache
def component(name: str) -> st.SearchStrategy[Any]:
    """The strategy for one component schema (built once, reused by every $ref to it)."""
    return strategy(components()[name])


@cache
def _leaf(key: str) -> st.SearchStrategy[Any]:
    return from_schema(json.loads(key))


def strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    schema = _clean(schema)
    if "$ref" in schema:
        return st.deferred(lambda: component(str(ref_name(schema))))
    if not _has_ref(schema):
        return _leaf(json.dumps(schema, sort_keys=True))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            assert set(schema) == {key}, f"unexpected keywords beside {key}: {sorted(schema)}"
            return st.one_of([strategy(s) for s in schema[key]])
    if "allOf" in schema:
        assert len(schema["allOf"]) == 1, "allOf with several parts is not supported here"
        return strategy(schema["allOf"][0])
    kinds = schema.get("type")
    if isinstance(kinds, list):
        return st.one_of([strategy({**schema, "type": kind}) for kind in kinds])
    if kinds == "null":
        return st.none()
    if kinds == "array":
        items = strategy(schema.get("items", {}))
        low = schema.get("minItems", 0)
        return st.lists(items, min_size=low, max_size=min(schema.get("maxItems", MAX_ITEMS), max(low, MAX_ITEMS)))
    if kinds == "object":
        return _object(schema)
    raise AssertionError(f"cannot generate {schema!r}")


def _object(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    properties = schema.get("properties")
    if properties is None:  # a map
        values = schema.get("additionalProperties", {})
        return st.dictionaries(st.text(max_size=8), strategy(values) if isinstance(values, dict) else st.none(), max_size=MAX_ITEMS)
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {k: strategy(v) for k, v in properties.items() if k in required},
        optional={k: strategy(v) for k, v in properties.items() if k not in required},
    )


def valid_instance(name: str, schema: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Instances of ``schema`` (the component itself by default) that jsonschema accepts for
    component ``name``; the filter removes the rare instance matching two oneOf branches."""
    check = validator(name)
    return (component(name) if schema is None else strategy(schema)).filter(check.is_valid)


# -- the cases -----------------------------------------------------------------------------------


def _response_and_event_cases() -> list[Any]:
    names: set[str] = set()
    for op in spec_ops():
        for name in (op.response_schema, op.event_schema):
            if name:
                names.add(name)
    schemas = components()
    # Stream event unions the client does not parse yet are documented schemas all the same.
    names |= {name for name in schemas if name.endswith("StreamEvent")}
    cases = []
    for name in sorted(names):
        union = schemas[name].get("oneOf") or schemas[name].get("anyOf")
        if union and all("$ref" in s for s in union):  # an event union: every variant, via the union
            for variant in union:
                cases.append(pytest.param(name, variant, id=f"{name}:{ref_name(variant)}"))
        else:
            cases.append(pytest.param(name, None, id=name))
    return cases


def _request_cases() -> list[Any]:
    found: dict[str, str] = {}
    for op in spec_ops():
        for ctype, media in op.request_contents().items():
            name = ref_name(media["schema"])
            assert name, f"{op.label}: request body without a component schema"
            found[name] = ctype
    return [pytest.param(name, ctype, id=name) for name, ctype in sorted(found.items())]


RESPONSE_CASES = _response_and_event_cases()
REQUEST_CASES = _request_cases()


def _skip_if_listed(name: str) -> None:
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])


@pytest.mark.parametrize(("name", "variant"), RESPONSE_CASES)
def test_response_instances_round_trip_strictly(name: str, variant: dict[str, Any] | None) -> None:
    _skip_if_listed(name if variant is None else f"{name}:{ref_name(variant)}")

    @SETTINGS
    @given(valid_instance(name, variant))
    def check(instance: Any) -> None:
        assert_round_trip(name, instance, f"generated {name}")

    check()


@pytest.mark.parametrize(("name", "content_type"), REQUEST_CASES)
def test_request_bodies_sent_by_the_client_validate_against_the_spec(name: str, content_type: str) -> None:
    _skip_if_listed(name)
    model = getattr(types, name)
    spec_check = validator(name)

    @SETTINGS
    @given(valid_instance(name))
    def check(instance: Any) -> None:
        parsed = model.model_validate(instance)
        if content_type == "application/json":
            sent = json.loads(Payload(model=parsed).json_bytes())
        else:  # multipart: the validated fields the client turns into form data
            sent = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in spec_check.iter_errors(sent)]
        assert not errors, f"{name}: the body the client sends does not fit the spec: {errors[:5]}\ninstance: {instance!r}"
        # Valid arguments are sent as given: nothing renamed, dropped, defaulted or coerced.
        assert same_json(sent, instance), f"{name}: the client sends {sent!r}\nfor {instance!r}"

    check()


def test_every_request_response_and_event_schema_is_a_case() -> None:
    covered = {p.values[0] for p in RESPONSE_CASES} | {p.values[0] for p in REQUEST_CASES}
    for op in spec_ops():
        for name in (op.request_schema, op.response_schema, op.event_schema):
            assert name is None or name in covered, f"{op.label}: {name} has no property test"
    assert set(SKIPPED) <= covered | {p.id for p in RESPONSE_CASES}, "a skip names no case"

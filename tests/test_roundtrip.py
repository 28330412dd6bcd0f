"""Strict round-trips: every example in the spec and every recorded payload parses into its
model with no undeclared field, and dumps back to the same JSON. Streams: event by event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURES
from .spec_index import SpecOp, find_op, spec_ops
from .strict import assert_round_trip, sse_payloads

RECORDED = FIXTURES / "recorded"


def spec_examples() -> list[Any]:
    cases = []
    for op in spec_ops():
        media = op.request_contents().get("application/json")
        for name, example in (media or {}).get("examples", {}).items():
            cases.append(pytest.param(op.request_schema, example["value"], example.get("x-relaykit-normalised", False), id=f"{op.spec['operationId']}-request-{name}"))
        media = op.response_media("application/json")
        for name, example in (media or {}).get("examples", {}).items():
            cases.append(pytest.param(op.response_schema, example["value"], example.get("x-relaykit-normalised", False), id=f"{op.spec['operationId']}-response-{name}"))
        media = op.response_media("text/event-stream")
        for name, example in (media or {}).get("examples", {}).items():
            cases.append(pytest.param(op.event_schema, example["value"], False, id=f"{op.spec['operationId']}-stream-{name}"))
    return cases


@pytest.mark.parametrize(("schema", "value", "normalised"), spec_examples())
def test_spec_example(schema: str, value: Any, normalised: bool, request: pytest.FixtureRequest) -> None:
    if isinstance(value, str):  # an SSE body
        events = sse_payloads(value)
        assert events, "an SSE example needs events"
        for i, (_, payload) in enumerate(events):
            assert_round_trip(schema, payload, f"event {i}")
    else:
        assert_round_trip(schema, value, request.node.name, normalised)


def recorded_cases() -> list[Any]:
    manifest = json.loads((RECORDED / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    for entry in manifest:
        cases.append(pytest.param(entry, id=entry["file"]))
    return cases


def schema_for(entry: dict[str, Any]) -> str:
    if entry.get("schema"):
        return str(entry["schema"])
    op: SpecOp | None = find_op(entry["method"], entry["path"])
    assert op is not None, f"no operation in the spec for {entry['method']} {entry['path']}"
    name = {"request": op.request_schema, "response": op.response_schema, "stream": op.event_schema}[entry["kind"]]
    assert name, f"{op.label} has no {entry['kind']} schema"
    return name


@pytest.mark.parametrize("entry", recorded_cases())
def test_recorded_payload(entry: dict[str, Any]) -> None:
    schema = schema_for(entry)
    path: Path = RECORDED / entry["file"]
    if entry["kind"] == "stream":
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        events = [line["data"] for line in lines if line["data"] != "[DONE]"]
        assert events
        for i, payload in enumerate(events):
            assert_round_trip(schema, payload, f"{entry['file']} event {i}")
    else:
        payload = json.loads(path.read_text(encoding="utf-8"))
        assert_round_trip(schema, payload, entry["file"], entry.get("normalised", False))


def test_every_operation_has_examples() -> None:
    def has_example(op: SpecOp) -> bool:
        return any(
            media.get("examples") or "example" in media
            for code, response in op.spec["responses"].items()
            if str(code).startswith("2")
            for media in (response.get("content") or {}).values()
        )

    missing = [op.label for op in spec_ops() if not has_example(op)]
    assert not missing, f"operations without a response example: {missing}"


def all_example_values() -> list[Any]:
    values = []
    for op in spec_ops():
        contents = [op.request_contents()]
        contents += [(r.get("content") or {}) for c, r in op.spec["responses"].items() if str(c).startswith("2")]
        for content in contents:
            for media in content.values():
                values.extend(example["value"] for example in media.get("examples", {}).values())
    return values


SEEDS = sorted(p.relative_to(RECORDED).as_posix() for p in RECORDED.glob("*/seed-*.json"))


@pytest.mark.parametrize("name", SEEDS)
def test_seed_payloads_appear_verbatim_as_spec_examples(name: str) -> None:
    payload = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    assert payload in all_example_values(), f"{name} is not a spec example"

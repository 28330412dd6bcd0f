"""The API change report: each kind of change classed breaking or not for a client."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest

from generator.diff import compare, version_advice

from .conftest import ROOT

BASE: dict[str, Any] = {
    "info": {"version": "1.2.0"},
    "paths": {
        "/v1/things": {
            "post": {
                "operationId": "createThing",
                "x-relaykit-method": "create",
                "parameters": [{"name": "dry", "in": "query", "schema": {"type": "boolean"}}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingRequest"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
            }
        },
        "/v1/things/{id}": {"get": {"operationId": "getThing", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}},
    },
    "components": {
        "schemas": {
            "ThingRequest": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "size": {"type": "integer"}}},
            "Thing": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "size": {"type": "integer"}, "note": {"type": ["string", "null"]}}},
        }
    },
}


def changed(mutate: Any) -> list[tuple[str, str, bool]]:
    new = copy.deepcopy(BASE)
    mutate(new)
    return [(c.kind, c.where, c.breaking) for c in compare(BASE, new)]


CASES = [
    ("operation added", lambda d: d["paths"].update({"/v1/other": {"get": {"operationId": "other", "responses": {}}}}), [("added", "operation GET /v1/other", False)]),
    ("operation removed", lambda d: d["paths"].pop("/v1/things/{id}"), [("removed", "operation GET /v1/things/{id}", True)]),
    ("optional request field added", lambda d: d["components"]["schemas"]["ThingRequest"]["properties"].update(color={"type": "string"}), [("added", "ThingRequest.color", False)]),
    ("required request field added", lambda d: (d["components"]["schemas"]["ThingRequest"]["properties"].update(color={"type": "string"}), d["components"]["schemas"]["ThingRequest"]["required"].append("color")), [("added", "ThingRequest.color", True)]),
    ("request field removed", lambda d: d["components"]["schemas"]["ThingRequest"]["properties"].pop("size"), [("removed", "ThingRequest.size", True)]),
    ("request field made required", lambda d: d["components"]["schemas"]["ThingRequest"]["required"].append("size"), [("required", "ThingRequest.size", True)]),
    ("response field added", lambda d: d["components"]["schemas"]["Thing"]["properties"].update(color={"type": "string"}), [("added", "Thing.color", False)]),
    ("request field widened", lambda d: d["components"]["schemas"]["ThingRequest"]["properties"].update(size={"anyOf": [{"type": "integer"}, {"type": "string"}]}), [("widened", "ThingRequest.size", False)]),
    ("response field widened", lambda d: d["components"]["schemas"]["Thing"]["properties"].update(size={"anyOf": [{"type": "integer"}, {"type": "string"}]}), [("widened", "Thing.size", True)]),
    ("response field retyped", lambda d: d["components"]["schemas"]["Thing"]["properties"].update(size={"type": "string"}), [("retyped", "Thing.size", True)]),
    ("response field made nullable", lambda d: d["components"]["schemas"]["Thing"]["properties"].update(size={"type": ["integer", "null"]}), [("nullable", "Thing.size", True)]),
    ("response field made non-nullable", lambda d: d["components"]["schemas"]["Thing"]["properties"].update(note={"type": "string"}), [("non-nullable", "Thing.note", False)]),
    ("required parameter added", lambda d: d["paths"]["/v1/things"]["post"]["parameters"].append({"name": "x", "in": "header", "required": True, "schema": {"type": "string"}}), [("added", "POST /v1/things parameter header x", True)]),
    ("parameter removed", lambda d: d["paths"]["/v1/things"]["post"].pop("parameters"), [("removed", "POST /v1/things parameter query dry", True)]),
    ("python name changed", lambda d: d["paths"]["/v1/things"]["post"].update({"x-relaykit-method": "make"}), [("retyped", "POST /v1/things name", True)]),
]


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_change_classification(name: str, mutate: Any, expected: list[tuple[str, str, bool]]) -> None:
    assert changed(mutate) == expected


def test_no_change_no_report() -> None:
    assert compare(BASE, copy.deepcopy(BASE)) == []


def test_version_advice() -> None:
    new = copy.deepcopy(BASE)
    new["paths"].pop("/v1/things/{id}")
    breaking = compare(BASE, new)
    assert "major" in (version_advice(BASE, new, breaking) or "")
    new["info"]["version"] = "2.0.0"
    assert version_advice(BASE, new, breaking) is None
    grow = copy.deepcopy(BASE)
    grow["components"]["schemas"]["Thing"]["properties"]["color"] = {"type": "string"}
    assert "bump" in (version_advice(BASE, grow, compare(BASE, grow)) or "")


def test_report_runs_against_a_git_revision() -> None:
    result = subprocess.run([sys.executable, "-m", "generator.diff", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("API surface: HEAD -> working tree")
    python_part = result.stdout.split("Python API (griffe check of generated/relaykit):")[1]
    assert "griffe is not installed" not in python_part

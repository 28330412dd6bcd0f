"""The drift report: the committed documentation snapshots against the bundled spec must have
nothing unexplained for the operations the spec has, and every allowlist entry must still
explain something. Plus the report's own checks on a small hand-made case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.docs.__main__ import EXPORTS, SOURCES, read_export
from generator.docs.drift import drift, format_report, load_allowlist, load_spec
from generator.docs.parse import parse

ROOT = Path(__file__).resolve().parents[1]


def test_snapshots_have_no_unexplained_drift() -> None:
    doc = load_spec(ROOT / "spec" / "dist" / "openapi.json")
    allowlist = load_allowlist(SOURCES / "drift-allowlist.yaml")
    for name in EXPORTS:
        report = drift(name, read_export(SOURCES / name), doc, allowlist)
        assert report.matched, f"{name}: no documented operation matched the spec"
        text = format_report(report)
        assert not report.unexplained, text
        assert not report.stale, text
        # what the spec has is matched by method and path template, so every matched pair agrees on both
        for op, spec in report.matched:
            assert op.method == spec.method


def test_every_source_named_in_the_spec_is_snapshotted() -> None:
    doc = load_spec(ROOT / "spec" / "dist" / "openapi.json")
    named = set()
    for item in doc["paths"].values():
        for op in item.values():
            for source in op.get("x-relaykit-source", []) if isinstance(op, dict) else []:
                # a documentation page is named by its snapshot, never by a copy outside the repo
                assert not source.startswith("docs/"), f"{op['operationId']}: {source} (name the snapshot, spec/sources/...)"
                if source.startswith("spec/sources/"):
                    named.add(source[len("spec/sources/"):].split("#")[0].split(" ")[0])
    assert named and all((SOURCES / n).is_file() for n in named), sorted(n for n in named if not (SOURCES / n).is_file())


EXPORT = """---
title: Demo
---

# Demo/Chat

## POST Chat

POST /v1/chat

> Body Parameters

```json
{"model": "m", "mode": "fast", "extra": 1}
```

### Params

|Name|Location|Type|Required|Title|Description|
|---|---|---|---|---|---|
|Authorization|header|string| yes ||none|
|x-region|header|string| no ||none|
|body|body|object| yes ||none|
|» model|body|string| yes ||none|
|» mode|body|string| no ||none|
|» extra|body|integer| no ||none|

#### Enum

|Name|Value|
|---|---|
|» mode|fast|
|» mode|turbo|

> Response Examples

> 200 Response

```json
{"id": 7, "surprise": true}
```

```json
{}
```

### Responses

|HTTP Status Code |Meaning|Description|Data schema|
|---|---|---|---|
|200|OK|none|Inline|

# Demo/Gemini

## POST Generate

POST /v1beta/models/gemini-2.5-flash:generateContent

### Responses

|HTTP Status Code |Meaning|Description|Data schema|
|---|---|---|---|
|200|OK|none|Inline|

## GET Not in the spec

GET /v1/other

### Responses

|HTTP Status Code |Meaning|Description|Data schema|
|---|---|---|---|
|200|OK|none|Inline|
"""

SPEC: dict[str, Any] = {
    "paths": {
        "/v1/chat": {"post": {
            "operationId": "chat",
            "parameters": [{"name": "x-debug", "in": "query", "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}}}},
        }},
        "/v1beta/models/{model}:generateContent": {"post": {"operationId": "gen", "responses": {}}},
    },
    "components": {"schemas": {
        "Req": {"type": "object", "required": ["model"], "properties": {
            "model": {"type": "string"},
            "mode": {"anyOf": [{"type": "string", "enum": ["fast", "slow"]}, {"type": "string"}]},
            "temperature": {"type": "number"}}},
        "Resp": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
    }},
}


def run(allowlist: list[dict[str, Any]]) -> Any:
    return drift("demo.md", parse(EXPORT), json.loads(json.dumps(SPEC)), allowlist)


def test_drift_items() -> None:
    report = run([])
    assert [f"{op.method} {op.path}" for op, _ in report.matched] == [
        "POST /v1/chat", "POST /v1beta/models/gemini-2.5-flash:generateContent"]
    assert [op.path for op in report.missing] == ["/v1/other"]
    found = sorted((i.kind, i.name) for i in report.items)
    assert found == [
        ("enum-not-in-docs", "mode=slow"),
        ("enum-not-in-spec", "mode=turbo"),
        ("field-not-in-docs", "temperature"),
        ("field-not-in-spec", "extra"),
        ("param-not-in-docs", "query:x-debug"),
        ("param-not-in-spec", "header:x-region"),
        ("response-example-invalid", "200@L40"),
        ("response-field-undeclared", "200:surprise"),
    ]  # the `{}` example (the export's "nothing documented") is not checked
    text = format_report(report)
    assert "  Chat    1/1\n  Gemini  1/2\n" in text
    assert "documented operations not in the spec: 1 (reported, not failed)" in text
    assert "unexplained: 8, allowed: 0, stale allowlist entries: 0" in text


def test_allowlist_explains_and_goes_stale() -> None:
    allow = [
        {"operation": "POST /v1/chat", "kind": "field-not-in-spec", "match": ["ext*"], "reason": "doc typo"},
        {"operation": "POST /v1/chat", "kind": "param-not-in-spec", "match": ["header:x-gone"], "reason": "old"},
    ]
    report = run(allow)
    explained = [(i.name, i.reason) for i in report.items if i.reason]
    assert explained == [("extra", "doc typo")]
    assert [e["match"] for e in report.stale] == [["header:x-gone"]]
    assert "stale allowlist entry (matches nothing): POST /v1/chat param-not-in-spec" in format_report(report)


def test_allowlist_entries_need_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "allow.yaml"
    path.write_text("demo.md:\n  - {operation: POST /x, kind: field-not-in-spec, match: [a]}\n", encoding="utf-8")
    try:
        load_allowlist(path)
    except ValueError as exc:
        assert "demo.md[0] lacks reason" in str(exc)
    else:
        raise AssertionError("an entry without a reason was accepted")

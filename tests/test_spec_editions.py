"""The published editions (generator/publish.py): what the 3.1 edition rewrites for other
languages' generators, on small inline documents and on spec/dist/, and the OpenAPI 3.2 edition,
spec/dist/openapi-3.2.yaml, with itemSchema on every event stream, linted by Redocly CLI (which
reads 3.2; Spectral 6 does not know it)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.publish import ALTERNATIVE_BODIES, OCTET_STREAM, edition_31, edition_32
from generator.validate import is_binary_type, resolve

from .conftest import ROOT
from .spec_index import dist
from .test_spec_quality import LINT, allowed_warnings, node_tool, run

DIST_32 = ROOT / "spec" / "dist" / "openapi-3.2.yaml"
FILE = {"type": "string", "format": "binary"}


def document(operation: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/v1/things": {"post": operation}},
        "components": {"schemas": schemas},
    }


def multipart(schema: str, **media: Any) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {"$ref": f"#/components/schemas/{schema}"}, **media}}}, "responses": {}}


def upload_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["image"],
        "properties": {
            "image": {"description": "One file or several.", "x-relaykit-array-form-name": "image[]", "anyOf": [dict(FILE), {"type": "array", "items": dict(FILE)}]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "names": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "prompt": {"type": "string"},
        },
    }


# -- the 3.1 edition, on inline documents -------------------------------------------------------


def test_a_field_of_one_file_or_several_becomes_an_array_of_files() -> None:
    op = multipart("Upload", examples={"one": {"value": {"image": "<a.png>", "prompt": "p"}}, "two": {"value": {"image": ["<a.png>", "<b.png>"]}}})
    source = document(op, Upload=upload_schema())
    before = copy.deepcopy(source)
    out = edition_31(source)
    assert source == before  # the merged spec relaykit is generated from is left as it was
    image = out["components"]["schemas"]["Upload"]["properties"]["image"]
    assert image == {"description": "One file or several.", "x-relaykit-array-form-name": "image[]", "type": "array", "items": FILE}
    # a union that is not of files stays as it was
    assert out["components"]["schemas"]["Upload"]["properties"]["names"] == upload_schema()["properties"]["names"]
    media = out["paths"]["/v1/things"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert media["examples"]["one"]["value"] == {"image": ["<a.png>"], "prompt": "p"}
    assert media["examples"]["two"]["value"] == {"image": ["<a.png>", "<b.png>"]}
    # every array field is said to go as one part per item, bytes as they are
    assert media["encoding"] == {
        "image": {"style": "form", "explode": True, "allowReserved": True},
        "tags": {"style": "form", "explode": True, "allowReserved": True},
    }


def test_a_declared_encoding_is_kept_and_a_single_file_field_is_left_alone() -> None:
    schema = upload_schema()
    schema["properties"]["image"] = {**FILE, "description": "One file."}
    op = multipart("Upload", encoding={"tags": {"contentType": "text/plain"}})
    out = edition_31(document(op, Upload=schema))
    assert out["components"]["schemas"]["Upload"]["properties"]["image"] == {**FILE, "description": "One file."}
    encoding = out["paths"]["/v1/things"]["post"]["requestBody"]["content"]["multipart/form-data"]["encoding"]
    assert encoding == {"tags": {"contentType": "text/plain"}}


def test_a_json_body_is_not_rewritten() -> None:
    op = {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}}, "responses": {}}
    source = document(op, Upload=upload_schema())
    assert edition_31(source) == source


def test_a_second_body_form_moves_to_the_extension() -> None:
    json_media = {"schema": {"$ref": "#/components/schemas/Json"}, "examples": {"j": {"value": {"prompt": "p"}}}}
    op = {"operationId": "edit", "requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {"$ref": "#/components/schemas/Upload"}},
        "application/json": json_media,
    }}, "responses": {"200": {"description": "ok"}}, "x-relaykit-method": "edit"}
    out = edition_31(document(op, Upload=upload_schema(), Json={"type": "object"}))["paths"]["/v1/things"]["post"]
    assert list(out["requestBody"]["content"]) == ["multipart/form-data"]
    assert out[ALTERNATIVE_BODIES] == {"application/json": json_media}
    assert list(out) == ["operationId", "requestBody", ALTERNATIVE_BODIES, "responses", "x-relaykit-method"]


def test_one_body_form_is_left_alone() -> None:
    op = {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}, "responses": {}}
    assert ALTERNATIVE_BODIES not in edition_31(document(op))["paths"]["/v1/things"]["post"]


def test_a_binary_response_also_offers_octet_stream() -> None:
    audio = {"audio/mpeg": {"schema": dict(FILE), "examples": {"mp3": {"value": "ID3"}}}, "audio/wav": {"schema": dict(FILE)}}
    op = {"responses": {
        "200": {"description": "audio", "content": copy.deepcopy(audio)},
        "201": {"description": "mixed", "content": {"application/json": {"schema": {"type": "object"}}, "image/png": {"schema": dict(FILE)}}},
        "202": {"description": "already", "content": {OCTET_STREAM: {"schema": dict(FILE)}}},
        "203": {"description": "or a stream", "content": {"audio/mpeg": {"schema": dict(FILE)}, "text/event-stream": {"schema": {"type": "string"}}}},
        "default": {"description": "error", "content": {"audio/mpeg": {"schema": dict(FILE)}}},
    }}
    out = edition_31(document(op))["paths"]["/v1/things"]["post"]["responses"]
    assert list(out["200"]["content"]) == ["audio/mpeg", "audio/wav", OCTET_STREAM]  # appended: the first stays the default
    assert out["200"]["content"][OCTET_STREAM] == {"schema": FILE}
    assert OCTET_STREAM not in out["201"]["content"]  # a JSON alternative: not a binary-only response
    assert list(out["202"]["content"]) == [OCTET_STREAM]
    # before the text alternative: generators take the first media type they can read
    assert list(out["203"]["content"]) == ["audio/mpeg", OCTET_STREAM, "text/event-stream"]
    assert list(out["default"]["content"]) == ["audio/mpeg"]  # errors are not downloads


@pytest.mark.parametrize("broken", [
    {"responses": "nope"},
    {"requestBody": ["x"], "responses": {"200": {"content": "x"}}},
    {"requestBody": {"content": {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/Missing"}}}}},
    {"requestBody": {"content": {"multipart/form-data": {"schema": {"properties": "x"}, "examples": "x"}}}},
])
def test_malformed_spots_are_left_for_the_validator(broken: dict[str, Any]) -> None:
    # The editions are made before the spec is validated; the validator reports these, with pointers.
    doc = document(broken)
    assert edition_32(edition_31(doc))["paths"] == doc["paths"]


# -- the 3.2 edition, on an inline document -----------------------------------------------------


def streaming(protocol: str) -> dict[str, Any]:
    return {
        "x-relaykit-stream": {"protocol": protocol, "event": "Chunk", "param": "stream"},
        "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Whole"}, "examples": {"w": {"value": {"id": "1"}}}},
            "text/event-stream": {"schema": {"type": "string", "description": "The whole stream."}, "examples": {"s": {"summary": "two", "value": "data: {}\n\ndata: [DONE]\n\n"}}},
        }}},
    }


def test_the_32_edition_describes_each_event_with_item_schema() -> None:
    published = edition_31(document(streaming("openai-chat"), Chunk={"type": "object"}, Whole={"type": "object"}))
    out = edition_32(published)
    assert out["openapi"] == "3.2.0" and published["openapi"] == "3.1.0"
    content = out["paths"]["/v1/things"]["post"]["responses"]["200"]["content"]
    assert content["application/json"] == published["paths"]["/v1/things"]["post"]["responses"]["200"]["content"]["application/json"]
    media = content["text/event-stream"]
    assert "schema" not in media
    item = media["itemSchema"]
    assert item["type"] == "object" and item["required"] == ["data"]
    assert item["properties"]["data"] == {"type": "string", "contentMediaType": "application/json", "contentSchema": {"$ref": "#/components/schemas/Chunk"}}
    assert set(item["properties"]) == {"event", "data", "id", "retry"}
    assert "[DONE]" in item["description"]  # the chat protocol's end marker is not JSON
    assert media["examples"] == {"s": {"summary": "two", "serializedValue": "data: {}\n\ndata: [DONE]\n\n"}}


def test_the_32_edition_names_no_end_marker_for_protocols_without_one() -> None:
    out = edition_32(edition_31(document(streaming("anthropic"), Chunk={"type": "object"}, Whole={"type": "object"})))
    item = out["paths"]["/v1/things"]["post"]["responses"]["200"]["content"]["text/event-stream"]["itemSchema"]
    assert "[DONE]" not in item["description"] and "`event` repeats" in item["description"]


# -- spec/dist/ -------------------------------------------------------------------------------


@cache
def dist_32() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(DIST_32.read_text(encoding="utf-8"), Loader=loader)  # type: ignore[no-any-return]


def operations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", op) for path, item in doc["paths"].items() for method, op in item.items() if isinstance(op, dict) and "responses" in op]


def test_published_bodies_are_what_generators_read() -> None:
    doc = dist()
    alternatives = 0
    for label, op in operations(doc):
        content = (op.get("requestBody") or {}).get("content", {})
        assert len(content) <= 1, f"{label}: several body forms in requestBody"
        alternatives += len(op.get(ALTERNATIVE_BODIES, {}))
        media = content.get("multipart/form-data")
        if media is None:
            continue
        schema = resolve(doc, media["schema"]["$ref"])
        for name, prop in schema["properties"].items():
            assert not any(v.get("format") == "binary" or v.get("type") == "array" for v in prop.get("anyOf", []) + prop.get("oneOf", [])), f"{label}: {name} is a union of files"
            if prop.get("type") == "array":
                assert media["encoding"][name] == {"style": "form", "explode": True, "allowReserved": True}, f"{label}: {name}"
    assert alternatives >= 1  # the JSON form of the image edit is kept, beside the multipart one


def test_published_binary_downloads_offer_octet_stream() -> None:
    downloads = 0
    for label, op in operations(dist()):
        for code, response in op["responses"].items():
            content = response.get("content", {})
            if str(code).startswith("2") and any(map(is_binary_type, content)) and "application/json" not in content:
                downloads += 1
                assert content.get(OCTET_STREAM) == {"schema": FILE}, label
                kinds = [is_binary_type(c) or c == OCTET_STREAM for c in content]
                assert kinds == sorted(kinds, reverse=True), f"{label}: a text type before the bytes"
    assert downloads >= 2  # speech and the Midjourney image at least


def test_the_32_edition_is_the_31_one_with_item_schemas() -> None:
    published, edition = dist(), dist_32()
    assert edition == edition_32(published)  # what is committed is what the generator makes from dist
    streams = 0
    for label, op in operations(edition):
        for response in op["responses"].values():
            media = response.get("content", {}).get("text/event-stream")
            if media is None:
                continue
            streams += 1
            ref = media["itemSchema"]["properties"]["data"]["contentSchema"]["$ref"]
            assert ref == f"#/components/schemas/{op['x-relaykit-stream']['event']}", label
            resolve(edition, ref)
            assert "schema" not in media and all("serializedValue" in e for e in media["examples"].values()), label
    assert streams == sum(1 for _, op in operations(published) for r in op["responses"].values() if "text/event-stream" in r.get("content", {}))
    assert streams == sum(1 for _, op in operations(published) if "x-relaykit-stream" in op) > 0


def redocly_lint(path: Path) -> tuple[dict[str, Any], str]:
    step = run(f"redocly lint --config spec/lint/redocly.yaml {path.name}", [node_tool("redocly"), "lint", "--config", str(LINT / "redocly.yaml"), "--format", "json", str(path)])
    try:
        return json.loads(step.stdout), step.show()
    except ValueError:
        pytest.fail(step.show())


@pytest.mark.tools
def test_redocly_lints_the_32_edition() -> None:
    report, shown = redocly_lint(DIST_32)
    rendered = "\n".join(f"{p['severity']} {p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}" for p in report["problems"])
    assert report["totals"]["errors"] == 0, f"{shown}\n{rendered}"
    kept = allowed_warnings(LINT / "redocly.yaml")
    assert not [p for p in report["problems"] if p["severity"] == "warn" and p["ruleId"] not in kept], rendered


@pytest.mark.tools
def test_redocly_reads_32(tmp_path: Path) -> None:
    # The linter knows 3.2's media type object: a misspelt itemSchema is an error, not ignored.
    doc = edition_32(edition_31(document(streaming("openai-chat"), Chunk={"type": "object"}, Whole={"type": "object"})))
    media = doc["paths"]["/v1/things"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    media["itemSchemas"] = media.pop("itemSchema")
    path = tmp_path / "misspelt.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    report, shown = redocly_lint(path)
    assert any(p["ruleId"] == "struct" and "itemSchemas" in p["message"] for p in report["problems"]), shown

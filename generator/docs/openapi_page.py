"""Read a documentation page that embeds an OpenAPI document in a ```yaml block (CometAPI's
Apidog pages) into the same operations the Apifox reader gives, so the drift report treats both
kinds of page alike. Local `$ref`s of the embedded document are followed."""

from __future__ import annotations

import re
from typing import Any

import yaml

from generator.docs.parse import Example, Export, Failure, Field, Operation, Param, ResponseExample

_METHODS = ("get", "post", "put", "patch", "delete")


# The fence may be longer than three backticks and carry more after `yaml` (Mintlify pages name
# the file and the operation there: ````yaml api/x.json POST /v1/videos); it closes with the
# same number of backticks.
_BLOCK = re.compile(r"^(`{3,})yaml[^\n]*\n(openapi: .*?)^\1\s*$", re.M | re.S)


def is_openapi_page(text: str) -> bool:
    return _BLOCK.search(text) is not None


def parse_openapi_page(text: str) -> Export:
    lines = text.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), "")
    m = _BLOCK.search(text)
    if m is None:
        return Export(title, [], [Failure(1, title, "no ```yaml OpenAPI block")])
    start = text[:m.start(2)].count("\n") + 1
    try:
        doc = yaml.safe_load(m.group(2))
    except yaml.YAMLError as exc:
        return Export(title, [], [Failure(start, title, f"the OpenAPI block is not YAML ({exc})")])
    ops = []
    for path, item in (doc.get("paths") or {}).items():
        line = next((start + i for i, text_line in enumerate(m.group(2).splitlines())
                     if text_line.strip() == f"{path}:"), start)
        for method, spec in item.items():
            if method in _METHODS:
                ops.append(_operation(doc, title, method.upper(), path, spec, line))
    return Export(title, ops, [])


def _resolve(doc: dict[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    while isinstance(schema, dict) and "$ref" in schema and depth < 20:
        node: Any = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema, depth = node, depth + 1
    return schema if isinstance(schema, dict) else {}


def _field(doc: dict[str, Any], name: str, schema: Any, required: bool, depth: int) -> Field:
    s = _resolve(doc, schema)
    kind = s.get("type", "")
    f = Field(name, f"[{_resolve(doc, s.get('items')).get('type', '')}]" if kind == "array" else str(kind),
              required, str(s.get("description", "")))
    f.enum = [str(v) for v in s.get("enum", [])]
    if depth < 4:
        f.children = _fields(doc, s, depth + 1)
        for key in ("anyOf", "oneOf"):
            f.variants += [_field(doc, "*anonymous*", v, False, depth + 1) for v in s.get(key, [])]
    return f


def _fields(doc: dict[str, Any], schema: Any, depth: int) -> list[Field]:
    s = _resolve(doc, schema)
    if s.get("type") == "array":
        s = _resolve(doc, s.get("items"))
    required = set(s.get("required", []))
    return [_field(doc, name, sub, name in required, depth) for name, sub in (s.get("properties") or {}).items()]


def _examples(media: dict[str, Any], line: int) -> list[Example]:
    values = ([media["example"]] if "example" in media else []) + [
        e.get("value") for e in (media.get("examples") or {}).values() if isinstance(e, dict)]
    return [Example(line, "json", "", value=v) for v in values if v is not None]


def _operation(doc: dict[str, Any], family: str, method: str, path: str, spec: dict[str, Any], line: int) -> Operation:
    op = Operation(family, method, path, str(spec.get("summary", "")), line, str(spec.get("description", "")))
    for p in spec.get("parameters", []):
        p = _resolve(doc, p)
        schema = _resolve(doc, p.get("schema"))
        op.params.append(Param(p.get("name", ""), p.get("in", ""), str(schema.get("type", "")),
                               bool(p.get("required")), str(p.get("description", "")),
                               [str(v) for v in schema.get("enum", [])]))
    for media in (spec.get("requestBody") or {}).get("content", {}).values():
        op.body = Field("body", "object", True, children=_fields(doc, media.get("schema"), 1))
        op.request_examples += _examples(media, line)
        break
    for status, response in (spec.get("responses") or {}).items():
        response = _resolve(doc, response)
        op.responses[str(status)] = str(response.get("description", ""))
        for media_type, media in (response.get("content") or {}).items():
            if "json" in media_type:
                op.response_examples += [ResponseExample(str(status), "", ex) for ex in _examples(media, line)]
    return op

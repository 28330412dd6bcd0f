"""Draft family files for documented operations the spec does not have yet.

A draft follows spec/CONVENTIONS.md in form (operationId, summary, tag, x-relaykit-resource and
-method proposed from the headings and the path, x-relaykit-source pointing at the snapshot line,
named component schemas with titles, examples), but it is a starting point: names, unions,
shared schemas and descriptions in the project's own words are a person's work.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from generator.docs import infer
from generator.docs.drift import IGNORED_HEADERS, find_spec_op, spec_operations
from generator.docs.parse import Export, Operation

_VERSION = re.compile(r"^(v\d+(beta)?|api|openapi)$")
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def slug(text: str) -> str:
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-") or "family"


def python_name(method: str, path: str) -> tuple[str, str]:
    """Proposed (x-relaykit-resource, x-relaykit-method): the vendor segment and the last
    plain segment of the path; the verb from the HTTP method and a trailing parameter."""
    segs = [s for s in path.split("/") if s and not _VERSION.match(s)]
    plain = [re.sub(r"[^a-z0-9]+", "_", s.split(":")[0].lower()).strip("_") for s in segs if "{" not in s]
    words = [w for w in plain if w] or ["root"]
    resource = ".".join(dict.fromkeys([words[0], words[-1]]))
    if method == "GET":
        verb = "retrieve" if segs and "{" in segs[-1] else "list"
    else:
        verb = _VERBS.get(method, method.lower())
    return resource, verb


def operation_id(op: Operation, taken: set[str]) -> str:
    words = re.findall(r"[A-Za-z0-9]+", op.title) if op.title.isascii() and "PASTE" not in op.title else []
    if not words:
        words = re.findall(r"[A-Za-z0-9]+", op.template.replace("{", "").replace("}", ""))[-4:]
    verb = python_name(op.method, op.template)[1]
    base = verb + "".join(w[:1].upper() + w[1:] for w in words[:6] if w.lower() != verb)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


class _Components:
    def __init__(self, taken: set[str]) -> None:
        self.schemas: dict[str, Any] = {}
        self.taken = taken

    def name(self, suggested: str, schema: dict[str, Any]) -> dict[str, Any]:
        name, n = suggested, 2
        while name in self.taken or name in self.schemas:
            name, n = f"{suggested}{n}", n + 1
        self.schemas[name] = {"title": name, **schema}
        return {"$ref": f"#/components/schemas/{name}"}


def draft_operation(op: Operation, source: str, ids: set[str], comps: _Components) -> dict[str, Any]:
    op_id = operation_id(op, ids)
    base = op_id[:1].upper() + op_id[1:]
    resource, method = python_name(op.method, op.template)
    out: dict[str, Any] = {
        "operationId": op_id,
        "summary": op.title if op.title.isascii() and "PASTE" not in op.title else op_id,
        "description": op.description or f"{op.method} {op.path} ({op.family}).",
        "tags": [slug(op.family.split("/")[-1] if op.family else "docs")],
        "x-relaykit-resource": resource,
        "x-relaykit-method": method,
        "x-relaykit-source": [f"{source}#L{op.line}"],
    }
    params = [{"name": p.name, "in": p.location, "required": p.required or p.location == "path",
               "schema": {"type": "string", **({"enum": p.enum} if p.enum else {})},
               **({"description": p.description} if p.description else {})}
              for p in op.params if p.name.lower() not in IGNORED_HEADERS and p.location in ("path", "query", "header")]
    for name in re.findall(r"\{(\w+)\}", op.template):
        if not any(p["name"] == name and p["in"] == "path" for p in params):
            params.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    if params:
        out["parameters"] = params
    if op.body is not None and (op.body.children or op.request_examples):
        multipart = any(f.type.endswith("(binary)") for f in op.body.children)
        schema = infer.object_schema(op.body.children, base + "Request", comps.name, request=True)
        content: dict[str, Any] = {"schema": schema}
        examples = {f"example{n}" if n > 1 else "example": {"summary": op.title, "value": ex.value}
                    for n, ex in enumerate((e for e in op.request_examples if e.value is not None), 1)}
        if examples and not multipart:
            content["examples"] = examples
        out["requestBody"] = {"required": True,
                              "content": {"multipart/form-data" if multipart else "application/json": content}}
    out["responses"] = _responses(op, base, comps)
    return out


def _responses(op: Operation, base: str, comps: _Components) -> dict[str, Any]:
    out: dict[str, Any] = {}
    statuses = [s for s in op.responses if s.startswith("2")] or ["200"]
    for status in statuses:
        examples = [r.example for r in op.response_examples if r.status == status and r.example.value is not None]
        table = op.response_fields.get(status)
        name = base + "Response"
        if table is not None and table.children:
            schema = infer.object_schema(table.children, name, comps.name, request=False)
        elif examples:
            schema = infer.from_example(examples[0].value, name, comps.name)
        else:
            schema = {"type": "object"}
        for ex in examples:
            infer.add_example_fields(schema, ex.value, name, comps.name, comps.schemas)
        content: dict[str, Any] = {"schema": schema}
        if examples:
            content["examples"] = {f"example{n}" if n > 1 else "example": {"summary": op.title, "value": ex.value}
                                   for n, ex in enumerate(examples, 1)}
        out[status] = {"description": op.responses.get(status) or "Success.",
                       "content": {"application/json": content}}
    out["default"] = {"$ref": "#/components/responses/Error"}
    return out


def write_drafts(export: Export, doc: dict[str, Any], source: str, family: str, out: Path,
                 only_line: int = 0) -> dict[str, int]:
    """Write one draft file per documented family; returns {file: operation count}."""
    spec_ops = spec_operations(doc)
    ids = {s.op.get("operationId", "") for s in spec_ops}
    taken = set(doc.get("components", {}).get("schemas", {}))
    files: dict[str, dict[str, Any]] = {}
    comps_by_file: dict[str, _Components] = {}
    for op in export.operations:
        if not op.family.startswith(family) or (only_line and op.line != only_line):
            continue
        if find_spec_op(op, spec_ops) is not None:
            continue
        name = slug(op.family) + ".yaml"
        comps = comps_by_file.setdefault(name, _Components(taken))
        paths = files.setdefault(name, {}).setdefault(op.template, {})
        paths[op.method.lower()] = draft_operation(op, source, ids, comps)
        taken |= set(comps.schemas)
    written: dict[str, int] = {}
    for name, paths in files.items():
        body = {"paths": paths, "components": {"schemas": _in_reading_order(paths, comps_by_file[name].schemas)}}
        out.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
        (out / name).write_text(f"# Draft imported from {source}; curate before adding it to the spec.\n" + text,
                                encoding="utf-8")
        written[str(out / name)] = sum(len(v) for v in paths.values())
    return written


def _in_reading_order(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Schemas in the order a reader meets them: each after the first schema that uses it."""
    order: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if name in schemas and name not in order:
                order.append(name)
                visit(schemas[name])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(paths)
    return {name: schemas[name] for name in order + [n for n in schemas if n not in order]}

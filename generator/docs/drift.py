"""Compare documentation snapshots with the spec, operation by operation.

A documented operation matches a spec operation with the same method and path, where a spec
`{param}` segment matches any documented segment and `{model}:verb` any `<x>:verb`. For each
matched pair the report lists what the two disagree on (request fields, parameters, enum values,
undeclared response fields, examples that do not validate; an empty `{}` response example is
the export's placeholder and is not checked). Items named in the allowlist are
explained; the rest are unexplained. Documented operations the spec lacks are counted per family.
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.docs import schemas
from generator.docs.parse import Export, Operation, walk
from generator.publish import ALTERNATIVE_BODIES

IGNORED_HEADERS = {"authorization", "content-type", "accept"}
_HTTP = ("get", "post", "put", "patch", "delete", "head", "options")


@dataclass
class Item:
    operation: str  # "METHOD /documented/path"
    kind: str
    name: str
    detail: str = ""
    reason: str | None = None  # set when the allowlist explains it


@dataclass
class SpecOp:
    method: str
    path: str
    op: dict[str, Any]
    path_item: dict[str, Any]


@dataclass
class Report:
    source: str
    export: Export
    matched: list[tuple[Operation, SpecOp]] = field(default_factory=list)
    missing: list[Operation] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Item]:
        return [i for i in self.items if i.reason is None]


def spec_operations(doc: dict[str, Any]) -> list[SpecOp]:
    return [SpecOp(m.upper(), p, op, item) for p, item in doc.get("paths", {}).items()
            for m, op in item.items() if m in _HTTP]


def segment_matches(spec_seg: str, doc_seg: str) -> bool:
    if spec_seg.startswith("{") and spec_seg.endswith("}"):
        return bool(doc_seg)
    if spec_seg.startswith("{") and "}:" in spec_seg:
        return doc_seg.endswith(":" + spec_seg.split("}:", 1)[1]) and not doc_seg.startswith(":")
    return spec_seg == doc_seg


def find_spec_op(op: Operation, ops: list[SpecOp]) -> SpecOp | None:
    """The spec operation a documented one is; the most literal path wins, so `/files/gcs` and
    `/files/{id}:download` are not taken for `/files/{id}`."""
    doc_segs = op.path.rstrip("/").split("/")
    best: tuple[int, SpecOp] | None = None
    for spec in ops:
        spec_segs = spec.path.rstrip("/").split("/")
        if spec.method == op.method and len(spec_segs) == len(doc_segs) and all(
                segment_matches(s, d) for s, d in zip(spec_segs, doc_segs, strict=True)):
            literal = sum(not s.startswith("{") or "}:" in s for s in spec_segs)
            if best is None or literal > best[0]:
                best = (literal, spec)
    return best[1] if best else None


def _request_schemas(spec: SpecOp) -> list[tuple[str, Any]]:
    # every body form: the published edition keeps the first in requestBody, the others beside it
    content = {**spec.op.get("requestBody", {}).get("content", {}), **spec.op.get(ALTERNATIVE_BODIES, {})}
    return [(media, c["schema"]) for media, c in content.items() if "schema" in c]


def _response_schema(spec: SpecOp, status: str) -> Any:
    responses = spec.op.get("responses", {})
    response = responses.get(status) or (responses.get("default") if not status.startswith("2") else None)
    if response is None:
        return None
    return response.get("content", {}).get("application/json", {}).get("schema")


def compare(op: Operation, spec: SpecOp, doc: dict[str, Any]) -> list[Item]:
    key = f"{op.method} {op.path}"
    items: list[Item] = []

    def add(kind: str, name: str, detail: str = "") -> None:
        items.append(Item(key, kind, name, detail))

    bodies = _request_schemas(spec)
    spec_fields: set[str] = set()
    for _, schema in bodies:
        spec_fields |= schemas.field_paths(doc, schema)
    doc_fields = walk(op.body) if op.body is not None else []
    for path, f in doc_fields:
        if path not in spec_fields:
            add("field-not-in-spec", path, f.type)
            continue
        allowed = schemas.enum_values(doc, [s for _, b in bodies for s in schemas.at_path(doc, b, path)])
        if allowed is not None and f.enum:
            for value in f.enum:
                if value not in allowed:
                    add("enum-not-in-spec", f"{path}={value}")
            for value in sorted(allowed - set(f.enum)):
                add("enum-not-in-docs", f"{path}={value}")
    if doc_fields:  # a page whose body is a bare `object` documents no fields, only its example
        documented = {p for p, _ in doc_fields}
        top = {p for p in spec_fields if "." not in p}
        for name in sorted(top - documented):
            add("field-not-in-docs", name)

    spec_params = {(p.get("in"), p["name"].lower()): p for p in
                   [*spec.path_item.get("parameters", []), *spec.op.get("parameters", [])]}
    doc_params = {(p.location, p.name.lower()): p for p in op.params
                  if p.location in ("query", "header") and p.name.lower() not in IGNORED_HEADERS}
    for (loc, name), p in doc_params.items():
        if (loc, name) not in spec_params:
            add("param-not-in-spec", f"{loc}:{p.name}")
            continue
        param_enum = schemas.enum_values(doc, [spec_params[(loc, name)].get("schema", {})])
        for value in p.enum if param_enum is not None else []:
            if param_enum is not None and value not in param_enum:
                add("enum-not-in-spec", f"{loc}:{p.name}={value}")
    for (loc, name), p in spec_params.items():
        if loc in ("query", "header") and (loc, name) not in doc_params and name not in IGNORED_HEADERS:
            add("param-not-in-docs", f"{loc}:{p['name']}")

    json_bodies = [s for media, s in bodies if media == "application/json"]
    for ex in op.request_examples:
        if ex.value is None or not json_bodies:
            continue
        errs = schemas.errors(doc, ex.value, json_bodies[0])
        if errs:
            add("request-example-invalid", f"L{ex.line}", "; ".join(errs[:3]))
    for rex in op.response_examples:
        schema = _response_schema(spec, rex.status)
        if rex.example.value in (None, {}) or schema is None:
            continue  # `{}` is what the export shows when a page documents no response
        where = f"{rex.status}@L{rex.example.line}"
        errs = schemas.errors(doc, rex.example.value, schema)
        if errs:
            add("response-example-invalid", where, "; ".join(errs[:3]))
        for path in schemas.undeclared(doc, rex.example.value, schema):
            add("response-field-undeclared", f"{rex.status}:{path}")
    return items


def load_allowlist(path: Path) -> list[dict[str, Any]]:
    """Entries of the allowlist file, which maps each snapshot name to its list of entries; each
    entry comes back with its `source` set."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of snapshot file name to entries")
    entries: list[dict[str, Any]] = []
    for source, items in data.items():
        for n, entry in enumerate(items or []):
            missing = [k for k in ("operation", "kind", "match", "reason") if not entry.get(k)]
            if missing:
                raise ValueError(f"{path}: {source}[{n}] lacks {', '.join(missing)}")
            entries.append({**entry, "source": source})
    return entries


def _explains(entry: dict[str, Any], item: Item) -> bool:
    patterns = entry["match"] if isinstance(entry["match"], list) else [entry["match"]]
    return (entry["operation"] == item.operation and entry["kind"] == item.kind
            and any(fnmatch.fnmatchcase(item.name, str(p)) for p in patterns))


def drift(source: str, export: Export, doc: dict[str, Any], allowlist: list[dict[str, Any]]) -> Report:
    report = Report(source, export)
    ops = spec_operations(doc)
    for op in export.operations:
        spec = find_spec_op(op, ops)
        if spec is None:
            report.missing.append(op)
            continue
        report.matched.append((op, spec))
        report.items.extend(compare(op, spec, doc))
    used: set[int] = set()
    for item in report.items:
        for n, entry in enumerate(allowlist):
            if entry.get("source", source) == source and _explains(entry, item):
                item.reason = entry["reason"]
                used.add(n)
                break
    report.stale = [e for n, e in enumerate(allowlist) if n not in used and e.get("source", source) == source]
    return report


def format_report(report: Report, verbose: bool = False) -> str:
    ex = report.export
    lines = [f"{report.source}: {len(ex.operations)}/{ex.total} operations read, "
             f"{len(report.matched)} in the spec"]
    totals: Counter[str] = Counter(op.family for op in ex.operations)
    covered: Counter[str] = Counter(op.family for op, _ in report.matched)
    width = max((len(f) for f in totals), default=0)
    lines.append("coverage by documented family:")
    lines += [f"  {fam.ljust(width)}  {covered[fam]}/{n}" for fam, n in totals.items()]
    lines.append(f"documented operations not in the spec: {len(report.missing)} (reported, not failed)")
    if verbose:
        lines += [f"  {op.method} {op.path}  (L{op.line} {op.title})" for op in report.missing]
    by_op: dict[str, list[Item]] = {}
    for item in report.items:
        by_op.setdefault(item.operation, []).append(item)
    for op, spec in report.matched:
        key = f"{op.method} {op.path}"
        shown = [i for i in by_op.get(key, []) if verbose or i.reason is None]
        allowed = sum(1 for i in by_op.get(key, []) if i.reason is not None)
        lines.append(f"{key}  (L{op.line}) -> {spec.op.get('operationId')}: "
                     f"{len(by_op.get(key, [])) - allowed} unexplained, {allowed} allowed")
        for i in shown:
            tail = f"  [{i.detail}]" if i.detail else ""
            why = f"  -- allowed: {i.reason}" if i.reason else ""
            lines.append(f"    {i.kind} {i.name}{tail}{why}")
    for entry in report.stale:
        lines.append(f"stale allowlist entry (matches nothing): {entry['operation']} {entry['kind']} {entry['match']}")
    lines.append(f"unexplained: {len(report.unexplained)}, allowed: {len(report.items) - len(report.unexplained)}, "
                 f"stale allowlist entries: {len(report.stale)}")
    return "\n".join(lines)


def load_spec(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: not an OpenAPI document")
    return doc

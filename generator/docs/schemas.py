"""Questions the drift report asks of the spec's JSON schemas: which field paths a schema
declares, which enum values a field allows, which fields of an example it does not declare, and
whether an example validates. `$ref`s are local to the bundled document."""

from __future__ import annotations

from typing import Any

import jsonschema

Schema = dict[str, Any]
_UNIONS = ("anyOf", "oneOf", "allOf")


def resolve(doc: Schema, schema: Any) -> Schema:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 50:
        node: Any = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema, seen = node, seen + 1
    return schema if isinstance(schema, dict) else {}


def variants(doc: Schema, schema: Any) -> list[Schema]:
    """The schema itself and, recursively, every member of its anyOf / oneOf / allOf."""
    out: list[Schema] = []
    stack = [resolve(doc, schema)]
    while stack:
        s = stack.pop(0)
        out.append(s)
        for key in _UNIONS:
            stack.extend(resolve(doc, m) for m in s.get(key, []))
    return out


def children(doc: Schema, schema: Any) -> dict[str, list[Schema]]:
    """Properties reachable from `schema` (array items and union members looked through)."""
    out: dict[str, list[Schema]] = {}
    for s in variants(doc, schema):
        if "items" in s:
            for name, subs in children(doc, s["items"]).items():
                out.setdefault(name, []).extend(subs)
        for name, sub in s.get("properties", {}).items():
            out.setdefault(name, []).append(sub)
    return out


def field_paths(doc: Schema, schema: Any, depth: int = 4, prefix: str = "") -> set[str]:
    """Dotted paths of every declared field (array items are not marked), `depth` levels deep."""
    paths: set[str] = set()
    if depth == 0:
        return paths
    for name, subs in children(doc, schema).items():
        path = f"{prefix}.{name}" if prefix else name
        paths.add(path)
        for sub in subs:
            paths |= field_paths(doc, sub, depth - 1, path)
    return paths


def at_path(doc: Schema, schema: Any, path: str) -> list[Schema]:
    """Every schema the field at a dotted path may have (one per union branch that has it)."""
    current = [schema]
    for name in path.split("."):
        current = [sub for s in current for sub in children(doc, s).get(name, [])]
    return current


def enum_values(doc: Schema, schemas: list[Schema]) -> set[str] | None:
    """Enum values allowed at a field (open enums included); None if the field has no enum."""
    values: set[str] = set()
    found = False
    for schema in schemas:
        for s in variants(doc, schema):
            for key in ("items",):
                if key in s:
                    sub = enum_values(doc, [s[key]])
                    if sub is not None:
                        found, values = True, values | sub
            if "enum" in s:
                found = True
                values |= {str(v) for v in s["enum"]}
            if "const" in s:
                found = True
                values.add(str(s["const"]))
    return values if found else None


def undeclared(doc: Schema, value: Any, schema: Any, path: str = "") -> list[str]:
    """Paths of object keys in `value` that `schema` does not declare (`a.b[].c`)."""
    if isinstance(value, list):
        items = [s["items"] for s in variants(doc, schema) if "items" in s]
        return sorted({p for v in value for item in items for p in undeclared(doc, v, item, path + "[]")})
    if not isinstance(value, dict):
        return []
    candidates = [s for s in variants(doc, schema) if "properties" in s]
    fitting = [s for s in candidates if not errors(doc, value, s)]
    if fitting:
        candidates = fitting[:1]
    if not candidates:
        return []  # a map or a free-form object: any key is fine
    declared: dict[str, list[Any]] = {}
    for s in candidates:
        for name, sub in s.get("properties", {}).items():
            declared.setdefault(name, []).append(sub)
    out: list[str] = []
    for key, sub_value in value.items():
        sub_path = f"{path}.{key}" if path else key
        if key not in declared:
            out.append(sub_path)
            continue
        found: list[list[str]] = [undeclared(doc, sub_value, sub, sub_path) for sub in declared[key]]
        out.extend(sorted(found, key=len)[0])  # the branch that fits best
    return sorted(set(out))


def errors(doc: Schema, value: Any, schema: Any) -> list[str]:
    """Validation errors of `value` against `schema` (JSON Schema 2020-12, as OpenAPI 3.1)."""
    root = {**resolve(doc, schema), "components": doc.get("components", {})}
    validator = jsonschema.Draft202012Validator(root)
    out = []
    for err in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        message = err.message if len(err.message) < 160 else err.message[:157] + "..."
        out.append(f"{where}: {message}")
    return out

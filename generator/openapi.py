"""OpenAPI 3.1 validity of the merged spec: its structure and every Schema Object in it, checked
against the OpenAPI 3.1 JSON Schema and its schema dialect, plus the rules of the specification
that a JSON Schema cannot state (unique tag names and parameters, path templates that match the
path parameters, defaults that fit their schema).

The JSON Schemas are the pinned ones openapi-spec-validator and its dependencies ship: the
OpenAPI 3.1 schema, the OAS base dialect and the JSON Schema 2020-12 meta-schemas. The document
names the dialect for Schema Objects through `$dynamicRef: "#meta"`; every such reference is
made a plain `$ref` to the dialect here, which is what it resolves to for a Schema Object, so one
pass checks the document and its schemas. jsonschema-rs runs that pass in a few hundredths of a
second at the spec's full size, where openapi-spec-validator walks every node through Python
(about 20 s of CPU at 4,000 schemas).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from .errors import SpecError, pointer
from .validate import HTTP_METHODS, Locator, resolve, schema_nodes

DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"
SPEC_URI = "urn:relaykit:spec"  # the base URI of the spec, for a default's schema that has $refs
# Where the JSON Schemas are, in the installed packages: (package, directory, file names).
SCHEMA_FILES = [
    ("openapi_spec_validator", "resources/schemas/v3.1", ["schema.json"]),
    ("openapi_schema_validator", "schemas/oas3.1", ["metaschema.json", "vocabularies/base"]),
    (
        "jsonschema_specifications",
        "schemas/draft202012",
        ["metaschema.json", *(f"vocabularies/{v}" for v in ("core", "applicator", "unevaluated", "validation", "meta-data", "format-annotation", "content"))],
    ),
]


def _static(node: Any) -> Any:
    """``node`` with every ``$dynamicRef: "#meta"`` made a ``$ref`` to the dialect."""
    if isinstance(node, dict):
        if node.get("$dynamicRef") == "#meta":
            node = {("$ref" if k == "$dynamicRef" else k): (DIALECT if k == "$dynamicRef" else v) for k, v in node.items()}
        return {k: _static(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_static(v) for v in node]
    return node


@functools.cache
def _validator() -> Any:
    import jsonschema_rs

    schemas = []
    for package, directory, names in SCHEMA_FILES:
        found = importlib.util.find_spec(package)  # located, not imported: only its data is read
        assert found is not None and found.submodule_search_locations, package
        root = Path(next(iter(found.submodule_search_locations))) / directory
        schemas += [_static(json.loads((root / name).read_text(encoding="utf-8"))) for name in names]
    document, *metaschemas = schemas
    registry = jsonschema_rs.Registry([(m["$id"], m) for m in metaschemas])
    # Formats are annotations (a server URL is a template, not a URI); patterns are compiled below.
    return jsonschema_rs.Draft202012Validator(document, registry=registry)


def check_openapi(doc: dict[str, Any], locate: Locator) -> None:
    """Raise a SpecError naming the first place where ``doc`` is not valid OpenAPI 3.1."""
    error = next(iter(_validator().iter_errors(doc)), None)  # the data is JSON: see check_document
    if error is not None:
        raise SpecError(locate(pointer(*error.instance_path)), f"invalid OpenAPI: {error.message}")
    _check_tags(doc, locate)
    _check_parameters(doc, locate)
    _check_schema_values(doc, locate)


def _check_tags(doc: dict[str, Any], locate: Locator) -> None:
    seen: set[str] = set()
    for i, tag in enumerate(doc.get("tags", [])):
        if tag["name"] in seen:
            raise SpecError(locate(pointer("tags", i, "name")), f"tag {tag['name']!r} is declared twice")
        seen.add(tag["name"])


def _check_parameters(doc: dict[str, Any], locate: Locator) -> None:
    """No parameter twice in one list, and an operation's path parameters (its own and its path
    item's) are exactly the names in braces in the path."""
    for path, item in doc.get("paths", {}).items():
        in_path = set(re.findall(r"\{([^}]*)\}", path))
        shared = _parameters(doc, item, ("paths", path), locate)
        for method in (*HTTP_METHODS, "trace"):
            if method not in item:
                continue
            base = ("paths", path, method)
            own = _parameters(doc, item[method], base, locate)
            declared = {name for name, where in {**shared, **own} if where == "path"}
            for name in sorted(in_path - declared):
                raise SpecError(locate(pointer(*base)), f"path parameter {name!r} of {path} is not declared")
            for name in sorted(declared - in_path):
                raise SpecError(locate(pointer(*base, "parameters")), f"path parameter {name!r} is not in the path {path}")


def _parameters(doc: dict[str, Any], owner: dict[str, Any], base: tuple[Any, ...], locate: Locator) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for i, param in enumerate(owner.get("parameters", [])):
        if "$ref" in param:
            param = resolve(doc, param["$ref"])
        key = (param["name"], param["in"])
        if key in found:
            raise SpecError(locate(pointer(*base, "parameters", i)), f"{key[1]} parameter {key[0]!r} is listed twice")
        found[key] = i
    return found


def _check_schema_values(doc: dict[str, Any], locate: Locator) -> None:
    """Every `pattern` is a regular expression, and every default fits its schema."""
    import jsonschema_rs

    registry = None
    for path, node in schema_nodes(doc):
        patterns = [("pattern",)] if isinstance(node.get("pattern"), str) else []
        patterns += [("patternProperties", p) for p in node.get("patternProperties") or {}]
        for where in patterns:
            text = node[where[0]] if len(where) == 1 else where[1]
            try:
                re.compile(text)
            except re.error as exc:
                raise SpecError(locate(pointer(*path, *where)), f"{text!r} is not a regular expression: {exc}") from None
        if "default" not in node or path[:1] == ("servers",):  # a server variable's default is no schema's
            continue
        options: dict[str, Any] = {}
        if '"$ref"' in json.dumps(node):
            registry = registry or jsonschema_rs.Registry([(SPEC_URI, doc)])
            options = {"registry": registry, "base_uri": SPEC_URI}
        error = next(iter(jsonschema_rs.Draft202012Validator(node, **options).iter_errors(node["default"])), None)
        if error is not None:
            raise SpecError(locate(pointer(*path, "default", *error.instance_path)), f"the default does not fit the schema: {error.message}")

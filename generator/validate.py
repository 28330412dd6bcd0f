"""Validate the merged spec: OpenAPI 3.1 validity, resolvable refs, and the constructs the
generator supports. Every error names the source file and the JSON pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

from .errors import SpecError, pointer

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
STREAM_PROTOCOLS = {"openai-chat", "openai-responses", "anthropic", "gemini"}
PARAM_LOCATIONS = {"path", "query", "header"}
BODY_TYPES = {"application/json", "multipart/form-data"}
TEXT_TYPES = {"text/plain", "text/vtt", "application/x-subrip", "text/srt"}


def is_binary_type(ctype: str) -> bool:
    return ctype.split("/")[0] in ("audio", "image", "video") or ctype == "application/octet-stream"


class Locator:
    """Turns a pointer into the merged document into `file#pointer`."""

    def __init__(self, origin: dict[str, str], root: str) -> None:
        self.origin = origin
        self.root = root

    def __call__(self, ptr: str) -> str:
        parts = ptr.split("/")
        for n in (4, 3):  # /components/<kind>/<name> or /paths/<path>
            prefix = "/".join(parts[:n])
            if prefix in self.origin:
                return f"{self.origin[prefix]}#{ptr}"
        return f"{self.root}#{ptr}"


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, (*path, i))


def resolve(doc: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node: Any = doc
    for raw in ref[2:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(key)]
        else:
            node = node[key]
    return node


def check_refs(doc: dict[str, Any], locate: Locator) -> None:
    for path, node in walk(doc):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            try:
                resolve(doc, ref)
            except (KeyError, IndexError, ValueError, TypeError):
                where = locate(pointer(*path, "$ref"))
                if not ref.startswith("#/"):
                    raise SpecError(where, f"external $ref {ref!r} is not supported; use #/components/...") from None
                raise SpecError(where, f"$ref {ref!r} does not resolve") from None


def openapi_problem(doc: dict[str, Any]) -> tuple[list[Any], str] | None:
    """openapi-spec-validator's first finding as (path, message), or None. A plain function of
    plain data, so it can run in another process while the generator goes on."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(doc)
    except OpenAPIValidationError as exc:
        path = getattr(exc, "absolute_path", None) or getattr(exc, "path", ())
        return list(path), str(exc.message)
    return None


def raise_openapi_problem(problem: tuple[list[Any], str] | None, locate: Locator) -> None:
    if problem is not None:
        path, message = problem
        raise SpecError(locate(pointer(*path)), f"invalid OpenAPI: {message}")



def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def check_operations(doc: dict[str, Any], locate: Locator) -> None:
    seen_ids: dict[str, str] = {}
    seen_names: dict[tuple[str, str], str] = {}
    tags = {t["name"] for t in doc.get("tags", [])}
    for path, method, op in operations(doc):
        base = ("paths", path, method)

        def fail(msg: str, *more: object, base: tuple[Any, ...] = base) -> None:
            raise SpecError(locate(pointer(*base, *more)), msg)

        for key in ("operationId", "summary", "x-relaykit-resource", "x-relaykit-method", "x-relaykit-source"):
            if not op.get(key):
                fail(f"missing {key}")
        if op["operationId"] in seen_ids:
            fail(f"operationId {op['operationId']!r} already used by {seen_ids[op['operationId']]}", "operationId")
        seen_ids[op["operationId"]] = f"{method.upper()} {path}"
        name = (op["x-relaykit-resource"], op["x-relaykit-method"])
        if name in seen_names:
            fail(f"python name {'.'.join(name)} already used by {seen_names[name]}", "x-relaykit-method")
        seen_names[name] = f"{method.upper()} {path}"
        if len(op.get("tags", [])) != 1 or op["tags"][0] not in tags:
            fail("needs exactly one tag declared in the root document", "tags")
        for i, param in enumerate(op.get("parameters", [])):
            if "$ref" in param:
                param = resolve(doc, param["$ref"])
            if param.get("in") not in PARAM_LOCATIONS:
                fail(f"parameter location {param.get('in')!r} is not supported", "parameters", i, "in")
        body = op.get("requestBody")
        if body:
            for ctype, media in body.get("content", {}).items():
                if ctype not in BODY_TYPES:
                    fail(f"request content type {ctype!r} is not supported", "requestBody", "content", ctype)
                ref = media.get("schema", {}).get("$ref")
                if not ref or resolve(doc, ref).get("type") != "object":
                    fail("request body schema must be a $ref to an object schema", "requestBody", "content", ctype, "schema")
        stream = op.get("x-relaykit-stream")
        if stream is not None:
            if stream.get("protocol") not in STREAM_PROTOCOLS:
                fail(f"unknown stream protocol {stream.get('protocol')!r}", "x-relaykit-stream", "protocol")
            if stream.get("event") not in doc.get("components", {}).get("schemas", {}):
                fail(f"stream event schema {stream.get('event')!r} is not a component schema", "x-relaykit-stream", "event")
        ok = [c for c in op.get("responses", {}) if str(c).startswith("2")]
        if not ok:
            fail("needs a 2xx response", "responses")
        has_example = False
        for code in ok:
            response = op["responses"][code]
            if "$ref" in response:
                response = resolve(doc, response["$ref"])
            for ctype, media in (response.get("content") or {}).items():
                has_example = has_example or bool(media.get("examples")) or "example" in media
                where = ("responses", code, "content", ctype)
                if ctype not in ("application/json", "text/event-stream") and ctype not in TEXT_TYPES and not is_binary_type(ctype):
                    fail(f"response content type {ctype!r} is not supported", *where)
                if ctype == "text/event-stream" and stream is None:
                    fail("an event-stream response needs x-relaykit-stream on the operation", *where)
                if ctype == "application/json" and "$ref" not in media.get("schema", {}):
                    fail("response schema must be a $ref to a component schema", *where, "schema")
        if not has_example:
            fail("needs a response example: `examples` (or `example`) on a 2xx response's content", "responses")


def check_schemas(doc: dict[str, Any], locate: Locator) -> None:
    # A title equal to its (unique) key is unique too, and names the generated class.
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        if schema.get("title") != name:
            where = locate(pointer("components", "schemas", name))
            raise SpecError(where, f"title must equal the schema name {name!r} (got {schema.get('title')!r})")


# Keys whose values are data, not schemas: a "oneOf" inside an example is not a union. They are
# keywords only where the parent is not a map of names (a property may be called "default").
VALUE_KEYS = {"example", "examples", "enum", "const", "default"}
NAME_MAPS = {"properties", "patternProperties", "$defs", "schemas", "responses", "paths", "headers", "encoding"}


def schema_nodes(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every mapping in the document that may be a schema, skipping literal values and the
    maps of names (`properties`, ...) themselves."""
    if isinstance(node, dict):
        named = bool(path) and path[-1] in NAME_MAPS
        if not named:
            yield path, node
        for k, v in node.items():
            if not named and (k in VALUE_KEYS or str(k).startswith("x-")):
                continue
            yield from schema_nodes(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from schema_nodes(v, (*path, i))


def tag_values(schema: dict[str, Any], prop: str) -> list[Any] | None:
    """The values a variant allows for the discriminator property (its enum, or its const)."""
    spec = schema.get("properties", {}).get(prop)
    if not isinstance(spec, dict):
        return None
    if "const" in spec:
        return [spec["const"]]
    values = spec.get("enum")
    return list(values) if isinstance(values, list) else None


def check_unions(doc: dict[str, Any], locate: Locator) -> None:
    """Every oneOf is a tagged union: a discriminator whose mapping names each variant under the
    one value that variant allows for the discriminator property (a required enum or const)."""
    for path, node in schema_nodes(doc):
        if isinstance(node.get("oneOf"), list):
            check_union(doc, locate, path, node)
        elif "discriminator" in node:
            raise SpecError(locate(pointer(*path, "discriminator")), "a discriminator needs a oneOf beside it")


def check_union(doc: dict[str, Any], locate: Locator, path: tuple[Any, ...], node: dict[str, Any]) -> None:
    def fail(msg: str, *more: object) -> NoReturn:
        raise SpecError(locate(pointer(*path, *more)), msg)

    disc = node.get("discriminator")
    if not isinstance(disc, dict) or not disc.get("propertyName"):
        fail("oneOf needs a discriminator with a propertyName (a union mixing scalars and objects is an anyOf)", "oneOf")
    prop = disc["propertyName"]
    mapping = disc.get("mapping")
    if not isinstance(mapping, dict) or not mapping:
        fail(f"the discriminator on {prop!r} needs a mapping from each tag value to its variant", "discriminator")
    refs = []
    for i, variant in enumerate(node["oneOf"]):
        ref = variant.get("$ref") if isinstance(variant, dict) else None
        if not ref:
            fail("a oneOf variant must be a $ref to a component schema", "oneOf", i)
        refs.append(ref)
        target = resolve(doc, ref)
        values = tag_values(target, prop)
        if not values or len(values) != 1 or prop not in target.get("required", []):
            fail(f"every oneOf variant needs a required one-value enum (or const) for {prop!r} ({ref})", "oneOf", i)
        if mapping.get(values[0]) != ref:
            fail(f"the discriminator mapping needs {values[0]!r}: {ref!r} (got {mapping.get(values[0])!r})", "discriminator", "mapping")
    for key, ref in mapping.items():
        if ref not in refs:
            fail(f"mapping entry {key!r} -> {ref!r} is not one of the oneOf variants", "discriminator", "mapping", key)


def check_project_rules(doc: dict[str, Any], locate: Locator) -> None:
    """Our own rules, on a document that is valid OpenAPI with resolvable refs."""
    check_operations(doc, locate)
    check_schemas(doc, locate)
    check_unions(doc, locate)

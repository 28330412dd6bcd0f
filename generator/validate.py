"""Validate the merged spec: OpenAPI 3.1 validity, resolvable refs, and the constructs the
generator supports. Every error names the source file and the JSON pointer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from .errors import SpecError, pointer
from .security import auth_table

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
STREAM_PROTOCOLS = {"openai-chat", "openai-responses", "openai-images", "openai-speech", "openai-transcription", "anthropic", "gemini"}
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


JSON_SCALARS = (str, int, float, bool, type(None))


def check_document(doc: dict[str, Any], locate: Locator) -> None:
    """Every key and value is JSON (YAML reads an unquoted date as a date, `200:` as a number)
    and every $ref resolves."""

    def visit(node: Any, path: tuple[Any, ...]) -> None:  # walk(), without a generator per level
        if isinstance(node, dict):
            for key in node:
                if not isinstance(key, str):
                    raise SpecError(locate(pointer(*path, key)), f"the key {key!r} is a {type(key).__name__}, not a string: quote it")
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(value, (dict, list)):
                visit(value, (*path, key))
            elif key == "$ref" and isinstance(value, str):
                check_ref(doc, value, locate(pointer(*path, key)))
            elif not isinstance(value, JSON_SCALARS):
                raise SpecError(locate(pointer(*path, key)), f"{value!r} is a {type(value).__name__}, which JSON does not have: quote it")

    visit(doc, ())


def check_ref(doc: dict[str, Any], ref: str, where: str) -> None:
    try:
        resolve(doc, ref)
    except (KeyError, IndexError, ValueError, TypeError):
        if not ref.startswith("#/"):
            raise SpecError(where, f"external $ref {ref!r} is not supported; use #/components/...") from None
        raise SpecError(where, f"$ref {ref!r} does not resolve") from None


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


MULTI_SEGMENT = "x-relaykit-multi-segment"


def check_multi_segment(path: str, param: dict[str, Any], fail: Callable[[str], object]) -> None:
    """`x-relaykit-multi-segment: true` marks a string path parameter that holds a resource name
    of several segments (`models/x/operations/y`); it must fill whole segments of the path."""
    if param[MULTI_SEGMENT] is not True:
        fail("must be `true` (or left out)")
    if param.get("in") != "path":
        fail("only a path parameter can span several segments")
    if (param.get("schema") or {}).get("type") != "string":
        fail("a multi-segment path parameter must be a string")
    segments = path.split("/")
    if "{" + str(param.get("name")) + "}" not in segments:
        fail(f"{{{param.get('name')}}} must fill whole segments of {path} (between slashes)")


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
            if MULTI_SEGMENT in param:
                check_multi_segment(path, param, lambda msg, i=i: fail(msg, "parameters", i, MULTI_SEGMENT))
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
            if "final" in stream and stream["final"] not in doc.get("components", {}).get("schemas", {}):
                fail(f"stream final schema {stream['final']!r} is not a component schema", "x-relaykit-stream", "final")
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


def json_response_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of an operation's first 2xx JSON response, if it has one."""
    for code in sorted(op.get("responses", {})):
        if str(code).startswith("2"):
            response = op["responses"][code]
            if "$ref" in response:
                response = resolve(doc, response["$ref"])
            media = (response.get("content") or {}).get("application/json")
            if media and isinstance(media.get("schema"), dict):
                return dict(media["schema"])
    return None


def pointer_problem(value: Any) -> str | None:
    """Why a value is not an RFC 6901 JSON pointer (None when it is one)."""
    if not isinstance(value, str):
        return f"a JSON pointer must be a string (got {value!r})"
    if value and not value.startswith("/"):
        return f"JSON pointer {value!r} must start with '/'"
    if any(not t.startswith(("0", "1")) for t in value.split("~")[1:]):
        return f"JSON pointer {value!r} has a '~' not followed by 0 or 1"
    return None


def schema_may_have(doc: dict[str, Any], schema: Any, tokens: list[str], depth: int = 0) -> bool:
    """False when the pointer certainly leads nowhere in the schema: a property the object
    does not declare, an index into a non-array, a step into a scalar. Open schemas (no declared
    properties) and deep recursion count as resolvable elsewhere, so they pass."""
    if not tokens or depth > 32 or not isinstance(schema, dict):
        return True
    if "$ref" in schema:
        return schema_may_have(doc, resolve(doc, schema["$ref"]), tokens, depth + 1)
    variants = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if variants:
        return any(schema_may_have(doc, v, tokens, depth + 1) for v in variants)
    token = tokens[0].replace("~1", "/").replace("~0", "~")
    types = schema.get("type")
    types = set(types) if isinstance(types, list) else {types} if types else set()
    if "array" in types and token.isdigit():
        return schema_may_have(doc, schema.get("items", {}), tokens[1:], depth + 1)
    props = schema.get("properties")
    if isinstance(props, dict) and props:
        return token in props and schema_may_have(doc, props[token], tokens[1:], depth + 1)
    return not types or "object" in types


ENVELOPE_KEYS = {"code", "message", "success"}
TASK_KEYS = {"fetch", "id", "param", "args", "fetch_params", "status", "succeeded", "failed", "failed_if_present", "progress", "error", "timeout", "interval"}
POLL_KEYS = ("fetch", "param", "fetch_params", "status", "succeeded", "failed", "failed_if_present", "progress", "error")


def json_request_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    """The resolved schema of an operation's JSON request body, if it has one."""
    media = ((op.get("requestBody") or {}).get("content") or {}).get("application/json")
    if not media or "$ref" not in media.get("schema", {}):
        return None
    return resolve(doc, media["schema"]["$ref"])


def check_task_extensions(doc: dict[str, Any], locate: Locator) -> None:
    """x-relaykit-envelope and x-relaykit-task (spec/CONVENTIONS.md): well-formed, and every
    pointer leads somewhere in the response schema it points into."""
    by_id = {op["operationId"]: (path, method, op) for path, method, op in operations(doc)}
    polls: dict[str, tuple[dict[str, Any], str]] = {}
    for path, method, op in operations(doc):
        base = ("paths", path, method)

        def fail(msg: str, *more: object, base: tuple[Any, ...] = base) -> NoReturn:
            raise SpecError(locate(pointer(*base, *more)), msg)

        def check_pointer(ext: str, key: str, value: Any, schema: dict[str, Any] | None, owner: str, fail: Any = fail) -> None:
            problem = pointer_problem(value)
            if problem:
                fail(problem, ext, key)
            if schema is not None and not schema_may_have(doc, schema, value.split("/")[1:]):
                fail(f"{value} does not exist in the response schema of {owner}", ext, key)

        envelope = op.get("x-relaykit-envelope")
        if envelope is not None:
            ext = "x-relaykit-envelope"
            if not isinstance(envelope, dict) or "code" not in envelope or "success" not in envelope:
                fail("needs a mapping with `code` (a JSON pointer) and `success` (a list of codes)", ext)
            for key in sorted(set(envelope) - ENVELOPE_KEYS):
                fail(f"unknown key {key!r}", ext, key)
            schema = json_response_schema(doc, op)
            if schema is None:
                fail("an envelope needs a JSON 2xx response", ext)
            check_pointer(ext, "code", envelope["code"], schema, op["operationId"])
            if envelope.get("message") is not None:
                check_pointer(ext, "message", envelope["message"], schema, op["operationId"])
            if not isinstance(envelope["success"], list) or not envelope["success"]:
                fail("`success` must be a non-empty list of code values", ext, "success")
        task = op.get("x-relaykit-task")
        if task is None:
            continue
        ext = "x-relaykit-task"
        if not isinstance(task, dict):
            fail("must be a mapping (fetch, id, param, status, succeeded, failed...)", ext)
        for key in ("fetch", "id", "param", "status", "succeeded"):
            if key not in task:
                fail(f"missing {key!r}", ext)
        if "failed" not in task and "failed_if_present" not in task:
            fail("missing 'failed' (or 'failed_if_present')", ext)
        for key in sorted(set(task) - TASK_KEYS):
            fail(f"unknown key {key!r}", ext, key)
        target = by_id.get(task["fetch"]) if isinstance(task["fetch"], str) else None
        if target is None:
            fail(f"fetch operation {task['fetch']!r} does not exist", ext, "fetch")
        fetch = target[2]
        if fetch["x-relaykit-resource"].split(".")[0] != op["x-relaykit-resource"].split(".")[0]:
            fail(f"fetch operation {task['fetch']!r} must be under the same client namespace ({op['x-relaykit-resource'].split('.')[0]})", ext, "fetch")
        params = [resolve(doc, p["$ref"]) if "$ref" in p else p for p in fetch.get("parameters", [])]
        body = json_request_schema(doc, fetch) or {}
        fields = body.get("properties") or {}
        in_body = task["param"] in fields and not any(p.get("name") == task["param"] for p in params)
        if not in_body and not any(p.get("name") == task["param"] and p.get("in") in ("path", "query") for p in params):
            fail(f"{task['param']!r} is not a path or query parameter or a JSON body field of {task['fetch']}", ext, "param")
        per_submit = task.get("args", {})
        if "args" in task and (not isinstance(per_submit, dict) or not per_submit):
            fail("`args` must be a non-empty mapping of the fetch operation's parameters (wire names) to fixed values", ext, "args")
        for name, value in per_submit.items():
            param = next((p for p in params if p.get("name") == name and p.get("in") in ("path", "query")), None)
            if param is None or name == task["param"]:
                fail(f"{name!r} is not a path or query parameter of {task['fetch']} other than the id", ext, "args", name)
            if isinstance(value, (dict, list)) or value is None:
                fail(f"the value of {name!r} must be a scalar", ext, "args", name)
            choices = (param.get("schema") or {}).get("enum")
            if choices is not None and value not in choices:
                fail(f"{value!r} is not one of the values of {name!r}: {choices}", ext, "args", name)
        fixed = task.get("fetch_params") or {}
        if not isinstance(fixed, dict):
            fail("`fetch_params` must map parameter or body field names to the values every fetch sends", ext, "fetch_params")
        for name, value in fixed.items():
            schema = next((p.get("schema") or {} for p in params if p.get("name") == name), fields.get(name))
            if schema is None or name == task["param"]:
                fail(f"{name!r} is not another parameter or JSON body field of {task['fetch']}", ext, "fetch_params", name)
            if "enum" in schema and value not in schema["enum"]:
                fail(f"{value!r} is not one of the values {name!r} allows", ext, "fetch_params", name)
        settled = {task["param"], *fixed, *per_submit}
        others = [p["name"] for p in params if p.get("required") and p.get("name") not in settled and "default" not in (p.get("schema") or {})]
        if (fetch.get("requestBody") or {}).get("required") and not in_body and not fixed.keys() & fields.keys():
            others.append("a body")
        others += [name for name in body.get("required", []) if name not in settled]
        if others:
            fail(f"{task['fetch']} needs other arguments ({', '.join(others)}); a fetch operation takes only the id, the `args` the submit fixes and its `fetch_params`", ext, "fetch")
        submit_schema = json_response_schema(doc, op)
        fetch_schema = json_response_schema(doc, fetch)
        if submit_schema is None or fetch_schema is None:
            fail("the submit and the fetch operation both need a JSON 2xx response", ext)
        check_pointer(ext, "id", task["id"], submit_schema, op["operationId"])
        for key in ("status", "failed_if_present", "progress", "error"):
            value = task.get(key)
            if isinstance(value, list) and key != "failed_if_present":  # alternatives, for fetches answered in more than one shape
                if not value:
                    fail(f"`{key}` must be a JSON pointer or a non-empty list of them", ext, key)
                for i, item in enumerate(value):
                    check_pointer(ext, key, item, fetch_schema, task["fetch"], fail=lambda msg, *where, i=i: fail(msg, *where, i))
            elif value is not None:
                check_pointer(ext, key, value, fetch_schema, task["fetch"])
        if not isinstance(task["succeeded"], list) or not task["succeeded"]:
            fail("`succeeded` must be a non-empty list of status values", ext, "succeeded")
        failed = task.get("failed", [])
        if not isinstance(failed, list) or not (failed or task.get("failed_if_present")):
            fail("`failed` must be a non-empty list of status values (it may be empty or left out with `failed_if_present`)", ext, "failed")
        for key in ("timeout", "interval"):
            value = task.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                fail(f"`{key}` must be a positive number of seconds", ext, key)
        poll = {k: task.get(k) for k in POLL_KEYS}  # timeout, interval and args are each submit's own
        if task["fetch"] in polls and polls[task["fetch"]][0] != poll:
            fail(f"differs from the x-relaykit-task of {polls[task['fetch']][1]} for the same fetch operation (only `id`, `args`, `timeout` and `interval` may differ)", ext)
        polls.setdefault(task["fetch"], (poll, op["operationId"]))


def check_shortcuts(doc: dict[str, Any], locate: Locator) -> None:
    """x-relaykit-shortcuts (spec/CONVENTIONS.md): method names mapped to the parameters or body
    fields they fix, each existing on the operation, with a value its enum allows."""
    for path, method, op in operations(doc):
        shortcuts = op.get("x-relaykit-shortcuts")
        if shortcuts is None:
            continue
        base = ("paths", path, method, "x-relaykit-shortcuts")

        def fail(msg: str, *more: object, base: tuple[Any, ...] = base) -> NoReturn:
            raise SpecError(locate(pointer(*base, *more)), msg)

        if not isinstance(shortcuts, dict) or not shortcuts:
            fail("needs a mapping of method names to the parameters each one fixes")
        params = {p.get("name"): p.get("schema") or {} for p in (resolve(doc, p["$ref"]) if "$ref" in p else p for p in op.get("parameters", []))}
        fields = (json_request_schema(doc, op) or {}).get("properties") or {}
        for name, values in shortcuts.items():
            if not isinstance(name, str) or not name.isidentifier() or name != name.lower() or name == op.get("x-relaykit-method"):
                fail(f"{name!r} is not a snake_case method name other than the operation's own", name)
            if not isinstance(values, dict) or not values:
                fail("needs a mapping of parameter or body field names to fixed values", name)
            for wire, value in values.items():
                schema = params.get(wire, fields.get(wire))
                if schema is None:
                    fail(f"{wire!r} is not a parameter or JSON body field of {op.get('operationId')}", name, wire)
                if "enum" in schema and value not in schema["enum"]:
                    fail(f"{value!r} is not one of the values {wire!r} allows", name, wire)


PAGE_KEYS = {"page", "size", "items", "total", "first"}


def array_item_model(doc: dict[str, Any], schema: Any, tokens: list[str], depth: int = 0) -> str | None:
    """The component name of the items of the array a pointer leads to in a schema (through
    $refs and nullable anyOfs), or None when it does not lead to an array of a $ref."""
    if not isinstance(schema, dict) or depth > 32:
        return None
    if "$ref" in schema:
        return array_item_model(doc, resolve(doc, schema["$ref"]), tokens, depth + 1)
    for key in ("anyOf", "oneOf"):
        for variant in schema.get(key) or []:
            found = array_item_model(doc, variant, tokens, depth + 1)
            if found:
                return found
    if not tokens:
        types = schema.get("type")
        ref = (schema.get("items") or {}).get("$ref")
        if "array" in (types if isinstance(types, list) else [types]) and isinstance(ref, str):
            return ref.rsplit("/", 1)[-1]
        return None
    token = tokens[0].replace("~1", "/").replace("~0", "~")
    return array_item_model(doc, (schema.get("properties") or {}).get(token), tokens[1:], depth + 1)


def check_page_extension(doc: dict[str, Any], locate: Locator) -> None:
    """x-relaykit-page (spec/CONVENTIONS.md): the page and size arguments are query parameters of
    the operation, `items` leads to an array of a component schema, `total` to a declared field."""
    for path, method, op in operations(doc):
        paging = op.get("x-relaykit-page")
        if paging is None:
            continue
        base = ("paths", path, method, "x-relaykit-page")

        def fail(msg: str, *more: object, base: tuple[Any, ...] = base) -> NoReturn:
            raise SpecError(locate(pointer(*base, *more)), msg)

        if not isinstance(paging, dict) or "page" not in paging or "items" not in paging:
            fail("needs a mapping with `page` (the page-number query parameter) and `items` (a JSON pointer)")
        for key in sorted(set(paging) - PAGE_KEYS):
            fail(f"unknown key {key!r}", key)
        params = [resolve(doc, p["$ref"]) if "$ref" in p else p for p in op.get("parameters", [])]
        query = {p.get("name") for p in params if p.get("in") == "query"}
        for key in ("page", "size"):
            if key in paging and paging[key] not in query:
                fail(f"{paging[key]!r} is not a query parameter of {op.get('operationId')}", key)
        first = paging.get("first", 1)
        if isinstance(first, bool) or not isinstance(first, int) or first < 0:
            fail("`first` must be the number of the first page (0 or 1)", "first")
        schema = json_response_schema(doc, op)
        if schema is None:
            fail("a paged operation needs a JSON 2xx response")
        for key in ("items", "total"):
            if paging.get(key) is None:
                continue
            problem = pointer_problem(paging[key])
            if problem:
                fail(problem, key)
            if not schema_may_have(doc, schema, paging[key].split("/")[1:]):
                fail(f"{paging[key]} does not exist in the response schema", key)
        if array_item_model(doc, schema, paging["items"].split("/")[1:]) is None:
            fail(f"{paging['items']} must lead to an array whose items are a $ref to a component schema", "items")


def check_project_rules(doc: dict[str, Any], locate: Locator) -> None:
    """Our own rules, on a document that is valid OpenAPI with resolvable refs."""
    check_operations(doc, locate)
    check_schemas(doc, locate)
    check_unions(doc, locate)
    check_task_extensions(doc, locate)
    check_shortcuts(doc, locate)
    check_page_extension(doc, locate)
    auth_table(doc, locate)  # every security scheme is one the client can send

"""The published editions of the merged spec: spec/dist/openapi.{yaml,json} (OpenAPI 3.1, the
default) and spec/dist/openapi-3.2.yaml.

The merged spec is what relaykit is generated from. The 3.1 edition is the same document with
three rewrites that other languages' generators need (openapi-generator's Go and Rust clients,
openapi-python-client), each kept small and described in spec/CONVENTIONS.md:

- a field taking one file or several (`anyOf` of a binary string and an array of them) becomes an
  array of files: in a multipart body, one file is a one-element array, the same single part;
- an operation that accepts several request body forms keeps the first in `requestBody` and
  lists the others under `x-relaykit-alternative-bodies`, unchanged;
- a binary response (audio, image, video media types) also offers `application/octet-stream`,
  the media type under which generators read a body as bytes, right after the binary types.

The 3.2 edition is the 3.1 one where every `text/event-stream` content describes its events with
`itemSchema` (an SSE event whose `data` is the JSON of the event schema named by
`x-relaykit-stream.event`), and its whole-body examples become `serializedValue`s.
"""

from __future__ import annotations

import copy
from typing import Any

from .validate import is_binary_type, resolve

ALTERNATIVE_BODIES = "x-relaykit-alternative-bodies"
OCTET_STREAM = "application/octet-stream"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _map(node: Any) -> dict[str, Any]:
    """``node`` if it is a mapping, else an empty one: the editions are made before the spec is
    validated, and a malformed spot is left for the validator to report."""
    return node if isinstance(node, dict) else {}


def _operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        op for item in _map(doc.get("paths")).values()
        for method, op in _map(item).items() if method in METHODS and isinstance(op, dict)
    ]


def _is_file(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "string" and schema.get("format") == "binary"


def _is_file_array(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "array" and _is_file(schema.get("items"))


def _one_or_many_files(schema: Any) -> bool:
    """`anyOf` (or `oneOf`) of exactly a file and an array of files."""
    variants = (schema.get("anyOf") or schema.get("oneOf")) if isinstance(schema, dict) else None
    return isinstance(variants, list) and len(variants) == 2 and any(map(_is_file, variants)) and any(map(_is_file_array, variants))


def _multipart(doc: dict[str, Any], op: dict[str, Any]) -> None:
    """The multipart body's file fields and arrays, in the forms generators read:

    - a field taking one file or several becomes an array of files, and an example giving one
      file for it a one-element list (its schema is changed in place: every body using it agrees);
    - the `encoding` states that each array field is sent as one part per item under the field's
      name (OpenAPI's default, form style exploded), its bytes as they are (`allowReserved`:
      nothing is percent-encoded in a multipart body). Said explicitly because some tools only
      then read it: openapi-generator's Go client repeats the field instead of joining the
      values with commas, and Prism takes a single part as a one-element array.
    """
    media = _map(_map(op.get("requestBody")).get("content")).get("multipart/form-data")
    if not isinstance(media, dict):
        return
    schema = _map(media.get("schema"))
    try:
        target = resolve(doc, schema["$ref"]) if "$ref" in schema else schema
    except (KeyError, IndexError, ValueError):
        return  # a dangling $ref: the generator's own checks report it
    props = target.get("properties") if isinstance(target, dict) else None
    if not isinstance(props, dict):
        return
    for prop in props.values():
        if _one_or_many_files(prop):
            array = next(v for v in prop.pop("anyOf", None) or prop.pop("oneOf") if _is_file_array(v))
            prop.update({"type": "array", "items": copy.deepcopy(array["items"])})
    file_arrays = [name for name, prop in props.items() if _is_file_array(prop)]
    values = [_map(e).get("value") for e in _map(media.get("examples")).values()] + [media.get("example")]
    for value in values:
        for name in file_arrays:
            if isinstance(value, dict) and name in value and not isinstance(value[name], list):
                value[name] = [value[name]]
    arrays = [name for name, prop in props.items() if _map(prop).get("type") == "array"]
    encoding = media.setdefault("encoding", {}) if arrays else {}
    if isinstance(encoding, dict):
        for name in arrays:
            encoding.setdefault(name, {"style": "form", "explode": True, "allowReserved": True})


def _single_body(op: dict[str, Any]) -> None:
    content = _map(op.get("requestBody")).get("content")
    if not isinstance(content, dict) or len(content) < 2:
        return
    first, *others = content
    op["requestBody"]["content"] = {first: content[first]}
    rebuilt = {}
    for key, value in op.items():  # the alternatives go right after requestBody
        rebuilt[key] = value
        if key == "requestBody":
            rebuilt[ALTERNATIVE_BODIES] = {ctype: content[ctype] for ctype in others}
    op.clear()
    op.update(rebuilt)


def _octet_stream(op: dict[str, Any]) -> None:
    """A download (2xx content of binary media types, and no JSON) also offers
    application/octet-stream, right after its binary media types: generators that read bytes only
    from that type take the first one they know, which must not be a text alternative (the
    speech stream). The first media type stays what a server sends by default."""
    for code, response in _map(op.get("responses")).items():
        content = _map(response).get("content")
        if not (str(code).startswith("2") and isinstance(content, dict) and OCTET_STREAM not in content):
            continue
        binary = [ctype for ctype in content if is_binary_type(ctype)]
        if not binary or "application/json" in content:
            continue
        rebuilt: dict[str, Any] = {}
        for ctype, media in content.items():
            rebuilt[ctype] = media
            if ctype == binary[-1]:
                rebuilt[OCTET_STREAM] = {"schema": {"type": "string", "format": "binary"}}
        content.clear()
        content.update(rebuilt)


def edition_31(doc: dict[str, Any]) -> dict[str, Any]:
    """The published OpenAPI 3.1 document (a new one; ``doc`` is not changed)."""
    out = copy.deepcopy(doc)
    for op in _operations(out):
        _single_body(op)
        _multipart(out, op)
        _octet_stream(op)
    return out


# What the stream protocols (x-relaykit-stream.protocol) add to the events' description.
PROTOCOL_NOTES = {
    "openai-chat": " The stream ends with an event whose data is the literal `[DONE]`, which is not JSON.",
    "openai-responses": " `event` repeats the event's `type`.",
    "anthropic": " `event` repeats the event's `type`; `ping` events may come at any time.",
}


def sse_item_schema(event: str, protocol: str | None) -> dict[str, Any]:
    """One server-sent event whose data is the JSON of component schema ``event``."""
    return {
        "description": f"One server-sent event; its `data` is a {event} as JSON.{PROTOCOL_NOTES.get(protocol or '', '')}",
        "type": "object",
        "required": ["data"],
        "properties": {
            "event": {"type": "string", "description": "The event name, where the protocol names its events."},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"$ref": f"#/components/schemas/{event}"},
            },
            "id": {"type": "string"},
            "retry": {"type": "integer", "minimum": 0},
        },
    }


def edition_32(published: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.2 edition of the published 3.1 document (a new one; ``published`` is not
    changed). Only paths differ: the other sections are the 3.1 edition's own objects, so that
    the YAML of both editions is made once for them (bundle.to_yaml_editions)."""
    out = {**published, "openapi": "3.2.0", "paths": copy.deepcopy(published.get("paths"))}
    for op in _operations(out):
        stream = _map(op.get("x-relaykit-stream"))
        for response in _map(op.get("responses")).values():
            media = _map(_map(response).get("content")).get("text/event-stream")
            if not isinstance(media, dict) or not isinstance(stream.get("event"), str):
                continue  # validation requires x-relaykit-stream beside an event stream
            media.pop("schema", None)  # the whole body as text: 3.2 describes the events instead
            media["itemSchema"] = sse_item_schema(stream["event"], stream.get("protocol"))
            for example in _map(media.get("examples")).values():
                if isinstance(example, dict) and "value" in example:
                    example["serializedValue"] = example.pop("value")
    return out

"""The operation list: what each generated method is called, takes and returns, read from the
merged spec."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import SpecError
from .security import scheme_names
from .validate import TEXT_TYPES, array_item_model, is_binary_type, json_response_schema, resolve
from .validate import operations as iter_operations

RESERVED = {"self", "extra_headers", "extra_query", "extra_body", "timeout"}


def snake(name: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z]+", "_", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = name.strip("_").lower()
    if not name or name[0].isdigit():
        name = "_" + name
    return name + "_" if keyword.iskeyword(name) or name in RESERVED else name


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9a-zA-Z]+", name) if part)


@dataclass
class Arg:
    py: str
    wire: str
    location: str  # path | query | header | body
    annotation: str
    required: bool
    default: Any = None  # spec default sent when the caller gives nothing (query/header)
    has_default: bool = False
    description: str = ""
    file: bool = False  # a file upload field (multipart)
    array_form_name: str | None = None  # form field name for a list of files
    kind: str | None = None  # JSON type of a path/query/header parameter, checked before sending
    choices: tuple[Any, ...] | None = None  # its enum, if any
    multi_segment: bool = False  # a path parameter whose slashes are sent as they are


@dataclass
class Body:
    content_type: str
    model: str
    args: list[Arg]


@dataclass
class Op:
    operation_id: str
    resource: tuple[str, ...]
    name: str
    method: str
    path: str
    summary: str
    description: str
    args: list[Arg]
    bodies: list[Body]
    response_model: str | None
    response_binary: bool
    response_text: bool
    stream_protocol: str | None
    stream_event: str | None
    stream_param: str | None
    stream_union: bool
    auth: tuple[str, ...]
    auth_any: tuple[tuple[str, ...], ...]  # the alternative requirements, when the spec offers several
    billable: bool
    deprecated: bool
    envelope: dict[str, Any] | None = None  # x-relaykit-envelope
    task: dict[str, Any] | None = None  # x-relaykit-task (on a submit operation)
    fetch: Op | None = None  # the operation that fetches the task this one submits
    poll: dict[str, Any] | None = None  # on a fetch operation: how waits follow its tasks
    task_args: tuple[tuple[str, Any], ...] = ()  # on a submit: the fetch arguments it fixes (Python names)
    page: dict[str, Any] | None = None  # x-relaykit-page, with Python argument names and the item model
    shortcut_spec: dict[str, Any] | None = None  # x-relaykit-shortcuts: method name -> fixed parameters
    shortcuts: list[Op] = field(default_factory=list)  # the methods made from it
    fixed: dict[str, Any] = field(default_factory=dict)  # on a shortcut: Python argument -> the value it sends
    shortcut: bool = False  # a method of another operation with some arguments fixed
    stream_value: Any = True  # the value of the stream parameter that turns streaming on
    stream_final: str | None = None  # what the stream folds into, when not the JSON response

    @property
    def wait_name(self) -> str:
        return self.name + "_and_wait"

    @property
    def call_args(self) -> str:
        """The arguments the method passes on: its locals, plus the fixed ones of a shortcut."""
        if not self.fixed:
            return "locals()"
        return "{**locals(), " + ", ".join(f"{k!r}: {v!r}" for k, v in self.fixed.items()) + "}"

    @property
    def returns(self) -> str:
        """The return annotation of the plain (non-streaming) call."""
        if self.page:
            return f"SyncPage[types.{self.page['item']}]"
        if self.response_binary:
            return "BinaryResponse"
        if self.response_model:
            return f"types.{self.response_model}" + (" | str" if self.response_text else "")
        return "str" if self.response_text else "None"

    @property
    def const_name(self) -> str:
        return "_" + snake(self.operation_id).upper()

    @property
    def stream_type(self) -> str | None:
        """The stream's type parameters: the event type, then what it accumulates into."""
        if not self.stream_event:
            return None
        event = f"types.{self.stream_event} | UnknownEvent" if self.stream_union else f"types.{self.stream_event}"
        return f"{event}, types.{self.stream_final or self.response_model or self.stream_event}"

    @property
    def stream_arg(self) -> Arg | None:
        """The body field or query parameter that switches streaming on."""
        for arg in self.args:
            if arg.location in ("body", "query") and arg.wire == self.stream_param:
                return arg
        return None

    @property
    def stream_py(self) -> str | None:
        arg = self.stream_arg
        return arg.py if arg is not None else None

    @property
    def stream_on(self) -> str:
        """The stream argument's annotation in the overload that streams."""
        return "Literal[True]" if self.stream_value is True else f"Literal[{self.stream_value!r}]"

    @property
    def stream_off(self) -> str:
        """The stream argument's annotation (and default) in the overload that does not."""
        if self.stream_value is True:
            return "Literal[False] | NotGiven = NOT_GIVEN"
        arg = self.stream_arg
        others = [v for v in (arg.choices if arg else None) or () if v != self.stream_value and v is not None]
        return (f"Literal[{', '.join(map(repr, others))}] | " if others else "") + "NotGiven = NOT_GIVEN"


@dataclass
class Resource:
    path: tuple[str, ...]
    ops: list[Op] = field(default_factory=list)
    children: list[Resource] = field(default_factory=list)

    @property
    def class_name(self) -> str:
        return "".join(camel(p) for p in self.path)

    @property
    def attr(self) -> str:
        return self.path[-1]

    def walk(self) -> list[Resource]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


class Annotator:
    """Python annotations for method arguments. Objects accept the model or a plain mapping."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.schemas = doc.get("components", {}).get("schemas", {})

    def __call__(self, schema: dict[str, Any]) -> str:
        return " | ".join(dict.fromkeys(self._parts(schema, set())))

    def _parts(self, schema: dict[str, Any], seen: set[str]) -> list[str]:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            target = resolve(self.doc, schema["$ref"])
            if self._is_model(target):
                return [f"types.{name}", "Mapping[str, Any]"]
            if name in seen:
                return ["Any"]
            return self._parts(target, seen | {name})
        if "const" in schema:
            return [f"Literal[{schema['const']!r}]"]
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            parts = [f"Literal[{', '.join(repr(v) for v in values)}]"] if values else []
            return parts + (["None"] if None in schema["enum"] else [])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                parts: list[str] = []
                for sub in schema[key]:
                    parts.extend(self._parts(sub, seen))
                return _null_last(parts)
        types = schema.get("type")
        if isinstance(types, list):
            parts = []
            for t in types:
                parts.extend(self._parts({**schema, "type": t}, seen))
            return _null_last(parts)
        if types == "null":
            return ["None"]
        if types == "string":
            return ["FileInput"] if schema.get("format") == "binary" else ["str"]
        if types == "integer":
            return ["int"]
        if types == "number":
            return ["float"]
        if types == "boolean":
            return ["bool"]
        if types == "array":
            item = " | ".join(dict.fromkeys(self._parts(schema.get("items", {}), seen)))
            return [f"Sequence[{item or 'Any'}]"]
        if types == "object":
            return ["Mapping[str, Any]"]
        return ["Any"]

    def _is_model(self, schema: dict[str, Any]) -> bool:
        if schema.get("type") == "object" and schema.get("properties"):
            return True
        variants = schema.get("oneOf") or schema.get("anyOf") or []
        return bool(variants) and all("$ref" in v for v in variants)


def _null_last(parts: list[str]) -> list[str]:
    return [p for p in parts if p != "None"] + (["None"] if "None" in parts else [])


def union_schema_names(doc: dict[str, Any]) -> list[str]:
    """Component schemas that are a oneOf/anyOf of refs: generated as type aliases."""
    out = []
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        variants = schema.get("oneOf") or schema.get("anyOf")
        if variants and all("$ref" in v for v in variants) and "properties" not in schema:
            out.append(name)
    return out


def build_operations(doc: dict[str, Any]) -> list[Op]:
    annotate = Annotator(doc)
    unions = set(union_schema_names(doc))
    root_security = doc.get("security", [])
    ops = []
    for path, method, spec in iter_operations(doc):
        where = f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}"
        args: list[Arg] = []
        for param in spec.get("parameters", []):
            if "$ref" in param:
                param = resolve(doc, param["$ref"])
            schema = param.get("schema", {})
            kind = schema.get("type") if isinstance(schema.get("type"), str) else None
            args.append(Arg(
                py=snake(param["name"]), wire=param["name"], location=param["in"],
                annotation=annotate(schema), required=bool(param.get("required")) and "default" not in schema,
                default=schema.get("default"), has_default="default" in schema,
                description=param.get("description", ""),
                kind=kind, choices=tuple(schema["enum"]) if "enum" in schema else None,
                multi_segment=param.get("x-relaykit-multi-segment") is True,
            ))
        bodies: list[Body] = []
        for ctype, media in (spec.get("requestBody") or {}).get("content", {}).items():
            ref = media["schema"]["$ref"]
            bodies.append(Body(ctype, ref.rsplit("/", 1)[-1], body_args(doc, annotate, resolve(doc, ref))))
        args.extend(merge_body_args(bodies))
        names = [a.py for a in args]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise SpecError(where, f"two arguments map to the Python name {sorted(dupes)[0]!r}")
        response_model = None
        content_types: list[str] = []
        for code in sorted(spec.get("responses", {})):
            if not str(code).startswith("2"):
                continue
            response = spec["responses"][code]
            if "$ref" in response:
                response = resolve(doc, response["$ref"])
            content = response.get("content") or {}
            content_types.extend(content)
            media = content.get("application/json")
            if media and response_model is None:
                response_model = media["schema"]["$ref"].rsplit("/", 1)[-1]
        response_binary = any(is_binary_type(c) for c in content_types)
        if response_binary and (response_model or any(c in TEXT_TYPES for c in content_types)):
            raise SpecError(where + "/responses", "a binary response cannot be mixed with JSON or text alternatives")
        stream = spec.get("x-relaykit-stream") or {}
        check_stream_param(stream, args, where + "/x-relaykit-stream")
        security = scheme_names(doc, spec.get("security", root_security), where + "/security")
        ops.append(Op(
            operation_id=spec["operationId"],
            resource=tuple(spec["x-relaykit-resource"].split(".")),
            name=spec["x-relaykit-method"],
            method=method.upper(),
            path=path,
            summary=spec.get("summary", ""),
            description=spec.get("description", ""),
            args=sorted(args, key=lambda a: (not a.required, a.location != "path")),
            bodies=bodies,
            response_model=response_model,
            response_binary=response_binary,
            response_text=any(c in TEXT_TYPES for c in content_types),
            stream_protocol=stream.get("protocol"),
            stream_event=stream.get("event"),
            stream_param=stream.get("param"),
            stream_union=stream.get("event") in unions,
            auth=tuple(dict.fromkeys(s for requirement in security for s in requirement)),
            auth_any=tuple(tuple(r) for r in security) if len(security) > 1 else (),
            billable=bool(spec.get("x-relaykit-billable")),
            deprecated=bool(spec.get("deprecated")),
            envelope={**spec["x-relaykit-envelope"], "success": tuple(spec["x-relaykit-envelope"]["success"])} if spec.get("x-relaykit-envelope") else None,
            task=spec.get("x-relaykit-task"),
            page=page_info(doc, spec, args),
            stream_value=stream.get("value", True),
            stream_final=stream.get("final"),
            shortcut_spec=spec.get("x-relaykit-shortcuts"),
        ))
    link_tasks(ops)
    make_shortcuts(ops)
    return ops


def make_shortcuts(ops: list[Op]) -> None:
    """x-relaykit-shortcuts (validated): one more method per entry, sending the operation with
    those arguments fixed (they leave the signature). A shortcut gets `_and_wait` like its
    operation, unless it is the operation's own fetch (its fixed values are the fetch's)."""
    taken = {(op.resource, name) for op in ops for name in [op.name] + ([op.wait_name] if op.fetch else []) + (["wait"] if op.poll else [])}
    for op in ops:
        for name, values in (op.shortcut_spec or {}).items():
            py = {a.wire: a.py for a in op.args}
            fetches_itself = op.fetch is op and values == (op.task or {}).get("fetch_params")
            short = replace(
                op, name=name, args=[a for a in op.args if a.wire not in values], fixed={py[w]: v for w, v in values.items()},
                shortcut=True, shortcut_spec=None, shortcuts=[], poll=None, fetch=None if fetches_itself else op.fetch,
            )
            for method in [name] + ([short.wait_name] if short.fetch else []):
                if (op.resource, method) in taken:
                    where = f"#/paths/{op.path.replace('~', '~0').replace('/', '~1')}/{op.method.lower()}/x-relaykit-shortcuts"
                    raise SpecError(where, f"the method {'.'.join(op.resource)}.{method} it adds is already taken")
                taken.add((op.resource, method))
            op.shortcuts.append(short)


def check_stream_param(stream: dict[str, Any], args: list[Arg], where: str) -> None:
    """``param`` names a body field or query parameter; ``value`` (default true) is the value of
    it that streams: true for a boolean switch, else one of the values its enum lists."""
    if not stream.get("param"):
        return
    arg = next((a for a in args if a.location in ("body", "query") and a.wire == stream["param"]), None)
    if arg is None:
        raise SpecError(where + "/param", f"{stream['param']!r} is not a body field or query parameter")
    value = stream.get("value", True)
    if value is not True and value not in (arg.choices or ()):
        raise SpecError(where + "/value", f"{value!r} must be true or one of the values {stream['param']!r} lists in its enum")


def link_tasks(ops: list[Op]) -> None:
    """Join each submit operation to its fetch operation (the spec is validated: they exist and
    agree), and check the added method names are free."""
    by_id = {op.operation_id: op for op in ops}
    taken = {(op.resource, op.name) for op in ops}
    for op in ops:
        if not op.task:
            continue
        fetch = by_id[op.task["fetch"]]
        op.fetch = fetch
        where = f"#/paths/{op.path.replace('~', '~0').replace('/', '~1')}/{op.method.lower()}/x-relaykit-task"
        for name in [(op.resource, op.wait_name)] + ([] if fetch.poll else [(fetch.resource, "wait")]):
            if name in taken:
                raise SpecError(where, f"the method {'.'.join(name[0])}.{name[1]} it adds is already taken")
            taken.add(name)
        by_wire = {a.wire: a for a in fetch.args if a.location in ("path", "query")}
        op.task_args = tuple((by_wire[wire].py, value) for wire, value in op.task.get("args", {}).items())
        if fetch.poll is None:
            arg = next(a for a in fetch.args if a.wire == op.task["param"] and a.location in ("path", "query", "body"))
            py = {a.wire: a.py for a in fetch.args}
            fixed = op.task.get("fetch_params") or {}
            fetch.poll = {
                "fetch_arg": arg.py,
                "fixed": tuple((py[wire], value) for wire, value in fixed.items()),
                # required arguments besides the id and the fixed ones: the submits fix them, `wait` takes them
                "extra": [a for a in fetch.args if a.required and not a.has_default and a.location in ("path", "query")
                          and a is not arg and a.wire not in fixed],
                "status": pointers(op.task["status"]),
                "succeeded": tuple(op.task["succeeded"]),
                "failed": tuple(op.task.get("failed", ())),
                "failed_if_present": op.task.get("failed_if_present"),
                "progress": pointers(op.task.get("progress")),
                "error": pointers(op.task.get("error")),
                "timeout": float(op.task.get("timeout", 900)),
                "interval": float(op.task.get("interval", 2)),
            }


def pointers(value: str | list[str] | None) -> str | tuple[str, ...] | None:
    """A JSON pointer of x-relaykit-task as the runtime takes it: alternatives as a tuple."""
    return tuple(value) if isinstance(value, list) else value


def page_info(doc: dict[str, Any], spec: dict[str, Any], args: list[Arg]) -> dict[str, Any] | None:
    """x-relaykit-page (validated) with the Python names of its arguments and the item model."""
    paging = spec.get("x-relaykit-page")
    if not paging:
        return None
    py = {a.wire: a.py for a in args if a.location == "query"}
    return {
        "page_arg": py[paging["page"]],
        "size_arg": py[paging["size"]] if paging.get("size") else None,
        "items": paging["items"],
        "total": paging.get("total"),
        "first": paging.get("first", 1),
        "item": array_item_model(doc, json_response_schema(doc, spec), paging["items"].split("/")[1:]),
    }


def body_args(doc: dict[str, Any], annotate: Annotator, target: dict[str, Any]) -> list[Arg]:
    required = set(target.get("required", []))
    props = target.get("properties", {})
    current = {snake(w) for w, p in props.items() if not p.get("deprecated")}
    out = []
    for wire, prop in props.items():
        if prop.get("deprecated") and snake(wire) in current:
            continue  # an old spelling of another field: reachable through extra_body
        annotation = annotate(prop)
        out.append(Arg(
            py=snake(wire), wire=wire, location="body", annotation=annotation,
            required=wire in required, description=prop.get("description", ""),
            file="FileInput" in annotation, array_form_name=prop.get("x-relaykit-array-form-name"),
            choices=tuple(prop["enum"]) if "enum" in prop else None,
        ))
    return out


def merge_body_args(bodies: list[Body]) -> list[Arg]:
    """One keyword argument per field across the body variants: required only if every
    variant requires it, typed as the union of the variants' types."""
    merged: dict[str, Arg] = {}
    for body in bodies:
        for arg in body.args:
            seen = merged.get(arg.wire)
            if seen is None:
                merged[arg.wire] = Arg(**{**arg.__dict__, "required": arg.required and len(bodies) == 1})
            elif arg.annotation not in seen.annotation.split(" | "):
                seen.annotation = " | ".join(dict.fromkeys(seen.annotation.split(" | ") + arg.annotation.split(" | ")))
    if len(bodies) > 1:
        for wire, arg in merged.items():
            arg.required = all(any(a.wire == wire and a.required for a in b.args) for b in bodies)
    return list(merged.values())


def build_resources(ops: list[Op]) -> list[Resource]:
    """The resource tree: top-level namespaces on the client, in first-seen order."""
    index: dict[tuple[str, ...], Resource] = {}
    roots: list[Resource] = []
    for op in ops:
        for depth in range(1, len(op.resource) + 1):
            key = op.resource[:depth]
            if key not in index:
                index[key] = Resource(key)
                if depth == 1:
                    roots.append(index[key])
                else:
                    index[key[:-1]].children.append(index[key])
        index[op.resource].ops.append(op)
        index[op.resource].ops.extend(op.shortcuts)
    return roots

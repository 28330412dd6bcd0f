"""Open tagged unions: a post-processing step over the generated models module.

datamodel-code-generator writes a tagged union as ``Annotated[A | B, Field(discriminator="type")]``,
which refuses any tag it does not list. Gateways send new output items, tools and content parts
before the spec lists them, and accept vendors' own types in requests, so every tagged union
becomes ``Annotated[A | B | UnknownVariant, OpenUnion("type")]`` (see the runtime's
``_models.py``): known tags validate as before, an unknown one is kept as it came. So does a
union without a discriminator whose objects all carry a ``type`` tag (``tool_choice``: a string
or one of several tagged objects). A stream's event union stays closed: the stream layer yields
an event it does not know as ``UnknownEvent``.
"""

from __future__ import annotations

import ast
from typing import Any

from .errors import SpecError

UNKNOWN = "UnknownVariant"
TAG = "type"  # the tag of unions without a discriminator (the spec's convention)


def stream_event_unions(doc: dict[str, Any]) -> set[str]:
    """Names of the schemas that are a stream's event type."""
    names = set()
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and isinstance(op.get("x-relaykit-stream"), dict):
                names.add(op["x-relaykit-stream"].get("event"))
    return names


def open_unions(code: str, closed: set[str]) -> str:
    """``code`` with every tagged union opened, except the type aliases named in ``closed``."""
    code = _edit(code, _discriminated_edits(code, closed))
    code = _edit(code, _untagged_edits(code))
    # The package is formatted (and unused imports dropped) when it is written.
    return code.replace("from ._models import BaseModel\n", f"from ._models import BaseModel, OpenUnion, {UNKNOWN}\n", 1)


Edit = tuple[tuple[int, int], tuple[int, int], str]  # (start (line, col), end (line, col), new text)


class _Source:
    """Positions in ``code`` as ast gives them (line, UTF-8 byte column) -> offsets into its bytes."""

    def __init__(self, code: str) -> None:
        self.data = code.encode("utf-8")
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, pos: tuple[int, int]) -> int:
        return self.starts[pos[0] - 1] + pos[1]

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (``ast.get_source_segment`` re-splits the whole code on each call)."""
        return self.data[self.offset(_start(node)) : self.offset(_end(node))].decode("utf-8")


def _edit(code: str, edits: list[Edit]) -> str:
    source = _Source(code)
    data = source.data
    for start, end, text in sorted(edits, reverse=True):
        data = data[: source.offset(start)] + text.encode("utf-8") + data[source.offset(end) :]
    return data.decode("utf-8")


def _start(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def _discriminated_edits(code: str, closed: set[str]) -> list[Edit]:
    """``Annotated[A | B, Field(discriminator="t")]`` -> ``Annotated[A | B | UnknownVariant, OpenUnion("t")]``."""
    edits: list[Edit] = []
    for stmt in ast.parse(code).body:
        if _alias_name(stmt) in closed:
            continue
        for node in ast.walk(stmt):
            tag = _discriminator(node)
            if tag is None:
                continue
            assert isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple)
            union, field = node.slice.elts
            if isinstance(union, ast.BinOp) and isinstance(union.right, ast.Constant) and union.right.value is None:
                union = union.left  # a nullable union: the unknown variant goes before `| None`
            edits.append((_end(union), _end(union), f" | {UNKNOWN}"))
            edits.append((_start(field), _end(field), f'OpenUnion("{tag}")'))
    return edits


def _untagged_edits(code: str) -> list[Edit]:
    """A union without a discriminator, in a model field, of at least two members where every
    model carries a required ``type: Literal[...]`` tag: ``str | A | B | None`` ->
    ``Annotated[str | A | B | UnknownVariant, OpenUnion("type")] | None``."""
    tree = ast.parse(code)
    source = _Source(code)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    tagged = {name for name, node in classes.items() if _has_tag(node)}
    edits: list[Edit] = []
    for node in classes.values():
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign):
                continue
            for union in _outer_unions(stmt.annotation):
                members = _members(union)
                names = [m.id for m in members if isinstance(m, ast.Name)]
                if UNKNOWN in names or not any(n in tagged for n in names):
                    continue
                if any(n in classes and n not in tagged for n in names):
                    continue
                kept = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)]
                if len(kept) < 2:
                    continue
                if any(start <= _start(union) and _end(union) <= end for start, end, _ in edits):
                    continue  # inside a union already opened
                text = " | ".join(source.segment(m) for m in kept)
                new = f'Annotated[{text} | {UNKNOWN}, OpenUnion("{TAG}")]' + (" | None" if len(kept) < len(members) else "")
                edits.append((_start(union), _end(union), new))
    return edits


def _has_tag(node: ast.ClassDef) -> bool:
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == TAG:
            ann = stmt.annotation
            is_literal = isinstance(ann, ast.Subscript) and isinstance(ann.value, ast.Name) and ann.value.id == "Literal"
            return is_literal and stmt.value is None
    return False


def _outer_unions(node: ast.AST) -> list[ast.BinOp]:
    """The maximal ``|`` chains in an annotation (not those inside an open or tagged union)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        inner = [u for m in _members(node) for u in _outer_unions(m)]
        return [node, *inner]
    if _discriminator(node) is not None:
        return []
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Literal":
        return []
    return [u for child in ast.iter_child_nodes(node) for u in _outer_unions(child)]


def _members(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _members(node.left) + _members(node.right)
    assert isinstance(node, ast.expr)
    return [node]


def _alias_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _discriminator(node: ast.AST) -> str | None:
    """The tag field of ``Annotated[<union>, Field(discriminator=...)]`` or of an already open
    union (``OpenUnion(...)``), else None."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Annotated"):
        return None
    if not (isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2):
        return None
    field = node.slice.elts[1]
    if not (isinstance(field, ast.Call) and isinstance(field.func, ast.Name) and field.func.id in ("Field", "OpenUnion")):
        return None
    if field.func.id == "OpenUnion":
        return "open"  # never edited again: callers skip it
    keywords = {k.arg: k.value for k in field.keywords}
    tag = keywords.get("discriminator")
    if not isinstance(tag, ast.Constant) or not isinstance(tag.value, str):
        return None
    if set(keywords) - {"discriminator", "title"} or field.args:
        raise SpecError("#/components/schemas", f"unexpected arguments on a tagged union: {ast.unparse(field)}")
    return tag.value

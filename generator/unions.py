"""Open tagged unions: a post-processing step over the generated models module.

datamodel-code-generator writes a tagged union as ``Annotated[A | B, Field(discriminator="type")]``,
which refuses any tag it does not list. Gateways send new output items, tools and content parts
before the spec lists them, and accept vendors' own types in requests, so every tagged union
becomes ``Annotated[A | B | UnknownVariant, OpenUnion("type")]`` (see the runtime's
``_models.py``): known tags validate as before, an unknown one is kept as it came. A stream's
event union stays closed: the stream layer yields an event it does not know as ``UnknownEvent``.
"""

from __future__ import annotations

import ast
from typing import Any

from .errors import SpecError


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
    data = code.encode("utf-8")
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:  # ast columns are UTF-8 byte offsets
        return starts[line - 1] + col

    edits: list[tuple[int, int, bytes]] = []
    for stmt in ast.parse(code).body:
        if _alias_name(stmt) in closed:
            continue
        for node in ast.walk(stmt):
            tag = _discriminated(node)
            if tag is None:
                continue
            assert isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple)
            union, field = node.slice.elts
            if isinstance(union, ast.BinOp) and isinstance(union.right, ast.Constant) and union.right.value is None:
                union = union.left  # a nullable union: the unknown variant goes before `| None`
            end = offset(union.end_lineno or 0, union.end_col_offset or 0)
            edits.append((end, end, b" | UnknownVariant"))
            start = offset(field.lineno, field.col_offset)
            edits.append((start, offset(field.end_lineno or 0, field.end_col_offset or 0), f'OpenUnion("{tag}")'.encode()))
    if not edits:
        return code
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text + data[end:]
    # The package is formatted (and unused imports dropped) when it is written.
    return data.decode("utf-8").replace(
        "from ._models import BaseModel\n", "from ._models import BaseModel, OpenUnion, UnknownVariant\n", 1
    )


def _alias_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _discriminated(node: ast.AST) -> str | None:
    """The tag field of ``Annotated[<union>, Field(discriminator=...)]``, else None."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Annotated"):
        return None
    if not (isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2):
        return None
    field = node.slice.elts[1]
    if not (isinstance(field, ast.Call) and isinstance(field.func, ast.Name) and field.func.id == "Field"):
        return None
    keywords = {k.arg: k.value for k in field.keywords}
    tag = keywords.get("discriminator")
    if not isinstance(tag, ast.Constant) or not isinstance(tag.value, str):
        return None
    if set(keywords) - {"discriminator", "title"} or field.args:
        raise SpecError("#/components/schemas", f"unexpected arguments on a tagged union: {ast.unparse(field)}")
    return tag.value


"""Read an Apifox / widdershins markdown export into operations.

The export is a flat list of headings: `# <title>/<family path>` opens a family, `## METHOD Title`
followed by a `METHOD /path` line opens an operation, and inside an operation `> Body Parameters`,
`### Params`, `#### Description`, `#### Enum`, `> Response Examples`, `### Responses` and
`### Responses Data Schema` mark its parts. Tables are read by their header names, never by
column position, since exports differ (a Title column or not, padded cells). Text inside code
fences is never taken for a heading. What cannot be read is recorded on the operation (or, for an
operation without its path line, in `Export.failures`), never raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator.docs.jsonish import loads_lenient

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_OP_HEADING = re.compile(r"^##\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b\s*(.*?)\s*$")
_PATH_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(/\S*)\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
_STATUS_LABEL = re.compile(r"^(\d{3}) Response$")
_FIELD_DESC = re.compile(r"^\*\*(»*)\s*(.+?)\*\*\s*:\s*(.*)$")


@dataclass
class Field:
    """A body or response field from a table; `children` nest by `»`, `variants` are anyOf rows."""

    name: str
    type: str
    required: bool
    description: str = ""
    line: int = 0
    children: list[Field] = field(default_factory=list)
    variants: list[Field] = field(default_factory=list)
    enum: list[str] = field(default_factory=list)


@dataclass
class Param:
    name: str
    location: str
    type: str
    required: bool
    description: str = ""
    enum: list[str] = field(default_factory=list)


@dataclass
class Example:
    line: int
    language: str
    text: str
    value: Any = None
    error: str | None = None  # why the text is not JSON


@dataclass
class ResponseExample:
    status: str
    label: str
    example: Example


@dataclass
class Operation:
    family: str
    method: str
    path: str
    title: str
    line: int
    description: str = ""
    params: list[Param] = field(default_factory=list)
    body: Field | None = None
    request_examples: list[Example] = field(default_factory=list)
    responses: dict[str, str] = field(default_factory=dict)
    response_examples: list[ResponseExample] = field(default_factory=list)
    response_fields: dict[str, Field] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def template(self) -> str:
        return path_template(self.path)


@dataclass
class Failure:
    line: int
    heading: str
    reason: str


@dataclass
class Export:
    title: str
    operations: list[Operation]
    failures: list[Failure]

    @property
    def total(self) -> int:
        return len(self.operations) + len(self.failures)


def path_template(path: str) -> str:
    """Replace concrete ids in a documented path with parameters: `/mj/task/1743/fetch` ->
    `/mj/task/{id}/fetch`, `/v1beta/models/veo-3:predict` -> `/v1beta/models/{model}:predict`."""
    parts = path.split("/")
    for i, seg in enumerate(parts):
        if re.fullmatch(r"\d{4,}", seg):
            parts[i] = "{id}"
        elif ":" in seg and not seg.startswith("{") and i > 0 and parts[i - 1] == "models":
            parts[i] = "{model}:" + seg.split(":", 1)[1]
    return "/".join(parts)


def split_row(line: str) -> list[str]:
    """Cells of a markdown table row (`\\|` is a literal bar), stripped of padding."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


def read_table(lines: list[str]) -> list[dict[str, str]]:
    """Rows of a table as dicts keyed by lower-cased header name (separator row skipped)."""
    header = [h.lower() for h in split_row(lines[0])]
    rows = []
    for line in lines[1:]:
        cells = split_row(line)
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        rows.append(dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False)))
    return rows


def _nesting(name: str) -> tuple[int, str]:
    depth = len(name) - len(name.lstrip("»"))
    return depth, name.lstrip("»").strip()


def _required(cell: str) -> bool:
    return cell.strip().lower() in ("yes", "true", "是", "required")


def _desc(cell: str) -> str:
    return "" if cell.strip().lower() == "none" else cell.strip()


def _build_tree(rows: list[dict[str, str]], root: Field, problems: list[str], line: int) -> None:
    stack: list[tuple[int, Field]] = [(0, root)]
    for row in rows:
        depth, name = _nesting(row.get("name", ""))
        node = Field(name, row.get("type", ""), _required(row.get("required", "")),
                     _desc(row.get("description", "")), line)
        while len(stack) > 1 and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1]
        if depth > stack[-1][0] + 1:
            problems.append(f"line {line}: table row {name!r} nests deeper than its parent")
        if name == "*anonymous*":
            parent.variants.append(node)
        else:
            parent.children.append(node)
        stack.append((depth, node))


def walk(node: Field, prefix: str = "") -> list[tuple[str, Field]]:
    """Every field under `node` with its dotted path (`a.b`; array items are not marked)."""
    out = []
    for child in node.children:
        path = f"{prefix}.{child.name}" if prefix else child.name
        out.append((path, child))
        out.extend(walk(child, path))
    for variant in node.variants:
        out.extend(walk(variant, prefix))
    return out


def _attach_enum(rows: list[dict[str, str]], params: list[Param], root: Field | None) -> None:
    """Enum rows name a field by its `»` depth and name (not its full path)."""
    for row in rows:
        depth, name = _nesting(row.get("name", ""))
        value = row.get("value", "")
        targets: list[Param | Field] = [p for p in params if depth == 0 and p.name == name]
        if root is not None:
            targets += [f for path, f in walk(root) if f.name == name and path.count(".") == depth - 1]
        for target in targets:
            if value not in target.enum:
                target.enum.append(value)


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.title = _front_matter_title(self.lines)

    def blocks(self) -> list[tuple[int, str, str | None]]:
        """(line number, kind, payload) for each structural line outside code fences; a whole
        fenced block is one entry of kind `code` (payload: language + newline + body)."""
        out: list[tuple[int, str, str | None]] = []
        i, n = 0, len(self.lines)
        while i < n:
            line = self.lines[i]
            m = _FENCE.match(line)
            if m:
                fence, lang = m.group(1), m.group(2)
                j = i + 1
                while j < n and not self.lines[j].startswith(fence[0] * len(fence)):
                    j += 1
                out.append((i + 1, "code", lang + "\n" + "\n".join(self.lines[i + 1:j])))
                i = j + 1
                continue
            if line.startswith("|"):
                j = i
                while j < n and self.lines[j].startswith("|"):
                    j += 1
                out.append((i + 1, "table", "\n".join(self.lines[i:j])))
                i = j
                continue
            out.append((i + 1, "line", line))
            i += 1
        return out


def _front_matter_title(lines: list[str]) -> str:
    if lines and lines[0].strip() == "---":
        for line in lines[1:]:
            if line.strip() == "---":
                break
            if line.startswith("title:"):
                return line.split(":", 1)[1].strip().strip("\"'")
    for line in lines:
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def parse(text: str) -> Export:
    reader = _Reader(text)
    blocks = reader.blocks()
    ops: list[Operation] = []
    failures: list[Failure] = []
    family = ""
    op: Operation | None = None
    section = "description"
    label = ""
    status_code = ""
    desc_target: Field | None = None
    for idx, (lineno, kind, payload) in enumerate(blocks):
        assert payload is not None
        if kind == "line":
            line = payload
            if line.startswith("# "):
                heading = line[2:].strip()
                if reader.title and heading.startswith(reader.title + "/"):
                    family = "/".join(s.strip() for s in heading[len(reader.title) + 1:].split("/"))
                    op, section = None, "outside"
                    continue
                if op is None:
                    continue
            m = _OP_HEADING.match(line)
            if m:
                pm, preamble = _find_path_line(blocks[idx + 1:idx + 8])
                if not pm:
                    failures.append(Failure(lineno, line, "no `METHOD /path` line after the heading"))
                    op = None
                    continue
                if pm.group(1) != m.group(1):
                    failures.append(Failure(lineno, line, f"heading says {m.group(1)}, path line {pm.group(1)}"))
                    op = None
                    continue
                op = Operation(family, pm.group(1), pm.group(2), m.group(2).strip(), lineno, preamble)
                ops.append(op)
                section, label, status_code, desc_target = "path", "", "", None
                continue
            if op is None:
                continue
            stripped = line.strip()
            if section == "path":
                if _PATH_LINE.match(stripped):
                    section = "description"
                continue
            marker = stripped.lower()
            if marker == "> body parameters":
                section = "body"
            elif marker == "### params":
                section = "params"
            elif marker == "#### description":
                section = "field-descriptions"
            elif marker == "#### enum":
                section = "enum-response" if section.startswith("response") else "enum"
            elif marker == "> response examples":
                section = "response-examples"
            elif marker == "### responses":
                section = "responses"
            elif marker == "### responses data schema":
                section = "response-schema"
            elif section == "response-examples" and stripped.startswith("> "):
                label = stripped[2:].replace("\\", "")
            elif section == "response-schema" and stripped.startswith("HTTP Status Code"):
                status_code = re.sub(r"\D", "", stripped)
            elif section == "field-descriptions" and op.body is not None:
                desc_target = _add_field_description(op.body, stripped, desc_target)
            elif section == "description" and not stripped.startswith("<a id="):
                op.description += line + "\n"
            continue
        if op is None:
            continue
        if kind == "code":
            lang, _, body = payload.partition("\n")
            example = _example(lineno, lang, body)
            if section == "body":
                op.request_examples.append(example)
            elif section == "response-examples":
                op.response_examples.append(ResponseExample("", label, example))
            elif section == "description":
                op.description += f"```{lang}\n{body}\n```\n"
        elif kind == "table":
            _table(op, section, payload.splitlines(), lineno, status_code)
    for op in ops:
        _finish(op)
    return Export(reader.title, ops, failures)


def _find_path_line(following: list[tuple[int, str, str | None]]) -> tuple[re.Match[str] | None, str]:
    """The `METHOD /path` line after an operation heading; a few lines of text may sit between
    them (a subtitle), which become the start of the description."""
    preamble: list[str] = []
    for _, kind, payload in following:
        text = (payload or "").strip()
        if kind != "line" or text.startswith("#") or text.startswith(">"):
            break
        m = _PATH_LINE.match(text)
        if m:
            return m, "\n".join(preamble)
        if text:
            preamble.append(text)
    return None, ""


def _example(lineno: int, lang: str, body: str) -> Example:
    example = Example(lineno + 1, lang or "text", body)
    if lang in ("json", ""):
        try:
            example.value = loads_lenient(body)
        except ValueError as exc:
            example.error = f"example at line {lineno + 1} is not JSON ({exc})"
    return example


def _table(op: Operation, section: str, lines: list[str], lineno: int, status_code: str) -> None:
    rows = read_table(lines)
    if section == "params":
        body_rows = []
        for row in rows:
            depth, name = _nesting(row.get("name", ""))
            location = row.get("location", "").lower()
            if depth:
                body_rows.append(row)
            elif location == "body":
                op.body = Field(name, row.get("type") or "object", _required(row.get("required", "")), line=lineno)
            elif location:
                op.params.append(Param(name, location, row.get("type", ""), _required(row.get("required", "")),
                                       _desc(row.get("description", ""))))
        if body_rows:
            if op.body is None:
                op.body = Field("body", "object", False, line=lineno)
            _build_tree(body_rows, op.body, op.problems, lineno)
    elif section == "enum":
        _attach_enum(rows, op.params, op.body)
    elif section == "enum-response":
        for root in op.response_fields.values():
            _attach_enum(rows, [], root)
    elif section == "responses":
        for row in rows:
            code = next((v for k, v in row.items() if k.startswith("http status")), "")
            op.responses[code.strip()] = _desc(row.get("description", ""))
    elif section == "response-schema":
        root = Field("response", "object", True, line=lineno)
        _build_tree(rows, root, op.problems, lineno)
        op.response_fields[status_code or "200"] = root


def _add_field_description(body: Field, line: str, target: Field | None) -> Field | None:
    """`**» name**: text` starts the long description of a body field; lines after it continue it."""
    m = _FIELD_DESC.match(line)
    if m:
        depth, name = len(m.group(1)), m.group(2).strip()
        return next((f for p, f in walk(body) if f.name == name and p.count(".") == depth - 1), None)
    if target is not None and line and line not in target.description:
        target.description = (target.description + "\n" + line).strip()
    return target


def _finish(op: Operation) -> None:
    """Give every response example its status and record what could not be read."""
    op.description = op.description.strip()
    labels = {desc: code for code, desc in op.responses.items() if desc}
    first_ok = next((c for c in op.responses if c.startswith("2")), "200")
    for rex in op.response_examples:
        m = _STATUS_LABEL.match(rex.label)
        rex.status = m.group(1) if m else labels.get(rex.label, first_ok)
    for ex in op.request_examples:
        if ex.error:
            op.problems.append("request " + ex.error)
    for rex in op.response_examples:
        if rex.example.error:
            op.problems.append(f"response {rex.status} " + rex.example.error)
    if not op.responses:
        op.problems.append("no `### Responses` table")

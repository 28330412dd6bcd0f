"""What changed in the API surface between two versions of the spec, classed breaking or not
for a client.

    python -m generator.diff BASE      the spec at git revision BASE against the working tree

Operations are matched by method and path; fields by name within each component schema. A
schema's direction decides what breaks: a request field that disappears or becomes required
breaks callers, a response field that disappears or becomes nullable breaks readers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from .load import load_spec
from .validate import operations, resolve

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | retyped | required | optional | nullable | non-nullable
    where: str
    detail: str
    breaking: bool

    def line(self) -> str:
        mark = "BREAKING" if self.breaking else "ok      "
        return f"  {mark} {self.kind:<12} {self.where}{': ' + self.detail if self.detail else ''}"


def type_of(schema: dict[str, Any]) -> str:
    """A compact, comparable description of a schema's type."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " | ".join(sorted(type_of(s) for s in schema[key] if s.get("type") != "null"))
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " | ".join(sorted(k for k in kind if k != "null"))
    if kind == "array":
        return f"array<{type_of(schema.get('items', {}))}>"
    if schema.get("format") == "binary":
        return "file"
    return str(kind)


def nullable(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    if isinstance(kinds, list) and "null" in kinds:
        return True
    return any(s.get("type") == "null" for s in schema.get("anyOf", []) + schema.get("oneOf", []))


def refs_in(node: Any) -> set[str]:
    return set(__import__("re").findall(r'"#/components/schemas/([^"]+)"', json.dumps(node)))


def directions(doc: dict[str, Any]) -> dict[str, set[str]]:
    """For each component schema: 'request' and/or 'response', by reachability."""
    schemas = doc.get("components", {}).get("schemas", {})
    out: dict[str, set[str]] = {}

    def mark(names: set[str], side: str) -> None:
        todo = list(names)
        while todo:
            name = todo.pop()
            if side in out.setdefault(name, set()) or name not in schemas:
                continue
            out[name].add(side)
            todo.extend(refs_in(schemas[name]))

    for _path, _method, op in operations(doc):
        mark(refs_in(op.get("requestBody", {})) | refs_in(op.get("parameters", [])), "request")
        mark(refs_in(op.get("responses", {})), "response")
    return out


def params_of(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for param in op.get("parameters", []):
        if "$ref" in param:
            param = resolve(doc, param["$ref"])
        out[f"{param['in']} {param['name']}"] = param
    return out


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    old_ops = {(m, p): op for p, m, op in operations(old)}
    new_ops = {(m, p): op for p, m, op in operations(new)}
    for key in sorted(new_ops.keys() - old_ops.keys()):
        changes.append(Change("added", f"operation {key[0].upper()} {key[1]}", new_ops[key].get("operationId", ""), False))
    for key in sorted(old_ops.keys() - new_ops.keys()):
        changes.append(Change("removed", f"operation {key[0].upper()} {key[1]}", old_ops[key].get("operationId", ""), True))
    for key in sorted(old_ops.keys() & new_ops.keys()):
        where = f"{key[0].upper()} {key[1]}"
        before, after = params_of(old, old_ops[key]), params_of(new, new_ops[key])
        for name in sorted(after.keys() - before.keys()):
            required = bool(after[name].get("required"))
            changes.append(Change("added", f"{where} parameter {name}", "required" if required else "optional", required))
        for name in sorted(before.keys() - after.keys()):
            changes.append(Change("removed", f"{where} parameter {name}", "", True))
        for name in sorted(before.keys() & after.keys()):
            a, b = before[name], after[name]
            if type_of(a.get("schema", {})) != type_of(b.get("schema", {})):
                changes.append(retyped(f"{where} parameter {name}", a.get("schema", {}), b.get("schema", {}), True, False))
            if bool(a.get("required")) != bool(b.get("required")):
                changes.append(Change("required" if b.get("required") else "optional", f"{where} parameter {name}", "", bool(b.get("required"))))
        if old_ops[key].get("operationId") != new_ops[key].get("operationId") or old_ops[key].get("x-relaykit-method") != new_ops[key].get("x-relaykit-method"):
            changes.append(Change("retyped", f"{where} name", f"{old_ops[key].get('operationId')} -> {new_ops[key].get('operationId')}", True))
    changes.extend(compare_schemas(old, new))
    return changes


def retyped(where: str, old: dict[str, Any], new: dict[str, Any], is_request: bool, is_response: bool) -> Change:
    """A type change. A union that only grows breaks readers of responses, not callers; one
    that only shrinks breaks callers, not readers."""
    before, after = set(type_of(old).split(" | ")), set(type_of(new).split(" | "))
    detail = f"{type_of(old)} -> {type_of(new)}"
    if before < after:
        return Change("widened", where, detail, is_response)
    if after < before:
        return Change("narrowed", where, detail, is_request)
    return Change("retyped", where, detail, True)


def compare_schemas(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    before = old.get("components", {}).get("schemas", {})
    after = new.get("components", {}).get("schemas", {})
    sides = directions(new)
    old_sides = directions(old)
    for name in sorted(after.keys() - before.keys()):
        changes.append(Change("added", f"schema {name}", "", False))
    for name in sorted(before.keys() - after.keys()):
        changes.append(Change("removed", f"schema {name}", "", True))
    for name in sorted(before.keys() & after.keys()):
        side = sides.get(name, set()) | old_sides.get(name, set())
        is_request, is_response = "request" in side, "response" in side
        a_props, b_props = before[name].get("properties", {}), after[name].get("properties", {})
        a_req, b_req = set(before[name].get("required", [])), set(after[name].get("required", []))
        where = f"{name}"
        for field in sorted(b_props.keys() - a_props.keys()):
            required = field in b_req
            changes.append(Change("added", f"{where}.{field}", "required" if required else "optional", is_request and required))
        for field in sorted(a_props.keys() - b_props.keys()):
            changes.append(Change("removed", f"{where}.{field}", "", True))
        for field in sorted(a_props.keys() & b_props.keys()):
            a, b = a_props[field], b_props[field]
            if type_of(a) != type_of(b):
                changes.append(retyped(f"{where}.{field}", a, b, is_request, is_response))
            if field in b_req and field not in a_req:
                changes.append(Change("required", f"{where}.{field}", "", is_request))
            elif field in a_req and field not in b_req:
                changes.append(Change("optional", f"{where}.{field}", "", is_response))
            if nullable(b) and not nullable(a):
                changes.append(Change("nullable", f"{where}.{field}", "", is_response))
            elif nullable(a) and not nullable(b):
                changes.append(Change("non-nullable", f"{where}.{field}", "", is_request))
        a_variants = {type_of(v) for v in before[name].get("oneOf", []) + before[name].get("anyOf", [])}
        b_variants = {type_of(v) for v in after[name].get("oneOf", []) + after[name].get("anyOf", [])}
        for variant in sorted(b_variants - a_variants):
            changes.append(Change("added", f"{where} variant {variant}", "", is_response))
        for variant in sorted(a_variants - b_variants):
            changes.append(Change("removed", f"{where} variant {variant}", "", True))
    return changes


def spec_at(revision: str) -> dict[str, Any] | None:
    """The merged spec as it was at a git revision (None if it had none)."""
    try:
        archive = subprocess.run(["git", "archive", revision, "spec"], cwd=REPO, capture_output=True, check=True).stdout
    except subprocess.CalledProcessError as exc:
        message = exc.stderr.decode(errors="replace").strip()
        if "did not match any files" in message:
            return None
        raise SystemExit(f"error: cannot read spec/ at {revision!r}: {message}") from None
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        root = Path(tmp) / "spec" / "openapi.yaml"
        if not root.exists():
            return None
        doc, _ = load_spec(root)
        return doc


def summary(changes: list[Change]) -> str:
    breaking = sum(1 for c in changes if c.breaking)
    ops_added = sum(1 for c in changes if c.kind == "added" and c.where.startswith("operation "))
    ops_removed = sum(1 for c in changes if c.kind == "removed" and c.where.startswith("operation "))
    return f"{len(changes)} changes ({breaking} breaking): {ops_added} operations added, {ops_removed} removed"


def version_advice(old: dict[str, Any] | None, new: dict[str, Any], changes: list[Change]) -> str | None:
    if old is None or not changes:
        return None
    a = [int(x) for x in str(old["info"]["version"]).split(".")[:3]]
    b = [int(x) for x in str(new["info"]["version"]).split(".")[:3]]
    breaking = any(c.breaking for c in changes)
    grows = any(not c.breaking for c in changes)
    # Before 1.0.0, a breaking change bumps the minor version (semver's rule for 0.x).
    if breaking and not ((b[0] > a[0]) or (a[0] == 0 and b[:2] > a[:2])):
        return f"info.version {old['info']['version']} -> {new['info']['version']}: a breaking change needs a {'minor (0.x)' if a[0] == 0 else 'major'} bump"
    if grows and b <= a:
        return f"info.version {old['info']['version']} -> {new['info']['version']}: the surface changed; bump the version"
    return None


def python_breakage(revision: str) -> str:
    """griffe's check of the generated package against the revision: what user code breaks."""
    try:
        import griffe  # noqa: F401
    except ImportError:
        return "  (griffe is not installed: skipped the Python-level check)"
    result = subprocess.run(
        [sys.executable, "-m", "griffe", "check", "relaykit", "--search", "generated", "--against", revision, "--format", "oneline"],
        cwd=REPO, capture_output=True, text=True,
    )
    text = (result.stdout + result.stderr).strip()
    return "\n".join("  " + line for line in text.splitlines()) if text else "  no breaking change in the Python API"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.diff", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="git revision to compare against (e.g. HEAD~3, a tag)")
    parser.add_argument("--no-python", action="store_true", help="skip the griffe check of the generated package")
    args = parser.parse_args(argv)
    old = spec_at(args.base)
    new, _ = load_spec(REPO / "spec" / "openapi.yaml")
    changes = compare(old or {"paths": {}, "components": {}}, new)
    print(f"API surface: {args.base} -> working tree")
    print(summary(changes))
    for change in sorted(changes, key=lambda c: (not c.breaking, c.where)):
        print(change.line())
    advice = version_advice(old, new, changes)
    if advice:
        print(f"\nversion: {advice}")
    if not args.no_python:
        print("\nPython API (griffe check of generated/relaykit):")
        print(python_breakage(args.base))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the OpenAI-format operations of our spec lack compared with OpenAI's published spec.

    .venv/bin/python tests/tools/openai_drift.py /path/to/openai-openapi.yaml [--all]

For each operation both specs share, walks the request body, the JSON response and the stream
event schemas side by side and prints, per place (``CreateResponse.tools[web_search].filters``):
properties the official spec has and ours lacks, union variants (by their tag) ours lacks, and
JSON kinds (string, number, object ...) the official spec allows there and ours does not.
Schemas are paired by position, variants by their tag, so the names of the two specs' schemas do
not need to match. A maintenance tool: not run by the tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]

# (method, our path) -> official path; the official server URL already ends in /v1.
OPERATIONS = [
    ("post", "/v1/chat/completions"),
    ("post", "/v1/completions"),
    ("post", "/v1/embeddings"),
    ("get", "/v1/models"),
    ("get", "/v1/models/{model}"),
    ("post", "/v1/moderations"),
    ("post", "/v1/images/generations"),
    ("post", "/v1/images/edits"),
    ("post", "/v1/audio/speech"),
    ("post", "/v1/audio/transcriptions"),
    ("post", "/v1/audio/translations"),
    ("post", "/v1/responses"),
    ("get", "/v1/responses/{response_id}"),
    ("post", "/v1/responses/{response_id}/cancel"),
    ("get", "/v1/responses/{response_id}/input_items"),
    ("post", "/v1/responses/compact"),
    ("post", "/v1/responses/input_tokens"),
]
TAGS = ("type", "role", "object")


class Side:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        name = None
        while isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            node: Any = self.doc
            for part in schema["$ref"][2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
        return name, schema

    def alternatives(self, schema: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
        """The schema as a flat list of non-union alternatives (allOf merged)."""
        _, schema = self.resolve(schema)
        if depth > 20 or not isinstance(schema, dict):
            return []
        variants = schema.get("oneOf") or schema.get("anyOf")
        if variants:
            base = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator")}
            out = []
            for v in variants:
                for alt in self.alternatives(v, depth + 1):
                    out.append(self.merge([base, alt]) if base.get("properties") else alt)
            return out
        if "allOf" in schema:
            parts = [self.merged_all_of(schema, depth)]
            return parts
        return [schema]

    def merged_all_of(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        parts = []
        for sub in schema["allOf"]:
            alts = self.alternatives(sub, depth + 1)
            parts.extend(alts[:1] if len(alts) == 1 else [{"anyOf": alts}] if alts else [])
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return self.merge([*parts, rest])

    @staticmethod
    def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        props: dict[str, Any] = {}
        for part in parts:
            props.update(part.get("properties") or {})
            for k, v in part.items():
                if k != "properties":
                    out.setdefault(k, v)
        if props:
            out["properties"] = props
            out.setdefault("type", "object")
        return out

    def kinds(self, alts: list[dict[str, Any]]) -> set[str]:
        out: set[str] = set()
        for alt in alts:
            t = alt.get("type")
            if t is None:
                if "properties" in alt:
                    out.add("object")
                elif "const" in alt or "enum" in alt:
                    values = alt.get("enum", [alt.get("const")])
                    out |= {_kind(v) for v in values}
                elif alt.get("nullable"):
                    pass
                else:
                    out.add("any")
            else:
                out |= set(t) if isinstance(t, list) else {t}
            if alt.get("nullable"):
                out.add("null")
        return out

    def tag_of(self, alt: dict[str, Any], key: str) -> list[str]:
        prop = (alt.get("properties") or {}).get(key)
        if not prop:
            return []
        _, prop = self.resolve(prop)
        values: list[Any] = []
        for sub in self.alternatives(prop):
            if "const" in sub:
                values.append(sub["const"])
            values.extend(sub.get("enum") or [])
        if "default" in prop and not values:
            values.append(prop["default"])
        return [v for v in values if isinstance(v, str)]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else "object"


class Drift:
    def __init__(self, ours: Side, theirs: Side) -> None:
        self.ours = ours
        self.theirs = theirs
        self.seen: set[tuple[int, int]] = set()
        self.findings: list[str] = []
        # Tag values ours gives variants of their own, by the place of the tag: the official spec
        # may list two tags in one variant's enum where ours has a variant per tag.
        self.sibling_tags: dict[str, set[str]] = {}

    def compare(self, where: str, a: dict[str, Any] | None, b: dict[str, Any]) -> None:
        if a is None:
            return
        key = (id(self.ours.resolve(a)[1]), id(self.theirs.resolve(b)[1]))
        if key in self.seen:
            return
        self.seen.add(key)
        ours = self.ours.alternatives(a)
        theirs = self.theirs.alternatives(b)
        mine = self.ours.kinds(ours)
        if "any" not in mine:
            lacking = self.theirs.kinds(theirs) - mine - {"any"}
            if "number" in mine:
                lacking.discard("integer")
            if "integer" in lacking and "number" not in lacking and "integer" in mine:
                lacking.discard("integer")
            if lacking:
                self.findings.append(f"{where}: kinds {sorted(lacking)} not accepted (ours {sorted(mine)})")
        self.objects(where, [x for x in ours if _is_object(x)], [x for x in theirs if _is_object(x)])
        arrays_a = [x for x in ours if x.get("type") == "array" or "items" in x]
        arrays_b = [x for x in theirs if x.get("type") == "array" or "items" in x]
        if arrays_a and arrays_b:
            items_a = {"anyOf": [x.get("items", {}) for x in arrays_a]}
            for x in arrays_b:
                self.compare(where + "[]", items_a, x.get("items", {}))
        enums_a = {v for x in ours for v in x.get("enum") or []}
        enums_b = {v for x in theirs for v in x.get("enum") or []}
        open_a = any(x.get("type") == "string" and "enum" not in x and "const" not in x for x in ours)
        missing = enums_b - enums_a - self.sibling_tags.get(where, set())
        if enums_b and not open_a and enums_a and missing:
            self.findings.append(f"{where}: enum values {sorted(map(str, missing))} missing")

    def objects(self, where: str, ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
        if not theirs or not ours:
            return
        if len(theirs) == 1 and len(ours) == 1:
            self.properties(where, ours[0], theirs[0])
            return
        for key in TAGS:
            tags_b = {t: alt for alt in theirs for t in self.theirs.tag_of(alt, key)}
            if len(tags_b) < len(theirs) * 0.6:
                continue
            tags_a = {t: alt for alt in ours for t in self.ours.tag_of(alt, key)}
            missing = sorted(set(tags_b) - set(tags_a))
            if missing:
                self.findings.append(f"{where}: variants {missing} missing (by {key})")
            for tag, alt in tags_b.items():
                if tag in tags_a:
                    self.sibling_tags[f"{where}[{tag}].{key}"] = set(tags_a)
                    self.properties(f"{where}[{tag}]", tags_a[tag], alt)
            untagged = [alt for alt in theirs if not self.theirs.tag_of(alt, key)]
            for alt in untagged:
                self.properties(where + "[?]", self.best(ours, alt), alt)
            return
        for alt in theirs:
            self.properties(where + "[~]", self.best(ours, alt), alt)

    def best(self, ours: list[dict[str, Any]], alt: dict[str, Any]) -> dict[str, Any]:
        names = set(alt.get("properties") or {})
        return max(ours, key=lambda x: len(names & set(x.get("properties") or {})))

    def properties(self, where: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        props_a = a.get("properties") or {}
        props_b = b.get("properties") or {}
        missing = sorted(set(props_b) - set(props_a))
        if missing:
            self.findings.append(f"{where}: properties {missing} missing")
        for name in props_b:
            if name in props_a:
                self.compare(f"{where}.{name}", props_a[name], props_b[name])


def _is_object(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "object" or "properties" in schema


def main() -> None:
    official = yaml.load(Path(sys.argv[1]).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    ours = json.loads((ROOT / "spec" / "dist" / "openapi.json").read_text(encoding="utf-8"))
    total = 0
    for method, path in OPERATIONS:
        op_a = ours["paths"][path][method]
        op_b = official["paths"][path.removeprefix("/v1")][method]
        drift = Drift(Side(ours), Side(official))
        name = op_a["operationId"]
        body_b = (op_b.get("requestBody") or {}).get("content", {})
        body_a = (op_a.get("requestBody") or {}).get("content", {})
        for ctype, media in body_b.items():
            mine = body_a.get(ctype) or next(iter(body_a.values()), None)
            drift.compare(f"{name} request({ctype})", mine and mine["schema"], media["schema"])
        resp_b = op_b["responses"].get("200", {}).get("content", {})
        resp_a = op_a["responses"].get("200", {}).get("content", {})
        if "application/json" in resp_b and "application/json" in resp_a:
            drift.compare(f"{name} response", resp_a["application/json"]["schema"], resp_b["application/json"]["schema"])
        if "text/event-stream" in resp_b:
            event = (op_a.get("x-relaykit-stream") or {}).get("event")
            if event:
                drift.compare(f"{name} event", {"$ref": f"#/components/schemas/{event}"}, resp_b["text/event-stream"]["schema"])
            else:
                drift.findings.append(f"{name}: the official spec streams it, ours does not")
        params_a = {p["name"] for p in op_a.get("parameters", [])}
        for p in op_b.get("parameters", []):
            p = Side(official).resolve(p)[1]
            if p["name"] not in params_a:
                drift.findings.append(f"{name}: parameter {p['name']!r} ({p['in']}) missing")
        print(f"== {name}: {len(drift.findings)}")
        for line in drift.findings:
            print("  " + line)
        total += len(drift.findings)
    print(f"total {total}")


if __name__ == "__main__":
    main()

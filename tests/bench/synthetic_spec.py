"""A spec the size the real one is expected to reach, for the `make generate` benchmark.

The size is a target (by default 4,000 schemas and 300 operations), not a number of copies: the
real spec keeps growing, and the benchmark measures the generator at the full size. The real
spec's family files are written unchanged; then family files (except the shared
spec/common.yaml) are copied, in order, under new paths (``/copy2/v1/...``), operationIds
(``...Copy2``), client namespaces (``chat_copy2.completions``), file names
(``openai/chat_copy2.yaml``, hence its own models module) and schema names
(``ChatCompletionCopy2``), copy 2, 3, ... until both targets are met. Every ``$ref``,
discriminator mapping, stream event name and task fetch operation of a copy points into the same
copy (or, for a family the last, partial copy leaves out, at the original). The output goes to a
directory given by the caller, never into the repository.

    python tests/bench/synthetic_spec.py OUT_DIR [--schemas 4000] [--operations 300]   # prints the root file's path
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent.parent
SPEC = REPO / "spec"
SHARED = "common.yaml"
_REF = re.compile(r"^#/components/([^/]+)/(.+)$")


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, allow_unicode=True, width=1000)


def _rename(node: Any, names: dict[tuple[str, str], str]) -> Any:
    """``node`` with every ``$ref`` and discriminator mapping target renamed."""

    def ref(value: str) -> str:
        m = _REF.match(value)
        if m and (m[1], m[2]) in names:
            return f"#/components/{m[1]}/{names[m[1], m[2]]}"
        return value

    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = ref(value)
            elif key == "mapping" and isinstance(value, dict):
                out[key] = {k: ref(v) if isinstance(v, str) else v for k, v in value.items()}
            else:
                out[key] = _rename(value, names)
        return out
    if isinstance(node, list):
        return [_rename(v, names) for v in node]
    return node


def _copy_family(doc: dict[str, Any], n: int, names: dict[tuple[str, str], str]) -> dict[str, Any]:
    suffix = f"Copy{n}"
    paths = {}
    for path, item in (doc.get("paths") or {}).items():
        item = _rename(item, names)
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                op["operationId"] += suffix
                head, _, rest = op["x-relaykit-resource"].partition(".")
                op["x-relaykit-resource"] = f"{head}_copy{n}" + (f".{rest}" if rest else "")
                task = op.get("x-relaykit-task")
                if task and "fetch" in task:
                    task["fetch"] += suffix  # the fetch operation of the same copy
                stream = op.get("x-relaykit-stream")
                if stream and "event" in stream:
                    stream["event"] = names.get(("schemas", stream["event"]), stream["event"])
        paths[f"/copy{n}{path}"] = item
    components: dict[str, Any] = {}
    for kind, items in (doc.get("components") or {}).items():
        bucket = components[kind] = {}
        for key, value in (items or {}).items():
            value = _rename(value, names)
            if kind == "schemas" and value.get("title") == key:
                value["title"] = names[kind, key]
            bucket[names[kind, key]] = value
    return {"paths": paths, "components": components}


def _count(doc: dict[str, Any]) -> tuple[int, int]:
    """(schemas, operations) of a family file."""
    schemas = len((doc.get("components") or {}).get("schemas") or {})
    operations = sum(1 for item in (doc.get("paths") or {}).values() for op in item.values() if isinstance(op, dict) and "operationId" in op)
    return schemas, operations


def build(out: Path, schemas: int = 4000, operations: int = 300) -> Path:
    """Write a spec of at least ``schemas`` schemas and ``operations`` operations under ``out``;
    return the root document's path."""
    root = _load(SPEC / "openapi.yaml")
    families: list[str] = root["x-relaykit-families"]
    docs = {name: _load(SPEC / name) for name in families}
    listed = list(families)
    have = [sum(counts) for counts in zip(*(_count(doc) for doc in docs.values()), strict=True)]
    for name, doc in docs.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(_dump(doc), encoding="utf-8")
    copied = [name for name in families if name != SHARED and any(_count(docs[name]))]
    n = 1
    while have[0] < schemas or have[1] < operations:
        n += 1
        # The families of this copy: all, or as many as the targets still need.
        chosen = []
        need = [schemas - have[0], operations - have[1]]
        for name in copied:
            if need[0] <= 0 and need[1] <= 0:
                break
            chosen.append(name)
            need = [a - b for a, b in zip(need, _count(docs[name]), strict=True)]
        # Everything a copy defines is renamed, so its refs stay inside the copy (or reach common).
        names = {
            (kind, key): f"{key}Copy{n}"
            for name in chosen
            for kind, items in (docs[name].get("components") or {}).items()
            for key in items or {}
        }
        for name in chosen:
            path = PurePosixPath(name)
            new = str(path.with_name(f"{path.stem}_copy{n}{path.suffix}"))
            (out / new).write_text(_dump(_copy_family(docs[name], n, names)), encoding="utf-8")
            listed.append(new)
            have = [a + b for a, b in zip(have, _count(docs[name]), strict=True)]
    root["x-relaykit-families"] = listed
    (out / "openapi.yaml").write_text(_dump(root), encoding="utf-8")
    return out / "openapi.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--schemas", type=int, default=4000)
    ap.add_argument("--operations", type=int, default=300)
    args = ap.parse_args()
    print(build(args.out, args.schemas, args.operations))


if __name__ == "__main__":
    main()

"""A spec the size the real one is expected to reach, for the `make generate` benchmark.

Every family file of spec/ (except the shared spec/common.yaml) is copied ``copies - 1`` more
times under new paths (``/copy2/v1/...``), operationIds (``...Copy2``), client namespaces
(``chat_copy2.completions``), file names (``openai/chat_copy2.yaml``, hence its own models
module) and schema names (``ChatCompletionCopy2``); every ``$ref``, discriminator mapping,
stream event name and task fetch operation of a copy points into the same copy (or at the
shared common schemas). With 8 copies: about 4,000 schemas (the 36-operation spec gave 288
operations and 3,962 schemas). The output goes to a directory given by the caller, never
into the repository.

    python tests/bench/synthetic_spec.py OUT_DIR [--copies 8]   # prints the root file's path
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


def build(out: Path, copies: int = 8) -> Path:
    """Write the synthetic spec under ``out``; return the root document's path."""
    root = _load(SPEC / "openapi.yaml")
    families: list[str] = root["x-relaykit-families"]
    docs = {name: _load(SPEC / name) for name in families}
    listed = list(families)
    for name, doc in docs.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(_dump(doc), encoding="utf-8")
    copied = [name for name in families if name != SHARED]
    for n in range(2, copies + 1):
        # Everything a copy defines is renamed, so its refs stay inside the copy (or reach common).
        names = {
            (kind, key): f"{key}Copy{n}"
            for name in copied
            for kind, items in (docs[name].get("components") or {}).items()
            for key in items or {}
        }
        for name in copied:
            path = PurePosixPath(name)
            new = str(path.with_name(f"{path.stem}_copy{n}{path.suffix}"))
            (out / new).write_text(_dump(_copy_family(docs[name], n, names)), encoding="utf-8")
            listed.append(new)
    root["x-relaykit-families"] = listed
    (out / "openapi.yaml").write_text(_dump(root), encoding="utf-8")
    return out / "openapi.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--copies", type=int, default=8)
    args = ap.parse_args()
    print(build(args.out, args.copies))


if __name__ == "__main__":
    main()

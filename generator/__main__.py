"""`python -m generator`: validate and bundle the spec, then generate the relaykit package.

    python -m generator            write spec/dist/ and generated/relaykit/
    python -m generator --check    regenerate into a temporary directory and diff against them
"""

from __future__ import annotations

import argparse
import difflib
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import __version__
from .bundle import to_json, to_yaml
from .diff import compare, summary
from .errors import SpecError
from .load import load_spec
from .models import generate_models
from .operations import build_operations, build_resources
from .render import TEMPLATES, header, render_package, stats
from .validate import (
    Locator,
    check_project_rules,
    check_refs,
    openapi_problem,
    raise_openapi_problem,
)
from .write import write_tree

REPO = Path(__file__).resolve().parent.parent


def surface_change(doc: dict[str, Any], dist_dir: Path) -> str | None:
    """One line on how the API surface differs from the bundle being replaced, if it does."""
    previous = dist_dir / "openapi.json"
    if not previous.exists():
        return None
    changes = compare(json.loads(previous.read_text(encoding="utf-8")), doc)
    if not changes:
        return None
    return f"  surface     {summary(changes)}; see `make spec-diff BASE=HEAD`"


def build(spec_path: Path, dist_dir: Path | None = None) -> tuple[dict[str, str], dict[str, str], str]:
    """(package files, dist files, summary) — nothing is written."""
    started = time.perf_counter()
    doc, origin = load_spec(spec_path)
    locate = Locator(origin, str(spec_path))
    check_refs(doc, locate)
    # openapi-spec-validator is the slowest stage: it runs in a second process while this one
    # generates. Its verdict is awaited before anything is returned, and it comes first: our
    # own rules assume a valid document and may fail less clearly on an invalid one.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        openapi = pool.submit(openapi_problem, doc)
        try:
            check_project_rules(doc, locate)
            dist = {"openapi.yaml": to_yaml(doc), "openapi.json": to_json(doc)}
            ops = build_operations(doc)
            resources = build_resources(ops)
            models = generate_models(doc, header("spec/dist/openapi.yaml"), origin)
            files = render_package(doc, ops, resources, models)
        except Exception:
            raise_openapi_problem(openapi.result(), locate)
            raise
        raise_openapi_problem(openapi.result(), locate)
    for path in sorted((TEMPLATES / "runtime").glob("*.py")):
        files[path.name] = header(f"templates/runtime/{path.name}") + path.read_text(encoding="utf-8")
    files["py.typed"] = ""
    files["_generated.json"] = stats(doc, dist["openapi.json"], ops, models, __version__)
    elapsed = time.perf_counter() - started
    streams = sum(1 for op in ops if op.stream_protocol)
    classes = sum(1 for code in models.values() for line in code.splitlines() if line.startswith("class "))
    lines = [
        f"relaykit generator {__version__}: spec version {doc['info']['version']}",
        f"  operations  {len(ops):4d}  ({streams} streaming) in {len(resources)} client namespaces",
        f"  schemas     {len(doc['components'].get('schemas', {})):4d}  -> {classes} model classes in {len(models) - 1} modules",
        f"  files       {len(files):4d}  in generated/relaykit, spec/dist/openapi.yaml and .json",
    ]
    for res in resources:
        calls = ", ".join(f"{'.'.join(op.resource)}.{op.name}" for r in res.walk() for op in r.ops)
        lines.append(f"    client.{res.attr:<12} {calls}")
    change = surface_change(doc, dist_dir) if dist_dir is not None else None
    if change:
        lines.append(change)
    lines.append(f"  built in {elapsed:.2f} s")
    return files, dist, "\n".join(lines)


def diff_trees(expected: Path, actual: Path) -> list[str]:
    out: list[str] = []
    names = {p.relative_to(expected) for p in expected.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    names |= {p.relative_to(actual) for p in actual.rglob("*") if p.is_file() and "__pycache__" not in p.parts} if actual.exists() else set()
    for rel in sorted(names):
        a = (actual / rel).read_text(encoding="utf-8").splitlines(keepends=True) if (actual / rel).exists() else []
        b = (expected / rel).read_text(encoding="utf-8").splitlines(keepends=True) if (expected / rel).exists() else []
        out.extend(difflib.unified_diff(a, b, f"committed/{rel}", f"regenerated/{rel}"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=REPO / "spec" / "openapi.yaml")
    parser.add_argument("--out", type=Path, default=REPO / "generated", help="directory that holds the relaykit package")
    parser.add_argument("--dist", type=Path, default=REPO / "spec" / "dist", help="where the bundled spec goes")
    parser.add_argument("--check", action="store_true", help="regenerate to a temporary directory and diff")
    args = parser.parse_args(argv)
    try:
        files, dist, report = build(args.spec, args.dist)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was written.", file=sys.stderr)
        return 2
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write_tree(files, Path(tmp) / "relaykit")
            write_tree(dist, Path(tmp) / "dist")
            diff = diff_trees(Path(tmp) / "relaykit", args.out / "relaykit")
            diff += diff_trees(Path(tmp) / "dist", args.dist)
        if diff:
            sys.stdout.writelines(diff[:400])
            print(f"\ngenerated files are stale ({len(diff)} diff lines): run `make generate`", file=sys.stderr)
            return 1
        print("generated/ and spec/dist/ are up to date")
        return 0
    write_tree(files, args.out / "relaykit")
    write_tree(dist, args.dist)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

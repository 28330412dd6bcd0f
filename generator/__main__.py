"""`python -m generator`: validate and bundle the spec, then generate the relaykit package.

    python -m generator            write spec/dist/ and generated/relaykit/
    python -m generator --check    regenerate into a temporary directory and diff against them
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import __version__
from .bundle import to_json, to_yaml_editions
from .cache import Cache
from .diff import compare, summary
from .errors import SpecError
from .load import load_spec
from .openapi import check_openapi
from .operations import build_operations, build_resources
from .passes import Passes, workers
from .publish import edition_31, edition_32
from .render import TEMPLATES, header, render_package, stats
from .validate import Locator, check_document, check_project_rules
from .write import write_tree

REPO = Path(__file__).resolve().parent.parent
MAX_DIFF = 400  # diff lines shown by --check


def surface_change(doc: dict[str, Any], doc_text: str, dist_dir: Path) -> str | None:
    """One line on how the API surface differs from the bundle being replaced, if it does."""
    previous = dist_dir / "openapi.json"
    if not previous.exists():
        return None
    previous_text = previous.read_text(encoding="utf-8")
    if previous_text == doc_text:
        return None
    changes = compare(json.loads(previous_text), doc)
    if not changes:
        return None
    return f"  surface     {summary(changes)}; see `make spec-diff BASE=HEAD`"


def build(
    spec_path: Path, dist_dir: Path | None = None, *, cache: Cache | None = None, jobs: int = 1
) -> tuple[dict[str, str], dict[str, str], str]:
    """(package files, dist files, summary) — nothing is written."""
    started = time.perf_counter()
    with workers(jobs) as pool:
        doc, origin = load_spec(spec_path, pool.map if pool else map)
        locate = Locator(origin, str(spec_path))
        check_document(doc, locate)
        check_openapi(doc, locate)  # our own rules assume a valid document
        check_project_rules(doc, locate)
        # The model generator is the slow stage: it runs per family in the workers (or comes
        # from the cache), with the YAML dumps of the published editions, while this process
        # does the rest.
        models_header = header("spec/dist/openapi.yaml")
        published = edition_31(doc)
        also = {"yaml": (to_yaml_editions, ([published, edition_32(published)],))}
        passes = Passes(doc, origin, models_header, cache or Cache(None), pool, also)
        dist = {"openapi.json": to_json(published)}
        ops = build_operations(doc)
        resources = build_resources(ops)
        files = render_package(doc, ops, resources)
        change = surface_change(published, dist["openapi.json"], dist_dir) if dist_dir is not None else None
        models = passes.models()
        yaml_31, yaml_32 = passes.result("yaml")
        dist = {"openapi.yaml": yaml_31, "openapi-3.2.yaml": yaml_32, **dist}
    files.update({f"types/{name}": code for name, code in models.items()})
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
        f"  files       {len(files):4d}  in generated/relaykit; spec/dist/openapi.yaml, .json and openapi-3.2.yaml",
    ]
    for res in resources:
        calls = ", ".join(f"{'.'.join(op.resource)}.{op.name}" for r in res.walk() for op in r.ops)
        lines.append(f"    client.{res.attr:<12} {calls}")
    if change:
        lines.append(change)
    lines.append(f"  built in {elapsed:.2f} s")
    return files, dist, "\n".join(lines)


def _files(root: Path) -> set[Path]:
    if not root.exists():
        return set()
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def stale_files(expected: Path, actual: Path) -> list[Path]:
    """Files (relative paths) whose bytes differ, or that exist on one side only."""
    names = _files(expected) | _files(actual)
    return [
        rel for rel in sorted(names)
        if not (expected / rel).exists() or not (actual / rel).exists()
        or (expected / rel).read_bytes() != (actual / rel).read_bytes()
    ]


def diff_lines(expected: Path, actual: Path, rel: Path, limit: int) -> list[str]:
    def lines(path: Path) -> list[str]:
        return path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []

    diff = difflib.unified_diff(lines(actual / rel), lines(expected / rel), f"committed/{rel}", f"regenerated/{rel}")
    return list(itertools.islice(diff, limit))


def cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=REPO / "spec" / "openapi.yaml")
    parser.add_argument("--out", type=Path, default=REPO / "generated", help="directory that holds the relaykit package")
    parser.add_argument("--dist", type=Path, default=REPO / "spec" / "dist", help="where the bundled spec goes")
    parser.add_argument("--check", action="store_true", help="regenerate to a temporary directory and diff")
    parser.add_argument("--jobs", type=int, default=cpus(), help="worker processes for the per-family passes (1: none)")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".cache" / "generator", help="cache of the per-family passes (safe to delete)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    args = parser.parse_args(argv)
    cache = Cache(None if args.no_cache else args.cache_dir)
    try:
        files, dist, report = build(args.spec, args.dist, cache=cache, jobs=args.jobs)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was written.", file=sys.stderr)
        return 2
    cache.prune()
    if args.check:
        return check(files, dist, args.out / "relaykit", args.dist)
    write_tree(files, args.out / "relaykit")
    write_tree(dist, args.dist)
    print(report)
    return 0


def check(files: dict[str, str], dist: dict[str, str], package: Path, dist_dir: Path) -> int:
    """Compare bytes; text-diff only the first few stale files, and show at most MAX_DIFF lines."""
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(files, Path(tmp) / "relaykit")
        write_tree(dist, Path(tmp) / "dist")
        pairs = [(Path(tmp) / "relaykit", package), (Path(tmp) / "dist", dist_dir)]
        stale = [(pair, rel) for pair in pairs for rel in stale_files(*pair)]
        shown: list[str] = []
        for (expected, actual), rel in stale:
            if len(shown) >= MAX_DIFF:
                break
            shown += diff_lines(expected, actual, rel, MAX_DIFF - len(shown))
    if not stale:
        print("generated/ and spec/dist/ are up to date")
        return 0
    sys.stdout.writelines(shown)
    names = ", ".join(f"{actual.name}/{rel}" for (_, actual), rel in stale[:20])
    more = f" and {len(stale) - 20} more" if len(stale) > 20 else ""
    print(f"\n{len(stale)} generated files are stale ({names}{more}): run `make generate`", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

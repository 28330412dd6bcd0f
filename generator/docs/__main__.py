"""`python -m generator.docs import <export.md>` writes draft family files for documented
operations the spec lacks; `python -m generator.docs drift` compares the snapshots in
spec/sources with the spec."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from generator.docs import draft
from generator.docs.drift import drift, format_report, load_allowlist, load_spec
from generator.docs.openapi_page import is_openapi_page, parse_openapi_page
from generator.docs.parse import Export, parse

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "spec" / "sources"
# The snapshots the drift report reads: Apifox exports and pages with an embedded OpenAPI
# document. The relay-*-zh files (field lists in their own table format) are kept as sources only.
EXPORTS = [
    "key4u-api-reference.md",
    "cometapi-chat-completions.md",
    "cometapi-embeddings.md",
    "cometapi-audio-transcriptions.md",
    "cometapi-seedance-video.md",
]


def read_export(path: Path) -> Export:
    text = path.read_text(encoding="utf-8")
    return parse_openapi_page(text) if is_openapi_page(text) else parse(text)


def read_summary(name: str, export: Export) -> str:
    lines = [f"{name}: read {len(export.operations)}/{export.total} operations"]
    for failure in export.failures:
        lines.append(f"  not read: L{failure.line} {failure.heading!r}: {failure.reason}")
    for op in export.operations:
        for problem in op.problems:
            lines.append(f"  partly read: L{op.line} {op.method} {op.path}: {problem}")
    return "\n".join(lines)


def cmd_drift(args: argparse.Namespace) -> int:
    doc = load_spec(Path(args.spec))
    allowlist = load_allowlist(Path(args.allowlist))
    failed = False
    for name in args.exports or EXPORTS:
        path = SOURCES / name
        report = drift(name, read_export(path), doc, allowlist)
        print(format_report(report, verbose=args.verbose))
        failed = failed or bool(report.unexplained or report.stale)
    return 1 if failed else 0


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.export)
    export = read_export(path)
    print(read_summary(path.name, export))
    doc = load_spec(Path(args.spec))
    written = draft.write_drafts(export, doc, source=_source_name(path), family=args.family,
                                 out=Path(args.out), only_line=args.line)
    for file, count in written.items():
        print(f"wrote {file} ({count} operations)")
    if not written:
        print("nothing to draft: every matching operation is already in the spec")
    return 0


def _source_name(path: Path) -> str:
    """How x-relaykit-source names the snapshot (`spec/sources/<file>`)."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return f"spec/sources/{path.name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.docs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("drift", help="compare the documentation snapshots with the spec")
    p.add_argument("exports", nargs="*", help=f"snapshot files in spec/sources (default: {', '.join(EXPORTS)})")
    p.add_argument("--spec", default=str(ROOT / "spec" / "dist" / "openapi.json"))
    p.add_argument("--allowlist", default=str(SOURCES / "drift-allowlist.yaml"))
    p.add_argument("-v", "--verbose", action="store_true", help="also list allowed items and missing operations")
    p.set_defaults(func=cmd_drift)
    p = sub.add_parser("import", help="draft family files for documented operations the spec lacks")
    p.add_argument("export", help="an Apifox / widdershins markdown export")
    p.add_argument("--family", default="", help="only operations whose family heading starts with this")
    p.add_argument("--line", type=int, default=0, help="only the operation whose heading is on this line")
    p.add_argument("--out", default=str(ROOT / "spec" / "drafts"), help="directory for the drafts")
    p.add_argument("--spec", default=str(ROOT / "spec" / "dist" / "openapi.json"))
    p.set_defaults(func=cmd_import)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

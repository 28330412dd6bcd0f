"""Quality gates for the published spec, spec/dist/openapi.{yaml,json}: self-contained and
versioned by the rule in spec/CONVENTIONS.md, valid for openapi-spec-validator, clean for Redocly
and Spectral (configs in spec/lint/), and usable from TypeScript: openapi-generator's
typescript-fetch client and openapi-typescript's types both compile with `tsc --strict`, and so
does tests/typescript/chat.ts against the latter.

The node tools come from node_modules (`make install`: npm ci), the openapi-generator jar from
the venv (requirements-dev.txt). The four external checks start together, in threads, the first
time one of them is needed, so the module takes about as long as the slowest chain.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.diff import compare, spec_at
from generator.load import load_spec
from generator.validate import resolve, walk

from .conftest import ROOT

DIST_YAML = ROOT / "spec" / "dist" / "openapi.yaml"
DIST_JSON = ROOT / "spec" / "dist" / "openapi.json"
LINT = ROOT / "spec" / "lint"
NODE_BIN = ROOT / "node_modules" / ".bin"
SNIPPET = ROOT / "tests" / "typescript" / "chat.ts"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")

ENV = {
    **os.environ,
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_UPDATE_NOTIFIER": "1",
    "JAVA_OPTS": "-XX:TieredStopAtLevel=1",  # a short-lived JVM: the quick compiler is enough
}


@cache
def dist_yaml() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(DIST_YAML.read_text(encoding="utf-8"), Loader=loader)  # type: ignore[no-any-return]


@cache
def dist_json() -> dict[str, Any]:
    return json.loads(DIST_JSON.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# -- self-contained, one document, versioned ---------------------------------------------------


def test_yaml_and_json_are_the_same_document() -> None:
    assert dist_yaml() == dist_json()


def test_dist_is_self_contained() -> None:
    doc = dist_json()
    refs = 0
    for path, node in walk(doc):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            refs += 1
            ref = node["$ref"]
            where = "/".join(map(str, path))
            assert ref.startswith("#/"), f"{where}: external $ref {ref!r}"
            resolve(doc, ref)  # raises KeyError for a dangling one
    assert refs > 100
    assert "x-relaykit-families" not in doc


def test_info_version_is_semver_and_the_source_one() -> None:
    source = yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text(encoding="utf-8"))
    version = dist_json()["info"]["version"]
    assert isinstance(version, str) and SEMVER.match(version), f"info.version {version!r} is not MAJOR.MINOR.PATCH"
    assert version == source["info"]["version"]


def git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def previous_version_base(current: str) -> str | None:
    """The revision that holds the spec as it last was under the version before ``current``:
    HEAD if only the working tree has the new version, else the parent of the commit that set
    it. None when the history has no other version."""
    log = git("log", "--format=%H", "--", "spec/openapi.yaml")
    if log is None:
        return None
    setter = None
    for commit in log.split():
        text = git("show", f"{commit}:spec/openapi.yaml")
        version = str((yaml.safe_load(text) or {}).get("info", {}).get("version")) if text else None
        if version != current:
            return "HEAD" if setter is None else f"{setter}^"
        setter = commit
    return None


RANK = {"patch": 1, "minor": 2, "major": 3}


def bump_needed(old: dict[str, Any], new: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The rule of spec/CONVENTIONS.md, as far as the surface diff sees (python -m generator.diff)."""
    changes = compare(old, new)
    lines = [c.line() for c in changes]
    if any(c.breaking for c in changes):
        return "major", lines
    if changes:
        return "minor", lines
    return ("patch" if without_version(old) != without_version(new) else None), lines


def without_version(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "info": {k: v for k, v in doc.get("info", {}).items() if k != "version"}}


def bump_made(old: str, new: str) -> str | None:
    a, b = [int(x) for x in old.split(".")], [int(x) for x in new.split(".")]
    if b[0] > a[0]:
        return "major"
    if b[0] == a[0] and b[1] > a[1]:
        return "minor"
    if b[:2] == a[:2] and b[2] > a[2]:
        return "patch"
    return None


def test_info_version_bump_follows_the_rule() -> None:
    """Against the spec as it was under the previous version: a breaking change needs a major
    bump (a minor one while the version is 0.x), a grown surface a minor one, any other change
    of the document a patch one."""
    new, _ = load_spec(ROOT / "spec" / "openapi.yaml")
    current = str(new["info"]["version"])
    base = previous_version_base(current)
    if base is None:
        pytest.skip("no earlier info.version in the git history to compare with")
    if git("rev-parse", "--verify", "--quiet", base) is None:
        pytest.skip(f"{base} is not in this clone's history")
    old = spec_at(base)
    if old is None:
        pytest.skip(f"no spec at {base}")
    previous = str(old["info"]["version"])
    needed, lines = bump_needed(old, new)
    made = bump_made(previous, current)
    assert made is not None, f"info.version went from {previous} to {current}: it must grow"
    if needed == "major" and previous.startswith("0."):
        needed = "minor"  # semver's rule for 0.x: breaking changes bump the minor version
    report = "\n".join([f"spec under {previous} ({base}) -> working tree {current}:", *lines])
    assert needed is None or RANK[made] >= RANK[needed], f"{report}\nneeds a {needed} bump, got a {made} one"


# -- openapi-spec-validator --------------------------------------------------------------------


def test_openapi_spec_validator() -> None:
    """The published document (YAML and JSON are the same one, see above) is valid OpenAPI 3.1."""
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    doc = dist_json()
    assert doc["openapi"].startswith("3.1.")
    validate(doc, cls=OpenAPIV31SpecValidator)


# -- external tools, run in parallel -----------------------------------------------------------


@dataclass
class Run:
    """One step of a tool chain: its command line, exit code and output."""

    label: str
    returncode: int
    stdout: str
    stderr: str = ""

    def show(self) -> str:
        return f"$ {self.label}  (exit {self.returncode})\n{self.stdout}{self.stderr}"


def run(label: str, cmd: list[str], cwd: Path = ROOT, timeout: float = 300) -> Run:
    try:
        result = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Run(label, -1, f"timed out after {timeout} s\n")
    return Run(label, result.returncode, result.stdout, result.stderr)


def node_tool(name: str) -> str:
    path = NODE_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed: run `make install` (npm ci)")
    return str(path)


def redocly() -> list[Run]:
    cmd = [node_tool("redocly"), "lint", "--config", str(LINT / "redocly.yaml"), "--format", "json", str(DIST_YAML)]
    return [run("redocly lint --config spec/lint/redocly.yaml spec/dist/openapi.yaml", cmd)]


def spectral() -> list[Run]:
    cmd = [node_tool("spectral"), "lint", "-r", str(LINT / "spectral.yaml"), "-f", "json", "--quiet", str(DIST_YAML)]
    return [run("spectral lint -r spec/lint/spectral.yaml spec/dist/openapi.yaml", cmd)]


def tsc(project: Path) -> Run:
    return run(f"tsc -p {project.name} --noEmit --strict", [node_tool("tsc"), "-p", str(project), "--noEmit", "--strict"], cwd=project.parent)


def tsconfig(path: Path, **options: Any) -> Path:
    compiler = {
        "strict": True,
        "noEmit": True,
        "target": "es2022",
        "lib": ["es2022", "dom"],
        "module": "esnext",
        "moduleResolution": "bundler",
        "skipLibCheck": True,  # skips only .d.ts files (the standard library): generated code is .ts
        "types": [],
    }
    compiler.update(options.pop("compilerOptions", {}))
    path.write_text(json.dumps({"compilerOptions": compiler, **options}, indent=2), encoding="utf-8")
    return path


def typescript_fetch(out: Path) -> list[Run]:
    """openapi-generator's typescript-fetch client, compiled."""
    cli = Path(sys.executable).with_name("openapi-generator-cli")
    config = LINT / "openapi-generator-typescript.yaml"
    steps = [run(
        "openapi-generator-cli generate -c spec/lint/openapi-generator-typescript.yaml -i spec/dist/openapi.yaml",
        [str(cli), "generate", "-c", str(config), "-i", str(DIST_YAML), "-o", str(out)],
    )]
    if steps[-1].returncode == 0:
        steps.append(tsc(tsconfig(out / "tsconfig.json", include=["**/*.ts"])))
    return steps


def openapi_typescript(out: Path) -> list[Run]:
    """openapi-typescript's types, compiled together with tests/typescript/chat.ts."""
    out.mkdir(parents=True, exist_ok=True)
    types = out / "relaykit-openapi.ts"  # .ts, not .d.ts, so that skipLibCheck does not skip it
    steps = [run(
        "openapi-typescript spec/dist/openapi.yaml --default-non-nullable false",
        [node_tool("openapi-typescript"), str(DIST_YAML), "--default-non-nullable", "false", "-o", str(types)],
    )]
    if steps[-1].returncode == 0:
        project = tsconfig(
            out / "tsconfig.json",
            compilerOptions={"paths": {"relaykit-openapi": [f"./{types.name}"]}},
            files=[f"./{types.name}", str(SNIPPET)],
        )
        steps.append(tsc(project))
    return steps


@dataclass
class Tools:
    out: Path
    jobs: dict[str, Future[list[Run]]]

    def result(self, name: str) -> list[Run]:
        return self.jobs[name].result()


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tools]:
    for name in ("redocly", "spectral", "tsc", "openapi-typescript"):
        node_tool(name)  # fail early, with the fix, when npm ci has not run
    out = tmp_path_factory.mktemp("spec-quality")
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield Tools(out, {
            "typescript-fetch": pool.submit(typescript_fetch, out / "typescript-fetch"),
            "spectral": pool.submit(spectral),
            "openapi-typescript": pool.submit(openapi_typescript, out / "openapi-typescript"),
            "redocly": pool.submit(redocly),
        })


def allowed_warnings(config: Path) -> set[str]:
    """The rules a lint config sets to `warn`: the warnings kept on purpose."""
    rules = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("rules") or {}
    return {name for name, value in rules.items() if value == "warn" or (isinstance(value, dict) and value.get("severity") == "warn")}


@pytest.mark.tools
def test_redocly_lint(tools: Tools) -> None:
    [step] = tools.result("redocly")
    try:
        report = json.loads(step.stdout)
    except ValueError:
        pytest.fail(step.show())
    problems = report["problems"]
    rendered = "\n".join(
        f"{p['severity']:5} {p['ruleId']}: {p['message']}\n      at {loc['pointer']} (line {loc.get('start', {}).get('line')})"
        for p in problems
        for loc in p["location"][:1]
    )
    output = f"{step.show() if step.returncode else ''}\n{rendered}\ntotals: {report['totals']}"
    assert report["totals"]["errors"] == 0 and step.returncode == 0, output
    kept = allowed_warnings(LINT / "redocly.yaml")
    unlisted = [p for p in problems if p["severity"] == "warn" and p["ruleId"] not in kept]
    assert not unlisted, f"warnings from rules not kept in spec/lint/redocly.yaml:\n{output}"


@pytest.mark.tools
def test_spectral_lint(tools: Tools) -> None:
    [step] = tools.result("spectral")
    try:
        problems = json.loads(step.stdout)
    except ValueError:
        pytest.fail(step.show())
    severity = {0: "error", 1: "warn", 2: "info", 3: "hint"}
    rendered = "\n".join(
        f"{severity.get(p['severity'])} {p['code']}: {p['message']}\n      at {'.'.join(map(str, p['path']))} (line {p['range']['start']['line'] + 1})"
        for p in problems
    )
    errors = [p for p in problems if p["severity"] == 0]
    assert not errors and step.returncode == 0, f"{step.show() if step.returncode else ''}\n{rendered}"
    kept = allowed_warnings(LINT / "spectral.yaml")
    unlisted = [p for p in problems if p["severity"] == 1 and p["code"] not in kept]
    assert not unlisted, f"warnings from rules not kept in spec/lint/spectral.yaml:\n{rendered}"


def check_steps(steps: list[Run], expected: int) -> None:
    failed = [s for s in steps if s.returncode != 0]
    assert not failed and len(steps) == expected, "\n\n".join(s.show() for s in steps)


@pytest.mark.tools
def test_typescript_fetch_client_compiles(tools: Tools) -> None:
    steps = tools.result("typescript-fetch")
    check_steps(steps, 2)
    out = tools.out / "typescript-fetch"
    gemini = (out / "apis" / "GeminiApi.ts").read_text(encoding="utf-8")
    assert "`/v1beta/models/{model}:generateContent`" in gemini  # the path form with a colon
    assert len(list((out / "models").glob("*.ts"))) > 300


@pytest.mark.tools
def test_openapi_typescript_types_and_chat_snippet_compile(tools: Tools) -> None:
    steps = tools.result("openapi-typescript")
    check_steps(steps, 2)
    out = tools.out / "openapi-typescript"
    types = (out / "relaykit-openapi.ts").read_text(encoding="utf-8")
    assert '"/v1beta/models/{model}:generateContent"' in types
    assert "CreateChatCompletionRequest: {" in types

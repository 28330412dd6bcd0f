"""The published spec, consumed for real: clients that other languages' generators make from
spec/dist/openapi.yaml build, and send the right requests.

- Go: openapi-generator's `go` client (settings in tests/consumers/openapi-generator-go.yaml),
  built and vetted with the program tests/consumers/main.go, offline (Debian's Go and its one
  external module from Debian, through a vendor directory);
- Python: openapi-python-client's client (tests/consumers/openapi-python-client.yaml), every
  module imported, and the program tests/consumers/python_proof.py;
- TypeScript: openapi-typescript's types and tests/typescript/consumer.ts, compiled with
  `tsc --strict` and run with node.

Each program calls chat completions, a multipart image edit and a speech download against
Prism serving the published spec as it is (Prism refuses a request the spec does not allow), plus one chat request without
messages that Prism must refuse, and prints what it sent and got; the tests check that against
the spec's examples. Everything is generated under build/consumers/ (git-ignored), the three
chains in parallel. `make consumers` runs this module alone; `make go-toolchain` installs Go.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, serve_prism
from .spec_index import dist
from .test_spec_quality import DIST_YAML, ENV, Run, check_steps, node_tool, run, tsconfig

pytestmark = pytest.mark.consumers

BUILD = ROOT / "build" / "consumers"
HERE = ROOT / "tests" / "consumers"
VENV_BIN = Path(sys.executable).parent
GO_VALIDATOR = Path("/usr/share/gocode/src/gopkg.in/validator.v2")  # golang-gopkg-validator.v2-dev
GO_ENV = {
    **ENV,
    "GOFLAGS": "-mod=vendor",  # the one external module comes from vendor/, nothing from the network
    "GOPROXY": "off",
    "GO111MODULE": "on",
    "CGO_ENABLED": "0",  # no C compiler needed
}
# A 1x1 PNG: what the programs upload as the image to edit.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg==")
PROMPT = "Add a party hat"


# -- the generated clients, in parallel ---------------------------------------------------------


def go_missing() -> str | None:
    """Why the Go proof cannot run here, or None."""
    if shutil.which("go") is None:
        return "`go` is not installed"
    if not GO_VALIDATOR.is_dir():
        return f"{GO_VALIDATOR} is missing"
    return None


def go_client(out: Path) -> list[Run]:
    """openapi-generator's Go client in a module with the proof program, vetted and built."""
    shutil.rmtree(out, ignore_errors=True)
    vendor = out / "vendor" / "gopkg.in"
    vendor.mkdir(parents=True)
    shutil.copytree(GO_VALIDATOR, vendor / "validator.v2")
    (out / "vendor" / "modules.txt").write_text("# gopkg.in/validator.v2 v2.0.1\n## explicit\ngopkg.in/validator.v2\n", encoding="utf-8")
    (out / "go.mod").write_text("module relaykit.example/consumer\n\ngo 1.19\n\nrequire gopkg.in/validator.v2 v2.0.1\n", encoding="utf-8")
    shutil.copy(HERE / "main.go", out / "main.go")
    config = HERE / "openapi-generator-go.yaml"
    steps = [run(
        "openapi-generator-cli generate -c tests/consumers/openapi-generator-go.yaml -i spec/dist/openapi.yaml",
        [str(VENV_BIN / "openapi-generator-cli"), "generate", "-c", str(config), "-i", str(DIST_YAML), "-o", str(out / "relaykit")],
    )]
    for label, cmd in (("go vet ./...", ["go", "vet", "./..."]), ("go build -o proof .", ["go", "build", "-o", "proof", "."])):
        if steps[-1].returncode != 0:
            break
        result = subprocess.run(cmd, cwd=out, env=GO_ENV, capture_output=True, text=True, timeout=600)
        steps.append(Run(label, result.returncode, result.stdout, result.stderr))
    return steps


def python_client(out: Path) -> list[Run]:
    """openapi-python-client's client, as the package relaykit_openapi, every module imported."""
    shutil.rmtree(out, ignore_errors=True)
    config = HERE / "openapi-python-client.yaml"
    steps = [run(
        "openapi-python-client generate --path spec/dist/openapi.yaml --meta none --config tests/consumers/openapi-python-client.yaml",
        [str(VENV_BIN / "openapi-python-client"), "generate", "--path", str(DIST_YAML), "--meta", "none",
         "--config", str(config), "--output-path", str(out / "relaykit_openapi")],
    )]
    if steps[-1].returncode == 0:
        script = (
            "import importlib, json, pkgutil, relaykit_openapi\n"
            "names = [m.name for m in pkgutil.walk_packages(relaykit_openapi.__path__, 'relaykit_openapi.')]\n"
            "failed = {}\n"
            "for name in names:\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "    except Exception as exc:\n"
            "        failed[name] = repr(exc)\n"
            "print(json.dumps({'modules': len(names), 'failed': failed}))\n"
        )
        steps.append(run("import every module of relaykit_openapi", [sys.executable, "-c", script], cwd=out))
    return steps


def typescript_program(out: Path) -> list[Run]:
    """openapi-typescript's types and tests/typescript/consumer.ts, compiled to JavaScript."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    types = out / "relaykit-openapi.ts"
    shutil.copy(ROOT / "tests" / "typescript" / "consumer.ts", out / "consumer.ts")
    steps = [run(
        "openapi-typescript spec/dist/openapi.yaml --default-non-nullable false",
        [node_tool("openapi-typescript"), str(DIST_YAML), "--default-non-nullable", "false", "-o", str(types)],
    )]
    if steps[-1].returncode == 0:
        project = tsconfig(
            out / "tsconfig.json",
            compilerOptions={
                "noEmit": False, "outDir": "js", "module": "commonjs", "moduleResolution": "node10",
                "paths": {"relaykit-openapi": [f"./{types.name}"]},
            },
            files=["./consumer.ts"],
        )
        steps.append(run("tsc -p tsconfig.json --strict", [node_tool("tsc"), "-p", str(project)], cwd=out))
    return steps


@dataclass
class Clients:
    jobs: dict[str, Future[list[Run]]]
    prism: str  # Prism serving the published spec as it is

    def steps(self, name: str) -> list[Run]:
        return self.jobs[name].result()


@pytest.fixture(scope="module")
def clients() -> Iterator[Clients]:
    for name in ("openapi-typescript", "tsc"):
        node_tool(name)  # fail early, with the fix, when npm ci has not run
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "input.png").write_bytes(PNG)
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = {
            "python": pool.submit(python_client, BUILD / "python"),
            "typescript": pool.submit(typescript_program, BUILD / "typescript"),
        }
        if go_missing() is None:
            jobs["go"] = pool.submit(go_client, BUILD / "go")
        # Prism starts while the clients build. It serves spec/dist/openapi.yaml exactly as
        # published; the session's Prism (prism_url) adds the body forms only relaykit sends.
        with serve_prism(DIST_YAML, "prism-published.log") as url:
            yield Clients(jobs, url)


def need_go() -> None:
    missing = go_missing()
    if missing is None:
        return
    message = f"{missing}: the Go proof needs Debian's golang-go and golang-gopkg-validator.v2-dev (`make go-toolchain`)"
    if os.environ.get("RELAYKIT_REQUIRE_GO"):
        pytest.fail(message)
    pytest.skip(message)


# -- what every program must have sent and received --------------------------------------------


@cache
def first_example(path: str, ctype: str) -> Any:
    """The 200 example Prism answers with: the first one of the media type."""
    media = dist()["paths"][path]["post"]["responses"]["200"]["content"][ctype]
    return next(iter(media["examples"].values()))["value"]


def multipart_parts(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """(name, file name or None, content) of each part of a multipart/form-data body."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    assert content_type.startswith("multipart/form-data") and match, content_type
    parts = []
    for chunk in body.split(b"--" + match.group(1).encode())[1:-1]:
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition = next(line for line in head.decode().split("\r\n") if line.lower().startswith("content-disposition:"))
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        assert name, disposition
        parts.append((name.group(1), filename.group(1) if filename else None, content.removesuffix(b"\r\n")))
    return parts


def sent(call: dict[str, Any]) -> tuple[str, bytes]:
    request = call["request"]
    return request["content_type"], base64.b64decode(request["body"] or "")


def check_report(report: dict[str, Any]) -> None:
    chat, invalid, edit, speech = report["chat"], report["chat_invalid"], report["edit"], report["speech"]

    # Chat completions: Prism took the JSON body and answered with the spec's first example.
    assert chat["status"] == 200, chat
    ctype, body = sent(chat)
    assert ctype.startswith("application/json") and chat["request"]["path"] == "/v1/chat/completions"
    assert json.loads(body) == {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello in French."}]}
    expected = first_example("/v1/chat/completions", "application/json")
    assert chat["result"] == {"id": expected["id"], "object": expected["object"], "choices": len(expected["choices"])}

    # The same without messages: refused by Prism's validation, so a 200 above means a valid request.
    assert invalid["status"] == 422, invalid
    assert json.loads(sent(invalid)[1])["messages"] == []

    # Image edit: the image went as a file part (with a file name) holding the bytes, not as a value.
    assert edit["status"] == 200, edit
    parts = multipart_parts(*sent(edit))
    images = [(filename, content) for name, filename, content in parts if name == "image"]
    assert len(images) == 1 and images[0][0] and images[0][1] == PNG, parts
    values = {name: content.decode() for name, filename, content in parts if filename is None}
    assert values == {"prompt": PROMPT, "model": "gpt-image-1"}, parts
    expected = first_example("/v1/images/edits", "application/json")
    assert edit["result"] == {"created": expected["created"], "data": len(expected["data"])}

    # Speech: the audio bytes of the spec's example, under the audio media type.
    assert speech["status"] == 200, speech
    assert json.loads(sent(speech)[1]) == {"model": "tts-1", "input": "Hello there!", "voice": "alloy"}
    assert speech["result"]["content_type"].startswith("audio/mpeg")
    assert base64.b64decode(speech["result"]["body"]) == first_example("/v1/audio/speech", "audio/mpeg").encode()


def run_program(label: str, cmd: list[str], cwd: Path, env: dict[str, str] = ENV) -> dict[str, Any]:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"$ {label} (exit {result.returncode})\n{result.stdout}{result.stderr}"
    return json.loads(result.stdout)  # type: ignore[no-any-return]


# -- Go -----------------------------------------------------------------------------------------


def test_go_client_vets_and_builds(clients: Clients) -> None:
    need_go()
    steps = clients.steps("go")
    check_steps(steps, 3)
    assert (BUILD / "go" / "proof").is_file()


def test_go_program_against_prism(clients: Clients) -> None:
    need_go()
    check_steps(clients.steps("go"), 3)
    check_report(run_program("proof", [str(BUILD / "go" / "proof"), clients.prism, str(BUILD / "input.png")], BUILD / "go"))


# -- Python -------------------------------------------------------------------------------------


def test_python_client_imports_every_module(clients: Clients) -> None:
    steps = clients.steps("python")
    check_steps(steps, 2)
    imported = json.loads(steps[-1].stdout)
    assert imported["failed"] == {}
    # every module of the package, and one per operation among them
    operations = sum(1 for item in dist()["paths"].values() for key in item if key in ("get", "post", "put", "patch", "delete"))
    api_modules = list((BUILD / "python" / "relaykit_openapi" / "api").rglob("*.py"))
    assert imported["modules"] > len(api_modules) >= operations


def test_python_program_against_prism(clients: Clients) -> None:
    check_steps(clients.steps("python"), 2)
    env = {**ENV, "PYTHONPATH": str(BUILD / "python")}
    check_report(run_program("python_proof.py", [sys.executable, str(HERE / "python_proof.py"), clients.prism, str(BUILD / "input.png")], BUILD / "python", env))


# -- TypeScript ---------------------------------------------------------------------------------


def test_typescript_program_compiles(clients: Clients) -> None:
    check_steps(clients.steps("typescript"), 2)
    assert (BUILD / "typescript" / "js" / "consumer.js").is_file()


def test_typescript_program_against_prism(clients: Clients) -> None:
    check_steps(clients.steps("typescript"), 2)
    node = shutil.which("node") or "node"
    program = BUILD / "typescript" / "js" / "consumer.js"
    check_report(run_program("node consumer.js", [node, str(program), clients.prism, base64.b64encode(PNG).decode()], BUILD / "typescript"))

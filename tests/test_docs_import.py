"""The Apifox markdown reader and the draft importer, on small hand-made exports covering the
quirks the real exports have, and on the committed Key4U snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.docs import draft
from generator.docs.__main__ import main
from generator.docs.jsonish import loads_lenient
from generator.docs.parse import parse, path_template, walk

ROOT = Path(__file__).resolve().parents[1]
KEY4U = ROOT / "spec" / "sources" / "key4u-api-reference.md"

FRONT = "---\ntitle: Demo Docs\n---\n\n# Demo Docs\n\n# Authentication\n\n"

WITH_TITLE = FRONT + """# Demo Docs/Images/Painter

## POST Paint a picture

POST /v1/paint

Draws a picture.

> Body Parameters

```json
{
    "model": "painter-1", // the model
    "url": "https://example.com/a.png",
    "nested": {"mode": "fast",},
}
```

### Params

|Name|Location|Type|Required|Title|Description|
|---|---|---|---|---|---|
|Authorization|header|string| yes ||none|
|X-Trace|header|string| no ||trace id|
|body|body|object| yes ||none|
|» model|body|string| yes ||Model name|
|» nested|body|object| no ||none|
|»» mode|body|string| yes ||How|
|» image|body|any| no ||One or many|
|»» *anonymous*|body|string(uri)| no ||none|
|»» *anonymous*|body|[string]| no ||none|

#### Description

**» model**: Model name
Longer words about the model.

#### Enum

|Name|Value|
|---|---|
|»» mode|fast|
|»» mode|slow|

> Response Examples

> 200 Response

```json
{"created": 1, "data": [{"url": "https://x", "seed": null}]}
```

### Responses

|HTTP Status Code |Meaning|Description|Data schema|
|---|---|---|---|
|200|[OK](https://tools.ietf.org/html/rfc7231#section-6.3.1)|none|Inline|

### Responses Data Schema

HTTP Status Code **200**

|Name|Type|Required|Restrictions|Title|description|
|---|---|---|---|---|---|
|» created|integer|true|none||none|
|» data|[object]|true|none||none|
|»» url|string|false|none||none|
"""

# No Title column, padded cells, a Chinese family heading, a concrete id in the path, a stray
# level-1 heading inside a code block and one in the text, `{}` examples, a named example.
NO_TITLE = FRONT + """# Demo Docs/视频生成/任务

## GET  查询任务 

GET /mj/task/1743326750223591/fetch

# Steps

Some notes that use a heading.

```json
{
  "prompt": "line one
# not a heading",
}
```

### Params

| Name          | Location | Type    | Required | Description |
| ------------- | -------- | ------- | -------- | ----------- |
| Authorization | header   | string  | no       | none        |
| lang          | query    | string  | no       | 语言        |

#### Enum

| Name | Value |
| ---- | ----- |
| lang | zh    |
| lang | en    |

> Response Examples

> Task found

```json
{}
```

> Not found

```json
{"code": 404}
```

### Responses

|HTTP Status Code |Meaning|Description|Data schema|
|---|---|---|---|
|200|OK|Task found|Inline|
|404|Not Found|Not found|Inline|

## POST Broken operation without a path line

Some text.

## POST Bad example

POST /v1beta/models/gemini-2.5-flash:generateContent

> Body Parameters

```json
Write a poem about the sea
```

### Responses

|HTTP Status Code |Meaning|Description|Data schema|
|---|---|---|---|
|200|OK|none|Inline|
"""


def test_operation_with_title_column() -> None:
    export = parse(WITH_TITLE)
    assert export.title == "Demo Docs" and export.total == 1 and not export.failures
    op = export.operations[0]
    assert (op.family, op.method, op.path, op.title, op.line) == ("Images/Painter", "POST", "/v1/paint", "Paint a picture", 11)
    assert op.description == "Draws a picture."
    assert [(p.name, p.location, p.required) for p in op.params] == [
        ("Authorization", "header", True), ("X-Trace", "header", False)]
    assert op.params[1].description == "trace id"
    fields = dict(walk(op.body)) if op.body else {}
    assert list(fields) == ["model", "nested", "nested.mode", "image"]
    assert fields["nested.mode"].required and fields["nested.mode"].enum == ["fast", "slow"]
    assert fields["model"].description == "Model name\nLonger words about the model."
    assert [v.type for v in fields["image"].variants] == ["string(uri)", "[string]"]
    assert op.request_examples[0].value == {
        "model": "painter-1", "url": "https://example.com/a.png", "nested": {"mode": "fast"}}
    assert op.responses == {"200": ""}
    assert op.response_examples[0].status == "200"
    table = op.response_fields["200"]
    assert [(p, f.type, f.required) for p, f in walk(table)] == [
        ("created", "integer", True), ("data", "[object]", True), ("data.url", "string", False)]
    assert op.problems == []


def test_operation_without_title_column_and_quirks() -> None:
    export = parse(NO_TITLE)
    assert export.total == 3
    assert [(f.line, f.reason) for f in export.failures] == [
        (NO_TITLE.splitlines().index("## POST Broken operation without a path line") + 1,
         "no `METHOD /path` line after the heading")]
    get, bad = export.operations
    assert get.family == "视频生成/任务" and get.title == "查询任务"
    assert get.template == "/mj/task/{id}/fetch"
    assert "# Steps" in get.description  # a stray heading stays text, the operation goes on
    assert "# not a heading" in get.description
    assert [(p.name, p.location, p.description, p.enum) for p in get.params] == [
        ("Authorization", "header", "", []), ("lang", "query", "语言", ["zh", "en"])]
    assert [(r.status, r.example.value) for r in get.response_examples] == [("200", {}), ("404", {"code": 404})]
    assert bad.template == "/v1beta/models/{model}:generateContent"
    assert len(bad.problems) == 1 and "not JSON" in bad.problems[0]


def test_lenient_json() -> None:
    text = '{"a": "https://x.y/z", // comment\n "b": [1, 2,], /* block */ "c": "say \\"hi\\" // not a comment",}'
    assert loads_lenient(text) == {"a": "https://x.y/z", "b": [1, 2], "c": 'say "hi" // not a comment'}
    assert loads_lenient('{"p": "one\\\ntwo"}') == {"p": "one\ntwo"}
    assert loads_lenient('{"p": "raw\nbreak"}') == {"p": "raw\nbreak"}
    with pytest.raises(ValueError, match="nothing but comments"):
        loads_lenient("// {\n//  \"a\": 1\n// }")
    with pytest.raises(ValueError):
        loads_lenient("Write a poem")


def test_path_template() -> None:
    assert path_template("/api/token/194804/") == "/api/token/{id}/"
    assert path_template("/v1/videos/{id}/remix") == "/v1/videos/{id}/remix"
    assert path_template("/v1beta/models/veo-3.1:predictLongRunning") == "/v1beta/models/{model}:predictLongRunning"
    assert path_template("/v1/chat/completions") == "/v1/chat/completions"


def test_python_names() -> None:
    assert draft.python_name("POST", "/api/v3/images/generations") == ("images.generations", "create")
    assert draft.python_name("GET", "/suno/fetch/{task_id}") == ("suno.fetch", "retrieve")
    assert draft.python_name("GET", "/api/logs/usage") == ("logs.usage", "list")
    assert draft.python_name("DELETE", "/api/token/{id}") == ("token", "delete")


def test_drafts_follow_conventions(tmp_path: Path) -> None:
    doc = {"paths": {"/v1beta/models/{model}:generateContent": {"post": {"operationId": "x"}}},
           "components": {"schemas": {"PaintAPictureResponse": {}}}}
    written = draft.write_drafts(parse(WITH_TITLE + NO_TITLE.split("\n", 5)[5]), doc,
                                 "spec/sources/demo.md", "", tmp_path)
    files = {Path(f).name: n for f, n in written.items()}
    assert files == {"images-painter.yaml": 1, "视频生成-任务.yaml": 1}
    paint = yaml.safe_load((tmp_path / "images-painter.yaml").read_text(encoding="utf-8"))
    op = paint["paths"]["/v1/paint"]["post"]
    assert op["operationId"] == "createPaintAPicture"
    assert (op["x-relaykit-resource"], op["x-relaykit-method"]) == ("paint", "create")
    assert op["x-relaykit-source"] == ["spec/sources/demo.md#L11"]
    assert op["parameters"] == [{"name": "X-Trace", "in": "header", "required": False,
                                 "schema": {"type": "string"}, "description": "trace id"}]
    body = op["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/CreatePaintAPictureRequest"}
    assert body["examples"]["example"]["value"]["model"] == "painter-1"
    schemas = paint["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema["title"] == name
    req = schemas["CreatePaintAPictureRequest"]
    assert req["required"] == ["model"]
    assert req["properties"]["nested"] == {"$ref": "#/components/schemas/CreatePaintAPictureRequestNested"}
    assert schemas["CreatePaintAPictureRequestNested"]["properties"]["mode"]["enum"] == ["fast", "slow"]
    assert req["properties"]["image"]["anyOf"][1] == {"type": "array", "items": {"type": "string"}}
    resp = schemas["CreatePaintAPictureResponse"]
    assert resp["required"] == ["created", "data"]
    item = schemas[resp["properties"]["data"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(item["properties"]) == {"url"}
    task = yaml.safe_load((tmp_path / "视频生成-任务.yaml").read_text(encoding="utf-8"))
    assert list(task["paths"]) == ["/mj/task/{id}/fetch"]  # the Gemini one is in the spec already
    get = task["paths"]["/mj/task/{id}/fetch"]["get"]
    assert {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}} in get["parameters"]


def test_example_inference_marks_nulls_nullable() -> None:
    from generator.docs.infer import from_example

    named: dict[str, dict[str, object]] = {}

    def name_object(name: str, schema: dict[str, object]) -> dict[str, object]:
        named[name] = schema
        return {"$ref": f"#/components/schemas/{name}"}

    schema = from_example({"id": "a", "seed": None, "items": [{"n": 1}, {"m": 2.5}]}, "R", name_object)
    assert schema == {"$ref": "#/components/schemas/R"}
    assert named["R"]["properties"] == {  # type: ignore[comparison-overlap]
        "id": {"type": "string"}, "seed": {"type": ["string", "null"]},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/RItemsItem"}}}
    assert named["RItemsItem"]["properties"] == {"n": {"type": "integer"}, "m": {"type": "number"}}  # type: ignore[comparison-overlap]


def test_cli_import_reports_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "demo.md"
    export.write_text(NO_TITLE, encoding="utf-8")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"paths": {}}), encoding="utf-8")
    assert main(["import", str(export), "--spec", str(spec), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "demo.md: read 2/3 operations" in out
    assert "not read: L" in out and "no `METHOD /path` line" in out
    assert "partly read: L" in out and "is not JSON" in out
    assert len(list((tmp_path / "out").glob("*.yaml"))) == 1


def test_key4u_snapshot_reads_every_operation() -> None:
    export = parse(KEY4U.read_text(encoding="utf-8"))
    assert export.title == "Key4U English"
    assert (len(export.operations), export.total, export.failures) == (255, 255, [])
    assert len({(op.method, op.path) for op in export.operations}) == 255
    # What is read only in part: request examples that are not JSON on the page itself (a
    # plain-text prompt in a json block, an unescaped quote, one example only in comments).
    problems = sorted((op.line, p.split(" (")[0]) for op in export.operations for p in op.problems)
    assert problems == [
        (39, "request example at line 280 is not JSON"),
        (4116, "request example at line 4125 is not JSON"),
        (7033, "request example at line 7056 is not JSON"),
        (7033, "request example at line 7072 is not JSON"),
        (7033, "request example at line 7099 is not JSON"),
        (8364, "request example at line 8371 is not JSON"),
    ]
    families = {op.family.split("/")[0] for op in export.operations}
    assert families == {"Text-to-Music", "Image Generation", "Video Generation", "Voice Generation",
                        "Intelligent Interaction", "Text Embedding", "Brand Platform", "UserAPIKey Access"}
    seedream = next(op for op in export.operations if op.path == "/api/v3/images/generations")
    assert seedream.line == 3875 and seedream.family == "Image Generation/Doubao"
    mj = next(op for op in export.operations if op.path.startswith("/mj/task/1743"))
    assert mj.template == "/mj/task/{id}/fetch"


OPENAPI_PAGE = """# Embeddings

## OpenAPI Specification

```yaml
openapi: 3.0.1
info:
  title: ''
  version: 1.0.0
paths:
  /v1/embeddings:
    post:
      summary: Embeddings
      parameters:
        - name: Authorization
          in: header
          required: true
          schema:
            type: string
      requestBody:
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Req'
            example:
              model: text-embedding-3-large
              input: hello
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema:
                type: object
              examples:
                one:
                  value: {object: list, data: []}
components:
  schemas:
    Req:
      type: object
      required: [model]
      properties:
        model: {type: string, enum: [a, b]}
        input:
          anyOf:
            - {type: string}
            - {type: array, items: {type: string}}
```
"""


def test_openapi_page_reader() -> None:
    from generator.docs.__main__ import read_export
    from generator.docs.openapi_page import is_openapi_page, parse_openapi_page

    assert is_openapi_page(OPENAPI_PAGE) and not is_openapi_page(WITH_TITLE)
    export = parse_openapi_page(OPENAPI_PAGE)
    assert export.title == "Embeddings" and export.total == 1
    op = export.operations[0]
    assert (op.method, op.path, op.title, op.line) == ("POST", "/v1/embeddings", "Embeddings", 11)
    assert [(p.name, p.location, p.required) for p in op.params] == [("Authorization", "header", True)]
    fields = dict(walk(op.body)) if op.body else {}
    assert list(fields) == ["model", "input"]
    assert fields["model"].required and fields["model"].enum == ["a", "b"]
    assert [v.type for v in fields["input"].variants] == ["string", "[string]"]
    assert op.request_examples[0].value == {"model": "text-embedding-3-large", "input": "hello"}
    assert [(r.status, r.example.value) for r in op.response_examples] == [("200", {"object": "list", "data": []})]
    assert read_export(ROOT / "spec" / "sources" / "cometapi-embeddings.md").operations[0].path == "/v1/embeddings"
    broken = parse_openapi_page("# Page\n\n```yaml\nopenapi: 3.0.1\npaths: [\n```\n")
    assert broken.operations == [] and "not YAML" in broken.failures[0].reason


def test_openapi_page_with_a_longer_fence_and_a_file_name() -> None:
    # Mintlify pages open the block with four backticks and name the file and operation after `yaml`.
    from generator.docs.__main__ import read_export
    from generator.docs.openapi_page import is_openapi_page, parse_openapi_page

    page = "# Videos\n\n````yaml api/videos.json POST /v1/videos\nopenapi: 3.1.0\npaths:\n  /v1/videos:\n    post:\n      summary: Create\n````\n\nAfter.\n"
    assert is_openapi_page(page)
    export = parse_openapi_page(page)
    assert [(op.method, op.path, op.line) for op in export.operations] == [("POST", "/v1/videos", 6)]
    assert not is_openapi_page(page.replace("````\n\nAfter", "```\n\nAfter"))  # the fence must close alike
    seedance = read_export(ROOT / "spec" / "sources" / "cometapi-seedance-video.md")
    assert [(op.method, op.path) for op in seedance.operations] == [("POST", "/v1/videos")]

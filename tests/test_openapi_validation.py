"""The generator's OpenAPI 3.1 validation (generator/openapi.py, and the JSON check before it):
each broken spec stops the generator with the file and the JSON pointer and writes nothing, and
openapi-spec-validator, which the published spec must also pass, rejects the same documents."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .test_generator import ROOT_DOC, family, run, write_spec

WIDGETS = "/v1/shops/{shopId}/widgets"
FILE = "family.yaml#"
POST = FILE + "/paths/~1v1~1shops~1{shopId}~1widgets/post"
WIDGET = FILE + "/components/schemas/Widget"
PARAM = {"name": "shopId", "in": "path", "required": True, "schema": {"type": "string"}}


def widget_prop(name: str, schema: dict[str, Any]) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    return lambda fam, root: fam["components"]["schemas"]["Widget"]["properties"].update({name: schema})


def post(change: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    return lambda fam, root: change(fam["paths"][WIDGETS]["post"])


# (name, breaker of the family and root documents, expected error, openapi-spec-validator rejects it too)
BROKEN: list[tuple[str, Callable[[dict[str, Any], dict[str, Any]], Any], str, bool]] = [
    (
        "nested schema keyword",
        widget_prop("tags", {"type": "array", "items": {"anyOf": [{"type": "strin"}]}}),
        f'{WIDGET}/properties/tags/items/anyOf/0/type: invalid OpenAPI: "strin" is not valid',
        True,
    ),
    ("required is not a list", lambda fam, root: fam["components"]["schemas"]["Widget"].update(required="id"), f'{WIDGET}/required: invalid OpenAPI: "id" is not of type "array"', True),
    ("unknown operation key", post(lambda op: op.update(respones={})), f"{POST}: invalid OpenAPI: Unevaluated properties are not allowed ('respones' was unexpected)", True),
    ("parameter schema", post(lambda op: op["parameters"].append({"name": "X-Id", "in": "header", "schema": {"type": 5}})), f"{POST}/parameters/1/schema/type: invalid OpenAPI: 5 is not valid", True),
    ("path parameter not declared", post(lambda op: op.update(parameters=[])), f"{POST}: path parameter 'shopId' of {WIDGETS} is not declared", True),
    (
        "path parameter not in the path",
        post(lambda op: op["parameters"].append({**PARAM, "name": "shelfId"})),
        f"{POST}/parameters: path parameter 'shelfId' is not in the path {WIDGETS}",
        True,
    ),
    ("parameter listed twice", post(lambda op: op["parameters"].append(dict(PARAM))), f"{POST}/parameters/1: path parameter 'shopId' is listed twice", True),
    ("tag declared twice", lambda fam, root: root["tags"].append({"name": "t"}), "openapi.yaml#/tags/1/name: tag 't' is declared twice", True),
    (
        "default of the wrong type",
        widget_prop("size", {"type": "integer", "default": "big"}),
        f'{WIDGET}/properties/size/default: the default does not fit the schema: "big" is not of type "integer"',
        True,
    ),
    ("pattern that is no regex", widget_prop("code", {"type": "string", "pattern": "[a-"}), f"{WIDGET}/properties/code/pattern: '[a-' is not a regular expression", True),
    # YAML reads an unquoted 201 as a number and 2024-01-01 as a date: neither is JSON.
    ("number as a key", post(lambda op: op["responses"].update({201: {"description": "created"}})), f"{POST}/responses/201: the key 201 is a int, not a string: quote it", False),
    (
        "date as a value",
        lambda fam, root: fam["components"]["schemas"]["Widget"].update(examples=[{"id": "w1", "made": datetime.date(2024, 1, 1)}]),
        f"{WIDGET}/examples/0/made: datetime.date(2024, 1, 1) is a date, which JSON does not have: quote it",
        False,
    ),
]


@pytest.mark.parametrize(("name", "breaker", "message", "osv"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_spec_names_file_and_pointer_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, breaker: Any, message: str, osv: bool
) -> None:
    assert run(tmp_path, write_spec(tmp_path, family())) == 0
    before = {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file() and "spec" not in p.parts}
    capsys.readouterr()
    fam, root = family(), copy.deepcopy(ROOT_DOC)
    breaker(fam, root)
    assert run(tmp_path, write_spec(tmp_path, fam, root)) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "nothing was written" in err
    after = {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file() and "spec" not in p.parts}
    assert after == before


def merged(fam: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    doc = {k: v for k, v in root.items() if k != "x-relaykit-families"}
    doc["paths"] = fam["paths"]
    doc["components"] = {**doc["components"], **fam["components"]}
    return doc


def test_openapi_spec_validator_accepts_the_unbroken_spec() -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    validate(merged(family(), copy.deepcopy(ROOT_DOC)), cls=OpenAPIV31SpecValidator)


@pytest.mark.parametrize(("name", "breaker"), [(b[0], b[1]) for b in BROKEN if b[3]], ids=[b[0] for b in BROKEN if b[3]])
def test_openapi_spec_validator_rejects_the_same_documents(name: str, breaker: Any) -> None:
    """What the generator now checks itself, openapi-spec-validator (the spec gate in
    tests/test_spec_quality.py) finds wrong as well: nothing it rejects passes unseen."""
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    fam, root = family(), copy.deepcopy(ROOT_DOC)
    breaker(fam, root)
    with pytest.raises(OpenAPIValidationError):
        validate(merged(fam, root), cls=OpenAPIV31SpecValidator)

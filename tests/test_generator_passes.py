"""The per-family model pass: the same files with and without the cache, with and without worker
processes; a cached pass is not run again; `--check` names the stale files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import generator.passes

from .test_generator import ROOT_DOC, family, run, write_spec

OWNERS: dict[str, Any] = {
    "paths": {},
    "components": {
        "schemas": {
            "Owner": {
                "title": "Owner",
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "pet": {"$ref": "#/components/schemas/Pet"}},
            },
            "Cat": {"title": "Cat", "type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["cat"]}}},
            "Dog": {"title": "Dog", "type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["dog"]}}},
            "Pet": {
                "title": "Pet",
                "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}},
            },
        }
    },
}


def two_families(tmp: Path) -> Path:
    """Widgets refer to the owners family (a class and a union of it): one module each."""
    fam = family()
    fam["components"]["schemas"]["Widget"]["properties"]["owner"] = {"$ref": "#/components/schemas/Owner"}
    fam["components"]["schemas"]["Widget"]["properties"]["pets"] = {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
    spec = write_spec(tmp, fam, {**ROOT_DOC, "x-relaykit-families": ["family.yaml", "owners.yaml"]})
    (tmp / "spec" / "owners.yaml").write_text(yaml.safe_dump(OWNERS))
    return spec


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_families_import_each_other(tmp_path: Path) -> None:
    spec = two_families(tmp_path)
    assert run(tmp_path, spec, "--no-cache") == 0
    types = tmp_path / "out" / "relaykit" / "types"
    family_code = (types / "family.py").read_text()
    assert "from .owners import Cat, Dog, Owner  # noqa: E402" in family_code and "class Owner" not in family_code
    owners_code = (types / "owners.py").read_text()
    assert "class Owner" in owners_code and "Pet: TypeAlias = " in owners_code and "class Widget" not in owners_code


def test_cache_gives_the_same_files_and_skips_the_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = two_families(tmp_path)
    assert run(tmp_path, spec, "--no-cache", "--jobs", "1") == 0
    uncached = tree(tmp_path / "out")
    cache = tmp_path / "cache"
    assert run(tmp_path, spec, "--cache-dir", str(cache), "--jobs", "1") == 0
    assert tree(tmp_path / "out") == uncached
    # the models of each of the two modules
    assert len(list(cache.glob("*.json"))) == 2

    def not_again(*args: Any) -> Any:
        raise AssertionError("a cached pass ran again")

    monkeypatch.setattr(generator.passes, "_models", not_again)
    assert run(tmp_path, spec, "--cache-dir", str(cache), "--jobs", "1") == 0
    assert tree(tmp_path / "out") == uncached


def test_changed_family_is_regenerated_from_the_cache_of_the_others(tmp_path: Path) -> None:
    spec = two_families(tmp_path)
    cache = tmp_path / "cache"
    assert run(tmp_path, spec, "--cache-dir", str(cache)) == 0
    owners = yaml.safe_load((tmp_path / "spec" / "owners.yaml").read_text())
    owners["components"]["schemas"]["Owner"]["properties"]["age"] = {"type": "integer"}
    (tmp_path / "spec" / "owners.yaml").write_text(yaml.safe_dump(owners))
    assert run(tmp_path, spec, "--cache-dir", str(cache)) == 0
    cached = tree(tmp_path / "out")
    assert "age: int | None = None" in (tmp_path / "out" / "relaykit" / "types" / "owners.py").read_text()
    assert run(tmp_path, spec, "--no-cache") == 0
    assert tree(tmp_path / "out") == cached


def test_workers_give_the_same_files_as_one_process(tmp_path: Path) -> None:
    spec = two_families(tmp_path)
    assert run(tmp_path, spec, "--no-cache", "--jobs", "1") == 0
    sequential = tree(tmp_path / "out") | {f"dist/{k}": v for k, v in tree(tmp_path / "dist").items()}
    assert run(tmp_path, spec, "--no-cache", "--jobs", "3") == 0
    parallel = tree(tmp_path / "out") | {f"dist/{k}": v for k, v in tree(tmp_path / "dist").items()}
    assert parallel == sequential


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_family_is_reported_with_its_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str) -> None:
    spec = two_families(tmp_path)
    owners = yaml.safe_load((tmp_path / "spec" / "owners.yaml").read_text())
    owners["components"]["schemas"]["Owner"]["properties"]["name"] = {"type": "no-such-type"}
    (tmp_path / "spec" / "owners.yaml").write_text(yaml.safe_dump(owners))
    assert run(tmp_path, spec, "--no-cache", "--jobs", jobs) == 2
    err = capsys.readouterr().err
    assert 'owners.yaml#/components/schemas/Owner/properties/name/type: invalid OpenAPI: "no-such-type" is not valid' in err, err
    assert "nothing was written" in err


def test_check_names_the_stale_files_and_diffs_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = two_families(tmp_path)
    assert run(tmp_path, spec) == 0
    assert run(tmp_path, spec, "--check") == 0
    models = tmp_path / "out" / "relaykit" / "types" / "owners.py"
    models.write_text(models.read_text().replace("class Owner", "class Proprietor"))
    (tmp_path / "dist" / "openapi.json").unlink()
    capsys.readouterr()
    assert run(tmp_path, spec, "--check") == 1
    out, err = capsys.readouterr()
    assert "-class Proprietor" in out and "+class Owner" in out
    assert "2 generated files are stale (relaykit/types/owners.py, dist/openapi.json)" in err, err


def test_summary_reports_a_surface_change_only_when_there_is_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = two_families(tmp_path)
    assert run(tmp_path, spec) == 0
    capsys.readouterr()
    assert run(tmp_path, spec) == 0
    assert "surface" not in capsys.readouterr().out
    owners = yaml.safe_load((tmp_path / "spec" / "owners.yaml").read_text())
    owners["components"]["schemas"]["Owner"]["properties"]["age"] = {"type": "integer"}
    (tmp_path / "spec" / "owners.yaml").write_text(yaml.safe_dump(owners))
    assert run(tmp_path, spec) == 0
    assert "  surface     " in capsys.readouterr().out

"""The YAML of the published editions: made section by section, with the sections the 3.2
edition shares with the 3.1 one dumped once, it is exactly the YAML of each whole document."""

from __future__ import annotations

import json

from generator.bundle import to_yaml, to_yaml_editions
from generator.publish import edition_32

from .conftest import ROOT


def test_editions_yaml_is_each_documents_yaml() -> None:
    published = json.loads((ROOT / "spec" / "dist" / "openapi.json").read_text(encoding="utf-8"))
    edition = edition_32(published)
    assert edition["components"] is published["components"]  # shared, so dumped once
    assert edition["paths"] is not published["paths"]
    assert to_yaml_editions([published, edition]) == [to_yaml(published), to_yaml(edition)]


def test_a_section_shared_by_two_documents_is_written_in_each() -> None:
    shared = {"schemas": {"A": {"type": "object", "properties": {"n": {"type": "integer"}}}}}
    first = {"openapi": "3.1.0", "components": shared, "paths": {}}
    second = {"openapi": "3.2.0", "paths": {"/a": {}}, "components": shared}
    assert to_yaml_editions([first, second]) == [to_yaml(first), to_yaml(second)]

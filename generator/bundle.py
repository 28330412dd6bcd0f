"""Write the merged spec as the published, self-contained spec/dist/openapi.{yaml,json}."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .gcpause import without_gc


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Block style reads best, but some YAML readers (Prism's) drop the extra trailing newlines
    # of a "|+" block, which ends an SSE example mid-event: those strings are quoted instead.
    style = ('"' if value.endswith("\n\n") else "|") if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


@without_gc
def to_yaml(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

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


@without_gc
def to_yaml_editions(docs: list[dict[str, Any]]) -> list[str]:
    """``to_yaml`` of each document. A block mapping's YAML is its entries' YAML one after the
    other, so each top-level section is dumped on its own, and a section that is the very object
    of an earlier document (the editions share their components) is dumped once. (An object
    shared between two sections of one document is written twice, not as a YAML alias.)"""
    done: dict[tuple[str, int], str] = {}
    texts = []
    for doc in docs:
        for key, value in doc.items():
            if (key, id(value)) not in done:
                done[key, id(value)] = to_yaml({key: value})
        texts.append("".join(done[key, id(value)] for key, value in doc.items()))
    return texts


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

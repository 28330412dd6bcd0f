"""The merged spec cut into one self-contained document per models module (family), so that the
slow pass over it (datamodel-code-generator) runs per family: in parallel, and only for the
families whose input changed (see cache.py).

A family's document holds what the family defines plus every component it refers to in other
families, transitively, so that each document stands on its own. Its digest covers exactly that
content, in order (order decides the generated code), so equal digests mean equal input.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from .split import family_modules
from .unions import stream_event_unions

Key = tuple[str, str]  # (component kind, name)
_COMPONENT_REF = re.compile(r'"#/components/([^/"]+)/([^/"]+)')


@dataclass
class Part:
    name: str  # the family's module
    doc: dict[str, Any]
    digest: str
    size: int  # characters of JSON: the larger parts are started first


class Index:
    """Every component's JSON text and direct references, computed once."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.text: dict[Key, str] = {}
        for kind, items in doc.get("components", {}).items():
            for name, value in items.items():
                self.text[kind, name] = json.dumps(value, ensure_ascii=False)
        self.refs = {key: self._refs(text) for key, text in self.text.items()}

    def _refs(self, text: str) -> set[Key]:
        found = {(m[1], m[2].replace("~1", "/").replace("~0", "~")) for m in _COMPONENT_REF.finditer(text)}
        return {key for key in found if key in self.text}

    def closure(self, start: set[Key]) -> set[Key]:
        seen = set(start)
        todo = list(start)
        while todo:
            for ref in self.refs.get(todo.pop(), ()):
                if ref not in seen:
                    seen.add(ref)
                    todo.append(ref)
        return seen

    def components(self, keys: set[Key]) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """The components section holding ``keys`` (in the document's order), and their texts."""
        out: dict[str, dict[str, Any]] = {}
        texts = []
        for kind, items in self.doc.get("components", {}).items():
            for name, value in items.items():
                if (kind, name) in keys:
                    out.setdefault(kind, {})[name] = value
                    texts.append(f"{kind}/{name}={self.text[kind, name]}")
        return out, texts


def _digest(texts: list[str]) -> str:
    h = hashlib.sha256()
    for text in texts:
        h.update(text.encode())
        h.update(b"\0")
    return h.hexdigest()


STREAM_EVENTS = "x-relaykit-stream-events"  # in a models part: the stream event unions it holds


def model_parts(doc: dict[str, Any], origin: dict[str, str], index: Index) -> tuple[list[Part], dict[str, str]]:
    """One document per models module (its schemas and the schemas they refer to), and the
    module of every schema."""
    schemas = list(doc.get("components", {}).get("schemas", {}))
    module_of = family_modules(origin, schemas)
    base = {k: doc[k] for k in ("openapi", "info") if k in doc}
    base_text = json.dumps(base, ensure_ascii=False)
    # A part has no paths, so it is told which of its unions are stream event types (they stay closed).
    streams = stream_event_unions(doc)
    parts = []
    for module in sorted(set(module_of.values())):
        own = {("schemas", name) for name in schemas if module_of[name] == module}
        keys = {k for k in index.closure(own) if k[0] == "schemas"}
        components, texts = index.components(keys)
        events = sorted(name for _, name in keys if name in streams)
        # Which module each name belongs to decides what is kept and imported: part of the input.
        texts = [base_text, module, *texts, json.dumps({n: module_of[n] for _, n in sorted(keys)}), json.dumps(events)]
        part_doc = {**base, STREAM_EVENTS: events, "components": components}
        parts.append(Part(module, part_doc, _digest(texts), sum(map(len, texts))))
    return parts, module_of

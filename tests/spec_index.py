"""The operations of the bundled spec, and which schema each example or payload belongs to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .conftest import ROOT


@cache
def dist() -> dict[str, Any]:
    return json.loads((ROOT / "spec" / "dist" / "openapi.json").read_text(encoding="utf-8"))


def ref_name(schema: dict[str, Any] | None) -> str | None:
    if schema and "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    return None


@dataclass
class SpecOp:
    method: str
    path: str
    spec: dict[str, Any]

    def request_contents(self) -> dict[str, Any]:
        """Every request body form: `requestBody` and, in the published edition, the forms it
        moved to `x-relaykit-alternative-bodies` (generator/publish.py)."""
        return {**(self.spec.get("requestBody") or {}).get("content", {}), **self.spec.get("x-relaykit-alternative-bodies", {})}

    @property
    def request_schema(self) -> str | None:
        media = self.request_contents().get("application/json")
        return ref_name(media.get("schema")) if media else None

    def response_media(self, ctype: str) -> dict[str, Any] | None:
        for code, response in self.spec.get("responses", {}).items():
            if str(code).startswith("2"):
                media = (response.get("content") or {}).get(ctype)
                if media:
                    return dict(media)
        return None

    @property
    def response_schema(self) -> str | None:
        media = self.response_media("application/json")
        return ref_name(media.get("schema")) if media else None

    @property
    def event_schema(self) -> str | None:
        stream = self.spec.get("x-relaykit-stream")
        return stream["event"] if stream else None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


@cache
def spec_ops() -> list[SpecOp]:
    ops = []
    for path, item in dist()["paths"].items():
        for method, spec in item.items():
            if isinstance(spec, dict) and "operationId" in spec:
                ops.append(SpecOp(method, path, spec))
    return ops


# Recorded payloads come from several gateways; their paths differ only by a prefix.
PATH_ALIASES = [
    (r"^/api/v1/", "/v1/"),
    (r"^/v1beta1/projects/[^/]+/locations/[^/]+/publishers/google/models/", "/v1beta/models/"),
    (r"^/openai/v1/", "/v1/"),
    (r"^/v1beta/openai/", "/v1/"),
    (r"^/(responses|chat/completions|completions|embeddings|models|messages)", r"/v1/\1"),
    (r"^(/api/.+)/$", r"\1"),  # new-api's management routes answer with and without the trailing slash
    (r"^/v1/videos/(text2video|image2video)/", r"/kling/v1/videos/\1/"),  # Kling's own host, without the relay's /kling
]


def find_op(method: str, path: str) -> SpecOp | None:
    path = path.split("?", 1)[0]
    for pattern, repl in PATH_ALIASES:
        path = re.sub(pattern, repl, path)
    for op in spec_ops():
        if op.method != method.lower():
            continue
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/:]+", re.escape(op.path)) + "$"
        if re.match(regex, path):
            return op
    return None

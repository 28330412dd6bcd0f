"""A content-addressed cache of the per-family model pass (see parts.py), under .cache/generator/.

An entry's key hashes everything its result depends on: the family's input document, the
versions of the tools and of Python, and the generator's own source. A hit therefore returns
what the pass would compute, and deleting the directory only makes the next run slower.
Entries unused for two weeks are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

TOOLS = ("datamodel-code-generator", "pydantic", "ruff", "pyyaml")
MAX_AGE = 14 * 24 * 3600


@cache
def environment() -> str:
    """Tool versions, Python and the generator's source: what every entry also depends on."""
    h = hashlib.sha256(sys.version.encode())
    for tool in TOOLS:
        try:
            h.update(f"{tool}={metadata.version(tool)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{tool}=-\n".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class Cache:
    """JSON values by key; ``root=None`` is a cache that never hits and stores nothing."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def key(self, *parts: str) -> str:
        return hashlib.sha256("\0".join((environment(), *parts)).encode()).hexdigest()

    def get(self, key: str) -> Any | None:
        if self.root is None:
            return None
        path = self.root / f"{key}.json"
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            os.utime(path)  # recently used: kept by prune()
        except (OSError, ValueError):
            return None
        return value["value"]

    def put(self, key: str, value: Any) -> None:
        if self.root is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"value": value}, f)
        os.replace(tmp, self.root / f"{key}.json")

    def prune(self) -> None:
        if self.root is None or not self.root.is_dir():
            return
        cutoff = time.time() - MAX_AGE
        for path in self.root.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass

"""Load the root spec and merge its family files into one document.

Family files hold `paths` and `components`; their `$ref`s point into the merged document, so
merging is a union. A name defined twice is an error, never a silent override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError, pointer
from .gcpause import without_gc

FAMILIES_KEY = "x-relaykit-families"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster


@without_gc
def read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except FileNotFoundError:
        raise SpecError(str(path), "file not found") from None
    except yaml.YAMLError as exc:
        raise SpecError(str(path), f"invalid YAML: {exc}") from None


MapFn = Callable[[Callable[[Path], Any], Iterable[Path]], Iterator[Any]]


@without_gc
def load_spec(root_path: Path, map_files: MapFn = map) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the merged document and, for every path and component, the file it came from.
    ``map_files`` reads the family files (a worker pool's ``map`` reads them in parallel)."""
    root = read_yaml(root_path)
    if not isinstance(root, dict):
        raise SpecError(f"{root_path}#", "the root document must be a mapping")
    families = root.pop(FAMILIES_KEY, [])
    if not isinstance(families, list):
        raise SpecError(f"{root_path}#{pointer(FAMILIES_KEY)}", "must be a list of file names")
    merged: dict[str, Any] = dict(root)
    paths: dict[str, Any] = dict(root.get("paths") or {})
    components: dict[str, dict[str, Any]] = {
        kind: dict(items) for kind, items in (root.get("components") or {}).items()
    }
    origin: dict[str, str] = {pointer("paths", p): str(root_path) for p in paths}
    files = [root_path.parent / name for name in families]
    for path, doc in zip(files, map_files(read_yaml, files), strict=True):
        if not isinstance(doc, dict):
            raise SpecError(f"{path}#", "a family file must be a mapping")
        extra = set(doc) - {"paths", "components"}
        if extra:
            raise SpecError(f"{path}#{pointer(sorted(extra)[0])}", "a family file holds only paths and components")
        for p, item in (doc.get("paths") or {}).items():
            ptr = pointer("paths", p)
            if p in paths:
                raise SpecError(f"{path}#{ptr}", f"path already defined in {origin[ptr]}")
            paths[p] = item
            origin[ptr] = str(path)
        for kind, items in (doc.get("components") or {}).items():
            bucket = components.setdefault(kind, {})
            for key, value in (items or {}).items():
                ptr = pointer("components", kind, key)
                if key in bucket:
                    raise SpecError(f"{path}#{ptr}", f"already defined in {origin.get(ptr, root_path)}")
                bucket[key] = value
                origin[ptr] = str(path)
    merged["paths"] = paths
    merged["components"] = {k: components[k] for k in sorted(components)}
    return merged, origin

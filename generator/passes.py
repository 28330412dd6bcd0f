"""The worker processes of a run, and the slow pass they run per family (see parts.py):
datamodel-code-generator over each models module's document. The pass is started before the
main process's own work and collected after it. What the cache holds is not recomputed; the rest
runs in the workers, the largest parts first. Every result is a function of its part alone and
results are assembled in a fixed order, so the output does not depend on the number of workers
or on the cache.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from .cache import Cache
from .models import family_module
from .parts import Index, Part, model_parts
from .split import init_module


@contextmanager
def workers(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """``jobs`` worker processes for the whole run (None: everything runs in this process).
    Started at once, so that they read the spec files while nothing else can run yet."""
    if jobs <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def _models(doc: dict[str, Any], module: str, module_of: dict[str, str], header: str) -> dict[str, Any]:
    source, names = family_module(doc, module, module_of, header)
    return {"source": source, "names": names}


class Passes:
    def __init__(
        self, doc: dict[str, Any], origin: dict[str, str], header: str, cache: Cache, pool: ProcessPoolExecutor | None,
        also: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] | None = None,
    ) -> None:
        """``also``: other work for the workers, {name: (function, arguments)}, started first."""
        self.modules, module_of = model_parts(doc, origin, Index(doc))
        self.header = header
        self.cache = cache
        self.keys: dict[tuple[str, str], str] = {}
        self.done: dict[tuple[str, str], Any] = {}
        self.todo: list[tuple[float, tuple[str, str], Any, tuple[Any, ...]]] = []
        for part in self.modules:
            self._plan(part, module_of)
        for name, (fn, args) in (also or {}).items():
            self.todo.insert(0, (float("inf"), ("also", name), fn, args))
        self.futures: dict[tuple[str, str], Future[Any]] = {}
        if pool is not None:
            for _, task, fn, args in sorted(self.todo, key=lambda t: -t[0]):
                self.futures[task] = pool.submit(fn, *args)

    def _plan(self, part: Part, module_of: dict[str, str]) -> None:
        task = ("models", part.name)
        key = self.keys[task] = self.cache.key("models", self.header, part.digest)
        hit = self.cache.get(key)
        if hit is not None:
            self.done[task] = hit
        else:
            self.todo.append((part.size, task, _models, (part.doc, part.name, module_of, self.header)))

    def _result(self, task: tuple[str, str]) -> Any:
        if task not in self.done:
            future = self.futures.get(task)
            if future is not None:
                value = future.result()
            else:
                fn, args = next((fn, args) for _, t, fn, args in self.todo if t == task)
                value = fn(*args)
            if task in self.keys:
                self.cache.put(self.keys[task], value)
            self.done[task] = value
        return self.done[task]

    def result(self, name: str) -> Any:
        """The result of the ``also`` work ``name``."""
        return self._result(("also", name))

    def models(self) -> dict[str, str]:
        """The ``types`` package: {file name: source}, a module per family, and its ``__init__``."""
        files: dict[str, str] = {}
        defined: dict[str, str] = {}
        for part in self.modules:
            result = self._result(("models", part.name))
            if result["source"]:
                files[f"{part.name}.py"] = result["source"]
            defined.update(dict.fromkeys(result["names"], part.name))
        files["__init__.py"] = init_module(defined, self.header)
        return files

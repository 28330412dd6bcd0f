"""A decorator that pauses Python's cycle collector while a function builds a large acyclic
structure: loading the spec and dumping it as YAML allocate a few hundred thousand objects that
all stay alive, and the collector would walk the growing heap again and again for nothing (it
took half of the YAML dump's time)."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return wrapper

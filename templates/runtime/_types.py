"""Small shared types: the NOT_GIVEN sentinel and the aliases used in method signatures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import httpx


class NotGiven:
    """Marks an argument the caller did not pass (distinct from an explicit None)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

Headers: TypeAlias = Mapping[str, str]
Query: TypeAlias = Mapping[str, Any]
JSONBody: TypeAlias = Mapping[str, Any]
Timeout: TypeAlias = float | httpx.Timeout | None

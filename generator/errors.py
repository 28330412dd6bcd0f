"""The one error type the generator raises for a spec it cannot accept."""

from __future__ import annotations


def pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901) from path segments."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class SpecError(Exception):
    """A problem in the spec, located by file and JSON pointer."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message

    def __reduce__(self) -> tuple[type[SpecError], tuple[str, str]]:
        # Raised in a worker process, it comes back to the main one pickled.
        return (SpecError, (self.where, self.message))

"""File arguments for multipart uploads: bytes, a path, an open binary file, or a
``(filename, content)`` / ``(filename, content, mime)`` tuple."""

from __future__ import annotations

import io
import mimetypes
import os
from pathlib import Path
from typing import IO, Any, TypeAlias

from ._errors import ArgumentError

FileContent: TypeAlias = bytes | IO[bytes]
FileInput: TypeAlias = (
    bytes
    | str
    | os.PathLike[str]
    | IO[bytes]
    | tuple[str | None, FileContent]
    | tuple[str | None, FileContent, str | None]
)
# What httpx takes for one file: (filename, content, content type).
HttpxFile: TypeAlias = tuple[str, bytes, str]


def _mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def read_file(value: Any, field: str) -> HttpxFile:
    """Load one file argument (blocking: the async client runs this in a worker thread)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return field, bytes(value), "application/octet-stream"
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        if not path.is_file():
            raise ArgumentError(f"{field}: no such file: {str(path)!r}", (field,))
        return path.name, path.read_bytes(), _mime(path.name)
    if isinstance(value, tuple) and len(value) in (2, 3):
        name = value[0] or field
        content = value[1]
        data = content.read() if hasattr(content, "read") else content
        if not isinstance(data, (bytes, bytearray)):
            raise ArgumentError(f"{field}: the file content must be bytes or a binary file", (field,))
        mime = value[2] if len(value) == 3 and value[2] else _mime(name)
        return name, bytes(data), mime
    if isinstance(value, io.TextIOBase):
        raise ArgumentError(f"{field}: open the file in binary mode ('rb')", (field,))
    if hasattr(value, "read"):
        data = value.read()
        if not isinstance(data, (bytes, bytearray)):
            raise ArgumentError(f"{field}: open the file in binary mode ('rb')", (field,))
        name = os.path.basename(str(getattr(value, "name", "") or field))
        return name, bytes(data), _mime(name)
    raise ArgumentError(f"{field}: expected bytes, a path, a binary file or a (name, content[, mime]) tuple, got {type(value).__name__}", (field,))


def is_file_list(value: Any) -> bool:
    """A list of files, as opposed to one file given as a (name, content[, mime]) tuple."""
    if isinstance(value, list):
        return True
    if not isinstance(value, tuple):
        return False
    single = (
        len(value) in (2, 3)
        and isinstance(value[0], (str, type(None)))
        and (isinstance(value[1], (bytes, bytearray)) or hasattr(value[1], "read"))
    )
    return not single

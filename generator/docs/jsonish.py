r"""JSON as documentation pages write it: `//` and `/* */` comments, trailing commas, and raw
line breaks inside strings (and `\` + line break for `\n`). Comment markers inside strings ("https://...") are left alone."""

from __future__ import annotations

import json
from typing import Any


def strip_comments_and_commas(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                # a backslash before a raw line break is how some exports write `\n`
                out.append("n" if text[i + 1] == "\n" else text[i + 1])
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
            continue
        if c == '"':
            in_string = True
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        elif c in "}]":
            # drop a comma left before the closing bracket (whitespace may sit between them)
            j = len(out) - 1
            while j >= 0 and out[j].isspace():
                j -= 1
            if j >= 0 and out[j] == ",":
                del out[j]
        out.append(c)
        i += 1
    return "".join(out)


def loads_lenient(text: str) -> Any:
    """Parse documentation JSON; raises ValueError (json.JSONDecodeError) with the position."""
    cleaned = strip_comments_and_commas(text)
    if not cleaned.strip():
        raise ValueError("nothing but comments or blanks")
    return json.loads(cleaned, strict=False)

"""A server-sent events decoder following the WHATWG parsing rules.

Fed raw byte chunks in any split, it yields complete events: lines end with LF, CRLF or CR
(a CR at the end of a chunk waits for the next one); lines starting with ``:`` are comments
(gateway keep-alives); ``data`` lines join with LF; an event whose data buffer is empty is not
dispatched. Bytes are decoded per complete line, so a UTF-8 character split across chunks
arrives whole.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ServerSentEvent:
    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    __slots__ = ("_pending", "_data", "_event", "_last_id", "_retry")

    def __init__(self) -> None:
        self._pending = b""
        self._data: list[str] = []
        self._event: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode a chunk; return the events it completed."""
        if self._pending:
            chunk = self._pending + chunk
            self._pending = b""
        lines = chunk.splitlines(keepends=True)
        if not lines:
            return []
        last = lines[-1]
        # An unterminated line, or one ending in CR that may be half of CRLF, waits.
        if not last.endswith(b"\n"):
            self._pending = lines.pop()
        events: list[ServerSentEvent] = []
        for raw in lines:
            event = self._line(raw.rstrip(b"\r\n"))
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: a trailing unterminated line is parsed; an unfinished event is
        discarded, as the specification says."""
        if self._pending:
            pending, self._pending = self._pending, b""
            self._line(pending.rstrip(b"\r\n"))
        self._data = []
        self._event = None
        return []

    def _line(self, line: bytes) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line[0] == 0x3A:  # ':' comment
            return None
        text = line.decode("utf-8", "replace")
        name, sep, value = text.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry":
            if value.isdigit():
                self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data = []
        self._event = None
        if not data:
            return None
        return ServerSentEvent("\n".join(data), event, self._last_id, self._retry)

"""A server-sent events decoder following the WHATWG parsing rules.

Fed raw byte chunks in any split, it yields complete events: lines end with LF, CRLF or CR
(a CR at the end of a chunk waits for the next one); lines starting with ``:`` are comments
(gateway keep-alives); ``data`` lines join with LF; an event whose data buffer is empty is not
dispatched. Data stays bytes (the JSON parser takes bytes) and is cut only at line ends, so a
UTF-8 character split across chunks arrives whole.

Streams are long and events small, so the common case (LF line ends) takes a fast path that
splits whole events at blank lines; the first CR switches the stream to line-by-line parsing.
"""

from __future__ import annotations

from typing import TypeAlias

# An event is its name (None when the stream names none) and its data. The last event id and
# the retry interval are connection state: read them from the decoder.
Event: TypeAlias = "tuple[str | None, bytes]"


class SSEDecoder:
    __slots__ = ("_pending", "_data", "_event", "_last_id", "_retry", "_lines")

    def __init__(self) -> None:
        self._pending = b""
        self._data: list[bytes] = []
        self._event: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None
        self._lines = False  # line-by-line mode, entered at the first CR

    @property
    def last_id(self) -> str | None:
        return self._last_id

    @property
    def retry(self) -> int | None:
        return self._retry

    @property
    def unterminated(self) -> bytes:
        """Bytes after the last line end: at the end of a stream, what was not an event."""
        return self._pending

    def feed(self, chunk: bytes) -> list[Event]:
        """Decode a chunk; return the events it completed."""
        if self._pending:
            chunk = self._pending + chunk
        if self._lines or b"\r" in chunk:
            self._pending = b""
            self._lines = True
            return self._feed_lines(chunk)
        blocks = chunk.split(b"\n\n")
        self._pending = blocks.pop()
        events: list[Event] = []
        for block in blocks:
            # The two usual shapes, "data: X" and "event: N\ndata: X", without a line loop.
            if block[:6] == b"data: ":
                if b"\n" not in block:
                    events.append((None, block[6:]))
                    continue
            elif block[:7] == b"event: ":
                newline = block.find(b"\n")
                if block[newline + 1 : newline + 7] == b"data: " and block.find(b"\n", newline + 1) < 0:
                    events.append((block[7:newline].decode("utf-8", "replace"), block[newline + 7 :]))
                    continue
            self._block(block, events)
        return events

    def flush(self) -> list[Event]:
        """End of stream: an unfinished event is discarded, as the specification says."""
        self._pending = b""
        self._data = []
        self._event = None
        return []

    def _block(self, block: bytes, out: list[Event]) -> None:
        """One blank-line-terminated group of LF lines."""
        for line in block.split(b"\n"):
            event = self._line(line)
            if event is not None:
                out.append(event)
        event = self._dispatch()
        if event is not None:
            out.append(event)

    def _feed_lines(self, chunk: bytes) -> list[Event]:
        lines = chunk.splitlines(keepends=True)
        if not lines:
            return []
        # An unterminated line, or one ending in CR that may be half of CRLF, waits.
        if not lines[-1].endswith(b"\n"):
            self._pending = lines.pop()
        events: list[Event] = []
        for raw in lines:
            event = self._line(raw.rstrip(b"\r\n"))
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: bytes) -> Event | None:
        if not line:
            return self._dispatch()
        if line[0] == 0x3A:  # ':' comment
            return None
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\0" not in value:
                self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry":
            if value.isdigit():
                self._retry = int(value)
        return None

    def _dispatch(self) -> Event | None:
        data, event = self._data, self._event
        self._event = None
        if not data:
            return None
        self._data = []
        return event, data[0] if len(data) == 1 else b"\n".join(data)

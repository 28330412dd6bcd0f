"""A misbehaving HTTP/1.1 server on 127.0.0.1 for the fault-injection tests.

Each connection carries one request. The server reads it, records it, and hands the socket to
the next script of the play (the last script repeats): a script writes whatever bytes it likes,
resets or closes the connection, or waits. Waits end early when the server stops, so no test
outlives its fixture. Scripts never call ``time.sleep``: the retry tests patch it.
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

READ_LIMIT = 1 << 20  # the largest request a test sends
SOCKET_TIMEOUT = 5.0  # a client that never sends its request does not hold a thread for long
MAX_WAIT = 3.0  # the longest any script waits


@dataclass
class Seen:
    """A request as the server received it."""

    method: str
    target: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def json(self) -> Any:
        return json.loads(self.body)


class Conn:
    """One accepted connection, as a script sees it."""

    def __init__(self, sock: socket.socket, request: Seen, server: FaultServer) -> None:
        self.sock = sock
        self.request = request
        self.server = server
        self.done = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def wait(self, seconds: float) -> None:
        self.server.stopping.wait(min(seconds, MAX_WAIT))

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), not an orderly close."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        if not self.done:
            self.done = True
            try:
                self.sock.close()
            except OSError:
                pass


Script = Callable[[Conn], None]


class FaultServer:
    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(32)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.other_url = ""  # a second server's URL: another origin for redirect scripts
        self.scripts: list[Script] = []
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.acceptor = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> FaultServer:
        self.acceptor.start()
        return self

    def play(self, *scripts: Script) -> None:
        """The scripts for the next requests, in order; the last one repeats."""
        self.scripts = list(scripts)
        self.seen = []

    def stop(self) -> None:
        self.stopping.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for sock in self.conns:
                try:
                    sock.close()
                except OSError:
                    pass
        self.acceptor.join(2)
        for thread in self.threads:
            thread.join(2)

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            if self.stopping.is_set():
                sock.close()
                return
            sock.settimeout(SOCKET_TIMEOUT)
            with self.lock:
                self.conns.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            request = _read_request(sock)
            if request is None:
                sock.close()
                return
            with self.lock:
                self.seen.append(request)
                index = len(self.seen) - 1
            script = self.scripts[min(index, len(self.scripts) - 1)]
            conn = Conn(sock, request, self)
            try:
                script(conn)
            except OSError:
                pass  # the client gave up first (a timeout test)
            conn.close()
        except OSError:
            sock.close()


def _read_request(sock: socket.socket) -> Seen | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > READ_LIMIT:
            return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Seen(method, target, headers, body)


# -- building responses ---------------------------------------------------------------------

REASONS = {
    200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    307: "Temporary Redirect", 308: "Permanent Redirect", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}


def head(status: int, headers: Iterable[tuple[str, str]] = ()) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def response(status: int, body: bytes = b"", content_type: str | None = "application/json", **headers: str) -> bytes:
    """A whole response with its length, closing the connection after it."""
    fields = [("content-length", str(len(body))), ("connection", "close")]
    if content_type:
        fields.append(("content-type", content_type))
    fields += [(name.replace("_", "-"), value) for name, value in headers.items()]
    return head(status, fields) + body


def chunked(*pieces: bytes, end: bool = True) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
    return out + (b"0\r\n\r\n" if end else b"")


def brotli_stored(data: bytes) -> bytes:
    """``data`` as a brotli stream of one uncompressed meta-block (RFC 7932 section 9.2): a
    valid brotli body, written without the brotli package."""
    assert 0 < len(data) <= 1 << 16
    # WBITS=16 (one 0 bit), ISLAST=0, MNIBBLES=4 (00), MLEN-1 in 16 bits, ISUNCOMPRESSED=1,
    # padding to the byte; then the bytes; then an empty last meta-block (ISLAST=1, ISLASTEMPTY=1).
    header = ((len(data) - 1) << 4) | (1 << 20)
    return header.to_bytes(3, "little") + data + b"\x03"


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


# -- scripts --------------------------------------------------------------------------------


def send(data: bytes) -> Script:
    """Send these bytes, then close."""

    def script(conn: Conn) -> None:
        conn.send(data)

    return script


def reply(status: int, body: Any = b"", content_type: str | None = "application/json", **headers: str) -> Script:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return send(response(status, body, content_type, **headers))


def reset() -> Script:
    """Reset the connection without a byte of answer."""
    return lambda conn: conn.reset()


def close() -> Script:
    """Close the connection without a byte of answer."""
    return lambda conn: None


def send_then(data: bytes, then: str, wait: float = 0.0) -> Script:
    """Send these bytes, then reset ("reset"), close ("close") or stall ("stall") for ``wait``."""

    def script(conn: Conn) -> None:
        conn.send(data)
        if then == "reset":
            conn.wait(0.05)  # let the bytes leave before the RST
            conn.reset()
        elif then == "stall":
            conn.wait(wait)

    return script


def drip(data: bytes, prefix: bytes = b"", gap: float = 0.5) -> Script:
    """Send ``prefix``, then ``data`` one byte every ``gap`` seconds."""

    def script(conn: Conn) -> None:
        conn.send(prefix)
        for i in range(len(data)):
            conn.wait(gap)
            if conn.server.stopping.is_set():
                return
            conn.send(data[i : i + 1])

    return script


def redirect(status: int, location: str) -> Script:
    """Redirect; a location starting with ``other:`` points at the other server."""

    def script(conn: Conn) -> None:
        target = conn.server.other_url + location[len("other:") :] if location.startswith("other:") else location
        conn.send(response(status, b"", None, location=target))

    return script

"""A fake relay gateway for the benchmark: a raw asyncio HTTP/1.1 protocol (uvloop when
installed) serving pre-serialised bodies, so the server costs the same for every client.

    python tests/bench/fake_gateway.py [--sse-events 20000,2000] [--cpu N]

Binds 127.0.0.1 on a free port and prints ``PORT <n>`` on stdout once ready. It stops when its
stdin closes (the benchmark holds the other end), on SIGTERM, or after --max-seconds.

Endpoints (POST, routed by path and by the ``model`` / ``stream`` fields of the JSON body):
  /v1/chat/completions, /v1/responses, /v1/messages
      model bench-small | bench-large        -> application/json, content-length
      model bench-sse-<N>, "stream": true    -> text/event-stream, chunked, one chunk per event
  GET /__stats -> {"requests": n, "cpu_s": process CPU seconds} (to show the server is not
      the bottleneck).
Keep-alive: every response is HTTP/1.1 without ``connection: close``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import payloads  # noqa: E402

_MODEL_RE = re.compile(rb'"model"\s*:\s*"([^"]*)"')
_STREAM_RE = re.compile(rb'"stream"\s*:\s*true')
_CL_RE = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def _json_response(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "x-request-id: req_bench\r\n"
        "\r\n"
    ).encode()
    return head + body


def _sse_response(events: list[bytes]) -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: text/event-stream; charset=utf-8\r\n"
        b"cache-control: no-cache\r\n"
        b"transfer-encoding: chunked\r\n"
        b"x-request-id: req_bench\r\n"
        b"\r\n"
    )
    parts = [head]
    for ev in events:
        parts.append(b"%x\r\n" % len(ev) + ev + b"\r\n")
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def _error(status: int, message: str) -> bytes:
    body = json.dumps({"error": {"message": message, "type": "bench_error"}}).encode()
    return (
        f"HTTP/1.1 {status} Error\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body


def build_table(sse_counts: list[int]) -> dict[tuple[str, str], bytes]:
    """(path, model) -> full pre-serialised HTTP response."""
    table: dict[tuple[str, str], bytes] = {}
    for (ep, size), fn in payloads.BODIES.items():
        model = payloads.MODEL_SMALL if size == "small" else payloads.MODEL_LARGE
        table[(payloads.PATHS[ep], model)] = _json_response(payloads.dumps(fn()))
    for ep, fn in payloads.STREAMS.items():
        for n in sse_counts:
            table[(payloads.PATHS[ep], f"{payloads.SSE_PREFIX}{n}")] = _sse_response(payloads.sse_bytes(fn(n)))
    return table


class Stats:
    requests = 0


class Gateway(asyncio.Protocol):
    table: dict[tuple[str, str], bytes] = {}

    def __init__(self) -> None:
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[: end + 2])
            m = _CL_RE.search(head)
            length = int(m.group(1)) if m else 0
            total = end + 4 + length
            if len(buf) < total:
                return
            body = bytes(buf[end + 4 : total])
            del buf[:total]
            self.transport.write(self.respond(head, body))  # type: ignore[union-attr]

    def respond(self, head: bytes, body: bytes) -> bytes:
        Stats.requests += 1
        line = head[: head.find(b"\r\n")]
        parts = line.split(b" ")
        if len(parts) < 2:
            return _error(400, "bad request line")
        method, target = parts[0], parts[1].split(b"?", 1)[0].decode()
        if method == b"GET" and target == "/__stats":
            stats = json.dumps({"requests": Stats.requests, "cpu_s": time.process_time()}).encode()
            return _json_response(stats)
        if method != b"POST":
            return _error(405, "POST only")
        m = _MODEL_RE.search(body)
        model = m.group(1).decode() if m else ""
        streaming = _STREAM_RE.search(body) is not None
        if streaming != model.startswith(payloads.SSE_PREFIX):
            return _error(400, f"model {model!r} does not match stream={streaming}")
        resp = self.table.get((target, model))
        if resp is None:
            return _error(404, f"no canned body for {target} model={model!r}")
        return resp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sse-events", default="20000")
    ap.add_argument("--cpu", type=int, default=None, help="pin the server to this CPU")
    ap.add_argument("--max-seconds", type=float, default=900.0, help="stop by itself after this long")
    ap.add_argument("--no-uvloop", action="store_true")
    args = ap.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {args.cpu})
        except OSError:
            pass
    Gateway.table = build_table([int(x) for x in args.sse_events.split(",") if x])
    loop_kind = "asyncio"
    if not args.no_uvloop:
        try:
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            loop_kind = "uvloop"
        except ImportError:
            pass
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(Gateway, "127.0.0.1", 0, backlog=128, reuse_address=True)
    )
    port = server.sockets[0].getsockname()[1]
    stop = loop.create_future()

    def _stop(*_: object) -> None:
        if not stop.done():
            stop.set_result(None)

    def _watch_stdin() -> None:
        try:
            sys.stdin.buffer.read()
        except (OSError, ValueError):
            pass
        loop.call_soon_threadsafe(_stop)

    threading.Thread(target=_watch_stdin, daemon=True).start()
    loop.add_signal_handler(signal.SIGTERM, _stop)
    loop.call_later(args.max_seconds, _stop)
    print(f"PORT {port} {loop_kind}", flush=True)
    loop.run_until_complete(stop)
    server.close()
    try:
        loop.run_until_complete(asyncio.wait_for(server.wait_closed(), 2.0))
    except (TimeoutError, Exception):
        pass
    loop.close()


class Running:
    """The gateway as a child process of the benchmark: ``with Running(...) as gw: gw.url``."""

    def __init__(self, sse_events: list[int], cpu: int | None = None) -> None:
        import subprocess

        cmd = [sys.executable, os.path.abspath(__file__), "--sse-events", ",".join(map(str, sse_events))]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()  # type: ignore[union-attr]
        if len(line) < 2 or line[0] != "PORT":
            self.proc.kill()
            raise RuntimeError(f"fake gateway did not start: {line}")
        self.port = int(line[1])
        self.loop_kind = line[2] if len(line) > 2 else "?"
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"

    def stats(self) -> dict[str, float]:
        """Requests served and the server's CPU seconds so far."""
        with socket.create_connection((self.host, self.port)) as s:
            s.sendall(b"GET /__stats HTTP/1.1\r\nhost: bench\r\n\r\n")
            buf = b""
            while b"}" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        return json.loads(buf[buf.index(b"\r\n\r\n") + 4 :])  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                self.proc.terminate()
                self.proc.wait(timeout=5)

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    main()

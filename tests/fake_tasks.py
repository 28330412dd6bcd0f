"""A fake task gateway on 127.0.0.1: submit and fetch endpoints (Midjourney's by default, any
others by prefix) that walk a task through a scripted list of answers, and binary downloads of
any size streamed in chunks. Used by the task and video tests and the benchmarks."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import relaykit

Answer = tuple[int, dict[str, str], Any]  # status, headers, JSON body


def task(task_id: str, status: str, progress: str, **more: Any) -> dict[str, Any]:
    return {"id": task_id, "action": "IMAGINE", "status": status, "progress": progress, "failReason": "", "imageUrl": "", "buttons": [], **more}


CHUNK = 1 << 20


class FakeTaskServer:
    """Answers POST /mj/submit/* with ``submit`` and GET /mj/task/{id}/fetch with the next of
    ``fetches`` (the last one repeats); ``submit_prefixes`` / ``fetch_prefixes`` route other
    paths (and query strings) the same way, a submit prefix winning for a POST. A GET of a path in ``downloads`` (path -> size) streams that many bytes
    as video/mp4. Records every request as (method, path, headers)."""

    def __init__(self) -> None:
        self.submit_prefixes: tuple[str, ...] = ("/mj/submit/",)
        self.fetch_prefixes: tuple[str, ...] = ("/mj/task/",)
        self.downloads: dict[str, int] = {}
        self.submit: Answer = (200, {}, {"code": 1, "description": "Submit success", "result": "1001"})
        self.fetches: list[Answer] = []
        self.script: list[Answer] | None = None  # when set, every submission restarts it
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.bodies: list[bytes] = []  # the request bodies, in the order of ``requests``
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                payload = self.rfile.read(length) if length else b""
                with server.lock:
                    server.requests.append((self.command, self.path, dict(self.headers.items())))
                    server.bodies.append(payload)
                    size = server.downloads.get(self.path) if self.command == "GET" else None
                if size is not None:
                    self._download(size)
                    return
                with server.lock:
                    if self.command == "POST" and self.path.startswith(server.submit_prefixes):
                        if server.script is not None:
                            server.fetches = list(server.script)
                        status, headers, body = server.submit
                    # A fetch is a GET, or a POST to a fetch prefix (Runway's feed, Volcengine's GetResult).
                    elif self.path.startswith(server.fetch_prefixes) and server.fetches:
                        status, headers, body = server.fetches.pop(0) if len(server.fetches) > 1 else server.fetches[0]
                    else:
                        status, headers, body = 404, {}, {"error": {"message": "no such route"}}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _download(self, size: int) -> None:
                # Written chunk by chunk: the server never holds the whole body either.
                self.send_response(200)
                self.send_header("content-type", "video/mp4")
                self.send_header("content-length", str(size))
                self.end_headers()
                chunk = bytes(range(256)) * (CHUNK // 256)
                left = size
                while left:
                    n = min(left, CHUNK)
                    self.wfile.write(chunk[:n])
                    left -= n

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FakeTaskServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def paths(self) -> list[str]:
        with self.lock:
            return [f"{method} {path}" for method, path, _ in self.requests]



def main() -> None:
    """``python -m tests.fake_tasks POLLS``: serve a task that runs for POLLS fetches and then
    succeeds, afresh for every submission (for the benchmark); print the URL; stop when stdin
    closes."""
    import sys

    polls = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    server = FakeTaskServer()
    server.script = [(200, {}, task("1001", "IN_PROGRESS", f"{i * 10}%")) for i in range(polls - 1)]
    server.script.append((200, {}, task("1001", "SUCCESS", "100%")))
    server.fetches = list(server.script)
    server.start()
    print(server.url, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.time += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


def client(server: FakeTaskServer) -> relaykit.Client:
    """A client of the fake gateway that does not retry (each answer is scripted)."""
    return relaykit.Client(api_key="sk-test", base_url=server.url, max_retries=0)


def async_client(server: FakeTaskServer) -> relaykit.AsyncClient:
    return relaykit.AsyncClient(api_key="sk-test", base_url=server.url, max_retries=0)


def answers(*bodies: Any) -> list[Answer]:
    """Scripted 200 answers with these JSON bodies."""
    return [(200, {}, body) for body in bodies]

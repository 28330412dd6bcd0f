"""The benchmark scenarios. Each returns a list of result rows (plain dicts, see ``row``).

Timing rules, the same for every client:
  - clients are built once and warmed up (connection open, lazy imports done, answers checked)
    before anything is timed;
  - clients of one comparison run in alternating blocks (raw, relaykit, sdk, raw, relaykit, ...),
    ``gc.collect()`` before each block, every call timed on its own with perf_counter;
  - the reported number is the median of all samples of a client; the ratio is that median over
    the raw client's median in the same run (for events/s: client / raw, higher is better).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import clients as cl
import payloads

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent.parent

# (comparison, bound) per scenario; None = informational.
TARGETS: dict[str, tuple[str, float] | None] = {
    "cold": ("<=", 1.25),
    "first-call": None,
    "call": ("<=", 1.10),
    "large": ("<=", 1.5),
    "sse": (">=", 0.9),
    "generate": ("<=", 10.0),
    "deterministic": ("==", 1.0),
    "task-wait": ("<=", 0.02),  # CPU share of the wall time while waiting on a task
    "video-download": None,  # peak RSS growth while streaming a video to disk (informational)
}


def row(
    scenario: str,
    client: str,
    median: float,
    unit: str,
    *,
    endpoint: str | None = None,
    mode: str | None = None,
    floor: float | None = None,
    samples: list[float] | None = None,
    block_medians: list[float] | None = None,
    judged: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ratio = median / floor if floor else None
    target = TARGETS.get(scenario) if judged else None
    passed = None
    if target is not None:
        op, bound = target
        value = ratio if scenario not in ("generate", "deterministic") else median
        if value is not None:
            passed = value <= bound if op == "<=" else value >= bound if op == ">=" else value == bound
    return {
        "scenario": scenario,
        "endpoint": endpoint,
        "mode": mode,
        "client": client,
        "median": median,
        "unit": unit,
        "ratio": ratio,
        "target": f"{target[0]} {target[1]:g}" if target else None,
        "pass": passed,
        "n": len(samples) if samples is not None else None,
        "block_medians": block_medians,
        "extra": extra or {},
    }


def _env() -> dict[str, str]:
    env = dict(os.environ)
    gen = str(REPO / "generated")
    env["PYTHONPATH"] = gen + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _json_subprocess(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(BENCH / "coldstart.py"), *args], env=_env(), cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"coldstart {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- (a) cold start

COLD_TARGETS = ("floor", "relaykit", "openai", "anthropic")


def cold_import(runs: int) -> list[dict[str, Any]]:
    for t in COLD_TARGETS:  # warm-up: bytecode caches written, files in the page cache
        _json_subprocess(["import", t])
    results: dict[str, list[dict[str, Any]]] = {t: [] for t in COLD_TARGETS}
    for _ in range(runs):
        for t in COLD_TARGETS:
            results[t].append(_json_subprocess(["import", t]))
    med = {t: statistics.median(r["total_s"] for r in results[t]) for t in COLD_TARGETS}
    rows = []
    for t in COLD_TARGETS:
        rs = results[t]
        extra = {
            "import_ms": 1e3 * statistics.median(r["import_s"] for r in rs),
            "construct_ms": 1e3 * statistics.median(r["construct_s"] for r in rs),
            "maxrss_mb": statistics.median(r["maxrss_mb"] for r in rs),
            "modules": rs[-1]["modules"],
        }
        label = "import httpx, pydantic" if t == "floor" else t
        rows.append(row("cold", label, 1e3 * med[t], "ms", floor=1e3 * med["floor"],
                        samples=[1e3 * r["total_s"] for r in rs], judged=(t == "relaykit"), extra=extra))
    return rows


def first_calls(base_url: str, runs: int) -> list[dict[str, Any]]:
    """The lazy cost paid by the first call of each endpoint, in a fresh process."""
    names = ("raw", "relaykit", "openai", "anthropic")
    results: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for _ in range(runs):
        for n in names:
            results[n].append(_json_subprocess(["firstcall", n, base_url]))
    rows = []
    for ep in payloads.ENDPOINTS:
        trio = ("raw", "relaykit", cl.SDK_FOR[ep])
        over = {n: statistics.median(r[f"{ep}_first_s"] - r[f"{ep}_steady_s"] for r in results[n]) for n in trio}
        for n in trio:
            first = statistics.median(r[f"{ep}_first_s"] for r in results[n])
            rows.append(row("first-call", n, 1e3 * over[n], "ms", endpoint=ep, mode="sync",
                            extra={"first_call_ms": 1e3 * first,
                                   "steady_call_ms": 1e3 * statistics.median(r[f"{ep}_steady_s"] for r in results[n])}))
    types_ms = statistics.median(r["types_import_s"] for r in results["relaykit"]) * 1e3
    rows.append(row("first-call", "relaykit", types_ms, "ms", endpoint="import relaykit.types",
                    extra={"note": "import relaykit.types alone, timed before the first calls"}))
    return rows


# --------------------------------------------------------------------------- HTTP scenarios


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def digest(ep: str, obj: Any) -> tuple[int, ...]:
    """A shape summary of a parsed body, the same whether it is a dict or a model."""
    if ep == "chat":
        msgs = [_get(c, "message") for c in _get(obj, "choices")]
        return (
            len(msgs),
            sum(len(_get(m, "content") or "") for m in msgs),
            sum(len(_get(m, "tool_calls") or []) for m in msgs),
        )
    if ep == "responses":
        return (len(_get(obj, "output")),)
    return (len(_get(obj, "content")),)


def expected_digest(ep: str, size: str) -> tuple[int, ...]:
    return digest(ep, payloads.BODIES[(ep, size)]())


class HTTPBench:
    """Runs the call / large / sse comparisons against a running gateway."""

    def __init__(self, gw: Any, cfg: dict[str, Any], log: Callable[[str], None]) -> None:
        self.gw = gw
        self.cfg = cfg
        self.log = log
        self.loop = asyncio.new_event_loop()
        url = gw.url
        self.sync = {n: cls(url) for n, cls in cl.SYNC.items()}
        self.asyn = {n: cls(url) for n, cls in cl.ASYNC.items()}
        self.server: list[dict[str, Any]] = []

    def close(self) -> None:
        for c in self.sync.values():
            c.close()
        for c in self.asyn.values():
            self.loop.run_until_complete(c.aclose())
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    # -- generic alternating-block runners

    def _blocks_sync(self, names: tuple[str, ...], work: Callable[[Any], Any], blocks: int, n: int) -> dict[str, list[list[float]]]:
        out: dict[str, list[list[float]]] = {k: [] for k in names}
        pc = time.perf_counter
        for _ in range(blocks):
            for k in names:
                c = self.sync[k]
                gc.collect()
                ts = []
                for _ in range(n):
                    t0 = pc()
                    work(c)
                    ts.append(pc() - t0)
                out[k].append(ts)
        return out

    def _blocks_async(self, names: tuple[str, ...], work: Callable[[Any], Any], blocks: int, n: int) -> dict[str, list[list[float]]]:
        out: dict[str, list[list[float]]] = {k: [] for k in names}
        pc = time.perf_counter

        async def block(c: Any) -> list[float]:
            ts = []
            for _ in range(n):
                t0 = pc()
                await work(c)
                ts.append(pc() - t0)
            return ts

        for _ in range(blocks):
            for k in names:
                gc.collect()
                out[k].append(self.loop.run_until_complete(block(self.asyn[k])))
        return out

    def _server_mark(self) -> tuple[float, dict[str, float]]:
        return time.perf_counter(), self.gw.stats()

    def _server_note(self, label: str, mark: tuple[float, dict[str, float]]) -> None:
        t1, s1 = self._server_mark()
        t0, s0 = mark
        req = s1["requests"] - s0["requests"] - 1  # minus the stats request itself
        cpu = s1["cpu_s"] - s0["cpu_s"]
        self.server.append({"group": label, "requests": req, "server_cpu_s": cpu, "wall_s": t1 - t0,
                            "server_busy": cpu / (t1 - t0) if t1 > t0 else None,
                            "server_cpu_us_per_request": 1e6 * cpu / req if req > 0 else None})

    # -- checks

    def check(self) -> None:
        """Every client parses every body and sees every streamed character before timing."""
        small_sse = f"{payloads.SSE_PREFIX}{self.cfg['warm_sse_events']}"
        for ep in payloads.ENDPOINTS:
            trio = ("raw", "relaykit", cl.SDK_FOR[ep])
            want_chars = payloads.stream_text_chars(ep, self.cfg["warm_sse_events"])
            for size, model in (("small", payloads.MODEL_SMALL), ("large", payloads.MODEL_LARGE)):
                want = expected_digest(ep, size)
                for k in trio:
                    got = digest(ep, self.sync[k].call(ep, model))
                    agot = digest(ep, self.loop.run_until_complete(self.asyn[k].acall(ep, model)))
                    if got != want or agot != want:
                        raise AssertionError(f"{k} {ep}/{size}: digest {got}/{agot} != {want}")
            for k in trio:
                _, chars = self.sync[k].stream(ep, small_sse)
                _, achars = self.loop.run_until_complete(self.asyn[k].astream(ep, small_sse))
                if chars != want_chars or achars != want_chars:
                    raise AssertionError(f"{k} {ep} stream: {chars}/{achars} chars != {want_chars}")
        # Everything alive now (modules, clients, pools) is long-lived: move it out of the
        # collector's way so the per-block gc.collect() is cheap and equal for every client.
        gc.collect()
        gc.freeze()

    # -- server floor

    def socket_floor(self) -> dict[str, Any]:
        s = cl.SocketFloor(self.gw.host, self.gw.port)
        out: dict[str, Any] = {}
        try:
            for size, model, n in (("small", payloads.MODEL_SMALL, 300), ("large", payloads.MODEL_LARGE, 60)):
                for ep in payloads.ENDPOINTS:
                    for _ in range(10):
                        s.call(ep, model)
                    ts = []
                    for _ in range(n):
                        t0 = time.perf_counter()
                        s.call(ep, model)
                        ts.append(time.perf_counter() - t0)
                    out[f"{ep}/{size}_ms"] = 1e3 * statistics.median(ts)
        finally:
            s.close()
        return out

    # -- scenarios

    def per_call(self, scenario: str, model: str, blocks: int, n: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for mode in ("sync", "async"):
            mark = self._server_mark()
            for ep in payloads.ENDPOINTS:
                trio = ("raw", "relaykit", cl.SDK_FOR[ep])
                if mode == "sync":
                    for k in trio:  # warm-up
                        for _ in range(self.cfg["warm"]):
                            self.sync[k].call(ep, model)
                    res = self._blocks_sync(trio, lambda c, ep=ep: c.call(ep, model), blocks, n)
                else:
                    for k in trio:
                        for _ in range(self.cfg["warm"]):
                            self.loop.run_until_complete(self.asyn[k].acall(ep, model))
                    res = self._blocks_async(trio, lambda c, ep=ep: c.acall(ep, model), blocks, n)
                rows += self._rows(scenario, ep, mode, trio, res, scale=1e3, unit="ms")
            self._server_note(f"{scenario}/{mode}", mark)
            self.log(f"  {scenario} {mode} done")
        return rows

    def sse(self, n_events: int, blocks: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        model = f"{payloads.SSE_PREFIX}{n_events}"
        warm_model = f"{payloads.SSE_PREFIX}{self.cfg['warm_sse_events']}"
        for mode in ("sync", "async"):
            mark = self._server_mark()
            for ep in payloads.ENDPOINTS:
                trio = ("raw", "relaykit", cl.SDK_FOR[ep])
                want = payloads.stream_text_chars(ep, n_events)
                seen: list[int] = []
                if mode == "sync":
                    for k in trio:
                        self.sync[k].stream(ep, warm_model)

                    def work(c: Any, ep: str = ep, seen: list[int] = seen) -> None:
                        seen.append(c.stream(ep, model)[1])

                    res = self._blocks_sync(trio, work, blocks, 1)
                else:
                    for k in trio:
                        self.loop.run_until_complete(self.asyn[k].astream(ep, warm_model))

                    async def awork(c: Any, ep: str = ep, seen: list[int] = seen) -> None:
                        seen.append((await c.astream(ep, model))[1])

                    res = self._blocks_async(trio, awork, blocks, 1)
                if any(s != want for s in seen):
                    raise AssertionError(f"sse {ep} {mode}: a client saw {set(seen)} chars, want {want}")
                # events/s per stream
                rates = {k: [[n_events / t for t in blk] for blk in v] for k, v in res.items()}
                rows += self._rows("sse", ep, mode, trio, rates, scale=1.0, unit="events/s")
            self._server_note(f"sse/{mode}", mark)
            self.log(f"  sse {mode} done")
        return rows

    def _rows(self, scenario: str, ep: str, mode: str, trio: tuple[str, ...], res: dict[str, list[list[float]]],
              scale: float, unit: str) -> list[dict[str, Any]]:
        med = {k: scale * statistics.median([x for blk in v for x in blk]) for k, v in res.items()}
        out = []
        for k in trio:
            out.append(row(scenario, k, med[k], unit, endpoint=ep, mode=mode, floor=med["raw"],
                           samples=[x for blk in res[k] for x in blk],
                           block_medians=[scale * statistics.median(b) for b in res[k]],
                           judged=(k == "relaykit")))
        return out


# --------------------------------------------------------------------------- (e) make generate


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _timed(args: list[str]) -> tuple[float, float, int]:
    """(wall s, CPU s of the generator and its workers, exit status) of one generator run."""
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "generator", *args], cwd=REPO, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    after = os.times()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"generator failed:\n{proc.stderr[-2000:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system), proc.returncode


def _cold_and_warm(spec: Path, tmp: Path, runs: int) -> tuple[dict[str, list[tuple[float, float, int]]], list[dict[str, bytes]]]:
    """``runs`` pairs of generator runs on ``spec``: cold (empty cache, as on CI or a fresh clone),
    then warm (the cache the cold run filled, nothing changed). Every run's output tree is kept."""
    timings: dict[str, list[tuple[float, float, int]]] = {"cold": [], "warm": []}
    trees = []
    for i in range(runs):
        cache = tmp / f"cache{i}"
        for name in ("cold", "warm"):
            out = tmp / f"{name}{i}"
            timings[name].append(_timed(["--spec", str(spec), "--cache-dir", str(cache), "--out", str(out / "out"), "--dist", str(out / "dist")]))
            trees.append(_tree(out))
    return timings, trees


def _rows(label: str, timings: dict[str, list[tuple[float, float, int]]], extra: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per kind of run: the median wall time, judged against the target on every run."""
    rows = []
    for name, runs in timings.items():
        walls = [wall for wall, _, _ in runs]
        r = row("generate", f"{label} {name}", statistics.median(walls), "s", samples=walls, judged=True,
                extra={"cpu_s": statistics.median(cpu for _, cpu, _ in runs), "runs_s": walls, "best_s": min(walls), **extra})
        r["pass"] = max(walls) <= TARGETS["generate"][1]  # type: ignore[index]
        rows.append(r)
    return rows


def generate(runs: int = 3) -> list[dict[str, Any]]:
    """`make generate` on the real spec, cold and warm, into temporary directories."""
    with tempfile.TemporaryDirectory(prefix="relaykit-bench-gen-") as tmp:
        timings, trees = _cold_and_warm(REPO / "spec" / "openapi.yaml", Path(tmp), runs)
    differing = sorted({k for t in trees[1:] for k in t.keys() | trees[0].keys() if t.get(k) != trees[0].get(k)})
    return [
        *_rows("real", timings, {}),
        row("deterministic", "real, every run", 1.0 if not differing else 0.0, "bool", judged=True,
            extra={"files": len(trees[0]), "bytes": sum(map(len, trees[0].values())), "differing": differing[:20]}),
    ]


def generate_synthetic(runs: int = 3) -> list[dict[str, Any]]:
    """The spec at the size it is expected to reach (synthetic_spec.py: 4,000 schemas, 300
    operations): cold and warm, then --check against a tree of which every models module differs."""
    import synthetic_spec

    with tempfile.TemporaryDirectory(prefix="relaykit-bench-syn-") as tmp:
        root = Path(tmp)
        spec = synthetic_spec.build(root / "spec")
        timings, trees = _cold_and_warm(spec, root, runs)
        types = root / "warm0" / "out" / "relaykit" / "types"
        for path in types.glob("*.py"):
            path.write_text(path.read_text().replace("class ", "class Stale", 1))
        stale = sum(1 for _ in types.glob("*.py"))
        check = _timed(["--spec", str(spec), "--cache-dir", str(root / "cache0"), "--check",
                        "--out", str(root / "warm0" / "out"), "--dist", str(root / "warm0" / "dist")])
        assert check[2] == 1, "--check did not see the stale files"
        doc = json.loads((root / "cold0" / "dist" / "openapi.json").read_text())
    size = {
        "schemas": len(doc["components"]["schemas"]),
        "operations": sum(1 for item in doc["paths"].values() for op in item.values() if isinstance(op, dict) and "operationId" in op),
    }
    rows = _rows("synthetic", timings, size)
    rows.append(row("generate", "synthetic --check", check[0], "s", extra={"cpu_s": check[1], "stale_files": stale, **size}))
    rows.append(row("deterministic", "synthetic, every run", 1.0 if all(t == trees[0] for t in trees) else 0.0, "bool", judged=True,
                    extra={"files": len(trees[0])}))
    return rows


# --------------------------------------------------------------------------- task waiting

TASK_POLLS = 5  # fetches per wait: four IN_PROGRESS answers, then SUCCESS
TASK_INTERVAL = 1.0  # first poll interval (then 1.5, 2.25, 3.4 s: about 8 s of sleeping per wait)


def task_wait() -> list[dict[str, Any]]:
    """CPU used by a wait: ``imagine_and_wait`` against a fake task gateway in a child process,
    sync and async, 1 s first interval. The process CPU time over the wait, minus nothing: the
    polls themselves are the only work. Reported as CPU share of the wall time (target: the
    process sleeps between polls, so the share stays near the cost of the five HTTP calls)."""
    import relaykit

    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_tasks", str(TASK_POLLS)], cwd=REPO, env=_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        rows = []
        with relaykit.Client(api_key="sk-bench", base_url=url, max_retries=0) as client:
            client.midjourney.tasks.retrieve("1001")  # warm: connection, lazy imports, validators
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(TASK_POLLS):
                client.midjourney.tasks.retrieve("1001")
            per_poll = (time.process_time() - cpu0) / TASK_POLLS
            cpu0, wall0 = time.process_time(), time.perf_counter()
            done = client.midjourney.imagine_and_wait(prompt="bench", poll_interval=TASK_INTERVAL)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            assert done.status == "SUCCESS"
            rows.append(row("task-wait", "relaykit", cpu, "s cpu", endpoint="imagine_and_wait", mode="sync", floor=wall, judged=True,
                            extra={"wall_s": wall, "cpu_ms": cpu * 1000, "fetch_cpu_ms": per_poll * 1000, "polls": TASK_POLLS}))

        async def run() -> tuple[float, float]:
            async with relaykit.AsyncClient(api_key="sk-bench", base_url=url, max_retries=0) as aclient:
                await aclient.midjourney.tasks.retrieve("1001")
                c0, w0 = time.process_time(), time.perf_counter()
                task = await aclient.midjourney.imagine_and_wait(prompt="bench", poll_interval=TASK_INTERVAL)
                assert task.status == "SUCCESS"
                return time.process_time() - c0, time.perf_counter() - w0

        cpu, wall = asyncio.run(run())
        rows.append(row("task-wait", "relaykit", cpu, "s cpu", endpoint="imagine_and_wait", mode="async", floor=wall, judged=True,
                        extra={"wall_s": wall, "cpu_ms": cpu * 1000, "polls": TASK_POLLS}))
        return rows
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(10)


VIDEO_MIB = 200


def video_download() -> list[dict[str, Any]]:
    """Peak RSS growth of a fresh process while ``videos.with_streaming_response.content``
    writes a 200 MiB video to disk (sync and async). Streaming keeps it near the chunk size;
    reading the body whole would add the body's size."""
    rows = []
    for mode in ("sync", "async"):
        out = subprocess.run([sys.executable, str(BENCH / "video_download.py"), str(VIDEO_MIB), mode], cwd=REPO,
                             env=_env() | {"PYTHONPATH": f"{REPO / 'generated'}{os.pathsep}{REPO}"},
                             capture_output=True, text=True, check=True)
        info = json.loads(out.stdout)
        growth = (info["after_kib"] - info["before_kib"]) / 1024
        rows.append(row("video-download", "relaykit", growth, "MiB peak RSS growth", endpoint=f"videos.content {VIDEO_MIB} MiB", mode=mode,
                        extra={"wall_s": info["wall_s"], "before_mib": info["before_kib"] / 1024, "after_mib": info["after_kib"] / 1024}))
    return rows

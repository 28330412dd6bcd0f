"""Profile relaykit alone in the benchmark's scenarios, to find its hotspots.

    python tests/bench/profile_relaykit.py [--scenario call-sync,large-sync,sse-sync,sse-async,call-async,large-async,cold]
                            [--profiler cprofile|pyinstrument] [--top 12]

Starts the fake gateway, runs relaykit's sync or async client in a loop under the profiler and
prints, per scenario:
  - where the time goes by kind: relaykit runtime (Python), pydantic(-core), httpx/httpcore/h11,
    json, other;
  - relaykit's functions by inclusive time (% of the profiled time), with the template file
    they come from (templates/runtime/X.py is copied into generated/relaykit/X.py);
  - the top functions by self time, any package.
``cold`` uses ``python -X importtime`` on ``import relaykit`` + ``relaykit.Client(...)`` and lists
the modules relaykit imports that ``import httpx, pydantic`` does not, by cumulative time.

cProfile (the default) counts C functions such as pydantic-core's validators separately but
inflates the cost of small Python functions; pyinstrument samples (less distortion) but puts the
time of C functions in their Python caller. Use both before believing a small number.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "generated"))

import clients as cl  # noqa: E402
import fake_gateway  # noqa: E402
import payloads  # noqa: E402

SCENARIOS = ("cold", "call-sync", "call-async", "large-sync", "large-async", "sse-sync", "sse-async")
RUNTIME = REPO / "templates" / "runtime"


def kind_of(path: str) -> str:
    if "/relaykit/" in path or path.startswith("relaykit"):
        return "relaykit"
    for k in ("pydantic_core", "pydantic"):
        if f"/{k}/" in path:
            return "pydantic"
    for k in ("httpx", "httpcore", "h11", "anyio"):
        if f"/{k}/" in path:
            return "httpx/httpcore/h11"
    if "/asyncio/" in path or "/selectors" in path or "/socket" in path or "/ssl" in path:
        return "asyncio/socket"
    if "/json/" in path:
        return "json"
    return "other"


def short(path: str, line: int, func: str) -> str:
    m = re.search(r"/relaykit/(.+)$", path)
    if m:
        name = m.group(1)
        src = "templates/runtime/" + name if (RUNTIME / name).exists() else "generated/relaykit/" + name
        return f"{src}:{func}"
    m = re.search(r"site-packages/(.+)$", path)
    if m:
        return f"{m.group(1)}:{func}"
    if path == "~":
        return func  # a builtin: "{method 'validate_json' of ...}"
    return f"{Path(path).name}:{func}"


def builtin_kind(func: str) -> str:
    if "pydantic" in func or "SchemaValidator" in func or "SchemaSerializer" in func:
        return "pydantic"
    low = func.lower()
    if "json" in low and ("decode" in low or "scan" in low or "encode" in low or "loads" in low or "dumps" in low):
        return "json"
    if "socket" in func or "recv" in func or "send" in func or "select" in func or "poll" in func:
        return "asyncio/socket"
    return "other (C builtins)"


def report_cprofile(prof: cProfile.Profile, top: int) -> str:
    st = pstats.Stats(prof)
    stats: dict[Any, Any] = st.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())
    kinds: dict[str, float] = defaultdict(float)
    for (path, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.items():
        kinds[kind_of(path) if path != "~" else builtin_kind(func)] += tt
    lines = [f"  profiled time {total:.3f} s (cProfile)"]
    lines.append("  self time by kind: " + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sorted(kinds.items(), key=lambda x: -x[1])))
    rk = [(ct, tt, nc, short(p, ln, f)) for (p, ln, f), (_cc, nc, tt, ct, _c) in stats.items() if kind_of(p) == "relaykit"]
    rk.sort(reverse=True)
    lines.append("  relaykit functions by inclusive time (incl% / self%, calls):")
    for ct, tt, nc, name in rk[:top]:
        lines.append(f"    {100 * ct / total:5.1f}% / {100 * tt / total:4.1f}%  {nc:>8d}  {name}")
    allf = sorted(((tt, nc, short(p, ln, f)) for (p, ln, f), (_cc, nc, tt, _ct, _c) in stats.items()), reverse=True)
    lines.append("  top functions by self time (self%, calls):")
    for tt, nc, name in allf[:top]:
        lines.append(f"    {100 * tt / total:5.1f}%  {nc:>8d}  {name}")
    return "\n".join(lines)


def report_pyinstrument(session: Any, top: int) -> str:
    root = session.root_frame()
    total = root.time
    incl: dict[str, float] = defaultdict(float)
    selft: dict[str, float] = defaultdict(float)
    kinds: dict[str, float] = defaultdict(float)

    def walk(frame: Any, active: set[str]) -> None:
        if frame.is_synthetic:  # [self] / [await] leaves: already in the parent's total_self_time
            return
        path = frame.file_path or ""
        name = short(path, frame.line_no or 0, frame.function)
        selft[name] += frame.total_self_time
        kinds[kind_of(path) if path not in ("", "<built-in>") else builtin_kind(frame.function)] += frame.total_self_time
        if kind_of(path) == "relaykit" and name not in active:
            incl[name] += frame.time
            active = active | {name}
        for ch in frame.children:
            walk(ch, active)

    walk(root, set())
    lines = [f"  profiled time {total:.3f} s (pyinstrument; C calls are counted in their Python caller)"]
    lines.append("  self time by kind: " + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sorted(kinds.items(), key=lambda x: -x[1])))
    lines.append("  relaykit functions by inclusive time:")
    for name, t in sorted(incl.items(), key=lambda x: -x[1])[:top]:
        lines.append(f"    {100 * t / total:5.1f}%  {name}")
    lines.append("  top functions by self time:")
    for name, t in sorted(selft.items(), key=lambda x: -x[1])[:top]:
        lines.append(f"    {100 * t / total:5.1f}%  {name}")
    return "\n".join(lines)


def cold(top: int) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO / "generated"))

    def importtime(code: str) -> dict[str, tuple[int, int]]:
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True, check=True)
        res = {}
        for ln in out.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", ln)
            if m:
                res[m.group(4)] = (int(m.group(1)), int(m.group(2)))
        return res

    importtime("import relaykit")  # bytecode warm
    floor = importtime("import httpx, pydantic; httpx.Client()")
    ours = importtime("import relaykit; relaykit.Client(api_key='k', base_url='http://127.0.0.1:9')")
    extra = {k: v for k, v in ours.items() if k not in floor}
    self_total = sum(v[0] for v in extra.values())
    lines = [f"  modules imported by relaykit beyond `import httpx, pydantic`: {len(extra)}, "
             f"{self_total / 1e3:.1f} ms self time (importtime, one run)"]
    lines.append("  top by self time (self ms / cumulative ms):")
    for name, (s, c) in sorted(extra.items(), key=lambda x: -x[1][0])[:top]:
        lines.append(f"    {s / 1e3:7.1f} / {c / 1e3:7.1f}  {name}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=",".join(SCENARIOS))
    ap.add_argument("--profiler", choices=("cprofile", "pyinstrument"), default="cprofile")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--endpoints", default=",".join(payloads.ENDPOINTS))
    ap.add_argument("--sse-events", type=int, default=20_000)
    args = ap.parse_args()
    chosen = [s for s in args.scenario.split(",") if s]
    eps = [e for e in args.endpoints.split(",") if e]
    if "cold" in chosen:
        print("== cold: import relaykit + Client()")
        print(cold(args.top))
    http = [s for s in chosen if s != "cold"]
    if not http:
        return 0
    with fake_gateway.Running([args.sse_events, 200]) as gw:
        sync = cl.RelaykitSync(gw.url)
        loop = asyncio.new_event_loop()
        asyn = cl.RelaykitAsync(gw.url)
        sse_model = f"{payloads.SSE_PREFIX}{args.sse_events}"
        for sc in http:
            kind, mode = sc.split("-")
            for ep in eps:
                model = {"call": payloads.MODEL_SMALL, "large": payloads.MODEL_LARGE, "sse": sse_model}[kind]
                n = {"call": 1500, "large": 300, "sse": 3}[kind]
                if mode == "sync":
                    def once(ep: str = ep, model: str = model, kind: str = kind) -> None:
                        (sync.stream if kind == "sse" else sync.call)(ep, model)
                else:
                    def once(ep: str = ep, model: str = model, kind: str = kind) -> None:
                        loop.run_until_complete((asyn.astream if kind == "sse" else asyn.acall)(ep, model))
                for _ in range(3):
                    once(ep, model if kind != "sse" else f"{payloads.SSE_PREFIX}200")
                t0 = time.perf_counter()
                if args.profiler == "cprofile":
                    prof = cProfile.Profile()
                    prof.enable()
                    for _ in range(n):
                        once()
                    prof.disable()
                    body = report_cprofile(prof, args.top)
                else:
                    from pyinstrument import Profiler

                    p = Profiler(interval=0.0002, async_mode="disabled")
                    p.start()
                    for _ in range(n):
                        once()
                    p.stop()
                    body = report_pyinstrument(p.last_session, args.top)
                print(f"\n== {sc} {ep}: {n} x {model}, {time.perf_counter() - t0:.2f} s wall")
                print(body)
        sync.close()
        loop.run_until_complete(asyn.aclose())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

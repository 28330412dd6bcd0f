"""relaykit benchmark: relaykit vs raw httpx (the floor) vs openai-python / anthropic.

    python tests/bench/run.py [--quick] [--json PATH] [--only cold,first-call,call,large,sse,generate]

Starts a fake gateway on 127.0.0.1 (tests/bench/fake_gateway.py), runs the scenarios, prints a table
and writes tests/bench/results/latest.json. Exit status: 0 when the run completed (whatever the
targets say; pass --strict to exit 1 when a target is missed), 2 when a check failed.
See tests/bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "generated"))  # relaykit from this working tree

import fake_gateway  # noqa: E402
import scenarios  # noqa: E402

FULL = {
    "cold_runs": 7,
    "first_runs": 3,
    "call_blocks": 7,
    "call_n": 40,
    "large_blocks": 7,
    "large_n": 6,
    "sse_events": 20_000,
    "sse_blocks": 3,
    "warm": 5,
    "warm_sse_events": 200,
    "generate_runs": 3,
}
QUICK = {
    "cold_runs": 1,
    "first_runs": 1,
    "call_blocks": 3,
    "call_n": 15,
    "large_blocks": 3,
    "large_n": 3,
    "sse_events": 1_000,
    "sse_blocks": 3,
    "warm": 2,
    "warm_sse_events": 200,
    "generate_runs": 1,
}
ALL = ("cold", "first-call", "call", "large", "sse", "generate", "task-wait", "video-download")


_T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:5.1f}s] {msg}", file=sys.stderr, flush=True)


def versions() -> dict[str, str]:
    out = {}
    for name in ("httpx", "pydantic", "pydantic-core", "openai", "anthropic", "httpx2", "uvloop", "relaykit"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


def _pin(cpus: set[int]) -> None:
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, cpus)
        except OSError:
            pass


# --------------------------------------------------------------------------- output


def fmt_value(v: float, unit: str) -> str:
    if unit == "ms":
        return f"{v:.3f} ms" if v < 10 else f"{v:.1f} ms"
    if unit == "events/s":
        return f"{v:,.0f} ev/s"
    if unit == "s":
        return f"{v:.2f} s"
    if unit == "bool":
        return "identical" if v == 1.0 else "DIFFERENT"
    return f"{v:g} {unit}"


def label(r: dict[str, Any]) -> str:
    sc = r["scenario"]
    names = {
        "cold": "cold import+client",
        "first-call": "first-call overhead",
        "call": "per call ~1KB",
        "large": "~100KB response",
        "sse": f"SSE {r.get('extra', {}).get('events', 0) / 1000:g}k events",
        "generate": "make generate",
        "deterministic": "generate determinism",
        "task-wait": "task wait (ratio = CPU / wall)",
        "video-download": "video download",
    }
    parts = [names.get(sc, sc)]
    if r.get("endpoint"):
        parts.append(r["endpoint"])
    if r.get("mode") and sc != "first-call":
        parts.append(r["mode"])
    return " ".join(parts)


def table(rows: list[dict[str, Any]]) -> str:
    head = ("scenario", "client", "median", "ratio", "target", "result")
    lines = []
    for r in rows:
        ratio = f"{r['ratio']:.2f}x" if r.get("ratio") is not None else ""
        if r["pass"] is None:
            result = "info" if r["scenario"] not in ("generate", "deterministic") and r["client"] != "raw" and not r["client"].startswith("import httpx") else ""
        else:
            result = "PASS" if r["pass"] else "FAIL"
        target = r["target"] or ""
        if target and r["scenario"] not in ("generate", "deterministic"):
            target += "x"
        elif r["scenario"] == "generate" and r["pass"] is not None:
            target = "<= 10 s"
        elif r["scenario"] == "deterministic":
            target = "identical"
        value = fmt_value(r["median"], r["unit"])
        if "cpu_s" in r.get("extra", {}):
            value += f" ({r['extra']['cpu_s']:.1f} s CPU)"
        lines.append((label(r), r["client"], value, ratio, target, result))
    widths = [max(len(str(x[i])) for x in [head, *lines]) for i in range(len(head))]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(head, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    prev = None
    for ln in lines:
        key = ln[0]
        if prev is not None and key != prev and (key.split()[0] != prev.split()[0]):
            out.append("")
        prev = key
        out.append("  ".join(str(x).ljust(w) for x, w in zip(ln, widths, strict=True)).rstrip())
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="reduced smoke run (< 40 s)")
    ap.add_argument("--json", type=Path, default=BENCH / "results" / "latest.json", help="where the results JSON goes")
    ap.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    cfg = dict(QUICK if args.quick else FULL)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(ALL)
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    ncpu = os.cpu_count() or 1
    all_cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set(range(ncpu))
    pin = len(all_cpus) >= 2
    server_cpu = max(all_cpus) if pin else None
    client_cpus = set(all_cpus) - {server_cpu} if pin else set(all_cpus)
    rows: list[dict[str, Any]] = []
    meta: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "config": cfg,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": ncpu,
        "versions": versions(),
        "pinning": {"server_cpu": server_cpu, "client_cpus": sorted(client_cpus)} if pin else None,
    }
    server_info: dict[str, Any] = {}
    http_scen = only & {"first-call", "call", "large", "sse"}
    try:
        if "cold" in only:
            log(f"cold import + client construction ({cfg['cold_runs']} fresh interpreters each)...")
            rows += scenarios.cold_import(cfg["cold_runs"])
        if http_scen:
            counts = sorted({cfg["sse_events"], cfg["warm_sse_events"]})
            log("starting the fake gateway...")
            with fake_gateway.Running(counts, cpu=server_cpu) as gw:
                server_info["loop"] = gw.loop_kind
                server_info["url"] = gw.url
                if "first-call" in only:
                    log(f"first calls in fresh interpreters ({cfg['first_runs']} runs)...")
                    rows += scenarios.first_calls(gw.url, cfg["first_runs"])
                _pin(client_cpus)
                try:
                    bench = scenarios.HTTPBench(gw, cfg, log)
                    try:
                        log("checking every client parses every body and stream...")
                        bench.check()
                        server_info["socket_floor"] = bench.socket_floor()
                        if "call" in only:
                            log("per-call latency, ~1 KB bodies...")
                            rows += bench.per_call("call", "bench-small", cfg["call_blocks"], cfg["call_n"])
                        if "large" in only:
                            log("~100 KB responses...")
                            rows += bench.per_call("large", "bench-large", cfg["large_blocks"], cfg["large_n"])
                        if "sse" in only:
                            log(f"SSE, {cfg['sse_events']} events per stream...")
                            sse_rows = bench.sse(cfg["sse_events"], cfg["sse_blocks"])
                            for r in sse_rows:
                                r["extra"]["events"] = cfg["sse_events"]
                            rows += sse_rows
                        server_info["groups"] = bench.server
                    finally:
                        bench.close()
                finally:
                    _pin(all_cpus)
        if "generate" in only:
            log(f"make generate on the real spec: cold and warm, {cfg['generate_runs']} times...")
            rows += scenarios.generate(cfg["generate_runs"])
            log(f"make generate on the synthetic full-size spec: cold and warm, {cfg['generate_runs']} times, then --check...")
            rows += scenarios.generate_synthetic(cfg["generate_runs"])
        if "task-wait" in only:
            log("waiting on a task (5 polls from a 1 s interval, sync and async)...")
            rows += scenarios.task_wait()
        if "video-download" in only:
            log("streaming a 200 MiB video to disk (peak RSS growth, sync and async)...")
            rows += scenarios.video_download()
    except AssertionError as exc:
        log(f"CHECK FAILED: {exc}")
        return 2

    meta["wall_s"] = time.perf_counter() - started
    print()
    print(f"relaykit benchmark ({meta['mode']}), Python {meta['python']}, {ncpu} CPUs, "
          f"httpx {meta['versions']['httpx']}, pydantic {meta['versions']['pydantic']}, "
          f"openai {meta['versions']['openai']}, anthropic {meta['versions']['anthropic']}")
    print("ratio = median / raw median in the same run (events/s: client / raw). Targets apply to relaykit.")
    print()
    print(table(rows))
    print()
    print(server_summary(server_info, rows))
    firsts = [r for r in rows if r["scenario"] == "first-call" and r["client"] == "relaykit"]
    if firsts:
        print("relaykit first call (fresh process): " + ", ".join(
            f"{r['endpoint']} {r['median']:.1f} ms" if r["endpoint"].startswith("import")
            else f"{r['endpoint']} +{r['median']:.1f} ms (first {r['extra']['first_call_ms']:.1f} vs steady {r['extra']['steady_call_ms']:.2f})"
            for r in firsts))
    colds = [r for r in rows if r["scenario"] == "cold"]
    if colds:
        print("cold start detail: " + "; ".join(
            f"{r['client']}: import {r['extra']['import_ms']:.0f} ms + client {r['extra']['construct_ms']:.0f} ms, "
            f"peak RSS {r['extra']['maxrss_mb']:.1f} MB, {r['extra']['modules']} modules" for r in colds))
    judged = [r for r in rows if r["pass"] is not None]
    failed = [r for r in judged if not r["pass"]]
    print(f"\n{len(judged) - len(failed)}/{len(judged)} targets met; wall time {meta['wall_s']:.0f} s")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"meta": meta, "server": server_info, "results": rows}, indent=1) + "\n")
    print(f"results: {args.json}")
    return 1 if (args.strict and failed) else 0


def server_summary(info: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    if not info:
        return ""
    parts = [f"fake gateway: raw asyncio protocol on {info.get('loop')}, pre-serialised bodies"]
    sf = info.get("socket_floor")
    if sf:
        small = max(v for k, v in sf.items() if k.endswith("small_ms"))
        large = max(v for k, v in sf.items() if k.endswith("large_ms"))
        parts.append(f"socket floor (server + loopback, no HTTP client) {1e3 * small:.0f} us/call small, {1e3 * large:.0f} us large")
    groups = info.get("groups") or []
    if groups:
        busy = max(g["server_busy"] or 0 for g in groups)
        per = [g["server_cpu_us_per_request"] for g in groups if g["group"].startswith("call") and g["server_cpu_us_per_request"]]
        raw_call = [r["median"] for r in rows if r["scenario"] == "call" and r["client"] == "raw"]
        s = f"server CPU busy at most {100 * busy:.0f}% of wall time in any group"
        if per and raw_call:
            s += f"; {max(per):.0f} us CPU per ~1KB request vs raw client's {1e3 * min(raw_call):.0f} us per call"
        parts.append(s)
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())

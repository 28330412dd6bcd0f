"""Run in a fresh interpreter by run.py (one process per measurement); prints one JSON line.

    python tests/bench/coldstart.py import TARGET
        time `import X` + client construction, in this fresh process; ru_maxrss at the end.
        TARGET: floor (import httpx, pydantic; httpx.Client()), relaykit, openai, anthropic.
    python tests/bench/coldstart.py firstcall CLIENT BASE_URL
        the lazy cost of the first calls: for relaykit, `import relaykit.types` separately,
        then the first and the steady-state sync call of each endpoint (small bodies).
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

API_KEY = "bench-key"
URL = "http://127.0.0.1:9"  # never contacted: construction does no I/O


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def cold_import(target: str) -> dict[str, float]:
    t0 = time.perf_counter()
    if target == "floor":
        import httpx
        import pydantic  # noqa: F401

        t1 = time.perf_counter()
        client = httpx.Client()
    elif target == "relaykit":
        import relaykit

        t1 = time.perf_counter()
        client = relaykit.Client(api_key=API_KEY, base_url=URL, max_retries=0)
    elif target == "openai":
        import openai

        t1 = time.perf_counter()
        client = openai.OpenAI(api_key=API_KEY, base_url=URL + "/v1", max_retries=0)
    elif target == "anthropic":
        import anthropic

        t1 = time.perf_counter()
        client = anthropic.Anthropic(api_key=API_KEY, base_url=URL, max_retries=0)
    else:
        raise SystemExit(f"unknown target {target}")
    t2 = time.perf_counter()
    del client
    return {
        "import_s": t1 - t0,
        "construct_s": t2 - t1,
        "total_s": t2 - t0,
        "startup_s": t0 - _T0,
        "maxrss_mb": _maxrss_mb(),
        "modules": len(sys.modules),
    }


def first_call(name: str, base_url: str) -> dict[str, object]:
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import clients
    import payloads

    out: dict[str, object] = {}
    t0 = time.perf_counter()
    c = clients.SYNC[name](base_url)
    out["construct_s"] = time.perf_counter() - t0
    if name == "relaykit":
        t0 = time.perf_counter()
        import relaykit.types  # noqa: F401

        out["types_import_s"] = time.perf_counter() - t0
    eps = [ep for ep in payloads.ENDPOINTS if name in ("raw", "relaykit") or clients.SDK_FOR[ep] == name]
    for ep in eps:
        t0 = time.perf_counter()
        c.call(ep, payloads.MODEL_SMALL)
        first = time.perf_counter() - t0
        steady = []
        for _ in range(7):
            t0 = time.perf_counter()
            c.call(ep, payloads.MODEL_SMALL)
            steady.append(time.perf_counter() - t0)
        steady.sort()
        out[f"{ep}_first_s"] = first
        out[f"{ep}_steady_s"] = steady[len(steady) // 2]
    out["maxrss_mb"] = _maxrss_mb()
    c.close()
    return out


if __name__ == "__main__":
    if sys.argv[1] == "import":
        print(json.dumps(cold_import(sys.argv[2])))
    elif sys.argv[1] == "firstcall":
        print(json.dumps(first_call(sys.argv[2], sys.argv[3])))
    else:
        raise SystemExit(__doc__)

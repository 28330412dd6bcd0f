"""The task extensions agree with the spec's own examples: x-relaykit-envelope's code pointer
finds a success code in at least one example (refusals the gateway sends
with HTTP 200 are documented as examples too), and x-relaykit-task names a real fetch operation
and parameter, finds the task id in every submit example and a known status in every fetch
example."""

from __future__ import annotations

from typing import Any

import pytest

from .spec_index import SpecOp, dist, spec_ops

MISSING = object()


def at(value: Any, pointer: str) -> Any:
    """RFC 6901 lookup; MISSING when the pointer leads nowhere."""
    for raw in pointer.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return MISSING
    return value


def alternatives(pointers: str | list[str]) -> list[str]:
    return [pointers] if isinstance(pointers, str) else pointers


def first(value: Any, pointers: str | list[str]) -> Any:
    """The value at the first of the alternative pointers that leads somewhere."""
    for pointer in alternatives(pointers):
        found = at(value, pointer)
        if found is not MISSING:
            return found
    return MISSING


def examples(op: SpecOp) -> list[tuple[str, Any]]:
    media = op.response_media("application/json") or {}
    return [(name, example["value"]) for name, example in media.get("examples", {}).items()]


def by_id() -> dict[str, SpecOp]:
    return {op.spec["operationId"]: op for op in spec_ops()}


ENVELOPED = [pytest.param(op, id=op.spec["operationId"]) for op in spec_ops() if "x-relaykit-envelope" in op.spec]
TASKS = [pytest.param(op, id=op.spec["operationId"]) for op in spec_ops() if "x-relaykit-task" in op.spec]


def test_the_extensions_are_used() -> None:
    assert ENVELOPED and TASKS


@pytest.mark.parametrize("op", ENVELOPED)
def test_envelope_finds_a_code_in_every_example(op: SpecOp) -> None:
    envelope = op.spec["x-relaykit-envelope"]
    assert envelope["success"], f"{op.label}: no success codes"
    codes = []
    for name, value in examples(op):
        code = at(value, envelope["code"])
        if code is MISSING:
            continue  # a body without the code is parsed as it is (some relays leave it out)
        codes.append(code)
        if "message" in envelope:
            assert at(value, envelope["message"]) is not MISSING, f"{op.label} example {name}: no message"
    assert any(code in envelope["success"] for code in codes), f"{op.label}: no example succeeds ({codes!r})"


@pytest.mark.parametrize("op", TASKS)
def test_task_link_matches_the_fetch_operation(op: SpecOp) -> None:
    task = op.spec["x-relaykit-task"]
    fetch = by_id().get(task["fetch"])
    assert fetch is not None, f"{op.label}: fetch operation {task['fetch']!r} does not exist"
    params = [p["name"] for p in fetch.spec.get("parameters", [])]
    if fetch.request_schema:  # an id sent in the fetch's JSON body (Runway's feed, Volcengine's GetResult)
        params += list(dist()["components"]["schemas"][fetch.request_schema].get("properties", {}))
    assert task["param"] in params, f"{op.label}: {task['fetch']} has no parameter {task['param']!r}"
    failed = task.get("failed", [])
    assert set(task.get("fetch_params", {})) <= set(params), f"{op.label}: {task['fetch']} lacks some of {task['fetch_params']}"
    # One operation that both submits and fetches (told apart by fetch_params) documents the
    # submission's answer among its examples: that one carries the id and no status yet.
    itself = task["fetch"] == op.spec["operationId"]
    assert set(task["succeeded"]).isdisjoint(failed)
    assert all(task[key] > 0 for key in ("timeout", "interval") if key in task)
    envelope = op.spec.get("x-relaykit-envelope")
    for name, value in examples(op):
        if envelope and at(value, envelope["code"]) not in envelope["success"]:
            continue  # a documented refusal carries no task
        task_id = at(value, task["id"])
        # The runtime takes a numeric id as its decimal string.
        ok = isinstance(task_id, str) and task_id or isinstance(task_id, int) and not isinstance(task_id, bool)
        assert ok, f"{op.label} example {name}: no task id at {task['id']}"
    statuses = set()
    marked = False  # an example where `failed_if_present` finds something
    for name, value in examples(fetch):
        status = first(value, task["status"])
        if itself and status is MISSING and at(value, task["id"]) is not MISSING:
            continue
        assert isinstance(status, (str, bool)), f"{fetch.label} example {name}: no status at {task['status']}"
        statuses.add(status)
        failing = "failed_if_present" in task and at(value, task["failed_if_present"]) not in (MISSING, None)
        marked = marked or failing
        # The failure reason is only looked for in a failed task (a finished one has none).
        for key in ("progress", "error") if failing or status in failed else ("progress",):
            if key in task:
                # A null object on the way (`"error": null` before `/error/message`) counts as present.
                found = [at(value, p) is not MISSING or (p.rsplit("/", 1)[0] and at(value, p.rsplit("/", 1)[0]) is None) for p in alternatives(task[key])]
                assert any(found), f"{fetch.label} example {name}: nothing at {task[key]}"
    # The fetch examples show both ends of the task: a success and a failure.
    assert statuses & set(task["succeeded"]) and (statuses & set(failed) or marked), f"{fetch.label}: examples show {sorted(statuses, key=str)}"

"""The task extensions agree with the spec's own examples: x-relaykit-envelope's code pointer
finds a success code in every success example, and x-relaykit-task names a real fetch operation
and parameter, finds the task id in every submit example and a known status in every fetch
example."""

from __future__ import annotations

from typing import Any

import pytest

from .spec_index import SpecOp, spec_ops

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
def test_envelope_finds_a_success_code_in_every_example(op: SpecOp) -> None:
    envelope = op.spec["x-relaykit-envelope"]
    assert envelope["success"], f"{op.label}: no success codes"
    for name, value in examples(op):
        code = at(value, envelope["code"])
        assert code is not MISSING, f"{op.label} example {name}: nothing at {envelope['code']}"
        assert code in envelope["success"], f"{op.label} example {name}: code {code!r} is not a success code"
        if "message" in envelope:
            assert at(value, envelope["message"]) is not MISSING, f"{op.label} example {name}: no message"


@pytest.mark.parametrize("op", TASKS)
def test_task_link_matches_the_fetch_operation(op: SpecOp) -> None:
    task = op.spec["x-relaykit-task"]
    fetch = by_id().get(task["fetch"])
    assert fetch is not None, f"{op.label}: fetch operation {task['fetch']!r} does not exist"
    params = [p["name"] for p in fetch.spec.get("parameters", [])]
    assert task["param"] in params, f"{op.label}: {task['fetch']} has no parameter {task['param']!r}"
    assert set(task["succeeded"]).isdisjoint(task["failed"])
    assert all(task[key] > 0 for key in ("timeout", "interval") if key in task)
    for name, value in examples(op):
        task_id = at(value, task["id"])
        assert isinstance(task_id, str) and task_id, f"{op.label} example {name}: no task id at {task['id']}"
    statuses = set()
    for name, value in examples(fetch):
        status = at(value, task["status"])
        assert isinstance(status, str), f"{fetch.label} example {name}: no status at {task['status']}"
        statuses.add(status)
        for key in ("progress", "error"):
            if key in task:
                assert at(value, task[key]) is not MISSING, f"{fetch.label} example {name}: nothing at {task[key]}"
    # The fetch examples show both ends of the task: a success and a failure.
    assert statuses & set(task["succeeded"]) and statuses & set(task["failed"]), f"{fetch.label}: examples show {sorted(statuses)}"

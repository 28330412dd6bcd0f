"""Long-running tasks (``x-relaykit-task``): submit once, then fetch the task until its status
says it is done.

The submission is sent once: a billable operation is never retried once it may have reached
the server. Polling starts at the spec's interval and slows down by half each time up to
``MAX_INTERVAL``; a ``Retry-After`` on a fetch answer is honoured; a connection error, a 5xx,
a 408 or a (non-quota) 429 while polling is waited out, not raised; a status the spec does not
list means the task is still running. Between fetches the process sleeps (no CPU).

The clock is the module attribute ``clock``: tests replace it so they never sleep for real.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._base_client import RAW_RESPONSE_HEADER, retry_after_seconds
from ._envelope import MISSING, lookup, same_value
from ._errors import (
    APIConnectionError,
    APIStatusError,
    ArgumentError,
    EnvelopeError,
    QuotaExceededError,
    ResponseValidationError,
    TaskFailedError,
    TaskTimeoutError,
)
from ._types import NOT_GIVEN

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient
    from ._operation import Operation
    from ._response import RawResponse

BACKOFF = 1.5  # each wait is this much longer than the one before...
MAX_INTERVAL = 15.0  # ...up to this
MIN_RETRY_AFTER = 0.5  # a Retry-After below this is read as this (no busy polling)
MAX_RETRY_AFTER = 120.0  # a longer Retry-After is capped here
TRANSIENT_STATUSES = frozenset({408, 429})


class Clock:
    """Monotonic time and sleeping; replaced in tests."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def async_sleep(self, seconds: float) -> None:
        import asyncio

        await asyncio.sleep(seconds)


clock = Clock()


@dataclass(frozen=True)
class Poll:
    """How to follow a task: the fetch operation, its id argument, and where the status,
    progress and failure reason are in the fetched body (JSON pointers)."""

    fetch: Operation
    fetch_arg: str  # Python name of the fetch operation's id argument (path, query or body)
    # A pointer, or alternatives tried in order (the first present wins) for a fetch that
    # answers in more than one shape.
    status: str | tuple[str, ...]
    succeeded: tuple[Any, ...]
    failed: tuple[Any, ...]
    progress: str | tuple[str, ...] | None = None
    error: str | tuple[str, ...] | None = None
    failed_if_present: str | None = None  # a pointer whose presence means failed, whatever the status
    timeout: float = 900.0
    interval: float = 2.0
    fixed: tuple[tuple[str, Any], ...] = ()  # other arguments every fetch sends (spec: fetch_params)
    # other arguments of the fetch, fixed per kind of task (Python names), for a fetch that
    # serves several kinds (a path like `/{action}/{kind}/{task_id}`)
    args: tuple[tuple[str, Any], ...] = ()


class _Wait:
    """One wait: what each fetch outcome means and how long to sleep before the next."""

    def __init__(self, poll: Poll, task_id: str, poll_interval: float | None, timeout: float | None, on_progress: Callable[[Any], object] | None) -> None:
        self.poll = poll
        self.task_id = task_id
        self.delay = check_seconds("poll_interval", poll.interval if poll_interval is None else poll_interval)
        self.limit = check_seconds("timeout", poll.timeout if timeout is None else timeout)
        if on_progress is not None and not callable(on_progress):
            raise ArgumentError("on_progress: expected a callable", ("on_progress",))
        self.on_progress = on_progress
        self.deadline = clock.now() + self.limit
        self.last: Any = None
        self.hint: float | None = None

    def fetch_args(self) -> dict[str, Any]:
        op = self.poll.fetch
        args: dict[str, Any] = {p.py: NOT_GIVEN for p in (*op.path_params, *op.query_params, *op.header_params)}
        for body in op.bodies:
            args.update({p.py: NOT_GIVEN for p in body.params})
        args.update(self.poll.fixed)
        args.update(self.poll.args)
        args.update({self.poll.fetch_arg: self.task_id, "extra_headers": {RAW_RESPONSE_HEADER: "1"}, "timeout": NOT_GIVEN})
        return args

    def finished(self, raw: RawResponse[Any]) -> bool:
        """Read one fetch answer: True when the task succeeded (``last`` holds it); raises
        TaskFailedError when it failed; False while it runs."""
        task = raw.parse()
        self.last = task
        self.hint = retry_after_seconds(raw.headers)
        try:
            payload = json.loads(raw.content)
        except ValueError:
            payload = None
        if self.on_progress is not None:
            self.on_progress(task)
        status = first(payload, self.poll.status)
        if self.poll.failed_if_present is not None:
            marker = lookup(payload, self.poll.failed_if_present)
            if marker is not MISSING and marker is not None:
                raise TaskFailedError(task, self.reason(payload, marker), self.task_id, None if status is MISSING else status)
        if status is MISSING or status is None:
            return False
        if any(same_value(status, s) for s in self.poll.succeeded):
            return True
        if any(same_value(status, s) for s in self.poll.failed):
            raise TaskFailedError(task, self.reason(payload, MISSING), self.task_id, status)
        return False  # a status the spec does not list: still running

    def reason(self, payload: Any, fallback: Any) -> str | None:
        """The failure reason at the ``error`` pointer (else ``fallback``), as text."""
        reason = first(payload, self.poll.error) if self.poll.error else MISSING
        if reason is MISSING or reason in (None, ""):
            reason = fallback
        if reason is MISSING or reason in (None, ""):
            return None
        return reason if isinstance(reason, str) else json.dumps(reason, ensure_ascii=False)

    def transient(self, exc: Exception) -> bool:
        """Whether a failed fetch is waited out (and the Retry-After it asked for)."""
        if isinstance(exc, APIConnectionError):
            self.hint = None
            return True
        if isinstance(exc, APIStatusError) and not isinstance(exc, (EnvelopeError, QuotaExceededError)):
            if exc.status_code >= 500 or exc.status_code in TRANSIENT_STATUSES:
                self.hint = retry_after_seconds(exc.headers)
                return True
        return False

    def next_sleep(self) -> float:
        """Seconds to sleep before the next fetch; raises TaskTimeoutError past the deadline."""
        remaining = self.deadline - clock.now()
        if remaining <= 0:
            raise TaskTimeoutError(self.last, self.task_id, self.limit)
        delay = self.delay
        if self.hint is not None:
            delay = min(max(self.hint, MIN_RETRY_AFTER), MAX_RETRY_AFTER)
        self.delay = min(self.delay * BACKOFF, max(MAX_INTERVAL, self.delay))
        return min(delay, remaining)


def first(payload: Any, pointers: str | tuple[str, ...]) -> Any:
    """The value at a pointer, or at the first of several that is present (else MISSING)."""
    for pointer in (pointers,) if isinstance(pointers, str) else pointers:
        value = lookup(payload, pointer)
        if value is not MISSING:
            return value
    return MISSING


def check_seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ArgumentError(f"{name}: expected a positive number of seconds, got {value!r}", (name,))
    return float(value)


def check_task_id(task_id: Any) -> str:
    if isinstance(task_id, int) and not isinstance(task_id, bool):
        task_id = str(task_id)
    if not isinstance(task_id, str) or not task_id:
        raise ArgumentError(f"task_id: expected a non-empty string, got {task_id!r}", ("task_id",))
    return task_id


def _submit_args(args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split an ``..._and_wait`` method's arguments into the submission's and the wait's."""
    args = dict(args)
    wait = {"poll_interval": args.pop("poll_interval", None), "timeout": args.pop("timeout", None), "on_progress": args.pop("on_progress", None)}
    args["timeout"] = NOT_GIVEN  # `timeout` is the overall wait here; requests use the client's
    args["extra_headers"] = {**(args.get("extra_headers") or {}), RAW_RESPONSE_HEADER: "1"}
    return args, wait


def _task_id(raw: RawResponse[Any], pointer: str) -> str:
    raw.parse()  # the envelope check and the model: a refused submission raises here
    try:
        value = lookup(json.loads(raw.content), pointer)
    except ValueError:
        value = MISSING
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise ResponseValidationError(
            f"the submission's answer has no task id at {pointer}; the raw body is on .body",
            response=raw.http_response, body=raw.content,
        )
    return value


def wait(client: SyncAPIClient, poll: Poll, task_id: Any, *, poll_interval: float | None = None, timeout: float | None = None, on_progress: Callable[[Any], object] | None = None) -> Any:
    """Fetch the task until it finishes; the typed fetch result of the final state."""
    state = _Wait(poll, check_task_id(task_id), poll_interval, timeout, on_progress)
    fetcher = client.with_options(max_retries=0)  # this loop is the retry, on its own clock
    while True:
        try:
            if state.finished(fetcher._call(poll.fetch, state.fetch_args())):
                return state.last
        except (APIConnectionError, APIStatusError) as exc:
            if not state.transient(exc):
                raise
        clock.sleep(state.next_sleep())


def submit_and_wait(client: SyncAPIClient, submit: Operation, poll: Poll, id_pointer: str, args: dict[str, Any]) -> Any:
    """Submit once, then ``wait`` for the task it started."""
    submit_args, options = _submit_args(args)
    _Wait(poll, "-", **options)  # refuse bad wait options before anything is sent
    task_id = _task_id(client._call(submit, submit_args), id_pointer)
    return wait(client, poll, task_id, **options)


async def async_wait(client: AsyncAPIClient, poll: Poll, task_id: Any, *, poll_interval: float | None = None, timeout: float | None = None, on_progress: Callable[[Any], object] | None = None) -> Any:
    """The async twin of ``wait``; cancelling the awaiting task stops it cleanly."""
    state = _Wait(poll, check_task_id(task_id), poll_interval, timeout, on_progress)
    fetcher = client.with_options(max_retries=0)
    while True:
        try:
            if state.finished(await fetcher._call(poll.fetch, state.fetch_args())):
                return state.last
        except (APIConnectionError, APIStatusError) as exc:
            if not state.transient(exc):
                raise
        await clock.async_sleep(state.next_sleep())


async def async_submit_and_wait(client: AsyncAPIClient, submit: Operation, poll: Poll, id_pointer: str, args: dict[str, Any]) -> Any:
    """The async twin of ``submit_and_wait``."""
    submit_args, options = _submit_args(args)
    _Wait(poll, "-", **options)
    task_id = _task_id(await client._call(submit, submit_args), id_pointer)
    return await async_wait(client, poll, task_id, **options)


__all__ = ["Clock", "Poll", "async_submit_and_wait", "async_wait", "clock", "submit_and_wait", "wait"]

"""CPU work off the event loop, a few requests at a time, each within a time budget.

Every route whose work grows with the document (check, codegen, ONNX export, augment
previews, the lab's demos, zips, templates) runs that work through :class:`CpuPool`, so that:

- the event loop only moves bytes: ``/health`` and every other request stay fast while a big
  document is being checked (one check on the loop once stalled the whole server for a minute);
- at most ``limits.max_cpu_jobs`` such jobs run at once; a request that finds them all busy waits
  up to ``limits.cpu_wait_s`` for a slot, then gets 503 "server busy, retry";
- a job that outlives ``limits.request_time_budget_s`` is answered with 503. Python cannot stop a
  thread, so the job runs to its end and keeps its slot until then: the number of threads doing
  work stays bounded even when the answers have long gone out.

The hop to a thread costs 0.1 to 0.3 ms per request (bench/hostile.py measures it), against a
small check's 9 ms: a shared server cannot trade everyone's latency for that. A thread does not
help against a C call that keeps the GIL (serializing a 1.6 GB ONNX model stalled the loop for
seconds in the bench): the document limits must refuse such work before it starts.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from torchcanvas.limits import Limits

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# Bodies up to this size are parsed on the loop: the hop to a thread would cost more than the parse.
PARSE_ON_LOOP_BYTES = 64 * 1024
# How often a request waiting for a slot looks again (see CpuPool.run).
_POLL_S = 0.005


def server_busy(why: str) -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        detail=f"server busy: {why}; retry in a moment",
        headers={"Retry-After": "1"},
    )


class CpuPool:
    """A bounded pool of worker threads for CPU-bound request work (see the module docstring)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._executor = ThreadPoolExecutor(limits.max_cpu_jobs, thread_name_prefix="torchcanvas-cpu")
        # A threading semaphore, not an asyncio one: a slot is freed by the worker thread when the
        # job really ends, which may be long after the request was answered.
        self._slots = threading.BoundedSemaphore(limits.max_cpu_jobs)

    async def _acquire(self) -> None:
        # Polling keeps this free of any event loop (the pool outlives TestClient's loops) and of
        # blocked threads; a waiting request costs one timer every few ms for at most cpu_wait_s.
        deadline = time.monotonic() + self.limits.cpu_wait_s
        while not self._slots.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise server_busy(f"all {self.limits.max_cpu_jobs} workers are busy")
            await asyncio.sleep(_POLL_S)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in a worker thread; 503 when no worker frees up in time or
        when it takes longer than the request's time budget. Its exceptions propagate."""
        await self._acquire()
        try:
            # In the request's context: its log lines carry its request id (torchcanvas.logs).
            future = self._executor.submit(contextvars.copy_context().run, functools.partial(fn, *args, **kwargs))
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _f: self._slots.release())
        budget = self.limits.request_time_budget_s
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), budget)
        except TimeoutError:
            raise server_busy(
                f"the request took longer than its time budget of {budget:g} s; make the graph smaller"
            ) from None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def get_cpu(request: Request) -> CpuPool:
    pool: CpuPool = request.app.state.cpu
    return pool


CpuDep = Annotated[CpuPool, Depends(get_cpu)]


def _validate_json(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        # The parsed body lets errors.py name the graph node an error lies in.
        raise RequestValidationError(errors, body=_parsed(body)) from None


def _parsed(body: bytes) -> Any:
    """The body as JSON, to locate errors; None when it is not JSON, or nests too deeply for
    Python's parser (BodyGuard scans only bodies that say they are JSON)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


async def parse_body(request: Request, model: type[M], cpu: CpuPool) -> M:
    """The request body as ``model``, parsed by pydantic's JSON parser straight from the bytes;
    in a worker thread when the body is big. Errors are FastAPI's 422/400 (errors.py).

    The body's size and nesting depth were bounded before this (errors.BodyGuard)."""
    body = await request.body()
    if len(body) <= PARSE_ON_LOOP_BYTES:
        return _validate_json(model, body)
    return await cpu.run(_validate_json, model, body)


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its body with :func:`parse_body`: tells OpenAPI
    what the body is (the model's schema must be in the components; main.py makes sure)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}

"""Liveness (``/health``: the process answers) and readiness (``/health/ready``: it can serve)."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine

from torchcanvas.db.migrate import current_revisions, head_revisions

router = APIRouter(prefix="/health", tags=["health"])
log = logging.getLogger("torchcanvas.api")

# How long a readiness probe waits for the database before it answers 503.
READY_TIMEOUT_S = 5.0


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    status: str
    database: str  # the database's kind: sqlite, postgresql
    revision: str  # the migration it is at, this code's head


class NotReady(BaseModel):
    detail: str


def _version() -> str:
    try:
        return version("torchcanvas")
    except PackageNotFoundError:
        return "unknown"


# Read once: /health must stay fast while worker threads hold the GIL, so it does no I/O and
# runs on the event loop (an `async def`), with no hop to a thread.
_HEALTH = Health(status="ok", version=_version())


@router.get("", response_model=Health, summary="Is the server up (liveness: no I/O)")
async def health() -> Health:
    return _HEALTH


def probe(engine: Engine) -> Ready | str:
    """Ready, or why not: the database answers and is at this code's migration head."""
    try:
        current = current_revisions(engine)
    except Exception as e:
        # The reason may name hosts and users: the log has it, the public answer only its kind.
        log.warning("not ready: the database does not answer: %s", e)
        return f"the database does not answer ({type(e).__name__}); the server log has the reason"
    head = head_revisions()
    if current != head:
        at = ", ".join(sorted(current)) or "none (an empty database)"
        return (
            f"the database is at migration {at}, this server needs {', '.join(sorted(head))}: "
            "run `torchcanvas db upgrade` (or start the server, which migrates), or deploy the matching version"
        )
    return Ready(status="ready", database=engine.dialect.name, revision=", ".join(sorted(head)))


def _start(engine: Engine) -> Future[Ready | str]:
    future: Future[Ready | str] = Future()

    def work() -> None:
        try:
            future.set_result(probe(engine))
        except BaseException as e:  # pragma: no cover - probe catches the database's errors
            future.set_exception(e)

    threading.Thread(target=work, name="torchcanvas-ready", daemon=True).start()
    return future


@router.get(
    "/ready",
    response_model=Ready,
    responses={503: {"model": NotReady, "description": "Not ready: the reason"}},
    summary="Can this process serve (readiness: the database answers and is migrated)",
)
async def ready(request: Request) -> Any:
    # One probe at a time per process, in a thread of its own: a database that hangs holds one
    # thread, and every probe meanwhile waits on that one for at most READY_TIMEOUT_S.
    state = request.app.state
    inflight: Future[Ready | str] | None = getattr(state, "readiness_probe", None)
    if inflight is None or inflight.done():
        inflight = state.readiness_probe = _start(state.engine)
    try:
        result = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(inflight)), READY_TIMEOUT_S)
    except TimeoutError:
        result = f"the database did not answer within {READY_TIMEOUT_S:g} s"
    if isinstance(result, str):
        return JSONResponse({"detail": f"not ready: {result}"}, status_code=503, headers={"Retry-After": "5"})
    return result

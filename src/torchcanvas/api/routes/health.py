"""Liveness, for scripts and the CLI that wait for the server."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    status: str
    version: str


def _version() -> str:
    try:
        return version("torchcanvas")
    except PackageNotFoundError:
        return "unknown"


# Read once: /health must stay fast while worker threads hold the GIL, so it does no I/O and
# runs on the event loop (an `async def`), with no hop to a thread.
_HEALTH = Health(status="ok", version=_version())


@router.get("", response_model=Health, summary="Is the server up")
async def health() -> Health:
    return _HEALTH

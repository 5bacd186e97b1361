"""Liveness, for scripts and the CLI that wait for the server."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    status: str
    version: str


@router.get("", response_model=Health, summary="Is the server up")
def health() -> Health:
    try:
        v = version("torchcanvas")
    except PackageNotFoundError:
        v = "unknown"
    return Health(status="ok", version=v)

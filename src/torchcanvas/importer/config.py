"""The importer's settings (``TORCHCANVAS_IMPORTER__*``), nested in torchcanvas.settings.Settings."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportSettings(BaseModel):
    # Importing pasted source runs that code on the server (building the module executes its
    # file). Off by default; an admin who trusts the server's users turns it on. It then runs in
    # a child process with the limits below and, where the kernel allows, no network.
    source: bool = False
    max_source_chars: int = Field(default=200_000, ge=100, le=2_000_000)
    # One import's wall-clock and CPU-time limit, and its address-space limit (most of it is torch).
    time_limit_s: float = Field(default=60.0, gt=0, le=3600)
    memory_limit_mb: int = Field(default=4096, ge=512)
    # Imports of pasted source at once, per server process; past it the answer is 503, retry.
    max_concurrent: int = Field(default=1, ge=1, le=16)

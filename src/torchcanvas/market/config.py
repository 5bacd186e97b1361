"""The market's settings (``TORCHCANVAS_MARKET__*``), nested in torchcanvas.settings.Settings."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MarketSettings(BaseModel):
    # Publish the examples under the built-in account at start-up, so that the market is never
    # empty (market/seed.py; idempotent).
    seed_examples: bool = True
    # Run each publication's generated code for one step (market/verify.py). Off: publications
    # stay "pending".
    verify: bool = True
    # The wall-clock limit of one verification; its memory limit is the runs' (run_memory_limit_mb).
    # Most of it is importing torch, in a process that shares the CPU with the server.
    verify_time_limit_s: float = Field(default=120.0, gt=0)
    # The longest search text: a full-text query's cost grows with its terms.
    max_query_chars: int = Field(default=200, ge=1, le=2000)

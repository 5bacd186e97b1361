"""The market's part of the server's start and stop: the verifier, pending verifications, seeding."""

from __future__ import annotations

from typing import Any

from torchcanvas.market.seed import seed
from torchcanvas.market.verify import Verifier
from torchcanvas.settings import Settings


def start(state: Any) -> None:
    """Called once at start-up, off the event loop, after the migrations. ``state``: app.state,
    which gets ``verifier`` (None when verification is off)."""
    settings: Settings = state.settings
    market = settings.market
    verifier = None
    if market.verify:
        verifier = Verifier(
            state.sessionmaker,
            time_limit_s=market.verify_time_limit_s,
            memory_limit_mb=settings.run_memory_limit_mb,
            limits=settings.limits,
            python=settings.run_python,
        )
        verifier.resume()  # left pending by the last stop
    state.verifier = verifier
    if market.seed_examples and settings.resolved_examples_dir.is_dir():
        with state.sessionmaker() as db:
            new = seed(db, settings.resolved_examples_dir, settings.limits)
        if verifier is not None:
            for pid in new:
                verifier.submit(pid)


def stop(state: Any) -> None:
    verifier = getattr(state, "verifier", None)
    if verifier is not None:
        verifier.stop()

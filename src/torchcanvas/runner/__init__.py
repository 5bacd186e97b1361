"""Training jobs and their typed events. The API layer forwards the events; the runner knows
nothing about HTTP."""

from torchcanvas.runner.events import (
    Confusion,
    EpochMetrics,
    FitCurve,
    Progress,
    RunFinished,
    RunQueued,
    RunStarted,
)
from torchcanvas.runner.jobs import (
    QueueFull,
    RunAlreadyFinished,
    RunConflict,
    Runner,
    RunNotFound,
    redact_paths,
    stored_events,
)

__all__ = [
    "Confusion",
    "EpochMetrics",
    "FitCurve",
    "Progress",
    "QueueFull",
    "RunAlreadyFinished",
    "RunConflict",
    "RunFinished",
    "RunNotFound",
    "RunQueued",
    "RunStarted",
    "Runner",
    "redact_paths",
    "stored_events",
]

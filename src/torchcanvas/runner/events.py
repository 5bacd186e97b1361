"""The runner's typed events. Subscribers get them as objects; ``as_dict()`` is their JSON form
(stored in ``run_events`` and forwarded by the API as server-sent events).

Every event carries the run id and ``seq``: 1, 2, ... per run, in the order emitted. A loss that
diverged is a float NaN/inf here; in the JSON form it is the string "NaN", "Infinity" or
"-Infinity" (JSON has no such numbers; ``Number(value)`` in JavaScript reads both forms).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)
    run_id: int
    seq: int = 0  # assigned by the runner when it emits the event

    def as_dict(self) -> dict[str, Any]:
        return finite_json(self.model_dump(mode="python"))


class RunQueued(_Event):
    """Queued, at submit; and again when a stopping worker handed the run back (with a ``note``):
    the run starts over, and its earlier progress is void."""

    type: Literal["queued"] = "queued"
    epochs: int
    note: str | None = None


class RunStarted(_Event):
    type: Literal["started"] = "started"
    pid: int | None = Field(description="the process id; null when the run executes on another machine (Ray)")
    command: list[str]


class Progress(_Event):
    """Within an epoch: the latest batch loss, the share of the run done, and the time left."""

    type: Literal["progress"] = "progress"
    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float
    fraction: float = Field(description="share of the whole run done, 0..1")
    elapsed_seconds: float
    eta_seconds: float | None = Field(description="estimated seconds left; null until it can be estimated")


class EpochMetrics(_Event):
    type: Literal["epoch"] = "epoch"
    epoch: int
    epochs: int
    train_loss: float
    train_loss_max: float | None = Field(default=None, description="the largest batch loss of the epoch")
    test_loss: float | None = None
    test_acc: float | None = Field(default=None, description="accuracy on the test split; per pixel for segmentation")
    test_miou: float | None = Field(default=None, description="segmentation: the mean IoU over the classes")
    # Detection: COCO's mAP on the test split at IoU 0.5 and over 0.5:0.95, and the detector's losses by name.
    map50: float | None = None
    map: float | None = None
    losses: dict[str, float] | None = None
    lr: float | None = None
    seconds: float | None = Field(default=None, description="wall time of the epoch")
    elapsed_seconds: float
    eta_seconds: float | None


class FitCurve(_Event):
    """A 1-D regression's fitted curve on a dense grid, and the data points ([x, y] pairs)."""

    type: Literal["fit"] = "fit"
    x: list[float]
    y: list[float]
    train: list[list[float]]
    test: list[list[float]]


class Confusion(_Event):
    """The confusion matrix on the test split: a row per true class, a column per predicted class."""

    type: Literal["confusion"] = "confusion"
    matrix: list[list[int]]


class RunFinished(_Event):
    type: Literal["finished"] = "finished"
    status: RunStatus
    exit_code: int | None = None
    error: str | None = None
    seconds: float | None = None


RunEvent = Annotated[
    RunQueued | RunStarted | Progress | EpochMetrics | FitCurve | Confusion | RunFinished, Field(discriminator="type")
]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(RunEvent)
EVENT_TYPES = ("queued", "started", "progress", "epoch", "fit", "confusion", "finished")


def event_from_dict(data: dict[str, Any]) -> RunEvent:
    """An event from its JSON form (the strings "NaN", "Infinity" become floats again)."""
    event: RunEvent = _ADAPTER.validate_python(data)
    return event


_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def finite_json(value: Any) -> Any:
    """``value`` with every non-finite float replaced by "NaN", "Infinity" or "-Infinity"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value


def number(value: Any) -> float | None:
    """A float from a JSON number or one of the strings "NaN", "Infinity", "-Infinity"."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value in _NONFINITE:
        return _NONFINITE[value]
    return None

"""The regularization lab: lessons with their one-click experiments, and two forward demos."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, JsonValue
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from torchcanvas.api.deps import SessionDep, SettingsDep
from torchcanvas.api.errors import field_error
from torchcanvas.api.routes.experiments import (
    ExperimentRead,
    ExperimentSummary,
    _read,
    create_experiment_runs,
    summary_of,
)
from torchcanvas.api.routes.runs import Overrides, RunnerDep, with_overrides
from torchcanvas.api.work import CpuDep
from torchcanvas.auth.deps import CurrentUser
from torchcanvas.db.models import Experiment, User
from torchcanvas.lab import (
    LESSONS,
    Lesson,
    NormalizationError,
    dropout_scale,
    explore_normalization,
    lesson,
    lesson_graph,
)
from torchcanvas.lab.demos import NormLayer
from torchcanvas.lab.small_batches import MAX_TRIALS
from torchcanvas.runner import Runner
from torchcanvas.runner.experiments import Axis, PathAxis
from torchcanvas.settings import Settings

router = APIRouter(prefix="/lab", tags=["lab"])


@router.get("/lessons", response_model=list[Lesson], summary="The regularization lessons")
def list_lessons() -> list[Lesson]:
    return LESSONS


class LessonRun(Overrides):
    """The lesson's params by name (e.g. ``{"lr": 0.1}``), and overrides for every run."""

    model_config = ConfigDict(extra="forbid")
    params: dict[str, JsonValue] = Field(default_factory=dict)


def _examples(settings: Settings) -> list:  # type: ignore[type-arg]
    # The configured examples folder, then the packaged one: the lessons' graphs ship with the package.
    return [settings.resolved_examples_dir, Settings(examples_dir=None).resolved_examples_dir]


@router.post(
    "/lessons/{lesson_id}/run",
    response_model=ExperimentRead,
    status_code=status.HTTP_201_CREATED,
    summary="run a lesson's experiment (one click)",
)
async def run_lesson(
    lesson_id: str,
    body: LessonRun,
    session: SessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    cpu: CpuDep,
    user: CurrentUser,
) -> ExperimentRead:
    return await cpu.run(_run_lesson, lesson_id, body, session, settings, runner, user)


def _run_lesson(
    lesson_id: str, body: LessonRun, session: Session, settings: Settings, runner: Runner, user: User
) -> ExperimentRead:
    found = lesson(lesson_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no lesson {lesson_id!r}")
    if found.experiment is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"lesson {lesson_id!r} has no experiment to run")
    exp = found.experiment
    for folder in _examples(settings):
        if (folder / f"{exp.example}.json").is_file():
            graph = lesson_graph(folder, exp.example)
            break
    else:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"the example {exp.example!r} is not installed")
    known = {p.name: p for p in exp.params}
    for name in body.params:
        if name not in known:
            raise field_error(
                ["body", "params", name],
                f"lesson {lesson_id!r} has no param {name!r}; it has: {', '.join(known) or 'none'}",
            )
    fixed: list[Axis] = []
    for p in exp.params:
        value = body.params.get(p.name, p.default)
        if value not in p.values:
            raise field_error(["body", "params", p.name], f"{p.name} is one of {p.values}")
        fixed.append(PathAxis(path=p.path, values=[value]))
    axes = [*(_axis(a) for a in exp.axes), *fixed]
    graph = with_overrides(graph, body)
    suffix = "".join(f", {p.name}={body.params.get(p.name, p.default)}" for p in exp.params)
    experiment = create_experiment_runs(session, runner, graph, axes, f"{found.title}{suffix}", None, user)
    return _read(session, experiment)


PAST_EXPERIMENTS = 10


@router.get(
    "/lessons/{lesson_id}/experiments",
    response_model=list[ExperimentSummary],
    summary="your earlier runs of a lesson's experiment, newest first",
)
def list_lesson_experiments(lesson_id: str, session: SessionDep, user: CurrentUser) -> list[ExperimentSummary]:
    """The lab shows the newest one again when you come back to the lesson. A lesson's experiment
    is named after the lesson's title (with its params: "Batch normalization, lr=0.1") and belongs
    to no saved model."""
    found = lesson(lesson_id)
    if found is None or found.experiment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no lesson {lesson_id!r} with an experiment")
    title = found.title
    like = title.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ", %"
    rows = session.scalars(
        select(Experiment)
        .where(
            Experiment.owner_id == user.id,
            Experiment.model_id.is_(None),
            or_(Experiment.name == title, Experiment.name.like(like, escape="\\")),
        )
        .order_by(Experiment.id.desc())
        .limit(PAST_EXPERIMENTS)
    ).all()
    return [summary_of(session, e) for e in rows]


def _axis(data: dict) -> Axis:  # type: ignore[type-arg]
    from pydantic import TypeAdapter

    return TypeAdapter(Axis).validate_python(data)  # type: ignore[no-any-return]


class DropoutScaleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p: float = Field(default=0.5, ge=0, lt=1)
    n: int = Field(default=10_000, ge=1, le=1_000_000)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class DropoutScale(BaseModel):
    p: float
    n: int
    seed: int
    kept: int = Field(description="units the dropout mask kept")
    scale: float = Field(description="1 / (1 - p), applied to kept units in training mode")
    train_output: float
    eval_output: float
    expected: float
    relative_difference: float = Field(description="(train_output - n) / n")


@router.post("/dropout-scale", response_model=DropoutScale, summary="Dropout's 1/(1-p) scaling, computed")
async def post_dropout_scale(body: DropoutScaleRequest, cpu: CpuDep) -> DropoutScale:
    return DropoutScale(**await cpu.run(dropout_scale, body.p, body.n, body.seed))


Dim = Annotated[int, Field(ge=1, le=1_000_000)]


class NormalizationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shape: list[Dim] = Field(min_length=2, max_length=8, description="the input shape (N, C, ...)")
    layer: NormLayer
    normalized_shape: list[Dim] | None = Field(default=None, max_length=8, description="LayerNorm only")
    num_groups: int | None = Field(default=None, ge=1, description="GroupNorm only")
    affine: bool | None = Field(default=None, description="affine (elementwise_affine for LayerNorm)")
    track_running_stats: bool | None = Field(default=None, description="BatchNorm and InstanceNorm only")


class ShapedTensor(BaseModel):
    name: str
    shape: list[int]


class Normalization(BaseModel):
    layer: str = Field(description="the torch class, e.g. BatchNorm2d")
    code: str = Field(description="how to build it, e.g. nn.GroupNorm(3, 6)")
    input_shape: list[int]
    output_shape: list[int]
    axis_names: list[str] = Field(description="N, C, H, W ...")
    normalized_axes: list[int] = Field(description="the axes each mean and variance is taken over")
    statistics: str
    groups: list[list[int]] | None = Field(description="GroupNorm: the channels of each group")
    parameters: list[ShapedTensor]
    buffers: list[ShapedTensor]
    running_stats: bool
    note: str


class NormalizationLayers(BaseModel):
    layers: list[str] = Field(description="what POST /lab/normalization takes as `layer`, in this order")


@router.get("/normalization", response_model=NormalizationLayers, summary="The layers the explorer covers")
def get_normalization_layers() -> NormalizationLayers:
    return NormalizationLayers(layers=list(get_args(NormLayer)))


@router.post("/normalization", response_model=Normalization, summary="What a normalization layer normalizes over")
async def post_normalization(body: NormalizationRequest, cpu: CpuDep) -> Normalization:
    try:
        result = await cpu.run(
            explore_normalization,
            body.shape,
            body.layer,
            body.normalized_shape,
            body.num_groups,
            body.affine,
            body.track_running_stats,
        )
    except NormalizationError as exc:
        raise field_error(["body", exc.field], str(exc)) from None
    return Normalization(**result)


class BatchStatisticsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    batch_sizes: list[Annotated[int, Field(ge=2, le=64)]] = Field(default=[2, 4, 8, 16, 32], min_length=1, max_length=8)
    trials: int = Field(default=30, ge=2, le=MAX_TRIALS, description="batches per size, each with random partners")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class BatchStatisticsRow(BaseModel):
    batch_size: int
    bn_spread: float = Field(description="std of image 0's BatchNorm output over its batches, averaged")
    bn_train_eval_gap: float = Field(description="mean |train-mode - eval-mode| BatchNorm output of image 0")
    gn_spread: float
    gn_train_eval_gap: float
    mean_error: float = Field(description="mean |batch mean - population mean| / population std, per channel")


class BatchStatistics(BaseModel):
    features: list[int] = Field(description="the feature maps' shape (N, C, H, W)")
    groups: int
    trials: int
    seed: int
    rows: list[BatchStatisticsRow]
    fcos_head_norms: list[str] = Field(description="the normalization layers of torchvision's FCOS heads")


@router.post(
    "/batch-statistics",
    response_model=BatchStatistics,
    summary="BatchNorm against GroupNorm at small batch sizes, computed on feature maps",
)
async def post_batch_statistics(body: BatchStatisticsRequest, cpu: CpuDep) -> BatchStatistics:
    from torchcanvas.lab.small_batches import batch_statistics

    return BatchStatistics(**await cpu.run(batch_statistics, body.batch_sizes, body.trials, body.seed))

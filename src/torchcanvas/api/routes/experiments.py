"""Experiments: one model, a few variant axes, one run per combination, and their comparison."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, JsonValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from torchcanvas import codegen
from torchcanvas.api.access import load_experiment
from torchcanvas.api.deps import IdPath, SessionDep
from torchcanvas.api.errors import field_error
from torchcanvas.api.routes.models import UtcDatetime
from torchcanvas.api.routes.runs import (
    Comparison,
    OneSource,
    Overrides,
    RunnerDep,
    RunSummary,
    compare,
    graph_of_model,
    queue_full,
    summary,
    with_overrides,
)
from torchcanvas.api.work import CpuDep
from torchcanvas.auth.deps import CurrentUser, OptionalUser
from torchcanvas.db.models import Experiment, Run, User
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError, Issue
from torchcanvas.runner import QueueFull, Runner
from torchcanvas.runner.experiments import Axis, AxisError, expand

router = APIRouter(prefix="/experiments", tags=["experiments"])


class ExperimentCreate(Overrides, OneSource):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    axes: list[Axis] = Field(min_length=1, max_length=6, description="path, layer_type/param or toggle axes")


class ExperimentSummary(BaseModel):
    id: int
    name: str
    model_id: uuid.UUID | None
    axes: list[JsonValue]
    created_at: UtcDatetime
    run_ids: list[int]


class ExperimentRead(ExperimentSummary):
    runs: list[RunSummary]
    comparison: Comparison


def create_experiment_runs(
    session: Session,
    runner: Runner,
    base: Graph,
    axes: list[Axis],
    name: str,
    model_id: uuid.UUID | None,
    owner: User,
    model_version: int | None = None,
) -> Experiment:
    """Expand the axes, check that every variant generates a project, then queue one run each
    (``owner``'s: the queue quota counts them all before any is queued)."""
    try:
        variants = expand(base, axes)
    except AxisError as exc:
        raise field_error(["body", "axes", exc.index], str(exc)) from None
    try:
        runner.ensure_room(len(variants), owner.id)  # before the work of generating every variant
    except QueueFull as exc:
        raise queue_full(exc) from None
    for v in variants:
        try:
            codegen.generate(v.graph, limits=runner.limits)
        except GraphError as exc:
            raise GraphError(
                [
                    Issue(
                        f"variant {v.label}: {i.message}",
                        node=i.node,
                        param=i.param,
                        fix=i.fix,
                        module=i.module,
                        severity=i.severity,
                    )
                    for i in exc.issues
                ]
            ) from None
    experiment = Experiment(
        owner_id=owner.id,
        name=name,
        model_id=model_id,
        graph=base.model_dump(mode="json"),
        axes=[a.model_dump(mode="json") for a in axes],
    )
    session.add(experiment)
    session.commit()
    for v in variants:
        try:
            runner.submit(
                v.graph,
                name=f"{name} [{v.label}]",
                model_id=model_id,
                model_version=model_version,
                experiment_id=experiment.id,
                label=v.label,
                variant=v.values,
                owner_id=owner.id,
            )
        except QueueFull as exc:  # another request filled the queue meanwhile
            raise queue_full(exc) from None
    return experiment


def _run_ids(session: Session, experiment_id: int) -> list[int]:
    return list(session.scalars(select(Run.id).where(Run.experiment_id == experiment_id).order_by(Run.id)))


def summary_of(session: Session, e: Experiment) -> ExperimentSummary:
    return ExperimentSummary(
        id=e.id, name=e.name, model_id=e.model_id, axes=e.axes, created_at=e.created_at, run_ids=_run_ids(session, e.id)
    )


def _read(session: Session, experiment: Experiment) -> ExperimentRead:
    runs = list(session.scalars(select(Run).where(Run.experiment_id == experiment.id).order_by(Run.id)))
    return ExperimentRead(
        id=experiment.id,
        name=experiment.name,
        model_id=experiment.model_id,
        axes=experiment.axes,
        created_at=experiment.created_at,
        run_ids=[r.id for r in runs],
        runs=[summary(session, r) for r in runs],
        comparison=compare(session, runs),
    )


@router.post(
    "",
    response_model=ExperimentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Run every combination of the axes' values of one model",
    responses={429: {"description": "The queue has no room for every variant's run; retry later"}},
)
async def create_experiment(
    body: ExperimentCreate, session: SessionDep, runner: RunnerDep, cpu: CpuDep, user: CurrentUser
) -> ExperimentRead:
    return await cpu.run(_create_experiment, body, session, runner, user)  # a project generated per variant


def _create_experiment(body: ExperimentCreate, session: Session, runner: Runner, user: User) -> ExperimentRead:
    base, version = graph_of_model(session, user, body.model_id) if body.model_id is not None else (body.graph, None)
    assert base is not None
    base = with_overrides(base, body)
    name = body.name or base.name
    experiment = create_experiment_runs(session, runner, base, body.axes, name, body.model_id, user, version)
    return _read(session, experiment)


@router.get("", response_model=list[ExperimentSummary], summary="list your experiments, newest first")
def list_experiments(session: SessionDep, user: CurrentUser) -> list[ExperimentSummary]:
    mine = select(Experiment).where(Experiment.owner_id == user.id)
    rows = session.scalars(mine.order_by(Experiment.id.desc()).limit(200)).all()
    return [summary_of(session, e) for e in rows]


@router.get("/{experiment_id}", response_model=ExperimentRead, summary="An experiment: its runs and their comparison")
def get_experiment(experiment_id: IdPath, session: SessionDep, user: OptionalUser) -> ExperimentRead:
    return _read(session, load_experiment(session, user, experiment_id))

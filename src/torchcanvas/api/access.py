"""Loading a thing for a user: the thing, or a 404 when it does not exist *or* the user may not
act on it. Routes load through here, so that what a refusal reveals is decided once.

The rules themselves are in ``torchcanvas.auth.policy``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from torchcanvas.auth import policy
from torchcanvas.auth.quotas import QuotaExceeded
from torchcanvas.db.models import Dataset, Experiment, Run, SavedModel, User

ModelCheck = Callable[[User | None, SavedModel], bool]


def model_not_found(model_id: uuid.UUID) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no saved model with id {model_id}")


def load_model(
    db: Session, user: User | None, model_id: uuid.UUID, allowed: ModelCheck = policy.can_read_model
) -> SavedModel:
    """The model, if it exists and ``allowed(user, model)``; else the same 404 either way."""
    model = db.get(SavedModel, model_id)
    if model is None or not allowed(user, model):
        raise model_not_found(model_id)
    return model


DatasetCheck = Callable[[User | None, Dataset], bool]


def dataset_not_found(dataset_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no data set with id {dataset_id}")


def load_dataset(
    db: Session, user: User | None, dataset_id: int, allowed: DatasetCheck = policy.can_read_dataset
) -> Dataset:
    """The uploaded data set, if it exists and ``allowed(user, dataset)``; else the same 404 either way."""
    dataset = db.get(Dataset, dataset_id)
    if dataset is None or not allowed(user, dataset):
        raise dataset_not_found(dataset_id)
    return dataset


def _model_of(db: Session, thing: Run | Experiment) -> SavedModel | None:
    return db.get(SavedModel, thing.model_id) if thing.model_id is not None else None


def _allowed(db: Session, user: User | None, thing: Run | Experiment, manage: bool) -> bool:
    if manage:
        return policy.can_manage_run(user, thing)
    return policy.can_read_run(user, thing, _model_of(db, thing))


def run_not_found(run_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no run with id {run_id}")


def load_run(db: Session, user: User | None, run_id: int, *, manage: bool = False) -> Run:
    """The run, if it exists and the user may read it (``manage``: cancel or delete it); else 404."""
    run = db.get(Run, run_id)
    if run is None or not _allowed(db, user, run, manage):
        raise run_not_found(run_id)
    return run


def load_experiment(db: Session, user: User | None, experiment_id: int) -> Experiment:
    experiment = db.get(Experiment, experiment_id)
    if experiment is None or not _allowed(db, user, experiment, manage=False):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no experiment with id {experiment_id}")
    return experiment


async def hashing_busy(_request: Request, exc: Exception) -> JSONResponse:
    """Every password-hashing slot is taken (auth.secrets): 503, as a busy CPU pool answers."""
    return JSONResponse(
        {"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "1"}
    )


async def quota_exceeded(_request: Request, exc: Exception) -> JSONResponse:
    """A QuotaExceeded from any route or the runner: 429, its message naming the quota."""
    assert isinstance(exc, QuotaExceeded)
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_429_TOO_MANY_REQUESTS)

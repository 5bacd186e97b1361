"""Initial weights for runs: upload a state_dict, list and delete yours, and check one (or an earlier
run's checkpoint) against a model before a run starts from it.

An upload is the file itself as the request body (``application/octet-stream``), streamed to a
temporary file in the owner's folder under the data directory, bounded by
``settings.weights.max_bytes`` (api.errors.BodyGuard lets this one path past the JSON bodies'
limit), then read with ``torch.load(weights_only=True)`` in the CPU pool. Weights are private:
only their owner sees, uses or deletes them (they live in the owner's own folder).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from torchcanvas.api.access import load_run
from torchcanvas.api.deps import SessionDep, SettingsDep
from torchcanvas.api.errors import UploadTooLarge, field_error
from torchcanvas.api.routes.runs import OneSource, RunnerDep, graph_of_model
from torchcanvas.api.work import CpuDep
from torchcanvas.auth.deps import CurrentUser
from torchcanvas.db.models import User
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.runner import Runner
from torchcanvas.runner import weights as store
from torchcanvas.runner.weights import InitFrom, KeyReport, WeightsError, WeightsInfo
from torchcanvas.settings import Settings

router = APIRouter(prefix="/weights", tags=["weights"])

_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]")
_WRITE_BYTES = 4 * 1024 * 1024


class WeightsCheck(OneSource):
    init_from: InitFrom


def _not_found(weights_id: uuid.UUID) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"you have no weights with id {weights_id}")


def resolve(
    session: Session, runner: Runner, settings: Settings, user: User, init_from: InitFrom
) -> tuple[Path, dict[str, str | int], dict[str, list[int]]]:
    """The file a run would start from, how its config names it, and its keys' shapes; 404 when
    it is not the user's, 409 when the run has saved no checkpoint. Reads a checkpoint's keys:
    call it off the event loop."""
    if init_from.weights_id is not None:
        found = store.shapes_of(settings.data_dir, user.id, init_from.weights_id)
        if found is None:
            raise _not_found(init_from.weights_id)
        path, info, shapes = found
        return path, {"weights": str(info.id), "name": info.name}, shapes
    assert init_from.run_id is not None
    run = load_run(session, user, init_from.run_id, manage=True)  # your own runs only
    path = runner.run_dir(run.id) / "runs" / "checkpoint.pt"
    if not path.is_file():
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"run {run.id} has saved no checkpoint; start from a run that trained at least one epoch",
        )
    try:
        shapes = store.read_state(path)
    except WeightsError as e:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"run {run.id}'s checkpoint: {e}") from None
    return path, {"run": run.id, "name": f"run {run.id} ({run.name})"}, shapes


def report(graph: Graph, shapes: dict[str, list[int]], what: str, settings: Settings) -> KeyReport:
    try:
        model = store.model_state(graph, settings.limits)
    except GraphError as e:
        raise field_error(["body", "graph"], f"the model has errors, so its weights cannot be checked: {e.issues[0].message}") from None
    return store.compare(model, shapes, what)


@router.post(
    "",
    response_model=WeightsInfo,
    status_code=status.HTTP_201_CREATED,
    summary="Upload a state_dict (.pt, .pth) to start runs from",
    openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
    responses={
        413: {"description": "The file is over settings.weights.max_bytes"},
        422: {"description": "The file is not a state_dict"},
        429: {"description": "You have settings.weights.max_files files already"},
    },
)
async def upload(
    request: Request,
    settings: SettingsDep,
    cpu: CpuDep,
    user: CurrentUser,
    name: Annotated[str, Query(min_length=1, max_length=200, description="the file's name, shown in lists")] = "weights.pt",
) -> WeightsInfo:
    """The body is the file, as ``torch.save(model.state_dict(), path)`` wrote it (a checkpoint with
    the state_dict under ``model`` or ``state_dict`` is accepted too)."""
    limits = settings.weights
    own = store.folder(settings.data_dir, user.id)
    files = await run_in_threadpool(store.listing, settings.data_dir, user.id)
    used = sum(f.size for f in files)
    if len(files) >= limits.max_files or used >= limits.max_total_bytes:
        what = f"{len(files)} weights files" if len(files) >= limits.max_files else f"{used:,} bytes of weights"
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"you have {what}, the most this server keeps per user; delete some first",
        )
    limit = min(limits.max_bytes, limits.max_total_bytes - used)
    await run_in_threadpool(own.mkdir, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=own, suffix=".upload")
    tmp = Path(tmp_name)
    size = 0
    pending: list[bytes] = []
    buffered = 0
    try:
        with open(fd, "wb") as f:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    left = "" if limit == limits.max_bytes else " (what is left of your space for weights)"
                    raise UploadTooLarge(f"the request body is larger than the limit of {limit} bytes{left}")
                pending.append(chunk)
                buffered += len(chunk)
                if buffered >= _WRITE_BYTES:  # to disk a few MB at a time, off the loop
                    await run_in_threadpool(f.write, b"".join(pending))
                    pending, buffered = [], 0
            await run_in_threadpool(f.write, b"".join(pending))
        if size == 0:
            raise field_error(["body"], "the body is empty: send the .pt file as the request body")
        clean = _NAME.sub("_", name).strip() or "weights.pt"
        return await cpu.run(store.store, settings.data_dir, user.id, clean, tmp)
    except UploadTooLarge as e:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=str(e)) from None
    except WeightsError as e:
        raise field_error(["body"], str(e)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@router.get("", response_model=list[WeightsInfo], summary="Your uploaded weights, newest first")
def list_weights(settings: SettingsDep, user: CurrentUser) -> list[WeightsInfo]:
    return store.listing(settings.data_dir, user.id)


@router.delete("/{weights_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete uploaded weights")
def delete_weights(weights_id: uuid.UUID, settings: SettingsDep, user: CurrentUser) -> Response:
    """Runs that started from them keep their own copy (init.pt in the run's folder)."""
    if not store.delete(settings.data_dir, user.id, weights_id):
        raise _not_found(weights_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/check",
    response_model=KeyReport,
    summary="Would these weights load strictly into this model? Every missing, unexpected and mis-shaped key",
)
async def check_weights(
    body: WeightsCheck, session: SessionDep, runner: RunnerDep, settings: SettingsDep, cpu: CpuDep, user: CurrentUser
) -> KeyReport:
    return await cpu.run(_check, body, session, runner, settings, user)


def _check(body: WeightsCheck, session: Session, runner: Runner, settings: Settings, user: User) -> KeyReport:
    graph = graph_of_model(session, user, body.model_id)[0] if body.model_id is not None else body.graph
    assert graph is not None
    _path, named, shapes = resolve(session, runner, settings, user, body.init_from)
    return report(graph, shapes, str(named["name"]), settings)

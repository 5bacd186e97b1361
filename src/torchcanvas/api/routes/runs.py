"""Training runs: start, follow (server-sent events), cancel, compare, and download what they made.

The routes only call the runner (``app.state.runner``) and read the database; a worker
(torchcanvas.worker, in this process or another) runs the generated train.py and stores typed
events, which ``/runs/{id}/events`` reads from the database and forwards.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from torchcanvas.api.access import load_model, load_run, run_not_found
from torchcanvas.api.deps import MAX_ID, IdPath, IdQuery, Offset, PageSize, SessionDep, SettingsDep
from torchcanvas.api.downloads import attachment, safe_name
from torchcanvas.api.errors import field_error
from torchcanvas.api.routes.models import UtcDatetime
from torchcanvas.api.work import CpuDep
from torchcanvas.auth import policy
from torchcanvas.auth.deps import CurrentUser, OptionalUser, current_user
from torchcanvas.codegen import model_class_name
from torchcanvas.db.models import FINISHED_STATUSES, Run, RunEvent, SavedModel, User
from torchcanvas.graph.model import DisplayName, Graph
from torchcanvas.runner import QueueFull, RunConflict, Runner, RunNotFound, redact_paths, stored_events
from torchcanvas.runner.events import RunEvent as Event
from torchcanvas.runner.events import RunStatus
from torchcanvas.runner.failure import Failure, diagnose
from torchcanvas.runner.feed import EventFeed
from torchcanvas.runner.metrics import differences, histograms, summarize
from torchcanvas.runner.weights import InitFrom

router = APIRouter(prefix="/runs", tags=["runs"])

MAX_COMPARE = 32
KEEPALIVE_S = 15.0


def get_runner(request: Request) -> Runner:
    runner: Runner = request.app.state.runner
    return runner


RunnerDep = Annotated[Runner, Depends(get_runner)]


# --- request and response bodies ---------------------------------------------------------------


class Overrides(BaseModel):
    """Training settings that replace the graph's for this run (same limits as the graph's)."""

    model_config = ConfigDict(extra="forbid")
    epochs: int | None = Field(default=None, ge=1, le=100_000)
    lr: float | None = Field(default=None, gt=0, le=100)
    batch_size: int | None = Field(default=None, ge=1, le=65_536)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    init: Literal["default", "initialize_weights"] | None = None
    device: Literal["auto", "cpu", "cuda"] | None = None


class OneSource(BaseModel):
    """What a run or an experiment trains: a saved model or a graph, exactly one of them."""

    model_id: uuid.UUID | None = Field(default=None, description="a saved model; or give the graph itself")
    graph: Graph | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.model_id is None) == (self.graph is None):
            raise ValueError("give exactly one of model_id and graph")
        return self


class RunCreate(Overrides, OneSource):
    name: DisplayName | None = Field(default=None, description="defaults to the graph's name")
    init_from: InitFrom | None = Field(
        default=None,
        description="start from these weights (train.py --init-from); checked strictly against the model first: 422 "
        "with every missing, unexpected and mis-shaped key when they do not fit",
    )


class RunSummary(BaseModel):
    id: int
    name: str
    owner: str | None = Field(description="the username of whoever started it")
    status: RunStatus
    model_id: uuid.UUID | None
    model_version: int | None = Field(
        description="the number of the model's version it trained; null for a run of an unsaved draft "
        "and for runs from before versions were recorded"
    )
    experiment_id: int | None
    label: str = Field(description="within an experiment, the variant: 'weight_decay=0.01, BatchNorm=off'")
    variant: dict[str, JsonValue] = Field(description="within an experiment, the value on each axis")
    config: dict[str, JsonValue] = Field(description="the training config it ran with")
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    exit_code: int | None
    error: str | None
    final: dict[str, JsonValue] | None = Field(description="the last epoch's metrics")
    failure: Failure | None = Field(
        default=None,
        description="why a failed run failed, in one line, and the fix (also a run that ended with a NaN loss)",
    )


class RunRead(RunSummary):
    graph: dict[str, JsonValue]
    metrics: dict[str, JsonValue] = Field(
        description="{epochs: [{epoch, train_loss, train_loss_max, test_loss, test_acc, test_miou, lr, seconds}], curves: {key: [...]}, "
        "final, max_train_loss, fit: {x, y, train, test} | null, confusion: [[...]] | null, "
        "progress: {epoch, step, steps, loss, fraction, eta_seconds} | null}"
    )


class RunPage(BaseModel):
    items: list[RunSummary]
    count: int


class ComparedRun(BaseModel):
    id: int
    name: str
    label: str
    status: RunStatus
    variant: dict[str, JsonValue]
    final: dict[str, JsonValue] | None
    max_train_loss: JsonValue
    curves: dict[str, JsonValue]


class Difference(BaseModel):
    key: str = Field(description="a flattened hyperparameter: training.lr, nodes.drop1.params.p, nodes.bn1.type")
    label: str = Field(
        description='the key in the editor\'s words: "learning rate", "drop1 (Dropout): p", "bn1 (BatchNorm2d): layer"'
    )
    values: list[JsonValue] = Field(
        description="one per run, in the order of runs; '(absent)' where a layer is missing"
    )


class Comparison(BaseModel):
    runs: list[ComparedRun]
    differences: list[Difference]


class Histogram(BaseModel):
    epoch: int
    edges: list[float]
    counts: list[float]
    norm: float | None = Field(default=None, description="the parameter's L2 norm, sqrt(sum of squares), exact")


class Histograms(BaseModel):
    run_id: int
    params: dict[str, list[Histogram]] = Field(description="per parameter name (fc1.weight), per logged epoch")


# --- helpers shared with experiments.py ------------------------------------------------------


def events_of(session: Session, run_id: int) -> list[Event]:
    return list(stored_events(session, run_id))


def _final(session: Session, run_id: int) -> dict[str, Any] | None:
    row = session.scalars(
        select(RunEvent)
        .where(RunEvent.run_id == run_id, RunEvent.type == "epoch")
        .order_by(RunEvent.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {
        k: row.data.get(k)
        for k in ("epoch", "epochs", "train_loss", "train_loss_max", "test_loss", "test_acc", "test_miou", "lr", "seconds")
    }


def owner_name(session: Session, owner_id: int | None) -> str | None:
    owner = session.get(User, owner_id) if owner_id is not None else None
    return owner.username if owner is not None else None


def _fields(session: Session, run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "name": run.name,
        "owner": owner_name(session, run.owner_id),
        "status": run.status,
        "model_id": run.model_id,
        "model_version": run.model_version,
        "experiment_id": run.experiment_id,
        "label": run.label,
        "variant": run.variant,
        "config": run.config,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "exit_code": run.exit_code,
        "error": run.error,
    }


def summary(session: Session, run: Run) -> RunSummary:
    final = _final(session, run.id)
    return RunSummary(**_fields(session, run), final=final, failure=_failure(run, final))


def read(session: Session, run: Run) -> RunRead:
    metrics = summarize(events_of(session, run.id))
    final = metrics["final"]
    return RunRead(**_fields(session, run), final=final, failure=_failure(run, final), graph=run.graph, metrics=metrics)


def _failure(run: Run, final: dict[str, Any] | None) -> Failure | None:
    loss = (final or {}).get("train_loss")
    try:
        final_loss = float(loss) if loss is not None else None  # stored as "NaN" or as a float
    except (TypeError, ValueError):
        final_loss = None
    return diagnose(run.error, status=run.status, exit_code=run.exit_code, final_loss=final_loss)


def compare(session: Session, runs: list[Run]) -> Comparison:
    compared = []
    for run in runs:
        m = summarize(events_of(session, run.id))
        compared.append(
            ComparedRun(
                id=run.id,
                name=run.name,
                label=run.label,
                status=run.status,  # type: ignore[arg-type]
                variant=run.variant,  # type: ignore[arg-type]
                final=m["final"],
                max_train_loss=m["max_train_loss"],
                curves=m["curves"],
            )
        )
    diffs = [Difference(**d) for d in differences([r.graph for r in runs])]
    return Comparison(runs=compared, differences=diffs)


def graph_of_model(session: Session, user: User, model_id: uuid.UUID) -> tuple[Graph, int]:
    """The graph of a saved model the user may train (their own; else 404), and the number of
    its version that graph is (what a run of it records)."""
    model = load_model(session, user, model_id, policy.can_edit_model)
    try:
        return Graph.model_validate(model.graph), model.version
    except ValidationError as exc:
        raise field_error(
            ["body", "model_id"], f"the saved model's graph is no longer valid: {exc.errors()[0]['msg']}"
        ) from exc


def with_overrides(graph: Graph, overrides: Overrides) -> Graph:
    changes = overrides.model_dump(include=set(Overrides.model_fields), exclude_none=True)
    if not changes:
        return graph
    return graph.model_copy(update={"training": graph.training.model_copy(update=changes)})


def _zip_files(entries: dict[str, Path]) -> bytes:
    """The files as a zip built in memory, each under its name in ``entries``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path in entries.items():
            z.writestr(name, path.read_bytes())
    return buf.getvalue()


# --- routes ------------------------------------------------------------------------------------


@router.post(
    "",
    response_model=RunRead,
    status_code=status.HTTP_201_CREATED,
    summary="Start a training run",
    responses={429: {"description": "Too many runs are queued; retry when some have finished"}},
)
async def create_run(
    body: RunCreate, session: SessionDep, runner: RunnerDep, cpu: CpuDep, user: CurrentUser
) -> RunRead:
    """Queue a run of one of your saved models (``model_id``) or of a graph, with optional
    overrides of its training config. The run executes the generated train.py; follow it at
    ``/runs/{id}/events``. 429 when the queue is full (settings.max_queued_runs) or you are at
    a quota (settings.quotas)."""
    return await cpu.run(_create_run, body, session, runner, user)  # generating the project is CPU work


def _create_run(body: RunCreate, session: Session, runner: Runner, user: User) -> RunRead:
    graph, version = graph_of_model(session, user, body.model_id) if body.model_id is not None else (body.graph, None)
    assert graph is not None
    graph = with_overrides(graph, body)
    init = None
    if body.init_from is not None:
        # Imported here: the weights routes build on this module's (OneSource, graph_of_model).
        from torchcanvas.api.routes.weights import report, resolve

        path, named, shapes = resolve(session, runner, runner.settings, user, body.init_from)
        keys = report(graph, shapes, str(named["name"]), runner.settings)
        if not keys.ok:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"message": keys.message, "report": keys.model_dump()})
        init = (path, named)
    try:  # GraphError -> 422 with issues; QuotaExceeded -> 429 (api.access.quota_exceeded)
        run_id = runner.submit(
            graph, name=body.name, model_id=body.model_id, model_version=version, owner_id=user.id, init_from=init
        )
    except QueueFull as exc:
        raise queue_full(exc) from None
    return read(session, load_run(session, user, run_id))


def queue_full(exc: QueueFull) -> HTTPException:
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail=str(exc), headers={"Retry-After": "60"})


@router.get(
    "",
    response_model=RunPage,
    summary="list your runs, newest first",
    description="With `model_id`: that model's runs (of a model you may read: its owner's and yours).",
)
def list_runs(
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    request: Request,
    model_id: uuid.UUID | None = None,
    experiment_id: IdQuery = None,
    status_: Annotated[RunStatus | None, Query(alias="status")] = None,
    limit: PageSize = 50,
    offset: Offset = 0,
) -> RunPage:
    limit = min(limit, settings.max_page_size)
    where = _visible_runs(session, user, model_id, request)
    if experiment_id is not None:
        where.append(Run.experiment_id == experiment_id)
    if status_ is not None:
        where.append(Run.status == status_)
    count = session.scalar(select(func.count()).select_from(Run).where(*where)) or 0
    rows = session.scalars(select(Run).where(*where).order_by(Run.id.desc()).limit(limit).offset(offset)).all()
    return RunPage(items=[summary(session, r) for r in rows], count=count)


def _visible_runs(session: Session, user: User | None, model_id: uuid.UUID | None, request: Request) -> list[Any]:
    """The filter of the runs a listing shows: the user's own, or a readable model's."""
    if model_id is None:
        return [Run.owner_id == current_user(user, request).id]  # 401 for anonymous callers
    model: SavedModel = load_model(session, user, model_id)
    where: list[Any] = [Run.model_id == model_id]
    owners = policy.readable_run_owners(user, model)
    if owners is not None:
        where.append(Run.owner_id.in_(owners))
    return where


_ID = re.compile(r"[0-9]{1,10}")  # MAX_ID has 10 digits; int() of an unbounded string is itself work


def _id(text: str) -> int | None:
    """A row id written in ASCII digits, within the ids' bounds (deps.MAX_ID); else None."""
    text = text.strip()
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def _ids(ids: str) -> list[int]:
    parts = [x for x in ids.split(",", MAX_COMPARE + 1) if x.strip()]
    if not parts or len(parts) > MAX_COMPARE:
        raise field_error(["query", "ids"], f"ids: give between 1 and {MAX_COMPARE} run ids")
    parsed = [_id(x) for x in parts]
    if None in parsed:
        raise field_error(["query", "ids"], f"ids: a comma-separated list of run ids from 1 to {MAX_ID}, such as 1,2,3")
    return list(dict.fromkeys(i for i in parsed if i is not None))


@router.get(
    "/compare", response_model=Comparison, summary="Compare runs: final metrics, curves, differing hyperparameters"
)
def compare_runs(
    session: SessionDep, user: OptionalUser, ids: Annotated[str, Query(description="comma-separated run ids")]
) -> Comparison:
    return compare(session, [load_run(session, user, i) for i in _ids(ids)])


@router.get("/{run_id}", response_model=RunRead, summary="One run: status, config and metrics")
def get_run(run_id: IdPath, session: SessionDep, user: OptionalUser) -> RunRead:
    return read(session, load_run(session, user, run_id))


@router.delete("/{run_id}", response_model=RunRead, summary="cancel a queued or running run")
def cancel_run(run_id: IdPath, session: SessionDep, runner: RunnerDep, user: CurrentUser) -> RunRead:
    load_run(session, user, run_id, manage=True)
    try:
        runner.cancel(run_id)
    except RunNotFound:
        raise run_not_found(run_id) from None
    except RunConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    session.expire_all()
    return read(session, load_run(session, user, run_id))


class RunAttach(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_id: uuid.UUID = Field(description="the saved model the run's unsaved draft was saved as")


@router.patch(
    "/{run_id}",
    response_model=RunRead,
    summary="Attach a run started from an unsaved draft to the model the draft was saved as",
    responses={409: {"description": "The run already belongs to another model"}},
)
def attach_run(run_id: IdPath, body: RunAttach, session: SessionDep, user: CurrentUser) -> RunRead:
    """A run belongs to the model it trained: one started from an unsaved draft (no model_id)
    joins the model once the draft is saved, as the model's version of that moment (the first,
    when the draft's runs are attached on its first save). Your own run, onto a model you may
    edit; a run of another model stays where it is (409). Attaching it again to the same model
    changes nothing."""
    run = load_run(session, user, run_id, manage=True)
    model = load_model(session, user, body.model_id, policy.can_edit_model)
    if run.model_id is not None and run.model_id != body.model_id:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"run {run_id} belongs to another model: a run stays with the model it trained",
        )
    if run.model_id is None:
        run.model_id = body.model_id
        run.model_version = model.version
    session.commit()
    return read(session, run)


def _sse(event: Event) -> str:
    return f"id: {event.seq}\nevent: {event.type}\ndata: {json.dumps(event.as_dict(), allow_nan=False)}\n\n"


def _stored_after(request: Request, run_id: int, after: int) -> list[Event]:
    with request.app.state.sessionmaker() as session:
        return list(stored_events(session, run_id, after))


@router.get(
    "/{run_id}/events",
    summary="The run's events as server-sent events: the stored ones, then live ones, until it finishes",
    description="Each message: `id: <seq>`, `event: <type>` (queued, started, progress, epoch, fit, confusion, "
    "finished) and `data: <the event as JSON>`. The stream ends after the `finished` event. A reconnecting "
    "client's `Last-Event-ID` header skips what it has seen.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    run_id: IdPath,
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    def status_of() -> str:
        run_status = load_run(session, user, run_id).status
        # The stream may last for hours: it must not hold a database connection all along.
        session.close()
        return run_status

    run_status = await run_in_threadpool(status_of)
    # An id we never sent (garbage, or too large to be one) is ignored: the stream starts over.
    after = (_id(last_event_id) or 0) if last_event_id else 0
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()

    # The events are read from the database, whichever process stored them; the feed wakes us
    # when there may be new ones (api.main: NOTIFY, polling, or this process's own worker).
    # Subscribed before the first read: nothing stored in between is missed.
    def wake() -> None:  # called from a feed thread
        loop.call_soon_threadsafe(woken.set)

    feed: EventFeed = request.app.state.events
    unsubscribe = feed.subscribe(run_id, wake)

    async def messages() -> AsyncIterator[str]:
        last = after
        try:
            for e in await run_in_threadpool(_stored_after, request, run_id, after):
                yield _sse(e)
                last = e.seq
                if e.type == "finished":
                    return
            if run_status in FINISHED_STATUSES:
                return  # the client has seen the end already (its Last-Event-ID is past it)
            while True:
                try:
                    await asyncio.wait_for(woken.wait(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    # Quiet for a while: a comment keeps proxies from closing the connection (and
                    # the store is read again, in case a wake-up was lost).
                    yield ": keep-alive\n\n"
                woken.clear()
                for e in await run_in_threadpool(_stored_after, request, run_id, last):
                    yield _sse(e)
                    last = e.seq
                    if e.type == "finished":
                        return
        finally:
            unsubscribe()

    return StreamingResponse(
        messages(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.get("/{run_id}/histograms", response_model=Histograms, summary="Weight histograms per parameter and epoch")
async def get_histograms(
    run_id: IdPath,
    session: SessionDep,
    runner: RunnerDep,
    cpu: CpuDep,
    user: OptionalUser,
    bins: Annotated[int, Query(ge=0, le=1000, description="equal-width bins; 0: TensorBoard's own buckets")] = 30,
) -> Histograms:
    await run_in_threadpool(load_run, session, user, run_id)
    params = await cpu.run(histograms, runner.run_dir(run_id) / "runs", bins=bins)  # reads every event file
    return Histograms(run_id=run_id, params=params)  # type: ignore[arg-type]


@router.get(
    "/{run_id}/log",
    response_class=Response,
    summary="The run's output (stdout and stderr)",
    responses={200: {"content": {"text/plain": {}}}},
)
async def get_log(run_id: IdPath, session: SessionDep, runner: RunnerDep, cpu: CpuDep, user: OptionalUser) -> Response:
    await run_in_threadpool(load_run, session, user, run_id)
    text = await cpu.run(_log_text, runner.run_dir(run_id) / "log.txt")
    return Response(text, media_type="text/plain; charset=utf-8", headers=attachment(f"run-{run_id}.log"))


def _log_text(path: Path) -> str:
    """The log as a client may read it: tracebacks in it name no host paths."""
    return redact_paths(path.read_text(encoding="utf-8", errors="replace")) if path.is_file() else ""


@router.get(
    "/{run_id}/checkpoint",
    response_class=FileResponse,
    summary="The last checkpoint (checkpoint.pt)",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_checkpoint(run_id: IdPath, session: SessionDep, runner: RunnerDep, user: OptionalUser) -> FileResponse:
    load_run(session, user, run_id)
    path = runner.run_dir(run_id) / "runs" / "checkpoint.pt"
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"run {run_id} has saved no checkpoint yet")
    return FileResponse(path, media_type="application/octet-stream", filename=f"run-{run_id}-checkpoint.pt")


@router.get(
    "/{run_id}/tensorboard",
    response_class=Response,
    summary="The TensorBoard event files, zipped",
    responses={200: {"content": {"application/zip": {}}}},
)
async def get_tensorboard(
    run_id: IdPath, session: SessionDep, runner: RunnerDep, cpu: CpuDep, user: OptionalUser
) -> Response:
    await run_in_threadpool(load_run, session, user, run_id)
    logdir = runner.run_dir(run_id) / "runs"
    files = sorted(logdir.glob("events.out.tfevents.*")) if logdir.is_dir() else []
    if not files:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"run {run_id} has written no TensorBoard events yet")
    data = await cpu.run(_zip_files, {f"run-{run_id}/{f.name}": f for f in files})
    return Response(data, media_type="application/zip", headers=attachment(f"run-{run_id}-tensorboard.zip"))


PROJECT_FILES = ("model.py", "train.py", "requirements.txt", "README.md")


@router.get(
    "/{run_id}/files",
    response_class=Response,
    summary="The generated project that ran, zipped",
    responses={200: {"content": {"application/zip": {}}}},
)
async def get_files(
    run_id: IdPath, session: SessionDep, runner: RunnerDep, cpu: CpuDep, user: OptionalUser
) -> Response:
    run = await run_in_threadpool(load_run, session, user, run_id)
    folder = runner.run_dir(run_id)
    top = await cpu.run(_project_folder, run)
    entries = {f"{top}/{n}": folder / n for n in PROJECT_FILES if (folder / n).is_file()}
    if not entries:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"the files of run {run_id} are gone")
    data = await cpu.run(_zip_files, entries)
    return Response(data, media_type="application/zip", headers=attachment(f"{top}-run-{run_id}.zip"))


def _project_folder(run: Run) -> str:
    """The zip's top folder: named after the model class, as the code download's is."""
    try:
        return safe_name(model_class_name(Graph.model_validate(run.graph)).lower())
    except ValidationError:
        return f"run-{run.id}"

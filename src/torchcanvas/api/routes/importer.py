"""Import a model as a graph document: a torchvision classification model by name, or pasted source.

A torchvision model's weights are built on the meta device, so an import costs neither their
memory nor their initialisation, whatever the model's size. Pasted source is run (building a
module executes its file), so it is off unless the admin turns it on, and then it runs in a
child process with limits, never in the server's (importer/sandbox.py; see the README).
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.concurrency import run_in_threadpool

from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.work import CpuDep, server_busy
from torchcanvas.auth.deps import CurrentUser
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import Issue
from torchcanvas.importer import ImportRefused, import_module
from torchcanvas.importer.config import ImportSettings
from torchcanvas.importer.sandbox import SourceImportFailed, import_source
from torchcanvas.importer.sources import SourceError, torchvision_input_shape, torchvision_models, torchvision_module
from torchcanvas.limits import Limits
from torchcanvas.shapes import check
from torchcanvas.shapes.result import IssueModel

router = APIRouter(prefix="/import", tags=["import"])

Source = Annotated[str, StringConstraints(pattern=r"^torchvision:[a-z0-9_]{1,40}$")]


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Source = Field(examples=["torchvision:resnet18"], description="torchvision:NAME, a classification model")
    # One sample's shape; the model's own (3x224x224, inception_v3 3x299x299) when left out.
    input_shape: list[Annotated[int, Field(ge=1, le=4096)]] | None = Field(default=None, min_length=1, max_length=3)


class Imported(BaseModel):
    graph: Graph
    params: int
    flops: int  # per sample
    issues: list[IssueModel] = []  # the check's warnings (errors refuse the import)


class ZooModel(BaseModel):
    name: str
    source: str
    input_shape: list[int]


def _import(request: ImportRequest, limits: Limits) -> Imported:
    name = request.source.split(":", 1)[1]
    try:
        module = torchvision_module(name, weights=False)
        warnings: list[Issue] = []
        graph = import_module(module, request.input_shape or torchvision_input_shape(name), warnings=warnings)
    except SourceError as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(e)) from e
    except ImportRefused as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=str(e)) from e
    result = check(graph, limits=limits)
    if not result.ok:
        detail = f"{request.source} imported, but its document does not check: {result.issues[0].message}"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=detail)
    issues = [IssueModel.of(w) for w in warnings] + result.issues
    return Imported(graph=graph, params=result.total_params, flops=result.total_flops, issues=issues)


@router.get("/torchvision", response_model=list[ZooModel], summary="torchvision's classification models")
async def zoo() -> list[ZooModel]:
    return [
        ZooModel(name=n, source=f"torchvision:{n}", input_shape=torchvision_input_shape(n))
        for n in torchvision_models()
    ]


@router.post(
    "",
    response_model=Imported,
    summary="Import a torchvision classification model as a graph",
    description="The document (blocks as module definitions, names and state_dict keys as torchvision's), with "
    "its params and FLOPs per sample. 404 for a name torchvision does not have; 422 with the blocking ops "
    "and their lines for a model the document cannot hold.",
    responses={404: {"description": "No such model"}, 422: {"description": "The model cannot be imported"}},
)
async def import_model(body: ImportRequest, cpu: CpuDep, settings: SettingsDep) -> Imported:
    return await cpu.run(_import, body, settings.limits)


class ImportOptions(BaseModel):
    source: bool  # whether this server imports pasted source
    max_source_chars: int


class SourceImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, description="Python source defining the model")
    name: str = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$",
        examples=["Net"],
        description="an nn.Module class constructible with no arguments, or a function returning a module",
    )
    input_shape: list[Annotated[int, Field(ge=1, le=4096)]] | None = Field(default=None, min_length=1, max_length=3)


class SourceImported(Imported):
    network_isolated: bool  # the import ran without network (a kernel that has namespaces)


_SOURCE_OFF = (
    "importing pasted source is turned off on this server: it runs the code on the server. "
    "Import a torchvision model instead, or run `torchcanvas import file.py:NAME` on your own machine "
    "and open the JSON; an admin can turn it on with TORCHCANVAS_IMPORTER__SOURCE=true"
)
_running: dict[int, threading.BoundedSemaphore] = {}  # per limit, in this process


def _slots(settings: ImportSettings) -> threading.BoundedSemaphore:
    return _running.setdefault(settings.max_concurrent, threading.BoundedSemaphore(settings.max_concurrent))


def _validated(made: dict[str, object], name: str, limits: Limits) -> Imported:
    try:
        graph = Graph.model_validate(made)
    except ValidationError as e:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"{name} imported into an invalid document: {e.errors()[0]['msg']}",
        ) from e
    result = check(graph, limits=limits)
    if not result.ok:
        detail = f"{name} imported, but its document does not check: {result.issues[0].message}"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)
    return Imported(graph=graph, params=result.total_params, flops=result.total_flops, issues=result.issues)


@router.get("/options", response_model=ImportOptions, summary="What this server imports")
async def options(settings: SettingsDep) -> ImportOptions:
    return ImportOptions(source=settings.importer.source, max_source_chars=settings.importer.max_source_chars)


@router.post(
    "/source",
    response_model=SourceImported,
    summary="Import a model from pasted Python source (off unless the admin turns it on)",
    description="Runs the source in a child process with time, memory and file limits and, where the kernel "
    "allows, no network. 403 when the server does not import source; 422 when the code fails, names nothing "
    "importable, or holds ops the document cannot (each named with its line); 503 when another import is running.",
    responses={
        403: {"description": "Turned off"},
        422: {"description": "Cannot be imported"},
        503: {"description": "Busy"},
    },
)
async def import_pasted(
    body: SourceImportRequest, user: CurrentUser, cpu: CpuDep, settings: SettingsDep
) -> SourceImported:
    config = settings.importer
    if not config.source:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=_SOURCE_OFF)
    if len(body.code) > config.max_source_chars:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"the source has {len(body.code):,} characters; this server imports at most {config.max_source_chars:,}",
        )
    slots = _slots(config)
    if not slots.acquire(blocking=False):
        raise server_busy("another import of pasted source is running")
    try:
        made = await run_in_threadpool(
            import_source, body.code, body.name, body.input_shape, config, settings.data_dir / "tmp"
        )
    except SourceImportFailed as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(e)) from e
    finally:
        slots.release()
    imported = await cpu.run(_validated, made.graph, body.name, settings.limits)
    return SourceImported(**imported.model_dump(), network_isolated=made.network_isolated)

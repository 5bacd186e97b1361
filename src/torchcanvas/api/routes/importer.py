"""Import a torchvision classification model as a graph document.

Only torchvision's own models, by name: importing pasted source would run someone's code in the
server (see the README). The model's weights are built on the meta device, so an import costs
neither their memory nor their initialisation, whatever the model's size.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.work import CpuDep
from torchcanvas.graph.model import Graph
from torchcanvas.importer import ImportRefused, import_module
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
        graph = import_module(module, request.input_shape or torchvision_input_shape(name))
    except SourceError as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(e)) from e
    except ImportRefused as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=str(e)) from e
    result = check(graph, limits=limits)
    if not result.ok:
        detail = f"{request.source} imported, but its document does not check: {result.issues[0].message}"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=detail)
    return Imported(graph=graph, params=result.total_params, flops=result.total_flops, issues=result.issues)


@router.get("/torchvision", response_model=list[ZooModel], summary="torchvision's classification models")
async def zoo() -> list[ZooModel]:
    return [ZooModel(name=n, source=f"torchvision:{n}", input_shape=torchvision_input_shape(n)) for n in torchvision_models()]


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

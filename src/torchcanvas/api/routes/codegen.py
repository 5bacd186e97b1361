"""Generated PyTorch source for a graph: model.py, train.py, requirements.txt, README.md."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from torchcanvas import codegen
from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.downloads import attachment, safe_name
from torchcanvas.api.work import CpuDep, body_schema, parse_body
from torchcanvas.graph.model import Graph
from torchcanvas.limits import Limits
from torchcanvas.shapes.result import IssueModel

router = APIRouter(prefix="/codegen", tags=["codegen"])


class Format(StrEnum):
    json = "json"
    zip = "zip"


class GeneratedFiles(BaseModel):
    files: dict[str, str]
    # Why some files are missing: model.py is always there for a sound model, train.py only when
    # the training config fits it (the code panel shows model.py while the user fixes the rest).
    issues: list[IssueModel] = []


def _generate(graph: Graph, format: Format, limits: Limits) -> GeneratedFiles | Response:
    if format is Format.json:
        files, issues = codegen.generate_files(graph, limits=limits)  # GraphError -> 422 with its issues (torchcanvas.api.errors)
        return GeneratedFiles(files=files, issues=[IssueModel.of(i) for i in issues])
    # codegen builds the zip (in memory) with its top folder named after the model class.
    filename = safe_name(codegen.model_class_name(graph).lower()) + ".zip"
    data = codegen.zip_project(graph, codegen.generate(graph, limits=limits))
    return Response(data, media_type="application/zip", headers=attachment(filename))


@router.post(
    "",
    response_model=GeneratedFiles,
    openapi_extra=body_schema(Graph),
    summary="Generate PyTorch code for a graph",
    description="JSON `{files: {name: text}, issues}` by default: model.py always, train.py and the rest only when "
    "the training config fits the model (else `issues` says why); with `?format=zip`, the whole project as a zip "
    "with one top folder named after the model, or 422 with the issues.",
    responses={
        200: {"content": {"application/zip": {}}},
        422: {"description": "The graph has errors: `{detail, issues: [{message, node, param, fix, module}]}`"},
    },
)
async def generate_code(
    request: Request, cpu: CpuDep, settings: SettingsDep, format: Format = Format.json
) -> GeneratedFiles | Response:
    graph = await parse_body(request, Graph, cpu)
    return await cpu.run(_generate, graph, format, settings.limits)

"""Generated PyTorch source for a graph: model.py, train.py, requirements.txt, README.md."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Response
from pydantic import BaseModel

from torchcanvas import codegen
from torchcanvas.api.downloads import attachment, safe_name
from torchcanvas.graph.model import Graph

router = APIRouter(prefix="/codegen", tags=["codegen"])


class Format(StrEnum):
    json = "json"
    zip = "zip"


class GeneratedFiles(BaseModel):
    files: dict[str, str]


@router.post(
    "",
    response_model=GeneratedFiles,
    summary="Generate PyTorch code for a graph",
    description="JSON `{files: {name: text}}` by default; with `?format=zip`, a zip with one top folder named after the model.",
    responses={
        200: {"content": {"application/zip": {}}},
        422: {"description": "The graph has errors: `{detail, issues: [{message, node, param, fix, module}]}`"},
    },
)
def generate_code(graph: Graph, format: Format = Format.json) -> GeneratedFiles | Response:
    files = codegen.generate(graph)  # GraphError -> 422 with its issues (torchcanvas.api.errors)
    if format is Format.zip:
        # codegen builds the zip (in memory) with its top folder named after the model class.
        filename = safe_name(codegen.model_class_name(graph).lower()) + ".zip"
        return Response(codegen.zip_project(graph, files), media_type="application/zip", headers=attachment(filename))
    return GeneratedFiles(files=files)

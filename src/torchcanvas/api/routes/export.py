"""Exports of a graph's model to other formats."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from torchcanvas import codegen
from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.downloads import attachment, safe_name
from torchcanvas.api.work import CpuDep, body_schema, parse_body
from torchcanvas.graph.model import Graph
from torchcanvas.settings import Settings

router = APIRouter(prefix="/export", tags=["export"])


@router.post(
    "/onnx",
    response_class=Response,
    openapi_extra=body_schema(Graph),
    summary="Export the model to ONNX",
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The .onnx file"},
        422: {"description": "The graph has errors: `{detail, issues: [{message, node, param, fix, module}]}`"},
    },
)
async def export_onnx(request: Request, cpu: CpuDep, settings: SettingsDep) -> Response:
    graph = await parse_body(request, Graph, cpu)
    data = await cpu.run(_export, graph, settings)  # GraphError or LimitExceeded -> 422
    filename = safe_name(codegen.model_class_name(graph).lower()) + ".onnx"  # as the code zip is named
    return Response(data, media_type="application/octet-stream", headers=attachment(filename))


def _export(graph: Graph, settings: Settings) -> bytes:
    return codegen.export_onnx(graph, limits=settings.limits)

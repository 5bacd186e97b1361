"""Exports of a graph's model to other formats."""

from __future__ import annotations

from fastapi import APIRouter, Response

from torchcanvas import codegen
from torchcanvas.api.downloads import attachment, safe_name
from torchcanvas.graph.model import Graph

router = APIRouter(prefix="/export", tags=["export"])


@router.post(
    "/onnx",
    response_class=Response,
    summary="Export the model to ONNX",
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The .onnx file"},
        422: {"description": "The graph has errors: `{detail, issues: [{message, node, param, fix, module}]}`"},
    },
)
def export_onnx(graph: Graph) -> Response:
    data = codegen.export_onnx(graph)  # GraphError -> 422 with its issues
    filename = safe_name(codegen.model_class_name(graph).lower()) + ".onnx"  # as the code zip is named
    return Response(data, media_type="application/octet-stream", headers=attachment(filename))

"""Exports of a graph's model to other formats."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from torchcanvas import codegen
from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.downloads import attachment, safe_name
from torchcanvas.api.work import CpuDep, body_schema, parse_body
from torchcanvas.codegen.onnx_export import OnnxExport, Verification, export_verified
from torchcanvas.graph.model import Graph
from torchcanvas.settings import Settings

router = APIRouter(prefix="/export", tags=["export"])


@router.post(
    "/onnx",
    response_class=Response,
    openapi_extra=body_schema(Graph),
    summary="Export the model to ONNX",
    responses={
        200: {
            "content": {"application/octet-stream": {}},
            "description": "The .onnx file, verified with onnxruntime against the PyTorch model on random input; "
            "the X-Onnx-* headers give the exporter (dynamo or torchscript), the tolerances and the largest difference",
        },
        422: {"description": "The graph has errors: `{detail, issues: [{message, node, param, fix, module}]}`"},
    },
)
async def export_onnx(request: Request, cpu: CpuDep, settings: SettingsDep) -> Response:
    graph = await parse_body(request, Graph, cpu)
    exported = await cpu.run(_export, graph, settings)  # GraphError or LimitExceeded -> 422
    filename = safe_name(codegen.model_class_name(graph).lower()) + ".onnx"  # as the code zip is named
    headers = attachment(filename) | verification_headers(exported.verification)
    return Response(exported.data, media_type="application/octet-stream", headers=headers)


def verification_headers(v: Verification) -> dict[str, str]:
    """The verification report beside the file: how it was exported and how closely onnxruntime agreed."""
    return {
        "X-Onnx-Exporter": v.exporter,
        "X-Onnx-Max-Abs-Diff": f"{v.max_abs_diff:.3e}",
        "X-Onnx-Atol": f"{v.atol:g}",
        "X-Onnx-Rtol": f"{v.rtol:g}",
        "X-Onnx-Verification": v.summary(),
    }


def _export(graph: Graph, settings: Settings) -> OnnxExport:
    return export_verified(graph, limits=settings.limits)

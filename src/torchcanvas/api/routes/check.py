"""Shapes, params, FLOPs and located issues for a graph document, as the editor shows them live."""

from __future__ import annotations

from fastapi import APIRouter

from torchcanvas import shapes
from torchcanvas.graph.model import Graph
from torchcanvas.shapes.result import CheckResult

router = APIRouter(prefix="/check", tags=["check"])


@router.post("", response_model=CheckResult, summary="Check a graph: shapes, params, FLOPs and issues per node")
def check_graph(graph: Graph) -> CheckResult:
    # A sync route: FastAPI runs it in a worker thread, since the check is CPU work in torch.
    # Problems in the graph (unknown layer, bad param, cycle) are in the result, with 200.
    return shapes.check(graph)

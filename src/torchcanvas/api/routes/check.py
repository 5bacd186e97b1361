"""Shapes, params, FLOPs and located issues for a graph document, as the editor shows them live."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from torchcanvas import shapes
from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.work import CpuDep, body_schema, parse_body
from torchcanvas.graph.model import Graph
from torchcanvas.settings import Settings
from torchcanvas.shapes.result import CheckResult

router = APIRouter(prefix="/check", tags=["check"])


def _check(graph: Graph, settings: Settings) -> bytes:
    return shapes.check(graph, limits=settings.limits).model_dump_json().encode()


@router.post(
    "",
    response_model=CheckResult,
    openapi_extra=body_schema(Graph),
    summary="Check a graph: shapes, params, FLOPs and issues per node",
)
async def check_graph(request: Request, cpu: CpuDep, settings: SettingsDep) -> Response:
    # The editor calls this on every edit, so it skips FastAPI's generic path: the body goes
    # straight from bytes to the model (pydantic's JSON parser), and the result straight to
    # JSON bytes, with no intermediate dicts and no re-validation of the response. The check
    # runs in a worker (api/work.py): a big document takes seconds, and on the event loop it
    # would stall every other request meanwhile. Problems in the graph (unknown layer, bad
    # param, cycle) are in the result, 200; a document over a limit is a 422 (errors.py).
    graph = await parse_body(request, Graph, cpu)
    return Response(await cpu.run(_check, graph, settings), media_type="application/json")

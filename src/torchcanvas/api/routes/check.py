"""Shapes, params, FLOPs and located issues for a graph document, as the editor shows them live."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from torchcanvas import shapes
from torchcanvas.graph.model import Graph
from torchcanvas.shapes.result import CheckResult

router = APIRouter(prefix="/check", tags=["check"])

# The body is read and parsed by hand (below); this tells OpenAPI what it is.
_GRAPH_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Graph"}}}}
}


@router.post(
    "",
    response_model=CheckResult,
    openapi_extra=_GRAPH_BODY,
    summary="Check a graph: shapes, params, FLOPs and issues per node",
)
async def check_graph(request: Request) -> Response:
    # The editor calls this on every edit, so it skips FastAPI's generic path: the body goes
    # straight from bytes to the model (pydantic's JSON parser), and the result straight to
    # JSON bytes, with no intermediate dicts and no re-validation of the response. It runs on
    # the event loop: the check is a few ms of CPU under the GIL, where a thread would only add
    # switching. Problems in the graph (unknown layer, bad param, cycle) are in the result, 200.
    body = await request.body()
    try:
        graph = Graph.model_validate_json(body)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        raise RequestValidationError(errors, body=_parsed(body)) from None
    return Response(shapes.check(graph).model_dump_json(), media_type="application/json")


def _parsed(body: bytes) -> Any:
    """The body as JSON, for error messages that name the node; None if it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return None

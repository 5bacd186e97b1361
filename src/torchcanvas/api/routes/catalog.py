"""What the editor is built from: the registry (every layer, loss, optimizer, dataset, transform)
and the defaults a new document starts with. Each is declared once on the server and served."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Literal, get_args, get_origin

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from torchcanvas.catalog import Catalog, catalog
from torchcanvas.catalog.training import new_document
from torchcanvas.graph.model import Graph, TrainingConfig
from torchcanvas.runner.metrics import TRAINING_GROUPS, TRAINING_LABELS

router = APIRouter(tags=["catalog"])


@cache
def _catalog_json() -> tuple[bytes, str]:
    """The serialised catalog and its ETag, computed once per process (the catalog is static)."""
    body = json.dumps(catalog().model_dump(mode="json"), separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@router.get(
    "/catalog",
    response_model=Catalog,
    summary="The catalog of everything a user can place or choose",
    responses={304: {"description": "Not modified (the If-None-Match ETag matches)"}},
)
async def get_catalog(request: Request) -> Response:
    # Building the catalog imports torch and introspects it (seconds, once): off the event loop.
    body, etag = await run_in_threadpool(_catalog_json)
    # no-cache = revalidate each time; the ETag makes that a 304 while the server is unchanged.
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


class Defaults(BaseModel):
    graph: Graph = Field(description="an empty document: its name, schema version and training config")
    new_graph: Graph = Field(
        description="the document a new model starts from: an input, an output, and a data set and loss that fit them"
    )
    training_choices: dict[str, list[str]] = Field(
        description="the values of each TrainingConfig field that is one of a fixed few (device, init)"
    )
    training_labels: dict[str, str] = Field(
        description="training fields in the Training panel's words (training.lr: learning rate), as a comparison "
        "names them"
    )
    training_groups: dict[str, str] = Field(
        description="the choices whose params a path may name (training.optimizer.params.x: optimizer: x)"
    )


@cache
def _defaults() -> Defaults:
    choices = {
        name: [str(v) for v in get_args(field.annotation)]
        for name, field in TrainingConfig.model_fields.items()
        if get_origin(field.annotation) is Literal
    }
    return Defaults(
        graph=Graph(),
        new_graph=new_document(),
        training_choices=choices,
        training_labels=TRAINING_LABELS,
        training_groups=TRAINING_GROUPS,
    )


@router.get("/defaults", response_model=Defaults, summary="The defaults a new document starts with")
async def get_defaults() -> Defaults:
    # From the pydantic models' own defaults: the editor derives new documents from this, and
    # fills in what an older document leaves out, instead of keeping a copy.
    return _defaults()

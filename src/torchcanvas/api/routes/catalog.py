"""The registry, as the editor renders it: every layer, loss, optimizer, dataset, transform."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from torchcanvas.catalog import Catalog, catalog

router = APIRouter(prefix="/catalog", tags=["catalog"])


@cache
def _catalog_json() -> tuple[bytes, str]:
    """The serialised catalog and its ETag, computed once per process (the catalog is static)."""
    body = json.dumps(catalog().model_dump(mode="json"), separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@router.get(
    "",
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

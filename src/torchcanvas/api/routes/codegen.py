"""Generated PyTorch source for a graph: model.py, train.py, requirements.txt, README.md."""

from __future__ import annotations

import io
import posixpath
import zipfile
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


def zip_files(folder: str, files: dict[str, str]) -> bytes:
    """A zip, built in memory, holding ``files`` under one top folder."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in sorted(files.items()):
            # File names come from codegen, not the user; still, never let one climb out.
            rel = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
            if rel.startswith(".."):
                raise ValueError(f"codegen produced an unsafe file name: {name!r}")
            zf.writestr(f"{folder}/{rel}", text)
    return buf.getvalue()


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
        folder = safe_name(graph.name)
        return Response(zip_files(folder, files), media_type="application/zip", headers=attachment(f"{folder}.zip"))
    return GeneratedFiles(files=files)

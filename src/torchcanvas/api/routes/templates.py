"""Example graphs to start from: every JSON document in the examples folder.

The folder is ``src/torchcanvas/examples`` when it exists (what an installed package has),
else the repository's top-level ``examples/`` (``Settings.resolved_examples_dir``). A file is
either a graph document, or ``{"title", "description", "graph"}`` wrapping one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from fastapi import Path as PathParam
from pydantic import BaseModel, JsonValue, ValidationError

from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.work import CpuDep
from torchcanvas.graph.model import Graph

router = APIRouter(prefix="/templates", tags=["templates"])
log = logging.getLogger("torchcanvas.api")


class Template(BaseModel):
    name: str  # the file name without .json; stable, used in /templates/{name}
    title: str
    description: str
    graph: dict[str, JsonValue]


def _read(path: Path) -> Template | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        wrapped = isinstance(doc, dict) and isinstance(doc.get("graph"), dict)
        graph = Graph.model_validate(doc["graph"] if wrapped else doc)
    except (OSError, ValueError, ValidationError) as exc:
        # A broken example is a bug in the repository, not the user's; keep serving the rest.
        log.warning("skipping example %s: %s", path, exc)
        return None
    title = (doc.get("title") if wrapped else None) or graph.name
    description = (doc.get("description") if wrapped else None) or graph.description
    return Template(name=path.stem, title=str(title), description=str(description), graph=graph.model_dump(mode="json"))


def load_templates(folder: Path) -> list[Template]:
    if not folder.is_dir():
        return []
    found = (_read(p) for p in sorted(folder.glob("*.json")))
    return [t for t in found if t is not None]


@router.get("", response_model=list[Template], summary="Every example graph")
async def list_templates(settings: SettingsDep, cpu: CpuDep) -> list[Template]:
    # Every example validated on each call: tens of ms of CPU, kept off the loop.
    return await cpu.run(load_templates, settings.resolved_examples_dir)


@router.get("/{name}", response_model=Template, summary="One example graph")
def get_template(
    name: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_.\-]{1,100}$")], settings: SettingsDep
) -> Template:
    folder = settings.resolved_examples_dir
    # Looked up among the folder's files, never joined into a path from user input.
    path = next((p for p in folder.glob("*.json") if p.stem == name), None) if folder.is_dir() else None
    template = _read(path) if path else None
    if template is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no template named {name!r}")
    return template

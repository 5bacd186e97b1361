"""Generated PyTorch source for a graph: model.py, train.py, requirements.txt, README.md."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from torchcanvas import codegen
from torchcanvas.api.access import load_dataset
from torchcanvas.api.deps import SessionDep, SettingsDep
from torchcanvas.api.downloads import attachment, safe_name
from torchcanvas.api.work import CpuDep, body_schema, parse_body
from torchcanvas.auth.deps import OptionalUser
from torchcanvas.datasets import store
from torchcanvas.graph.model import Graph
from torchcanvas.limits import Limits
from torchcanvas.shapes.result import IssueModel

router = APIRouter(prefix="/codegen", tags=["codegen"])


class Format(StrEnum):
    json = "json"
    zip = "zip"


class GeneratedFiles(BaseModel):
    files: dict[str, str]
    # Why some files are missing: model.py is always there for a sound model, train.py only when
    # the training config fits it (the code panel shows model.py while the user fixes the rest).
    issues: list[IssueModel] = []


def _generate(graph: Graph, format: Format, limits: Limits) -> GeneratedFiles | Response:
    if format is Format.json:
        files, issues = codegen.generate_files(
            graph, limits=limits
        )  # GraphError -> 422 with its issues (torchcanvas.api.errors)
        return GeneratedFiles(files=files, issues=[IssueModel.of(i) for i in issues])
    # codegen builds the zip (in memory) with its top folder named after the model class.
    filename = safe_name(codegen.model_class_name(graph).lower()) + ".zip"
    data = codegen.zip_project(graph, codegen.generate(graph, limits=limits))
    return Response(data, media_type="application/zip", headers=attachment(filename))


@router.post(
    "",
    response_model=GeneratedFiles,
    openapi_extra=body_schema(Graph),
    summary="Generate PyTorch code for a graph",
    description="JSON `{files: {name: text}, issues}` by default: model.py always, train.py and the rest only when "
    "the training config fits the model (else `issues` says why); with `?format=zip`, the whole project as a zip "
    "with one top folder named after the model, or 422 with the issues.",
    responses={
        200: {"content": {"application/zip": {}}},
        422: {"description": "The graph has errors: `{detail, issues: [{message, node, param, fix, module}]}`"},
    },
)
async def generate_code(
    request: Request,
    cpu: CpuDep,
    settings: SettingsDep,
    session: SessionDep,
    user: OptionalUser,
    format: Format = Format.json,
    include_data: Annotated[
        bool, Query(description="with format=zip: the uploaded data set the config reads, in its --data-root folder")
    ] = False,
) -> GeneratedFiles | Response:
    graph = await parse_body(request, Graph, cpu)
    dataset_id = store.chosen_id(graph.training.dataset.params)
    if not (include_data and format is Format.zip and dataset_id is not None):
        return await cpu.run(_generate, graph, format, settings.limits)
    row = load_dataset(session, user, dataset_id)  # 404 unless the caller may read it
    if row.bytes > settings.datasets.max_project_data_bytes:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            detail=f"data set {row.name!r} is {row.bytes:,} bytes, over the {settings.datasets.max_project_data_bytes:,} "
            "a project zip may carry; download the project without the data",
        )
    response = await cpu.run(_generate, graph, format, settings.limits)
    assert isinstance(response, Response)
    incoming = store.incoming_dir(settings.data_dir)
    out = incoming / f"{uuid.uuid4().hex}.zip"
    root = str(graph.training.dataset.params.get("root") or row.name)

    def build() -> None:
        incoming.mkdir(parents=True, exist_ok=True)
        store.zip_with_data(bytes(response.body), root, store.dataset_dir(settings.data_dir, row.id), out)

    try:
        await cpu.run(build)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return FileResponse(
        out,
        media_type="application/zip",
        headers={"Content-Disposition": response.headers["content-disposition"]},
        background=BackgroundTask(out.unlink, missing_ok=True),
    )

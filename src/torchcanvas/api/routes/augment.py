"""Before/after samples of an augmentation pipeline, for the dataset panel.

The pictures come from ``torchcanvas.catalog.preview.preview``, which builds the same
torchvision.transforms.v2 pipeline as the generated train.py. It checks the dataset and the
transforms itself; its GraphError (unknown type, bad param) becomes a 422 with located issues.
"""

from __future__ import annotations

import base64
import io
import threading
from pathlib import Path

from fastapi import APIRouter
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from torchcanvas.api.access import load_dataset
from torchcanvas.api.deps import SessionDep, SettingsDep
from torchcanvas.api.errors import field_error
from torchcanvas.api.work import CpuDep
from torchcanvas.auth.deps import OptionalUser
from torchcanvas.catalog.preview import preview
from torchcanvas.datasets import store
from torchcanvas.db.models import Dataset
from torchcanvas.graph.model import Choice
from torchcanvas.limits import Limits

router = APIRouter(prefix="/augment", tags=["augment"])

# Random transforms draw from torch's global generator, which preview() seeds and restores.
# Two previews at once in the thread pool would interleave their draws, so the same seed could
# give different pictures: run them one at a time.
_PREVIEW_LOCK = threading.Lock()


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: Choice
    transforms: list[Choice] = Field(default_factory=list, max_length=64)
    n: int = Field(default=8, ge=1, description="How many samples; at most the server's max_preview_images")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class PreviewPair(BaseModel):
    before: str = Field(description="data:image/png;base64,...")
    after: str = Field(description="data:image/png;base64,...")


class PreviewResponse(BaseModel):
    pairs: list[PreviewPair]


def png_data_url(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@router.post(
    "/preview",
    response_model=PreviewResponse,
    summary="Sample images before and after the transforms",
    responses={
        422: {
            "description": "Unknown dataset or transform, or a bad param: `{detail, issues: [{message, param, fix}]}`"
        }
    },
)
async def augment_preview(
    body: PreviewRequest, settings: SettingsDep, cpu: CpuDep, session: SessionDep, user: OptionalUser
) -> PreviewResponse:
    if body.n > settings.max_preview_images:
        raise field_error(["body", "n"], f"n: at most {settings.max_preview_images} samples per preview")
    dataset_id = store.chosen_id(body.dataset.params)
    folder = None
    if body.dataset.type == "ImageFolder" and dataset_id is not None:
        row = load_dataset(session, user, dataset_id)  # an uploaded data set: 404 unless readable
        if row.kind == "images":
            folder = (settings.data_dir, row)
    return await cpu.run(_preview, body, settings.limits, folder)


def _preview(body: PreviewRequest, limits: Limits, uploaded: tuple[Path, Dataset] | None = None) -> PreviewResponse:
    images = store.sample_images(*uploaded) if uploaded is not None else None
    with _PREVIEW_LOCK:
        samples = preview(body.dataset, body.transforms, n=body.n, seed=body.seed, limits=limits, images=images)
    return PreviewResponse(pairs=[PreviewPair(before=png_data_url(b), after=png_data_url(a)) for b, a in samples])

"""Before/after samples of an augmentation pipeline, for the dataset panel.

The pictures come from ``torchcanvas.catalog.preview.preview``, which builds the same
torchvision.transforms.v2 pipeline as the generated train.py. It checks the dataset and the
transforms itself; its GraphError (unknown type, bad param) becomes a 422 with located issues.
"""

from __future__ import annotations

import base64
import io
import threading

from fastapi import APIRouter
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.errors import field_error
from torchcanvas.api.work import CpuDep
from torchcanvas.catalog.preview import preview
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
async def augment_preview(body: PreviewRequest, settings: SettingsDep, cpu: CpuDep) -> PreviewResponse:
    if body.n > settings.max_preview_images:
        raise field_error(["body", "n"], f"n: at most {settings.max_preview_images} samples per preview")
    return await cpu.run(_preview, body, settings.limits)


def _preview(body: PreviewRequest, limits: Limits) -> PreviewResponse:
    with _PREVIEW_LOCK:
        samples = preview(body.dataset, body.transforms, n=body.n, seed=body.seed, limits=limits)
    return PreviewResponse(pairs=[PreviewPair(before=png_data_url(b), after=png_data_url(a)) for b, a in samples])

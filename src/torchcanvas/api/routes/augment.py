"""Before/after samples of an augmentation pipeline, for the dataset panel.

The pictures come from ``torchcanvas.catalog.preview.preview``, which applies the same
torchvision.transforms.v2 objects that the generated train.py builds.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from torchcanvas.api.deps import SettingsDep
from torchcanvas.api.errors import field_error
from torchcanvas.catalog import ParamError, Spec, catalog, resolve_params
from torchcanvas.graph.model import Choice

router = APIRouter(prefix="/augment", tags=["augment"])


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


def _png_data_url(image: Any) -> str:
    if not hasattr(image, "save"):  # a tensor: a pipeline that ends in ToImage/ToDtype
        from torchvision.transforms.v2.functional import to_pil_image

        image = to_pil_image(image)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _check_choice(choice: Choice, specs: dict[str, Any], kind: str, loc: list[str | int]) -> None:
    """Unknown types and bad params become a 422 naming the field, before any image is loaded."""
    spec: Spec | None = specs.get(choice.type)
    if spec is None:
        known = ", ".join(sorted(specs)) or "none yet"
        raise field_error([*loc, "type"], f"unknown {kind} '{choice.type}'; known: {known}")
    _, errors = resolve_params(spec, choice.params)
    if errors:
        e = errors[0]
        raise field_error([*loc, "params", e.param], f"{choice.type}.{e.param}: {e.message} ({e.fix})")


@router.post("/preview", response_model=PreviewResponse, summary="Sample images before and after the transforms")
def augment_preview(body: PreviewRequest, settings: SettingsDep) -> PreviewResponse:
    if body.n > settings.max_preview_images:
        raise field_error(["body", "n"], f"n: at most {settings.max_preview_images} samples per preview")
    cat = catalog()
    _check_choice(body.dataset, cat.datasets, "dataset", ["body", "dataset"])
    for i, t in enumerate(body.transforms):
        _check_choice(t, cat.transforms, "transform", ["body", "transforms", i])

    # Imported here: it pulls in torchvision datasets, which the rest of the API never needs.
    from torchcanvas.catalog.preview import preview

    try:
        samples = preview(body.dataset, body.transforms, n=body.n, seed=body.seed)
    except ParamError as e:
        raise field_error(["body", "transforms"], f"{e.param}: {e.message} ({e.fix})") from e
    return PreviewResponse(pairs=[PreviewPair(before=_png_data_url(b), after=_png_data_url(a)) for b, a in samples])

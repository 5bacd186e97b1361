"""An input, as the model sees it: an upload, drawn pixels, a vector or a test-set sample, brought
to the data set's stored form and passed through the run's test pipeline (the data set's
conversion to a float image in [0, 1], then the chosen test transforms) — the pipeline train.py's
``test_transform`` is, built from the same resolved choices.

Every step is described in the words of the generated code, so the user sees exactly what
happened to their image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image, UnidentifiedImageError

from torchcanvas.catalog.training import transform_kwargs
from torchcanvas.codegen.data_py import transform_call
from torchcanvas.inference.data import InputKind, NoTestSet, Sample, pixels_to_stored, test_set, to_stored_image
from torchcanvas.inference.loaded import LoadedModel
from torchcanvas.limits import IMAGE_FORMATS


class BadInput(Exception):
    """The input cannot be used with this model; ``param`` names the field, the message the fix."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass
class Given:
    """One input, as a request gives it: exactly one of these."""

    image: bytes | None = None
    sample: int | None = None
    x: list[float] | None = None
    pixels: list[list[float]] | None = None
    pixel_max: float = 255.0


@dataclass
class Prepared:
    x: torch.Tensor  # (N, *sample_shape): N = 1, or the crops of a multi-image transform
    steps: list[str]
    sample: int | None = None
    label: int | None = None
    target: list[float] | None = None
    mask: torch.Tensor | None = None  # a segmentation test sample's true mask, through the same pipeline


def open_image(data: bytes, max_bytes: int, max_pixels: int) -> Image.Image:
    """The upload as a decoded image, refusing before decoding what is too large."""
    if not data:
        raise BadInput("image", "the upload is empty (0 bytes); choose an image file (PNG, JPEG, GIF, BMP or WebP)")
    if len(data) > max_bytes:
        raise BadInput("image", f"the upload is {len(data):,} bytes; images up to {max_bytes:,} bytes are accepted")
    try:
        img = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)  # lazy: reads the header only
    except Image.DecompressionBombError:  # PIL's own guard, past twice its MAX_IMAGE_PIXELS
        raise BadInput(
            "image",
            f"the image claims far more pixels than this server decodes; at most "
            f"{max_pixels:,} pixels are accepted: shrink it first",
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise BadInput(
            "image", "the upload is not an image this server reads; use PNG, JPEG, GIF, BMP or WebP"
        ) from None
    width, height = img.size
    if width * height > max_pixels:
        raise BadInput(
            "image",
            f"the image is {width}x{height} pixels; at most {max_pixels:,} pixels are accepted: shrink it first",
        )
    try:
        img.load()  # now decode; a truncated file fails here
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise BadInput("image", "the image file is damaged or truncated; save it again and retry") from None
    return img


def _pipeline(loaded: LoadedModel) -> tuple[Any, list[str]]:
    from torchvision.transforms import v2

    steps = ["v2.ToImage()", "v2.ToDtype(torch.float32, scale=True)"]
    transforms: list[Any] = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
    ds = loaded.training.dataset
    if ds.spec.type == "ImageFolder":
        size = int(ds.values["image_size"])  # type: ignore[arg-type]
        steps.insert(1, f"v2.Resize(({size}, {size}))")
        transforms.insert(1, v2.Resize((size, size)))
    for t in loaded.training.test_transforms:
        transforms.append(getattr(v2, t.spec.type)(**transform_kwargs(t.spec.type, t.values)))
        steps.append(transform_call(t))
    return v2.Compose(transforms), steps


def _stored_image(loaded: LoadedModel, img: Image.Image) -> tuple[torch.Tensor, str]:
    kind = loaded.kind
    colour = "grey" if kind.channels == 1 or kind.grey else "RGB"
    if loaded.training.dataset.spec.type == "ImageFolder":  # its pipeline resizes, as train.py's does
        return to_stored_image(img, InputKind(True, kind.channels, (img.size[1], img.size[0]))), f"as {colour}"
    h, w = kind.size
    stored = to_stored_image(img, kind)
    how = f"as {colour}, {img.size[0]}x{img.size[1]} resized to the data set's {w}x{h}"
    if loaded.training.dataset.spec.type == "LFWFaces":
        how += " (its faces are grey, repeated into 3 channels)"
    return stored, how


def _vector(loaded: LoadedModel, values: torch.Tensor, param: str) -> torch.Tensor:
    shape = loaded.kind.sample_shape
    need = 1
    for d in shape:
        need *= d
    if values.numel() != need:
        raise BadInput(
            param, f"{param} has {values.numel()} numbers; this model takes {need} (one sample of shape {tuple(shape)})"
        )
    if not torch.isfinite(values).all():
        raise BadInput(param, f"{param} holds NaN or infinity; give finite numbers")
    return values.float().reshape(shape)


def prepare(loaded: LoadedModel, given: Given, *, max_bytes: int, max_pixels: int, data_folder: Any = None) -> Prepared:
    kind = loaded.kind
    ds = loaded.training.dataset
    sample: Sample | None = None
    if given.sample is not None:
        try:
            ts = test_set(ds.spec, ds.values, loaded.training.config.seed, data_folder)
        except NoTestSet as e:
            raise BadInput("sample", f"{e}; upload an image instead") from None
        if not 0 <= given.sample < len(ts):
            raise BadInput(
                "sample",
                f"sample {given.sample} is out of range: the test set has {len(ts)} samples (0 to {len(ts) - 1})",
            )
        sample = ts.sample(given.sample)
        raw, source = sample.raw, f"test sample {given.sample} of {ds.spec.type}, as the data set stores it"
    elif given.image is not None:
        if not kind.image:
            raise BadInput("image", f"this model takes numbers ({ds.spec.type}), not an image; send x instead")
        img = open_image(given.image, max_bytes, max_pixels)
        raw, how = _stored_image(loaded, img)
        source = f"the uploaded image {how}"
    elif given.pixels is not None:
        pixels = torch.tensor(given.pixels, dtype=torch.float32)
        if pixels.dim() != 2 or pixels.numel() == 0 or pixels.shape[0] * pixels.shape[1] > max_pixels:
            raise BadInput("pixels", "pixels must be a non-empty grid of rows of equal length (a grey image)")
        if not torch.isfinite(pixels).all():
            raise BadInput("pixels", "pixels holds NaN or infinity; give finite numbers")
        if ds.spec.type == "DigitsRows":  # the model takes the rows themselves, in 0..1
            if tuple(pixels.shape) != kind.size:
                pixels = pixels_to_stored(pixels, given.pixel_max, kind)[0].float() * (given.pixel_max / 255)
            x = (pixels.clamp(0, given.pixel_max) / given.pixel_max).reshape(kind.sample_shape)
            return Prepared(
                x.unsqueeze(0),
                [f"the drawn {kind.size[0]}x{kind.size[1]} intensities / {given.pixel_max:g}, one row per step"],
            )
        if not kind.image:
            raise BadInput("pixels", f"this model takes numbers ({ds.spec.type}), not an image; send x instead")
        raw = pixels_to_stored(pixels, given.pixel_max, kind)
        source = (
            f"the drawn {pixels.shape[1]}x{pixels.shape[0]} intensities (0 to {given.pixel_max:g}) scaled to "
            f"0..255 and brought to the data set's {kind.size[1]}x{kind.size[0]}"
        )
    elif given.x is not None:
        x = _vector(loaded, torch.tensor(given.x, dtype=torch.float64), "x")
        return Prepared(x.unsqueeze(0), ["x as given, shaped " + str(tuple(kind.sample_shape))])
    else:
        raise BadInput(
            "body",
            "give an image (multipart field 'image'), a test sample ({\"sample\": 0}), "
            'drawn pixels ({"pixels": [[...]]}) or numbers ({"x": [...]})',
        )

    if not kind.image:  # a vector sample
        return Prepared(
            raw.float().unsqueeze(0),
            [source],
            given.sample,
            sample.label if sample else None,
            sample.target if sample else None,
        )
    pipeline, steps = _pipeline(loaded)
    from torchvision import tv_tensors

    if sample is not None and sample.mask is not None:  # the mask goes through the geometric transforms too
        image, mask = pipeline(tv_tensors.Image(raw), tv_tensors.Mask(sample.mask))
        return Prepared(
            image.as_subclass(torch.Tensor).float()[None],
            [source, *steps],
            given.sample,
            mask=mask.as_subclass(torch.Tensor),
        )
    out = pipeline(tv_tensors.Image(raw))
    x = torch.stack([torch.as_tensor(o) for o in out]) if isinstance(out, (tuple, list)) else torch.as_tensor(out)[None]
    return Prepared(
        x.as_subclass(torch.Tensor).float(),
        [source, *steps],
        given.sample,
        sample.label if sample else None,
        sample.target if sample else None,
    )

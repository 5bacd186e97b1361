"""Augmentation preview: (before, after) images of an offline image data set.

The pipeline is built from the same ``torchvision.transforms.v2`` classes and validated params as
the generated train.py (``getattr(v2, type)(**params)``; no exec or eval), after the same
conversion to a float image in [0, 1].
"""

from __future__ import annotations

from functools import cache
from typing import Any

import torch
from PIL import Image
from torchvision import tv_tensors
from torchvision.transforms import v2

from torchcanvas.catalog.spec import resolve_params
from torchcanvas.catalog.training import (
    EXCLUDED,
    MULTI_IMAGE,
    Resolved,
    _lengths,
    build_datasets,
    build_transforms,
    transform_kwargs,
)
from torchcanvas.graph.model import Choice
from torchcanvas.graph.validate import GraphError, Issue
from torchcanvas.limits import Limits

PREVIEW_DATASETS = ("Digits", "LFWFaces", "Shapes")


def build_pipeline(transforms: list[Resolved], image_size: int | None = None) -> v2.Compose:
    """The train.py pipeline: conversion to float in [0, 1] first, then the chosen transforms."""
    steps: list[Any] = [v2.ToImage()]
    if image_size is not None:
        steps.append(v2.Resize((image_size, image_size)))
    steps.append(v2.ToDtype(torch.float32, scale=True))
    steps += [getattr(v2, t.spec.type)(**transform_kwargs(t.spec.type, t.values)) for t in transforms]
    return v2.Compose(steps)


def resolve_transforms(transforms: list[Choice], field: str = "transforms") -> list[Resolved]:
    table = build_transforms()
    issues: list[Issue] = []
    out: list[Resolved] = []
    for i, c in enumerate(transforms):
        spec = table.get(c.type)
        if spec is None:
            issues.append(
                Issue(
                    f"unknown transform '{c.type}'",
                    param=f"{field}[{i}]",
                    fix=f"choose one of: {', '.join(sorted(table))}",
                )
            )
            continue
        values, errors = resolve_params(spec, c.params)
        errors += _lengths(spec, values)
        issues += [
            Issue(f"transform {c.type}: {e.message}", param=f"{field}[{i}].{e.param}", fix=e.fix) for e in errors
        ]
        out.append(Resolved(spec, values))
    if issues:
        raise GraphError(issues)
    return out


@cache
def offline_images(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (N, C, H, W) and labels, exactly as the generated train.py builds them."""
    if name == "Digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = torch.tensor(digits.images * (255 / 16)).round().to(torch.uint8).unsqueeze(1)
        return images, torch.tensor(digits.target)
    if name == "LFWFaces":
        import torch.nn.functional as F
        from skimage.data import lfw_subset

        faces = torch.tensor(lfw_subset(), dtype=torch.float32).unsqueeze(1)
        faces = F.interpolate(faces, size=(32, 32), mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
        images = (faces.clamp(0, 1) * 255).round().to(torch.uint8)
        return images, torch.cat([torch.ones(100), torch.zeros(100)]).long()
    raise KeyError(name)


def _to_pil(x: torch.Tensor) -> Image.Image:
    x = x.detach().float()
    if x.dtype != torch.uint8:
        x = (x.clamp(0, 1) * 255).round()
    arr = x.to(torch.uint8).permute(1, 2, 0).numpy()
    return Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr[:, :, :3])


def preview(
    dataset: Choice,
    transforms: list[Choice],
    n: int = 8,
    seed: int = 0,
    limits: Limits | None = None,
    images: torch.Tensor | None = None,
) -> list[tuple[Image.Image, Image.Image]]:
    """``n`` (before, after) pairs; a transform giving several images (TenCrop) shows the first.
    ``images``: uint8 (N, C, H, W) to use instead of the data set's own (an uploaded data set's).

    Raises LimitExceeded, before building anything, when a transform would make an image larger
    than ``limits.max_image_pixels``."""
    if images is None and dataset.type not in PREVIEW_DATASETS:
        why = EXCLUDED.get(dataset.type) or (
            "not an offline image data set" if dataset.type in build_datasets() else "unknown"
        )
        raise GraphError(
            [
                Issue(
                    f"no preview for dataset '{dataset.type}': {why}",
                    param="dataset",
                    fix=f"preview one of: {', '.join(PREVIEW_DATASETS)}",
                )
            ]
        )
    from torchcanvas.shapes.cost import check_pipeline, dataset_image

    check_pipeline(dataset_image(dataset), transforms, "transforms", limits or Limits())
    n = max(1, min(int(n), 64))
    pipeline = build_pipeline(resolve_transforms(transforms))
    plain = build_pipeline([])
    if dataset.type == "Shapes":
        multi = [t.type for t in transforms if t.type in MULTI_IMAGE]
        if multi:
            raise GraphError(
                [
                    Issue(
                        f"{multi[0]} makes several images of one, but a segmentation sample has one mask",
                        param="transforms",
                        fix="remove it, or use RandomCrop / CenterCrop",
                    )
                ]
            )
        return _shapes_preview(dataset, pipeline, plain, n, seed)
    if images is None:
        images, _ = offline_images(dataset.type)
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(images), generator=g)[:n]
    out = []
    with torch.random.fork_rng(devices=[]):  # v2 draws from the global generator; leave the server's alone
        torch.manual_seed(seed)
        for i in idx.tolist():
            img = tv_tensors.Image(images[i])
            after = pipeline(img)
            while isinstance(after, (tuple, list)):
                after = after[0]
            out.append((_to_pil(plain(img)), _to_pil(after)))
    return out


# The Use tab's class colours (web/src/inference/overlay.ts), background first.
_CLASS_RGB = torch.tensor([[0, 0, 0], [239, 68, 68], [34, 197, 94], [59, 130, 246]], dtype=torch.float32) / 255


@cache
def _shapes_images(
    size: int, shapes: tuple[str, ...], max_objects: int, noise: float
) -> tuple[torch.Tensor, torch.Tensor]:
    from torchcanvas.codegen.shapes import make_shapes

    images, masks, _, _ = make_shapes(64, size=size, shapes=shapes, max_objects=max_objects, noise=noise, seed=0)
    return images, masks


def _tinted(image: torch.Tensor, mask: torch.Tensor) -> Image.Image:
    """The image with each shape's pixels tinted by its class colour: the mask made visible."""
    x = image.detach().float().clamp(0, 1)
    x = x.repeat(3, 1, 1) if x.shape[0] == 1 else x[:3]
    colour = _CLASS_RGB[mask.clamp(0, len(_CLASS_RGB) - 1)].permute(2, 0, 1)  # (3, H, W)
    k = 0.45 * (mask > 0).float()
    return _to_pil(x * (1 - k) + colour * k)


def _shapes_preview(
    dataset: Choice, pipeline: v2.Compose, plain: v2.Compose, n: int, seed: int
) -> list[tuple[Image.Image, Image.Image]]:
    """Shapes images with their masks tinted in: a geometric transform moves both, a colour one the image only."""
    from torchcanvas.catalog.training import shape_classes

    spec = build_datasets()["Shapes"]
    values, errors = resolve_params(spec, dataset.params)
    if errors:
        raise GraphError([Issue(f"dataset Shapes: {e.message}", param=f"dataset.{e.param}", fix=e.fix) for e in errors])
    images, masks = _shapes_images(
        int(values["size"]),  # type: ignore[arg-type]
        tuple(shape_classes(values)),
        int(values["max_objects"]),  # type: ignore[arg-type]
        float(values["noise"]),  # type: ignore[arg-type]
    )
    idx = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:n]
    out = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for i in idx.tolist():
            img, mask = tv_tensors.Image(images[i]), tv_tensors.Mask(masks[i])
            after_img, after_mask = pipeline(img, mask)
            out.append((_tinted(plain(img), masks[i]), _tinted(after_img, after_mask.as_subclass(torch.Tensor))))
    return out

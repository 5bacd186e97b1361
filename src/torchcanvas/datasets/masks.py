"""Reading a segmentation data set from a zip of images and masks, or refusing it with reasons.

The layout (one top folder around it is allowed)::

    images/<name>.png        the pictures: PNG, JPEG, BMP, GIF, WebP or TIFF; grey or colour
    masks/<name>.png         one per image, same name (any image suffix on either side), same size:
                             a single-channel PNG (grey "L" or palette "P") whose pixel values are
                             the class ids, 0 for the background
    classes.txt              optional: one class name per line, line 1 for class 0 (background)

Masks must be PNG: a lossy format (JPEG) blurs the ids at every edge into classes that are not
there. Every image is converted to RGB; all pairs must share one size (a segmentation batch
stacks them).

Everything the central directory can tell (names with ``..``, absolute paths or backslashes,
symlinks, encrypted entries, the entry count, the uncompressed total and the compression ratio)
is refused before a byte is decompressed; each entry is then read with a bound of its declared
size, and each image's pixel count is checked from its header before it is decoded.
``MaskZipRefused`` lists every problem with the file it is about and the fix.

The own-data uploader stores what ``read_mask_zip`` returns; this module has no HTTP side.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import torch

from torchcanvas.datasets.zips import entry_problem
from torchcanvas.limits import IMAGE_FORMATS

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
JUNK = frozenset({"__MACOSX", "Thumbs.db", "desktop.ini", ".DS_Store"})
MAX_LISTED = 20


@dataclass(frozen=True)
class MaskZipLimits:
    max_entries: int = 20_000
    max_uncompressed_bytes: int = 512 * 1024 * 1024
    max_ratio: float = 100.0  # uncompressed / compressed, above 1 MiB: images do not compress like that
    max_pixels: int = 1024 * 1024  # per image
    max_classes: int = 256  # ids 0..255 fit an 8-bit mask


@dataclass
class Problem:
    message: str
    where: str = ""
    fix: str = ""


class MaskZipRefused(Exception):
    """Nothing was read. ``problems``: each with the file it is about and the fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        head = f"{first.where}: {first.message}" if first.where else first.message
        summary = head if len(problems) == 1 else f"the zip has {len(problems)} problems; the first: {head}"
        super().__init__(f"{summary}; {first.fix}" if first.fix else summary)


@dataclass
class MaskSet:
    images: torch.Tensor  # (N, 3, H, W) uint8
    masks: torch.Tensor  # (N, H, W) int64 class ids
    names: list[str]  # each pair's name (the image's stem), in sorted order
    num_classes: int  # the largest id + 1, or the length of classes.txt
    class_names: list[str] | None = None
    pixels_per_class: list[int] = field(default_factory=list)


def _refuse(message: str, where: str = "", fix: str = "") -> MaskZipRefused:
    return MaskZipRefused([Problem(message, where, fix)])


def _check_directory(zf: zipfile.ZipFile, zip_bytes: int, limits: MaskZipLimits) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise _refuse(
            f"the zip holds {len(infos):,} entries, over the limit of {limits.max_entries:,}",
            fix="upload fewer images",
        )
    bad = [Problem(f"the entry {why}", i.filename, "remove it") for i in infos if (why := entry_problem(i))]
    if bad:
        raise MaskZipRefused(bad[:MAX_LISTED])
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise _refuse(
            f"the zip expands to {total:,} bytes, over the limit of {limits.max_uncompressed_bytes:,} "
            "(a zip bomb, or a data set too big for this server)",
            fix="upload fewer or smaller images",
        )
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size / max(i.compress_size, 1) > limits.max_ratio:
            raise _refuse(
                f"the entry expands {i.file_size / max(i.compress_size, 1):,.0f} times, over the limit of "
                f"{limits.max_ratio:g} (a zip bomb: images do not compress like that)",
                i.filename,
                "remove it",
            )
    if total > 1024 * 1024 and total / max(zip_bytes, 1) > limits.max_ratio:
        raise _refuse(
            f"the zip expands {total / max(zip_bytes, 1):,.0f} times, over the limit of {limits.max_ratio:g} "
            "(a zip bomb: images do not compress like that)",
            fix="zip the images themselves",
        )
    return [i for i in infos if not i.is_dir() and not (set(PurePosixPath(i.filename).parts) & JUNK)]


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with zf.open(info) as f:
        data = f.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise _refuse("holds more bytes than the zip's directory says (a damaged zip)", info.filename)
    return data


def _layout(
    files: list[zipfile.ZipInfo],
) -> tuple[dict[str, zipfile.ZipInfo], dict[str, zipfile.ZipInfo], zipfile.ZipInfo | None]:
    """images and masks by stem, and classes.txt; one top folder around them is allowed."""
    parts = [PurePosixPath(i.filename).parts for i in files]
    tops = {p[0] for p in parts if len(p) > 1}
    strip = 1 if len(tops) == 1 and tops.pop() not in ("images", "masks") and all(len(p) > 1 for p in parts) else 0
    images: dict[str, zipfile.ZipInfo] = {}
    masks: dict[str, zipfile.ZipInfo] = {}
    classes = None
    problems: list[Problem] = []
    for info, p in zip(files, parts, strict=True):
        rel = p[strip:]
        if rel == ("classes.txt",):
            classes = info
            continue
        if len(rel) != 2 or rel[0] not in ("images", "masks"):
            problems.append(
                Problem("is outside the layout", info.filename, "put pictures in images/ and masks in masks/")
            )
            continue
        path = PurePosixPath(rel[1])
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            problems.append(Problem(f"is not an image ({path.suffix or 'no suffix'})", info.filename, "remove it"))
            continue
        table = images if rel[0] == "images" else masks
        if path.stem in table:
            problems.append(Problem(f"a second file named {path.stem}", info.filename, "give every pair its own name"))
        table[path.stem] = info
    if problems:
        raise MaskZipRefused(problems[:MAX_LISTED])
    return images, masks, classes


def _open(data: bytes, where: str, limits: MaskZipLimits):  # type: ignore[no-untyped-def]  # PIL.Image.Image
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)  # reads the header only
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refuse("is not an image this server reads", where, "save it as PNG") from None
    if img.size[0] * img.size[1] > limits.max_pixels:
        raise _refuse(
            f"is {img.size[0]}x{img.size[1]} pixels, over the limit of {limits.max_pixels:,}", where, "shrink it"
        )
    try:
        img.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _refuse("is damaged or truncated", where, "save it again") from None
    return img


def read_mask_zip(source: Path | bytes, limits: MaskZipLimits | None = None) -> MaskSet:
    """The pairs of a zip (a path or its bytes), or MaskZipRefused listing what is wrong."""
    limits = limits or MaskZipLimits()
    if isinstance(source, bytes):
        size = len(source)
        opened: io.BytesIO | Path = io.BytesIO(source)
    else:
        size, opened = Path(source).stat().st_size, Path(source)
    try:
        zf = zipfile.ZipFile(opened)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse("the upload is not a zip file", fix="zip the images/ and masks/ folders") from None
    with zf:
        files = _check_directory(zf, size, limits)
        images, masks, classes_info = _layout(files)
        if not images:
            raise _refuse(
                "the zip has no images/ folder with pictures", fix="add images/<name>.png and masks/<name>.png"
            )
        problems = [
            Problem("has no mask", images[s].filename, f"add masks/{s}.png (class ids as pixel values)")
            for s in sorted(images.keys() - masks.keys())
        ]
        problems += [
            Problem("has no image", masks[s].filename, f"add images/{s}.png, or remove the mask")
            for s in sorted(masks.keys() - images.keys())
        ]
        if problems:
            raise MaskZipRefused(problems[:MAX_LISTED])
        names = sorted(images)
        pictures, labels = [], []
        shape: tuple[int, int] | None = None
        for name in names:
            img = _open(_read(zf, images[name]), images[name].filename, limits)
            where = masks[name].filename
            if PurePosixPath(where).suffix.lower() != ".png":
                raise _refuse(
                    "is not a PNG: a lossy format changes the class ids at every edge", where, "save the mask as PNG"
                )
            mask = _open(_read(zf, masks[name]), where, limits)
            if mask.mode not in ("L", "P", "I;16", "I"):
                raise _refuse(
                    f"has {mask.mode} pixels; a mask has one channel of class ids",
                    where,
                    "save it as a grayscale (L) or palette (P) PNG whose pixel values are the class ids",
                )
            if mask.size != img.size:
                raise _refuse(
                    f"is {mask.size[0]}x{mask.size[1]} but its image is {img.size[0]}x{img.size[1]}",
                    where,
                    "give the mask its image's size",
                )
            if shape is None:
                shape = img.size
            elif img.size != shape:
                raise _refuse(
                    f"is {img.size[0]}x{img.size[1]} but the first image is {shape[0]}x{shape[1]}",
                    images[name].filename,
                    "resize every image and its mask to one size (masks with nearest-neighbour)",
                )
            pictures.append(torch.from_numpy(np.array(img.convert("RGB"))).permute(2, 0, 1))  # (3, H, W)
            ids = torch.from_numpy(np.array(mask).astype(np.int64))  # (H, W): a palette mask gives its indices
            if int(ids.max()) >= limits.max_classes:
                raise _refuse(
                    f"uses class id {int(ids.max())}; at most {limits.max_classes} classes (ids 0 to "
                    f"{limits.max_classes - 1}) are accepted",
                    where,
                    "number the classes 0, 1, 2, ... without gaps",
                )
            labels.append(ids)
        masks_t = torch.stack(labels)
        found = int(masks_t.max()) + 1
        class_names = None
        if classes_info is not None:
            text = _read(zf, classes_info).decode("utf-8", "replace")
            class_names = [line.strip() for line in text.splitlines() if line.strip()]
            if len(class_names) < found:
                raise _refuse(
                    f"names {len(class_names)} classes but the masks use ids up to {found - 1}",
                    classes_info.filename,
                    f"give one name per line for each of the {found} classes, the background first",
                )
            if len(class_names) > limits.max_classes:
                raise _refuse(
                    f"names {len(class_names)} classes; at most {limits.max_classes} are accepted",
                    classes_info.filename,
                    "merge classes",
                )
        n = len(class_names) if class_names else max(found, 2)
        return MaskSet(
            images=torch.stack(pictures),
            masks=masks_t,
            names=names,
            num_classes=n,
            class_names=class_names,
            pixels_per_class=torch.bincount(masks_t.flatten(), minlength=n).tolist(),
        )

"""A COCO-format detection set: a folder of images and one annotations JSON, checked before use.

The layout (what an upload unpacks to)::

    annotations.json        {"images": [...], "annotations": [...], "categories": [...]}
    images/0001.png ...     each image's ``file_name``, relative to the folder

COCO's own fields are read: ``images[i] = {id, file_name, width, height}``, ``annotations[j] =
{id, image_id, category_id, bbox: [x, y, width, height], iscrowd}``, ``categories[k] = {id, name}``.
Boxes become ``x1, y1, x2, y2`` in pixels, labels ``1..K`` in the order of the category ids (0 is the
background, as torchvision's detectors number them). Crowd annotations (``iscrowd: 1``) are left out,
as COCO's detection metric leaves them out of the positives.

Everything is bounded before it is done: the JSON's size before parsing, the counts before any
entry is read, a file name before any file is opened (relative, no ``..``, inside the folder once
resolved, so no symlink leads out). Problems are collected, each naming the entry and the fix; a
box partly outside its image is clipped to it and counted, one wholly outside is an error.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from torchcanvas.limits import IMAGE_FORMATS

ANNOTATIONS = "annotations.json"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\- ]{0,127}(/[A-Za-z0-9_][A-Za-z0-9_.\- ]{0,127}){0,7}")


@dataclass(frozen=True)
class CocoLimits:
    max_json_bytes: int = 64 * 1024 * 1024
    max_images: int = 100_000
    max_annotations: int = 1_000_000
    max_categories: int = 1_000
    max_side: int = 4096  # an image's declared width and height
    max_problems: int = 20  # listed in the error; the rest are counted


class CocoError(ValueError):
    """The set cannot be used; ``problems`` lists why, each naming the entry and the fix."""

    def __init__(self, problems: list[str], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        tail = f" (and {more} more)" if more else ""
        super().__init__(f"{len(problems) + more} problem(s) in the COCO set{tail}: " + "; ".join(problems))


@dataclass
class CocoImage:
    id: int
    path: Path
    width: int
    height: int
    boxes: torch.Tensor  # (k, 4) float32, x1 y1 x2 y2
    labels: torch.Tensor  # (k,) int64 in 1..K


@dataclass
class CocoSet:
    root: Path
    images: list[CocoImage]
    classes: list[str]  # label 1 is classes[0]
    clipped: int = 0  # boxes partly outside their image, clipped to it
    crowd: int = 0  # iscrowd annotations left out
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    def image(self, i: int) -> torch.Tensor:
        """Image ``i`` as uint8 (3, H, W); its size must be the one the JSON declares."""
        from PIL import Image

        entry = self.images[i]
        with Image.open(entry.path, formats=IMAGE_FORMATS) as img:
            if img.size != (entry.width, entry.height):
                raise CocoError(
                    [
                        f"image {entry.id} ({entry.path.name}) is {img.size[0]}x{img.size[1]} pixels but the JSON says "
                        f"{entry.width}x{entry.height}: fix its width and height in annotations.json"
                    ]
                )
            rgb = img.convert("RGB")
            data = torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8)
        return data.reshape(entry.height, entry.width, 3).permute(2, 0, 1).contiguous()


class _Problems:
    def __init__(self, limit: int) -> None:
        self.items: list[str] = []
        self.more = 0
        self.limit = limit

    def add(self, message: str) -> None:
        if len(self.items) < self.limit:
            self.items.append(message)
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.items:
            raise CocoError(self.items, self.more)


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _list(doc: dict[str, Any], key: str, limit: int) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise CocoError(
            [f"annotations.json has no '{key}' list: COCO's detection format has images, annotations and categories"]
        )
    if len(value) > limit:
        raise CocoError([f"annotations.json has {len(value):,} {key}; at most {limit:,} are accepted: split the set"])
    return value


def _file(root: Path, resolved_root: Path, name: Any, where: str, problems: _Problems) -> Path | None:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name.split("/"):
        problems.add(
            f"{where}: file_name {str(name)[:80]!r} is not a relative path inside the set (letters, digits, '_', '.', "
            "'-', ' ' and '/'; no '..', no leading '/'): rename the file"
        )
        return None
    path = root / name
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        problems.add(f"{where}: file {name!r} is not in the set: add it, or remove the image from annotations.json")
        return None
    if not real.is_relative_to(resolved_root) or not real.is_file():
        problems.add(f"{where}: file {name!r} leads outside the set (a link?): put the image itself in the folder")
        return None
    return path


def read_coco(root: Path, annotations: str = ANNOTATIONS, limits: CocoLimits | None = None) -> CocoSet:
    """The COCO set in ``root``; raises CocoError listing every problem found (up to max_problems)."""
    limits = limits or CocoLimits()
    resolved_root = root.resolve()
    ann_path = root / annotations
    try:
        size = ann_path.stat().st_size
    except OSError:
        raise CocoError(
            [f"there is no {annotations} in the set: add COCO's annotations file beside the images"]
        ) from None
    if size > limits.max_json_bytes:
        raise CocoError([f"{annotations} is {size:,} bytes; at most {limits.max_json_bytes:,} are accepted"])
    try:
        doc = json.loads(ann_path.read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        raise CocoError([f"{annotations} is not valid JSON ({str(e)[:120]}): export it again"]) from None
    if not isinstance(doc, dict):
        raise CocoError(
            [f"{annotations} holds a {type(doc).__name__}, not COCO's object with images, annotations, categories"]
        )
    images = _list(doc, "images", limits.max_images)
    anns = _list(doc, "annotations", limits.max_annotations)
    cats = _list(doc, "categories", limits.max_categories)
    problems = _Problems(limits.max_problems)

    # categories: ids -> labels 1..K in id order
    names: dict[int, str] = {}
    for k, c in enumerate(cats):
        cid = _int(c.get("id")) if isinstance(c, dict) else None
        name = c.get("name") if isinstance(c, dict) else None
        if cid is None or not isinstance(name, str) or not name.strip() or len(name) > 100:
            problems.add(f"categories[{k}]: needs an integer id and a name (1 to 100 characters)")
        elif cid in names:
            problems.add(f"categories[{k}]: id {cid} is used twice: give each category its own id")
        else:
            names[cid] = name.strip()
    if not cats:
        problems.add("categories is empty: a detection set needs at least one category")
    label_of = {cid: i + 1 for i, cid in enumerate(sorted(names))}

    # images
    entries: dict[int, tuple[Path, int, int]] = {}
    for k, im in enumerate(images):
        where = f"images[{k}]"
        if not isinstance(im, dict):
            problems.add(f"{where}: an image is an object with id, file_name, width and height")
            continue
        iid, w, h = _int(im.get("id")), _int(im.get("width")), _int(im.get("height"))
        if iid is None:
            problems.add(f"{where}: needs an integer id")
            continue
        where = f"images[{k}] (id {iid})"
        if iid in entries:
            problems.add(f"{where}: id {iid} is used twice: give each image its own id")
            continue
        if w is None or h is None or not (1 <= w <= limits.max_side and 1 <= h <= limits.max_side):
            problems.add(f"{where}: width and height must be integers from 1 to {limits.max_side}")
            continue
        path = _file(root, resolved_root, im.get("file_name"), where, problems)
        if path is not None:
            entries[iid] = (path, w, h)
    if not images:
        problems.add("images is empty: add the images and their entries")
    problems.raise_any()  # the annotations refer to images and categories: check those first

    boxes: dict[int, list[list[float]]] = {i: [] for i in entries}
    labels: dict[int, list[int]] = {i: [] for i in entries}
    clipped = crowd = 0
    for k, a in enumerate(anns):
        if not isinstance(a, dict):
            problems.add(f"annotations[{k}]: an annotation is an object with image_id, category_id and bbox")
            continue
        where = f"annotations[{k}]" + (f" (id {a['id']})" if _int(a.get("id")) is not None else "")
        iid, cid = _int(a.get("image_id")), _int(a.get("category_id"))
        if iid not in entries:
            problems.add(f"{where}: image_id {str(a.get('image_id'))[:20]} is not an image of the set")
            continue
        if cid not in label_of:
            problems.add(f"{where}: category_id {str(a.get('category_id'))[:20]} is not a category of the set")
            continue
        if a.get("iscrowd") in (1, True):
            crowd += 1
            continue
        bbox = a.get("bbox")
        if (
            not isinstance(bbox, list)
            or len(bbox) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in bbox)
        ):
            problems.add(f"{where}: bbox must be 4 finite numbers [x, y, width, height]")
            continue
        x, y, bw, bh = (float(v) for v in bbox)
        if bw <= 0 or bh <= 0:
            problems.add(f"{where}: bbox {bbox} has no area: width and height must be positive")
            continue
        _, w, h = entries[iid]
        x1, y1, x2, y2 = max(0.0, x), max(0.0, y), min(float(w), x + bw), min(float(h), y + bh)
        if x2 <= x1 or y2 <= y1:
            problems.add(f"{where}: bbox {bbox} lies outside its image ({w}x{h}): fix or remove it")
            continue
        if (x1, y1, x2, y2) != (x, y, x + bw, y + bh):
            clipped += 1
        boxes[iid].append([x1, y1, x2, y2])
        labels[iid].append(label_of[cid])
    problems.raise_any()

    out = [
        CocoImage(
            id=iid,
            path=path,
            width=w,
            height=h,
            boxes=torch.tensor(boxes[iid], dtype=torch.float32).reshape(-1, 4),
            labels=torch.tensor(labels[iid], dtype=torch.int64),
        )
        for iid, (path, w, h) in entries.items()
    ]
    notes = []
    if clipped:
        notes.append(f"{clipped} box(es) reached past their image and were clipped to it")
    if crowd:
        notes.append(f"{crowd} crowd annotation(s) (iscrowd: 1) left out, as COCO's detection metric does")
    return CocoSet(root, out, [names[c] for c in sorted(names)], clipped, crowd, notes)

"""The COCO reader on a set generated here from the shapes generator, and on hostile ones."""

from __future__ import annotations

import functools
import json
import operator
import os
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from torchcanvas.codegen.shapes import make_shapes
from torchcanvas.datasets.coco import CocoError, CocoLimits, read_coco


def _write_set(root: Path, n: int = 6) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """make_shapes' images as PNGs in images/, and their boxes as COCO annotations (xywh, category ids 10, 20, 30)."""
    images, _, boxes, labels = make_shapes(n, size=48, seed=3)
    (root / "images").mkdir(parents=True)
    doc: dict[str, Any] = {
        "images": [],
        "annotations": [],
        "categories": [{"id": 10 * (k + 1), "name": s} for k, s in enumerate(("circle", "square", "triangle"))],
    }
    for i in range(n):
        name = f"images/{i:04d}.png"
        Image.fromarray(images[i].permute(1, 2, 0).numpy()).save(root / name)
        doc["images"].append({"id": 100 + i, "file_name": name, "width": 48, "height": 48})
        for b, lab in zip(boxes[i].tolist(), labels[i].tolist(), strict=True):
            doc["annotations"].append(
                {
                    "id": len(doc["annotations"]) + 1,
                    "image_id": 100 + i,
                    "category_id": 10 * lab,
                    "iscrowd": 0,
                    "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
                    "area": (b[2] - b[0]) * (b[3] - b[1]),
                }
            )
    (root / "annotations.json").write_text(json.dumps(doc))
    return images, boxes, labels


def _edit(root: Path, change: Any) -> None:
    doc = json.loads((root / "annotations.json").read_text())
    change(doc)
    (root / "annotations.json").write_text(json.dumps(doc))


def _problems(root: Path, limits: CocoLimits | None = None) -> str:
    with pytest.raises(CocoError) as e:
        read_coco(root, limits=limits)
    return str(e.value)


def test_a_generated_set_reads_back_as_the_generator_made_it(tmp_path: Path):
    images, boxes, labels = _write_set(tmp_path)
    s = read_coco(tmp_path)
    assert s.classes == ["circle", "square", "triangle"] and len(s) == 6 and s.clipped == 0
    for i, entry in enumerate(s.images):
        assert entry.id == 100 + i
        torch.testing.assert_close(entry.boxes, boxes[i])
        assert entry.labels.tolist() == labels[i].tolist()  # category 10 -> label 1, ...
        assert torch.equal(s.image(i), images[i])


def test_crowd_annotations_are_left_out_and_boxes_past_the_edge_clipped(tmp_path: Path):
    _write_set(tmp_path)

    def change(doc: dict) -> None:
        doc["annotations"][0]["iscrowd"] = 1
        doc["annotations"][1]["bbox"] = [40, 40, 20, 20]  # reaches to 60 in a 48x48 image

    _edit(tmp_path, change)
    s = read_coco(tmp_path)
    assert s.crowd == 1 and s.clipped == 1
    assert [40.0, 40.0, 48.0, 48.0] in functools.reduce(operator.iadd, (e.boxes.tolist() for e in s.images), [])
    assert any("clipped" in n for n in s.notes) and any("crowd" in n for n in s.notes)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("climbing", lambda d: d["images"][0].update(file_name="../outside.png"), "not a relative path inside the set"),
        ("absolute", lambda d: d["images"][0].update(file_name="/etc/passwd"), "not a relative path inside the set"),
        ("backslash", lambda d: d["images"][0].update(file_name="..\\..\\x.png"), "not a relative path"),
        ("missing", lambda d: d["images"][0].update(file_name="images/nope.png"), "is not in the set"),
        ("not a name", lambda d: d["images"][0].update(file_name=7), "not a relative path"),
        ("outside", lambda d: d["annotations"][0].update(bbox=[100, 100, 5, 5]), "lies outside its image (48x48)"),
        ("negative", lambda d: d["annotations"][0].update(bbox=[-30, -30, 10, 10]), "lies outside its image"),
        ("no area", lambda d: d["annotations"][0].update(bbox=[1, 1, 0, 5]), "has no area"),
        ("nan", lambda d: d["annotations"][0].update(bbox=[1, 1, "NaN", 5]), "4 finite numbers"),
        ("short", lambda d: d["annotations"][0].update(bbox=[1, 1, 5]), "4 finite numbers"),
        ("unknown image", lambda d: d["annotations"][0].update(image_id=999), "image_id 999 is not an image"),
        ("unknown class", lambda d: d["annotations"][0].update(category_id=7), "category_id 7 is not a category"),
        ("duplicate image", lambda d: d["images"][1].update(id=100), "id 100 is used twice"),
        ("duplicate class", lambda d: d["categories"][1].update(id=10), "id 10 is used twice"),
        ("huge side", lambda d: d["images"][0].update(width=10**9), "width and height must be integers from 1 to 4096"),
        ("no categories", lambda d: d.update(categories=[]), "categories is empty"),
        ("not a list", lambda d: d.update(images={"a": 1}), "has no 'images' list"),
    ],
)
def test_hostile_entries_are_refused_naming_the_entry(tmp_path: Path, name: str, change: Any, message: str):
    _write_set(tmp_path)
    _edit(tmp_path, change)
    assert message in _problems(tmp_path)


def test_a_link_out_of_the_set_is_refused(tmp_path: Path):
    outside = tmp_path / "secret.png"
    Image.new("RGB", (48, 48)).save(outside)
    root = tmp_path / "set"
    _write_set(root)
    os.remove(root / "images/0000.png")
    os.symlink(outside, root / "images/0000.png")
    assert "leads outside the set" in _problems(root)


def test_huge_counts_are_refused_before_any_entry_is_read(tmp_path: Path):
    (tmp_path / "annotations.json").write_text(
        json.dumps(
            {
                "images": [{"id": i, "file_name": f"{i}.png", "width": 8, "height": 8} for i in range(5000)],
                "annotations": [],
                "categories": [{"id": 1, "name": "a"}],
            }
        )
    )
    t0 = time.perf_counter()
    msg = _problems(tmp_path, CocoLimits(max_images=1000))
    assert "5,000 images; at most 1,000" in msg and time.perf_counter() - t0 < 1.0
    assert "at most 100 are accepted" in _problems(tmp_path, CocoLimits(max_json_bytes=100))


def test_bad_json_and_a_wrong_image_size_say_what_to_fix(tmp_path: Path):
    assert "there is no annotations.json" in _problems(tmp_path)
    (tmp_path / "annotations.json").write_text("{not json")
    assert "not valid JSON" in _problems(tmp_path)
    (tmp_path / "annotations.json").write_text("[1, 2]")
    assert "holds a list" in _problems(tmp_path)
    root = tmp_path / "set"
    _write_set(root)
    _edit(root, lambda d: d["images"][0].update(width=40))
    s = read_coco(root)  # the declared size bounds the boxes; the file is checked when read
    with pytest.raises(CocoError, match="is 48x48 pixels but the JSON says 40x48"):
        s.image(0)


def test_problems_are_listed_up_to_a_limit_and_counted(tmp_path: Path):
    _write_set(tmp_path)
    _edit(tmp_path, lambda d: [a.update(bbox=[500, 500, 1, 1]) for a in d["annotations"]])
    with pytest.raises(CocoError) as e:
        read_coco(tmp_path, limits=CocoLimits(max_problems=2))
    n = len(json.loads((tmp_path / "annotations.json").read_text())["annotations"])
    assert len(e.value.problems) == 2 and e.value.more == n - 2 and f"(and {n - 2} more)" in str(e.value)

"""The segmentation zip reader on a zip generated from the Shapes set (read back exactly), and on
hostile or broken zips: each refused with the file it is about and the fix, before any decoding
where the zip's directory already tells."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
import torch
from PIL import Image

from torchcanvas.codegen.shapes import make_shapes
from torchcanvas.datasets.masks import MaskZipLimits, MaskZipRefused, read_mask_zip


def _png(t: torch.Tensor, mode: str) -> bytes:
    """uint8 (3, H, W) as RGB, or (H, W) ids as an L PNG."""
    arr = t.permute(1, 2, 0).contiguous().numpy() if t.dim() == 3 else t.to(torch.uint8).numpy()
    buf = io.BytesIO()
    Image.fromarray(arr, mode=mode).save(buf, "PNG")
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _shapes_files(n: int = 6, top: str = "", classes: bool = True) -> dict[str, bytes]:
    images, masks, _, _ = make_shapes(n, size=32, seed=1)
    files = {}
    for i in range(n):
        files[f"{top}images/s{i:02d}.png"] = _png(images[i], "RGB")
        files[f"{top}masks/s{i:02d}.png"] = _png(masks[i], "L")
    if classes:
        files[f"{top}classes.txt"] = b"background\ncircle\nsquare\ntriangle\n"
    return files


def _refused(data: bytes, limits: MaskZipLimits | None = None) -> MaskZipRefused:
    with pytest.raises(MaskZipRefused) as e:
        read_mask_zip(data, limits)
    return e.value


def test_a_generated_shapes_zip_reads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "shapes.zip"
    path.write_bytes(_zip(_shapes_files(top="my_set/")))
    s = read_mask_zip(path)
    images, masks, _, _ = make_shapes(6, size=32, seed=1)
    assert torch.equal(s.images, images) and torch.equal(s.masks, masks)
    assert s.names == [f"s{i:02d}" for i in range(6)]
    assert s.num_classes == 4 and s.class_names == ["background", "circle", "square", "triangle"]
    assert s.pixels_per_class == torch.bincount(masks.flatten(), minlength=4).tolist()


def test_without_classes_txt_the_classes_are_counted_and_grey_images_become_rgb() -> None:
    files = _shapes_files(classes=False)
    grey = torch.full((32, 32), 90, dtype=torch.uint8)
    buf = io.BytesIO()
    Image.fromarray(grey.numpy(), mode="L").save(buf, "JPEG")
    files["images/s00.jpg"] = buf.getvalue()
    del files["images/s00.png"]
    s = read_mask_zip(_zip(files))
    assert s.class_names is None and s.num_classes == int(s.masks.max()) + 1
    assert s.images.shape == (6, 3, 32, 32) and (s.images[0] - 90).abs().max() <= 2


def test_a_missing_mask_and_an_orphan_mask_are_named() -> None:
    files = _shapes_files()
    del files["masks/s03.png"]
    files["masks/extra.png"] = files["masks/s01.png"]
    e = _refused(_zip(files))
    wheres = {p.where: p for p in e.problems}
    assert "has no mask" in wheres["images/s03.png"].message and "masks/s03.png" in wheres["images/s03.png"].fix
    assert "has no image" in wheres["masks/extra.png"].message


def test_size_mismatches_are_refused_with_both_sizes() -> None:
    files = _shapes_files()
    files["masks/s02.png"] = _png(torch.zeros(16, 16, dtype=torch.int64), "L")
    e = _refused(_zip(files))
    assert e.problems[0].where == "masks/s02.png" and "16x16 but its image is 32x32" in e.problems[0].message
    files = _shapes_files()
    files["images/s04.png"] = _png(torch.zeros(3, 48, 48, dtype=torch.uint8), "RGB")
    files["masks/s04.png"] = _png(torch.zeros(48, 48, dtype=torch.int64), "L")
    e = _refused(_zip(files))
    assert e.problems[0].where == "images/s04.png" and "resize" in e.problems[0].fix


def test_rgb_and_jpeg_masks_are_refused_with_the_fix() -> None:
    files = _shapes_files()
    files["masks/s01.png"] = _png(torch.zeros(3, 32, 32, dtype=torch.uint8), "RGB")
    e = _refused(_zip(files))
    assert "RGB pixels" in e.problems[0].message and "grayscale" in e.problems[0].fix
    files = _shapes_files()
    del files["masks/s01.png"]
    files["masks/s01.jpg"] = b"\xff\xd8 not even a jpeg"
    e = _refused(_zip(files))
    assert e.problems[0].where == "masks/s01.jpg" and "PNG" in e.problems[0].message


def test_too_many_classes_and_too_few_names() -> None:
    files = _shapes_files(classes=False)
    files["masks/s00.png"] = _png(torch.full((32, 32), 40, dtype=torch.int64), "L")
    e = _refused(_zip(files), MaskZipLimits(max_classes=32))
    assert e.problems[0].where == "masks/s00.png" and "class id 40; at most 32 classes" in e.problems[0].message
    files = _shapes_files()
    files["classes.txt"] = b"background\ncircle\n"
    e = _refused(_zip(files))
    assert e.problems[0].where == "classes.txt" and "ids up to 3" in e.problems[0].message


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.png", ".."),
        ("images/../../evil.png", ".."),
        ("/etc/evil.png", "absolute"),
        ("images\\x.png", "backslash"),
    ],
)
def test_paths_that_leave_the_folder_are_refused(name: str, why: str) -> None:
    files = {**_shapes_files(), name: b"x"}
    e = _refused(_zip(files))
    assert e.problems[0].where == name and why in e.problems[0].message


def test_a_symlink_entry_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in _shapes_files().items():
            z.writestr(k, v)
        link = zipfile.ZipInfo("images/link.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    e = _refused(buf.getvalue())
    assert e.problems[0].where == "images/link.png" and "symbolic link" in e.problems[0].message


def test_zip_bombs_are_refused_before_decompressing() -> None:
    bomb = _zip({**_shapes_files(), "images/zeros.png": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 200_000
    e = _refused(bomb)
    assert "zip bomb" in e.problems[0].message and e.problems[0].where == "images/zeros.png"
    e = _refused(_zip(_shapes_files()), MaskZipLimits(max_uncompressed_bytes=1000))
    assert "expands to" in e.problems[0].message
    e = _refused(_zip(_shapes_files()), MaskZipLimits(max_entries=5))
    assert "13 entries" in e.problems[0].message


def test_not_a_zip_an_empty_zip_stray_files_and_huge_images() -> None:
    assert "not a zip" in str(_refused(b"hello"))
    assert "no images/ folder" in str(_refused(_zip({})))
    e = _refused(_zip({**_shapes_files(), "notes/readme.md": b"hi"}))
    assert e.problems[0].where == "notes/readme.md" and "images/" in e.problems[0].fix
    e = _refused(_zip(_shapes_files()), MaskZipLimits(max_pixels=500))
    assert "32x32 pixels, over the limit of 500" in e.problems[0].message

"""The inference studio without HTTP: every example's model built from its graph with a
checkpoint written here (untrained: what matters is the path, not the answer), predicted,
explained and inspected; the preprocessing against a hand-written reference; hostile images;
the LRU."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from torchcanvas.graph.model import Graph
from torchcanvas.inference import evaluate, images
from torchcanvas.inference.data import input_kind, pixels_to_stored
from torchcanvas.inference.loaded import LoadedModel, ModelCache, NotUsable
from torchcanvas.inference.preprocess import BadInput, Given, prepare
from torchcanvas.limits import Limits
from torchcanvas.shapes import build_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))
BOUNDS = {"max_bytes": 2_000_000, "max_pixels": 4096 * 4096}


def _doc(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return doc


def _loaded(tmp_path: Path, doc: dict[str, Any], run_id: int = 1, cache: ModelCache | None = None) -> LoadedModel:
    torch.manual_seed(0)
    model = build_model(Graph.model_validate(doc))
    checkpoint = tmp_path / f"{run_id}.pt"
    torch.save({"model": model.state_dict(), "epoch": 1}, checkpoint)
    return (cache if cache is not None else ModelCache(4)).get(run_id, doc, checkpoint, Limits())


def _png(size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def _input(loaded: LoadedModel) -> Given:
    if loaded.kind.image:
        return Given(image=_png())
    return Given(sample=0)  # every non-image example's data set is rebuilt here


@pytest.mark.parametrize("name", NAMES)
def test_every_example_predicts_explains_and_shows_a_layer(tmp_path: Path, name: str) -> None:
    if _doc(name)["training"]["loss"]["type"] == "DetectorLoss":
        pytest.skip("a detector's checkpoint holds its heads too: tests/unit/test_detection.py predicts with one")
    loaded = _loaded(tmp_path, _doc(name))
    prep = prepare(loaded, _input(loaded), **BOUNDS)
    assert list(prep.x.shape[1:]) == loaded.kind.sample_shape
    # the same forward pass in plain torch gives the same answer
    with torch.no_grad():
        out = loaded.model(prep.x)
    if loaded.task == "segmentation":
        from torchcanvas.inference.segmentation import segment

        s = segment(loaded, prep)
        assert torch.equal(torch.tensor(s.mask), out[0].argmax(0))
        assert sum(c.pixels for c in s.classes) == out[0, 0].numel()
        return
    p = evaluate.predict(loaded, prep, top_k=3)
    if loaded.task == "classification":
        expected = out.softmax(dim=1)[0]
        assert p.scoring == "softmax"
        k = min(3, expected.numel())
        assert [t["index"] for t in p.top] == expected.topk(k).indices.tolist()
        assert p.top[0]["probability"] == pytest.approx(float(expected.max()), abs=1e-6)
        target, maps = evaluate.explain(loaded, prep, list(evaluate.METHODS), None, ig_steps=4)
        assert target == int(expected.argmax())
        assert [m.method for m in maps] == list(evaluate.METHODS)
        for m in maps:
            if loaded.kind.image:
                img = Image.open(io.BytesIO(__import__("base64").b64decode(m.png or "")))
                assert img.size == (prep.x.shape[-1], prep.x.shape[-2])
            elif m.method != "grad_cam":
                assert m.values is not None and len(m.values) == prep.x[0].numel()
            else:
                assert "needs a conv layer" in m.note
    else:
        assert p.outputs == pytest.approx(out[0].flatten().tolist(), abs=1e-6)
    first = next(iter(loaded.layers))
    a = evaluate.activations(loaded, prep, first, max_channels=8, max_values=50)
    assert a.shape[0] == 1 and (a.png is not None or a.values is not None)


def test_digits_samples_are_the_test_split_train_py_makes(tmp_path: Path) -> None:
    """The Digits reference written out by hand: train.py's uint8 images, its stratified split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    loaded = _loaded(tmp_path, _doc("unet_tiny"))
    digits = load_digits()
    _, test_idx = train_test_split(
        range(1797), test_size=0.2, random_state=loaded.training.config.seed, stratify=digits.target
    )
    for i in (0, 5, 359):
        prep = prepare(loaded, Given(sample=i), **BOUNDS)
        reference = torch.tensor(digits.images[test_idx[i]] * (255 / 16)).round().to(torch.uint8).float() / 255
        assert torch.allclose(prep.x[0, 0], reference, rtol=0, atol=1e-7)
        assert prep.label == int(digits.target[test_idx[i]])
    with pytest.raises(BadInput, match="out of range: the test set has 360 samples"):
        prepare(loaded, Given(sample=360), **BOUNDS)


def test_the_pad_gives_what_the_data_set_gives(tmp_path: Path) -> None:
    """Intensities 0..16 on an 8x8 pad are the data set's own units: a digit of load_digits
    drawn on the pad is exactly that digit's test tensor."""
    from sklearn.datasets import load_digits

    loaded = _loaded(tmp_path, _doc("unet_tiny"))
    digit = load_digits().images[0]
    drawn = prepare(loaded, Given(pixels=digit.tolist(), pixel_max=16), **BOUNDS)
    reference = torch.tensor(digit * (255 / 16)).round().to(torch.uint8).float() / 255
    assert torch.allclose(drawn.x[0, 0], reference, rtol=0, atol=1e-7)
    # a larger drawing is averaged down to 8x8, as sklearn made the digits from 32x32 bitmaps
    big = np.kron(digit, np.ones((4, 4)))
    assert torch.allclose(prepare(loaded, Given(pixels=big.tolist(), pixel_max=16), **BOUNDS).x, drawn.x, atol=1 / 255)


def test_faces_uploads_become_grey_32x32_in_three_channels(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, _doc("seed_lenet_bn"))
    prep = prepare(loaded, Given(image=_png((100, 80), (255, 0, 0))), **BOUNDS)
    assert prep.x.shape == (1, 3, 32, 32)
    assert torch.equal(prep.x[0, 0], prep.x[0, 1])  # grey
    assert prep.x[0, 0, 0, 0].item() == pytest.approx(round(0.299 * 255) / 255, abs=1 / 255)  # PIL's luma of red
    assert "100x80 resized to the data set's 32x32" in prep.steps[0]


def test_test_transforms_are_applied_and_described(tmp_path: Path) -> None:
    doc = _doc("seed_lenet_bn")
    doc["training"]["test_transforms"] = [
        {"type": "Normalize", "params": {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}}
    ]
    loaded = _loaded(tmp_path, doc)
    prep = prepare(loaded, Given(image=_png(colour=(0, 0, 0))), **BOUNDS)
    assert torch.allclose(prep.x, torch.full_like(prep.x, -2.0))  # (0 - 0.5) / 0.25
    assert prep.steps[-1] == "v2.Normalize(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))"


def _png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims another size (a decompression bomb's calling card)."""
    data = bytearray(_png((1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"", "empty"),
        (b"this is not an image" * 10, "not an image"),
        (_png_claiming(50_000, 50_000), "pixels are accepted"),
        (_png_claiming(5_000, 5_000), "5000x5000 pixels"),
        (_png()[:60], "damaged or truncated"),
        (b"\x89PNG" + b"0" * 3_000_000, "bytes; images up to"),
    ],
    ids=["empty", "text", "bomb", "over-the-limit", "truncated", "too-many-bytes"],
)
def test_hostile_images_are_refused_with_a_reason(tmp_path: Path, upload: bytes, message: str) -> None:
    loaded = _loaded(tmp_path, _doc("seed_lenet"))
    with pytest.raises(BadInput, match=message) as e:
        prepare(loaded, Given(image=upload), **BOUNDS)
    assert e.value.param == "image"


def test_wrong_inputs_name_the_fix(tmp_path: Path) -> None:
    regression = _loaded(tmp_path, _doc("seed_mlp_dropout"), run_id=2)
    with pytest.raises(BadInput, match="takes numbers"):
        prepare(regression, Given(image=_png()), **BOUNDS)
    with pytest.raises(BadInput, match="x has 3 numbers; this model takes 1"):
        prepare(regression, Given(x=[1, 2, 3]), **BOUNDS)
    out = evaluate.predict(regression, prepare(regression, Given(x=[0.5]), **BOUNDS), 5)
    assert out.outputs is not None and len(out.outputs) == 1
    faces = _loaded(tmp_path, _doc("seed_lenet"), run_id=3)
    with pytest.raises(BadInput, match="no layer 'nope'"):
        evaluate.activations(faces, prepare(faces, Given(image=_png()), **BOUNDS), "nope", 8, 8)


def test_checkpoints_that_do_not_fit_are_not_usable(tmp_path: Path) -> None:
    doc = _doc("seed_lenet")
    cache = ModelCache(2)
    with pytest.raises(NotUsable, match="no checkpoint yet"):
        cache.get(1, doc, tmp_path / "missing.pt", Limits())
    (tmp_path / "junk.pt").write_bytes(b"weights")
    with pytest.raises(NotUsable, match="cannot be read"):
        cache.get(1, doc, tmp_path / "junk.pt", Limits())
    other = build_model(Graph.model_validate(_doc("seed_lenet_bn")))
    torch.save({"model": other.state_dict()}, tmp_path / "other.pt")
    with pytest.raises(NotUsable, match="does not fit its graph"):
        cache.get(1, doc, tmp_path / "other.pt", Limits())


def test_the_cache_keeps_the_most_recent_runs(tmp_path: Path) -> None:
    doc = _doc("seed_lenet")
    cache = ModelCache(2)
    first = _loaded(tmp_path, doc, 1, cache)
    _loaded(tmp_path, doc, 2, cache)
    assert cache.get(1, doc, tmp_path / "1.pt", Limits()) is first  # a hit: run 1 is now the most recent
    assert cache.loads == 2
    _loaded(tmp_path, doc, 3, cache)  # run 2, the least recently used, goes
    assert len(cache) == 2 and cache.loads == 3
    assert cache.get(1, doc, tmp_path / "1.pt", Limits()) is first
    cache.get(2, doc, tmp_path / "2.pt", Limits())
    assert cache.loads == 4
    # a checkpoint written again (the run trained on) is loaded afresh
    torch.save({"model": first.model.state_dict()}, tmp_path / "2.pt")
    import os

    os.utime(tmp_path / "2.pt", ns=(1, 1))
    cache.get(2, doc, tmp_path / "2.pt", Limits())
    assert cache.loads == 5


def test_images_are_drawn_at_the_tensors_size() -> None:
    grid, cols = images.grid(torch.rand(6, 5, 4))
    assert cols == 3 and grid.shape == (2 * 5 + 1, 3 * 4 + 2)
    over = images.overlay(torch.rand(3, 7, 9), torch.rand(7, 9))
    assert over.shape == (7, 9, 3) and over.dtype == np.uint8


def test_pixels_in_data_set_units(tmp_path: Path) -> None:
    kind = input_kind(_loaded(tmp_path, _doc("unet_tiny")).training.dataset.spec, {"test_fraction": 0.2})
    stored = pixels_to_stored(torch.full((8, 8), 16.0), 16, kind)
    assert stored.dtype == torch.uint8 and stored.shape == (1, 8, 8) and int(stored.max()) == 255


def test_a_diverged_model_is_refused_not_answered_with_nan(tmp_path: Path) -> None:
    doc = _doc("seed_lenet")
    model = build_model(Graph.model_validate(doc))
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float("nan"))
    torch.save({"model": model.state_dict()}, tmp_path / "nan.pt")
    loaded = ModelCache(1).get(9, doc, tmp_path / "nan.pt", Limits())
    prep = prepare(loaded, Given(image=_png()), **BOUNDS)
    with pytest.raises(NotUsable, match="diverged"):
        evaluate.predict(loaded, prep, 2)
    a = evaluate.activations(loaded, prep, "conv1", 4, 4)
    assert np.isfinite([a.mean, a.std]).all()


def test_a_blank_grad_cam_says_why(tmp_path: Path) -> None:
    """Grad-CAM keeps only the regions that raise the class's score: where none does (here the last
    layer is all zeros, as an untrained one nearly is), the blank overlay says so in its note."""
    doc = _doc("seed_lenet_bn")
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buf, "PNG")
    prep_image = Given(image=buf.getvalue())
    loaded = _loaded(tmp_path, doc)
    prep = prepare(loaded, prep_image, **BOUNDS)
    _, (live,) = evaluate.explain(loaded, prep, ["grad_cam"], None, ig_steps=4)
    assert live.note.startswith("on conv2 (Conv2d), the last conv layer") and "zero everywhere" not in live.note

    model = build_model(Graph.model_validate(doc))
    last = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
    torch.save({"model": model.state_dict()}, tmp_path / "blank.pt")
    blank = ModelCache(1).get(7, doc, tmp_path / "blank.pt", Limits())
    target, (cam,) = evaluate.explain(blank, prepare(blank, prep_image, **BOUNDS), ["grad_cam"], None, ig_steps=4)
    assert f"zero everywhere: no region of conv2 raises class {target}'s score" in cam.note


def test_uploads_reach_only_the_common_image_decoders() -> None:
    # An EPS file is an image to Pillow (decoded by running Ghostscript, when installed); the
    # server never hands it to that decoder: it is not an image it reads.
    from torchcanvas.inference.preprocess import BadInput, open_image

    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\nshowpage\n"
    with pytest.raises(BadInput, match="not an image this server reads"):
        open_image(eps, max_bytes=10_000, max_pixels=10_000)

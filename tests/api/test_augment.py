"""POST /augment/preview, through the real preview on the offline Digits data set."""

from __future__ import annotations

import base64
import io

from fastapi.testclient import TestClient
from PIL import Image, ImageChops, ImageOps

URL = "/api/v1/augment/preview"


def decode(data_url: str) -> Image.Image:
    assert data_url.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))


def test_pairs_are_png_data_urls(client: TestClient) -> None:
    body = {
        "dataset": {"type": "Digits"},
        "transforms": [{"type": "RandomHorizontalFlip", "params": {"p": 1.0}}],
        "n": 3,
        "seed": 7,
    }
    r = client.post(URL, json=body)
    assert r.status_code == 200, r.text
    pairs = r.json()["pairs"]
    assert len(pairs) == 3
    before, after = decode(pairs[0]["before"]), decode(pairs[0]["after"])
    assert before.size == after.size == (8, 8)
    # p=1 always flips: the after image is the mirrored before image.
    assert ImageChops.difference(ImageOps.mirror(before), after).getbbox() is None
    # The same seed gives the same samples.
    assert client.post(URL, json=body).json() == r.json()


def test_bad_requests_are_422_naming_the_field(client: TestClient) -> None:
    r = client.post(URL, json={"dataset": {"type": "Nope"}})
    assert r.status_code == 422
    assert r.json()["issues"][0]["param"] == "dataset"

    r = client.post(
        URL, json={"dataset": {"type": "Digits"}, "transforms": [{"type": "RandomHorizontalFlip"}, {"type": "Blur"}]}
    )
    assert r.status_code == 422 and r.json()["issues"][0]["param"] == "transforms[1]"

    r = client.post(
        URL,
        json={"dataset": {"type": "Digits"}, "transforms": [{"type": "RandomHorizontalFlip", "params": {"p": "half"}}]},
    )
    assert r.status_code == 422 and r.json()["issues"][0]["param"] == "transforms[0].p"

    r = client.post(URL, json={"dataset": {"type": "Digits"}, "n": 1000})
    assert r.status_code == 422 and "at most 32" in r.json()["detail"][0]["message"]
    assert client.post(URL, json={"dataset": {"type": "Digits"}, "n": 0}).status_code == 422
    assert client.post(URL, json={"transforms": []}).json()["detail"][0]["loc"] == ["body", "dataset"]


def test_shapes_previews_show_the_mask_moving_with_a_flip_and_not_with_colour(client: TestClient) -> None:
    """Shapes pairs are tinted where the mask is: a flip mirrors image and tint together; a colour
    jitter changes the picture (test_segmentation.py shows it leaves the mask alone)."""
    flip = {
        "dataset": {"type": "Shapes", "params": {"size": 32}},
        "transforms": [{"type": "RandomHorizontalFlip", "params": {"p": 1.0}}],
        "n": 2,
    }
    r = client.post(URL, json=flip)
    assert r.status_code == 200, r.text
    before, after = (decode(x).convert("RGB") for x in (r.json()["pairs"][0]["before"], r.json()["pairs"][0]["after"]))
    assert before.size == after.size == (32, 32)
    assert ImageChops.difference(ImageOps.mirror(before), after).getbbox() is None
    jitter = {**flip, "transforms": [{"type": "ColorJitter", "params": {"hue": 0.5}}], "n": 1}
    b, a = (decode(client.post(URL, json=jitter).json()["pairs"][0][k]).convert("RGB") for k in ("before", "after"))
    assert ImageChops.difference(b, a).getbbox() is not None  # the colours changed

    r = client.post(URL, json={**flip, "transforms": [{"type": "TenCrop", "params": {"size": 24}}]})
    assert r.status_code == 422 and "one mask" in r.text

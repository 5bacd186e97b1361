"""Data set files made by the tests: a zip of class folders from sklearn's digits, and CSVs.

Shared by the API tests (tests/api/test_datasets.py), the runner's end-to-end training of
uploads and the browser e2e (tests/e2e/test_datasets.py), and meant for any e2e that needs a
model trained on an upload (the inference studio's server-vs-browser check).
"""

from __future__ import annotations

import csv
import io
import math
import random
import zipfile
from pathlib import Path


def digit_images(classes: int = 3, per_class: int = 12, size: int = 16) -> dict[str, list[bytes]]:
    """PNGs of sklearn's 8x8 digits 0..classes-1, upscaled to size x size: {class name: [png, ...]}."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    out: dict[str, list[bytes]] = {}
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    for d in range(classes):
        images = digits.images[digits.target == d][:per_class]
        pngs = []
        for a in images:
            img = Image.fromarray((a * (255 / 16)).round().astype("uint8"), mode="L").resize((size, size))
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            pngs.append(buf.getvalue())
        out[names[d]] = pngs
    return out


def image_folder_zip(
    path: Path, classes: int = 3, per_class: int = 12, size: int = 16, split: bool = False, top: str = ""
) -> Path:
    """A zip of class folders of digit PNGs at ``path``: ``<class>/NN.png`` (or ``train/<class>``
    and ``test/<class>`` with ``split``; inside a ``top`` folder when given)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, pngs in digit_images(classes, per_class, size).items():
            for i, png in enumerate(pngs):
                folder = ("test" if i % 4 == 0 else "train") + f"/{name}" if split else name
                z.writestr(f"{top}{folder}/{i:02d}.png", png)
    return path


def regression_csv(path: Path, rows: int = 120, seed: int = 0) -> Path:
    """y = 2 a - b + 0.5 c + noise, with a text column that is not a feature."""
    rng = random.Random(seed)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "c", "note", "y"])
        for i in range(rows):
            a, b, c = rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)
            w.writerow(
                [f"{a:.4f}", f"{b:.4f}", f"{c:.4f}", f"row {i}", f"{2 * a - b + 0.5 * c + rng.gauss(0, 0.05):.4f}"]
            )
    return path


def classification_csv(path: Path, rows: int = 150, seed: int = 0) -> Path:
    """Three classes by angle around the origin (x, y), named by text labels."""
    rng = random.Random(seed)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x", "y", "kind"])
        for _ in range(rows):
            angle = rng.uniform(0, 2 * math.pi)
            r = rng.uniform(0.5, 1.0)
            label = ["red", "green", "blue"][int(angle / (2 * math.pi / 3)) % 3]
            w.writerow([f"{r * math.cos(angle):.4f}", f"{r * math.sin(angle):.4f}", label])
    return path

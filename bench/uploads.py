"""Upload figures for your own data sets, in process (TestClient) on a temp data dir.

Run: .venv/bin/python bench/uploads.py [--images 2000] [--rows 100000]

- an image zip of ``--images`` 16x16 digit PNGs in 10 class folders: its size, the upload's
  total time, and images per second (decode, convert, resize, write, grid);
- a CSV of ``--rows`` rows x 10 numeric columns, classification: its size and the time;
- each hostile upload of tests/api/test_datasets.py: its status and the time to refuse it
  (the test asserts < 1 s), the request's whole time, multipart streaming included.

The client is in the same process, so no memory figure is given here: the client holds its
bodies. That an upload is streamed to disk is tested (tests/api/test_datasets.py).

Prints figures; asserts nothing (tests assert behaviour).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from tests.api.api_support import make_settings, sign_up  # noqa: E402
from tests.api.test_datasets import HOSTILE  # noqa: E402
from tests.datasets_support import digit_images  # noqa: E402
from torchcanvas.api import create_app  # noqa: E402

API = "/api/v1/datasets"


def image_zip(n: int) -> bytes:
    per_class = max(2, n // 10)
    pngs = digit_images(10, 180, 16)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for c, images in pngs.items():
            for i in range(per_class):
                z.writestr(f"{c}/{i:05d}.png", images[i % len(images)])
    return buf.getvalue()


def table(rows: int) -> bytes:
    rng = random.Random(0)
    lines = [",".join([*(f"f{k}" for k in range(10)), "label"])]
    for _ in range(rows):
        xs = [rng.gauss(0, 1) for _ in range(10)]
        lines.append(",".join([*(f"{x:.5f}" for x in xs), "a" if xs[0] > 0 else "b"]))
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(make_settings(Path(tmp)))
        with TestClient(app, raise_server_exceptions=False) as c:
            sign_up(c, "bench")
            c.post(API, files={"file": ("warm.csv", b"a,b\n1,0\n2,1\n3,0\n4,1\n")})  # imports
            data = image_zip(args.images)
            t = time.perf_counter()
            r = c.post(API, files={"file": ("digits.zip", data)})
            dt = time.perf_counter() - t
            n = r.json()["num_train"] + r.json()["num_test"]
            print(
                f"image zip: {n} images, {len(data) / 1e6:.1f} MB: {r.status_code} in {dt:.2f} s ({n / dt:,.0f} images/s)"
            )
            data = table(args.rows)
            t = time.perf_counter()
            r = c.post(API, files={"file": ("table.csv", data)})
            dt = time.perf_counter() - t
            print(f"CSV: {args.rows:,} rows x 11 columns, {len(data) / 1e6:.1f} MB: {r.status_code} in {dt:.2f} s")
            for case, (filename, make, _, _) in sorted(HOSTILE.items()):
                body = make() if make else None
                t = time.perf_counter()
                if body is None:
                    r = c.post(API, files={"notfile": (None, b"x")})
                else:
                    r = c.post(API, files={"file": (filename, body)})
                print(f"hostile {case:14s} {r.status_code} in {(time.perf_counter() - t) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()

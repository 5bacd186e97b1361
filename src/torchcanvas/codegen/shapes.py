"""The synthetic shapes set, for segmentation and detection: one generator, used two ways.

``make_shapes`` is plain torch. Generated train.py files carry its source verbatim
(``shapes_source()``), so that a downloaded project needs nothing from torchcanvas; the server
(tests, inference's test samples) imports the same function. The same seed gives the same images,
masks and boxes in both.
"""

from __future__ import annotations

import inspect

import torch

SHAPES = ("circle", "square", "triangle")


def make_shapes(n, size=64, shapes=("circle", "square", "triangle"), max_objects=3, noise=0.05, seed=0):
    """``n`` images of 1 to ``max_objects`` non-overlapping shapes on textured backgrounds.

    Returns uint8 images (n, 3, size, size), class masks (n, size, size) with 0 for the background
    and ``1 + shapes.index(shape)`` inside a shape, and per image its boxes (k, 4) as x1, y1, x2, y2
    in pixels and their labels (k,), numbered as in the masks.
    """
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(
        torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij"
    )
    images = torch.empty(n, 3, size, size, dtype=torch.uint8)
    masks = torch.zeros(n, size, size, dtype=torch.int64)
    boxes, labels = [], []
    for i in range(n):
        # A dark background with a random colour, a sine texture and pixel noise.
        freq = 0.1 + 0.4 * torch.rand(2, generator=g)
        texture = 0.1 * torch.sin(freq[0] * xx + freq[1] * yy)
        image = 0.4 * torch.rand(3, 1, 1, generator=g) + texture
        placed: list[list[float]] = []  # the tight boxes of the shapes drawn so far
        image_labels: list[int] = []  # and their labels
        for _ in range(int(torch.randint(1, max_objects + 1, (1,), generator=g))):
            for _attempt in range(20):  # rejection sampling: shapes never overlap
                r = size * (0.1 + 0.15 * float(torch.rand(1, generator=g)))
                cx, cy = (r + (size - 2 * r) * torch.rand(2, generator=g)).tolist()
                box = [cx - r, cy - r, cx + r, cy + r]
                if all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in placed):
                    break
            else:
                continue
            cls = int(torch.randint(len(shapes), (1,), generator=g))
            if shapes[cls] == "circle":
                region = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
            elif shapes[cls] == "square":
                region = ((xx - cx).abs() <= r) & ((yy - cy).abs() <= r)
            else:  # a triangle pointing up: its half-width grows from 0 at the top to r at the bottom
                region = (yy >= cy - r) & (yy <= cy + r) & ((xx - cx).abs() <= (yy - (cy - r)) / 2)
            if not region.any():
                continue
            image[:, region] = (0.55 + 0.45 * torch.rand(3, 1, generator=g)).expand(3, int(region.sum()))
            masks[i][region] = cls + 1
            rows, cols = region.nonzero(as_tuple=True)
            placed.append([float(cols.min()), float(rows.min()), float(cols.max()) + 1, float(rows.max()) + 1])
            image_labels.append(cls + 1)
        image = image + noise * torch.randn(3, size, size, generator=g)
        images[i] = (image.clamp(0, 1) * 255).round().to(torch.uint8)
        boxes.append(torch.tensor(placed, dtype=torch.float32).reshape(-1, 4))
        labels.append(torch.tensor(image_labels, dtype=torch.int64))
    return images, masks, boxes, labels


def shapes_source() -> str:
    """``make_shapes``'s source, as generated train.py files define it."""
    return inspect.getsource(make_shapes)

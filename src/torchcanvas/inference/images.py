"""Small PNGs for the studio: the tensor the model saw, attribution overlays, feature-map grids.

Images are sent at the tensor's own size (an 8x8 digit is an 8x8 PNG); the browser scales them
up with ``image-rendering: pixelated``, so that every pixel the model saw stays one block.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import torch
from PIL import Image

# A perceptual dark-to-bright colour ramp (after matplotlib's inferno), for attributions.
_STOPS = np.array(
    [
        [0, 0, 4],
        [40, 11, 84],
        [101, 21, 110],
        [159, 42, 99],
        [212, 72, 66],
        [245, 125, 21],
        [250, 193, 39],
        [252, 255, 164],
    ],
    dtype=np.float32,
)


def png_b64(rgb: np.ndarray) -> str:
    """uint8 (H, W) or (H, W, 3) as a base64 PNG."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", optimize=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _unit(t: torch.Tensor) -> torch.Tensor:
    """Scaled to 0..1 by its own range (a constant tensor is 0)."""
    t = t.detach().float()
    t = torch.nan_to_num(t)
    lo, hi = t.min(), t.max()
    return (t - lo) / (hi - lo) if hi > lo else torch.zeros_like(t)


def to_display(x: torch.Tensor) -> np.ndarray:
    """A (C, H, W) tensor as an image: its own range stretched to 0..255; 3 channels as RGB,
    else the first channel in grey."""
    img = _unit(x[:3] if x.shape[0] == 3 else x[0])
    arr = (img * 255).round().to(torch.uint8)
    return arr.permute(1, 2, 0).numpy() if arr.dim() == 3 else arr.numpy()


def colormap(values: torch.Tensor) -> np.ndarray:
    """(H, W) in 0..1 -> uint8 (H, W, 3) on the colour ramp."""
    v = values.clamp(0, 1).numpy() * (len(_STOPS) - 1)
    lo = np.floor(v).astype(int).clip(0, len(_STOPS) - 2)
    frac = (v - lo)[..., None]
    rgb = _STOPS[lo] * (1 - frac) + _STOPS[lo + 1] * frac
    return rgb.round().astype(np.uint8)


def overlay(x: torch.Tensor, attribution: torch.Tensor, alpha: float = 0.6) -> np.ndarray:
    """The input (C, H, W) in grey under the attribution (H, W), scaled by its largest magnitude."""
    base = to_display(x)
    grey = base.mean(axis=2) if base.ndim == 3 else base.astype(np.float32)
    heat = colormap(_unit(attribution.abs()))
    mixed = (1 - alpha) * grey[..., None] + alpha * heat
    return np.asarray(mixed.round().clip(0, 255), dtype=np.uint8)


def grid(maps: torch.Tensor, gap: int = 1) -> tuple[np.ndarray, int]:
    """Feature maps (N, H, W), each stretched to its own range, in a near-square grid with
    ``gap`` pixels between them. Returns the image and the number of columns."""
    n, h, w = maps.shape
    cols = max(1, int(np.ceil(np.sqrt(n))))
    rows = int(np.ceil(n / cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), 40, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = (
            (_unit(maps[i]) * 255).round().to(torch.uint8).numpy()
        )
    return out, cols

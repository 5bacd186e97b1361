"""Why BatchNorm misbehaves at batch size 2 and GroupNorm does not, computed on real feature maps.

The feature maps are those of the shapes data set (the detection template's images) through a
fixed, seeded 3x3 conv: 16 channels whose means differ from image to image, as real features do.
For each batch size, one image (image 0) is normalized in many batches, each with other partners
drawn at random:

- **spread**: how much image 0's normalized output changes with its partners (the standard
  deviation over the batches, averaged over its elements). BatchNorm in training mode takes each
  channel's mean and variance over the whole batch, so the output of one image depends on the others.
- **train/eval gap**: the mean absolute difference between image 0's output in training mode (the
  batch's statistics) and in eval mode (statistics over all the images: what ``running_mean`` /
  ``running_var`` tend to). A network trained on the first is evaluated on the second.
- **mean error**: how far a batch's channel means are from the population's, in population
  standard deviations: the noise in the statistics themselves.

GroupNorm takes its statistics per image (and group of channels), so both figures are zero up to
rounding, at every batch size: computed here, not assumed.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import nn

from torchcanvas.codegen.shapes import make_shapes

IMAGES = 128
SIZE = 32  # the images'; the feature maps are half that (a stride-2 conv), as a backbone's are
CHANNELS = 16
GROUPS = 4
MAX_BATCH = 64
MAX_TRIALS = 50  # with 8 sizes up to 64: under a second of CPU, so that no request nears the time budget


@functools.lru_cache(maxsize=4)
def _features(seed: int) -> torch.Tensor:
    images, _, _, _ = make_shapes(IMAGES, size=SIZE, seed=seed)
    g = torch.Generator().manual_seed(seed)
    conv = nn.Conv2d(3, CHANNELS, 3, stride=2, padding=1)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) * 0.3)
        conv.bias.copy_(torch.randn(CHANNELS, generator=g) * 0.1)  # type: ignore[union-attr]
        return torch.relu(conv(images.float() / 255))  # (IMAGES, 16, 16, 16)


def batch_statistics(batch_sizes: list[int], trials: int, seed: int) -> dict[str, Any]:
    if not batch_sizes or any(not 2 <= b <= MAX_BATCH for b in batch_sizes):
        raise ValueError(f"batch sizes run from 2 to {MAX_BATCH}")
    if not 2 <= trials <= MAX_TRIALS:
        raise ValueError(f"trials run from 2 to {MAX_TRIALS}")
    feats = _features(seed)
    g = torch.Generator().manual_seed(seed + 1)
    bn = nn.BatchNorm2d(CHANNELS, affine=False, track_running_stats=False)  # always the batch's statistics
    gn = nn.GroupNorm(GROUPS, CHANNELS, affine=False)
    pop_mean = feats.mean(dim=(0, 2, 3))
    pop_var = feats.var(dim=(0, 2, 3), unbiased=False)
    pop_std = pop_var.sqrt()
    eval_bn = (feats[0] - pop_mean[:, None, None]) / torch.sqrt(pop_var[:, None, None] + bn.eps)
    eval_gn = gn(feats[:1])[0]
    rows = []
    with torch.no_grad():
        for b in sorted(set(batch_sizes)):
            bn_out, gn_out, errors = [], [], []
            for _ in range(trials):
                partners = 1 + torch.randperm(IMAGES - 1, generator=g)[: b - 1]
                batch = torch.cat([feats[:1], feats[partners]])
                bn_out.append(bn(batch)[0])
                gn_out.append(gn(batch)[0])
                errors.append(((batch.mean(dim=(0, 2, 3)) - pop_mean).abs() / pop_std.clamp_min(1e-6)).mean())
            bn_t, gn_t = torch.stack(bn_out), torch.stack(gn_out)
            rows.append(
                {
                    "batch_size": b,
                    "bn_spread": float(bn_t.std(dim=0).mean()),
                    "bn_train_eval_gap": float((bn_t - eval_bn).abs().mean()),
                    "gn_spread": float(gn_t.std(dim=0).mean()),
                    "gn_train_eval_gap": float((gn_t - eval_gn).abs().mean()),
                    "mean_error": float(torch.stack(errors).mean()),
                }
            )
    return {
        "features": list(feats.shape),
        "groups": GROUPS,
        "trials": trials,
        "seed": seed,
        "rows": rows,
        "fcos_head_norms": fcos_head_norms(),
    }


def fcos_head_norms(channels: int = 64) -> list[str]:
    """The normalization layers of torchvision's FCOS heads, read from the module itself."""
    from torchvision.models.detection.fcos import FCOSHead

    head = FCOSHead(channels, 1, 4)
    return [f"nn.GroupNorm({m.num_groups}, {m.num_channels})" for m in head.modules() if isinstance(m, nn.GroupNorm)]

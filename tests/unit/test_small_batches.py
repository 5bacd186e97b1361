"""The small-batch lesson's figures: computed from real BatchNorm and GroupNorm layers, checked here
against a hand computation and against what the lesson says they show."""

from __future__ import annotations

import pytest
import torch

from torchcanvas.lab.small_batches import _features, batch_statistics, fcos_head_norms


def test_batchnorm_depends_on_the_batch_and_groupnorm_does_not():
    r = batch_statistics([2, 4, 32], trials=30, seed=0)
    rows = {row["batch_size"]: row for row in r["rows"]}
    for row in rows.values():
        assert row["gn_spread"] < 1e-5 and row["gn_train_eval_gap"] < 1e-5
        assert row["bn_spread"] > 0.01 and row["bn_train_eval_gap"] > 0.01
    # the noise falls as the batch grows (about as 1/sqrt(batch): a factor 4 from 2 to 32 images)
    for key in ("bn_spread", "bn_train_eval_gap", "mean_error"):
        assert rows[2][key] > rows[4][key] > rows[32][key], key
    assert rows[2]["mean_error"] > 2.5 * rows[32]["mean_error"]
    assert r["features"] == [128, 16, 16, 16]


def test_batch_of_two_by_hand():
    """BatchNorm(train) on a batch of images 0 and 5 is (x - m) / sqrt(v + eps) with m, v over both
    images and every position, per channel; GroupNorm's output of image 0 is the same alone."""
    feats = _features(0)
    pair = feats[[0, 5]]
    m = pair.mean(dim=(0, 2, 3), keepdim=True)
    v = pair.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    by_hand = (pair - m) / torch.sqrt(v + 1e-5)
    bn = torch.nn.BatchNorm2d(16, affine=False, track_running_stats=False)
    torch.testing.assert_close(bn(pair), by_hand, atol=1e-5, rtol=1e-5)
    gn = torch.nn.GroupNorm(4, 16, affine=False)
    torch.testing.assert_close(gn(pair)[0], gn(feats[:1])[0])
    # and the pair's statistics are not image 0's alone: its output moves with its partner
    assert (bn(pair)[0] - bn(feats[[0, 9]])[0]).abs().mean() > 0.01


def test_the_fcos_heads_norms_are_read_from_torchvision():
    assert fcos_head_norms(64) == ["nn.GroupNorm(32, 64)"] * 8


def test_bounds():
    with pytest.raises(ValueError, match="from 2 to 64"):
        batch_statistics([1], 10, 0)
    with pytest.raises(ValueError, match="trials"):
        batch_statistics([2], 10_000, 0)

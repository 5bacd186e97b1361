"""The lessons of the seed's regularization tutorial, corrected where the seed is wrong.

Each lesson has a short explanation (Markdown) and, where it has one, the experiment that one
click runs: an example graph (``examples/<name>.json``) and variant axes
(``torchcanvas.runner.experiments``), with optional lesson params (a switch such as the learning
rate) applied to every run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, JsonValue

from torchcanvas.graph.model import Graph


class LessonParam(BaseModel):
    name: str
    path: str = Field(description="what it sets in every run's graph, e.g. training.lr")
    values: list[JsonValue]
    default: JsonValue


class LessonExperiment(BaseModel):
    example: str = Field(description="the example graph the variants start from (GET /templates/{example})")
    axes: list[dict[str, JsonValue]]
    params: list[LessonParam] = []


class Lesson(BaseModel):
    id: str
    title: str
    explanation: str = Field(description="Markdown")
    experiment: LessonExperiment | None = None
    demo: str | None = Field(default=None, description="a forward demo: POST /lab/<demo>")


BIAS_VARIANCE = """\
The expected error of a learner on a new point splits into **bias² + variance + noise**:

- **bias**: how far the *average* prediction (over training sets of the same size) is from the truth,
  the fitting ability of the model itself;
- **variance**: how much the prediction changes from one training set to another: the effect of
  the particular sample the model saw;
- **noise**: the error no learner can avoid on this task, the lower bound of the expected error.

Variance is the spread of predictions across *different training sets*, not the gap between the
training and test loss of one run (that gap is a symptom of it). **Regularization** trades a little
bias for less variance: the objective becomes *cost + regularization term*.
"""

WEIGHT_DECAY = """\
**L2 regularization** adds λ/2·Σw² to the loss; its gradient λw shrinks every weight at each step:

w ← w − lr·(∂L/∂w + λw) = w(1 − lr·λ) − lr·∂L/∂w

(the tutorial writes it with the learning rate folded in: w ← w(1 − λ) − ∂L/∂w). That is why it is called
**weight decay**; in PyTorch it is the optimizer's `weight_decay` argument. (L1, Σ|w|, instead drives
weights to exactly zero: sparse weights.)

The experiment fits the tutorial's MLP (3 hidden layers of 200) to 10 noisy points of y = 1.5x with
SGD (lr 0.01, momentum 0.9), with `weight_decay` 0 and 1e-2. Without decay the training loss goes
to almost 0: the curve threads every noisy point (overfitting). With decay the training loss stays
higher, the fit is closer to a line, and the weights are smaller and more concentrated (compare
their histograms).
"""

DROPOUT = """\
**Dropout** sets each unit of its input to zero with probability p, independently, at every
training step (any unit may drop; it is not that a fixed share p of them does). Effects: units
cannot rely on particular other units, so features depend less on each other; the weights are
spread more evenly (each behaves like a weight averaged over many thinned networks), which
shrinks them.

PyTorch scales the kept units by **1/(1 − p) during training**, so that the expected input of the
next layer is the same in training and evaluation; `model.eval()` turns dropout off and needs no
scaling. (Switch modes with `model.train()` / `model.eval()`.)

The experiment trains the tutorial's MLP with a Dropout before each Linear after the first, p = 0 and
p = 0.5, from the same initial weights: with dropout the fitted curve is smoother and the weights
more concentrated.
"""

DROPOUT_SCALE = """\
The tutorial's check of the scaling: `Dropout(0.5)` then `Linear(10000, 1, bias=False)` with every
weight 1, on an input of ones. In training mode about half the units are kept and each is
multiplied by 1/(1 − 0.5) = 2, so the output is *about* 10000 (the tutorial printed 9942); in eval
mode dropout is the identity and the output is exactly 10000.
"""

BATCHNORM = """\
**Batch normalization** normalizes each feature (each channel of a conv output) to zero mean and
unit variance over the mini-batch (and, for images, over the positions), then applies a learnable
scale γ (`weight`) and shift β (`bias`). If normalizing does not help, the layer can learn γ = σ and
β = μ and undo it.

In training it uses the batch statistics and updates running estimates,
`running = (1 − momentum)·running + momentum·batch_statistic` (momentum 0.1 by default); in eval
mode it uses `running_mean` / `running_var`. `BatchNorm1d/2d/3d(num_features)` count features,
feature maps or feature volumes: the C of (N, C), (N, C, H, W) or (N, C, D, H, W).

It keeps activations in a stable range, which tolerates larger learning rates and careless
initializations. The experiment trains the tutorial's LeNet and LeNet_bn (BatchNorm after conv1, conv2
and fc1) on a two-class 32×32 task (faces or not, batch 16, SGD momentum 0.9), each with PyTorch's
default init and with the tutorial's `initialize_weights` (normal(0, 1) linear weights, far too large).
Measured over random seeds 0–4 (10 epochs; "worst" is the largest loss of any batch):

- with `initialize_weights` (lr 0.01), LeNet_bn's worst batch loss is below plain LeNet's for
  every seed: 25–73 against 119–465,000. Plain LeNet exceeds 1e3 for four seeds of five, not
  always (119 at seed 4), and its test accuracy stays near chance (0.43–0.58) while LeNet_bn
  reaches 0.95;
- at **lr 0.1** with the default init, LeNet_bn ends every run with a lower loss
  (0.04–0.10 against 0.36–1.05), but its worst batch loss is not always the lower one
  (0.9–2.7 against 1.6–12.8; seed 4: 2.4 against 1.6);
- at lr 0.01 with the default init both train; this data does not show BatchNorm lowering the
  largest loss there.
"""

NORMALIZATION_LAYERS = """\
BatchNorm depends on the batch: it fails with tiny batches and does not suit varying-length
sequences or per-image generation. The other normalization layers compute their statistics per
sample, so they keep **no running statistics** and behave the same in training and evaluation:

- **LayerNorm(normalized_shape)**: mean and variance over the last dims given by
  `normalized_shape`, per sample; γ and β per element of `normalized_shape`. It must be a suffix
  of the input shape: for (8, 6, 3, 4), [6, 3, 4], [3, 4] or [4], never [6, 3].
- **InstanceNorm1d/2d/3d(num_features)**: per sample *and* channel, over the positions (style
  transfer: each image's own statistics); `affine=False` and `track_running_stats=False` by default.
- **GroupNorm(num_groups, num_channels)**: channels split into groups; per sample and group, over
  the group's channels and the positions; γ and β per channel; `num_groups` must divide
  `num_channels`. For small batches.

**GroupNorm with num_groups = 1 behaves like LayerNorm over (C, H, W)**, and **num_groups = C like
InstanceNorm** (up to their affine parameters' shapes). The tutorial states these the wrong way round.
"""

SMALL_BATCHES = """\
The tutorial's LeNet_bn trained at batch 16 on 32×32 images. A detector sees far larger images
(torchvision's detectors resize them to 800 pixels), so a GPU holds **2 to 4 per batch**; the
detection template here trains at 16 only because its images are 64×64.

In training mode BatchNorm takes each channel's mean and variance over the batch. Put
`2, 64, 16, 16` in the normalization explorer above with **BatchNorm**: each statistic is taken over
2 × 16 × 16 = 512 values, but they come from only **2 images**, and the pixels of one image are
alike: the estimate is about as noisy as two samples make it. So one image's output depends on
which image shares its batch, and in eval mode, where the running averages replace the batch's
statistics, the layer computes something else than what the network was trained with.

Now choose **GroupNorm** with `num_groups` 32: its statistics are taken per sample, over a group of
channels and the positions. The other image never enters, so the batch size does not matter, and
training and evaluation normalize alike (there are no running statistics). That is why
torchvision's FCOS heads use GroupNorm (listed below, read from the module), and why the editor asks
an FCOS backbone for a multiple of 32 channels.

The table below is computed by the server on the shapes set's feature maps (a fixed stride-2 3×3
conv, 16 channels of 16×16): image 0 normalized in many batches with random partners. *Spread*: how much its output
moves with its partners; *train/eval gap*: training-mode output against eval-mode output (the
population's statistics); *mean error*: how far a batch's channel means are from the population's,
in standard deviations. BatchNorm's figures shrink as the batch grows; GroupNorm's are zero at
every size.
"""

LESSONS: list[Lesson] = [
    Lesson(id="bias-variance", title="Error = bias + variance + noise", explanation=BIAS_VARIANCE),
    Lesson(
        id="weight-decay",
        title="L2 regularization: weight decay",
        explanation=WEIGHT_DECAY,
        experiment=LessonExperiment(
            example="seed_mlp_weight_decay",
            axes=[{"path": "training.optimizer.params.weight_decay", "values": [0, 0.01]}],
        ),
    ),
    Lesson(
        id="dropout",
        title="Dropout",
        explanation=DROPOUT,
        experiment=LessonExperiment(
            example="seed_mlp_dropout", axes=[{"layer_type": "Dropout", "param": "p", "values": [0, 0.5]}]
        ),
    ),
    Lesson(id="dropout-scale", title="Dropout's 1/(1 − p) scaling", explanation=DROPOUT_SCALE, demo="dropout-scale"),
    Lesson(
        id="batchnorm",
        title="Batch normalization",
        explanation=BATCHNORM,
        experiment=LessonExperiment(
            example="seed_lenet_bn",
            axes=[{"toggle": "BatchNorm"}, {"path": "training.init", "values": ["default", "initialize_weights"]}],
            params=[LessonParam(name="lr", path="training.lr", values=[0.01, 0.1], default=0.01)],
        ),
    ),
    Lesson(
        id="normalization-layers",
        title="LayerNorm, InstanceNorm, GroupNorm",
        explanation=NORMALIZATION_LAYERS,
        demo="normalization",
    ),
    Lesson(
        id="small-batches",
        title="BatchNorm at batch size 2, and GroupNorm",
        explanation=SMALL_BATCHES,
        demo="batch-statistics",
    ),
]


def lesson(lesson_id: str) -> Lesson | None:
    return next((x for x in LESSONS if x.id == lesson_id), None)


def lesson_graph(examples_dir: Path, example: str) -> Graph:
    """An example graph by name (a plain document, or ``{"graph": ...}`` wrapping one)."""
    doc: Any = json.loads((examples_dir / f"{example}.json").read_text(encoding="utf-8"))
    if isinstance(doc, dict) and isinstance(doc.get("graph"), dict):
        doc = doc["graph"]
    return Graph.model_validate(doc)

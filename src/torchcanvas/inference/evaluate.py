"""Asking a loaded model: predict (top-k), explain (Captum attributions) and inspect (a layer's
output), each on one prepared input, in inference mode where no gradient is needed.

Class scores: a model trained with a loss on raw scores over exclusive classes (cross-entropy,
NLL after log_softmax, KL divergence, multi-margin) answers with softmax probabilities; with a
loss on independent sigmoids (BCE, BCE with logits, multi-label soft margin) with sigmoids; with
any other loss (MSE on one-hot targets, ...) the outputs are ranked as they are and reported as
scores, not probabilities.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from torchcanvas.inference import images
from torchcanvas.inference.data import class_names
from torchcanvas.inference.loaded import LoadedModel, NotUsable
from torchcanvas.inference.preprocess import BadInput, Prepared

Method = Literal["integrated_gradients", "saliency", "grad_cam"]
METHODS: tuple[Method, ...] = ("integrated_gradients", "saliency", "grad_cam")
_SOFTMAX_LOSSES = {"CrossEntropyLoss", "NLLLoss", "KLDivLoss", "MultiMarginLoss"}
_SIGMOID_LOSSES = {"BCELoss", "BCEWithLogitsLoss", "MultiLabelSoftMarginLoss"}


def _first(out: Any) -> torch.Tensor:
    while isinstance(out, (tuple, list)):
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise BadInput("body", "the model's output is not a tensor")
    return out


def scoring(loaded: LoadedModel) -> str:
    loss = loaded.training.loss.spec.type
    if loaded.task != "classification":
        return "value"
    if loss in _SOFTMAX_LOSSES:
        return "softmax"
    if loss in _SIGMOID_LOSSES:
        return "sigmoid"
    return "score"


def _scores(loaded: LoadedModel, out: torch.Tensor) -> torch.Tensor:
    """(N, classes) -> (classes,): per crop, then averaged over the crops."""
    out = out.reshape(out.shape[0], -1).float()
    how = scoring(loaded)
    if how == "softmax":
        out = out.softmax(dim=1)
    elif how == "sigmoid":
        out = out.sigmoid()
    return out.mean(dim=0)


@dataclass
class Prediction:
    top: list[dict[str, Any]]
    scoring: str
    outputs: list[float] | None
    latency_ms: float


def predict(loaded: LoadedModel, prep: Prepared, top_k: int) -> Prediction:
    with loaded.lock, torch.inference_mode():
        t0 = time.perf_counter()
        out = _first(loaded.model(prep.x))
        latency = (time.perf_counter() - t0) * 1000
    if not torch.isfinite(out).all():
        raise NotUsable(
            f"run {loaded.run_id}'s model answers NaN or infinity: its training diverged; train it again with a "
            "lower learning rate"
        )
    if loaded.task != "classification":
        values = out.float().mean(dim=0).flatten()
        return Prediction([], "value", [float(v) for v in values[:1024]], latency)
    scores = _scores(loaded, out)
    names = class_names(loaded.training.dataset.spec, loaded.training.dataset.values, scores.numel())
    k = min(top_k, scores.numel())
    values, idx = scores.topk(k)
    top = [{"index": int(i), "label": names[int(i)], "probability": float(v)} for v, i in zip(values, idx, strict=True)]
    return Prediction(top, scoring(loaded), None, latency)


def predicted_class(loaded: LoadedModel, x: torch.Tensor) -> int:
    with torch.inference_mode():
        return int(_scores(loaded, _first(loaded.model(x))).argmax())


# ---- explain -----------------------------------------------------------------------------------


class _Logits(nn.Module):
    """The model's first output as (N, classes), for Captum's ``target`` index."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = _first(self.model(x))
        return out.reshape(out.shape[0], -1)


@dataclass
class Attribution:
    method: Method
    png: str | None  # an overlay on the input, for images
    values: list[float] | None  # per input feature, for vectors
    note: str


def explain(
    loaded: LoadedModel, prep: Prepared, methods: list[Method], target: int | None, ig_steps: int
) -> tuple[int, list[Attribution]]:
    """Attributions for ``target`` (by default the predicted class) by each method, on the first crop."""
    from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam, Saliency

    if loaded.task != "classification":
        raise BadInput("methods", f"explanations are for classifiers: this model is a {loaded.task} model")
    x = prep.x[:1].clone().requires_grad_(True)
    out: list[Attribution] = []
    with loaded.lock:
        n_classes = int(_first(_no_grad(loaded, x)).reshape(1, -1).shape[1])
        if target is None:
            target = predicted_class(loaded, x)
        if not 0 <= target < n_classes:
            raise BadInput("target", f"target {target} is not a class of this model (0 to {n_classes - 1})")
        forward = _Logits(loaded.model)
        for method in methods:
            if method == "integrated_gradients":
                ig = IntegratedGradients(forward)
                a = ig.attribute(
                    x, baselines=torch.zeros_like(x), target=target, n_steps=ig_steps, internal_batch_size=ig_steps
                )
                note = f"{ig_steps} steps from an all-zero input"
            elif method == "saliency":
                a = Saliency(forward).attribute(x, target=target, abs=True)
                note = "|d score / d input|"
            else:
                conv = loaded.last_conv()
                if conv is None or not loaded.kind.image:
                    out.append(Attribution(method, None, None, "Grad-CAM needs a conv layer; this model has none"))
                    continue
                layer = getattr(loaded.model, conv.attr)
                cam = LayerGradCam(forward, layer).attribute(x, target=target, relu_attributions=True)
                a = LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), interpolate_mode="bilinear")
                note = f"on {conv.id} ({conv.type}), the last conv layer, upsampled to the input"
                if not bool(cam.detach().abs().max() > 0):
                    # an overlay with no heat at all reads as "nothing matters": say why it is blank
                    note += (
                        f"; zero everywhere: no region of {conv.id} raises class {target}'s score"
                        " (often a model that has not learned yet)"
                    )
            a = torch.nan_to_num(a.detach())
            if loaded.kind.image and x.dim() == 4:
                heat = a[0].abs().sum(dim=0) if a.shape[1] > 1 else a[0, 0]
                out.append(Attribution(method, images.png_b64(images.overlay(x[0], heat)), None, note))
            else:
                out.append(Attribution(method, None, [float(v) for v in a.flatten()[:4096]], note))
    return target, out


def _no_grad(loaded: LoadedModel, x: torch.Tensor) -> Any:
    with torch.inference_mode():
        return loaded.model(x)


# ---- inspect -----------------------------------------------------------------------------------


@dataclass
class Activation:
    node: str
    type: str
    shape: list[int]
    png: str | None  # a grid of feature maps (channels x H x W outputs)
    columns: int | None
    channels_shown: int | None
    values: list[float] | None  # a vector output
    mean: float
    std: float


def activations(loaded: LoadedModel, prep: Prepared, node: str, max_channels: int, max_values: int) -> Activation:
    x = prep.x[:1]
    if node in loaded.input_ids:
        captured: torch.Tensor = x
        kind = "input"
    else:
        layer = loaded.layers.get(node)
        if layer is None:
            known = ", ".join(list(loaded.layers)[:30])
            raise BadInput("node", f"there is no layer '{node}' at the top of this run's graph; choose one of: {known}")
        kind = layer.type
        seen: list[torch.Tensor] = []

        def hook(_m: nn.Module, _i: Any, o: Any) -> None:
            seen.append(_first(o).detach())

        with loaded.lock, torch.inference_mode():
            handle = getattr(loaded.model, layer.attr).register_forward_hook(hook)
            try:
                loaded.model(x)
            finally:
                handle.remove()
        if not seen:
            raise BadInput("node", f"layer '{node}' did not run for this input")
        captured = seen[0]
    t = torch.nan_to_num(captured[0].float())  # a diverged model's NaNs are drawn as 0, and JSON has no NaN
    mean, std = float(t.mean()), float(t.std()) if t.numel() > 1 else 0.0
    if t.dim() == 3:  # (C, H, W): feature maps
        shown = t[:max_channels]
        png, cols = images.grid(shown)
        return Activation(
            node, kind, list(captured.shape), images.png_b64(png), cols, int(shown.shape[0]), None, mean, std
        )
    if t.dim() == 2 and t.shape[0] * t.shape[1] > 1:  # (T, F): a sequence, drawn as one map
        png, cols = images.grid(t[None])
        return Activation(node, kind, list(captured.shape), images.png_b64(png), cols, 1, None, mean, std)
    return Activation(
        node, kind, list(captured.shape), None, None, None, [float(v) for v in t.flatten()[:max_values]], mean, std
    )

"""Does the training config fit the graph? The data set's samples against the input node, and the
model's output against the loss and the data set's targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from torchcanvas.catalog.training import (
    Resolved,
    ResolvedTraining,
    resolve_training,
    segmentation_channels,
    target_shape,
)
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError, Issue

Shape = list[int | str]


def _fmt(shape: Sequence[int | str]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def sample_shape(rt: ResolvedTraining, transforms: list[Resolved], field: str) -> tuple[list[int] | None, list[Issue]]:
    """One sample's shape after a pipeline, found by running it on a blank image (it is cheap)."""
    if not rt.dataset.spec.is_image:
        return list(rt.sample_shape), []
    from torchvision import tv_tensors

    from torchcanvas.catalog.preview import build_pipeline

    size = int(rt.dataset.values["image_size"]) if rt.dataset.spec.type == "ImageFolder" else None  # type: ignore[arg-type]
    shape = list(rt.sample_shape) if size is None else [3, 32, 32]
    blank = tv_tensors.Image(torch.zeros(shape, dtype=torch.uint8))
    for i in range(len(transforms) + 1):  # grow the pipeline to name the transform that fails
        try:
            x = build_pipeline(transforms[:i], size)(blank)
        except Exception as e:
            t = transforms[i - 1]
            return None, [
                Issue(
                    f"transform {t.spec.type} fails on {_fmt(list(blank.shape))} images: {str(e)[:200]}",
                    param=f"training.{field}[{i - 1}]",
                    fix="change its params or remove it",
                )
            ]
    if isinstance(x, (tuple, list)):
        x = x[0]  # train.py folds the crops into the batch
    issues = []
    if x.dtype != torch.float32:
        issues.append(
            Issue(
                f"the {field} pipeline gives {str(x.dtype).removeprefix('torch.')} images; the model's weights are float32",
                param=f"training.{field}",
                fix="remove the ToDtype transform or set its dtype to float32",
            )
        )
    return list(x.shape), issues


def _expected_output(rt: ResolvedTraining) -> list[int] | None:
    spec = rt.loss.spec
    if rt.dataset.spec.task == "classification":
        return [rt.num_classes] if rt.num_classes else None
    target = target_shape(rt.dataset.spec, rt.dataset.values)
    if spec.output == "gaussian":
        return [2 * target[0], *target[1:]]
    return target


def _constructed(rt: ResolvedTraining) -> list[Issue]:
    """Build the optimizer and the loss as train.py does, so that params torch refuses together
    (Adam's betas of 1.0, Rprop's etas) stop here instead of crashing train.py at startup."""
    weight = torch.nn.Parameter(torch.zeros(1))
    makers = {
        "optimizer": lambda kw: getattr(torch.optim, rt.optimizer.spec.type)([weight], lr=rt.config.lr, **kw),
        "loss": lambda kw: getattr(torch.nn, rt.loss.spec.type)(**kw),
    }
    issues = []
    for field, make in makers.items():
        r: Resolved = getattr(rt, field)
        if field == "loss" and not hasattr(torch.nn, r.spec.type):
            continue  # DiceLoss: defined by the generated train.py, built by its test
        try:
            make({k: tuple(v) if isinstance(v, list) else v for k, v in r.values.items()})
        except (ValueError, RuntimeError, TypeError, OverflowError) as e:
            issues.append(Issue(f"{field} {r.spec.type}: torch refuses these params: {str(e).strip()[:200]}",
                                param=f"training.{field}", fix="change the param it names"))
    return issues


def freeze_issues(graph: Graph, infos: Mapping[str, Any]) -> list[Issue]:
    """``training.freeze`` names layers or module instances of the top-level graph, and leaves some
    weights to train (an optimizer with no weights at all is an error in torch)."""
    issues = []
    for i, nid in enumerate(graph.training.freeze):
        info = infos.get(nid)
        if info is None or info.node.kind not in ("layer", "module"):
            what = "is not a node of the model" if info is None else f"is an {info.node.kind} node, which has no weights"
            issues.append(Issue(f"training.freeze[{i}]: '{nid}' {what}", param=f"training.freeze[{i}]",
                                fix="freeze layers or modules of the top-level graph; remove this name"))
    total = sum(x.n_params for x in infos.values())
    frozen = sum(infos[n].n_params for n in set(graph.training.freeze) if n in infos)
    if total and frozen >= total:
        issues.append(Issue(f"training.freeze: every weight ({total:,}) is frozen, so there is nothing to train",
                            param="training.freeze", fix="leave at least one layer with weights unfrozen, e.g. the last one"))
    return issues


def training_issues(graph: Graph, input_shape: Shape, output_shape: Shape) -> list[Issue]:
    """Located issues between the training config and the graph's input / output shapes."""
    try:
        rt = resolve_training(graph.training)
    except GraphError as e:
        return e.issues
    issues: list[Issue] = _constructed(rt)
    name = rt.dataset.spec.type
    inputs, outputs = graph.inputs(), graph.outputs()
    in_id = inputs[0].id if inputs else None
    out_id = outputs[0].id if outputs else None
    # Messages name a node as the editor shows it (its name, else its id); `node` locates it by id.
    in_label = inputs[0].label if inputs else None
    out_label = outputs[0].label if outputs else None

    train_shape, train_issues = sample_shape(rt, rt.train_transforms, "train_transforms")
    test_shape, test_issues = sample_shape(rt, rt.test_transforms, "test_transforms")
    issues += train_issues + test_issues
    if train_shape and test_shape and train_shape != test_shape:
        issues.append(
            Issue(
                f"the train transforms give samples of shape {_fmt(train_shape)} but the test transforms give {_fmt(test_shape)}",
                param="training.test_transforms",
                fix=f"make both pipelines end at the same size, e.g. add Resize or CenterCrop to {_fmt(train_shape[1:])}",
            )
        )
    shape = test_shape or train_shape
    if shape is not None and list(input_shape) != ["B", *shape]:
        where = f"the input node '{in_label}'" if in_label else "the graph's input"
        given = list(input_shape[1:]) if input_shape and input_shape[0] == "B" else list(input_shape)
        issues.append(
            Issue(
                f"dataset {name} gives samples of shape {_fmt(shape)} but {where} expects {_fmt(given)}",
                node=in_id,
                param="shape",
                fix=f"set the input shape to {_fmt(['B', *shape])}, "
                f"or choose a dataset with {_fmt(given)} samples in the Training tab",
            )
        )

    if rt.dataset.spec.task == "segmentation":
        return issues + _segmentation_output(rt, shape, output_shape, out_id, out_label)
    expected = _expected_output(rt)
    loss = rt.loss.spec.type
    if expected is not None and list(output_shape) != ["B", *expected]:
        if rt.dataset.spec.task == "classification":
            why = f"{loss} on {name} needs one score per class, (B, {rt.num_classes})"
            fix = f"end the model with a layer giving {rt.num_classes} features, e.g. Linear(out_features={rt.num_classes})"
        elif rt.loss.spec.output == "gaussian":
            why = f"{loss} needs a mean and a variance per target: {_fmt(['B', *expected])}"
            fix = f"end the model with Linear(out_features={expected[0]})"
        else:
            why = f"{loss} compares the output with {name}'s targets of shape {_fmt(['B', *expected])}"
            fix = (
                f"end the model with a layer giving {_fmt(['B', *expected])}, e.g. Linear(out_features={expected[-1]})"
            )
        where = f"the model's output '{out_label}'" if out_label else "the model's output"
        issues.append(Issue(f"{where} has shape {_fmt(list(output_shape))} but {why}", node=out_id, fix=fix))
    return issues


def _segmentation_output(
    rt: ResolvedTraining, sample: list[int] | None, output_shape: Shape, out_id: str | None, out_label: str | None
) -> list[Issue]:
    """A segmentation model scores every pixel: (B, C, H, W) with the samples' H and W."""
    loss, name, classes = rt.loss.spec.type, rt.dataset.spec.type, rt.num_classes or 2
    channels = segmentation_channels(rt)
    if loss == "BCEWithLogitsLoss" and classes > 2:
        return [
            Issue(
                f"BCEWithLogitsLoss scores one class against the background, but {name} has {classes - 1} shape classes",
                param="training.loss",
                fix="set the data set's shapes to one shape, or choose CrossEntropyLoss or DiceLoss",
            )
        ]
    if sample is None:
        return []
    expected: list[int | str] = ["B", channels, *sample[1:]]
    if list(output_shape) == expected:
        return []
    where = f"the model's output '{out_label}'" if out_label else "the model's output"
    if channels == 1:
        why = f"{loss} on one shape needs one logit per pixel, {_fmt(expected)}"
    else:
        why = f"{loss} on {name} needs a score per class ({classes}: the background and the shapes) per pixel, {_fmt(expected)}"
    got_hw = list(output_shape[2:]) if len(output_shape) == 4 else None
    if got_hw is not None and got_hw != sample[1:]:
        fix = (
            f"make the output {sample[1]}x{sample[2]} like the images: pad the convolutions (padding=1 for kernel 3) "
            f"or upsample back (ConvTranspose2d / Upsample), then end with Conv2d(out_channels={channels}, kernel_size=1)"
        )
    else:
        fix = f"end the model with Conv2d(out_channels={channels}, kernel_size=1)"
    return [Issue(f"{where} has shape {_fmt(list(output_shape))} but {why}", node=out_id, fix=fix)]

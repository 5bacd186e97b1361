"""The training catalog is complete, its params validate, and bad configs give clear errors."""

from __future__ import annotations

import itertools

import pytest
import torch

from torchcanvas.catalog.training import (
    EXCLUDED,
    all_losses,
    all_optimizers,
    build_datasets,
    build_losses,
    build_optimizers,
    build_schedulers,
    build_transforms,
    resolve_training,
)
from torchcanvas.codegen.train_py import render_train_py, requirements
from torchcanvas.graph.model import Graph, TrainingConfig
from torchcanvas.graph.validate import GraphError

SCHEDULERS = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ReduceLROnPlateau",
    "OneCycleLR",
    "LinearLR",
    "PolynomialLR",
    "ConstantLR",
    "CyclicLR",
]
TRANSFORMS = [
    "ColorJitter",
    "Pad",
    "RandomCrop",
    "Grayscale",
    "RandomAffine",
    "RandomGrayscale",
    "RandomHorizontalFlip",
    "RandomVerticalFlip",
    "RandomPerspective",
    "RandomRotation",
    "TenCrop",
    "RandomErasing",
    "Resize",
    "CenterCrop",
    "RandomResizedCrop",
    "Normalize",
    "ToImage",
    "ToDtype",
]
DATASETS = [
    "Regression1D",
    "Digits",
    "DigitsRows",
    "LFWFaces",
    "Moons",
    "MNIST",
    "FashionMNIST",
    "CIFAR10",
    "CIFAR100",
    "SVHN",
    "STL10",
    "ImageFolder",
]


def test_every_loss_is_in_the_catalog_or_excluded_with_a_reason():
    losses = build_losses()
    assert "LinearCrossEntropyLoss" in all_losses() or not hasattr(torch.nn, "LinearCrossEntropyLoss")
    for name in all_losses():
        assert name in losses or len(EXCLUDED.get(name, "")) > 20, name
        assert not (name in losses and name in EXCLUDED), name


def test_every_optimizer_is_in_the_catalog_or_excluded_with_a_reason():
    opts = build_optimizers()
    for name in all_optimizers():
        assert name in opts or len(EXCLUDED.get(name, "")) > 20, name
    assert {"SGD", "Adam", "AdamW", "LBFGS", "RMSprop"} <= set(opts)
    assert all(opts[n].param("lr") is None for n in opts)  # lr comes from TrainingConfig.lr
    assert opts["Adam"].param("betas").type == "float_list" and opts["Adam"].param("betas").length == 2


def test_hidden_loss_params():
    for spec in build_losses().values():
        names = {p.name for p in spec.params}
        assert not names & {"size_average", "reduce", "weight", "pos_weight"}, spec.type


def test_required_tables_are_present():
    assert set(SCHEDULERS) == set(build_schedulers())
    assert set(TRANSFORMS) <= set(build_transforms())
    assert set(DATASETS) <= set(build_datasets())
    steps = {n: s.step for n, s in build_schedulers().items()}
    assert steps["OneCycleLR"] == steps["CyclicLR"] == "batch" and steps["ReduceLROnPlateau"] == "plateau"
    assert build_transforms()["ToDtype"].param("dtype").type == "enum"
    ds = build_datasets()
    assert ds["Regression1D"].task == "regression" and ds["Regression1D"].num_classes is None
    assert ds["LFWFaces"].sample_shape == [3, 32, 32] and ds["LFWFaces"].num_classes == 2
    assert ds["DigitsRows"].sample_shape == [8, 8] and not ds["DigitsRows"].is_image
    assert not ds["CIFAR10"].offline and ds["Digits"].offline


def test_defaults_resolve_and_render():
    # Every loss with its defaults, on a data set of its task: it resolves, and train.py renders
    # (render_train_py compiles what it renders) with that loss built from its defaults.
    dataset = {"regression": "Regression1D", "segmentation": "Shapes"}
    for loss, spec in build_losses().items():
        if spec.task == "detection":
            continue  # the detector's own loss: tests/unit/test_detection.py
        training = {"dataset": {"type": dataset.get(spec.task, "Moons")}, "loss": {"type": loss}}
        rt = resolve_training(TrainingConfig.model_validate(training))
        assert rt.loss.spec.type == loss
        source = render_train_py(Graph.model_validate({"training": training}), "Net")
        assert f"criterion = {'' if loss == 'DiceLoss' else 'nn.'}{loss}(" in source, loss


def _error(training: dict) -> GraphError:
    with pytest.raises(GraphError) as e:
        render_train_py(Graph.model_validate({"training": training}), "Net")
    return e.value


def test_bad_params_name_the_field_and_a_fix():
    e = _error({"optimizer": {"type": "SGD", "params": {"momentum": "fast"}}})
    assert e.issues[0].param == "training.optimizer.momentum" and "number" in e.issues[0].message and e.issues[0].fix
    e = _error({"optimizer": {"type": "Adam", "params": {"betas": [0.9]}}})
    assert e.issues[0].param == "training.optimizer.betas" and "2" in e.issues[0].fix
    e = _error({"optimizer": {"type": "SGD", "params": {"momentun": 0.9}}})
    assert "momentum" in e.issues[0].fix
    e = _error({"loss": {"type": "CrossEntropyLoss"}})  # Regression1D is a regression task
    assert e.issues[0].param == "training.loss" and "MSELoss" in e.issues[0].fix
    e = _error({"loss": {"type": "CTCLoss"}})
    assert "sequence" in e.issues[0].message
    e = _error(
        {
            "dataset": {"type": "LFWFaces"},
            "loss": {"type": "CrossEntropyLoss"},
            "optimizer": {"type": "Adagrad"},
            "scheduler": {"type": "OneCycleLR"},
        }
    )
    assert e.issues[0].param == "training.scheduler.cycle_momentum"
    e = _error({"train_transforms": [{"type": "RandomCrop"}]})  # Regression1D takes no image transforms; size missing
    assert {i.param for i in e.issues} >= {"training.train_transforms[0].size", "training.train_transforms"}
    e = _error(
        {"dataset": {"type": "LFWFaces"}, "test_transforms": [{"type": "ToDtype", "params": {"dtype": "float99"}}]}
    )
    assert e.issues[0].param == "training.test_transforms[0].dtype"


def test_strings_are_rendered_as_literals_never_pasted():
    def doc(root: str) -> Graph:
        return Graph.model_validate(
            {"training": {"dataset": {"type": "MNIST", "params": {"root": root}}, "loss": {"type": "CrossEntropyLoss"}}}
        )

    src = render_train_py(doc("my-data/v1.2"), "Net")
    compile(src, "train.py", "exec")
    assert 'default="my-data/v1.2"' in src  # a string literal, double-quoted as ruff writes them
    # A root that is not a plain relative folder name never reaches the source at all.
    with pytest.raises(GraphError) as e:
        render_train_py(doc('"); import os; os.system("echo pwned") #'), "Net")
    assert e.value.issues[0].param == "training.dataset.root"
    with pytest.raises(ValueError):
        render_train_py(Graph(), "Net; import os")


def test_requirements():
    assert requirements(Graph()) == ["torch==2.14.1", "torchvision==0.29.1", "tensorboard", "tqdm"]
    lfw = Graph.model_validate({"training": {"dataset": {"type": "LFWFaces"}, "loss": {"type": "CrossEntropyLoss"}}})
    assert "scikit-image" in requirements(lfw)


def test_preview_uses_the_train_pipeline():
    from torchcanvas.catalog.preview import preview
    from torchcanvas.graph.model import Choice

    pairs = preview(
        Choice(type="LFWFaces"), [Choice(type="TenCrop", params={"size": 24}), Choice(type="Grayscale")], n=3
    )
    assert len(pairs) == 3 and pairs[0][0].size == (32, 32) and pairs[0][1].size == (24, 24) and pairs[0][1].mode == "L"
    assert preview(Choice(type="Digits"), [], n=1)[0][0].size == (8, 8)
    with pytest.raises(GraphError):
        preview(Choice(type="CIFAR10"), [])


def test_training_issues_name_the_input_and_output():
    from torchcanvas.shapes.training import training_issues

    g = Graph.model_validate(
        {
            "nodes": [{"id": "x", "kind": "input", "shape": ["B", 1, 28, 28]}, {"id": "y", "kind": "output"}],
            "training": {"dataset": {"type": "LFWFaces"}, "loss": {"type": "CrossEntropyLoss"}},
        }
    )
    issues = training_issues(g, ["B", 1, 28, 28], ["B", 10])
    assert issues[0].message == (
        "dataset LFWFaces gives samples of shape (3, 32, 32) but the input node 'x' expects (1, 28, 28)"
    )
    assert issues[0].fix == "set the input shape to (B, 3, 32, 32), or choose a dataset with (1, 28, 28) samples in the Training tab"
    assert issues[0].node == "x"
    assert issues[1].node == "y" and "(B, 2)" in issues[1].message
    assert training_issues(g, ["B", 3, 32, 32], ["B", 2]) == []
    g.training.train_transforms = g.training.test_transforms = []
    g.training.test_transforms.append(type(g.training.dataset)(type="CenterCrop", params={"size": 28}))
    assert any("(3, 28, 28)" in i.message for i in training_issues(g, ["B", 3, 32, 32], ["B", 2]))


def test_class_names_match_the_classes_and_torchvision() -> None:
    import torchvision

    from torchcanvas.catalog import catalog

    named = {k: d for k, d in catalog().datasets.items() if d.class_names is not None}
    assert {"Moons", "Digits", "LFWFaces", "MNIST", "FashionMNIST", "CIFAR10", "SVHN", "STL10"} <= named.keys()
    for name, d in named.items():
        assert d.task in ("classification", "segmentation") and len(d.class_names or []) == d.num_classes, name
    # torchvision names these two on the class itself (the others come with the download).
    assert named["FashionMNIST"].class_names == torchvision.datasets.FashionMNIST.classes
    assert [c.split(" - ")[0] for c in torchvision.datasets.MNIST.classes] == named["MNIST"].class_names


def _tour_model(doc: Graph, classes: int) -> Graph:
    """What the guided tour builds on a new document: x -> Conv2d -> Flatten -> Linear -> y."""
    chain = [("conv", "Conv2d", {"out_channels": 8, "kernel_size": 3}), ("flat", "Flatten", {}),
             ("fc", "Linear", {"out_features": classes})]
    nodes = [{"id": i, "kind": "layer", "type": t, "params": p} for i, t, p in chain]
    ids = ["x", *[i for i, _, _ in chain], "y"]
    edges = [{"source": {"node": a, "port": "out"}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)]
    return Graph.model_validate({**doc.model_dump(mode="json"), "nodes": [*doc.model_dump(mode="json")["nodes"], *nodes], "edges": edges})


def test_a_new_document_starts_consistent_and_trains_once_it_has_a_head():
    from torchcanvas.catalog.training import new_document
    from torchcanvas.codegen import generate_files
    from torchcanvas.shapes import check

    doc = new_document("Mine")
    assert doc.name == "Mine"
    data = build_datasets()[doc.training.dataset.type]
    assert data.offline, "a new model must train without a download"
    (x,) = doc.inputs()
    assert x.shape == ["B", *data.sample_shape]
    assert build_losses()[doc.training.loss.type].supports(data.task)
    result = check(doc)
    assert [i.message for i in result.issues] == ["the output is not connected"]  # no training warning
    # The model the tour builds on it checks clean, and gets its train.py.
    model = _tour_model(doc, data.num_classes or 0)
    result = check(model)
    assert result.ok and result.issues == [], [i.message for i in result.issues]
    files, issues = generate_files(model)
    assert issues == []
    assert {"model.py", "train.py", "requirements.txt"} <= set(files)
    # The old default (the seed's 1-D regression) on the same model gave two warnings.
    old = model.model_copy(update={"training": TrainingConfig()})
    assert len([i for i in check(old).issues if i.severity == "warning"]) == 2


def test_training_issues_name_nodes_by_their_label():
    from torchcanvas.shapes.training import training_issues

    g = Graph.model_validate(
        {
            "nodes": [{"id": "x", "kind": "input", "name": "image", "shape": ["B", 1, 28, 28]},
                      {"id": "y", "kind": "output", "name": "logits"}],
            "training": {"dataset": {"type": "LFWFaces"}, "loss": {"type": "CrossEntropyLoss"}},
        }
    )
    issues = training_issues(g, ["B", 1, 28, 28], ["B", 10])
    assert "the input node 'image' expects (1, 28, 28)" in issues[0].message and issues[0].node == "x"
    assert issues[1].message.startswith("the model's output 'logits' has shape (B, 10)") and issues[1].node == "y"

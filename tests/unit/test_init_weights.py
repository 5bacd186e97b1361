"""Starting from saved weights (train.py's --init-from) and freezing layers (training.freeze).

The torchvision round trip runs train.py's own ``load_weights`` on the generated model: a
torchvision model's state_dict loads strictly, and the outputs equal the source's.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
import torchvision
from torch import nn

from tests.codegen_utils import import_source
from torchcanvas import codegen
from torchcanvas.codegen import model_class_name
from torchcanvas.graph.model import Graph
from torchcanvas.importer import import_module
from torchcanvas.shapes import check

EXAMPLES = Path(__file__).parents[2] / "examples"
SIZE = 64


def _load_weights_of(train_py: str) -> Any:
    """The generated train.py's load_weights function, without running the script around it."""
    tree = ast.parse(train_py)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "load_weights")
    scope: dict[str, Any] = {"torch": torch}
    exec(compile(ast.Module(body=[fn], type_ignores=[]), "train.py", "exec"), scope)
    return scope["load_weights"]


def _randomise(model: nn.Module) -> None:
    """Running statistics other than 0 and 1, so that a mis-wired BatchNorm shows."""
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is not None:
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


_SLOW = pytest.mark.slow
MODELS = [
    pytest.param("resnet18", {}),
    pytest.param("mobilenet_v3_small", {}),
    pytest.param("squeezenet1_0", {}),
    pytest.param("shufflenet_v2_x0_5", {}),
    pytest.param("regnet_y_400mf", {}),
    pytest.param("mnasnet0_5", {}),
    pytest.param("googlenet", {"aux_logits": False}),
    pytest.param("efficientnet_b0", {}, marks=_SLOW),
    pytest.param("convnext_tiny", {}, marks=_SLOW),
    pytest.param("vit_b_16", {"image_size": SIZE}, marks=_SLOW),
]


@pytest.mark.parametrize(("name", "kwargs"), MODELS)
def test_a_torchvision_state_dict_loads_through_init_from(name: str, kwargs: dict[str, Any], tmp_path: Path) -> None:
    source = torchvision.models.get_model(name, weights=None, **kwargs).eval()
    _randomise(source)
    weights = tmp_path / "weights.pt"
    torch.save(source.state_dict(), weights)

    graph = import_module(source, [3, SIZE, SIZE])
    files = codegen.generate(graph)
    model = getattr(import_source(files["model.py"], tmp_path), model_class_name(graph))().eval()
    _load_weights_of(files["train.py"])(model, str(weights))

    x = torch.randn(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(model(x), source(x), rtol=1e-5, atol=1e-5)


def _mlp(**training: Any) -> Graph:
    doc = json.loads((EXAMPLES / "seed_mlp_weight_decay.json").read_text())
    doc["training"].update(epochs=3, **training)
    return Graph.model_validate(doc)


def test_a_checkpoint_of_a_run_loads_and_a_mismatch_names_every_key(tmp_path: Path) -> None:
    graph = _mlp()
    files = codegen.generate(graph)
    load = _load_weights_of(files["train.py"])
    model = getattr(import_source(files["model.py"], tmp_path), model_class_name(graph))()

    # A run's checkpoint.pt ({"model", "optimizer", "epoch"}) loads as its state_dict.
    trained = {k: torch.randn_like(v) for k, v in model.state_dict().items()}
    torch.save({"model": trained, "optimizer": {}, "epoch": 3}, tmp_path / "checkpoint.pt")
    load(model, str(tmp_path / "checkpoint.pt"))
    assert all(torch.equal(model.state_dict()[k], v) for k, v in trained.items())

    bad = dict(trained)
    del bad["fc4.bias"]
    bad["head.weight"] = torch.zeros(1)
    bad["fc1.weight"] = torch.zeros(3, 1)
    torch.save(bad, tmp_path / "bad.pt")
    with pytest.raises(SystemExit) as e:
        load(model, str(tmp_path / "bad.pt"))
    report = str(e.value)
    assert "1 key(s) missing (in the model, not in the file): fc4.bias" in report
    assert "1 key(s) unexpected (in the file, not in the model): head.weight" in report
    assert "fc1.weight: (3, 1) in the file, (200, 1) in the model" in report
    assert "fix:" in report
    assert all(torch.equal(model.state_dict()[k], v) for k, v in trained.items())  # nothing was loaded

    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    with pytest.raises(SystemExit, match="not a state_dict"):
        load(model, str(tmp_path / "tensor.pt"))


def test_frozen_layers_keep_their_weights_and_the_others_train(tmp_path: Path) -> None:
    """A real train.py run from saved weights with fc1 and fc2 frozen: they end as they started."""
    graph = _mlp(freeze=["fc1", "fc2"])
    for name, text in codegen.generate(graph).items():
        (tmp_path / name).write_text(text)
    model = getattr(import_source((tmp_path / "model.py").read_text(), tmp_path), model_class_name(graph))()
    start = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save(start, tmp_path / "start.pt")
    proc = subprocess.run(
        [sys.executable, "train.py", "--init-from", "start.pt", "--device", "cpu", "--out", "runs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "initial weights: 8 tensors from start.pt" in proc.stdout
    assert "params: 40,401 trainable, 40,600 frozen" in proc.stdout
    end = torch.load(tmp_path / "runs" / "checkpoint.pt", weights_only=True)["model"]
    for k in ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"):
        assert torch.equal(end[k], start[k]), k
    for k in ("fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias"):
        assert not torch.equal(end[k], start[k]), k
    # The optimizer holds the trainable weights only.
    assert (
        len(
            torch.load(tmp_path / "runs" / "checkpoint.pt", weights_only=True)["optimizer"]["param_groups"][0]["params"]
        )
        == 4
    )


def test_init_from_a_file_that_does_not_fit_stops_the_run(tmp_path: Path) -> None:
    for name, text in codegen.generate(_mlp()).items():
        (tmp_path / name).write_text(text)
    torch.save({"fc1.weight": torch.zeros(2, 2)}, tmp_path / "other.pt")
    proc = subprocess.run(
        [sys.executable, "train.py", "--init-from", "other.pt", "--device", "cpu"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "7 key(s) missing" in proc.stderr and "fc1.weight: (2, 2) in the file, (200, 1) in the model" in proc.stderr


def test_the_check_counts_frozen_params_and_names_bad_entries() -> None:
    result = check(_mlp(freeze=["fc1", "fc4"]))
    assert result.ok and not result.issues
    assert (result.total_params, result.frozen_params) == (81_001, 400 + 201)

    result = check(_mlp(freeze=["fc1", "nope", "x"]))
    messages = [(i.param, i.message) for i in result.issues]
    assert ("training.freeze[1]", "training.freeze[1]: 'nope' is not a node of the model") in messages
    assert ("training.freeze[2]", "training.freeze[2]: 'x' is an input node, which has no weights") in messages

    every = check(_mlp(freeze=["fc1", "fc2", "fc3", "fc4"]))
    assert any("every weight (81,001) is frozen" in i.message for i in every.issues)
    with pytest.raises(Exception, match="frozen"):
        codegen.generate(_mlp(freeze=["fc1", "fc2", "fc3", "fc4"]))


def test_freezing_an_imported_backbone_freezes_its_blocks(tmp_path: Path) -> None:
    """Fine-tuning: a torchvision resnet18's stem and blocks frozen (module nodes), the head trains."""
    source = torchvision.models.resnet18(num_classes=10)
    graph = import_module(source, [3, SIZE, SIZE])
    backbone = ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"]
    graph.training.freeze = backbone
    result = check(graph)
    frozen = sum(p.numel() for name in backbone for p in getattr(source, name).parameters())
    assert result.frozen_params == frozen and result.total_params - frozen == 10 * 512 + 10

    files = codegen.generate(graph)
    assert 'for name in ("conv1", "bn1", "layer1", "layer2", "layer3", "layer4"):' in files["train.py"]
    assert "optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad]" in files["train.py"]
    model = getattr(import_source(files["model.py"], tmp_path), model_class_name(graph))()
    # The generated lines, run on the generated model: only fc's weight and bias still train.
    for name in backbone:
        getattr(model, name).requires_grad_(False)
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["fc.weight", "fc.bias"]

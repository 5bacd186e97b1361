"""The importer: torchvision models and small hand-written modules, traced into documents.

Each imported model is checked against the source itself (a differential test): the same
state_dict keys and shapes, the source's weights load strictly, the same outputs with
BatchNorm's running statistics randomised, and check()'s params and FLOPs equal torch's count.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch
import torchvision
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from tests.codegen_utils import import_source
from torchcanvas.cli import main
from torchcanvas.codegen import generate_model_py, model_class_name
from torchcanvas.graph.model import Graph
from torchcanvas.importer import ImportRefused, import_module
from torchcanvas.shapes import build_model, check

torch.set_num_threads(1)

SIZE = 64  # small inputs keep the forward passes cheap; the import itself does no arithmetic


def _randomise_running_stats(model: nn.Module) -> None:
    """Running stats other than 0 and 1, so that a BatchNorm wired to the wrong input shows."""
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is not None:
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


def _flops(model: nn.Module, x: torch.Tensor) -> int:
    # With gradients on: under no_grad, MultiheadAttention takes a fused kernel that the counter
    # does not count (ViT would show a third fewer FLOPs than it does); and scaled dot-product
    # attention as plain matmuls, which it counts (its fused CPU kernel has no FLOP formula).
    with FlopCounterMode(display=False) as counter, sdpa_kernel(SDPBackend.MATH):
        model(x)
    return int(counter.get_total_flops())


def _assert_same_model(source: nn.Module, graph: Graph, size: int) -> None:
    imported = build_model(graph).eval()
    theirs = [(k, tuple(v.shape)) for k, v in source.state_dict().items()]
    assert [(k, tuple(v.shape)) for k, v in imported.state_dict().items()] == theirs
    imported.load_state_dict(source.state_dict(), strict=True)
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(imported(x), source(x), rtol=1e-5, atol=1e-5)
    result = check(graph)
    assert result.ok, result.issues
    assert result.total_params == sum(p.numel() for p in source.parameters())
    assert result.total_flops == _flops(source, x[:1])


# One model of each torchvision family, at a small input (the sizes each accepts). Those slower
# than 5 s here run with the slow tests.
_SLOW = pytest.mark.slow
TORCHVISION = [
    pytest.param("resnet18", 64, {}), pytest.param("resnext50_32x4d", 64, {}),
    pytest.param("vgg11", 64, {}), pytest.param("alexnet", 64, {}),
    pytest.param("mobilenet_v2", 64, {}), pytest.param("mobilenet_v3_small", 64, {}),
    pytest.param("efficientnet_b0", 64, {}), pytest.param("efficientnet_v2_s", 64, {}, marks=_SLOW),
    pytest.param("regnet_y_400mf", 64, {}), pytest.param("densenet121", 64, {}, marks=_SLOW),
    pytest.param("squeezenet1_0", 64, {}), pytest.param("shufflenet_v2_x0_5", 64, {}), pytest.param("mnasnet0_5", 64, {}),
    pytest.param("googlenet", 64, {"aux_logits": False}), pytest.param("inception_v3", 80, {"aux_logits": False}),
    pytest.param("convnext_tiny", 64, {}), pytest.param("vit_b_16", 64, {"image_size": 64}, marks=_SLOW),
]


@pytest.mark.parametrize(("name", "size", "kwargs"), TORCHVISION)
def test_torchvision_model_imports_exactly(name: str, size: int, kwargs: dict[str, Any], tmp_path: Path) -> None:
    source = torchvision.models.get_model(name, weights=None, **kwargs).eval()
    _randomise_running_stats(source)
    graph = import_module(source, [3, size, size])
    _assert_same_model(source, graph, size)

    # The generated model.py has the source's names: its own state_dict loads strictly too (built
    # on the meta device to skip initialising weights that are replaced at once)...
    code = generate_model_py(graph)
    with torch.device("meta"):
        generated = getattr(import_source(code, tmp_path), model_class_name(graph))().eval()
    generated.load_state_dict(source.state_dict(), strict=True, assign=True)
    # ...and importing it gives the same document back.
    assert import_module(generated, [3, size, size]) == graph


def test_resnet_keeps_the_source_structure_and_shares_definitions() -> None:
    graph = import_module(torchvision.models.resnet18(), [3, SIZE, SIZE])
    assert [n.id for n in graph.nodes] == ["x", "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                                           "avgpool", "flatten", "fc", "out"]
    layer1 = graph.module(next(n.module for n in graph.nodes if n.id == "layer1"))  # type: ignore[union-attr]
    assert layer1 is not None and [n.id for n in layer1.nodes] == ["x", "0", "1", "out"]
    # Both blocks of layer1 are one definition; in_channels is left to the shape pass.
    assert len({n.module for n in layer1.nodes if n.kind == "module"}) == 1
    block = graph.module(layer1.nodes[1].module)  # type: ignore[union-attr]
    assert block is not None
    conv1 = next(n for n in block.nodes if n.id == "conv1")
    assert conv1.params == {"out_channels": 64, "kernel_size": 3, "padding": 1, "bias": False}  # type: ignore[union-attr]


# ---- refusals: each names the op and the line -------------------------------------------------------


def _module_from(tmp_path: Path, source: str, name: str = "Net") -> nn.Module:
    module = import_source(textwrap.dedent(source), tmp_path, name="user_model")
    return getattr(module, name)()


def _refusal(tmp_path: Path, source: str, shape: list[int]) -> str:
    with pytest.raises(ImportRefused) as e:
        import_module(_module_from(tmp_path, source), shape)
    return str(e.value)


def test_data_dependent_control_flow_is_refused_with_its_line(tmp_path: Path) -> None:
    text = _refusal(tmp_path, """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                if x.sum() > 0:
                    return self.fc(x)
                return x
        """, [4])
    assert "data-dependent control flow" in text
    assert "user_model.py:10: if x.sum() > 0:" in text


def test_in_place_assignment_is_refused_with_its_line(tmp_path: Path) -> None:
    text = _refusal(tmp_path, """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                y = self.fc(x)
                y[:, 0] = 0
                return y
        """, [4])
    assert "in-place assignment" in text and "user_model.py:11: y[:, 0] = 0" in text


def test_in_place_method_is_refused_with_its_line(tmp_path: Path) -> None:
    text = _refusal(tmp_path, """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                y = self.fc(x)
                y.clamp_(min=0)
                return y
        """, [4])
    assert "Tensor.clamp_ (in place) (x1) at" in text and "user_model.py:11: y.clamp_(min=0)" in text


def test_unsupported_ops_are_refused_with_their_count_and_line(tmp_path: Path) -> None:
    text = _refusal(tmp_path, """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                for _ in range(3):
                    x = torch.cumsum(self.fc(x), dim=1)
                return x
        """, [4])
    assert "shared weights" in text or "cumsum" in text
    assert "user_model.py:12: x = torch.cumsum(self.fc(x), dim=1)" in text


def test_an_unsupported_function_is_refused_not_dropped(tmp_path: Path) -> None:
    text = _refusal(tmp_path, """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(4, 4)
                self.b = nn.Linear(4, 4)

            def forward(self, x):
                x = torch.cumsum(self.a(x), dim=1)
                x = torch.cumsum(self.b(x), dim=1)
                return x
        """, [4])
    assert "cumsum (x1) at" in text and text.count("cumsum (x1) at") == 2
    assert "user_model.py:12:" in text and "user_model.py:13:" in text


# ---- the command line ------------------------------------------------------------------------------


def test_cli_imports_a_file_and_the_round_trip_is_stable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = tmp_path / "net.py"
    user.write_text(textwrap.dedent("""
        import torch.nn as nn
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3, padding=1)
                self.bn = nn.BatchNorm2d(c)

            def forward(self, x):
                return F.relu(self.bn(self.conv(x)) + x)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Conv2d(1, 8, 3, padding=1)
                self.blocks = nn.Sequential(Block(8), Block(8))
                self.head = nn.Linear(8, 10)

            def forward(self, x):
                x = self.blocks(self.stem(x))
                return self.head(x.mean(dim=(2, 3)))
        """))
    doc = tmp_path / "net.json"
    assert main(["import", f"{user}:Net", "-o", str(doc), "--input-shape", "1,16,16"]) == 0
    graph = Graph.model_validate_json(doc.read_text())
    assert [m.name for m in graph.modules] == ["Block", "Sequential"]
    assert main(["codegen", str(doc), "-o", str(tmp_path / "gen")]) == 0
    again = tmp_path / "again.json"
    assert main(["import", f"{tmp_path / 'gen' / 'model.py'}:Net", "-o", str(again), "--input-shape", "1,16,16"]) == 0
    assert json.loads(again.read_text()) == json.loads(doc.read_text())


def test_cli_refuses_an_unknown_torchvision_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["import", "torchvision:resnet7", "-o", str(tmp_path / "x.json")]) == 1
    assert "torchvision has no classification model 'resnet7'" in capsys.readouterr().err


def test_input_shape_is_guessed_from_the_first_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from torchcanvas.importer.sources import guess_input_shape

    assert guess_input_shape(nn.Sequential(nn.Linear(784, 10))) == [784]
    assert guess_input_shape(nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU())) == [1, 224, 224]
    assert guess_input_shape(nn.Sequential(nn.Embedding(10, 4))) is None
    user = tmp_path / "seq.py"
    user.write_text("import torch.nn as nn\n\ndef make():\n    return nn.Sequential(nn.Embedding(10, 4))\n")
    assert main(["import", f"{user}:make", "-o", str(tmp_path / "x.json")]) == 1
    assert "give --input-shape" in capsys.readouterr().err
    assert main(["import", f"{user}:missing", "-o", str(tmp_path / "x.json")]) == 1
    assert "defines no 'missing'" in capsys.readouterr().err


# ---- submodules called with keyword arguments --------------------------------------------------------

KEYWORDS = """
    import torch
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x, gate=None, scale=True):
            y = self.fc(x)
            if gate is not None:
                y = y * gate
            return torch.relu(y) if scale else y

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Block()
            self.b = Block()
            self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

        def forward(self, x):
            h = self.a(x, scale=False)
            g = self.b(x, gate=h)
            out, _ = self.attn(query=g, key=h, value=h, need_weights=False)
            return out
    """


def test_keyword_arguments_map_to_their_ports(tmp_path: Path) -> None:
    source = _module_from(tmp_path, KEYWORDS).eval()
    graph = import_module(source, [4, 8])
    edges = {(e.source.node, e.target.node, e.target.port) for e in graph.edges}
    # gate= feeds b's port gate; query=, key=, value= MultiheadAttention's ports of those names.
    assert {("a", "b", "gate"), ("x", "b", "x"), ("b", "attn", "query"), ("a", "attn", "key"), ("a", "attn", "value")} <= edges
    # a is traced with scale=False and gate left out (None): no gate port, no ReLU.
    a = graph.module(next(n.module for n in graph.nodes if n.id == "a"))  # type: ignore[union-attr]
    assert a is not None and [n.id for n in a.inputs()] == ["x"]
    imported = build_model(graph).eval()
    imported.load_state_dict(source.state_dict(), strict=True)
    x = torch.randn(2, 4, 8)
    with torch.no_grad():
        torch.testing.assert_close(imported(x), source(x))
    # The generated model.py imports back to the same document.
    code = generate_model_py(graph)
    generated = getattr(import_source(code, tmp_path), model_class_name(graph))()
    assert import_module(generated, [4, 8]) == graph


def _fresh(tmp_path: Path, name: str) -> Path:
    """A folder of its own: each user_model.py is another file (linecache keeps a file's old lines)."""
    (tmp_path / name).mkdir()
    return tmp_path / name


def test_keyword_arguments_the_document_cannot_hold_are_refused_with_their_line(tmp_path: Path) -> None:
    text = _refusal(_fresh(tmp_path, "1"), """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

            def forward(self, x):
                out, _ = self.attn(x, x, x, key_padding_mask=x)
                return out
        """, [4, 8])
    assert "MultiheadAttention self.attn called with the tensor key_padding_mask=" in text
    assert "(x1) at" in text and "user_model.py:10: out, _ = self.attn(x, x, x, key_padding_mask=x)" in text

    text = _refusal(_fresh(tmp_path, "2"), """
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x, **options):
                return self.fc(x)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = Block()

            def forward(self, x):
                return self.block(x, mode="fast")
        """, [8])
    assert "self.block called with **options (mode)" in text and "user_model.py:18: return self.block(x, mode=\"fast\")" in text

    text = _refusal(_fresh(tmp_path, "3"), """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.pool = nn.AdaptiveAvgPool1d(4)

            def forward(self, x):
                return self.pool(x, extra=1)
        """, [2, 8])
    assert "AdaptiveAvgPool1d self.pool called with arguments its forward does not take" in text
    assert "user_model.py:10: return self.pool(x, extra=1)" in text


# ---- a free parameter's init, on the meta device too -------------------------------------------------


def _parameters(graph: Graph) -> dict[str, dict[str, Any]]:
    bodies = [graph, *graph.modules]
    return {n.id: n.params for b in bodies for n in b.nodes if getattr(n, "type", None) == "Parameter"}  # type: ignore[union-attr]


def test_free_parameters_keep_the_source_init_on_the_meta_device(tmp_path: Path) -> None:
    from torchcanvas.importer.sources import torchvision_module, weights_on_meta

    warnings: list[Any] = []
    vit = import_module(torchvision_module("vit_b_16", weights=False), [3, 224, 224], warnings=warnings)
    assert _parameters(vit) == {"class_token": {"shape": [1, 1, 768]},  # torch.zeros
                                "pos_embedding": {"shape": [1, 197, 768], "init": "normal", "value": 0.02}}
    convnext = import_module(torchvision_module("convnext_tiny", weights=False), [3, 64, 64], warnings=warnings)
    scales = [n.params for m in convnext.modules for n in m.nodes if n.id == "layer_scale"]  # type: ignore[union-attr]
    assert len(scales) == 18 and all({**p, "shape": None} == {"shape": None, "init": "constant", "value": 1e-6} for p in scales)
    assert warnings == []
    # The layers' own weights stay on the meta device.
    assert torchvision_module("vit_b_16", weights=False).conv_proj.weight.is_meta

    # An init applied after the parameter was registered (nn.init does nothing on the meta device).
    user = _module_from(tmp_path, """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.token = nn.Parameter(torch.empty(1, 4))
                self.fc = nn.Linear(4, 4)
                nn.init.constant_(self.token, 0.5)

            def forward(self, x):
                return self.fc(x) + self.token
        """)
    with weights_on_meta():
        meta = type(user)()
    assert meta.fc.weight.is_meta and not meta.token.is_meta
    assert _parameters(import_module(meta, [4])) == {"token": {"shape": [1, 4], "init": "constant", "value": 0.5}}


def test_a_parameter_without_values_imports_as_zeros_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    from torchcanvas.importer import sources

    monkeypatch.setattr(sources, "FREE_PARAMETER_ELEMENTS", 100)  # the class token (768) stays on meta
    warnings: list[Any] = []
    vit = import_module(sources.torchvision_module("vit_b_16", weights=False), [3, 224, 224], warnings=warnings)
    assert _parameters(vit)["class_token"] == {"shape": [1, 1, 768]}
    messages = [w.message for w in warnings]
    assert "class_token: the source's initial values are unknown (a 1x1x768 parameter built on the meta device), " \
           "so its Parameter node starts at zeros" in messages
    assert any(m.startswith("encoder.pos_embedding:") for m in messages)
    assert all(w.severity == "warning" and w.param == "init" for w in warnings)

"""Where a module to import comes from: ``torchvision:NAME`` or ``path/to/file.py:NAME``."""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import cache
from pathlib import Path

import torch
from torch import nn

# A sample's shape for the models that need another than 3x224x224.
_TORCHVISION_SHAPES = {"inception_v3": [3, 299, 299]}
_GUESSED_SIZE = 224
# Auxiliary classifiers run only in training, so eval's forward never reads their weights (the
# importer refuses weights it would lose). Built without them, as torchvision builds the
# pretrained models after loading their weights.
_TORCHVISION_KWARGS = {"googlenet": {"aux_logits": False}, "inception_v3": {"aux_logits": False}}


class SourceError(ValueError):
    """A source that names no importable module; the message says what to give instead."""


@cache
def torchvision_models() -> list[str]:
    """torchvision's classification models: the only ones the server will import."""
    import torchvision

    return sorted(torchvision.models.list_models(module=torchvision.models))


def torchvision_module(name: str, weights: bool = True) -> nn.Module:
    """A torchvision classification model, untrained. With ``weights=False`` its layers' parameters
    and buffers are on the meta device: no memory and no initialisation (the server's way: vit_h_14
    would be 2.5 GB); see ``weights_on_meta`` for the free-standing parameters."""
    import torchvision

    if name not in torchvision_models():
        raise SourceError(f"torchvision has no classification model {name!r}; choose one of: {', '.join(torchvision_models())}")
    with nullcontext() if weights else weights_on_meta():
        return torchvision.models.get_model(name, weights=None, **_TORCHVISION_KWARGS.get(name, {}))


_local = threading.local()
FREE_PARAMETER_ELEMENTS = 1 << 22  # 16 MB of float32: ViT-H's position embedding has 330K


@contextmanager
def weights_on_meta() -> Iterator[None]:
    """Modules built in this thread, in this block, keep their parameters and buffers on the meta
    device. Not ``torch.device("meta")``: that would put every tensor there, and some models
    compute their widths with tensors in __init__ (RegNet calls .tolist()).

    Free-standing parameters (those of a module that is not a torch.nn layer: ViT's class_token,
    ConvNeXt's layer_scale) up to ``FREE_PARAMETER_ELEMENTS`` stay real: the importer reads their
    values, as __init__ left them, for the Parameter node's init. nn.init's random inits do
    nothing on the meta device, so a value read there would say nothing."""
    _install_meta_hooks()
    _local.meta = True
    try:
        yield
    finally:
        _local.meta = False


@cache
def _install_meta_hooks() -> None:
    # Installed once, for good; they act only in a thread inside weights_on_meta (other threads,
    # building models for checks and runs, are not affected).
    register_parameter, register_buffer = nn.Module.register_parameter, nn.Module.register_buffer

    def parameter(self: nn.Module, name: str, param: nn.Parameter | None) -> None:
        free = not type(self).__module__.startswith("torch.nn.") and param is not None and param.numel() <= FREE_PARAMETER_ELEMENTS
        if param is not None and getattr(_local, "meta", False) and not param.is_meta and not free:
            param = nn.Parameter(param.detach().to("meta"), requires_grad=param.requires_grad)
        register_parameter(self, name, param)

    def buffer(self: nn.Module, name: str, tensor: torch.Tensor | None, persistent: bool = True) -> None:
        if tensor is not None and getattr(_local, "meta", False):
            tensor = tensor.to("meta")
        register_buffer(self, name, tensor, persistent)

    nn.Module.register_parameter = parameter  # type: ignore[method-assign]
    nn.Module.register_buffer = buffer  # type: ignore[method-assign]


def torchvision_input_shape(name: str) -> list[int]:
    return list(_TORCHVISION_SHAPES.get(name, [3, 224, 224]))


def file_module(path: str, name: str) -> nn.Module:
    """``name`` from a Python file: an nn.Module class built with no arguments, or a function
    that returns a module. This runs the file: user code, in the caller's own process."""
    file = Path(path)
    if not file.is_file():
        raise SourceError(f"cannot read {path}: no such file")
    spec = importlib.util.spec_from_file_location(f"_torchcanvas_import_{file.stem}", file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and pickling look a class's module up here
    spec.loader.exec_module(module)
    made = getattr(module, name, None)
    if made is None:
        raise SourceError(f"{path} defines no {name!r}")
    try:
        built = made()
    except TypeError as e:
        raise SourceError(f"{path}:{name} must be constructible with no arguments ({e})") from e
    if not isinstance(built, nn.Module):
        raise SourceError(f"{path}:{name}() returned a {type(built).__name__}, not an nn.Module")
    return built


def load(source: str) -> tuple[nn.Module, str, list[int] | None]:
    """The module, its name, and a sample's shape when the source implies one."""
    where, sep, name = source.rpartition(":")
    if not sep or not where or not name:
        raise SourceError(f"{source!r} is not a source; give torchvision:NAME or path/to/file.py:NAME")
    if where == "torchvision":
        return torchvision_module(name), name, torchvision_input_shape(name)
    return file_module(where, name), name, None


def guess_input_shape(module: nn.Module) -> list[int] | None:
    """A sample's shape from the first layer: Conv2d(3, ...) takes 3x224x224, Linear(784, ...) 784."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            return [m.in_features]
        if isinstance(m, nn.Conv1d | nn.Conv2d | nn.Conv3d):
            return [m.in_channels, *[_GUESSED_SIZE] * (m.weight.dim() - 2)]
        if isinstance(m, nn.Embedding | nn.RNNBase | nn.MultiheadAttention):
            return None  # a sequence: its length is not in the weights
    return None

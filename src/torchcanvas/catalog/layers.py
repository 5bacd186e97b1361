"""The layer catalog: torch.nn classes read by introspection, plus the curated facts torch
cannot tell us (category, inferred params, ports, a typical input, values for a new node).

Each layer is declared exactly once, in ``_TABLE`` below. Graph ops (Add, Concat, ...) live in
``ops.py`` and are merged in by ``catalog/__init__.py``.
"""

from __future__ import annotations

import importlib
from typing import Any

from torchcanvas.catalog.introspect import introspect, summary
from torchcanvas.catalog.spec import InferRule, LayerSpec, PortSpec

CHANNELS: dict[str, Any] = {"infer": InferRule(dim=1)}
FEATURES: dict[str, Any] = {"infer": InferRule(dim=-1)}
POSITIVE: dict[str, Any] = {"minimum": 1}
PROB: dict[str, Any] = {"minimum": 0.0, "maximum": 1.0}
B = "B"


def _img(d: int, c: int = 3, s: int = 16) -> list[int | str]:
    return [B, c, *([s] * d)]


# name -> (category, param overrides, extra LayerSpec fields)
_TABLE: dict[str, tuple[str, dict[str, dict[str, Any]], dict[str, Any]]] = {}


def _add(names: list[str], category: str, params: dict[str, dict[str, Any]] | None = None, **extra: Any) -> None:
    for name in names:
        _TABLE[name] = (category, params or {}, extra)


# --- Linear ------------------------------------------------------------------------------------
_add(["Linear"], "Linear", {"in_features": FEATURES, "out_features": {**POSITIVE, "example": 10}},
     key_params=["out_features"], example_inputs={"in": [B, 32]})
_add(["Bilinear"], "Linear",
     {"in1_features": {"infer": InferRule(port="in1", dim=-1)}, "in2_features": {"infer": InferRule(port="in2", dim=-1)},
      "out_features": {**POSITIVE, "example": 8}},
     inputs=[PortSpec(name="in1"), PortSpec(name="in2")], key_params=["out_features"],
     example_inputs={"in1": [B, 16], "in2": [B, 12]})
_add(["Identity"], "Utility", example_inputs={"in": [B, 16]})
_add(["Flatten"], "Utility", key_params=["start_dim"], example_inputs={"in": [B, 4, 5, 5]})
_add(["Unflatten"], "Utility", {"dim": {"example": 1}, "unflattened_size": {"type": "int_list", "example": [4, 4]}},
     key_params=["unflattened_size"], example_inputs={"in": [B, 16]})

# --- Convolution ---------------------------------------------------------------------------------
for d in (1, 2, 3):
    conv = {"in_channels": CHANNELS, "out_channels": {**POSITIVE, "example": 16}, "kernel_size": {**POSITIVE, "example": 3},
            "stride": POSITIVE, "dilation": POSITIVE, "groups": POSITIVE}
    _add([f"Conv{d}d"], "Convolution", {**conv, "padding": {"minimum": 0}}, key_params=["out_channels", "kernel_size", "stride", "padding"],
         example_inputs={"in": _img(d, s=8 if d == 3 else 16)})
    # torch's signature lists every padding_mode, but ConvTranspose's constructor accepts only zeros.
    _add([f"ConvTranspose{d}d"], "Convolution",
         {**conv, "padding": {"minimum": 0}, "output_padding": {"minimum": 0}, "padding_mode": {"choices": ["zeros"]}},
         key_params=["out_channels", "kernel_size", "stride"], example_inputs={"in": _img(d, s=8)})

# --- Pooling -------------------------------------------------------------------------------------
for d in (1, 2, 3):
    size = {"kernel_size": {**POSITIVE, "example": 2}, "stride": POSITIVE, "padding": {"minimum": 0}}
    example = {"in": _img(d, s=8 if d == 3 else 16)}
    _add([f"MaxPool{d}d"], "Pooling", {**size, "dilation": POSITIVE}, key_params=["kernel_size", "stride"],
         outputs=[PortSpec(name="out"), PortSpec(name="indices", doc="argmax positions, for MaxUnpool", when=("return_indices", True))],
         example_inputs=example)
    _add([f"AvgPool{d}d"], "Pooling", size, key_params=["kernel_size", "stride"], example_inputs=example)
    _add([f"AdaptiveAvgPool{d}d"], "Pooling", {"output_size": {"type": "ints", "length": d, "nullable": False, "example": 1, **POSITIVE}},
         key_params=["output_size"], example_inputs=example)
    _add([f"AdaptiveMaxPool{d}d"], "Pooling", {"output_size": {"type": "ints", "length": d, "nullable": False, "example": 1, **POSITIVE}},
         key_params=["output_size"],
         outputs=[PortSpec(name="out"), PortSpec(name="indices", when=("return_indices", True))], example_inputs=example)
_add(["MaxUnpool2d"], "Pooling", {"kernel_size": {**POSITIVE, "example": 2}, "stride": POSITIVE},
     inputs=[PortSpec(name="in"), PortSpec(name="indices", doc="from a MaxPool2d with return_indices=true")],
     key_params=["kernel_size"], example_inputs={"in": [B, 3, 8, 8], "indices": [B, 3, 8, 8]})
_add(["LPPool2d"], "Pooling", {"norm_type": {"example": 2.0, "minimum": 1e-6}, "kernel_size": {**POSITIVE, "example": 2, "length": 2}, "stride": {**POSITIVE, "length": 2}},
     key_params=["norm_type", "kernel_size"], example_inputs={"in": _img(2)})

# --- Normalization -------------------------------------------------------------------------------
for d, ex in ((1, [B, 16]), (2, _img(2, c=16, s=8)), (3, _img(3, c=16, s=4))):
    _add([f"BatchNorm{d}d"], "Normalization", {"num_features": CHANNELS, "momentum": PROB, "eps": {"minimum": 0}},
         key_params=["num_features"], example_inputs={"in": ex})
    _add([f"InstanceNorm{d}d"], "Normalization", {"num_features": CHANNELS, "momentum": PROB, "eps": {"minimum": 0}},
         key_params=["num_features", "affine"], example_inputs={"in": ex if d > 1 else [B, 16, 10]})
_add(["LayerNorm"], "Normalization", {"normalized_shape": {"infer": InferRule(dim=-1, as_list=True), "minimum": 1}, "eps": {"minimum": 0}},
     key_params=["normalized_shape"], example_inputs={"in": [B, 10, 32]})
_add(["RMSNorm"], "Normalization", {"normalized_shape": {"infer": InferRule(dim=-1, as_list=True), "minimum": 1}, "eps": {"minimum": 0}},
     key_params=["normalized_shape"], example_inputs={"in": [B, 10, 32]})
_add(["GroupNorm"], "Normalization", {"num_groups": {**POSITIVE, "example": 4}, "num_channels": CHANNELS, "eps": {"minimum": 0}},
     key_params=["num_groups", "num_channels"], example_inputs={"in": _img(2, c=16, s=8)})
_add(["LocalResponseNorm"], "Normalization", {"size": {**POSITIVE, "example": 2}}, key_params=["size"], example_inputs={"in": _img(2, c=16, s=8)})

# --- Dropout -------------------------------------------------------------------------------------
_add(["Dropout", "AlphaDropout", "FeatureAlphaDropout"], "Dropout", {"p": PROB}, key_params=["p"], example_inputs={"in": [B, 32]})
_add(["Dropout1d"], "Dropout", {"p": PROB}, key_params=["p"], example_inputs={"in": [B, 8, 16]})
_add(["Dropout2d"], "Dropout", {"p": PROB}, key_params=["p"], example_inputs={"in": _img(2, c=8, s=8)})
_add(["Dropout3d"], "Dropout", {"p": PROB}, key_params=["p"], example_inputs={"in": _img(3, c=8, s=4)})

# --- Activations ---------------------------------------------------------------------------------
_ACT = [
    "ReLU", "ReLU6", "LeakyReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Hardswish",
    "Hardsigmoid", "Hardtanh", "Hardshrink", "Softshrink", "Tanhshrink", "Softsign", "Sigmoid", "LogSigmoid",
    "Tanh", "Softplus", "Softmin", "Softmax", "LogSoftmax", "Threshold", "GLU",
]
_add(_ACT, "Activation", {
    "dim": {"example": 1, "nullable": True, "type": "int"}, "threshold": {"example": 0.1}, "value": {"example": 0.0},
    "approximate": {"type": "enum", "choices": ["none", "tanh"]},
}, example_inputs={"in": [B, 32]})
# Softmax's dim may be None (torch then guesses one); GLU's may not: torch.glu raises TypeError.
_add(["GLU"], "Activation", {"dim": {"example": 1, "type": "int"}}, example_inputs={"in": [B, 32]})
_add(["PReLU"], "Activation", {"num_parameters": POSITIVE}, key_params=["num_parameters"], example_inputs={"in": [B, 32]})
_add(["Softmax2d"], "Activation", example_inputs={"in": _img(2, s=8)})

# --- Embedding and recurrent -------------------------------------------------------------------------
_add(["Embedding"], "Embedding", {"num_embeddings": {**POSITIVE, "example": 100}, "embedding_dim": {**POSITIVE, "example": 32},
                                  "max_norm": {"minimum": 0}},
     key_params=["num_embeddings", "embedding_dim"], example_inputs={"in": [B, 12]})
_RNN_COMMON: dict[str, dict[str, Any]] = {
    "input_size": {"type": "int", "required": True, **FEATURES},
    "hidden_size": {"type": "int", "required": True, "example": 32, **POSITIVE},
    "num_layers": {"type": "int", "default": 1, **POSITIVE},
    "bias": {"type": "bool", "default": True},
    "batch_first": {"type": "bool", "default": False},
    "dropout": {"type": "float", "default": 0.0, **PROB},
    "bidirectional": {"type": "bool", "default": False},
}
_RNN_OUT = [PortSpec(name="out", doc="the top layer's output for every step"), PortSpec(name="h_n", doc="the final hidden state")]
_add(["RNN"], "Recurrent", {**_RNN_COMMON, "nonlinearity": {"type": "enum", "choices": ["tanh", "relu"], "default": "tanh"}},
     outputs=_RNN_OUT, key_params=["hidden_size", "num_layers"], example_inputs={"in": [12, B, 16]})
_add(["GRU"], "Recurrent", _RNN_COMMON, outputs=_RNN_OUT, key_params=["hidden_size", "num_layers"], example_inputs={"in": [12, B, 16]})
_add(["LSTM"], "Recurrent", {**_RNN_COMMON, "proj_size": {"type": "int", "default": 0, "minimum": 0}},
     outputs=[*_RNN_OUT, PortSpec(name="c_n", doc="the final cell state")], key_params=["hidden_size", "num_layers"],
     example_inputs={"in": [12, B, 16]})

# --- Attention and transformers ------------------------------------------------------------------------
_add(["MultiheadAttention"], "Transformer", {
    "embed_dim": {"type": "int", "required": True, "infer": InferRule(port="query", dim=-1)},
    "num_heads": {"type": "int", "required": True, "example": 4, **POSITIVE},
    "dropout": {"type": "float", **PROB}, "bias": {"type": "bool"}, "add_bias_kv": {"type": "bool"},
    "add_zero_attn": {"type": "bool"}, "kdim": {"type": "int", "nullable": True, **POSITIVE},
    "vdim": {"type": "int", "nullable": True, **POSITIVE}, "batch_first": {"type": "bool"},
}, inputs=[PortSpec(name="query"), PortSpec(name="key"), PortSpec(name="value")],
     outputs=[PortSpec(name="out"), PortSpec(name="weights", doc="attention weights averaged over heads")],
     key_params=["embed_dim", "num_heads"], example_inputs={"query": [10, B, 32], "key": [10, B, 32], "value": [10, B, 32]})
_TRANSFORMER = {
    "d_model": {"infer": InferRule(port="in", dim=-1)}, "nhead": {**POSITIVE, "example": 4},
    "dim_feedforward": POSITIVE, "dropout": PROB,
    "activation": {"type": "enum", "choices": ["relu", "gelu"], "default": "relu"}, "layer_norm_eps": {"minimum": 0},
}
_add(["TransformerEncoderLayer"], "Transformer", _TRANSFORMER, key_params=["d_model", "nhead"], example_inputs={"in": [10, B, 32]})
_add(["TransformerDecoderLayer"], "Transformer", {**_TRANSFORMER, "d_model": {"infer": InferRule(port="in", dim=-1)}},
     inputs=[PortSpec(name="in", doc="the target sequence (tgt)"), PortSpec(name="memory", doc="the encoder output")],
     key_params=["d_model", "nhead"], example_inputs={"in": [10, B, 32], "memory": [12, B, 32]})

# --- Resampling and padding ----------------------------------------------------------------------------
_add(["Upsample"], "Resampling", {"size": {"minimum": 1}, "scale_factor": {"minimum": 0, "example": 2.0},
                                  "mode": {"type": "enum", "choices": ["nearest", "linear", "bilinear", "bicubic", "trilinear", "nearest-exact"]}},
     key_params=["scale_factor", "mode"], example_inputs={"in": _img(2, s=8)})
_add(["PixelShuffle"], "Resampling", {"upscale_factor": {**POSITIVE, "example": 2}}, key_params=["upscale_factor"],
     example_inputs={"in": _img(2, c=12, s=8)})
_add(["PixelUnshuffle"], "Resampling", {"downscale_factor": {**POSITIVE, "example": 2}}, key_params=["downscale_factor"],
     example_inputs={"in": _img(2, s=8)})
for d in (1, 2, 3):
    pad: dict[str, dict[str, Any]] = {"padding": {"minimum": 0, "example": 1}, "value": {"example": 0.0}}
    shape: list[int | str] = [B, 3, 16] if d == 1 else _img(d, s=8)
    _add([f"ZeroPad{d}d", f"ConstantPad{d}d", f"ReflectionPad{d}d", f"ReplicationPad{d}d", f"CircularPad{d}d"],
         "Padding", pad, key_params=["padding"], example_inputs={"in": shape})


# --- From torchvision: layers its models use that torch.nn lacks ------------------------------------------
_add(["StochasticDepth"], "Dropout", {"p": {**PROB, "example": 0.01}, "mode": {"type": "enum", "choices": ["row", "batch"], "example": "row"}},
     key_params=["p", "mode"], example_inputs={"in": _img(2, c=8, s=8)}, home="torchvision.ops",
     doc="Stochastic depth (torchvision.ops): in training, drops a residual branch per sample (row) or for the whole "
         "batch with probability p; the identity in eval.")
_add(["LayerNorm2d"], "Normalization",
     {"normalized_shape": {"infer": InferRule(dim=1, as_list=True), "minimum": 1}, "eps": {"minimum": 0}},
     key_params=["normalized_shape"], example_inputs={"in": _img(2, c=16, s=8)}, home="torchvision.models.convnext",
     doc="LayerNorm over the channels of an image (torchvision's ConvNeXt): normalises each pixel's C values.")


def build_layers() -> dict[str, LayerSpec]:
    layers: dict[str, LayerSpec] = {}
    for name, (category, overrides, extra) in _TABLE.items():
        fields = dict(extra)
        home = fields.pop("home", "torch.nn")
        cls = getattr(importlib.import_module(home), name)
        doc = fields.pop("doc", None) or summary(cls.__doc__)
        params = introspect(cls, overrides)
        layers[name] = LayerSpec(type=name, title=name, category=category, doc=doc, torch=f"{home}.{name}", params=params, **fields)
    return layers

"""Turning display names into Python identifiers.

Every identifier that code generation writes passes through a ``Namespace``: it is made legal
(unicode folded to ASCII, other characters replaced), never a keyword, builtin or nn.Module
attribute, and unique. The in-memory model uses the same names, so that a parameter is called
``conv1.weight`` in both.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import unicodedata
from functools import lru_cache

import torch.nn as nn

# Names a submodule attribute must not take: they would shadow nn.Module's own API.
_MODULE_ATTRS = {n for n in dir(nn.Module) if not n.startswith("__")} | set(vars(nn.Module()))
# Names the generated files use themselves.
_GENERATED = {"torch", "nn", "F", "self", "math", "model"}
RESERVED = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins)) | _MODULE_ATTRS | _GENERATED

_SHORT = {
    "Conv": "conv", "ConvTranspose": "deconv", "BatchNorm": "bn", "InstanceNorm": "inorm", "LayerNorm": "ln",
    "GroupNorm": "gn", "RMSNorm": "rms", "Linear": "fc", "MaxPool": "pool", "AvgPool": "pool",
    "AdaptiveAvgPool": "avgpool", "AdaptiveMaxPool": "maxpool", "Dropout": "dropout", "Embedding": "embed",
    "MultiheadAttention": "attn", "TransformerEncoderLayer": "encoder", "TransformerDecoderLayer": "decoder",
    # acronyms that snake() would split (re_lu)
    "ReLU": "relu", "ReLU6": "relu6", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "RReLU": "rrelu", "SiLU": "silu",
    "LPPool": "pool", "MaxUnpool": "unpool",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")
    return text


@lru_cache(maxsize=65_536)
def snake(text: str) -> str:
    """A display name as a snake_case identifier stem (may need ``Namespace`` to be unique)."""
    s = _fold(text)
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", s).lower() if not s.islower() and not s.isupper() else s.lower()
    s = re.sub(r"_+", "_", s)
    if not s or s[0].isdigit():
        s = "layer_" + s if s else "layer"
    return s


def camel(text: str) -> str:
    """A display name as a class name. Valid CapWords-ish names are kept as they are (LeNet_bn)."""
    s = _fold(text)
    if not s:
        return "Net"
    if not s.isidentifier() or not s[0].isupper():
        s = "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", s) if part)
        if not s or s[0].isdigit():
            s = "Net" + s
    return s


@lru_cache(maxsize=1024)
def stem_for_type(layer_type: str) -> str:
    """conv, bn, fc, relu ... : the short name engineers give an unnamed layer."""
    base = re.sub(r"[123]d$", "", layer_type)
    return _SHORT.get(base) or snake(base)


def is_module_key(name: str) -> bool:
    """A submodule name that is no attribute name: an index (``0``) or a key such as RegNet's
    ``block1-0``. nn.Module accepts it; generated code registers it with add_module."""
    return not name.isidentifier() and re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", name) is not None


class Namespace:
    """Hands out unique, legal, unshadowing identifiers."""

    def __init__(self, reserved: set[str] | None = None):
        self.used: set[str] = set(RESERVED if reserved is None else reserved)

    def take(self, stem: str, numbered: bool = False, keep_key: bool = False) -> str:
        """``stem`` if free (``stem1`` first when ``numbered``), else the next free ``stemN``.

        ``keep_key``: a module key such as ``0`` (an ``nn.Sequential`` member's name in an
        imported model) is kept as it is. It names a submodule, never a variable: nn.Module
        accepts it, and code generation writes it positionally or with add_module.
        """
        if keep_key and is_module_key(stem) and stem not in self.used:
            self.used.add(stem)
            return stem
        stem = stem if stem.isidentifier() else snake(stem)
        if not numbered and stem not in self.used:
            self.used.add(stem)
            return stem
        i = 1
        while f"{stem}{i}" in self.used:
            i += 1
        name = f"{stem}{i}"
        self.used.add(name)
        return name


def identifiers(source: str) -> set[str]:
    """Every name a Python source binds or reads: variables, functions, classes, arguments, imports.

    Code generation reserves the names its own templates use (``codegen.reserved``), collected
    from their output with this, so a name added to a template can never be missed.
    """
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.alias):
            out.add(node.asname or node.name.split(".")[0])
    return out

"""Read a torch class's constructor: params, defaults, types and the doc of each param."""

from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Any

from torchcanvas.catalog.spec import ParamSpec, ParamType

# Never shown to the user: placement, dtype and private constructor hooks.
SKIPPED = {"self", "device", "dtype", "_weight", "_freeze", "factory_kwargs", "inplace"}


def _leaves(ann: Any) -> list[Any]:
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        return [leaf for a in typing.get_args(ann) for leaf in _leaves(a)]
    return [ann]


def param_type(ann: Any) -> tuple[ParamType, bool, list[str] | None, int | None] | None:
    """Map an annotation to (type, nullable, string choices, tuple length); None if unknown."""
    if ann is inspect.Parameter.empty:
        return None
    if isinstance(ann, str):  # postponed annotations we cannot evaluate
        return None
    nullable = False
    choices: list[str] = []
    kinds: set[str] = set()
    length: int | None = None
    for leaf in _leaves(ann):
        origin = typing.get_origin(leaf)
        if leaf is type(None):
            nullable = True
        elif origin is typing.Literal:
            choices += [str(a) for a in typing.get_args(leaf)]
            kinds.add("literal")
        elif leaf is bool:
            kinds.add("bool")
        elif leaf is int:
            kinds.add("int")
        elif leaf is float:
            kinds.add("float")
        elif leaf is str:
            kinds.add("str")
        elif origin in (tuple, list) or getattr(leaf, "__name__", "") == "Size":
            args = [a for a in typing.get_args(leaf) if a is not Ellipsis]
            inner_float = any(float in _leaves(a) for a in args)
            kinds.add("float_seq" if inner_float else "int_seq")
            if origin is tuple and Ellipsis not in typing.get_args(leaf) and args:
                length = len(args)
        else:
            return None
    if kinds == {"literal"}:
        return "enum", nullable, choices, None
    if kinds == {"bool"}:
        return "bool", nullable, None, None
    if "float_seq" in kinds:
        return "floats", nullable, None, length
    if "int_seq" in kinds and "int" in kinds:
        # padding: str | int | tuple -> ints with the string forms as choices
        if "str" in kinds:
            return "ints", nullable, ["same", "valid"], length
        return "ints", nullable, None, length
    if "int_seq" in kinds:
        return "int_list", nullable, None, None
    if kinds <= {"int"}:
        return "int", nullable, None, None
    if kinds <= {"int", "float"}:
        return "float", nullable, None, None
    if kinds == {"str"}:
        return "str", nullable, None, None
    return None


_ARG_LINE = re.compile(r"^\s{4,}(\*{0,2}[A-Za-z_][A-Za-z0-9_]*)\s*(\([^)]*\))?\s*:\s*(.*)$")


def param_docs(doc: str | None) -> dict[str, str]:
    """The text for each param of a Google-style ``Args:`` section."""
    if not doc:
        return {}
    out: dict[str, str] = {}
    lines = doc.splitlines()
    in_args = False
    current: str | None = None
    indent = 0
    for line in lines:
        stripped = line.strip()
        if stripped in ("Args:", "Arguments:", "Parameters:", "Keyword args:", "Keyword arguments:"):
            in_args, current = True, None
            indent = len(line) - len(line.lstrip())
            continue
        if not in_args:
            continue
        if stripped and (len(line) - len(line.lstrip())) <= indent and stripped.endswith(":"):
            in_args = False  # the next section (Shape:, Examples:, ...)
            continue
        m = _ARG_LINE.match(line)
        if m and (len(line) - len(line.lstrip())) <= indent + 8:
            current = m.group(1).lstrip("*")
            out[current] = m.group(3).strip()
        elif current and stripped:
            out[current] += " " + stripped
    return {k: _clean(v) for k, v in out.items()}


# The LaTeX that torch's docstrings use inside :math:, as plain text.
_TEX_SYMBOLS = {
    "times": "×", "cdot": "·", "leq": "≤", "geq": "≥", "le": "≤", "ge": "≥", "neq": "≠", "ldots": "…", "cdots": "…",
    "dots": "…", "infty": "∞", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
    "lambda": "λ", "sigma": "σ", "mu": "μ", "rho": "ρ", "theta": "θ", "pi": "π", "eta": "η", "tau": "τ",
    "log": "log", "exp": "exp", "max": "max", "min": "min", "sum": "Σ", "sqrt": "√", "pm": "±", "in": "∈",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "left": "", "right": "", "mathrm": "", "quad": " ",
}


def _tex(text: str) -> str:
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", text)
    # A symbol right before another command (2\pi\text{target}) keeps a space from it.
    text = re.sub(
        r"\\(?!(?:text|mathrm|textbf|mathbf|operatorname|texttt)\{)([A-Za-z]+)(\\)?",
        lambda m: _TEX_SYMBOLS.get(m[1], m[1]) + (" \\" if m[2] else ""),
        text,
    )
    text = re.sub(r"\\(?:text|mathrm|textbf|mathbf|operatorname|texttt)\{([^{}]*)\}", r"\1", text)
    text = text.replace("\\_", "_").replace("\\{", "{").replace("\\}", "}").replace("\\,", " ")
    return re.sub(r"_\{([^{}]*)\}", r"_\1", text)  # H_{out} -> H_out


def _clean(text: str) -> str:
    """reST and LaTeX markup out, for a panel that shows plain text: roles keep their text, math
    becomes symbols, directives (.. note::) become a word, link targets (`Beyond`_, .. _x: url) their
    title only."""
    text = re.sub(r":(?:attr|class|func|math|meth|ref|obj|mod|data):`~?([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", text)
    # `Title <https://...>`__ links keep their title and the address, in parentheses
    text = re.sub(r"`([^`<]+?)\s*<(https?://[^>]+)>`_{1,2}", r"\1 (\2)", text)
    text = re.sub(r"\.\. _[^:]+:\s*\S+", "", text)  # a link target's definition
    text = re.sub(r"\s*\.\. math::", "", text)
    text = re.sub(r"\.\. (note|warning|seealso)::", lambda m: {"seealso": "See also"}.get(m[1], m[1].capitalize()) + ":", text)
    text = re.sub(r"\.\. \w+::", "", text)
    text = re.sub(r"`([^`]+)`_{1,2}", r"\1", text)  # `Title`_ references
    text = re.sub(r"\b([A-Za-z][\w-]*)__?(?=[\s.,;:)]|$)", r"\1", text)  # Beyond_ (a reference to a link target)
    text = re.sub(r"\[(\d+)\]_", r"[\1]", text)  # footnotes
    text = text.replace("``", "").replace("`", "")
    text = _tex(text)
    text = re.sub(r"\s+([.,;)])", r"\1", re.sub(r"\s+", " ", text))
    return text.replace(": :", ":").strip()


def summary(doc: str | None) -> str:
    """The first paragraph of a docstring, cleaned of reST markup."""
    if not doc:
        return ""
    para = inspect.cleandoc(doc).split("\n\n")[0]
    return _clean(para)


def introspect(cls: type, overrides: dict[str, dict[str, Any]] | None = None, skip: set[str] | None = None) -> list[ParamSpec]:
    """ParamSpecs for a class's constructor. ``overrides`` patch fields per param name.

    A param whose type cannot be read from its annotation must be typed by an override; an
    unknown type is a catalog bug, caught by the catalog tests.
    """
    overrides = overrides or {}
    skipped = SKIPPED | (skip or set())
    docs = param_docs(cls.__doc__)
    try:
        sig = inspect.signature(cls.__init__)  # type: ignore[misc]
    except (TypeError, ValueError):
        sig = None
    specs: list[ParamSpec] = []
    seen: set[str] = set()
    # RNN, LSTM and GRU take *args in their own __init__; classes without one inherit Module's.
    hidden = "__init__" in vars(cls) and (sig is None or any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values()))
    if sig is not None:
        for name, p in sig.parameters.items():
            if name in skipped or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            seen.add(name)
            fields: dict[str, Any] = {"name": name, "doc": docs.get(name, "")}
            required = p.default is inspect.Parameter.empty
            fields["required"] = required
            if not required:
                default = p.default
                fields["default"] = list(default) if isinstance(default, tuple) else default
            mapped = param_type(p.annotation)
            if mapped is None and not required:
                mapped = _type_of_default(p.default)
            if mapped is not None:
                fields["type"], fields["nullable"], fields["choices"], fields["length"] = mapped
                if fields.get("default") is None and not required:
                    fields["nullable"] = True
            fields["keyword_only"] = p.kind == p.KEYWORD_ONLY
            fields.update(overrides.get(name, {}))
            if "type" not in fields:
                raise TypeError(f"catalog: {cls.__name__}.{name} needs a curated type")
            specs.append(ParamSpec(**fields))
    for name, extra in overrides.items():  # params torch hides behind *args (RNN, LSTM, GRU)
        if hidden and name not in seen and "type" in extra:
            specs.append(ParamSpec(name=name, doc=docs.get(name, ""), **extra))
    return specs


def _type_of_default(v: Any) -> tuple[ParamType, bool, None, None] | None:
    if isinstance(v, bool):
        return "bool", False, None, None
    if isinstance(v, int):
        return "int", False, None, None
    if isinstance(v, float):
        return "float", False, None, None
    return None

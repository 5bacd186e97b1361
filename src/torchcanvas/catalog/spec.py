"""What a catalog entry looks like, and how a node's params are checked against it.

Specs are pydantic models so that the editor receives exactly this structure as JSON
(``GET /api/v1/catalog``) and renders every form from it.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

# int / float / bool / str: scalars. enum: one of ``choices``.
# ints: an int, or a list of ``length`` ints (kernel_size=3 or [3, 5]); ``length`` None = any.
# floats: the same with floats (Upsample's scale_factor). int_list: a list of ints of any length
# (normalized_shape, permute dims). A param may also accept some strings (``choices``) besides its
# type, such as Conv's padding='same', and None when ``nullable``.
ParamType = Literal["int", "float", "bool", "str", "enum", "ints", "floats", "int_list", "float_list"]


class InferRule(BaseModel):
    """Where an inferable param comes from: a dimension of the tensor on an input port."""

    model_config = ConfigDict(frozen=True)
    port: str = "in"
    dim: int = 1
    as_list: bool = False  # LayerNorm's normalized_shape is [C], not C


class ParamSpec(BaseModel):
    name: str
    type: ParamType
    default: JsonValue = None
    required: bool = False
    nullable: bool = False
    choices: list[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    length: int | None = None
    doc: str = ""
    infer: InferRule | None = None
    # For a required param: the value a freshly placed node starts with (Conv2d's out_channels).
    example: JsonValue = None
    # Constructor params that must be passed by keyword in generated code (not positional).
    keyword_only: bool = False
    # A str param's values must match this (fullmatch); ``pattern_help`` says so in words.
    pattern: str | None = None
    pattern_help: str = ""
    # A [low, high] pair (x_range, a crop's scale): low must not exceed high.
    ordered: bool = False


class PortSpec(BaseModel):
    name: str
    doc: str = ""
    optional: bool = False
    # The port exists only when a param has this value (MaxPool2d's indices output).
    when: tuple[str, JsonValue] | None = None


class Spec(BaseModel):
    """Anything the user can choose: a layer, loss, optimizer, scheduler, dataset or transform."""

    type: str
    title: str
    category: str
    doc: str = ""
    torch: str = ""  # the dotted torch name, e.g. torch.nn.Conv2d
    params: list[ParamSpec] = Field(default_factory=list)

    def param(self, name: str) -> ParamSpec | None:
        for p in self.params:
            if p.name == name:
                return p
        return None


class LayerSpec(Spec):
    inputs: list[PortSpec] = Field(default_factory=lambda: [PortSpec(name="in")])
    outputs: list[PortSpec] = Field(default_factory=lambda: [PortSpec(name="out")])
    # Graph ops whose port count comes from a param: Add's ``n`` inputs, Chunk's ``chunks``
    # outputs, Split's ``sections`` (one output per entry). Ports are then in0.. / out0..
    variadic_inputs: str | None = None
    variadic_outputs: str | None = None
    key_params: list[str] = Field(default_factory=list)
    # A typical input per port, used for a new node's preview and by the catalog tests.
    example_inputs: dict[str, list[int | str]] = Field(default_factory=dict)
    is_op: bool = False  # a function applied in forward (torch.cat, +), not an nn.Module class

    @property
    def in_torch_nn(self) -> bool:
        """A torch.nn class (generated code writes ``nn.Conv2d``); else a dotted path to import."""
        return self.torch == f"torch.nn.{self.type}"

    def input_ports(self, params: dict[str, JsonValue]) -> list[str]:
        if self.variadic_inputs:
            return [f"in{i}" for i in range(_count(params.get(self.variadic_inputs)))]
        return [p.name for p in self.inputs if _active(p, params)]

    def output_ports(self, params: dict[str, JsonValue]) -> list[str]:
        if self.variadic_outputs:
            return [f"out{i}" for i in range(_count(params.get(self.variadic_outputs)))]
        return [p.name for p in self.outputs if _active(p, params)]


def _count(v: JsonValue) -> int:
    if isinstance(v, list):
        return len(v)
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _active(port: PortSpec, params: dict[str, JsonValue]) -> bool:
    return port.when is None or params.get(port.when[0]) == port.when[1]


class ParamError(ValueError):
    def __init__(self, param: str, message: str, fix: str):
        self.param, self.message, self.fix = param, message, fix
        super().__init__(f"{param}: {message}")


# Every int param ends up in a torch int64 (or a C long); JSON allows any number of digits.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and INT64_MIN <= v <= INT64_MAX


def _is_num(v: object) -> bool:
    """A finite number: a float, or an int that a float can hold (float(10**400) overflows)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _describe(p: ParamSpec) -> str:
    base = {
        "int": "an integer",
        "float": "a number",
        "bool": "true or false",
        "str": "a text",
        "enum": "one of " + ", ".join(repr(c) for c in p.choices or []),
        "ints": "an integer" + (f" or a list of {p.length} integers" if p.length else " or a list of integers"),
        "floats": "a number" + (f" or a list of {p.length} numbers" if p.length else " or a list of numbers"),
        "int_list": "a list of integers",
        "float_list": "a list of numbers",
    }[p.type]
    extra = [repr(c) for c in p.choices or []] if p.type != "enum" else []
    if p.nullable:
        extra.append("null (auto)" if p.infer else "null")
    return base + (" or " + ", ".join(extra) if extra else "")


def check_value(p: ParamSpec, v: JsonValue) -> JsonValue:
    """Validate one value against its spec; return it normalised (tuples as lists)."""

    def bad(why: str = "") -> ParamError:
        return ParamError(p.name, f"{why or _got(v)}; expected {_describe(p)}", f"set {p.name} to {_describe(p)}")

    if v is None:
        if p.nullable:
            return None
        raise bad()
    if isinstance(v, str) and p.type != "str" and p.choices and v in p.choices:
        return v
    numbers: list[float] = []
    match p.type:
        case "bool":
            if not isinstance(v, bool):
                raise bad()
        case "int":
            if not _is_int(v):
                raise bad()
            numbers = [v]  # type: ignore[list-item]
        case "float":
            if not _is_num(v):
                raise bad()
            v = float(v)  # type: ignore[arg-type]
            numbers = [v]
        case "str":
            if not isinstance(v, str) or len(v) > 4096:
                raise bad()
            if p.pattern is not None and not re.fullmatch(p.pattern, v):
                raise ParamError(p.name, f"got {_short(v)}; {p.name} must be {p.pattern_help}",
                                 f"set {p.name} to {p.pattern_help}")
        case "enum":
            if v not in (p.choices or []):
                raise bad()
        case "ints" | "floats" | "int_list" | "float_list":
            ok = _is_int if p.type in ("ints", "int_list") else _is_num
            if p.type in ("ints", "floats") and ok(v):
                numbers = [v]  # type: ignore[list-item]
            elif isinstance(v, list) and all(ok(x) for x in v) and 0 < len(v) <= 16:
                if p.type in ("ints", "floats") and p.length and len(v) != p.length:
                    raise bad(f"got {len(v)} values")
                numbers = list(v)  # type: ignore[arg-type]
                if p.ordered and numbers != sorted(numbers):
                    raise ParamError(p.name, f"{_short(v)} is not ordered low to high",
                                     f"give {p.name} as [low, high]")
                if p.type in ("floats", "float_list"):
                    v = [float(x) for x in numbers]
            else:
                raise bad()
    for x in numbers:
        if p.minimum is not None and x < p.minimum:
            raise ParamError(p.name, f"{x} is below the minimum {p.minimum:g}", f"set {p.name} to at least {p.minimum:g}")
        if p.maximum is not None and x > p.maximum:
            raise ParamError(p.name, f"{x} is above the maximum {p.maximum:g}", f"set {p.name} to at most {p.maximum:g}")
    return v


def _got(v: JsonValue) -> str:
    if isinstance(v, int) and not isinstance(v, bool) and not _is_int(v):
        return f"got an integer of {len(str(abs(v)))} digits, too large for a 64-bit number"
    return "got " + _short(v)


def _short(v: JsonValue) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def resolve_params(spec: Spec, given: dict[str, JsonValue]) -> tuple[dict[str, JsonValue], list[ParamError]]:
    """Defaults overlaid with the given params, every value checked.

    Inferable params that are missing (or null) stay out of the result: the shape pass fills them.
    """
    errors: list[ParamError] = []
    names = {p.name for p in spec.params}
    for k in given:
        if k not in names:
            close = difflib.get_close_matches(k, sorted(names), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"{spec.type} takes: {', '.join(sorted(names)) or 'no params'}"
            errors.append(ParamError(k[:64], f"{spec.type} has no param '{k[:64]}'", f"remove it; {hint}"))
    out: dict[str, JsonValue] = {}
    for p in spec.params:
        if p.name in given and not (p.infer and given[p.name] is None):
            try:
                out[p.name] = check_value(p, given[p.name])
            except ParamError as e:
                errors.append(e)
        elif p.infer:
            continue
        elif p.required:
            errors.append(ParamError(p.name, f"{p.name} is required", f"set {p.name} to {_describe(p)}"))
        else:
            out[p.name] = p.default
    return out, errors

"""The graph document: the one data structure everything else reads.

A document is JSON with a ``schema_version``. Nodes form a closed set of kinds (a discriminated
union on ``kind``); each kind carries only the fields it needs. A layer's params are checked
against its catalog spec later (``torchcanvas.catalog``), not here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, ValidationInfo, field_validator

SCHEMA_VERSION: Literal[1] = 1

# Limits that keep a hostile or accidental document from exhausting the server.
MAX_NODES = 5_000
MAX_EDGES = 20_000
MAX_MODULES = 200
MAX_RANK = 8

# Ids are opaque to code generation (names are sanitised separately), but we still keep them
# short and printable so that they can be echoed in error messages safely.
NodeId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
PortName = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
TypeName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# A dimension is a size, or "B", the batch. Other symbols (a sequence length "T") are refused:
# shapes are inferred for one concrete size per dimension, and the generated code and ONNX
# export would need the same symbol carried through every layer to honour them. Give such a
# dimension the size you train with; the batch stays dynamic in the ONNX export.
SymbolicDim = Literal["B"]
Dim = Annotated[int, Field(ge=1, le=1_000_000)] | SymbolicDim


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PortRef(_Strict):
    """One end of an edge: a node and one of its ports."""

    node: NodeId
    port: PortName = "out"


class Position(_Strict):
    x: float = 0.0
    y: float = 0.0


class _NodeBase(_Strict):
    id: NodeId
    name: DisplayName | None = None
    position: Position = Field(default_factory=Position)

    @property
    def label(self) -> str:
        return self.name or self.id


class InputNode(_NodeBase):
    """A tensor entering the graph (or a module definition). Its one port is ``out``."""

    kind: Literal["input"] = "input"
    shape: list[Dim] = Field(min_length=1, max_length=MAX_RANK)
    dtype: Literal["float32", "float64", "float16", "bfloat16", "int64"] = "float32"

    @field_validator("shape", mode="before")
    @classmethod
    def _only_batch_is_symbolic(cls, shape: Any, info: ValidationInfo) -> Any:
        """A clearer refusal than the union's two errors for a symbol such as "T"."""
        for i, d in enumerate(shape if isinstance(shape, list) else []):
            if isinstance(d, str) and d != "B":
                raise ValueError(
                    f"input node {info.data.get('id', '?')!r}: shape[{i}] is {d[:8]!r}, but only 'B' (the batch) may be "
                    "a symbol; give this dimension a size, e.g. the sequence length you train with"
                )
        return shape


class OutputNode(_NodeBase):
    """A tensor leaving the graph (or a module definition). Its one port is ``in``."""

    kind: Literal["output"] = "output"


class LayerNode(_NodeBase):
    """A catalog entry: a torch.nn layer or a graph op (Add, Concat, ...)."""

    kind: Literal["layer"] = "layer"
    type: TypeName
    # Params left out take their catalog default, or are inferred from the input shape.
    params: dict[str, JsonValue] = Field(default_factory=dict)


class ModuleNode(_NodeBase):
    """An instance of a module definition of this document."""

    kind: Literal["module"] = "module"
    module: TypeName


Node = Annotated[InputNode | OutputNode | LayerNode | ModuleNode, Field(discriminator="kind")]


class Edge(_Strict):
    id: NodeId | None = None
    source: PortRef
    target: PortRef


class Body(_Strict):
    """Nodes and edges: the content of a graph or of a module definition."""

    nodes: list[Node] = Field(default_factory=list, max_length=MAX_NODES)
    edges: list[Edge] = Field(default_factory=list, max_length=MAX_EDGES)

    def inputs(self) -> list[InputNode]:
        return [n for n in self.nodes if isinstance(n, InputNode)]

    def outputs(self) -> list[OutputNode]:
        return [n for n in self.nodes if isinstance(n, OutputNode)]


class ModuleDef(Body):
    """A named subgraph, usable as a node elsewhere. Its input/output nodes are its ports."""

    name: TypeName
    description: str = Field(default="", max_length=2_000)


class Choice(_Strict):
    """A catalog choice with params: a loss, optimizer, scheduler, dataset or transform."""

    type: TypeName
    params: dict[str, JsonValue] = Field(default_factory=dict)


class TrainingConfig(_Strict):
    dataset: Choice = Field(default_factory=lambda: Choice(type="Regression1D"))
    # The augmentation pipeline applies to the training split; the test split gets
    # ``test_transforms``. Each dataset adds its own tensor conversion.
    train_transforms: list[Choice] = Field(default_factory=list, max_length=64)
    test_transforms: list[Choice] = Field(default_factory=list, max_length=64)
    loss: Choice = Field(default_factory=lambda: Choice(type="MSELoss"))
    optimizer: Choice = Field(default_factory=lambda: Choice(type="SGD"))
    scheduler: Choice | None = None
    epochs: int = Field(default=10, ge=1, le=100_000)
    batch_size: int = Field(default=64, ge=1, le=65_536)
    lr: float = Field(default=0.01, gt=0, le=100)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # "initialize_weights": the seed's init, applied right after the model is built (xavier-normal
    # conv weights, BatchNorm weight 1 / bias 0, normal(0, 1) linear weights, zero biases).
    init: Literal["default", "initialize_weights"] = "default"
    # Nodes of the top-level graph (layers or module instances) whose weights do not train:
    # train.py calls requires_grad_(False) on them and gives the optimizer the other weights only.
    freeze: list[NodeId] = Field(default_factory=list, max_length=MAX_NODES)


class Graph(Body):
    schema_version: Literal[1] = SCHEMA_VERSION
    name: DisplayName = "Net"
    description: str = Field(default="", max_length=10_000)
    modules: list[ModuleDef] = Field(default_factory=list, max_length=MAX_MODULES)
    training: TrainingConfig = Field(default_factory=TrainingConfig)

    def module(self, name: str) -> ModuleDef | None:
        for m in self.modules:
            if m.name == name:
                return m
        return None

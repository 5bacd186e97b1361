"""What a check returns: per node shapes, params, FLOPs, inferred values and located issues."""

from __future__ import annotations

from pydantic import BaseModel, Field, JsonValue

from torchcanvas.graph.validate import Issue

ShownShape = list[int | str]  # "B" stands for the batch dimension


class IssueModel(BaseModel):
    message: str
    node: str | None = None
    param: str | None = None
    fix: str | None = None
    module: str | None = None
    severity: str = "error"

    @classmethod
    def of(cls, issue: Issue) -> IssueModel:
        return cls(message=issue.message, node=issue.node, param=issue.param, fix=issue.fix, module=issue.module,
                   severity=issue.severity)


class NodeResult(BaseModel):
    id: str
    # The node's name in model.py, from the same naming pass as the code: `self.<attr>` for a layer
    # or module, the forward argument for an input. The editor shows it next to the Name field.
    attr: str = ""
    inputs: dict[str, ShownShape] = Field(default_factory=dict)
    outputs: dict[str, ShownShape] = Field(default_factory=dict)
    params: int = 0  # trainable parameter count
    flops: int = 0  # per sample, as counted by torch.utils.flop_counter
    inferred: dict[str, JsonValue] = Field(default_factory=dict)  # params filled in from the input shape
    errors: list[IssueModel] = Field(default_factory=list)


class CheckResult(BaseModel):
    ok: bool
    nodes: dict[str, NodeResult]
    # Inside each module definition, the results for its first instance.
    modules: dict[str, dict[str, NodeResult]] = Field(default_factory=dict)
    issues: list[IssueModel] = Field(default_factory=list)  # every issue, node issues included
    total_params: int = 0
    frozen_params: int = 0  # of total_params: the weights of the nodes in training.freeze
    total_flops: int = 0

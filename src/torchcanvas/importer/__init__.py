"""Code -> graph: an nn.Module traced by torch.fx into a graph document (see ``trace``).

The tracer is imported on first use: the settings read ``importer.config`` at every start, and
that must not import torch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torchcanvas.importer.trace import ImportRefused, Refusal, import_module

__all__ = ["ImportRefused", "Refusal", "import_module"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from torchcanvas.importer import trace

        return getattr(trace, name)
    raise AttributeError(f"module 'torchcanvas.importer' has no attribute {name!r}")

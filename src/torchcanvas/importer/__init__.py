"""Code -> graph: an nn.Module traced by torch.fx into a graph document (see ``trace``)."""

from __future__ import annotations

from torchcanvas.importer.trace import ImportRefused, Refusal, import_module

__all__ = ["ImportRefused", "Refusal", "import_module"]

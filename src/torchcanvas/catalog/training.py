"""Losses, optimizers, LR schedulers, datasets and transforms (placeholder until filled in)."""

from __future__ import annotations

from torchcanvas.catalog.spec import Spec


class LossSpec(Spec):
    pass


class DatasetSpec(Spec):
    pass


def build_losses() -> dict[str, LossSpec]:
    return {}


def build_optimizers() -> dict[str, Spec]:
    return {}


def build_schedulers() -> dict[str, Spec]:
    return {}


def build_datasets() -> dict[str, DatasetSpec]:
    return {}


def build_transforms() -> dict[str, Spec]:
    return {}

"""The inference studio's settings (``TORCHCANVAS_INFERENCE__*``), nested in torchcanvas.settings.Settings."""

from __future__ import annotations

from pydantic import BaseModel, Field


class InferenceSettings(BaseModel):
    # Loaded models kept in memory, least recently used first out. A LeNet is 0.3 MB, a
    # ResNet-18 45 MB: 8 of the latter is the worst case a default server holds.
    cache_size: int = Field(default=8, ge=1, le=1024)
    # An uploaded image: its encoded size, and its width x height, checked from the header
    # before any pixel is decoded (a 40 kB PNG can claim 50,000 x 50,000 pixels). The request
    # body limit (max_body_bytes, 2 MiB by default) applies first.
    max_image_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=4096 * 4096, ge=64)
    # Classes returned, and Integrated Gradients' steps (its cost is steps forward and backward passes).
    top_k: int = Field(default=5, ge=1, le=100)
    ig_steps: int = Field(default=32, ge=2, le=512)
    # Feature maps drawn per conv activation, and values returned per vector activation.
    max_channels: int = Field(default=32, ge=1, le=1024)
    max_values: int = Field(default=1024, ge=1, le=100_000)
    # Batch prediction: files per request (a zip's entries counted), bytes once inflated, and how
    # many times its compressed size a zip entry may inflate (more is a zip bomb). The request
    # body limit (max_body_bytes) bounds the upload itself first.
    batch_max_files: int = Field(default=200, ge=1, le=100_000)
    batch_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    batch_max_ratio: float = Field(default=100.0, ge=1.0)

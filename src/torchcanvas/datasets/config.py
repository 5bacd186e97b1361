"""The bounds on uploaded data sets (``TORCHCANVAS_DATASETS__*``), nested in torchcanvas.settings.Settings.

Every bound is checked before the work it protects: the upload's size as it streams in, a zip's
entry count, names, total uncompressed size and compression ratios from its central directory
before a byte is decompressed (and again while decompressing: the directory may lie), an image's
width x height from its header before its pixels are decoded, and a CSV's column count from its
header line before any row is read.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class DatasetSettings(BaseModel):
    # The upload itself (a zip or a CSV), counted as it streams to disk.
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    # A zip: its entries, the sum of their uncompressed sizes, and how much any entry (and the
    # whole zip) may expand. Images and CSVs compress 1-10x; a zip bomb, 1,000x and more.
    max_files: int = Field(default=20_000, ge=1)
    max_uncompressed_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024)
    max_ratio: float = Field(default=100.0, ge=1)
    # One image file, encoded, and its width x height before it is decoded.
    max_image_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=4096 * 4096, ge=64)
    # Class folders of an image zip, and distinct targets of a CSV classification.
    max_classes: int = Field(default=1000, ge=2)
    # A CSV's columns and rows; its header line in bytes (read before anything else).
    max_columns: int = Field(default=10_000, ge=2)
    max_rows: int = Field(default=1_000_000, ge=2)
    # Values held while a CSV is read and split (8 bytes each): rows x chosen columns.
    max_cells: int = Field(default=10_000_000, ge=100)
    max_header_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The size the images are stored at (they are resized to image_size x image_size).
    max_image_size: int = Field(default=256, ge=4, le=1024)
    # Data sets per user, and the data a project zip may carry (``?include_data=true``).
    max_per_user: int = Field(default=50, ge=1)
    max_project_data_bytes: int = Field(default=100 * 1024 * 1024, ge=0)

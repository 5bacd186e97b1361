"""File names for downloads, derived from the user's model name."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(name: str, fallback: str = "model") -> str:
    """A name usable as a file or folder name on every OS: ASCII letters, digits, ``_.-``."""
    cleaned = _UNSAFE.sub("_", name).strip("._-")[:64]
    return cleaned or fallback


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}

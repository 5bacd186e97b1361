"""A batch of uploads as named image files: images as they are, zips opened in memory.

Nothing is written to disk. A zip is refused whole (``BatchRefused``) when it is hostile: an entry
whose path climbs out (``../``, an absolute path, a drive letter), more entries than allowed, more
bytes once inflated than allowed, or an entry that inflates past ``max_ratio`` times its
compressed size (a zip bomb). These are decided from the zip's directory before anything is
inflated; zipfile then inflates each entry only up to the size the directory states (and checks
its CRC), so a directory that lies about sizes costs at most ``max_bytes``. Files that are merely not images get a row with an error instead.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from torchcanvas.datasets.zips import entry_problem

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"})


class BatchRefused(Exception):
    """The whole batch is refused; the message says why and what to do."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Item:
    name: str
    data: bytes
    error: str | None = None


def _is_zip(name: str, data: bytes) -> bool:
    return name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"


def _skipped(name: str) -> bool:
    """Folders, macOS resource forks and hidden files: not images a user meant to send."""
    parts = PurePosixPath(name).parts
    return name.endswith("/") or any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _open_zip(name: str, data: bytes, budget: int, max_files: int, max_ratio: float) -> list[Item]:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise BatchRefused(f"{name} is not a zip file this server reads ({e}); zip the images again") from None
    bad = [(i.filename, why) for i in infos if (why := entry_problem(i))]
    if bad:
        entry, why = bad[0]
        raise BatchRefused(f"{name} has an entry that {why} ({entry!r}), so none is read: zip the images again")
    files = [i for i in infos if not i.is_dir() and not _skipped(i.filename)]
    if len(files) > max_files:
        raise BatchRefused(f"{name} holds {len(files)} files; at most {max_files} are predicted at once", 413)
    total = sum(i.file_size for i in files)
    if total > budget:
        raise BatchRefused(f"{name} inflates to {total:,} bytes; at most {budget:,} are read per batch", 413)
    for i in files:
        if i.file_size > max_ratio * max(i.compress_size, 1) and i.file_size > 1 << 16:
            raise BatchRefused(
                f"{name}: {i.filename} inflates {i.file_size / max(i.compress_size, 1):,.0f} times (a zip bomb?); "
                f"at most {max_ratio:g} times is accepted",
                413,
            )
    out = []
    for i in files:
        if PurePosixPath(i.filename).suffix.lower() not in IMAGE_SUFFIXES:
            out.append(Item(i.filename, b"", "not an image file (by its name); use PNG, JPEG, GIF, BMP or WebP"))
            continue
        try:
            # zipfile inflates at most the size the directory states, then checks the CRC: an entry
            # whose directory understates its size fails here, after file_size bytes, not more.
            with z.open(i) as f:
                body = f.read()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
            out.append(Item(i.filename, b"", f"the entry cannot be read from the zip ({type(e).__name__}: {e})"[:300]))
            continue
        out.append(Item(i.filename, body))
    return out


def expand(files: list[tuple[str, bytes]], *, max_files: int, max_bytes: int, max_ratio: float) -> list[Item]:
    """The uploads as image items, zips opened; bounded by ``max_files`` items and ``max_bytes`` in all."""
    items: list[Item] = []
    used = 0
    for name, data in files:
        if _is_zip(name, data):
            inner = _open_zip(name, data, max_bytes - used, max_files - len(items), max_ratio)
            items += [Item(f"{name}/{i.name}", i.data, i.error) for i in inner]
            used += sum(len(i.data) for i in inner)
        else:
            used += len(data)
            if used > max_bytes:
                raise BatchRefused(f"the images are over {max_bytes:,} bytes in all; send fewer at a time", 413)
            items.append(Item(name, data, None if data else "the file is empty (0 bytes)"))
        if len(items) > max_files:
            raise BatchRefused(f"{len(items)} files or more; at most {max_files} are predicted at once", 413)
    if not items:
        raise BatchRefused(
            "no image files were found in the upload; send PNG, JPEG, GIF, BMP or WebP files, or a zip of them"
        )
    return items
